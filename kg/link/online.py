"""Online linking: look the unlinked entities up on Wikidata and store every decision.

Nothing here opens a socket unless `online` is true (``kg link --online``, or
``KG_WIKIDATA_ONLINE=1``). Online, `link_store` asks `kg.resolve.wikidata.link_online` about
every person, place and organisation without a Wikidata link (search, the candidates' facts,
type and date constraints, co-mentioned context) and replaces ``{base}graph/links-online``
with the decisions (`kg.rdf.links`), in one transaction.
"""

from __future__ import annotations

import os
import urllib.parse
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from kg.api import KnowledgeGraph
from kg.link.survey import LinkAttempt, curated_links, entity_ref, survey, unlinked
from kg.rdf.links import decision_quads, links_graph_header
from kg.resolve.corrections import Corrections
from kg.resolve.wikidata import DEFAULT_API_URL, LinkDecision, WikidataClient, WikidataError, link_online
from kg.store import replace_graphs, writer

__all__ = ["DEFAULT_THRESHOLD", "ENV_ONLINE", "ENV_USER_AGENT", "LinkError", "LinkReport",
           "link_store", "make_client", "online_from_env"]

ENV_ONLINE = "KG_WIKIDATA_ONLINE"
# Wikimedia asks automated clients for a User-Agent with a contact address.
ENV_USER_AGENT = "KG_WIKIDATA_USER_AGENT"
DEFAULT_THRESHOLD = 0.75
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class LinkError(Exception):
    """`kg link` cannot do what was asked; the message says why (no traceback for users)."""


def online_from_env() -> bool:
    """True when ``KG_WIKIDATA_ONLINE`` is 1/true/yes/on: the setting that opts in."""
    return os.environ.get(ENV_ONLINE, "").strip().casefold() in {"1", "true", "yes", "on"}


@dataclass
class LinkReport:
    """What `link_store` found and did."""

    online: bool
    entities: int = 0
    linked: dict[str, int] = field(default_factory=dict)  # entities with a link, by source
    attempts: list[LinkAttempt] = field(default_factory=list)
    requests: int = 0
    cache_hits: int = 0
    written: bool = False

    @property
    def matched(self) -> list[LinkAttempt]:
        return [a for a in self.attempts if a.decision is not None and a.decision.match]

    @property
    def nil(self) -> list[LinkAttempt]:
        return [a for a in self.attempts if a.decision is not None and not a.decision.match]

    @property
    def unlinked(self) -> int:
        """Entities with no link from any source."""
        return self.entities - sum(self.linked.values())


def make_client(cache_dir: str | Path, *, api_url: str = DEFAULT_API_URL,
                request_interval: float | None = None, user_agent: str | None = None
                ) -> WikidataClient:
    """The Wikidata client `kg link --online` uses. `request_interval` defaults to a 1 s
    pause between requests, none for a server on the loopback interface (a local mirror or
    test server is not Wikimedia's to protect); the User-Agent to ``KG_WIKIDATA_USER_AGENT``
    when set, else the client's own."""
    agent = user_agent or os.environ.get(ENV_USER_AGENT)
    if request_interval is None:
        host = urllib.parse.urlsplit(api_url).hostname or ""
        request_interval = 0.0 if host in _LOOPBACK else 1.0
    return WikidataClient(api_url, cache_dir=Path(cache_dir), min_interval=request_interval,
                          **({"user_agent": agent} if agent else {}))


def link_store(kg: KnowledgeGraph, *, online: bool, client: WikidataClient | None = None,
               threshold: float = DEFAULT_THRESHOLD, corrections: Corrections | None = None,
               progress: Callable[[int, int], None] | None = None) -> LinkReport:
    """Find the entities without a Wikidata link; online, look them up and store the decisions.

    Offline (``online=False``) this only reads the store: no client is built, no request is
    sent, nothing is written. Online, the decisions replace ``{base}graph/links-online`` in one
    transaction. Entities a curator linked are skipped and ids a curator rejected are never
    linked (`corrections`, read from the store's corrections graph when not given). If Wikidata
    cannot be reached, `LinkError` is raised and nothing is written; the answers already
    received are in the client's cache, so the next run resumes where this one stopped.
    """
    found = survey(kg.reader(), kg.iris)
    attempts, counts = unlinked(found, kg.iris)
    report = LinkReport(online=online, entities=len(found.entities), linked=counts,
                        attempts=attempts)
    if not online:
        return report
    if client is None:
        client = make_client(kg.path / "wikidata-cache")
    rejected = _rejected(kg, corrections)
    requests, hits = client.requests_made, client.cache_hits
    decided: list[LinkAttempt] = []
    try:
        for attempt in attempts:
            if attempt.label:
                decision = link_online(client, attempt.label, attempt.kind,  # type: ignore[arg-type]
                                       attempt.document_date, attempt.context,
                                       threshold=threshold)
                decision = _respect_rejections(decision, rejected.get(attempt.ref, set()))
                decided.append(replace(attempt, decision=decision))
            if progress:
                progress(1, len(attempts))
    except WikidataError as exc:
        raise LinkError(
            f"{exc}; {len(decided)} of {len(attempts)} names looked up, nothing written (the "
            f"answers received are cached in {client.cache_dir}: run again to resume)") from None
    finally:
        report.requests = client.requests_made - requests
        report.cache_hits = client.cache_hits - hits
    report.attempts = decided
    # the online graph is replaced whole: its links are now exactly this run's matches
    report.linked = {**report.linked, "online": len(report.matched)}
    quads = links_graph_header(kg.iris) + [
        q for a in decided
        for q in decision_quads(a.entity, a.decision, kg.iris, label=a.label, kind=a.kind,
                                document_date=a.document_date, context=a.context)]
    with writer(kg.path) as w:
        replace_graphs(w.store, {kg.iris.online_links_graph(): list(dict.fromkeys(quads))})
    report.written = True
    return report


def _rejected(kg: KnowledgeGraph, corrections: Corrections | None) -> dict[str, set[str]]:
    """Wikidata ids a curator rejected, by entity (``kind/key``)."""
    if corrections is not None:
        return {str(ref): set(by_qid) for ref, by_qid in corrections.rejected.items()}
    out: dict[str, set[str]] = defaultdict(set)
    for entity, qid, match in curated_links(kg.reader(), kg.iris):
        if not match:
            out[entity_ref(entity, kg.iris)].add(qid)
    return out


def _respect_rejections(decision: LinkDecision, rejected: set[str]) -> LinkDecision:
    """A curator's rejection outranks any score: that candidate loses, and a match on it is NIL."""
    if not rejected:
        return decision
    candidates = tuple(
        replace(c, score=0.0, rejected_reason="rejected by a curator") if c.id in rejected else c
        for c in decision.candidates)
    if decision.qid in rejected:
        return LinkDecision(None, decision.score, False, decision.features, candidates)
    return replace(decision, candidates=candidates)
