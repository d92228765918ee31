"""What the Wikidata linker works with: search hits, items' facts, candidates, decisions, and
the errors the client raises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = ["Candidate", "EntityFacts", "Kind", "LinkDecision", "SearchHit", "TimeValue",
           "WikidataError", "WikidataResponseError", "WikidataUnavailable"]

Kind = Literal["person", "place", "organization"]


class WikidataError(Exception):
    """Base class of the errors the Wikidata client and the answer readers raise."""


class WikidataUnavailable(WikidataError):
    """Wikidata could not be reached (timeouts, 5xx, 429) even after the allowed retries."""


class WikidataResponseError(WikidataError):
    """Wikidata answered, but not with what the API documents (not JSON, keys missing, error)."""


@dataclass(frozen=True)
class SearchHit:
    """One result of ``wbsearchentities``."""

    id: str
    label: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    match_text: str = ""  # the label or alias the search matched


@dataclass(frozen=True)
class TimeValue:
    """A Wikibase time value with its precision (9 year, 10 month, 11 day) and date bounds."""

    time: str  # as Wikidata writes it: "+1878-12-18T00:00:00Z"
    precision: int
    year: int
    earliest: date | None  # None when outside the range `datetime.date` can hold
    latest: date | None


@dataclass(frozen=True)
class EntityFacts:
    """What ``wbgetentities`` tells about one item, reduced to what disambiguation needs."""

    id: str
    label: str = ""
    description: str = ""
    aliases: tuple[str, ...] = ()
    instance_of: tuple[str, ...] = ()  # P31
    birth: TimeValue | None = None  # P569
    death: TimeValue | None = None  # P570
    coordinates: tuple[float, float] | None = None  # P625 (latitude, longitude)
    related: tuple[str, ...] = ()  # P17 country, P27 citizenship, P131 located in


@dataclass(frozen=True)
class Candidate:
    """A candidate as review shows it: its score, its features and why it was rejected."""

    id: str
    label: str
    description: str
    score: float
    features: tuple[tuple[str, float], ...]
    rejected_reason: str | None = None


@dataclass(frozen=True)
class LinkDecision:
    """The outcome for one name: a Wikidata id, or NIL (``qid is None``) with the candidates."""

    qid: str | None
    score: float
    match: bool
    features: tuple[tuple[str, float], ...] = ()
    candidates: tuple[Candidate, ...] = ()
