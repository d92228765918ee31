"""Data extension (Reconciliation API 0.2): property proposals per type and values for a batch.

OpenRefine's "Add columns from reconciled values" first asks ``/propose_properties?type=``
for the properties worth offering, then POSTs ``extend={"ids": [...], "properties": [...]}``
and adds one column per property. The values themselves are computed once per store
generation by `kg.serve.entity_index` (from the store and the authority files) and carried by
each `IndexedEntity`; this module only selects and serialises them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from kg.serve.reconcile import EntityIndex, Kind

ValueKind = Literal["str", "int", "float", "date", "entity"]


@dataclass(frozen=True)
class ExtValue:
    """One property value: a string, number, date (ISO yyyy-mm-dd) or entity (IRI + name)."""

    kind: ValueKind
    value: str | int | float
    name: str = ""  # entities only

    def to_json(self) -> dict[str, Any]:
        if self.kind == "entity":
            return {"id": str(self.value), "name": self.name or str(self.value)}
        if self.kind == "date":
            # The schema wants a full ISO timestamp; our dates are days.
            return {"date": f"{self.value}T00:00:00Z"}
        return {self.kind: self.value}


@dataclass(frozen=True)
class ExtProperty:
    id: str
    name: str
    description: str
    kinds: tuple[str, ...]  # entity kinds that carry it


ALL = ("person", "place", "organization")
EXTEND_PROPERTIES: tuple[ExtProperty, ...] = (
    ExtProperty("wikidata", "Wikidata id", "verified Wikidata item id, e.g. Q855", ALL),
    ExtProperty("viaf", "VIAF id", "Virtual International Authority File id, where known",
                ("person", "organization")),
    ExtProperty("born", "birth year", "year of birth", ("person",)),
    ExtProperty("died", "death year", "year of death", ("person",)),
    ExtProperty("nationality", "nationality", "country of nationality", ("person",)),
    ExtProperty("posts", "posts", "posts held, with where and when", ("person",)),
    ExtProperty("pseudonyms", "pseudonyms", "pseudonyms and code names", ("person",)),
    ExtProperty("documents", "number of documents", "documents that name the entity", ALL),
    ExtProperty("first_document", "first document date", "date of the earliest such document",
                ALL),
    ExtProperty("last_document", "last document date", "date of the latest such document", ALL),
    ExtProperty("coordinates", "coordinates", "latitude,longitude", ("place",)),
    ExtProperty("within", "enclosing place", "the place this place lies within", ("place",)),
    ExtProperty("parent", "parent organisation", "the body this one is part of",
                ("organization",)),
    ExtProperty("country", "country", "country the organisation belongs to", ("organization",)),
)
_BY_ID = {p.id: p for p in EXTEND_PROPERTIES}


class ExtendError(ValueError):
    """A malformed extension request (HTTP 400)."""


def propose_properties(kinds: set[Kind], type_id: str | None, limit: int | None = None
                       ) -> dict[str, Any]:
    """The properties offered for a type (all types when `kinds` is empty)."""
    found = [p for p in EXTEND_PROPERTIES if not kinds or kinds.intersection(p.kinds)]
    if limit is not None:
        found = found[: max(0, limit)]
    answer: dict[str, Any] = {
        "properties": [{"id": p.id, "name": p.name, "description": p.description}
                       for p in found],
    }
    if type_id:
        answer["type"] = type_id
    if limit is not None:
        answer["limit"] = limit
    return answer


def parse_extend(text: str, max_ids: int) -> dict[str, Any]:
    """The ``extend`` parameter as a query; `ExtendError` when it is not a valid one."""
    try:
        query = json.loads(text)
    except ValueError as exc:
        raise ExtendError(f"extend is not valid JSON: {exc}") from exc
    if not isinstance(query, dict):
        raise ExtendError("extend must be a JSON object with 'ids' and 'properties'")
    ids, props = query.get("ids"), query.get("properties")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ExtendError("extend: 'ids' must be a list of entity ids")
    if len(ids) > max_ids:
        raise ExtendError(f"extend: {len(ids)} ids, more than the batch size {max_ids}")
    if not isinstance(props, list) or not all(isinstance(p, dict) and isinstance(p.get("id"), str)
                                              for p in props):
        raise ExtendError("extend: 'properties' must be a list of {id} objects")
    unknown = [p["id"] for p in props if p["id"] not in _BY_ID]
    if unknown:
        raise ExtendError(f"extend: unknown properties {', '.join(unknown)}; known: "
                          f"{', '.join(_BY_ID)}")
    return query


def extend(query: Mapping[str, Any], index: EntityIndex) -> dict[str, Any]:
    """Values of the requested properties for each id; unknown ids get empty cells."""
    pids = [str(p["id"]) for p in query["properties"]]
    meta = []
    for pid in pids:
        prop = _BY_ID[pid]
        item: dict[str, Any] = {"id": prop.id, "name": prop.name}
        if prop.id in ("nationality", "within", "country"):
            item["type"] = {"id": "Place", "name": "Place"}
        elif prop.id == "parent":
            item["type"] = {"id": "Organization", "name": "Organization"}
        meta.append(item)
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for entity_id in query["ids"]:
        entity = index.get(entity_id)
        rows[entity_id] = {
            pid: [v.to_json() for key, v in (entity.extension if entity else ()) if key == pid]
            for pid in pids
        }
    return {"meta": meta, "rows": rows}
