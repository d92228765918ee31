"""Link people, places and organisations to Wikidata: offline by default, online when asked,
every link explained.

Offline (the default) the graph's Wikidata links are the authority files' verified ids (the
RDF mapping writes them into the authority graph) and the curators' accepted ids (the
corrections graph, see `kg.resolve.corrections`). Nothing in this module opens a socket unless
`online` is true (``kg link --online``, or ``KG_WIKIDATA_ONLINE=1``).

Online, `link_store` looks up every person, place and organisation that has no Wikidata link
yet, through `kg.resolve.wikidata.link_online` (search, the candidates' facts, type and date
constraints, co-mentioned context), and writes every decision into ``{base}graph/links-online``:
owl:sameAs for a match only, and for every candidate a kg:EntityLink with its score, match flag,
method ``wikidata-online``, features and the reason it lost. `review` lists what a curator
should look at; `run_link_command` is what the ``kg link`` command runs.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.rdf.mapping import Iris, lit
from kg.rdf.namespace import KG, OWL, PREFIXES, RDF, RDFS, WD
from kg.resolve.corrections import (
    AcceptLink,
    Corrections,
    CorrectionsError,
    EntityRef,
    Origin,
    RejectLink,
    append_corrections,
    carry_over_corrections,
    correction_quads,
    corrections_graph,
    default_corrections_path,
    load_corrections,
    parse_correction,
    prune_overridden_links,
    remember_corrections_path,
)
from kg.resolve.wikidata import (
    DEFAULT_API_URL,
    Candidate,
    LinkDecision,
    WikidataClient,
    WikidataError,
    link_online,
)
from kg.store import replace_graphs, writer

if TYPE_CHECKING:  # kg.api calls store_corrections: import it lazily to avoid a cycle
    from kg.api import KnowledgeGraph

__all__ = [
    "ENV_ONLINE",
    "ONLINE_METHOD",
    "REVIEW_SCORE",
    "LinkAttempt",
    "LinkError",
    "LinkReport",
    "ReviewCandidate",
    "ReviewItem",
    "apply_corrections",
    "link_store",
    "links_graph",
    "online_from_env",
    "review",
    "run_link_command",
    "store_corrections",
]

ENV_ONLINE = "KG_WIKIDATA_ONLINE"
# Wikimedia asks automated clients for a User-Agent with a contact address.
ENV_USER_AGENT = "KG_WIKIDATA_USER_AGENT"
ONLINE_METHOD = "wikidata-online"
# Matches scoring below this, and fuzzy or surname-only mentions below it, go to review.
REVIEW_SCORE = 0.9
DEFAULT_THRESHOLD = 0.75
_KIND_OF_CLASS = {KG.Person.value: "person", KG.Place.value: "place",
                  KG.Organization.value: "organization"}
_UNCERTAIN_MENTION_METHODS = ("fuzzy", "surname")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class LinkError(Exception):
    """`kg link` cannot do what was asked; the message says why (no traceback for users)."""


def online_from_env() -> bool:
    """True when ``KG_WIKIDATA_ONLINE`` is 1/true/yes/on: the setting that opts in."""
    return os.environ.get(ENV_ONLINE, "").strip().casefold() in {"1", "true", "yes", "on"}


def links_graph(iris: Iris) -> ox.NamedNode:
    """``{base}graph/links-online``: where the online linker's decisions live."""
    return ox.NamedNode(iris.base + "graph/links-online")


# --------------------------------------------------------------------------------------------
# What the store knows


@dataclass(frozen=True)
class LinkAttempt:
    """One entity without a Wikidata link, what was asked about it, and (online) the answer."""

    entity: str  # IRI
    ref: str  # kind/key
    label: str
    kind: str
    document_date: date | None  # earliest date of the documents that mention it
    context: tuple[str, ...]  # Wikidata ids of entities mentioned alongside it
    decision: LinkDecision | None = None  # None when offline


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

    def summary(self) -> str:
        linked = sum(self.linked.values())
        by = ", ".join(f"{k} {v}" for k, v in sorted(self.linked.items()) if v)
        lines = [f"Wikidata links: {linked} of {self.entities} entities linked"
                 + (f" ({by})" if by else "") + f"; {self.entities - linked} without a link."]
        if self.online:
            lines.append(f"Online: {len(self.attempts)} looked up: {len(self.matched)} matched, "
                         f"{len(self.nil)} NIL ({self.requests} request(s), {self.cache_hits} "
                         f"answer(s) from the cache).")
        elif self.attempts:
            lines.append(f"Offline: {len(self.attempts)} entities have no authority or curated "
                         f"link; `kg link --online` (or {ENV_ONLINE}=1) looks them up on "
                         f"Wikidata, sending requests to its API.")
        return "\n".join(lines)


@dataclass
class _Survey:
    entities: dict[str, tuple[str, str]]  # IRI -> (kind, label)
    links: dict[str, dict[str, set[str]]]  # IRI -> graph -> Wikidata ids
    dates: dict[str, date]
    docs_of: dict[str, set[str]]
    entities_of: dict[str, set[str]]


def _survey(store: ox.Store, iris: Iris) -> _Survey:
    entities: dict[str, tuple[str, str]] = {}
    rows = store.query(
        "SELECT ?e ?class (MIN(STR(?l)) AS ?label) WHERE { "
        "VALUES ?class { kg:Person kg:Place kg:Organization } ?e a ?class . "
        "OPTIONAL { ?e rdfs:label ?l } } GROUP BY ?e ?class",
        use_default_graph_as_union=True, prefixes=PREFIXES)
    for e, cls, label in rows:
        if isinstance(e, ox.NamedNode) and e.value.startswith(iris.base):
            entities.setdefault(e.value, (_KIND_OF_CLASS[cls.value], label.value if label
                                          else ""))
    links: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for q in store.quads_for_pattern(None, OWL.sameAs, None, None):
        if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(WD.iri):
            graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
            links[q.subject.value][graph].add(q.object.value[len(WD.iri):])
    dates: dict[str, date] = {}
    docs_of: dict[str, set[str]] = defaultdict(set)
    entities_of: dict[str, set[str]] = defaultdict(set)
    rows = store.query(
        "SELECT DISTINCT ?d ?e ?date WHERE { ?d a kg:Document ; ?p ?e . "
        "VALUES ?class { kg:Person kg:Place kg:Organization } ?e a ?class . "
        "OPTIONAL { ?d kg:earliestDate ?date } }",
        use_default_graph_as_union=True, prefixes=PREFIXES)
    for d, e, when in rows:
        docs_of[e.value].add(d.value)
        entities_of[d.value].add(e.value)
        if when is not None:
            try:
                day = date.fromisoformat(when.value)
            except ValueError:
                continue
            if d.value not in dates or day < dates[d.value]:
                dates[d.value] = day
    return _Survey(entities, links, dates, docs_of, entities_of)


def _source_of(graph: str, iris: Iris) -> str:
    return {iris.authority_graph().value: "authority", corrections_graph(iris).value: "curated",
            links_graph(iris).value: "online"}.get(graph, "other")


def _ref(iri: str, iris: Iris) -> str:
    return iris.prefix_of(ox.NamedNode(iri)) or iri


def _unlinked(survey: _Survey, iris: Iris) -> tuple[list[LinkAttempt], dict[str, int]]:
    """Entities with no Wikidata link outside the online graph, with their date and context."""
    online = links_graph(iris).value
    fixed = {e: set().union(*(ids for g, ids in by_graph.items() if g != online))
             for e, by_graph in survey.links.items()}
    counts: dict[str, int] = defaultdict(int)
    attempts = []
    for iri, (kind, label) in sorted(survey.entities.items()):
        graphs = {g for g, ids in survey.links.get(iri, {}).items() if ids}
        if graphs:
            # one source per entity: a curator's word first, then the authority, then online
            for source in ("curated", "authority", "other", "online"):
                if source in {_source_of(g, iris) for g in graphs}:
                    counts[source] += 1
                    break
        if fixed.get(iri):
            continue
        docs = survey.docs_of.get(iri, set())
        days = [survey.dates[d] for d in docs if d in survey.dates]
        context = sorted({qid for d in docs for other in survey.entities_of[d] if other != iri
                          for qid in fixed.get(other, ())}, key=lambda q: int(q[1:]))
        attempts.append(LinkAttempt(iri, _ref(iri, iris), label, kind,
                                    min(days) if days else None, tuple(context)))
    return attempts, dict(counts)


# --------------------------------------------------------------------------------------------
# Online linking


def link_store(kg: KnowledgeGraph, *, online: bool, client: WikidataClient | None = None,
               threshold: float = DEFAULT_THRESHOLD, corrections: Corrections | None = None,
               progress: Callable[[int], None] | None = None) -> LinkReport:
    """Find the entities without a Wikidata link; online, look them up and store the decisions.

    Offline (``online=False``) this only reads the store: no client is built, no request is
    sent, nothing is written. Online, the decisions replace ``{base}graph/links-online`` in one
    transaction. Entities a curator linked are skipped and ids a curator rejected are never
    linked (`corrections`, read from the store's corrections graph when not given). If Wikidata
    cannot be reached, `LinkError` is raised and nothing is written; the answers already
    received are in the client's cache, so the next run resumes where this one stopped.
    """
    survey = _survey(kg.reader(), kg.iris)
    attempts, counts = _unlinked(survey, kg.iris)
    report = LinkReport(online=online, entities=len(survey.entities), linked=counts,
                        attempts=attempts)
    if not online:
        return report
    if client is None:
        client = WikidataClient(cache_dir=kg.path / "wikidata-cache")
    rejected = _rejected_in_store(kg, corrections)
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
                progress(1)
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
    g = links_graph(kg.iris)
    quads = _graph_header(g) + [q for a in decided for q in decision_quads(a, kg.iris)]
    with writer(kg.path) as w:
        replace_graphs(w.store, {g: list(dict.fromkeys(quads))})
    report.written = True
    return report


def _rejected_in_store(kg: KnowledgeGraph, corrections: Corrections | None
                       ) -> dict[str, set[str]]:
    if corrections is not None:
        return {str(ref): set(by_qid) for ref, by_qid in corrections.rejected.items()}
    out: dict[str, set[str]] = defaultdict(set)
    for entity, qid, match in _curated_links(kg.reader(), kg.iris):
        if not match:
            out[_ref(entity, kg.iris)].add(qid)
    return out


def _curated_links(store: ox.Store, iris: Iris) -> list[tuple[str, str, bool]]:
    """(entity IRI, Wikidata id, accepted?) for every curated link in the corrections graph."""
    rows = store.query(
        f"SELECT ?e ?t ?m WHERE {{ GRAPH {corrections_graph(iris)} {{ ?e kg:link ?l . "
        f"?l kg:linkMethod \"curated\" ; kg:linkTarget ?t ; kg:match ?m }} }}",
        prefixes=PREFIXES)
    return [(e.value, t.value[len(WD.iri):], m.value == "true") for e, t, m in rows
            if t.value.startswith(WD.iri)]


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


def _graph_header(g: ox.NamedNode) -> list[ox.Quad]:
    # Not a kg:SourceGraph: those are about one document each.
    return [ox.Quad(g, KG.sourceKind, lit("wikidata"), g)]


def decision_quads(attempt: LinkAttempt, iris: Iris) -> list[ox.Quad]:
    """The statements one online decision makes, in the online links graph.

    Every candidate becomes a kg:EntityLink (score, match, method, features, why it lost).
    The decision's own node (the match, else the best candidate) carries what was asked: the
    name, kind, date and context. With no candidate at all there is no link to describe (a
    kg:EntityLink always has a target), so the entity itself gets the evidence that it was
    looked up and nothing was found.
    """
    decision = attempt.decision
    if decision is None:
        return []
    g = links_graph(iris)
    entity = ox.NamedNode(attempt.entity)
    out: list[ox.Quad] = []

    def add(s, p, o) -> None:
        out.append(ox.Quad(s, p, o, g))

    asked = (f"searched {attempt.label!r} as {attempt.kind}; earliest document date "
             f"{attempt.document_date.isoformat() if attempt.document_date else 'unknown'}; "
             f"context {' '.join(attempt.context) or 'none'}")
    if decision.match and decision.qid:
        add(entity, OWL.sameAs, WD.term(decision.qid))
    if not decision.candidates:
        add(entity, KG.evidence, lit(f"{ONLINE_METHOD}: {asked}; no candidate found"))
        return out
    chosen = decision.qid if decision.match else decision.candidates[0].id
    for cand in decision.candidates:
        node = ox.NamedNode(f"{attempt.entity}#{ONLINE_METHOD}-{cand.id}")
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
            feature = ox.NamedNode(f"{attempt.entity}#{ONLINE_METHOD}-{cand.id}-{fid}")
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


# --------------------------------------------------------------------------------------------
# Corrections in the store


def store_corrections(store: ox.Store, corrections: Corrections, iris: Iris) -> None:
    """Write the corrections graph and apply the curators' link decisions to the other graphs.

    Call it in a writer block, after anything that rewrites the authority graph (an ingest, a
    rebuild, a removal): it replaces ``{base}graph/corrections`` (no graph at all without
    corrections) and drops owl:sameAs links a curator rejected or overrode from the authority
    and online links graphs.
    """
    g = corrections_graph(iris)
    if corrections.items:
        replace_graphs(store, {g: correction_quads(corrections, iris)})
    elif store.contains_named_graph(g):  # the file was emptied: its statements go too
        store.remove_graph(g)
    for g in (iris.authority_graph(), links_graph(iris)):
        quads = list(store.quads_for_pattern(None, None, None, g))
        pruned = prune_overridden_links(quads, corrections, iris)
        if pruned != quads:
            replace_graphs(store, {g: pruned})


def apply_corrections(kg: KnowledgeGraph, corrections: Corrections) -> None:
    """`store_corrections` in its own write transaction."""
    with writer(kg.path) as w:
        store_corrections(w.store, corrections, kg.iris)


# --------------------------------------------------------------------------------------------
# Review


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
    survey = _survey(store, iris)
    curated = _curated_links(store, iris)
    accepted = {e for e, _, ok in curated if ok}
    rejected = {(e, q) for e, q, ok in curated if not ok}
    weak: list[ReviewItem] = []
    nil: list[ReviewItem] = []
    for entity, candidates in sorted(_online_links(store, iris).items()):
        if entity in accepted or entity not in survey.entities:
            continue
        kind, label = survey.entities[entity]
        candidates = tuple(sorted(candidates, key=lambda c: (not c.match, -c.score, c.wikidata)))
        matched = [c for c in candidates if c.match]
        if matched and matched[0].score < threshold:
            c = matched[0]
            weak.append(ReviewItem("weak-match", entity, _ref(entity, iris), label, kind, c.score,
                                   ONLINE_METHOD, f"linked to {c.wikidata} with score "
                                   f"{c.score:.3f} (below {threshold})", c.wikidata, candidates))
        elif not matched:
            plausible = [c for c in candidates
                         if c.score > 0 and (entity, c.wikidata) not in rejected]
            if plausible:
                nil.append(ReviewItem(
                    "nil", entity, _ref(entity, iris), label, kind, plausible[0].score,
                    ONLINE_METHOD, f"not linked; {len(plausible)} plausible candidate(s)",
                    None, tuple(plausible) + tuple(c for c in candidates if c not in plausible)))
    weak.sort(key=lambda i: (i.score, i.label))
    nil.sort(key=lambda i: (-i.score, i.label))
    mentions = _uncertain_mentions(store, iris, survey, threshold)
    return (weak + nil + mentions)[:max(limit, 0)]


_review_items = review  # `run_link_command` has a parameter named review


def _online_links(store: ox.Store, iris: Iris) -> dict[str, list[ReviewCandidate]]:
    g = links_graph(iris)
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


def _uncertain_mentions(store: ox.Store, iris: Iris, survey: _Survey, threshold: float
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
        kind, label = survey.entities.get(entity, ("", ""))
        items.append(ReviewItem(
            "mention", entity, _ref(entity, iris), label, kind, score, method,
            f"{text!r} resolved to {label or entity} by {method} ({score:.3f}) in "
            f"{len(docs)} document(s)", text=text, documents=tuple(sorted(docs))))
    items.sort(key=lambda i: (i.score, i.label, i.text or ""))
    return items


# --------------------------------------------------------------------------------------------
# The `kg link` command


def run_link_command(store: str | Path, *, online: bool = False, review: bool = False,
                     accept: Iterable[str] = (), reject: Iterable[str] = (),
                     corrections_path: str | Path | None = None,
                     cache_dir: str | Path | None = None, api_url: str = DEFAULT_API_URL,
                     output: str = "table", limit: int = 50,
                     threshold: float = DEFAULT_THRESHOLD, request_interval: float | None = None,
                     user_agent: str | None = None) -> str:
    """What ``kg link`` does; returns the text to print. Raises `LinkError` or `StoreError`.

    In order: record ``--accept``/``--reject`` decisions (``KEY=QID``; KEY is ``kind/key`` or a
    bare key the store knows) in the corrections file and apply them to the store at once;
    online (``--online`` or ``KG_WIKIDATA_ONLINE=1``), look up the unlinked entities; then
    report the state of the links and, with ``--review``, what a curator should look at.
    `request_interval` defaults to a 1 s pause between requests, none for a server on the
    loopback interface (a local mirror or test server is not Wikimedia's to protect).
    """
    from kg.api import KnowledgeGraph

    if output not in ("table", "json"):
        raise LinkError(f"unknown output format {output!r} (table or json)")
    online = online or online_from_env()
    kg = KnowledgeGraph(store)
    reader = kg.reader()
    if next(reader.quads_for_pattern(None, None, None, None), None) is None:
        raise LinkError(f"{store}: the store is empty; run `kg ingest` first")
    carried = None
    if corrections_path:
        path = Path(corrections_path)
        remember_corrections_path(kg.path, path)
    else:
        path = default_corrections_path(kg.path)
    try:
        carried = None if corrections_path else carry_over_corrections(kg.path)
        corrections = load_corrections(path, missing_ok=True)
        added = ([_decision(text, "accept", reader, kg.iris, path) for text in accept]
                 + [_decision(text, "reject", reader, kg.iris, path) for text in reject])
        if added:
            append_corrections(path, added)
            corrections = load_corrections(path)
    except CorrectionsError as exc:
        raise LinkError(str(exc)) from None
    del reader
    if added:
        apply_corrections(kg, corrections)
    client = None
    if online:
        agent = user_agent or os.environ.get(ENV_USER_AGENT)
        if request_interval is None:
            host = urllib.parse.urlsplit(api_url).hostname or ""
            request_interval = 0.0 if host in _LOOPBACK else 1.0
        client = WikidataClient(api_url, cache_dir=Path(cache_dir or kg.path / "wikidata-cache"),
                                min_interval=request_interval,
                                **({"user_agent": agent} if agent else {}))
    report = link_store(kg, online=online, client=client, threshold=threshold,
                        corrections=corrections)
    items = _review_items(kg, limit) if review else []
    if output == "json":
        return json.dumps(_as_json(report, items, added, path), indent=2,
                          ensure_ascii=False) + "\n"
    text = _as_table(report, items, added, path, review)
    return (f"note: {carried}\n" if carried else "") + text


def _decision(text: str, op: str, reader: ox.Store, iris: Iris, path: Path
              ) -> AcceptLink | RejectLink:
    key, sep, qid = text.partition("=")
    if not sep or not key.strip() or not qid.strip():
        raise LinkError(f"--{op} {text!r}: expected KEY=QID, e.g. --{op} person/andrei-gromyko="
                        f"Q123")
    ref = _entity_ref(key.strip(), reader, iris, op)
    try:
        parsed = parse_correction({"op": op, "entity": str(ref), "wikidata": qid.strip(),
                                   "note": f"kg link --{op}"}, Origin(str(path), 0))
    except ValueError as exc:
        raise LinkError(f"--{op} {text!r}: {exc}") from None
    return parsed  # type: ignore[return-value]  (op is accept or reject)


def _entity_ref(text: str, reader: ox.Store, iris: Iris, op: str) -> EntityRef:
    """``kind/key`` as given, or the one kind under which the store knows a bare key."""
    kinds = ("person", "place", "organization")
    if "/" in text:
        try:
            ref = EntityRef.parse(text)
        except ValueError as exc:
            raise LinkError(f"--{op}: {exc}") from None
        candidates = [ref]
    else:
        try:
            candidates = [EntityRef.parse(f"{k}/{text}") for k in kinds]
        except ValueError as exc:
            raise LinkError(f"--{op}: {exc}") from None
    known = [r for r in candidates
             if next(reader.quads_for_pattern(iris.entity_key(r.kind, r.key), None, None, None),
                     None) is not None]
    if not known:
        raise LinkError(f"--{op}: no entity {text!r} in the store (write kind/key, e.g. "
                        f"person/andrei-gromyko; `kg link --review` lists keys)")
    if len(known) > 1:
        raise LinkError(f"--{op}: {text!r} is ambiguous ({', '.join(map(str, known))}); "
                        f"write kind/key")
    return known[0]


def _as_json(report: LinkReport, items: list[ReviewItem], added, path: Path) -> dict:
    def decision(a: LinkAttempt) -> dict:
        d = a.decision
        out = {"entity": a.entity, "ref": a.ref, "label": a.label, "kind": a.kind,
               "document_date": a.document_date.isoformat() if a.document_date else None,
               "context": list(a.context)}
        if d is not None:
            out.update(wikidata=d.qid, match=d.match, score=d.score,
                       features=dict(d.features),
                       candidates=[{"wikidata": c.id, "label": c.label, "score": c.score,
                                    "rejected": c.rejected_reason} for c in d.candidates])
        return out

    return {
        "online": report.online,
        "entities": report.entities,
        "linked": report.linked,
        "unlinked": [decision(a) for a in report.attempts],
        "requests": report.requests,
        "cache_hits": report.cache_hits,
        "written": report.written,
        "corrections": {"file": str(path), "added": [
            {"op": "accept" if isinstance(c, AcceptLink) else "reject", "entity": str(c.entity),
             "wikidata": c.wikidata} for c in added]},
        "review": [{**asdict(i), "suggestion": i.suggestion} for i in items],
    }


def _as_table(report: LinkReport, items: list[ReviewItem], added, path: Path,
              reviewing: bool) -> str:
    lines = []
    for c in added:
        verb = "accepted" if isinstance(c, AcceptLink) else "rejected"
        lines.append(f"{verb} {c.entity} = {c.wikidata} (written to {path})")
    lines.append(report.summary())
    if report.online:
        for a in report.matched:
            lines.append(f"  linked  {a.ref} ({a.label}) -> {a.decision.qid} "
                         f"score {a.decision.score:.3f}")
    if reviewing:
        lines.append("")
        lines.append(f"Review: {len(items)} item(s)" + (":" if items else "."))
        for i in items:
            lines.append(f"- [{i.kind}] {i.ref} ({i.label}) score {i.score:.3f}: {i.reason}")
            for c in i.candidates[:5]:
                feats = ", ".join(f"{k} {v:.2f}" for k, v in c.features)
                lines.append(f"    {c.wikidata} {c.label!r} {c.score:.3f}"
                             + (" MATCH" if c.match else "") + (f" [{feats}]" if feats else "")
                             + (f" ({c.note})" if c.note else ""))
            lines.append(f"    -> {i.suggestion}")
    return "\n".join(lines) + "\n"

