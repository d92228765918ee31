"""Map an `Entry` and its entities onto the ontology: quads in one named graph per
(document, source), curated metadata in a graph of its own, entity descriptions in the
authority graph.

Everything here is a pure function of its inputs, so the same entry always gives the same
quads: no timestamps, no blank nodes (mention and link nodes get IRIs derived from content).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import PurePath

import pyoxigraph as ox

from kg.core.authority import Authority, AuthorityEntry
from kg.core.model import Entity, Entry, Record
from kg.core.text import slug
from kg.rdf.namespace import DCTERMS, GEO, KG, OWL, RDF, RDFS, SCHEMA, SKOS, WD, XSD, ontology_version
from kg.rdf.subjects import assignment_quads, heading_quads

DEFAULT_BASE = "http://127.0.0.1:8000/"
KIND_CLASS = {"person": "Person", "place": "Place", "organization": "Organization"}
EVENT_CLASS = {"communication": "Communication", "conversation": "Conversation",
               "signing": "Signing", "decision": "Decision", "visit": "Visit"}


def lit(value, datatype: ox.NamedNode | None = None, language: str | None = None) -> ox.Literal:
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=XSD.boolean)
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=XSD.integer)
    if isinstance(value, float):
        return ox.Literal(f"{value:.3f}", datatype=XSD.decimal)
    if language:
        return ox.Literal(str(value), language=language)
    return ox.Literal(str(value), datatype=datatype) if datatype else ox.Literal(str(value))


def normalise_base(base: str | None) -> str:
    """The one rule for a base IRI: the default when none is given, and ending in "/" or "#"
    so that "base + path" is an IRI under it."""
    base = base or DEFAULT_BASE
    return base if base.endswith(("/", "#")) else base + "/"


@dataclass(frozen=True)
class Iris:
    """Deterministic IRIs under a configurable base, the graphs' names included: no module
    spells an IRI path of its own."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", normalise_base(self.base))

    def _n(self, path: str) -> ox.NamedNode:
        return ox.NamedNode(self.base + path)

    def document(self, key: str) -> ox.NamedNode:
        return self._n(f"document/{key}")

    def event(self, key: str) -> ox.NamedNode:
        return self._n(f"document/{key}/event")

    def entity(self, e: Entity) -> ox.NamedNode:
        return self._n(f"{e.kind}/{e.key}")

    def entity_key(self, kind: str, key: str) -> ox.NamedNode:
        return self._n(f"{kind}/{key}")

    def graph(self, doc_key: str, source_key: str) -> ox.NamedNode:
        return self._n(f"graph/{doc_key}/{source_key}")

    def curated_graph(self, doc_key: str) -> ox.NamedNode:
        return self._n(f"graph/{doc_key}/curated")

    def authority_graph(self) -> ox.NamedNode:
        return self._n("graph/authority")

    def source(self, source_key: str) -> ox.NamedNode:
        return self._n(f"source/{source_key}")

    def role(self, person_key: str, label: str) -> ox.NamedNode:
        # keyed by the exact wording, so one role IRI always carries one label
        digest = hashlib.sha256(f"{person_key}|{label}".encode()).hexdigest()[:12]
        return self._n(f"role/{person_key}-{digest}")

    def role_attestation(self, graph: ox.NamedNode, person_key: str, label: str
                         ) -> ox.NamedNode:
        # the digest of the wording-keyed role IRI, so an attestation names its old role IRI
        digest = hashlib.sha256(f"{person_key}|{label}".encode()).hexdigest()[:12]
        return ox.NamedNode(f"{graph.value}#role-{digest}")

    def post(self, person_key: str, head: str, organization: str | None, place: str | None
             ) -> ox.NamedNode:
        """One post of one person, merged from its attestations: keyed by the person, the
        head word and the body and place it belongs to (keys, not wordings)."""
        tail = slug(head) + (f"-of-{organization}" if organization else "") + (
            f"-to-{place}" if place else "")
        return self._n(f"post/{person_key}/{tail}")

    def authority_post(self, person_key: str, label: str, where: str | None,
                       start: int | None, end: int | None) -> ox.NamedNode:
        # the years are part of the key: the authority lists some posts twice (two tenures)
        tail = "-".join(x for x in (slug(label), where or "", str(start or ""), str(end or ""))
                        if x)
        return self._n(f"post/{person_key}/authority-{tail}")

    def month(self, month: str) -> ox.NamedNode:
        return self._n(f"month/{month}")

    def summary_graph(self) -> ox.NamedNode:
        return self._n("graph/summary")

    def identity_graph(self) -> ox.NamedNode:
        """Which document key each source's entry was given (kept across re-ingests)."""
        return self._n("graph/identity")

    def entity_identity_graph(self) -> ox.NamedNode:
        """owl:sameAs from an entity's earlier IRI to its successor."""
        return self._n("graph/entity-identity")

    def corrections_graph(self) -> ox.NamedNode:
        return self._n("graph/corrections")

    def online_links_graph(self) -> ox.NamedNode:
        return self._n("graph/links-online")

    def summary(self, kind: str, *keys: str) -> ox.NamedNode:
        digest = hashlib.sha1("|".join(keys).encode()).hexdigest()[:16]
        return self._n(f"summary/{kind}/{digest}")

    def doc_type(self, label: str) -> ox.NamedNode:
        return self._n(f"type/{slug(label)}")

    def topic(self, key: str) -> ox.NamedNode:
        return self._n(f"topic/{key}")

    def subject(self, heading: str) -> ox.NamedNode:
        return self._n(f"subject/{slug(heading)}")

    def method(self, name: str) -> ox.NamedNode:
        return self._n(f"method/{slug(name)}")

    def prefix_of(self, node: ox.NamedNode) -> str | None:
        v = node.value
        return v[len(self.base):] if v.startswith(self.base) else None


def source_key(record: Record) -> str:
    name = PurePath(record.source.path).name or "stdin"
    return f"{record.source.kind}-{slug(name)}"


def raw_record_json(record: Record) -> str:
    data = asdict(record)
    data["source"] = {"path": PurePath(record.source.path).name, "kind": record.source.kind,
                      "line": record.source.line}
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


@dataclass
class DocumentGraph:
    """The quads of one (document, source) graph, ready to replace what the store holds."""

    doc_key: str
    graph: ox.NamedNode
    content_hash: str
    quads: list[ox.Quad] = field(default_factory=list)
    curated_graph: ox.NamedNode | None = None
    curated_quads: list[ox.Quad] = field(default_factory=list)
    entity_keys: set[tuple[str, str]] = field(default_factory=set)  # (kind, key) referenced


def content_hash(record: Record, fingerprint: str) -> str:
    payload = raw_record_json(record) + "|" + fingerprint + "|" + ontology_version()
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def map_entry(entry: Entry, doc_key: str, iris: Iris, fingerprint: str,
              versions: dict[str, str]) -> DocumentGraph:
    """All statements one entry makes, in its (document, source) graph."""
    record = entry.record
    skey = source_key(record)
    g = iris.graph(doc_key, skey)
    doc = iris.document(doc_key)
    out = DocumentGraph(doc_key=doc_key, graph=g, content_hash=content_hash(record, fingerprint))
    q = out.quads

    def add(s, p, o, graph=g, target=q):
        target.append(ox.Quad(s, p, o, graph))

    add(doc, RDF.type, KG.Document)
    add(doc, DCTERMS.title, lit(record.title))
    if record.summary:
        add(doc, KG.summary, lit(record.summary))
    if record.full_text:
        add(doc, KG.fullText, lit(record.full_text))
    if record.record_id:
        add(doc, KG.recordId, lit(record.record_id))
    if record.url:
        add(doc, KG.url, ox.NamedNode(record.url) if _iri_ok(record.url) else lit(record.url))
    _date(entry, doc, add, iris)
    t = entry.title
    if t.doc_type:
        _document_type(t, doc, add, iris)
    if t.number:
        add(doc, KG.documentNumber, lit(t.number))
    if t.classification:
        add(doc, KG.classification, lit(t.classification))
    for key in ("language", "original_archive", "rights"):
        value = record.metadata.get(key)
        if value:
            prop = {"language": KG.language, "original_archive": KG.archive,
                    "rights": KG.rights}[key]
            add(doc, prop, lit(value))
    if entry.flags:
        add(doc, KG.incomplete, lit(True))
        for flag in entry.flags:
            add(doc, KG.problem, lit(flag))

    # source and provenance of the graph itself
    src = iris.source(skey)
    add(doc, KG.source, src)
    add(src, RDF.type, KG.Source)
    add(src, KG.sourceKind, lit(record.source.kind))
    add(src, KG.sourceName, lit(PurePath(record.source.path).name))
    add(g, RDF.type, KG.SourceGraph)
    add(g, KG.aboutDocument, doc)
    add(g, KG.source, src)
    add(g, KG.sourceKind, lit(record.source.kind))
    add(g, KG.sourceLine, lit(record.source.line))
    add(g, KG.contentHash, lit(out.content_hash))
    add(g, KG.rawRecord, lit(raw_record_json(record)))
    add(g, KG.extractorVersion, lit(versions["extractor"]))
    add(g, KG.modelVersion, lit(versions["model"]))
    add(g, KG.authorityVersion, lit(versions["authority"]))
    add(g, KG.ontologyVersion, lit(ontology_version()))

    def ref(e: Entity) -> ox.NamedNode:
        out.entity_keys.add((e.kind, e.key))
        node = iris.entity(e)
        if not e.resolved:
            # the spelling this source uses; the one rdfs:label lives in the authority graph
            add(node, RDF.type, KG.term(KIND_CLASS[e.kind]))
            add(node, SKOS.altLabel, lit(e.label))
            add(node, KG.resolved, lit(False))
        return node

    # the event the document records
    event = iris.event(doc_key)
    kind = t.event_kind or ("communication" if entry.authors or entry.recipients else None)
    if kind:
        add(doc, KG.records, event)
        add(event, RDF.type, KG.term(EVENT_CLASS[kind]))
        _event_date(entry, event, add)
    for people, doc_prop, ev_prop in ((entry.authors, KG.author, KG.sender),
                                      (entry.recipients, KG.recipient, KG.addressee),
                                      (entry.intermediaries, KG.intermediary, KG.via),
                                      (entry.participants, KG.participant, KG.eventParticipant)):
        for e in people:
            node = ref(e)
            add(doc, doc_prop, node)
            if kind:
                add(event, ev_prop, node)

    # mentions, each with how it was found and resolved
    candidates = candidate_links(entry)
    for n, link in enumerate(entry.links):
        m = link.mention
        mn = ox.NamedNode(f"{g.value}#m{n}")
        if n in candidates:
            # nothing corroborates the name: the mention is kept, the entity is not described
            # here (no type, no label, no link from the document); the summary graph describes
            # it once several documents name it (kg.rdf.candidates)
            node = iris.entity(link.entity)
            add(mn, RDF.type, KG.CandidateMention)
            add(mn, KG.candidateName, lit(link.entity.label))
        else:
            node = ref(link.entity)
            if m.implied:
                add(doc, KG.impliedPlace, node)
            elif m.field == "full_text":
                add(doc, KG.mentionsInText, node)
            else:
                add(doc, KG.spatial if link.entity.kind == "place" else KG.mentions, node)
        add(mn, RDF.type, KG.Mention)
        add(mn, KG.mentionOf, node)
        add(mn, KG.inDocument, doc)
        add(mn, KG.text, lit(m.text))
        add(mn, KG.field, lit(m.field))
        add(mn, KG.start, lit(m.start))
        add(mn, KG.end, lit(m.end))
        method = iris.method(m.method)
        add(mn, KG.method, method)
        add(method, RDF.type, KG.Method)
        add(method, RDFS.label, lit(m.method))
        add(mn, KG.confidence, lit(float(m.confidence)))
        add(mn, KG.linkMethod, lit(link.method))
        add(mn, KG.score, lit(float(link.score)))

    # pseudonyms and alternative names, with the document that attests them
    for n, (written, e) in enumerate(entry.aliases):
        node = ref(e)
        add(node, KG.pseudonym, lit(written))
        att = ox.NamedNode(f"{g.value}#name{n}")
        add(node, KG.nameAttestation, att)
        add(att, RDF.type, KG.NameAttestation)
        add(att, KG.attestedName, lit(written))
        add(att, KG.isPseudonym, lit(True))
        add(att, KG.attestedBy, doc)

    # roles in time: what this document says, in its words and at its date; the posts they
    # are merged into, across documents, are in the summary graph (kg.rdf.posts)
    for claim in entry.roles:
        person = ref(claim.person)
        att = iris.role_attestation(g, claim.person.key, claim.label)
        add(att, RDF.type, KG.RoleAttestation)
        add(att, RDFS.label, lit(claim.label))
        add(att, KG.roleHead, lit(claim.head))
        add(att, KG.holder, person)
        add(att, KG.attestedBy, doc)
        add(att, KG.method, iris.method(claim.method))
        add(iris.method(claim.method), RDF.type, KG.Method)
        add(iris.method(claim.method), RDFS.label, lit(claim.method))
        add(att, KG.confidence, lit(float(claim.confidence)))
        if entry.date.earliest:
            add(att, KG.earliestDate, lit(entry.date.earliest.isoformat(), XSD.date))
        if entry.date.latest:
            add(att, KG.latestDate, lit(entry.date.latest.isoformat(), XSD.date))
        if claim.organization:
            add(att, KG.postIn, ref(claim.organization))
        if claim.place:
            add(att, KG.roleTo, ref(claim.place))

    for tc in entry.topics:
        topic = iris.topic(tc.key)
        add(doc, KG.subject, topic)
        add(topic, RDF.type, KG.Topic)
        add(topic, SKOS.prefLabel, lit(tc.label, language="en"))

    q += assignment_quads(entry, doc, g, iris)

    if entry.curated or entry.curated_subjects:
        cg = iris.curated_graph(doc_key)
        out.curated_graph = cg
        cq = out.curated_quads
        add(cg, RDF.type, KG.SourceGraph, graph=cg, target=cq)
        add(cg, KG.aboutDocument, doc, graph=cg, target=cq)
        add(cg, KG.sourceKind, lit("curated"), graph=cg, target=cq)
        add(cg, KG.source, src, graph=cg, target=cq)
        add(doc, RDF.type, KG.Document, graph=cg, target=cq)
        prop = {"authors": KG.curatedAuthor, "people_orgs": KG.curatedMention,
                "places": KG.curatedPlace}
        for list_name, e in entry.curated:
            out.entity_keys.add((e.kind, e.key))
            node = iris.entity(e)
            add(doc, prop[list_name], node, graph=cg, target=cq)
            if not e.resolved:
                add(node, RDF.type, KG.term(KIND_CLASS[e.kind]), graph=cg, target=cq)
                add(node, SKOS.altLabel, lit(e.label), graph=cg, target=cq)
                add(node, KG.resolved, lit(False), graph=cg, target=cq)
        from kg.sources.catalogue_names import parse_subject_heading

        for heading in entry.curated_subjects:
            chain = parse_subject_heading(heading)
            node = iris.subject(heading)
            add(doc, DCTERMS.subject, node, graph=cg, target=cq)
            for i, h in enumerate(chain):
                hn = iris.subject(h)
                add(hn, RDF.type, KG.SubjectHeading, graph=cg, target=cq)
                add(hn, SKOS.prefLabel, lit(h, language="en"), graph=cg, target=cq)
                if i > 0:
                    add(hn, SKOS.broader, iris.subject(chain[i - 1]), graph=cg, target=cq)
        cq += heading_quads(entry.curated_subjects, iris, cg)
    out.quads = _dedupe(out.quads)
    out.curated_quads = _dedupe(out.curated_quads)
    return out


def _document_type(t, doc: ox.NamedNode, add, iris: Iris) -> None:
    """The type as written is a concept under its head ("Ciphered Telegram" under
    "Telegram"), both in the scheme of document types; a head the lexicon does not list is a
    new concept, noted as such; state qualifiers ("draft", "excerpt") qualify the document."""
    written = iris.doc_type(t.doc_type)
    add(doc, KG.documentType, written)
    concepts = [(written, t.doc_type)]
    head_label = t.type_head or t.doc_type
    head = iris.doc_type(head_label)
    if head != written:
        add(written, SKOS.broader, head)
        concepts.append((head, head_label))
    for node, label in concepts:
        add(node, RDF.type, KG.DocumentType)
        add(node, SKOS.prefLabel, lit(label, language="en"))
        add(node, SKOS.inScheme, KG.DocumentTypes)
    if not t.type_known:
        add(head, SKOS.editorialNote, lit("A type head found in titles that the lexicon does "
                                          "not list yet.", language="en"))
    for qualifier in t.type_qualifiers:
        add(doc, KG.typeQualifier, lit(qualifier))


def candidate_links(entry: Entry) -> set[int]:
    """Indexes of the entry's links that nothing corroborates: an unresolved name only the
    statistical model found ("ner"), only in the full text, and named nowhere else in the
    entry (title, summary, authors, roles, pseudonyms, curated lists, or another method).

    A long full text gives the model many chances to take a word for a name ("Enlargement
    PM", "West"); one such guess is not worth an entity and a page of its own."""

    def guess(link) -> bool:
        m = link.mention
        return (m.method == "ner" and m.field == "full_text" and not m.implied
                and not link.entity.resolved and link.method == "unresolved")

    named: set[tuple[str, str]] = set()
    for e in (*entry.authors, *entry.recipients, *entry.intermediaries, *entry.participants):
        named.add((e.kind, e.key))
    for claim in entry.roles:
        for e in (claim.person, claim.organization, claim.place):
            if e is not None:
                named.add((e.kind, e.key))
    named |= {(e.kind, e.key) for _, e in entry.aliases}
    named |= {(e.kind, e.key) for _, e in entry.curated}
    named |= {(lk.entity.kind, lk.entity.key) for lk in entry.links if not guess(lk)}
    return {n for n, lk in enumerate(entry.links)
            if guess(lk) and (lk.entity.kind, lk.entity.key) not in named}


def _dedupe(quads: list[ox.Quad]) -> list[ox.Quad]:
    return list(dict.fromkeys(quads))


def _iri_ok(text: str) -> bool:
    return bool(re.match(r"^https?://[^\s<>\"{}|\\^`]+$", text))


def _date_literal(entry: Entry) -> ox.Literal | None:
    d = entry.date
    if d.value is None:
        return None
    datatype = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}.get(d.precision)
    return lit(d.value, datatype) if datatype else None


def _date(entry: Entry, doc: ox.NamedNode, add, iris: Iris) -> None:
    d = entry.date
    if entry.record.date_text:
        add(doc, KG.dateText, lit(entry.record.date_text))
    add(doc, KG.datePrecision, lit(d.precision))
    value = _date_literal(entry)
    if value is not None:
        add(doc, KG.date, value)
    if d.edtf:
        add(doc, KG.edtf, lit(d.edtf))
    if d.earliest:
        add(doc, KG.earliestDate, lit(d.earliest.isoformat(), XSD.date))
    if d.latest:
        add(doc, KG.latestDate, lit(d.latest.isoformat(), XSD.date))
    for month in months_spanned(d.earliest, d.latest):
        add(doc, KG.inMonth, iris.month(month))


def months_spanned(earliest: date | None, latest: date | None) -> list[str]:
    """The months ("1950-02") a date's span touches: the month index that date-range queries
    start from, since a store has no range index on literals. Every month of a long span is
    listed (a century is 1,200): a document left out would be missing from date ranges."""
    if earliest is None or latest is None or latest < earliest:
        return []
    first, last = earliest.year * 12 + earliest.month - 1, latest.year * 12 + latest.month - 1
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)]


def _event_date(entry: Entry, event: ox.NamedNode, add) -> None:
    value = _date_literal(entry)
    if value is not None:
        add(event, KG.date, value)
    if entry.date.earliest:
        add(event, KG.earliestDate, lit(entry.date.earliest.isoformat(), XSD.date))
    if entry.date.latest:
        add(event, KG.latestDate, lit(entry.date.latest.isoformat(), XSD.date))


def unresolved_quads(kind: str, key: str, spellings: list[str], iris: Iris) -> list[ox.Quad]:
    """An unresolved name's description: one label, chosen the same way whatever the order of
    ingest (the first of its spellings in sorted order)."""
    g = iris.authority_graph()
    node = iris.entity_key(kind, key)
    return [ox.Quad(node, RDF.type, KG.term(KIND_CLASS[kind]), g),
            ox.Quad(node, RDFS.label, lit(sorted(spellings)[0]), g),
            ox.Quad(node, KG.resolved, lit(False), g)]


def authority_quads(authority: Authority, keys: set[tuple[str, str]], iris: Iris
                    ) -> list[ox.Quad]:
    """Descriptions of the authority entities the graph refers to, in the authority graph."""
    g = iris.authority_graph()
    out: list[ox.Quad] = []
    done: set[str] = set()
    todo = [k for _, k in sorted(keys)]
    while todo:
        key = todo.pop()
        if key in done or key not in authority.entries:
            continue
        done.add(key)
        e = authority.entries[key]
        out.extend(entity_description(e, iris, g))
        out.extend(authority_posts(e, authority, iris, g))
        for ref in (e.nationality, e.within, e.parent, e.country,
                    *(p.where for p in e.posts if e.kind == "person")):
            if ref and ref in authority.entries:
                todo.append(ref)
    return out


def authority_posts(e: AuthorityEntry, authority: Authority, iris: Iris, g: ox.NamedNode
                    ) -> list[ox.Quad]:
    """The posts the authority file knows a person held (label@where@start-end), as
    kg:Role with kg:sourceKind "authority": shown beside the posts documents attest."""
    if e.kind != "person":
        return []
    quads = []
    person = iris.entity_key(e.kind, e.key)
    for post in e.posts:
        node = iris.authority_post(e.key, post.label, post.where, post.start, post.end)

        def add(p, o, node=node):
            quads.append(ox.Quad(node, p, o, g))

        add(RDF.type, KG.Role)
        add(RDFS.label, lit(post.label))
        add(KG.holder, person)
        add(KG.sourceKind, lit("authority"))
        where = authority.entries.get(post.where or "")
        if where is not None and where.kind in ("place", "organization"):
            add(KG.postIn, iris.entity_key(where.kind, where.key))
        if post.start is not None:
            add(KG.startYear, lit(f"{post.start:04d}", XSD.gYear))
        if post.end is not None:
            add(KG.endYear, lit(f"{post.end:04d}", XSD.gYear))
    return quads


def entity_description(e: AuthorityEntry, iris: Iris, g: ox.NamedNode) -> list[ox.Quad]:
    node = iris.entity_key(e.kind, e.key)
    quads = []

    def add(s, p, o):
        quads.append(ox.Quad(s, p, o, g))

    add(node, RDF.type, KG.term(KIND_CLASS[e.kind]))
    add(node, RDFS.label, lit(e.name))
    add(node, SKOS.prefLabel, lit(e.name, language="en"))
    add(node, KG.authorityId, lit(e.key))
    add(node, KG.resolved, lit(True))
    for v in e.variants:
        add(node, SKOS.altLabel, lit(v))
    for p in e.pseudonyms:
        add(node, KG.pseudonym, lit(p))
    for lang, text in e.native_names:
        add(node, SKOS.altLabel, lit(text, language=lang))
    if e.born is not None:
        add(node, KG.birthYear, lit(f"{e.born:04d}", XSD.gYear))
    if e.died is not None:
        add(node, KG.deathYear, lit(f"{e.died:04d}", XSD.gYear))
    if e.type:
        add(node, KG.placeType if e.kind == "place" else KG.organizationType, lit(e.type))
    if e.lat is not None and e.lon is not None:
        add(node, GEO.lat, lit(f"{e.lat:.6f}", XSD.decimal))
        add(node, GEO.long, lit(f"{e.lon:.6f}", XSD.decimal))
    for prop, ref in ((KG.nationality, e.nationality), (KG.within, e.within),
                      (KG.parentOrganization, e.parent), (KG.country, e.country)):
        if ref:
            kind = "place" if prop in (KG.nationality, KG.within, KG.country) else "organization"
            add(node, prop, iris.entity_key(kind, ref))
    if getattr(e, "viaf", None):
        # schema:sameAs, not owl:sameAs: readers take owl:sameAs for the Wikidata link
        add(node, SCHEMA.sameAs, ox.NamedNode(f"http://viaf.org/viaf/{e.viaf}"))
    if e.wikidata:
        wd = WD.term(e.wikidata)
        add(node, OWL.sameAs, wd)
        link = ox.NamedNode(node.value + "#wikidata")
        add(node, KG.link, link)
        add(link, RDF.type, KG.EntityLink)
        add(link, KG.linkTarget, wd)
        add(link, KG.score, lit(1.0))
        add(link, KG.match, lit(True))
        add(link, KG.linkMethod, lit("authority"))
        feature = ox.NamedNode(node.value + "#wikidata-source")
        add(link, KG.feature, feature)
        add(feature, RDF.type, KG.LinkFeature)
        add(feature, KG.featureId, lit("verified_by"))
        add(feature, KG.featureValue, lit(e.wikidata_source or "authority file"))
    return quads
