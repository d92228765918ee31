"""Shared fixtures: where the shared reference material is, and a seed-page store built once."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="session")
def seed_pages() -> list[Path]:
    """The two real catalogue pages the project started from (bundled in data/sample)."""
    pages = sorted(SAMPLE.glob("*.txt"))
    if not pages:
        pytest.skip("no sample pages in data/sample")
    return pages


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory, seed_pages) -> Path:
    """A store built from the seed pages, shared read-only by tests (copy it to modify)."""
    from kg.api import KnowledgeGraph

    path = tmp_path_factory.mktemp("seed") / "store"
    report = KnowledgeGraph(path).ingest([str(p) for p in seed_pages])
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
