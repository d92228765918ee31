"""Assign subject headings to a resolved entry, each with its evidence and a confidence.

Runs after names are resolved: it reads who wrote to whom (the countries of correspondents and
participants, the places their posts name), which places and organisations each sentence of the
title, summary and full text names, the words around them, and the document's date against the
dates of wars and periods. Every piece of evidence has a weight; a heading's confidence is the
noisy-or of its weights (1 - prod(1 - w)), and headings under `THRESHOLD` are dropped.

Nothing here knows a document: the rules are heading patterns (place--Foreign relations--place,
place--facet, topic--place, events, organisations) over the vocabularies of the scheme, plus the
curated headings of *other* records (`SubjectScheme.archive(exclude=...)`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from kg.core.authority import Authority
from kg.core.identity import document_key
from kg.core.model import Entity, Entry, Record, SubjectClaim
from kg.resolve.subject_scheme import (
    PERIOD,
    PLACE_TYPES_COUNTRY,
    PLACE_TYPES_REGION,
    ArchiveView,
    SubjectScheme,
    heading_parts,
    norm,
    subject_scheme,
)

__all__ = ["THRESHOLD", "assign_subjects", "learn_records"]

THRESHOLD = 0.45
MAX_HEADINGS = 12
FIELDS = ("title", "summary", "full_text")
# Weight of one sentence of evidence, by field: a title or summary is the cataloguer's own
# distillation, a sentence of the full text one voice among hundreds.
FIELD_WEIGHT = {"title": 0.6, "summary": 0.5, "full_text": 0.15}
# A section of a memorandum about a country ("b) Iran") that names another country.
SECTION_WEIGHT = 0.3
# A war or event named outright is strong evidence wherever it is named.
EVENT_WEIGHT = {"title": 0.9, "summary": 0.75, "full_text": 0.3}
# How strongly a sentence names a place: by name, by adjective ("Japanese"), through a
# person's nationality or an organisation's country.
NAMED, IMPLIED, THROUGH = 1.0, 0.7, 0.4
NEAR = 40  # characters between a country and the word of its membership
# a country's own membership of an organisation (its enlargement is the organisation's own)
MEMBERSHIP = re.compile(r"\b(member|members|membership|accession|join|joining|admission|"
                        r"admit|entry)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_LINE = re.compile(r"[^\n]+")
UNDER_HEADING = 0.7
# a short line without a full stop, optionally numbered ("b) Iran", "2. German-Russian issues")
_HEADING_LINE = re.compile(r"^\s*(?:[-–•]\s*)?(?:(?:[a-zA-Z]|\d{1,2}|[IVX]{1,4})[.)．]\s*)?"
                           r"[A-Z][^.!?:;]{1,70}$")


def _is_section_heading(line: str) -> bool:
    return bool(_HEADING_LINE.match(line.strip())) and len(line.split()) <= 10


@dataclass
class _Sentence:
    field: str
    text: str
    places: dict[str, float] = field(default_factory=dict)  # heading-place key -> strength
    orgs: set[str] = field(default_factory=set)
    context: str = ""  # the section heading the sentence stands under
    section: int | None = None  # index of that heading among the document's sentences
    own: dict[str, float] = field(default_factory=dict)  # places named in the sentence itself
    start: int = 0  # offset in the field's text
    at: list[tuple[int, str]] = field(default_factory=list)  # (offset in sentence, place key)

    @property
    def words(self) -> str:
        """The sentence with its section heading: where cue words are looked for."""
        return f"{self.context}\n{self.text}" if self.context else self.text


@dataclass
class _Evidence:
    """Weighted evidence per heading; confidence is their noisy-or."""

    by_heading: dict[str, list[tuple[float, str]]] = field(default_factory=dict)

    def add(self, heading: str, weight: float, why: str) -> None:
        if weight > 0:
            self.by_heading.setdefault(heading, []).append((min(weight, 0.95), why))

    def confidence(self, heading: str) -> float:
        p = 1.0
        for w, _ in self.by_heading.get(heading, []):
            p *= 1 - w
        return 1 - p

    def claims(self, threshold: float) -> list[SubjectClaim]:
        out = []
        for heading, items in self.by_heading.items():
            c = self.confidence(heading)
            if c >= threshold:
                items = sorted(items, key=lambda x: -x[0])
                why = tuple(dict.fromkeys(f"{t} ({w:.2f})" for w, t in items))[:8]
                out.append(SubjectClaim(heading=heading, evidence=why, confidence=round(c, 3)))
        out.sort(key=lambda c: (-c.confidence, c.heading))
        return out[:MAX_HEADINGS]


@lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alts = sorted((re.escape(w) for w in words if w), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(alts) + r")(?![\w-])", re.I)


def _cue(words: Iterable[str], text: str) -> str | None:
    words = tuple(words)
    if not words:
        return None
    m = _pattern(words).search(text)
    return m.group(0) if m else None


class _Doc:
    """An entry seen as sentences naming places and organisations."""

    def __init__(self, entry: Entry, authority: Authority, scheme: SubjectScheme):
        self.entry, self.authority, self.scheme = entry, authority, scheme
        r = entry.record
        self.year = int(entry.date.value[:4]) if entry.date.value else None
        texts = {"title": r.title, "summary": r.summary, "full_text": r.full_text}
        self.sentences: list[_Sentence] = []
        starts: dict[str, list[int]] = {}
        first: dict[str, int] = {}
        headed: list[int | None] = []  # per sentence: the section heading it stands under
        for f in FIELDS:
            text = texts[f] or ""
            first[f] = len(self.sentences)
            starts[f] = []
            heading: int | None = None
            for line in _LINE.finditer(text):
                is_heading = f == "full_text" and _is_section_heading(line.group(0))
                pos = line.start()
                for m in list(_SENTENCE_END.finditer(text, pos, line.end())) + [None]:
                    end = m.start() if m else line.end()
                    if text[pos:end].strip():
                        starts[f].append(pos)
                        headed.append(None if is_heading else heading)
                        self.sentences.append(_Sentence(f, text[pos:end], start=pos))
                    pos = m.end() if m else line.end()
                if is_heading:
                    heading = len(self.sentences) - 1
        # the correspondents and participants speak for their countries
        speakers = {e.key for e in entry.authors + entry.recipients + entry.participants
                    + entry.intermediaries}
        for link in entry.links:
            mention = link.mention
            s = starts[mention.field]
            if not s:
                continue
            sent = self.sentences[first[mention.field] + max(0, bisect_right(s, mention.start) - 1)]
            e = link.entity
            if e.kind == "organization" and self.is_international(e.key):
                sent.orgs.add(e.key)
            key, direct = self.place_of(e)
            if e.kind == "organization" or e.key in speakers:
                strength = IMPLIED  # a country's party, ministry or army speaks for it
            elif e.kind != "place" or not direct:
                strength = THROUGH
            else:
                strength = IMPLIED if mention.implied else NAMED
            if key and sent.places.get(key, 0) < strength:
                sent.places[key] = strength
            if key and strength >= IMPLIED:
                sent.at.append((mention.start - sent.start, key))
        # a memorandum's section heading ("b) Iran", "Domestic political situation in
        # Russia") says what the sentences under it are about
        for sent in self.sentences:
            sent.own = dict(sent.places)
        for sent, h in zip(self.sentences, headed):
            if h is None:
                continue
            sent.section = h
            under = self.sentences[h]
            for k, v in under.places.items():
                if sent.places.get(k, 0) < v * UNDER_HEADING:
                    sent.places[k] = v * UNDER_HEADING
            sent.orgs |= under.orgs
            sent.context = under.text

    # -- what an entity stands for ------------------------------------------------------------

    def place_of(self, e: Entity) -> tuple[str | None, bool]:
        """The country (or region) an entity belongs to: a place itself or the country it is
        in, a person's nationality, an organisation's country; and whether the entity is that
        place itself (a city names where something happened, not whom it concerns)."""
        a = self.authority.get(e.key) if e.resolved else None
        if a is None:
            return None, False
        if a.kind == "person":
            return self.place_key(a.nationality), False
        if a.kind == "organization":
            return self.place_key(a.country), False
        key = self.place_key(a.key)
        return key, key == a.key

    def place_key(self, key: str | None, depth: int = 0) -> str | None:
        a = self.authority.get(key) if key else None
        if a is None or a.kind != "place" or depth > 5:
            return None
        if a.type in PLACE_TYPES_COUNTRY or a.type in PLACE_TYPES_REGION:
            return a.key
        return self.place_key(a.within, depth + 1)

    def curated_places(self) -> set[str]:
        """Countries and regions of the catalogue's own list of places (not its headings)."""
        out = set()
        for name, e in self.entry.curated:
            if name == "places":
                key, _ = self.place_of(e)
                if key:
                    out.add(key)
        return out

    def is_country(self, key: str) -> bool:
        a = self.authority.get(key)
        return bool(a and a.type in PLACE_TYPES_COUNTRY)

    def is_international(self, key: str) -> bool:
        a = self.authority.get(key)
        return bool(a and a.kind == "organization" and a.type == "international")

    def name(self, key: str) -> str:
        return self.scheme.name_of(key, self.authority) or key

    # -- who speaks to whom ---------------------------------------------------------------------

    def home_and_counterparts(self) -> tuple[dict[str, str], dict[str, str]]:
        """Countries of the authors, and of the recipients, participants and intermediaries
        and the places the authors' posts name ("Ambassador to China"): key -> who."""
        entry = self.entry
        home: dict[str, str] = {}
        # a record of a conversation has no author: the side whose record it is comes first
        # among the participants ("The Chancellor's Meeting with ...")
        first_party = entry.participants[:1] if not entry.authors else []
        for e in entry.authors + first_party + [e for n, e in entry.curated if n == "authors"]:
            key, _ = self.place_of(e)
            if key and self.is_country(key):
                home.setdefault(key, e.label)
        other: dict[str, str] = {}
        for e in entry.recipients + entry.participants[len(first_party):] + entry.intermediaries:
            key, _ = self.place_of(e)
            if key and self.is_country(key) and key not in home:
                other.setdefault(key, e.label)
        authors = {e.key for e in entry.authors + first_party}
        for claim in entry.roles:
            if claim.place and claim.person.key in authors:
                key, _ = self.place_of(claim.place)
                if key and self.is_country(key) and key not in home:
                    other.setdefault(key, f"{claim.person.label}, {claim.label}")
        return home, other


def learn_records(records: Iterable[Record], scheme: SubjectScheme | None = None) -> None:
    """Let the curated headings of a batch of records join the scheme before any of them is
    assigned, so that the order of the records does not matter (each still only sees the
    others' headings)."""
    scheme = scheme or subject_scheme()
    for r in records:
        scheme.learn(document_key(r), r.curated.get("subjects", []))


def assign_subjects(entry: Entry, authority: Authority, scheme: SubjectScheme | None = None,
                    *, threshold: float = THRESHOLD) -> list[SubjectClaim]:
    """Subject headings for one resolved entry, strongest first. Curated headings the scheme
    has learnt (`learn_records`) count as evidence, but never the entry's own: it is assigned
    with those of other sources only. The pipeline's scheme learns nothing by itself, so an
    entry's headings do not depend on which records a process happened to see before."""
    scheme = scheme or subject_scheme()
    archive = scheme.archive(exclude=document_key(entry.record))
    doc = _Doc(entry, authority, scheme)
    ev = _Evidence()
    _relations(doc, ev)
    _facets(doc, ev, archive)
    _events(doc, ev)
    _organizations(doc, ev)
    _from_archive(doc, ev, archive)
    return ev.claims(threshold)


# -- heading patterns -------------------------------------------------------------------------

def _relation(doc: _Doc, a: str, b: str) -> str:
    # the archive names the pair once, in alphabetical order of the two headings
    x, y = sorted((doc.name(a), doc.name(b)), key=str.casefold)
    return f"{x}--Foreign relations--{y}"


def _relations(doc: _Doc, ev: _Evidence) -> None:
    term = doc.scheme.term_of("Foreign relations")
    cues = term.keywords if term else ()
    home, other = doc.home_and_counterparts()
    for h, who in home.items():
        for o, whom in other.items():
            ev.add(_relation(doc, h, o), 0.85,
                   f"correspondents: {who} ({doc.name(h)}) and {whom} ({doc.name(o)})")
    named_early: set[str] = set()
    for s in doc.sentences:
        countries = sorted(k for k in s.places if doc.is_country(k))
        if s.field != "full_text":
            named_early.update(k for k in countries if s.places[k] >= IMPLIED)
        cue = _cue(cues, s.words)
        base = FIELD_WEIGHT[s.field] * (1.0 if cue else 0.6)
        for i, a in enumerate(countries):
            for b in countries[i + 1:]:
                w = base * min(s.places[a], s.places[b])
                ev.add(_relation(doc, a, b), w, f"{s.field}: {doc.name(a)} and {doc.name(b)} in "
                       f"one sentence" + (f" with “{cue}”" if cue else ""))
    # a section headed by one country ("b) Iran") that names another: the two in relation
    sections: dict[tuple[str, str], str] = {}
    for s in doc.sentences:
        if s.section is None:
            continue
        head = doc.sentences[s.section]
        for a in head.own:
            for b, strength in s.own.items():
                if a != b and doc.is_country(a) and doc.is_country(b) and strength >= IMPLIED:
                    sections.setdefault(tuple(sorted((a, b))), head.text.strip())
    # two countries the catalogue lists among the document's places, named together
    listed = doc.curated_places()
    together = {tuple(sorted((a, b))) for s in doc.sentences for a in s.own for b in s.own
                if a < b and a in listed and b in listed}
    for a, b in sorted(together):
        if doc.is_country(a) and doc.is_country(b):
            ev.add(_relation(doc, a, b), 0.15, f"the catalogue lists {doc.name(a)} and "
                   f"{doc.name(b)} among the document's places; a sentence names both")
    for (a, b), head_text in sections.items():
        ev.add(_relation(doc, a, b), SECTION_WEIGHT,
               f"full_text: section “{head_text[:60]}” names {doc.name(a)} and {doc.name(b)}")
    # a government's paper about another country: the two are in relation
    for h, who in home.items():
        for k in (named_early | listed) - set(home):
            if doc.is_country(k):
                if k in named_early:
                    ev.add(_relation(doc, h, k), 0.35, f"{who} ({doc.name(h)}) writes about "
                           f"{doc.name(k)} (title or summary)")
                if k in listed:
                    ev.add(_relation(doc, h, k), 0.3, f"{who} ({doc.name(h)}) writes; the "
                           f"catalogue lists {doc.name(k)} among the document's places")


def _facet_label(doc: _Doc, place: str, facet: str, archive: ArchiveView) -> str:
    """place--facet, with the period subdivision the scheme gives for the document's year,
    unless the archive's own vocabulary files this place and facet without one."""
    base = f"{doc.name(place)}--{facet}"
    key = norm(base)
    periods = [h for k, (h, _) in archive.with_part(norm(doc.name(place))).items()
               if k.startswith(key + "--") and PERIOD.match(h.rsplit("--", 1)[-1])]
    for h in periods:
        start, _, end = h.rsplit("--", 1)[-1].partition("-")
        if doc.year and int(start) <= doc.year and (not end or doc.year <= int(end)):
            return h
    if key in archive and not periods:
        return base
    period = doc.scheme.period(place, facet, doc.year)
    return f"{base}--{period}" if period else base


def _facets(doc: _Doc, ev: _Evidence, archive: ArchiveView) -> None:
    """place--facet ("China--Politics and government") and topic--place ("Nuclear weapons--
    France"): a sentence names the place and a word of the term."""
    for term in doc.scheme.terms.values():
        if term.form not in ("place-first", "topic-first"):
            continue
        for s in doc.sentences:
            cue = _cue(term.keywords, s.words)
            if not cue:
                continue
            places = {k: v for k, v in _nearest(s, term.keywords).items()
                      if doc.is_country(k) or term.form == "place-first"}
            if not places and term.form == "topic-first" and s.field != "full_text":
                ev.add(term.label, FIELD_WEIGHT[s.field] * 0.8, f"{s.field}: “{cue}”")
            for k, strength in places.items():
                if not doc.is_country(k):
                    strength *= 0.5  # a region ("Europe") is named more loosely than a country
                label = (_facet_label(doc, k, term.label, archive) if term.form == "place-first"
                         else f"{term.label}--{doc.name(k)}")
                ev.add(label, FIELD_WEIGHT[s.field] * strength,
                       f"{s.field}: {doc.name(k)} with “{cue}”")


def _nearest(s: _Sentence, words: tuple[str, ...]) -> dict[str, float]:
    """The places a cue in the sentence belongs to: in a sentence naming several places
    ("Russia, China and the domestic situation in Iran"), the one named nearest the cue."""
    located = [(at, k) for at, k in s.at]
    if len({k for _, k in located}) < 2:
        return s.places
    m = _pattern(words).search(s.text)
    if m is None:  # the cue is in the section heading: the heading's places
        return s.places
    best = min(abs(at - m.start()) for at, _ in located)
    near = {k for at, k in located if abs(at - m.start()) == best}
    return {k: v for k, v in s.places.items() if k in near}


def _events(doc: _Doc, ev: _Evidence) -> None:
    """Wars and events: named in the text, or their place named while the document's date
    falls inside them."""
    for event in doc.scheme.events:
        dated: set[str] = set()  # the date counts once per field, however often the place
        for s in doc.sentences:
            cue = _cue(event.keywords, s.text)
            if cue:
                ev.add(event.label, EVENT_WEIGHT[s.field], f"{s.field}: “{cue}”")
            elif (doc.year and event.places and event.end and event.covers(doc.year)
                  and s.field not in dated):
                hit = [k for k in event.places if s.places.get(k, 0) >= IMPLIED]
                if hit:
                    dated.add(s.field)
                    ev.add(event.label, FIELD_WEIGHT[s.field] * 0.5,
                           f"{s.field}: {doc.name(hit[0])} named in {doc.year}")


def _organizations(doc: _Doc, ev: _Evidence) -> None:
    """International organisations named; organisation--country where a sentence speaks of
    the country's membership."""
    for s in doc.sentences:
        for org in s.orgs:
            label = doc.name(org)
            ev.add(label, FIELD_WEIGHT[s.field] * 1.2, f"{s.field}: {label} named")
            for m in MEMBERSHIP.finditer(s.text):
                # the country's own membership: named right next to the word
                near = {k for at, k in s.at if abs(at - m.start()) <= NEAR}
                for k in sorted(near):
                    if doc.is_country(k):
                        ev.add(f"{label}--{doc.name(k)}", FIELD_WEIGHT[s.field] * 1.2,
                               f"{s.field}: {doc.name(k)} and {label} with “{m.group(0)}”")


def _from_archive(doc: _Doc, ev: _Evidence, archive: ArchiveView) -> None:
    """Headings the archive's curators use for other records: a candidate they use gains
    weight; one no pattern builds is assigned when a sentence names its place and its words."""
    place_keys = _place_index(doc)
    candidates = {norm(h): h for h in ev.by_heading}
    for key, heading in candidates.items():
        got = archive.get(key)
        if got:
            n = got[1]
            ev.add(heading, min(0.1 * n, 0.3),
                   f"the archive files {n} other record(s) under this heading")
    # headings no pattern built, among those of the places the document names
    seen: dict[str, tuple[str, int]] = {}
    for name in sorted(place_keys):
        seen.update(archive.with_part(name))
    for key, (heading, _n) in seen.items():
        if key in candidates:
            continue
        if not _dates_cover(heading, doc.year):
            continue
        places, words = [], []
        for part in heading_parts(heading):
            if PERIOD.match(part):
                continue
            k = place_keys.get(norm(part))
            if k:
                places.append(k)
            else:
                term = doc.scheme.term_of(part)
                words.append(term.keywords + (part,) if term else (part,))
        if not words:
            continue
        for s in doc.sentences:
            if not all(p in s.places for p in places):
                continue
            cues = [_cue(w, s.text) for w in words]
            if all(cues):
                ev.add(heading, FIELD_WEIGHT[s.field] * 0.8,
                       f"{s.field}: " + ", ".join([doc.name(p) for p in places]
                                                   + [f"“{c}”" for c in cues]))


_YEARS = re.compile(r"(\d{4})(?:-(\d{4})?)?$")


def _dates_cover(heading: str, year: int | None) -> bool:
    """A heading's dates ("--1949-1976", "Korean War, 1950-1953") hold the document's year."""
    for part in heading_parts(heading):
        m = _YEARS.search(part)
        if m:
            start = int(m.group(1))
            end = int(m.group(2)) if m.group(2) else (None if part.endswith("-") else start)
            if year is None or year < start or (end is not None and year > end):
                return False
    return True


def _place_index(doc: _Doc) -> dict[str, str]:
    """Heading form of every place the document names -> its key."""
    out = {}
    for s in doc.sentences:
        for k in s.places:
            out[norm(doc.name(k))] = k
    return out
