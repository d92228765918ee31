"""The plan stage: key the records, keep one copy per (document, source), skip what is stored.

A document is keyed by its archive record id when known, else by its content (see
`kg.core.identity`); one copy per (document, source) is kept, the most complete one. A document
first stored under its content key and now seen with a record id is re-keyed: its stored raw
records join the run under the new key and its old graphs go (the identity graph keeps the old
IRI working). A (document, source) graph whose content hash (record, versions of the pipeline,
the corrections that touch it) is the stored one is left alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.core.identity import better, content_key, document_key
from kg.core.model import Record, SourceRef
from kg.pipeline.target import GraphStore
from kg.rdf.mapping import Iris, content_hash, source_key
from kg.rdf.namespace import KG, OWL, PREFIXES
from kg.resolve.corrections import Corrections

__all__ = ["Planned", "Plan", "Stored", "key_records", "stored_state", "make_plan",
           "record_from_json", "source_paths"]


@dataclass(frozen=True)
class Planned:
    """One (document, source) graph to extract and write."""

    key: str  # the document key
    record: Record
    graph: ox.NamedNode
    path: str | None  # the absolute path it was read from (None: standard input, unknown)
    fingerprint: str  # versions of the pipeline and the corrections that touch this record


@dataclass
class Stored:
    """What planning needs to know of the target: empty for a target nothing is read back
    from (shards, bulk-loaded later)."""

    identity: dict[str, str] = field(default_factory=dict)  # content key -> record-id key
    hashes: dict[str, str] = field(default_factory=dict)  # graph IRI -> content hash
    paths: dict[str, str] = field(default_factory=dict)  # graph IRI -> absolute source path


@dataclass
class Plan:
    todo: list[Planned]  # in input order
    entries: int  # (document, source) pairs in the input
    states: dict[str, str]  # document key -> "new" | "updated" | "unchanged"
    identity: dict[str, str]  # the identity map after this run
    rekeyed: list[ox.NamedNode]  # graphs under a content key whose document got a record id
    moved: dict[str, str]  # unchanged graph IRI -> the path its file is read from now
    covered: set[str]  # every (document, source) graph IRI the input has
    stored: Stored


def record_from_json(text: str) -> Record:
    """A record as `kg:rawRecord` keeps it."""
    data = json.loads(text)
    src = data.pop("source")
    return Record(**{**data, "source": SourceRef(src["path"], src["line"], src["kind"])})


def source_paths(store: GraphStore) -> dict[str, str]:
    """Graph IRI -> absolute path of the file it was read from (graphs written before paths
    were recorded have none)."""
    return {q.graph_name.value: q.object.value
            for q in store.quads_for_pattern(None, KG.sourcePath, None, None)
            if q.subject == q.graph_name}


def stored_state(store: GraphStore | None, iris: Iris) -> Stored:
    if store is None:
        return Stored()
    identity = {q.subject.value.rsplit("/", 1)[-1]: q.object.value.rsplit("/", 1)[-1]
                for q in store.quads_for_pattern(None, OWL.sameAs, None, iris.identity_graph())}
    hashes = {r[0].value: r[1].value for r in store.query(
        "SELECT ?g ?h WHERE { GRAPH ?g { ?g kg:contentHash ?h } }", prefixes=PREFIXES)}
    return Stored(identity, hashes, source_paths(store))


def key_records(records: Iterable[Record], identity: dict[str, str]
                ) -> list[tuple[str, Record]]:
    """One record per (document, source), the most complete copy winning; a document seen
    without a record id takes the key of the copy that has one (`identity` is extended)."""
    records = list(records)
    for r in records:
        if r.record_id:
            identity[content_key(r)] = document_key(r)
    best: dict[tuple[str, str], Record] = {}
    for r in records:
        key = document_key(r)
        key = identity.get(key, key)
        slot = (key, source_key(r))
        best[slot] = better(best[slot], r) if slot in best else r
    return [(k, r) for (k, _), r in best.items()]


def _rekeyed(store: GraphStore | None, iris: Iris, identity: dict[str, str]
             ) -> tuple[list[Record], list[ox.NamedNode]]:
    """The stored raw records of documents still under a content key that has a record-id key
    now, and their graphs (which go)."""
    if store is None:
        return [], []
    records, graphs = [], []
    for old_key in identity:
        doc = iris.document(old_key)
        for q in store.quads_for_pattern(None, KG.aboutDocument, doc, None):
            raw = next(store.quads_for_pattern(q.subject, KG.rawRecord, None, q.graph_name),
                       None)
            if raw is None:
                continue
            records.append(record_from_json(raw.object.value))
            graphs.append(q.graph_name)
    return records, graphs


def make_plan(records: Iterable[Record], store: GraphStore | None, iris: Iris, *,
              fingerprint: str, corrections: Corrections, force: bool = False,
              fresh: bool = True) -> Plan:
    """Plan a run over `records` against what `store` holds (None: an empty target).

    `force` re-maps unchanged graphs too (a rebuild); `fresh` says the records were just read
    from their files (their paths are recorded), else they came from the store and their
    graphs keep the paths they had."""
    records = list(records)
    stored = stored_state(store, iris)
    identity = dict(stored.identity)
    for r in records:  # before the stored records are looked up: they may be re-keyed now
        if r.record_id:
            identity[content_key(r)] = document_key(r)
    extra, rekeyed = _rekeyed(store, iris, identity)
    keyed = key_records(extra + records, identity)
    known = {g.rsplit("/", 2)[-2] for g in stored.hashes}
    todo: list[Planned] = []
    states: dict[str, str] = {}
    moved: dict[str, str] = {}
    covered: set[str] = set()
    for key, record in keyed:
        g = iris.graph(key, source_key(record))
        covered.add(g.value)
        path = str(Path(record.source.path).resolve()) \
            if fresh and record.source.path != "<stdin>" else stored.paths.get(g.value)
        # corrections that can touch this entry are part of what made its graph
        fp = fingerprint + corrections.fingerprint_for(key, record)
        if not force and stored.hashes.get(g.value) == content_hash(record, fp):
            states.setdefault(key, "unchanged")
            if path and stored.paths.get(g.value) != path:
                moved[g.value] = path  # same content, the file moved
            continue
        states[key] = "updated" if key in known else "new"
        todo.append(Planned(key, record, g, path, fp))
    return Plan(todo, len(keyed), states, identity, rekeyed, moved, covered, stored)
