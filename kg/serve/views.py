"""The data behind the pages of documents, people, places, organisations and any other IRI.

Each page function returns a typed view model (a dataclass, `kg.serve.models`): the HTML
template renders it and the JSON twin serialises it. Queries embed IRIs only through
`pyoxigraph.NamedNode`, which refuses anything that is not a valid IRI, so a crafted path
cannot inject SPARQL.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import urlencode

import pyoxigraph as ox

from kg.rdf.namespace import (
    DCTERMS,
    GEO,
    KG,
    KG_IRI,
    ONTOLOGY_FILE,
    OWL,
    PREFIXES,
    RDF,
    RDFS,
    SKOS,
)
from kg.serve.cite import Citation, citation
from kg.serve.models import PAGE_SIZE, DocBrief, Ref, Value
from kg.serve.snapshot import Snapshot
from kg.serve.subjects import MachineSubject, SubjectPage, machine_subjects, subject_page
from kg.store.index import DocumentSummary, SearchHit

# How a document relates to an entity, by predicate, in the order pages list them.
RELATIONS = {
    "author": "author", "recipient": "recipient", "intermediary": "intermediary",
    "participant": "participant", "mentions": "mentioned", "spatial": "place named",
    "impliedPlace": "place implied", "mentionsInText": "in full text",
    "curatedAuthor": "author (curated)", "curatedMention": "named (curated)",
    "curatedPlace": "place (curated)", "subject": "topic", "assignedSubject": "subject (machine)",
}
MENTION_ROWS = (("mentioned", "People and organisations"), ("places", "Places named"),
                ("implied_places", "Places implied"), ("in_full_text", "In the full text"),
                ("topics", "Topics"), ("subject_headings", "Subject headings"),
                ("curated_authors", "Authors (curated)"), ("curated_names", "Names (curated)"),
                ("curated_places", "Places (curated)"))
CORRESPONDENCE = ("author", "recipient", "intermediary", "participant")
KINDS = {"Person": "person", "Place": "place", "Organization": "organization",
         "Document": "document", "Role": "role", "SubjectHeading": "subject", "Topic": "topic",
         "SourceGraph": "graph"}
EVENT_CLASSES = ("Event", "Communication", "Conversation", "Signing", "Decision", "Visit")
# Words for the few terms of other vocabularies a page shows (the ontology labels its own).
TERM_WORDS = {
    RDF.type.value: "is a", RDFS.label.value: "name", RDFS.comment.value: "note",
    SKOS.prefLabel.value: "preferred name", SKOS.altLabel.value: "also called",
    SKOS.broader.value: "broader heading", SKOS.closeMatch.value: "close match",
    SKOS.inScheme.value: "in scheme", DCTERMS.title.value: "title",
    DCTERMS.subject.value: "subject heading", DCTERMS.rights.value: "rights",
    OWL.sameAs.value: "same as", GEO.lat.value: "latitude", GEO.long.value: "longitude",
}


def ref(snap: Snapshot, iri: str) -> Ref:
    return Ref(iri, snap.label(iri))


def refs(snap: Snapshot, iris: list[str]) -> list[Ref]:
    return [ref(snap, i) for i in iris]


@lru_cache(maxsize=1)
def _ontology_labels() -> dict[str, str]:
    out: dict[str, str] = {}
    for quad in ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE):
        if quad.predicate == RDFS.label and isinstance(quad.object, ox.Literal):
            out.setdefault(quad.subject.value, quad.object.value)
    return out


def term_label(iri: str) -> str:
    """A term (class or property) in words: the ontology's label, else its name spelt out."""
    found = TERM_WORDS.get(iri) or _ontology_labels().get(iri)
    if found:
        return found
    local = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).lower() or iri


def term_value(snap: Snapshot, term) -> Value:
    """A term as something to read: IRIs by their label, literals by their text."""
    if isinstance(term, ox.NamedNode):
        label = snap.known_labels([term.value]).get(term.value) \
            or _ontology_labels().get(term.value) or snap.label(term.value)
        return Value(label, iri=term.value)
    if isinstance(term, ox.BlankNode):
        return Value(f"(an unnamed node {term.value})")
    datatype = None if term.language or term.datatype.value.endswith("#string") \
        else term.datatype.value
    return Value(term.value, lang=term.language or None, datatype=datatype)


def compact(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and iri != ns:
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)  # raises ValueError on anything that is not an IRI


def props(snap: Snapshot, iri: str) -> dict[str, list]:
    """Objects of each predicate of a subject, across graphs, without duplicates."""
    out: dict[str, list] = defaultdict(list)
    seen: set[tuple[str, Any]] = set()  # (a post has hundreds of attestations: no list scan)
    for q in snap.store.quads_for_pattern(node(iri), None, None, None):
        key = (q.predicate.value, q.object)
        if key not in seen:
            seen.add(key)
            out[q.predicate.value].append(q.object)
    return out


def distinct_props(snap: Snapshot, iri: str) -> dict[str, list]:
    """`props` deduplicated by the store (one SPARQL query): for a subject every graph
    repeats (a document type, a source, a method: one statement per document graph, tens of
    thousands at 100k entries), where reading each quad into Python would cost seconds."""
    out: dict[str, list] = defaultdict(list)
    for r in snap.select(f"SELECT DISTINCT ?p ?o WHERE {{ {node(iri)} ?p ?o }}"):
        out[r["p"].value].append(r["o"])
    return out


def _texts(values: list) -> list[str]:
    return sorted({v.value for v in values if isinstance(v, ox.Literal)})


def _first(values: list) -> str | None:
    texts = _texts(values)
    return texts[0] if texts else None


def _iris(values: list) -> list[str]:
    return sorted({v.value for v in values if isinstance(v, ox.NamedNode)})


def kind_of(snap: Snapshot, iri: str) -> str | None:
    """person, place, organization, document, role, event, graph... from the rdf:type (its
    classes deduplicated by the store: a document type is typed again in every graph)."""
    for row in snap.select(f"SELECT DISTINCT ?t WHERE {{ {node(iri)} a ?t }}"):
        t = row["t"].value
        local = t[len(KG_IRI):] if t.startswith(KG_IRI) else ""
        if local in KINDS:
            return KINDS[local]
        if local in EVENT_CLASSES:
            return "event"
    return None


def exists(snap: Snapshot, iri: str) -> bool:
    """Whether the graph uses an IRI at all: as subject, as object, as a graph, or through
    #fragments (one look-up in the generation's derived data, never a scan of the store).

    An IRI only ever used as an object (an extraction method, say) still gets a page listing
    what refers to it, rather than a 404 for a link the site itself shows.
    """
    return snap.index.exists(iri)


def fragments(snap: Snapshot, iri: str, limit: int = 500) -> list[str]:
    """The #fragments of an IRI the graph describes (a person's name attestations, a role's
    attestations, a place's Wikidata statement and its source...), found from the IRI
    itself: fragments its statements point to, fragments those point to, and the subjects of
    the graph the IRI names. Indexed look-ups only; never a scan of every subject."""
    prefix = iri + "#"
    found: dict[str, None] = {}
    for q in snap.store.quads_for_pattern(None, None, None, node(iri)):
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(prefix):
            found.setdefault(q.subject.value)
            if len(found) >= limit:
                return sorted(found)
    todo = [iri, *found]
    seen = set(todo)
    while todo and len(found) < limit:
        # objects deduplicated by the store: a subject every graph repeats (a document
        # type, a method) has thousands of quads. (No FILTER: pyoxigraph then decodes every
        # object, 8x slower than the DISTINCT alone.)
        for r in snap.select(f"SELECT DISTINCT ?o WHERE {{ {node(todo.pop())} ?p ?o }}"):
            o = r["o"].value
            if isinstance(r["o"], ox.NamedNode) and o.startswith(prefix) and o not in seen:
                seen.add(o)
                found.setdefault(o)
                todo.append(o)
    return sorted(found)[:limit]


# ---------------------------------------------------------------------------------------------
# The document catalogue: rows of the generation's derived data


def doc_sort_key(doc: Any) -> tuple[str, str]:
    return (doc.earliest or "9999", doc.title or "")


def type_ref(snap: Snapshot, iri: str | None) -> Ref | None:
    return ref(snap, iri) if iri else None


def brief_of(snap: Snapshot, row: DocumentSummary | SearchHit, *,
             summary: bool = False) -> DocBrief:
    """A catalogue row (of the index) as a list line."""
    date = row.date if isinstance(row, SearchHit) else (row.date or row.date_text)
    return DocBrief(row.iri, row.title, date, row.earliest, type=type_ref(snap, row.type),
                    summary=row.summary if summary else None)


def doc_brief(snap: Snapshot, iri: str) -> DocBrief:
    doc = snap.index.document(iri)
    if doc is None:
        return DocBrief(iri, snap.label(iri))
    return DocBrief(iri, doc.title or snap.label(iri), doc.date or doc.date_text, doc.earliest)


def _relations(rows: list[dict]) -> dict[str, list[str]]:
    """How each document (?d) relates to the entity, in words, from its predicates (?p), in
    the order pages list them."""
    relations: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        local = row["p"].value[len(KG_IRI):] if row["p"].value.startswith(KG_IRI) else None
        name = RELATIONS.get(local or "", compact(row["p"].value))
        if name not in relations[row["d"].value]:
            relations[row["d"].value].append(name)
    order = list(RELATIONS.values())
    return {d: sorted(names, key=lambda n: order.index(n) if n in order else 99)
            for d, names in relations.items()}


# ---------------------------------------------------------------------------------------------
# Long lists, a page at a time

ROLE_DOCUMENTS = 10  # documents listed under a post (all are counted)
NAME_DOCUMENTS = 3  # documents listed under a name a person went by (all are counted)
LISTED = 50  # places within a place, its nationals, an organisation's parts, correspondents


class PageNotFound(LookupError):
    """A page number past the last page of a list: 404, with a link to the last page."""

    def __init__(self, page: int, last: int):
        super().__init__(f"there is no page {page}: the last page is {last}")
        self.page, self.last = page, last


def page_number(text: str | None) -> int:
    """The ``page`` parameter of a URL, from 1; ValueError says why it is not one."""
    if text is None or not text.strip():
        return 1
    try:
        number = int(text.strip())
    except ValueError:
        raise ValueError(f"page {text!r} is not a number") from None
    if number < 1:
        raise ValueError("pages are numbered from 1")
    return number


@dataclass
class Pager:
    """Where a page is in a long list (the JSON twin's page, pages, page_size, total)."""

    page: int = 1
    pages: int = 1
    page_size: int = PAGE_SIZE
    total: int = 0

    @classmethod
    def of(cls, page: int, page_size: int, total: int) -> Pager:
        """Raises PageNotFound for a page past the last (an empty list has one, empty)."""
        pages = max(1, -(-total // page_size))
        if page > pages:
            raise PageNotFound(page, pages)
        return cls(page, pages, page_size, total)

    def fields(self) -> dict[str, int]:
        """The page model's fields that say where its list is (the same names on every
        paged page)."""
        return {"page": self.page, "pages": self.pages, "page_size": self.page_size,
                "total": self.total}


def entity_documents(snap: Snapshot, iri: str, page: int = 1) -> tuple[list[DocBrief], Pager]:
    """One page of the documents that link to a person, place or organisation, in date order,
    each with how it relates to the entity (asked of the store for this page's documents
    only), and where the page is in the list. From the generation's index: the cost does not
    grow with the number of documents."""
    found = snap.index.entity_documents(iri, page, PAGE_SIZE)
    pager = Pager.of(page, PAGE_SIZE, found.total)
    briefs = [brief_of(snap, d) for d in found.documents]
    if briefs:
        values = " ".join(str(node(b.iri)) for b in briefs)
        relations = _relations(snap.select(
            f"SELECT DISTINCT ?d ?p WHERE {{ VALUES ?d {{ {values} }} ?d ?p {node(iri)} }}"))
        for b in briefs:
            b.relations = relations.get(b.iri, [])
    return briefs, pager


def first_briefs(snap: Snapshot, iris: set[str], limit: int) -> list[DocBrief]:
    """The first `limit` of these documents in date order, as list lines."""
    return [brief_of(snap, d) for d in snap.index.first_documents(iris, limit)]


def top_refs(snap: Snapshot, sparql: str) -> tuple[list[Ref], int]:
    """The IRIs a query's ?x binds: the LISTED most documented (then by label), and how
    many there are."""
    iris = {r["x"].value for r in snap.select(sparql) if isinstance(r.get("x"), ox.NamedNode)}
    top = snap.index.top_entities(iris, LISTED)
    return [Ref(e.iri, e.label or snap.label(e.iri)) for e in top], len(iris)


# ---------------------------------------------------------------------------------------------
# Documents


@dataclass
class DocDate:
    value: str | None
    text: str | None
    precision: str | None
    edtf: str | None
    earliest: str | None
    latest: str | None


@dataclass
class EventInfo:
    """An event a document records, as a sentence: who, to whom, via whom, when."""

    iri: str
    kind: str  # the event's class in words ("Communication", "Conversation"...)
    types: list[Ref]
    date: str | None
    sender: list[Ref]
    addressee: list[Ref]
    via: list[Ref]
    eventParticipant: list[Ref]  # noqa: N815 (the ontology's name, kept in the JSON twin)
    document: DocBrief | None = None


@dataclass
class SourceInfo:
    graph: str
    source: str | None
    name: str | None
    kind: str | None
    line: str | None
    versions: dict[str, str | None]


@dataclass
class MentionInfo:
    iri: str
    entity: Ref
    text: str | None
    field: str | None
    start: int | None
    end: int | None
    method: Ref | None
    confidence: float | None
    link_method: str | None
    score: float | None
    graph: str
    candidate: bool


@dataclass
class RoleInDoc:
    iri: str
    label: str
    holder: Ref
    post: Ref | None


@dataclass
class NameInDoc:
    person: Ref
    name: str
    pseudonym: bool


@dataclass
class DocumentPage:
    template: ClassVar[str] = "document.html"
    iri: str
    title: str
    summary: str | None
    date: DocDate
    type: Ref | None
    number: str | None
    classification: str | None
    record_id: str | None
    url: str | None
    archive: str | None
    language: str | None
    rights: list[str]
    full_text: str | None
    problems: list[str]
    correspondents: dict[str, list[Ref]]
    named: dict[str, list[Ref]]
    event: list[EventInfo]
    sources: list[SourceInfo]
    machine_subjects: list[MachineSubject]
    mentions: list[MentionInfo]
    roles: list[RoleInDoc]
    names: list[NameInDoc]
    citation: Citation
    kind: str = "document"

    @property
    def heading(self) -> str:
        return self.title

    @property
    def mentioned(self) -> list[tuple[str, list[Ref]]]:
        """The entities the document names, by how, in reading order."""
        return [(name, self.named[key]) for key, name in MENTION_ROWS if self.named.get(key)]


def document_page(snap: Snapshot, iri: str) -> DocumentPage:
    p = props(snap, iri)
    doc = snap.index.document(iri)
    title = (doc.title if doc else None) or snap.label(iri)
    date = DocDate(doc.date if doc else None, doc.date_text if doc else None,
                   _first(p.get(KG.datePrecision.value, [])), _first(p.get(KG.edtf.value, [])),
                   doc.earliest if doc else None, doc.latest if doc else None)
    named = {}
    for local, key in (("mentions", "mentioned"), ("spatial", "places"),
                       ("impliedPlace", "implied_places"), ("mentionsInText", "in_full_text"),
                       ("subject", "topics"), ("curatedAuthor", "curated_authors"),
                       ("curatedMention", "curated_names"), ("curatedPlace", "curated_places")):
        named[key] = refs(snap, _iris(p.get(KG.term(local).value, [])))
    named["subject_headings"] = refs(snap, _iris(p.get(DCTERMS.subject.value, [])))
    correspondents = {rel: refs(snap, _iris(p.get(KG.term(rel).value, [])))
                      for rel in CORRESPONDENCE}
    sources = _sources(snap, iri)
    url = next((v.value for v in p.get(KG.url.value, [])), None)
    record_id = _first(p.get(KG.recordId.value, []))
    archive = _first(p.get(KG.archive.value, []))
    page = DocumentPage(
        iri=iri, title=title, summary=(doc.summary if doc else None) or None, date=date,
        type=type_ref(snap, doc.type if doc else None),
        number=_first(p.get(KG.documentNumber.value, [])),
        classification=_first(p.get(KG.classification.value, [])),
        record_id=record_id, url=url, archive=archive,
        language=_first(p.get(KG.language.value, [])),
        rights=_rights(snap, p, sources),
        full_text=_first(p.get(KG.fullText.value, [])),
        problems=_texts(p.get(KG.problem.value, [])),
        correspondents=correspondents, named=named,
        event=[_event(snap, e) for e in _iris(p.get(KG.records.value, []))],
        sources=sources, machine_subjects=machine_subjects(snap, iri),
        mentions=_mentions(snap, iri), roles=_doc_roles(snap, iri), names=_doc_names(snap, iri),
        citation=citation(iri=iri, title=title, date=date.value, date_text=date.text,
                          earliest=date.earliest, archive=archive, url=url,
                          record_id=record_id, number=_first(p.get(KG.documentNumber.value, [])),
                          authors=[r.label for r in correspondents["author"]],
                          recipients=[r.label for r in correspondents["recipient"]],
                          publisher=_publisher(sources)),
    )
    return page


def _publisher(sources: list[SourceInfo]) -> str | None:
    """Who published the catalogue entry: the source's name when it is not a file name."""
    for s in sources:
        if s.name and not re.search(r"\.(txt|csv|tsv|json|jsonl|html?)$", s.name, re.I):
            return s.name
    return None


def _rights(snap: Snapshot, p: dict[str, list], sources: list[SourceInfo]) -> list[str]:
    """The source's rights statement, as the graph records it on the record or its graph."""
    found = _texts(p.get(KG.rights.value, [])) + _texts(p.get(DCTERMS.rights.value, []))
    for s in sources:
        gp = props(snap, s.graph)
        found += _texts(gp.get(DCTERMS.rights.value, [])) + _texts(gp.get(KG.rights.value, []))
    return list(dict.fromkeys(found))


def _doc_roles(snap: Snapshot, iri: str) -> list[RoleInDoc]:
    # what the document says about posts, each with the post it counts for (summary graph)
    rows = snap.select(f"SELECT DISTINCT ?a ?w ?h ?p WHERE {{ ?a a kg:RoleAttestation ; "
                       f"kg:attestedBy {node(iri)} ; kg:holder ?h ; rdfs:label ?w . "
                       f"OPTIONAL {{ ?p kg:attestation ?a }} }} ORDER BY ?w ?a")
    return [RoleInDoc(r["p"].value if "p" in r else r["a"].value, r["w"].value,
                      ref(snap, r["h"].value), ref(snap, r["p"].value) if "p" in r else None)
            for r in rows]


def _doc_names(snap: Snapshot, iri: str) -> list[NameInDoc]:
    rows = snap.select(f"SELECT DISTINCT ?p ?n ?ps WHERE {{ ?a kg:attestedBy {node(iri)} ; "
                       f"kg:attestedName ?n . ?p kg:nameAttestation ?a . "
                       f"OPTIONAL {{ ?a kg:isPseudonym ?ps }} }} ORDER BY ?n")
    return [NameInDoc(ref(snap, r["p"].value), r["n"].value,
                      r.get("ps") is not None and r["ps"].value == "true") for r in rows]


def _event(snap: Snapshot, iri: str) -> EventInfo:
    p = props(snap, iri)
    types = [t for t in _iris(p.get(RDF.type.value, [])) if t.startswith(KG_IRI)]
    specific = [t for t in types if not t.endswith("#Event")] or types
    recorded_by = [r["d"].value for r in snap.select(
        f"SELECT DISTINCT ?d WHERE {{ ?d kg:records {node(iri)} }} ORDER BY ?d LIMIT 1")]
    return EventInfo(
        iri=iri, kind=term_label(specific[0]) if specific else "Event",
        types=[Ref(t, term_label(t)) for t in types],
        date=_first(p.get(KG.date.value, [])),
        sender=refs(snap, _iris(p.get(KG.sender.value, []))),
        addressee=refs(snap, _iris(p.get(KG.addressee.value, []))),
        via=refs(snap, _iris(p.get(KG.via.value, []))),
        eventParticipant=refs(snap, _iris(p.get(KG.eventParticipant.value, []))),
        document=doc_brief(snap, recorded_by[0]) if recorded_by else None)


def _sources(snap: Snapshot, iri: str) -> list[SourceInfo]:
    out = []
    rows = snap.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g kg:aboutDocument {node(iri)} "
                       f"}} }} ORDER BY ?g")
    for row in rows:
        g = row["g"].value
        gp = props(snap, g)
        src = next(iter(_iris(gp.get(KG.source.value, []))), None)
        sp = props(snap, src) if src else {}
        out.append(SourceInfo(
            graph=g, source=src, name=_first(sp.get(KG.sourceName.value, [])),
            kind=_first(gp.get(KG.sourceKind.value, [])) or _first(
                sp.get(KG.sourceKind.value, [])),
            line=_first(gp.get(KG.sourceLine.value, [])),
            versions={k: _first(gp.get(KG.term(f"{k}Version").value, []))
                      for k in ("extractor", "model", "authority", "ontology")}))
    return out


def _mentions(snap: Snapshot, iri: str) -> list[MentionInfo]:
    rows = snap.select(f"""SELECT ?m ?e ?text ?field ?start ?end ?method ?conf ?lm ?score ?candidate
        WHERE {{
        ?m kg:inDocument {node(iri)} ; kg:mentionOf ?e .
        BIND(EXISTS {{ ?m a kg:CandidateMention }} && NOT EXISTS {{ ?e a ?class }}
             AS ?candidate)
        OPTIONAL {{ ?m kg:text ?text }} OPTIONAL {{ ?m kg:field ?field }}
        OPTIONAL {{ ?m kg:start ?start }} OPTIONAL {{ ?m kg:end ?end }}
        OPTIONAL {{ ?m kg:method ?method }} OPTIONAL {{ ?m kg:confidence ?conf }}
        OPTIONAL {{ ?m kg:linkMethod ?lm }} OPTIONAL {{ ?m kg:score ?score }} }}""")
    field_order = {"title": 0, "summary": 1, "full_text": 2}
    out = [MentionInfo(
        iri=r["m"].value, entity=ref(snap, r["e"].value),
        text=r["text"].value if "text" in r else None,
        field=r["field"].value if "field" in r else None,
        start=int(r["start"].value) if "start" in r else None,
        end=int(r["end"].value) if "end" in r else None,
        method=ref(snap, r["method"].value) if "method" in r else None,
        confidence=float(r["conf"].value) if "conf" in r else None,
        link_method=r["lm"].value if "lm" in r else None,
        score=float(r["score"].value) if "score" in r else None,
        graph=r["m"].value.split("#", 1)[0],
        # a name nothing corroborates: no entity (yet), see candidate_page
        candidate="candidate" in r and r["candidate"].value == "true") for r in rows]
    out.sort(key=lambda m: (field_order.get(m.field or "", 9), m.start or 0, m.iri))
    return out


# ---------------------------------------------------------------------------------------------
# People, places, organisations


@dataclass
class NameAttestation:
    """A name a person went by in documents: how many attest it, and the first few."""

    name: str | None
    pseudonym: bool
    count: int
    documents: list[DocBrief]


@dataclass
class Post:
    """One post: attested by documents (span = first and last attested date) or from the
    authority file (span = its years)."""

    iri: str
    label: str
    head: str | None
    source: str
    wordings: list[str]
    holder: list[Ref]
    post_in: list[Ref]
    role_to: list[Ref]
    authority_post: list[Ref]
    attested_by: list[DocBrief]  # the first ROLE_DOCUMENTS, in date order
    evidence: int  # documents attesting the post, all of them
    from_: str | None
    to: str | None


@dataclass
class Counterpart:
    iri: str
    label: str
    count: int


@dataclass
class EntityPage:
    """What every person, place and organisation page has."""

    template: ClassVar[str] = "entity.html"
    iri: str
    kind: str
    label: str
    labels: list[str]
    pref_labels: list[str]
    alt_labels: list[str]
    authority_id: str | None
    resolved: bool | None
    same_as: list[Ref]
    documents: list[DocBrief] = field(default_factory=list)  # one page of them, date order
    roles: list[Post] = field(default_factory=list)  # the LISTED most attested
    roles_total: int = 0
    # where `documents` is in the list of all of them (`total` documents, `pages` pages)
    page: int = 1
    pages: int = 1
    page_size: int = PAGE_SIZE
    total: int = 0
    # the documents browse page filtered by this entity (facets, search within them)
    browse: str | None = field(default=None, metadata={"json": False})

    @property
    def heading(self) -> str:
        return self.label

    @property
    def other_labels(self) -> list[str]:
        return list(dict.fromkeys(x for x in self.labels + self.pref_labels if x != self.label))


@dataclass
class PersonPage(EntityPage):
    template: ClassVar[str] = "person.html"
    pseudonyms: list[str] = field(default_factory=list)
    born: str | None = None
    died: str | None = None
    nationality: list[Ref] = field(default_factory=list)
    name_attestations: list[NameAttestation] = field(default_factory=list)
    wrote_to: list[Counterpart] = field(default_factory=list)  # the LISTED most written to
    received_from: list[Counterpart] = field(default_factory=list)
    wrote_to_total: int = 0
    received_from_total: int = 0


@dataclass
class PlacePage(EntityPage):
    template: ClassVar[str] = "place.html"
    type: str | None = None
    within: list[Ref] = field(default_factory=list)
    coordinates: dict[str, float] | None = None
    contains: list[Ref] = field(default_factory=list)  # the LISTED most documented
    contains_total: int = 0
    people: list[Ref] = field(default_factory=list)  # nationals, the LISTED most documented
    people_total: int = 0


@dataclass
class OrganizationPage(EntityPage):
    template: ClassVar[str] = "organization.html"
    type: str | None = None
    country: list[Ref] = field(default_factory=list)
    part_of: list[Ref] = field(default_factory=list)
    parts: list[Ref] = field(default_factory=list)  # the LISTED most documented
    parts_total: int = 0


def _entity_common(snap: Snapshot, iri: str, kind: str) -> tuple[dict[str, Any], dict]:
    p = props(snap, iri)
    labels = _texts(p.get(RDFS.label.value, []))
    pref = [v.value for v in p.get(SKOS.prefLabel.value, []) if isinstance(v, ox.Literal)]
    alt = sorted({v.value for v in p.get(SKOS.altLabel.value, []) if isinstance(v, ox.Literal)}
                 - set(labels))
    resolved = _first(p.get(KG.resolved.value, []))
    common = {
        "iri": iri, "kind": kind, "label": snap.label(iri), "labels": labels,
        "pref_labels": sorted(set(pref)), "alt_labels": alt,
        "authority_id": _first(p.get(KG.authorityId.value, [])),
        "resolved": None if resolved is None else resolved == "true",
        "same_as": [Ref(s, compact(s)) for s in _iris(p.get(OWL.sameAs.value, []))],
    }
    return common, p


BROWSE_PARAMS = {"person": "person", "place": "place", "organization": "org", "topic": "topic"}


def _browse(snap: Snapshot, iri: str, kind: str) -> str:
    """The documents browse page filtered by an entity (its URL parameter by kind)."""
    return "/documents?" + urlencode({BROWSE_PARAMS[kind]: snap.local_path(iri) or iri})


def _documents_part(snap: Snapshot, iri: str, kind: str, page: int) -> dict[str, Any]:
    """The fields of an entity page about its documents: one page of them and the pager."""
    documents, pager = entity_documents(snap, iri, page)
    return {"documents": documents, **pager.fields(), "browse": _browse(snap, iri, kind)}


def person_page(snap: Snapshot, iri: str, page: int = 1) -> PersonPage:
    common, p = _entity_common(snap, iri, "person")
    wrote_to, received_from = _counterparts(snap, iri)
    return PersonPage(
        **common, **_documents_part(snap, iri, "person", page),
        **_roles_part(snap, iri, "holder"),
        pseudonyms=_texts(p.get(KG.pseudonym.value, [])),
        born=_first(p.get(KG.birthYear.value, [])), died=_first(p.get(KG.deathYear.value, [])),
        nationality=refs(snap, _iris(p.get(KG.nationality.value, []))),
        name_attestations=name_attestations(snap, iri),
        wrote_to=wrote_to[:LISTED], received_from=received_from[:LISTED],
        wrote_to_total=len(wrote_to), received_from_total=len(received_from))


def _roles_part(snap: Snapshot, iri: str, *relations: str) -> dict[str, Any]:
    roles, total = roles_where(snap, iri, *relations)
    return {"roles": roles, "roles_total": total}


def name_attestations(snap: Snapshot, iri: str) -> list[NameAttestation]:
    """The names a person went by in documents (one attestation per document and name), by
    name: pseudonym or not, how many documents, the first NAME_DOCUMENTS of them."""
    rows = snap.select(f"SELECT DISTINCT ?n ?ps ?d WHERE {{ {node(iri)} kg:nameAttestation ?a . "
                       f"?a kg:attestedBy ?d . OPTIONAL {{ ?a kg:attestedName ?n }} "
                       f"OPTIONAL {{ ?a kg:isPseudonym ?ps }} }}")
    by_name: dict[tuple[str | None, bool], set[str]] = defaultdict(set)
    for r in rows:
        name = r["n"].value if "n" in r else None
        by_name[(name, "ps" in r and r["ps"].value == "true")].add(r["d"].value)
    out = [NameAttestation(name, pseudonym, len(docs),
                           first_briefs(snap, docs, NAME_DOCUMENTS))
           for (name, pseudonym), docs in by_name.items()]
    out.sort(key=lambda a: (a.name or "", a.pseudonym))
    return out


def roles_where(snap: Snapshot, iri: str, *relations: str) -> tuple[list[Post], int]:
    """Posts whose kg:holder / kg:postIn / kg:roleTo (any of `relations`) is `iri`, one line
    each: the posts the documents attest (merged across wordings, with their tenure as first
    and last attested date and their evidence), and the posts the authority file knows
    (source "authority"). A country or a ministry has hundreds: the LISTED most attested
    (by kg:documentCount, one query for all of them) are read, and all are counted."""
    predicates = " ".join(f"kg:{r}" for r in relations)
    rows = snap.select(f"SELECT DISTINCT ?r ?n WHERE {{ VALUES ?rel {{ {predicates} }} "
                       f"?r a kg:Role ; ?rel {node(iri)} OPTIONAL {{ ?r kg:documentCount ?n }} }}")
    counts: dict[str, int] = {}
    for row in rows:
        n = int(row["n"].value) if "n" in row and row["n"].value.isdigit() else 0
        counts[row["r"].value] = max(n, counts.get(row["r"].value, 0))
    chosen = sorted(counts, key=lambda r: (-counts[r], r))[:LISTED]
    attesting = _attesting_documents(snap, chosen)
    out = []
    for r in chosen:
        rp = props(snap, r)
        docs = attesting.get(r, set())
        briefs = first_briefs(snap, docs, ROLE_DOCUMENTS)
        count = _first(rp.get(KG.documentCount.value, []))
        start, end = (_first(rp.get(KG.startYear.value, [])), _first(rp.get(KG.endYear.value, [])))
        out.append(Post(
            iri=r, label=snap.label(r), head=_first(rp.get(KG.roleHead.value, [])),
            source=_first(rp.get(KG.sourceKind.value, [])) or "attested",
            wordings=_texts(rp.get(SKOS.altLabel.value, [])),
            holder=refs(snap, _iris(rp.get(KG.holder.value, []))),
            post_in=refs(snap, _iris(rp.get(KG.postIn.value, []))),
            role_to=refs(snap, _iris(rp.get(KG.roleTo.value, []))),
            authority_post=refs(snap, _iris(rp.get(KG.matchesPost.value, []))),
            attested_by=briefs, evidence=int(count) if count else len(docs),
            from_=_first(rp.get(KG.firstDate.value, [])) or start,
            to=_first(rp.get(KG.lastDate.value, [])) or end))
    out.sort(key=lambda r: (r.holder[0].label if r.holder else "", r.from_ or "9999",
                            r.source, r.label))
    return out, len(counts)


def _attesting_documents(snap: Snapshot, posts: list[str]) -> dict[str, set[str]]:
    """The documents attesting each post (through its attestations), in one query."""
    if not posts:
        return {}
    values = " ".join(str(node(r)) for r in posts)
    out: dict[str, set[str]] = defaultdict(set)
    for row in snap.select(f"SELECT DISTINCT ?r ?d WHERE {{ VALUES ?r {{ {values} }} "
                           f"?r kg:attestation ?a . ?a kg:attestedBy ?d }}"):
        out[row["r"].value].add(row["d"].value)
    return out


def _counterparts(snap: Snapshot, iri: str) -> tuple[list[Counterpart], list[Counterpart]]:
    """Whom `iri` wrote to and whom they received letters from, with the number of letters
    each way: the generation's letters table, indexed look-ups."""
    found = snap.index.correspondents(iri)
    labels = snap.known_labels([c.iri for c in found.wrote_to + found.received_from])

    def listed(side) -> list[Counterpart]:
        out = [Counterpart(c.iri, labels.get(c.iri) or snap.label(c.iri), c.documents)
               for c in side]
        out.sort(key=lambda c: (-c.count, c.label))
        return out
    return listed(found.wrote_to), listed(found.received_from)


def place_page(snap: Snapshot, iri: str, page: int = 1) -> PlacePage:
    common, p = _entity_common(snap, iri, "place")
    lat, long = _first(p.get(GEO.lat.value, [])), _first(p.get(GEO.long.value, []))
    contains, contains_total = top_refs(
        snap, f"SELECT DISTINCT ?x WHERE {{ ?x kg:within {node(iri)} }}")
    people, people_total = top_refs(
        snap, f"SELECT DISTINCT ?x WHERE {{ ?x kg:nationality {node(iri)} }}")
    return PlacePage(
        **common, **_documents_part(snap, iri, "place", page),
        **_roles_part(snap, iri, "roleTo", "postIn"),
        type=_first(p.get(KG.placeType.value, [])),
        within=refs(snap, _iris(p.get(KG.within.value, []))),
        coordinates=({"lat": float(lat), "long": float(long)}
                     if lat is not None and long is not None else None),
        contains=contains, contains_total=contains_total, people=people,
        people_total=people_total)


def organization_page(snap: Snapshot, iri: str, page: int = 1) -> OrganizationPage:
    common, p = _entity_common(snap, iri, "organization")
    parts, parts_total = top_refs(
        snap, f"SELECT DISTINCT ?x WHERE {{ ?x kg:parentOrganization {node(iri)} }}")
    return OrganizationPage(
        **common, **_documents_part(snap, iri, "organization", page),
        **_roles_part(snap, iri, "postIn"),
        type=_first(p.get(KG.organizationType.value, [])),
        country=refs(snap, _iris(p.get(KG.country.value, []))),
        part_of=refs(snap, _iris(p.get(KG.parentOrganization.value, []))),
        parts=parts, parts_total=parts_total)


# ---------------------------------------------------------------------------------------------
# Events, source graphs and any other IRI, as text


@dataclass
class EventPage:
    template: ClassVar[str] = "event.html"
    iri: str
    label: str
    event: EventInfo
    kind: str = "event"

    @property
    def heading(self) -> str:
        return self.label


def event_page(snap: Snapshot, iri: str) -> EventPage:
    return EventPage(iri, snap.label(iri), _event(snap, iri))


@dataclass
class Statement:
    """One statement in words: subject, what is said (the property's label), value."""

    subject: Ref
    property: Ref
    value: Value


@dataclass
class RecordField:
    name: str
    text: str


@dataclass
class GraphPage:
    """A (document, source) named graph: where its statements come from, and the statements."""

    template: ClassVar[str] = "graph.html"
    iri: str
    label: str
    document: DocBrief | None
    source: Ref | None
    source_kind: str | None
    line: str | None
    versions: dict[str, str | None]
    record: list[RecordField]
    statements: list[Statement]
    truncated: bool
    kind: str = "graph"

    @property
    def heading(self) -> str:
        return self.label

    @property
    def groups(self) -> list[tuple[Ref, list[Statement]]]:
        """The statements by what they are about, in the order they are listed."""
        out: list[tuple[Ref, list[Statement]]] = []
        for st in self.statements:
            if not out or out[-1][0] != st.subject:
                out.append((st.subject, []))
            out[-1][1].append(st)
        return out


MAX_STATEMENTS = 400


def graph_page(snap: Snapshot, iri: str) -> GraphPage:
    gp = props(snap, iri)
    doc = next(iter(_iris(gp.get(KG.aboutDocument.value, []))), None)
    src = next(iter(_iris(gp.get(KG.source.value, []))), None)
    raw = _first(gp.get(KG.rawRecord.value, []))
    statements = []
    quads = snap.store.quads_for_pattern(None, None, None, node(iri))
    for q in quads:
        if q.subject.value == iri or q.predicate == KG.rawRecord:
            continue  # the graph's own provenance is shown above
        if len(statements) >= MAX_STATEMENTS:
            break
        subject = (ref(snap, q.subject.value) if isinstance(q.subject, ox.NamedNode)
                   else Ref("", "(an unnamed node)"))
        statements.append(Statement(subject, Ref(q.predicate.value,
                                                 term_label(q.predicate.value)),
                                    term_value(snap, q.object)))
    statements.sort(key=lambda s: (s.subject.iri != doc, s.subject.label, s.property.label))
    return GraphPage(
        iri=iri, label=snap.label(iri), document=doc_brief(snap, doc) if doc else None,
        source=ref(snap, src) if src else None,
        source_kind=_first(gp.get(KG.sourceKind.value, [])),
        line=_first(gp.get(KG.sourceLine.value, [])),
        versions={k: _first(gp.get(KG.term(f"{k}Version").value, []))
                  for k in ("extractor", "model", "authority", "ontology")},
        record=_record_fields(raw), statements=statements,
        truncated=len(statements) >= MAX_STATEMENTS)


def _record_fields(raw: str | None) -> list[RecordField]:
    """The raw record (JSON as the source reader kept it) as named fields to read."""
    if not raw:
        return []
    try:
        data = json.loads(raw)
    except ValueError:
        return [RecordField("record", raw)]
    out: list[RecordField] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix} {k}".strip(), v)
        elif isinstance(value, list):
            if value:
                out.append(RecordField(prefix.replace("_", " "),
                                       "; ".join(str(v) for v in value)))
        elif value not in (None, "", False):  # a flag that is off says nothing to a reader
            out.append(RecordField(prefix.replace("_", " "), str(value)))

    walk("", data if isinstance(data, dict) else {"record": data})
    return out


@dataclass
class Property:
    property: Ref
    values: list[Value]


@dataclass
class Block:
    subject: Ref
    properties: list[Property]


@dataclass
class Incoming:
    subject: Ref
    property: Ref


@dataclass
class ResourcePage:
    """Any other IRI (post, topic, source, method...): its statements in words, those of its
    #fragments, and what refers to it."""

    template: ClassVar[str] = "resource.html"
    iri: str
    kind: str
    label: str
    types: list[Ref]
    descriptions: list[Block]
    referenced_by: list[Incoming]  # one page of them, by property
    # where `referenced_by` is in the list of all (`total` statements, `pages` pages)
    page: int = 1
    pages: int = 1
    page_size: int = PAGE_SIZE
    total: int = 0

    @property
    def heading(self) -> str:
        return self.label


def resource_page(snap: Snapshot, iri: str, page: int = 1, kind: str | None = None
                  ) -> ResourcePage:
    """`kind`: the IRI's, when the caller knows it already (`entity_page`)."""
    subjects = [iri, *fragments(snap, iri)]
    blocks = []
    described: dict[str, list] = {}
    for s in subjects:
        p = distinct_props(snap, s)
        if s == iri:
            described = dict(p)
        p.pop(KG.rawRecord.value, None)
        if not p:
            continue
        blocks.append(Block(ref(snap, s), [
            Property(Ref(pred, term_label(pred)), [term_value(snap, v) for v in values])
            for pred, values in sorted(p.items(), key=lambda kv: _pred_order(kv[0]))]))
    incoming, pager = incoming_links(snap, iri, page)
    types = [Ref(t, term_label(t)) for t in _iris(described.get(RDF.type.value, []))]
    kind = kind or kind_of(snap, iri) or "resource"
    return ResourcePage(iri, kind, snap.label(iri), types, blocks, incoming, **pager.fields())


def incoming_links(snap: Snapshot, iri: str, page: int = 1) -> tuple[list[Incoming], Pager]:
    """One page of what refers to an IRI (a method every mention names, a source every graph
    does), grouped by property, and where the page is in the list. The count per property is
    one aggregate query; the page reads only its own rows of the properties it spans (in the
    store's index order within a property, the same for every request on a generation): no
    sort of every referrer."""
    target = node(iri)
    counts = [(r["p"].value, int(r["n"].value)) for r in snap.select(
        f"SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p {target} }} GROUP BY ?p")]
    counts.sort(key=lambda pn: (term_label(pn[0]), pn[0]))
    pager = Pager.of(page, PAGE_SIZE, sum(n for _, n in counts))
    start, end = (page - 1) * PAGE_SIZE, page * PAGE_SIZE
    out: list[Incoming] = []
    before = 0  # referrers of the properties before this one
    for pred, n in counts:
        lo, hi = max(start, before), min(end, before + n)
        if lo < hi:
            rows = snap.select(f"SELECT DISTINCT ?s WHERE {{ ?s {node(pred)} {target} }} "
                               f"LIMIT {hi - lo} OFFSET {lo - before}")
            prop = Ref(pred, term_label(pred))
            subjects = [ref(snap, r["s"].value) for r in rows]
            out += [Incoming(s, prop) for s in sorted(subjects, key=lambda r: r.label)]
        before += n
    return out, pager


def _pred_order(pred: str) -> tuple[int, str]:
    first = (RDF.type.value, RDFS.label.value, SKOS.prefLabel.value, DCTERMS.title.value)
    return (first.index(pred) if pred in first else len(first), term_label(pred))


@dataclass
class CandidatePage:
    """A name only the statistical model found in full texts, that nothing corroborates: not
    an entity, so not an entity page; its mentions, and how a curator makes it one."""

    template: ClassVar[str] = "candidate.html"
    iri: str
    label: str
    names: list[str]
    documents: list[DocBrief]
    mentions: list[str]
    promote: dict[str, str]
    kind: str = "candidate"

    @property
    def heading(self) -> str:
        return self.label

    @property
    def promote_line(self) -> str:
        return json.dumps(self.promote, ensure_ascii=False)


def candidate_page(snap: Snapshot, iri: str) -> CandidatePage | None:
    rows = snap.select(f"SELECT DISTINCT ?m ?name ?doc WHERE {{ ?m kg:mentionOf {node(iri)} ; "
                       f"a kg:CandidateMention ; kg:candidateName ?name ; kg:inDocument ?doc }}")
    if not rows:
        return None
    base = snap.base
    tail = iri[len(base):] if iri.startswith(base) else iri
    names = sorted({r["name"].value for r in rows})
    return CandidatePage(
        iri, names[0], names,
        sorted((doc_brief(snap, d) for d in {r["doc"].value for r in rows}), key=doc_sort_key),
        sorted(r["m"].value for r in rows), {"op": "promote", "entity": tail})


AnyPage = (DocumentPage | PersonPage | PlacePage | OrganizationPage | SubjectPage | EventPage
           | GraphPage | CandidatePage | ResourcePage)


def entity_page(snap: Snapshot, iri: str, page: int = 1) -> AnyPage:
    """The page data for any IRI of the graph, by its kind. `page`: which page of a long list
    (a person's, place's or organisation's documents, what refers to a resource); a page
    past the last raises PageNotFound."""
    kind = kind_of(snap, iri)
    if kind is None:
        candidate = candidate_page(snap, iri)
        if candidate is not None:
            return candidate
    if kind == "document":
        return document_page(snap, iri)
    if kind == "person":
        return person_page(snap, iri, page)
    if kind == "place":
        return place_page(snap, iri, page)
    if kind == "organization":
        return organization_page(snap, iri, page)
    if kind in ("subject", "topic"):
        # a topic reads as a heading does: its broader and narrower ones, its documents
        documents, pager = entity_documents(snap, iri, page)
        return replace(subject_page(snap, iri, documents), kind=kind,
                       browse=_browse(snap, iri, "topic"), **pager.fields())
    if kind == "event":
        return event_page(snap, iri)
    if kind == "graph":
        return graph_page(snap, iri)
    return resource_page(snap, iri, page, kind or "resource")
