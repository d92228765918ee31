"""The command line as a whole: every format of every command that prints rows says the same
rows; library errors are one-line messages with the documented exit codes; every command that
reads a store takes the same --store; the progress bar shows on a terminal and --quiet hides it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLE

from kg.cli import main
from kg.cli.options import STORE_HELP
from kg.cli.output import TABLE_CELL, cell
from kg.rdf.namespace import DCTERMS, KG, XSD
from kg.store import DEFAULT_STORE, open_reader, writer

RECORD_TABLE = SAMPLE / "wilson-export-sample.csv"
FORMATS = ["table", "json", "nl", "csv", "tsv"]


@pytest.fixture(scope="module")
def broken_store(seed_store, tmp_path_factory) -> Path:
    """The seed store with one document given a second title of the wrong type, so that
    `kg validate` has problem rows to print (the seed store itself conforms)."""
    path = tmp_path_factory.mktemp("broken") / "store"
    shutil.copytree(seed_store, path)
    reader = open_reader(path)
    graph = next(q.graph_name for q in reader.quads_for_pattern(None, KG.aboutDocument, None,
                                                                None))
    doc = next(reader.quads_for_pattern(graph, KG.aboutDocument, None, graph)).object
    del reader
    with writer(path) as w:
        w.store.add(ox.Quad(doc, DCTERMS.title, ox.Literal("1950", datatype=XSD.gYear), graph))
    return path


@dataclass(frozen=True)
class Case:
    """A command that prints rows, and how its other views relate to the rows."""

    args: list[str]
    store: str | None = "seed_store"  # the fixture holding the store it reads, if any
    exit_code: int = 0
    table_is_rows: bool = True  # else the table view is the command's own report...
    table_says: str = ""  # ...which says this
    # the rows (or some of their columns) in --format json's document
    json_rows: Callable[[Any], list[dict]] = field(default=lambda doc: doc)
    sparql: bool = False  # json, csv and tsv are the W3C SPARQL result formats


CASES = {
    "stats": Case(["stats"]),
    "query": Case(["query", "people"], sparql=True),
    "queries": Case(["queries"], store=None, table_is_rows=False, table_says="-p person_id"),
    "validate": Case(["validate"], store="broken_store", exit_code=1, table_is_rows=False,
                     table_says="does not conform"),
    "link": Case(["link"], table_is_rows=False, table_says="linked",
                 json_rows=lambda doc: doc["unlinked"]),
    "link-review": Case(["link", "--review"], table_is_rows=False, table_says="linked",
                        json_rows=lambda doc: doc["review"]),
    "evaluate": Case(["evaluate", str(RECORD_TABLE), "--summary-only"], store=None,
                     table_is_rows=False, table_says="recall",
                     json_rows=lambda doc: [{"kind": k, "recall": s["recall"], "precision":
                                             s["precision"]} for k, s in doc["overall"].items()]),
}


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def parse_table(text: str) -> list[dict[str, str]]:
    """A table's rows, read by the columns its dashed line marks out."""
    lines = text.splitlines()
    spans, start = [], 0
    for dashes in lines[1].split("  "):
        spans.append((start, start + len(dashes)))
        start += len(dashes) + 2
    spans[-1] = (spans[-1][0], None)
    header = [lines[0][a:b].strip() for a, b in spans]
    return [{h: line[a:b].strip() for h, (a, b) in zip(header, spans)}
            for line in lines[2:] if line and not line.startswith("(")]


def as_cells(rows: list[dict], table: bool = False) -> list[dict[str, str]]:
    def shown(i: int, text: str, last: int) -> str:
        return text if not table or i == last or len(text) <= TABLE_CELL else \
            text[:TABLE_CELL - 1] + "…"

    out = []
    for r in rows:
        keys = list(r)
        out.append({k: shown(i, cell(r[k]), len(keys) - 1).strip() for i, k in enumerate(keys)})
    return out


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(CASES))
def test_every_format_prints_the_same_rows(request, name, fmt):
    case = CASES[name]
    store = ["--store", str(request.getfixturevalue(case.store))] if case.store else []
    reference = invoke(*case.args, *store, "--nl")
    assert reference.exit_code == case.exit_code, reference.output
    rows = [json.loads(line) for line in reference.stdout.splitlines()]
    assert rows and all(isinstance(r, dict) for r in rows), reference.stdout

    result = invoke(*case.args, *store, *(["--nl"] if fmt == "nl" else ["--format", fmt]))
    assert result.exit_code == case.exit_code, result.output
    out = result.stdout
    if fmt == "nl":
        assert [json.loads(line) for line in out.splitlines()] == rows
    elif case.sparql and fmt in ("json", "tsv"):  # W3C CSV is lossy: read below as CSV
        results_format = {"json": ox.QueryResultsFormat.JSON,
                          "tsv": ox.QueryResultsFormat.TSV}[fmt]
        parsed = ox.parse_query_results(out.encode(), results_format)
        names = [v.value for v in parsed.variables]
        assert names == list(rows[0])
        assert [{n: s[n].value if s[n] is not None else None for n in names}
                for s in parsed] == rows
    elif fmt == "json":
        expected = case.json_rows(json.loads(out))
        assert expected and [{k: r[k] for k in expected[0]} for r in rows] == expected
    elif fmt in ("csv", "tsv"):
        read = list(csv.DictReader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
        assert [dict(r) for r in read] == as_cells(rows)
    elif case.table_is_rows:
        assert parse_table(out) == as_cells(rows, table=True)
    else:
        assert case.table_says in out


def test_evaluate_json_rows_and_document_agree():
    doc = json.loads(invoke("evaluate", str(RECORD_TABLE), "--format", "json").stdout)
    rows = [json.loads(x) for x in invoke("evaluate", str(RECORD_TABLE), "--nl").stdout.split("\n")
            if x]
    overall = {r["kind"]: r for r in rows if not r["document"]}
    assert set(overall) == set(doc["overall"])
    for kind, score in doc["overall"].items():
        assert overall[kind]["recall"] == score["recall"]
        assert overall[kind]["curated"] == score["tp"] + score["fn"]
    assert len(rows) > len(overall)  # and one row per document and kind


@pytest.mark.parametrize("args", [["stats", "--json", "--format", "csv"],
                                  ["stats", "--nl", "--format", "table"],
                                  ["stats", "--format", "xml"],
                                  ["query", "people", "-p", "no-equals-sign"],
                                  ["query", "no-such-query"],
                                  ["validate", "--full", "--format", "json"]])
def test_usage_errors_exit_2(seed_store, args):
    result = invoke(*args, "--store", str(seed_store))
    assert result.exit_code == 2, result.output
    assert "Error:" in result.stderr and result.stdout == ""


def test_aliases_of_older_versions(seed_store):
    store = ["--store", str(seed_store)]
    assert invoke("stats", "--json", *store).stdout == \
        invoke("stats", "--format", "json", *store).stdout
    assert invoke("queries", "--format", "text").stdout == invoke("queries").stdout


# -- library errors: one line, exit 1, nothing on standard output -----------------------------

STORE_COMMANDS = [["stats"], ["query", "people"], ["validate"], ["export"], ["remove", "x"],
                  ["rebuild"], ["link"], ["evaluate"], ["serve"]]


@pytest.mark.parametrize("args", STORE_COMMANDS, ids=lambda a: a[0])
def test_a_missing_store_is_one_error_line(tmp_path, args):
    result = subprocess.run([sys.executable, "-m", "kg.cli", *args, "--store",
                             str(tmp_path / "no-such-store")], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("Error: ") and "no such store" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not (tmp_path / "no-such-store").exists()  # and none was made


def test_a_bad_corrections_file_names_its_line(store_copy, tmp_path):
    bad = tmp_path / "corrections.jsonl"
    bad.write_text('{"op": "accept"}\nnot json\n', encoding="utf-8")
    result = invoke("link", "--store", str(store_copy), "--corrections", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and str(bad) in result.stderr
    assert ":1" in result.stderr or ":2" in result.stderr


# -- shared options --------------------------------------------------------------------------

NO_STORE = {"extract", "queries"}  # the commands that need no store


@pytest.mark.parametrize("name", sorted(main.commands))
def test_store_option_is_the_same_everywhere(name):
    options = {p.name: p for p in main.commands[name].params}
    if name in NO_STORE:
        assert "store" not in options
        return
    store = options["store"]
    assert store.opts == ["--store"] and store.default == DEFAULT_STORE
    assert store.help == STORE_HELP


@pytest.mark.parametrize("name", ["ingest", "rebuild", "link", "load", "export"])
def test_long_commands_take_quiet(name):
    options = {o for p in main.commands[name].params for o in p.opts}
    assert {"-q", "--quiet"} <= options


def run_on_a_terminal(args: list[str]) -> tuple[int, str]:
    """Run `kg ARGS` with standard error on a pseudo-terminal; returns (exit code, stderr)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", *args], stdout=subprocess.DEVNULL,
                            stderr=slave, cwd=ROOT)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                data = os.read(master, 4096)
            except OSError:  # the terminal closed: the process is gone
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=300), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("command, label", [(["export", "--format", "nquads"], "exporting"),
                                            (["rebuild"], "rebuilding")])
def test_progress_bar_on_a_terminal_and_quiet_hides_it(store_copy, tmp_path, command, label):
    args = [*command, "--store", str(store_copy)]
    if command[0] == "export":
        args += ["-o", str(tmp_path / "out.nq")]
    code, err = run_on_a_terminal(args)
    assert code == 0, err
    assert label in err
    code, err = run_on_a_terminal([*args, "--quiet"])
    assert code == 0, err
    assert label not in err


def test_no_progress_bar_into_a_pipe(store_copy, tmp_path):
    result = subprocess.run([sys.executable, "-m", "kg.cli", "export", "--store", str(store_copy),
                             "-o", str(tmp_path / "out.ttl")], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 0
    assert "exporting" not in result.stderr
    assert result.stderr.strip().endswith(f"written to {tmp_path / 'out.ttl'}")



def test_load_shows_a_progress_bar_per_shard_on_a_terminal(store_copy, tmp_path):
    """`kg load` reports each shard loaded (the library's progress callback reaches the bar)."""
    shard = tmp_path / "shard.nq"
    code, err = run_on_a_terminal(["export", "--format", "nquads", "--store", str(store_copy),
                                   "-o", str(shard), "--quiet"])
    assert code == 0, err
    code, err = run_on_a_terminal(["load", str(shard), "--store", str(tmp_path / "loaded")])
    assert code == 0, err
    assert "loading" in err and "1/1" in err
