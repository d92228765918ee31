"""Disambiguation, a pure function: given the search hits and the facts about them, choose the
Wikidata item a name refers to, or NIL, with every candidate's score, features and the reason
it lost. Types must fit, a person must be alive at the document's date, the name must be
similar, and co-mentioned context raises the score. Only a clear winner is a match.
`link_online` asks a `WikidataClient` and reconciles, for one name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from rapidfuzz import fuzz

from kg.core.text import match_key
from kg.resolve.wikidata.client import WikidataClient
from kg.resolve.wikidata.model import Candidate, EntityFacts, Kind, LinkDecision, SearchHit

__all__ = ["HUMAN", "ORGANIZATION_CLASSES", "PLACE_CLASSES", "WEIGHTS", "date_fit",
           "link_online", "name_similarity", "reconcile", "type_fit"]

HUMAN = "Q5"

# Classes whose instances (P31) count as places. Ids checked against Wikidata-derived class lists
# (the items' own labels: country, sovereign state, historical country, state, city, big city,
# city with millions of inhabitants, capital, human settlement, town, village, municipality,
# region, historical region, province of China, port, island, continent, U.S. state, federated
# state, first-level administrative subdivision, administrative territorial entity). Direct P31
# only: walking P279 subclass chains would need SPARQL, and P625 covers most of the rest.
PLACE_CLASSES: frozenset[str] = frozenset(
    {
        "Q6256",  # country
        "Q3624078",  # sovereign state
        "Q3024240",  # historical country
        "Q7275",  # state
        "Q515",  # city
        "Q1549591",  # big city
        "Q1637706",  # city with millions of inhabitants
        "Q5119",  # capital city
        "Q486972",  # human settlement
        "Q3957",  # town
        "Q532",  # village
        "Q15284",  # municipality
        "Q82794",  # region (geographic region)
        "Q1620908",  # historical region
        "Q1615742",  # province of China
        "Q44782",  # port
        "Q23442",  # island
        "Q5107",  # continent
        "Q35657",  # state of the United States
        "Q107390",  # federated state
        "Q10864048",  # first-level administrative country subdivision
        "Q56061",  # administrative territorial entity
    }
)

# Classes whose instances count as organisations (same sources). Note: Q17149090 is "armed
# organization", not "intelligence agency"; intelligence services are usually typed
# "government agency" (Q327333), which is listed.
ORGANIZATION_CLASSES: frozenset[str] = frozenset(
    {
        "Q43229",  # organization
        "Q7278",  # political party
        "Q7188",  # government
        "Q327333",  # government agency
        "Q2659904",  # government organization
        "Q192350",  # ministry
        "Q484652",  # international organization
        "Q245065",  # intergovernmental organization
        "Q17149090",  # armed organization
        "Q7210356",  # political organization
        "Q4830453",  # business enterprise
        "Q783794",  # company
        "Q163740",  # nonprofit organization
        "Q15911314",  # association
        "Q178790",  # trade union
        "Q3918",  # university
        "Q31855",  # research institute
        "Q11204",  # legislature / parliament
        "Q33506",  # museum
    }
)

# Weights of the features in the score. Name similarity dominates; type and date mostly act as
# filters (a wrong type or an impossible date rejects outright), so their weights only separate
# "known good" from "unknown". Context is large enough on its own to clear the margin between two
# namesakes that are otherwise equal.
WEIGHTS: Mapping[str, float] = {
    "name_similarity": 0.60,
    "type_fit": 0.15,
    "date_fit": 0.10,
    "context": 0.15,
}
# type_fit for an organisation recognised only by not being a human or a place.
_WEAK_TYPE_FIT = 0.3
# type_fit for a place recognised only by having coordinates.
_COORDINATE_TYPE_FIT = 0.8
_NEUTRAL = 0.5




def name_similarity(name: str, labels: Iterable[str]) -> float:
    """Best token_sort_ratio (0..1) of the name against a label or any alias."""
    query = match_key(name)
    best = 0.0
    for label in labels:
        if label:
            best = max(best, fuzz.token_sort_ratio(query, match_key(label)) / 100.0)
    return best


def type_fit(kind: Kind, facts: EntityFacts) -> tuple[float, str | None]:
    """How well the item's P31 fits the kind asked for; 0 with a reason means rejected."""
    classes = set(facts.instance_of)
    human = HUMAN in classes
    geographic_class = bool(classes & PLACE_CLASSES)
    if kind == "person":
        return (1.0, None) if human else (0.0, "not a human (P31 Q5)")
    if kind == "place":
        if geographic_class:
            return 1.0, None
        if human:
            return 0.0, "a human, not a place"
        if facts.coordinates is not None:
            return _COORDINATE_TYPE_FIT, None
        return 0.0, "not a geographic item"
    if kind == "organization":
        if classes & ORGANIZATION_CLASSES:
            return 1.0, None
        if human:
            return 0.0, "a human, not an organisation"
        if geographic_class:
            return 0.0, "a place, not an organisation"
        # Many bodies (politburos, commissions) have classes we do not list; accept them with
        # low confidence so that only a strong name or context makes them a match. Coordinates
        # alone do not disqualify: headquarters and theatres have them.
        return _WEAK_TYPE_FIT, None
    raise ValueError(f"unknown kind {kind!r}")


def date_fit(
    kind: Kind, facts: EntityFacts, document_date: date | None
) -> tuple[float, str | None]:
    """1 if a person was alive at the document's date, 0.5 if unknown, 0 + reason if not."""
    if kind != "person" or document_date is None:
        return _NEUTRAL, None
    birth, death = facts.birth, facts.death
    if birth and birth.earliest and birth.earliest > document_date:
        return 0.0, f"born {birth.year}, after the document ({document_date.isoformat()})"
    if death and death.latest and death.latest < document_date:
        return 0.0, f"died {death.year}, before the document ({document_date.isoformat()})"
    if (birth and birth.earliest) or (death and death.latest):
        return 1.0, None
    return _NEUTRAL, None


def _context_fit(facts: EntityFacts, context_ids: Iterable[str]) -> float:
    context = set(context_ids)
    if facts.id in context or context.intersection(facts.related):
        return 1.0
    return 0.0


def _score(features: Mapping[str, float]) -> float:
    return round(sum(WEIGHTS[name] * value for name, value in features.items()), 4)


def reconcile(
    name: str,
    kind: Kind,
    facts_by_id: Mapping[str, EntityFacts],
    hits: Iterable[SearchHit],
    *,
    document_date: date | None,
    context_ids: Iterable[str] = frozenset(),
    threshold: float = 0.75,
    margin: float = 0.1,
) -> LinkDecision:
    """Choose the Wikidata item a name refers to, or NIL.

    Every hit becomes a `Candidate`. Wrong type, or a person not alive at `document_date`,
    rejects it (score 0, `rejected_reason` set). The rest are scored from name similarity
    (label and aliases), type fit, date fit and context. The best one is a match only when it
    reaches `threshold` and leads the runner-up by `margin`: two equally plausible namesakes
    stay NIL for a human to review, which is cheaper than a confident wrong link.
    """
    if kind not in ("person", "place", "organization"):
        raise ValueError(f"unknown kind {kind!r}")
    context = frozenset(context_ids)
    candidates: list[Candidate] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.id in seen:
            continue
        seen.add(hit.id)
        facts = facts_by_id.get(hit.id)
        if facts is None:
            candidates.append(
                Candidate(hit.id, hit.label, hit.description, 0.0, (), "no data for the item")
            )
            continue
        labels = (facts.label or hit.label, *facts.aliases, *hit.aliases)
        t_fit, t_reason = type_fit(kind, facts)
        d_fit, d_reason = date_fit(kind, facts, document_date)
        features = {
            "name_similarity": round(name_similarity(name, labels), 4),
            "type_fit": t_fit,
            "date_fit": d_fit,
            "context": _context_fit(facts, context),
        }
        reason = t_reason or d_reason
        candidates.append(
            Candidate(
                id=hit.id,
                label=facts.label or hit.label,
                description=facts.description or hit.description,
                score=0.0 if reason else _score(features),
                features=tuple(features.items()),
                rejected_reason=reason,
            )
        )
    # Best first; rejected ones last, in search order (sort is stable).
    candidates.sort(key=lambda c: (c.rejected_reason is not None, -c.score))
    eligible = [c for c in candidates if c.rejected_reason is None]
    if not eligible:
        return LinkDecision(None, 0.0, False, (), tuple(candidates))
    best = eligible[0]
    runner_up = eligible[1].score if len(eligible) > 1 else 0.0
    # Compare with a small tolerance: scores are rounded sums of float weights.
    match = best.score >= threshold and best.score - runner_up >= margin - 1e-9
    return LinkDecision(
        qid=best.id if match else None,
        score=best.score,
        match=match,
        features=best.features,
        candidates=tuple(candidates),
    )


def link_online(
    client: WikidataClient,
    name: str,
    kind: Kind,
    document_date: date | None = None,
    context_ids: Iterable[str] = frozenset(),
    *,
    language: str = "en",
    limit: int = 7,
    threshold: float = 0.75,
) -> LinkDecision:
    """Search Wikidata for a name, fetch the candidates' facts, and reconcile."""
    hits = client.search(name, language=language, limit=limit)
    facts = client.entities([hit.id for hit in hits], language=language) if hits else {}
    return reconcile(
        name,
        kind,
        facts,
        hits,
        document_date=document_date,
        context_ids=context_ids,
        threshold=threshold,
    )
