"""The data behind the overview pages: home, search, lists, timeline and map.

Like `kg.serve.views`, every page function returns a typed view model that the page's
template renders and its JSON twin serialises. Drawings (`chart` properties) are not part of
the JSON twin: they are made from its data.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pyoxigraph as ox

from kg.rdf.namespace import KG, RDF, RDFS, SKOS
from kg.serve import charts
from kg.serve.models import DocBrief
from kg.serve.snapshot import Snapshot
from kg.serve.views import brief_of, catalogue, doc_sort_key

ENTITY_CLASSES = (("person", KG.Person), ("place", KG.Place), ("organization", KG.Organization))
MAX_SEARCH_RESULTS = 200
MAX_LISTED = 300  # documents a timeline range lists below its chart


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


def warm(snap: Snapshot, store_path: Path) -> None:
    """Build the whole-store caches of the overview pages (see `app.warm_pages`)."""
    catalogue(snap)
    entities(snap)
    stats(snap, store_path)


@dataclass
class Counted:
    """An entity with the number of documents naming it."""

    iri: str
    label: str
    kind: str
    documents: int


def _counted(e: dict[str, Any]) -> Counted:
    return Counted(e["iri"], e["label"], e["kind"], e["documents"])


# ---------------------------------------------------------------------------------------------
# Home, search, lists


@dataclass
class HomePage:
    template: ClassVar[str] = "home.html"
    heading: ClassVar[str] = "Archive knowledge graph"
    stats: dict[str, int]
    base: str
    generation: str
    period: dict[str, str] | None
    top_people: list[Counted]
    top_places: list[Counted]


def home(snap: Snapshot, store_path: Path) -> HomePage:
    ranked = {}
    for kind in ("person", "place"):
        items = [e for e in entities(snap) if e["kind"] == kind and e["documents"]]
        items.sort(key=lambda e: (-e["documents"], e["label"]))
        ranked[kind] = [_counted(e) for e in items[:12]]
    span = [d["earliest"] for d in catalogue(snap).values() if d["earliest"]]
    return HomePage(stats(snap, store_path), snap.base, snap.name,
                    {"from": min(span), "to": max(span)} if span else None,
                    ranked["person"], ranked["place"])


@dataclass
class SearchPage:
    template: ClassVar[str] = "search.html"
    q: str
    entities: list[Counted] = field(default_factory=list)
    documents: list[DocBrief] = field(default_factory=list)
    truncated: bool = False

    @property
    def heading(self) -> str:
        return f"Search: {self.q}" if self.q.strip() else "Search"


def search(snap: Snapshot, q: str) -> SearchPage:
    """Documents whose title or summary contains the words, and entities any name of which
    contains them (case- and accent-insensitive substring match, every word must match).

    The one place the site searches: a full-text index can take its place behind this
    function without any page changing."""
    words = [fold(w) for w in q.split() if w.strip()]
    page = SearchPage(q)
    if not words:
        return page
    for e in entities(snap):
        names = [fold(n) for n in (e["label"], *e["names"])]
        if any(all(w in n for w in words) for n in names):
            page.entities.append(_counted(e))
    page.entities.sort(key=lambda e: (-e.documents, e.label))
    hits = [doc for doc in catalogue(snap).values()
            if all(w in fold(f"{doc['title']}\n{doc['summary']}") for w in words)]
    hits.sort(key=doc_sort_key)
    page.truncated = len(hits) > MAX_SEARCH_RESULTS
    page.documents = [brief_of(d, summary=True) for d in hits[:MAX_SEARCH_RESULTS]]
    return page


@dataclass
class DocumentsPage:
    template: ClassVar[str] = "documents.html"
    heading: ClassVar[str] = "Documents"
    documents: list[DocBrief]


def documents_list(snap: Snapshot) -> DocumentsPage:
    docs = sorted(catalogue(snap).values(), key=doc_sort_key)
    return DocumentsPage([brief_of(d) for d in docs])


LIST_TITLES = {"person": "People", "place": "Places", "organization": "Organisations"}


@dataclass
class EntityListPage:
    template: ClassVar[str] = "entity_list.html"
    kind: str
    items: list[Counted]
    hidden: int  # entities no document names (authority entries not met yet)

    @property
    def heading(self) -> str:
        return LIST_TITLES[self.kind]


def entity_list(snap: Snapshot, kind: str) -> EntityListPage:
    """The entities of a kind that some document names, most documented first within
    alphabetical order; the authority file's other entries are only counted."""
    of_kind = [e for e in entities(snap) if e["kind"] == kind]
    items = [_counted(e) for e in of_kind if e["documents"]]
    return EntityListPage(kind, items, len(of_kind) - len(items))


# ---------------------------------------------------------------------------------------------
# Timeline


class RangeError(ValueError):
    """A timeline or network range parameter that is not a year, month or day."""


def month_bounds(text: str | None, *, end: bool) -> str | None:
    """"1950" / "1950-02" / "1950-02-17" as the first (or last) day it covers, as xsd:date."""
    if not text:
        return None
    t = text.strip()
    parts = t.split("-")
    try:
        if not (1 <= len(parts) <= 3 and len(parts[0]) == 4 and all(len(p) == 2 for p in parts[1:])
                and all(p.isdigit() for p in parts)):
            raise ValueError
        y = int(parts[0])
        m = int(parts[1]) if len(parts) > 1 else (12 if end else 1)
        if not 1 <= m <= 12:
            raise ValueError
        last = _month_days(y, m)
        d = int(parts[2]) if len(parts) > 2 else (last if end else 1)
        if not 1 <= d <= last:
            raise ValueError
    except ValueError:
        raise RangeError(f"{text!r} is not a date: give a year (1950), a month (1950-02) or a "
                         f"day (1950-02-17)") from None
    return f"{y:04d}-{m:02d}-{d:02d}"


def _month_days(y: int, m: int) -> int:
    if m == 2:
        return 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28
    return 30 if m in (4, 6, 9, 11) else 31


@dataclass
class MonthCount:
    month: str
    count: int


@dataclass
class TimelinePage:
    template: ClassVar[str] = "timeline.html"
    heading: ClassVar[str] = "Timeline"
    months: list[MonthCount]  # every month of the range, in order (zeros included)
    undated: int
    month: str | None
    from_: str | None
    to: str | None
    total: int  # dated documents in the range
    extent: dict[str, str] | None  # first and last month of all dated documents
    by: str  # "year" or "month": what one bar of the drawing counts
    documents: list[DocBrief] | None  # listed for a month, or a range of few documents

    @property
    def chart(self) -> charts.TimelineChart | None:
        return charts.timeline_chart(self.months, by=self.by)

    @property
    def years(self) -> list[tuple[str, int]]:
        """Documents per year of the range, for the table under a drawing by year."""
        counts: dict[str, int] = {}
        for m in self.months:
            counts[m.month[:4]] = counts.get(m.month[:4], 0) + m.count
        return [(y, n) for y, n in counts.items() if n]


def timeline(snap: Snapshot, month: str | None = None, start: str | None = None,
             end: str | None = None) -> TimelinePage:
    """Documents per month of kg:earliestDate (a range counts in its first month), over all
    dates or between `start` and `end` (years, months or days); `month` lists its documents.
    Raises RangeError for a bound that is not a date."""
    lo, hi = month_bounds(start, end=False), month_bounds(end, end=True)
    if month is not None:
        lo, hi = month_bounds(month, end=False), month_bounds(month, end=True)
    if lo and hi and lo > hi:
        raise RangeError(f"the range starts ({start}) after it ends ({end})")
    docs = catalogue(snap).values()
    dated = [d for d in docs if d["earliest"]]
    extent = ({"from": min(d["earliest"] for d in dated)[:7],
               "to": max(d["earliest"] for d in dated)[:7]} if dated else None)
    chosen = [d for d in dated if (not lo or d["earliest"] >= lo)
              and (not hi or d["earliest"] <= hi)]
    counts = Counter(d["earliest"][:7] for d in chosen)
    if month:
        months = [month]
    elif counts and extent:
        # a given bound draws from itself, within the data's extent; an open one from the data
        first = max(lo[:7], extent["from"]) if lo else min(counts)
        last = min(hi[:7], extent["to"]) if hi else max(counts)
        months = _month_range(first, last)
    else:
        months = []
    by = "year" if len(months) > 72 else "month"
    listed = None
    if month or ((lo or hi) and len(chosen) <= MAX_LISTED):
        listed = [brief_of(d) for d in sorted(chosen, key=doc_sort_key)]
    return TimelinePage(
        months=[MonthCount(m, counts.get(m, 0)) for m in months],
        undated=sum(1 for d in docs if not d["earliest"]), month=month, from_=start, to=end,
        total=len(chosen), extent=extent, by=by, documents=listed)


def _month_range(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    out = []
    while (y, m) <= end:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# ---------------------------------------------------------------------------------------------
# Map


@dataclass
class MapPlace:
    iri: str
    label: str
    lat: float
    long: float
    documents: int


@dataclass
class MapPage:
    template: ClassVar[str] = "map.html"
    heading: ClassVar[str] = "Map"
    places: list[MapPlace]
    without_coordinates: int

    @property
    def chart(self) -> charts.MapChart | None:
        return charts.map_chart(self.places)

    @property
    def detail(self) -> tuple[str, charts.MapChart] | None:
        dense = charts.dense_region(self.places)
        if not dense:
            return None
        centre = max(dense, key=lambda p: p.documents).label
        return centre, charts.map_chart(dense, margin=(3.0, 2.0))


def map_data(snap: Snapshot) -> MapPage:
    """Places with coordinates, with how many documents name them."""
    rows = snap.select("SELECT DISTINCT ?p ?lat ?long WHERE { ?p a kg:Place ; geo:lat ?lat ; "
                       "geo:long ?long }")
    counts = document_counts(snap)
    places: dict[str, MapPlace] = {}
    for r in rows:
        try:
            lat, long = float(r["lat"].value), float(r["long"].value)
        except ValueError:
            continue
        if not (-90 <= lat <= 90 and -180 <= long <= 180):
            continue
        iri = r["p"].value
        places.setdefault(iri, MapPlace(iri, snap.label(iri), lat, long, counts.get(iri, 0)))
    items = sorted(places.values(), key=lambda p: (-p.documents, p.label))
    missing = sum(1 for e in entities(snap) if e["kind"] == "place" and e["iri"] not in places)
    return MapPage(items, missing)


