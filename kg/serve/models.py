"""The typed pieces page data is made of, and how a page's data becomes its JSON twin.

A page's view model is a dataclass with a `template` class variable: the HTML page renders
it with that Jinja2 template, the JSON twin is `to_json(model)`. The two are one object, so
they never disagree (a drawing made from the data is a field with metadata
{"json": False}, left out of the twin). A field whose name would be a Python keyword ends
in "_" (`from_`); the JSON twin drops the underscore.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

__all__ = ["DocBrief", "PAGE_SIZE", "Ref", "Value", "plain", "to_json"]

# Documents (or incoming links) per page of a long list on an entity's, a heading's or a
# resource's page.
PAGE_SIZE = 50


@dataclass(frozen=True)
class Ref:
    """Something with an IRI and a label: what a link shows."""

    iri: str
    label: str


@dataclass
class DocBrief:
    """A document as a line of a list: its title, date and, on an entity's page, how it
    relates to the entity."""

    iri: str
    title: str
    date: str | None = None  # as the catalogue gives it, else the normalised date
    earliest: str | None = None  # xsd:date, for sorting and ranges
    relations: list[str] = field(default_factory=list)
    type: Ref | None = None
    summary: str | None = None


@dataclass(frozen=True)
class Value:
    """One object of a statement: a link (iri and label) or a literal (text), readable."""

    label: str
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None  # the datatype's IRI, for the JSON twin only


def plain(value: Any) -> Any:
    """A view model as plain JSON values (dataclasses to dicts, field names without "_")."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name.rstrip("_"): plain(getattr(value, f.name)) for f in fields(value)
                if f.metadata.get("json", True)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def to_json(model: Any) -> bytes:
    return json.dumps(plain(model), ensure_ascii=False, indent=1).encode("utf-8")
