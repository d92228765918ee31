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
  ruling party as the authority knows it ("Politburo of the Bulgarian Communist Party"); so are
  organs named by their party, before or after it ("BCP CC Politburo", "Political Bureau of
  the ..."), under the authority's own name for an organ it lists, else under the party's
  name of the record's year (`names_then`: "Politburo of the Romanian Workers' Party", 1960).
- Missions are named by the states of the record's year (`within_then`: an embassy in Moscow
  in 1960 is in the Soviet Union).

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
    ORG_WORDS,
    PARTY_ORGAN_NAMES,
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


def country_of(gazetteer: Gazetteer, words: str, year: int | None = None) -> str | None:
    """The key of the country that a demonym, country name or city names, or None; in `year`,
    if given, the state that held the place then (Prague in 1962: Czechoslovakia)."""
    text = " ".join(words.replace("’", "'").split()).strip(" ,.")
    text = re.sub(r"^the\s+", "", text, flags=re.I)
    if not text:
        return None
    for candidate in _country_forms(text):
        key = gazetteer.demonym(candidate)
        if key is None:
            res = gazetteer.match(candidate, "place")
            key = res.entity.key if res else None
        key = gazetteer.country(key, year)
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
# An event, gathering or delegation named before a body ("Delegations of the Romanian Workers
# Party", "Women's Delegation from Guinea").
EVENT_LEAD = re.compile(
    r"^(?:the\s+|a\s+|an\s+)?(?:[\w'’-]+\s+){0,2}?(?:" + words_pattern(GATHERING_WORDS) +
    r"|delegations?|members?|representatives?|leaders?)\s+(?:of|from|with)\s+(?:the\s+)?", re.I)


def trim_body(phrase: str, gazetteer: Gazetteer) -> str:
    """A body's name without what was written around it: an event or delegation before it
    ("Delegations of the Romanian Workers Party"), a place after it ("Chinese Communist Party
    in Beijing"); party abbreviations spelt out ("the CC of the CP of Azerbaijan" -> "Central
    Committee of the Communist Party of Azerbaijan", "Azerbaijan CP" -> "Communist Party of
    Azerbaijan")."""
    text = " ".join(re.sub(r"\s*\((?:[A-Z][A-Za-z]?){1,2}[A-Z]{0,6}\)", "", phrase).split())
    while (m := EVENT_LEAD.match(text)) and len(text[m.end():].split()) >= 1:
        text = text[m.end():]
    where = re.search(r"\s+(?:in|at)\s+(?P<place>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)$", text)
    if where and not re.search(rf"\b{_MISSION}\b", text, re.I) and (
            gazetteer.kind_of(where.group("place")) == "place"
            or gazetteer.exactly(text[:where.start()], "organization")):
        # a known body "in Pitzunda": where it met, whether the place is known or not
        text = text[:where.start()]
    if (end := _TRAILING_EVENT.search(text)) and (
            len(text[:end.start()].split()) > 1 and _ORG_WORD_LAST.search(text[:end.start()])
            or gazetteer.exactly(text[:end.start()], "organization")):
        text = text[:end.start()]  # "CPSU CC Plenum", "Armed Forces General Command meeting"
    m = re.match(r"^(?:the\s+)?(?P<country>[A-Z][\w'-]+)\s+CP$", text)
    if m and country_of(gazetteer, m.group("country")):
        text = f"Communist Party of {m.group('country')}"
    for pattern, full in _ABBREVIATIONS:
        text = pattern.sub(full, text)
    return re.sub(r"^(?:(?:the|an?)\s+)+", "", text)


# A gathering of a body written after its name; not a conference, congress or summit, which
# often is the name ("Asian-African Conference", "National People's Congress").
_TRAILING_EVENT = re.compile(r"\s+" + words_pattern(tuple(
    w for w in GATHERING_WORDS if w not in ("conference", "congress", "summit"))) + "$", re.I)
_ORG_WORD_LAST = re.compile(r"\b" + words_pattern(ORG_WORDS) + "$")


def is_delegation(phrase: str) -> bool:
    """A delegation ("an Guinean Educational Delegation") is the people sent, not a body: the
    body that sent them is named after "of" or "from", when the title names it."""
    return bool(_DELEGATION.search(phrase))


def delegation_sender(phrase: str, gazetteer: Gazetteer) -> str | None:
    """The body that sent a delegation named after it, when the authority knows the body:
    "the Party of Labor of Albania Delegation" -> "the Party of Labor of Albania"."""
    sender = _DELEGATION_OF.sub("", phrase)
    return sender if sender != phrase and gazetteer.exactly(sender, "organization") else None


_DELEGATION = re.compile(r"\bdelegations?$", re.I)
_DELEGATION_OF = re.compile(r"\s+(?:(?:Government|Party|Trade|Economic|Military|Official)\s+)?"
                            r"Delegations?$")


def canonical_body(phrase: str, gazetteer: Gazetteer, year: int | None = None) -> str | None:
    """The canonical name of a mission, ministry or party organ, or None if `phrase` is none
    of these (or its country cannot be told). A mission of `year` is named by the states of
    that year ("Czech Embassy in Moscow" in 1962: "Embassy of Czechoslovakia in the Soviet
    Union"); a ministry or a party organ by its own country (Ukraine had a foreign ministry
    and Azerbaijan a communist party of their own inside the Soviet Union)."""
    text = " ".join(phrase.replace("’", "'").split()).strip(" ,.")
    text = re.sub(r"^the\s+", "", text, flags=re.I)
    return (_mission(text, gazetteer, year) or _ministry(text, gazetteer)
            or _party_organ(text, gazetteer, year))


def _mission(text: str, gazetteer: Gazetteer, year: int | None) -> str | None:
    m = re.match(rf"^(?:(?P<adj>.+?)\s+)?(?P<kind>{_MISSION})(?:\s+of\s+(?P<of>.+?))?"
                 rf"(?:\s*(?:,|\bin\b|\bat\b|\bto\b)\s*(?P<host>.+?))?$", text, re.I)
    if not m:
        return None
    kind = " ".join(w.capitalize() for w in m.group("kind").split())
    sender_words = m.group("of") or m.group("adj") or ""
    # a permanent mission may be a member republic's own ("Ukrainian Mission to the UN")
    sender_year = None if kind.endswith("Mission") else year
    sender = country_of(gazetteer, sender_words, sender_year) if sender_words else None
    if sender is None:
        return None
    host_text = (m.group("host") or "").split(",")[0].strip()
    name = f"{kind} of {country_label(gazetteer, sender)}"
    if not host_text:
        return name
    if kind.startswith("Consulate"):
        return f"{name} in {host_text}"
    host = country_of(gazetteer, host_text, year)
    if host:
        return f"{name} in {country_label(gazetteer, host)}"
    # a mission to a body, not a country: "Mission of Cuba to the United Nations"
    body = gazetteer.exactly(host_text, "organization") if kind.endswith("Mission") else None
    if body is None:
        return f"{name} in {host_text}"
    label = gazetteer.authority.entries[body.entity.key].name
    return f"{name} to {label}" if label.isupper() else f"{name} to the {label}"


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


def _party_organ(text: str, gazetteer: Gazetteer, year: int | None = None) -> str | None:
    """An organ named after its party: by the party's country ("Bulgarian Politburo") or by
    the party itself, its central committee between them or not ("Bulgarian Communist Party
    Politburo", "CC CPSU Politburo", "Communist Party of Vietnam Central Committee"), or
    turned ("Political Bureau of the Hungarian Socialist Workers' Party")."""
    m = _ORGAN_LAST.match(text)
    found = _organ_after(m.group("before"), m.group("organ"), gazetteer, year) if m else None
    turned = _ORGAN_FIRST.match(text)
    if found is None and turned:
        found = _organ_after(turned.group("party"), turned.group("organ"), gazetteer, year)
    return found


_ORGAN_LAST = re.compile(rf"^(?P<before>.+?)\s+(?P<organ>{words_pattern(PARTY_ORGANS)})$")
_ORGAN_FIRST = re.compile(
    rf"^(?P<organ>{words_pattern(PARTY_ORGANS)})\s+of\s+(?:the\s+)?(?P<party>.+)$")


def _organ_after(before: str, written_organ: str, gazetteer: Gazetteer,
                 year: int | None) -> str | None:
    organ = PARTY_ORGAN_NAMES[" ".join(written_organ.split())]
    party = _party_named(before, organ, gazetteer)
    if party is None and not re.search(r"\b(?:Party|CC|Committee|CP\w*)\b", before):
        key = country_of(gazetteer, before)
        party = ruling_party(gazetteer, key) if key else None
    return _organ_of(gazetteer, party, organ, year) if party else None


def _party_named(words: str, organ: str, gazetteer: Gazetteer) -> str | None:
    """The key of the party (or its central committee) that `words` names, or None. A party
    written by a former name ("Romanian Workers Party") is the party the authority has under
    its present one ("Romanian Communist Party"); `_organ_of` names its organs by the year."""
    if organ != "Central Committee":  # "CPSU CC Politburo": the organ is the committee's
        words = re.sub(r"\s+(?:CC|Central\s+Committee)$", "", words)
        words = re.sub(r"^(?:the\s+)?(?:CC|Central\s+Committee)\s+of\s+(?:the\s+)?", "", words)
    res = gazetteer.exactly(words, "organization")
    if res is not None:
        entry = gazetteer.authority.entries[res.entity.key]
        return entry.key if entry.type == "party" else None
    # "Czechoslovak Communist Party", "Albanian Party of Labor": the country's ruling party,
    # written with its country's name
    m = re.match(r"^(?:the\s+)?(?P<adj>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)??)\s+(?P<rest>.+)$",
                 words)
    # the party's name ends the words: "... Party", "... Party of Labor"
    if not m or not re.search(r"\bParty(?:\s+of\s+[A-Z][\w'’]+)?$", m.group("rest")) or \
            not _RULING.search(m.group("rest")):
        return None
    key = country_of(gazetteer, m.group("adj"))
    return ruling_party(gazetteer, key) if key else None


@lru_cache(maxsize=512)
def _organ_of(gazetteer: Gazetteer, party: str, organ: str, year: int | None = None) -> str:
    """The authority's name of `organ` of `party` (the one body so named under the party's
    top, "Politburo of the Central Committee of the Communist Party of the Soviet
    Union"), else "Organ of the Party" with the party's name in `year` (the Politburo of the
    Romanian Workers' Party in 1960, of the Romanian Communist Party in 1970). Cached: it
    scans the whole authority."""
    entries = gazetteer.authority.entries
    top = party
    while (up := entries[top].parent) in entries and entries[up].type == "party":
        top = up
    # by its name or another ("Presidium of the CPSU Central Committee", the Politburo's
    # name from 1952 to 1966)
    known = [e.name for e in entries.values()
             if any(n.startswith(f"{organ} of ") for n in (e.name, *e.variants))
             and _under(entries, e.key, top)]
    if len(known) == 1:
        return known[0]
    then = next((n.value for n in entries[top].names_then if year and n.covers(year)), None)
    return f"{organ} of the {then or entries[top].name}"


def _under(entries: dict, key: str | None, top: str) -> bool:
    """Whether `key` is `top` or a body under it, by the authority's parents."""
    seen: set[str] = set()
    while key in entries and key not in seen:
        if key == top:
            return True
        seen.add(key)
        key = entries[key].parent
    return False


# Words of the names of the parties that ruled (or sought to rule) as the country's party.
_RULING = re.compile(r"Communist|Workers|Socialist Unity|Labou?r|Revolutionary")


@lru_cache(maxsize=512)
def ruling_party(gazetteer: Gazetteer, country: str) -> str | None:
    """The country's top-level party when the authority knows exactly one communist or
    workers' party there (the party whose organs the catalogue names by the country). Cached:
    it scans the whole authority, which does not change while a gazetteer lives."""
    parties = [e for e in gazetteer.authority.entries.values()
               if e.kind == "organization" and e.type == "party" and e.country == country
               and not e.parent]
    ruling = [e for e in parties if _RULING.search(e.name)]
    chosen = ruling if ruling else parties
    return chosen[0].key if len(chosen) == 1 else None
