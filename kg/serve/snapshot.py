"""The server's view of the store: the published generation, reopened when it changes.

`StoreView.snapshot()` is called once per request. It checks `current_generation` (a single
small file read) and, when `kg ingest` has published a new generation, opens it and drops every
cache built from the old one; `on_open` (the server's) then builds the new one's whole-store
caches ahead, in the background, so that no visitor waits for them. A request works on one
`Snapshot` from start to end, so a page never mixes two generations. Caches (labels, the
document catalogue, the reconciliation index, the network layout, export files) are built
once per generation.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.rdf.namespace import DCTERMS, KG, PREFIXES, RDFS, SKOS
from kg.store import StoreConfig, current_generation, open_reader


class Snapshot:
    """One generation of the store, opened read-only, with caches derived from it."""

    def __init__(self, store: ox.Store, generation: Path | None, base: str, cache_dir: Path):
        self.store = store
        self.generation = generation
        self.base = base
        self.cache_dir = cache_dir
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

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

    # -- labels ------------------------------------------------------------------------------

    def labels(self) -> dict[str, str]:
        return self.cached("labels", self._build_labels)

    def _build_labels(self) -> dict[str, str]:
        labels: dict[str, str] = {}
        # Later predicates only fill gaps: an entity's rdfs:label beats its skos:prefLabel.
        for predicate in (RDFS.label, SKOS.prefLabel, DCTERMS.title, KG.sourceName):
            for quad in self.store.quads_for_pattern(None, predicate, None, None):
                key = quad.subject.value
                if key not in labels and isinstance(quad.object, ox.Literal):
                    labels[key] = quad.object.value
        # Nodes without a name of their own are named after what they are about.
        for predicate, template in ((KG.text, "“{}”"), (KG.attestedName, "name “{}”")):
            for quad in self.store.quads_for_pattern(None, predicate, None, None):
                labels.setdefault(quad.subject.value, template.format(quad.object.value))
        # A candidate name (kg.rdf.candidates) has no label of its own: its mentions' name.
        for quad in self.store.quads_for_pattern(None, KG.candidateName, None, None):
            for of in self.store.quads_for_pattern(quad.subject, KG.mentionOf, None,
                                                   quad.graph_name):
                labels.setdefault(of.object.value, quad.object.value)
        for predicate, template in ((KG.records, "Event recorded in “{}”"),
                                    (KG.aboutDocument, "Statements about “{}”")):
            for quad in self.store.quads_for_pattern(None, predicate, None, None):
                # records: document -> event; aboutDocument: graph -> document
                doc, node = ((quad.subject, quad.object) if predicate == KG.records
                             else (quad.object, quad.subject))
                title = labels.get(doc.value)
                if title:
                    labels.setdefault(node.value, template.format(title))
        return labels

    def label(self, iri: str) -> str:
        found = self.labels().get(iri)
        if found:
            return found
        return fallback_label(iri)

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


def fallback_label(iri: str) -> str:
    """A readable name for an IRI without a label: its last segment, de-slugged."""
    tail = iri.rstrip("/").rsplit("/", 1)[-1]
    tail = tail.split("#")[-1] if "#" in tail else tail
    return tail.replace("-", " ").strip() or iri


class StoreView:
    """Opens the store's published generation and reopens it whenever a new one appears."""

    def __init__(self, path: str | Path, default_base: str,
                 on_open: Callable[[Snapshot], None] | None = None):
        self.path = Path(path)
        self.default_base = default_base
        self.on_open = on_open
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._tmp = Path(tempfile.mkdtemp(prefix="kg-serve-"))

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
                cache_dir = self._tmp / (gen.name if gen else "empty")
                cache_dir.mkdir(parents=True, exist_ok=True)
                old = self._snapshot
                self._snapshot = Snapshot(open_reader(self.path), gen, base, cache_dir)
                if old is not None and old.cache_dir != cache_dir:
                    # Requests still holding the old snapshot keep open files; unlinking is safe.
                    shutil.rmtree(old.cache_dir, ignore_errors=True)
                if self.on_open is not None:
                    self.on_open(self._snapshot)
            return self._snapshot

    def close(self) -> None:
        self._snapshot = None
        shutil.rmtree(self._tmp, ignore_errors=True)
