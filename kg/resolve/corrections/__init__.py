"""A historian's corrections: the decisions (`model`), the file that holds them (`file`, its
format in ``ontology/corrections.schema.json``) and their application to entries (`apply`).

The machine proposes, the historian decides. A corrections file holds the decisions, one JSON
object per line, so that they survive every re-ingest and rebuild: `kg ingest` applies them to
each entry before it is mapped (`apply_to_entry`); `kg.rdf.corrections` writes the curated
statements into their own named graph; `kg link --accept/--reject` appends lines to the file.
Everything here is a pure function of its inputs and the file it is given; where a store keeps
its file, and writing to the store, is `kg.store.corrections`'s job.
"""

from kg.resolve.corrections.apply import Lookup, apply_to_entry, authority_lookup
from kg.resolve.corrections.file import (
    SCHEMA_FILE,
    append_corrections,
    default_corrections_path,
    load_corrections,
    parse_correction,
)
from kg.resolve.corrections.model import (
    DEFAULT_CORRECTIONS,
    ENV_CORRECTIONS,
    KINDS,
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

__all__ = [
    "DEFAULT_CORRECTIONS",
    "ENV_CORRECTIONS",
    "KINDS",
    "SCHEMA_FILE",
    "AcceptLink",
    "Correction",
    "Corrections",
    "CorrectionsError",
    "DocSelector",
    "EntityRef",
    "FixRole",
    "Lookup",
    "Merge",
    "Origin",
    "Promote",
    "RejectLink",
    "RemoveMention",
    "Split",
    "append_corrections",
    "apply_to_entry",
    "authority_lookup",
    "default_corrections_path",
    "load_corrections",
    "parse_correction",
    "to_json",
]
