"""The map stage: a resolved entry onto the ontology, as whole named graphs to write.

Each entry gives its (document, source) graph and, when its record carries curators' lists,
its curated graph; both say which file they were read from."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from kg.extract.extracted import ExtractorInfo
from kg.pipeline.plan import Planned
from kg.pipeline.resolve import Resolved
from kg.pipeline.target import Graphs
from kg.rdf.mapping import Iris, map_entry
from kg.rdf.namespace import KG

__all__ = ["Mapped", "map_stage", "path_quad"]


@dataclass(frozen=True)
class Mapped:
    planned: Planned
    graphs: Graphs  # the graphs to replace, whole
    entity_keys: frozenset[tuple[str, str]]  # (kind, key) of the entities they refer to

    @property
    def quads(self) -> int:
        return sum(len(q) for q in self.graphs.values())


def path_quad(graph: ox.NamedNode, path: str) -> ox.Quad:
    return ox.Quad(graph, KG.sourcePath, ox.Literal(path), graph)


def map_stage(items: Iterable[Resolved], iris: Iris, info: ExtractorInfo) -> Iterator[Mapped]:
    versions = {"extractor": info.version, "model": info.model, "authority": info.authority}
    for item in items:
        p = item.planned
        dg = map_entry(item.entry, p.key, iris, p.fingerprint, versions)
        graphs: Graphs = {dg.graph: dg.quads}
        if dg.curated_graph is not None:
            graphs[dg.curated_graph] = dg.curated_quads
        if p.path:
            for g, quads in graphs.items():
                quads.append(path_quad(g, p.path))
        yield Mapped(p, graphs, frozenset(dg.entity_keys))
