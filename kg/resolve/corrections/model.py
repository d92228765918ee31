"""A historian's corrections as typed records: what each kind of decision says.

The machine proposes, the historian decides. Each decision is one of the records below
(`AcceptLink`, `RejectLink`, `RemoveMention`, `FixRole`, `Merge`, `Split`, `Promote`), and
`Corrections` holds one file's decisions in file order with the views the pipeline needs (the
accepted and rejected Wikidata ids, where merges lead, which decisions touch a document).

Where they come from and go to lives beside this module, one job each: `.file` reads and
writes the corrections file (its format is ``ontology/corrections.schema.json``); `.apply`
applies them to entries before mapping; `kg.rdf.corrections` turns them into the curated
named graph; `kg.store.corrections` writes that graph and finds a store's corrections file.

A name only the statistical model found in a full text, that nothing corroborates, is kept as
a candidate mention without an entity (see `kg.rdf.candidates`); ``promote`` makes it an
entity, in every document that names it so.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePath
from typing import Any, Union

from kg.core.model import DateValue, Entity, EntityKind, Record
from kg.core.text import slug

__all__ = [
    "DEFAULT_CORRECTIONS",
    "ENV_CORRECTIONS",
    "FIELDS",
    "KINDS",
    "MERGE_METHOD",
    "PROMOTE_METHOD",
    "SPLIT_METHOD",
    "AcceptLink",
    "Correction",
    "Corrections",
    "CorrectionsError",
    "DocSelector",
    "EntityRef",
    "FixRole",
    "Merge",
    "Origin",
    "Promote",
    "RejectLink",
    "RemoveMention",
    "Split",
    "norm_text",
    "to_json",
]

DEFAULT_CORRECTIONS = "corrections.jsonl"
# Overrides the default file for `kg ingest`, `kg rebuild` and `kg link`.
ENV_CORRECTIONS = "KG_CORRECTIONS"
KINDS: tuple[EntityKind, ...] = ("person", "place", "organization")
FIELDS = ("title", "summary", "full_text")
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Link methods of mentions a correction re-pointed: the mention node says a curator did it.
SPLIT_METHOD = "curated"
MERGE_METHOD = "curated-merge"
PROMOTE_METHOD = "curated-promote"


class CorrectionsError(ValueError):
    """A corrections file or line that cannot be used; the message names file and line."""


@dataclass(frozen=True)
class Origin:
    """Where a correction was written: file name and 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{PurePath(self.path).name} line {self.line}"


@dataclass(frozen=True, order=True)
class EntityRef:
    """An entity named the way its IRI ends: ``person/joseph-stalin``."""

    kind: EntityKind
    key: str

    @staticmethod
    def parse(text: str) -> EntityRef:
        """``kind/key`` or an entity IRI ending in it; ValueError saying what is wrong."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError("an entity is written kind/key, e.g. person/joseph-stalin")
        parts = text.strip().rstrip("/").split("/")
        if len(parts) < 2 or parts[-2] not in KINDS:
            raise ValueError(f"{text!r} is not kind/key with kind person, place or "
                             f"organization (e.g. person/joseph-stalin)")
        kind, key = parts[-2], parts[-1]
        if not _KEY.match(key):
            raise ValueError(f"{text!r}: the key must be a lowercase slug (a-z, 0-9, -)")
        return EntityRef(kind, key)  # type: ignore[arg-type]

    @staticmethod
    def of(entity: Entity) -> EntityRef:
        return EntityRef(entity.kind, entity.key)

    def matches(self, entity: Entity | None) -> bool:
        return entity is not None and entity.kind == self.kind and entity.key == self.key

    def __str__(self) -> str:
        return f"{self.kind}/{self.key}"


def norm_text(text: str) -> str:
    """Text compared the way curators write it: case and runs of white space do not count."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class DocSelector:
    """One document: by key, or by title and date (as written or ISO)."""

    document: str | None = None
    title: str | None = None
    date: str | None = None

    def matches(self, doc_key: str, record: Record, date: DateValue | None = None) -> bool:
        if self.document is not None:
            return self.document == doc_key
        if norm_text(self.title or "") != norm_text(record.title):
            return False
        wanted = norm_text(self.date or "")
        dates = {norm_text(record.date_text)}
        if date is not None:
            dates |= {norm_text(v) for v in (date.value, date.edtf, date.text) if v}
        return wanted in dates

    def may_match(self, doc_key: str, record: Record) -> bool:
        """`matches` without the parsed date: a superset, for deciding what to re-map."""
        if self.document is not None:
            return self.document == doc_key
        return norm_text(self.title or "") == norm_text(record.title)

    def __str__(self) -> str:
        return self.document or f"{self.title!r} ({self.date})"


@dataclass(frozen=True)
class AcceptLink:
    """The entity is this Wikidata item (owl:sameAs), whatever the linkers said."""

    entity: EntityRef
    wikidata: str
    origin: Origin
    note: str = ""


@dataclass(frozen=True)
class RejectLink:
    """The entity is not this Wikidata item: never link them."""

    entity: EntityRef
    wikidata: str
    origin: Origin
    note: str = ""


@dataclass(frozen=True)
class RemoveMention:
    """A span of a document that names nobody (or not this kind of thing): drop it."""

    doc: DocSelector
    text: str
    origin: Origin
    field: str | None = None
    note: str = ""


@dataclass(frozen=True)
class FixRole:
    """Change (or delete) the post a document attests for a person."""

    doc: DocSelector
    person: EntityRef
    origin: Origin
    label: str | None = None  # the current label to fix (any when None)
    head: str | None = None  # the current head word to fix (any when None)
    new_label: str | None = None
    new_head: str | None = None
    organization: EntityRef | None = None
    place: EntityRef | None = None
    delete: bool = False
    note: str = ""


@dataclass(frozen=True)
class Merge:
    """Two entities are one: every reference to `entity` becomes `into`, in every document."""

    entity: EntityRef
    into: EntityRef
    origin: Origin
    label: str | None = None  # label of `into` when it is an unresolved name
    note: str = ""


@dataclass(frozen=True)
class Split:
    """In one document, a name refers to another entity than the resolver chose."""

    doc: DocSelector
    text: str
    entity: EntityRef
    origin: Origin
    field: str | None = None
    label: str | None = None  # label of `entity` when it is an unresolved name
    note: str = ""


@dataclass(frozen=True)
class Promote:
    """An unresolved name the statistical model alone found in full texts is an entity."""

    entity: EntityRef
    origin: Origin
    note: str = ""


Correction = Union[AcceptLink, RejectLink, RemoveMention, FixRole, Merge, Split,  # noqa: UP007
                   Promote]
_DOC_OPS = (RemoveMention, FixRole, Split)


@dataclass(frozen=True)
class Corrections:
    """The corrections of one file, in file order, with the views the pipeline needs."""

    items: tuple[Correction, ...] = ()
    path: str = DEFAULT_CORRECTIONS

    def __len__(self) -> int:
        return len(self.items)

    @cached_property
    def accepted(self) -> dict[EntityRef, AcceptLink]:
        """The one accepted Wikidata id per entity (the last line about it wins)."""
        return self._links()[0]

    @cached_property
    def rejected(self) -> dict[EntityRef, dict[str, RejectLink]]:
        """Wikidata ids that must not be linked, per entity."""
        return self._links()[1]

    def _links(self) -> tuple[dict[EntityRef, AcceptLink], dict[EntityRef, dict[str, RejectLink]]]:
        accepted: dict[EntityRef, AcceptLink] = {}
        rejected: dict[EntityRef, dict[str, RejectLink]] = {}
        for c in self.items:
            if isinstance(c, AcceptLink):
                accepted[c.entity] = c
                rejected.get(c.entity, {}).pop(c.wikidata, None)
            elif isinstance(c, RejectLink):
                rejected.setdefault(c.entity, {})[c.wikidata] = c
                if c.entity in accepted and accepted[c.entity].wikidata == c.wikidata:
                    del accepted[c.entity]
        return accepted, {k: v for k, v in rejected.items() if v}

    @cached_property
    def merges(self) -> dict[EntityRef, tuple[EntityRef, Merge]]:
        """Each merged entity -> the entity it finally became (chains followed)."""
        direct = {m.entity: m for m in self.items if isinstance(m, Merge)}
        out: dict[EntityRef, tuple[EntityRef, Merge]] = {}
        for start, merge in direct.items():
            target, seen = merge.into, {start}
            while target in direct:
                if target in seen:  # load_corrections refuses cycles; stay safe anyway
                    break
                seen.add(target)
                target = direct[target].into
            out[start] = (target, merge)
        return out

    @cached_property
    def promoted(self) -> dict[EntityRef, Promote]:
        """The promoted names, by the entity they became (after the merges)."""
        return {self.merged(c.entity): c for c in self.items if isinstance(c, Promote)}

    def merged(self, ref: EntityRef) -> EntityRef:
        """Where a reference ends up after the merges."""
        hit = self.merges.get(ref)
        return hit[0] if hit else ref

    def for_document(self, doc_key: str, record: Record, date: DateValue | None = None
                     ) -> list[RemoveMention | FixRole | Split]:
        """The document-specific corrections that apply to one document, in file order."""
        return [c for c in self.items
                if isinstance(c, _DOC_OPS) and c.doc.matches(doc_key, record, date)]

    def fingerprint_for(self, doc_key: str, record: Record) -> str:
        """A hash of every correction that may change this document's graph ("" if none).

        Add it to the content hash, so that an unchanged entry is re-mapped when (and only
        when) a correction that can touch it was added, edited or removed. Merges touch any
        document, so they are always included; a promotion, the documents whose full text
        may spell the name.
        """
        promotes = [c for c in self.items if isinstance(c, Promote)]
        words = f"-{slug(record.full_text)}-" if promotes and record.full_text else ""
        parts = [json.dumps(to_json(c), sort_keys=True) for c in self.items
                 if isinstance(c, Merge)
                 or (isinstance(c, _DOC_OPS) and c.doc.may_match(doc_key, record))
                 or (isinstance(c, Promote) and _may_name(c.entity, words))]
        if not parts:
            return ""
        return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def _may_name(ref: EntityRef, words: str) -> bool:
    """Whether a text (slugged, between dashes) may spell an unresolved name's key: a
    superset of the documents whose mentions the name resolves to."""
    tail = ref.key.removeprefix(f"{ref.kind}-")
    return bool(words) and f"-{tail}-" in words


def to_json(c: Correction) -> dict[str, Any]:
    """The JSON object of a correction, as `parse_correction` reads it back."""
    op = {AcceptLink: "accept", RejectLink: "reject", RemoveMention: "remove-mention",
          FixRole: "fix-role", Merge: "merge", Split: "split", Promote: "promote"}[type(c)]
    out: dict[str, Any] = {"op": op}
    doc = getattr(c, "doc", None)
    if doc is not None:
        if doc.document:
            out["document"] = doc.document
        else:
            out["title"], out["date"] = doc.title, doc.date
    for name in ("entity", "wikidata", "into", "person", "text", "field", "label", "head",
                 "new_label", "new_head", "organization", "place"):
        value = getattr(c, name, None)
        if value is not None:
            out[name] = str(value)
    if getattr(c, "delete", False):
        out["delete"] = True
    if c.note:
        out["note"] = c.note
    return out
