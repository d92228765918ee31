"""The resolve stage: decide who or what each extracted span is (`kg.resolve.entry.
resolve_entry`, with the whole document in view), then apply the curators' decisions
(`kg.resolve.corrections`) on top.

`Found` items carry either spans (`Extracted`), resolved here, or an `Entry` an engine already
resolved where it extracted (worker processes, a Dask cluster), taken as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kg.core.model import Entry
from kg.pipeline.extract import Found
from kg.pipeline.plan import Planned
from kg.resolve.corrections import Corrections, apply_to_entry, authority_lookup
from kg.resolve.resolver import Resolver

__all__ = ["Resolved", "resolve_stage"]


@dataclass(frozen=True)
class Resolved:
    """An entry whose spans are entities, the curators' corrections applied."""

    planned: Planned
    entry: Entry


def resolve_stage(items: Iterable[Found], resolver: Resolver, corrections: Corrections
                  ) -> Iterator[Resolved]:
    # Here, not at the top: kg.resolve.entry stands on the spaCy pipeline, which commands that
    # only read a store (query, export, serve) need not load (a second at every start).
    from kg.resolve.entry import resolve_entry

    lookup = authority_lookup(resolver)
    for item in items:
        result = item.result
        entry = result if isinstance(result, Entry) else resolve_entry(result, resolver)
        entry = apply_to_entry(entry, item.planned.key, corrections, lookup=lookup)
        yield Resolved(item.planned, entry)
