"""The subject-heading scheme: headings in the archive's pattern and the vocabularies behind them.

Headings are built like library headings, parts joined by "--": place--Foreign relations--place,
place--facet[--period], topic--place, named wars and events with their dates, international
organisations. The parts come from real vocabularies kept in `data/subjects/`:

- `terms.tsv`: the facets and topical terms (LCSH subdivisions) with the words that signal them;
- `events.tsv`: wars and events with their dates and the places they happened in;
- `periods.tsv`: the period subdivisions LCSH uses for a place's politics or economic policy;
- `forms.tsv`: heading forms of places and organisations where they differ from the authority
  file's names ("Great Britain", "Korea (North)");
- `hsg-tags.tsv`: the Office of the Historian's Subject Taxonomy of the History of U.S. Foreign
  Relations (public domain), mapped onto headings where its labels meet ours.

Curated headings met in ingested records join the scheme (`learn`), each remembered with the
records that carry it, so that a record can be assigned with the scheme built from the *other*
sources (`archive_headings(exclude=...)`): its own headings never vouch for themselves.
"""

from __future__ import annotations

import csv
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kg.core.authority import DATA_DIR, Authority

SUBJECTS_DIR = "subjects"
HSG_BASE = "https://history.state.gov/tags/"
PERIOD = re.compile(r"^\d{4}(?:-\d{4}|-)?$")
PLACE_TYPES_COUNTRY = {"country", "historical-country"}
PLACE_TYPES_REGION = {"region", "continent"}


@dataclass(frozen=True)
class Term:
    """A facet or topical term: "Politics and government" (place first), "Nuclear weapons"
    (topic first), "Foreign relations" (between two places)."""

    label: str
    form: str  # pair, place-first, topic-first
    keywords: tuple[str, ...]
    hsg: str | None = None


@dataclass(frozen=True)
class Event:
    """A named war or event with its dates and the places it happened in."""

    label: str
    places: tuple[str, ...]
    start: int | None
    end: int | None
    keywords: tuple[str, ...]
    hsg: str | None = None

    def covers(self, year: int) -> bool:
        return (self.start is None or self.start <= year) and (self.end is None or year <= self.end)


@dataclass(frozen=True)
class Period:
    place: str
    facet: str
    start: int
    end: int | None

    @property
    def label(self) -> str:
        return f"{self.start}-{self.end or ''}"


@dataclass(frozen=True)
class HsgTag:
    """One tag or category of the Office of the Historian's taxonomy."""

    id: str
    label: str
    parent: str
    branch: str  # places, topics
    definition: str = ""

    @property
    def iri(self) -> str:
        return HSG_BASE + self.id


@dataclass
class SubjectScheme:
    """Terms, events, periods and heading forms, plus the curated headings learnt so far."""

    terms: dict[str, Term]
    events: list[Event]
    periods: list[Period]
    forms: dict[str, str]
    hsg: dict[str, HsgTag]
    # normalised heading -> {source key: heading as the curator wrote it}
    curated: dict[str, dict[str, str]] = field(default_factory=dict)
    # normalised part ("japan", "foreign relations") -> normalised headings that have it, so a
    # document only ever looks at the headings of the places it names
    by_part: dict[str, set[str]] = field(default_factory=dict)

    # -- the archive's own vocabulary ----------------------------------------------------------

    def learn(self, source: str, headings: Iterable[str]) -> None:
        """Curated headings of one source (a record) join the scheme."""
        for h in headings:
            h = clean_heading(h)
            if h:
                key = norm(h)
                self.curated.setdefault(key, {})[source] = h
                for part in key.split("--"):
                    self.by_part.setdefault(part, set()).add(key)

    def archive(self, exclude: str | None = None) -> ArchiveView:
        """The curated headings as seen by one source: those of every other source."""
        return ArchiveView(self, exclude)

    # -- heading forms ---------------------------------------------------------------------------

    def name_of(self, key: str, authority: Authority) -> str | None:
        if key in self.forms:
            return self.forms[key]
        e = authority.get(key)
        return e.name if e else None

    def period(self, place: str, facet: str, year: int | None) -> str | None:
        if year is None:
            return None
        for p in self.periods:
            if p.place == place and p.facet == facet and p.start <= year and (
                    p.end is None or year < p.end or (year == p.end and p.start == p.end)):
                return p.label
        return None

    def hsg_match(self, label: str) -> HsgTag | None:
        """The taxonomy tag whose label is this heading part, if any."""
        return _hsg_by_label(id(self), tuple(self.hsg.values())).get(norm(label))

    def term_of(self, part: str) -> Term | None:
        return self.terms.get(norm(part))


@dataclass(frozen=True)
class ArchiveView:
    """The archive's curated headings without those only `exclude` carries: look-ups by
    heading and by part, never a scan of the whole vocabulary (it grows with the corpus)."""

    scheme: SubjectScheme
    exclude: str | None

    def get(self, key: str) -> tuple[str, int] | None:
        """(heading as written, number of other sources) for a normalised heading."""
        by_source = self.scheme.curated.get(key, {})
        others = [h for s, h in by_source.items() if s != self.exclude]
        return (others[0], len(others)) if others else None

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def with_part(self, part: str) -> dict[str, tuple[str, int]]:
        """Headings that have this (normalised) part."""
        out = {}
        for key in sorted(self.scheme.by_part.get(part, ())):
            got = self.get(key)
            if got:
                out[key] = got
        return out


@lru_cache(maxsize=8)
def _hsg_by_label(_scheme_id: int, tags: tuple[HsgTag, ...]) -> dict[str, HsgTag]:
    out: dict[str, HsgTag] = {}
    for t in tags:
        out.setdefault(norm(t.label), t)
    return out


def norm(text: str) -> str:
    """Case- and spacing-insensitive form of a heading ("Japan -- foreign relations")."""
    return "--".join(re.sub(r"\s+", " ", p).strip().casefold() for p in text.split("--"))


def clean_heading(text: str) -> str:
    return "--".join(p.strip() for p in re.split(r"\s*--\s*", text.strip()) if p.strip())


def heading_parts(label: str) -> tuple[str, ...]:
    return tuple(p for p in clean_heading(label).split("--") if p)


def broader_of(label: str) -> list[str]:
    """The headings a heading sits under: each of its parts that is not a period, and the
    heading without its last part ("Poland--Foreign relations--Soviet Union" is found under
    Poland, Foreign relations, Soviet Union and Poland--Foreign relations)."""
    parts = heading_parts(label)
    if len(parts) < 2:
        return []
    out = [p for p in parts if not PERIOD.match(p)]
    prefix = "--".join(parts[:-1])
    if prefix not in out:
        out.append(prefix)
    return [h for h in dict.fromkeys(out) if h != label]


# -- loading -------------------------------------------------------------------------------------

def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()}
                for row in csv.DictReader(f, delimiter="\t")]


def _items(cell: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in cell.split("|") if x.strip())


def _year(cell: str) -> int | None:
    return int(cell) if cell.isdigit() else None


def load_scheme(data_dir: Path | None = None) -> SubjectScheme:
    d = Path(data_dir or DATA_DIR) / SUBJECTS_DIR
    terms = {norm(r["label"]): Term(r["label"], r["form"], _items(r["keywords"]), r["hsg"] or None)
             for r in _rows(d / "terms.tsv")}
    events = [Event(r["label"], _items(r["places"]), _year(r["start"]), _year(r["end"]),
                    _items(r["keywords"]), r["hsg"] or None) for r in _rows(d / "events.tsv")]
    periods = [Period(r["place"], r["facet"], int(r["start"]), _year(r["end"]))
               for r in _rows(d / "periods.tsv")]
    forms = {r["id"]: r["heading"] for r in _rows(d / "forms.tsv")}
    hsg = {}
    if (d / "hsg-tags.tsv").exists():
        hsg = {r["id"]: HsgTag(r["id"], r["label"], r["parent"], r["branch"], r["definition"])
               for r in _rows(d / "hsg-tags.tsv")}
    return SubjectScheme(terms, events, periods, forms, hsg)


_SCHEMES: dict[str, SubjectScheme] = {}


def subject_scheme(data_dir: Path | str | None = None) -> SubjectScheme:
    """The process's scheme for one data folder: loaded once, then it grows as records arrive."""
    key = str(Path(data_dir or DATA_DIR).resolve())
    if key not in _SCHEMES:
        _SCHEMES[key] = load_scheme(Path(key))
    return _SCHEMES[key]


# -- the Office of the Historian's taxonomy -----------------------------------------------------

def read_hsg_taxonomy(path: Path) -> list[HsgTag]:
    """Places and Topics of `tags-taxonomy.xml` (People are presidents and secretaries of
    state: not subjects in the archive's sense)."""
    root = ET.parse(path).getroot()
    out: list[HsgTag] = []

    def walk(node: ET.Element, parent: str, branch: str) -> None:
        for child in node:
            if child.tag not in ("category", "tag"):
                continue
            tid = (child.findtext("id") or "").strip()
            label = re.sub(r"\s+", " ", child.findtext("label") or "").strip()
            b = branch or tid
            if b not in ("places", "topics"):
                continue
            definition = re.sub(r"\s+", " ", child.findtext("definition") or "").strip()
            if branch:
                out.append(HsgTag(tid, label, parent, b, definition))
            walk(child, tid if branch else "", b)

    walk(root, "", "")
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m kg.resolve.subject_scheme TAGS_XML > data/subjects/hsg-tags.tsv`"""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(main.__doc__, file=sys.stderr)
        return 2
    w = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    w.writerow(["id", "label", "parent", "branch", "definition"])
    for t in read_hsg_taxonomy(Path(args[0])):
        w.writerow([t.id, t.label, t.parent, t.branch, t.definition])
    return 0


if __name__ == "__main__":
    sys.exit(main())
