"""What pages need across the whole store, computed once per generation at write time.

A generation folder holds, beside the pyoxigraph files, a ``kg-derived/`` folder with one
SQLite file (``index.sqlite``): the document catalogue, a full-text index (FTS5, BM25) over
titles, summaries, full texts and the names of every entity a document links to, per-document
facet values, a summary of every IRI the graph uses (kind, label, document count), the
letters (document, author, recipient, date: the correspondence network and a person's
correspondents), one reconciliation record per person, place and organisation
(`kg.store.entity_records`) and the VoID description's counts (`kg.store.void_stats`). The
server reads it (`kg.store.index.Index`); nothing in it is computed at start or on the
request path.

`kg.store.writer` calls `build` after the block's writes and before the generation is
published, so a published generation always carries complete derived data: the folder is
written as ``kg-derived.partial/`` and renamed when complete, and a crash at any point leaves
the previous generation current (the next writer removes the abandoned copy).

A full rebuild per generation: it reads the store through its indexes (no SPARQL joins over
the whole graph) and takes seconds at 10k entries (BENCHMARKS.md, "Search index").
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sqlite3
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from kg.core.text import fallback_label
from kg.rdf.namespace import DCTERMS, GEO, KG, KG_IRI, ONTOLOGY_FILE, OWL, RDF, RDFS, SKOS
from kg.store import facet_counts, void_stats
from kg.store.entity_records import DocumentDates, entity_records

DERIVED_DIR = "kg-derived"
INDEX_FILE = "index.sqlite"
MANIFEST = "manifest.json"
# Bump when the tables change: an index of another schema is treated as missing.
SCHEMA_VERSION = 6
TOKENIZER = "unicode61 remove_diacritics 2"

# The entity kinds facets and name search know, by class.
ENTITY_KINDS = {KG.Person.value: "person", KG.Place.value: "place",
                KG.Organization.value: "organization"}
# Every other kind a page may want to know an IRI by (the 404 path, lists, labels).
OTHER_KINDS = {
    KG.Document.value: "document", KG.Role.value: "role", KG.Topic.value: "topic",
    KG.SubjectHeading.value: "subject", KG.DocumentType.value: "type",
    KG.Source.value: "source", KG.SourceGraph.value: "graph", KG.Method.value: "method",
}
EVENT_CLASSES = ("Event", "Communication", "Conversation", "Signing", "Decision", "Visit")

# Document -> entity links: every one of them puts the entity's names into the document's
# "names" column and the entity into the document's facets.
LINKS = ("author", "recipient", "intermediary", "participant", "mentions", "spatial",
         "impliedPlace", "mentionsInText", "curatedAuthor", "curatedMention", "curatedPlace")
NAME_PREDICATES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, KG.pseudonym)
FACETS = ("type", "person", "place", "organization", "topic", "source", "year")

_SCHEMA = f"""
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs(
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, title TEXT NOT NULL, summary TEXT,
  full_text TEXT, names TEXT, topics TEXT, date TEXT, date_text TEXT, earliest TEXT,
  latest TEXT, type TEXT, rights TEXT);
CREATE INDEX docs_by_latest ON docs(latest);
CREATE VIRTUAL TABLE docs_fts USING fts5(
  title, summary, full_text, names, topics, content='docs', content_rowid='id',
  tokenize='{TOKENIZER}', prefix='2 3');
CREATE VIRTUAL TABLE docs_vocab USING fts5vocab(docs_fts, 'row');
CREATE TABLE doc_facets(facet TEXT NOT NULL, value TEXT NOT NULL, doc INTEGER NOT NULL,
  PRIMARY KEY(facet, value, doc)) WITHOUT ROWID;
CREATE TABLE facet_totals(facet TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,
  id INTEGER NOT NULL, PRIMARY KEY(facet, value)) WITHOUT ROWID;
CREATE INDEX facet_totals_by_count ON facet_totals(facet, n DESC);
CREATE UNIQUE INDEX facet_totals_by_id ON facet_totals(id);
CREATE TABLE resources(
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, kind TEXT, label TEXT,
  doc_count INTEGER NOT NULL DEFAULT 0, names TEXT, lat REAL, long REAL);
CREATE INDEX resources_by_kind ON resources(kind, doc_count DESC, label COLLATE NOCASE);
CREATE VIRTUAL TABLE names_fts USING fts5(
  names, content='resources', content_rowid='id', tokenize='{TOKENIZER}', prefix='2 3');
CREATE VIRTUAL TABLE name_terms USING fts5(term, tokenize='trigram');
CREATE TABLE months(month TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE letters(doc TEXT NOT NULL, author TEXT NOT NULL, recipient TEXT NOT NULL,
  earliest TEXT, PRIMARY KEY(doc, author, recipient)) WITHOUT ROWID;
CREATE INDEX letters_by_author ON letters(author, recipient);
CREATE INDEX letters_by_recipient ON letters(recipient, author);
CREATE TABLE entity_records(id INTEGER PRIMARY KEY, iri TEXT NOT NULL, kind TEXT NOT NULL,
  record TEXT NOT NULL);
""" + facet_counts.SCHEMA + void_stats.SCHEMA


@dataclass
class _Doc:
    iri: str
    title: str = ""
    summary: str = ""
    full_text: str = ""
    date: str | None = None
    date_text: str | None = None
    earliest: str | None = None
    latest: str | None = None
    type: str | None = None
    rights: str | None = None
    facets: set[tuple[str, str]] = field(default_factory=set)
    entities: set[str] = field(default_factory=set)
    topics: set[str] = field(default_factory=set)


def fold(text: str) -> str:
    """Lower case without accents, as the index's tokenizer sees a word ("Roščin" ->
    "roscin"): how name terms are stored for the misspelling fallback."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def derived_dir(generation: Path) -> Path:
    return Path(generation) / DERIVED_DIR


def is_complete(generation: Path) -> bool:
    """Whether a generation carries derived data of the current schema."""
    f = derived_dir(generation) / MANIFEST
    if not f.exists():
        return False
    try:
        return json.loads(f.read_text(encoding="utf-8")).get("schema") == SCHEMA_VERSION
    except (OSError, ValueError):
        return False


def build(store: ox.Store, generation: Path) -> dict:
    """Write the generation's derived data into ``generation/kg-derived/`` from `store` (the
    generation's own store, open for writing or reading). Returns the manifest written.

    Written under another name and renamed when complete; fsynced, so that the generation,
    once published, never lacks it."""
    generation = Path(generation)
    final = derived_dir(generation)
    partial = generation / (DERIVED_DIR + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(final, ignore_errors=True)
    partial.mkdir(parents=True)
    started = time.perf_counter()
    db_path = partial / INDEX_FILE
    con = sqlite3.connect(db_path)
    try:
        # a private file nobody reads before the rename: no journal needed
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.executescript(_SCHEMA)
        counts = _fill(con, store)
        con.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        con.commit()
        con.execute("ANALYZE")
        con.commit()
    except sqlite3.Error as exc:
        # as an OSError the writer reports it like any failed write ("no space left on the
        # disk that holds ...; the store is as it was")
        code = errno.ENOSPC if "full" in str(exc) else errno.EIO
        raise OSError(code, f"building the search index: {exc}") from exc
    finally:
        con.close()
    manifest = {"schema": SCHEMA_VERSION, "seconds": round(time.perf_counter() - started, 3),
                **counts}
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for f in partial.iterdir():
        _fsync(f)
    _fsync(partial)
    os.rename(partial, final)
    _fsync(generation)
    return manifest


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _literal(term) -> str | None:
    return term.value if isinstance(term, ox.Literal) else None


def _fill(con: sqlite3.Connection, store: ox.Store) -> dict:
    kinds = _kinds(store)
    labels = _labels(store)
    names = _names(store, kinds)
    docs = _documents(store, kinds)

    # documents: rows, full text and facets. Rows are handed to SQLite as they are made
    # (generators, not lists): at 100k entries the lists of rows held hundreds of MB.
    # ids in date order (undated last): browsing in date order reads the table in id order
    order = sorted(docs, key=lambda i: (docs[i].earliest is None, docs[i].earliest or "",
                                        docs[i].title, i))
    doc_ids = {iri: n for n, iri in enumerate(order, start=1)}

    def document_rows() -> Iterator[tuple]:
        for iri in order:
            d = docs[iri]
            entity_names = sorted({x for e in d.entities for x in names.get(e, ())})
            topic_names = sorted({labels[t] for t in d.topics if t in labels})
            yield (doc_ids[iri], iri, d.title or labels.get(iri, ""), d.summary or None,
                   d.full_text or None, " | ".join(entity_names) or None,
                   " | ".join(topic_names) or None, d.date, d.date_text, d.earliest,
                   d.latest, d.type, d.rights)

    con.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", document_rows())
    con.execute("INSERT INTO docs_fts(docs_fts) VALUES ('rebuild')")
    con.executemany("INSERT OR IGNORE INTO doc_facets VALUES (?,?,?)",
                    ((facet, value, doc_ids[iri]) for iri, d in docs.items()
                     for facet, value in d.facets))
    # each value numbered in (facet, value) order: the ids of the facet postings
    con.execute("INSERT INTO facet_totals SELECT facet, value, COUNT(*), "
                "ROW_NUMBER() OVER (ORDER BY facet, value) - 1 FROM doc_facets "
                "GROUP BY facet, value")
    facet_counts.write(con)
    con.execute("INSERT INTO months SELECT substr(earliest, 1, 7), COUNT(*) FROM docs "
                "WHERE earliest IS NOT NULL GROUP BY 1")

    # every IRI the graph uses, with kind, label, names and document count
    doc_counts: dict[str, int] = defaultdict(int)
    for d in docs.values():
        for linked in {v for _, v in d.facets if v.startswith(("http:", "https:", "urn:"))}:
            doc_counts[linked] += 1
    properties = void_stats.properties(store)
    iris, distinct_subjects = _all_iris(store, properties)
    coordinates = _coordinates(store)

    def resource_rows() -> Iterator[tuple]:
        for n, iri in enumerate(sorted(iris), start=1):
            entity_names = names.get(iri)
            lat, long = coordinates.get(iri, (None, None))
            yield (n, iri, kinds.get(iri), labels.get(iri), doc_counts.get(iri, 0),
                   " | ".join(entity_names) if entity_names else None, lat, long)

    con.executemany("INSERT INTO resources VALUES (?,?,?,?,?,?,?,?)", resource_rows())
    con.execute("INSERT INTO names_fts(names_fts) VALUES ('rebuild')")
    terms = sorted({fold(t) for ns in names.values() for x in ns
                    for t in re.findall(r"\w+", x) if len(t) >= 4})
    con.executemany("INSERT INTO name_terms(term) VALUES (?)", ((t,) for t in terms))

    stats = {"documents": len(docs), "resources": len(iris),
             "people": sum(1 for k in kinds.values() if k == "person"),
             "places": sum(1 for k in kinds.values() if k == "place"),
             "organizations": sum(1 for k in kinds.values() if k == "organization"),
             # counted as `KnowledgeGraph.stats` counts them
             "roles": _count(store, f"?x a {KG.Role}"),
             "events": _count(store, f"?d {KG.records} ?x"),
             "mentions": _count(store, f"?x a {KG.Mention}"),
             "quads": len(store), "graphs": sum(1 for _ in store.named_graphs())}
    con.executemany("INSERT INTO meta VALUES (?, ?)",
                    [(f"stats.{k}", str(v)) for k, v in stats.items()])
    # the VoID description's counts over the distinct triples of the union graph
    void_stats.write(con, void_stats.compute(store, properties, distinct_subjects))

    # the correspondence network and people's correspondents
    letters = _letters(store, {iri: d.earliest for iri, d in docs.items()})
    con.executemany("INSERT INTO letters VALUES (?,?,?,?)", letters)
    # what the reconciliation service knows of each person, place and organisation
    dates = DocumentDates({i: d.earliest for i, d in docs.items() if d.earliest},
                          {i: d.latest for i, d in docs.items() if d.latest})
    records = entity_records(store, lambda iri: labels.get(iri) or fallback_label(iri),
                             {iri: d.entities for iri, d in docs.items()}, dates)
    con.executemany("INSERT INTO entity_records VALUES (?,?,?,?)",
                    ((n, r.id, r.kind, r.to_json()) for n, r in enumerate(records, start=1)))
    return {**stats, "letters": len(letters), "entity_records": len(records)}


def _letters(store: ox.Store, earliest_of: dict[str, str | None]
             ) -> list[tuple[str, str, str, str | None]]:
    """(document, author, recipient, earliest date) for every subject with a kg:author and a
    kg:recipient, each pair of two different people once, dated by its least
    kg:earliestDate (None when it has none). `earliest_of`: the dates of the documents,
    already read; any other subject's is read from the store."""
    ends: dict[str, dict[str, set[str]]] = {"author": defaultdict(set),
                                            "recipient": defaultdict(set)}
    subjects: dict[str, ox.NamedNode | ox.BlankNode] = {}
    for name, by_doc in ends.items():
        for q in store.quads_for_pattern(None, KG.term(name), None, None):
            if isinstance(q.object, ox.NamedNode):
                by_doc[q.subject.value].add(q.object.value)
                subjects[q.subject.value] = q.subject
    rows = []
    for doc in sorted(ends["author"].keys() & ends["recipient"].keys()):
        if doc in earliest_of:
            earliest = earliest_of[doc]
        else:
            dates = [q.object.value for q in store.quads_for_pattern(
                subjects[doc], KG.earliestDate, None, None) if isinstance(q.object, ox.Literal)]
            earliest = min(dates) if dates else None
        rows += [(doc, a, r, earliest) for a in sorted(ends["author"][doc])
                 for r in sorted(ends["recipient"][doc]) if a != r]
    return rows


def _count(store: ox.Store, pattern: str) -> int:
    rows = store.query(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}",
                       use_default_graph_as_union=True)
    return int(next(iter(rows))[0].value)


def _coordinates(store: ox.Store) -> dict[str, tuple[float, float]]:
    """Places' geo:lat/geo:long, where both are there and on the globe (the map)."""
    values: dict[str, dict[str, float]] = defaultdict(dict)
    for key, predicate in (("lat", GEO.lat), ("long", GEO.long)):
        for q in store.quads_for_pattern(None, predicate, None, None):
            try:
                values[q.subject.value].setdefault(key, float(q.object.value))
            except ValueError:
                continue
    return {iri: (v["lat"], v["long"]) for iri, v in values.items()
            if "lat" in v and "long" in v and -90 <= v["lat"] <= 90
            and -180 <= v["long"] <= 180}


def _kinds(store: ox.Store) -> dict[str, str]:
    """Kind of every typed IRI: entity kinds first, then the others (first class wins)."""
    kinds: dict[str, str] = {}
    classes = {**ENTITY_KINDS, **OTHER_KINDS,
               **{KG_IRI + c: "event" for c in EVENT_CLASSES}}
    for cls, kind in classes.items():
        for q in store.quads_for_pattern(None, RDF.type, ox.NamedNode(cls), None):
            if isinstance(q.subject, ox.NamedNode):
                kinds.setdefault(q.subject.value, kind)
    return kinds


def _labels(store: ox.Store) -> dict[str, str]:
    """One display label per IRI, by the rules the pages have always used: an rdfs:label
    beats a skos:prefLabel, then a title or a source's file name; nodes without a name are
    named after what they are about (a mention by its text, an event by its document)."""
    labels: dict[str, str] = {}
    for predicate in (RDFS.label, SKOS.prefLabel, DCTERMS.title, KG.sourceName):
        for q in store.quads_for_pattern(None, predicate, None, None):
            if isinstance(q.object, ox.Literal):
                labels.setdefault(q.subject.value, q.object.value)
    # (mentions and name attestations, named after their text, are #fragments: no request
    # names them, so they are left out)
    for q in store.quads_for_pattern(None, KG.candidateName, None, None):
        for of in store.quads_for_pattern(q.subject, KG.mentionOf, None, q.graph_name):
            labels.setdefault(of.object.value, q.object.value)
    for predicate, template in ((KG.records, "Event recorded in “{}”"),
                                (KG.aboutDocument, "Statements about “{}”")):
        for q in store.quads_for_pattern(None, predicate, None, None):
            doc, node = ((q.subject, q.object) if predicate == KG.records
                         else (q.object, q.subject))
            title = labels.get(doc.value)
            if title:
                labels.setdefault(node.value, template.format(title))
    return labels


def _names(store: ox.Store, kinds: dict[str, str]) -> dict[str, list[str]]:
    """Every name of every person, place and organisation: label, preferred and alternative
    labels (the authority's variants and native-script names, the spellings sources used)
    and pseudonyms."""
    out: dict[str, dict[str, None]] = defaultdict(dict)
    for predicate in NAME_PREDICATES:
        for q in store.quads_for_pattern(None, predicate, None, None):
            iri = q.subject.value
            if kinds.get(iri) in ("person", "place", "organization"):
                text = _literal(q.object)
                if text:
                    out[iri][text] = None
    return {iri: list(v) for iri, v in out.items()}


def _documents(store: ox.Store, kinds: dict[str, str]) -> dict[str, _Doc]:
    docs = {iri: _Doc(iri) for iri, k in kinds.items() if k == "document"}
    link_predicates = {KG.term(p).value for p in LINKS}
    topic_predicates = {KG.subject.value, DCTERMS.subject.value, KG.assignedSubject.value}
    broader: dict[str, set[str]] = defaultdict(set)
    for q in store.quads_for_pattern(None, SKOS.broader, None, None):
        if kinds.get(q.subject.value) == "type":
            broader[q.subject.value].add(q.object.value)
    wanted = [*link_predicates, *topic_predicates, KG.source.value, KG.documentType.value,
              DCTERMS.title.value, KG.summary.value, KG.fullText.value, KG.earliestDate.value,
              KG.latestDate.value, KG.date.value, KG.dateText.value, KG.rights.value]
    # one scan per predicate (the store's POS index), not every quad of every document: a
    # document's month index alone may hold hundreds
    for predicate in wanted:
        for q in store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
            d = docs.get(q.subject.value)
            if d is None:
                continue
            p, value = predicate, q.object.value
            if p in link_predicates:
                kind = kinds.get(value)
                if kind in ("person", "place", "organization"):
                    d.entities.add(value)
                    d.facets.add((kind, value))
            elif p in topic_predicates:
                d.topics.add(value)
                d.facets.add(("topic", value))
            elif p == KG.source.value:
                d.facets.add(("source", value))
            elif p == KG.documentType.value:
                d.facets.add(("type", value))
                d.facets.update(("type", b) for b in broader.get(value, ()))
                d.type = value if d.type is None or value < d.type else d.type
            elif p == DCTERMS.title.value:
                # several sources may describe one document: the fullest text wins
                d.title = value if len(value) > len(d.title) else d.title
            elif p == KG.summary.value:
                d.summary = value if len(value) > len(d.summary) else d.summary
            elif p == KG.fullText.value:
                d.full_text = value if len(value) > len(d.full_text) else d.full_text
            elif p == KG.earliestDate.value:
                d.earliest = min(d.earliest, value) if d.earliest else value
            elif p == KG.latestDate.value:
                d.latest = max(d.latest, value) if d.latest else value
            elif p == KG.date.value:
                d.date = value if d.date is None or value < d.date else d.date
            elif p == KG.dateText.value:
                d.date_text = value if d.date_text is None or value < d.date_text else d.date_text
            elif p == KG.rights.value:
                d.rights = value if d.rights is None or value < d.rights else d.rights
    for d in docs.values():
        if d.earliest:
            d.facets.add(("year", d.earliest[:4]))
    return docs


def _all_iris(store: ox.Store, properties: list[ox.NamedNode]) -> tuple[set[str], int]:
    """Every IRI the graph says something about or refers to, and every IRI whose #fragments
    it describes: the pages the server answers with 200 rather than 404. And the number of
    distinct subjects (blank nodes included), which the VoID description states: counted
    here because this already reads every one of them. `properties`: the graph's."""
    out: set[str] = set()
    subjects = 0

    def add(term) -> None:
        if isinstance(term, ox.NamedNode):
            # a request never carries a #fragment: an IRI whose fragments the graph
            # describes is known by its part before the "#"
            out.add(term.value.split("#", 1)[0])

    for row in store.query("SELECT DISTINCT ?x WHERE { ?x ?p ?o }",
                           use_default_graph_as_union=True):
        subjects += 1
        add(row[0])
    # Objects predicate by predicate, skipping those whose objects are text: one query over
    # every object decodes every literal of the store (full texts, raw records), 5x slower.
    object_properties = _object_properties()
    for p in properties:
        first = next(store.quads_for_pattern(None, p, None, None), None)
        if p.value in object_properties or (
                first is not None and not isinstance(first.object, ox.Literal)):
            for row in store.query(f"SELECT DISTINCT ?x WHERE {{ ?s {p} ?x FILTER(isIRI(?x)) }}",
                                   use_default_graph_as_union=True):
                add(row[0])
    out.update(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    return out, subjects


@lru_cache(maxsize=1)
def _object_properties() -> frozenset[str]:
    """The ontology's object properties: their values are IRIs even where a first value is
    text (kg:url holds a link when it is one, else the text as written)."""
    return frozenset(
        q.subject.value for q in ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE)
        if q.predicate == RDF.type and q.object == OWL.ObjectProperty)

