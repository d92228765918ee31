"""Build the reconciliation service's `EntityIndex` from the graph's people, places and bodies.

Names: rdfs:label (the name), skos:prefLabel, skos:altLabel and kg:pseudonym (alternatives).
Properties: the Wikidata id from owl:sameAs, born/died from kg:birthYear/kg:deathYear, and
country from kg:nationality or kg:country (by label). The description says what kind of
thing it is and its life span or type, so a reconciler can tell namesakes apart.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from kg.rdf.namespace import KG, OWL, RDF, RDFS, SKOS, WD
from kg.serve.reconcile import EntityIndex, IndexedEntity
from kg.serve.snapshot import Snapshot

_KINDS = (("person", KG.Person), ("place", KG.Place), ("organization", KG.Organization))


def build_index(snap: Snapshot) -> EntityIndex:
    values: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    wanted = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, KG.pseudonym, OWL.sameAs, KG.birthYear,
              KG.deathYear, KG.nationality, KG.country, KG.placeType, KG.organizationType)
    for predicate in wanted:
        for q in snap.store.quads_for_pattern(None, predicate, None, None):
            bucket = values[q.subject.value][predicate.value]
            if q.object not in bucket:
                bucket.append(q.object)
    entities = []
    for kind, cls in _KINDS:
        seen: set[str] = set()
        for q in snap.store.quads_for_pattern(None, RDF.type, cls, None):
            iri = q.subject.value
            if iri in seen:
                continue
            seen.add(iri)
            entities.append(_entity(snap, iri, kind, values.get(iri, {})))
    return EntityIndex(entities)


def _texts(v: dict[str, list], predicate: ox.NamedNode) -> list[str]:
    return sorted({t.value for t in v.get(predicate.value, []) if isinstance(t, ox.Literal)})


def _entity(snap: Snapshot, iri: str, kind: str, v: dict[str, list]) -> IndexedEntity:
    name = snap.label(iri)
    alts = [n for n in _texts(v, SKOS.prefLabel) + _texts(v, SKOS.altLabel)
            + _texts(v, KG.pseudonym) if n != name]
    wikidata = next((t.value[len(WD.iri):] for t in v.get(OWL.sameAs.value, [])
                     if isinstance(t, ox.NamedNode) and t.value.startswith(WD.iri)), None)
    props: list[tuple[str, str]] = []
    born, died = _texts(v, KG.birthYear), _texts(v, KG.deathYear)
    props += [("born", b) for b in born] + [("died", d) for d in died]
    for predicate in (KG.nationality, KG.country):
        for t in v.get(predicate.value, []):
            if isinstance(t, ox.NamedNode):
                props.append(("country", snap.label(t.value)))
    kind_text = {"person": "person", "place": "place", "organization": "organisation"}[kind]
    detail = ""
    if born or died:
        detail = f"{born[0] if born else '?'}–{died[0] if died else ''}"
    else:
        types = _texts(v, KG.placeType) + _texts(v, KG.organizationType)
        detail = types[0] if types else ""
    country = next((value for key, value in props if key == "country"), "")
    description = ", ".join(x for x in (kind_text, detail, country) if x)
    return IndexedEntity(id=iri, name=name, kind=kind, alt_names=tuple(dict.fromkeys(alts)),
                         description=description, wikidata=wikidata, properties=tuple(props))
