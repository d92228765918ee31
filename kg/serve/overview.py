"""The data behind the overview pages: home, search, lists, timeline and map.

Like `kg.serve.views`, every function returns the page's JSON twin as a plain dict.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.rdf.namespace import KG, RDF, RDFS, SKOS
from kg.serve.snapshot import Snapshot
from kg.serve.views import catalogue, doc_sort_key, ref

ENTITY_CLASSES = (("person", KG.Person), ("place", KG.Place), ("organization", KG.Organization))
MAX_SEARCH_RESULTS = 200


def fold(text: str) -> str:
    """Case- and accent-insensitive form for substring search ("Roščin" finds "roscin")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def stats(snap: Snapshot, store_path: Path) -> dict[str, int]:
    from kg.api import KnowledgeGraph

    return snap.cached("stats", lambda: KnowledgeGraph(store_path).stats())


def entities(snap: Snapshot) -> list[dict[str, Any]]:
    """People, places and organisations with every name they go by (cached)."""
    return snap.cached("entities", lambda: _build_entities(snap))


def _build_entities(snap: Snapshot) -> list[dict[str, Any]]:
    out = []
    names_by: dict[str, set[str]] = {}
    for predicate in (RDFS.label, SKOS.prefLabel, SKOS.altLabel, KG.pseudonym):
        for q in snap.store.quads_for_pattern(None, predicate, None, None):
            if isinstance(q.object, ox.Literal):
                names_by.setdefault(q.subject.value, set()).add(q.object.value)
    counts = document_counts(snap)
    for kind, cls in ENTITY_CLASSES:
        seen = set()
        for q in snap.store.quads_for_pattern(None, RDF.type, cls, None):
            iri = q.subject.value
            if iri in seen:
                continue
            seen.add(iri)
            out.append({"iri": iri, "kind": kind, "label": snap.label(iri),
                        "names": sorted(names_by.get(iri, ())), "documents": counts.get(iri, 0)})
    out.sort(key=lambda e: (e["kind"], e["label"].casefold()))
    return out


def document_counts(snap: Snapshot) -> dict[str, int]:
    """Number of documents that name each IRI in any way (author, mention, place...)."""
    def build() -> dict[str, int]:
        rows = snap.select("SELECT ?e (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a kg:Document ; "
                           "?p ?e FILTER(isIRI(?e)) } GROUP BY ?e")
        return {r["e"].value: int(r["n"].value) for r in rows}
    return snap.cached("document_counts", build)


def home(snap: Snapshot, store_path: Path) -> dict[str, Any]:
    people = [e for e in entities(snap) if e["kind"] == "person" and e["documents"]]
    people.sort(key=lambda e: (-e["documents"], e["label"]))
    places = [e for e in entities(snap) if e["kind"] == "place" and e["documents"]]
    places.sort(key=lambda e: (-e["documents"], e["label"]))
    docs = sorted(catalogue(snap).values(), key=doc_sort_key)
    span = [d["earliest"] for d in docs if d["earliest"]]
    return {
        "stats": stats(snap, store_path), "base": snap.base, "generation": snap.name,
        "period": {"from": min(span), "to": max(span)} if span else None,
        "top_people": [_brief(e) for e in people[:12]],
        "top_places": [_brief(e) for e in places[:12]],
    }


def _brief(e: dict[str, Any]) -> dict[str, Any]:
    return {"iri": e["iri"], "label": e["label"], "kind": e["kind"], "documents": e["documents"]}


def search(snap: Snapshot, q: str) -> dict[str, Any]:
    """Documents whose title or summary contains the words, and entities any name of which
    contains them (case- and accent-insensitive substring match, every word must match)."""
    words = [fold(w) for w in q.split() if w.strip()]
    out: dict[str, Any] = {"q": q, "entities": [], "documents": [], "truncated": False}
    if not words:
        return out
    for e in entities(snap):
        names = [fold(n) for n in (e["label"], *e["names"])]
        if any(all(w in n for w in words) for n in names):
            out["entities"].append(_brief(e))
    out["entities"].sort(key=lambda e: (-e["documents"], e["label"]))
    hits = []
    for doc in catalogue(snap).values():
        text = fold(f"{doc['title']}\n{doc['summary']}")
        if all(w in text for w in words):
            hits.append(doc)
    hits.sort(key=doc_sort_key)
    out["truncated"] = len(hits) > MAX_SEARCH_RESULTS
    out["documents"] = [{"iri": d["iri"], "title": d["title"], "date": d["date"] or d["date_text"],
                         "earliest": d["earliest"], "summary": d["summary"]}
                        for d in hits[:MAX_SEARCH_RESULTS]]
    return out


def documents_list(snap: Snapshot) -> dict[str, Any]:
    docs = sorted(catalogue(snap).values(), key=doc_sort_key)
    return {"documents": [{"iri": d["iri"], "title": d["title"],
                           "date": d["date"] or d["date_text"], "earliest": d["earliest"],
                           "type": d["type"]} for d in docs]}


def entity_list(snap: Snapshot, kind: str) -> dict[str, Any]:
    items = [_brief(e) for e in entities(snap) if e["kind"] == kind]
    return {"kind": kind, "items": items}


def timeline(snap: Snapshot, month: str | None = None) -> dict[str, Any]:
    """Documents per month of kg:earliestDate (a range counts in its first month)."""
    counts: Counter[str] = Counter()
    undated = 0
    for doc in catalogue(snap).values():
        if doc["earliest"]:
            counts[doc["earliest"][:7]] += 1
        else:
            undated += 1
    months = _month_range(min(counts), max(counts)) if counts else []
    out: dict[str, Any] = {"months": [{"month": m, "count": counts.get(m, 0)} for m in months],
                           "undated": undated, "month": month}
    if month:
        docs = [d for d in catalogue(snap).values() if (d["earliest"] or "")[:7] == month]
        docs.sort(key=doc_sort_key)
        out["documents"] = [{"iri": d["iri"], "title": d["title"],
                             "date": d["date"] or d["date_text"], "earliest": d["earliest"]}
                            for d in docs]
    return out


def _month_range(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    out = []
    while (y, m) <= end:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def map_data(snap: Snapshot) -> dict[str, Any]:
    """Places with coordinates, with how many documents name them."""
    rows = snap.select("SELECT DISTINCT ?p ?lat ?long WHERE { ?p a kg:Place ; geo:lat ?lat ; "
                       "geo:long ?long }")
    counts = document_counts(snap)
    places: dict[str, dict[str, Any]] = {}
    for r in rows:
        try:
            lat, long = float(r["lat"].value), float(r["long"].value)
        except ValueError:
            continue
        if not (-90 <= lat <= 90 and -180 <= long <= 180):
            continue
        iri = r["p"].value
        places.setdefault(iri, {**ref(snap, iri), "lat": lat, "long": long,
                                "documents": counts.get(iri, 0)})
    items = sorted(places.values(), key=lambda p: (-p["documents"], p["label"]))
    return {"places": items, "without_coordinates": _uncoordinated(snap, set(places))}


def _uncoordinated(snap: Snapshot, have: set[str]) -> int:
    return sum(1 for e in entities(snap) if e["kind"] == "place" and e["iri"] not in have)

