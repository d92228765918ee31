"""The data behind the pages of documents, people, places, organisations and any other IRI.

Each function returns a plain JSON-ready dict: the page's JSON twin. The HTML renderer
(`kg.serve.html`) only formats these dicts, so the two never disagree. Queries embed IRIs
only through `pyoxigraph.NamedNode`, which refuses anything that is not a valid IRI, so a
crafted path cannot inject SPARQL.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyoxigraph as ox

from kg.rdf.namespace import DCTERMS, GEO, KG, KG_IRI, OWL, PREFIXES, RDF, RDFS, SKOS
from kg.serve.snapshot import Snapshot
from kg.serve.subjects import machine_subjects, subject_page

# How a document relates to an entity, by predicate, in the order pages list them.
RELATIONS = {
    "author": "author", "recipient": "recipient", "intermediary": "intermediary",
    "participant": "participant", "mentions": "mentioned", "spatial": "place named",
    "impliedPlace": "place implied", "mentionsInText": "in full text",
    "curatedAuthor": "author (curated)", "curatedMention": "named (curated)",
    "curatedPlace": "place (curated)", "subject": "topic", "assignedSubject": "subject (machine)",
}
CORRESPONDENCE = ("author", "recipient", "intermediary", "participant")
KINDS = {"Person": "person", "Place": "place", "Organization": "organization",
         "Document": "document", "Role": "role", "SubjectHeading": "subject"}


def ref(snap: Snapshot, iri: str) -> dict[str, str]:
    return {"iri": iri, "label": snap.label(iri)}


def term_value(snap: Snapshot, term) -> dict[str, Any]:
    """A term as JSON: IRIs with their label, literals with datatype or language."""
    if isinstance(term, ox.NamedNode):
        return ref(snap, term.value)
    if isinstance(term, ox.BlankNode):
        return {"bnode": term.value}
    out: dict[str, Any] = {"value": term.value}
    if term.language:
        out["lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = compact(term.datatype.value)
    return out


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
    for q in snap.store.quads_for_pattern(node(iri), None, None, None):
        values = out[q.predicate.value]
        if q.object not in values:
            values.append(q.object)
    return out


def _texts(values: list) -> list[str]:
    return sorted({v.value for v in values if isinstance(v, ox.Literal)})


def _first(values: list) -> str | None:
    texts = _texts(values)
    return texts[0] if texts else None


def _iris(values: list) -> list[str]:
    return sorted({v.value for v in values if isinstance(v, ox.NamedNode)})


def kind_of(snap: Snapshot, iri: str) -> str | None:
    """person, place, organization, document, role, event... from the IRI's rdf:type."""
    for q in snap.store.quads_for_pattern(node(iri), RDF.type, None, None):
        local = q.object.value[len(KG_IRI):] if q.object.value.startswith(KG_IRI) else ""
        if local in KINDS:
            return KINDS[local]
        if local in ("Event", "Communication", "Conversation", "Signing", "Decision", "Visit"):
            return "event"
    return None


def exists(snap: Snapshot, iri: str) -> bool:
    """Whether the graph uses an IRI at all: as subject, as object, or through #fragments.

    An IRI only ever used as an object (an extraction method, say) still gets a page listing
    what refers to it, rather than a 404 for a link the site itself shows.
    """
    n = node(iri)
    if next(snap.store.quads_for_pattern(n, None, None, None), None) is not None:
        return True
    if next(snap.store.quads_for_pattern(None, None, n, None), None) is not None:
        return True
    return bool(snap.query(
        f"ASK {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), {_string(iri + '#')})) }}"))


def _string(text: str) -> str:
    return str(ox.Literal(text))  # N-Triples escaping is valid SPARQL string syntax


# ---------------------------------------------------------------------------------------------
# The document catalogue: one cached pass over every document


def catalogue(snap: Snapshot) -> dict[str, dict[str, Any]]:
    return snap.cached("catalogue", lambda: _build_catalogue(snap))


def _build_catalogue(snap: Snapshot) -> dict[str, dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = {}
    for q in snap.store.quads_for_pattern(None, RDF.type, KG.Document, None):
        docs.setdefault(q.subject.value, {"iri": q.subject.value, "title": "", "summary": "",
                                          "date": None, "date_text": None, "earliest": None,
                                          "latest": None, "type": None})
    fields = {DCTERMS.title: "title", KG.summary: "summary", KG.date: "date",
              KG.dateText: "date_text", KG.earliestDate: "earliest", KG.latestDate: "latest",
              KG.documentType: "type"}
    for predicate, key in fields.items():
        for q in snap.store.quads_for_pattern(None, predicate, None, None):
            doc = docs.get(q.subject.value)
            if doc is None:
                continue
            value = q.object.value
            old = doc[key]
            # Several sources may describe one document: keep the fullest text, the widest
            # date bounds, and otherwise the first value in a stable order.
            if key in ("title", "summary"):
                doc[key] = value if len(value) > len(old or "") else old
            elif key == "earliest":
                doc[key] = min(old, value) if old else value
            elif key == "latest":
                doc[key] = max(old, value) if old else value
            elif old is None or value < old:
                doc[key] = value
    for doc in docs.values():
        if doc["type"]:
            doc["type"] = ref(snap, doc["type"])
    return docs


def doc_sort_key(doc: dict[str, Any]) -> tuple[str, str]:
    return (doc.get("earliest") or "9999", doc.get("title") or "")


def doc_brief(snap: Snapshot, iri: str) -> dict[str, Any]:
    doc = catalogue(snap).get(iri)
    if doc is None:
        return {"iri": iri, "title": snap.label(iri), "date": None, "earliest": None}
    return {"iri": iri, "title": doc["title"] or snap.label(iri),
            "date": doc["date"] or doc["date_text"], "earliest": doc["earliest"]}


def documents_of(snap: Snapshot, iri: str) -> list[dict[str, Any]]:
    """Documents that relate to an entity, each with how, sorted by date."""
    rows = snap.select(f"SELECT DISTINCT ?d ?p WHERE {{ ?d ?p {node(iri)} . ?d a kg:Document }}")
    relations: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        local = row["p"].value[len(KG_IRI):] if row["p"].value.startswith(KG_IRI) else None
        name = RELATIONS.get(local or "", compact(row["p"].value))
        if name not in relations[row["d"].value]:
            relations[row["d"].value].append(name)
    order = list(RELATIONS.values())
    out = []
    for doc_iri, names in relations.items():
        brief = doc_brief(snap, doc_iri)
        brief["relations"] = sorted(names, key=lambda n: order.index(n) if n in order else 99)
        out.append(brief)
    out.sort(key=doc_sort_key)
    return out


# ---------------------------------------------------------------------------------------------
# Pages


def document_page(snap: Snapshot, iri: str) -> dict[str, Any]:
    p = props(snap, iri)
    doc = catalogue(snap).get(iri, {})
    out: dict[str, Any] = {
        "iri": iri, "kind": "document", "title": doc.get("title") or snap.label(iri),
        "summary": doc.get("summary") or None,
        "date": {"value": doc.get("date"), "text": doc.get("date_text"),
                 "precision": _first(p.get(KG.datePrecision.value, [])),
                 "edtf": _first(p.get(KG.edtf.value, [])),
                 "earliest": doc.get("earliest"), "latest": doc.get("latest")},
        "type": doc.get("type"),
        "number": _first(p.get(KG.documentNumber.value, [])),
        "classification": _first(p.get(KG.classification.value, [])),
        "record_id": _first(p.get(KG.recordId.value, [])),
        "url": next((v.value for v in p.get(KG.url.value, [])), None),
        "full_text": _first(p.get(KG.fullText.value, [])),
        "problems": _texts(p.get(KG.problem.value, [])),
        "correspondents": {rel: [ref(snap, i) for i in _iris(p.get(KG.term(rel).value, []))]
                           for rel in CORRESPONDENCE},
    }
    named = {}
    for local, key in (("mentions", "mentioned"), ("spatial", "places"),
                       ("impliedPlace", "implied_places"), ("mentionsInText", "in_full_text"),
                       ("subject", "topics"), ("curatedAuthor", "curated_authors"),
                       ("curatedMention", "curated_names"), ("curatedPlace", "curated_places")):
        named[key] = [ref(snap, i) for i in _iris(p.get(KG.term(local).value, []))]
    named["subject_headings"] = [ref(snap, i) for i in _iris(p.get(DCTERMS.subject.value, []))]
    out["named"] = named
    out["event"] = [_event(snap, e) for e in _iris(p.get(KG.records.value, []))]
    out["sources"] = _sources(snap, iri)
    out["machine_subjects"] = machine_subjects(snap, iri)
    out["mentions"] = _mentions(snap, iri)
    # what the document says about posts, each with the post it counts for (summary graph)
    out["roles"] = [
        {"iri": r["p"].value if "p" in r else r["a"].value, "label": r["w"].value,
         "holder": ref(snap, r["h"].value),
         "post": ref(snap, r["p"].value) if "p" in r else None}
        for r in snap.select(f"SELECT DISTINCT ?a ?w ?h ?p WHERE {{ ?a a kg:RoleAttestation ; "
                             f"kg:attestedBy {node(iri)} ; kg:holder ?h ; rdfs:label ?w . "
                             f"OPTIONAL {{ ?p kg:attestation ?a }} }} ORDER BY ?w ?a")]
    out["names"] = [
        {"person": ref(snap, r["p"].value), "name": r["n"].value,
         "pseudonym": r.get("ps") is not None and r["ps"].value == "true"}
        for r in snap.select(f"SELECT DISTINCT ?p ?n ?ps WHERE {{ ?a kg:attestedBy {node(iri)} ; "
                             f"kg:attestedName ?n . ?p kg:nameAttestation ?a . "
                             f"OPTIONAL {{ ?a kg:isPseudonym ?ps }} }} ORDER BY ?n")]
    return out


def _event(snap: Snapshot, iri: str) -> dict[str, Any]:
    p = props(snap, iri)
    types = [compact(t) for t in _iris(p.get(RDF.type.value, []))]
    return {"iri": iri, "types": types,
            "date": _first(p.get(KG.date.value, [])),
            **{rel: [ref(snap, i) for i in _iris(p.get(KG.term(rel).value, []))]
               for rel in ("sender", "addressee", "via", "eventParticipant")}}


def _sources(snap: Snapshot, iri: str) -> list[dict[str, Any]]:
    out = []
    rows = snap.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g kg:aboutDocument {node(iri)} "
                       f"}} }} ORDER BY ?g")
    for row in rows:
        g = row["g"].value
        gp = props(snap, g)
        src = next(iter(_iris(gp.get(KG.source.value, []))), None)
        sp = props(snap, src) if src else {}
        out.append({
            "graph": g, "source": src,
            "name": _first(sp.get(KG.sourceName.value, [])),
            "kind": _first(gp.get(KG.sourceKind.value, [])) or _first(
                sp.get(KG.sourceKind.value, [])),
            "line": _first(gp.get(KG.sourceLine.value, [])),
            "versions": {k: _first(gp.get(KG.term(f"{k}Version").value, []))
                         for k in ("extractor", "model", "authority", "ontology")},
        })
    return out


def _mentions(snap: Snapshot, iri: str) -> list[dict[str, Any]]:
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
    out = []
    for r in rows:
        out.append({
            "iri": r["m"].value, "entity": ref(snap, r["e"].value),
            "text": r["text"].value if "text" in r else None,
            "field": r["field"].value if "field" in r else None,
            "start": int(r["start"].value) if "start" in r else None,
            "end": int(r["end"].value) if "end" in r else None,
            "method": ref(snap, r["method"].value) if "method" in r else None,
            "confidence": float(r["conf"].value) if "conf" in r else None,
            "link_method": r["lm"].value if "lm" in r else None,
            "score": float(r["score"].value) if "score" in r else None,
            "graph": r["m"].value.split("#", 1)[0],
            # a name nothing corroborates: no entity (yet), see candidate_page
            "candidate": "candidate" in r and r["candidate"].value == "true",
        })
    out.sort(key=lambda m: (field_order.get(m["field"] or "", 9), m["start"] or 0, m["iri"]))
    return out


def _entity_common(snap: Snapshot, iri: str, kind: str) -> tuple[dict[str, Any], dict]:
    p = props(snap, iri)
    labels = _texts(p.get(RDFS.label.value, []))
    pref = [v.value for v in p.get(SKOS.prefLabel.value, []) if isinstance(v, ox.Literal)]
    alt = sorted({v.value for v in p.get(SKOS.altLabel.value, []) if isinstance(v, ox.Literal)}
                 - set(labels))
    same = _iris(p.get(OWL.sameAs.value, []))
    resolved = _first(p.get(KG.resolved.value, []))
    out = {
        "iri": iri, "kind": kind, "label": snap.label(iri), "labels": labels,
        "pref_labels": sorted(set(pref)), "alt_labels": alt,
        "authority_id": _first(p.get(KG.authorityId.value, [])),
        "resolved": None if resolved is None else resolved == "true",
        "same_as": [{"iri": s, "label": compact(s)} for s in same],
    }
    return out, p


def person_page(snap: Snapshot, iri: str) -> dict[str, Any]:
    out, p = _entity_common(snap, iri, "person")
    out["pseudonyms"] = _texts(p.get(KG.pseudonym.value, []))
    out["born"] = _first(p.get(KG.birthYear.value, []))
    out["died"] = _first(p.get(KG.deathYear.value, []))
    out["nationality"] = [ref(snap, i) for i in _iris(p.get(KG.nationality.value, []))]
    attestations = []
    for a in _iris(p.get(KG.nameAttestation.value, [])):
        ap = props(snap, a)
        for d in _iris(ap.get(KG.attestedBy.value, [])):
            attestations.append({"name": _first(ap.get(KG.attestedName.value, [])),
                                 "pseudonym": _first(ap.get(KG.isPseudonym.value, [])) == "true",
                                 "document": doc_brief(snap, d)})
    attestations.sort(key=lambda a: (a["name"] or "", doc_sort_key(a["document"])))
    out["name_attestations"] = attestations
    out["roles"] = roles_where(snap, "holder", iri)
    out["documents"] = documents_of(snap, iri)
    out["wrote_to"] = _counterparts(snap, iri, "author", "recipient")
    out["received_from"] = _counterparts(snap, iri, "recipient", "author")
    return out


def roles_where(snap: Snapshot, relation: str, iri: str) -> list[dict[str, Any]]:
    """Posts whose kg:holder / kg:postIn / kg:roleTo is `iri`, one line each: the posts the
    documents attest (merged across wordings, with their tenure as first and last attested
    date and their evidence), and the posts the authority file knows (source "authority")."""
    rows = snap.select(f"SELECT DISTINCT ?r WHERE {{ ?r a kg:Role ; kg:{relation} {node(iri)} }}")
    out = []
    for row in rows:
        r = row["r"].value
        rp = props(snap, r)
        source = _first(rp.get(KG.sourceKind.value, [])) or "attested"
        docs = sorted({d for a in _iris(rp.get(KG.attestation.value, []))
                       for d in _iris(props(snap, a).get(KG.attestedBy.value, []))})
        briefs = sorted((doc_brief(snap, d) for d in docs), key=doc_sort_key)
        count = _first(rp.get(KG.documentCount.value, []))
        start, end = (_first(rp.get(KG.startYear.value, [])), _first(rp.get(KG.endYear.value, [])))
        out.append({
            **ref(snap, r), "head": _first(rp.get(KG.roleHead.value, [])), "source": source,
            "wordings": _texts(rp.get(SKOS.altLabel.value, [])),
            "holder": [ref(snap, i) for i in _iris(rp.get(KG.holder.value, []))],
            "post_in": [ref(snap, i) for i in _iris(rp.get(KG.postIn.value, []))],
            "role_to": [ref(snap, i) for i in _iris(rp.get(KG.roleTo.value, []))],
            "authority_post": [ref(snap, i) for i in _iris(rp.get(KG.matchesPost.value, []))],
            "attested_by": briefs,
            "evidence": int(count) if count else len(briefs),
            "from": _first(rp.get(KG.firstDate.value, [])) or start,
            "to": _first(rp.get(KG.lastDate.value, [])) or end,
        })
    out.sort(key=lambda r: (r["holder"][0]["label"] if r["holder"] else "", r["from"] or "9999",
                            r["source"], r["label"]))
    return out


def _counterparts(snap: Snapshot, iri: str, mine: str, theirs: str) -> list[dict[str, Any]]:
    rows = snap.select(f"SELECT ?o (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d kg:{mine} {node(iri)} ; "
                       f"kg:{theirs} ?o . FILTER(?o != {node(iri)}) }} GROUP BY ?o")
    out = [{**ref(snap, r["o"].value), "count": int(r["n"].value)} for r in rows]
    out.sort(key=lambda c: (-c["count"], c["label"]))
    return out


def place_page(snap: Snapshot, iri: str) -> dict[str, Any]:
    out, p = _entity_common(snap, iri, "place")
    out["type"] = _first(p.get(KG.placeType.value, []))
    out["within"] = [ref(snap, i) for i in _iris(p.get(KG.within.value, []))]
    lat, long = _first(p.get(GEO.lat.value, [])), _first(p.get(GEO.long.value, []))
    out["coordinates"] = ({"lat": float(lat), "long": float(long)}
                          if lat is not None and long is not None else None)
    out["contains"] = [ref(snap, r["x"].value) for r in snap.select(
        f"SELECT DISTINCT ?x WHERE {{ ?x kg:within {node(iri)} }}")]
    out["contains"].sort(key=lambda r: r["label"])
    out["documents"] = documents_of(snap, iri)
    out["roles"] = roles_where(snap, "roleTo", iri) + roles_where(snap, "postIn", iri)
    out["people"] = sorted((ref(snap, r["x"].value) for r in snap.select(
        f"SELECT DISTINCT ?x WHERE {{ ?x kg:nationality {node(iri)} }}")),
        key=lambda r: r["label"])
    return out


def organization_page(snap: Snapshot, iri: str) -> dict[str, Any]:
    out, p = _entity_common(snap, iri, "organization")
    out["type"] = _first(p.get(KG.organizationType.value, []))
    out["country"] = [ref(snap, i) for i in _iris(p.get(KG.country.value, []))]
    out["part_of"] = [ref(snap, i) for i in _iris(p.get(KG.parentOrganization.value, []))]
    out["parts"] = sorted((ref(snap, r["x"].value) for r in snap.select(
        f"SELECT DISTINCT ?x WHERE {{ ?x kg:parentOrganization {node(iri)} }}")),
        key=lambda r: r["label"])
    out["documents"] = documents_of(snap, iri)
    out["roles"] = roles_where(snap, "postIn", iri)
    return out


def resource_page(snap: Snapshot, iri: str) -> dict[str, Any]:
    """Any other IRI (role, event, topic, source, graph, method...): its statements, grouped
    by predicate, those of its #fragments, and what refers to it."""
    subjects = [iri] + [r["s"].value for r in snap.select(
        f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), {_string(iri + '#')})) }}"
        " ORDER BY ?s LIMIT 500")]
    blocks = []
    for s in subjects:
        p = props(snap, s)
        if not p:
            continue
        blocks.append({"subject": s, "properties": [
            {"predicate": {"iri": pred, "label": compact(pred)},
             "values": [term_value(snap, v) for v in values]}
            for pred, values in sorted(p.items(), key=lambda kv: _pred_order(kv[0]))]})
    incoming = [{"subject": ref(snap, r["s"].value), "predicate": compact(r["p"].value)}
                for r in snap.select(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {node(iri)} }} "
                                     "ORDER BY ?p ?s LIMIT 500")]
    types = [compact(t) for t in _iris(props(snap, iri).get(RDF.type.value, []))]
    return {"iri": iri, "kind": kind_of(snap, iri) or "resource", "label": snap.label(iri),
            "types": types, "descriptions": blocks, "referenced_by": incoming}


def _pred_order(pred: str) -> tuple[int, str]:
    first = (RDF.type.value, RDFS.label.value, SKOS.prefLabel.value, DCTERMS.title.value)
    return (first.index(pred) if pred in first else len(first), compact(pred))


def candidate_page(snap: Snapshot, iri: str) -> dict[str, Any] | None:
    """A name only the statistical model found in full texts, that nothing corroborates: not
    an entity, so not an entity page; its mentions, and how a curator makes it one."""
    rows = snap.select(f"SELECT DISTINCT ?m ?name ?doc WHERE {{ ?m kg:mentionOf {node(iri)} ; "
                       f"a kg:CandidateMention ; kg:candidateName ?name ; kg:inDocument ?doc }}")
    if not rows:
        return None
    base = snap.base
    tail = iri[len(base):] if iri.startswith(base) else iri
    return {
        "iri": iri, "kind": "candidate", "label": sorted({r["name"].value for r in rows})[0],
        "names": sorted({r["name"].value for r in rows}),
        "documents": sorted((doc_brief(snap, d) for d in {r["doc"].value for r in rows}),
                            key=doc_sort_key),
        "mentions": sorted(r["m"].value for r in rows),
        "promote": {"op": "promote", "entity": tail},
    }


def entity_page(snap: Snapshot, iri: str) -> dict[str, Any]:
    """The page data for any IRI of the graph, by its kind."""
    kind = kind_of(snap, iri)
    if kind is None:
        candidate = candidate_page(snap, iri)
        if candidate is not None:
            return candidate
    if kind == "document":
        return document_page(snap, iri)
    if kind == "person":
        return person_page(snap, iri)
    if kind == "place":
        return place_page(snap, iri)
    if kind == "organization":
        return organization_page(snap, iri)
    if kind == "subject":
        return subject_page(snap, iri, documents_of(snap, iri))
    return resource_page(snap, iri)
