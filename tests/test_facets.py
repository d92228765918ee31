"""Facets of the per-generation index, counted against SPARQL over the same store.

Two real stores: the seed pages and a generated corpus (bench/generate.py). Every facet's
counts without filters, filtered counts, combinations (AND across facets, AND within entity
facets, OR within types and sources), date ranges and a query with facets must agree with
what SPARQL counts in the graph.
"""

from __future__ import annotations

import sys
from collections import Counter

import pytest

from kg.api import KnowledgeGraph
from kg.store.derived import LINKS
from kg.store.index import Filters, Index
from tests.conftest import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.generate import write_corpus  # noqa: E402

LINK_VALUES = " ".join(f"kg:{p}" for p in LINKS)
ALL = 100_000  # facet_limit: every value
CLASSES = {"person": "kg:Person", "place": "kg:Place", "organization": "kg:Organization"}
FACET_PATTERNS = {
    **{kind: f"?d ?p ?v . VALUES ?p {{ {LINK_VALUES} }} ?v a {cls} ."
       for kind, cls in CLASSES.items()},
    "topic": "?d ?p ?v . VALUES ?p { kg:subject dcterms:subject kg:assignedSubject }",
    "type": "{ ?d kg:documentType ?v } UNION { ?d kg:documentType/skos:broader ?v }",
    "source": "?d kg:source ?v .",
}


@pytest.fixture(scope="module")
def generated_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("facets")
    write_corpus(root / "pages", 250, seed=5)
    report = KnowledgeGraph(root / "store").ingest([str(root / "pages")])
    assert report.ok, report.errors
    return root / "store"


@pytest.fixture(params=["seed", "generated"])
def store(request, seed_store):
    return seed_store if request.param == "seed" else request.getfixturevalue("generated_store")


def sparql_counts(store, pattern: str, extra: str = "") -> Counter:
    rows = KnowledgeGraph(store).query(
        f"SELECT ?v (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d a kg:Document . {pattern} {extra} }} "
        "GROUP BY ?v")
    return Counter({r[0].value: int(r[1].value) for r in rows})


def sparql_docs(store, where: str) -> set[str]:
    rows = KnowledgeGraph(store).query(f"SELECT DISTINCT ?d WHERE {{ ?d a kg:Document . {where} }}")
    return {r[0].value for r in rows}


def facet(page, name: str) -> Counter:
    return Counter({v.value: v.count for v in page.facets[name]})


def every_hit(index: Index, query, filters) -> set[str]:
    first = index.search(query, filters, page_size=200)
    out = {h.iri for h in first.hits}
    for n in range(2, first.pages + 1):
        out |= {h.iri for h in index.search(query, filters, page=n, page_size=200).hits}
    assert len(out) == first.total
    return out


@pytest.mark.parametrize("name", list(FACET_PATTERNS))
def test_facet_totals_are_the_sparql_counts(store, name):
    page = Index.open(store).search(None, facet_limit=ALL)
    expected = sparql_counts(store, FACET_PATTERNS[name])
    assert expected, f"no {name} in this store"
    assert facet(page, name) == expected


def test_year_facet_and_browsing_cover_every_document(store):
    index = Index.open(store)
    page = index.search(None, page_size=200)
    docs = sparql_docs(store, "")
    assert page.total == len(docs)
    rows = KnowledgeGraph(store).query("SELECT ?d (MIN(?e) AS ?first) WHERE { ?d a kg:Document ; "
                                       "kg:earliestDate ?e } GROUP BY ?d")
    years = Counter(r[1].value[:4] for r in rows)
    assert facet(page, "year") == years
    dates = [h.earliest for h in page.hits if h.earliest]
    assert dates == sorted(dates)  # browsing is in date order


def _top(page, name: str, n: int = 0) -> str:
    return page.facets[name][n].value


def test_facets_combine_with_and_and_count_the_filtered_set(store):
    index = Index.open(store)
    everything = index.search(None, facet_limit=ALL)
    person, place = _top(everything, "person"), _top(everything, "place")
    filters = Filters(people=(person,), places=(place,))
    page = index.search(None, filters, facet_limit=ALL)
    where = (f"?d ?p1 <{person}> . VALUES ?p1 {{ {LINK_VALUES} }} "
             f"?d ?p2 <{place}> . VALUES ?p2 {{ {LINK_VALUES} }}")
    expected = sparql_docs(store, where)
    assert expected
    assert every_hit(index, None, filters) == expected
    for name in ("type", "organization", "source"):
        assert facet(page, name) == sparql_counts(store, FACET_PATTERNS[name], where), name
    # within an entity facet, values combine with AND as well
    second = _top(everything, "person", 1)
    both = Filters(people=(person, second))
    assert every_hit(index, None, both) == sparql_docs(
        store, f"?d ?p1 <{person}> . ?d ?p2 <{second}> . "
               f"VALUES ?p1 {{ {LINK_VALUES} }} VALUES ?p2 {{ {LINK_VALUES} }}")


def test_types_and_sources_are_alternatives(store):
    index = Index.open(store)
    everything = index.search(None)
    t1, t2 = _top(everything, "type"), _top(everything, "type", 1)
    expected = sparql_docs(store, f"{{ {FACET_PATTERNS['type']} }} FILTER(?v IN (<{t1}>, <{t2}>))")
    assert every_hit(index, None, Filters(types=(t1, t2))) == expected
    sources = tuple(v.value for v in everything.facets["source"][:2])
    expected = sparql_docs(store, "?d kg:source ?s FILTER(?s IN ("
                           + ", ".join(f"<{s}>" for s in sources) + "))")
    assert every_hit(index, None, Filters(sources=sources)) == expected


@pytest.mark.parametrize(("date_from", "date_to"), [("1950-02", "1950-02"), ("1950", None),
                                                    (None, "1949-12-31"), ("1946", "1955")])
def test_a_date_range_keeps_documents_whose_span_overlaps_it(store, date_from, date_to):
    index = Index.open(store)
    low = {None: None, "1950-02": "1950-02-01", "1950": "1950-01-01", "1946": "1946-01-01"}[
        date_from]
    high = {None: None, "1950-02": "1950-02-31", "1949-12-31": "1949-12-31",
            "1955": "1955-12-31"}[date_to]
    conditions = []
    if low:
        conditions.append(f'STR(?last) >= "{low}"')
    if high:
        conditions.append(f'STR(?first) <= "{high}"')
    rows = KnowledgeGraph(store).query(
        "SELECT ?d WHERE { ?d a kg:Document ; kg:earliestDate ?e ; kg:latestDate ?l } "
        "GROUP BY ?d HAVING (" + " && ".join(conditions).replace("?last", "MAX(?l)").replace(
            "?first", "MIN(?e)") + ")")
    expected = {r[0].value for r in rows}
    assert every_hit(index, None, Filters(date_from=date_from, date_to=date_to)) == expected


def test_a_query_with_facets_is_the_intersection(store):
    index = Index.open(store)
    everything = index.search(None)
    place = _top(everything, "place")
    words = index.search("Stalin").total and "Stalin" or everything.hits[0].title.split()[0]
    linked = sparql_docs(store, f"?d ?p <{place}> . VALUES ?p {{ {LINK_VALUES} }}")
    found = every_hit(index, words, Filters(places=(place,)))
    assert found == every_hit(index, words, None) & linked
    page = index.search(words, Filters(places=(place,)), facet_limit=ALL)
    assert facet(page, "place")[place] == len(found)


def test_entity_document_counts_are_the_facet_counts(store):
    index = Index.open(store)
    everything = index.search(None, facet_limit=ALL)
    for kind in ("person", "place", "organization"):
        counts = facet(everything, kind)
        listed = index.entities(kind, page_size=1000)
        assert {e.iri: e.documents for e in listed.items} == dict(counts)
