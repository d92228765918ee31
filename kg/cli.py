"""`kg`: the command-line tool, a thin layer over `kg.api`.

Exit codes: 0 clean, 1 when anything was reported as an error, 2 for usage errors.
"""

from __future__ import annotations

import csv
import io
import json
import shlex
import sys
from pathlib import Path

import click

from kg.store import DEFAULT_STORE, StoreError

QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries"


def corrections_option(f):
    return click.option(
        "--corrections", "corrections_path", default=None,
        type=click.Path(dir_okay=False, path_type=Path),
        help="A historian's corrections file (JSON Lines); default: the one the store names, "
             "else STORE/corrections.jsonl (or KG_CORRECTIONS). A file given here is recorded "
             "in the store, so later commands use it from any folder.")(f)


def store_option(f):
    return click.option("--store", "store", default=DEFAULT_STORE, show_default=True,
                        type=click.Path(file_okay=False), help="Store folder.")(f)


def _fail(message: str, code: int = 1):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="archive-kg")
def main() -> None:
    """Turn archive catalogues into a linked-data knowledge graph.

    Read listing pages, document pages and record tables; extract people, roles, places,
    organisations, events and topics; resolve and link them to Wikidata; store RDF in
    Oxigraph; query with SPARQL; export Turtle, TriG, N-Quads and JSON-LD; serve it all.
    """


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
@click.option("--silent", is_flag=True, help="No progress bar.")
@corrections_option
def ingest(paths, store, base, model, strict, full_text, endpoint, token, workers, silent,
           corrections_path) -> None:
    """Read catalogue files (folders, or - for standard input) into the store."""
    from kg.api import IngestAborted, KnowledgeGraph
    from kg.resolve.corrections import CorrectionsError

    bars: list = []
    if endpoint:
        from kg.api import ingest_remote

        report = ingest_remote(paths, endpoint, base=base, token=token, model=model,
                               strict=strict, full_text=full_text)
    else:
        try:
            kg = KnowledgeGraph(store, base=base, model=model, corrections=corrections_path,
                                workers=workers)
        except StoreError as exc:
            _fail(str(exc))
        show = not silent and sys.stderr.isatty()

        def progress(step: int, total: int) -> None:
            if not bars:
                bars.append(click.progressbar(length=total, label="ingesting", file=sys.stderr))
            bars[0].update(step)

        try:
            report = kg.ingest(paths, strict=strict, full_text=full_text,
                               progress=progress if show else None)
        except IngestAborted as exc:
            _fail(f"--strict: {exc}; nothing was written")
        except (StoreError, CorrectionsError) as exc:
            _fail(str(exc))
    if bars:
        bars[0].render_finish()
    for line in report.errors:
        click.echo(f"error: {line}", err=True)
    for line in report.flags:
        click.echo(f"flagged: {line}", err=True)
    for line in report.notes:
        click.echo(f"note: {line}", err=True)
    click.echo(report.summary())
    sys.exit(0 if report.ok else 1)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl",
              show_default=True, help="Output format.")
@click.option("--model", help="spaCy pipeline to use.")
@click.option("--full-text/--no-full-text", default=True, show_default=True)
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
            _fail("--shards needs --dask ADDRESS", 2)
        from kg.api import shard_corpus
        from kg.distributed import ClusterError
        from kg.rdf.mapping import DEFAULT_BASE

        try:
            shards, report = shard_corpus(paths, dask_address, shards_dir,
                                          base=base or DEFAULT_BASE, model=model,
                                          full_text=full_text)
        except ClusterError as exc:
            _fail(str(exc))
        for line in report.errors:
            click.echo(f"error: {line}", err=True)
        for line in report.flags:
            click.echo(f"flagged: {line}", err=True)
        for line in report.notes:
            click.echo(f"note: {line}", err=True)
        for s in shards:
            click.echo(str(s))
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
        from kg.distributed import extract_on_dask

        entries = extract_on_dask(list(records.values()), dask_address, model=model,
                                  full_text=full_text)
    elif workers > 1:
        from kg.extract.parallel import extract_parallel

        entries = extract_parallel(records.values(), workers, model=model, full_text=full_text)
    else:
        from kg.extract.pipeline import Extractor

        entries = Extractor(model=model, full_text=full_text).extract(records.values())
    out = sys.stdout
    for entry in entries:
        out.write(json.dumps(entry_to_json(entry), ensure_ascii=False) + "\n")
    sys.exit(0 if reading.ok else 1)


@main.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@store_option
@click.option("--base", help="Base IRI (must match the store's, when it has one).")
def load(shards, store, base) -> None:
    """Bulk-load N-Quads shards (from `kg extract --dask ... --shards DIR`) into the store as
    one new generation; graphs a shard holds replace the store's graphs of the same name."""
    from kg.api import load_shards

    try:
        n = load_shards(store, shards, base=base)
    except StoreError as exc:
        _fail(str(exc))
    click.echo(f"{n} quads added from {len(shards)} shard(s)")


def _read_query(query: str) -> str:
    if query == "-":
        return sys.stdin.read()
    p = Path(query)
    if p.exists():
        return p.read_text(encoding="utf-8")
    named = QUERIES_DIR / f"{query}.rq"
    if named.exists():
        return named.read_text(encoding="utf-8")
    _fail(f"{query}: no such file or named query (see `kg queries`)", 2)
    return ""


@main.command()
@click.argument("query")
@store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "tsv"]),
              default=None, help="Output format (table on a terminal, else tsv).")
@click.option("--param", "-p", multiple=True, metavar="NAME=VALUE",
              help="Bind a query parameter ?NAME (its default is in the query's header).")
def query(query, store, fmt, param) -> None:
    """Run a SPARQL query: a .rq file, a named query from queries/, or - for standard input."""
    from kg.api import KnowledgeGraph
    from kg.query import (
        EntityNames,
        bind_limit,
        check_parameters,
        format_results,
        substitutions,
    )

    for p in param:
        if "=" not in p:
            _fail(f"--param {p!r}: expected NAME=VALUE", 2)
    graph = KnowledgeGraph(store)
    source = _read_query(query)
    try:
        reader = graph.reader()
    except StoreError as exc:
        _fail(str(exc))
    try:
        values, notes = check_parameters(source, dict(p.split("=", 1) for p in param),
                                         EntityNames(reader))
        text = bind_limit(source, values)
        bound = substitutions(source, values)
    except ValueError as exc:
        _fail(str(exc), 2)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    try:
        results = graph.query(text, substitutions=bound)
    except SyntaxError as exc:
        from kg.rdf.namespace import PREFIXES
        from kg.sparql_errors import explain

        where = "standard input" if query == "-" else query
        _fail(f"SPARQL syntax error in {where}, "
              f"{explain(text, str(exc), known_prefixes=set(PREFIXES))}")
    except (ValueError, OSError) as exc:
        _fail(f"query failed: {exc}")
    except StoreError as exc:
        _fail(str(exc))
    fmt = fmt or ("table" if sys.stdout.isatty() else "tsv")
    sys.stdout.write(format_results(results, fmt))


@main.command()
def queries() -> None:
    """List the named queries with what each answers."""
    from kg.query import named_queries

    for q in named_queries():
        click.echo(f"{q.name:28s} [{q.scope}] {q.description}")
        for p in q.typed:
            example = f"; e.g. -p {shlex.quote(f'{p.name}={p.example}')}" if p.example else ""
            about = f": {p.description}" if p.description else ""
            click.echo(f"    -p {p.name}  ({p.expects()}{example}){about}")


@main.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(["turtle", "trig", "nquads", "jsonld"]),
              default="turtle", show_default=True)
@click.option("--graph", help="Export only this named graph (IRI).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
def export(store, fmt, graph, output) -> None:
    """Export the graph: Turtle holds the union of all graphs; TriG, N-Quads and JSON-LD keep
    the named graphs; the JSON-LD embeds its context."""
    from kg.api import KnowledgeGraph
    from kg.export import write_export

    try:
        n = write_export(KnowledgeGraph(store).reader(), fmt, output, graph)
    except StoreError as exc:
        _fail(str(exc))
    if output:
        click.echo(f"{n} statements written to {output}", err=True)


@main.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats(store, as_json) -> None:
    """Counts of documents, people, places, organisations, roles, events, graphs and quads."""
    from kg.api import KnowledgeGraph

    try:
        counts = KnowledgeGraph(store).stats()
    except StoreError as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(counts, indent=2))
    else:
        for k, v in counts.items():
            click.echo(f"{k:14s} {v}")


@main.command()
@store_option
@click.option("--full", is_flag=True, help="Print pySHACL's whole report as well.")
def validate(store, full) -> None:
    """Check the store against ontology/shapes.ttl (SHACL): one line per problem naming the
    document, its source file and line, and what is wrong; exit 1 on any violation."""
    from kg.api import KnowledgeGraph
    from kg.validate import validate_store

    try:
        report = validate_store(KnowledgeGraph(store).reader())
    except StoreError as exc:
        _fail(str(exc))
    click.echo(report.text if full else "\n".join(report.lines()))
    sys.exit(0 if report.conforms else 1)


@main.command()
@click.argument("target")
@store_option
def remove(target, store) -> None:
    """Take a source (its path; a bare file name when only one source has it) or a document
    (its IRI or key) out of the store, with every graph that came from it."""
    from kg.api import KnowledgeGraph

    try:
        n = KnowledgeGraph(store).remove(target)
    except StoreError as exc:
        _fail(str(exc))
    if n == 0:
        _fail(f"{target}: no such source or document in {store}")
    click.echo(f"removed {n} graph(s)")


@main.command()
@store_option
@click.option("--model", help="spaCy pipeline to use.")
@corrections_option
def rebuild(store, model, corrections_path) -> None:
    """Re-extract every kept raw record after an upgrade of extractor, authority or ontology."""
    from kg.api import KnowledgeGraph
    from kg.resolve.corrections import CorrectionsError

    try:
        report = KnowledgeGraph(store, model=model, corrections=corrections_path).rebuild()
    except (StoreError, CorrectionsError) as exc:
        _fail(str(exc))
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
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
def link(store, online, review, accept, reject, corrections_path, cache_dir, api_url, limit,
         fmt) -> None:
    """Link people, places and organisations to Wikidata: report the links (authority files,
    curators' decisions, online lookups), look unlinked ones up with --online, list uncertain
    ones with --review, and record a curator's --accept/--reject in the corrections file."""
    from kg.link import LinkError, run_link_command
    from kg.link.format import render

    try:
        text = render(run_link_command(store, online=online, review=review, accept=accept,
                                       reject=reject, corrections_path=corrections_path,
                                       cache_dir=cache_dir, api_url=api_url, limit=limit), fmt)
    except (LinkError, StoreError) as exc:
        _fail(str(exc))
    click.echo(text, nl=False)


@main.command()
@click.argument("paths", nargs=-1)
@store_option
@click.option("--model", help="spaCy pipeline to use.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--summary-only", is_flag=True, help="Only the per-kind totals.")
def evaluate(paths, store, model, fmt, summary_only) -> None:
    """Compare machine extraction with curated metadata (record tables, document pages): recall
    and indicative precision per kind, overall and per document, with the disagreements.
    Without PATHS, the records kept in the store are evaluated."""
    from kg.evaluate import evaluate_entries, format_text
    from kg.extract.pipeline import Extractor
    from kg.sources import read_all

    failed = False
    if paths:
        reading = read_all(paths)
        for p in reading.problems:
            click.echo(f"{p.severity}: {p}", err=True)
        records, failed = reading.records, not reading.ok
    else:
        from kg.api import KnowledgeGraph

        try:
            records = KnowledgeGraph(store).raw_records()
        except StoreError as exc:
            _fail(str(exc))
    ev = evaluate_entries(Extractor(model=model).extract(records))
    if not ev.documents:
        _fail("no record with curated metadata to compare against")
    if fmt == "json":
        click.echo(json.dumps(ev.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_text(ev, show_documents=not summary_only), nl=False)
    sys.exit(1 if failed else 0)


@main.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (loopback unless you say otherwise).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--allow-update", is_flag=True, help="Accept SPARQL Update (needs --token).")
@click.option("--token", envvar="KG_TOKEN", help="Bearer token updates must carry.")
@click.option("--federation", is_flag=True, help="Allow SERVICE and LOAD (outbound requests).")
@click.option("--timeout", default=10.0, show_default=True, type=float, help="Seconds per query.")
@click.option("--max-results", default=10000, show_default=True, type=int,
              help="Rows at most per result.")
@click.option("--max-body", default=1_000_000, show_default=True, type=int,
              help="Request body size limit in bytes.")
def serve(store, host, port, allow_update, token, federation, timeout, max_results, max_body):
    """Serve the graph: SPARQL 1.1 endpoint, dereferenceable IRIs, web pages, network, map,
    timeline, VoID, downloads and a W3C Reconciliation API endpoint."""
    from kg.serve.app import ServeError
    from kg.serve.app import serve as run

    try:
        run(store, host=host, port=port, allow_update=allow_update, token=token,
            federation=federation, timeout=timeout, max_results=max_results, max_body=max_body)
    except ServeError as exc:
        _fail(str(exc))


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [min(60, max([len(h)] + [len(r[i]) for r in rows])) for i, h in enumerate(headers)]
    out = io.StringIO()
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for r in rows:
        out.write("  ".join(c[:60].ljust(w) for c, w in zip(r, widths)).rstrip() + "\n")
    return out.getvalue()


def write_csv(headers, rows, delimiter=",") -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    w.writerow(headers)
    w.writerows(rows)
    return out.getvalue()


if __name__ == "__main__":
    main()
