"""Crash safety, for real: `kg ingest` is SIGKILLed at several points of a run and the store
must still open, validate, hold no partial document, and keep everything it held before.

A store holding the seed pages receives a generated corpus in a subprocess. A clean run gives
the reference (its duration and its N-Quads); then runs are killed just after start, as soon as
the writer's new generation appears, once graphs have been written into it (it has grown by
8 MB), at 90% of a clean run's duration, and the moment a run publishes. After each kill the store
holds exactly the old quads or exactly the complete new ones, nothing in between; a rerun over
the killed store ends with exactly what the clean run gave.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.api import KnowledgeGraph
from kg.store import current_generation, open_reader

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # bench/ (the corpus generator) is not an installed package
from bench.generate import write_corpus  # noqa: E402

# Long enough a run to kill it at several points: the first 8 MB of graphs are written about
# two thirds into it (700 entries gave no more kill points, and cost a minute of `make test`).
ENTRIES = 400


def start_ingest(store: Path, corpus: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kg.cli", "ingest", "--silent", "--store",
                             str(store), str(corpus)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def quads(store: Path) -> set:
    return set(open_reader(store))


def documents(store: Path) -> set[str]:
    rows = KnowledgeGraph(store).query("SELECT DISTINCT ?d WHERE { ?d a kg:Document }")
    return {r[0].value for r in rows}


def partial_documents(store: Path) -> list[str]:
    """Documents whose describing graph lacks its content hash, title or raw record."""
    rows = KnowledgeGraph(store).query("""
        SELECT DISTINCT ?d WHERE {
          GRAPH ?g { ?d a kg:Document }
          FILTER NOT EXISTS { GRAPH ?g { ?g kg:contentHash ?h } }
        }""")
    missing_hash = [r[0].value for r in rows]
    rows = KnowledgeGraph(store).query("""
        SELECT DISTINCT ?d WHERE {
          ?d a kg:Document .
          FILTER NOT EXISTS { ?d dcterms:title ?t }
        }""")
    return missing_hash + [r[0].value for r in rows]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "pages"
    write_corpus(out, ENTRIES, seed=11)
    return out


@pytest.fixture(scope="module")
def clean(corpus, seed_store, tmp_path_factory) -> dict:
    """The seed store plus one uninterrupted ingest of the corpus: the reference."""
    store = tmp_path_factory.mktemp("clean") / "store"
    shutil.copytree(seed_store, store)
    before = quads(store)
    before_docs = documents(store)
    t = time.monotonic()
    proc = start_ingest(store, corpus)
    out, err = proc.communicate(timeout=300)
    duration = time.monotonic() - t
    assert proc.returncode == 0, err.decode()
    assert f"{ENTRIES} new" in out.decode()
    return {"store": store, "before": before, "before_docs": before_docs, "after": quads(store),
            "after_docs": documents(store), "duration": duration}


def kill_at(store: Path, corpus: Path, when) -> subprocess.Popen:
    """Start an ingest and SIGKILL it when `when(proc, started)` first says so."""
    proc = start_ingest(store, corpus)
    started = time.monotonic()
    while proc.poll() is None and not when(proc, started):
        time.sleep(0.02)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    return proc


def assert_old_or_new(store: Path, clean: dict) -> str:
    """The store opens and holds exactly the old or exactly the complete new quads."""
    now = quads(store)
    assert now == clean["before"] or now == clean["after"], (
        f"{len(now)} quads: neither the {len(clean['before'])} before nor the "
        f"{len(clean['after'])} after a clean ingest")
    assert documents(store) in (clean["before_docs"], clean["after_docs"])
    assert partial_documents(store) == []
    return "old" if now == clean["before"] else "new"


def _after(seconds: float):
    return lambda proc, started: time.monotonic() - started >= seconds


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _first_batch_written(store: Path):
    """The unpublished generation has grown by 8 MB: a batch of graphs has been written."""
    published = current_generation(store)
    base = _size(published)

    def seen(proc, started) -> bool:
        new = [g for g in store.glob("gen-*") if g != published]
        try:
            return bool(new) and _size(new[0]) > base + 8 * 2**20
        except FileNotFoundError:  # RocksDB renames files as it goes
            return False
    return seen


def _new_generation(store: Path):
    published = current_generation(store)

    def seen(proc, started) -> bool:
        return any(g != published for g in store.glob("gen-*"))
    return seen


@pytest.fixture
def store(seed_store, tmp_path) -> Path:
    """A store that already holds data (the seed pages): a killed ingest must keep all of it."""
    path = tmp_path / "store"
    shutil.copytree(seed_store, path)
    return path


def test_kill_immediately_and_when_the_new_generation_appears(store, clean, corpus):
    for when in (_after(0.05), _new_generation(store)):
        proc = kill_at(store, corpus, when)
        assert proc.returncode == -signal.SIGKILL
        assert assert_old_or_new(store, clean) == "old"


@pytest.mark.slow  # about 80 s: an ingest killed mid-way, then rerun
def test_kill_after_a_batch_was_written_then_rerun_gives_exactly_the_clean_result(
        store, clean, corpus):
    proc = kill_at(store, corpus, _first_batch_written(store))
    assert proc.returncode == -signal.SIGKILL
    assert assert_old_or_new(store, clean) == "old"
    # the abandoned generation is still on disk (the next writer removes it); readers ignore it
    assert len(list(store.glob("gen-*"))) == 2
    out = subprocess.run([sys.executable, "-m", "kg.cli", "validate", "--store", str(store)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "conforms" in out.stdout, out.stdout + out.stderr
    # the rerun is killed the moment it publishes: CURRENT only ever names a complete store
    first = (store / "CURRENT").read_text()
    proc = kill_at(store, corpus, lambda p, s: (store / "CURRENT").read_text() != first)
    assert assert_old_or_new(store, clean) == "new", proc.stderr.read() if proc.stderr else ""
    assert quads(store) == clean["after"]
    # one more run finds nothing to do and clears the debris of the killed runs
    rerun = start_ingest(store, corpus)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    assert f"{ENTRIES} unchanged" in out.decode()
    assert quads(store) == clean["after"]
    gens = sorted(p.name for p in store.glob("gen-*"))
    # the published generation and the one it replaced (a reader may still hold it): no more
    assert len(gens) <= 2 and current_generation(store).name == gens[-1]


def test_kill_near_the_end_leaves_the_old_or_the_whole_new_data(store, clean, corpus):
    kill_at(store, corpus, _after(clean["duration"] * 0.9))
    assert_old_or_new(store, clean)


def test_clean_reference_is_sane(clean):
    # the ingest adds to every graph but the summary graph, which it recomputes
    def sources(quads):
        return {q for q in quads if not q.graph_name.value.endswith("/graph/summary")}

    assert sources(clean["before"]) < sources(clean["after"])
    assert clean["before"] != clean["after"]
    assert len(clean["after_docs"] - clean["before_docs"]) == ENTRIES
    assert current_generation(clean["store"]).is_dir()
