"""`kg serve` over real HTTP: the SPARQL protocol, dereferenceable IRIs, pages and downloads.

A real server (`make_server` on a free port, in a thread) serves a real store built from the
seed pages plus one entry whose title and summary hold HTML, with the server's own address as
base IRI. Answers are checked against the same query run in-process on the store, so a
format that loses or invents a row fails.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from email.message import Message
from pathlib import Path
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import pytest
from SPARQLWrapper import CSV, JSON, JSONLD, POST, POSTDIRECTLY, TSV, TURTLE, XML, SPARQLWrapper

from kg.api import KnowledgeGraph
from kg.rdf.namespace import PREFIXES
from kg.serve.app import make_server
from kg.store import open_reader

pytestmark = pytest.mark.server

EVIL_TITLE = 'Cable, Roshchin to <script>alert("x")</script> & Zhou Enlai'
EVIL_PAGE = f"""March 3, 1951

{EVIL_TITLE}

A <b>test</b> entry whose summary holds markup: <img src=x onerror=alert(1)>.
"""
TOKEN = "s3cret-token"
SELECT = ("SELECT ?doc ?title ?date WHERE { ?doc a kg:Document ; dcterms:title ?title . "
          "OPTIONAL { ?doc kg:date ?date } } ORDER BY ?doc ?title")
CONSTRUCT = ("CONSTRUCT { ?p rdfs:label ?l ; a kg:Person } WHERE { ?p a kg:Person ; "
             "rdfs:label ?l }")
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _prefixed(query: str) -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items()) + query


def http(method: str, url: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    """Status, headers (names case-insensitive, as HTTP has them) and body."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def get(url: str, accept: str | None = None) -> tuple[int, Message, bytes]:
    return http("GET", url, headers={"Accept": accept} if accept else {})


def _build(path: Path, base: str, pages: list[Path], extra: Path) -> None:
    report = KnowledgeGraph(path, base=base).ingest([str(p) for p in pages] + [str(extra)])
    assert report.ok, report.errors


@pytest.fixture(scope="module")
def served(tmp_path_factory, seed_pages):
    """The read-only server: bound first (its address is the base IRI), then filled, then run."""
    tmp = tmp_path_factory.mktemp("serve")
    extra = tmp / "evil.txt"
    extra.write_text(EVIL_PAGE, encoding="utf-8")
    store = tmp / "store"
    server = make_server(store, port=0, timeout=5.0, max_results=40, max_body=64_000)
    try:
        _build(store, server.url, seed_pages, extra)
        server.start()
        yield server, store
    finally:
        server.stop()


@pytest.fixture(scope="module")
def url(served) -> str:
    return served[0].url


@pytest.fixture(scope="module")
def local(served) -> ox.Store:
    return open_reader(served[1])


@pytest.fixture(scope="module")
def writable(served, tmp_path_factory):
    """A second server on a copy of the store: updates with a token, federation, a 1 s limit."""
    store = tmp_path_factory.mktemp("writable") / "store"
    shutil.copytree(served[1], store)
    server = make_server(store, port=0, allow_update=True, token=TOKEN, federation=True,
                         timeout=1.0)
    server.start()
    yield server, store
    server.stop()


def local_rows(store: ox.Store, query: str) -> list[tuple]:
    results = store.query(query, use_default_graph_as_union=True, prefixes=PREFIXES)
    return sorted(tuple(str(t) if t is not None else None for t in row) for row in results)


def parsed_rows(body: bytes, fmt: ox.QueryResultsFormat) -> list[tuple]:
    results = ox.parse_query_results(body, format=fmt)
    names = [v.value for v in results.variables]
    return sorted(tuple(str(row[n]) if row[n] is not None else None for n in names)
                  for row in results)


def sparql_url(url: str, query: str, **params: str) -> str:
    return f"{url}sparql?{urlencode({'query': query, **params})}"


# ---------------------------------------------------------------------------------------------
# SPARQL protocol and result formats

SMALL = "SELECT ?p ?l WHERE { ?p a kg:Person ; rdfs:label ?l } ORDER BY ?p ?l"


@pytest.mark.parametrize("accept, fmt, media", [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON,
     "application/sparql-results+json"),
    ("application/json", ox.QueryResultsFormat.JSON, "application/sparql-results+json"),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML,
     "application/sparql-results+xml"),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV, "text/tab-separated-values"),
    (None, ox.QueryResultsFormat.JSON, "application/sparql-results+json"),
    ("*/*", ox.QueryResultsFormat.JSON, "application/sparql-results+json"),
])
def test_select_results_by_accept(url, local, accept, fmt, media):
    status, headers, body = get(sparql_url(url, SMALL), accept)
    assert status == 200, body
    assert headers["Content-Type"].startswith(media)
    assert "Accept" in headers["Vary"]
    assert parsed_rows(body, fmt) == local_rows(local, SMALL)


@pytest.mark.parametrize("param, fmt", [("json", ox.QueryResultsFormat.JSON),
                                        ("xml", ox.QueryResultsFormat.XML),
                                        ("tsv", ox.QueryResultsFormat.TSV)])
def test_select_results_by_format_parameter(url, local, param, fmt):
    status, _, body = get(sparql_url(url, SMALL, format=param), "text/csv")
    assert status == 200
    assert parsed_rows(body, fmt) == local_rows(local, SMALL)


def test_select_csv_follows_the_sparql_csv_rules(url, local):
    status, headers, body = get(sparql_url(url, SMALL), "text/csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert b"\r\n" in body  # CRLF line ends
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["p", "l"]
    expected = sorted((r[0].value, r[1].value) for r in local.query(
        SMALL, use_default_graph_as_union=True, prefixes=PREFIXES))
    assert sorted(tuple(r) for r in rows[1:]) == expected


@pytest.mark.parametrize("accept, fmt", [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML), ("application/ld+json", None)])
def test_construct_results(url, local, accept, fmt):
    status, headers, body = get(sparql_url(url, CONSTRUCT), accept)
    assert status == 200, body
    assert headers["Content-Type"].startswith(accept)
    expected = set(local.query(CONSTRUCT, use_default_graph_as_union=True, prefixes=PREFIXES))
    if fmt is None:
        doc = json.loads(body)
        got = {(n["@id"], label["@value"] if isinstance(label, dict) else label)
               for n in doc["@graph"] for label in n.get("rdfs:label", [])}
        assert got == {(t.subject.value, t.object.value) for t in expected
                       if t.predicate.value.endswith("#label")}
    else:
        got = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)}
        assert got == expected
    assert len(expected) > 10


@pytest.mark.parametrize("accept, expected_start", [
    ("application/sparql-results+json", b"{"), ("application/sparql-results+xml", b"<?xml")])
def test_ask(url, accept, expected_start):
    for query, truth in (("ASK { ?p a kg:Person }", True), ("ASK { ?p a kg:Nothing }", False)):
        status, _, body = get(sparql_url(url, query), accept)
        assert status == 200 and body.startswith(expected_start)
        assert bool(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON
                                           if b"{" in body[:1] else ox.QueryResultsFormat.XML)) \
            is truth


def test_post_form_and_direct_body(url, local):
    expected = local_rows(local, SMALL)
    form = urlencode({"query": SMALL}).encode()
    status, _, body = http("POST", f"{url}sparql", form, {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json"})
    assert status == 200 and parsed_rows(body, ox.QueryResultsFormat.JSON) == expected
    status, _, body = http("POST", f"{url}sparql", SMALL.encode(), {
        "Content-Type": "application/sparql-query; charset=utf-8",
        "Accept": "application/sparql-results+xml"})
    assert status == 200 and parsed_rows(body, ox.QueryResultsFormat.XML) == expected
    status, _, body = http("POST", f"{url}sparql", SMALL.encode(), {"Content-Type": "image/png"})
    assert status == 415


def test_default_graph_is_the_union_and_dataset_parameters_work(url, local):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    status, _, body = get(sparql_url(url, count))
    union = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    distinct = len({(q.subject, q.predicate, q.object) for q in local})
    assert union >= distinct > 0
    authority = f"{url}graph/authority"
    status, _, body = http("GET", f"{url}sparql?" + urlencode(
        {"query": count, "default-graph-uri": authority}))
    only = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    assert status == 200
    assert only == sum(1 for _ in local.quads_for_pattern(None, None, None,
                                                          ox.NamedNode(authority)))
    assert 0 < only < union


def test_results_are_capped_with_a_header(url, local):
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    status, headers, body = get(sparql_url(url, query))
    assert status == 200
    assert headers.get("X-Result-Truncated") == "true"
    assert len(json.loads(body)["results"]["bindings"]) == 40
    status, headers, _ = get(sparql_url(url, SMALL))
    assert "X-Result-Truncated" not in headers


def test_malformed_query_gets_400_with_the_parser_message(url):
    status, headers, body = get(sparql_url(url, "SELECT * WHERE { ?s ?p }"))
    assert status == 400
    # where, in the user's terms, with the line shown
    assert b"malformed query: line 1, column 18:" in body and b"SELECT * WHERE { ?s ?p }" in body
    status, _, body = get(sparql_url(url, SMALL, format="pdf"))
    assert status == 400 and b"unknown format" in body


def test_service_is_refused_without_federation(url):
    query = ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    status, _, body = get(sparql_url(url, query))
    assert status == 400 and b"SERVICE" in body and b"--federation" in body
    # The word inside a string, an IRI or a variable name is not a SERVICE clause.
    harmless = ('SELECT ?service WHERE { ?service ?p "SERVICE <x>" . '
                "FILTER(?service != <http://example.org/SERVICE>) } LIMIT 1")
    assert get(sparql_url(url, harmless))[0] == 200


def test_body_over_the_limit_gets_413(url):
    big = ("SELECT * WHERE { ?s ?p ?o } #" + "x" * 100_000).encode()
    status, _, body = http("POST", f"{url}sparql", big,
                           {"Content-Type": "application/sparql-query"})
    assert status == 413 and b"limit" in body
    assert get(sparql_url(url, SMALL))[0] == 200  # the server is fine afterwards


def test_update_is_refused_on_a_read_only_server(url, local):
    before = len(local)
    insert = "INSERT DATA { GRAPH <http://example.org/g> { <http://a> <http://b> <http://c> } }"
    for headers, body in (
            ({"Content-Type": "application/sparql-update"}, insert.encode()),
            ({"Content-Type": "application/x-www-form-urlencoded",
              "Authorization": f"Bearer {TOKEN}"}, urlencode({"update": insert}).encode())):
        for path in ("sparql", "update"):
            status, _, answer = http("POST", f"{url}{path}", body, headers)
            assert status == 403, answer
            assert b"read-only" in answer
    assert get(sparql_url(url, "ASK { <http://a> ?p ?o }"))[2].find(b"false") > 0
    assert len(local) == before


def test_update_needs_the_token(writable):
    server, store = writable
    insert = ('INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> '
              '<http://www.w3.org/2000/01/rdf-schema#label> "added by update" } }')
    headers = {"Content-Type": "application/sparql-update"}
    status, h, _ = http("POST", f"{server.url}update", insert.encode(), headers)
    assert status == 401 and "Bearer" in h.get("WWW-Authenticate", "")
    status, _, _ = http("POST", f"{server.url}update", insert.encode(),
                        {**headers, "Authorization": "Bearer wrong"})
    assert status == 403
    ask = sparql_url(server.url, 'ASK { ?s rdfs:label "added by update" }')
    assert b"false" in get(ask)[2]
    status, _, body = http("POST", f"{server.url}update", insert.encode(),
                           {**headers, "Authorization": f"Bearer {TOKEN}"})
    assert status in (200, 204), body
    # A new generation was published; the server (and a fresh reader) see it.
    assert b"true" in get(ask)[2]
    assert any(True for _ in open_reader(store).quads_for_pattern(
        ox.NamedNode("http://example.org/s"), None, None, None))


def test_update_via_sparqlwrapper(writable):
    server, _ = writable
    client = SPARQLWrapper(f"{server.url}sparql", updateEndpoint=f"{server.url}sparql")
    client.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    client.setMethod(POST)
    client.setQuery("INSERT DATA { GRAPH <http://example.org/g2> { <http://example.org/w> "
                    "<http://example.org/p> 42 } }")
    client.query()
    assert b"true" in get(sparql_url(server.url, "ASK { <http://example.org/w> ?p 42 }"))[2]


def test_federation_when_allowed_reaches_another_endpoint(writable, url, local):
    server, _ = writable
    query = (f"SELECT ?p ?l WHERE {{ SERVICE <{url}sparql> {{ ?p a kg:Person ; "
             "rdfs:label ?l } }")
    # The remote end predeclares no prefixes for the inner pattern, so declare them.
    status, _, body = get(sparql_url(server.url, _prefixed(query)))
    assert status == 200, body
    assert parsed_rows(body, ox.QueryResultsFormat.JSON) == local_rows(local, SMALL)


def test_a_query_past_the_timeout_is_stopped(writable):
    server, _ = writable
    status, _, body = get(sparql_url(server.url, CROSS_JOIN))
    assert status == 503
    assert b"longer than" in body and b"1 s" in body
    # The killed worker was replaced: the next query is answered.
    status, _, _ = get(sparql_url(server.url, "ASK { ?s ?p ?o }"))
    assert status == 200


def test_the_store_can_change_under_the_server(writable, tmp_path):
    server, store = writable
    page = tmp_path / "later.txt"
    page.write_text("April 4, 1951\n\nLetter from Zhou Enlai to Nikolai Roshchin about "
                    "Quokkas\n\nA later entry about quokkas.\n", encoding="utf-8")
    status, _, body = get(f"{server.url}search?q=quokkas&format=json")
    assert status == 200 and json.loads(body)["documents"] == []
    assert KnowledgeGraph(store).ingest([str(page)]).ok
    status, _, body = get(f"{server.url}search?q=quokkas&format=json")
    docs = json.loads(body)["documents"]
    assert [d["title"] for d in docs] == [
        "Letter from Zhou Enlai to Nikolai Roshchin about Quokkas"]
    assert get(sparql_url(server.url, 'ASK { ?d dcterms:title ?t FILTER(CONTAINS(?t, '
                                      '"Quokkas")) }'))[2].find(b"true") > 0


def test_concurrent_queries(url, local):
    expected = local_rows(local, SMALL)
    results: list = []

    def run():
        results.append(parsed_rows(get(sparql_url(url, SMALL))[2], ox.QueryResultsFormat.JSON))

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [expected] * 8


# ---------------------------------------------------------------------------------------------
# SPARQLWrapper and curl, as outside clients


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select(url, local, fmt):
    client = SPARQLWrapper(f"{url}sparql")
    client.setQuery(_prefixed(SMALL))
    client.setReturnFormat(fmt)
    result = client.query()
    if fmt == JSON:
        data = result.convert()
        rows = sorted((b["p"]["value"], b["l"]["value"]) for b in data["results"]["bindings"])
    elif fmt == XML:
        doc = result.convert()
        rows = sorted(tuple(b.getElementsByTagName("uri")[0].firstChild.data
                            if b.getAttribute("name") == "p" else
                            b.getElementsByTagName("literal")[0].firstChild.data
                            for b in r.getElementsByTagName("binding"))
                      for r in doc.getElementsByTagName("result"))
    elif fmt == CSV:
        rows = sorted(tuple(r) for r in list(csv.reader(io.StringIO(
            result.convert().decode())))[1:])
    else:
        lines = result.convert().decode().splitlines()[1:]
        rows = sorted(tuple(ox.NamedNode(c[1:-1]).value if c.startswith("<") else
                            ox.parse_query_results(f"?x\n{c}\n".encode(),
                                                   format=ox.QueryResultsFormat.TSV)
                            .__next__()["x"].value for c in line.split("\t"))
                      for line in lines)
    expected = sorted((r[0].value, r[1].value) for r in local.query(
        SMALL, use_default_graph_as_union=True, prefixes=PREFIXES))
    assert rows == expected


@pytest.mark.parametrize("method", [POST, POSTDIRECTLY])
def test_sparqlwrapper_post_and_graph_formats(url, local, method):
    client = SPARQLWrapper(f"{url}sparql")
    if method == POSTDIRECTLY:
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)
    else:
        client.setMethod(POST)
    client.setQuery(_prefixed(CONSTRUCT))
    client.setReturnFormat(TURTLE)
    body = client.query().convert()
    got = {ox.Triple(q.subject, q.predicate, q.object)
           for q in ox.parse(body, format=ox.RdfFormat.TURTLE)}
    assert got == set(local.query(CONSTRUCT, use_default_graph_as_union=True,
                                  prefixes=PREFIXES))
    client.setReturnFormat(JSONLD)
    assert client.query().response.headers["Content-Type"].startswith("application/ld+json")
    client.setQuery(_prefixed("ASK { ?p a kg:Person }"))
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


def test_curl(url):
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    out = subprocess.run([curl, "-s", "-H", "Accept: text/turtle", "-w", "\n%{http_code}",
                          f"{url}person/nikolai-roshchin"], capture_output=True, timeout=30)
    body, _, code = out.stdout.rpartition(b"\n")
    assert code == b"200"
    triples = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
    assert any(t.object.value == "Nikolai Roshchin" for t in triples)
    out = subprocess.run([curl, "-s", "--data-urlencode", "query=ASK { ?s a kg:Role }",
                          "-H", "Accept: application/sparql-results+json", f"{url}sparql"],
                         capture_output=True, timeout=30)
    assert json.loads(out.stdout) == {"head": {}, "boolean": True}


# ---------------------------------------------------------------------------------------------
# Dereferenceable IRIs


def _iri_of_kind(local: ox.Store, cls: str, url: str) -> str:
    rows = local.query(f"SELECT ?x WHERE {{ ?x a {cls} FILTER(STRSTARTS(STR(?x), \"{url}\")) }} "
                       "ORDER BY ?x LIMIT 1", use_default_graph_as_union=True, prefixes=PREFIXES)
    return next(iter(rows))[0].value


KINDS = ["kg:Document", "kg:Person", "kg:Place", "kg:Organization", "kg:Role",
         "kg:Communication", "kg:Topic", "kg:DocumentType", "kg:Source", "kg:SourceGraph"]


@pytest.mark.parametrize("cls", KINDS)
def test_every_kind_of_iri_dereferences(url, local, cls):
    iri = _iri_of_kind(local, cls, url)
    expected = {ox.Triple(q.subject, q.predicate, q.object)
                for q in local.quads_for_pattern(ox.NamedNode(iri), None, None, None)
                if not q.predicate.value.endswith("#rawRecord")}
    assert expected
    status, headers, body = get(iri, "text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert headers["Vary"] == "Accept"
    got = {ox.Triple(q.subject, q.predicate, q.object)
           for q in ox.parse(body, format=ox.RdfFormat.TURTLE)}
    assert expected <= got
    status, headers, body = get(iri, "text/html,application/xhtml+xml,*/*;q=0.8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"<h1>" in body
    status, _, body = get(iri, "application/n-triples")
    assert status == 200
    assert expected <= {ox.Triple(q.subject, q.predicate, q.object)
                        for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)}
    status, headers, body = get(iri, "application/ld+json")
    assert status == 200 and any(n.get("@id") == iri for g in json.loads(body)["@graph"]
                                 for n in g.get("@graph", [g]))
    status, headers, body = get(iri, "application/json")
    assert status == 200 and json.loads(body)["iri"] == iri


def test_a_document_description_carries_its_mentions_with_their_graphs(url, local):
    doc = _iri_of_kind(local, "kg:Document", url)
    status, headers, body = get(doc, "application/trig")
    assert status == 200
    quads = list(ox.parse(body, format=ox.RdfFormat.TRIG))
    mentions = {q.subject for q in quads if q.predicate.value.endswith("#inDocument")}
    assert mentions and all("#m" in m.value for m in mentions)
    assert all(isinstance(q.graph_name, ox.NamedNode) for q in quads)
    assert not any(q.predicate.value.endswith("#rawRecord") for q in quads)
    link = headers["Link"]
    assert 'rel="alternate"' in link and "text/turtle" in link


def test_format_parameter_and_unknown_iris(url):
    status, headers, body = get(f"{url}person/nikolai-roshchin?format=ttl", "text/html")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    for path in ("person/nobody-at-all", "document/h0000", "nothing/here"):
        status, headers, body = get(f"{url}{path}", "text/html")
        assert status == 404 and b"says nothing" in body
        assert get(f"{url}{path}", "text/turtle")[0] == 404
    status, _, _ = get(f"{url}person/nikolai-roshchin?format=pdf")
    assert status == 400
    status, _, _ = get(f"{url}person/nikolai-roshchin", "image/png")
    assert status == 406


# ---------------------------------------------------------------------------------------------
# Pages and their JSON twins

PAGES = ["/", "/search?q=Roshchin", "/documents", "/people", "/places", "/organizations",
         "/network", "/map", "/timeline", "/timeline?month=1950-02", "/sparql"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_answer_html_and_json(url, path):
    status, headers, body = get(url.rstrip("/") + path, "text/html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"/static/style.css" in body and b"<nav>" in body
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert b"<script" not in body.lower()  # we ship no script at all
    if path != "/sparql":
        sep = "&" if "?" in path else "?"
        status, headers, body = get(f"{url.rstrip('/')}{path}{sep}format=json")
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        json.loads(body)
        assert get(url.rstrip("/") + path, "application/json")[1]["Content-Type"].startswith(
            "application/json")


def test_catalogue_text_is_escaped_everywhere(url, local):
    doc = next(q.subject.value for q in local.quads_for_pattern(None, None, ox.Literal(EVIL_TITLE),
                                                               None))
    pages = [doc, f"{url}search?q=script", f"{url}search?q=%3Cscript%3E", f"{url}documents",
             f"{url}person/nikolai-roshchin", f"{url}timeline?month=1951-03",
             f"{url}sparql?query=" + quote(f'SELECT ?t WHERE {{ <{doc}> dcterms:title ?t }}')]
    for page in pages:
        status, _, body = get(page, "text/html")
        text = body.decode("utf-8")
        assert status == 200, page
        assert "<script" not in text.lower() and "<img" not in text.lower(), page
        assert "onerror=" not in text.replace("onerror=alert(1)&gt;", ""), page
        assert "&lt;script&gt;" in text.replace("<mark>", "").replace("</mark>", ""), page
    status, _, body = get(f"{doc}?format=json")
    assert json.loads(body)["title"] == EVIL_TITLE  # the JSON twin keeps the text as it is
    # The search box echoes the query escaped too.
    status, _, body = get(f"{url}search?q=" + quote('"><script>x</script>'), "text/html")
    assert b"<script>x" not in body and b"&#34;&gt;&lt;script&gt;" in body


def test_home_page_counts_come_from_stats(served, url):
    status, _, body = get(f"{url}?format=json")
    assert json.loads(body)["stats"] == KnowledgeGraph(served[1]).stats()


def test_search_finds_documents_and_people(url, local):
    status, _, body = get(f"{url}search?q=roshchin&format=json")
    data = json.loads(body)
    assert [e["iri"] for e in data["entities"]] == [f"{url}person/nikolai-roshchin"]
    expected = {r[0].value for r in local.query(
        "SELECT DISTINCT ?d WHERE { ?d a kg:Document . { ?d dcterms:title ?t } UNION "
        "{ ?d kg:summary ?t } FILTER(CONTAINS(LCASE(?t), \"roshchin\")) }",
        use_default_graph_as_union=True, prefixes=PREFIXES)}
    # and the documents that link to him under another of his names
    linked = {r[0].value for r in local.query(
        f"SELECT DISTINCT ?d WHERE {{ ?d a kg:Document ; ?p <{url}person/nikolai-roshchin> }}",
        use_default_graph_as_union=True, prefixes=PREFIXES)}
    found = {d["iri"] for d in data["documents"]}
    assert data["total"] == len(found) <= data["page_size"]  # the sample fits on a page
    assert expected <= found <= expected | linked and len(expected) >= 5
    status, _, body = get(f"{url}search?q=ROSHCHIN+zhou&format=json")
    both = {d["iri"] for d in json.loads(body)["documents"]}
    assert both and both < found


def test_person_page_shows_roles_documents_and_correspondents(url, local):
    status, _, body = get(f"{url}person/nikolai-roshchin?format=json")
    person = json.loads(body)
    assert person["label"] == "Nikolai Roshchin" and person["born"] == "1901"
    # one line per post: the documents' four wordings of the ambassador's post are one post,
    # with its span and evidence; the authority file's posts are marked and rest on no document
    attested = [r for r in person["roles"] if r["source"] == "attested"]
    assert [r["head"] for r in attested] == ["ambassador"]
    post = attested[0]
    assert post["evidence"] == len(post["attested_by"]) >= 4 and len(post["wordings"]) >= 2
    assert post["from"] == min(d["earliest"] for d in post["attested_by"])
    assert post["to"] >= max(d["earliest"] for d in post["attested_by"])
    authority = [r for r in person["roles"] if r["source"] == "authority"]
    assert authority and not any(r["attested_by"] for r in authority)
    dates = [d["earliest"] for d in person["documents"]]
    assert dates == sorted(dates) and len(dates) >= 5
    wrote = {c["iri"]: c["count"] for c in person["wrote_to"]}
    expected = {r[0].value: int(r[1].value) for r in local.query(
        f"SELECT ?r (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d kg:author <{url}person/nikolai-"
        "roshchin> ; kg:recipient ?r } GROUP BY ?r", use_default_graph_as_union=True,
        prefixes=PREFIXES)}
    assert wrote == expected
    html = get(f"{url}person/nikolai-roshchin", "text/html")[2].decode()
    assert "Ambassador" in html and "Roles" in html and "Wrote to" in html
    assert "authority file" in html and f"{post['evidence']} documents" in html
    # the role IRIs of ontology 1.1 (one per wording) still answer, as the merged post
    old = local.query(f"SELECT ?old WHERE {{ ?old owl:sameAs <{post['iri']}> }}",
                      use_default_graph_as_union=True, prefixes=PREFIXES)
    olds = [r[0].value for r in old]
    assert len(olds) == len(post["wordings"]) + 1
    for iri in olds:
        status, _, body = get(f"{iri}?format=json")
        assert status == 200 and post["iri"] in body.decode()


def test_pseudonyms_are_shown_with_the_attesting_document(url):
    person = json.loads(get(f"{url}person/joseph-stalin?format=json")[2])
    assert "Filippov" in person["pseudonyms"]
    attested = [a for a in person["name_attestations"] if a["name"] == "Filippov"]
    assert len(attested) == 1 and attested[0]["pseudonym"]
    assert attested[0]["count"] >= len(attested[0]["documents"]) >= 1
    assert all(d["iri"] for d in attested[0]["documents"])


def test_document_page_has_provenance(url, local):
    doc = json.loads(get(f"{url}search?q=3172&format=json")[2])["documents"][0]
    page = json.loads(get(f"{doc['iri']}?format=json")[2])
    assert page["correspondents"]["intermediary"][0]["label"] == "Nikolai Roshchin"
    assert page["date"]["value"] == "1950-07-05"
    assert page["sources"][0]["name"] and page["sources"][0]["versions"]["extractor"]
    methods = {m["method"]["label"] for m in page["mentions"]}
    assert methods and all(m["confidence"] is not None and m["link_method"]
                           for m in page["mentions"])
    count = int(next(iter(local.query(
        f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?m kg:inDocument <{doc['iri']}> }}",
        use_default_graph_as_union=True, prefixes=PREFIXES)))[0].value)
    assert len(page["mentions"]) == count


def test_place_page_has_coordinates_and_documents(url):
    place = json.loads(get(f"{url}place/beijing?format=json")[2])
    assert place["coordinates"]["lat"] == pytest.approx(39.9, abs=0.5)
    assert place["documents"] and place["same_as"][0]["iri"].startswith(
        "http://www.wikidata.org/entity/Q")


def test_organization_page(url, local):
    org = _iri_of_kind(local, "kg:Organization", url)
    page = json.loads(get(f"{org}?format=json")[2])
    assert page["kind"] == "organization" and page["label"]


# ---------------------------------------------------------------------------------------------
# Network, map, timeline


def test_network_matches_the_graph_and_downloads(url, local):
    data = json.loads(get(f"{url}network?format=json")[2])
    expected = {(r[0].value, r[1].value): int(r[2].value) for r in local.query(
        "SELECT ?a ?r (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d kg:author ?a ; kg:recipient ?r "
        "FILTER(?a != ?r) } GROUP BY ?a ?r", use_default_graph_as_union=True,
        prefixes=PREFIXES)}
    assert {(e["source"], e["target"]): e["count"] for e in data["edges"]} == expected
    status, headers, body = get(f"{url}network.csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert {(r["source"], r["target"]): int(r["documents"]) for r in rows} == expected
    status, headers, body = get(f"{url}network.gexf")
    assert status == 200
    root = ET.fromstring(body)
    ns = {"g": "http://www.gexf.net/1.2draft"}
    assert root.tag == "{http://www.gexf.net/1.2draft}gexf" and root.get("version") == "1.2"
    graph = root.find("g:graph", ns)
    assert graph.get("defaultedgetype") == "directed"
    nodes = {n.get("id"): n for n in graph.findall("g:nodes/g:node", ns)}
    edges = graph.findall("g:edges/g:edge", ns)
    assert len(edges) == len(expected) and all(e.get("source") in nodes and
                                                e.get("target") in nodes for e in edges)
    iri_of = {nid: n.find("g:attvalues/g:attvalue[@for='iri']", ns).get("value")
              for nid, n in nodes.items()}
    assert {(iri_of[e.get("source")], iri_of[e.get("target")]): float(e.get("weight"))
            for e in edges} == {k: float(v) for k, v in expected.items()}
    svg = get(f"{url}network", "text/html")[2].decode()
    assert svg.count('class="edge"') == len(expected)


def test_timeline_counts_documents_by_month(url, local):
    data = json.loads(get(f"{url}timeline?format=json")[2])
    months = {m["month"]: m["count"] for m in data["months"]}
    rows = local.query("SELECT ?d (MIN(?e) AS ?first) WHERE { ?d a kg:Document ; "
                       "kg:earliestDate ?e } GROUP BY ?d", use_default_graph_as_union=True,
                       prefixes=PREFIXES)
    dated = [r[1].value[:7] for r in rows]
    assert sum(months.values()) == len(dated)
    for month in set(dated):
        assert months[month] == dated.count(month)
    assert list(months) == sorted(months)  # continuous, in order
    status, _, _ = get(f"{url}timeline?month=1950-13")
    assert status == 400


def test_map_lists_places_with_coordinates(url, local):
    data = json.loads(get(f"{url}map?format=json")[2])
    expected = {r[0].value for r in local.query(
        "SELECT DISTINCT ?p WHERE { ?p a kg:Place ; geo:lat ?la ; geo:long ?lo }",
        use_default_graph_as_union=True, prefixes=PREFIXES)}
    assert {p["iri"] for p in data["places"]} == expected and expected
    svg = get(f"{url}map", "text/html")[2].decode()
    assert svg.count('class="place"') >= len(expected)


# ---------------------------------------------------------------------------------------------
# VoID, downloads, reconciliation


VOID = "http://rdfs.org/ns/void#"


def sparql_count(store: ox.Store, query: str) -> int:
    return int(local_rows(store, query)[0][0].split('"')[1])


def test_void_description(url, local):
    """Every figure of the description is what SPARQL counts over the same store (the
    statistics were counted at ingest, not by the request)."""
    expected_partitions = {p[1:-1]: int(n.split('"')[1]) for p, n in local_rows(local, (
        "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } "
        "GROUP BY ?p"))}
    expected = {
        "triples": sparql_count(local, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                                       "WHERE { ?s ?p ?o } }"),
        "distinctSubjects": sparql_count(local, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { "
                                                "?s ?p ?o }"),
        "properties": sparql_count(local, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
        "classes": sparql_count(local, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }")}
    assert expected["triples"] == len({(q.subject, q.predicate, q.object) for q in local})
    rights = {r for (r,) in local_rows(local, "SELECT DISTINCT ?r WHERE { ?g a kg:SourceGraph ; "
                                              "dcterms:rights ?r }")}
    for path in (".well-known/void", "void"):
        status, headers, body = get(f"{url}{path}")
        assert status == 200 and headers["Content-Type"].startswith("text/turtle")
        triples = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
        values = {(t.predicate.value.rsplit("#", 1)[-1], t.object.value) for t in triples}
        dataset = ox.NamedNode(f"{url}void#dataset")
        of = {(t.subject, t.predicate.value): t.object for t in triples}
        for name, n in expected.items():
            assert int(of[dataset, VOID + name].value) == n, name
        partitions = {of[t.object, VOID + "property"].value: int(
            of[t.object, VOID + "triples"].value) for t in triples
            if t.subject == dataset and t.predicate.value == VOID + "propertyPartition"}
        assert partitions == expected_partitions and partitions
        assert {str(t.object) for t in triples if t.subject == dataset
                and t.predicate.value == "http://purl.org/dc/terms/rights"} == rights
        assert ("sparqlEndpoint", f"{url}sparql") in values
        for name in ("graph.ttl", "graph.trig", "graph.nq", "graph.jsonld"):
            assert ("downloadURL", f"{url}download/{name}") in values


@pytest.mark.parametrize("name, fmt", [("graph.ttl", ox.RdfFormat.TURTLE),
                                       ("graph.trig", ox.RdfFormat.TRIG),
                                       ("graph.nq", ox.RdfFormat.N_QUADS),
                                       ("graph.jsonld", None)])
def test_downloads(url, local, name, fmt):
    status, headers, body = get(f"{url}download/{name}")
    assert status == 200 and name in headers["Content-Disposition"]
    # streamed as the store is read: no length known before the last byte
    assert headers.get("Transfer-Encoding") == "chunked" and "Content-Length" not in headers
    head_status, head_headers, head_body = http("HEAD", f"{url}download/{name}")
    assert (head_status, head_body) == (200, b"")
    assert head_headers["Content-Type"] == headers["Content-Type"]
    if fmt is None:
        doc = json.loads(body)
        assert "@context" in doc and len(doc["@graph"]) == sum(1 for _ in local.named_graphs())
    elif fmt == ox.RdfFormat.TURTLE:
        assert len(list(ox.parse(body, format=fmt))) == len(
            {(q.subject, q.predicate, q.object) for q in local})
    else:
        assert set(ox.parse(body, format=fmt)) == set(local)
    assert get(f"{url}download/graph.exe")[0] == 404


def test_reconciliation_is_mounted(url):
    status, _, body = get(f"{url}reconcile")
    manifest = json.loads(body)
    assert status == 200 and "0.2" in manifest["versions"]
    queries = json.dumps({"q0": {"query": "Roshchin", "type": "Person"},
                          "q1": {"query": "Peking"}})
    status, _, body = http("POST", f"{url}reconcile", urlencode({"queries": queries}).encode(),
                           {"Content-Type": "application/x-www-form-urlencoded"})
    answers = json.loads(body)
    assert status == 200
    assert answers["q0"]["result"][0]["id"] == f"{url}person/nikolai-roshchin"
    assert answers["q1"]["result"][0]["id"] == f"{url}place/beijing"
    status, _, body = get(f"{url}reconcile/suggest/entity?prefix=zhou")
    assert f"{url}person/zhou-enlai" in {r["id"] for r in json.loads(body)["result"]}
    status, headers, body = get(f"{url}reconcile/preview?id=" + quote(
        f"{url}person/nikolai-roshchin"))
    assert status == 200 and headers["Content-Type"].startswith("text/html")


def test_head_and_method_errors(url):
    status, headers, body = http("HEAD", f"{url}person/nikolai-roshchin")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
    assert http("DELETE", f"{url}person/nikolai-roshchin")[0] == 405
    assert http("GET", f"{url}update?update=x")[0] in (400, 405)
