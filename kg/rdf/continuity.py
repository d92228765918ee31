"""IRIs keep working, as RDF: `old owl:sameAs new` for entity IRIs a re-extraction stopped
using, in their own named graph (`Iris.entity_identity_graph`). Which IRIs qualify is decided
by reading the store (`kg.store.continuity`); this module only writes the statements.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from kg.rdf.mapping import Iris
from kg.rdf.namespace import OWL

__all__ = ["entity_identity_quads"]


def entity_identity_quads(pairs: Iterable[tuple[str, str]], iris: Iris) -> list[ox.Quad]:
    """`old owl:sameAs new` for each (old, new) IRI pair, in the entity identity graph."""
    g = iris.entity_identity_graph()
    return [ox.Quad(ox.NamedNode(old), OWL.sameAs, ox.NamedNode(new), g)
            for old, new in sorted(pairs)]
