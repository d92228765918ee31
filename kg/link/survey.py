"""What the store knows about Wikidata links: its entities, which graph links each of them,
and, for those without a link, what a lookup would ask (the earliest date of the documents
that mention them, and the Wikidata ids of the entities mentioned alongside).

Only reads the store; nothing here opens a socket or writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox

from kg.rdf.mapping import Iris
from kg.rdf.namespace import KG, OWL, PREFIXES, WD
from kg.resolve.wikidata import LinkDecision

__all__ = ["LinkAttempt", "Survey", "curated_links", "entity_ref", "survey", "unlinked"]

_KIND_OF_CLASS = {KG.Person.value: "person", KG.Place.value: "place",
                  KG.Organization.value: "organization"}
# The sources of a link, most authoritative first: a curator's word, then the authority.
_SOURCES = ("curated", "authority", "other", "online")


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
class Survey:
    """The store's people, places and organisations with their links, dates and neighbours."""

    entities: dict[str, tuple[str, str]]  # IRI -> (kind, label)
    links: dict[str, dict[str, set[str]]]  # IRI -> graph -> Wikidata ids
    dates: dict[str, date]  # document IRI -> earliest date
    docs_of: dict[str, set[str]]  # entity IRI -> documents mentioning it
    entities_of: dict[str, set[str]]  # document IRI -> entities it mentions


def survey(store: ox.Store, iris: Iris) -> Survey:
    """Read the entities, their owl:sameAs links to Wikidata (by graph) and their documents."""
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
    return Survey(entities, links, dates, docs_of, entities_of)


def _source_of(graph: str, iris: Iris) -> str:
    return {iris.authority_graph().value: "authority", iris.corrections_graph().value: "curated",
            iris.online_links_graph().value: "online"}.get(graph, "other")


def entity_ref(iri: str, iris: Iris) -> str:
    """``kind/key`` for an entity IRI of this store (the IRI itself for any other)."""
    return iris.prefix_of(ox.NamedNode(iri)) or iri


def unlinked(found: Survey, iris: Iris) -> tuple[list[LinkAttempt], dict[str, int]]:
    """Entities with no Wikidata link outside the online graph, with their date and context;
    and the number of linked entities by the source of their link."""
    online = iris.online_links_graph().value
    fixed = {e: set().union(*(ids for g, ids in by_graph.items() if g != online))
             for e, by_graph in found.links.items()}
    counts: dict[str, int] = defaultdict(int)
    attempts = []
    for iri, (kind, label) in sorted(found.entities.items()):
        graphs = {g for g, ids in found.links.get(iri, {}).items() if ids}
        if graphs:
            # one source per entity: a curator's word first, then the authority, then online
            sources = {_source_of(g, iris) for g in graphs}
            counts[next(s for s in _SOURCES if s in sources)] += 1
        if fixed.get(iri):
            continue
        docs = found.docs_of.get(iri, set())
        days = [found.dates[d] for d in docs if d in found.dates]
        context = sorted({qid for d in docs for other in found.entities_of[d] if other != iri
                          for qid in fixed.get(other, ())}, key=lambda q: int(q[1:]))
        attempts.append(LinkAttempt(iri, entity_ref(iri, iris), label, kind,
                                    min(days) if days else None, tuple(context)))
    return attempts, dict(counts)


def curated_links(store: ox.Store, iris: Iris) -> list[tuple[str, str, bool]]:
    """(entity IRI, Wikidata id, accepted?) for every curated link in the corrections graph."""
    rows = store.query(
        f"SELECT ?e ?t ?m WHERE {{ GRAPH {iris.corrections_graph()} {{ ?e kg:link ?l . "
        f"?l kg:linkMethod \"curated\" ; kg:linkTarget ?t ; kg:match ?m }} }}",
        prefixes=PREFIXES)
    return [(e.value, t.value[len(WD.iri):], m.value == "true") for e, t, m in rows
            if t.value.startswith(WD.iri)]
