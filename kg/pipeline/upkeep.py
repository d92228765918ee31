"""The store-wide graphs and removals after the document graphs changed, on any `GraphStore`.

Identity (content keys of documents that got a record id), the authority graph (what the
graphs refer to), the corrections graph, the summary graph, graphs that went from their page,
curated graphs left without their source graph, and the continuity of entity IRIs. Local and
remote sinks finish with `finish_store`; a removal and `kg load` call the parts they need.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.core.authority import Authority
from kg.pipeline.sink import Outcome
from kg.pipeline.target import Graphs, GraphStore
from kg.rdf.mapping import Iris, authority_quads, unresolved_quads
from kg.rdf.namespace import KG, OWL, SKOS
from kg.rdf.summary import summary_quads
from kg.resolve.corrections import Corrections
from kg.store import continuity, replace_graphs
from kg.store.corrections import store_corrections

__all__ = ["write_graphs", "write_corrections", "write_identity", "refresh_authority", "refresh_summary",
           "orphan_curated", "has_graph", "set_source_path", "finish_store"]


def write_graphs(store: GraphStore, graphs: Graphs, *, bulk: bool = False) -> None:
    """Every graph write of an ingest goes through here (see `kg.store.replace_graphs`)."""
    replace_graphs(store, graphs, bulk=bulk)


def write_corrections(store: GraphStore, corrections: Corrections, iris: Iris) -> None:
    """The corrections graph, and the curators' link decisions applied to the authority and
    links graphs (`kg.store.corrections.store_corrections`), after anything that rewrote them."""
    store_corrections(store, corrections, iris)


def write_identity(store: GraphStore, iris: Iris, identity: dict[str, str]) -> None:
    if not identity:
        return
    g = iris.identity_graph()
    quads = [ox.Quad(iris.document(a), OWL.sameAs, iris.document(b), g)
             for a, b in sorted(identity.items())]
    write_graphs(store, {g: quads})


def refresh_authority(store: GraphStore, iris: Iris, authority: Authority,
                      new_keys: set[tuple[str, str]] | None = None) -> None:
    """Describe the entities the graph refers to, in the authority graph: authority entries
    from the authority files, unresolved names with one label from their spellings.

    With `new_keys`, the entities already described plus the new ones (cheap, for ingest);
    without, every entity any graph refers to (a full scan, after removals)."""
    g = iris.authority_graph()
    used: set[tuple[str, str]] = set()
    kinds = ("person", "place", "organization")
    if new_keys is not None:
        used |= new_keys
        for q in store.quads_for_pattern(None, KG.resolved, None, g):
            kind, _, key = (iris.prefix_of(q.subject) or "").partition("/")
            if kind in kinds and key:
                used.add((kind, key))
    else:
        for kind in kinds:
            prefix = f"{iris.base}{kind}/"
            rows = store.query(
                f"SELECT DISTINCT ?e WHERE {{ GRAPH ?g {{ ?s ?p ?e }} FILTER(?g != {g} && "
                f"isIRI(?e) && STRSTARTS(STR(?e), \"{prefix}\")) }}")
            for row in rows:
                used.add((kind, row[0].value[len(prefix):]))
    quads = authority_quads(authority, {k for k in used if k[1] in authority.entries}, iris)
    for kind, key in sorted(k for k in used if k[1] not in authority.entries):
        node = iris.entity_key(kind, key)
        spellings = {q.object.value for q in store.quads_for_pattern(node, SKOS.altLabel,
                                                                     None, None)
                     if q.graph_name != g}
        if spellings:
            quads += unresolved_quads(kind, key, list(spellings), iris)
    write_graphs(store, {g: quads})


def refresh_summary(store: GraphStore, iris: Iris, *, bulk: bool = False) -> None:
    """Recompute the summary graph (aggregates and month calendar) from the store."""
    write_graphs(store, {iris.summary_graph(): summary_quads(store, iris)}, bulk=bulk)


def has_graph(store: GraphStore, doc: ox.NamedNode) -> bool:
    """Does any graph still describe this document?"""
    return next(iter(store.quads_for_pattern(None, KG.aboutDocument, doc, None)), None) \
        is not None


def orphan_curated(store: GraphStore, iris: Iris) -> list[ox.NamedNode]:
    """Curated graphs whose (document, source) graph is gone: the curated lists came with
    that source's record, and go with it."""
    out = []
    for q in store.quads_for_pattern(None, KG.sourceKind, ox.Literal("curated"), None):
        if q.subject != q.graph_name or not q.graph_name.value.endswith("/curated"):
            continue  # the corrections graph is curated too, but no document's
        src = next(iter(store.quads_for_pattern(q.subject, KG.source, None, q.graph_name)),
                   None)
        doc_key = q.graph_name.value.rsplit("/", 2)[-2]
        skey = src.object.value.rsplit("/", 1)[-1] if src is not None else ""
        if not skey or not store.contains_named_graph(iris.graph(doc_key, skey)):
            out.append(q.graph_name)
    return out


def set_source_path(store: GraphStore, graph: str, path: str) -> None:
    """Same content, read from another file now: only the graph's path changes."""
    g = f"<{graph}>"
    store.update(f"DELETE WHERE {{ GRAPH {g} {{ {g} {KG.sourcePath} ?p }} }} ;\n"
                 f"INSERT DATA {{ GRAPH {g} {{ {g} {KG.sourcePath} "
                 f"{ox.Literal(path)} }} }}")


def finish_store(store: GraphStore, iris: Iris, outcome: Outcome, *, full_authority: bool,
                 summary_always: bool, bulk: bool) -> int:
    """Removals and store-wide graphs after a run's writes; returns the documents removed.

    `full_authority` rescans every entity the store refers to instead of adding the run's
    (a target written without one transaction: a run interrupted before this point left the
    authority graph stale, and the next run, finding everything unchanged, mends it);
    `summary_always` recomputes the summary even when nothing changed, for the same reason."""
    plan = outcome.plan
    for old in plan.rekeyed:
        store.remove_graph(old)
    # entries no longer on a page read whole in this run: their graphs mirror the page
    stale = [ox.NamedNode(g) for g, p in plan.stored.paths.items()
             if outcome.read_paths and p in outcome.read_paths and g not in plan.covered
             and not g.endswith("/curated")]
    for g in stale:
        store.remove_graph(g)
    # a curated graph is orphaned only when a source graph went: no scan otherwise
    orphans = orphan_curated(store, iris) if stale or plan.rekeyed else []
    gone = set(stale) | set(orphans)
    for g in gone - set(stale):
        store.remove_graph(g)
    removed = sum(1 for key in {g.value.rsplit("/", 2)[-2] for g in gone}
                  if not has_graph(store, iris.document(key)))
    write_identity(store, iris, plan.identity)
    continuity.keep_old_iris(store, iris.base, outcome.before, outcome.authority)
    refresh_authority(store, iris, outcome.authority,
                      None if full_authority else outcome.entity_keys)
    write_corrections(store, outcome.corrections, iris)
    if plan.todo or plan.rekeyed or gone or summary_always or not store.contains_named_graph(
            iris.summary_graph()):
        refresh_summary(store, iris, bulk=bulk)
    return removed
