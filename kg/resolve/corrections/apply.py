"""Applying a historian's corrections to an extracted entry, before it is mapped.

`apply_to_entry` is a pure function of the entry and the corrections: merges repoint every
reference, splits re-point one document's mentions, removed mentions take their orphaned
entities with them, fixed roles change (or delete, or add) a post. `authority_lookup` supplies
the authority's entity when a correction points at one the entry does not mention.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from kg.core.model import Entity, Entry, Link, RoleClaim
from kg.resolve.corrections.model import (
    MERGE_METHOD,
    PROMOTE_METHOD,
    SPLIT_METHOD,
    Corrections,
    EntityRef,
    FixRole,
    RemoveMention,
    Split,
    norm_text,
)

if TYPE_CHECKING:
    from kg.resolve.resolver import Resolver

__all__ = ["Lookup", "apply_to_entry", "authority_lookup"]

Lookup = Callable[[EntityRef], "Entity | None"]


def authority_lookup(resolver: Resolver) -> Lookup:
    """Entities of the authority by reference, for merges and splits into authority entities."""

    def lookup(ref: EntityRef) -> Entity | None:
        e = resolver.authority.entries.get(ref.key)
        return resolver.entity(ref.key) if e is not None and e.kind == ref.kind else None

    return lookup


def apply_to_entry(entry: Entry, doc_key: str, corrections: Corrections, *,
                   lookup: Lookup | None = None) -> Entry:
    """A corrected copy of an entry (the input is not changed).

    Merges apply to every entry; splits, removed mentions and fixed roles to the entries their
    document selector names, in file order. Applying the same corrections twice gives the same
    entry as applying them once, so a re-ingest never drifts. `lookup` (see `authority_lookup`)
    supplies the entity a merge or split points at when the entry does not mention it yet.
    """
    out = replace(
        entry,
        authors=list(entry.authors), recipients=list(entry.recipients),
        intermediaries=list(entry.intermediaries), participants=list(entry.participants),
        links=list(entry.links), roles=list(entry.roles), aliases=list(entry.aliases),
        topics=list(entry.topics), curated=list(entry.curated),
        curated_subjects=list(entry.curated_subjects), flags=list(entry.flags),
    )
    if not corrections.items:
        return out
    if corrections.merges:
        _apply_merges(out, corrections, lookup)
    if corrections.promoted:
        _promote(out, corrections)
    for c in corrections.for_document(doc_key, entry.record, entry.date):
        if isinstance(c, RemoveMention):
            _remove_mention(out, c)
        elif isinstance(c, Split):
            _split(out, c, corrections, lookup)
        else:
            _fix_role(out, c, corrections, lookup)
    return out


_ROLE_LISTS = ("authors", "recipients", "intermediaries", "participants")


def _entities(entry: Entry) -> Iterable[Entity]:
    for name in _ROLE_LISTS:
        yield from getattr(entry, name)
    for link in entry.links:
        yield link.entity
    for claim in entry.roles:
        yield from (e for e in (claim.person, claim.organization, claim.place) if e)
    for _, e in entry.aliases:
        yield e
    for _, e in entry.curated:
        yield e


def _entity_for(entry: Entry, ref: EntityRef, lookup: Lookup | None, label: str | None,
                fallback: str | None = None) -> Entity:
    for e in _entities(entry):
        if ref.matches(e):
            return e
    found = lookup(ref) if lookup else None
    if found is not None:
        return found
    # Not in this entry and unknown to the authority: an unresolved name keeps its slug key
    # ("person-tschou-en-lai"); anything else is taken to be an authority key.
    unresolved = ref.key.startswith(f"{ref.kind}-")
    return Entity(key=ref.key, kind=ref.kind, label=label or fallback or ref.key,
                  resolved=not unresolved)


def _swap(entry: Entry, mapping: Mapping[EntityRef, Entity], *, role_lists: bool = True,
          roles: bool = True, aliases: bool = True, curated: bool = True) -> None:
    """Replace entities by reference outside the links, de-duplicating the lists."""

    def sub(e: Entity | None) -> Entity | None:
        return mapping.get(EntityRef.of(e), e) if e is not None else None

    if role_lists:
        for name in _ROLE_LISTS:
            seen: dict[tuple[str, str], Entity] = {}
            for e in getattr(entry, name):
                new = sub(e)
                seen.setdefault((new.kind, new.key), new)
            setattr(entry, name, list(seen.values()))
    if roles:
        entry.roles = _dedupe_roles([replace(c, person=sub(c.person),
                                             organization=sub(c.organization),
                                             place=sub(c.place)) for c in entry.roles])
    if aliases:
        entry.aliases = list(dict.fromkeys((w, sub(e)) for w, e in entry.aliases))
    if curated:
        entry.curated = list(dict.fromkeys((n, sub(e)) for n, e in entry.curated))


def _dedupe_roles(claims: list[RoleClaim]) -> list[RoleClaim]:
    seen: dict[tuple[str, str], RoleClaim] = {}
    for c in claims:
        seen.setdefault((c.person.key, norm_text(c.label)), c)
    return list(seen.values())


def _apply_merges(entry: Entry, corrections: Corrections, lookup: Lookup | None) -> None:
    mapping: dict[EntityRef, Entity] = {}
    for e in list(_entities(entry)):
        ref = EntityRef.of(e)
        hit = corrections.merges.get(ref)
        if hit and ref not in mapping:
            target, merge = hit
            mapping[ref] = _entity_for(entry, target, lookup, merge.label, e.label)
    if not mapping:
        return
    entry.links = [
        Link(replace(lk.mention, kind=mapping[r].kind), mapping[r], lk.score, MERGE_METHOD,
             lk.features)
        if (r := EntityRef.of(lk.entity)) in mapping else lk
        for lk in entry.links
    ]
    _swap(entry, mapping)


def _promote(entry: Entry, corrections: Corrections) -> None:
    """Mentions of a promoted name count as corroborated: their link says a curator decided
    (the mention keeps its method and confidence), so the mapping describes the entity."""
    entry.links = [
        replace(lk, method=PROMOTE_METHOD)
        if lk.method == "unresolved" and EntityRef.of(lk.entity) in corrections.promoted else lk
        for lk in entry.links
    ]


def _text_matches(link: Link, text: str, field_name: str | None) -> bool:
    return norm_text(link.mention.text) == norm_text(text) and (
        field_name is None or link.mention.field == field_name)


def _linked(entry: Entry, *, title_only: bool = False) -> set[EntityRef]:
    return {EntityRef.of(lk.entity) for lk in entry.links
            if not title_only or lk.mention.field == "title"}


def _remove_mention(entry: Entry, c: RemoveMention) -> None:
    before = _linked(entry)
    entry.links = [lk for lk in entry.links if not _text_matches(lk, c.text, c.field)]
    orphans = before - _linked(entry)
    if not orphans:
        return
    # An entity no longer named in the entry is no longer its author, role holder or alias;
    # entities that never had a mention (a role's organisation from a demonym) are kept.
    for name in _ROLE_LISTS:
        setattr(entry, name, [e for e in getattr(entry, name)
                              if EntityRef.of(e) not in orphans])
    kept = []
    for claim in entry.roles:
        if EntityRef.of(claim.person) in orphans:
            continue
        kept.append(replace(
            claim,
            organization=None if claim.organization and EntityRef.of(claim.organization)
            in orphans else claim.organization,
            place=None if claim.place and EntityRef.of(claim.place) in orphans else claim.place))
    entry.roles = kept
    entry.aliases = [(w, e) for w, e in entry.aliases if EntityRef.of(e) not in orphans]


def _split(entry: Entry, c: Split, corrections: Corrections, lookup: Lookup | None) -> None:
    target_ref = corrections.merged(c.entity)
    target = _entity_for(entry, target_ref, lookup, c.label, c.text)
    old: set[EntityRef] = set()
    links = []
    for lk in entry.links:
        if _text_matches(lk, c.text, c.field):
            if not target_ref.matches(lk.entity):
                old.add(EntityRef.of(lk.entity))
            mention = replace(lk.mention, kind=target.kind, implied=False)
            links.append(Link(mention, target, 1.0, SPLIT_METHOD, (("curated", 1.0),)))
        else:
            links.append(lk)
    entry.links = links
    # A pseudonym attestation that rested on this name belonged to the old reading.
    entry.aliases = [(w, e) for w, e in entry.aliases
                     if not (norm_text(w) == norm_text(c.text) and EntityRef.of(e) in old)]
    if not old:
        return
    still, still_in_title = _linked(entry), _linked(entry, title_only=True)
    mapping_title = {r: target for r in old if r not in still_in_title}
    mapping_all = {r: target for r in old if r not in still}
    if mapping_title:
        _swap(entry, mapping_title, roles=False, aliases=False, curated=False)
    if mapping_all:
        _swap(entry, mapping_all, role_lists=False, curated=False)


def _fix_role(entry: Entry, c: FixRole, corrections: Corrections, lookup: Lookup | None
              ) -> None:
    person = corrections.merged(c.person)

    def selected(claim: RoleClaim) -> bool:
        return (person.matches(claim.person)
                and (c.label is None or norm_text(claim.label) == norm_text(c.label))
                and (c.head is None or norm_text(claim.head) == norm_text(c.head)))

    if c.delete:
        entry.roles = [claim for claim in entry.roles if not selected(claim)]
        return
    org = _entity_for(entry, corrections.merged(c.organization), lookup, None) \
        if c.organization else None
    place = _entity_for(entry, corrections.merged(c.place), lookup, None) if c.place else None
    changed = False
    claims = []
    for claim in entry.roles:
        if selected(claim):
            changed = True
            claim = replace(claim, label=c.new_label or claim.label,
                            head=c.new_head or claim.head,
                            organization=org or claim.organization, place=place or claim.place,
                            method="curated", confidence=1.0)
        claims.append(claim)
    if not changed and c.new_label and c.new_head and not any(
            person.matches(cl.person) and norm_text(cl.label) == norm_text(c.new_label)
            for cl in claims):
        # The document attests a post the extractor missed: the curator adds it.
        holder = _entity_for(entry, person, lookup, None)
        claims.append(RoleClaim(person=holder, label=c.new_label, head=c.new_head,
                                organization=org, place=place, text="", method="curated",
                                confidence=1.0))
    entry.roles = _dedupe_roles(claims)
