"""Stable identity of documents: the same entry read twice, or from two pages, is one document.

A document is keyed by the archive's record id when known, else by a hash of its normalised
date and title. When the same document is read more than once, the most complete copy wins: a
full summary is never replaced by a truncated one.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from kg.core.dates import parse_date
from kg.core.model import Record


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = re.sub(r"[\u2018\u2019\u201c\u201d]", "'", text)
    return " ".join(re.sub(r"[^\w\s']", " ", text).split())


def content_key(record: Record) -> str:
    """Hash of normalised date and title: the key of a document seen without a record id."""
    date = parse_date(record.date_text)
    date_part = date.edtf or normalise(record.date_text)
    digest = hashlib.sha256(f"{date_part}|{normalise(record.title)}".encode()).hexdigest()
    return "h" + digest[:16]


def document_key(record: Record) -> str:
    return f"r{record.record_id}" if record.record_id else content_key(record)


def completeness(record: Record) -> tuple[int, int, int]:
    """Orders copies of one document: untruncated first, then longer summary and text."""
    return (0 if record.truncated else 1, len(record.summary), len(record.full_text))


def better(a: Record, b: Record) -> Record:
    return b if completeness(b) > completeness(a) else a
