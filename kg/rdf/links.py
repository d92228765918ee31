"""The online linker's decisions as RDF, in ``{base}graph/links-online``.

For every candidate Wikidata proposed for an entity, a kg:EntityLink with its score, match
flag, method ``wikidata-online``, features and the reason it lost; owl:sameAs for a match only.
A pure function of the decision: looking names up is `kg.resolve.wikidata`, choosing whom to
look up and writing the graph is `kg.link`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pyoxigraph as ox

from kg.rdf.mapping import Iris, lit
from kg.rdf.namespace import KG, OWL, RDF, RDFS, WD
from kg.resolve.wikidata import Candidate, LinkDecision

__all__ = ["ONLINE_METHOD", "decision_quads", "links_graph_header"]

ONLINE_METHOD = "wikidata-online"


def links_graph_header(iris: Iris) -> list[ox.Quad]:
    """What the online links graph (`Iris.online_links_graph`) says about itself."""
    g = iris.online_links_graph()
    # Not a kg:SourceGraph: those are about one document each.
    return [ox.Quad(g, KG.sourceKind, lit("wikidata"), g)]


def decision_quads(entity_iri: str, decision: LinkDecision | None, iris: Iris, *, label: str,
                   kind: str, document_date: date | None, context: Sequence[str]
                   ) -> list[ox.Quad]:
    """The statements one online decision makes, in the online links graph.

    Every candidate becomes a kg:EntityLink (score, match, method, features, why it lost).
    The decision's own node (the match, else the best candidate) carries what was asked: the
    name (`label`), `kind`, `document_date` and `context`. With no candidate at all there is
    no link to describe (a kg:EntityLink always has a target), so the entity itself gets the
    evidence that it was looked up and nothing was found.
    """
    if decision is None:
        return []
    g = iris.online_links_graph()
    entity = ox.NamedNode(entity_iri)
    out: list[ox.Quad] = []

    def add(s, p, o) -> None:
        out.append(ox.Quad(s, p, o, g))

    asked = (f"searched {label!r} as {kind}; earliest document date "
             f"{document_date.isoformat() if document_date else 'unknown'}; "
             f"context {' '.join(context) or 'none'}")
    if decision.match and decision.qid:
        add(entity, OWL.sameAs, WD.term(decision.qid))
    if not decision.candidates:
        add(entity, KG.evidence, lit(f"{ONLINE_METHOD}: {asked}; no candidate found"))
        return out
    chosen = decision.qid if decision.match else decision.candidates[0].id
    for cand in decision.candidates:
        node = ox.NamedNode(f"{entity_iri}#{ONLINE_METHOD}-{cand.id}")
        match = decision.match and cand.id == decision.qid
        add(entity, KG.link, node)
        add(node, RDF.type, KG.EntityLink)
        add(node, KG.linkTarget, WD.term(cand.id))
        add(node, KG.score, lit(float(cand.score)))
        add(node, KG.match, lit(match))
        add(node, KG.linkMethod, lit(ONLINE_METHOD))
        if cand.label:
            add(node, RDFS.label, lit(cand.label))
        if cand.description:
            add(node, RDFS.comment, lit(cand.description))
        if cand.rejected_reason:
            add(node, KG.evidence, lit(f"rejected: {cand.rejected_reason}"))
        elif not match and cand.id == chosen:
            add(node, KG.evidence, lit(_nil_reason(decision, cand)))
        if cand.id == chosen:
            add(node, KG.evidence, lit(asked))
        for fid, value in cand.features:
            feature = ox.NamedNode(f"{entity_iri}#{ONLINE_METHOD}-{cand.id}-{fid}")
            add(node, KG.feature, feature)
            add(feature, RDF.type, KG.LinkFeature)
            add(feature, KG.featureId, lit(fid))
            add(feature, KG.featureValue, lit(float(value)))
    return out


def _nil_reason(decision: LinkDecision, best: Candidate) -> str:
    eligible = [c for c in decision.candidates if not c.rejected_reason]
    if len(eligible) > 1 and eligible[0].score - eligible[1].score < 0.1:
        return (f"not linked: {eligible[0].id} and {eligible[1].id} score too close "
                f"({eligible[0].score:.3f}, {eligible[1].score:.3f})")
    return f"not linked: best score {best.score:.3f} is below the threshold"
