"""SHACL validation (ontology/shapes.ttl via kg.validate): the seed graph conforms, a small
hand-made valid store conforms, and each way of breaking it is caught for the right reason."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SEEDS, run_kg

from kg.api import KnowledgeGraph
from kg.store import StoreConfig, open_reader, writer
from kg.validate import validate_store

CORRECTIONS = Path(__file__).resolve().parent / "fixtures" / "corrections" / "historian.jsonl"


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory) -> Path:
    pages = sorted(SEEDS.glob("*.txt"))
    if not pages:
        pytest.skip(f"no seed pages in {SEEDS}")
    path = tmp_path_factory.mktemp("validate") / "store"
    report = KnowledgeGraph(path).ingest([str(p) for p in pages])
    assert report.ok, report.errors
    return path


def test_seed_graph_conforms(seed_store):
    report = validate_store(open_reader(seed_store))
    assert report.conforms, report.text
    assert report.violations == 0


def test_validate_command_exits_0_on_the_seed_graph(seed_store):
    out = run_kg("validate", "--store", str(seed_store))
    assert out.returncode == 0, out.stdout.decode() + out.stderr.decode()
    assert "SHACL: conforms" in out.stdout.decode()


def test_a_historians_corrections_keep_the_graph_valid(tmp_path):
    """Curated links (accepted and rejected), merges (owl:sameAs between our own IRIs) and
    fixed roles all fit the shapes."""
    pages = sorted(SEEDS.glob("*.txt"))
    if not pages:
        pytest.skip(f"no seed pages in {SEEDS}")
    graph = KnowledgeGraph(tmp_path / "store", corrections=CORRECTIONS)
    assert graph.ingest([str(p) for p in pages]).ok
    report = validate_store(graph.reader())
    assert report.conforms, report.text


# ------------------------------------------------------------------ a small store, broken

G = "https://t.example/graph/d1/listing-x"
VALID = """
@prefix kg: <https://w3id.org/archive-kg/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix t: <https://t.example/> .
t:doc a kg:Document .
t:doc dcterms:title "Letter to Stalin" .
t:doc kg:datePrecision "month" .
t:doc kg:date "1950-02"^^xsd:gYearMonth .
t:doc kg:earliestDate "1950-02-01"^^xsd:date .
t:doc kg:latestDate "1950-02-28"^^xsd:date .
t:doc kg:documentType t:letter .
t:letter a kg:DocumentType .
t:letter skos:prefLabel "Letter"@en .
t:doc kg:source t:src .
t:src a kg:Source .
t:src kg:sourceKind "listing" .
t:doc kg:author t:politburo .
t:doc kg:recipient t:stalin .
t:doc kg:spatial t:beijing .
t:stalin a kg:Person .
t:stalin rdfs:label "Joseph Stalin" .
t:stalin owl:sameAs wd:Q855 .
t:stalin kg:birthYear "1878"^^xsd:gYear .
t:stalin kg:link t:stalin-link .
t:stalin-link a kg:EntityLink .
t:stalin-link kg:linkTarget wd:Q855 .
t:stalin-link kg:score 1.0 .
t:stalin-link kg:match true .
t:filippov a kg:Person .
t:filippov rdfs:label "Filippov" .
t:filippov owl:sameAs t:stalin .
t:politburo a kg:Organization .
t:politburo rdfs:label "Politburo" .
t:beijing a kg:Place .
t:beijing rdfs:label "Beijing" .
t:beijing geo:lat 39.9 .
t:beijing geo:long 116.4 .
t:att a kg:RoleAttestation .
t:att rdfs:label "Premier" .
t:att kg:holder t:stalin .
t:att kg:attestedBy t:doc .
t:att kg:roleTo t:beijing .
t:role a kg:Role .
t:role rdfs:label "Premier" .
t:role kg:holder t:stalin .
t:role kg:sourceKind "attested" .
t:role kg:attestation t:att .
t:role kg:roleTo t:beijing .
t:role kg:firstDate "1950-02-01"^^xsd:date .
t:role kg:lastDate "1950-02-28"^^xsd:date .
t:role kg:documentCount 1 .
t:m0 a kg:Mention .
t:m0 kg:mentionOf t:stalin .
t:m0 kg:inDocument t:doc .
t:m0 kg:text "Stalin" .
t:m0 kg:field "title" .
t:m0 kg:start 10 .
t:m0 kg:end 16 .
t:m0 kg:method t:ner .
t:m0 kg:confidence 0.9 .
t:m0 kg:score 0.95 .
"""

# (what is broken, statements removed (lines of VALID), statements added, the property (local
# name) the violation must be reported on)
BROKEN = [
    ("document with a title that is not a string", [],
     ['t:doc dcterms:title "1950"^^xsd:gYear .'], "title"),
    ("document without a title", ['t:doc dcterms:title "Letter to Stalin" .'], [],
     "title"),
    ("person with a non-Wikidata sameAs", [],
     ["t:stalin owl:sameAs <http://dbpedia.org/resource/Joseph_Stalin> ."], "sameAs"),
    ("person sameAs a Wikidata page, not an item", [],
     ["t:stalin owl:sameAs <https://www.wikidata.org/wiki/Q855> ."], "sameAs"),
    ("mention with confidence 2", ["t:m0 kg:confidence 0.9 ."], ["t:m0 kg:confidence 2.0 ."],
     "confidence"),
    ("mention confidence as a string", ["t:m0 kg:confidence 0.9 ."],
     ['t:m0 kg:confidence "high" .'], "confidence"),
    ("mention without a method", ["t:m0 kg:method t:ner ."], [], "method"),
    ("mention whose span ends before it starts", ["t:m0 kg:end 16 ."], ["t:m0 kg:end 3 ."],
     "start"),
    ("unknown date precision", ['t:doc kg:datePrecision "month" .'],
     ['t:doc kg:datePrecision "week" .'], "datePrecision"),
    ("date as a plain string", ['t:doc kg:date "1950-02"^^xsd:gYearMonth .'],
     ['t:doc kg:date "February 1950" .'], "date"),
    ("two dates", [], ['t:doc kg:date "1950"^^xsd:gYear .'], "date"),
    ("earliest date after the latest", ['t:doc kg:earliestDate "1950-02-01"^^xsd:date .'],
     ['t:doc kg:earliestDate "1950-03-01"^^xsd:date .'], "earliestDate"),
    ("document type not a DocumentType", ["t:doc kg:documentType t:letter ."],
     ['t:doc kg:documentType "Letter" .'], "documentType"),
    ("a place as author", [], ["t:doc kg:author t:beijing ."], "author"),
    ("document without a source", ["t:doc kg:source t:src ."], [], "source"),
    ("person with two labels", [], ['t:stalin rdfs:label "Iosif Stalin" .'], "label"),
    ("birth year as an integer", ['t:stalin kg:birthYear "1878"^^xsd:gYear .'],
     ["t:stalin kg:birthYear 1878 ."], "birthYear"),
    ("latitude out of range", ["t:beijing geo:lat 39.9 ."], ["t:beijing geo:lat 99.9 ."],
     "lat"),
    ("role without a holder", ["t:role kg:holder t:stalin ."], [], "holder"),
    ("role held by a place", ["t:role kg:holder t:stalin ."], ["t:role kg:holder t:beijing ."],
     "holder"),
    ("role attestation of no document", ["t:att kg:attestedBy t:doc ."], [], "attestedBy"),
    ("role attestation held by a place", ["t:att kg:holder t:stalin ."],
     ["t:att kg:holder t:beijing ."], "holder"),
    ("post neither attested nor from the authority", ['t:role kg:sourceKind "attested" .'],
     ['t:role kg:sourceKind "guessed" .'], "sourceKind"),
    ("post whose tenure ends before it starts", ['t:role kg:lastDate "1950-02-28"^^xsd:date .'],
     ['t:role kg:lastDate "1949-02-28"^^xsd:date .'], "firstDate"),
    ("entity link scoring 1.5", ["t:stalin-link kg:score 1.0 ."],
     ["t:stalin-link kg:score 1.5 ."], "score"),
    ("entity link match not a boolean", ["t:stalin-link kg:match true ."],
     ['t:stalin-link kg:match "yes" .'], "match"),
]


def make_store(path: Path, remove: list[str], add: list[str]) -> ox.Store:
    """A store holding VALID (less `remove`, plus `add`) in one named graph, written with the
    project's own writer."""
    lines = VALID.strip().splitlines()
    for line in remove:
        assert line in lines, f"not a line of VALID: {line}"
        lines.remove(line)
    prefixes = [ln for ln in lines if ln.startswith("@prefix")]
    body = [ln for ln in lines if not ln.startswith("@prefix")] + add
    trig = "\n".join(prefixes) + f"\n<{G}> {{\n" + "\n".join(body) + "\n}\n"
    with writer(path) as w:
        StoreConfig(base="https://t.example/").write(path)
        w.store.load(trig.encode(), ox.RdfFormat.TRIG)
    return open_reader(path)


def test_the_valid_store_conforms(tmp_path):
    report = validate_store(make_store(tmp_path / "s", [], []))
    assert report.conforms, report.text
    assert report.violations == 0


@pytest.mark.parametrize("what, remove, add, expected", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_store_does_not_conform(tmp_path, what, remove, add, expected):
    report = validate_store(make_store(tmp_path / "s", remove, add))
    assert not report.conforms, what
    assert report.violations > 0
    # the violation is about what was broken, not something else
    paths = set(re.findall(r"Result Path: (?:\w+:)?(\w+)", report.text))
    assert paths == {expected}, report.text


def test_validate_command_exits_1_on_a_broken_store(tmp_path):
    store = tmp_path / "s"
    make_store(store, ["t:m0 kg:confidence 0.9 ."],
               ['t:doc dcterms:title "1950"^^xsd:gYear .', "t:m0 kg:confidence 2.0 ."])
    out = run_kg("validate", "--store", str(store))
    text = out.stdout.decode()
    assert out.returncode == 1
    assert "does not conform" in text and "2 violation(s)" in text
    assert "Traceback" not in out.stderr.decode()


def test_an_attested_post_needs_an_attestation_and_an_authority_post_does_not(tmp_path):
    """A merged post rests on the documents' attestations; one the authority file knows may
    have none."""
    report = validate_store(make_store(tmp_path / "a", ["t:role kg:attestation t:att ."], []))
    assert not report.conforms and "at least one kg:attestation" in report.text
    report = validate_store(make_store(tmp_path / "b", ["t:role kg:attestation t:att .",
                                                        't:role kg:sourceKind "attested" .'],
                                       ['t:role kg:sourceKind "authority" .']))
    assert report.conforms, report.text
