"""The review list: what a curator should look at, most urgent first.

Weak online matches (a wrong owl:sameAs is the costliest error), NIL decisions with plausible
candidates, then fuzzy and surname-only mentions scoring below the review threshold. Each item
is a typed record with what the machine knows and the command that would settle it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from kg.api import KnowledgeGraph
from kg.link.survey import Survey, curated_links, entity_ref, survey
from kg.rdf.links import ONLINE_METHOD
from kg.rdf.mapping import Iris
from kg.rdf.namespace import KG, PREFIXES, RDFS, WD

__all__ = ["REVIEW_SCORE", "ReviewCandidate", "ReviewItem", "review"]

# Matches scoring below this, and fuzzy or surname-only mentions below it, go to review.
REVIEW_SCORE = 0.9
_UNCERTAIN_MENTION_METHODS = ("fuzzy", "surname")


@dataclass(frozen=True)
class ReviewCandidate:
    wikidata: str
    label: str
    description: str
    score: float
    match: bool
    features: tuple[tuple[str, float], ...]
    note: str = ""  # why it lost, when it did


@dataclass(frozen=True)
class ReviewItem:
    """One thing a curator should decide, with what the machine knows about it."""

    kind: str  # weak-match, nil, mention
    entity: str  # IRI
    ref: str  # kind/key, as --accept and --reject take it
    label: str
    entity_kind: str
    score: float
    method: str
    reason: str
    wikidata: str | None = None  # the current link, if any
    candidates: tuple[ReviewCandidate, ...] = ()
    text: str | None = None  # the mention as written (mention items)
    documents: tuple[str, ...] = ()

    @property
    def suggestion(self) -> str:
        if self.kind == "weak-match" and self.wikidata:
            return (f"kg link --accept {self.ref}={self.wikidata}  or  "
                    f"kg link --reject {self.ref}={self.wikidata}")
        if self.kind == "nil" and self.candidates:
            return f"if a candidate is right: kg link --accept {self.ref}=QID"
        return "fix in the corrections file (remove-mention, split or merge) if wrong"


def review(kg: KnowledgeGraph, limit: int = 50, *, threshold: float = REVIEW_SCORE
           ) -> list[ReviewItem]:
    """Uncertain links, most urgent first: weak online matches (a wrong owl:sameAs is the
    costliest error), NIL decisions with plausible candidates, then fuzzy and surname-only
    mentions scoring below `threshold`."""
    store = kg.reader()
    iris = kg.iris
    found = survey(store, iris)
    curated = curated_links(store, iris)
    accepted = {e for e, _, ok in curated if ok}
    rejected = {(e, q) for e, q, ok in curated if not ok}
    weak: list[ReviewItem] = []
    nil: list[ReviewItem] = []
    for entity, candidates in sorted(_online_links(store, iris).items()):
        if entity in accepted or entity not in found.entities:
            continue
        kind, label = found.entities[entity]
        candidates = tuple(sorted(candidates, key=lambda c: (not c.match, -c.score, c.wikidata)))
        matched = [c for c in candidates if c.match]
        if matched and matched[0].score < threshold:
            c = matched[0]
            weak.append(ReviewItem("weak-match", entity, entity_ref(entity, iris), label, kind,
                                   c.score, ONLINE_METHOD, f"linked to {c.wikidata} with score "
                                   f"{c.score:.3f} (below {threshold})", c.wikidata, candidates))
        elif not matched:
            plausible = [c for c in candidates
                         if c.score > 0 and (entity, c.wikidata) not in rejected]
            if plausible:
                nil.append(ReviewItem(
                    "nil", entity, entity_ref(entity, iris), label, kind, plausible[0].score,
                    ONLINE_METHOD, f"not linked; {len(plausible)} plausible candidate(s)",
                    None, tuple(plausible) + tuple(c for c in candidates if c not in plausible)))
    weak.sort(key=lambda i: (i.score, i.label))
    nil.sort(key=lambda i: (-i.score, i.label))
    mentions = _uncertain_mentions(store, iris, found, threshold)
    return (weak + nil + mentions)[:max(limit, 0)]



def _online_links(store: ox.Store, iris: Iris) -> dict[str, list[ReviewCandidate]]:
    g = iris.online_links_graph()
    props: dict[str, dict[str, list[ox.Term]]] = defaultdict(lambda: defaultdict(list))
    for q in store.quads_for_pattern(None, None, None, g):
        props[q.subject.value][q.predicate.value].append(q.object)
    out: dict[str, list[ReviewCandidate]] = defaultdict(list)
    for entity, p in props.items():
        for node in p.get(KG.link.value, []):
            n = props.get(node.value, {})
            targets = [t.value for t in n.get(KG.linkTarget.value, [])]
            if not targets or not targets[0].startswith(WD.iri):
                continue
            features = []
            for f in n.get(KG.feature.value, []):
                fp = props.get(f.value, {})
                fid, value = fp.get(KG.featureId.value), fp.get(KG.featureValue.value)
                if fid and value:
                    features.append((fid[0].value, _float(value[0].value)))
            notes = [e.value for e in n.get(KG.evidence.value, [])
                     if not e.value.startswith("searched ")]
            out[entity].append(ReviewCandidate(
                wikidata=targets[0][len(WD.iri):],
                label=_first(n.get(RDFS.label.value)),
                description=_first(n.get(RDFS.comment.value)),
                score=_float(_first(n.get(KG.score.value)) or "0"),
                match=_first(n.get(KG.match.value)) == "true",
                features=tuple(sorted(features)),
                note="; ".join(sorted(notes))))
    return out


def _first(values: Sequence[ox.Term] | None) -> str:
    return values[0].value if values else ""


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _uncertain_mentions(store: ox.Store, iris: Iris, found: Survey, threshold: float
                        ) -> list[ReviewItem]:
    rows = store.query(
        "SELECT ?e ?text ?method ?score ?doc WHERE { ?m a kg:Mention ; kg:mentionOf ?e ; "
        "kg:linkMethod ?method ; kg:score ?score ; kg:text ?text ; kg:inDocument ?doc . "
        f"FILTER(?score < {threshold} && (" + " || ".join(
            f'STRSTARTS(?method, "{m}")' for m in _UNCERTAIN_MENTION_METHODS) + ")) }",
        use_default_graph_as_union=True, prefixes=PREFIXES)
    groups: dict[tuple[str, str, str, float], set[str]] = defaultdict(set)
    for e, text, method, score, doc in rows:
        groups[(e.value, text.value, method.value, _float(score.value))].add(doc.value)
    items = []
    for (entity, text, method, score), docs in groups.items():
        kind, label = found.entities.get(entity, ("", ""))
        items.append(ReviewItem(
            "mention", entity, entity_ref(entity, iris), label, kind, score, method,
            f"{text!r} resolved to {label or entity} by {method} ({score:.3f}) in "
            f"{len(docs)} document(s)", text=text, documents=tuple(sorted(docs))))
    items.sort(key=lambda i: (i.score, i.label, i.text or ""))
    return items


# --------------------------------------------------------------------------------------------
