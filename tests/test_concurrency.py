"""Readers beside a writer: queries keep answering while `kg ingest` runs and publishes.

pyoxigraph leaves opening a store read-only while another process writes it undefined; the
store's design never does that: a writer works on its own new generation and readers open the
published one, which nobody writes again. Here real processes show it: a thread runs `kg query`
over and over, the test itself calls `KnowledgeGraph.stats()` and keeps one long-lived reader
open, while two ingests run one after the other in subprocesses (a third one, started while the
first holds the write lock, is refused with a clear message).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kg.api import KnowledgeGraph
from kg.store import current_generation, open_reader

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # bench/ (the corpus generator) is not an installed package
from bench.generate import write_corpus  # noqa: E402

COUNT = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a kg:Document }"
# Each ingest runs for several seconds of reads (it needs 0.5 s); larger corpora only cost time.
SIZES = {"a": 200, "b": 100}


def kg_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "kg.cli", *args]


def count(reader) -> int:
    from kg.rdf.namespace import PREFIXES

    rows = reader.query(COUNT, use_default_graph_as_union=True, prefixes=PREFIXES)
    return int(next(iter(rows))[0].value)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("corpora")
    out = {}
    for i, (name, n) in enumerate(SIZES.items()):
        out[name] = base / name
        write_corpus(out[name], n, seed=31 + i)
    return out


@pytest.mark.slow  # about 80 s: writers publish while readers query
def test_readers_keep_answering_while_writers_publish(seed_store, corpora, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(seed_store, store)
    old = KnowledgeGraph(store).stats()["documents"]
    allowed = {old, old + SIZES["a"], old + SIZES["a"] + SIZES["b"]}
    snapshot = open_reader(store)  # opened before any writer: must keep its view
    stop = threading.Event()
    cli: list[tuple[int, str, str]] = []

    def cli_reader() -> None:
        while not stop.is_set():
            p = subprocess.run(kg_cli("query", "--store", str(store), "--format", "json", "-"),
                               input=COUNT, cwd=ROOT, capture_output=True, text=True,
                               timeout=120)
            cli.append((p.returncode, p.stdout, p.stderr))

    thread = threading.Thread(target=cli_reader, daemon=True)
    thread.start()
    seen: list[int] = []
    snapshot_seen: list[int] = []
    try:
        for name in ("a", "b"):
            published = current_generation(store)
            writer = subprocess.Popen(kg_cli("ingest", "--silent", "--store", str(store),
                                             str(corpora[name])), cwd=ROOT,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if name == "a":
                # once the writer holds the lock, a second writer is turned away, clearly
                while writer.poll() is None and not any(
                        g != published for g in store.glob("gen-*")):
                    time.sleep(0.02)
                other = subprocess.run(kg_cli("ingest", "--store", str(store),
                                              str(corpora["b"])), cwd=ROOT, capture_output=True,
                                       text=True, timeout=120)
                assert other.returncode == 1
                assert "another process is writing this store" in other.stderr
                assert "Traceback" not in other.stderr
            while writer.poll() is None:
                seen.append(KnowledgeGraph(store).stats()["documents"])
                snapshot_seen.append(count(snapshot))
                time.sleep(0.05)
            out, err = writer.communicate()
            assert writer.returncode == 0, err
            assert f"{SIZES[name]} new" in out
            seen.append(KnowledgeGraph(store).stats()["documents"])
        time.sleep(1.5)  # let the query loop see the final generation at least once
    finally:
        stop.set()
        thread.join(timeout=120)

    # every read answered, with a whole number of ingests, never going backwards
    assert len(seen) >= 10, "the writers finished before the readers got going"
    assert set(seen) <= allowed, sorted(set(seen) - allowed)
    assert seen == sorted(seen)
    assert seen[-1] == old + SIZES["a"] + SIZES["b"]
    assert len(cli) >= 3
    counts = []
    for rc, out, err in cli:
        assert rc == 0 and "Traceback" not in err, err
        counts.append(int(json.loads(out)["results"]["bindings"][0]["n"]["value"]))
    assert set(counts) <= allowed and counts == sorted(counts)
    assert counts[-1] == old + SIZES["a"] + SIZES["b"]
    # the reader opened before the writers kept its snapshot, even after its generation folder
    # was deleted by the second writer (open files outlive their directory entries)
    assert set(snapshot_seen) == {old}
    assert count(snapshot) == old
    assert not (store / "gen-000001").exists()
