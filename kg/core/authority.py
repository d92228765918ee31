"""The authority files in `data/`: canonical people, places, organisations and topics.

Each row is one canonical entity with its variants, pseudonyms, original-script names and, where
verified, its Wikidata id. This module only loads and indexes them; looking names up lives in
`kg.core.gazetteer`, deciding who a name in a document is in `kg.resolve.resolver`.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from kg.core.model import EntityKind
from kg.core.resources import DATA_DIR
from kg.core.text import fold

FILES: dict[EntityKind, str] = {
    "person": "people.tsv", "place": "places.tsv", "organization": "organizations.tsv",
}
# People derived from the US Office of the Historian (tools/derive_hsg.py): a row whose `same_as`
# names a curated person adds its variants, years, posts and VIAF id to that person; any other
# row is a person of its own, marked with its `source` (see `AuthorityEntry.curated`).
EXTRA_PEOPLE = "people-hsg.tsv"
# Family name first in these naming traditions ("Mao Zedong": Mao is the family name).
FAMILY_NAME_FIRST = {
    "china", "taiwan", "north-korea", "south-korea", "korea", "vietnam", "north-vietnam",
    "south-vietnam", "mongolia", "people-s-republic-of-china", "republic-of-china",
}


@dataclass(frozen=True)
class Post:
    label: str
    where: str | None  # organisation or place id
    start: int | None
    end: int | None


@dataclass(frozen=True)
class Dated:
    """What was true of an entry for a span of years: the state a place lay in ("Prague":
    `czechoslovakia`, 1918-1992), the name a body had ("Romanian Workers' Party", 1948-1965)."""

    value: str
    start: int | None
    end: int | None

    def covers(self, year: int) -> bool:
        return (self.start is None or self.start <= year) and (self.end is None or
                                                               year <= self.end)


@dataclass(frozen=True)
class AuthorityEntry:
    key: str
    kind: EntityKind
    name: str
    wikidata: str | None
    wikidata_source: str | None
    variants: tuple[str, ...] = ()
    pseudonyms: tuple[str, ...] = ()
    native_names: tuple[tuple[str, str], ...] = ()  # (language, text)
    type: str | None = None
    born: int | None = None
    died: int | None = None
    nationality: str | None = None
    posts: tuple[Post, ...] = ()
    demonyms: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None
    within: str | None = None
    within_then: tuple[Dated, ...] = ()  # place ids of the states it lay in for a time
    names_then: tuple[Dated, ...] = ()  # the names a body had for a time
    parent: str | None = None
    country: str | None = None
    note: str = ""
    viaf: str | None = None  # VIAF cluster id, as given by the source (http://viaf.org/viaf/ID)
    source: str | None = None  # None: the curated files; else where the row came from

    @property
    def family_name_first(self) -> bool:
        return (self.nationality or "") in FAMILY_NAME_FIRST

    @property
    def curated(self) -> bool:
        """In the project's hand-curated files (not only in a bulk-derived source)."""
        return self.source is None


@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    broader: str | None
    keywords: tuple[str, ...]
    wikidata: str | None
    note: str = ""


@dataclass
class Authority:
    """All authority entries, indexed by key."""

    entries: dict[str, AuthorityEntry] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    version: str = "none"

    def of_kind(self, kind: EntityKind) -> list[AuthorityEntry]:
        return [e for e in self.entries.values() if e.kind == kind]

    def get(self, key: str) -> AuthorityEntry | None:
        return self.entries.get(key)


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (cell or "").split("|") if x.strip())


def _int(cell: str | None) -> int | None:
    cell = (cell or "").strip()
    return int(cell) if re.fullmatch(r"-?\d{1,4}", cell) else None


def _float(cell: str | None) -> float | None:
    try:
        return float(cell) if cell and cell.strip() else None
    except ValueError:
        return None


def _posts(cell: str | None) -> tuple[Post, ...]:
    out = []
    for item in _split(cell):
        parts = item.split("@")
        label = parts[0].strip()
        where = parts[1].strip() or None if len(parts) > 1 else None
        start, end = _years(parts[2]) if len(parts) > 2 else (None, None)
        out.append(Post(label, where, start, end))
    return tuple(out)


def _years(text: str) -> tuple[int | None, int | None]:
    """"1950-1960", "1950-", "-1960" as (start, end)."""
    m = re.match(r"(\d{4})?\s*-?\s*(\d{4})?", text.strip())
    if not m:
        return None, None
    return (int(m.group(1)) if m.group(1) else None, int(m.group(2)) if m.group(2) else None)


def _dated(cell: str | None) -> tuple[Dated, ...]:
    """"soviet-union@1922-1991|...": values with their years."""
    out = []
    for item in _split(cell):
        value, _, years = item.partition("@")
        out.append(Dated(value.strip(), *_years(years)))
    return tuple(out)


def _natives(cell: str | None) -> tuple[tuple[str, str], ...]:
    out = []
    for item in _split(cell):
        lang, _, text = item.partition(":")
        if text:
            out.append((lang.strip(), text.strip()))
    return tuple(out)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def _viaf(cell: str | None) -> str | None:
    cell = (cell or "").strip()
    return cell if cell.isdigit() else None


def _load_extra_people(path: Path, authority: Authority, digest) -> None:
    """Bulk-derived people: merged into the curated person they are (`same_as`), else added."""
    if not path.exists():
        return
    digest.update(path.read_bytes())
    for row in _rows(path):
        key = (row.get("id") or "").strip()
        name = (row.get("name") or "").strip()
        if not key or not name:
            continue
        variants = _split(row.get("variants"))
        born, died, posts = _int(row.get("born")), _int(row.get("died")), _posts(row.get("posts"))
        viaf = _viaf(row.get("viaf"))
        same = authority.entries.get((row.get("same_as") or "").strip())
        if same is not None and same.kind == "person":
            known = {fold(f) for f in (same.name, *same.variants, *same.pseudonyms)}
            extra = tuple(dict.fromkeys(f for f in (name, *variants) if fold(f) not in known))
            authority.entries[same.key] = replace(
                same, variants=same.variants + extra, born=same.born or born,
                died=same.died or died, posts=same.posts + posts, viaf=same.viaf or viaf)
            continue
        if key in authority.entries:
            continue  # never shadow a curated entity
        authority.entries[key] = AuthorityEntry(
            key=key, kind="person", name=name, wikidata=None, wikidata_source=None,
            variants=variants, born=born, died=died,
            nationality=(row.get("nationality") or "").strip() or None, posts=posts,
            note=(row.get("note") or "").strip(), viaf=viaf,
            source=(row.get("source") or "").strip() or EXTRA_PEOPLE)


def load_authority(data_dir: Path | None = None) -> Authority:
    """Load the authority files; missing files give an empty authority of that kind."""
    data_dir = Path(data_dir) if data_dir else DATA_DIR
    return _load_cached(str(data_dir))


@lru_cache(maxsize=4)
def _load_cached(data_dir_str: str) -> Authority:
    data_dir = Path(data_dir_str)
    authority = Authority()
    digest = hashlib.sha256()
    for kind, name in FILES.items():
        path = data_dir / name
        if not path.exists():
            continue
        digest.update(path.read_bytes())
        for row in _rows(path):
            key = (row.get("id") or "").strip()
            if not key or not (row.get("name") or "").strip():
                continue
            authority.entries[key] = AuthorityEntry(
                key=key, kind=kind, name=row["name"].strip(),
                wikidata=(row.get("wikidata") or "").strip() or None,
                wikidata_source=(row.get("wikidata_source") or "").strip() or None,
                variants=_split(row.get("variants")), pseudonyms=_split(row.get("pseudonyms")),
                native_names=_natives(row.get("native_names")),
                type=(row.get("type") or "").strip() or None,
                born=_int(row.get("born")), died=_int(row.get("died")),
                nationality=(row.get("nationality") or "").strip() or None,
                posts=_posts(row.get("posts")), demonyms=_split(row.get("demonyms")),
                lat=_float(row.get("lat")), lon=_float(row.get("lon")),
                within=(row.get("within") or "").strip() or None,
                within_then=_dated(row.get("within_then")),
                names_then=_dated(row.get("names_then")),
                parent=(row.get("parent") or "").strip() or None,
                country=(row.get("country") or "").strip() or None,
                note=(row.get("note") or "").strip(),
                viaf=_viaf(row.get("viaf")),
            )
        if kind == "person":
            _load_extra_people(data_dir / EXTRA_PEOPLE, authority, digest)
    topics_path = data_dir / "topics.tsv"
    if topics_path.exists():
        digest.update(topics_path.read_bytes())
        for row in _rows(topics_path):
            key = (row.get("id") or "").strip()
            if key:
                authority.topics[key] = Topic(
                    key=key, label=(row.get("label") or key).strip(),
                    broader=(row.get("broader") or "").strip() or None,
                    keywords=_split(row.get("keywords")),
                    wikidata=(row.get("wikidata") or "").strip() or None,
                    note=(row.get("note") or "").strip(),
                )
    authority.version = digest.hexdigest()[:12]
    return authority
