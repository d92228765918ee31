"""What extraction hands to resolution: what the text states, before anyone is identified.

`Extracted` holds, for one record, its date and title grammar, the names the title gives in
each slot (`TitleName`: the phrase to look up, its role as written, a body's canonical form),
and per parsed field the spans the spaCy pipeline found (`FoundSpan`), the places implied by
adjectives and the role phrases beside people (`FoundRole`). No span is an entity yet:
`kg.resolve.entry.resolve_entry` decides who or what each one is, with the whole document, its
date and the authority's dates in view, and makes the `Entry`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

from kg.core.model import DateValue, EntityKind, NameRef, Record, TitleParse, TopicClaim
from kg.extract.roles import RoleParse

Slot = Literal["authors", "recipients", "intermediaries", "participants"]
FieldName = Literal["title", "summary", "full_text"]
# How sure extraction is that a span names something, by how it was found.
CONFIDENCE = {"ruler": 0.95, "ner": 0.7, "title-grammar": 0.9, "demonym": 0.5, "role": 0.85}


@dataclass(frozen=True)
class ExtractorInfo:
    """The versions behind an extraction, recorded in every graph's provenance. Here, not
    beside the extractor, so that reading a store never loads spaCy."""

    version: str
    model: str
    authority: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.version}|{self.model}|{self.authority}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TitleName:
    """One name the title grammar reads in a slot ("Soviet Ambassador to China Roshchin" among
    the authors), as far as the text and the gazetteer tell."""

    slot: Slot
    ref: NameRef  # the name reference (or, for "a body then a person", one part of it)
    phrase: str  # the name without its role words: what resolution looks up
    start: int  # where `phrase` is in the title
    end: int
    kind: EntityKind | None  # "organization" when the phrase reads as a body, else unknown
    canonical: str | None = None  # a body's canonical name, looked up by name only
    # set for a body the title names by a canonical form: its label when the authority lacks it
    unresolved_as: str | None = None
    person_shaped: bool = True  # an unknown name is kept (as a person) only if shaped like one
    role: RoleParse | None = None  # the role written with the name
    post: RoleParse | None = None  # a post written beside the name ("Joseph Luns" <- "...")


@dataclass(frozen=True)
class FoundSpan:
    """A name the pipeline found in a field: the entity ruler's (with the authority key it was
    written for) or the statistical model's."""

    text: str
    kind: EntityKind
    start: int  # characters, in the parsed text (see `FieldSpans.offset`)
    end: int
    method: Literal["ruler", "ner"]
    authority_key: str | None  # the ruler's pattern id
    label: str  # a body under its canonical name ("Embassy of Poland in Cuba"); else `text`
    keep_unresolved: bool  # shaped like a name worth keeping when nobody is found


@dataclass(frozen=True)
class FoundRole:
    """A role phrase beside a person span ("Soviet Ambassador to China" before "Roshchin")."""

    label: str  # the role as written
    person_start: int  # the person span's characters, in the parsed text
    person_end: int
    parse: RoleParse


@dataclass(frozen=True)
class ImpliedPlace:
    """A place implied by an adjective or prefix ("Soviet planes", "Sino-")."""

    text: str
    start: int
    end: int
    key: str  # the place's authority key


@dataclass
class FieldSpans:
    """What one parsed text (a field, or a chunk of a long full text) holds."""

    field: FieldName
    offset: int  # where the parsed text starts in the field's text
    spans: list[FoundSpan] = field(default_factory=list)
    implied: list[ImpliedPlace] = field(default_factory=list)
    roles: list[FoundRole] = field(default_factory=list)


@dataclass
class Extracted:
    """One record as extraction reads it; `resolve_entry` turns it into an `Entry`."""

    record: Record
    date: DateValue
    title: TitleParse
    names: list[TitleName] = field(default_factory=list)  # in slot order, then title order
    fields: list[FieldSpans] = field(default_factory=list)  # title, summary, full-text chunks
    topics: list[TopicClaim] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
