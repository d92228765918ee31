"""The data behind the overview pages: home, search, lists, timeline and map.

Like `kg.serve.views`, every page function returns a typed view model that the page's
template renders and its JSON twin serialises. Drawings (`chart` properties) are not part of
the JSON twin: they are made from its data.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import urlencode

from kg.serve import charts
from kg.serve.models import DocBrief, Ref
from kg.serve.snapshot import Snapshot
from kg.serve.views import brief_of, doc_sort_key
from kg.store.index import MAX_PAGE_SIZE, Filters, SearchHit

MAX_LISTED = 300  # documents a timeline range lists below its chart
PAGE_SIZE = 20  # search results and browsed documents per page
LIST_PAGE_SIZE = 200  # entities per page of a list


@dataclass
class Counted:
    """An entity with the number of documents naming it."""

    iri: str
    label: str
    kind: str
    documents: int


def _counted(snap: Snapshot, e) -> Counted:
    return Counted(e.iri, e.label or snap.label(e.iri), e.kind or "resource", e.documents)


# ---------------------------------------------------------------------------------------------
# Home


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


def home(snap: Snapshot) -> HomePage:
    """Counts, the period the documents cover and the most documented people and places: a
    handful of look-ups in the generation's derived data."""
    index = snap.index
    stats = index.stats()
    stats.pop("resources", None)  # the store's counts, as `kg stats` gives them
    first = index.search(None, page_size=1, sort="date").hits
    last = index.search(None, page_size=1, sort="-date").hits
    period = ({"from": first[0].earliest, "to": last[0].earliest}
              if first and first[0].earliest and last and last[0].earliest else None)
    ranked = {kind: [_counted(snap, e) for e in index.entities(kind, page_size=12).items]
              for kind in ("person", "place")}
    return HomePage(stats, snap.base, snap.name, period, ranked["person"], ranked["place"])


# ---------------------------------------------------------------------------------------------
# Search and browsing, with facets

# Facets: the index's name, the URL parameter, the `Filters` field, the heading.
FACETS = (("type", "type", "types", "Type"), ("person", "person", "people", "People"),
          ("place", "place", "places", "Places"),
          ("organization", "org", "organizations", "Organisations"),
          ("topic", "topic", "topics", "Topics"), ("source", "source", "sources", "Source"))
SORTS = {"relevance": "best match", "date": "oldest first", "-date": "newest first"}


@dataclass
class SearchRequest:
    """What a search or browse URL asks for: the query string's parameters, parsed."""

    q: str = ""
    from_: str | None = None
    to: str | None = None
    selected: dict[str, tuple[str, ...]] = field(default_factory=dict)  # facet -> IRIs
    page: int = 1
    sort: str | None = None

    @classmethod
    def from_params(cls, snap: Snapshot, params: dict[str, list[str]]) -> SearchRequest:
        """Raises RangeError for a date bound that is not a date or a bad page number."""
        def one(name: str) -> str | None:
            values = [v.strip() for v in params.get(name, []) if v.strip()]
            return values[0] if values else None
        start, end = one("from"), one("to")
        lo, hi = month_bounds(start, end=False), month_bounds(end, end=True)
        if lo and hi and lo > hi:
            raise RangeError(f"the range starts ({start}) after it ends ({end})")
        selected = {}
        for facet, param, _, _ in FACETS:
            values = [v.strip() for v in params.get(param, []) if v.strip()]
            # a value is an IRI, or the path this server answers it at (/person/...)
            iris = [v if "://" in v else (snap.iri_for_path(v) or v) for v in values]
            if iris:
                selected[facet] = tuple(dict.fromkeys(iris))
        try:
            page = int(one("page") or 1)
        except ValueError:
            raise RangeError(f"page {one('page')!r} is not a number") from None
        if page < 1:
            raise RangeError("pages are numbered from 1")
        sort = one("sort")
        return cls(one("q") or "", start, end, selected, page,
                   sort if sort in SORTS else None)

    def filters(self) -> Filters:
        lo, hi = month_bounds(self.from_, end=False), month_bounds(self.to, end=True)
        return Filters(date_from=lo, date_to=hi, **{
            attr: self.selected.get(facet, ()) for facet, _, attr, _ in FACETS})

    def params(self, snap: Snapshot, **changes) -> list[tuple[str, str]]:
        """The request as query-string pairs, with `changes` applied (None drops one)."""
        state = {"q": self.q, "from": self.from_, "to": self.to, "sort": self.sort,
                 "page": str(self.page) if self.page > 1 else None}
        selected = {k: list(v) for k, v in self.selected.items()}
        for key, value in changes.items():
            if key in ("add", "remove"):
                facet, iri = value
                values = selected.setdefault(facet, [])
                if key == "add" and iri not in values:
                    values.append(iri)
                elif key == "remove" and iri in values:
                    values.remove(iri)
            else:
                state[key.rstrip("_")] = value
        if any(k in changes for k in ("add", "remove", "from_", "to", "q")):
            state["page"] = None  # another set of results starts on its first page
        pairs = [("q", state["q"])] if state["q"] else []
        pairs += [(k, state[k]) for k in ("from", "to") if state[k]]
        for facet, param, _, _ in FACETS:
            pairs += [(param, snap.local_path(i) or i) for i in selected.get(facet, [])]
        pairs += [(k, state[k]) for k in ("sort", "page") if state[k]]
        return pairs

    def href(self, snap: Snapshot, path: str, **changes) -> str:
        pairs = self.params(snap, **changes)
        return path + ("?" + urlencode(pairs) if pairs else "")


@dataclass
class FacetChoice:
    value: str
    label: str
    count: int
    selected: bool
    href: str  # the URL with this value added (or, when selected, removed)


@dataclass
class Facet:
    name: str  # type, person, place, organization, topic, source, year
    title: str
    choices: list[FacetChoice]


@dataclass
class ActiveFilter:
    facet: str
    value: str
    label: str
    remove: str  # the URL without it


@dataclass
class Hit:
    """One result: the document's catalogue row and the passage where the words are, as
    (text, highlighted) pieces (the template escapes every piece)."""

    iri: str
    title: str
    date: str | None
    earliest: str | None
    type: Ref | None
    summary: str | None
    snippet: list[tuple[str, bool]]
    score: float | None


@dataclass
class SearchPage:
    """Search results (a query) or the browsed documents (none), with facets, one page."""

    template: ClassVar[str] = "search.html"
    path: str  # /search or /documents
    q: str
    corrected: str | None  # the query run instead, when a word was misspelt
    error: str | None
    from_: str | None
    to: str | None
    sort: str
    filters: list[ActiveFilter]
    total: int
    page: int
    pages: int
    page_size: int
    documents: list[Hit]
    facets: list[Facet]
    entities: list[Counted]
    first_page: str | None = field(default=None, metadata={"json": False})
    previous_page: str | None = field(default=None, metadata={"json": False})
    next_page: str | None = field(default=None, metadata={"json": False})
    clear: str | None = field(default=None, metadata={"json": False})
    sorts: list[tuple[str, str, bool]] = field(default_factory=list, metadata={"json": False})

    @property
    def heading(self) -> str:
        if self.path == "/documents":
            return "Documents"
        return f"Search: {self.q}" if self.q.strip() else "Search"


def search(snap: Snapshot, request: SearchRequest, path: str = "/search") -> SearchPage:
    """Documents matching the query within the filters, ranked (or, with no query, every
    document within the filters in date order), a page at a time, with the facets' counts
    among all of them; and the people, places and organisations any name of which matches.
    Everything comes from the generation's search index (`kg.store.index`)."""
    index = snap.index
    sort = request.sort or ("relevance" if request.q.strip() else "date")
    result = index.search(request.q or None, request.filters(), page=request.page,
                          page_size=PAGE_SIZE, sort=sort)
    labels = snap.known_labels([h.type for h in result.hits if h.type]
                               + [v for vs in request.selected.values() for v in vs])
    hits = [_hit(snap, h, labels) for h in result.hits]
    facets = []
    for facet, _, _, title in FACETS:
        chosen = request.selected.get(facet, ())
        choices = [FacetChoice(v.value, v.label, v.count, v.value in chosen,
                               request.href(snap, path, **{
                                   "remove" if v.value in chosen else "add": (facet, v.value)}))
                   for v in result.facets.get(facet, ())]
        if choices:
            facets.append(Facet(facet, title, choices))
    years = [FacetChoice(v.value, v.value, v.count,
                         request.from_ == v.value and request.to == v.value,
                         request.href(snap, path, from_=v.value, to=v.value))
             for v in result.facets.get("year", ())]
    if years:
        facets.append(Facet("year", "Year", years))
    active = [ActiveFilter(facet, iri, labels.get(iri) or snap.label(iri),
                           request.href(snap, path, remove=(facet, iri)))
              for facet, iris in request.selected.items() for iri in iris]
    if request.from_ or request.to:
        span = " – ".join(x for x in (request.from_ or "…", request.to or "…"))
        active.append(ActiveFilter("date", span, span,
                                   request.href(snap, path, from_=None, to=None)))
    entities = ([_counted(snap, e) for e in index.find_entities(request.q)]
                if request.q.strip() and request.page == 1 else [])
    pages = result.pages
    return SearchPage(
        path=path, q=request.q, corrected=result.corrected, error=result.error,
        from_=request.from_, to=request.to, sort=sort, filters=active, total=result.total,
        page=request.page, pages=pages, page_size=result.page_size, documents=hits,
        facets=facets, entities=entities,
        first_page=request.href(snap, path, page=None) if request.page > 2 else None,
        previous_page=(request.href(snap, path, page=str(request.page - 1)
                                    if request.page > 2 else None)
                       if request.page > 1 else None),
        next_page=(request.href(snap, path, page=str(request.page + 1))
                   if request.page < pages else None),
        clear=(path + ("?" + urlencode([("q", request.q)]) if request.q else "")
               if active else None),
        sorts=[(name, request.href(snap, path, sort=key, page=None), key == sort)
               for key, name in SORTS.items() if key != "relevance" or request.q.strip()])


def _hit(snap: Snapshot, h: SearchHit, labels: dict[str, str]) -> Hit:
    kind = Ref(h.type, labels.get(h.type) or snap.label(h.type)) if h.type else None
    return Hit(h.iri, h.title, h.date, h.earliest, kind, h.summary,
               [(text, marked) for text, marked in h.snippet], h.score)


LIST_TITLES = {"person": "People", "place": "Places", "organization": "Organisations",
               "topic": "Topics"}


@dataclass
class EntityListPage:
    template: ClassVar[str] = "entity_list.html"
    kind: str
    items: list[Counted]
    total: int  # of the kind with documents
    hidden: int  # entities no document names (authority entries not met yet)
    page: int
    pages: int

    @property
    def heading(self) -> str:
        return LIST_TITLES[self.kind]


def entity_list(snap: Snapshot, kind: str, page: int = 1) -> EntityListPage:
    """The entities of a kind that some document names, most documented first, a page at a
    time; the authority file's other entries are only counted."""
    index = snap.index
    listed = index.entities(kind, page=page, page_size=LIST_PAGE_SIZE)
    everyone = index.entities(kind, page_size=1, with_documents=False).total
    return EntityListPage(kind, [_counted(snap, e) for e in listed.items], listed.total,
                          everyone - listed.total, page,
                          max(1, -(-listed.total // LIST_PAGE_SIZE)))


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
        last = calendar.monthrange(y, m)[1]
        d = int(parts[2]) if len(parts) > 2 else (last if end else 1)
        if not 1 <= d <= last:
            raise ValueError
    except ValueError:
        raise RangeError(f"{text!r} is not a date: give a year (1950), a month (1950-02) or a "
                         f"day (1950-02-17)") from None
    return f"{y:04d}-{m:02d}-{d:02d}"


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
    Raises RangeError for a bound that is not a date. The months are the index's counts;
    only a bound inside a month, or a range short enough to list, reads documents."""
    lo, hi = month_bounds(start, end=False), month_bounds(end, end=True)
    if month is not None:
        lo, hi = month_bounds(month, end=False), month_bounds(month, end=True)
    if lo and hi and lo > hi:
        raise RangeError(f"the range starts ({start}) after it ends ({end})")
    index = snap.index
    all_months = {m.month: m.count for m in index.months()}
    extent = {"from": min(all_months), "to": max(all_months)} if all_months else None
    counts = {m: n for m, n in all_months.items()
              if (not lo or m >= lo[:7]) and (not hi or m <= hi[:7])}
    # a bound inside a month: that month counts only its documents within the bound
    for bound, inside in ((lo, lo and not lo.endswith("-01")),
                          (hi, hi and hi != month_bounds(hi[:7], end=True))):
        if inside and bound[:7] in counts:
            m = bound[:7]
            first_day, last_day = month_bounds(m, end=False), month_bounds(m, end=True)
            counts[m] = len(_starting_within(snap, max(lo or first_day, first_day),
                                             min(hi or last_day, last_day)))
    counts = {m: n for m, n in counts.items() if n}
    total = sum(counts.values())
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
    if month or ((lo or hi) and total <= MAX_LISTED):
        listed = [brief_of(snap, d) for d in _starting_within(snap, lo, hi)]
    documents = index.stats().get("documents", 0)
    return TimelinePage(
        months=[MonthCount(m, counts.get(m, 0)) for m in months],
        undated=documents - sum(all_months.values()), month=month, from_=start, to=end,
        total=total, extent=extent, by=by, documents=listed)


def _starting_within(snap: Snapshot, lo: str | None, hi: str | None) -> list[SearchHit]:
    """Documents whose earliest date is within [lo, hi], in date order: those the index's
    date filter finds (their span overlaps the range), less those that start before it."""
    found: list[SearchHit] = []
    page = 1
    while True:
        result = snap.index.search(None, Filters(date_from=lo, date_to=hi), page=page,
                                   page_size=MAX_PAGE_SIZE, sort="date")
        found += [h for h in result.hits if h.earliest and (not lo or h.earliest >= lo)
                  and (not hi or h.earliest <= hi)]
        if page >= result.pages:
            return sorted(found, key=doc_sort_key)
        page += 1


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
    """Places with coordinates, with how many documents name them (the index's)."""
    index = snap.index
    places = [MapPlace(p.iri, p.label or snap.label(p.iri), p.lat, p.long, p.documents)
              for p in index.places_on_map() if p.lat is not None and p.long is not None]
    places.sort(key=lambda p: (-p.documents, p.label))
    everywhere = index.entities("place", page_size=1, with_documents=False).total
    return MapPage(places, everywhere - len(places))
