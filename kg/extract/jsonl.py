"""The evaluation contract: one JSON object per distinct entry, as `score_extraction.py` reads it."""

from __future__ import annotations

from typing import Any

from kg.core.model import Entity, Entry


def _entity(e: Entity) -> dict[str, Any] | str:
    out: dict[str, Any] = {"name": e.label, "id": e.key}
    if e.wikidata:
        out["wikidata"] = e.wikidata
    if not e.resolved:
        out["resolved"] = False
    return out


def _distinct(entities: list[Entity]) -> list[Any]:
    seen: dict[str, Entity] = {}
    for e in entities:
        seen.setdefault(e.key, e)
    return [_entity(e) for e in seen.values()]


def entry_to_json(entry: Entry) -> dict[str, Any]:
    """Machine results under the usual keys; curated values under curated_* keys."""
    r, d, t = entry.record, entry.date, entry.title
    named_places = entry.entities("place")
    implied = [lk.entity for lk in entry.links if lk.mention.implied
               and lk.entity.key not in {p.key for p in named_places}]
    title_people = entry.authors + entry.recipients + entry.intermediaries + entry.participants
    persons = [e for e in title_people if e.kind == "person"] + entry.entities("person")
    orgs = [e for e in title_people if e.kind == "organization"] + entry.entities("organization")
    out: dict[str, Any] = {
        "title": r.title,
        "date": d.value,
        "date_precision": d.precision,
        "date_text": r.date_text,
        "date_edtf": d.edtf,
        "date_earliest": d.earliest.isoformat() if d.earliest else None,
        "date_latest": d.latest.isoformat() if d.latest else None,
        "doc_type": t.doc_type,
        "doc_number": t.number,
        "classification": t.classification,
        "summary": r.summary,
        "authors": _distinct(entry.authors),
        "recipients": _distinct(entry.recipients),
        "intermediaries": _distinct(entry.intermediaries),
        "participants": _distinct(entry.participants),
        "persons": _distinct(persons),
        "places": _distinct(named_places),
        "places_implied": _distinct(implied),
        "organizations": _distinct(orgs),
        "roles": [
            {"person": c.person.label, "role": c.label, "head": c.head,
             "organization": c.organization.label if c.organization else None,
             "place": c.place.label if c.place else None}
            for c in entry.roles
        ],
        "aliases": [[written, e.label] for written, e in entry.aliases],
        "topics": [{"id": tc.key, "label": tc.label, "evidence": tc.evidence} for tc in entry.topics],
        "subjects": [c.heading for c in entry.subjects],
        "subject_evidence": [{"heading": c.heading, "confidence": c.confidence,
                              "evidence": list(c.evidence)} for c in entry.subjects],
        "mentions": [
            {"text": lk.mention.text, "kind": lk.mention.kind, "field": lk.mention.field,
             "start": lk.mention.start, "end": lk.mention.end, "method": lk.mention.method,
             "confidence": lk.mention.confidence, "entity": lk.entity.key, "link": lk.method,
             "score": lk.score, "implied": lk.mention.implied}
            for lk in entry.links
        ],
        "flags": entry.flags,
        "record_id": r.record_id,
        "source": {"path": r.source.path, "line": r.source.line, "kind": r.source.kind},
    }
    if entry.curated or entry.curated_subjects:
        for list_name, key in (("authors", "curated_authors"),):
            out[key] = _distinct([e for n, e in entry.curated if n == list_name])
        people_orgs = [e for n, e in entry.curated if n in ("authors", "people_orgs")]
        out["curated_persons"] = _distinct([e for e in people_orgs if e.kind == "person"])
        out["curated_organizations"] = _distinct(
            [e for e in people_orgs if e.kind == "organization"])
        out["curated_places"] = _distinct([e for n, e in entry.curated if n == "places"])
        out["curated_subjects"] = list(entry.curated_subjects)
    return out
