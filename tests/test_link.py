"""Linking the store's people, places and organisations to Wikidata (`kg.link`).

Offline is the default and is checked on the seed pages (conftest's `seed_store`) against the
gold alias table. Online
runs against the replay server of `wikidata_replay` on 127.0.0.1 (never the real Wikidata),
answering from ``tests/fixtures/wikidata-link/``: answers written in the MediaWiki API's
documented shapes, with ids, labels, descriptions and aliases taken from the Wikidata-derived
FB15k list (``/work/shared/data/wikidata-fb15k-entities.json``); instance-of values are Q5
(human, the class `kg.resolve.wikidata` tests for) and Q11424 (film, in the same list). No
dates of birth or death are given, so date fit stays neutral.

``listing-einstein-nehru.txt`` there is a constructed listing entry (not an archive page): it
adds a person the authority files do not know, whom Wikidata does.
"""

from __future__ import annotations

import io
import json
import shutil
import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SHARED
from wikidata_replay import ReplayServer

import kg.link
from kg.api import KnowledgeGraph
from kg.cli.link_output import render
from kg.core.text import match_key
from kg.export import export
from kg.link import (
    ONLINE_METHOD,
    LinkError,
    link_store,
    review,
    run_link_command,
)
from kg.rdf.namespace import PREFIXES
from kg.resolve.corrections import load_corrections
from kg.resolve.wikidata import WikidataClient
from kg.validate import validate_store

pytestmark = pytest.mark.server

GOLD = SHARED / "gold" / "seeds.gold.jsonl"
ALIASES = SHARED / "gold" / "aliases.tsv"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "wikidata-link"
EXTRA_PAGE = FIXTURES / "listing-einstein-nehru.txt"
WD = "http://www.wikidata.org/entity/"

needs_gold = pytest.mark.skipif(not (GOLD.exists() and ALIASES.exists()),
                                reason="gold answers for the seed pages not available")


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory, seed_pages: list[Path]) -> Path:
    """The seed pages (conftest's `seed_pages`) plus the constructed entry, ingested offline."""
    path = tmp_path_factory.mktemp("link") / "store"
    report = KnowledgeGraph(path).ingest([*(str(p) for p in seed_pages), str(EXTRA_PAGE)])
    assert report.ok and report.written
    return path


@pytest.fixture
def store(base_store: Path, tmp_path: Path) -> Path:
    """A private copy of the seed store plus the constructed entry, for a test to write."""
    path = tmp_path / "store"
    shutil.copytree(base_store, path)
    return path


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    replay = ReplayServer(fixtures=FIXTURES).start()
    try:
        yield replay
    finally:
        replay.stop()


@pytest.fixture(autouse=True)
def _offline_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(kg.link.ENV_ONLINE, raising=False)


def run_link(store: Path, output: str = "table", **options) -> str:
    """What ``kg link`` prints: the command's outcome, rendered."""
    return render(run_link_command(store, **options), output)


def make_client(server: ReplayServer, cache: Path) -> WikidataClient:
    return WikidataClient(server.url, cache_dir=cache, min_interval=0.0, timeout=5.0,
                          max_retries=0)


def ask(store: Path, query: str) -> bool:
    return bool(KnowledgeGraph(store).reader().query(query, prefixes=PREFIXES,
                                                     use_default_graph_as_union=True))


def graph_quads(store: Path, graph: ox.NamedNode) -> set[ox.Quad]:
    return set(KnowledgeGraph(store).reader().quads_for_pattern(None, None, None, graph))


def entity(store: Path, ref: str) -> str:
    return KnowledgeGraph(store).base + ref


# -- online linking ---------------------------------------------------------------------------


def test_online_match_writes_same_as_with_its_explanation(store: Path, server: ReplayServer,
                                                          tmp_path: Path) -> None:
    kg_ = KnowledgeGraph(store)
    report = link_store(kg_, online=True, client=make_client(server, tmp_path / "cache"))
    einstein = next(a for a in report.attempts if a.label == "Albert Einstein")
    # what was asked: the kind, the earliest date of the documents, co-mentioned Wikidata ids
    assert einstein.kind == "person"
    assert einstein.document_date == date(1947, 6, 13)
    assert {"Q1047", "Q1065"} <= set(einstein.context)  # Nehru and the UN, from the authority
    assert einstein.decision and einstein.decision.qid == "Q937" and einstein.decision.match
    assert report.written and einstein in report.matched
    assert report.linked["online"] == 1 and report.linked["authority"] >= 30
    # the state as an offline run sees it afterwards: the same counts
    assert link_store(kg_, online=False).linked == report.linked

    g = kg_.iris.online_links_graph()
    e = einstein.entity
    assert ask(store, f"ASK {{ GRAPH {g} {{ <{e}> owl:sameAs wd:Q937 }} }}")
    rows = list(kg_.reader().query(
        f"SELECT ?score ?match ?method (GROUP_CONCAT(?fid; separator=' ') AS ?features) "
        f"WHERE {{ GRAPH {g} {{ <{e}> kg:link ?l . ?l a kg:EntityLink ; kg:linkTarget wd:Q937 ;"
        f" kg:score ?score ; kg:match ?match ; kg:linkMethod ?method ; kg:feature ?f . "
        f"?f a kg:LinkFeature ; kg:featureId ?fid ; kg:featureValue ?v }} }} "
        f"GROUP BY ?score ?match ?method", prefixes=PREFIXES))
    assert len(rows) == 1
    score, match, method, features = rows[0]
    assert abs(float(score.value) - einstein.decision.score) < 1e-3
    assert match.value == "true" and method.value == ONLINE_METHOD
    assert set(features.value.split()) == {"name_similarity", "type_fit", "date_fit", "context"}
    # the decision says what was asked
    assert ask(store, f"ASK {{ GRAPH {g} {{ <{e}> kg:link ?l . ?l kg:evidence ?why . "
                      f"FILTER(CONTAINS(?why, '1947-06-13') && CONTAINS(?why, 'Q1047')) }} }}")
    # owl:sameAs only for matches: one entity in this run
    same_as = [q for q in graph_quads(store, g) if q.predicate.value.endswith("#sameAs")]
    assert [(q.subject.value, q.object.value) for q in same_as] == [(e, WD + "Q937")]


def test_wrong_type_is_nil_and_keeps_the_candidates(store: Path, server: ReplayServer,
                                                    tmp_path: Path) -> None:
    kg_ = KnowledgeGraph(store)
    report = link_store(kg_, online=True, client=make_client(server, tmp_path / "cache"))
    manchuria = next(a for a in report.attempts if a.ref == "place/manchuria")
    assert manchuria.decision is not None and manchuria.decision.qid is None
    assert {c.id for c in manchuria.decision.candidates} == {"Q3589", "Q521387"}  # two films
    assert all("geographic" in (c.rejected_reason or "") for c in manchuria.decision.candidates)
    g = kg_.iris.online_links_graph()
    e = manchuria.entity
    assert not ask(store, f"ASK {{ <{e}> owl:sameAs ?w FILTER(STRSTARTS(STR(?w), '{WD}')) }}")
    for qid in ("Q3589", "Q521387"):
        assert ask(store, f"ASK {{ GRAPH {g} {{ <{e}> kg:link ?l . ?l kg:linkTarget wd:{qid} ; "
                          f"kg:match false ; kg:score 0.0 ; kg:linkMethod '{ONLINE_METHOD}' ; "
                          f"kg:evidence ?why FILTER(STRSTARTS(?why, 'rejected:')) }} }}")
    # a name Wikidata does not know is recorded as looked up, with nothing found
    palestine = next(a for a in report.attempts if a.label == "Palestine")
    assert palestine.decision is not None and not palestine.decision.candidates
    assert ask(store, f"ASK {{ GRAPH {g} {{ <{palestine.entity}> kg:evidence ?why "
                      f"FILTER(CONTAINS(?why, 'no candidate found')) }} }}")
    assert not ask(store, f"ASK {{ GRAPH {g} {{ <{palestine.entity}> kg:link ?l }} }}")


def test_second_run_is_served_from_the_cache(store: Path, server: ReplayServer,
                                             tmp_path: Path) -> None:
    kg_ = KnowledgeGraph(store)
    first = link_store(kg_, online=True, client=make_client(server, tmp_path / "cache"))
    sent = len(server.requests)
    assert first.requests == sent > 0
    before = graph_quads(store, kg_.iris.online_links_graph())

    client = make_client(server, tmp_path / "cache")
    second = link_store(kg_, online=True, client=client)
    assert client.requests_made == 0 and second.requests == 0
    assert len(server.requests) == sent  # nothing reached the server
    assert second.cache_hits >= len(second.attempts)
    # an entity linked by the first run is looked up again (from cache), not dropped
    assert [a.ref for a in second.matched] == [a.ref for a in first.matched]
    assert graph_quads(store, kg_.iris.online_links_graph()) == before


def _no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    attempts: list[str] = []

    def refuse(*args, **kwargs):
        attempts.append(repr(args[:2]))
        raise AssertionError("offline linking opened a socket")

    class NoClient:
        def __init__(self, *args, **kwargs) -> None:
            attempts.append("WikidataClient constructed")
            raise AssertionError("offline linking built a Wikidata client")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(kg.link.online, "WikidataClient", NoClient)
    return attempts


def test_offline_default_sends_nothing_and_changes_nothing(
        store: Path, server: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    current = (store / "CURRENT").read_text()
    generations = sorted(p.name for p in store.glob("gen-*"))
    quads = set(KnowledgeGraph(store).reader())
    attempts = _no_network(monkeypatch)

    report = link_store(KnowledgeGraph(store), online=False, client=None)
    assert not report.written and report.requests == 0
    assert report.attempts and all(a.decision is None for a in report.attempts)
    assert {"person/person-albert-einstein", "place/manchuria"} <= {a.ref for a in report.attempts}
    text = run_link(store, review=True, corrections_path=tmp_path / "c.jsonl",
                    api_url=server.url, output="json")
    data = json.loads(text)
    assert data["online"] is False and data["requests"] == 0 and not data["written"]

    assert attempts == []
    assert server.requests == []
    assert (store / "CURRENT").read_text() == current
    assert sorted(p.name for p in store.glob("gen-*")) == generations
    assert set(KnowledgeGraph(store).reader()) == quads
    assert not (tmp_path / "c.jsonl").exists()
    assert not (store / "wikidata-cache").exists()


def test_a_client_given_offline_is_not_used(store: Path, server: ReplayServer,
                                            tmp_path: Path) -> None:
    client = make_client(server, tmp_path / "cache")
    link_store(KnowledgeGraph(store), online=False, client=client)
    assert client.requests_made == 0 and server.requests == []


def test_the_environment_setting_opts_in(store: Path, server: ReplayServer, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(kg.link.ENV_ONLINE, "1")
    data = json.loads(run_link(
        store, corrections_path=tmp_path / "c.jsonl", cache_dir=tmp_path / "cache",
        api_url=server.url, request_interval=0.0, output="json"))
    assert data["online"] is True and data["written"] is True
    assert data["requests"] == len(server.requests) > 0
    assert all(r.path == "/w/api.php" for r in server.requests)
    linked = {u["ref"]: u["wikidata"] for u in data["unlinked"] if u["match"]}
    assert linked == {"person/person-albert-einstein": "Q937"}


def test_unreachable_wikidata_writes_nothing(store: Path, tmp_path: Path) -> None:
    # a port nobody listens on: connection refused, immediately
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = WikidataClient(f"http://127.0.0.1:{port}/w/api.php", cache_dir=tmp_path / "c",
                            min_interval=0.0, timeout=1.0, max_retries=0)
    current = (store / "CURRENT").read_text()
    with pytest.raises(LinkError, match="nothing written"):
        link_store(KnowledgeGraph(store), online=True, client=client)
    assert (store / "CURRENT").read_text() == current


# -- review and the curators' decisions -------------------------------------------------------


def test_review_lists_uncertain_links_most_urgent_first(store: Path, server: ReplayServer,
                                                        tmp_path: Path) -> None:
    kg_ = KnowledgeGraph(store)
    link_store(kg_, online=True, client=make_client(server, tmp_path / "cache"))
    items = review(kg_, limit=100)
    kinds = [i.kind for i in items]
    assert kinds == sorted(kinds, key=["weak-match", "nil", "mention"].index)

    weak = [i for i in items if i.kind == "weak-match"]
    assert [(i.ref, i.wikidata) for i in weak] == [("person/person-albert-einstein", "Q937")]
    assert weak[0].score < 0.9 and dict(weak[0].candidates[0].features)["type_fit"] == 1.0

    nil = [i for i in items if i.kind == "nil"]
    assert [i.ref for i in nil] == ["organization/gru"]  # plausible candidates, none good
    assert [c.wikidata for c in nil[0].candidates] == ["Q11365", "Q47099"]
    assert all(0 < c.score < 0.75 and not c.match for c in nil[0].candidates)
    # Manchuria's candidates were all rejected on type: nothing to review there
    assert "place/manchuria" not in {i.ref for i in items}

    mentions = [i for i in items if i.kind == "mention"]
    assert mentions and all(i.score < 0.9 and i.method.startswith(("fuzzy", "surname"))
                            for i in mentions)
    assert ("Kuznetsov", "person/joseph-stalin") in {(i.text, i.ref) for i in mentions}
    assert all(i.documents for i in mentions)
    assert [i.score for i in mentions] == sorted(i.score for i in mentions)

    assert review(kg_, limit=2) == items[:2]


def test_accept_and_reject_from_the_command(store: Path, server: ReplayServer,
                                            tmp_path: Path) -> None:
    corrections = tmp_path / "corrections.jsonl"
    online = {"corrections_path": corrections, "cache_dir": tmp_path / "cache",
              "api_url": server.url, "request_interval": 0.0}
    run_link_command(store, online=True, **online)
    einstein = entity(store, "person/person-albert-einstein")
    kg_ = KnowledgeGraph(store)
    g = kg_.iris.online_links_graph()
    assert ask(store, f"ASK {{ <{einstein}> owl:sameAs wd:Q937 }}")

    # reject the online match: the file records it, the store drops the sameAs at once
    text = run_link(store, reject=["person-albert-einstein=Q937"],
                    corrections_path=corrections)
    assert "rejected person/person-albert-einstein = Q937" in text
    lines = [json.loads(line) for line in corrections.read_text().splitlines()]
    assert lines == [{"op": "reject", "entity": "person/person-albert-einstein",
                      "wikidata": "Q937", "note": "kg link --reject"}]
    assert not ask(store, f"ASK {{ <{einstein}> owl:sameAs wd:Q937 }}")
    assert ask(store, f"ASK {{ GRAPH {g} {{ <{einstein}#{ONLINE_METHOD}-Q937> kg:match false ; "
                      f"kg:evidence ?why FILTER(CONTAINS(?why, 'curator')) }} }}")
    assert ask(store, f"ASK {{ GRAPH <{kg_.base}graph/corrections> {{ <{einstein}> kg:link ?l . "
                      f"?l kg:linkTarget wd:Q937 ; kg:match false ; kg:linkMethod 'curated' }} }}")
    # the next online run respects the rejection
    data = json.loads(run_link(store, online=True, output="json", **online))
    decision = next(u for u in data["unlinked"] if u["ref"] == "person/person-albert-einstein")
    assert decision["match"] is False and decision["wikidata"] is None
    assert decision["candidates"][0]["rejected"] == "rejected by a curator"
    assert not ask(store, f"ASK {{ <{einstein}> owl:sameAs wd:Q937 }}")

    # accept it after all: last line wins; the entity is linked by the curator, not looked up
    run_link_command(store, accept=["person/person-albert-einstein=Q937"],
                     corrections_path=corrections)
    assert load_corrections(corrections).accepted  # two lines, the accept wins
    assert ask(store, f"ASK {{ GRAPH <{kg_.base}graph/corrections> {{ <{einstein}> owl:sameAs "
                      f"wd:Q937 ; kg:link ?l . ?l kg:match true ; kg:score 1.0 ; "
                      f"kg:linkMethod 'curated' }} }}")
    data = json.loads(run_link(store, online=True, output="json", **online))
    assert "person/person-albert-einstein" not in {u["ref"] for u in data["unlinked"]}
    assert data["linked"]["curated"] == 1
    # online decisions, curated links and pruned links all fit the shapes
    report = validate_store(KnowledgeGraph(store).reader())
    assert report.conforms, report.text


def test_a_decision_survives_a_store_that_cannot_be_written(store: Path, tmp_path: Path
                                                           ) -> None:
    """Another writer holds the store: the decision is still in the file, the error says so,
    and the store gets it once it can be written."""
    from kg.store import writer

    corrections = tmp_path / "corrections.jsonl"
    bolshoi = entity(store, "organization/bolshoi-theatre")
    assert ask(store, f"ASK {{ <{bolshoi}> owl:sameAs wd:Q138908 }}")
    with writer(store), pytest.raises(LinkError, match="recorded in .*corrections.jsonl"):
        run_link_command(store, reject=["organization/bolshoi-theatre=Q138908"],
                         corrections_path=corrections)
    assert [json.loads(line)["op"] for line in corrections.read_text().splitlines()] == [
        "reject"]
    assert ask(store, f"ASK {{ <{bolshoi}> owl:sameAs wd:Q138908 }}")  # not written yet
    run_link_command(store, reject=["organization/bolshoi-theatre=Q138908"],
                     corrections_path=corrections)
    assert not ask(store, f"ASK {{ <{bolshoi}> owl:sameAs wd:Q138908 }}")
    assert len(load_corrections(corrections)) == 2  # both lines kept; the same decision


@pytest.mark.parametrize(("argument", "message"), [
    ("person-albert-einstein", "expected KEY=QID"),
    ("person/nobody-at-all=Q937", "no entity"),
    ("person/person-albert-einstein=937", "item id such as Q855"),
    ("thing/x=Q1", "kind/key"),
])
def test_bad_accept_argument_is_a_clear_error(store: Path, tmp_path: Path, argument: str,
                                              message: str) -> None:
    corrections = tmp_path / "corrections.jsonl"
    with pytest.raises(LinkError, match=message):
        run_link_command(store, accept=[argument], corrections_path=corrections)
    assert not corrections.exists()


def test_an_empty_store_is_a_clear_error(tmp_path: Path) -> None:
    from kg.store import StoreError

    with pytest.raises((LinkError, StoreError), match="empty|no such store"):
        run_link_command(tmp_path / "nothing", corrections_path=tmp_path / "c.jsonl")


# -- the offline guarantee on the seed pages --------------------------------------------------


def _gold_aliases() -> dict[str, tuple[str, list[str]]]:
    out = {}
    for line in ALIASES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, qid, *rest = line.split("\t") + [""]
        out[name] = (qid.strip(), [v for v in rest[0].split("|") if v])
    return out


def _store_links(store: Path) -> dict[str, tuple[set[str], set[str]]]:
    """Entity IRI -> (its labels and alternative labels, its Wikidata ids)."""
    rows = KnowledgeGraph(store).query(
        "SELECT ?e ?l ?w WHERE { VALUES ?c { kg:Person kg:Place kg:Organization } ?e a ?c . "
        "{ ?e rdfs:label|skos:altLabel|skos:prefLabel ?l } UNION "
        "{ ?e owl:sameAs ?w FILTER(STRSTARTS(STR(?w), 'http://www.wikidata.org/entity/')) } }")
    out: dict[str, tuple[set[str], set[str]]] = {}
    for e, label, w in rows:
        labels, ids = out.setdefault(e.value, (set(), set()))
        if label is not None:
            labels.add(label.value)
        if w is not None:
            ids.add(w.value[len(WD):])
    return out


@needs_gold
def test_every_gold_entity_with_an_id_is_linked_to_it_offline(seed_store: Path) -> None:
    aliases = _gold_aliases()
    wanted: dict[str, str] = {}
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        for key in ("persons", "places", "organizations", "authors", "recipients",
                    "intermediaries", "participants"):
            for name in entry.get(key, []):
                qid = aliases.get(name, ("",))[0]
                if qid:
                    wanted[name] = qid
    assert len(wanted) >= 15  # the check is about something
    links = _store_links(seed_store)
    missing = [f"{name} ({qid})" for name, qid in sorted(wanted.items())
               if not any(name in labels and qid in ids for labels, ids in links.values())]
    assert not missing, f"not linked offline: {missing}"


@needs_gold
def test_no_entity_is_linked_to_another_id_than_the_gold_says(seed_store: Path) -> None:
    by_form: dict[str, str] = {}
    for name, (qid, variants) in _gold_aliases().items():
        for form in (name, *variants):
            if qid:
                by_form.setdefault(match_key(form), qid)
    checked = 0
    for iri, (labels, ids) in _store_links(seed_store).items():
        expected = {by_form[match_key(label)] for label in labels if match_key(label) in by_form}
        if expected and ids:
            checked += 1
            assert ids <= expected, f"{iri} {sorted(labels)}: linked to {ids}, gold {expected}"
    assert checked >= 15


def test_exports_carry_the_same_as_links(store: Path, server: ReplayServer,
                                         tmp_path: Path) -> None:
    link_store(KnowledgeGraph(store), online=True, client=make_client(server, tmp_path / "c"))
    reader = KnowledgeGraph(store).reader()
    expected = {(entity(store, "person/person-albert-einstein"), WD + "Q937"),  # online
                (entity(store, "person/joseph-stalin"), WD + "Q855"),  # authority
                (entity(store, "place/beijing"), WD + "Q956")}
    for fmt, rdf_format in (("turtle", ox.RdfFormat.TURTLE), ("jsonld", ox.RdfFormat.JSON_LD)):
        out = io.BytesIO()
        export(reader, fmt, out)
        same_as = {(q.subject.value, q.object.value)
                   for q in ox.parse(out.getvalue(), format=rdf_format)
                   if q.predicate.value == "http://www.w3.org/2002/07/owl#sameAs"}
        assert expected <= same_as, fmt
    # and JSON-LD keeps them in the graph that says where they come from
    out = io.BytesIO()
    export(reader, "jsonld", out)
    graphs = {g["@id"]: g["@graph"] for g in json.loads(out.getvalue())["@graph"] if "@graph" in g}
    online = graphs[KnowledgeGraph(store).iris.online_links_graph().value]
    node = next(n for n in online if n["@id"].endswith("/person/person-albert-einstein"))
    assert {"@id": WD + "Q937"} in node["owl:sameAs"]
