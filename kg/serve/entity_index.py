"""Build the reconciliation service's `EntityIndex` from the graph's people, places and bodies.

Names: rdfs:label (the name), skos:prefLabel and skos:altLabel (alternatives) and kg:pseudonym
(pseudonyms, scored as such). Properties: the Wikidata id from owl:sameAs, born/died from
kg:birthYear/kg:deathYear, and country from kg:nationality or kg:country (by label). The
description says what kind of thing it is and its life span or type, so a reconciler can tell
namesakes apart.

Data extension values come from the same store (years, nationality, coordinates, enclosing
place, parent body, country, documents that name the entity and their dates) and, for what the
graph does not carry, from the authority entry the entity was resolved to (kg:authorityId):
posts with their dates and, where the authority files have one, the VIAF id.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from kg.core.authority import AuthorityEntry, load_authority
from kg.rdf.namespace import GEO, KG, OWL, RDF, RDFS, SKOS, WD
from kg.serve.extend import ExtValue
from kg.serve.reconcile import EntityIndex, IndexedEntity
from kg.serve.snapshot import Snapshot

_KINDS = (("person", KG.Person), ("place", KG.Place), ("organization", KG.Organization))
VIAF_PREFIXES = ("http://viaf.org/viaf/", "https://viaf.org/viaf/")

# Every document-to-entity link counts as the document naming the entity.
_DOCUMENT_SPAN = """SELECT ?e (COUNT(DISTINCT ?d) AS ?n) (MIN(?from) AS ?first) (MAX(?to) AS ?last)
WHERE {
  ?d a kg:Document ; ?p ?e .
  ?e a ?class . VALUES ?class { kg:Person kg:Place kg:Organization }
  OPTIONAL { ?d kg:earliestDate ?from }
  OPTIONAL { ?d kg:latestDate ?to }
} GROUP BY ?e"""

# Posts the documents attest (kg:Role), with the span of the attesting documents' dates.
_ATTESTED_ROLES = """SELECT ?holder ?label (MIN(?from) AS ?first) (MAX(?to) AS ?last) WHERE {
  ?r a kg:Role ; kg:holder ?holder ; rdfs:label ?label ; kg:attestedBy ?d .
  OPTIONAL { ?d kg:earliestDate ?from }
  OPTIONAL { ?d kg:latestDate ?to }
} GROUP BY ?holder ?label ORDER BY ?holder ?label"""


def build_index(snap: Snapshot) -> EntityIndex:
    values: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    wanted = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, KG.pseudonym, OWL.sameAs, KG.birthYear,
              KG.deathYear, KG.nationality, KG.country, KG.placeType, KG.organizationType,
              KG.authorityId, KG.within, KG.parentOrganization, GEO.lat, GEO.long)
    for predicate in wanted:
        for q in snap.store.quads_for_pattern(None, predicate, None, None):
            bucket = values[q.subject.value][predicate.value]
            if q.object not in bucket:
                bucket.append(q.object)
    spans = {r["e"].value: r for r in snap.select(_DOCUMENT_SPAN)}
    roles: dict[str, list[dict]] = defaultdict(list)
    for r in snap.select(_ATTESTED_ROLES):
        roles[r["holder"].value].append(r)
    authority = load_authority()
    entities = []
    for kind, cls in _KINDS:
        seen: set[str] = set()
        for q in snap.store.quads_for_pattern(None, RDF.type, cls, None):
            iri = q.subject.value
            if iri in seen:
                continue
            seen.add(iri)
            v = values.get(iri, {})
            keys = _texts(v, KG.authorityId)
            entry = authority.get(keys[0]) if keys else None
            entities.append(_entity(snap, iri, kind, v, entry, spans.get(iri), roles.get(iri, [])))
    return EntityIndex(entities)


def _texts(v: dict[str, list], predicate: ox.NamedNode) -> list[str]:
    return sorted({t.value for t in v.get(predicate.value, []) if isinstance(t, ox.Literal)})


def _refs(v: dict[str, list], predicate: ox.NamedNode) -> list[str]:
    return sorted({t.value for t in v.get(predicate.value, []) if isinstance(t, ox.NamedNode)})


def _entity(snap: Snapshot, iri: str, kind: str, v: dict[str, list],
            entry: AuthorityEntry | None, span: dict | None, roles: list[dict]
            ) -> IndexedEntity:
    name = snap.label(iri)
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
            props.append(("country", snap.label(ref)))
    kind_text = {"person": "person", "place": "place", "organization": "organisation"}[kind]
    detail = ""
    if born or died:
        detail = f"{born[0] if born else '?'}–{died[0] if died else ''}"
    else:
        types = _texts(v, KG.placeType) + _texts(v, KG.organizationType)
        detail = types[0] if types else ""
    country = next((value for key, value in props if key == "country"), "")
    description = ", ".join(x for x in (kind_text, detail, country) if x)
    return IndexedEntity(
        id=iri, name=name, kind=kind, alt_names=tuple(dict.fromkeys(alts)),
        description=description, wikidata=wikidata, properties=tuple(props),
        pseudonyms=tuple(pseudonyms),
        family_name_first=bool(entry and entry.family_name_first),
        extension=tuple(_extension(snap, kind, v, wikidata, entry, span, roles)),
    )


def _extension(snap: Snapshot, kind: str, v: dict[str, list], wikidata: str | None,
               entry: AuthorityEntry | None, span: dict | None, roles: list[dict]
               ) -> list[tuple[str, ExtValue]]:
    out: list[tuple[str, ExtValue]] = []
    if wikidata:
        out.append(("wikidata", ExtValue("str", wikidata)))
    viaf = [t.rsplit("/", 1)[-1] for t in _refs(v, OWL.sameAs) if t.startswith(VIAF_PREFIXES)]
    # The authority files may carry a VIAF column; older ones do not.
    entry_viaf = getattr(entry, "viaf", None) if entry else None
    if entry_viaf and str(entry_viaf) not in viaf:
        viaf.append(str(entry_viaf))
    out += [("viaf", ExtValue("str", x)) for x in viaf]
    out += [("born", ExtValue("int", int(y))) for y in _texts(v, KG.birthYear) if _year(y)]
    out += [("died", ExtValue("int", int(y))) for y in _texts(v, KG.deathYear) if _year(y)]
    out += [("pseudonyms", ExtValue("str", p)) for p in _texts(v, KG.pseudonym)]
    for pid, predicate in (("nationality", KG.nationality), ("within", KG.within),
                           ("parent", KG.parentOrganization), ("country", KG.country)):
        out += [(pid, ExtValue("entity", ref, snap.label(ref))) for ref in _refs(v, predicate)]
    lat, lon = _texts(v, GEO.lat), _texts(v, GEO.long)
    if lat and lon:
        out.append(("coordinates", ExtValue("str", f"{float(lat[0]):g},{float(lon[0]):g}")))
    if entry is not None and kind == "person":
        authority = load_authority()
        for post in entry.posts:
            where = authority.get(post.where) if post.where else None
            where_name = where.name if where else (post.where or "")
            years = ""
            if post.start or post.end:
                years = f" ({post.start or '?'}–{post.end or ''})"
            text = post.label + (f", {where_name}" if where_name else "") + years
            out.append(("posts", ExtValue("str", text)))
    # Posts the documents attest and the authority file does not list, dated by the documents.
    listed = {post.label.casefold() for post in entry.posts} if entry else set()
    for role in roles:
        label = role["label"].value
        if label.casefold() in listed:
            continue
        first, last = role.get("first"), role.get("last")
        dates = ""
        if first is not None and last is not None:
            dates = f" (documents of {first.value}" + (
                f" to {last.value})" if last.value != first.value else ")")
        out.append(("posts", ExtValue("str", label + dates)))
    if span is not None:
        out.append(("documents", ExtValue("int", int(span["n"].value))))
        for pid, key in (("first_document", "first"), ("last_document", "last")):
            if key in span and _iso_day(span[key].value):
                out.append((pid, ExtValue("date", span[key].value)))
    return out


def _year(text: str) -> bool:
    return text.lstrip("-").isdigit()


def _iso_day(text: str) -> bool:
    parts = text.split("-")
    return len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4
