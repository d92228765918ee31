"""The resolve stage: decide who or what each extracted span is, then apply the curators'
decisions (`kg.resolve.corrections`) on top.

Today the extractor resolves as it extracts, so the first half is already done when an
`Extracted` arrives and this stage only applies the corrections. When resolution becomes a
stage of its own (`kg.resolve`), its call goes where `resolve_stage` says, between extraction
and the corrections: `Extracted` (spans as the text states them) in, `Resolved` out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kg.core.model import Entry
from kg.pipeline.extract import Extracted
from kg.pipeline.plan import Planned
from kg.resolve.corrections import Corrections, apply_to_entry, authority_lookup
from kg.resolve.resolver import Resolver

__all__ = ["Resolved", "resolve_stage"]


@dataclass(frozen=True)
class Resolved:
    """An entry whose spans are entities, the curators' corrections applied."""

    planned: Planned
    entry: Entry


def resolve_stage(items: Iterable[Extracted], resolver: Resolver, corrections: Corrections
                  ) -> Iterator[Resolved]:
    lookup = authority_lookup(resolver)
    for item in items:
        entry = item.entry
        # (a separate resolution stage is called here: entry = resolve(entry, resolver, ...))
        entry = apply_to_entry(entry, item.planned.key, corrections, lookup=lookup)
        yield Resolved(item.planned, entry)
