"""Subject headings: the scheme, assignment from evidence, leave-one-out, RDF, pages, scores."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import urllib.request
from dataclasses import replace

import pyoxigraph as ox
import pytest
from conftest import ROOT, SAMPLE, SHARED, run_kg

from kg.core.identity import document_key
from kg.core.model import Record, SourceRef
from kg.rdf.mapping import Iris, map_entry
from kg.rdf.namespace import KG, SKOS
from kg.resolve.entry import Extractor
from kg.resolve.subject_scheme import (
    broader_of,
    load_scheme,
    read_hsg_taxonomy,
)
from kg.resolve.subjects import THRESHOLD, assign_subjects

TABLE = SAMPLE / "wilson-export-sample.csv"
TAXONOMY = SHARED / "data" / "historyatstate" / "tags-taxonomy.xml"
SCORER = SHARED / "tools" / "score_subjects.py"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


@pytest.fixture(scope="module")
def sample_entries(extractor):
    from kg.sources import read_inputs

    records = [r for _, res in read_inputs([str(TABLE)]) for r in res.records]
    return list(extractor.extract(records))


def record(title: str, summary: str, date: str, text: str = "") -> Record:
    return Record(date_text=date, title=title, summary=summary, full_text=text,
                  source=SourceRef("t.txt", 1))


def headings(extractor, rec: Record) -> dict[str, object]:
    entry = next(extractor.extract([rec]))
    return {c.heading: c for c in assign_subjects(entry, extractor.resolver.authority,
                                                  load_scheme())}


# -- the scheme ------------------------------------------------------------------------------

def test_a_heading_sits_under_each_of_its_parts():
    assert set(broader_of("Korea (North)--Foreign relations--Soviet Union")) == {
        "Korea (North)", "Foreign relations", "Soviet Union", "Korea (North)--Foreign relations"}
    # a period is not a concept of its own; the heading without it is
    assert set(broader_of("Poland--Politics and government--1945-1980")) == {
        "Poland", "Politics and government", "Poland--Politics and government"}
    assert broader_of("Cold War") == []


def test_the_scheme_data_is_complete_and_consistent():
    scheme = load_scheme()
    forms = {t.form for t in scheme.terms.values()}
    assert forms == {"pair", "place-first", "topic-first"}
    assert all(t.keywords for t in scheme.terms.values())
    assert all(t.hsg in scheme.hsg for t in scheme.terms.values() if t.hsg)
    assert all(e.hsg in scheme.hsg for e in scheme.events if e.hsg)
    assert all(e.start is None or e.end is None or e.start <= e.end for e in scheme.events)
    assert scheme.period("china", "Politics and government", 1967) == "1949-1976"
    assert scheme.period("china", "Politics and government", 1900) is None


@pytest.mark.skipif(not TAXONOMY.exists(), reason="no shared taxonomy")
def test_the_taxonomy_file_is_the_office_of_the_historians_places_and_topics():
    """data/subjects/hsg-tags.tsv is regenerated from the public-domain XML, unchanged."""
    tags = read_hsg_taxonomy(TAXONOMY)
    scheme = load_scheme()
    assert [t.id for t in tags] == list(scheme.hsg)
    assert {t.branch for t in tags} == {"places", "topics"}
    assert scheme.hsg_match("Nuclear Weapons").id == "nuclear-weapons"


# -- assignment from evidence, on entries written for these tests ---------------------------

def test_an_ambassadors_telegram_is_about_the_two_countries(extractor):
    got = headings(extractor, record(
        "Telegram from Soviet Ambassador to China Roshchin to Stalin",
        "Roshchin reports on his talks with Zhou Enlai about the situation in Korea.",
        "October 3, 1950"))
    claim = got.get("China--Foreign relations--Soviet Union")
    assert claim is not None, sorted(got)
    assert claim.confidence >= THRESHOLD
    assert any("Ambassador" in e or "correspondents" in e for e in claim.evidence)


def test_wars_by_name_and_periods_by_date(extractor):
    got = headings(extractor, record(
        "Report on the Political Situation in Hungary",
        "The embassy describes the political situation in Hungary and the new government's "
        "leadership; it recalls the war in Korea.",
        "March 2, 1957"))
    assert "Hungary--Politics and government--1945-1989" in got, sorted(got)
    assert "Korean War, 1950-1953" in got, sorted(got)
    for claim in got.values():
        assert claim.evidence and THRESHOLD <= claim.confidence <= 1


def test_topic_place_and_organisations(extractor):
    got = headings(extractor, record(
        "Memorandum on French Nuclear Weapons",
        "The memorandum discusses France's nuclear weapons and the position of NATO.",
        "May 5, 1965"))
    assert "Nuclear weapons--France" in got, sorted(got)
    assert "North Atlantic Treaty Organization" in got, sorted(got)


def test_no_evidence_no_heading(extractor):
    assert headings(extractor, record("Note", "A short note on office supplies.",
                                      "June 1, 1960")) == {}


# -- leave-one-out on the curated sample -----------------------------------------------------

def test_a_record_never_sees_its_own_curated_headings(sample_entries, extractor):
    """Assigned with every record's headings known, or with its own removed from the scheme
    and the entry: the same headings, the same confidences."""
    authority = extractor.resolver.authority
    for entry in sample_entries:
        key = document_key(entry.record)
        full = load_scheme()
        for other in sample_entries:
            full.learn(document_key(other.record), other.curated_subjects)
        without = load_scheme()
        for other in sample_entries:
            if document_key(other.record) != key:
                without.learn(document_key(other.record), other.curated_subjects)
        a = assign_subjects(entry, authority, full)
        b = assign_subjects(replace(entry, curated_subjects=[]), authority, without)
        assert [(c.heading, c.confidence) for c in a] == [(c.heading, c.confidence) for c in b]


def test_no_rule_names_a_sample_heading():
    """The code holds patterns, not the sample's headings (the data files are vocabularies)."""
    with TABLE.open(encoding="utf-8") as f:
        curated = {h for row in csv.DictReader(f) for h in json.loads(row["subjects_discussed"])}
    for path in (ROOT / "kg" / "resolve" / "subjects.py", ROOT / "kg" / "resolve" /
                 "subject_scheme.py", ROOT / "kg" / "rdf" / "subjects.py"):
        text = path.read_text(encoding="utf-8")
        assert not [h for h in curated if h in text], path


@pytest.mark.skipif(not SCORER.exists(), reason="no shared scorer")
def test_sample_scores_meet_the_targets(tmp_path):
    out = run_kg("extract", str(TABLE))
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    pred = tmp_path / "pred.jsonl"
    pred.write_bytes(out.stdout)
    lines = [json.loads(x) for x in out.stdout.decode().splitlines()]
    assert all(isinstance(x["subjects"], list) for x in lines)
    score = subprocess.run([sys.executable, str(SCORER), "--gold", str(TABLE), "--pred",
                            str(pred), "--min", "headings.recall=0.5", "--min",
                            "terms.recall=0.8"], capture_output=True, text=True)
    assert score.returncode == 0, score.stdout + score.stderr


def test_evaluate_reports_subjects():
    out = run_kg("evaluate", str(TABLE), "--summary-only")
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    text = out.stdout.decode()
    assert "subject heading" in text and "subject term" in text


# -- RDF and pages ---------------------------------------------------------------------------

def test_machine_headings_in_rdf_with_evidence_apart_from_curated(sample_entries, extractor):
    entry = next(e for e in sample_entries if e.subjects and e.curated_subjects)
    versions = {"extractor": "t", "model": "t", "authority": "t"}
    graph = map_entry(entry, "d1", Iris(), "fp", versions)
    store = ox.Store()
    store.extend(graph.quads + graph.curated_quads)
    doc = Iris().document("d1")
    machine = {q.object for q in store.quads_for_pattern(doc, KG.assignedSubject, None, None)}
    assert len(machine) == len(entry.subjects)
    assert all(q.graph_name == graph.graph for q in
               store.quads_for_pattern(doc, KG.assignedSubject, None, None))
    rows = list(store.query(
        "PREFIX kg: <https://w3id.org/archive-kg/ns#> SELECT ?h ?c (COUNT(?e) AS ?n) WHERE { "
        f"{doc} kg:subjectAssignment ?a . ?a kg:heading ?h ; kg:confidence ?c ; "
        "kg:evidence ?e } GROUP BY ?h ?c", use_default_graph_as_union=True))
    assert len(rows) == len(entry.subjects) and all(int(r["n"].value) >= 1 for r in rows)
    heading = Iris().subject(entry.subjects[0].heading)
    parts = entry.subjects[0].heading.split("--")
    broader = {q.object for q in store.quads_for_pattern(heading, SKOS.broader, None, None)}
    assert {Iris().subject(p) for p in parts if not p[:1].isdigit()} <= broader
    assert next(store.quads_for_pattern(heading, SKOS.inScheme, KG.subjectScheme, None), None)


@pytest.mark.server
def test_a_page_per_heading_and_why_this_subject(tmp_path):
    from kg.api import KnowledgeGraph
    from kg.serve.app import make_server

    store = tmp_path / "store"
    server = make_server(store, port=0, timeout=5.0)
    try:
        report = KnowledgeGraph(store, base=server.url).ingest([str(TABLE)])
        assert report.ok, report.errors
        server.start()

        def get(path: str) -> dict:
            with urllib.request.urlopen(server.url + path.lstrip("/") + "?format=json") as r:
                return json.loads(r.read())

        doc = get("document/r300241")
        assert doc["machine_subjects"] and doc["machine_subjects"][0]["evidence"]
        page = get(doc["machine_subjects"][0]["iri"][len(server.url):])
        assert page["kind"] == "subject"
        assert any(d["iri"].endswith("r300241") for d in page["documents"])
        assert page["broader"]
        under = get(page["broader"][0]["iri"][len(server.url):])
        assert any(n["iri"] == page["iri"] for n in under["narrower"])
        with urllib.request.urlopen(server.url + "document/r300241") as r:
            assert "Why this subject" in r.read().decode()
    finally:
        server.stop()
