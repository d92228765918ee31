"""A historian's corrections: read from a JSON Lines file, applied to entries, kept as RDF.

The machine proposes, the historian decides. A corrections file holds the decisions, one JSON
object per line, so that they survive every re-ingest and rebuild: `kg ingest` applies them to
each entry before it is mapped (`apply_to_entry`) and writes the curated statements into their
own named graph (`correction_quads`); `kg link --accept/--reject` appends lines to it.

File format (``corrections.jsonl``; UTF-8; blank lines and lines starting with ``#`` are
skipped; later lines win over earlier ones for the same entity and Wikidata id)::

    {"op": "accept", "entity": "person/andrei-gromyko", "wikidata": "Q…", "note": "why"}
    {"op": "reject", "entity": "place/manchuria", "wikidata": "Q3589"}
    {"op": "remove-mention", "document": "h1304855593b5e5ff", "text": "North Korean"}
    {"op": "remove-mention", "title": "Ciphered telegram, …", "date": "July 13, 1950",
     "text": "North Korean", "field": "summary"}
    {"op": "fix-role", "document": "…", "person": "person/nikolai-roshchin",
     "label": "Soviet Ambassador", "new_label": "Soviet Ambassador to China",
     "place": "place/china"}
    {"op": "fix-role", "document": "…", "person": "person/…", "head": "premier",
     "delete": true}
    {"op": "merge", "entity": "person/person-tschou-en-lai", "into": "person/zhou-enlai"}
    {"op": "split", "document": "…", "text": "Kuznetsov", "entity": "person/fyodor-kuznetsov"}
    {"op": "promote", "entity": "person/person-stark", "note": "the German banker"}

A name only the statistical model found in a full text, that nothing corroborates, is kept as
a candidate mention without an entity (see `kg.rdf.candidates`); ``promote`` makes it an
entity, in every document that names it so.

Entities are written ``kind/key`` (``person/joseph-stalin``; the tail of the entity's IRI, so a
full IRI is accepted too). A document is named by its key (the tail of its IRI), or by its
title and date (the date as the catalogue writes it, or ISO: ``1950-07-13``). Every line may
carry a ``note`` saying why; it is kept in the graph as the link's evidence.

Everything here is a pure function of its inputs; writing to a store is `kg.link`'s job.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Union

import pyoxigraph as ox

from kg.core.model import DateValue, Entity, EntityKind, Entry, Link, Record, RoleClaim
from kg.rdf.mapping import Iris, lit
from kg.rdf.namespace import KG, OWL, RDF, WD
from kg.resolve.resolver import slug

if TYPE_CHECKING:
    from kg.resolve.resolver import Resolver

__all__ = [
    "DEFAULT_CORRECTIONS",
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
    "append_corrections",
    "apply_to_entry",
    "authority_lookup",
    "correction_quads",
    "corrections_graph",
    "default_corrections_path",
    "remember_corrections_path",
    "carry_over_corrections",
    "load_corrections",
    "parse_correction",
    "prune_overridden_links",
    "to_json",
]

DEFAULT_CORRECTIONS = "corrections.jsonl"
# Overrides the default file for `kg ingest`, `kg rebuild` and `kg link`.
ENV_CORRECTIONS = "KG_CORRECTIONS"
KINDS: tuple[EntityKind, ...] = ("person", "place", "organization")
FIELDS = ("title", "summary", "full_text")
_QID = re.compile(r"^Q[1-9][0-9]*$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Link methods of mentions a correction re-pointed: the mention node says a curator did it.
SPLIT_METHOD = "curated"
MERGE_METHOD = "curated-merge"
PROMOTE_METHOD = "curated-promote"


class CorrectionsError(ValueError):
    """A corrections file or line that cannot be used; the message names file and line."""


# --------------------------------------------------------------------------------------------
# Records


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


def _norm(text: str) -> str:
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
        if _norm(self.title or "") != _norm(record.title):
            return False
        wanted = _norm(self.date or "")
        dates = {_norm(record.date_text)}
        if date is not None:
            dates |= {_norm(v) for v in (date.value, date.edtf, date.text) if v}
        return wanted in dates

    def may_match(self, doc_key: str, record: Record) -> bool:
        """`matches` without the parsed date: a superset, for deciding what to re-map."""
        if self.document is not None:
            return self.document == doc_key
        return _norm(self.title or "") == _norm(record.title)

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

    def is_rejected(self, ref: EntityRef, qid: str) -> bool:
        return qid in self.rejected.get(ref, {})

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


# --------------------------------------------------------------------------------------------
# Reading and writing the file

_REQUIRED: dict[str, tuple[str, ...]] = {
    "accept": ("entity", "wikidata"),
    "reject": ("entity", "wikidata"),
    "remove-mention": ("text",),
    "fix-role": ("person",),
    "merge": ("entity", "into"),
    "split": ("text", "entity"),
    "promote": ("entity",),
}
_OPTIONAL: dict[str, tuple[str, ...]] = {
    "accept": (),
    "reject": (),
    "remove-mention": ("field",),
    "fix-role": ("label", "head", "new_label", "new_head", "organization", "place", "delete"),
    "merge": ("label",),
    "split": ("field", "label"),
    "promote": (),
}
_COMMON = ("op", "note")
_DOC_FIELDS = ("document", "title", "date")


def default_corrections_path(store: str | Path | None = None) -> Path:
    """Where a store's curators' decisions are: ``$KG_CORRECTIONS`` if set; else the file the
    store's config names (given once with --corrections); else ``corrections.jsonl`` inside
    the store folder. Never the current folder: a decision must not depend on where a command
    runs. Without a store (tools that have none), ``corrections.jsonl`` here."""
    env = os.environ.get(ENV_CORRECTIONS)
    if env:
        return Path(env)
    if store is None:
        return Path(DEFAULT_CORRECTIONS)
    from kg.store import StoreConfig

    config = StoreConfig.read(Path(store))
    if config is not None and config.corrections:
        return Path(config.corrections)
    return Path(store) / DEFAULT_CORRECTIONS


def remember_corrections_path(store: str | Path, path: str | Path) -> None:
    """Record in the store's config that its corrections live in `path` (given explicitly),
    so later commands find them without being told."""
    from kg.store import StoreConfig

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
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text + "\n".join(new) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return (f"carried {len(new)} curator decision(s) over from {legacy} to {target}, where "
            f"this store's decisions are kept")


def load_corrections(path: str | Path, *, missing_ok: bool = False) -> Corrections:
    """Read a corrections file; `CorrectionsError` naming file and line for any bad line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return Corrections((), str(path))
        raise CorrectionsError(f"{path}: no such corrections file") from None
    except UnicodeDecodeError as exc:
        raise CorrectionsError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
                               ) from None
    except OSError as exc:
        raise CorrectionsError(f"{path}: cannot read: {exc.strerror}") from None
    items: list[Correction] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise CorrectionsError(
                f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno}); each line "
                f"holds one JSON object such as "
                f'{{"op": "reject", "entity": "person/key", "wikidata": "Q123"}}') from None
        try:
            items.append(parse_correction(data, Origin(str(path), number)))
        except ValueError as exc:
            raise CorrectionsError(f"{path}:{number}: {exc}") from None
    corrections = Corrections(tuple(items), str(path))
    _check_merges(corrections, path)
    return corrections


def _check_merges(corrections: Corrections, path: Path) -> None:
    direct: dict[EntityRef, Merge] = {}
    for m in corrections.items:
        if isinstance(m, Merge):
            direct[m.entity] = m
            target, seen = m.into, {m.entity}
            while target in direct:
                if target in seen:
                    raise CorrectionsError(
                        f"{path}:{m.origin.line}: merging {m.entity} into {m.into} closes a "
                        f"cycle of merges ({' -> '.join(str(s) for s in seen)})")
                seen.add(target)
                target = direct[target].into


def parse_correction(data: Any, origin: Origin) -> Correction:
    """One correction from its JSON object; ValueError saying what is wrong."""
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    op = data.get("op")
    if op not in _REQUIRED:
        raise ValueError(f"unknown or missing \"op\" {op!r}; expected one of "
                         f"{', '.join(_REQUIRED)}")
    allowed = set(_COMMON) | set(_REQUIRED[op]) | set(_OPTIONAL[op])
    if op in ("remove-mention", "fix-role", "split"):
        allowed |= set(_DOC_FIELDS)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{op}: unknown field(s) {', '.join(map(repr, unknown))}; allowed: "
                         f"{', '.join(sorted(allowed))}")
    for name in _REQUIRED[op]:
        if data.get(name) in (None, ""):
            raise ValueError(f"{op}: missing {name!r}")
    for name, value in data.items():
        if name == "delete":
            if not isinstance(value, bool):
                raise ValueError(f"{op}: 'delete' must be true or false")
        elif value is not None and not isinstance(value, str):
            raise ValueError(f"{op}: {name!r} must be a string")
    note = data.get("note") or ""

    def ref(name: str) -> EntityRef:
        try:
            return EntityRef.parse(data[name])
        except ValueError as exc:
            raise ValueError(f"{op}: {name!r}: {exc}") from None

    def opt_ref(name: str) -> EntityRef | None:
        return ref(name) if data.get(name) else None

    def qid() -> str:
        value = data["wikidata"].strip()
        if value.startswith(WD.iri):
            value = value[len(WD.iri):]
        if not _QID.match(value):
            raise ValueError(f"{op}: 'wikidata' must be an item id such as Q855, not {value!r}")
        return value

    def field_name() -> str | None:
        value = data.get("field")
        if value and value not in FIELDS:
            raise ValueError(f"{op}: 'field' must be one of {', '.join(FIELDS)}")
        return value or None

    if op == "accept":
        return AcceptLink(ref("entity"), qid(), origin, note)
    if op == "reject":
        return RejectLink(ref("entity"), qid(), origin, note)
    if op == "promote":
        e = ref("entity")
        if not e.key.startswith(f"{e.kind}-"):
            raise ValueError(f"promote: {e} is not an unresolved name (those are keyed "
                             f"{e.kind}/{e.kind}-name, e.g. person/person-stark); an authority "
                             f"entity needs no promotion")
        return Promote(e, origin, note)
    if op == "merge":
        a, b = ref("entity"), ref("into")
        if a == b:
            raise ValueError(f"merge: an entity cannot be merged into itself ({a})")
        if a.kind != b.kind:
            raise ValueError(f"merge: {a} and {b} are different kinds of entity")
        return Merge(a, b, origin, data.get("label") or None, note)
    doc = _doc_selector(op, data)
    if op == "remove-mention":
        return RemoveMention(doc, data["text"], origin, field_name(), note)
    if op == "split":
        return Split(doc, data["text"], ref("entity"), origin, field_name(),
                     data.get("label") or None, note)
    fix = FixRole(doc, ref("person"), origin, data.get("label") or None,
                  data.get("head") or None, data.get("new_label") or None,
                  data.get("new_head") or None, opt_ref("organization"), opt_ref("place"),
                  bool(data.get("delete")), note)
    if not fix.delete and not (fix.new_label or fix.new_head or fix.organization or fix.place):
        raise ValueError("fix-role: say what to change (new_label, new_head, organization, "
                         "place) or \"delete\": true")
    return fix


def _doc_selector(op: str, data: Mapping[str, Any]) -> DocSelector:
    if data.get("document"):
        if data.get("title") or data.get("date"):
            raise ValueError(f"{op}: name the document by 'document' or by 'title' and 'date', "
                             f"not both")
        return DocSelector(document=data["document"].rstrip("/").rsplit("/", 1)[-1])
    if not data.get("title") or not data.get("date"):
        raise ValueError(f"{op}: name the document: 'document' (its key) or 'title' and 'date'")
    return DocSelector(title=data["title"], date=data["date"])


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


def append_corrections(path: str | Path, items: Iterable[Correction]) -> None:
    """Append corrections to a file (created if absent), one JSON object per line."""
    path = Path(path)
    lines = [json.dumps(to_json(c), ensure_ascii=False) + "\n" for c in items]
    if not lines:
        return
    try:
        needs_newline = path.exists() and path.stat().st_size > 0 and \
            not path.read_bytes().endswith(b"\n")
        with path.open("a", encoding="utf-8") as fh:
            if needs_newline:  # a hand-edited last line without its newline
                fh.write("\n")
            fh.writelines(lines)
    except OSError as exc:
        raise CorrectionsError(f"{path}: cannot write: {exc.strerror}") from None


# --------------------------------------------------------------------------------------------
# Applying corrections to an entry

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
        seen.setdefault((c.person.key, _norm(c.label)), c)
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
    return _norm(link.mention.text) == _norm(text) and (
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
                     if not (_norm(w) == _norm(c.text) and EntityRef.of(e) in old)]
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
                and (c.label is None or _norm(claim.label) == _norm(c.label))
                and (c.head is None or _norm(claim.head) == _norm(c.head)))

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
            person.matches(cl.person) and _norm(cl.label) == _norm(c.new_label)
            for cl in claims):
        # The document attests a post the extractor missed: the curator adds it.
        holder = _entity_for(entry, person, lookup, None)
        claims.append(RoleClaim(person=holder, label=c.new_label, head=c.new_head,
                                organization=org, place=place, text="", method="curated",
                                confidence=1.0))
    entry.roles = _dedupe_roles(claims)


# --------------------------------------------------------------------------------------------
# The curated statements as RDF


def corrections_graph(iris: Iris) -> ox.NamedNode:
    """``{base}graph/corrections``: where the curated statements live."""
    return ox.NamedNode(iris.base + "graph/corrections")


def _link_node(entity: ox.NamedNode, suffix: str) -> ox.NamedNode:
    return ox.NamedNode(f"{entity.value}#{suffix}")


def correction_quads(corrections: Corrections, iris: Iris) -> list[ox.Quad]:
    """The curated statements, in their own named graph, with "curated" provenance.

    Accepted links: owl:sameAs plus a kg:EntityLink (method "curated", match true, score 1).
    Rejected links: a kg:EntityLink with match false (and no owl:sameAs). Merges: owl:sameAs
    from the merged entity's IRI to the one it became, so the old IRI keeps working. Fixed
    roles: the role's evidence names the correction.
    """
    g = corrections_graph(iris)
    name = PurePath(corrections.path).name
    src = iris.source(f"curated-{_slug(name)}")
    out: list[ox.Quad] = []

    def add(s, p, o) -> None:
        out.append(ox.Quad(s, p, o, g))

    # Not a kg:SourceGraph (those are about one document each): a graph of curated statements.
    add(g, KG.sourceKind, lit("curated"))
    add(g, KG.source, src)
    add(src, RDF.type, KG.Source)
    add(src, KG.sourceKind, lit("curated"))
    add(src, KG.sourceName, lit(name))

    def link(c: AcceptLink | RejectLink, match: bool) -> None:
        entity = iris.entity_key(c.entity.kind, c.entity.key)
        wd = WD.term(c.wikidata)
        node = _link_node(entity, f"curated-{'accept' if match else 'reject'}-{c.wikidata}")
        if match:
            add(entity, OWL.sameAs, wd)
        add(entity, KG.link, node)
        add(node, RDF.type, KG.EntityLink)
        add(node, KG.linkTarget, wd)
        add(node, KG.score, lit(1.0 if match else 0.0))
        add(node, KG.match, lit(match))
        add(node, KG.linkMethod, lit("curated"))
        feature = _link_node(entity, f"curated-{'accept' if match else 'reject'}-{c.wikidata}"
                                     f"-verified_by")
        add(node, KG.feature, feature)
        add(feature, RDF.type, KG.LinkFeature)
        add(feature, KG.featureId, lit("verified_by"))
        add(feature, KG.featureValue, lit(f"curator ({c.origin})"))
        if c.note:
            add(node, KG.evidence, lit(c.note))

    for _, accept in sorted(corrections.accepted.items()):
        link(accept, True)
    for _, by_qid in sorted(corrections.rejected.items()):
        for _, reject in sorted(by_qid.items()):
            link(reject, False)
    for ref, (target, _merge) in sorted(corrections.merges.items()):
        add(iris.entity_key(ref.kind, ref.key), OWL.sameAs,
            iris.entity_key(target.kind, target.key))
    for ref, promote in sorted(corrections.promoted.items()):
        add(iris.entity_key(ref.kind, ref.key), KG.evidence,
            lit(f"promoted by a curator ({promote.origin})"
                + (f": {promote.note}" if promote.note else "")))
    for c in corrections.items:
        if isinstance(c, FixRole) and not c.delete and (c.new_label or c.label):
            person = corrections.merged(c.person)
            role = iris.role(person.key, c.new_label or c.label or "")
            add(role, KG.evidence, lit(f"curated ({c.origin})" + (f": {c.note}" if c.note
                                                                     else "")))
    return list(dict.fromkeys(out))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "corrections"


def prune_overridden_links(quads: Iterable[ox.Quad], corrections: Corrections, iris: Iris
                           ) -> list[ox.Quad]:
    """Quads of another graph (authority, online links) with the curators' decisions applied.

    An owl:sameAs to a rejected Wikidata id, or to another id than the accepted one, is
    dropped; the kg:EntityLink that explained it stays, with kg:match false and evidence
    naming the correction, so the graph still says what the linker proposed and why it lost.
    """
    quads = list(quads)
    if not (corrections.accepted or corrections.rejected):
        return quads
    by_iri: dict[str, EntityRef] = {}
    for ref in set(corrections.accepted) | set(corrections.rejected):
        by_iri[iris.entity_key(ref.kind, ref.key).value] = ref

    def overridden(subject: str, target: str) -> Correction | None:
        ref = by_iri.get(subject)
        if ref is None or not target.startswith(WD.iri):
            return None
        qid = target[len(WD.iri):]
        if qid in corrections.rejected.get(ref, {}):
            return corrections.rejected[ref][qid]
        accepted = corrections.accepted.get(ref)
        return accepted if accepted is not None and accepted.wikidata != qid else None

    link_of: dict[str, str] = {}  # link node -> entity
    target_of: dict[str, str] = {}  # link node -> Wikidata IRI
    for q in quads:
        if q.predicate == KG.link:
            link_of[q.object.value] = q.subject.value
        elif q.predicate == KG.linkTarget:
            target_of[q.subject.value] = q.object.value
    lost: dict[str, Correction] = {}
    for node, entity in link_of.items():
        why = overridden(entity, target_of.get(node, ""))
        if why is not None:
            lost[node] = why
    out: list[ox.Quad] = []
    for q in quads:
        if q.predicate == OWL.sameAs and overridden(q.subject.value, q.object.value):
            continue
        if q.predicate == KG.match and q.subject.value in lost:
            why = lost[q.subject.value]
            verb = "rejected" if isinstance(why, RejectLink) else "overridden"
            out.append(ox.Quad(q.subject, KG.match, lit(False), q.graph_name))
            out.append(ox.Quad(q.subject, KG.evidence,
                               lit(f"{verb} by a curator ({why.origin})"), q.graph_name))
            continue
        out.append(q)
    return list(dict.fromkeys(out))
