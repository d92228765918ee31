"""`kg serve`'s /reconcile as OpenRefine 3.6 uses it, over real HTTP on 127.0.0.1.

The requests are shaped exactly as OpenRefine 3.6.2 sends them: the server side of a
reconciliation POSTs a form-encoded ``queries=`` batch (each query with ``type_strict:
"should"``), "Add columns from reconciled values" POSTs a form-encoded ``extend=``, and the
browser's suggest widget GETs ``prefix=`` and the hover card with a jQuery ``callback=`` (JSONP).
Answers are validated against the specification's schemas; the expected values come from the
store (SPARQL), not from the service under test. The full client is driven by `make openrefine`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from reconcile_schemas import SKIP_REASON, SPECS, unwrap_jsonp, validate

from kg.api import KnowledgeGraph
from kg.core.authority import load_authority
from kg.rdf.namespace import PREFIXES
from kg.serve.app import make_server
from kg.store import open_reader

if SPECS is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

pytestmark = pytest.mark.server

# OpenRefine's HttpClient posts forms with this header.
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
CALLBACK = "jQuery36002417_1701000000000"  # jQuery's JSONP callback names look like this
# The issue's acceptance: a bare surname that only one person of the sample carries.
CLEAR_WINNERS = {"Stalin": "joseph-stalin", "Roshchin": "nikolai-roshchin",
                 "Vyshinsky": "andrey-vyshinsky"}


@pytest.fixture(scope="module")
def served(tmp_path_factory, seed_pages):
    store = tmp_path_factory.mktemp("reconcile-or") / "store"
    server = make_server(store, port=0)
    try:
        report = KnowledgeGraph(store, base=server.url).ingest([str(p) for p in seed_pages])
        assert report.ok, report.errors
        server.start()
        yield server.url, store
    finally:
        server.stop()


def _post(url: str, form: dict[str, str]) -> tuple[int, str, bytes]:
    req = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), headers=FORM)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers["Content-Type"], r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def _get(url: str, params: dict[str, str]) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(f"{url}?{urllib.parse.urlencode(params)}", timeout=60) as r:
        return r.status, r.headers["Content-Type"], r.read()


def _or_query(text: str, type_id: str | None = "Person", **extra: Any) -> dict[str, Any]:
    """One query as OpenRefine 3.6's StandardReconConfig writes it."""
    query: dict[str, Any] = {"query": text}
    if type_id:
        query |= {"type": type_id, "type_strict": "should"}
    return query | extra


def _select(store, sparql: str) -> list[dict[str, str]]:
    reader = open_reader(store)
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    results = reader.query(prefixes + sparql, use_default_graph_as_union=True)
    names = [v.value for v in results.variables]
    return [{n: row[i].value for i, n in enumerate(names) if row[i] is not None}
            for row in results]


def test_manifest_as_openrefine_registers_it(served) -> None:
    url, _ = served
    status, _, body = _get(url + "reconcile", {})
    doc = json.loads(body)
    validate(doc, "manifest.json")
    assert doc["batchSize"] >= 10  # OpenRefine 3.6 sends batches of 10
    assert "extend" in doc and "${id}" in doc["suggest"]["entity"]["flyout_service_path"]


def test_clear_winners_are_matched_and_nothing_else(served) -> None:
    url, store = served
    people = _select(store, "SELECT ?p ?name WHERE { ?p a kg:Person ; rdfs:label ?name }")
    surnames: dict[str, set[str]] = {}
    for row in people:
        surnames.setdefault(row["name"].split()[-1], set()).add(row["p"])
    shared = [s for s, ids in surnames.items() if len(ids) > 1]
    names = list(CLEAR_WINNERS) + ["Nobody Atall"] + shared
    batch = {f"q{i}": _or_query(n) for i, n in enumerate(names)}
    validate(batch, "reconciliation-query-batch.json")
    status, ctype, body = _post(url + "reconcile", {"queries": json.dumps(batch)})
    answer = json.loads(body)
    assert status == 200 and ctype.startswith("application/json")
    validate(answer, "reconciliation-result-batch.json")
    for i, name in enumerate(names):
        results = answer[f"q{i}"]["result"]
        matched = [r["id"] for r in results if r["match"]]
        if name in CLEAR_WINNERS:
            assert matched == [f"{url}person/{CLEAR_WINNERS[name]}"], (name, results[:2])
        else:
            assert matched == [], (name, results[:2])
    assert answer[f"q{names.index('Nobody Atall')}"]["result"] == []


def test_untyped_and_conditioned_queries(served) -> None:
    url, store = served
    born = _select(store, "SELECT ?y WHERE { ?p kg:authorityId 'joseph-stalin' ; "
                          "kg:birthYear ?y }")[0]["y"]
    batch = {"q0": _or_query("Stalin", None),
             "q1": _or_query("Stalin", "Person", properties=[{"pid": "born", "v": born}]),
             "q2": _or_query("Stalin", "Person", properties=[{"pid": "born", "v": "1700"}])}
    status, _, body = _post(url + "reconcile", {"queries": json.dumps(batch)})
    answer = json.loads(body)
    validate(answer, "reconciliation-result-batch.json")
    stalin = f"{url}person/joseph-stalin"
    assert answer["q0"]["result"][0]["id"] == stalin and answer["q0"]["result"][0]["match"]
    assert answer["q1"]["result"][0]["match"] is True
    top = answer["q2"]["result"][0]
    assert top["id"] == stalin and top["match"] is False  # a contradicted birth year


def test_jsonp_reconciliation_as_old_clients_send_it(served) -> None:
    url, _ = served
    batch = json.dumps({"q0": _or_query("Vyshinsky")})
    status, ctype, body = _get(url + "reconcile", {"queries": batch, "callback": CALLBACK})
    assert ctype.startswith("application/javascript")
    answer = unwrap_jsonp(body.decode(), CALLBACK)
    validate(answer, "reconciliation-result-batch.json")
    assert answer["q0"]["result"][0]["match"] is True


def test_add_columns_from_reconciled_values(served) -> None:
    """The extension OpenRefine posts, answered with the store's own values."""
    url, store = served
    ids = [f"{url}person/{key}" for key in CLEAR_WINNERS.values()]
    props = [{"id": "wikidata", "name": "Wikidata id"}, {"id": "born", "name": "birth year"},
             {"id": "documents", "name": "number of documents"}, {"id": "posts", "name": "posts"}]
    query = {"ids": ids, "properties": props}
    validate(query, "data-extension-query.json")
    status, ctype, body = _post(url + "reconcile", {"extend": json.dumps(query)})
    answer = json.loads(body)
    assert status == 200 and ctype.startswith("application/json")
    validate(answer, "data-extension-response.json")
    for iri in ids:
        truth = _select(store, f"""SELECT ?y ?wd WHERE {{ <{iri}> kg:birthYear ?y .
            OPTIONAL {{ <{iri}> owl:sameAs ?wd FILTER(STRSTARTS(STR(?wd), STR(wd:))) }} }}""")
        row = answer["rows"][iri]
        assert row["born"] == [{"int": int(truth[0]["y"])}]
        wd = [t["wd"].rsplit("/", 1)[-1] for t in truth if "wd" in t]
        assert [v["str"] for v in row["wikidata"]] == wd
        docs = _select(store, f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d a kg:Document ; "
                              f"?p <{iri}> }}")
        assert row["documents"] == [{"int": int(docs[0]["n"])}]
        # posts: the authority entry's, with their years, and those the documents attest
        entry = load_authority().get(iri.rsplit("/", 1)[-1])
        posts = [v["str"] for v in row["posts"]]
        for post in entry.posts:
            assert any(p.startswith(post.label) and (not post.start or str(post.start) in p)
                       for p in posts), (post, posts)
        attested = _select(store, f"SELECT DISTINCT ?l WHERE {{ ?r a kg:Role ; kg:holder <{iri}> ;"
                                  f" rdfs:label ?l }}")
        for role in attested:
            assert any(p.startswith(role["l"]) for p in posts), (role, posts)
    status, _, body = _get(url + "reconcile/propose_properties",
                           {"type": "Person", "callback": CALLBACK})
    proposal = unwrap_jsonp(body.decode(), CALLBACK)
    validate(proposal, "data-extension-property-proposal.json")
    assert {"wikidata", "born"} <= {p["id"] for p in proposal["properties"]}


def test_suggest_widget_and_its_hover_card(served) -> None:
    """The 3.6 suggest widget: JSONP, ``notable.name`` shown as the type, card from ``html``."""
    url, _ = served
    status, ctype, body = _get(url + "reconcile/suggest/entity",
                               {"prefix": "Vysh", "type": "Person", "type_strict": "should",
                                "callback": CALLBACK, "_": "1701000000001"})
    answer = unwrap_jsonp(body.decode(), CALLBACK)
    first = answer["result"][0]
    assert first["id"] == f"{url}person/andrey-vyshinsky"
    assert first["notable"]["name"] == "Person"
    doc = json.loads(_get(url + "reconcile", {})[2])
    path = doc["suggest"]["entity"]["flyout_service_path"]
    flyout = url + "reconcile" + path.replace("${id}", urllib.parse.quote(first["id"], safe=""))
    with urllib.request.urlopen(f"{flyout}&callback={CALLBACK}", timeout=60) as r:
        assert r.headers["Content-Type"].startswith("application/javascript")
        card = unwrap_jsonp(r.read().decode(), CALLBACK)
    assert card["id"] == first["id"] and "Andrey Vyshinsky" in card["html"]
    with urllib.request.urlopen(flyout, timeout=60) as r:  # the same card as plain JSON
        assert json.loads(r.read()) == card


# The values the service's index once computed with these SPARQL queries on every first
# request; they are now computed at ingest (kg.store.entity_records), and must agree.
_SPAN = """SELECT ?e (COUNT(DISTINCT ?d) AS ?n) (MIN(?from) AS ?first) (MAX(?to) AS ?last)
WHERE {
  ?d a kg:Document ; ?p ?e .
  ?e a ?class . VALUES ?class { kg:Person kg:Place kg:Organization }
  OPTIONAL { ?d kg:earliestDate ?from }
  OPTIONAL { ?d kg:latestDate ?to }
} GROUP BY ?e"""
_ATTESTED = """SELECT ?holder ?label (MIN(?from) AS ?first) (MAX(?to) AS ?last) WHERE {
  ?r a kg:Role ; kg:holder ?holder ; rdfs:label ?label ; kg:attestation/kg:attestedBy ?d .
  OPTIONAL { ?d kg:earliestDate ?from }
  OPTIONAL { ?d kg:latestDate ?to }
} GROUP BY ?holder ?label"""


def test_the_index_is_read_from_the_derived_records_and_agrees_with_the_graph(served) -> None:
    """The reconciliation index of a generation is made from its stored records alone (the
    store's SPARQL is never asked), and holds what the graph says: every person, place and
    organisation, their names, years, documents and the posts the documents attest."""
    from kg.serve.entity_index import build_index
    from kg.serve.snapshot import StoreView

    url, store = served
    snap = StoreView(store, url).snapshot()

    class NoQuery:
        def __getattr__(self, name):
            if name == "query":
                raise AssertionError("the reconciliation index queried the store")
            return getattr(snap.store, name)

    snap.store = NoQuery()
    index = build_index(snap)
    entities = _select(store, "SELECT DISTINCT ?e WHERE { ?e a ?c VALUES ?c { kg:Person "
                              "kg:Place kg:Organization } }")
    assert {e.id for e in index} == {r["e"] for r in entities}
    spans = {r["e"]: r for r in _select(store, _SPAN)}
    posts: dict[str, list[dict[str, str]]] = {}
    for r in _select(store, _ATTESTED):
        posts.setdefault(r["holder"], []).append(r)
    for entity in index:
        ext: dict[str, list] = {}
        for pid, value in entity.extension:
            ext.setdefault(pid, []).append(value.value)
        span = spans.get(entity.id)
        assert ext.get("documents") == ([int(span["n"])] if span else None), entity.id
        if span:
            assert ext.get("first_document") == [span["first"]], entity.id
            assert ext.get("last_document") == [span["last"]], entity.id
        names = {r["n"] for r in _select(store, f"SELECT ?n WHERE {{ <{entity.id}> "
                                                f"skos:prefLabel|skos:altLabel|kg:pseudonym ?n }}")}
        assert set(entity.alt_names) | set(entity.pseudonyms) == names - {entity.name}
        born = [r["y"] for r in _select(store, f"SELECT ?y WHERE {{ <{entity.id}> "
                                               "kg:birthYear ?y }")]
        assert [v for k, v in entity.properties if k == "born"] == sorted(set(born))
        keys = _select(store, f"SELECT ?k WHERE {{ <{entity.id}> kg:authorityId ?k }}")
        entry = load_authority().get(min(r["k"] for r in keys)) if keys else None
        listed = {p.label.casefold() for p in entry.posts} if entry else set()
        for post in posts.get(entity.id, []):
            if post["label"].casefold() in listed:
                continue
            dates = f" (documents of {post['first']}" + (
                f" to {post['last']})" if post["last"] != post["first"] else ")")
            assert post["label"] + dates in ext.get("posts", []), (entity.id, post)
    assert any(posts.values())  # the sample's documents attest posts

