"""Typed records passed between the pipeline stages.

sources/ produce `Record`s, extract/ turns them into `Entry`s, resolve/ attaches `Entity`s and
`Link`s, rdf/ maps the result to quads. Every stage only reads the types of the stage before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

SourceKind = Literal["listing", "record-table", "document-page"]
EntityKind = Literal["person", "place", "organization"]
Precision = Literal["day", "month", "year", "range", "none"]


@dataclass(frozen=True)
class SourceRef:
    """Where a record was read: file (or ``<stdin>``), 1-based line of its first field, kind."""

    path: str
    line: int
    kind: SourceKind = "listing"


@dataclass(frozen=True)
class ReadProblem:
    """A problem found while reading a source: reported with file and line, never raised."""

    path: str
    line: int
    message: str
    severity: Literal["error", "flag"] = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Record:
    """One catalogue entry as read, raw text only (no interpretation yet)."""

    date_text: str
    title: str
    summary: str
    source: SourceRef
    truncated: bool = False
    record_id: str | None = None
    url: str | None = None
    full_text: str = ""
    # curators' lists, as written: keys authors, people_orgs, places, subjects
    curated: dict[str, list[str]] = field(default_factory=dict)
    # other catalogue metadata as written: source, language, classification, rights, ...
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class ReadResult:
    """What a reader returns for one input: the records and the problems, in file order."""

    records: list[Record]
    problems: list[ReadProblem] = field(default_factory=list)


@dataclass(frozen=True)
class DateValue:
    """A catalogue date with its precision, qualifier and bounds (EDTF style)."""

    text: str
    precision: Precision
    value: str | None = None  # ISO cut to precision: 1950-02-01, 1950-02, 1950; None if unknown
    earliest: date | None = None
    latest: date | None = None
    edtf: str | None = None  # 1950-02, 1950~, 1950-02?, 1950/1951
    approximate: bool = False  # "c. 1950"
    inferred: bool = False  # "[February 1950]": supplied by the cataloguer
    valid: bool = True  # False for an impossible date ("Febuary 31, 1950")
    problem: str | None = None


@dataclass(frozen=True)
class NameRef:
    """A name as written in a title, with the real name when the title gives a pseudonym."""

    written: str  # the whole span as written: "Filippov [Stalin]"
    name: str  # the name that identifies the person: "Stalin"
    pseudonym: str | None = None  # "Filippov"
    start: int = 0
    end: int = 0
    post: str | None = None  # a post written beside the name: "Joseph Luns" <- "Foreign Minister"


@dataclass
class TitleParse:
    """What the title grammar reads from a title."""

    doc_type: str | None = None  # the type phrase as written: "Ciphered Telegrams"
    type_head: str | None = None  # its head, singular: "Telegram"
    type_known: bool = True  # the head is in the lexicon's list (else a new concept)
    type_qualifiers: list[str] = field(default_factory=list)  # "draft", "excerpt", "copy"
    number: str | None = None
    classification: str | None = None
    authors: list[NameRef] = field(default_factory=list)
    recipients: list[NameRef] = field(default_factory=list)
    intermediaries: list[NameRef] = field(default_factory=list)
    participants: list[NameRef] = field(default_factory=list)
    event_kind: str | None = None  # communication, conversation, signing, visit, decision


@dataclass(frozen=True)
class Mention:
    """A span of text naming a person, place or organisation."""

    text: str
    kind: EntityKind
    field: Literal["title", "summary", "full_text"]
    start: int
    end: int
    method: str  # title-grammar, ner, ruler, role, demonym
    confidence: float
    implied: bool = False  # a place implied only by an adjective ("Soviet planes")


@dataclass(frozen=True)
class Entity:
    """A canonical entity: from the authority file, or an unresolved name keyed by its slug."""

    key: str
    kind: EntityKind
    label: str
    wikidata: str | None = None
    resolved: bool = True


@dataclass(frozen=True)
class Link:
    """A mention resolved to an entity, with how and how sure (Reconciliation API style)."""

    mention: Mention
    entity: Entity
    score: float
    method: str  # exact, alias, initials, fuzzy, romanisation, pseudonym, surname, unresolved
    features: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class RoleClaim:
    """A post held by a person, as a document attests it."""

    person: Entity
    label: str  # "Soviet Ambassador to China"
    head: str  # ambassador, premier, chief, minister, ...
    organization: Entity | None = None  # the body or country the post belongs to
    place: Entity | None = None  # "to China"
    place_text: str = ""  # the words naming the place, as written ("China")
    text: str = ""
    method: str = "role-pattern"
    confidence: float = 0.8


@dataclass(frozen=True)
class TopicClaim:
    key: str
    label: str
    evidence: str
    confidence: float


@dataclass(frozen=True)
class SubjectClaim:
    """A subject heading the machine assigns, with the evidence that led to it and how sure."""

    heading: str  # "Korea (North)--Foreign relations--Soviet Union"
    evidence: tuple[str, ...]  # one line per piece of evidence, strongest first
    confidence: float
    method: str = "subject-evidence"


@dataclass
class Entry:
    """One catalogue entry, interpreted: the unit the RDF mapping consumes."""

    record: Record
    date: DateValue
    title: TitleParse
    authors: list[Entity] = field(default_factory=list)
    recipients: list[Entity] = field(default_factory=list)
    intermediaries: list[Entity] = field(default_factory=list)
    participants: list[Entity] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    roles: list[RoleClaim] = field(default_factory=list)
    aliases: list[tuple[str, Entity]] = field(default_factory=list)  # (pseudonym as written, who)
    topics: list[TopicClaim] = field(default_factory=list)
    curated: list[tuple[str, Entity]] = field(default_factory=list)  # (list name, entity)
    curated_subjects: list[str] = field(default_factory=list)
    subjects: list[SubjectClaim] = field(default_factory=list)  # machine-assigned headings
    flags: list[str] = field(default_factory=list)  # incomplete, date-unknown

    def entities(self, kind: EntityKind) -> list[Entity]:
        """Distinct entities of one kind mentioned anywhere in the entry, in order of mention."""
        seen: dict[str, Entity] = {}
        for link in self.links:
            if link.entity.kind == kind and not link.mention.implied:
                seen.setdefault(link.entity.key, link.entity)
        return list(seen.values())
