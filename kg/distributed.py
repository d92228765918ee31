"""Extraction on a Dask cluster, N-Quads shards, and bulk loading of the shards into a store.

The path for corpora too big for one machine's patience::

    records --extract_on_dask--> entries --write_nquads_shards--> shard-000001.nq, ...
            --load_shards--> store (one new generation, published atomically)

`extract_on_dask` maps partitions of records over the cluster's workers. Each worker process
builds its spaCy pipeline once and keeps it in a module-level cache, so the model is loaded
once per worker, not once per partition. Results come back in input order, with a bounded
number of partitions in flight so that memory does not grow with the corpus.

The shards hold the graphs a single-process `KnowledgeGraph.ingest` of the same records writes
per document: the (document, source) graphs and curated graphs, corrections applied, and the
identity graph (content keys of documents that have an archive record id). `load_shards`
bulk-loads them with `Store.bulk_load`, which writes RocksDB table files directly instead of
going through transactions, then writes the store-wide graphs (authority descriptions,
corrections) the way the ingest does: the result is the store an ingest gives, quad for quad.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from kg.api import source_path_quads
from kg.core.authority import DATA_DIR
from kg.core.identity import better, content_key, document_key
from kg.core.model import Entry, Record
from kg.extract.nlp import resolver_for
from kg.extract.pipeline import ExtractorInfo
from kg.rdf.mapping import DEFAULT_BASE, Iris, map_entry, source_key
from kg.rdf.namespace import OWL
from kg.resolve.corrections import (
    Corrections,
    apply_to_entry,
    authority_lookup,
    default_corrections_path,
    load_corrections,
)
from kg.store import StoreConfig, StoreError, writer

__all__ = ["extract_on_dask", "worker_info", "plan_records", "write_nquads_shards",
           "ClusterError", "load_shards", "shard_corpus"]

_PARTITIONS_PER_THREAD = 2  # partitions in flight per worker thread

# -- on the workers ------------------------------------------------------------------------

_cache: dict[tuple, object] = {}
_cache_lock = threading.Lock()


def _worker_extractor(model: str | None, full_text: bool, data_dir: str | None):
    """This worker process's Extractor for these settings, built on first use."""
    from kg.extract.pipeline import Extractor

    key = (model, full_text, data_dir)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = (Extractor(model=model, full_text=full_text,
                                     data_dir=Path(data_dir) if data_dir else None),
                           threading.Lock())
        return _cache[key]


def _extract_partition(records: list[Record], model: str | None, full_text: bool,
                       data_dir: str | None) -> list[Entry]:
    extractor, lock = _worker_extractor(model, full_text, data_dir)
    # a worker with several threads shares one pipeline; spaCy does not promise that one
    # Language object may run two pipes at once, and the GIL would serialise them anyway
    with lock:
        return list(extractor.extract(records))


def _extractor_info(model: str | None, full_text: bool, data_dir: str | None) -> ExtractorInfo:
    return _worker_extractor(model, full_text, data_dir)[0].info


# -- on the client ---------------------------------------------------------------------------

class ClusterError(Exception):
    """The Dask cluster cannot be used; the message says why."""


def _client(address, timeout: float = 20.0):
    try:
        from dask.distributed import Client
    except ImportError:
        raise ClusterError("dask.distributed is not installed (pip install "
                           "'dask[distributed]')") from None
    if isinstance(address, Client):
        return address, False
    try:
        return Client(address, timeout=f"{timeout}s"), True
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"{address}: cannot reach the Dask scheduler ({exc})") from None


def extract_on_dask(records: Iterable[Record], address, *, model: str | None = None,
                    full_text: bool = True, partition_size: int = 128,
                    data_dir: Path | None = None, timeout: float = 20.0) -> Iterator[Entry]:
    """Entries for `records`, in input order, extracted on the Dask cluster at `address`
    (a scheduler address such as ``tcp://10.0.0.5:8786``, or a `distributed.Client`).
    Raises `ClusterError` when the scheduler cannot be reached within `timeout` seconds."""
    client, owned = _client(address, timeout)
    try:
        threads = max(1, sum(client.nthreads().values()))
        window = threads * _PARTITIONS_PER_THREAD
        it = iter(records)
        pending: deque = deque()
        args = (model, full_text, str(data_dir) if data_dir else None)
        while True:
            while len(pending) < window and (part := list(islice(it, partition_size))):
                pending.append(client.submit(_extract_partition, part, *args, pure=False))
            if not pending:
                break
            future = pending.popleft()
            entries = future.result()
            future.release()
            yield from entries
    finally:
        if owned:
            client.close()


def worker_info(address, *, model: str | None = None, full_text: bool = True,
                data_dir: Path | None = None) -> ExtractorInfo:
    """Versions of the pipeline the workers run (they go into every graph's provenance)."""
    client, owned = _client(address)
    try:
        return client.submit(_extractor_info, model, full_text,
                             str(data_dir) if data_dir else None, pure=False).result()
    finally:
        if owned:
            client.close()


# -- planning, shards, loading ---------------------------------------------------------------

def plan_records(records: Iterable[Record]) -> tuple[list[tuple[str, Record]], dict[str, str]]:
    """Key records as an ingest into an empty store does: one record per (document, source),
    the most complete copy winning; a document seen without a record id takes the key of the
    copy that has one. Returns the keyed records and the identity map (content key -> key)."""
    records = list(records)
    identity = {content_key(r): document_key(r) for r in records if r.record_id}
    best: dict[tuple[str, str], Record] = {}
    for r in records:
        key = document_key(r)
        key = identity.get(key, key)
        slot = (key, source_key(r))
        best[slot] = better(best[slot], r) if slot in best else r
    return [(k, r) for (k, _), r in best.items()], identity


def write_nquads_shards(entries: Iterable[Entry], out_dir: str | Path, base: str = DEFAULT_BASE,
                        *, info: ExtractorInfo, keys: Iterable[str] | None = None,
                        identity: dict[str, str] | None = None, shard_size: int = 512,
                        corrections: Corrections | None = None,
                        data_dir: Path | None = None) -> list[Path]:
    """Write the document graphs of `entries` as N-Quads shards of `shard_size` documents each,
    then an identity shard when there are record ids; returns their paths.

    Each entry gets what the ingest gives it: the historian's corrections applied, its graph
    keyed and fingerprinted the same way. `keys` are the entries' document keys in order (from
    `plan_records`); without them each entry is keyed by `document_key` re-keyed through
    `identity`. The graphs that describe the whole store (authority, corrections) are written
    by `load_shards`, from what the store then holds.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if not base.endswith(("/", "#")):
        base += "/"
    iris = Iris(base)
    identity = identity or {}
    if corrections is None:
        corrections = load_corrections(default_corrections_path(), missing_ok=True)
    lookup = authority_lookup(resolver_for(str(data_dir or DATA_DIR)))
    versions = {"extractor": info.version, "model": info.model, "authority": info.authority}
    key_iter = iter(keys) if keys is not None else None
    paths: list[Path] = []
    fh = None
    in_shard = 0
    try:
        for entry in entries:
            if key_iter is not None:
                key = next(key_iter)
            else:
                key = document_key(entry.record)
                key = identity.get(key, key)
            # as in the ingest: corrections that can touch an entry are part of its fingerprint
            fingerprint = info.fingerprint + corrections.fingerprint_for(key, entry.record)
            entry = apply_to_entry(entry, key, corrections, lookup=lookup)
            dg = map_entry(entry, key, iris, fingerprint, versions)
            if fh is None:
                paths.append(out / f"shard-{len(paths) + 1:06d}.nq")
                fh = open(paths[-1], "wb")
            quads = dg.quads + (dg.curated_quads if dg.curated_graph is not None else [])
            # as the ingest records it: the file each graph was read from
            quads += source_path_quads(dg, entry.record.source.path)
            ox.serialize(quads, fh, ox.RdfFormat.N_QUADS)
            in_shard += 1
            if in_shard >= shard_size:
                fh.close()
                fh, in_shard = None, 0
    finally:
        if fh is not None:
            fh.close()
    if identity:
        g = ox.NamedNode(base + "graph/identity")
        quads = [ox.Quad(iris.document(a), OWL.sameAs, iris.document(b), g)
                 for a, b in sorted(identity.items())]
        paths.append(out / "identity.nq")
        ox.serialize(quads, paths[-1], ox.RdfFormat.N_QUADS)
    return paths


def _graph_names(paths: Sequence[Path]) -> set[ox.NamedNode]:
    names = set()
    for p in paths:
        for q in ox.parse(path=str(p), format=ox.RdfFormat.N_QUADS):
            if isinstance(q.graph_name, ox.NamedNode):
                names.add(q.graph_name)
    return names


def load_shards(store_path: str | Path, shard_paths: Iterable[str | Path], *,
                base: str | None = None) -> int:
    """Bulk-load N-Quads shards into the store as one new generation; returns quads added.

    Graphs a shard holds replace the store's graphs of the same name (re-loading a shard
    leaves the store as it was); the identity graph is merged. Then, as an ingest does, the
    authority graph is refreshed to describe every entity the store refers to and the
    corrections graph is written.
    """
    from kg.api import KnowledgeGraph
    from kg.link import store_corrections

    path = Path(store_path)
    shards = [Path(p) for p in shard_paths]
    for p in shards:
        if not p.is_file():
            raise StoreError(f"{p}: no such shard file")
    with writer(path) as w:
        store = w.store
        config = StoreConfig.read(path)
        if config is None:
            config = StoreConfig(base=base or DEFAULT_BASE)
            config.write(path)
        elif base and base != config.base:
            raise StoreError(f"{path} was built with base IRI {config.base}, not {base}")
        before = len(store)
        identity_g = ox.NamedNode(config.base + "graph/identity")
        if before:
            for g in _graph_names(shards) - {identity_g}:
                store.remove_graph(g)
        for p in shards:
            try:
                store.bulk_load(path=str(p), format=ox.RdfFormat.N_QUADS)
            except SyntaxError as exc:
                raise StoreError(f"{p}: not valid N-Quads ({exc})") from None
        kg = KnowledgeGraph(path)
        # the ingest's own refresh (a full scan of what the store refers to), so that shards
        # and ingest can never describe entities differently
        kg.refresh_authority(store)
        store_corrections(store, kg.corrections(), kg.iris)
        kg.refresh_summary(store, bulk=True)
        return len(store) - before


def shard_corpus(paths: Iterable[str], address, out_dir: str | Path, *,
                 base: str = DEFAULT_BASE, model: str | None = None, full_text: bool = True,
                 shard_size: int = 512) -> tuple[list[Path], list[str]]:
    """Read catalogue files, extract on the cluster and write shards: the whole path that
    `kg extract --dask ADDRESS --shards DIR` followed by `kg load DIR/*.nq` takes. Returns the
    shard paths and the problems met while reading (file:line: message)."""
    from kg.sources import SourceError, read_inputs

    records: list[Record] = []
    problems: list[str] = []
    for _, result in read_inputs(paths):
        if isinstance(result, SourceError):
            problems.append(str(result))
            continue
        problems += [str(p) for p in result.problems]
        records += result.records
    planned, identity = plan_records(records)
    client, owned = _client(address)
    try:
        info = worker_info(client, model=model, full_text=full_text)
        entries = extract_on_dask((r for _, r in planned), client, model=model,
                                  full_text=full_text)
        shards = write_nquads_shards(entries, out_dir, base, info=info,
                                     keys=[k for k, _ in planned], identity=identity,
                                     shard_size=shard_size)
    finally:
        if owned:
            client.close()
    return shards, problems
