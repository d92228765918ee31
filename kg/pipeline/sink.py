"""The sink: where the pipeline's graphs go, the only part of an ingest that differs by target.

Three sinks implement `Sink`: `LocalSink` (a new generation of a store folder),
`RemoteSink` (a SPARQL 1.1 store over HTTP) and `ShardSink` (N-Quads shards that `kg load`
bulk-loads into a store folder later).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from kg.core.authority import Authority
from kg.pipeline.plan import Plan
from kg.pipeline.target import Graphs, GraphStore
from kg.resolve.corrections import Corrections
from kg.store.continuity import MentionKey

__all__ = ["Sink", "Outcome"]


@dataclass
class Outcome:
    """What a run leaves for the sink to finish with: the plan, what was written, and what
    the store-wide graphs are made from."""

    plan: Plan
    authority: Authority
    corrections: Corrections
    # (kind, key) of the entities the written graphs refer to
    entity_keys: set[tuple[str, str]] = field(default_factory=set)
    # where each mention of the replaced graphs pointed before (IRIs keep working)
    before: dict[MentionKey, str] = field(default_factory=dict)
    # absolute paths of the files read whole: the store mirrors them (entries gone from a
    # file lose their graphs)
    read_paths: set[str] = field(default_factory=set)


class Sink(Protocol):
    # Graphs are written in batches of at least this many quads; None: every graph is mapped
    # before the first write (a --strict abort leaves the target untouched).
    batch_quads: int | None

    def target(self) -> GraphStore | None:
        """The store planning compares the input with (hashes, paths, identity), and the
        continuity of IRIs reads; None when nothing can be read back (an empty target)."""
        ...

    def write(self, graphs: Graphs) -> None:
        """Replace these named graphs whole (no graph half-written)."""
        ...

    def finish(self, outcome: Outcome) -> int:
        """After the last write: graphs the run makes obsolete go, the store-wide graphs
        (identity, authority, corrections, summary) are brought up to date. Returns the
        documents removed."""
        ...
