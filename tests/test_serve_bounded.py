"""Queries answered on the event loop: only those whose work is bounded before they run, with
the same answers as on a query thread."""

from __future__ import annotations

import asyncio
import json

import pytest

from kg.serve import inprocess
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


def _runner_whose_threads_have_ended(store, asked: list[QueryTask]) -> ThreadRunner:
    """A runner that answered `asked` on its one query thread, then lost it: from then on only
    what the event loop answers itself is answered (anything else gets 503 at the timeout)."""
    runner = ThreadRunner(store, timeout=0.5, retire=lambda: None, threads=1)
    for task in asked * 2:  # the first query of a runner also opens the store
        assert asyncio.run(runner.run_async(task)).status == 200
    runner.close()
    runner._threads[0].join(timeout=5)
    return runner


def test_a_bounded_query_measured_cheap_is_answered_on_the_loop(sample_store):
    store = open_reader(sample_store)
    first, second = _people_and_labels(store)[:2]
    seen = QueryTask(f"SELECT ?p ?o WHERE {{ <{first}> ?p ?o }}", "json")
    unseen = QueryTask(f"SELECT ?p ?o WHERE {{ <{second}> ?p ?o }}", "json")
    unbounded = QueryTask("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", "json")
    runner = _runner_whose_threads_have_ended(sample_store, [seen, unbounded])
    answer = asyncio.run(runner.run_async(seen))
    assert answer.status == 200
    assert json.loads(answer.body) == json.loads(run_query(store, seen).body)
    assert runner.run(seen).status == 200
    # never measured, or not of the bounded shape: a thread's, and there is none
    assert asyncio.run(runner.run_async(unseen)).status == 503
    assert asyncio.run(runner.run_async(unbounded)).status == 503


def test_a_bounded_query_that_was_not_cheap_stays_on_threads(sample_store, monkeypatch):
    # bounded is not always small (a subject in every document graph): what took more than
    # CHEAP_SECONDS on a thread goes to a thread again
    monkeypatch.setattr(inprocess, "CHEAP_SECONDS", -1.0)
    iri = _people_and_labels(open_reader(sample_store))[0]
    task = QueryTask(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}", "json")
    runner = _runner_whose_threads_have_ended(sample_store, [task])
    assert asyncio.run(runner.run_async(task)).status == 503
