"""Reading the MediaWiki API's JSON answers (``wbsearchentities``, ``wbgetentities``) into
typed records; `WikidataResponseError` when an answer is not what the API documents."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from kg.resolve.wikidata.model import EntityFacts, SearchHit, TimeValue, WikidataResponseError

__all__ = ["parse_entities", "parse_search", "parse_time"]

# Claims that tie an item to a country or region; a context id found among them counts as context.
_RELATED_PROPERTIES = ("P17", "P27", "P131")


_TIME_RE = re.compile(r"^([+-])(\d{1,16})-(\d{2})-(\d{2})T")
_JULIAN = "http://www.wikidata.org/entity/Q1985786"


def parse_time(value: Mapping[str, Any]) -> TimeValue | None:
    """Read a Wikibase time datavalue ({"time": "+1878-12-18T00:00:00Z", "precision": 11, ...}).

    The bounds are deliberately generous: they are used only to *reject* candidates, and a false
    rejection is worse than a missed one (the candidate still has to win on name and type).
    """
    text = value.get("time")
    precision = value.get("precision")
    if not isinstance(text, str) or not isinstance(precision, int):
        return None
    found = _TIME_RE.match(text)
    if not found:
        return None
    sign, year_s, month_s, day_s = found.groups()
    year = int(year_s) * (-1 if sign == "-" else 1)
    month, day = int(month_s), int(day_s)
    earliest, latest = _time_bounds(year, month, day, precision)
    if earliest and latest and value.get("calendarmodel") == _JULIAN:
        # A Julian date is 10-13 days off the Gregorian calendar in the modern era.
        earliest, latest = earliest - timedelta(days=13), latest + timedelta(days=13)
    return TimeValue(text, precision, year, earliest, latest)


def _time_bounds(
    year: int, month: int, day: int, precision: int
) -> tuple[date | None, date | None]:
    """First and last day a time value can mean, by precision; (None, None) out of range."""
    if precision >= 11 and month and day:
        first_year, last_year = year, year
        first, last = (month, day), (month, day)
    elif precision >= 10 and month:
        first_year, last_year = year, year
        first, last = (month, 1), (month, calendar.monthrange(max(year, 1), month)[1])
    else:
        # Year or coarser. Decades and centuries are written inconsistently in Wikidata
        # ("+1900" can be the 1900s or the 19th century), so widen by a whole span both ways.
        span = 0 if precision >= 9 else 10 ** min(9 - precision, 4)
        first_year, last_year = year - span, year + span
        first, last = (1, 1), (12, 31)
    if first_year < 1 or last_year > 9999:
        return None, None
    try:
        return date(first_year, *first), date(last_year, *last)
    except ValueError:  # "+1950-02-31": take the month
        return date(first_year, first[0], 1), date(
            last_year, last[0], calendar.monthrange(last_year, last[0])[1]
        )


def parse_search(data: Any) -> list[SearchHit]:
    """Search hits from a ``wbsearchentities`` answer; `WikidataResponseError` if malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("search"), list):
        raise WikidataResponseError("wbsearchentities answer has no 'search' list")
    hits: list[SearchHit] = []
    for item in data["search"]:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise WikidataResponseError("wbsearchentities hit without an 'id'")
        match = item.get("match") if isinstance(item.get("match"), dict) else {}
        label = item.get("label") or match.get("text") or item["id"]
        aliases = tuple(a for a in item.get("aliases") or () if isinstance(a, str))
        hits.append(
            SearchHit(
                id=item["id"],
                label=str(label),
                description=str(item.get("description") or ""),
                aliases=aliases,
                match_text=str(match.get("text") or ""),
            )
        )
    return hits


def parse_entities(data: Any, language: str = "en") -> dict[str, EntityFacts]:
    """Facts per id from a ``wbgetentities`` answer; missing items are left out."""
    if not isinstance(data, dict) or not isinstance(data.get("entities"), dict):
        raise WikidataResponseError("wbgetentities answer has no 'entities' object")
    facts: dict[str, EntityFacts] = {}
    for key, item in data["entities"].items():
        if not isinstance(item, dict):
            raise WikidataResponseError(f"wbgetentities entity {key!r} is not an object")
        if "missing" in item:
            continue
        claims = item.get("claims") or {}
        if not isinstance(claims, dict):
            raise WikidataResponseError(f"claims of {key!r} are not an object")
        births = [t for t in map(parse_time, _values(claims, "P569")) if t]
        deaths = [t for t in map(parse_time, _values(claims, "P570")) if t]
        facts[str(item.get("id", key))] = EntityFacts(
            id=str(item.get("id", key)),
            label=_lang_value(item.get("labels"), language),
            description=_lang_value(item.get("descriptions"), language),
            aliases=tuple(
                a["value"]
                for a in (item.get("aliases") or {}).get(language, [])
                if isinstance(a, dict) and isinstance(a.get("value"), str)
            ),
            instance_of=tuple(_item_ids(claims, "P31")),
            birth=births[0] if births else None,
            death=deaths[0] if deaths else None,
            coordinates=_coordinates(claims),
            related=tuple(i for p in _RELATED_PROPERTIES for i in _item_ids(claims, p)),
        )
    return facts


def _lang_value(field: Any, language: str) -> str:
    if isinstance(field, dict) and isinstance(field.get(language), dict):
        return str(field[language].get("value", ""))
    return ""


def _values(claims: Mapping[str, Any], prop: str) -> list[Mapping[str, Any]]:
    """Datavalue values of a property's statements, preferred rank first, deprecated dropped."""
    statements = [s for s in claims.get(prop) or [] if isinstance(s, dict)]
    statements = [s for s in statements if s.get("rank") != "deprecated"]
    statements.sort(key=lambda s: s.get("rank") != "preferred")  # stable: keeps API order
    values = []
    for statement in statements:
        snak = statement.get("mainsnak") or {}
        if snak.get("snaktype") != "value":  # "somevalue"/"novalue" carry no datavalue
            continue
        value = (snak.get("datavalue") or {}).get("value")
        if isinstance(value, dict):
            values.append(value)
    return values


def _item_ids(claims: Mapping[str, Any], prop: str) -> list[str]:
    ids = []
    for value in _values(claims, prop):
        if isinstance(value.get("id"), str):
            ids.append(value["id"])
        elif isinstance(value.get("numeric-id"), int):
            ids.append(f"Q{value['numeric-id']}")
    return ids


def _coordinates(claims: Mapping[str, Any]) -> tuple[float, float] | None:
    for value in _values(claims, "P625"):
        lat, lon = value.get("latitude"), value.get("longitude")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            return float(lat), float(lon)
    return None
