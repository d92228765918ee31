"""Ingest end to end through the CLI: errors, flags, identity, atomicity, removal."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest
from conftest import FIXTURES, run_kg

from kg.api import KnowledgeGraph
from kg.store import open_reader

LISTINGS = FIXTURES / "listings"


def graphs(store) -> dict[str, set[str]]:
    """Every named graph of a store as a set of N-Quads lines."""
    out: dict[str, set[str]] = {}
    for q in open_reader(store).quads_for_pattern(None, None, None, None):
        out.setdefault(str(q.graph_name), set()).add(str(q))
    return out


def documents(store) -> int:
    return KnowledgeGraph(store).stats()["documents"]


@pytest.mark.parametrize("name, message", [
    ("empty.txt", "empty file"), ("binary.txt", "binary file"),
    ("no_entries.txt", "no valid catalogue entry"),
])
def test_unusable_file_is_an_error_and_leaves_the_store_as_it_was(store_copy, name, message):
    before = graphs(store_copy)
    out = run_kg("ingest", "--store", str(store_copy), str(LISTINGS / name))
    assert out.returncode == 1
    err = out.stderr.decode()
    assert str(LISTINGS / name) in err and message in err
    assert "Traceback" not in err
    assert graphs(store_copy) == before


def test_malformed_entry_is_skipped_and_named_good_ones_ingested(tmp_path):
    store = tmp_path / "s"
    out = run_kg("ingest", "--store", str(store), str(LISTINGS / "malformed.txt"))
    assert out.returncode == 1
    assert "malformed.txt:9: entry has a date but no title" in out.stderr.decode()
    assert documents(store) == 3


def test_cut_off_entry_and_impossible_date_are_ingested_and_flagged(tmp_path):
    store = tmp_path / "s"
    out = run_kg("ingest", "--store", str(store), str(LISTINGS / "cutoff.txt"),
                 str(LISTINGS / "malformed.txt"))
    err = out.stderr.decode()
    assert "flagged:" in err and "incomplete" in err and "date-unknown" in err
    assert "2 incomplete" in out.stdout.decode()
    rows = KnowledgeGraph(store).query(
        "SELECT ?t ?d WHERE { ?doc kg:incomplete true ; dcterms:title ?t ; kg:dateText ?d }")
    flagged = {r["d"].value for r in rows}
    assert flagged >= {"1950-1951", "Febuary 31, 1950"}


def test_strict_aborts_with_nothing_written(tmp_path):
    store = tmp_path / "s"
    out = run_kg("ingest", "--strict", "--store", str(store), str(LISTINGS / "cutoff.txt"))
    assert out.returncode == 1 and "nothing was written" in out.stderr.decode()
    assert documents(store) == 0


def test_clean_ingest_exits_zero_with_a_summary(tmp_path, seed_pages):
    out = run_kg("ingest", "--store", str(tmp_path / "s"), *map(str, seed_pages))
    assert out.returncode == 0, out.stderr.decode()
    # 20 entries, one document listed on both pages: counts are the store's documents
    assert "20 entries from 2 file(s), 19 document(s): 19 new" in out.stdout.decode()


def test_same_page_twice_and_shared_entry_leave_one_document_each(store_copy, seed_pages):
    assert documents(store_copy) == 19
    before = graphs(store_copy)
    KnowledgeGraph(store_copy).ingest([str(seed_pages[0])])
    report = KnowledgeGraph(store_copy).ingest([str(p) for p in seed_pages])
    assert report.unchanged == 19 and report.new == 0  # 20 entries, 19 documents
    assert documents(store_copy) == 19
    assert graphs(store_copy) == before


def test_changed_entry_replaces_its_graph_only(store_copy, seed_pages, tmp_path):
    text = seed_pages[1].read_text(encoding="utf-8")
    changed = text.replace("officially invites Mao Zedong to Moscow",
                           "officially invites Mao Zedong to Moscow and Leningrad")
    page = tmp_path / seed_pages[1].name
    page.write_text(changed, encoding="utf-8")
    before = graphs(store_copy)
    report = KnowledgeGraph(store_copy).ingest([str(page)])
    assert report.updated == 1 and report.unchanged == 9
    after = graphs(store_copy)
    # the page was read from another folder: the graphs record where it is now, and only
    # the changed entry's graph changes otherwise
    path = "<https://w3id.org/archive-kg/ns#sourcePath>"
    def content(g):
        return {q for q in g if path not in q}
    changed_graphs = {g for g in before if content(before[g]) != content(after.get(g, set()))}
    assert len([g for g in changed_graphs if "/graph/h" in g]) == 1
    assert documents(store_copy) == 19


def test_standard_input_is_read(tmp_path, seed_pages):
    out = run_kg("ingest", "--store", str(tmp_path / "s"), "-",
                 input=seed_pages[0].read_bytes())
    assert out.returncode == 0, out.stderr.decode()
    assert documents(tmp_path / "s") == 10


def test_remove_a_source_and_a_document(store_copy, seed_pages):
    out = run_kg("remove", "--store", str(store_copy), seed_pages[1].name)
    assert out.returncode == 0
    assert documents(store_copy) == 10  # the shared entry stays, from the other page
    doc = next(iter(KnowledgeGraph(store_copy).query(
        "SELECT ?d WHERE { ?d a kg:Document } LIMIT 1")))["d"].value
    assert run_kg("remove", "--store", str(store_copy), doc).returncode == 0
    assert documents(store_copy) == 9
    assert run_kg("remove", "--store", str(store_copy), "no-such-thing").returncode == 1


def test_listing_entry_and_record_row_become_one_document(tmp_path):
    listing = tmp_path / "page.txt"
    listing.write_text("Documents\n\nApril 1, 1949\n\nLetter, Jawaharlal Nehru to All Provincial "
                       "Premiers\n\nNehru briefs the Provincial Premiers about China.\n",
                       encoding="utf-8")
    table = tmp_path / "records.csv"
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["title", "original_publication_date", "summary", "record_id", "authors",
                "associated_places"])
    w.writerow(["Letter, Jawaharlal Nehru to All Provincial Premiers", "April 1, 1949",
                "Nehru briefs the Provincial Premiers about China.", "300653",
                '["Nehru, Jawaharlal"]', '["India", "China"]'])
    table.write_text(buf.getvalue(), encoding="utf-8")
    for order in ([listing, table], [table, listing]):
        store = tmp_path / f"s-{order[0].suffix}"
        g = KnowledgeGraph(store)
        for path in order:
            g.ingest([str(path)])
        docs = [r["d"].value for r in g.query("SELECT DISTINCT ?d WHERE { ?d a kg:Document }")]
        assert len(docs) == 1 and docs[0].endswith("/document/r300653"), docs
        sources = {r["k"].value for r in g.query(
            "SELECT ?k WHERE { ?d a kg:Document ; kg:source ?s . ?s kg:sourceKind ?k }")}
        assert sources == {"listing", "record-table"}
        same = list(g.query("SELECT ?a WHERE { ?a owl:sameAs ?b . FILTER(CONTAINS(STR(?b), "
                            "'/document/r300653')) }"))
        assert same, "the content-keyed IRI must keep working"


def test_base_iri_is_configurable_and_kept(tmp_path, seed_pages):
    store = tmp_path / "s"
    KnowledgeGraph(store, base="https://archive.example.net/kg/").ingest([str(seed_pages[0])])
    docs = [r["d"].value for r in KnowledgeGraph(store).query(
        "SELECT ?d WHERE { ?d a kg:Document }")]
    assert docs and all(d.startswith("https://archive.example.net/kg/document/") for d in docs)


def test_quads_are_deterministic_across_stores(tmp_path, seed_pages):
    a, b = tmp_path / "a", tmp_path / "b"
    KnowledgeGraph(a).ingest([str(p) for p in seed_pages])
    KnowledgeGraph(b).ingest([str(p) for p in reversed(seed_pages)])
    assert graphs(a) == graphs(b)
    assert not any(isinstance(q.subject, ox.BlankNode)
                   for q in open_reader(a).quads_for_pattern(None, None, None, None))


def test_two_extraction_workers_give_the_same_graph(tmp_path, seed_pages, seed_store):
    out = run_kg("ingest", "--workers", "2", "--store", str(tmp_path / "w2"),
                 *map(str, seed_pages))
    assert out.returncode == 0, out.stderr.decode()
    assert graphs(tmp_path / "w2") == graphs(seed_store)
