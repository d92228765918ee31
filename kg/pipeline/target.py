"""What the pipeline reads back from where it writes: a graph store, local or remote.

A `pyoxigraph.Store` satisfies this protocol, and so does `kg.store.remote.RemoteStore` (over
HTTP); planning, continuity of IRIs and the store-wide graphs are written against it, so the
local and the remote ingest share them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import pyoxigraph as ox

__all__ = ["GraphStore", "Graphs"]

# whole named graphs, each replacing the graph of that name
Graphs = dict[ox.NamedNode, list[ox.Quad]]


class GraphStore(Protocol):
    def query(self, query: str, *, prefixes: dict[str, str] | None = ...,
              use_default_graph_as_union: bool = ...) -> Any: ...

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any,
                          graph_name: Any = ...) -> Iterator[ox.Quad]: ...

    def contains_named_graph(self, graph_name: Any) -> bool: ...

    def remove_graph(self, graph_name: Any) -> None: ...

    def update(self, update: str) -> None: ...
