"""The corrections file: read, checked against its JSON Schema, and appended to.

Format (``corrections.jsonl``; UTF-8; one JSON object per line; blank lines and lines starting
with ``#`` are skipped; later lines win over earlier ones for the same entity and Wikidata
id), described line by line by ``ontology/corrections.schema.json``::

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

The schema says what a line may hold; a line it refuses is reported as ``FILE:LINE: what is
wrong``, in the words of the schema's ``errorMessage`` or of the rule that failed. What the
schema cannot say (a merge into itself or across kinds, a promotion of an authority entity, a
cycle of merges) is checked here after it. Where a store keeps its file is the store's
business (`kg.store.corrections`); this module only reads and writes the file it is given.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from kg.resolve.corrections.model import (
    DEFAULT_CORRECTIONS,
    ENV_CORRECTIONS,
    AcceptLink,
    Correction,
    Corrections,
    CorrectionsError,
    DocSelector,
    EntityRef,
    FixRole,
    Merge,
    Origin,
    Promote,
    RejectLink,
    RemoveMention,
    Split,
    to_json,
)

__all__ = ["SCHEMA_FILE", "append_corrections", "default_corrections_path", "load_corrections",
           "parse_correction"]

# The ontology folder sits beside the package (a checkout) or inside it (an installed wheel);
# resolve may not import kg.rdf.namespace's ONTOLOGY_DIR, so the rule is repeated here.
_PACKAGE = Path(__file__).resolve().parents[2]
SCHEMA_FILE = next((d / "corrections.schema.json" for d in (_PACKAGE / "ontology",
                                                            _PACKAGE.parent / "ontology")
                    if (d / "corrections.schema.json").is_file()),
                   _PACKAGE.parent / "ontology" / "corrections.schema.json")
_EXAMPLE = '{"op": "reject", "entity": "person/key", "wikidata": "Q123"}'


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    try:
        schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    except OSError as exc:  # a broken install: say what is missing, not a traceback
        raise CorrectionsError(f"{SCHEMA_FILE}: cannot read the corrections file's schema "
                               f"({exc.strerror}); reinstall archive-kg") from None
    Draft202012Validator.check_schema(schema)  # a broken schema is a bug, not a user error
    return schema


@lru_cache(maxsize=1)
def _validators() -> tuple[Draft202012Validator, dict[str, Draft202012Validator]]:
    """The line's own rules (an object with a known op), and each op's rules.

    The schema dispatches on "op" (``allOf`` of ``if`` op is X ``then`` ``$defs/X``); taking
    that branch directly, with the (acyclic, internal) references written out, validates a line
    in a third of the time the whole schema takes: a $ref costs more than checking a field.
    """
    schema = _schema()
    line = Draft202012Validator({k: v for k, v in schema.items() if k != "allOf"})
    return line, {op: Draft202012Validator(_inline(schema["$defs"][op], schema))
                  for op in _ops()}


def _validation_errors(data: Any) -> list[ValidationError]:
    line, ops = _validators()
    errors = list(line.iter_errors(data))
    return errors or list(ops[data["op"]].iter_errors(data))


def _inline(node: Any, root: Mapping[str, Any]) -> Any:
    """`node` with every internal ``$ref`` replaced by what it points at (beside other
    keywords, a $ref applies like one more ``allOf`` entry, so it becomes one)."""
    if isinstance(node, list):
        return [_inline(n, root) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _inline(v, root) for k, v in node.items() if k not in ("$ref", "$defs")}
    if "$ref" not in node:
        return out
    target: Any = root
    for part in node["$ref"].removeprefix("#/").split("/"):
        target = target[part]
    resolved = _inline(target, root)
    if not out:
        return resolved
    out["allOf"] = [*out.get("allOf", []), resolved]
    return out


def _ops() -> list[str]:
    return list(_schema()["properties"]["op"]["enum"])


# --------------------------------------------------------------------------------------------
# Reading


def default_corrections_path(*, folder: str | Path | None = None,
                             configured: str | Path | None = None) -> Path:
    """Which corrections file to use: ``$KG_CORRECTIONS`` if set; else `configured` (the file
    a store's config names); else ``corrections.jsonl`` in `folder` (a store's folder); else
    ``corrections.jsonl`` here, for tools that have no store. Keyword-only: given a store, use
    `kg.store.corrections.default_corrections_path`, which reads the store's config."""
    env = os.environ.get(ENV_CORRECTIONS)
    if env:
        return Path(env)
    if configured:
        return Path(configured)
    if folder is not None:
        return Path(folder) / DEFAULT_CORRECTIONS
    return Path(DEFAULT_CORRECTIONS)


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
                f"holds one JSON object such as {_EXAMPLE}") from None
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
    errors = _validation_errors(data)
    if errors:
        raise ValueError(_explain(min(errors, key=lambda e: _rank(e, data)), data))
    op = data["op"]
    note = data.get("note") or ""

    def ref(name: str) -> EntityRef:
        return EntityRef.parse(data[name])  # the schema checked its shape

    def opt_ref(name: str) -> EntityRef | None:
        return ref(name) if data.get(name) else None

    def qid() -> str:
        return data["wikidata"].strip().rsplit("/", 1)[-1]

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
    doc = _doc_selector(data)
    field_name = data.get("field") or None
    if op == "remove-mention":
        return RemoveMention(doc, data["text"], origin, field_name, note)
    if op == "split":
        return Split(doc, data["text"], ref("entity"), origin, field_name,
                     data.get("label") or None, note)
    return FixRole(doc, ref("person"), origin, data.get("label") or None,
                   data.get("head") or None, data.get("new_label") or None,
                   data.get("new_head") or None, opt_ref("organization"), opt_ref("place"),
                   bool(data.get("delete")), note)


def _doc_selector(data: Mapping[str, Any]) -> DocSelector:
    if data.get("document"):
        return DocSelector(document=data["document"].rstrip("/").rsplit("/", 1)[-1])
    return DocSelector(title=data["title"], date=data["date"])


# The order in which problems are reported when a line has several: what the line is (an
# object with a known op) before which fields it has, before what their values are; among the
# values, the document first, then the entities and ids, then what is left to say.
_ORDER = {"additionalProperties": 2, "required": 3, "type": 4}
_VALUE_ORDER = ("document", "title", "date", "entity", "into", "person", "wikidata",
                "organization", "place", "field")


def _missing(error: ValidationError, data: Any) -> str | None:
    """The required field a problem is about when its value is absent, null or empty."""
    if error.validator == "required":
        return next((n for n in error.validator_value if n not in data), None)
    if len(error.absolute_path) == 1 and error.instance in (None, ""):
        name = error.absolute_path[0]
        if name in _required(str(data.get("op"))) and error.validator in ("type", "minLength"):
            return str(name)
    return None


def _required(op: str) -> list[str]:
    """The fields an op requires, following the schema's references."""
    defs = _schema()["$defs"]
    schema = defs.get(op, {})
    while "required" not in schema and "$ref" in schema:
        schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return list(schema.get("required", ()))


def _rank(error: ValidationError, data: Any) -> tuple[int, int]:
    if not error.absolute_path and error.validator == "type":
        return 0, 0
    if list(error.absolute_path)[:1] == ["op"] or (error.validator == "required"
                                                   and "op" in error.validator_value):
        return 1, 0
    missing = _missing(error, data)
    if missing:
        return 3, _required(str(data.get("op"))).index(missing)
    name = error.absolute_path[0] if error.absolute_path else None
    rank = _ORDER.get(str(error.validator), 5)
    if rank == 4:  # wrong types in the order the line gives its fields
        return rank, list(data).index(name) if name in data else 0
    if name in _VALUE_ORDER:
        return rank, _VALUE_ORDER.index(name)
    # a rule about the whole line: naming the document comes first, what to change last
    return rank, -1 if "document" in error.schema.get("errorMessage", "") else len(_VALUE_ORDER)


def _explain(error: ValidationError, data: Any) -> str:
    """The schema's complaint in the words the file's author needs."""
    if not error.absolute_path and error.validator == "type":
        return f"expected a JSON object, got {type(data).__name__}"
    if _rank(error, data)[0] == 1:
        return (f"unknown or missing \"op\" {data.get('op')!r}; expected one of "
                f"{', '.join(_ops())}")
    op = data["op"]
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(data) - set(allowed))
        return (f"{op}: unknown field(s) {', '.join(map(repr, unknown))}; allowed: "
                f"{', '.join(allowed)}")
    missing = _missing(error, data)
    if missing:
        return f"{op}: missing {missing!r}"
    if "errorMessage" in error.schema:
        return f"{op}: {error.schema['errorMessage']}"
    name = error.absolute_path[0] if error.absolute_path else None
    if error.validator == "type":
        return f"{op}: {name!r} must be a string"
    if error.validator == "pattern" and name == "wikidata":
        value = error.instance.strip().removeprefix("http://www.wikidata.org/entity/")
        return f"{op}: 'wikidata' must be an item id such as Q855, not {value!r}"
    if error.validator == "pattern":
        try:  # the entity's own parser says which part is wrong
            EntityRef.parse(error.instance)
        except ValueError as exc:
            return f"{op}: {name!r}: {exc}"
    return f"{op}: {name!r}: {error.message}" if name else f"{op}: {error.message}"


# --------------------------------------------------------------------------------------------
# Writing


def append_corrections(path: str | Path, items: Iterable[Correction]) -> None:
    """Append corrections to a file (created if absent), one JSON object per line.

    The lines already there are never rewritten, and the new ones are on disk (fsync) when
    this returns: a decision a curator was told is recorded survives a crash that follows.
    """
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
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise CorrectionsError(f"{path}: cannot write: {exc.strerror}") from None
