"""Issue 13's faults, each as a new user met it: nothing lost, nothing wrong, on every command.

Each test drives the real CLI (or API) on real material (data/sample) in a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE, run_kg

from kg.api import KnowledgeGraph

CSV = SAMPLE / "wilson-export-sample.csv"


def pages() -> list[Path]:
    found = sorted(SAMPLE.glob("*.txt"))
    if not found:
        pytest.skip("no sample pages in data/sample")
    return found


def out(result) -> str:
    return result.stdout.decode() + result.stderr.decode()


def documents(store: Path) -> int:
    return KnowledgeGraph(store).stats()["documents"]


def _env_without_corrections() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("KG_CORRECTIONS", None)
    return env


# -- 1. removing a record table takes its curated graphs too ------------------------------------

def test_removing_a_record_table_leaves_no_titleless_document(tmp_path):
    if not CSV.exists():
        pytest.skip("no sample record table")
    store = tmp_path / "s"
    assert run_kg("ingest", "--store", str(store), str(CSV), str(pages()[0])).returncode == 0
    before = documents(store)
    removed = run_kg("remove", "--store", str(store), str(CSV))
    assert removed.returncode == 0, out(removed)
    remaining = KnowledgeGraph(store).query(
        "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a kg:Document "
        "FILTER NOT EXISTS { ?d dcterms:title ?t } }")
    assert int(next(iter(remaining))[0].value) == 0
    assert documents(store) < before
    check = run_kg("validate", "--store", str(store))
    assert check.returncode == 0, out(check)


# -- 2. a missing file is one line, the others are ingested -------------------------------------

def test_a_missing_file_is_reported_and_the_others_ingested(tmp_path):
    store = tmp_path / "s"
    good = pages()[0]
    result = run_kg("ingest", "--store", str(store), str(tmp_path / "missing.txt"), str(good))
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "Traceback" not in err
    assert [ln for ln in err.splitlines() if "missing.txt" in ln] == [
        f"error: {tmp_path / 'missing.txt'}: no such file or folder"]
    assert documents(store) == 10


# -- 3. a curator's decisions live with the store -----------------------------------------------

def test_a_rejected_link_survives_a_rebuild_from_another_folder(tmp_path):
    store = tmp_path / "s"
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    env = _env_without_corrections()

    def kg(*args, cwd):
        import subprocess
        import sys

        return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True,
                              cwd=cwd, env=env, timeout=300)

    assert kg("ingest", "--store", str(store), str(pages()[0]), cwd=here).returncode == 0
    linked = KnowledgeGraph(store).query(
        "SELECT ?e ?q WHERE { GRAPH ?g { ?e owl:sameAs ?q } "
        "FILTER(STRSTARTS(STR(?q), 'http://www.wikidata.org/entity/')) } ORDER BY ?e LIMIT 1")
    entity, qid = (t.value for t in next(iter(linked)))
    key = "/".join(entity.split("/")[-2:])
    qid = qid.rsplit("/", 1)[-1]
    result = kg("link", "--store", str(store), "--reject", f"{key}={qid}", cwd=here)
    assert result.returncode == 0, out(result)
    assert not (here / "corrections.jsonl").exists()
    assert str(store / "corrections.jsonl") in out(result)  # says where it went
    assert kg("rebuild", "--store", str(store), cwd=elsewhere).returncode == 0
    ask = f"ASK {{ GRAPH ?g {{ <{entity}> owl:sameAs <http://www.wikidata.org/entity/{qid}> }} }}"
    assert not bool(KnowledgeGraph(store).query(ask))


def test_an_old_corrections_file_in_the_working_folder_is_carried_over(tmp_path):
    store = tmp_path / "s"
    decision = {"op": "reject", "entity": "person/nikolai-roshchin", "wikidata": "Q1",
                "note": "test"}
    (tmp_path / "corrections.jsonl").write_text(json.dumps(decision) + "\n")
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "kg.cli", "ingest", "--store", str(store),
                             str(pages()[0])], capture_output=True, cwd=tmp_path,
                            env=_env_without_corrections(), timeout=300)
    assert result.returncode == 0, out(result)
    assert "carried 1 curator decision" in out(result)
    kept = [json.loads(ln) for ln in (store / "corrections.jsonl").read_text().splitlines()]
    assert kept == [decision]
    assert (tmp_path / "corrections.jsonl").exists()  # the old file is left as it was


# -- 4. a folder: only catalogue files, every skip reported, never a store -----------------------

def test_ingesting_a_folder_reads_only_catalogue_files(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(pages()[0], folder)
    (folder / "notes.md").write_text("# Research notes\n\nJanuary 1, 1950\n\nA title\n")
    (folder / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (folder / "data.json").write_text("{}")
    store = folder / "kg-store"
    first = run_kg("ingest", "--store", str(store), str(folder))
    assert first.returncode == 0, out(first)
    again = run_kg("ingest", "--store", str(store), str(folder))  # the store is beside them
    assert again.returncode == 0, out(again)
    text = out(again)
    for name in ("notes.md", "scan.png", "data.json"):
        assert any(name in ln and "skipped" in ln for ln in text.splitlines()), text
    assert "kg-store: a kg store, not read" in text
    assert documents(store) == 10
    titles = {r[0].value for r in KnowledgeGraph(store).query(
        "SELECT ?t WHERE { ?d a kg:Document ; dcterms:title ?t }")}
    assert not any("Research notes" in t for t in titles)


def test_naming_a_store_as_input_is_an_error(seed_store):
    result = run_kg("ingest", "--store", str(seed_store) + "-x", str(seed_store))
    assert result.returncode == 1
    assert "part of a kg store" in result.stderr.decode()


# -- 5. a store that does not exist is an error -------------------------------------------------

@pytest.mark.parametrize("command", [["stats"], ["query", "people"], ["validate"]])
def test_a_store_that_does_not_exist_is_an_error(tmp_path, command):
    result = run_kg(*command, "--store", str(tmp_path / "no-such-store"))
    assert result.returncode == 1
    assert "no such store" in result.stderr.decode()
    assert result.stdout.decode() == ""


# -- 6. a page's graphs mirror the page ---------------------------------------------------------

def test_an_entry_deleted_from_a_page_leaves_the_store(tmp_path):
    page = tmp_path / "page.txt"
    text = pages()[0].read_text(encoding="utf-8")
    page.write_text(text, encoding="utf-8")
    store = tmp_path / "s"
    graph = KnowledgeGraph(store)
    assert graph.ingest([str(page)]).ok
    assert documents(store) == 10
    gone = KnowledgeGraph(store).raw_records()[0]
    page.write_text(_drop_entry(text, gone.title), encoding="utf-8")
    report = KnowledgeGraph(store).ingest([str(page)])
    assert report.ok and report.removed == 1
    assert documents(store) == 9
    titles = {r[0].value for r in KnowledgeGraph(store).query(
        "SELECT ?t WHERE { ?d a kg:Document ; dcterms:title ?t }")}
    assert gone.title not in titles


def _drop_entry(text: str, title: str) -> str:
    """A listing page without one entry (its date, title and summary paragraphs)."""
    paragraphs = text.split("\n\n")
    i = [p.strip() for p in paragraphs].index(title)
    return "\n\n".join(paragraphs[:i - 1] + paragraphs[i + 2:])


# -- 7. sources are identified by path ----------------------------------------------------------

def test_remove_by_name_refuses_an_ambiguous_name_and_takes_a_path(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    shutil.copy(pages()[0], a / "page.txt")
    # the second page without the entry both pages list: a source graph is named by its
    # file's name (kg.rdf.mapping), so one document on two same-named pages is one graph
    from kg.sources import read_one

    shared = {r.title for r in read_one(str(pages()[0])).records} & {
        r.title for r in read_one(str(pages()[1])).records}
    text = pages()[1].read_text(encoding="utf-8")
    for title in shared:
        text = _drop_entry(text, title)
    (b / "page.txt").write_text(text, encoding="utf-8")
    store = tmp_path / "s"
    assert run_kg("ingest", "--store", str(store), str(a / "page.txt"),
                  str(b / "page.txt")).returncode == 0
    total = documents(store)
    ambiguous = run_kg("remove", "--store", str(store), "page.txt", cwd=tmp_path)
    assert ambiguous.returncode == 1
    err = ambiguous.stderr.decode()
    assert str(a / "page.txt") in err and str(b / "page.txt") in err
    assert documents(store) == total
    by_path = run_kg("remove", "--store", str(store), "a/page.txt", cwd=tmp_path)
    assert by_path.returncode == 0, out(by_path)
    assert documents(store) == total - 10
    paths = {r[0].value for r in KnowledgeGraph(store).query(
        "SELECT DISTINCT ?p WHERE { GRAPH ?g { ?g kg:sourcePath ?p } }")}
    assert paths == {str(b / "page.txt")}


# -- 8. typed query parameters ------------------------------------------------------------------

@pytest.mark.parametrize("param, expected", [
    ("start=July-1950", "expected a day as YYYY-MM-DD"),
    ("match=sometimes", 'expected one of "within", "overlaps"'),
    ("end=1950-02-30", "expected a day as YYYY-MM-DD"),
])
def test_a_badly_typed_parameter_is_a_usage_error(seed_store, param, expected):
    result = run_kg("query", "documents-in-date-range", "--store", str(seed_store), "-p", param)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert param.split("=")[0] in err and expected in err


def test_a_person_named_where_an_id_is_expected_is_resolved(seed_store):
    by_name = run_kg("query", "documents-by-person", "--store", str(seed_store),
                     "-p", "person_id=Stalin", "--format", "csv")
    assert by_name.returncode == 0, out(by_name)
    assert "read as joseph-stalin" in by_name.stderr.decode()
    by_id = run_kg("query", "documents-by-person", "--store", str(seed_store),
                   "-p", "person_id=joseph-stalin", "--format", "csv")
    rows = by_name.stdout.decode().splitlines()
    assert len(rows) > 1 and rows == by_id.stdout.decode().splitlines()


def test_an_unknown_name_is_a_usage_error_with_a_hint(seed_store):
    result = run_kg("query", "documents-by-person", "--store", str(seed_store),
                    "-p", "person_id=Qwxzy Nonesuch")
    assert result.returncode == 2
    assert "person_id" in result.stderr.decode()
    assert "e.g. person_id=" in result.stderr.decode()


def test_queries_lists_each_parameters_type_and_example():
    result = run_kg("queries")
    text = result.stdout.decode()
    assert "-p start  (a day as YYYY-MM-DD; e.g. -p start=1950-02-01)" in text
    assert "-p match  (one of \"within\", \"overlaps\"" in text
    assert "-p person_id  (a person's authority id or name" in text


def test_every_named_parameter_declares_a_type():
    from kg.query import PARAM_TYPES, named_queries

    for q in named_queries():
        for p in q.typed:
            assert p.type == "enum" or p.type in PARAM_TYPES, (q.name, p)
            assert p.example or p.type == "enum" or p.name == "document", (q.name, p)


# -- 9. counts agree with the store -------------------------------------------------------------

def test_counts_are_documents_and_rebuild_counts_its_sources(tmp_path):
    store = tmp_path / "s"
    first = run_kg("ingest", "--store", str(store), *map(str, pages()))
    n = documents(store)
    assert f"{n} document(s): {n} new" in first.stdout.decode()
    rebuilt = run_kg("rebuild", "--store", str(store))
    assert rebuilt.returncode == 0, out(rebuilt)
    assert f"from {len(pages())} file(s), {n} document(s): 0 new, {n} updated" \
        in rebuilt.stdout.decode()


# -- 10. SPARQL syntax errors in words ----------------------------------------------------------

@pytest.mark.parametrize("query, words, line, col", [
    ("SELEC ?s WHERE { ?s ?p ?o }", "did you mean SELECT?", 1, 1),
    ("SELECT ?s\nWHERE {\n  ?s foo:bar ?o }", "unknown prefix foo:", 3, 6),
    ("SELECT ?s WHERE {\n  ?s ?p ?o\n", "never closed", 1, 17),
    ("SELECT * WHERE { ?s ?p ?o }\nLIMT 5", "did you mean LIMIT?", 2, 1),
])
def test_syntax_errors_say_what_and_where(seed_store, query, words, line, col):
    result = run_kg("query", "-", "--store", str(seed_store), input=query.encode())
    assert result.returncode == 1
    err = result.stderr.decode()
    assert words in err and f"line {line}, column {col}" in err, err
    assert query.splitlines()[line - 1].strip() in err  # the line is shown
    assert "\\u{" not in err and "expected CONSTRUCT" not in err


# -- 11. page chrome --------------------------------------------------------------------------

def test_chrome_of_other_pages_stays_out_of_entries(tmp_path):
    text = pages()[0].read_text(encoding="utf-8")
    paragraphs = text.split("\n\n")
    chromed = []
    for p in paragraphs:
        chromed.append(p)
        if len(p) > 150:  # after each summary, as the archive's newer pages have it
            chromed.append("Read more »")
            # a tab label between entries, which made a document titled "Document"
            chromed.append("Document")
    chromed += ["Previous 1 2 Next", "« 1 2 3 … 9 »", "© 2024 Wilson Center",
                "Copyright 2024 Wilson Center. All rights reserved."]
    page = tmp_path / "chrome.txt"
    page.write_text("\n\n".join(chromed), encoding="utf-8")
    from kg.sources import read_one

    result = read_one(str(page))
    plain = read_one(str(pages()[0]))
    assert [r.title for r in result.records] == [r.title for r in plain.records]
    assert [r.summary for r in result.records] == [r.summary for r in plain.records]


def test_lone_numbers_and_years_are_not_chrome():
    from kg.sources.listing import is_chrome

    for line in ("1950", "12", "Telegram No. 12", "Memorandum of 1 2 May"):
        assert not is_chrome(line), line
    for line in ("Previous 1 2 Next", "1 2 3", "Next ›", "© 2024 Wilson Center", "Read more"):
        assert is_chrome(line), line


# -- 12. a CSV on standard input; validate's report ---------------------------------------------

def test_a_csv_on_standard_input_is_read_as_a_record_table(tmp_path):
    if not CSV.exists():
        pytest.skip("no sample record table")
    store = tmp_path / "s"
    result = run_kg("ingest", "--store", str(store), "-", input=CSV.read_bytes())
    assert result.returncode == 0, out(result)
    assert documents(store) == 11
    kinds = {r[0].value for r in KnowledgeGraph(store).query(
        "SELECT DISTINCT ?k WHERE { GRAPH ?g { ?g kg:sourceKind ?k } }")}
    assert "record-table" in kinds


def test_validate_prints_one_line_per_problem(tmp_path):
    if not CSV.exists():
        pytest.skip("no sample record table")
    from kg.store import writer

    store = tmp_path / "s"
    assert run_kg("ingest", "--store", str(store), str(CSV)).returncode == 0
    with writer(store) as w:  # a broken store: the titles gone
        w.store.update("DELETE WHERE { GRAPH ?g { ?d <http://purl.org/dc/terms/title> ?t } }")
    result = run_kg("validate", "--store", str(store))
    assert result.returncode == 1
    lines = result.stdout.decode().splitlines()
    assert lines[0].startswith("SHACL: does not conform") and "11 violation(s)" in lines[0]
    assert len(lines) == 12
    for line in lines[1:]:
        assert "/document/" in line and "[wilson-export-sample.csv:" in line and "title" in line
