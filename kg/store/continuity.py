"""IRIs keep working: an entity IRI a re-extraction stops using points to its successor.

When a name resolves differently after an upgrade (a better authority, a stricter rule), the
entity IRI its mention had may vanish from the graph: an unresolved "person-richard-h-solomon"
becomes the authority's "richard-h-solomon". Links to the old IRI, made by anyone, should still
lead somewhere, so the old IRI gets `owl:sameAs` the new one, in its own named graph
(`graph/entity-identity`; `graph/identity` holds the documents' identities).

Only when that is sound: the mentions (same document graph, field and offsets) that used the
old IRI all moved to one new IRI, the old IRI is no entity of the current authority (an
authority person whom one name no longer denotes still exists, and is not the new one), and no
document graph uses it any more. An old IRI that a document uses again loses its `owl:sameAs`.

This module reads the store to decide and writes the graph; the statements themselves are
`kg.rdf.continuity`'s.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

from kg.core.authority import Authority
from kg.rdf.continuity import entity_identity_quads
from kg.rdf.mapping import KIND_CLASS, Iris
from kg.rdf.namespace import KG, OWL
from kg.store import replace_graphs

__all__ = ["MentionKey", "keep_old_iris", "mention_targets"]

MentionKey = tuple[str, str, int, int]  # document graph, field, start, end


def mention_targets(store, graphs: Iterable[ox.NamedNode]) -> dict[MentionKey, str]:
    """The entity IRI of every mention in these document graphs, by where the mention is.
    (`store`: a pyoxigraph store or anything with its `query`, such as a remote store.)"""
    out: dict[MentionKey, str] = {}
    graphs = list(graphs)
    for i in range(0, len(graphs), 500):
        values = " ".join(str(g) for g in graphs[i:i + 500])
        rows = store.query(
            f"SELECT ?g ?ent ?f ?s ?e WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ "
            f"?m {KG.mentionOf} ?ent ; {KG.field} ?f ; {KG.start} ?s ; {KG.end} ?e }} }}")
        for g, ent, f, start, end in rows:
            try:
                out[(g.value, f.value, int(start.value), int(end.value))] = ent.value
            except ValueError:
                continue
    return out


def _used(store, iri: str, skip: set[str]) -> bool:
    """Is the IRI in any graph but these (as subject or object)?"""
    node = ox.NamedNode(iri)
    return any(isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value not in skip
               for pattern in ((None, None, node), (node, None, None))
               for q in store.quads_for_pattern(*pattern, None))


def keep_old_iris(store, base: str, before: dict[MentionKey, str],
                  authority: Authority) -> list[tuple[str, str]]:
    """After re-extraction: `old owl:sameAs new` for entity IRIs that went out of use (see the
    module's conditions); returns the pairs added."""
    graphs = {k[0] for k in before}
    after = mention_targets(store, (ox.NamedNode(g) for g in sorted(graphs)))
    moved: dict[str, set[str]] = defaultdict(set)
    for key, old in before.items():
        new = after.get(key)
        if new is not None and new != old:
            moved[old].add(new)
    iris = Iris(base)
    gid = iris.entity_identity_graph()
    # graphs recomputed from the documents after this (they still name the old IRI now)
    skip = {gid.value, iris.authority_graph().value, iris.summary_graph().value}
    entity_prefixes = tuple(iris.entity_key(kind, "").value for kind in KIND_CLASS)
    current = {(q.subject.value, q.object.value)
               for q in store.quads_for_pattern(None, OWL.sameAs, None, gid)}
    pairs = set(current)
    added = []
    for old, targets in sorted(moved.items()):
        if len(targets) != 1 or not old.startswith(entity_prefixes):
            continue
        if old.rsplit("/", 1)[-1] in authority.entries or _used(store, old, skip):
            continue
        new = next(iter(targets))
        if (old, new) not in pairs:
            pairs.add((old, new))
            added.append((old, new))
    # an old IRI in use again is an entity again, no longer an alias
    in_use = set(after.values())
    pairs = {(a, b) for a, b in pairs if not (a in in_use and _used(store, a, skip))}
    if pairs != current:
        replace_graphs(store, {gid: entity_identity_quads(pairs, iris)})
    return added
