"""The W3C Reconciliation API 0.2 JSON Schemas (from ../shared/specs), for the reconcile tests.

The schemas are resolved from a local `referencing.Registry`, so no ``$ref`` is ever fetched
from the network. `SPECS` is None when the shared folder is absent; tests then skip, saying so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7

_SPECS = Path(__file__).resolve().parents[2] / "shared" / "specs" / "reconciliation-0.2"
SPECS: Path | None = _SPECS if _SPECS.is_dir() else None
SKIP_REASON = f"reconciliation schemas not found at {_SPECS}"


def _registry() -> tuple[Registry, dict[str, dict[str, Any]]]:
    """Every schema file, registered under its $id (the schemas declare no usable draft)."""
    schemas: dict[str, dict[str, Any]] = {}
    resources = []
    for path in sorted(SPECS.glob("*.json")) if SPECS else []:
        contents = json.loads(path.read_text(encoding="utf-8"))
        schemas[path.name] = contents
        if "$id" in contents:
            # "http://swagger.io/v2/schema.json#" is looked up without the empty fragment.
            resources.append((contents["$id"].rstrip("#"), DRAFT7.create_resource(contents)))
    return Registry().with_resources(resources), schemas


REGISTRY, SCHEMAS = _registry()


def validate(instance: Any, schema_file: str) -> None:
    Draft7Validator(SCHEMAS[schema_file], registry=REGISTRY).validate(instance)


def unwrap_jsonp(text: str, callback: str) -> Any:
    """The JSON inside ``/**/callback(...);``, failing when the wrapper is not exactly that."""
    prefix = f"/**/{callback}("
    assert text.startswith(prefix) and text.endswith(");"), text[:80]
    return json.loads(text[len(prefix):-2])
