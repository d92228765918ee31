"""`kg export` round trips, and ingest identity: what the store holds comes back out unchanged,
and reading the same pages again changes nothing.

Exports are re-read with rdflib, an independent parser: Turtle must give the union of every
graph, TriG, N-Quads and JSON-LD every named graph as it is in the store. JSON-LD must read
offline, from the context embedded in the file.
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
import rdflib
from conftest import SEEDS, run_kg
from rdflib.compare import isomorphic

from kg.api import KnowledgeGraph
from kg.store import open_reader

PAGE_000 = "000_0aed5f80fc78b3a7.txt"  # 10 entries
QUAD_FORMATS = {"trig": "trig", "nquads": "nquads", "jsonld": "json-ld"}  # ours -> rdflib's
ALL_FORMATS = {"turtle": "turtle", **QUAD_FORMATS}


def _seed_pages() -> list[Path]:
    pages = sorted(SEEDS.glob("*.txt"))
    if not pages:
        pytest.skip(f"no seed pages in {SEEDS}")
    return pages


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "store"
    report = KnowledgeGraph(path).ingest([str(p) for p in _seed_pages()])
    assert report.ok, report.errors
    return path


@pytest.fixture(scope="module")
def expected(seed_store) -> dict[str, rdflib.Graph]:
    return store_dataset(seed_store)


def graphs(store: Path) -> dict[str, set[str]]:
    """Every named graph of a store as a set of N-Quads lines."""
    out: dict[str, set[str]] = {}
    for q in open_reader(store).quads_for_pattern(None, None, None, None):
        out.setdefault(q.graph_name.value, set()).add(str(q))
    return out


def store_dataset(store: Path) -> dict[str, rdflib.Graph]:
    """The store's named graphs as rdflib graphs (through pyoxigraph's N-Quads)."""
    import pyoxigraph as ox

    data = open_reader(store).dump(format=ox.RdfFormat.N_QUADS).decode("utf-8")
    return by_graph(rdflib.Dataset().parse(data=data, format="nquads"))


def by_graph(ds: rdflib.Dataset) -> dict[str, rdflib.Graph]:
    out: dict[str, rdflib.Graph] = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        name = str(g) if g is not None else "DEFAULT"
        out.setdefault(name, rdflib.Graph()).add((s, p, o))
    return out


def union(graphs_: dict[str, rdflib.Graph]) -> rdflib.Graph:
    out = rdflib.Graph()
    for g in graphs_.values():
        for t in g:
            out.add(t)
    return out


@pytest.fixture
def offline(monkeypatch):
    """No name look-up or connection may leave the machine while parsing (fetching a remote
    JSON-LD context would)."""
    local = ("127.0.0.1", "::1", "localhost")
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(self, address):
        if isinstance(address, tuple) and address[0] not in local:
            raise AssertionError(f"network access to {address} while parsing an export")
        return real_connect(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if host not in local:
            raise AssertionError(f"name look-up of {host} while parsing an export")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def export(store: Path, fmt: str, out: Path, *extra: str) -> Path:
    result = run_kg("export", "--store", str(store), "--format", fmt, "-o", str(out), *extra)
    assert result.returncode == 0, result.stderr.decode()
    assert out.stat().st_size > 0
    return out


def parse(path: Path, fmt: str) -> dict[str, rdflib.Graph]:
    if fmt == "turtle":
        return {"UNION": rdflib.Graph().parse(path, format="turtle")}
    return by_graph(rdflib.Dataset().parse(path, format=QUAD_FORMATS[fmt]))


# ------------------------------------------------------------------ whole store


def test_turtle_export_is_the_union_of_all_graphs(seed_store, expected, tmp_path, offline):
    parsed = parse(export(seed_store, "turtle", tmp_path / "kg.ttl"), "turtle")["UNION"]
    merged = union(expected)
    assert len(parsed) == len(merged) > 0
    assert isomorphic(parsed, merged)


@pytest.mark.parametrize("fmt", sorted(QUAD_FORMATS))
def test_quad_export_keeps_every_named_graph(seed_store, expected, tmp_path, offline, fmt):
    parsed = parse(export(seed_store, fmt, tmp_path / f"kg.{fmt}"), fmt)
    assert "DEFAULT" not in parsed, "statements landed in the default graph"
    assert set(parsed) == set(expected)
    for name, graph in expected.items():
        assert isomorphic(parsed[name], graph), f"graph {name} differs after {fmt}"


def test_jsonld_export_embeds_its_context(seed_store, tmp_path):
    doc = json.loads(export(seed_store, "jsonld", tmp_path / "kg.jsonld").read_text("utf-8"))
    # an embedded object, not a URL that a reader would have to fetch
    assert isinstance(doc["@context"], dict)
    assert doc["@context"]["kg"] == "https://w3id.org/archive-kg/ns#"


@pytest.mark.parametrize("fmt", sorted(ALL_FORMATS))
def test_export_of_one_graph_holds_only_that_graph(seed_store, expected, tmp_path, offline,
                                                  fmt):
    name = next(g for g in sorted(expected) if g.endswith("/graph/authority"))
    parsed = parse(export(seed_store, fmt, tmp_path / f"one.{fmt}", "--graph", name), fmt)
    if fmt == "turtle":
        assert isomorphic(parsed["UNION"], expected[name])
    else:
        assert set(parsed) == {name}
        assert isomorphic(parsed[name], expected[name])


# ------------------------------------------------------------------ ingest identity


def test_two_pages_sharing_an_entry_give_19_documents(seed_store):
    # 10 entries on each page; the memorandum of February 10, 1950 is on both
    stats = KnowledgeGraph(seed_store).stats()
    assert stats["documents"] == 19
    # ...and that document has one graph per page it was read from
    rows = KnowledgeGraph(seed_store).query(
        'SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g kg:aboutDocument ?d } '
        '?d dcterms:title "Memorandum to Vyshinsky from Soviet Ambassador to China Nikolai '
        'Roshchin" }')
    assert int(next(iter(rows))[0].value) == 2


def test_reingesting_the_seed_pages_leaves_every_graph_identical(seed_store, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(seed_store, copy)
    before = graphs(copy)
    report = KnowledgeGraph(copy).ingest([str(p) for p in _seed_pages()])
    assert report.ok and report.entries == 20 and report.new == 0
    assert report.unchanged == report.documents == 19  # one document is on both pages
    after = graphs(copy)
    assert set(after) == set(before)
    for name in before:
        assert after[name] == before[name], f"graph {name} changed on re-ingest"


def test_the_same_page_twice_yields_no_duplicates(tmp_path):
    page = next((p for p in _seed_pages() if p.name == PAGE_000), None)
    if page is None:
        pytest.skip(f"{PAGE_000} not among the seed pages")
    store = tmp_path / "store"
    graph = KnowledgeGraph(store)
    assert graph.ingest([str(page), str(page)]).ok
    once = graphs(store)
    assert graph.stats()["documents"] == 10
    # one graph per entry (and the authority graph), each document's title stated once
    rows = graph.query("SELECT ?d (COUNT(*) AS ?n) WHERE { ?d dcterms:title ?t } GROUP BY ?d")
    assert sorted(int(r[1].value) for r in rows) == [1] * 10
    assert sum(1 for g in once if "/graph/h" in g) == 10
    # and a second reading of the page changes nothing
    assert graph.ingest([str(page)]).unchanged == 10
    assert graphs(store) == once


# ------------------------------------------------------------------ the bench's round trip


def test_bench_round_trip_finds_every_format_isomorphic(seed_store, tmp_path):
    from bench.run import ROUNDTRIP_FORMATS, child_roundtrip

    result = child_roundtrip(str(seed_store), str(tmp_path / "scratch"))
    assert set(result["formats"]) == set(ROUNDTRIP_FORMATS)
    for fmt, measured in result["formats"].items():
        assert measured["isomorphic"], fmt
        expected = result["union_triples"] if fmt == "turtle" else result["quads"]
        assert measured["written"] == measured["read"] == expected > 0


def test_bench_round_trip_notices_lost_statements(seed_store, tmp_path, monkeypatch):
    """The comparison can fail: an export that leaves out what the store says about one
    subject is reported, in every format."""
    import pyoxigraph as ox

    import kg.export
    from bench.run import child_roundtrip

    real_export = kg.export.write_export

    def lossy_export(store, fmt, path, graph=None):
        quads = list(store.quads_for_pattern(None, None, None, None))
        lost = quads[0].subject
        copy = ox.Store()  # in memory
        copy.extend(q for q in quads if q.subject != lost)
        return real_export(copy, fmt, path, graph)

    monkeypatch.setattr(kg.export, "write_export", lossy_export)
    result = child_roundtrip(str(seed_store), str(tmp_path / "scratch"))
    assert not any(m["isomorphic"] for m in result["formats"].values())


def test_bench_round_trip_with_blank_nodes_compares_canonical_forms():
    """Blank nodes come back under other labels: isomorphism, not equality of labels."""
    import pyoxigraph as ox

    from bench.run import _same_as_canonical

    ex = "http://example.org/"
    graph, node = ox.NamedNode(ex + "g"), ox.BlankNode("b0")
    store = ox.Store()  # in memory
    store.extend([ox.Quad(ox.NamedNode(ex + "s"), ox.NamedNode(ex + "p"), node, graph),
                  ox.Quad(node, ox.NamedNode(ex + "q"), ox.Literal("x"), graph)])
    text = ox.serialize(list(store), format=ox.RdfFormat.N_QUADS).decode("utf-8")
    relabelled = text.replace("_:b0", "_:other")
    assert "_:other" in relabelled
    parse = lambda data: ox.parse(data, format=ox.RdfFormat.N_QUADS)  # noqa: E731
    assert _same_as_canonical(parse(relabelled), store, union=False, expected=2) == (2, True)
    one_line = relabelled.splitlines()[0] + "\n"
    assert _same_as_canonical(parse(one_line), store, union=False, expected=2) == (1, False)
