"""A historian's corrections as RDF: the curated graph, and link decisions applied to others.

`correction_quads` writes the curated statements into ``{base}graph/corrections`` with
"curated" provenance: accepted links (owl:sameAs plus a kg:EntityLink saying a curator
verified it), rejected links (a kg:EntityLink with match false), merges (owl:sameAs from the
old IRI, so it keeps working), promotions and fixed roles (evidence naming the correction).
`prune_overridden_links` applies the link decisions to the quads of another graph (authority,
online links). Pure functions of their inputs; writing to a store is `kg.store.corrections`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePath

import pyoxigraph as ox

from kg.rdf.mapping import Iris, lit
from kg.rdf.namespace import KG, OWL, RDF, WD
from kg.resolve.corrections import (
    AcceptLink,
    Correction,
    Corrections,
    EntityRef,
    FixRole,
    RejectLink,
)

__all__ = ["correction_quads", "prune_overridden_links"]


def _link_node(entity: ox.NamedNode, suffix: str) -> ox.NamedNode:
    return ox.NamedNode(f"{entity.value}#{suffix}")


def correction_quads(corrections: Corrections, iris: Iris) -> list[ox.Quad]:
    """The curated statements, in their own named graph, with "curated" provenance.

    Accepted links: owl:sameAs plus a kg:EntityLink (method "curated", match true, score 1).
    Rejected links: a kg:EntityLink with match false (and no owl:sameAs). Merges: owl:sameAs
    from the merged entity's IRI to the one it became, so the old IRI keeps working. Fixed
    roles: the role's evidence names the correction.
    """
    g = iris.corrections_graph()
    name = PurePath(corrections.path).name
    src = iris.source(f"curated-{_slug(name)}")
    out: list[ox.Quad] = []

    def add(s, p, o) -> None:
        out.append(ox.Quad(s, p, o, g))

    # Not a kg:SourceGraph (those are about one document each): a graph of curated statements.
    add(g, KG.sourceKind, lit("curated"))
    add(g, KG.source, src)
    add(src, RDF.type, KG.Source)
    add(src, KG.sourceKind, lit("curated"))
    add(src, KG.sourceName, lit(name))

    def link(c: AcceptLink | RejectLink, match: bool) -> None:
        entity = iris.entity_key(c.entity.kind, c.entity.key)
        wd = WD.term(c.wikidata)
        node = _link_node(entity, f"curated-{'accept' if match else 'reject'}-{c.wikidata}")
        if match:
            add(entity, OWL.sameAs, wd)
        add(entity, KG.link, node)
        add(node, RDF.type, KG.EntityLink)
        add(node, KG.linkTarget, wd)
        add(node, KG.score, lit(1.0 if match else 0.0))
        add(node, KG.match, lit(match))
        add(node, KG.linkMethod, lit("curated"))
        feature = _link_node(entity, f"curated-{'accept' if match else 'reject'}-{c.wikidata}"
                                     f"-verified_by")
        add(node, KG.feature, feature)
        add(feature, RDF.type, KG.LinkFeature)
        add(feature, KG.featureId, lit("verified_by"))
        add(feature, KG.featureValue, lit(f"curator ({c.origin})"))
        if c.note:
            add(node, KG.evidence, lit(c.note))

    for _, accept in sorted(corrections.accepted.items()):
        link(accept, True)
    for _, by_qid in sorted(corrections.rejected.items()):
        for _, reject in sorted(by_qid.items()):
            link(reject, False)
    for ref, (target, _merge) in sorted(corrections.merges.items()):
        add(iris.entity_key(ref.kind, ref.key), OWL.sameAs,
            iris.entity_key(target.kind, target.key))
    for ref, promote in sorted(corrections.promoted.items()):
        add(iris.entity_key(ref.kind, ref.key), KG.evidence,
            lit(f"promoted by a curator ({promote.origin})"
                + (f": {promote.note}" if promote.note else "")))
    for c in corrections.items:
        if isinstance(c, FixRole) and not c.delete and (c.new_label or c.label):
            person = corrections.merged(c.person)
            role = iris.role(person.key, c.new_label or c.label or "")
            add(role, KG.evidence, lit(f"curated ({c.origin})" + (f": {c.note}" if c.note
                                                                     else "")))
    return list(dict.fromkeys(out))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "corrections"


def prune_overridden_links(quads: Iterable[ox.Quad], corrections: Corrections, iris: Iris
                           ) -> list[ox.Quad]:
    """Quads of another graph (authority, online links) with the curators' decisions applied.

    An owl:sameAs to a rejected Wikidata id, or to another id than the accepted one, is
    dropped; the kg:EntityLink that explained it stays, with kg:match false and evidence
    naming the correction, so the graph still says what the linker proposed and why it lost.
    """
    quads = list(quads)
    if not (corrections.accepted or corrections.rejected):
        return quads
    by_iri: dict[str, EntityRef] = {}
    for ref in set(corrections.accepted) | set(corrections.rejected):
        by_iri[iris.entity_key(ref.kind, ref.key).value] = ref

    def overridden(subject: str, target: str) -> Correction | None:
        ref = by_iri.get(subject)
        if ref is None or not target.startswith(WD.iri):
            return None
        qid = target[len(WD.iri):]
        if qid in corrections.rejected.get(ref, {}):
            return corrections.rejected[ref][qid]
        accepted = corrections.accepted.get(ref)
        return accepted if accepted is not None and accepted.wikidata != qid else None

    link_of: dict[str, str] = {}  # link node -> entity
    target_of: dict[str, str] = {}  # link node -> Wikidata IRI
    for q in quads:
        if q.predicate == KG.link:
            link_of[q.object.value] = q.subject.value
        elif q.predicate == KG.linkTarget:
            target_of[q.subject.value] = q.object.value
    lost: dict[str, Correction] = {}
    for node, entity in link_of.items():
        why = overridden(entity, target_of.get(node, ""))
        if why is not None:
            lost[node] = why
    out: list[ox.Quad] = []
    for q in quads:
        if q.predicate == OWL.sameAs and overridden(q.subject.value, q.object.value):
            continue
        if q.predicate == KG.match and q.subject.value in lost:
            why = lost[q.subject.value]
            verb = "rejected" if isinstance(why, RejectLink) else "overridden"
            out.append(ox.Quad(q.subject, KG.match, lit(False), q.graph_name))
            out.append(ox.Quad(q.subject, KG.evidence,
                               lit(f"{verb} by a curator ({why.origin})"), q.graph_name))
            continue
        out.append(q)
    return list(dict.fromkeys(out))
