"""Record tables and document pages end to end: curated metadata kept apart and used to
measure the machine extraction."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, SAMPLE, run_kg

from kg.api import KnowledgeGraph

TABLE = SAMPLE / "wilson-export-sample.csv"


@pytest.fixture(scope="module")
def table_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("records") / "store"
    report = KnowledgeGraph(store).ingest([str(TABLE)])
    assert report.ok, report.errors
    return store


def test_one_document_per_row_keyed_by_record_id(table_store):
    g = KnowledgeGraph(table_store)
    docs = {r["d"].value.rsplit("/", 1)[-1] for r in g.query(
        "SELECT ?d WHERE { ?d a kg:Document }")}
    assert len(docs) == 11 and all(d.startswith("r30") for d in docs)


def test_curated_and_machine_statements_live_in_separate_graphs(table_store):
    g = KnowledgeGraph(table_store)
    rows = list(g.query("""
        SELECT ?g ?kind WHERE { GRAPH ?g { ?doc kg:curatedPlace ?p } ?g kg:sourceKind ?kind }"""))
    assert rows and {r["kind"].value for r in rows} == {"curated"}
    for machine in ("kg:mentions", "kg:spatial", "kg:mentionsInText", "kg:author"):
        assert not bool(g.query(f"ASK {{ GRAPH ?g {{ ?d kg:curatedPlace ?p . ?d {machine} ?x }} }}"))
    assert bool(g.query("ASK { GRAPH ?g { ?d kg:spatial ?x } ?g kg:sourceKind 'record-table' }"))


def test_curated_names_resolve_to_the_same_canonical_entities(table_store):
    g = KnowledgeGraph(table_store)
    curated = {r["l"].value for r in g.query("""
        SELECT ?l WHERE { ?d kg:curatedMention|kg:curatedAuthor ?e . ?e rdfs:label ?l }""")}
    # "Nehru, Jawaharlal", "Chiang, Ching-kuo (Jiang Jingguo)", "Satō, Eisaku"
    assert {"Jawaharlal Nehru", "Chiang Ching-kuo", "Eisaku Satō"} <= curated
    machine = {r["l"].value for r in g.query("""
        SELECT ?l WHERE { ?d kg:mentions|kg:mentionsInText ?e . ?e rdfs:label ?l }""")}
    assert {"Jawaharlal Nehru", "Chiang Ching-kuo"} <= machine


def test_subject_headings_are_skos_concepts_with_broader_headings(table_store):
    g = KnowledgeGraph(table_store)
    chain = {(r["n"].value, r["b"].value) for r in g.query("""
        SELECT ?n ?b WHERE { ?h skos:prefLabel ?n ; skos:broader ?bh . ?bh skos:prefLabel ?b }""")}
    assert ("China--History--Cultural Revolution, 1966-1976", "China--History") in chain
    assert ("China--History", "China") in chain


def test_full_text_mentions_are_kept_apart(table_store):
    g = KnowledgeGraph(table_store)
    fields = {r["f"].value for r in g.query("SELECT DISTINCT ?f WHERE { ?m kg:field ?f }")}
    assert {"title", "summary", "full_text"} <= fields
    assert bool(g.query("ASK { ?d kg:mentionsInText ?e }"))


def test_extract_keeps_curated_values_under_their_own_keys():
    out = run_kg("extract", str(TABLE))
    rows = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert len(rows) == 11
    nehru = next(r for r in rows if r["record_id"] == "300653")
    assert [a["name"] for a in nehru["curated_authors"]] == ["Jawaharlal Nehru"]
    assert {p["name"] for p in nehru["curated_places"]} >= {"India", "China", "Pakistan"}
    japan = next(r for r in rows if r["record_id"] == "300640")
    assert {o["name"] for o in japan["curated_organizations"]}  # sorted out of the people column
    assert all(p["name"] != o["name"] for p in japan["curated_persons"]
               for o in japan["curated_organizations"])


def test_evaluate_reports_recall_per_kind_with_places_above_090():
    out = run_kg("evaluate", str(TABLE), "--format", "json")
    assert out.returncode == 0, out.stderr.decode()
    report = json.loads(out.stdout)
    assert set(report["overall"]) == {"person", "organization", "place", "subject heading",
                                      "subject term"}
    assert report["overall"]["place"]["recall"] >= 0.9
    assert len(report["documents"]) == 11 and "warning" in report


def test_document_pages_ingest_with_their_record_id(tmp_path):
    pages = sorted((FIXTURES / "docpages").glob("*.txt"))
    assert pages
    report = KnowledgeGraph(tmp_path / "s").ingest([str(p) for p in pages])
    assert report.ok, report.errors
    kinds = {r["k"].value for r in KnowledgeGraph(tmp_path / "s").query(
        "SELECT DISTINCT ?k WHERE { ?s a kg:Source ; kg:sourceKind ?k }")}
    assert kinds == {"document-page"}
