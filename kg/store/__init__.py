"""The store on disk: pyoxigraph, in immutable generations behind an atomic "current" pointer.

Layout of a store folder::

    kg-store/
      config.json      base IRI and other settings the store was built with
      CURRENT          name of the published generation, replaced atomically
      gen-000003/      a pyoxigraph store; never opened for writing once published
        kg-derived/    search index, facets, entity summaries of this generation (derived.py)
      write.lock       held by the one writer

Readers open the published generation read-only; since nobody ever writes a published
generation, that is safe (pyoxigraph leaves a reader beside a writer undefined). A writer
copies the current generation (hard links for RocksDB's immutable table files), writes the
copy, flushes it and only then switches CURRENT. A writer killed at any point leaves CURRENT on
the old generation: the store opens, holds no partial document, and the next writer removes
the abandoned copy.

`config.json` records the store format (`STORE_FORMAT`: this folder layout and the shape of
the graphs in it) and the archive-kg version that last wrote the store. A store written before
formats were recorded (archive-kg 0.1.0) is format 1 and opens as it is. A store in a newer
format than this version knows is refused, saying to upgrade archive-kg; one in a format this
version no longer reads is refused, saying how to carry its records over.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.core.version import VERSION
from kg.store import derived

DEFAULT_STORE = "kg-store"
_CURRENT = "CURRENT"
_CONFIG = "config.json"
# RocksDB never modifies these files after writing them, so a new generation can share them.
_IMMUTABLE_SUFFIXES = (".sst", ".blob")
# Bump STORE_FORMAT when a store made before cannot be used as it is. Formats from
# OLDEST_FORMAT on still open (a write, `kg rebuild` above all, brings them to STORE_FORMAT);
# raise OLDEST_FORMAT only when reading an older store is no longer possible.
STORE_FORMAT = 1
OLDEST_FORMAT = 1
# what a config.json without "format" is: written by archive-kg 0.1.0
_UNRECORDED_FORMAT = 1


class StoreError(Exception):
    """The store cannot be used as asked; the message says why."""


@dataclass(frozen=True)
class StoreConfig:
    base: str
    # the curators' corrections file, when it is not the store's own corrections.jsonl: the
    # store says where its curators' decisions are, whatever folder a command runs in
    corrections: str | None = None
    # the store format and the archive-kg that last wrote config.json (None: not recorded)
    format: int = STORE_FORMAT
    written_by: str | None = None

    @staticmethod
    def read(path: Path) -> StoreConfig | None:
        f = Path(path) / _CONFIG
        if not f.exists():
            return None
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
            fmt = data.get("format", _UNRECORDED_FORMAT)
            if not isinstance(fmt, int) or not isinstance(data["base"], str):
                raise ValueError("format must be a number and base a string")
            config = StoreConfig(base=data["base"], corrections=data.get("corrections"),
                                 format=fmt, written_by=data.get("written_by"))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreError(f"{f}: not a readable store configuration ({exc})") from None
        return config

    def write(self, path: Path) -> None:
        # written only by a writer of this version, so the store is in this version's format
        data: dict[str, str | int] = {"base": self.base}
        if self.corrections:
            data["corrections"] = self.corrections
        data["format"] = STORE_FORMAT
        data["written_by"] = f"archive-kg {VERSION}"
        _atomic_write(Path(path) / _CONFIG, json.dumps(data, indent=2) + "\n")

    def check(self, path: Path) -> None:
        """StoreError, saying what to do, when this version cannot use the store."""
        made = f" by {self.written_by}" if self.written_by else ""
        this = f"archive-kg {VERSION} (store format {STORE_FORMAT})"
        if self.format > STORE_FORMAT:
            raise StoreError(
                f"{path}: made{made} in store format {self.format}, newer than {this} "
                f"reads; upgrade archive-kg (pip install --upgrade archive-kg)")
        if self.format < OLDEST_FORMAT:
            raise StoreError(
                f"{path}: made{made} in store format {self.format}, which {this} no longer "
                f"reads; run `kg rebuild --store {path}` with the archive-kg that made it "
                f"(or a version that reads format {self.format}), or ingest the sources into "
                f"a new store; the corrections file is kept as it is")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def current_generation(path: Path) -> Path | None:
    f = Path(path) / _CURRENT
    if not f.exists():
        return None
    name = f.read_text(encoding="utf-8").strip()
    gen = Path(path) / name
    return gen if name and gen.is_dir() else None


def open_reader(path: str | Path) -> ox.Store:
    """The published generation, read-only; an empty in-memory store when nothing is published."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path}: not a store folder")
    gen = current_generation(path)
    if gen is None:
        if path.exists() and any(path.iterdir()) and not (path / _CONFIG).exists():
            raise StoreError(f"{path}: not a kg store (no {_CONFIG}); pass another --store")
        return ox.Store()
    _check_format(path)
    return ox.Store.read_only(str(gen))


def _stamp(path: Path) -> None:
    """Record in config.json that this version (and format) wrote the store last."""
    config = StoreConfig.read(path)
    if config is not None and (config.format != STORE_FORMAT
                               or config.written_by != f"archive-kg {VERSION}"):
        config.write(path)


def _check_format(path: Path) -> None:
    config = StoreConfig.read(path)
    if config is not None:
        config.check(path)


class Writer:
    """Holds the writable store for the duration of a `writer` block only, so no reference to
    it outlives the block (RocksDB must be closed before the generation is published)."""

    def __init__(self, store: ox.Store):
        self.store: ox.Store | None = store


@contextlib.contextmanager
def writer(path: str | Path) -> Iterator[Writer]:
    """A writable copy of the current generation, published only if the block succeeds."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    lock_fh = open(path / "write.lock", "w")
    try:
        try:
            fcntl.flock(lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"{path}: another process is writing this store") from None
        current = current_generation(path)
        if current is not None:
            _check_format(path)
        _remove_abandoned(path, current)
        number = int(current.name.split("-")[1]) + 1 if current else 1
        new = path / f"gen-{number:06d}"
        handle = Writer(None)
        try:
            if current is not None:
                _copy_generation(current, new)
            handle.store = ox.Store(str(new))
            yield handle
            handle.store.flush()
            # what pages need across the whole store, built before publication: a generation
            # is current only with its derived data complete (kg.store.derived)
            derived.build(handle.store, new)
            handle.store = None
            gc.collect()
            _atomic_write(path / _CURRENT, new.name + "\n")
        except BaseException as exc:
            # the new generation was never published: readers keep the old one, unchanged
            handle.store = None
            gc.collect()
            shutil.rmtree(new, ignore_errors=True)
            if isinstance(exc, OSError):
                raise StoreError(_write_failure(path, exc, current)) from exc
            raise
        # after publication: a failure here must not take the published generation away
        _stamp(path)
        _remove_abandoned(path, new, keep_previous=current)
    finally:
        fcntl.flock(lock_fh, fcntl.LOCK_UN)
        lock_fh.close()


def _write_failure(path: Path, exc: OSError, current: Path | None) -> str:
    cause = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        cause = f"no space left on the disk that holds {path}"
    kept = (f"the store is as it was (generation {current.name} still published)"
            if current else "nothing was published")
    return f"{path}: writing the store failed: {cause}; {kept}"


def _copy_generation(src: Path, dst: Path) -> None:
    dst.mkdir()
    for f in src.iterdir():
        if f.name in (derived.DERIVED_DIR, derived.DERIVED_DIR + ".partial"):
            continue  # rebuilt for every generation
        if f.is_dir():
            shutil.copytree(f, dst / f.name)
        elif f.name == "LOCK":
            continue
        elif f.suffix in _IMMUTABLE_SUFFIXES:
            try:
                os.link(f, dst / f.name)
            except OSError:
                shutil.copy2(f, dst / f.name)
        else:
            shutil.copy2(f, dst / f.name)


def _remove_abandoned(path: Path, keep: Path | None, keep_previous: Path | None = None) -> None:
    """Generations that are neither published nor the one just replaced (readers may still have
    the previous one open; it goes at the next write)."""
    for g in path.glob("gen-*"):
        if g.is_dir() and g != keep and g != keep_previous:
            shutil.rmtree(g, ignore_errors=True)


def replace_graphs(store: ox.Store, graphs: dict[ox.NamedNode, list[ox.Quad]], *,
                   bulk: bool = False) -> None:
    """Replace whole named graphs in one transaction: readers see all of them or none.

    With `bulk`, the old graphs are dropped and the new ones written with `bulk_extend` (table
    files written directly, far faster, but no transaction): only for a generation nobody reads
    yet, whose publication is what makes the write atomic. A store object with its own
    `replace_graphs` (a remote SPARQL store) does it its way."""
    if not graphs:
        return
    own = getattr(store, "replace_graphs", None)
    if own is not None:
        own(graphs)
        return
    existing = [g for g in graphs if store.contains_named_graph(g)]
    if bulk or not existing:
        # a private generation needs no transaction: its publication is the atomic step
        for g in existing:
            store.remove_graph(g)
        quads = [q for quads in graphs.values() for q in quads]
        if bulk:
            store.bulk_extend(quads)
        else:
            store.extend(quads)
        return
    parts = [f"DROP SILENT GRAPH {g} ;" for g in existing]
    for g, quads in graphs.items():
        body = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
        parts.append(f"INSERT DATA {{ GRAPH {g} {{ {body} }} }} ;")
    store.update("\n".join(parts).rstrip(" ;"))
