"""The server's view of the store: the published generation, reopened when it changes.

`StoreView.snapshot()` is called once per request. It checks `current_generation` (a single
small file read) and, when a writer has published a new generation, opens it and drops every
cache of the old one. A request works on one `Snapshot` from start to end, so a page never
mixes two generations. What pages need across the whole store (search, facets, entity lists,
labels, the catalogue, months, map places, counts) is the generation's derived data, written
with it (`Snapshot.index`, `kg.store.index`), and so are the letters of the correspondence
network and the reconciliation service's entity records: opening a generation computes
nothing. The few caches left (the counted network and its drawing, the reconciliation index
made from the records, VoID) are built from those on the first request that needs them,
once per generation; downloads are streamed from the store as it is read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.core.text import fallback_label
from kg.rdf.namespace import KG, PREFIXES, RDFS
from kg.store import StoreConfig, current_generation, open_reader
from kg.store.derived import is_complete
from kg.store.index import Index, IndexMissing

# Labels a snapshot remembers (a page's links, looked up once per generation); past this,
# each look-up goes to the index again.
LABELS_KEPT = 200_000


class Snapshot:
    """One generation of the store, opened read-only, with caches derived from it."""

    def __init__(self, store: ox.Store, generation: Path | None, base: str):
        self.store = store
        self.generation = generation
        self.base = base
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._index: Index | None = None
        self._labels: dict[str, str] = {}

    @property
    def name(self) -> str:
        return self.generation.name if self.generation else "empty"

    def cached(self, key: str, build: Callable[[], Any]) -> Any:
        """`build()` once per generation; concurrent requests wait for the first one."""
        if key in self._cache:
            return self._cache[key]
        with self._lock:
            # One lock per key: building one cache may use another (entities need labels).
            key_lock = self._locks.setdefault(key, threading.Lock())
        with key_lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]

    def query(self, sparql: str):
        return self.store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)

    def select(self, sparql: str) -> list[dict[str, ox.NamedNode | ox.Literal]]:
        """Rows of a SELECT as dicts of variable name -> term (unbound variables left out)."""
        results = self.query(sparql)
        names = [v.value for v in results.variables]
        out = []
        for row in results:
            out.append({n: row[i] for i, n in enumerate(names) if row[i] is not None})
        return out

    # -- derived data ------------------------------------------------------------------------

    @property
    def index(self) -> Index:
        """The generation's derived data (search, facets, entity summaries, catalogue).
        Raises `IndexMissing` for a generation written before derived data existed."""
        if self._index is None:
            if self.generation is None:
                raise IndexMissing("the store is empty: nothing is published yet")
            if not is_complete(self.generation):
                raise IndexMissing(
                    f"generation {self.generation.name} has no search index (written by an "
                    "older version of kg): restart kg serve, which builds it once, or write to "
                    "the store (kg ingest) to build it")
            self._index = Index(self.generation, keep_connections=True)
        return self._index

    def label(self, iri: str) -> str:
        """An IRI's display label: the index's (one indexed look-up, remembered for the
        generation); a #fragment (a mention, a name attestation) is named after its text,
        read from the store by its subject; else the IRI's last segment."""
        found = self._labels.get(iri)
        if found is not None:
            return found
        found = None
        if self.generation is not None and "#" not in iri:
            try:
                found = self.index.labels([iri]).get(iri)
            except IndexMissing:
                found = None
        elif "#" in iri:
            found = self._fragment_label(iri)
        found = found or fallback_label(iri)
        if len(self._labels) < LABELS_KEPT:
            self._labels[iri] = found
        return found

    def known_labels(self, iris) -> dict[str, str]:
        """Labels of many IRIs at once (one look-up), for the IRIs that have one."""
        wanted = [i for i in dict.fromkeys(iris) if "#" not in i and i not in self._labels]
        if wanted and self.generation is not None:
            try:
                found = self.index.labels(wanted)
            except IndexMissing:
                found = {}
            if len(self._labels) < LABELS_KEPT:
                self._labels.update(found)
        return {i: self._labels[i] for i in iris if i in self._labels}

    def _fragment_label(self, iri: str) -> str | None:
        try:
            subject = ox.NamedNode(iri)
        except ValueError:
            return None
        for predicate, template in ((RDFS.label, "{}"), (KG.text, "“{}”"),
                                    (KG.attestedName, "name “{}”")):
            quad = next(self.store.quads_for_pattern(subject, predicate, None, None), None)
            if quad is not None and isinstance(quad.object, ox.Literal):
                return template.format(quad.object.value)
        return None

    def local_path(self, iri: str) -> str | None:
        """The server path an IRI of ours is answered at, None for someone else's IRI."""
        if not iri.startswith(self.base):
            return None
        return base_path(self.base) + iri[len(self.base):]

    def iri_for_path(self, path: str) -> str | None:
        prefix = base_path(self.base)
        if not path.startswith(prefix):
            return None
        return self.base + path[len(prefix):]


def base_path(base: str) -> str:
    """The path part of a base IRI: "/" for http://host:port/, "/kg/" for http://host/kg/."""
    rest = base.split("://", 1)[-1]
    slash = rest.find("/")
    return rest[slash:] if slash >= 0 else "/"


class StoreView:
    """Opens the store's published generation and reopens it whenever a new one appears."""

    def __init__(self, path: str | Path, default_base: str):
        self.path = Path(path)
        self.default_base = default_base
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def snapshot(self) -> Snapshot:
        gen = current_generation(self.path)
        snap = self._snapshot
        if snap is not None and snap.generation == gen:
            return snap
        with self._lock:
            snap = self._snapshot
            if snap is None or snap.generation != gen:
                config = StoreConfig.read(self.path)
                base = config.base if config else self.default_base
                if not base.endswith(("/", "#")):
                    base += "/"
                self._snapshot = Snapshot(open_reader(self.path), gen, base)
            return self._snapshot

    def close(self) -> None:
        self._snapshot = None
