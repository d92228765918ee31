"""Conditional GET: answers carry an entity tag of the generation, a client holding the current
tag gets 304 before anything is made, and a newly published generation changes every tag.
In process (Starlette's TestClient) over a store built from `data/sample`."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import TEST_BASE
from starlette.testclient import TestClient

from kg.serve.app import Settings, Site, create_app
from kg.serve.conditional import matches
from kg.serve.snapshot import StoreView
from kg.serve.worker import WorkerPool
from kg.store.index import refresh

BASE = TEST_BASE
LOOKUP = "/sparql?query=" + quote("SELECT ?s WHERE { ?s a ?c } LIMIT 3")
JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"


@pytest.fixture(scope="module")
def store(sample_store) -> Path:
    return sample_store


def _client(store: Path, **settings) -> tuple[TestClient, Site]:
    site = Site(Settings(store, **settings), StoreView(store, BASE), WorkerPool(store, size=1))
    return TestClient(create_app(site)), site


@pytest.fixture(scope="module")
def client(store):
    client, site = _client(store)
    yield client
    site.close()


@pytest.mark.parametrize(("path", "accept"), [
    ("/", "text/html"), ("/people", "application/json"), (LOOKUP, JSON),
    ("/void", "text/turtle"), ("/download/graph.nq", "*/*"),
])
def test_an_answer_sent_back_with_its_tag_is_not_modified(client, path, accept):
    first = client.get(path, headers={"Accept": accept})
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('W/"') and first.headers["cache-control"] == "no-cache"
    assert "Accept" in first.headers["vary"]
    again = client.get(path, headers={"Accept": accept, "If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag
    assert again.headers["access-control-allow-origin"] == "*"
    head = client.head(path, headers={"Accept": accept, "If-None-Match": f'"other", {tag}'})
    assert head.status_code == 304


def test_another_tag_gets_the_whole_answer(client):
    answer = client.get("/", headers={"If-None-Match": 'W/"not-this-one"'})
    assert answer.status_code == 200 and b"<html" in answer.content.lower()


def test_each_representation_has_its_own_tag(client):
    as_json = client.get(LOOKUP, headers={"Accept": JSON})
    as_xml = client.get(LOOKUP, headers={"Accept": XML})
    assert as_json.content != as_xml.content
    assert as_json.headers["etag"] != as_xml.headers["etag"]
    # the JSON answer's tag does not validate the XML one
    crossed = client.get(LOOKUP, headers={"Accept": XML, "If-None-Match": as_json.headers["etag"]})
    assert crossed.status_code == 200 and crossed.content == as_xml.content


def test_errors_and_posts_carry_no_tag(client):
    missing = client.get("/person/nobody-at-all")
    assert missing.status_code == 404 and "etag" not in missing.headers
    posted = client.post("/sparql", data={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"},
                         headers={"Accept": JSON})
    assert posted.status_code == 200 and "etag" not in posted.headers


def test_a_new_generation_changes_every_tag(sample_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)  # the shared store stays as it is
    client, site = _client(store)
    try:
        before = client.get("/people", headers={"Accept": "application/json"})
        refresh(store)  # publishes a new generation holding the same graph
        after = client.get("/people", headers={"Accept": "application/json",
                                               "If-None-Match": before.headers["etag"]})
        assert after.status_code == 200
        assert after.headers["etag"] != before.headers["etag"]
        assert after.json() == before.json()
    finally:
        site.close()


def test_other_server_settings_give_other_tags(store):
    capped, site = _client(store, max_results=1)
    try:
        plain, plain_site = _client(store)
        try:
            one = capped.get(LOOKUP, headers={"Accept": JSON})
            three = plain.get(LOOKUP, headers={"Accept": JSON})
            assert one.content != three.content
            assert one.headers["etag"] != three.headers["etag"]
        finally:
            plain_site.close()
    finally:
        site.close()


@pytest.mark.parametrize(("header", "expected"), [
    (b'W/"abc"', True), (b'"abc"', True), (b'"x", W/"abc"', True), (b' W/"abc" ', True),
    (b'"abcd"', False), (b"*", False), (b'"ab"', False),
])
def test_weak_comparison(header, expected):
    assert matches(header, b'W/"abc"') is expected
