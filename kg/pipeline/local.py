"""The local sink: a new, private generation of a store folder (`kg.store.writer`).

Nobody reads the generation before it is published, so graphs are written in bulk (no
transaction) and in batches, the memory of a run bounded; publishing it at the end of the
`writer` block is the one atomic step (a run killed before leaves the store as it was)."""

from __future__ import annotations

import pyoxigraph as ox

from kg.pipeline import upkeep
from kg.pipeline.sink import Outcome
from kg.pipeline.target import Graphs, GraphStore
from kg.rdf.mapping import Iris

__all__ = ["LocalSink"]


class LocalSink:
    batch_quads: int | None = 200_000

    def __init__(self, store: ox.Store, iris: Iris):
        self.store = store  # the writable generation of a `writer` block
        self.iris = iris

    def target(self) -> GraphStore:
        return self.store

    def write(self, graphs: Graphs) -> None:
        upkeep.write_graphs(self.store, graphs, bulk=True)

    def finish(self, outcome: Outcome) -> int:
        # one generation, published whole: the summary only needs recomputing on change
        return upkeep.finish_store(self.store, self.iris, outcome, full_authority=False,
                                   summary_always=False, bulk=True)
