"""What ``kg link`` does, as one call returning a typed `LinkOutcome` (the CLI formats it).

In order: record ``--accept``/``--reject`` decisions in the store's corrections file and apply
them to the store at once; online, look the unlinked entities up; then report the state of the
links and, when asked, the review list. The decisions are written to the file before the store
is touched, so a store write that fails leaves them recorded for the next ingest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.api import KnowledgeGraph
from kg.link.online import (
    DEFAULT_THRESHOLD,
    LinkError,
    LinkReport,
    link_store,
    make_client,
    online_from_env,
)
from kg.link.review import ReviewItem, review
from kg.rdf.mapping import Iris
from kg.resolve.corrections import (
    KINDS,
    AcceptLink,
    Corrections,
    CorrectionsError,
    EntityRef,
    Origin,
    RejectLink,
    append_corrections,
    load_corrections,
    parse_correction,
)
from kg.resolve.wikidata import DEFAULT_API_URL
from kg.store import StoreError, writer
from kg.store.corrections import (
    carry_over_corrections,
    default_corrections_path,
    remember_corrections_path,
    store_corrections,
)

__all__ = ["LinkOutcome", "apply_corrections", "run_link_command"]


@dataclass(frozen=True)
class LinkOutcome:
    """Everything one ``kg link`` run did and found, for the CLI (or a caller) to present."""

    report: LinkReport
    added: tuple[AcceptLink | RejectLink, ...]  # decisions recorded by this run
    corrections_file: Path  # where they were recorded
    review: tuple[ReviewItem, ...] | None = None  # None when no review was asked for
    carried: str | None = None  # a note when old decisions were carried over to the store's file


def apply_corrections(kg: KnowledgeGraph, corrections: Corrections) -> None:
    """`store_corrections` in its own write transaction."""
    with writer(kg.path) as w:
        store_corrections(w.store, corrections, kg.iris)


def run_link_command(store: str | Path, *, online: bool = False, review: bool = False,
                     accept: Iterable[str] = (), reject: Iterable[str] = (),
                     corrections_path: str | Path | None = None,
                     cache_dir: str | Path | None = None, api_url: str = DEFAULT_API_URL,
                     limit: int = 50, threshold: float = DEFAULT_THRESHOLD,
                     request_interval: float | None = None, user_agent: str | None = None,
                     progress: Callable[[int, int], None] | None = None) -> LinkOutcome:
    """What ``kg link`` does. Raises `LinkError` or `StoreError`.

    ``--accept``/``--reject`` take ``KEY=QID``; KEY is ``kind/key`` or a bare key the store
    knows. Online when asked (`online`) or when ``KG_WIKIDATA_ONLINE=1``. `request_interval`
    and `user_agent`: see `kg.link.online.make_client`.
    """
    online = online or online_from_env()
    kg = KnowledgeGraph(store)
    reader = kg.reader()
    if next(reader.quads_for_pattern(None, None, None, None), None) is None:
        raise LinkError(f"{store}: the store is empty; run `kg ingest` first")
    carried = None
    if corrections_path:
        path = Path(corrections_path)
        remember_corrections_path(kg.path, path)
    else:
        path = default_corrections_path(kg.path)
    try:
        carried = None if corrections_path else carry_over_corrections(kg.path)
        corrections = load_corrections(path, missing_ok=True)
        added = ([_decision(text, "accept", reader, kg.iris, path) for text in accept]
                 + [_decision(text, "reject", reader, kg.iris, path) for text in reject])
        if added:
            append_corrections(path, added)
            corrections = load_corrections(path)
    except CorrectionsError as exc:
        raise LinkError(str(exc)) from None
    del reader
    if added:
        try:
            apply_corrections(kg, corrections)
        except StoreError as exc:  # the file has the decisions: say so, and how they get in
            raise LinkError(f"{exc}; the decision(s) are recorded in {path} and reach the store "
                            f"with the next `kg ingest`, `kg rebuild` or `kg link --accept/"
                            f"--reject`") from None
    client = None
    if online:
        client = make_client(cache_dir or kg.path / "wikidata-cache", api_url=api_url,
                             request_interval=request_interval, user_agent=user_agent)
    report = link_store(kg, online=online, client=client, threshold=threshold,
                        corrections=corrections, progress=progress)
    items = tuple(_review(kg, limit)) if review else None
    return LinkOutcome(report, tuple(added), path, items, carried)


_review = review  # `run_link_command` has a parameter named review


def _decision(text: str, op: str, reader: ox.Store, iris: Iris, path: Path
              ) -> AcceptLink | RejectLink:
    key, sep, qid = text.partition("=")
    if not sep or not key.strip() or not qid.strip():
        raise LinkError(f"--{op} {text!r}: expected KEY=QID, e.g. --{op} person/andrei-gromyko="
                        f"Q123")
    ref = _entity_ref(key.strip(), reader, iris, op)
    try:
        parsed = parse_correction({"op": op, "entity": str(ref), "wikidata": qid.strip(),
                                   "note": f"kg link --{op}"}, Origin(str(path), 0))
    except ValueError as exc:
        raise LinkError(f"--{op} {text!r}: {exc}") from None
    return parsed  # type: ignore[return-value]  (op is accept or reject)


def _entity_ref(text: str, reader: ox.Store, iris: Iris, op: str) -> EntityRef:
    """``kind/key`` as given, or the one kind under which the store knows a bare key."""
    try:
        candidates = ([EntityRef.parse(text)] if "/" in text
                      else [EntityRef.parse(f"{k}/{text}") for k in KINDS])
    except ValueError as exc:
        raise LinkError(f"--{op}: {exc}") from None
    known = [r for r in candidates
             if next(reader.quads_for_pattern(iris.entity_key(r.kind, r.key), None, None, None),
                     None) is not None]
    if not known:
        raise LinkError(f"--{op}: no entity {text!r} in the store (write kind/key, e.g. "
                        f"person/andrei-gromyko; `kg link --review` lists keys)")
    if len(known) > 1:
        raise LinkError(f"--{op}: {text!r} is ambiguous ({', '.join(map(str, known))}); "
                        f"write kind/key")
    return known[0]
