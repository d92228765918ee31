"""Ingest into a remote SPARQL 1.1 store, and let the Oxigraph server serve our store folder.

A real Oxigraph server (the `oxigraph` PyPI package's binary) runs on a free local port. The
seed pages are ingested into it with `ingest_remote`, by the Graph Store Protocol and by SPARQL
Update, and into `kg serve`'s update endpoint; each time the remote dataset must hold exactly
the quads a local ingest writes (no blank nodes, so equal sets mean isomorphic datasets).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest

from kg.api import KnowledgeGraph
from kg.pipeline.remote import ingest_remote
from kg.serve.app import make_server
from kg.store import current_generation, open_reader

pytestmark = pytest.mark.server

BASE = "http://127.0.0.1:8000/"
TOKEN = "remote-token"
OXIGRAPH = Path(sys.executable).with_name("oxigraph")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, accept: str) -> bytes:
    req = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


class Oxigraph:
    """`oxigraph serve` (or serve-read-only) on a free port, stopped by `stop()`."""

    def __init__(self, *args: str):
        binary = OXIGRAPH if OXIGRAPH.exists() else shutil.which("oxigraph")
        if not binary:
            pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([str(binary), *args, "--bind", f"127.0.0.1:{self.port}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while True:
            try:
                fetch(f"{self.url}/query?query=ASK%7B%7D", "application/sparql-results+json")
                return
            except (urllib.error.URLError, OSError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    err = self.process.stderr.read().decode() if self.process.stderr else ""
                    self.stop()
                    raise RuntimeError(f"oxigraph did not start: {err}") from None
                time.sleep(0.1)

    def dataset(self) -> set[ox.Quad]:
        return set(ox.parse(fetch(f"{self.url}/store", "application/n-quads"),
                            format=ox.RdfFormat.N_QUADS))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def local_store(tmp_path_factory, seed_pages) -> Path:
    path = tmp_path_factory.mktemp("local") / "store"
    report = KnowledgeGraph(path, base=BASE).ingest([str(p) for p in seed_pages])
    assert report.ok, report.errors
    return path


@pytest.fixture(scope="module")
def local_quads(local_store) -> set[ox.Quad]:
    quads = set(open_reader(local_store))
    assert quads and not any(isinstance(q.subject, ox.BlankNode) or
                             isinstance(q.object, ox.BlankNode) for q in quads)
    return quads


@pytest.fixture
def oxigraph(tmp_path):
    server = Oxigraph("serve", "--location", str(tmp_path / "oxigraph"))
    yield server
    server.stop()


def _ingest(paths, endpoint: str, **kwargs):
    options = {"base": BASE, "token": None, "model": None, "strict": False, "full_text": True}
    return ingest_remote([str(p) for p in paths], endpoint, **{**options, **kwargs})


@pytest.mark.parametrize("path", ["/", "/store", "/update"])
def test_ingest_into_oxigraph_equals_a_local_ingest(oxigraph, seed_pages, local_quads, path):
    report = _ingest(seed_pages, oxigraph.url + path)
    assert report.ok, report.errors
    assert report.new == report.documents > 0 and report.written
    assert oxigraph.dataset() == local_quads
    # Unchanged input changes nothing, as locally.
    again = _ingest(seed_pages, oxigraph.url + path)
    assert again.ok and again.unchanged == again.documents and again.new == 0
    assert oxigraph.dataset() == local_quads


def test_reingest_replaces_graphs_and_queries_answer_over_http(oxigraph, seed_pages,
                                                               local_quads, tmp_path):
    # Stale content in a document's graph is replaced, not merged.
    assert _ingest(seed_pages, oxigraph.url).ok
    graph = next(q.graph_name for q in local_quads if q.graph_name.value.startswith(
        BASE + "graph/h"))
    junk = f"INSERT DATA {{ GRAPH {graph} {{ <http://example.org/x> <http://example.org/y> 1 }} }}"
    urllib.request.urlopen(urllib.request.Request(
        f"{oxigraph.url}/update", data=junk.encode(),
        headers={"Content-Type": "application/sparql-update"}), timeout=30).read()
    # Change the content hash of that graph so the next ingest rewrites it.
    hash_of = f"{graph} <https://w3id.org/archive-kg/ns#contentHash>"
    stale = (f"DELETE {{ GRAPH {graph} {{ {hash_of} ?h }} }} INSERT {{ GRAPH {graph} {{ "
             f'{hash_of} "stale" }} }} WHERE {{ GRAPH {graph} {{ {hash_of} ?h }} }}')
    urllib.request.urlopen(urllib.request.Request(
        f"{oxigraph.url}/update", data=stale.encode(),
        headers={"Content-Type": "application/sparql-update"}), timeout=30).read()
    report = _ingest(seed_pages, oxigraph.url + "/update")
    assert report.ok and report.updated == 1
    assert oxigraph.dataset() == local_quads
    query = ("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?p a "
             "<https://w3id.org/archive-kg/ns#Person> } }")
    body = fetch(f"{oxigraph.url}/query?{urlencode({'query': query})}",
                 "application/sparql-results+json")
    remote_people = int(next(iter(ox.parse_query_results(
        body, format=ox.QueryResultsFormat.JSON)))[0].value)
    assert remote_people == len({q.subject for q in local_quads
                                 if q.object.value.endswith("ns#Person")})


def test_ingest_into_kg_serve_with_a_token(tmp_path, seed_pages, local_quads):
    store = tmp_path / "served"
    server = make_server(store, port=0, allow_update=True, token=TOKEN)
    server.start()
    try:
        refused = _ingest(seed_pages, server.url + "sparql")
        assert not refused.ok and "401" in refused.errors[0]
        assert current_generation(store) is None  # nothing written
        wrong = _ingest(seed_pages, server.url + "update", token="nope")
        assert not wrong.ok and "403" in wrong.errors[0]
        report = _ingest(seed_pages, server.url + "sparql", token=TOKEN)
        assert report.ok, report.errors
        assert set(open_reader(store)) == local_quads
    finally:
        server.stop()


def test_problems_are_reported_not_raised(oxigraph, seed_pages):
    closed = f"http://127.0.0.1:{free_port()}/"
    report = _ingest(seed_pages, closed)
    assert not report.ok and "cannot reach" in report.errors[0]
    report = _ingest(seed_pages, "ftp://example.org/sparql")
    assert not report.ok and "not an http(s) URL" in report.errors[0]
    assert _ingest(seed_pages, oxigraph.url).ok
    report = _ingest(seed_pages, oxigraph.url, base="http://other.example/")
    assert not report.ok and f"base IRI {BASE}" in report.errors[0]
    # Without --base, the remote store's own base is used.
    report = _ingest(seed_pages, oxigraph.url, base=None)
    assert report.ok and report.unchanged == report.documents


def test_oxigraph_serves_our_store_read_only(local_store, local_quads):
    generation = current_generation(local_store)
    server = Oxigraph("serve-read-only", "--location", str(generation), "--union-default-graph")
    try:
        assert server.dataset() == local_quads
        query = ("SELECT ?label WHERE { <http://127.0.0.1:8000/person/nikolai-roshchin> "
                 "<http://www.w3.org/2000/01/rdf-schema#label> ?label }")
        body = fetch(f"{server.url}/query?{urlencode({'query': query})}",
                     "application/sparql-results+json")
        rows = list(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))
        assert [r["label"].value for r in rows] == ["Nikolai Roshchin"]
        # Read-only: the server refuses to write.
        req = urllib.request.Request(f"{server.url}/update", data=b"CLEAR ALL",
                                     headers={"Content-Type": "application/sparql-update"})
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(req, timeout=30)
    finally:
        server.stop()
    # Our own readers still open the generation afterwards.
    assert set(open_reader(local_store)) == local_quads
