"""Roles in time and full-text index hygiene, on the sample records (data/sample).

Posts: each document graph states its role attestations; the summary graph merges them into
one post per person, head word, body and place, with its wordings, tenure and evidence, and
the authority file's posts stand beside them. Candidates: a name only the statistical model
found, only in a full text, that nothing corroborates, keeps its mention but gets no entity;
several documents, or a curator's promote correction, make it one.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import SAMPLE

from kg.api import KnowledgeGraph
from kg.core.authority import load_authority
from kg.rdf.candidates import MIN_DOCUMENTS
from kg.rdf.posts import Attestation, merge
from kg.validate import validate_store

ENTITY_CLASSES = "VALUES ?class { kg:Person kg:Place kg:Organization }"


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hygiene") / "store"
    report = KnowledgeGraph(path).ingest(sorted(str(p) for p in SAMPLE.iterdir()))
    assert report.ok, report.errors
    return path


def rows(kg: KnowledgeGraph, query: str) -> list[tuple[str | None, ...]]:
    return [tuple(t.value if t is not None else None for t in r) for r in kg.query(query)]


def summary_iri(kg: KnowledgeGraph) -> str:
    return kg.iris.summary_graph().value


# ------------------------------------------------------------------ candidates


def candidate_mentions(kg: KnowledgeGraph) -> dict[str, set[str]]:
    """Entity IRI -> the documents of its candidate mentions."""
    out: dict[str, set[str]] = defaultdict(set)
    for e, doc in rows(kg, "SELECT ?e ?doc WHERE { ?m a kg:CandidateMention ; kg:mentionOf ?e ;"
                          " kg:inDocument ?doc }"):
        out[e].add(doc)
    return out


def described_outside_summary(kg: KnowledgeGraph, iri: str) -> bool:
    return bool(kg.query(f"ASK {{ GRAPH ?g {{ <{iri}> a ?class }} {ENTITY_CLASSES} "
                         f"FILTER(?g != <{summary_iri(kg)}>) }}"))


def test_uncorroborated_full_text_names_get_no_entity_but_keep_their_mentions(sample_store):
    kg = KnowledgeGraph(sample_store)
    candidates = candidate_mentions(kg)
    assert candidates, "the sample's full texts should give model-only names"
    # every candidate mention is kept whole: its text, how sure the model was and how
    for text, confidence, method, field, link in rows(kg, """
            SELECT ?text ?confidence ?method ?field ?link WHERE {
              ?m a kg:CandidateMention ; kg:text ?text ; kg:confidence ?confidence ;
                 kg:method/rdfs:label ?method ; kg:field ?field ; kg:linkMethod ?link }"""):
        assert text and float(confidence) < 1
        assert (method, field, link) == ("ner", "full_text", "unresolved")
    alone = {e for e, docs in candidates.items()
             if len(docs) < MIN_DOCUMENTS and not described_outside_summary(kg, e)}
    assert alone, "some names should stand on one document only"
    for e in alone:
        # no type, no label, no document pointing at it: no entity, no page, no list entry
        assert not kg.query(f"ASK {{ <{e}> a ?c }}"), e
        assert not kg.query(f"ASK {{ <{e}> rdfs:label|skos:altLabel ?l }}"), e
        assert not kg.query(f"ASK {{ ?doc a kg:Document ; ?p <{e}> }}"), e


def test_several_documents_corroborate_a_name(sample_store):
    kg = KnowledgeGraph(sample_store)
    candidates = candidate_mentions(kg)
    minted = {e for e, in rows(kg, f"SELECT ?e WHERE {{ GRAPH <{summary_iri(kg)}> {{ ?e a ?class ;"
                                  f" rdfs:label ?l }} {ENTITY_CLASSES} }}")}
    expected = {e for e, docs in candidates.items()
                if len(docs) >= MIN_DOCUMENTS and not described_outside_summary(kg, e)}
    assert minted == expected
    for e in minted:
        linked = {d for d, in rows(kg, f"SELECT ?d WHERE {{ ?d kg:mentionsInText <{e}> }}")}
        assert linked == candidates[e]


def test_entity_lists_leave_out_uncorroborated_names(sample_store, tmp_path):
    from kg.store.index import Index

    kg = KnowledgeGraph(sample_store)
    index = Index.open(sample_store)  # what the server's lists read
    listed = {e.iri for kind in ("person", "place", "organization")
              for e in index.entities(kind, page_size=1000, with_documents=False).items}
    candidates = candidate_mentions(kg)
    for e, docs in candidates.items():
        corroborated = len(docs) >= MIN_DOCUMENTS or described_outside_summary(kg, e)
        assert (e in listed) == corroborated, e


def test_a_promote_correction_makes_a_candidate_an_entity(sample_store, tmp_path):
    store = Path(shutil.copytree(sample_store, tmp_path / "store"))
    kg = KnowledgeGraph(store)
    alone = sorted(e for e, docs in candidate_mentions(kg).items()
                   if len(docs) == 1 and not described_outside_summary(kg, e))
    target = alone[0]
    ref = target[len(kg.base):]
    corrections = tmp_path / "corrections.jsonl"
    corrections.write_text(f'{{"op": "promote", "entity": "{ref}", "note": "a real name"}}\n',
                           encoding="utf-8")
    promoted = KnowledgeGraph(store, corrections=corrections)
    report = promoted.ingest(sorted(str(p) for p in SAMPLE.iterdir()))
    assert report.ok, report.errors
    # only the documents whose full text may spell the name are mapped again
    assert 1 <= report.updated < report.entries
    assert promoted.query(f"ASK {{ <{target}> a ?class ; rdfs:label ?l {ENTITY_CLASSES} }}")
    assert promoted.query(f"ASK {{ ?doc kg:mentionsInText <{target}> }}")
    assert promoted.query(f"ASK {{ <{target}> kg:evidence ?why FILTER(CONTAINS(?why, "
                          f"\"promoted by a curator\")) }}")
    # the mention says a curator decided, and keeps how the model found it
    assert set(rows(promoted, f"SELECT ?method ?link WHERE {{ ?m kg:mentionOf <{target}> ;"
                              f" kg:method/rdfs:label ?method ; kg:linkMethod ?link }}")) == {
        ("ner", "curated-promote")}
    assert validate_store(promoted.reader()).conforms


# ------------------------------------------------------------------ posts


def test_one_post_per_person_and_post_with_its_wordings_tenure_and_evidence(sample_store):
    kg = KnowledgeGraph(sample_store)
    attestations = rows(kg, """SELECT ?a ?doc ?label ?earliest ?latest WHERE {
        ?a a kg:RoleAttestation ; kg:attestedBy ?doc ; rdfs:label ?label .
        OPTIONAL { ?a kg:earliestDate ?earliest } OPTIONAL { ?a kg:latestDate ?latest } }""")
    assert attestations
    by_node = {a: (doc, label, first, last) for a, doc, label, first, last in attestations}
    posts = rows(kg, """SELECT ?post ?a WHERE { ?post a kg:Role ; kg:sourceKind "attested" ;
                        kg:attestation ?a }""")
    counted = defaultdict(list)
    for post, a in posts:
        counted[a].append(post)
    # every attestation counts for exactly one post
    assert set(counted) == set(by_node) and all(len(p) == 1 for p in counted.values())
    members = defaultdict(list)
    for post, a in posts:
        members[post].append(by_node[a])
    # merging happened: fewer posts than (person, wording) pairs
    wordings = rows(kg, "SELECT DISTINCT ?h ?l WHERE { ?a a kg:RoleAttestation ; kg:holder ?h ;"
                        " rdfs:label ?l }")
    assert len(members) < len(wordings)
    for post, atts in members.items():
        (count, first, last), = rows(kg, f"""SELECT ?n ?first ?last WHERE {{
            <{post}> kg:documentCount ?n OPTIONAL {{ <{post}> kg:firstDate ?first }}
            OPTIONAL {{ <{post}> kg:lastDate ?last }} }}""")
        assert int(count) == len({doc for doc, *_ in atts})
        assert first == min((e for _, _, e, _ in atts if e), default=None)
        assert last == max((x for *_, x in atts if x), default=None)
        labels = {x for x, in rows(kg, f"SELECT ?x WHERE {{ <{post}> rdfs:label|skos:altLabel"
                                       f" ?x }}")}
        assert labels == {label for _, label, _, _ in atts}


def test_the_authority_posts_stand_beside_the_attested_ones(sample_store):
    kg = KnowledgeGraph(sample_store)
    authority = load_authority()
    people = {e[len(kg.base) + len("person/"):] for e, in rows(
        kg, "SELECT DISTINCT ?p WHERE { GRAPH ?g { ?p a kg:Person ; kg:authorityId ?id } }")}
    with_posts = {k for k in people if authority.entries[k].posts}
    assert with_posts
    for key in with_posts:
        stored = rows(kg, f"SELECT DISTINCT ?post WHERE {{ ?post kg:holder <{kg.base}person/"
                          f"{key}> ; kg:sourceKind \"authority\" ; a kg:Role }}")
        assert len(stored) == len(set(authority.entries[key].posts)), key


def test_old_role_iris_name_the_merged_post(sample_store):
    kg = KnowledgeGraph(sample_store)
    for holder, label, post in rows(kg, """SELECT ?h ?l ?post WHERE { ?post kg:attestation ?a .
            ?a kg:holder ?h ; rdfs:label ?l }"""):
        old = kg.iris.role(holder.rsplit("/", 1)[-1], label).value
        assert kg.query(f"ASK {{ <{old}> owl:sameAs <{post}> }}"), (old, post)


def test_the_sample_store_validates(sample_store):
    report = validate_store(KnowledgeGraph(sample_store).reader())
    assert report.conforms, report.text


def _att(n: int, org: str | None, place: str | None, head: str = "ambassador") -> Attestation:
    return Attestation(f"a{n}", "roshchin", head, f"wording {n}", org, place, f"d{n}",
                       f"1950-0{n}-01", f"1950-0{n}-01")


def test_merge_joins_less_specific_wordings_to_the_one_post_they_fit():
    posts = merge([_att(1, "ussr", "china"), _att(2, "ussr", None), _att(3, None, "china")])
    assert [(p.key, len(p.attestations)) for p in posts] == [(("ussr", "china"), 3)]


def test_merge_does_not_guess_between_two_posts():
    posts = merge([_att(1, "ussr", "china"), _att(2, "ussr", "poland"), _att(3, "ussr", None),
                   _att(4, None, "china"), _att(5, None, None, head="premier")])
    keys = {(p.head, p.key): len(p.attestations) for p in posts}
    assert keys == {("ambassador", ("ussr", "china")): 2, ("ambassador", ("ussr", "poland")): 1,
                    ("ambassador", ("ussr", None)): 1, ("premier", (None, None)): 1}
