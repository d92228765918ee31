"""Benchmark of `kg serve`: page latency under concurrent clients, start-up, and SPARQL
throughput beside `oxigraph serve-read-only` on the same generation and query.

On a store already ingested, with `kg serve` started as a user starts it (its own process):

* time from the command's start to its first page answered (GET /);
* p50/p95/p99 latency of document, person, place, search and facet pages and of an unknown
  URL's 404, each with 4 clients sending requests at once over keep-alive connections;
* SPARQL lookups (one person's label and types, over 50 people) under 8 clients: requests/s
  of `kg serve` and of `oxigraph serve-read-only` (the `oxigraph` CLI of the test extra) on
  the generation `kg serve` publishes, with the union default graph on both, measured in turns
  (kg, oxigraph, kg, oxigraph; the better of each server's two runs), since other programs
  on the machine change the figures from one second to the next;
* the lookup's latency while a runaway query holds a worker (the server must stay responsive)
  and the runaway's status once `--timeout` has passed.

    python -m bench.serve --store STORE [--store STORE2]   # measure stores
    python -m bench.serve --sizes 10000             # generate, ingest, measure

`make bench` runs it as the "serve" step of `bench.run` at every size it ingests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.load import LoadResult, run_load  # noqa: E402

PAGE_CLIENTS = 4
SPARQL_CLIENTS = 8
SPARQL_SECONDS = 8.0
PAGE_REQUESTS = 50  # per client and page kind
PAGE_SECONDS = 60.0  # or fewer, if a kind of page takes longer than this in all
TIMEOUT_S = 5.0  # kg serve --timeout while measured: the runaway query is stopped there
PAGES = ("document", "person", "place", "search", "facet", "404")
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SPARQL_JSON = "application/sparql-results+json"
# Every triple pattern against every other: runs for minutes on any real store.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, accept: str = "*/*", timeout: float = 60.0) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _start(cmd: list[str], probe: str, limit: float = 600.0) -> tuple[subprocess.Popen, float]:
    """Start a server; (process, seconds from the start to the first answer of `probe`). Its
    output goes to a file (a pipe nobody reads would stop a server that logs)."""
    t0 = time.perf_counter()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    proc.log = log  # type: ignore[attr-defined]
    while time.perf_counter() - t0 < limit:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"{cmd[0]} exited: {log.read().decode()[-2000:]}")
        try:
            status, _ = _get(probe, timeout=limit)
            if status < 500:
                return proc, time.perf_counter() - t0
        except OSError:
            time.sleep(0.05)
    _stop(proc)
    raise RuntimeError(f"{' '.join(cmd)}: no answer within {limit:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log = getattr(proc, "log", None)
    if log is not None:
        log.close()


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process and all its descendants so far: what a server
    spends, whatever else the machine runs (its requests/s depend on that; this does less)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo, seen = 0.0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                children = Path(f"/proc/{p}/task/{task.name}/children")
                if children.exists():
                    todo.extend(int(c) for c in children.read_text().split())
        except (OSError, IndexError, ValueError):
            continue
    return total


def _sparql_run(proc: subprocess.Popen, url: str, queries: list[str],
                seconds: float) -> dict:
    """One SPARQL load run with the server's CPU per request beside its rate."""
    before = _cpu_s(proc.pid)
    res = run_load(url, queries, clients=SPARQL_CLIENTS, seconds=seconds, accept=SPARQL_JSON)
    figures = _figures(res)
    figures["server_cpu_us"] = round((_cpu_s(proc.pid) - before) / res.requests * 1e6) \
        if res.requests else None
    return figures


def _select(url: str, query: str) -> list[dict]:
    status, body = _get(url + "sparql?query=" + quote(query), SPARQL_JSON)
    if status != 200:
        raise RuntimeError(f"sample query failed ({status}): {body[:300]!r}")
    return json.loads(body)["results"]["bindings"]


def _sample(url: str) -> dict[str, list[str]]:
    """IRIs and words to request, read from the served store itself."""
    from kg.rdf.namespace import KG_IRI

    def iris(cls: str, n: int = 50) -> list[str]:
        rows = _select(url, f"SELECT DISTINCT ?s WHERE {{ ?s <{RDF_TYPE}> <{KG_IRI}{cls}> }} "
                            f"LIMIT {n}")
        return [r["s"]["value"] for r in rows]

    people = _select(url, f"SELECT DISTINCT ?s ?l WHERE {{ ?s <{RDF_TYPE}> <{KG_IRI}Person> ; "
                          f"<{RDFS_LABEL}> ?l }} LIMIT 50")
    return {"document": iris("Document"), "person": [r["s"]["value"] for r in people],
            "place": iris("Place"),
            "words": [r["l"]["value"].split()[-1] for r in people if r["l"]["value"].split()]}


def _path(iri: str) -> str:
    parts = urlsplit(iri)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def lookup_query(iri: str) -> str:
    """The SPARQL lookup both servers answer: full IRIs, no prefixes (Oxigraph has ours not)."""
    return f"SELECT ?label ?type WHERE {{ <{iri}> <{RDFS_LABEL}> ?label ; <{RDF_TYPE}> ?type }}"


def _figures(res: LoadResult) -> dict:
    def ms(v: float | None) -> float | None:
        return None if v is None else round(v * 1000, 2)

    return {"requests": res.requests, "seconds": round(res.seconds, 2),
            "rate": round(res.rate, 1), "p50_ms": ms(res.percentile(50)),
            "p95_ms": ms(res.percentile(95)), "p99_ms": ms(res.percentile(99)),
            "statuses": {str(k): v for k, v in sorted(res.statuses.items())},
            "errors": res.errors}


def page_targets(sample: dict[str, list[str]]) -> dict[str, list[str]]:
    people, places = sample["person"], sample["place"]
    return {
        "document": [_path(i) for i in sample["document"]],
        "person": [_path(i) for i in people],
        "place": [_path(i) for i in places],
        "search": [f"/search?q={quote(w)}" for w in sample["words"]],
        # a person and a place chosen together (the browse page's facets)
        "facet": [f"/documents?person={quote(_path(p))}&place={quote(_path(q))}"
                  for p, q in zip(people, places * (len(people) // max(1, len(places)) + 1))],
        "404": [f"/no-such-page/{i}" for i in range(50)],
    }


def _kg_command(store: str, port: int) -> list[str]:
    kg = shutil.which("kg", path=os.path.dirname(sys.executable)) or "kg"
    return [kg, "serve", "--store", store, "--port", str(port), "--timeout", str(TIMEOUT_S)]


def _oxigraph_command(generation: Path, port: int) -> list[str]:
    ox = shutil.which("oxigraph", path=os.path.dirname(sys.executable)) or "oxigraph"
    return [ox, "serve-read-only", "--location", str(generation), "--bind",
            f"127.0.0.1:{port}", "--union-default-graph"]


def _responsive(url: str, target: str) -> dict:
    """A runaway query on one connection; lookups on another meanwhile."""
    out: dict = {}

    def runaway() -> None:
        t = time.perf_counter()
        status, _ = _get(url + "sparql?query=" + quote(RUNAWAY), SPARQL_JSON,
                         timeout=TIMEOUT_S * 10)
        out["runaway_status"] = status
        out["runaway_s"] = round(time.perf_counter() - t, 2)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)
    res = run_load(url, [target], clients=1, seconds=TIMEOUT_S - 1.5)
    thread.join()
    out["lookups_meanwhile"] = _figures(res)
    return out


def measure(store: str | Path, *, pages: tuple[str, ...] = PAGES,
            per_client: int = PAGE_REQUESTS, sparql_seconds: float = SPARQL_SECONDS) -> dict:
    from kg.store import current_generation

    store = str(store)
    generation = current_generation(Path(store))
    if generation is None:
        raise RuntimeError(f"{store}: nothing published")
    from kg.serve.processes import DEFAULT_WORKERS

    out: dict = {"load_average_start": os.getloadavg()[0], "timeout_s": TIMEOUT_S,
                 "workers": DEFAULT_WORKERS}
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    proc, first = _start(_kg_command(store, port), url)
    kg_runs: list[dict] = []
    try:
        out["first_page_s"] = round(first, 2)
        sample = _sample(url)
        targets = page_targets(sample)
        out["pages"] = {}
        for kind in pages:
            run_load(url, targets[kind][:4], clients=PAGE_CLIENTS, per_client=2)  # warm
            res = run_load(url, targets[kind], clients=PAGE_CLIENTS, per_client=per_client,
                           seconds=PAGE_SECONDS, accept="text/html")
            out["pages"][kind] = _figures(res)
        queries = ["/sparql?query=" + quote(lookup_query(i)) for i in sample["person"]]
        run_load(url, queries, clients=SPARQL_CLIENTS, seconds=1.0, accept=SPARQL_JSON)
        kg_runs.append(_sparql_run(proc, url, queries, sparql_seconds))
        out["responsive"] = _responsive(url, queries[0])
        _, kg_answer = _get(url + queries[0][1:], SPARQL_JSON)
        # Oxigraph's turns with `kg serve` still running (idle): restarting it would repeat
        # its start-up, minutes at 100k.
        ox_runs: list[dict] = []
        ox_port = _free_port()
        ox_url = f"http://127.0.0.1:{ox_port}/"
        ox_queries = ["/query" + q[len("/sparql"):] for q in queries]
        for turn in range(2):
            if turn:
                kg_runs.append(_sparql_run(proc, url, queries, sparql_seconds))
            ox, _ = _start(_oxigraph_command(generation, ox_port), ox_url)
            try:
                if turn == 0:
                    _, ox_answer = _get(ox_url + ox_queries[0][1:], SPARQL_JSON)
                    out["same_answer"] = _rows(kg_answer) == _rows(ox_answer)
                run_load(ox_url, ox_queries, clients=SPARQL_CLIENTS, seconds=1.0,
                         accept=SPARQL_JSON)
                ox_runs.append(_sparql_run(ox, ox_url, ox_queries, sparql_seconds))
            finally:
                _stop(ox)
    finally:
        _stop(proc)
    kg_best = max(kg_runs, key=lambda r: r["rate"])
    ox_best = max(ox_runs, key=lambda r: r["rate"])
    out["sparql"] = {"clients": SPARQL_CLIENTS, "query": lookup_query("IRI"),
                     "kg": kg_best, "oxigraph": ox_best, "kg_runs": kg_runs, "ox_runs": ox_runs,
                     "ratio": round(kg_best["rate"] / ox_best["rate"], 3)
                     if ox_best["rate"] else None}
    out["load_average_end"] = os.getloadavg()[0]
    return out


def _rows(body: bytes) -> list:
    try:
        rows = json.loads(body)["results"]["bindings"]
    except (ValueError, KeyError):
        return [None]
    return sorted(json.dumps({k: v["value"] for k, v in r.items()}, sort_keys=True)
                  for r in rows)


def child_serve(store: str) -> dict:
    """`bench.run`'s child task: `measure` in a process of its own."""
    return measure(store)


def section(results: dict) -> list[str]:
    """The BENCHMARKS.md section, from {size: measure(...)}."""
    if not results:
        return []
    sizes = list(results)
    L = ["", "## Serving (`kg serve`)", "",
         f"`kg serve` started as a command (`--timeout {TIMEOUT_S:g}`, its default number of "
         "serving processes: one per CPU, at most 4), measured over HTTP by "
         "`bench/load.py` (keep-alive connections, requests sent in turn by each client). "
         f"Pages: {PAGE_CLIENTS} clients, {PAGE_REQUESTS} requests each per kind (or as many as "
         f"{PAGE_SECONDS:g} s allow), HTML. "
         f"SPARQL: {SPARQL_CLIENTS} clients for {SPARQL_SECONDS:g} s, a lookup of one "
         "person's label and types (50 people in turn), on `kg serve` and on `oxigraph "
         "serve-read-only --union-default-graph` over the same generation, in turns; the "
         "better run of each. The facet page is `/documents?person=…&place=…`.", "",
         "| | " + " | ".join(_size(n) for n in sizes) + " |", "|---|" + "---|" * len(sizes)]

    def row(label: str, get) -> None:
        cells = []
        for n in sizes:
            try:
                cells.append(get(results[n]))
            except (KeyError, TypeError):
                cells.append("-")
        L.append(f"| {label} | " + " | ".join(cells) + " |")

    row("first page answered after start (s)", lambda r: f"{r['first_page_s']:.1f}")
    for kind in PAGES:
        row(f"{kind} page p50 / p95 / p99 ms", lambda r, k=kind: "{p50_ms:.0f} / {p95_ms:.0f} / "
            "{p99_ms:.0f}".format(**r["pages"][k]) + _bad(r["pages"][k], k))
    row(f"SPARQL lookups/s, `kg serve`, {SPARQL_CLIENTS} clients",
        lambda r: f"{r['sparql']['kg']['rate']:,.0f} (p99 {r['sparql']['kg']['p99_ms']:.0f} ms)")
    row(f"SPARQL lookups/s, `oxigraph serve-read-only`, {SPARQL_CLIENTS} clients",
        lambda r: f"{r['sparql']['oxigraph']['rate']:,.0f} "
                  f"(p99 {r['sparql']['oxigraph']['p99_ms']:.0f} ms)")
    row("server CPU per lookup (us), `kg serve` / Oxigraph",
        lambda r: f"{r['sparql']['kg']['server_cpu_us']} / {r['sparql']['oxigraph']['server_cpu_us']}")
    row("`kg serve` / Oxigraph (target >= 50%)", lambda r: f"{r['sparql']['ratio']:.0%}" + (
        "" if r.get("same_answer") else " (answers differ!)"))
    row("lookup p99 ms while a runaway query runs",
        lambda r: f"{r['responsive']['lookups_meanwhile']['p99_ms']:.0f}")
    row("runaway query: status, stopped after (s)",
        lambda r: f"{r['responsive']['runaway_status']}, {r['responsive']['runaway_s']:.1f}")
    row("load average at start / end",
        lambda r: f"{r['load_average_start']:.1f} / {r['load_average_end']:.1f}")
    return L


def _bad(figures: dict, kind: str) -> str:
    """Statuses other than the expected one, so that a fast error page is not read as speed."""
    expected = "404" if kind == "404" else "200"
    other = {k: v for k, v in figures.get("statuses", {}).items() if k != expected}
    return f" (statuses {other})" if other or figures.get("errors") else ""


def _size(n) -> str:
    try:
        n = int(n)
    except ValueError:
        return str(n)
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _entries(store: str) -> str:
    """A measured store's column: its number of documents (the generated corpora's size)."""
    from kg.store.index import Index, IndexMissing

    try:
        return str(Index.open(store).stats().get("documents", store))
    except IndexMissing:
        return store


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.serve",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", action="append",
                    help="Measure this store (already ingested); may be given more than once.")
    ap.add_argument("--sizes", default="10000", help="Generate and ingest these sizes.")
    ap.add_argument("--work", type=Path, default=Path("/tmp/kg-bench-serve"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="Write the figures to this file too.")
    args = ap.parse_args(argv)
    results: dict[str, dict] = {}
    if args.store:
        for store in args.store:
            figures = measure(store)  # first: `kg serve` gives an older store its index
            results[_entries(store)] = figures
    else:
        from bench.generate import generated_stores

        sizes = (int(size) for size in args.sizes.split(","))
        for n, store in generated_stores(args.work, sizes, args.seed):
            results[str(n)] = measure(store)
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)
    print("\n".join(section(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
