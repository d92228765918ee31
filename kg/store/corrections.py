"""A store's corrections: which file holds its curators' decisions, and their graph in it.

A store says where its curators' decisions are, whatever folder a command runs in: its own
``corrections.jsonl``, or the file its config names (given once with ``--corrections``);
``KG_CORRECTIONS`` overrides both. `store_corrections` writes the curated graph and applies
the link decisions to the authority and online links graphs, inside a writer's transaction.

A curator's decision is never lost: the file is only ever appended to (or, carrying over an
old file, replaced atomically by a copy holding every old line), and the store is written from
the file, so a store write that fails leaves the decision in the file for the next ingest.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from kg.rdf.corrections import correction_quads, prune_overridden_links
from kg.rdf.mapping import Iris
from kg.resolve.corrections import DEFAULT_CORRECTIONS, ENV_CORRECTIONS, Corrections, load_corrections
from kg.resolve.corrections import default_corrections_path as _corrections_file
from kg.store import StoreConfig, replace_graphs

__all__ = ["carry_over_corrections", "default_corrections_path", "remember_corrections_path",
           "store_corrections"]


def default_corrections_path(store: str | Path | None = None) -> Path:
    """Where a store's curators' decisions are: ``$KG_CORRECTIONS`` if set; else the file the
    store's config names (given once with --corrections); else ``corrections.jsonl`` inside
    the store folder. Never the current folder: a decision must not depend on where a command
    runs. Without a store (tools that have none), ``corrections.jsonl`` here."""
    if store is None:
        return _corrections_file()
    config = StoreConfig.read(Path(store))
    return _corrections_file(folder=store, configured=config.corrections if config else None)


def remember_corrections_path(store: str | Path, path: str | Path) -> None:
    """Record in the store's config that its corrections live in `path` (given explicitly),
    so later commands find them without being told."""
    store = Path(store)
    config = StoreConfig.read(store)
    target = str(Path(path).resolve())
    own = (store / DEFAULT_CORRECTIONS).resolve()
    if config is None or Path(target) == own and not config.corrections:
        return  # a new store records it on its first write; the store's own file needs no note
    if config.corrections != target:
        StoreConfig(base=config.base,
                    corrections=None if Path(target) == own else target).write(store)


def carry_over_corrections(store: str | Path, cwd: Path | None = None) -> str | None:
    """Move decisions from a ``corrections.jsonl`` in the current folder (where earlier
    versions kept them) into the store's corrections file: lines the store's file lacks are
    appended, the old file is left as it was. Returns a note saying so, or None."""
    if os.environ.get(ENV_CORRECTIONS):
        return None
    legacy = (cwd or Path.cwd()) / DEFAULT_CORRECTIONS
    target = default_corrections_path(store)
    if not legacy.is_file() or legacy.resolve() == target.resolve():
        return None
    load_corrections(legacy)  # a bad line stops here, named by file and line
    have = set(target.read_text(encoding="utf-8").splitlines()) if target.exists() else set()
    new = [ln for ln in legacy.read_text(encoding="utf-8").splitlines()
           if ln.strip() and ln not in have]
    if not new:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    # the store's file is replaced whole, so the copy is on disk before it takes its place
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text + "\n".join(new) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return (f"carried {len(new)} curator decision(s) over from {legacy} to {target}, where "
            f"this store's decisions are kept")


def store_corrections(store: ox.Store, corrections: Corrections, iris: Iris) -> None:
    """Write the corrections graph and apply the curators' link decisions to the other graphs.

    Call it in a writer block, after anything that rewrites the authority graph (an ingest, a
    rebuild, a removal): it replaces ``{base}graph/corrections`` (no graph at all without
    corrections) and drops owl:sameAs links a curator rejected or overrode from the authority
    and online links graphs.
    """
    g = iris.corrections_graph()
    if corrections.items:
        replace_graphs(store, {g: correction_quads(corrections, iris)})
    elif store.contains_named_graph(g):  # the file was emptied: its statements go too
        store.remove_graph(g)
    for g in (iris.authority_graph(), iris.online_links_graph()):
        quads = list(store.quads_for_pattern(None, None, None, g))
        pruned = prune_overridden_links(quads, corrections, iris)
        if pruned != quads:
            replace_graphs(store, {g: pruned})
