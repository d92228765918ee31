"""The pages a historian reads, in process (Starlette's TestClient) over a real store.

The store is built from `data/sample` (catalogue pages and an exported record table, so
documents have archives, record ids, URLs and rights statements). What a page shows is checked
against the same question asked of the store with SPARQL, so a page that loses or invents a
row fails; drawings are checked for what a reader would see (labels that overlap, a basemap
without land).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import TEST_BASE
from starlette.testclient import TestClient

from kg.query import named_queries
from kg.rdf.namespace import PREFIXES
from kg.serve import charts, network
from kg.serve.app import Settings, Site, create_app
from kg.serve.overview import MonthCount
from kg.serve.snapshot import StoreView
from kg.serve.worker import WorkerPool
from kg.store import open_reader

BASE = TEST_BASE


@pytest.fixture(scope="module")
def store(sample_store) -> Path:
    return sample_store


@pytest.fixture(scope="module")
def site(store):
    site = Site(Settings(store), StoreView(store, BASE), WorkerPool(store, size=1))
    yield site
    site.close()


@pytest.fixture(scope="module")
def client(site) -> TestClient:
    return TestClient(create_app(site))


@pytest.fixture(scope="module")
def local(store) -> ox.Store:
    return open_reader(store)


def rows(local: ox.Store, query: str) -> list[tuple[str, ...]]:
    return [tuple(t.value if t is not None else None for t in r)
            for r in local.query(query, use_default_graph_as_union=True, prefixes=PREFIXES)]


def page(client: TestClient, path: str) -> str:
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200, (path, r.text[:500])
    assert r.headers["content-type"].startswith("text/html")
    return r.text


def twin(client: TestClient, path: str) -> dict:
    sep = "&" if "?" in path else "?"
    r = client.get(f"{path}{sep}format=json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    return r.json()


class Svg(HTMLParser):
    """Text labels (x, y, anchor, text) and element classes of the page's drawings."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: list[tuple[float, float, str, str]] = []
        self.charts: list[list[tuple[float, float, str, str]]] = []  # labels, drawing by drawing
        self.classes: list[str] = []
        self.viewboxes: list[tuple[str, str | None]] = []
        self._at: tuple[float, float, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.classes.append(a.get("class") or "")
        if tag == "svg":
            self.viewboxes.append((a.get("viewbox") or "", a.get("width")))
            self.charts.append([])
        if tag == "text" and a.get("class") in ("node-label", "place-label"):
            self._at = (float(a["x"]), float(a["y"]), a.get("text-anchor", "start"))

    def handle_data(self, data):
        if self._at is not None:
            self.labels.append((*self._at, data))
            self.charts[-1].append((*self._at, data))
            self._at = None


def svg(html: str) -> Svg:
    parsed = Svg()
    parsed.feed(html)
    return parsed


def overlapping(labels) -> list[tuple[str, str]]:
    def box(label):
        x, y, anchor, text = label
        w = charts.CHAR_WIDTH * len(text)
        left = x - w if anchor == "end" else (x - w / 2 if anchor == "middle" else x)
        return left, y - 11, left + w, y + 3
    out = []
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            (a1, a2, a3, a4), (b1, b2, b3, b4) = box(a), box(b)
            if not (a3 <= b1 or b3 <= a1 or a4 <= b2 or b4 <= a2):
                out.append((a[3], b[3]))
    return out


# ---------------------------------------------------------------------------------------------
# Lists


@pytest.mark.parametrize("path, cls", [("/people", "kg:Person"), ("/places", "kg:Place"),
                                       ("/organizations", "kg:Organization")])
def test_entity_lists_show_only_entities_some_document_names(client, local, path, cls):
    data = twin(client, path)
    counts = dict(rows(local, f"SELECT ?e (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?e a {cls} . "
                              f"?d a kg:Document ; ?p ?e }} GROUP BY ?e"))
    everyone = {e for (e,) in rows(local, f"SELECT DISTINCT ?e WHERE {{ ?e a {cls} }}")}
    assert {i["iri"]: i["documents"] for i in data["items"]} == {
        e: int(n) for e, n in counts.items()}
    assert data["hidden"] == len(everyone - set(counts))
    html = page(client, path)
    assert all(f">{i['documents']}</td>" in html for i in data["items"])


# ---------------------------------------------------------------------------------------------
# Timeline


def test_timeline_fits_the_window(client):
    drawing = svg(page(client, "/timeline"))
    [(viewbox, width)] = [v for v in drawing.viewboxes]
    assert viewbox.startswith("0 0 1000 ") and width is None  # scales to the page, no scroll


@pytest.mark.parametrize("start, end", [("1950", "1950"), ("1950-02", "1950-07"),
                                        ("1950-02-10", "1950-07-08"), ("1945", None)])
def test_timeline_narrows_to_a_range(client, local, start, end):
    query = "/timeline?" + "&".join(f"{k}={v}" for k, v in (("from", start), ("to", end)) if v)
    data = twin(client, query)
    lo = start + "-01-01"[len(start) - 4:] if len(start) < 10 else start
    hi_end = {4: "-12-31", 7: "-31"}
    hi = (end + hi_end[len(end)] if end and len(end) < 10 else end) or "9999-12-31"
    expected = [d for (d,) in rows(local, f"SELECT DISTINCT ?d WHERE {{ ?d a kg:Document . {{ SELECT ?d "
                                          f"(MIN(?e) AS ?first) WHERE {{ ?d kg:earliestDate ?e }}"
                                          f" GROUP BY ?d }} FILTER(STR(?first) >= \"{lo}\" && "
                                          f"STR(?first) <= \"{hi}\") }}")]
    assert data["total"] == len(expected) == sum(m["count"] for m in data["months"])
    if data["documents"] is not None:
        assert {d["iri"] for d in data["documents"]} == set(expected)
    html = page(client, query)
    assert f'value="{start}"' in html


def test_timeline_refuses_what_is_not_a_date(client):
    for query in ("from=1950-13", "to=19500", "from=1951&to=1950", "month=1950-2"):
        r = client.get(f"/timeline?{query}", headers={"Accept": "text/html"})
        assert r.status_code == 400 and "Bad request" in r.text, query


def test_a_long_timeline_is_drawn_by_year_and_fits():
    months = [MonthCount(f"{y}-{m:02d}", (y + m) % 3) for y in range(1940, 1992)
              for m in range(1, 13)]
    chart = charts.timeline_chart(months, by="year")
    assert chart is not None and chart.width == 1000
    assert len(chart.bars) == 52 and all(b.href.startswith("/timeline?from=") for b in chart.bars)
    assert max(b.x + b.width for b in chart.bars) <= chart.width
    ticks = [int(t.text) for t in chart.x_ticks]
    step = ticks[1] - ticks[0]
    assert step in (1, 2, 5, 10) and all(t % step == 0 for t in ticks)
    assert all(b - a == step for a, b in zip(ticks, ticks[1:]))


# ---------------------------------------------------------------------------------------------
# Map


@pytest.mark.parametrize("lon, lat, land", [(116.4, 39.9, True), (2.35, 48.86, True),
                                            (-94.6, 39.1, True), (-150.0, 0.0, False),
                                            (-30.0, 30.0, False), (150.0, -25.0, True)])
def test_the_basemap_is_natural_earth_land(lon, lat, land):
    rings, coast = charts.basemap()

    def inside(ring):
        hit = False
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
            if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                hit = not hit
        return hit

    assert any(inside(r) for r in rings) is land
    assert len(coast) > 100


def test_the_map_draws_coastlines_under_the_places(client, local):
    html = page(client, "/map")
    drawing = svg(html)
    assert drawing.classes.count("land") > 10 and drawing.classes.count("coast") > 10
    places = {p for (p,) in rows(local, "SELECT DISTINCT ?p WHERE { ?p a kg:Place ; geo:lat ?a ;"
                                        " geo:long ?b }")}
    assert drawing.classes.count("place") >= len(places) > 5
    assert drawing.labels and not any(overlapping(labels) for labels in drawing.charts)
    readme = (Path(charts.BASEMAP).parent / "README.md").read_text(encoding="utf-8")
    assert "Natural Earth" in readme and "public domain" in readme


# ---------------------------------------------------------------------------------------------
# Network


def test_network_labels_never_overlap_in_a_crowded_drawing():
    names = [f"Correspondent number {i} of the Ministry of Foreign Affairs" for i in range(40)]
    nodes = [{"iri": f"http://x/{i}", "label": n, "kind": "person", "sent": 40 - i,
              "received": i % 5} for i, n in enumerate(names)]
    edges = [{"source": f"http://x/{i}", "target": f"http://x/{(i * 7 + 3) % 40}", "count": 1,
              "source_label": names[i], "target_label": names[(i * 7 + 3) % 40]}
             for i in range(40) if i != (i * 7 + 3) % 40]
    chart = charts.network_chart(network.layout({"nodes": nodes, "edges": edges}))
    assert chart is not None
    labels = [(lab.x, lab.y, lab.anchor, lab.text) for lab in chart.labels]
    assert not overlapping(labels)
    # every node is named: in the drawing, or in the list beside it
    assert len(chart.labels) + len(chart.unlabelled) == 40 and chart.labels
    for lab in chart.labels:  # and no label covers a node
        w = charts.CHAR_WIDTH * len(lab.text)
        x0 = {"end": lab.x - w, "middle": lab.x - w / 2}.get(lab.anchor, lab.x)
        x1 = x0 + w
        assert not any(x0 < n.x < x1 and lab.y - 11 < n.y < lab.y + 3 for n in chart.nodes)


def test_network_filters_by_person_and_date(client, local):
    stalin = f"{BASE}person/joseph-stalin"
    data = twin(client, f"/network?person={stalin}")
    expected = dict(((a, r), int(n)) for a, r, n in rows(local, (
        "SELECT ?a ?r (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d kg:author ?a ; kg:recipient ?r "
        f"FILTER(?a != ?r && (?a = <{stalin}> || ?r = <{stalin}>)) }} GROUP BY ?a ?r")))
    assert {(e["source"], e["target"]): e["count"] for e in data["edges"]} == expected
    assert expected and data["person"]["iri"] == stalin
    by_path = twin(client, "/network?person=/person/joseph-stalin")
    assert by_path["edges"] == data["edges"]
    data = twin(client, "/network?from=1950-02&to=1950-02")
    expected = dict(((a, r), int(n)) for a, r, n in rows(local, (
        "SELECT ?a ?r (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d kg:author ?a ; kg:recipient ?r "
        "FILTER(?a != ?r) { SELECT ?d (MIN(?e) AS ?first) WHERE { ?d kg:earliestDate ?e } "
        "GROUP BY ?d } FILTER(STR(?first) >= \"1950-02-01\" && STR(?first) <= \"1950-02-28\") "
        "} GROUP BY ?a ?r")))
    assert {(e["source"], e["target"]): e["count"] for e in data["edges"]} == expected
    html = page(client, f"/network?person={stalin}&from=1950")
    assert "selected" in html and 'value="1950"' in html
    assert client.get("/network?from=soon").status_code == 400


# ---------------------------------------------------------------------------------------------
# SPARQL page and named queries


def test_the_query_page_offers_every_named_query_as_a_form(client):
    html = page(client, "/sparql")
    assert "<textarea" in html
    for q in named_queries():
        if "SERVICE" in q.text.upper():
            assert f'action="/queries/{q.name}"' not in html  # refused without --federation
            continue
        assert f'action="/queries/{q.name}"' in html, q.name
        for p in q.typed:
            assert f'name="{p.name}"' in html, (q.name, p.name)


def test_a_named_query_runs_with_its_parameters(client, local):
    from kg.query import substitutions
    from kg.serve.sparql_ui import find_query

    data = twin(client, "/queries/documents-by-person?person_id=nikolai-roshchin")
    assert data["error"] is None and data["result"]["form"] == "solutions"
    got = sorted(tuple(c["iri"] or c["text"] for c in row) for row in data["result"]["rows"])
    # the documents are shown by their titles, linked
    assert all(row[0]["text"] != row[0]["iri"] for row in data["result"]["rows"])
    text = find_query("documents-by-person").text
    bound = substitutions(text, {"person_id": "nikolai-roshchin"})
    expected = sorted(tuple(t.value if t is not None else "" for t in r) for r in local.query(
        text, use_default_graph_as_union=True, prefixes=PREFIXES, substitutions=bound))
    assert got == expected and len(got) >= 5
    # a name finds the same documents (the projected parameter column holds the name given)
    by_name = twin(client, "/queries/documents-by-person?person_id=Nikolai+Roshchin")
    keep = [i for i, v in enumerate(by_name["result"]["variables"]) if v != "person_id"]
    assert sorted(tuple(r[i]["iri"] or r[i]["text"] for i in keep)
                  for r in by_name["result"]["rows"]) == sorted(tuple(g[i] for i in keep)
                                                                for g in got)
    r = client.get("/queries/documents-in-date-range?start=someday", headers={"Accept":
                                                                              "text/html"})
    assert r.status_code == 400 and "expected a day as YYYY-MM-DD" in r.text
    assert client.get("/queries/no-such-query").status_code == 404


# ---------------------------------------------------------------------------------------------
# Documents: citation, rights, events and graphs as text


def _record_document(local: ox.Store) -> tuple[str, dict[str, str]]:
    doc, title, rid, url, archive = rows(local, (
        "SELECT ?d ?t ?r ?u ?a WHERE { ?d a kg:Document ; dcterms:title ?t ; kg:recordId ?r ; "
        "kg:url ?u ; kg:archive ?a } ORDER BY ?d LIMIT 1"))[0]
    return doc, {"title": title, "record_id": rid, "url": url, "archive": archive}


def test_a_document_offers_its_citation(client, local):
    doc, facts = _record_document(local)
    path = doc[len(BASE) - 1:]
    html = page(client, path)
    assert "Cite this document" in html and "Chicago" in html and "@misc{" in html
    r = client.get(f"{path}?format=csl")
    assert r.headers["content-type"].startswith("application/vnd.citationstyles.csl+json")
    assert "attachment" in r.headers["content-disposition"]
    [item] = json.loads(r.text)
    assert item["type"] == "manuscript" and item["title"] == facts["title"]
    assert item["URL"] == facts["url"] and item["archive"] == facts["archive"]
    assert facts["record_id"] in item["archive_location"]
    [earliest] = rows(local, f"SELECT (MIN(?e) AS ?x) WHERE {{ <{doc}> kg:earliestDate ?e }}")[0]
    assert item["issued"]["date-parts"][0][0] == int(earliest[:4])
    bib = client.get(f"{path}?format=bib")
    assert bib.headers["content-type"].startswith("application/x-bibtex")
    assert bib.text.startswith("@misc{") and facts["url"] in bib.text
    assert re.search(r"year = \{\d{4}\}", bib.text)
    cite = twin(client, path)["citation"]
    assert facts["title"] in cite["chicago_note"] and facts["archive"] in cite["chicago_note"]
    assert cite["chicago_note"].endswith(f"{facts['url']}.")
    people = client.get("/person/nikolai-roshchin?format=csl")
    assert people.status_code == 400


def test_bibtex_escapes_what_latex_would_read():
    from kg.serve.cite import citation

    c = citation(iri="http://x/document/a_b", title="Costs & 50% of {x} #1", date="1950-07",
                 date_text=None, earliest="1950-07-01", archive="A_B", url=None,
                 record_id=None, number=None, authors=["Zhou Enlai"], recipients=[],
                 publisher=None)
    assert r"Costs \& 50\% of \{x\} \#1" in c.bibtex and "{{Zhou Enlai}}" in c.bibtex
    assert "date = {1950-07}" in c.bibtex and "July 1950" in c.chicago_note
    assert c.csl["issued"] == {"date-parts": [[1950, 7]]}


def test_the_rights_statement_is_shown_where_the_graph_has_it(client, local):
    found = rows(local, "SELECT ?d ?r WHERE { ?d a kg:Document ; kg:rights ?r } ORDER BY ?d "
                        "LIMIT 1")
    assert found
    doc, rights = found[0]
    html = page(client, doc[len(BASE) - 1:])
    assert "<h2>Rights" in html and rights[:60].replace("'", "&#39;") in html
    without = rows(local, "SELECT ?d WHERE { ?d a kg:Document FILTER NOT EXISTS { ?d kg:rights "
                          "?r } } ORDER BY ?d LIMIT 1")
    assert "<h2>Rights" not in page(client, without[0][0][len(BASE) - 1:])


def test_events_and_source_graphs_read_as_text(client, local):
    (event, doc), = rows(local, "SELECT ?e ?d WHERE { ?d kg:records ?e ; kg:author ?a } "
                                "ORDER BY ?e LIMIT 1")
    html = page(client, event[len(BASE) - 1:])
    text = re.sub(r"<[^>]+>", " ", html)
    assert " from " in text and "Recorded in" in text
    (graph,), = rows(local, "SELECT ?g WHERE { ?g a kg:SourceGraph ; kg:rawRecord ?r } "
                            "ORDER BY ?g LIMIT 1")
    html = page(client, graph[len(BASE) - 1:])
    text = re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1].split("</main>", 1)[0])
    assert "The record as read" in text and "Statements" in text
    assert not re.search(r"\b(kg|rdf|rdfs|dcterms|skos):\w", text)  # no prefixed names
    assert '{"' not in text and "{&#34;" not in text  # no JSON
    data = twin(client, graph[len(BASE) - 1:])
    assert data["kind"] == "graph" and data["statements"]


# ---------------------------------------------------------------------------------------------
# The twin is the page


@pytest.mark.parametrize("path", ["/", "/search?q=Roshchin", "/documents", "/people", "/map",
                                  "/timeline", "/network", "/person/nikolai-roshchin",
                                  "/place/beijing"])
def test_every_page_has_its_json_twin_and_no_script(client, path):
    html = page(client, path)
    assert "<script" not in html.lower()
    data = twin(client, path)
    assert isinstance(data, dict) and data
    assert "chart" not in data  # a drawing is made from the data, not part of it


# ---------------------------------------------------------------------------------------------
# Whole-store data comes from the generation's derived data, never from the store


class CountingStore:
    """The snapshot's pyoxigraph store, counting every call made to it."""

    def __init__(self, store: ox.Store):
        self._store = store
        self.calls: list[str] = []

    def __getattr__(self, name):
        attr = getattr(self._store, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            self.calls.append(name)
            return attr(*args, **kwargs)
        return call

    def __len__(self) -> int:
        self.calls.append("len")
        return len(self._store)


@pytest.fixture(scope="module")
def counting_site(store):
    """A site of its own whose snapshot's store counts the calls made to it."""
    site = Site(Settings(store), StoreView(store, BASE), WorkerPool(store, size=1))
    snap = site.view.snapshot()
    counting = CountingStore(snap.store)
    snap.store = counting
    yield TestClient(create_app(site)), counting
    site.close()


@pytest.fixture
def counted(counting_site):
    client, counting = counting_site
    counting.calls.clear()
    return client, counting


@pytest.mark.parametrize("path", ["/person/nobody-at-all", "/place/atlantis",
                                  "/organization/no-such-committee", "/document/no-such-doc",
                                  "/topic/nothing", "/graph/none", "/role/none", "/nothing/here",
                                  "/person/nikolai-roshchin/more"])
def test_an_unknown_iri_is_a_404_without_touching_the_store(counted, path):
    client, counting = counted
    for accept in ("text/html", "text/turtle", "application/json"):
        r = client.get(path, headers={"Accept": accept})
        assert r.status_code == 404, (path, accept)
    assert counting.calls == []


def test_a_known_iri_still_answers(counted):
    client, counting = counted
    assert client.get("/person/nikolai-roshchin", headers={"Accept": "text/html"}
                      ).status_code == 200
    assert counting.calls  # the page itself reads the store: the wrapper does see calls


@pytest.mark.parametrize("path", ["/", "/people", "/places", "/organizations", "/topics",
                                  "/documents", "/documents?person=/person/nikolai-roshchin",
                                  "/search?q=Roshchin", "/search?q=Roshcin&from=1950",
                                  "/timeline", "/timeline?from=1950-02-10&to=1950-07-08",
                                  "/timeline?month=1950-02", "/map"])
def test_overview_pages_read_only_the_derived_data(counted, path):
    client, counting = counted
    for fmt in ("html", "json"):
        sep = "&" if "?" in path else "?"
        r = client.get(f"{path}{sep}format={fmt}")
        assert r.status_code == 200, (path, r.text[:300])
    assert counting.calls == [], path


def test_a_store_without_derived_data_is_given_it_once(store, tmp_path):
    import shutil

    from kg.serve.app import ensure_derived
    from kg.store import current_generation
    from kg.store.derived import DERIVED_DIR
    from kg.store.index import Index

    copy = tmp_path / "old"
    shutil.copytree(store, copy)
    shutil.rmtree(current_generation(copy) / DERIVED_DIR)  # as an older version wrote it
    before = current_generation(copy)
    site = Site(Settings(copy), StoreView(copy, BASE), WorkerPool(copy, size=1))
    try:
        r = TestClient(create_app(site)).get("/search?q=Roshchin",
                                              headers={"Accept": "text/html"})
        assert r.status_code == 503 and "search index" in r.text
    finally:
        site.close()
    assert ensure_derived(copy) is True
    assert current_generation(copy) != before and Index.open(copy).stats()["documents"]
    assert ensure_derived(copy) is False  # once
    assert rows(open_reader(copy), "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }") \
        == rows(open_reader(store), "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")


# ---------------------------------------------------------------------------------------------
# Search and facets

LINKS = ("kg:author kg:recipient kg:intermediary kg:participant kg:mentions kg:spatial "
         "kg:impliedPlace kg:mentionsInText kg:curatedAuthor kg:curatedMention kg:curatedPlace")
ROSHCHIN = BASE + "person/nikolai-roshchin"


def linked(local, iri: str) -> set[str]:
    return {d for (d,) in rows(local, f"SELECT DISTINCT ?d WHERE {{ ?d a kg:Document ; ?p <{iri}> "
                                      f"VALUES ?p {{ {LINKS} }} }}")}


def facet(data: dict, name: str) -> dict[str, int]:
    return {c["value"]: c["count"] for f in data["facets"] if f["name"] == name
            for c in f["choices"]}


def all_hits(client, path: str) -> list[dict]:
    out, n = [], 1
    while True:
        sep = "&" if "?" in path else "?"
        data = twin(client, f"{path}{sep}page={n}")
        out += data["documents"]
        if n >= data["pages"]:
            return out
        n += 1


def test_browsing_by_person_counts_as_sparql_does(client, local):
    docs = linked(local, ROSHCHIN)
    data = twin(client, "/documents?person=/person/nikolai-roshchin")
    assert data["total"] == len(docs) >= 5
    assert {d["iri"] for d in all_hits(client, "/documents?person=/person/nikolai-roshchin")} \
        == docs
    # every place offered beside them counts the documents that also name that place
    places = facet(data, "place")
    assert places
    for place, n in places.items():
        assert n == len(docs & linked(local, place)), place
    # the filter is in the URL: the page offers it removed, and each facet value added
    html = page(client, "/documents?person=/person/nikolai-roshchin")
    assert "Nikolai Roshchin" in html and "remove this filter" in html
    place, n = next(iter(places.items()))
    both = twin(client, "/documents?person=/person/nikolai-roshchin&place=" + place)
    assert both["total"] == n
    assert {f["facet"] for f in both["filters"]} == {"person", "place"}


def test_browsing_everything_offers_every_facet_with_counts(client, local):
    data = twin(client, "/documents")
    everything = {d for (d,) in rows(local, "SELECT DISTINCT ?d WHERE { ?d a kg:Document }")}
    assert data["total"] == len(everything) and data["q"] == ""
    types = dict(rows(local, "SELECT ?t (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a kg:Document ; "
                             "kg:documentType ?x . ?x skos:broader* ?t } GROUP BY ?t"))
    assert facet(data, "type") and all(n == int(types[t]) for t, n in facet(data, "type").items())
    sources = dict(rows(local, "SELECT ?s (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a kg:Document ; "
                               "kg:source ?s } GROUP BY ?s"))
    assert facet(data, "source") == {s: int(n) for s, n in sources.items()}
    assert {f["name"] for f in data["facets"]} >= {"type", "person", "place", "source", "year"}
    # a page of results at a time, in date order, and the pages join up
    assert len(data["documents"]) == min(20, len(everything)) and data["pages"] > 1
    dates = [d["earliest"] or "9999" for d in all_hits(client, "/documents")]
    assert dates == sorted(dates) and len(dates) == len(everything)


def test_a_date_range_keeps_documents_whose_dates_overlap_it(client, local):
    expected = {d for (d,) in rows(local, "SELECT DISTINCT ?d WHERE { ?d a kg:Document ; "
                                          "kg:earliestDate ?e ; kg:latestDate ?l "
                                          "FILTER(STR(?e) <= '1950-12-31' && STR(?l) >= "
                                          "'1950-01-01') }")}
    data = twin(client, "/documents?from=1950&to=1950")
    assert data["total"] == len(expected) > 0
    assert facet(data, "year").keys() >= {"1950"}
    r = client.get("/documents?from=1951&to=1950", headers={"Accept": "text/html"})
    assert r.status_code == 400


def test_search_ranks_highlights_and_combines_with_facets(client, local):
    data = twin(client, "/search?q=Roshchin")
    assert [e["iri"] for e in data["entities"]] == [ROSHCHIN]
    named = {d for (d,) in rows(local, "SELECT DISTINCT ?d WHERE { ?d a kg:Document . { ?d "
                                       "dcterms:title ?t } UNION { ?d kg:summary ?t } "
                                       "FILTER(CONTAINS(LCASE(?t), 'roshchin')) }")}
    found = {d["iri"] for d in all_hits(client, "/search?q=Roshchin")}
    # every document that says the name, and those that link to him by another of his names
    assert named <= found <= named | linked(local, ROSHCHIN)
    first = data["documents"][0]
    assert first["iri"] in named and any(marked for _, marked in first["snippet"])
    html = page(client, "/search?q=Roshchin")
    assert "<mark>" in html
    narrowed = twin(client, "/search?q=Roshchin&from=1950-01&to=1950-06")
    assert 0 < narrowed["total"] < data["total"]
    assert all(d["earliest"] and d["earliest"] <= "1950-06-30" for d in narrowed["documents"])
    # the facet link a reader clicks gives the count it promised
    for name, param in (("type", "type"), ("place", "place")):
        value, n = next(iter(facet(data, name).items()))
        assert twin(client, f"/search?q=Roshchin&{param}={value}")["total"] == n


def test_a_misspelt_name_says_what_it_searched_for(client):
    data = twin(client, "/search?q=Roshcin")
    assert data["corrected"] and "roshchin" in data["corrected"].lower() and data["total"]
    assert "showing results for" in page(client, "/search?q=Roshcin")


def test_search_text_is_escaped_in_snippets(client):
    html = page(client, "/search?q=%3Cmark%3E+Roshchin")
    assert "&lt;mark&gt;" in html and "<script" not in html


def test_topics_list_their_documents(client, local):
    data = twin(client, "/topics")
    for item in data["items"]:
        assert item["documents"] == len({d for (d,) in rows(
            local, f"SELECT DISTINCT ?d WHERE {{ ?d a kg:Document ; kg:subject|dcterms:subject|"
                   f"kg:assignedSubject <{item['iri']}> }}")}) > 0
    # a topic's page lists its documents, as a subject heading's does
    first = data["items"][0]
    topic = twin(client, first["iri"][len(BASE) - 1:])
    assert topic["kind"] == "topic" and len(topic["documents"]) == first["documents"]
    assert "Topic" in page(client, first["iri"][len(BASE) - 1:])


def test_fragments_are_found_without_scanning_every_subject(site, local):
    """`views.fragments` follows links from the IRI; it must find exactly what a scan of
    every subject finds (what the Turtle description and the resource pages show)."""
    from kg.serve.views import fragments

    by_base: dict[str, set[str]] = {}
    for (s,) in rows(local, "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && "
                            "CONTAINS(STR(?s), '#')) }"):
        by_base.setdefault(s.split("#", 1)[0], set()).add(s)
    assert len(by_base) > 20
    snap = site.view.snapshot()
    for base, expected in by_base.items():
        assert set(fragments(snap, base, limit=100_000)) == expected, base


# ---------------------------------------------------------------------------------------------
# Letters: the network and a person's correspondents read the generation's letters table

LETTERS = ("SELECT DISTINCT ?d ?a ?r (MIN(?e) AS ?first) WHERE { ?d kg:author ?a ; kg:recipient ?r"
           " FILTER(?a != ?r) OPTIONAL { ?d kg:earliestDate ?e } } GROUP BY ?d ?a ?r")


class NoQueryStore(CountingStore):
    """A store that refuses SPARQL: whatever runs on it must use indexed look-ups only."""

    def query(self, *args, **kwargs):
        raise AssertionError("a whole-store SPARQL query on the request path")


def test_the_letters_are_those_sparql_finds(store, local):
    from kg.store.index import Index

    letters = Index.open(store).letters()
    assert {(x.document, x.author, x.recipient, x.earliest) for x in letters} == set(
        rows(local, LETTERS))
    assert letters


def test_network_pages_read_only_the_derived_data(store, local):
    """The whole network, its filters and downloads, on a fresh snapshot (nothing cached)
    whose store refuses SPARQL and counts every other call: none is made; what the pages show
    is what the graph says."""
    site = Site(Settings(store), StoreView(store, BASE), WorkerPool(store, size=1))
    try:
        snap = site.view.snapshot()
        snap.store = NoQueryStore(snap.store)
        client = TestClient(create_app(site))
        stalin = f"{BASE}person/joseph-stalin"
        for path in ("/network", f"/network?person={stalin}", "/network?from=1950-02&to=1950-06",
                     "/network.csv", "/network.gexf"):
            r = client.get(path, headers={"Accept": "text/html"})
            assert r.status_code == 200, (path, r.text[:300])
        data = twin(client, "/network")
        expected: dict[tuple[str, str], set[str]] = {}
        for d, a, r, _ in rows(local, LETTERS):
            expected.setdefault((a, r), set()).add(d)
        assert {(e["source"], e["target"]): e["count"] for e in data["edges"]} == {
            k: len(v) for k, v in expected.items()}
        assert snap.store.calls == []  # not even an indexed look-up of the store
    finally:
        site.close()


def test_void_reads_only_the_derived_data(store, local):
    """/void and /.well-known/void on a fresh snapshot (nothing cached) whose store refuses
    SPARQL and counts every other call: none is made (the statistics were counted at ingest),
    and the counts are what SPARQL counts over the store."""
    site = Site(Settings(store), StoreView(store, BASE), WorkerPool(store, size=1))
    try:
        snap = site.view.snapshot()
        snap.store = NoQueryStore(snap.store)
        client = TestClient(create_app(site))
        for path in ("/void", "/.well-known/void"):
            r = client.get(path)
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
            described = {(t.predicate.value, t.object.value) for t in ox.parse(
                r.content, format=ox.RdfFormat.TURTLE) if t.subject.value == f"{BASE}void#dataset"}
            [(triples,)] = rows(local, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                                       "WHERE { ?s ?p ?o } }")
            assert ("http://rdfs.org/ns/void#triples", triples) in described
        assert snap.store.calls == []
    finally:
        site.close()


def test_correspondents_come_from_the_letters_table(client, store, local):
    """Everyone's "wrote to" and "received from", with counts, as SPARQL counts them, read
    without a query of the store; the person page shows them."""
    from kg.serve.views import _counterparts

    site = Site(Settings(store), StoreView(store, BASE), WorkerPool(store, size=1))
    try:
        snap = site.view.snapshot()
        snap.store = NoQueryStore(snap.store)
        letters = rows(local, LETTERS)
        people = sorted({a for _, a, _, _ in letters} | {r for _, _, r, _ in letters})
        assert people
        for person in people:
            sides = _counterparts(snap, person)
            for got, (mine, theirs) in zip(sides, (("author", "recipient"),
                                                   ("recipient", "author"))):
                expected = {o: int(n) for o, n in rows(local, (
                    f"SELECT ?o (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d kg:{mine} <{person}> ; "
                    f"kg:{theirs} ?o . FILTER(?o != <{person}>) }} GROUP BY ?o"))}
                assert {c.iri: c.count for c in got} == expected, (person, mine)
                assert [(-c.count, c.label) for c in got] == sorted(
                    (-c.count, c.label) for c in got)
    finally:
        site.close()
    stalin = f"{BASE}person/joseph-stalin"
    data = twin(client, "/person/joseph-stalin")
    for key, mine, theirs in (("wrote_to", "author", "recipient"),
                              ("received_from", "recipient", "author")):
        expected = {o: int(n) for o, n in rows(local, (
            f"SELECT ?o (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d kg:{mine} <{stalin}> ; "
            f"kg:{theirs} ?o . FILTER(?o != <{stalin}>) }} GROUP BY ?o"))}
        assert {c["iri"]: c["count"] for c in data[key]} == expected
    assert data["wrote_to"] or data["received_from"]
