"""The shard sink: the pipeline's graphs as N-Quads shards, and `load_shards`, which bulk-loads
them into a store folder (`kg extract --dask ADDRESS --shards DIR`, then `kg load DIR/*.nq`).

The shards hold what an ingest of the same records into an empty store writes per document:
the (document, source) graphs and curated graphs, corrections applied, and the identity graph
(content keys of documents that have an archive record id). `load_shards` bulk-loads them with
`Store.bulk_load`, which writes RocksDB table files directly instead of going through
transactions, then writes the store-wide graphs (authority descriptions, corrections,
summary) as the ingest does: the result is the store an ingest gives, quad for quad.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kg.core.authority import load_authority
from kg.core.model import Record
from kg.pipeline import upkeep
from kg.pipeline.extract import DaskExtraction
from kg.pipeline.plan import key_records
from kg.pipeline.report import IngestReport
from kg.pipeline.run import Pipeline, Progress
from kg.pipeline.sink import Outcome
from kg.pipeline.target import Graphs
from kg.rdf.mapping import DEFAULT_BASE, Iris, normalise_base
from kg.rdf.namespace import KG, OWL, RDF
from kg.resolve.corrections import load_corrections
from kg.sources import read_all
from kg.store import StoreConfig, StoreError, writer
from kg.store.corrections import carry_over_corrections, default_corrections_path

__all__ = ["ShardSink", "plan_records", "shard_corpus", "load_shards"]


class ShardSink:
    """Shards of `shard_size` (document, source) entries each, then `identity.nq` when there
    are record ids. Nothing is read back: planning sees an empty target, and what needs the
    whole store (authority, corrections, summary, removals) is `load_shards`' job."""

    # each entry goes to its shard as soon as it is mapped: memory does not grow with the corpus
    batch_quads: int | None = 1

    def __init__(self, out_dir: str | Path, iris: Iris, shard_size: int = 512):
        self.out = Path(out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.iris = iris
        self.shard_size = shard_size
        self.paths: list[Path] = []
        self._fh: IO[bytes] | None = None
        self._in_shard = 0

    def target(self) -> None:
        return None

    def write(self, graphs: Graphs) -> None:
        for g, quads in graphs.items():
            if self._fh is None:
                self.paths.append(self.out / f"shard-{len(self.paths) + 1:06d}.nq")
                self._fh = open(self.paths[-1], "wb")
            ox.serialize(quads, self._fh, ox.RdfFormat.N_QUADS)
            if not g.value.endswith("/curated"):  # a curated graph goes with its entry
                self._in_shard += 1
        if self._in_shard >= self.shard_size:
            self.close()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh, self._in_shard = None, 0

    def finish(self, outcome: Outcome) -> int:
        self.close()
        identity = outcome.plan.identity
        if identity:
            g = self.iris.identity_graph()
            quads = [ox.Quad(self.iris.document(a), OWL.sameAs, self.iris.document(b), g)
                     for a, b in sorted(identity.items())]
            self.paths.append(self.out / "identity.nq")
            ox.serialize(quads, self.paths[-1], ox.RdfFormat.N_QUADS)
        return 0


def plan_records(records: Iterable[Record]) -> tuple[list[tuple[str, Record]], dict[str, str]]:
    """Key records as an ingest into an empty store does (see `kg.pipeline.plan`); returns the
    keyed records and the identity map (content key -> record-id key)."""
    identity: dict[str, str] = {}
    keyed = key_records(records, identity)
    return keyed, identity


def shard_corpus(paths: Iterable[str], address: Any, out_dir: str | Path, *,
                 base: str = DEFAULT_BASE, model: str | None = None, full_text: bool = True,
                 shard_size: int = 512, partition_size: int = 128
                 ) -> tuple[list[Path], IngestReport]:
    """Read catalogue files, extract on the Dask cluster at `address` (a scheduler address
    or a `distributed.Client`) and write shards: the ingest pipeline with the shard sink.
    Returns the shard paths and the report (problems met reading, flagged entries).
    Raises `kg.pipeline.cluster.ClusterError` when the cluster cannot be used."""
    from kg.pipeline.cluster import connect

    reading = read_all(paths)
    report = IngestReport.of_reading(reading)
    iris = Iris(normalise_base(base))
    sink = ShardSink(out_dir, iris, shard_size)
    if not reading.records:
        return [], report
    client, owned = connect(address)
    try:
        extraction = DaskExtraction(client, model=model, full_text=full_text,
                                    partition_size=partition_size)
        # no store: the corrections a tool without one uses ($KG_CORRECTIONS, ./corrections.jsonl)
        corrections = load_corrections(default_corrections_path(), missing_ok=True)
        Pipeline(iris, extraction, corrections).run(reading.records, sink, report)
    finally:
        sink.close()
        if owned:
            client.close()
    return sink.paths, report


def _parse(path: Path):
    """The quads of a shard; a StoreError naming it when it is not N-Quads."""
    try:
        yield from ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)
    except SyntaxError as exc:
        raise StoreError(f"{path}: not valid N-Quads ({exc})") from None


def _graph_names(paths: Sequence[Path]) -> set[ox.NamedNode]:
    return {q.graph_name for p in paths for q in _parse(p)
            if isinstance(q.graph_name, ox.NamedNode)}


def _shards_base(paths: Sequence[Path]) -> str | None:
    """The base IRI the shards were made with: what precedes /graph/ in the name of their first
    (document, source) graph (the rule `RemoteStore.base_in_use` follows too). None when no
    shard says; a shard that is not N-Quads is reported by the load itself."""
    for p in paths:
        try:
            for q in ox.parse(path=str(p), format=ox.RdfFormat.N_QUADS):
                if q.predicate == RDF.type and q.object == KG.SourceGraph:
                    cut = q.subject.value.rfind("/graph/")
                    return q.subject.value[: cut + 1] if cut >= 0 else None
        except SyntaxError:
            continue
    return None


def load_shards(store_path: str | Path, shard_paths: Iterable[str | Path], *,
                base: str | None = None, progress: Progress | None = None) -> int:
    """Bulk-load N-Quads shards into the store as one new generation; returns quads added.

    Graphs a shard holds replace the store's graphs of the same name (re-loading a shard
    leaves the store as it was); the identity graph is merged. Then, as an ingest does, the
    authority graph is refreshed to describe every entity the store refers to and the
    corrections and summary graphs are written.
    """
    path = Path(store_path)
    shards = [Path(p) for p in shard_paths]
    for p in shards:
        if not p.is_file():
            raise StoreError(f"{p}: no such shard file")
    with writer(path) as w:
        store = w.store
        config = StoreConfig.read(path)
        made_with = _shards_base(shards)
        if config is not None and base and base != config.base:
            raise StoreError(f"{path} was built with base IRI {config.base}, not {base}")
        # a new store takes the base the shards were made with, unless told otherwise
        store_base = config.base if config else base or made_with or DEFAULT_BASE
        if made_with and made_with.rstrip("/#") != store_base.rstrip("/#"):
            raise StoreError(f"the shards were made with base IRI {made_with}, not "
                             f"{store_base}: make them again with --base {store_base}, or "
                             f"load them into another store")
        if config is None:
            config = StoreConfig(base=store_base)
            config.write(path)
        iris = Iris(config.base)
        before = len(store)
        if before:
            for g in _graph_names(shards) - {iris.identity_graph()}:
                store.remove_graph(g)
        for p in shards:
            try:
                store.bulk_load(path=str(p), format=ox.RdfFormat.N_QUADS)
            except SyntaxError as exc:
                raise StoreError(f"{p}: not valid N-Quads ({exc})") from None
            if progress:
                progress(1, len(shards))
        # the ingest's own refresh (a full scan of what the store refers to), so that shards
        # and ingest can never describe entities differently
        upkeep.refresh_authority(store, iris, load_authority())
        carry_over_corrections(path)
        corrections = load_corrections(default_corrections_path(path), missing_ok=True)
        upkeep.write_corrections(store, corrections, iris)
        upkeep.refresh_summary(store, iris, bulk=True)
        return len(store) - before
