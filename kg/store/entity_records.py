"""What the reconciliation service knows of each person, place and organisation, per generation.

One `EntityRecord` per entity, computed by `kg.store.derived.build` when a generation is
written and stored as JSON beside the rest of the derived data; the server builds its
reconciliation index (`kg.serve.entity_index`) from these rows alone, so the first
reconciliation request reads a table instead of scanning the store.

Names: rdfs:label (the name, as pages show it), skos:prefLabel and skos:altLabel
(alternatives) and kg:pseudonym (pseudonyms, scored as such). Properties: the Wikidata id from
owl:sameAs, born/died from kg:birthYear/kg:deathYear, and country from kg:nationality or
kg:country (by label). The description says what kind of thing it is and its life span or
type, so a reconciler can tell namesakes apart.

Data extension values come from the same store (years, nationality, coordinates, enclosing
place, parent body, country, the documents that name the entity and their dates, the posts
the documents attest) and, for what the graph does not carry, from the authority entry the
entity was resolved to (kg:authorityId): posts with their dates and, where the authority files
have one, the VIAF id.

Everything is read through the store's indexes (a subject look-up per entity, a few look-ups
per post), never by a SPARQL join over the whole graph.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields

import pyoxigraph as ox

from kg.core.authority import Authority, AuthorityEntry, load_authority
from kg.rdf.namespace import GEO, KG, OWL, RDF, RDFS, SKOS, WD

# Entity kinds in the order the index is built (a later kind wins for an IRI typed twice, as
# it always has).
KINDS = (("person", KG.Person), ("place", KG.Place), ("organization", KG.Organization))
VIAF_PREFIXES = ("http://viaf.org/viaf/", "https://viaf.org/viaf/")
# The statements of an entity a record is made from.
WANTED = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, KG.pseudonym, OWL.sameAs, KG.birthYear,
          KG.deathYear, KG.nationality, KG.country, KG.placeType, KG.organizationType,
          KG.authorityId, KG.within, KG.parentOrganization, GEO.lat, GEO.long)

# (property id, value kind, value, name): a data extension value as `kg.serve.extend.ExtValue`
# takes it; kind is "str", "int", "float", "date" or "entity" (value an IRI, name its label).
Extension = tuple[str, str, str | int | float, str]
Terms = dict[str, list[ox.NamedNode | ox.Literal | ox.BlankNode]]


@dataclass(frozen=True)
class EntityRecord:
    """One entity the reconciliation service can return (`kg.serve.reconcile.IndexedEntity`
    without the serving types)."""

    id: str
    name: str
    kind: str  # person, place, organization
    alt_names: tuple[str, ...] = ()
    description: str = ""
    wikidata: str | None = None
    properties: tuple[tuple[str, str], ...] = ()  # ("born", "1878"), ("country", "China")
    pseudonyms: tuple[str, ...] = ()
    family_name_first: bool = False
    extension: tuple[Extension, ...] = ()

    def to_json(self) -> str:
        # The fields as they are (json writes tuples as lists): `asdict` copies every nested
        # tuple first, three quarters of this call's time.
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)},
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> EntityRecord:
        d = json.loads(text)
        return cls(
            id=d["id"], name=d["name"], kind=d["kind"], alt_names=tuple(d["alt_names"]),
            description=d["description"], wikidata=d["wikidata"],
            properties=tuple((k, v) for k, v in d["properties"]),
            pseudonyms=tuple(d["pseudonyms"]), family_name_first=d["family_name_first"],
            extension=tuple((pid, kind, value, name) for pid, kind, value, name in d["extension"]))


@dataclass(frozen=True)
class DocumentSpan:
    """How many documents name an entity, and the earliest and latest of their dates."""

    documents: int
    first: str | None
    last: str | None


@dataclass(frozen=True)
class AttestedPost:
    """A post (kg:Role) the documents attest, with the span of the attesting documents' dates."""

    label: str
    first: str | None
    last: str | None


@dataclass
class DocumentDates:
    """The dates of the documents: the least kg:earliestDate and greatest kg:latestDate of
    each (ISO days compare as text)."""

    earliest: dict[str, str] = field(default_factory=dict)  # document -> its earliest date
    latest: dict[str, str] = field(default_factory=dict)  # document -> its latest date

    def span(self, docs: set[str]) -> tuple[str | None, str | None]:
        firsts = [self.earliest[d] for d in docs if d in self.earliest]
        lasts = [self.latest[d] for d in docs if d in self.latest]
        return (min(firsts) if firsts else None), (max(lasts) if lasts else None)


def entity_records(store: ox.Store, label: Callable[[str], str],
                   links: dict[str, set[str]], dates: DocumentDates,
                   authority: Authority | None = None) -> list[EntityRecord]:
    """The record of every person, place and organisation of `store`. `label` names an IRI
    as the pages do; `links` maps each document to the entities it links to, `dates` gives
    the documents' dates."""
    authority = authority if authority is not None else load_authority()
    kinds = _entity_kinds(store)
    values = _values(store, {iri for iris in kinds.values() for iri in iris})
    spans = document_spans(links, dates)
    posts = attested_posts(store, dates)
    records: dict[str, EntityRecord] = {}
    for kind, _ in KINDS:
        for iri in kinds[kind]:
            v = values.get(iri, {})
            keys = _texts(v, KG.authorityId)
            entry = authority.get(keys[0]) if keys else None
            records[iri] = record(iri, kind, v, label, entry, spans.get(iri),
                                  posts.get(iri, []), authority)
    return list(records.values())


def _values(store: ox.Store, entities: set[str]) -> dict[str, Terms]:
    """The `WANTED` statements of the entities, each value once: one subject look-up per
    entity (twice as fast as scanning the predicates, whose labels are mostly mentions')."""
    wanted = {p.value for p in WANTED}
    values: dict[str, Terms] = defaultdict(lambda: defaultdict(list))
    for iri in entities:
        for q in store.quads_for_pattern(ox.NamedNode(iri), None, None, None):
            if q.predicate.value not in wanted:
                continue
            bucket = values[iri][q.predicate.value]
            if q.object not in bucket:
                bucket.append(q.object)
    return values


def _entity_kinds(store: ox.Store) -> dict[str, list[str]]:
    """The IRIs of each entity kind, each once, sorted (a stable order for the index)."""
    return {kind: sorted({q.subject.value for q in store.quads_for_pattern(None, RDF.type, cls,
                                                                           None)})
            for kind, cls in KINDS}


def document_spans(links: dict[str, set[str]], dates: DocumentDates
                   ) -> dict[str, DocumentSpan]:
    """Per entity, the documents that link to it and the span of their dates. `links` are the
    links the rest of the derived data counts (`kg.store.derived.LINKS`: author, recipient,
    mentions, places...), so the reconciliation service's number of documents is the one the
    entity's page and the lists show; read while the documents were, no scan of its own."""
    named_by: dict[str, set[str]] = defaultdict(set)
    for doc, entities in links.items():
        for entity in entities:
            named_by[entity].add(doc)
    return {iri: DocumentSpan(len(docs), *dates.span(docs)) for iri, docs in named_by.items()}


def attested_posts(store: ox.Store, dates: DocumentDates) -> dict[str, list[AttestedPost]]:
    """Per holder, the posts the documents attest (a kg:Role's kg:attestation nodes, each
    kg:attestedBy a document), one per label, in label order, dated by the attesting
    documents. The authority's posts (roles without attestations) are left out."""
    docs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for q in store.quads_for_pattern(None, RDF.type, KG.Role, None):
        role = q.subject
        attesting = {d.object.value
                     for a in store.quads_for_pattern(role, KG.attestation, None, None)
                     if isinstance(a.object, ox.NamedNode | ox.BlankNode)
                     for d in store.quads_for_pattern(a.object, KG.attestedBy, None, None)}
        if not attesting:
            continue
        holders = {h.object.value for h in store.quads_for_pattern(role, KG.holder, None, None)}
        labels = {lab.object.value for lab in store.quads_for_pattern(role, RDFS.label, None, None)
                  if isinstance(lab.object, ox.Literal)}
        for holder in holders:
            for text in labels:
                docs[(holder, text)] |= attesting
    out: dict[str, list[AttestedPost]] = defaultdict(list)
    for (holder, text), attesting in sorted(docs.items()):
        out[holder].append(AttestedPost(text, *dates.span(attesting)))
    return out


def _texts(v: Terms, predicate: ox.NamedNode) -> list[str]:
    return sorted({t.value for t in v.get(predicate.value, []) if isinstance(t, ox.Literal)})


def _refs(v: Terms, predicate: ox.NamedNode) -> list[str]:
    return sorted({t.value for t in v.get(predicate.value, []) if isinstance(t, ox.NamedNode)})


def record(iri: str, kind: str, v: Terms, label: Callable[[str], str],
           entry: AuthorityEntry | None, span: DocumentSpan | None,
           posts: list[AttestedPost], authority: Authority | None = None) -> EntityRecord:
    """One entity's record from its statements `v` (predicate -> values)."""
    name = label(iri)
    pseudonyms = [n for n in _texts(v, KG.pseudonym) if n != name]
    alts = [n for n in _texts(v, SKOS.prefLabel) + _texts(v, SKOS.altLabel)
            if n != name and n not in pseudonyms]
    wikidata = next((t[len(WD.iri):] for t in _refs(v, OWL.sameAs) if t.startswith(WD.iri)),
                    None)
    props: list[tuple[str, str]] = []
    born, died = _texts(v, KG.birthYear), _texts(v, KG.deathYear)
    props += [("born", b) for b in born] + [("died", d) for d in died]
    for predicate in (KG.nationality, KG.country):
        for ref in _refs(v, predicate):
            props.append(("country", label(ref)))
    kind_text = {"person": "person", "place": "place", "organization": "organisation"}[kind]
    detail = ""
    if born or died:
        detail = f"{born[0] if born else '?'}–{died[0] if died else ''}"
    else:
        types = _texts(v, KG.placeType) + _texts(v, KG.organizationType)
        detail = types[0] if types else ""
    country = next((value for key, value in props if key == "country"), "")
    description = ", ".join(x for x in (kind_text, detail, country) if x)
    return EntityRecord(
        id=iri, name=name, kind=kind, alt_names=tuple(dict.fromkeys(alts)),
        description=description, wikidata=wikidata, properties=tuple(props),
        pseudonyms=tuple(pseudonyms),
        family_name_first=bool(entry and entry.family_name_first),
        extension=tuple(extension(kind, v, label, wikidata, entry, span, posts, authority)))


def extension(kind: str, v: Terms, label: Callable[[str], str], wikidata: str | None,
              entry: AuthorityEntry | None, span: DocumentSpan | None,
              posts: list[AttestedPost], authority: Authority | None = None
              ) -> list[Extension]:
    """The data extension values of one entity (see the module docstring)."""
    out: list[Extension] = []
    if wikidata:
        out.append(("wikidata", "str", wikidata, ""))
    viaf = [t.rsplit("/", 1)[-1] for t in _refs(v, OWL.sameAs) if t.startswith(VIAF_PREFIXES)]
    # The authority files may carry a VIAF column; older ones do not.
    entry_viaf = getattr(entry, "viaf", None) if entry else None
    if entry_viaf and str(entry_viaf) not in viaf:
        viaf.append(str(entry_viaf))
    out += [("viaf", "str", x, "") for x in viaf]
    out += [("born", "int", int(y), "") for y in _texts(v, KG.birthYear) if _year(y)]
    out += [("died", "int", int(y), "") for y in _texts(v, KG.deathYear) if _year(y)]
    out += [("pseudonyms", "str", p, "") for p in _texts(v, KG.pseudonym)]
    for pid, predicate in (("nationality", KG.nationality), ("within", KG.within),
                           ("parent", KG.parentOrganization), ("country", KG.country)):
        out += [(pid, "entity", ref, label(ref)) for ref in _refs(v, predicate)]
    lat, lon = _texts(v, GEO.lat), _texts(v, GEO.long)
    if lat and lon:
        out.append(("coordinates", "str", f"{float(lat[0]):g},{float(lon[0]):g}", ""))
    if entry is not None and kind == "person":
        authority = authority if authority is not None else load_authority()
        for post in entry.posts:
            where = authority.get(post.where) if post.where else None
            where_name = where.name if where else (post.where or "")
            years = ""
            if post.start or post.end:
                years = f" ({post.start or '?'}–{post.end or ''})"
            text = post.label + (f", {where_name}" if where_name else "") + years
            out.append(("posts", "str", text, ""))
    # Posts the documents attest and the authority file does not list, dated by the documents.
    listed = {post.label.casefold() for post in entry.posts} if entry else set()
    for post in posts:
        if post.label.casefold() in listed:
            continue
        dates = ""
        if post.first is not None and post.last is not None:
            dates = f" (documents of {post.first}" + (
                f" to {post.last})" if post.last != post.first else ")")
        out.append(("posts", "str", post.label + dates, ""))
    if span is not None:
        out.append(("documents", "int", span.documents, ""))
        for pid, value in (("first_document", span.first), ("last_document", span.last)):
            if value is not None and _iso_day(value):
                out.append((pid, "date", value, ""))
    return out


def _year(text: str) -> bool:
    return text.lstrip("-").isdigit()


def _iso_day(text: str) -> bool:
    parts = text.split("-")
    return len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4
