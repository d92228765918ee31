"""`kg`: the command-line tool, a thin layer over `kg.api`.

Exit codes: 0 clean, 1 when anything was reported as an error, 2 for usage errors. The
library's exceptions become `click.ClickException` in one place (`errors.KgGroup`); the
commands that print rows share one set of output options and one printer (`output`); the
store, corrections and progress options are declared once (`options`).
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import click

from kg.cli.errors import KgGroup
from kg.cli.options import Progress, corrections_option, quiet_option, store_option
from kg.cli.output import Output, emit_results, output_options
from kg.export import EXPORT_FORMATS

__all__ = ["main"]


@click.group(cls=KgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="archive-kg")
def main() -> None:
    """Turn archive catalogues into a linked-data knowledge graph.

    Read listing pages, document pages and record tables; extract people, roles, places,
    organisations, events and topics; resolve and link them to Wikidata; store RDF in
    Oxigraph; query with SPARQL; export Turtle, TriG, N-Quads and JSON-LD; serve it all.
    """


def _problems(report) -> None:
    """An ingest's (or shard run's) errors, flags and notes, on standard error."""
    for kind, lines in (("error", report.errors), ("flagged", report.flags),
                        ("note", report.notes)):
        for line in lines:
            click.echo(f"{kind}: {line}", err=True)


def _report(report) -> None:
    """An ingest's or rebuild's problems on standard error, its summary on standard output."""
    _problems(report)
    click.echo(report.summary())


# the libraries the `serve` extra installs (pyproject.toml), and only `kg serve` needs
SERVE_EXTRA = ("starlette", "uvicorn", "jinja2")


@main.command()
@click.argument("paths", nargs=-1, required=True)
@store_option
@click.option("--base", help="Base IRI of the graph's IRIs (set it to the server's address).")
@click.option("--model", help="spaCy pipeline to use (default: the bundled en_core_web_sm).")
@click.option("--strict", is_flag=True, help="Abort with nothing written on any error or flag.")
@click.option("--full-text/--no-full-text", default=True, show_default=True,
              help="Extract mentions from documents' full text too.")
@click.option("--endpoint", help="Write to a remote SPARQL 1.1 store (Update + Graph Store).")
@click.option("--token", envvar="KG_TOKEN", help="Bearer token for --endpoint.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Extraction processes (one BLAS thread each).")
@quiet_option
@click.option("--rights", help="Rights statement of these sources (kept as dcterms:rights of "
              "each source graph) for records that state none.")
@corrections_option
def ingest(paths, store, base, model, strict, full_text, endpoint, token, workers, quiet,
           rights, corrections_path) -> None:
    """Read catalogue files (folders, or - for standard input) into the store."""
    if endpoint and rights:
        raise click.UsageError("--rights is not supported with --endpoint yet; nothing was "
                               "written")
    with Progress("ingesting", quiet=quiet) as bar:
        if endpoint:
            from kg.api import ingest_remote

            report = ingest_remote(paths, endpoint, base=base, token=token, model=model,
                                   strict=strict, full_text=full_text,
                                   progress=bar.callback)
        else:
            from kg.api import KnowledgeGraph

            kg = KnowledgeGraph(store, base=base, model=model, corrections=corrections_path,
                                workers=workers)
            report = kg.ingest(paths, strict=strict, full_text=full_text,
                               progress=bar.callback, rights=rights)
    _report(report)
    sys.exit(0 if report.ok else 1)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl",
              show_default=True, help="Output format: one JSON object per entry.")
@click.option("--model", help="spaCy pipeline to use.")
@click.option("--full-text/--no-full-text", default=True, show_default=True,
              help="Extract mentions from documents' full text too.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Extraction processes on this machine.")
@click.option("--dask", "dask_address", help="Dask scheduler address: extract on a cluster.")
@click.option("--shards", "shards_dir", type=click.Path(file_okay=False),
              help="With --dask: write N-Quads shards to this folder for `kg load`.")
@click.option("--base", default=None, help="Base IRI of the shards' IRIs.")
def extract(paths, fmt, model, full_text, workers, dask_address, shards_dir, base) -> None:
    """Print one JSON object per distinct catalogue entry (no store needed); with --dask and
    --shards, extract on a Dask cluster into N-Quads shards instead."""
    if shards_dir:
        if not dask_address:
            raise click.UsageError("--shards needs --dask ADDRESS")
        from kg.api import shard_corpus
        from kg.rdf.mapping import DEFAULT_BASE

        shards, report = shard_corpus(paths, dask_address, shards_dir,
                                      base=base or DEFAULT_BASE, model=model,
                                      full_text=full_text)
        for s in shards:
            click.echo(str(s))
        _problems(report)
        sys.exit(0 if report.ok else 1)
    from kg.core.identity import better, document_key
    from kg.extract.jsonl import entry_to_json
    from kg.sources import read_all

    reading = read_all(paths)
    for p in reading.problems:
        click.echo(f"{p.severity}: {p}", err=True)
    records: dict[str, object] = {}
    for r in reading.records:
        key = document_key(r)
        records[key] = better(records[key], r) if key in records else r
    if dask_address:
        from kg.pipeline.cluster import extract_on_dask

        entries = extract_on_dask(list(records.values()), dask_address, model=model,
                                  full_text=full_text)
    elif workers > 1:
        from kg.pipeline.parallel import extract_parallel

        entries = extract_parallel(records.values(), workers, model=model, full_text=full_text)
    else:
        from kg.pipeline.extract import local_extractor

        entries = local_extractor(model, None, full_text).extract(records.values())
    out = sys.stdout
    for entry in entries:
        out.write(json.dumps(entry_to_json(entry), ensure_ascii=False) + "\n")
    sys.exit(0 if reading.ok else 1)


@main.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@store_option
@click.option("--base", help="Base IRI (must match the store's, when it has one).")
@quiet_option
def load(shards, store, base, quiet) -> None:
    """Bulk-load N-Quads shards (from `kg extract --dask ... --shards DIR`) into the store as
    one new generation; graphs a shard holds replace the store's graphs of the same name."""
    from kg.api import load_shards

    with Progress("loading", quiet=quiet) as bar:
        n = load_shards(store, shards, base=base, progress=bar.callback)
    click.echo(f"{n} quads added from {len(shards)} shard(s)")


def _read_query(query: str) -> str:
    from kg.core.resources import QUERIES_DIR

    if query == "-":
        return sys.stdin.read()
    p = Path(query)
    if p.exists():
        return p.read_text(encoding="utf-8")
    named = QUERIES_DIR / f"{query}.rq"
    if named.exists():
        return named.read_text(encoding="utf-8")
    raise click.UsageError(f"{query}: no such file or named query (see `kg queries`)")


def _name_value(ctx, param, values: tuple[str, ...]) -> dict[str, str]:
    for v in values:
        if "=" not in v:
            raise click.BadParameter(f"{v!r}: expected NAME=VALUE", ctx, param)
    return dict(v.split("=", 1) for v in values)


@main.command()
@click.argument("query")
@store_option
@output_options(piped="tsv")
@click.option("--param", "-p", multiple=True, metavar="NAME=VALUE", callback=_name_value,
              help="Bind a query parameter ?NAME (its default is in the query's header).")
def query(query, store, output: Output, param) -> None:
    """Run a SPARQL query: a .rq file, a named query from queries/, or - for standard input."""
    from kg.api import KnowledgeGraph
    from kg.query import EntityNames, bind_limit, check_parameters, substitutions

    graph = KnowledgeGraph(store)
    source = _read_query(query)
    reader = graph.reader()
    try:
        values, notes = check_parameters(source, param, EntityNames(reader))
        text = bind_limit(source, values)
        bound = substitutions(source, values)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    for note in notes:
        click.echo(f"note: {note}", err=True)
    try:
        results = graph.query(text, substitutions=bound)
    except SyntaxError as exc:
        from kg.rdf.namespace import PREFIXES
        from kg.sparql_errors import explain

        where = "standard input" if query == "-" else query
        raise click.ClickException(
            f"SPARQL syntax error in {where}, "
            f"{explain(text, str(exc), known_prefixes=set(PREFIXES))}") from None
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"query failed: {exc}") from None
    emit_results(results, output)


@main.command()
@output_options
def queries(output: Output) -> None:
    """List the named queries with what each answers and the parameters each takes."""
    from kg.query import named_queries

    rows, lines = [], []
    for q in named_queries():
        rows.append({"name": q.name, "scope": q.scope, "description": q.description,
                     "parameters": [f"{p.name} ({p.expects()})" for p in q.typed]})
        lines.append(f"{q.name:28s} [{q.scope}] {q.description}")
        for p in q.typed:
            example = f"; e.g. -p {shlex.quote(f'{p.name}={p.example}')}" if p.example else ""
            about = f": {p.description}" if p.description else ""
            lines.append(f"    -p {p.name}  ({p.expects()}{example}){about}")
    output.emit(rows, ["name", "scope", "description", "parameters"], text="\n".join(lines))


@main.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="turtle",
              show_default=True, help="RDF format to write.")
@click.option("--graph", help="Export only this named graph (IRI).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
@quiet_option
def export(store, fmt, graph, output, quiet) -> None:
    """Export the graph: Turtle holds the union of all graphs; TriG, N-Quads and JSON-LD keep
    the named graphs; the JSON-LD embeds its context."""
    from kg.api import KnowledgeGraph
    from kg.export import write_export

    with Progress("exporting", quiet=quiet) as bar:
        n = write_export(KnowledgeGraph(store).reader(), fmt, output, graph,
                         progress=bar.callback)
    if output:
        click.echo(f"{n} statements written to {output}", err=True)


@main.command()
@store_option
@output_options
def stats(store, output: Output) -> None:
    """Counts of documents, people, places, organisations, roles, events, graphs and quads."""
    from kg.api import KnowledgeGraph

    counts = KnowledgeGraph(store).stats()
    output.emit([{"name": k, "count": v} for k, v in counts.items()], ["name", "count"])


@main.command()
@store_option
@click.option("--full", is_flag=True, help="Print pySHACL's whole report as well (table only).")
@output_options
def validate(store, full, output: Output) -> None:
    """Check the store against ontology/shapes.ttl (SHACL): one line per problem naming the
    document, its source file and line, and what is wrong; exit 1 on any violation."""
    from kg.api import KnowledgeGraph
    from kg.validate import validate_store

    if full and output.structured:
        raise click.UsageError("--full goes with the table format (pySHACL's report is text)")
    report = validate_store(KnowledgeGraph(store).reader())
    rows = [{"document": p.document, "source": p.source, "focus": p.focus, "path": p.path,
             "message": p.message} for p in report.problems]
    if output.structured:  # standard output holds the rows alone
        click.echo(report.summary, err=True)
    output.emit(rows, ["document", "source", "focus", "path", "message"],
                text=report.text if full else "\n".join(report.lines()))
    sys.exit(0 if report.conforms else 1)


@main.command()
@click.argument("target")
@store_option
def remove(target, store) -> None:
    """Take a source (its path; a bare file name when only one source has it) or a document
    (its IRI or key) out of the store, with every graph that came from it."""
    from kg.api import KnowledgeGraph

    graph = KnowledgeGraph(store)
    # opening a reader first makes a mistyped --store an error: the removal's writer would
    # otherwise create an empty store there
    graph.reader()
    n = graph.remove(target)
    if n == 0:
        raise click.ClickException(f"{target}: no such source or document in {store}")
    click.echo(f"removed {n} graph(s)")


@main.command()
@store_option
@click.option("--model", help="spaCy pipeline to use.")
@corrections_option
@quiet_option
def rebuild(store, model, corrections_path, quiet) -> None:
    """Re-extract every kept raw record after an upgrade of extractor, authority or ontology."""
    from kg.api import KnowledgeGraph

    with Progress("rebuilding", quiet=quiet) as bar:
        report = KnowledgeGraph(store, model=model, corrections=corrections_path).rebuild(
            progress=bar.callback)
    for line in report.notes:
        click.echo(f"note: {line}", err=True)
    click.echo(report.summary())


@main.command()
@store_option
@click.option("--online", is_flag=True,
              help="Look entities without a Wikidata link up on the Wikidata API (sends "
                   "requests; also KG_WIKIDATA_ONLINE=1). Offline by default.")
@click.option("--review", is_flag=True, help="List uncertain links for a curator to decide.")
@click.option("--accept", multiple=True, metavar="KEY=QID",
              help="Record that an entity (kind/key or key) is this Wikidata item.")
@click.option("--reject", multiple=True, metavar="KEY=QID",
              help="Record that an entity must never be linked to this Wikidata item.")
@corrections_option
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Cache of Wikidata answers (default: STORE/wikidata-cache).")
@click.option("--api-url", default="https://www.wikidata.org/w/api.php", show_default=True,
              help="MediaWiki API to ask (a mirror, or a local replay server in tests).")
@click.option("--limit", default=50, show_default=True, help="Review items to list.")
@output_options
@quiet_option
def link(store, online, review, accept, reject, corrections_path, cache_dir, api_url, limit,
         output: Output, quiet) -> None:
    """Link people, places and organisations to Wikidata: report the links (authority files,
    curators' decisions, online lookups), look unlinked ones up with --online, list uncertain
    ones with --review, and record a curator's --accept/--reject in the corrections file.
    The rows are the review items with --review, else the entities still unlinked."""
    from kg.cli.link_output import outcome_json, outcome_rows, render
    from kg.link import run_link_command

    with Progress("linking", quiet=quiet or not online) as bar:
        outcome = run_link_command(
            store, online=online, review=review, accept=accept, reject=reject,
            corrections_path=corrections_path, cache_dir=cache_dir, api_url=api_url,
            limit=limit, progress=bar.callback)
    document = outcome_json(outcome)
    output.emit(outcome_rows(document, review), document=document,
                text=render(outcome, "table") if output.format == "table" else None)


def _evaluation_rows(report: dict, summary_only: bool) -> list[dict]:
    """One row per kind overall, then (unless `summary_only`) per document and kind."""
    def row(document: str, record_id, kind: str, s: dict, missed=None) -> dict:
        return {"document": document, "record_id": record_id, "kind": kind,
                "recall": s["recall"], "precision": s["precision"],
                "curated": s["tp"] + s["fn"], "found": s["tp"], "tp": s["tp"], "fp": s["fp"],
                "fn": s["fn"], "missed": missed or []}

    rows = [row("", None, k, s) for k, s in report["overall"].items()]
    if not summary_only:
        rows += [row(d["title"], d["record_id"], k, s, d["missed"].get(k))
                 for d in report["documents"] for k, s in d["scores"].items()]
    return rows


@main.command()
@click.argument("paths", nargs=-1)
@store_option
@click.option("--model", help="spaCy pipeline to use.")
@output_options
@click.option("--summary-only", is_flag=True, help="Only the per-kind totals.")
def evaluate(paths, store, model, output: Output, summary_only) -> None:
    """Compare machine extraction with curated metadata (record tables, document pages): recall
    and indicative precision per kind, overall and per document, with the disagreements.
    Without PATHS, the records kept in the store are evaluated."""
    from kg.evaluate import evaluate_entries, format_text
    from kg.pipeline.extract import local_extractor
    from kg.sources import read_all

    failed = False
    if paths:
        reading = read_all(paths)
        for p in reading.problems:
            click.echo(f"{p.severity}: {p}", err=True)
        records, failed = reading.records, not reading.ok
    else:
        from kg.api import KnowledgeGraph

        records = KnowledgeGraph(store).raw_records()
    ev = evaluate_entries(local_extractor(model).extract(records))
    if not ev.documents:
        raise click.ClickException("no record with curated metadata to compare against")
    document = ev.as_dict()
    output.emit(_evaluation_rows(document, summary_only), document=document,
                text=format_text(ev, show_documents=not summary_only))
    sys.exit(1 if failed else 0)


@main.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (loopback unless you say otherwise).")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--allow-update", is_flag=True, help="Accept SPARQL Update (needs --token).")
@click.option("--token", envvar="KG_TOKEN", help="Bearer token updates must carry.")
@click.option("--federation", is_flag=True, help="Allow SERVICE and LOAD (outbound requests).")
@click.option("--timeout", default=10.0, show_default=True, type=float, help="Seconds per query.")
@click.option("--max-results", default=10000, show_default=True, type=int,
              help="Rows at most per result.")
@click.option("--max-body", default=1_000_000, show_default=True, type=int,
              help="Request body size limit in bytes.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Serving processes (default: the CPUs, at most 4). Each runs the pages and "
                   "its queries itself; 1 runs one process with queries in killable workers.")
@click.option("--access-log", is_flag=True, help="Log every request to standard error.")
def serve(store, host, port, allow_update, token, federation, timeout, max_results, max_body,
          workers, access_log):
    """Serve the graph: SPARQL 1.1 endpoint, dereferenceable IRIs, web pages, network, map,
    timeline, VoID, downloads and a W3C Reconciliation API endpoint."""
    try:
        from kg.serve.processes import DEFAULT_WORKERS
        from kg.serve.processes import serve as run
    except ModuleNotFoundError as exc:
        if exc.name not in SERVE_EXTRA:
            raise
        raise click.ClickException(f"kg serve needs {exc.name}, which is not installed: "
                                   f"pip install 'archive-kg[serve]'") from None

    run(store, host=host, port=port, allow_update=allow_update, token=token,
        federation=federation, timeout=timeout, max_results=max_results, max_body=max_body,
        workers=workers or DEFAULT_WORKERS, access_log=access_log)
