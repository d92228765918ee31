"""Read a generation's derived data: full-text search, facets, entity summaries, catalogue.

Everything a page needs across the whole store, answered by indexed SQLite look-ups into
the ``kg-derived/index.sqlite`` that `kg.store.derived` wrote when the generation was made.
Wiring it into a server::

    index = Index.open(store_path)            # the published generation, or
    index = Index(snapshot.generation)         # the generation a request already works on
                                               # (cheap: nothing is read until a call)

    page = index.search("Chou En-lai", Filters(types=(type_iri,), date_from="1950"), page=1)
    page.total, page.hits[0].title, page.hits[0].snippet_html, page.facets["person"]
    index.search(None, Filters(people=(stalin,)))   # browsing: no query, date order
    index.exists(iri)                          # the 404 test: one primary-key look-up
    index.entity(iri)                          # EntitySummary | None
    index.entities("person", page=1)           # people with documents, most documents first
    index.document(iri), index.labels(iris)    # catalogue row, display labels
    index.months(), index.places_on_map(), index.stats()   # timeline, map, home counts
    index.letters("1950-01-01", "1950-12-31", person=iri)  # the correspondence network
    index.correspondents(iri)                  # whom a person wrote to / heard from, how often
    index.entity_records()                     # the reconciliation service's entities
    index.void_statistics()                    # the VoID description's counts

An `Index` holds no open connection: each call opens the file read-only (``immutable``: a
published generation never changes), so one `Index` serves any number of threads.
"""

from __future__ import annotations

import contextlib
import html
import re
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import numpy as np

from kg.store import StoreError, current_generation, writer
from kg.store.derived import (
    FACETS,
    INDEX_FILE,
    derived_dir,
    fold,
    is_complete,
)
from kg.store.entity_records import EntityRecord
from kg.store.facet_counts import FacetPostings
from kg.store.void_stats import VoidStatistics, read_statistics

# Snippet markers: private-use characters no catalogue text holds, turned into <mark> only
# after the text around them is escaped (`SearchHit.snippet_html`).
_OPEN, _CLOSE = "\ue000", "\ue001"
_ELLIPSIS = "…"
# BM25 weights of the columns title, summary, full_text, names, topics. FTS5 weights a
# term's counts per column before BM25's saturation, and the names column repeats a name in
# every variant ("Vyshinsky", "Andrei Vyshinsky", ...): a low weight there keeps a document
# that only links to the entity below one that names it in its title or summary.
_WEIGHTS = (10.0, 4.0, 1.0, 0.2, 2.0)
SNIPPET_TOKENS = 24
FACET_LIMIT = 20
MAX_PAGE_SIZE = 200
# Misspellings: a query word no document holds is replaced by the closest entity-name word
# at least this similar (rapidfuzz ratio, 0-100), "Roschin" -> "roshchin".
FUZZY_MIN_SCORE = 75.0


class IndexMissing(StoreError):
    """The published generation has no derived data (a store written before it existed):
    `refresh(path)` builds it by publishing a new generation."""


def refresh(path: str | Path) -> Path | None:
    """Publish a new generation of an unchanged store so that it carries derived data (a
    store written before derived data existed, or of an older schema). Returns the
    generation published, or None when nothing was published before."""
    if current_generation(Path(path)) is None:
        return None
    with writer(path):
        pass
    return current_generation(Path(path))


@dataclass(frozen=True)
class Filters:
    """What a search or a browse is restricted to. Entity facets (people, places,
    organizations, topics) combine with AND, values within them too ("Stalin and Mao");
    types and sources are alternatives (OR within the facet, AND with the rest). Dates are
    ISO prefixes ("1950", "1950-07", "1950-07-05"); a document matches when its span
    [earliest, latest] overlaps [date_from, date_to]; undated documents never match a date
    filter."""

    date_from: str | None = None
    date_to: str | None = None
    types: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (self.date_from or self.date_to or self.types or self.people or self.places
                    or self.organizations or self.topics or self.sources)


@dataclass(frozen=True)
class SearchHit:
    iri: str
    title: str
    date: str | None  # the date as the graph gives it (xsd value), else as written
    earliest: str | None
    type: str | None  # document type IRI
    summary: str | None
    score: float | None  # BM25 (lower is better, as SQLite gives it); None when browsing
    # the matching passage as (text, highlighted) pieces: render each piece escaped
    snippet: tuple[tuple[str, bool], ...] = ()

    @property
    def snippet_html(self) -> str:
        """The snippet as safe HTML: every piece escaped, matches in <mark>."""
        return "".join(f"<mark>{html.escape(t)}</mark>" if hit else html.escape(t)
                       for t, hit in self.snippet)


@dataclass(frozen=True)
class FacetValue:
    value: str  # an IRI, or a year for the "year" facet
    label: str
    count: int


@dataclass(frozen=True)
class SearchPage:
    """One page of results. `facets` maps "type", "person", "place", "organization",
    "topic", "source" and "year" to the values found among all the matching documents (not
    only this page), most frequent first, at most `FACET_LIMIT` each ("year" complete, in
    year order). `corrected` is the query actually run when a word matched nothing and a
    close entity name did ("Roschin" -> "roshchin"): show "results for ...". `error` says
    why a query could not be read (then there are no hits)."""

    query: str | None
    filters: Filters
    page: int
    page_size: int
    total: int
    hits: tuple[SearchHit, ...]
    facets: dict[str, tuple[FacetValue, ...]]
    corrected: str | None = None
    error: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class EntitySummary:
    iri: str
    kind: str | None  # person, place, organization, document, topic, subject, type, source,
    #                   role, event, mention, graph, method; None for an untyped IRI
    label: str | None
    documents: int  # documents that link to it (author, mention, place, topic, type, source)
    names: tuple[str, ...] = ()  # every name it goes by (people, places, organisations)
    lat: float | None = None  # a place's coordinates, where the graph has them
    long: float | None = None


@dataclass(frozen=True)
class EntityPage:
    kind: str
    page: int
    page_size: int
    total: int
    items: tuple[EntitySummary, ...]


@dataclass(frozen=True)
class DocumentSummary:
    """A document's catalogue row: what lists and briefs show without touching the store."""

    iri: str
    title: str
    summary: str | None
    date: str | None
    date_text: str | None
    earliest: str | None
    latest: str | None
    type: str | None
    rights: str | None


@dataclass(frozen=True)
class Month:
    month: str  # "1950-07"
    count: int


@dataclass(frozen=True)
class Letter:
    """A document with an author and a recipient (one per pair of two different people)."""

    document: str
    author: str
    recipient: str
    earliest: str | None  # the document's least kg:earliestDate, an ISO day


@dataclass(frozen=True)
class Correspondent:
    iri: str
    documents: int  # the letters between the two, in that direction


@dataclass(frozen=True)
class Correspondents:
    """Whom a person wrote to and received letters from, most letters first."""

    wrote_to: tuple[Correspondent, ...]
    received_from: tuple[Correspondent, ...]


@dataclass
class _Query:
    match: str | None
    words: list[str] = field(default_factory=list)  # bare words, for the misspelling fallback


class Index:
    """The derived data of one published generation (see the module docstring)."""

    def __init__(self, generation: Path, *, keep_connections: bool = False):
        """`keep_connections`: keep one read-only connection per thread for this object's
        life (a server looking up dozens of rows a page: opening the file, schema read
        included, costs ~2 ms, a look-up ~0.05 ms). Safe because a published generation's
        file never changes (opened ``immutable``) and no connection is shared between
        threads. Without it, each call opens and closes its own."""
        self.generation = Path(generation)
        self.path = derived_dir(self.generation) / INDEX_FILE
        self._local = threading.local() if keep_connections else None
        self._facet_postings: FacetPostings | None = None

    @classmethod
    def open(cls, store_path: str | Path) -> Index:
        """The published generation's index. Raises `IndexMissing` when nothing is published
        or the generation predates derived data."""
        gen = current_generation(Path(store_path))
        if gen is None:
            raise IndexMissing(f"{store_path}: nothing is published yet")
        if not is_complete(gen):
            raise IndexMissing(f"{store_path}: generation {gen.name} has no search index; "
                               "any write builds it (kg.store.index.refresh)")
        return cls(gen)

    def _open(self) -> sqlite3.Connection:
        con = sqlite3.connect(f"file:{quote(str(self.path.resolve()))}?mode=ro&immutable=1",
                              uri=True)
        con.row_factory = sqlite3.Row
        return con

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if self._local is not None:
            con = getattr(self._local, "con", None)
            if con is None:
                con = self._local.con = self._open()
            yield con
            return
        # one connection per call, closed after it: no connection is shared between threads
        con = self._open()
        try:
            yield con
        finally:
            con.close()

    # -- search and browse -------------------------------------------------------------------

    def search(self, query: str | None = None, filters: Filters | None = None, page: int = 1,
               page_size: int = 20, *, sort: str | None = None,
               facet_limit: int = FACET_LIMIT) -> SearchPage:
        """Documents matching `query` (words, "quoted phrases", prefix*, OR, -excluded; case
        and accents ignored; names match every variant and pseudonym of the entities a
        document links to) within `filters`, ranked by BM25; with no query, every document
        within the filters in date order. `sort`: "relevance" (default with a query),
        "date" (oldest first, default without), "-date" (newest first)."""
        filters = filters or Filters()
        page = max(1, page)
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        parsed = parse_query(query or "")
        with self._connect() as con:
            if parsed.match is None and filters.is_empty():
                # browsing everything: the precomputed totals, no temporary table
                total = con.execute("SELECT COALESCE(MAX(id), 0) FROM docs").fetchone()[0]
                hits = self._page(con, None, page, page_size, sort, everything=True)
                return SearchPage(query, filters, page, page_size, total, hits,
                                  self._totals(con, facet_limit))
            corrected = None
            try:
                total = self._match(con, parsed.match, filters)
                if total == 0 and parsed.match:
                    fixed = self._correct(con, query or "", parsed.words)
                    if fixed is not None:
                        total = self._match(con, parse_query(fixed).match, filters)
                        if total:
                            corrected, parsed = fixed, parse_query(fixed)
                        else:
                            total = self._match(con, parsed.match, filters)
            except sqlite3.OperationalError as exc:
                return SearchPage(query, filters, page, page_size, 0, (), {},
                                  error=f"the query could not be read: {exc}")
            hits = self._page(con, parsed.match, page, page_size, sort,
                              filtered=not filters.is_empty())
            facets = self._facets(con, total, facet_limit)
        return SearchPage(query, filters, page, page_size, total, hits, facets,
                          corrected=corrected)

    def _match(self, con: sqlite3.Connection, match: str | None, filters: Filters) -> int:
        """Fill the temporary table m(doc) with the matching documents. Unranked: BM25 over
        every match costs three times the match itself (48,000 matches at 100k entries:
        76 ms against 19), and only the page shown needs it (`_page`)."""
        con.execute("CREATE TEMP TABLE IF NOT EXISTS m(doc INTEGER PRIMARY KEY)")
        con.execute("DELETE FROM m")
        where, args = _filter_sql(filters)
        if match and where:
            con.execute("INSERT INTO m SELECT docs.id FROM docs_fts JOIN docs "
                        f"ON docs.id = docs_fts.rowid WHERE docs_fts MATCH ? AND {where}",
                        [match, *args])
        elif match:
            con.execute("INSERT INTO m SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?",
                        (match,))
        else:
            con.execute(f"INSERT INTO m SELECT id FROM docs "
                        f"{'WHERE ' + where if where else ''}", args)
        return con.execute("SELECT COUNT(*) FROM m").fetchone()[0]

    def _page(self, con: sqlite3.Connection, match: str | None, page: int, page_size: int,
              sort: str | None, *, everything: bool = False, filtered: bool = False
              ) -> tuple[SearchHit, ...]:
        """The page of results: `everything` every document, else those of table m;
        `filtered`: m holds fewer documents than `match` finds (filters applied)."""
        sort = sort or ("relevance" if match else "date")
        columns = "docs.id, iri, title, date, date_text, earliest, type, summary"
        offset = (page - 1) * page_size
        if match and sort not in ("date", "-date"):
            # ranked by BM25, computed by FTS5 for the matches and sorted for this page only
            ranked = con.execute(
                f"SELECT rowid, bm25(docs_fts, {', '.join(map(str, _WEIGHTS))}) AS score "
                "FROM docs_fts WHERE docs_fts MATCH ? "
                f"{'AND rowid IN (SELECT doc FROM m)' if filtered else ''} "
                "ORDER BY score, rowid LIMIT ? OFFSET ?", (match, page_size, offset)).fetchall()
            scores = dict(ranked)
            found = {r["id"]: r for r in con.execute(
                f"SELECT {columns} FROM docs WHERE id IN ({','.join('?' * len(scores))})",
                list(scores))}
            rows = [(found[i], scores[i]) for i in scores]
        else:
            # document ids are in date order (undated last), so "date" needs no sorting
            key = "docs.id" if everything else "m.doc"
            order = f"docs.earliest IS NULL, {key} DESC" if sort == "-date" else key
            # The matches drive the join (CROSS JOIN fixes SQLite's loop order): ordered by
            # docs.id, the planner would walk every document in id order probing the matches
            # (70 ms at 100k entries for a filter that matches nothing).
            source = "docs" if everything else "m CROSS JOIN docs ON docs.id = m.doc"
            rows = [(r, None) for r in con.execute(
                f"SELECT {columns} FROM {source} ORDER BY {order} LIMIT ? OFFSET ?",
                (page_size, offset))]
        snippets: dict[int, str] = {}
        if match and rows:
            ids = [r["id"] for r, _ in rows]
            # the passage of the summary, else of the full text, else of the title where the
            # words are; a document found by a name it links to shows the names that matched
            cols = ", ".join(f"snippet(docs_fts, {c}, ?, ?, ?, {SNIPPET_TOKENS})"
                             for c in (1, 2, 0, 3))
            for rowid, *texts in con.execute(
                    f"SELECT rowid, {cols} FROM docs_fts WHERE docs_fts MATCH ? AND rowid IN "
                    f"({','.join('?' * len(ids))})",
                    (*(_OPEN, _CLOSE, _ELLIPSIS) * 4, match, *ids)):
                snippets[rowid] = _best_snippet(texts)
        return tuple(SearchHit(
            iri=r["iri"], title=r["title"], date=r["date"] or r["date_text"],
            earliest=r["earliest"], type=r["type"], summary=r["summary"], score=score,
            snippet=_pieces(snippets.get(r["id"]) or _first_words(r["summary"] or "")))
            for r, score in rows)

    def _totals(self, con: sqlite3.Connection, limit: int) -> dict[str, tuple[FacetValue, ...]]:
        out = {}
        for facet in FACETS:
            rows = con.execute(
                "SELECT f.value, f.n, r.label FROM facet_totals f LEFT JOIN resources r "
                "ON r.iri = f.value WHERE f.facet = ? ORDER BY f.n DESC, f.value LIMIT ?",
                (facet, -1 if facet == "year" else limit)).fetchall()
            values = [FacetValue(r[0], r[2] or r[0], r[1]) for r in rows]
            if facet == "year":
                values.sort(key=lambda v: v.value)
            out[facet] = tuple(values)
        return out

    def _facets(self, con: sqlite3.Connection, total: int, limit: int
                ) -> dict[str, tuple[FacetValue, ...]]:
        """Counts of every facet value among the matching documents (table m), from the
        generation's integer postings (`kg.store.facet_counts`): milliseconds however many
        documents match."""
        postings = self._postings(con)
        docs = np.fromiter((r[0] for r in con.execute("SELECT doc FROM m")), dtype=np.int64,
                           count=total)
        counts = postings.count(docs)
        kept = {facet: postings.top(counts, facet, None if facet == "year" else limit)
                for facet in FACETS}
        ids = [i for values in kept.values() for i, _ in values]
        values: dict[int, str] = {}
        for chunk, marks in _chunks(ids):
            values.update(con.execute(
                f"SELECT id, value FROM facet_totals WHERE id IN ({marks})", chunk).fetchall())
        labels = _by_iri(con, "label", [values[i] for facet, vs in kept.items()
                                        if facet != "year" for i, _ in vs])
        out = {}
        for facet, counted in kept.items():
            items = [FacetValue(values[i], labels.get(values[i], values[i]), n)
                     for i, n in counted]
            if facet == "year":
                items.sort(key=lambda fv: fv.value)
            out[facet] = tuple(items)
        return out

    def _postings(self, con: sqlite3.Connection) -> FacetPostings:
        """The generation's facet postings, read on first use and kept (a published
        generation never changes; a racing second read is harmless)."""
        if self._facet_postings is None:
            self._facet_postings = FacetPostings.read(con)
        return self._facet_postings

    def _correct(self, con: sqlite3.Connection, query: str, words: list[str]) -> str | None:
        """The query with each word that no document holds replaced by the closest word of
        an entity name, or None when no word needed (or found) a replacement."""
        from rapidfuzz import fuzz

        fixed = query
        changed = False
        for word in words:
            term = fold(word)
            if len(term) < 4 or con.execute("SELECT 1 FROM docs_vocab WHERE term = ?",
                                            (term,)).fetchone():
                continue
            grams = {term[i:i + 3] for i in range(len(term) - 2)}
            match = " OR ".join(f'"{g}"' for g in sorted(grams) if '"' not in g)
            if not match:
                continue
            candidates = [r[0] for r in con.execute(
                "SELECT term FROM name_terms WHERE name_terms MATCH ? ORDER BY rank LIMIT 50",
                (match,))]
            scored = sorted(((fuzz.ratio(term, c), c) for c in candidates), reverse=True)
            if scored and scored[0][0] >= FUZZY_MIN_SCORE:
                fixed = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", scored[0][1], fixed, count=1)
                changed = True
        return fixed if changed else None

    # -- entities ----------------------------------------------------------------------------

    def exists(self, iri: str) -> bool:
        """Whether the graph uses the IRI at all (subject, object, graph, or an IRI whose
        #fragments it describes): the 404 test."""
        with self._connect() as con:
            return con.execute("SELECT 1 FROM resources WHERE iri = ?", (iri,)).fetchone() \
                is not None

    def entity(self, iri: str) -> EntitySummary | None:
        """Kind, label, document count and names of any IRI the graph uses; None if unknown."""
        with self._connect() as con:
            row = con.execute(f"SELECT {_COLUMNS} FROM resources "
                              "WHERE iri = ?", (iri,)).fetchone()
        return _summary(row) if row else None

    def entities(self, kind: str, page: int = 1, page_size: int = 100, *,
                 with_documents: bool = True) -> EntityPage:
        """IRIs of one kind (person, place, organization, topic, subject, type, source...),
        most documents first, then by label; by default only those some document links to."""
        page = max(1, page)
        page_size = max(1, min(page_size, 1000))
        cond = "kind = ?" + (" AND doc_count > 0" if with_documents else "")
        with self._connect() as con:
            total = con.execute(f"SELECT COUNT(*) FROM resources WHERE {cond}",
                                (kind,)).fetchone()[0]
            rows = con.execute(
                f"SELECT {_COLUMNS} FROM resources "
                f"WHERE {cond} ORDER BY doc_count DESC, label COLLATE NOCASE LIMIT ? OFFSET ?",
                (kind, page_size, (page - 1) * page_size)).fetchall()
        return EntityPage(kind, page, page_size, total, tuple(_summary(r) for r in rows))

    def find_entities(self, query: str, kinds: tuple[str, ...] = ("person", "place",
                                                                    "organization"),
                      limit: int = 10) -> tuple[EntitySummary, ...]:
        """People, places and organisations any name of which matches the query (every
        word, prefixes with *), best match first: the "entities" box of a search page."""
        parsed = parse_query(query)
        if not parsed.match:
            return ()
        marks = ",".join("?" * len(kinds))
        with self._connect() as con:
            try:
                rows = con.execute(
                    "SELECT r.iri, r.kind, r.label, r.doc_count, r.names, r.lat, r.long "
                    "FROM names_fts "
                    "JOIN resources r ON r.id = names_fts.rowid WHERE names_fts MATCH ? "
                    f"AND r.kind IN ({marks}) ORDER BY rank, r.doc_count DESC LIMIT ?",
                    (parsed.match, *kinds, limit)).fetchall()
            except sqlite3.OperationalError:
                return ()
        return tuple(_summary(r) for r in rows)

    def labels(self, iris: list[str] | tuple[str, ...] | set[str]) -> dict[str, str]:
        """Display labels of many IRIs in one look-up (IRIs without a label are left out)."""
        with self._connect() as con:
            return _by_iri(con, "label", list(iris))

    def kinds(self, iris: list[str] | tuple[str, ...] | set[str]) -> dict[str, str]:
        """Kinds of many IRIs in one look-up (untyped IRIs are left out)."""
        with self._connect() as con:
            return _by_iri(con, "kind", list(iris))

    def places_on_map(self) -> tuple[EntitySummary, ...]:
        """Places with coordinates, most documents first (the map page)."""
        with self._connect() as con:
            rows = con.execute(f"SELECT {_COLUMNS} FROM resources WHERE kind = 'place' AND "
                               "lat IS NOT NULL ORDER BY doc_count DESC, label").fetchall()
        return tuple(_summary(r) for r in rows)

    # -- catalogue ---------------------------------------------------------------------------

    def document(self, iri: str) -> DocumentSummary | None:
        with self._connect() as con:
            row = con.execute("SELECT iri, title, summary, date, date_text, earliest, latest, "
                              "type, rights FROM docs WHERE iri = ?", (iri,)).fetchone()
        return DocumentSummary(*row) if row else None

    def months(self) -> tuple[Month, ...]:
        """Documents per month of their earliest date (the timeline), in month order."""
        with self._connect() as con:
            return tuple(Month(m, n) for m, n in con.execute(
                "SELECT month, n FROM months ORDER BY month"))

    # -- letters and reconciliation -----------------------------------------------------------

    def letters(self, date_from: str | None = None, date_to: str | None = None, *,
                person: str | None = None) -> tuple[Letter, ...]:
        """Every letter, or those dated within [date_from, date_to] (ISO days, both included;
        an undated letter is outside any range) and written or received by `person`."""
        where, args = [], []
        if date_from:
            where.append("earliest >= ?")
            args.append(date_from)
        if date_to:
            where.append("earliest <= ?")
            args.append(date_to)
        if person:
            where.append("(author = ? OR recipient = ?)")
            args += [person, person]
        sql = ("SELECT doc, author, recipient, earliest FROM letters"
               + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY doc, author, recipient")
        with self._connect() as con:
            return tuple(Letter(*row) for row in con.execute(sql, args))

    def correspondents(self, person: str) -> Correspondents:
        """Whom `person` wrote to and whom they received letters from, with the number of
        letters each way (two indexed look-ups)."""
        with self._connect() as con:
            def side(mine: str, theirs: str) -> tuple[Correspondent, ...]:
                return tuple(Correspondent(iri, n) for iri, n in con.execute(
                    f"SELECT {theirs}, COUNT(DISTINCT doc) AS n FROM letters WHERE {mine} = ? "
                    f"GROUP BY {theirs} ORDER BY n DESC, {theirs}", (person,)))
            return Correspondents(side("author", "recipient"), side("recipient", "author"))

    def entity_records(self) -> tuple[EntityRecord, ...]:
        """What the reconciliation service knows of every person, place and organisation."""
        with self._connect() as con:
            return tuple(EntityRecord.from_json(text) for (text,) in con.execute(
                "SELECT record FROM entity_records ORDER BY id"))

    def stats(self) -> dict[str, int]:
        """Counts of the generation: documents, people, places, organizations, roles, events,
        mentions, quads, graphs, resources (what the home page shows)."""
        with self._connect() as con:
            return {k[len("stats."):]: int(v) for k, v in con.execute(
                "SELECT key, value FROM meta WHERE key LIKE 'stats.%'")}

    def void_statistics(self) -> VoidStatistics:
        """The VoID description's counts (distinct triples, subjects, properties, classes,
        triples per property) and the source graphs' rights statements."""
        with self._connect() as con:
            return read_statistics(con)

    # -- documents of an entity, in date order, a page at a time -----------------------------

    def entity_documents(self, iri: str, page: int = 1, page_size: int = 50) -> DocumentList:
        """The documents that link to a person, place, organisation, topic or subject
        heading (the `doc_facets` rows of the facet its kind names), in date order (document
        ids are), page `page` of `page_size`, with their total (`facet_totals`): two indexed
        look-ups whatever the number of documents."""
        page = max(1, page)
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        with self._connect() as con:
            facet = _entity_facet(con, iri)
            if facet is None:
                return DocumentList(page, page_size, 0, ())
            found = con.execute("SELECT n FROM facet_totals WHERE facet = ? AND value = ?",
                                (facet, iri)).fetchone()
            total = found[0] if found else 0
            offset = (page - 1) * page_size
            # (a page past the last reads nothing: its number may not even fit SQLite's)
            rows = con.execute(
                f"SELECT {_DOC_COLUMNS} FROM doc_facets f JOIN docs d ON d.id = f.doc "
                "WHERE f.facet = ? AND f.value = ? ORDER BY f.doc LIMIT ? OFFSET ?",
                (facet, iri, page_size, offset)).fetchall() if offset < total else []
        return DocumentList(page, page_size, total, tuple(DocumentSummary(*r) for r in rows))

    def first_documents(self, iris: list[str] | set[str], limit: int = 10
                        ) -> tuple[DocumentSummary, ...]:
        """The first `limit` of these documents in date order (undated last): the few a
        page shows of a longer list it only counts. IRIs that are no document are left out."""
        wanted = sorted(set(iris))
        best: list[tuple[int, DocumentSummary]] = []
        with self._connect() as con:
            for chunk, marks in _chunks(wanted):
                best += [(r[0], DocumentSummary(*r[1:])) for r in con.execute(
                    f"SELECT id, {_DOC_COLUMNS} FROM docs d WHERE iri IN ({marks}) "
                    "ORDER BY id LIMIT ?", (*chunk, limit))]
        best.sort(key=lambda pair: pair[0])
        return tuple(doc for _, doc in best[:limit])

    def top_entities(self, iris: list[str] | set[str], limit: int = 50
                     ) -> tuple[EntitySummary, ...]:
        """The `limit` most documented of these IRIs, then by label (the first of a long
        list a page only counts: the people of a country, the places within one)."""
        wanted = sorted(set(iris))
        best: list[EntitySummary] = []
        order = "doc_count DESC, label COLLATE NOCASE, iri"
        with self._connect() as con:
            for chunk, marks in _chunks(wanted):
                best += [_summary(r) for r in con.execute(
                    f"SELECT {_COLUMNS} FROM resources WHERE iri IN ({marks}) "
                    f"ORDER BY {order} LIMIT ?", (*chunk, limit))]
        best.sort(key=lambda e: (-e.documents, (e.label or "").casefold(), e.iri))
        return tuple(best[:limit])


def _by_iri(con: sqlite3.Connection, column: str, iris: list[str]) -> dict[str, str]:
    """IRI -> its `column` of `resources` ("label", "kind"), for the IRIs that have one."""
    out: dict[str, str] = {}
    for chunk, marks in _chunks(list(dict.fromkeys(iris))):
        out.update(con.execute(f"SELECT iri, {column} FROM resources WHERE {column} IS NOT "
                               f"NULL AND iri IN ({marks})", chunk).fetchall())
    return out


# Look-ups of many IRIs go this many at a time (SQLite's limit on a statement's variables).
_IN_CHUNK = 500


def _chunks(items: list) -> Iterator[tuple[list, str]]:
    """`items` _IN_CHUNK at a time, each chunk with its "?,?,..." for an IN (...)."""
    for i in range(0, len(items), _IN_CHUNK):
        chunk = items[i:i + _IN_CHUNK]
        yield chunk, ",".join("?" * len(chunk))


_COLUMNS = "iri, kind, label, doc_count, names, lat, long"


def _summary(row) -> EntitySummary:
    names = tuple(row[4].split(" | ")) if row[4] else ()
    return EntitySummary(iri=row[0], kind=row[1], label=row[2], documents=row[3], names=names,
                         lat=row[5], long=row[6])


def _filter_sql(f: Filters) -> tuple[str, list]:
    parts: list[str] = []
    args: list = []
    if f.date_from:
        parts.append("docs.latest >= ?")
        args.append(_pad(f.date_from, "01", "01"))
    if f.date_to:
        parts.append("docs.earliest <= ?")
        args.append(_pad(f.date_to, "12", "31"))
    for facet, values, combine in (("type", f.types, "any"), ("source", f.sources, "any"),
                                   ("person", f.people, "all"), ("place", f.places, "all"),
                                   ("organization", f.organizations, "all"),
                                   ("topic", f.topics, "all")):
        if not values:
            continue
        sub = "docs.id IN (SELECT doc FROM doc_facets WHERE facet = ? AND value {})"
        if combine == "any":
            parts.append(sub.format(f"IN ({','.join('?' * len(values))})"))
            args += [facet, *values]
        else:
            for v in values:
                parts.append(sub.format("= ?"))
                args += [facet, v]
    return " AND ".join(parts), args


def _pad(date: str, month: str, day: str) -> str:
    """An ISO prefix as a full date: "1950" -> 1950-01-01 (from) or 1950-12-31 (to); a day
    past the month's end still compares correctly as text."""
    parts = date.strip().split("-")
    if len(parts) == 1:
        return f"{parts[0]}-{month}-{day}"
    if len(parts) == 2:
        return f"{parts[0]}-{parts[1]}-{day}"
    return date.strip()


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def parse_query(text: str) -> _Query:
    """A search box's text as an FTS5 expression, never an FTS5 syntax error: words and
    "quoted phrases" (all required), word* (prefix), OR between two terms, -word or
    -"phrase" (excluded). Everything a user types is quoted before FTS5 sees it."""
    positives: list[str] = []
    negatives: list[str] = []
    words: list[str] = []
    pending_or = False
    for m in _TOKEN.finditer(text):
        negate, phrase, word = m.group(1) == "-", m.group(2), m.group(3)
        if word == "OR" and positives:
            pending_or = True
            continue
        prefix = False
        if word is not None:
            if word.startswith("-") and len(word) > 1:
                negate, word = True, word[1:]
            if word.endswith("*"):
                prefix, word = True, word.rstrip("*")
            text_ = word
        else:
            text_ = phrase
        if not re.search(r"\w", text_ or ""):
            continue
        term = '"' + text_.replace('"', '""') + '"' + (" *" if prefix else "")
        if negate:
            negatives.append(term)
            continue
        if word is not None and not prefix:
            words.append(word)
        if pending_or and positives:
            positives[-1] = f"({positives[-1]} OR {term})"
        else:
            positives.append(term)
        pending_or = False
    if not positives:
        return _Query(None)
    match = " AND ".join(positives)
    if negatives:
        match = f"({match}) NOT ({' OR '.join(negatives)})"
    return _Query(match, words)


def _best_snippet(texts: list[str | None]) -> str | None:
    """The first of summary, full text and title snippets holding a match; else the names
    that matched ("also named: Filippov"); else None (the summary's first words are shown)."""
    *passages, names = texts
    for text in passages:
        if text and _OPEN in text:
            return text
    if names and _OPEN in names:
        matched = [n.strip(" " + _ELLIPSIS) for n in names.split(" | ") if _OPEN in n]
        return "named: " + "; ".join(dict.fromkeys(matched))
    return None


def _pieces(snippet: str) -> tuple[tuple[str, bool], ...]:
    out: list[tuple[str, bool]] = []
    for part in re.split(f"({_OPEN}.*?{_CLOSE})", snippet):
        if not part:
            continue
        if part.startswith(_OPEN) and part.endswith(_CLOSE):
            out.append((part[1:-1], True))
        else:
            out.append((part, False))
    return tuple(out)


def _first_words(text: str, n: int = SNIPPET_TOKENS) -> str:
    words = text.split()
    return " ".join(words[:n]) + (f" {_ELLIPSIS}" if len(words) > n else "")


# ---------------------------------------------------------------------------------------------
# Documents of an entity


# The facet an entity's documents are filed under in `doc_facets`, by the entity's kind.
ENTITY_FACETS = {"person": "person", "place": "place", "organization": "organization",
                 "topic": "topic", "subject": "topic"}
_DOC_COLUMNS = "d.iri, d.title, d.summary, d.date, d.date_text, d.earliest, d.latest, " \
               "d.type, d.rights"


@dataclass(frozen=True)
class DocumentList:
    """One page of an entity's documents, in date order, and how many there are in all."""

    page: int
    page_size: int
    total: int
    documents: tuple[DocumentSummary, ...]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _entity_facet(con: sqlite3.Connection, iri: str) -> str | None:
    row = con.execute("SELECT kind FROM resources WHERE iri = ?", (iri,)).fetchone()
    return ENTITY_FACETS.get(row[0]) if row and row[0] else None
