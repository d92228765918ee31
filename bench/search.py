"""Benchmark of the per-generation search index (kg.store.derived, kg.store.index).

On a store already ingested: the time to build the generation's derived data (a new
generation of the unchanged store, as any write makes one; the build's own seconds and its
CPU seconds), the size of the index, and the latency of what pages ask it: full-text
searches (names, variants, a pseudonym, a phrase, a prefix, a misspelling), browsing with
facet counts, combined facet filters, the 404 look-up, one client and four at once.

    python -m bench.search --store STORE            # measure a store
    python -m bench.search --sizes 10000            # generate, ingest, measure

`make bench` runs it as the "search" step of `bench.run` at every size it ingests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

CLIENTS = 4


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _workload(index) -> dict[str, Callable[[], object]]:
    """The calls a search page makes, with arguments taken from the store itself."""
    from kg.store.index import Filters

    people = index.entities("person", page_size=20).items
    places = index.entities("place", page_size=5).items
    top = people[0]
    variant = next((n for p in people for n in p.names if n != p.label and n.isascii()
                    and len(n) > 6), top.label)
    surname = top.label.split()[-1]
    misspelt = surname[:2] + surname[3:] if len(surname) > 5 else surname + "x"
    first = index.search(None, page_size=1).hits[0]
    phrase = '"' + " ".join(first.title.split()[:2]) + '"'
    base = top.iri.rsplit("/", 2)[0]
    both = Filters(people=(top.iri,), places=(places[0].iri,) if places else ())
    years = Filters(date_from="1950", date_to="1953")
    return {
        "name": lambda: index.search(top.label),
        "name variant": lambda: index.search(variant),
        "misspelt name": lambda: index.search(misspelt),
        "phrase": lambda: index.search(phrase),
        "prefix": lambda: index.search(surname[:4] + "*"),
        "browse (all facets)": lambda: index.search(None),
        "browse page 50": lambda: index.search(None, page=50),
        "person + place filter": lambda: index.search(None, both),
        "query + date filter": lambda: index.search(surname, years),
        "404 look-up": lambda: index.exists(f"{base}/person/nobody-{random.random()}"),
        "entity summary": lambda: index.entity(top.iri),
    }


def measure(store: str | Path, runs: int = 30, build: bool = True) -> dict:
    """Build the derived data anew (unless `build` is false) and time the workload."""
    from kg.store import current_generation
    from kg.store.derived import derived_dir
    from kg.store.index import Index, refresh

    out: dict = {"load_average_start": os.getloadavg()[0]}
    if build:
        cpu, wall = time.process_time(), time.perf_counter()
        gen = refresh(store)
        out["publish_wall_s"] = time.perf_counter() - wall
        out["publish_cpu_s"] = time.process_time() - cpu
        manifest = json.loads((derived_dir(gen) / "manifest.json").read_text())
        out["build_s"] = manifest["seconds"]
        out["counts"] = {k: v for k, v in manifest.items() if k not in ("schema", "seconds")}
    gen = current_generation(Path(store))
    out["index_mb"] = sum(f.stat().st_size for f in derived_dir(gen).iterdir()) / 2**20
    index = Index.open(store)
    work = _workload(index)
    single: dict[str, dict] = {}
    for name, call in work.items():
        call()  # the page cache warm, as on a running server
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            call()
            times.append((time.perf_counter() - t) * 1000)
        single[name] = {"p50_ms": statistics.median(times), "p95_ms": _percentile(times, 95),
                        "max_ms": max(times)}
    out["single"] = single
    # four clients at once, each running the whole workload `runs` times
    calls = list(work.values())
    times: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        mine = []
        for _ in range(runs):
            for call in calls:
                t = time.perf_counter()
                call()
                mine.append((time.perf_counter() - t) * 1000)
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out["concurrent"] = {"clients": CLIENTS, "requests": len(times),
                         "wall_s": time.perf_counter() - wall,
                         "p50_ms": _percentile(times, 50), "p99_ms": _percentile(times, 99)}
    out["load_average_end"] = os.getloadavg()[0]
    return out


def child_search(store: str, runs: int = 30) -> dict:
    """`bench.run`'s child task: `measure` in a process of its own."""
    return measure(store, runs=runs)


def section(results: dict) -> list[str]:
    """The BENCHMARKS.md section, from {size: measure(...)}."""
    if not results:
        return []
    L = ["", "## Search index (per generation, `kg.store.derived`)", "",
         "Built at the end of every write, before the generation is published; measured by "
         "publishing a new generation of the unchanged store. Latencies are of the "
         "`kg.store.index.Index` calls a search page makes, warm. The build's wall time "
         "depends on what else the machine runs (1-minute load average at start and end "
         "in the last column); its CPU time does not.", "",
         "| size | build s (derived data) | publish s (wall, CPU) | index MB | documents | "
         f"IRIs | {CLIENTS} clients: p50 / p99 ms | load |", "|---|---|---|---|---|---|---|---|"]
    for n, r in results.items():
        c = r.get("counts", {})
        conc = r.get("concurrent", {})
        L.append(f"| {_size(n)} | {r.get('build_s', 0):.1f} | {r.get('publish_wall_s', 0):.1f}, "
                 f"{r.get('publish_cpu_s', 0):.1f} | {r.get('index_mb', 0):.0f} | "
                 f"{c.get('documents', 0):,} | {c.get('resources', 0):,} | "
                 f"{conc.get('p50_ms', 0):.1f} / {conc.get('p99_ms', 0):.1f} | "
                 f"{r.get('load_average_start', 0):.1f} / {r.get('load_average_end', 0):.1f} |")
    sizes = list(results)
    L += ["", "| call | " + " | ".join(f"{_size(n)} p50 / p95 ms" for n in sizes) + " |",
          "|---|" + "---|" * len(sizes)]
    names = list(next(iter(results.values())).get("single", {}))
    for name in names:
        cells = []
        for n in sizes:
            s = results[n].get("single", {}).get(name)
            cells.append(f"{s['p50_ms']:.1f} / {s['p95_ms']:.1f}" if s else "-")
        L.append(f"| {name} | " + " | ".join(cells) + " |")
    return L


def _size(n) -> str:
    n = int(n)
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.split(
        "\n\n")[0])
    ap.add_argument("--store", help="Measure this store (already ingested).")
    ap.add_argument("--sizes", default="10000", help="Generate and ingest these sizes.")
    ap.add_argument("--work", type=Path, default=Path("/tmp/kg-bench-search"))
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    results: dict[str, dict] = {}
    if args.store:
        results["store"] = measure(args.store, runs=args.runs)
    else:
        from bench.generate import generated_stores

        sizes = (int(size) for size in args.sizes.split(","))
        for n, store in generated_stores(args.work, sizes, args.seed):
            results[str(n)] = measure(store, runs=args.runs)
    print(json.dumps(results, indent=2))
    if not args.store:
        print("\n".join(section(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
