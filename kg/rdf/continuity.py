"""IRIs keep working, as RDF: `old owl:sameAs new` for entity IRIs a re-extraction stopped
using, in their own named graph (``graph/entity-identity``; ``graph/identity`` holds the
documents' identities). Which IRIs qualify is decided by reading the store
(`kg.store.continuity`); this module only names the graph and writes its statements.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from kg.rdf.namespace import OWL

__all__ = ["entity_identity_quads", "identity_graph"]


def identity_graph(base: str) -> ox.NamedNode:
    """``{base}graph/entity-identity``: where old entity IRIs point to their successors."""
    return ox.NamedNode(base + "graph/entity-identity")


def entity_identity_quads(pairs: Iterable[tuple[str, str]], base: str) -> list[ox.Quad]:
    """`old owl:sameAs new` for each (old, new) IRI pair, in the entity identity graph."""
    g = identity_graph(base)
    return [ox.Quad(ox.NamedNode(old), OWL.sameAs, ox.NamedNode(new), g)
            for old, new in sorted(pairs)]
