"""`make bench` rewrites BENCHMARKS.md from its results; what was written into it by hand
between the kept markers (findings, what was tried and why it did not help) must survive."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # bench/ is not an installed package
from bench.run import KEPT_END, KEPT_START, kept_blocks, with_kept_blocks  # noqa: E402

NEW = "# Benchmarks\n\nrun 2\n\n## Ingest\n\n| a | 2 |\n\n## Serving\n\n| b | 3 |\n"


def _kept(text: str) -> str:
    return f"{KEPT_START}\n{text}\n{KEPT_END}"


def test_a_kept_block_stays_under_its_heading_and_the_figures_are_new():
    old = ("# Benchmarks\n\nrun 1\n\n## Ingest\n\n| a | 1 |\n\n" + _kept("why ingest is slow")
           + "\n\n## Serving\n\n| b | 1 |\n\n" + _kept("what was tried") + "\n")
    out = with_kept_blocks(NEW, kept_blocks(old))
    assert "run 2" in out and "| a | 2 |" in out and "| a | 1 |" not in out
    ingest, serving = out.split("## Serving")
    assert "why ingest is slow" in ingest and "what was tried" in serving
    assert ingest.index("| a | 2 |") < ingest.index("why ingest is slow")
    # written again, nothing doubles
    again = with_kept_blocks(NEW, kept_blocks(out))
    assert again == out and again.count(KEPT_START) == 2


def test_a_block_whose_heading_is_gone_is_kept_at_the_end_under_it():
    old = "## Old section\n\n" + _kept("a finding") + "\n"
    out = with_kept_blocks(NEW, kept_blocks(old))
    assert out.rstrip().endswith(_kept("a finding"))
    assert "## Old section" in out


def test_an_unclosed_block_is_kept_whole():
    blocks = kept_blocks("## Serving\n\n" + KEPT_START + "\nhalf a note\n")
    assert blocks["## Serving"] == [_kept("half a note")]


def test_the_hand_written_serving_notes_of_our_benchmarks_survive_a_new_run():
    ours = (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8")
    blocks = kept_blocks(ours)
    serving = [h for h in blocks if h.startswith("## Serving")]
    assert serving, "the serving section's findings are not marked to be kept"
    regenerated = "# Benchmarks\n\n" + serving[0] + "\n\n| figures | new |\n"
    out = with_kept_blocks(regenerated, blocks)
    for block in blocks[serving[0]]:
        assert block in out
