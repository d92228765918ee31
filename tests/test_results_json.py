"""SPARQL JSON written by pyoxigraph and cut at the endpoint's row cap (`solutions_json_capped`),
against the rows read in Python (`solutions_json`), on a store holding every kind of term."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg.rdf.namespace import KG_IRI
from kg.serve.results import solutions_json, solutions_json_capped
from kg.serve.worker import QueryTask, run_query

EX = "http://example.org/"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    g = ox.NamedNode(EX + "g")
    objects = [ox.Literal("plain"), ox.Literal("Zhou Enlai", language="en"),
               ox.Literal("1951", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")),
               ox.Literal('quotes " and },{"', language="fr"), ox.BlankNode("b1"),
               ox.NamedNode(EX + "o"), ox.Literal("Рощин")]
    for i in range(200):
        s.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(KG_IRI + "p"),
                      objects[i % len(objects)], g))
    return s


def _python(store: ox.Store, query: str) -> list[dict]:
    r = store.query(query, use_default_graph_as_union=True)
    rows = [[x[i] for i in range(len(x))] for x in r]
    return json.loads(solutions_json([v.value for v in r.variables], rows))


def _bindings(doc: dict) -> list[str]:
    return sorted(json.dumps(b, sort_keys=True) for b in doc["results"]["bindings"])


QUERIES = [
    "SELECT ?s ?o WHERE { ?s ?p ?o }",
    "SELECT ?s ?missing WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/none> ?missing } }",
    "SELECT ?o (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?o",
    "SELECT * WHERE { ?s ?p ?o FILTER(false) }",
]


@pytest.mark.parametrize("query", QUERIES)
def test_same_document_as_written_in_python(store, query):
    body, cut = solutions_json_capped(store.query(query, use_default_graph_as_union=True), 10_000)
    doc, expected = json.loads(body), _python(store, query)
    assert not cut
    assert doc["head"] == expected["head"]
    assert _bindings(doc) == _bindings(expected)


@pytest.mark.parametrize("cap", [1, 7, 66, 199, 200, 201])
def test_rows_are_cut_exactly_at_the_cap(store, cap):
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s"
    body, cut = solutions_json_capped(store.query(query, use_default_graph_as_union=True), cap)
    rows = json.loads(body)["results"]["bindings"]
    assert len(rows) == min(cap, 200)
    assert cut == (cap < 200)
    every = _python(store, query)["results"]["bindings"]
    assert rows == every[:cap]  # the first rows, in the query's order


def test_a_body_past_the_byte_limit_gives_none(store):
    results = store.query("SELECT * WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    assert solutions_json_capped(results, 10_000, max_bytes=2_000) is None


def test_run_query_cuts_rows_when_the_body_is_too_large_for_the_fast_writer(store, monkeypatch):
    import kg.serve.worker as worker

    monkeypatch.setattr(worker, "solutions_json_capped",
                        lambda results, rows: solutions_json_capped(results, rows, max_bytes=100))
    out = run_query(store, QueryTask("SELECT * WHERE { ?s ?p ?o }", max_results=30))
    assert out.status == 200
    assert out.headers.get("X-Result-Truncated") == "true"
    assert len(json.loads(out.body)["results"]["bindings"]) == 30


@pytest.mark.parametrize("query", [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s kg:p ?o }",  # our prefix, undeclared
    "SELECT (COUNT(*) AS ?n) WHERE { ?s <" + KG_IRI + "p> ?o }",  # none
    'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o != "kg:p") }',  # only in a string
])
def test_queries_with_and_without_our_prefixes(store, query):
    out = run_query(store, QueryTask(query))
    assert out.status == 200, out.body
    assert json.loads(out.body)["results"]["bindings"][0]["n"]["value"] == "200"


def test_an_unknown_prefix_is_still_a_400(store):
    out = run_query(store, QueryTask("SELECT * WHERE { ?s nope:p ?o }"))
    assert out.status == 400
