"""Canonical names of bodies written in the catalogue's many ways.

- Diplomatic missions are named by sending and host country: "Polish Embassy in Bucharest",
  "Romanian Embassy, Beijing" and "Embassy of the Polish Republic in Korea" are "Embassy of
  Poland in Romania", "Embassy of Romania in China", "Embassy of Poland in Korea"; the host
  country is found from the city through the place authority (`within`). Consulates keep
  their city ("Consulate of the United States in Calcutta").
- Foreign ministries are named by their country: "the Hungarian Foreign Ministry", "USSR
  Foreign Ministry", "Romanian Ministry of Foreign Affairs" -> "Ministry of Foreign Affairs of
  Hungary"; other ministries likewise ("Ministry of the Interior of Cuba").
- Party organs named by a country ("Bulgarian Politburo") are the organs of that country's
  ruling party as the authority knows it ("Politburo of the Bulgarian Communist Party").

Everything is derived from the authority files: countries, demonyms, cities and parties; no
body is listed here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.core.gazetteer import Gazetteer
from kg.core.lexicon import (
    FOREIGN_MINISTRY_FORMS,
    GATHERING_WORDS,
    MISSION_WORDS,
    PARTY_ORGANS,
    words_pattern,
)

# Country names read with the definite article ("Embassy of the Netherlands in Cuba").
_ARTICLE_FIRST_WORDS = ("United", "Soviet", "Netherlands", "Philippines", "Democratic",
                        "People's", "Republic", "Holy", "Vatican", "Czech", "Gambia",
                        "Bahamas", "Maldives")
_MISSION = words_pattern(MISSION_WORDS)
_STATE_WORDS = re.compile(
    r"^(?:the\s+)?(?:(?:Democratic|People['’]s|Socialist|Federal|Popular|Polish|Islamic|Arab|"
    r"Hungarian|Czechoslovak|Romanian|Bulgarian|Mongolian|Korean)\s+)*Republic\s+of\s+", re.I)


def country_label(gazetteer: Gazetteer, key: str) -> str:
    label = gazetteer.authority.entries[key].name
    return f"the {label}" if label.split()[0] in _ARTICLE_FIRST_WORDS else label


def country_of(gazetteer: Gazetteer, words: str) -> str | None:
    """The key of the country that a demonym, country name or city names, or None."""
    text = " ".join(words.replace("’", "'").split()).strip(" ,.")
    text = re.sub(r"^the\s+", "", text, flags=re.I)
    if not text:
        return None
    for candidate in _country_forms(text):
        key = gazetteer.demonym(candidate)
        if key is None:
            res = gazetteer.match(candidate, "place")
            key = res.entity.key if res else None
        key = gazetteer.country(key)
        if key:
            return key
    return None


def _country_forms(text: str) -> list[str]:
    forms = [text]
    stripped = _STATE_WORDS.sub("", text)
    if stripped != text:
        forms.append(stripped)
    m = re.match(r"^(?P<adj>[A-Z][\w'-]+)\s+(?:People's\s+|Socialist\s+|Popular\s+|Democratic\s+)*"
                 r"Republic$", text)
    if m:
        forms.append(m.group("adj"))
    return forms


# The catalogue's abbreviations of party organs, spelt out as the authority writes them.
_ABBREVIATIONS = (
    # "the CC CP of Azerbaijan", "the CC of the CP of Azerbaijan": spelt out only where the
    # abbreviation heads a phrase with "of", so that "CPSU CC" and "SED CC" keep their names
    (re.compile(r"\bCC\s+CP\s+of\b"), "Central Committee of the Communist Party of"),
    (re.compile(r"\bCC\s+(?=of\b)"), "Central Committee "),
    (re.compile(r"\bCP\s+(?=of\b)"), "Communist Party "),
    (re.compile(r"\bMFA\b"), "Ministry of Foreign Affairs"),
)
_EVENT_LEAD = re.compile(
    r"^(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+){0,2}?(?:" + words_pattern(GATHERING_WORDS) +
    r"|delegations?|members?|representatives?|leaders?)\s+(?:of|from|with)\s+(?:the\s+)?", re.I)


def trim_body(phrase: str, gazetteer: Gazetteer) -> str:
    """A body's name without what was written around it: an event or delegation before it
    ("Delegations of the Romanian Workers Party"), a place after it ("Chinese Communist Party
    in Beijing"); party abbreviations spelt out ("the CC of the CP of Azerbaijan" -> "Central
    Committee of the Communist Party of Azerbaijan", "Azerbaijan CP" -> "Communist Party of
    Azerbaijan")."""
    text = " ".join(re.sub(r"\s*\((?:[A-Z][A-Za-z]?){1,2}[A-Z]{0,6}\)", "", phrase).split())
    while (m := _EVENT_LEAD.match(text)) and len(text[m.end():].split()) >= 1:
        text = text[m.end():]
    where = re.search(r"\s+(?:in|at)\s+(?P<place>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)$", text)
    if where and gazetteer.kind_of(where.group("place")) == "place" and not re.search(
            rf"\b{_MISSION}\b", text, re.I):
        text = text[:where.start()]
    m = re.match(r"^(?:the\s+)?(?P<country>[A-Z][\w'-]+)\s+CP$", text)
    if m and country_of(gazetteer, m.group("country")):
        text = f"Communist Party of {m.group('country')}"
    for pattern, full in _ABBREVIATIONS:
        text = pattern.sub(full, text)
    return re.sub(r"^(?:the\s+)+", "", text)


def canonical_body(phrase: str, gazetteer: Gazetteer) -> str | None:
    """The canonical name of a mission, ministry or party organ, or None if `phrase` is none
    of these (or its country cannot be told)."""
    text = " ".join(phrase.replace("’", "'").split()).strip(" ,.")
    text = re.sub(r"^the\s+", "", text, flags=re.I)
    return _mission(text, gazetteer) or _ministry(text, gazetteer) or _party_organ(text, gazetteer)


def _mission(text: str, gazetteer: Gazetteer) -> str | None:
    m = re.match(rf"^(?:(?P<adj>.+?)\s+)?(?P<kind>{_MISSION})(?:\s+of\s+(?P<of>.+?))?"
                 rf"(?:\s*(?:,|\bin\b|\bat\b|\bto\b)\s*(?P<host>.+?))?$", text, re.I)
    if not m:
        return None
    kind = " ".join(w.capitalize() for w in m.group("kind").split())
    sender_words = m.group("of") or m.group("adj") or ""
    sender = country_of(gazetteer, sender_words) if sender_words else None
    if sender is None:
        return None
    host_text = (m.group("host") or "").split(",")[0].strip()
    name = f"{kind} of {country_label(gazetteer, sender)}"
    if not host_text:
        return name
    if kind.startswith("Consulate"):
        return f"{name} in {host_text}"
    host = country_of(gazetteer, host_text)
    return f"{name} in {country_label(gazetteer, host)}" if host else f"{name} in {host_text}"


def _ministry(text: str, gazetteer: Gazetteer) -> str | None:
    forms = words_pattern(FOREIGN_MINISTRY_FORMS)
    m = re.match(rf"^(?:(?P<adj>.+?)\s+)?(?P<min>{forms})(?:\s+of\s+(?P<of>.+))?$", text)
    if m:
        who = m.group("of") or m.group("adj")
        key = country_of(gazetteer, who) if who else None
        return f"Ministry of Foreign Affairs of {country_label(gazetteer, key)}" if key else None
    m = re.match(r"^(?P<adj>.+?)\s+Ministry\s+of\s+(?P<what>(?:the\s+)?[A-Z][\w\s]+)$", text)
    if m:
        key = country_of(gazetteer, m.group("adj"))
        if key:
            what = m.group("what").strip()
            return f"Ministry of {what} of {country_label(gazetteer, key)}"
    return None


def _party_organ(text: str, gazetteer: Gazetteer) -> str | None:
    organs = words_pattern(PARTY_ORGANS)
    m = re.match(rf"^(?P<adj>.+?)\s+(?P<organ>{organs})$", text)
    if not m or re.search(r"\b(?:Party|CC|Committee|CP\w*)\b", m.group("adj")):
        return None
    key = country_of(gazetteer, m.group("adj"))
    party = ruling_party(gazetteer, key) if key else None
    if party is None:
        return None
    organ = " ".join(m.group("organ").split())
    party_name = gazetteer.authority.entries[party].name
    return f"{organ} of the {party_name}"


@lru_cache(maxsize=512)
def ruling_party(gazetteer: Gazetteer, country: str) -> str | None:
    """The country's top-level party when the authority knows exactly one communist or
    workers' party there (the party whose organs the catalogue names by the country). Cached:
    it scans the whole authority, which does not change while a gazetteer lives."""
    parties = [e for e in gazetteer.authority.entries.values()
               if e.kind == "organization" and e.type == "party" and e.country == country
               and not e.parent]
    ruling = [e for e in parties if re.search(r"Communist|Workers|Socialist Unity|Labour|"
                                              r"Revolutionary", e.name)]
    chosen = ruling if ruling else parties
    return chosen[0].key if len(chosen) == 1 else None
