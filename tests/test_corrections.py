"""A historian's corrections (`kg.resolve.corrections`): the file, `apply_to_entry`, the
curated graph (`kg.rdf.corrections`, written by `kg.store.corrections`), and corrections
surviving re-ingest and rebuild in a real store.

``fixtures/corrections/historian.jsonl`` corrects the seed pages and
``fixtures/corrections/constructed-listing.txt``, a constructed listing (test input, not an
archive page) with two entries the resolver gets wrong on purpose: a German transliteration it
cannot resolve ("Tschou En-lai") and a bare "Kuznetsov" it reads as Stalin's cover name.
"""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SAMPLE

from kg import api
from kg.api import KnowledgeGraph
from kg.core.identity import document_key
from kg.core.model import Entry
from kg.rdf import mapping
from kg.rdf.corrections import correction_quads, prune_overridden_links
from kg.rdf.mapping import Iris, authority_quads
from kg.rdf.namespace import PREFIXES
from kg.resolve.corrections import (
    SCHEMA_FILE,
    AcceptLink,
    Corrections,
    CorrectionsError,
    EntityRef,
    Origin,
    RejectLink,
    append_corrections,
    apply_to_entry,
    authority_lookup,
    load_corrections,
    parse_correction,
    to_json,
)
from kg.sources import read_inputs
from kg.store.corrections import store_corrections
from kg.validate import validate_store

SEEDS = sorted(SAMPLE.glob("*.txt"))  # the seed pages, bundled in data/sample
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "corrections"
HISTORIAN = FIXTURES / "historian.jsonl"
EARLIER = FIXTURES / "earlier-version.jsonl"  # every kind of line, as earlier versions wrote
CONSTRUCTED = FIXTURES / "constructed-listing.txt"
WD = "http://www.wikidata.org/entity/"
BASE = "http://127.0.0.1:8000/"

needs_seeds = pytest.mark.skipif(not SEEDS, reason="seed pages not available")
TELEGRAM_3231 = "Ciphered Telegram No. 3231, Filippov [Stalin] to Soviet Ambassador Roshchin"
TELEGRAM_JULY_13 = ("Ciphered telegram, Filippov [Stalin] to Zhou Enlai or Mao Zedong "
                    "(via Roshchin)")


# -- entries, extracted once ------------------------------------------------------------------


@pytest.fixture(scope="module")
def extractor():
    from kg.resolve.entry import Extractor

    return Extractor()


@pytest.fixture(scope="module")
def entries(extractor) -> dict[str, tuple[str, Entry]]:
    """Title -> (document key, entry) for the constructed listing and the seed pages."""
    paths = [str(CONSTRUCTED), *(str(p) for p in SEEDS)]
    records = [r for _, result in read_inputs(paths) for r in result.records]
    return {e.record.title: (document_key(e.record), e)
            for e in extractor.extract(records)}


@pytest.fixture(scope="module")
def historian() -> Corrections:
    return load_corrections(HISTORIAN)


def correct(entries, title: str, corrections: Corrections, extractor) -> Entry:
    key, entry = entries[title]
    return apply_to_entry(entry, key, corrections,
                          lookup=authority_lookup(extractor.resolver))


def keys(entities) -> list[str]:
    return [e.key for e in entities]


def one(op: dict, line: int = 1) -> Corrections:
    return Corrections((parse_correction(op, Origin("test.jsonl", line)),), "test.jsonl")


# -- apply_to_entry ---------------------------------------------------------------------------


def test_merge_repoints_every_reference(entries, historian, extractor) -> None:
    title = "Letter from Tschou En-lai to Walter Ulbricht"
    before = entries[title][1]
    assert keys(before.authors) == ["person-tschou-en-lai"]  # what the resolver made of it
    after = correct(entries, title, historian, extractor)
    assert keys(after.authors) == ["zhou-enlai"]
    zhou = after.authors[0]
    assert zhou.resolved and zhou.label == "Zhou Enlai"  # the authority entity, via lookup
    tschou = [lk for lk in after.links if lk.mention.text == "Tschou En-lai"]
    assert tschou and all(lk.entity == zhou and lk.method == "curated-merge" for lk in tschou)
    assert "person-tschou-en-lai" not in {e.key for lk in after.links for e in [lk.entity]}


def test_split_applies_to_the_named_document_only(entries, historian, extractor) -> None:
    memo = correct(entries, "Memorandum from Kuznetsov to Molotov", historian, extractor)
    assert keys(memo.authors) == ["fyodor-kuznetsov"]
    kuznetsov = [lk for lk in memo.links if lk.mention.text == "Kuznetsov"]
    assert len(kuznetsov) == 2  # title and summary
    assert all(lk.entity.key == "fyodor-kuznetsov" and lk.method == "curated"
               and lk.score == 1.0 for lk in kuznetsov)
    assert "joseph-stalin" not in {lk.entity.key for lk in memo.links}
    if SEEDS:  # "Stalin [Kuznetsov]" in the seed cable keeps its reading
        cable = correct(entries, "Cable, Stalin [Kuznetsov] to Mao Zedong [via Terebin]",
                        historian, extractor)
        assert keys(cable.authors) == ["joseph-stalin"]
        assert ("Kuznetsov", "joseph-stalin") in {(w, e.key) for w, e in cable.aliases}


@needs_seeds
def test_remove_mention_by_title_and_date(entries, historian, extractor) -> None:
    before = entries[TELEGRAM_JULY_13][1]
    assert "north-korea" in keys(before.entities("place"))
    after = correct(entries, TELEGRAM_JULY_13, historian, extractor)
    assert "North Korean" not in {lk.mention.text for lk in after.links}
    assert "north-korea" not in keys(after.entities("place"))
    assert keys(after.recipients) == keys(before.recipients)  # nothing else touched


@needs_seeds
def test_fix_role_relabels_and_places_the_post(entries, historian, extractor) -> None:
    before = entries[TELEGRAM_3231][1]
    assert ("nikolai-roshchin", "Soviet Ambassador") in {(c.person.key, c.label)
                                                        for c in before.roles}
    after = correct(entries, TELEGRAM_3231, historian, extractor)
    roles = [(c.person.key, c.label, c.head, c.place.key if c.place else None, c.method)
             for c in after.roles]
    assert ("nikolai-roshchin", "Soviet Ambassador to China", "ambassador", "china",
            "curated") in roles
    assert "Soviet Ambassador" not in {c.label for c in after.roles}


def test_remove_mention_takes_orphaned_entities_out_of_roles(entries, extractor) -> None:
    title = "Letter from Tschou En-lai to Walter Ulbricht"
    key, entry = entries[title]
    fixed = apply_to_entry(entry, key, one({"op": "remove-mention", "document": key,
                                           "text": "walter ulbricht"}))
    assert fixed.recipients == []
    assert "walter-ulbricht" not in {lk.entity.key for lk in fixed.links}
    # by field: only the summary mention goes, the title still names him
    fixed = apply_to_entry(entry, key, one({"op": "remove-mention", "document": key,
                                           "text": "Walter Ulbricht", "field": "summary"}))
    assert keys(fixed.recipients) == ["walter-ulbricht"]


def test_fix_role_can_add_and_delete(entries, extractor) -> None:
    title = "Memorandum from Kuznetsov to Molotov"
    key, entry = entries[title]
    add = one({"op": "fix-role", "document": key, "person": "person/vyacheslav-molotov",
               "new_label": "Minister of Foreign Affairs", "new_head": "minister"})
    added = apply_to_entry(entry, key, add, lookup=authority_lookup(extractor.resolver))
    assert [(c.person.key, c.label, c.method) for c in added.roles] == [
        ("vyacheslav-molotov", "Minister of Foreign Affairs", "curated")]
    delete = one({"op": "fix-role", "document": key, "person": "person/vyacheslav-molotov",
                  "head": "minister", "delete": True})
    assert apply_to_entry(added, key, delete).roles == []


def test_apply_returns_a_copy_and_applying_twice_changes_nothing(entries, historian,
                                                                 extractor) -> None:
    lookup = authority_lookup(extractor.resolver)
    changed = 0
    for key, entry in entries.values():
        snapshot = copy.deepcopy(entry)
        once = apply_to_entry(entry, key, historian, lookup=lookup)
        assert entry == snapshot  # the input is not touched
        assert apply_to_entry(once, key, historian, lookup=lookup) == once
        changed += once != entry
    assert changed >= (4 if SEEDS else 2)


def test_corrections_for_another_document_do_nothing(entries, historian, extractor) -> None:
    key, entry = entries["Memorandum from Kuznetsov to Molotov"]
    other = apply_to_entry(entry, "another-key", one({"op": "split", "document": key,
                                                      "text": "Kuznetsov",
                                                      "entity": "person/fyodor-kuznetsov"}))
    assert other == entry


# -- the corrections graph --------------------------------------------------------------------


def test_curated_links_and_merges_as_quads() -> None:
    corrections = Corrections(tuple(
        parse_correction(op, Origin("corrections.jsonl", n)) for n, op in enumerate([
            {"op": "accept", "entity": "person/zhou-enlai", "wikidata": "Q123"},
            {"op": "reject", "entity": "person/zhou-enlai", "wikidata": "Q456"},
            {"op": "reject", "entity": "person/zhou-enlai", "wikidata": "Q123"},  # wins
            {"op": "accept", "entity": "place/korea", "wikidata": "Q18097", "note": "why"},
            {"op": "merge", "entity": "person/person-tschou-en-lai", "into": "person/zhou-x"},
            {"op": "merge", "entity": "person/zhou-x", "into": "person/zhou-enlai"},
        ], start=1)), "corrections.jsonl")
    iris = Iris(BASE)
    store = ox.Store()
    store.extend(correction_quads(corrections, iris))
    g = iris.corrections_graph()
    assert {q.graph_name for q in store} == {g}

    def ask(q: str) -> bool:
        return bool(store.query(f"ASK {{ GRAPH {g} {{ {q} }} }}", prefixes=PREFIXES))

    assert ask(f"{g} kg:sourceKind 'curated'")
    korea = f"<{BASE}place/korea>"
    assert ask(f"{korea} owl:sameAs wd:Q18097 ; kg:link ?l . ?l a kg:EntityLink ; "
               f"kg:linkTarget wd:Q18097 ; kg:match true ; kg:score 1.0 ; "
               f"kg:linkMethod 'curated' ; kg:evidence 'why' ; kg:feature ?f . "
               f"?f kg:featureId 'verified_by' ; kg:featureValue 'curator (corrections.jsonl "
               f"line 4)'")
    zhou = f"<{BASE}person/zhou-enlai>"
    assert not ask(f"{zhou} owl:sameAs ?w")  # accepted, then rejected: the last line wins
    for qid in ("Q123", "Q456"):
        assert ask(f"{zhou} kg:link ?l . ?l kg:linkTarget wd:{qid} ; kg:match false")
    # a chain of merges ends at the last entity; the old IRIs keep working
    assert ask(f"<{BASE}person/person-tschou-en-lai> owl:sameAs {zhou}")
    assert ask(f"<{BASE}person/zhou-x> owl:sameAs {zhou}")


def test_prune_drops_rejected_and_overridden_same_as(extractor) -> None:
    iris = Iris(BASE)
    authority = extractor.resolver.authority
    quads = authority_quads(authority, {("person", "joseph-stalin"),
                                        ("organization", "bolshoi-theatre")}, iris)
    corrections = Corrections((
        RejectLink(EntityRef("organization", "bolshoi-theatre"), "Q138908",
                   Origin("c.jsonl", 3)),
        AcceptLink(EntityRef("person", "joseph-stalin"), "Q1", Origin("c.jsonl", 4)),
    ), "c.jsonl")
    pruned = prune_overridden_links(quads, corrections, iris)
    store = ox.Store()
    store.extend(pruned)
    for entity, qid, verb in (("organization/bolshoi-theatre", "Q138908", "rejected"),
                              ("person/joseph-stalin", "Q855", "overridden")):
        e = f"<{BASE}{entity}>"
        assert not store.query(f"ASK {{ GRAPH ?g {{ {e} owl:sameAs ?w }} }}",
                               prefixes=PREFIXES)
        assert store.query(f"ASK {{ GRAPH ?g {{ {e} kg:link ?l . ?l kg:linkTarget wd:{qid} ; "
                           f"kg:match false ; kg:evidence ?why . FILTER NOT EXISTS {{ ?l "
                           f"kg:match true }} FILTER(STRSTARTS(?why, '{verb} by a curator')) }} }}",
                           prefixes=PREFIXES)
    assert len(pruned) == len(quads)  # one sameAs out and one evidence in, per entity
    assert prune_overridden_links(quads, Corrections(), iris) == quads


# -- in the store, across re-ingest and rebuild -----------------------------------------------

_MAP_ENTRY, _CONTENT_HASH = mapping.map_entry, mapping.content_hash
_WRITE_AUTHORITY = api.KnowledgeGraph.refresh_authority


def integrate(monkeypatch: pytest.MonkeyPatch, corrections: Corrections
              ) -> Callable[[Path], KnowledgeGraph]:
    """A KnowledgeGraph factory whose ingest and rebuild apply `corrections`.

    Once kg/api.py takes ``KnowledgeGraph(store, corrections=...)`` this is the real thing.
    Until then it stands in for that integration: corrections applied before mapping, their
    fingerprint in the content hash, and the corrections graph written (and overridden links
    pruned) after the authority graph.
    """
    if "corrections" in inspect.signature(KnowledgeGraph.__init__).parameters:
        return lambda store: KnowledgeGraph(store, corrections=corrections)  # type: ignore

    def content_hash(record, fingerprint: str) -> str:
        return _CONTENT_HASH(record, fingerprint
                             + corrections.fingerprint_for(document_key(record), record))

    def map_entry(entry, doc_key, iris, fingerprint, versions):
        from kg.core.authority import DATA_DIR
        from kg.core.gazetteer import gazetteer_for

        lookup = authority_lookup(gazetteer_for(str(DATA_DIR)))
        fp = fingerprint + corrections.fingerprint_for(doc_key, entry.record)
        return _MAP_ENTRY(apply_to_entry(entry, doc_key, corrections, lookup=lookup), doc_key,
                          iris, fp, versions)

    def write_authority(self, store, *args, **kwargs) -> None:
        _WRITE_AUTHORITY(self, store, *args, **kwargs)
        store_corrections(store, corrections, self.iris)

    monkeypatch.setattr(api, "content_hash", content_hash)
    monkeypatch.setattr(api, "map_entry", map_entry)
    monkeypatch.setattr(api.KnowledgeGraph, "refresh_authority", write_authority)
    return KnowledgeGraph


@pytest.fixture(autouse=True)
def _no_default_corrections(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Ingests without explicit corrections must not pick up a corrections.jsonl lying around."""
    monkeypatch.setenv("KG_CORRECTIONS", str(tmp_path / "no-corrections.jsonl"))


def state(kg: KnowledgeGraph) -> dict[str, bool]:
    """The facts the historian's corrections change, as the store answers them."""

    def ask(q: str) -> bool:
        return bool(kg.query(f"ASK {{ {q} }}"))

    doc = "?d dcterms:title {title!r} "
    return {
        "bolshoi linked": ask(f"<{BASE}organization/bolshoi-theatre> owl:sameAs wd:Q138908"),
        "north korea named": ask(doc.format(title=TELEGRAM_JULY_13)
                                 + f"; kg:spatial <{BASE}place/north-korea>"),
        "north korean mention": ask(doc.format(title=TELEGRAM_JULY_13) + ". ?m kg:inDocument "
                                    "?d ; kg:text 'North Korean'"),
        "3231 soviet ambassador": ask(doc.format(title=TELEGRAM_3231) + ". ?r kg:attestedBy ?d "
                                      "; rdfs:label 'Soviet Ambassador'"),
        "3231 ambassador to china": ask(
            doc.format(title=TELEGRAM_3231) + f". ?r kg:attestedBy ?d ; kg:holder "
            f"<{BASE}person/nikolai-roshchin> ; rdfs:label 'Soviet Ambassador to China' ; "
            f"kg:roleTo <{BASE}place/china>"),
        "tschou author": ask(f"?d kg:author <{BASE}person/person-tschou-en-lai>"),
        "zhou wrote to ulbricht": ask(f"?d kg:author <{BASE}person/zhou-enlai> ; kg:recipient "
                                      f"<{BASE}person/walter-ulbricht>"),
        "stalin wrote the memo": ask("?d dcterms:title 'Memorandum from Kuznetsov to Molotov' ; "
                                     f"kg:author <{BASE}person/joseph-stalin>"),
        "kuznetsov wrote the memo": ask("?d dcterms:title 'Memorandum from Kuznetsov to "
                                        f"Molotov' ; kg:author <{BASE}person/fyodor-kuznetsov>"),
    }


UNCORRECTED = {"bolshoi linked": True, "north korea named": True, "north korean mention": True,
               "3231 soviet ambassador": True, "3231 ambassador to china": False,
               "tschou author": True, "zhou wrote to ulbricht": False,
               "stalin wrote the memo": True, "kuznetsov wrote the memo": False}
CORRECTED = {k: not v for k, v in UNCORRECTED.items()}


def dump(kg: KnowledgeGraph) -> set[ox.Quad]:
    return set(kg.reader())


@needs_seeds
def test_corrections_survive_reingest_and_rebuild(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [*(str(p) for p in SEEDS), str(CONSTRUCTED)]
    store = tmp_path / "store"
    first = KnowledgeGraph(store).ingest(paths)
    assert first.ok
    assert state(KnowledgeGraph(store)) == UNCORRECTED  # the errors are really there

    corrections = load_corrections(HISTORIAN)
    kg = integrate(monkeypatch, corrections)(store)
    again = kg.ingest(paths)  # unchanged input: the corrections' fingerprint re-maps it
    assert again.updated == again.documents and again.unchanged == 0
    assert state(kg) == CORRECTED
    g = kg.iris.corrections_graph()
    assert kg.query(f"ASK {{ GRAPH {g} {{ <{BASE}organization/bolshoi-theatre> kg:link ?l . "
                    f"?l kg:linkTarget wd:Q138908 ; kg:match false ; kg:linkMethod 'curated' }} }}")
    assert kg.query(f"ASK {{ GRAPH {g} {{ <{BASE}person/person-tschou-en-lai> owl:sameAs "
                    f"<{BASE}person/zhou-enlai> }} }}")
    # the mention re-pointed by the split says a curator did it
    assert kg.query("ASK { ?m kg:text 'Kuznetsov' ; kg:linkMethod 'curated' ; "
                    f"kg:mentionOf <{BASE}person/fyodor-kuznetsov> }}")
    corrected = dump(kg)

    third = kg.ingest(paths)  # nothing new: nothing re-mapped, nothing drifts
    assert third.unchanged == third.documents
    assert state(kg) == CORRECTED and dump(kg) == corrected

    rebuilt = kg.rebuild()  # re-extracts every raw record: corrections applied again
    assert rebuilt.entries == first.entries
    assert state(kg) == CORRECTED and dump(kg) == corrected
    report = validate_store(kg.reader())  # curated statements fit the shapes
    assert report.conforms, report.text


@needs_seeds
def test_removing_a_correction_restores_the_machine_reading(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    paths = [str(CONSTRUCTED)]
    store = tmp_path / "store"
    integrate(monkeypatch, load_corrections(HISTORIAN))(store).ingest(paths)
    assert state(KnowledgeGraph(store))["zhou wrote to ulbricht"]
    without_merge = Corrections(tuple(c for c in load_corrections(HISTORIAN).items
                                      if type(c).__name__ != "Merge"), str(HISTORIAN))
    monkeypatch.undo()  # back to the unpatched pipeline before patching it again
    monkeypatch.setenv("KG_CORRECTIONS", str(tmp_path / "no-corrections.jsonl"))
    report = integrate(monkeypatch, without_merge)(store).ingest(paths)
    assert report.updated == 2  # merges touch every document's fingerprint
    facts = state(KnowledgeGraph(store))
    assert facts["tschou author"] and not facts["zhou wrote to ulbricht"]
    assert facts["kuznetsov wrote the memo"]  # the split stays


# -- the file ---------------------------------------------------------------------------------


def test_read_write_round_trip(tmp_path: Path, historian: Corrections) -> None:
    assert len(historian) == 5
    path = tmp_path / "copy.jsonl"
    path.write_text('{"op": "merge", "entity": "place/a", "into": "place/b"}')  # no newline
    append_corrections(path, historian.items)
    again = load_corrections(path)
    assert [to_json(c) for c in again.items[1:]] == [to_json(c) for c in historian.items]
    assert [c.origin.line for c in again.items] == [1, 2, 3, 4, 5, 6]
    assert json.loads(path.read_text().splitlines()[1])["op"] == "reject"


def test_a_missing_file_is_an_error_unless_allowed(tmp_path: Path) -> None:
    missing = tmp_path / "none.jsonl"
    with pytest.raises(CorrectionsError, match="no such corrections file"):
        load_corrections(missing)
    assert len(load_corrections(missing, missing_ok=True)) == 0


MALFORMED: list[tuple[str, int, str]] = [
    ('{"op": "reject", "entity": "person/x", "wikidata": "Q1"', 1, "not valid JSON"),
    ('["reject", "person/x", "Q1"]', 1, "expected a JSON object"),
    ('{"op": "unlink", "entity": "person/x"}', 1, "unknown or missing \"op\""),
    ('{"entity": "person/x", "wikidata": "Q1"}', 1, "unknown or missing \"op\""),
    ('{"op": "accept", "entity": "person/x"}', 1, "missing 'wikidata'"),
    ('{"op": "accept", "entity": "person/x", "wikidata": "855"}', 1, "item id such as Q855"),
    ('{"op": "accept", "entity": "joseph-stalin", "wikidata": "Q855"}', 1, "kind/key"),
    ('{"op": "accept", "entity": "person/Joseph Stalin", "wikidata": "Q855"}', 1, "slug"),
    ('{"op": "reject", "entity": "person/x", "wikidata": "Q1", "qid": "Q2"}', 1,
     "unknown field(s) 'qid'"),
    ('{"op": "remove-mention", "text": "Sino"}', 1, "name the document"),
    ('{"op": "remove-mention", "document": "h1", "text": "Sino", "field": "body"}', 1,
     "'field' must be one of"),
    ('{"op": "fix-role", "document": "h1", "person": "person/x"}', 1, "say what to change"),
    ('{"op": "fix-role", "document": "h1", "person": "person/x", "delete": "yes"}', 1,
     "'delete' must be true or false"),
    ('{"op": "promote", "entity": "person/joseph-stalin"}', 1, "not an unresolved name"),
    ('{"op": "promote", "entity": "person/person-x", "label": "X"}', 1,
     "unknown field(s) 'label'"),
    ('{"op": "promote"}', 1, "missing 'entity'"),
    ('{"op": "merge", "entity": "person/x", "into": "person/x"}', 1, "into itself"),
    ('{"op": "merge", "entity": "person/x", "into": "place/x"}', 1, "different kinds"),
    ('{"op": "merge", "entity": "person/a", "into": "person/b"}\n'
     '# a comment\n\n'
     '{"op": "merge", "entity": "person/b", "into": "person/a"}', 4, "cycle of merges"),
    ('{"op": "accept", "entity": "person/x", "wikidata": "Q1"}\n'
     '{"op": "split", "document": "h1", "text": 3, "entity": "person/x"}', 2,
     "'text' must be a string"),
]


@pytest.mark.parametrize(("text", "line", "message"), MALFORMED,
                         ids=[m[2].split()[0] + f"-{i}" for i, m in enumerate(MALFORMED)])
def test_a_malformed_file_names_file_and_line(tmp_path: Path, text: str, line: int,
                                              message: str) -> None:
    path = tmp_path / "corrections.jsonl"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(CorrectionsError) as caught:
        load_corrections(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert message in str(caught.value)


def test_a_file_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "corrections.jsonl"
    path.write_bytes(b'{"op": "reject", "entity": "person/x", "note": "\xff"}\n')
    with pytest.raises(CorrectionsError, match="not UTF-8"):
        load_corrections(path)


def test_document_selector_accepts_the_date_as_written_or_iso(entries) -> None:
    title = "Memorandum from Kuznetsov to Molotov"
    key, entry = entries[title]
    for date_text in ("October 2, 1946", "1946-10-02", " october  2, 1946 "):
        c = one({"op": "remove-mention", "title": title.upper(), "date": date_text,
                 "text": "GRU"})
        assert c.for_document(key, entry.record, entry.date), date_text
    c = one({"op": "remove-mention", "title": title, "date": "1946-10-03", "text": "GRU"})
    assert not c.for_document(key, entry.record, entry.date)


# -- files written by earlier versions, and the schema ----------------------------------------

# What `load_corrections` makes of EARLIER, as `to_json` writes it back: ids and entities
# normalised, null and empty optional fields dropped, everything else as the curator wrote it.
EARLIER_READ = [
    {"op": "accept", "entity": "person/andrei-gromyko", "wikidata": "Q150851",
     "note": "kg link --accept"},
    {"op": "accept", "entity": "place/korea", "wikidata": "Q18097"},
    {"op": "reject", "entity": "place/manchuria", "wikidata": "Q3589", "note": "a film"},
    {"op": "reject", "entity": "organization/bolshoi-theatre", "wikidata": "Q138908"},
    {"op": "remove-mention", "document": "h1304855593b5e5ff", "text": "North Korean"},
    {"op": "remove-mention", "title": TELEGRAM_JULY_13, "date": "July 13, 1950",
     "text": "North Korean", "field": "summary", "note": "an adjective"},
    {"op": "remove-mention", "document": "hb4b897aae8cad265", "text": "GRU"},
    {"op": "fix-role", "title": TELEGRAM_3231, "date": "1950-07-08",
     "person": "person/nikolai-roshchin", "label": "Soviet Ambassador",
     "new_label": "Soviet Ambassador to China", "place": "place/china"},
    {"op": "fix-role", "document": "h1", "person": "person/zhou-enlai", "head": "premier",
     "delete": True, "note": "not a post the document attests"},
    {"op": "fix-role", "document": "h1", "person": "person/vyacheslav-molotov",
     "new_label": "Minister of Foreign Affairs", "new_head": "minister",
     "organization": "organization/soviet-union"},
    {"op": "fix-role", "document": "h2", "person": "person/vyacheslav-molotov",
     "organization": "organization/soviet-union"},
    {"op": "merge", "entity": "person/person-tschou-en-lai", "into": "person/zhou-enlai",
     "note": "German transliteration of Zhou Enlai"},
    {"op": "merge", "entity": "person/person-x", "into": "person/person-y", "label": "Y"},
    {"op": "split", "title": "Memorandum from Kuznetsov to Molotov", "date": "October 2, 1946",
     "text": "Kuznetsov", "entity": "person/fyodor-kuznetsov"},
    {"op": "split", "document": "h2", "text": "Kuznetsov",
     "entity": "person/person-kuznetsov-junior", "field": "title", "label": "Kuznetsov junior"},
    {"op": "promote", "entity": "person/person-stark",
     "note": "the banker, named in the full text only"},
]


def test_a_file_written_by_an_earlier_version_still_loads(tmp_path: Path) -> None:
    earlier = load_corrections(EARLIER)
    assert [to_json(c) for c in earlier.items] == EARLIER_READ
    assert {type(c).__name__ for c in earlier.items} == {
        "AcceptLink", "RejectLink", "RemoveMention", "FixRole", "Merge", "Split", "Promote"}
    assert [c.origin.line for c in earlier.items][:2] == [5, 6]  # after comments and a blank
    # what this version writes, it reads back the same
    again = tmp_path / "again.jsonl"
    append_corrections(again, earlier.items)
    assert [to_json(c) for c in load_corrections(again).items] == EARLIER_READ


def test_the_schema_accepts_every_line_kg_writes_or_read_before() -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    for path in (EARLIER, HISTORIAN):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip() and not line.startswith("#"):
                errors = [e.message for e in validator.iter_errors(json.loads(line))]
                assert not errors, f"{path.name}:{number}: {errors}"
    # the reader takes the branch the schema's "if op is X then $defs/X" would take
    ops = schema["properties"]["op"]["enum"]
    assert [(b["if"]["$ref"], b["then"]["$ref"]) for b in schema["allOf"]] == [
        (f"#/$defs/isOp/{op}", f"#/$defs/{op}") for op in ops]
    assert all(schema["$defs"]["isOp"][op]["properties"]["op"]["const"] == op for op in ops)
    # and refuses what the reader refuses
    assert not validator.is_valid({"op": "accept", "entity": "person/x", "wikidata": "855"})
    assert not validator.is_valid({"op": "remove-mention", "text": "Sino"})
