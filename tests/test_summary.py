"""The summary graph (aggregates materialised at ingest) says what aggregating the source
graphs at query time says, after a first ingest, after an ingest that adds documents and after
a removal; and the month index finds what a scan of every document's dates finds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE

from kg.api import KnowledgeGraph
from kg.query import bind_limit, named_queries, select_rows, substitutions

QUERIES = {q.name: q for q in named_queries()}

# The same questions answered from the source graphs at query time: slow on a large store,
# exact on any store. Each returns comparable tuples.
DIRECT = {
    # a name is named in a graph by a statement there, or, once corroborated (the summary
    # graph links the document to it), by the candidate mention there
    "co-mentioned-people": ("""
        SELECT ?a ?b (COUNT(DISTINCT ?doc) AS ?n) WHERE {
          { GRAPH ?g { ?doc kg:mentions|kg:mentionsInText ?a } FILTER NOT EXISTS {
              ?g a kg:SummaryGraph } }
          UNION { GRAPH ?g { ?ma a kg:CandidateMention ; kg:inDocument ?doc ; kg:mentionOf ?a }
                  GRAPH ?s { ?s a kg:SummaryGraph . ?doc kg:mentionsInText ?a } }
          { GRAPH ?g { ?doc kg:mentions|kg:mentionsInText ?b } FILTER NOT EXISTS {
              ?g a kg:SummaryGraph } }
          UNION { GRAPH ?g { ?mb a kg:CandidateMention ; kg:inDocument ?doc ; kg:mentionOf ?b }
                  GRAPH ?t { ?t a kg:SummaryGraph . ?doc kg:mentionsInText ?b } }
          FILTER(STR(?a) < STR(?b))
          GRAPH ?ag { ?a a kg:Person } GRAPH ?bg { ?b a kg:Person }
        } GROUP BY ?a ?b""", ("person_a", "person_b", "documents")),
    "correspondence-network": ("""
        SELECT ?s ?a (COUNT(DISTINCT ?doc) AS ?n) (MIN(?e) AS ?first) (MAX(?l) AS ?last) WHERE {
          GRAPH ?g { ?doc kg:records ?event . ?event kg:sender ?s ; kg:addressee ?a . }
          OPTIONAL { ?doc kg:earliestDate ?e } OPTIONAL { ?doc kg:latestDate ?l }
        } GROUP BY ?s ?a""", ("sender", "addressee", "documents", "first", "last")),
    "topics": ("""
        SELECT ?topic (COUNT(DISTINCT ?doc) AS ?n) (MIN(?e) AS ?first) (MAX(?l) AS ?last) WHERE {
          GRAPH ?g { ?doc kg:subject|dcterms:subject ?topic }
          OPTIONAL { ?doc kg:earliestDate ?e } OPTIONAL { ?doc kg:latestDate ?l }
        } GROUP BY ?topic""", ("topic", "documents", "first", "last")),
    "document-types-per-year": ("""
        SELECT ?year ?type (COUNT(DISTINCT ?doc) AS ?n) WHERE {
          { SELECT ?doc (MIN(?e) AS ?earliest) WHERE {
              GRAPH ?g { ?doc a kg:Document } OPTIONAL { ?doc kg:earliestDate ?e } }
            GROUP BY ?doc }
          OPTIONAL { ?doc kg:documentType ?t . GRAPH ?tg { ?t skos:prefLabel ?type_label } }
          BIND(COALESCE(STR(YEAR(?earliest)), "undated") AS ?year)
          BIND(COALESCE(STR(?type_label), "unknown") AS ?type)
        } GROUP BY ?year ?type""", ("year", "type", "documents")),
    "uncertain-links": ("""
        SELECT ?text ?entity ?method ?score (COUNT(?m) AS ?n) (COUNT(DISTINCT ?doc) AS ?docs)
        WHERE {
          GRAPH ?g { ?m a kg:Mention ; kg:score ?score ; kg:mentionOf ?entity ; kg:text ?text ;
                        kg:linkMethod ?method ; kg:inDocument ?doc }
          OPTIONAL { GRAPH ?ag { ?entity kg:resolved ?resolved ; rdfs:label ?label } }
          FILTER(?score < 0.9 || ?resolved = false)
        } GROUP BY ?text ?entity ?method ?score""",
        ("text", "entity", "link_method", "score", "mentions", "documents")),
}


def named(kg: KnowledgeGraph, name: str, **params: str) -> set[tuple[str, ...]]:
    """The named query's answer (it reads the summary graph), in the direct query's columns."""
    columns = DIRECT[name][1]
    text = QUERIES[name].text
    answer = select_rows(kg.query(bind_limit(text, params),
                                  substitutions=substitutions(text, params)))
    return {tuple(r.get(c, "") for c in columns) for r in answer}


def direct(kg: KnowledgeGraph, name: str) -> set[tuple[str, ...]]:
    result = kg.query(DIRECT[name][0])
    names = [v.value for v in result.variables]
    return {tuple(sol[n].value if sol[n] is not None else "" for n in names) for sol in result}


def assert_summary_matches(kg: KnowledgeGraph) -> None:
    for name in DIRECT:
        expected = direct(kg, name)
        assert expected, f"{name}: the sample should give rows"
        assert named(kg, name) == expected, name


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("summary") / "store"
    report = KnowledgeGraph(path).ingest(sorted(str(p) for p in SAMPLE.iterdir()))
    assert report.ok, report.errors
    return path


@pytest.fixture
def sample_copy(sample_store, tmp_path) -> Path:
    return Path(shutil.copytree(sample_store, tmp_path / "store"))


def test_summary_says_what_aggregating_the_graphs_says(sample_store):
    assert_summary_matches(KnowledgeGraph(sample_store))


def test_summary_follows_an_ingest_that_adds_documents_and_a_removal(tmp_path):
    kg = KnowledgeGraph(tmp_path / "store")
    pages = sorted(str(p) for p in SAMPLE.glob("*.txt"))
    assert kg.ingest(pages[:1]).ok
    assert_summary_matches(kg)
    before = direct(kg, "co-mentioned-people")
    assert kg.ingest(pages[1:]).ok
    assert_summary_matches(kg)
    assert direct(kg, "co-mentioned-people") != before
    assert kg.remove(Path(pages[0]).name) > 0
    assert_summary_matches(kg)


def test_min_documents_filters_the_materialised_pairs(sample_store):
    kg = KnowledgeGraph(sample_store)
    pairs = named(kg, "co-mentioned-people")
    strong = named(kg, "co-mentioned-people", min_documents="2")
    assert strong == {p for p in pairs if int(p[2]) >= 2} and 0 < len(strong) < len(pairs)


def test_limit_keeps_the_strongest_pairs(sample_store):
    kg = KnowledgeGraph(sample_store)
    pairs = named(kg, "co-mentioned-people")
    top = named(kg, "co-mentioned-people", limit="3")
    assert len(top) == 3 and min(int(p[2]) for p in top) >= max(
        int(p[2]) for p in pairs - top)


# documents in a date range by a scan of every document's bounds (no month index)
SCAN = """
# param: start date = "1950-02-01"
# param: end date = "1950-02-28"
# param: match within|overlaps = "within"
SELECT DISTINCT ?doc ?start ?end ?match WHERE {
  BIND(xsd:date(STR(?start)) AS ?from) BIND(xsd:date(STR(?end)) AS ?to)
  GRAPH ?g { ?doc kg:earliestDate ?earliest ; kg:latestDate ?latest ; dcterms:title ?t }
  FILTER(IF(?match = "overlaps", ?earliest <= ?to && ?latest >= ?from,
                                 ?earliest >= ?from && ?latest <= ?to))
}"""


@pytest.mark.parametrize("start, end", [("1950-02-01", "1950-02-28"), ("1950-01-15", "1950-03-02"),
                                        ("1949-12-31", "1950-01-01"), ("1945-01-01", "1991-12-31"),
                                        ("1953-03-05", "1953-03-05"), ("1960-01-01", "1959-01-01")])
@pytest.mark.parametrize("match", ["within", "overlaps"])
def test_month_index_finds_what_a_scan_of_every_date_finds(sample_store, start, end, match):
    kg = KnowledgeGraph(sample_store)
    params = {"start": start, "end": end, "match": match}
    text = QUERIES["documents-in-date-range"].text
    indexed = {r["doc"] for r in select_rows(kg.query(
        text, substitutions=substitutions(text, params)))}
    scanned = {r["doc"] for r in select_rows(kg.query(
        SCAN, substitutions=substitutions(SCAN, params)))}
    assert indexed == scanned


def test_every_dated_document_is_in_the_month_index(sample_store):
    kg = KnowledgeGraph(sample_store)
    missing = select_rows(kg.query("""
        SELECT ?doc WHERE { GRAPH ?g { ?doc kg:earliestDate ?e ; dcterms:title ?t }
                            FILTER NOT EXISTS { ?doc kg:inMonth ?m } }"""))
    assert missing == []


def test_months_spanned_covers_the_whole_span():
    from datetime import date

    from kg.rdf.mapping import months_spanned

    assert months_spanned(date(1950, 2, 1), date(1950, 2, 28)) == ["1950-02"]
    assert months_spanned(date(1949, 11, 30), date(1950, 2, 1)) == [
        "1949-11", "1949-12", "1950-01", "1950-02"]
    assert len(months_spanned(date(1950, 1, 1), date(1959, 12, 31))) == 120
    assert len(months_spanned(date(1900, 1, 1), date(1999, 12, 31))) == 1200
    assert months_spanned(None, date(1950, 1, 1)) == []
