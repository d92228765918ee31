"""Shared fixtures: where the seed pages and the shared reference material are, the golden-file
option, and a seed-page store built once.

The seed pages are in `../shared/corpus/seeds` and, identical, in `data/sample`: tests read the
shared folder when it is there and the bundled copy otherwise, so a fresh clone runs them all.
Only what exists nowhere else (the scorers, gold answers, W3C manifests and schemas) needs
`../shared`; those tests skip with `needs_shared`, which names the missing path.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = ROOT / "data" / "sample"


def _first_with(pattern: str, *folders: Path) -> Path:
    return next((f for f in folders if any(f.glob(pattern))), folders[-1])


# the seed listing pages and the sample record table: shared copy, else the bundled one
SEEDS = _first_with("*.txt", SHARED / "corpus" / "seeds", SAMPLE)
RECORDS_CSV = _first_with("wilson-export-sample.csv", SHARED / "corpus" / "records", SAMPLE) \
    / "wilson-export-sample.csv"


def needs_shared(*parts: str) -> pytest.MarkDecorator:
    """Skip unless ../shared/<parts> exists (material that only the shared folder holds)."""
    path = SHARED.joinpath(*parts)
    return pytest.mark.skipif(not path.exists(), reason=f"needs {path} (../shared is absent "
                                                        f"or lacks it; nothing else holds it)")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite tests/golden/*/expected.nq from the current mapping.")


@pytest.fixture(scope="session")
def seed_pages() -> list[Path]:
    """The two real catalogue pages the project started from (../shared or data/sample)."""
    pages = sorted(SEEDS.glob("*.txt"))
    if not pages:
        pytest.fail(f"no seed pages in {SEEDS}: data/sample is part of the repository")
    return pages


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory, seed_pages) -> Path:
    """A store built from the seed pages, shared read-only by tests (copy it to modify)."""
    from kg.api import KnowledgeGraph

    path = tmp_path_factory.mktemp("seed") / "store"
    report = KnowledgeGraph(path).ingest([str(p) for p in seed_pages])
    assert report.ok, report.errors
    return path


# The address Starlette's in-process TestClient sends requests to: a store built with it as its
# base serves its own IRIs to the in-process tests.
TEST_BASE = "http://testserver/"


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """A store built from `data/sample` (catalogue pages and an exported record table, so
    documents have archives, record ids, URLs and rights) with `TEST_BASE` as its base;
    shared read-only by the page tests (copy it to modify)."""
    from kg.api import KnowledgeGraph

    path = tmp_path_factory.mktemp("sample") / "store"
    report = KnowledgeGraph(path, base=TEST_BASE).ingest(sorted(str(p) for p in SAMPLE.iterdir()))
    assert report.ok, report.errors
    return path


@pytest.fixture
def store_copy(seed_store, tmp_path) -> Path:
    dst = tmp_path / "store"
    shutil.copytree(seed_store, dst)
    return dst


def run_kg(*args: str, input: bytes | None = None, cwd: Path | None = None
           ) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], input=input,
                          capture_output=True, cwd=cwd or ROOT, timeout=300)


@pytest.fixture(autouse=True, scope="session")
def _no_stray_corrections(tmp_path_factory):
    """A corrections.jsonl lying in the working folder must not leak into tests."""
    import os

    old = os.environ.get("KG_CORRECTIONS")
    os.environ["KG_CORRECTIONS"] = str(tmp_path_factory.mktemp("nocorr") / "none.jsonl")
    yield
    if old is None:
        os.environ.pop("KG_CORRECTIONS", None)
    else:
        os.environ["KG_CORRECTIONS"] = old


class ServeCommand:
    """`kg serve` started as a user starts it (the real command, its own processes), on a free
    port of 127.0.0.1; `url` ends with a slash, `children()` lists its serving processes."""

    def __init__(self, store: Path, *args: str, start_limit: float = 120.0):
        import socket
        import time
        import urllib.request

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.log = tempfile.NamedTemporaryFile(prefix="kg-serve-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port",
             str(port), *args], stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        self.url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + start_limit
        while True:
            assert self.process.poll() is None, f"kg serve exited: {self.output()}"
            assert time.monotonic() < deadline, f"kg serve did not answer: {self.output()}"
            try:
                with urllib.request.urlopen(self.url + "favicon.ico", timeout=5):
                    break
            except OSError:
                time.sleep(0.1)

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def children(self) -> set[int]:
        found = subprocess.run(["pgrep", "-P", str(self.process.pid), "-f", "spawn_main"],
                               capture_output=True, text=True).stdout.split()
        return {int(pid) for pid in found}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
