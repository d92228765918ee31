"""A write that fails half-way (the disk full, simulated) leaves the published generation
readable and unchanged, and the error names the cause.

The failure is injected where graphs are written into the new generation: the first write
goes through (the generation holds part of the run), the next one raises ENOSPC as the disk
would. The store is real (pyoxigraph on disk), the command the real CLI in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from kg.api import KnowledgeGraph
from kg.store import StoreError, current_generation, open_reader

INJECT = textwrap.dedent("""
    import errno, sys
    import kg.pipeline.upkeep as upkeep
    real = upkeep.replace_graphs
    fail_at = int(sys.argv[1])
    calls = []
    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)
    upkeep.replace_graphs = failing
    from kg.cli import main
    sys.argv = ["kg", *sys.argv[2:]]
    main()
""")


def pages() -> list[Path]:
    found = sorted(SAMPLE.glob("*.txt"))
    if not found:
        pytest.skip("no sample pages in data/sample")
    return found


def dump(store: Path) -> set[str]:
    return {str(q) for q in open_reader(store).quads_for_pattern(None, None, None, None)}


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_a_full_disk_half_way_leaves_the_store_as_it_was(tmp_path, fail_at):
    store = tmp_path / "s"
    assert KnowledgeGraph(store).ingest([str(pages()[0])]).ok
    published = current_generation(store)
    before = dump(store)
    reader = open_reader(store)  # a reader that has the generation open throughout
    result = subprocess.run(
        [sys.executable, "-c", INJECT, str(fail_at), "ingest", "--store", str(store),
         str(pages()[1])], capture_output=True, cwd=ROOT, timeout=300)
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert "Traceback" not in err
    assert "no space left on the disk" in err and str(store) in err
    assert f"generation {published.name} still published" in err
    assert current_generation(store) == published
    assert dump(store) == before
    assert len(list(reader.quads_for_pattern(None, None, None, None))) == len(before)
    # no half-written generation is left beside it
    assert sorted(p.name for p in store.glob("gen-*")) == [published.name]
    # and the next write succeeds
    assert KnowledgeGraph(store).ingest([str(pages()[1])]).ok
    assert KnowledgeGraph(store).stats()["documents"] == 19


def test_the_api_raises_a_store_error_naming_the_cause(tmp_path, monkeypatch):
    import errno

    import kg.pipeline.upkeep

    store = tmp_path / "s"
    assert KnowledgeGraph(store).ingest([str(pages()[0])]).ok
    before = dump(store)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(kg.pipeline.upkeep, "replace_graphs", full)
    with pytest.raises(StoreError, match="no space left"):
        KnowledgeGraph(store).remove(pages()[0].name)
    assert dump(store) == before
