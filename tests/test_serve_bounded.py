"""Queries answered on the event loop: only those whose work is bounded before they run, with
the same answers as on a query thread."""

from __future__ import annotations

import asyncio
import json

import pytest

from kg.serve.bounded import bounded_select
from kg.serve.inprocess import ThreadRunner
from kg.serve.worker import QueryTask, run_query
from kg.store import open_reader

CAP = 10_000
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

BOUNDED = [
    "SELECT ?label ?type WHERE { <http://x/p> <http://www.w3.org/2000/01/rdf-schema#label> "
    "?label ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?type }",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT * { <http://x/a> rdfs:label ?l . <http://x/b> a ?t ; rdfs:label \"x\"@en, "
    "'y'^^<http://t>, 3 . }",
    "select ?o where { kg:x ?p ?o } limit 10",
    "SELECT ?o WHERE { <http://x/a> ?p ?o ; }",
]

UNBOUNDED = [
    "SELECT ?s WHERE { ?s ?p ?o }",  # a variable subject reads every triple
    "SELECT ?o WHERE { <x> ?p ?o . ?o ?q ?r }",
    "SELECT DISTINCT ?o WHERE { <x> ?p ?o . <y> ?q ?r }",  # may read all to find few rows
    "SELECT ?o WHERE { <x> ?p ?o . <y> ?q ?r FILTER(?o = ?r) }",
    "SELECT ?o WHERE { <x> ?p ?o } ORDER BY ?o",
    "SELECT (COUNT(*) AS ?n) WHERE { <x> ?p ?o }",
    "SELECT ?o WHERE { <x> ?p ?o } OFFSET 5",
    f"SELECT ?o WHERE {{ <x> ?p ?o }} LIMIT {CAP + 2}",
    "SELECT ?o WHERE { <x> <a>/<b> ?o }",
    "SELECT ?o WHERE { <x> <p>* ?o }",
    "SELECT ?o WHERE { <x> ^<p> ?o }",
    "SELECT ?o WHERE { <x> ?p [] }",
    "SELECT ?o WHERE { _:b ?p ?o }",
    "SELECT ?o WHERE { <x> ?p ?o # a comment\n }",
    "SELECT ?o WHERE { <x> ?p \"\"\"long\"\"\" }",
    "SELECT ?o WHERE { { <x> ?p ?o } UNION { <y> ?p ?o } }",
    "SELECT ?o WHERE { GRAPH ?g { <x> ?p ?o } }",
    "SELECT ?o WHERE { <x> ?p ?o OPTIONAL { ?o ?q ?r } }",
    "SELECT ?o WHERE { <x> ?p ?o } VALUES ?o { 1 }",
    "SELECT ?o WHERE { }",
    "ASK { <x> ?p ?o }",
    "CONSTRUCT { <x> ?p ?o } WHERE { <x> ?p ?o }",
    "",
]


@pytest.mark.parametrize("text", BOUNDED)
def test_bounded_queries_run_with_a_limit(text):
    inline = bounded_select(text, CAP)
    assert inline is not None and inline.startswith(text)
    assert "limit" in inline.lower()


@pytest.mark.parametrize("text", UNBOUNDED)
def test_anything_else_goes_to_a_thread(text):
    assert bounded_select(text, CAP) is None


def _people_and_labels(store) -> list[str]:
    rows = store.query(f"SELECT DISTINCT ?s WHERE {{ ?s <{RDFS}label> ?l }} LIMIT 30",
                       use_default_graph_as_union=True)
    return [row[0].value for row in rows]


def test_answers_on_the_loop_are_the_threads_answers(sample_store):
    store = open_reader(sample_store)
    for iri in _people_and_labels(store):
        for text in (f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}",
                     f"SELECT ?l ?t WHERE {{ <{iri}> <{RDFS}label> ?l ; a ?t }}"):
            inline = bounded_select(text, 3)  # a small cap: some answers are cut
            assert inline is not None
            direct = run_query(store, QueryTask(text, "json", max_results=3))
            looped = run_query(store, QueryTask(inline, "json", max_results=3))
            assert looped.status == direct.status == 200
            assert json.loads(looped.body) == json.loads(direct.body)
            assert looped.headers == direct.headers  # "cut" marked the same way


def test_a_runner_without_threads_still_answers_bounded_queries(sample_store):
    # no query thread at all: a query handed to one is never answered (503 at the timeout);
    # a bounded one is answered where it is asked
    retired = []
    runner = ThreadRunner(sample_store, timeout=0.5, retire=lambda: retired.append(1),
                          threads=0)
    iri = _people_and_labels(open_reader(sample_store))[0]
    bounded = QueryTask(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}", "json")
    other = QueryTask("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", "json")
    assert asyncio.run(runner.run_async(bounded)).status == 200
    assert runner.run(bounded).status == 200
    assert not retired
    assert asyncio.run(runner.run_async(other)).status == 503
    assert retired
