"""Names and subject headings as the archive's curators write them.

The catalogue's curated lists (authors, associated people and organisations, subjects) use
library-authority conventions rather than display names:

* people are inverted, ``Surname, Given`` and may carry life dates (``Mao, Zedong, 1893-1976``),
  a suffix (``King, Martin Luther, Jr.``), another romanisation in parentheses
  (``Chiang, Ching-kuo (Jiang Jingguo)``) or a quoted nickname (``Blair, Anthony ("Tony")``);
* bodies are written as a hierarchy joined by ". ", broadest first
  (``Japan. Foreign Ministry. Asian Affairs Bureau``);
* subjects are chains joined by "--" (``China--History--Cultural Revolution, 1966-1976``).

This module only reads those conventions; it makes no decision about which entity a name denotes.
``forms`` lists candidate display forms in preference order, so a resolver can try each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

KindHint = Literal["person", "organization"]

# Words that, as a whole word in a name, make it (almost always) a body rather than a person.
ORG_KEYWORDS: frozenset[str] = frozenset(
    {
        "academy", "agency", "alliance", "archive", "archives", "army", "assembly",
        "association", "bank", "board", "bureau", "cabinet", "center", "centre", "chamber",
        "command", "commission", "committee", "company", "conference", "congress",
        "consulate", "corporation", "council", "court", "delegation", "department", "directorate",
        "division", "embassy", "federation", "force", "forces", "foundation", "front",
        "government", "headquarters", "institute", "kgb", "league", "legation", "library",
        "ministry", "mission", "movement", "museum", "navy", "office", "organization",
        "organisation", "parliament", "party", "politburo", "presidium", "secretariat",
        "service", "society", "staff", "union", "university",
    }
)  # fmt: skip

# Surnames that, with a single-token given name, point to Chinese/Korean/Vietnamese order
# (surname first), so that form is preferred. Only common romanised surnames: a miss simply
# falls back to given-name-first, which is still offered second the other way round.
EAST_ASIAN_SURNAMES: frozenset[str] = frozenset(
    {
        "bo", "cai", "chang", "chen", "cheng", "chiang", "chou", "chu", "deng", "ding", "dong",
        "du", "fang", "feng", "gao", "gu", "guo", "han", "he", "ho", "hu", "hua", "huang",
        "jiang", "kang", "kim", "lee", "li", "liang", "liao", "lin", "liu", "lu", "luo", "ma",
        "mao", "nguyen", "ngo", "pak", "park", "peng", "qian", "rao", "ren", "shen", "song",
        "sun", "tang", "teng", "tian", "wang", "wu", "xi", "xu", "yang", "ye", "yu", "zhang",
        "zhao", "zhou", "zhu",
    }
)  # fmt: skip

# Abbreviations whose full stop must not be read as a hierarchy separator.
_ABBREVIATIONS = frozenset({"dept", "co", "inc", "ltd", "st", "jr", "sr", "gen", "no", "dr", "mr"})
_SUFFIXES = frozenset({"jr.", "jr", "sr.", "sr", "ii", "iii", "iv"})

# Life dates at the end: ", 1893-1976", ", 1917-", ", b. 1920", " (1893-1976)", ", d. 1976".
_DATES_RE = re.compile(
    r",?\s*\(?\s*(?:b\.|d\.|born|died|fl\.)?\s*\d{3,4}\??\s*(?:[-–]\s*(?:\d{3,4}\??)?)?\s*\)?\s*$"
)
_TRAILING_PAREN_RE = re.compile(r"\s*\(([^()]*)\)\s*$")
_WORD_RE = re.compile(r"[A-Za-z]+")
# A Wade-Giles/Korean given name: two syllables joined by a hyphen, the second lower-case.
_HYPHENATED_GIVEN_RE = re.compile(r"^[A-Z][a-z]+-[a-z]+$")


@dataclass(frozen=True)
class CatalogueName:
    """A curated name read into its parts.

    ``forms`` are display forms to try, best first; ``alternative`` is another name given in
    parentheses (a second romanisation, an acronym, a nickname with the surname);
    ``hierarchy`` is the chain of bodies from broadest to the full name (empty for people).
    """

    written: str
    forms: tuple[str, ...]
    alternative: str | None = None
    hierarchy: tuple[str, ...] = ()
    kind_hint: KindHint | None = None


def _clean(text: str) -> str:
    return " ".join(text.split())


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))


def strip_life_dates(text: str) -> str:
    """``Mao, Zedong, 1893-1976`` -> ``Mao, Zedong``; text without dates is returned as is."""
    stripped = _DATES_RE.sub("", text).strip()
    # A name that is only a year (or empty after stripping) was not a dated name.
    return stripped or text


def split_hierarchy(text: str) -> tuple[str, ...]:
    """Split ``A. B. C`` at full stops that end a word and start a capitalised segment.

    Initials (``N. V. Roshchin``) and abbreviations (``Dept. of State``) are not separators.
    """
    segments: list[str] = []
    start = 0
    for match in re.finditer(r"\.\s+(?=[A-Z])", text):
        before = text[start : match.start()]
        last_word = before.rsplit(None, 1)[-1] if before.split() else ""
        if len(last_word) <= 1 or last_word.lower() in _ABBREVIATIONS or "." in last_word:
            continue
        segments.append(before.strip())
        start = match.end()
    segments.append(text[start:].strip().rstrip("."))
    return tuple(segment for segment in segments if segment)


def has_org_keyword(text: str) -> bool:
    """True when a whole word of ``text`` is one of ``ORG_KEYWORDS``."""
    return any(word.lower() in ORG_KEYWORDS for word in _WORD_RE.findall(text))


def _prefers_surname_first(surname: str, given: str) -> bool:
    # Chinese/Korean names: the catalogue inverts them too, but they are displayed surname first.
    if _HYPHENATED_GIVEN_RE.match(given):
        return True
    return surname.lower() in EAST_ASIAN_SURNAMES and len(given.split()) == 1


def _parse_person(written: str, surname: str, given: str, paren: str | None) -> CatalogueName:
    suffix = ""
    parts = [part.strip() for part in given.split(",")]
    if len(parts) > 1 and parts[-1].lower() in _SUFFIXES:
        # "King, Martin Luther, Jr." -> given "Martin Luther", suffix "Jr."
        suffix = " " + parts[-1]
        given = ", ".join(parts[:-1])
    given_first = f"{given} {surname}{suffix}"
    surname_first = f"{surname} {given}{suffix}"
    if _prefers_surname_first(surname, given):
        forms = _dedupe([surname_first, given_first])
    else:
        forms = _dedupe([given_first, surname_first])
    alternative = None
    if paren:
        nickname = paren.strip().strip("\"'“”‘’")
        if nickname != paren.strip() or (
            re.search(r"\b[A-Z]\.", given) and paren.split()[0] == given.split()[0]
        ):
            # ("Tony") is a nickname; (John Fitzgerald) spells out "John F.": both go with
            # the surname to make a usable name.
            alternative = f"{nickname} {surname}"
        else:
            alternative = _clean(paren)
    return CatalogueName(written, forms, alternative, (), "person")


def _looks_inverted_person(surname: str, given: str) -> bool:
    # Inverted personal names have a short surname and a short given part, with no digits.
    if not surname or not given or any(ch.isdigit() for ch in surname + given):
        return False
    return len(surname.split()) <= 3 and len(given.replace(",", " ").split()) <= 5


def parse_catalogue_name(text: str) -> CatalogueName:
    """Read one curated name (person or body) into display forms, alternative and hierarchy."""
    written = _clean(text)
    name = strip_life_dates(written)
    alternative: str | None = None
    paren_match = _TRAILING_PAREN_RE.search(name)
    if paren_match and paren_match.start() > 0:
        alternative = _clean(paren_match.group(1)) or None
        name = name[: paren_match.start()].strip()
        name = strip_life_dates(name)  # "Mao, Zedong (Mao Tse-tung), 1893-1976" order too

    hierarchy_segments = split_hierarchy(name)
    if len(hierarchy_segments) > 1:
        chain = tuple(
            ". ".join(hierarchy_segments[: i + 1]) for i in range(len(hierarchy_segments))
        )
        forms = _dedupe([hierarchy_segments[-1], chain[-1]])
        return CatalogueName(written, forms, alternative, chain, "organization")

    if has_org_keyword(name):
        return CatalogueName(written, (name,), alternative, (name,), "organization")

    if "," in name:
        surname, given = (part.strip() for part in name.split(",", 1))
        if _looks_inverted_person(surname, given):
            return _parse_person(written, surname, given, alternative)

    # A bare name ("Stalin", "Nakajima Kenzo", "Japan"): nothing says what it is.
    return CatalogueName(written, (name,), alternative, (), None)


def parse_subject_heading(text: str) -> tuple[str, ...]:
    """``A--B--C`` -> ``("A", "A--B", "A--B--C")``: broadest heading first, full heading last."""
    parts = [_clean(part) for part in re.split(r"\s*--\s*", text.strip())]
    parts = [part for part in parts if part]
    return tuple("--".join(parts[: i + 1]) for i in range(len(parts)))
