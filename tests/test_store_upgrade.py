"""Stores and corrections made by earlier versions: they open, or `kg` says how to upgrade.

`fixtures/store-upgrade/store-0.1.0.tar.xz` is a store made by archive-kg 0.1.0 (commit
5a023af, before config.json recorded a store format) from `listing.txt` beside it, with a
corrections file whose one decision rejects Kim Il Sung's Wikidata link. Every test works on
a fresh copy of it, through the real `kg` command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

from kg.store import OLDEST_FORMAT, STORE_FORMAT, StoreConfig

FIXTURE = FIXTURES / "store-upgrade"
KIM_SAME_AS = ("SELECT ?o WHERE { <http://127.0.0.1:8000/person/kim-il-sung> "
               "<http://www.w3.org/2002/07/owl#sameAs> ?o }")


def _counts(printed: str) -> dict[str, int]:
    """`kg stats --json`: rows of {name, count}."""
    return {row["name"]: int(row["count"]) for row in json.loads(printed)}


@pytest.fixture
def old_store(tmp_path) -> Path:
    store = tmp_path / "store"
    store.mkdir()
    with tarfile.open(FIXTURE / "store-0.1.0.tar.xz") as tar:
        tar.extractall(store, filter="data")
    assert "format" not in json.loads((store / "config.json").read_text())
    return store


def run_kg(*args: str, cwd: Path | None = None, input: bytes | None = None
           ) -> subprocess.CompletedProcess:
    """The real CLI as a user runs it: no KG_CORRECTIONS (which the test session sets to keep
    stray files out), so the store's own corrections file counts, as it does for a user."""
    env = {k: v for k, v in os.environ.items() if k != "KG_CORRECTIONS"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], cwd=cwd or FIXTURE, env=env,
                          input=input, capture_output=True, timeout=300)


def _ok(result: subprocess.CompletedProcess) -> str:
    out = result.stdout.decode() + result.stderr.decode()
    assert result.returncode == 0, out
    assert "Traceback" not in out
    return result.stdout.decode()


def test_a_store_made_by_0_1_0_opens_for_reading(old_store):
    stats = _counts(_ok(run_kg("stats", "--store", str(old_store), "--json")))
    assert stats["documents"] == 1
    rows = _ok(run_kg("query", "--store", str(old_store), "--format", "csv", "people"))
    assert "Kim Il Sung" in rows
    _ok(run_kg("validate", "--store", str(old_store)))
    # reading leaves the store as it was
    assert "format" not in json.loads((old_store / "config.json").read_text())


def test_writing_a_0_1_0_store_records_the_format_and_keeps_the_decisions(old_store, tmp_path):
    extra = tmp_path / "more.txt"
    extra.write_text("Documents\n\nApril 1951\n\nLetter from Zhou Enlai to Kim Il Sung\n\n"
                     "A synthetic entry added to an old store.\n", encoding="utf-8")
    _ok(run_kg("ingest", "--store", str(old_store), str(extra)))
    config = json.loads((old_store / "config.json").read_text())
    assert config["format"] == STORE_FORMAT
    assert config["written_by"].startswith("archive-kg ")
    assert config["base"] == "http://127.0.0.1:8000/"
    _ok(run_kg("rebuild", "--store", str(old_store)))
    stats = _counts(_ok(run_kg("stats", "--store", str(old_store), "--json")))
    assert stats["documents"] == 2
    # the historian's rejection, made with 0.1.0, still holds after the rebuild
    same_as = _ok(run_kg("query", "--store", str(old_store), "--format", "csv", "-",
                         input=KIM_SAME_AS.encode()))
    assert "wikidata" not in same_as
    assert (old_store / "corrections.jsonl").read_text().count("Q41117") == 1


@pytest.mark.parametrize("fmt, says", [
    (STORE_FORMAT + 1, "upgrade archive-kg"),
    (OLDEST_FORMAT - 1, "kg rebuild"),
])
def test_a_store_in_a_format_this_version_cannot_use_is_refused_with_what_to_do(
        old_store, tmp_path, fmt, says):
    config = json.loads((old_store / "config.json").read_text())
    (old_store / "config.json").write_text(json.dumps({**config, "format": fmt,
                                                        "written_by": "archive-kg 9.9"}))
    before = sorted(p.name for p in old_store.iterdir() if p.name != "write.lock")
    listing = str(FIXTURE / "listing.txt")
    for args in (("stats",), ("query", "people"), ("ingest", listing), ("rebuild",)):
        result = run_kg(*args, "--store", str(old_store))
        err = result.stderr.decode()
        assert result.returncode == 1, (args, err)
        assert says in err and f"store format {fmt}" in err and "archive-kg 9.9" in err, err
        assert "Traceback" not in err
    # nothing was written: the store is as it was
    assert sorted(p.name for p in old_store.iterdir() if p.name != "write.lock") == before
    assert json.loads((old_store / "config.json").read_text())["format"] == fmt


def test_an_unreadable_config_is_named_not_a_traceback(old_store):
    (old_store / "config.json").write_text("{not json", encoding="utf-8")
    result = run_kg("stats", "--store", str(old_store))
    err = result.stderr.decode()
    assert result.returncode == 1 and "config.json" in err and "Traceback" not in err, err


def test_corrections_left_in_the_working_folder_by_earlier_versions_move_into_the_store(
        old_store, tmp_path):
    """Before 0.1.0 kept them in the store, decisions lived in ./corrections.jsonl."""
    cwd = tmp_path / "work"
    cwd.mkdir()
    decision = ('{"op": "reject", "entity": "place/north-korea", "wikidata": "Q423", '
                '"note": "a decision kept where earlier versions kept them"}\n')
    (cwd / "corrections.jsonl").write_text(decision, encoding="utf-8")
    _ok(run_kg("rebuild", "--store", str(old_store), cwd=cwd))
    kept = (old_store / "corrections.jsonl").read_text(encoding="utf-8")
    assert decision.strip() in kept and "Q41117" in kept
    assert (cwd / "corrections.jsonl").read_text(encoding="utf-8") == decision  # left as it was
    assert StoreConfig.read(old_store).format == STORE_FORMAT
