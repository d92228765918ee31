"""IRIs keep working: when a rebuild resolves a name to another entity, the IRI the name had
points to the new one (owl:sameAs in graph/entity-identity), unless the old entity still
exists."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from kg.api import KnowledgeGraph

RECORDS = [
    {"record_id": "900001", "original_publication_date": "December 3, 1973",
     "title": "Memorandum for Secretary Kissinger from Richard H. Solomon, 'The Korean Situation'",
     "summary": "Richard H. Solomon reviews the situation in Korea."},
]


def _authority(tmp: Path, name: str, extra_people: str | None) -> Path:
    out = tmp / name
    out.mkdir()
    for f in ("people.tsv", "places.tsv", "organizations.tsv", "topics.tsv"):
        shutil.copy(ROOT / "data" / f, out / f)
    if extra_people is not None:
        (out / "people-hsg.tsv").write_text(extra_people, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("continuity")
    before = _authority(tmp, "before", None)
    after = _authority(tmp, "after", (
        "id\tname\tsame_as\tvariants\tborn\tdied\tposts\tviaf\tsource\n"
        "richard-h-solomon\tRichard H. Solomon\t\tSolomon, Richard H.\t1937\t2017\t\t\t"
        "hsg-people\n"))
    src = tmp / "records.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    store = tmp / "store"
    report = KnowledgeGraph(store, data_dir=before).ingest([str(src)])
    assert report.ok, report.errors
    kg = KnowledgeGraph(store, data_dir=after)
    kg.rebuild()
    return kg


def _ask(kg: KnowledgeGraph, sparql: str) -> bool:
    return bool(kg.query(sparql))


def test_the_name_resolves_to_the_new_entity(rebuilt):
    base = rebuilt.base
    assert _ask(rebuilt, f"ASK {{ ?d kg:author <{base}person/richard-h-solomon> }}")
    assert not _ask(rebuilt, f"ASK {{ GRAPH ?g {{ ?d ?p <{base}person/person-richard-h-solomon> }}"
                             f" FILTER(?g != <{base}graph/entity-identity>) }}")


def test_the_old_iri_points_to_the_new_one(rebuilt):
    base = rebuilt.base
    assert _ask(rebuilt, f"ASK {{ GRAPH <{base}graph/entity-identity> {{ "
                         f"<{base}person/person-richard-h-solomon> owl:sameAs "
                         f"<{base}person/richard-h-solomon> }} }}")


def test_document_identity_graph_is_left_alone(rebuilt):
    base = rebuilt.base
    assert not _ask(rebuilt, f"ASK {{ GRAPH <{base}graph/identity> {{ ?a owl:sameAs ?b "
                             f"FILTER(STRSTARTS(STR(?a), \"{base}person/\")) }} }}")


def test_rebuilding_again_changes_nothing(rebuilt):
    base = rebuilt.base
    rows = f"SELECT ?a ?b WHERE {{ GRAPH <{base}graph/entity-identity> {{ ?a owl:sameAs ?b }} }}"
    first = sorted((r[0].value, r[1].value) for r in rebuilt.query(rows))
    rebuilt.rebuild()
    assert sorted((r[0].value, r[1].value) for r in rebuilt.query(rows)) == first == [
        (f"{base}person/person-richard-h-solomon", f"{base}person/richard-h-solomon")]


def test_an_entity_of_the_authority_is_never_made_an_alias(tmp_path):
    """A name that stops denoting an authority person (a stricter rule) leaves that person an
    entity of their own: no owl:sameAs from it; a gone unresolved name gets one."""
    from kg.core.authority import load_authority
    from kg.store import continuity, writer
    store = tmp_path / "store"
    kg = KnowledgeGraph(store)
    src = tmp_path / "r.jsonl"
    src.write_text(json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    assert kg.ingest([str(src)]).ok
    with writer(store) as w:
        graphs = {q.graph_name for q in w.store.quads_for_pattern(None, None, None, None)
                  if q.graph_name.value.startswith(kg.base + "graph/r900001/")}
        targets = continuity.mention_targets(w.store, graphs)
        assert len(targets) >= 2
        first, second = sorted(targets)[:2]
        # as if these mentions had pointed elsewhere before the re-extraction
        before = {first: f"{kg.base}person/mao-zedong", second: f"{kg.base}person/person-gone"}
        added = continuity.keep_old_iris(w.store, kg.base, before, load_authority())
    assert added == [(f"{kg.base}person/person-gone", targets[second])]
