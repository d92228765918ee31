"""Catalogue dates with their precision, qualifier and bounds.

"July 5, 1950" is a day, "February 1950" a month, "1948" a year and "n.d." no date. "c. 1950"
keeps its approximation, "[February 1950]" (supplied by the cataloguer) its uncertainty and
"1950-1951" both bounds, written EDTF style. A year is never widened to its first day: bounds
carry the range instead. An impossible date ("Febuary 31, 1950") is returned invalid, text kept.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from kg.core.model import DateValue

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS = frozenset(name.lower() for name in calendar.day_name)

_UNDATED = re.compile(r"^(n\.?\s?d\.?|undated|no date|date unknown|unknown)$", re.I)
_APPROX = re.compile(r"^(c\.|ca\.|circa|approx\.|approximately|about)\s*", re.I)
_MONTH = r"([A-Za-z]{3,9})\.?"
_DAY_FIRST = re.compile(rf"^(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(\d{{4}})$")
_MONTH_FIRST = re.compile(rf"^{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})$")
_MONTH_YEAR = re.compile(rf"^{_MONTH},?\s+(\d{{4}})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_YEAR = re.compile(r"^(\d{4})$")
_DECADE = re.compile(r"^(\d{3})0s$")
_RANGE = re.compile(r"^(.+?)\s*(?:[-\u2013\u2014/]|\bto\b)\s*(.+)$")

# A loose shape: what a date line looks like even when it does not parse (misspelled month).
DATE_SHAPE = re.compile(
    r"^\[?\s*(?:(?:c\.|ca\.|circa)\s*)?"
    r"(?:\d{1,2}\s+[A-Za-z]{3,10}\.?,?\s+\d{4}|[A-Za-z]{3,10}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|[A-Za-z]{3,10}\.?,?\s+\d{4}|\d{4}(?:-\d{2}(?:-\d{2})?)?|\d{3}0s)"
    r"(?:\s*(?:[-\u2013\u2014/]|to)\s*(?:[A-Za-z]{3,10}\.?\s+)?(?:\d{1,2},?\s+)?\d{4})?\s*\]?\??$"
    r"|^(?:n\.?\s?d\.?|undated|no date)$",
    re.I,
)


def looks_like_date(line: str) -> bool:
    """True when a line has the shape of a catalogue date, parseable or not."""
    text = line.strip()
    if not text or len(text) > 60:
        return False
    if not DATE_SHAPE.match(text):
        return False
    words = re.findall(r"[A-Za-z]{3,}", text)
    month_words = [w for w in words if w.lower() not in {"circa", "undated", "date", "to"}]
    # a month-like word must be close to a real month name, so "Report 1950" is no date
    return all(_near_month(w) for w in month_words)


def _near_month(word: str) -> bool:
    w = word.lower()
    if w in MONTHS:
        return True
    return any(_edit_distance_at_most_two(w, m) for m in MONTHS if len(m) > 3)


def _edit_distance_at_most_two(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 2:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] <= 2


def parse_date(text: str) -> DateValue:
    """Parse a catalogue date; never raises."""
    raw = (text or "").strip()
    body = raw
    inferred = approximate = False
    if body.startswith("[") and body.endswith("]"):
        inferred, body = True, body[1:-1].strip()
    if body.endswith("?"):
        inferred, body = True, body[:-1].strip()
    m = _APPROX.match(body)
    if m:
        approximate, body = True, body[m.end() :].strip()
    if not body or _UNDATED.match(body):
        return DateValue(text=raw, precision="none")
    single = _parse_single(body)
    if single is not None:
        return _qualify(raw, single, approximate, inferred)
    rng = _RANGE.match(body)
    if rng:
        start, end = _parse_single(rng.group(1).strip()), _parse_single(rng.group(2).strip())
        if start is None and end is not None and re.fullmatch(r"\d{1,2}", rng.group(1).strip()):
            start = None  # "13-16 February" style day ranges are not catalogue dates
        if start is not None and end is not None and start[1] <= end[2]:
            edtf = f"{start[0]}/{end[0]}"
            return DateValue(
                text=raw, precision="range", value=None, earliest=start[1], latest=end[2],
                edtf=_mark(edtf, approximate, inferred), approximate=approximate,
                inferred=inferred,
            )
    problem = _problem(body)
    return DateValue(text=raw, precision="none", valid=False, problem=problem)


def _problem(body: str) -> str:
    words = re.findall(r"[A-Za-z]+", body)
    for w in words:
        if w.lower() not in MONTHS and _near_month(w):
            return f"unknown month name {w!r}"
    return f"not a date: {body!r}"


_Parsed = tuple[str, date, date, str]  # iso value, earliest, latest, precision


def _parse_single(body: str) -> _Parsed | None:
    m = _MONTH_FIRST.match(body)
    if m:
        return _day(m.group(1), m.group(2), m.group(3))
    m = _DAY_FIRST.match(body)
    if m:
        return _day(m.group(2), m.group(1), m.group(3))
    m = _MONTH_YEAR.match(body)
    if m:
        month = MONTHS.get(m.group(1).lower())
        if month is None:
            return None
        return _month(int(m.group(2)), month)
    m = _ISO.match(body)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            return None
        if m.group(3):
            return _valid_day(year, month, int(m.group(3)))
        return _month(year, month)
    m = _YEAR.match(body)
    if m:
        year = int(m.group(1))
        return (f"{year:04d}", date(year, 1, 1), date(year, 12, 31), "year")
    m = _DECADE.match(body)
    if m:
        start = int(m.group(1)) * 10
        return (f"{m.group(1)}X", date(start, 1, 1), date(start + 9, 12, 31), "decade")
    return None


def _day(month_name: str, day: str, year: str) -> _Parsed | None:
    month = MONTHS.get(month_name.lower())
    if month is None:
        return None
    return _valid_day(int(year), month, int(day))


def _valid_day(year: int, month: int, day: int) -> _Parsed | None:
    try:
        d = date(year, month, day)
    except ValueError:
        return None
    return (d.isoformat(), d, d, "day")


def _month(year: int, month: int) -> _Parsed:
    last = calendar.monthrange(year, month)[1]
    return (f"{year:04d}-{month:02d}", date(year, month, 1), date(year, month, last), "month")


def _mark(edtf: str, approximate: bool, inferred: bool) -> str:
    if approximate and inferred:
        return edtf + "%"
    if approximate:
        return edtf + "~"
    if inferred:
        return edtf + "?"
    return edtf


def _qualify(raw: str, parsed: _Parsed, approximate: bool, inferred: bool) -> DateValue:
    value, earliest, latest, precision = parsed
    if precision == "decade":
        return DateValue(
            text=raw, precision="range", value=None, earliest=earliest, latest=latest,
            edtf=_mark(value, approximate, inferred), approximate=approximate, inferred=inferred,
        )
    return DateValue(
        text=raw, precision=precision,  # type: ignore[arg-type]
        value=value, earliest=earliest, latest=latest,
        edtf=_mark(value, approximate, inferred), approximate=approximate, inferred=inferred,
    )
