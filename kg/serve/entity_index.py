"""Build the reconciliation service's `EntityIndex` from the generation's derived data.

What each person, place and organisation is known by (names, pseudonyms, description,
properties, data extension values) is computed when the generation is written
(`kg.store.entity_records`, stored by `kg.store.derived`); here the stored records only become
the serving types. No query of the store: the first reconciliation request of a generation
reads one table.
"""

from __future__ import annotations

from kg.serve.extend import ExtValue
from kg.serve.reconcile import EntityIndex, IndexedEntity
from kg.serve.snapshot import Snapshot
from kg.store.entity_records import EntityRecord


def build_index(snap: Snapshot) -> EntityIndex:
    """The generation's entities as the reconciliation service reads them. Raises
    `kg.store.index.IndexMissing` for a generation without (current) derived data."""
    return EntityIndex(indexed_entity(r) for r in snap.index.entity_records())


def indexed_entity(record: EntityRecord) -> IndexedEntity:
    return IndexedEntity(
        id=record.id, name=record.name, kind=record.kind,  # type: ignore[arg-type]
        alt_names=record.alt_names, description=record.description, wikidata=record.wikidata,
        properties=record.properties, pseudonyms=record.pseudonyms,
        family_name_first=record.family_name_first,
        extension=tuple((pid, ExtValue(kind, value, name))  # type: ignore[arg-type]
                        for pid, kind, value, name in record.extension))
