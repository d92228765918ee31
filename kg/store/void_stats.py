"""The VoID statistics of a generation, computed once when it is written.

The VoID description (`kg.serve.void`) states the number of distinct triples of the union
graph (what the SPARQL default graph holds), of distinct subjects, properties and classes,
the triples of each property, and the rights statements of the source graphs. Counted at
ingest by `kg.store.derived` (`compute`, `write`) into the generation's derived data; read by
`kg.store.index.Index.void_statistics` (`read_statistics`), so serving /void queries no store.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import pyoxigraph as ox

from kg.rdf.namespace import PREFIXES

SCHEMA = """
CREATE TABLE void_counts(key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE void_properties(property TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE source_rights(position INTEGER PRIMARY KEY, kind TEXT NOT NULL,
  value TEXT NOT NULL, language TEXT, datatype TEXT);
"""

_PROPERTIES = "SELECT DISTINCT ?p WHERE { ?s ?p ?o }"
# Distinct (s, o) of one property in the union graph: a triple several graphs state (a
# document's title in its source graph and in its curated one) counts once.
_PROPERTY_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{ ?s {} ?o }} }}"
_CLASSES = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"
_RIGHTS = ("SELECT DISTINCT ?r WHERE { ?g a kg:SourceGraph ; dcterms:rights ?r } "
           "ORDER BY ?r")

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class VoidStatistics:
    """What the VoID description counts, over the distinct triples of the union graph."""

    distinct_subjects: int
    classes: int  # distinct objects of rdf:type
    property_triples: tuple[tuple[str, int], ...]  # (property IRI, triples), in IRI order
    rights: tuple[Term, ...]  # dcterms:rights of the kg:SourceGraphs, in SPARQL order

    @property
    def triples(self) -> int:
        # every distinct triple has one property: the partitions add up to the whole
        return sum(n for _, n in self.property_triples)

    @property
    def properties(self) -> int:
        return len(self.property_triples)


def properties(store: ox.Store) -> list[ox.NamedNode]:
    """The distinct properties of `store`, in IRI order (one scan of every quad)."""
    return sorted((row[0] for row in _query(store, _PROPERTIES)), key=lambda p: p.value)


def compute(store: ox.Store, properties: list[ox.NamedNode],
            distinct_subjects: int) -> VoidStatistics:
    """Count the statistics over `store` (a generation's store, default graph as union).
    `properties` (`properties(store)`) and the number of distinct subjects are what the
    derived build reads anyway for other tables: passed in, not counted again.

    Distinct triples are counted a property at a time: at 10,000 generated entries (3.3
    million quads) 6 s and 146 MB at most, where one DISTINCT over the whole store held 2.8
    million triples in one hash set (7-9 s, 660 MB) and hashing them in Python took 32 s."""
    def count(sparql: str) -> int:
        return int(next(iter(_query(store, sparql)))[0].value)

    return VoidStatistics(
        distinct_subjects=distinct_subjects, classes=count(_CLASSES),
        property_triples=tuple((p.value, count(_PROPERTY_TRIPLES.format(p)))
                               for p in properties),
        rights=tuple(row[0] for row in _query(store, _RIGHTS)))


def _query(store: ox.Store, sparql: str):
    return store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)


def write(con: sqlite3.Connection, stats: VoidStatistics) -> None:
    con.executemany("INSERT INTO void_counts VALUES (?, ?)",
                    [("distinct_subjects", stats.distinct_subjects),
                     ("classes", stats.classes)])
    con.executemany("INSERT INTO void_properties VALUES (?, ?)", stats.property_triples)
    con.executemany("INSERT INTO source_rights VALUES (?, ?, ?, ?, ?)",
                    [(i, *_columns(term)) for i, term in enumerate(stats.rights)])


def read_statistics(con: sqlite3.Connection) -> VoidStatistics:
    counts = dict(con.execute("SELECT key, n FROM void_counts").fetchall())
    # ORDER BY a TEXT column compares UTF-8 bytes: code point order, as Python's sort
    properties = tuple((p, n) for p, n in con.execute(
        "SELECT property, n FROM void_properties ORDER BY property"))
    rights = tuple(_term(*row) for row in con.execute(
        "SELECT kind, value, language, datatype FROM source_rights ORDER BY position"))
    return VoidStatistics(distinct_subjects=counts["distinct_subjects"],
                          classes=counts["classes"], property_triples=properties,
                          rights=rights)


def _columns(term: Term) -> tuple[str, str, str | None, str | None]:
    """(kind, value, language, datatype): a term as columns it is rebuilt from (`_term`)."""
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.language,
                None if term.language else term.datatype.value)
    return ("iri" if isinstance(term, ox.NamedNode) else "blank", term.value, None, None)


def _term(kind: str, value: str, language: str | None, datatype: str | None) -> Term:
    if kind == "iri":
        return ox.NamedNode(value)
    if kind == "blank":
        return ox.BlankNode(value)
    if language:
        return ox.Literal(value, language=language)
    return ox.Literal(value, datatype=ox.NamedNode(datatype))
