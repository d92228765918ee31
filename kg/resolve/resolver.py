"""Resolve a name to a canonical entity: aliases, initials, spelling variants, romanisations,
name order, possessives, pseudonyms and surname-only mentions.

A name that matches nothing becomes an unresolved entity keyed by its slug, never a wrong one:
every rule below either finds exactly one candidate or gives up. Three classes of error are
ruled out for people:

- a shared given name is not a shared identity: only family names become short names, and a
  variant in the other name order ("Yoshida Shigeru", "Alexei Hegai") never makes its given
  name one;
- a full name that contradicts the candidate's names (a different family name, or given names
  that match none of the candidate's) stays unresolved, however close the spelling;
- time: with the document's date (`DocContext.date`) nobody is found in a document written
  before they were born, nobody dead is its author or recipient (`DocContext.as_party`), and a
  name shared by several people goes to the one alive (then: the one in post) at the date, or
  to nobody. People only in a bulk-derived source (`AuthorityEntry.curated` false) are found by
  their full names; by a bare surname only when the document names them in full or the date
  puts exactly one of them in post.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from kg.core.authority import Authority, AuthorityEntry, fold, squash
from kg.core.lexicon import ADDRESS_WORDS, NAME_PREFIX_WORDS, words_pattern
from kg.core.model import DateValue, Entity, EntityKind

_HONORIFIC = re.compile(r"^(?:the\s+)?(?:" + words_pattern(NAME_PREFIX_WORDS) + r")\s+", re.I)
_INITIAL = re.compile(r"^[A-Z]\.?$|^[A-Z][a-z]?\.$")
_INITIALS_RUN = re.compile(r"^((?:[A-Z][a-z]?\.\s*){1,3})\s*(.+)$")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "unnamed"


@dataclass(frozen=True)
class Resolution:
    entity: Entity
    score: float
    method: str
    features: tuple[tuple[str, float], ...] = ()


@dataclass
class DocContext:
    """What the document tells about the names in it.

    - `by_short`: people already resolved in the document (`add`); a bare surname resolves
      against them first.
    - `date`: the document's date (`kg.core.dates.parse_date(...)`), optional. Its
      `earliest`/`latest` bounds, at year precision, are checked against the candidates' born
      and died years and their posts; an undated or invalid date checks nothing.
    - `party`: true while resolving the document's author, recipient or other party (see
      `as_party`): a person who died before the document's date cannot be one, while a mere
      mention of them can (a dead person is still talked about).
    """

    by_short: dict[str, set[str]] = field(default_factory=dict)
    date: DateValue | None = None
    party: bool = False

    def add(self, entry: AuthorityEntry) -> None:
        for short in short_names(entry):
            self.by_short.setdefault(short, set()).add(entry.key)

    def as_party(self) -> DocContext:
        """The same context (sharing `by_short`) for resolving an author/recipient."""
        return DocContext(self.by_short, self.date, True)

    def years(self) -> tuple[int, int] | None:
        """The document's (earliest, latest) year, when its date is known."""
        d = self.date
        if d is None or not d.valid or d.earliest is None or d.latest is None:
            return None
        return d.earliest.year, d.latest.year


# Words that open a form of address ("President Ho", "Uncle Ho"), never a family name.



def _name_tokens(form: str) -> list[str]:
    return [t for t in fold(form).split() if len(t) > 1 or not t.isalpha()]


def family_and_given(entry: AuthorityEntry) -> tuple[set[str], set[str]]:
    """The entry's family-name tokens and given-name tokens, from its canonical name (in its
    naming tradition's order) and its catalogue-order forms ("Yoshida, Shigeru")."""
    family: set[str] = set()
    given: set[str] = set()
    for form in (entry.name, *entry.variants):
        if form.count(",") != 1:
            continue
        last, first = (_name_tokens(p) for p in form.split(","))
        if last and first and last[0] not in ADDRESS_WORDS and first[0] not in ADDRESS_WORDS:
            family.add(last[-1])
            given.update(first)
    tokens = _name_tokens(entry.name)
    if len(tokens) >= 2 and tokens[0] not in ADDRESS_WORDS:
        own = tokens[0] if entry.family_name_first else tokens[-1]
        if family and own not in family and (tokens[-1] if entry.family_name_first
                                             else tokens[0]) in family:
            own = tokens[-1] if entry.family_name_first else tokens[0]  # written the other way
        family.add(own)
        given.update(t for t in tokens if t != own)
    return family, given - family


def _like(token: str, family: set[str], cutoff: float = 75) -> bool:
    """A spelling of one of these family names ("Chou" of "Zhou" at the default cutoff)."""
    return any(token == f or (len(token) >= 4 and fuzz.ratio(token, f) >= cutoff)
               for f in family)


def short_names(entry: AuthorityEntry) -> set[str]:
    """Family-name forms a person is referred to by ("Mao" for Mao Zedong, "Stalin").

    Only family names: a variant's end word counts when it is (a spelling of) a family name of
    the entry, or, in a variant that shares a name with the canonical form, when it is no given
    name of the entry ("Vladimir Ulyanov"). A variant in the other order or another language
    ("Yoshida Shigeru", "Alexei Hegai" for Ho Ka-i) never makes its given name a short name."""
    out: set[str] = set()
    if entry.kind != "person":
        return out
    family, given = family_and_given(entry)
    out |= family
    canonical = set(_name_tokens(entry.name))
    for form in entry.variants:
        if "," in form:
            continue  # catalogue order: read by family_and_given
        tokens = _name_tokens(form)
        if len(tokens) < 2 or tokens[0] in ADDRESS_WORDS:
            continue
        first, last = (tokens[0], tokens[-1]) if entry.family_name_first else (tokens[-1],
                                                                                 tokens[0])
        if _like(first, family):
            out.add(first)
        elif _like(last, family):
            out.add(last)
        elif first not in given and canonical & set(tokens[:-1] if not entry.family_name_first
                                                    else tokens[1:]):
            out.add(first)
    return {s for s in out if s not in ADDRESS_WORDS}


class Resolver:
    """Matches names against the authority. Build once; `resolve` is cheap."""

    def __init__(self, authority: Authority):
        self.authority = authority
        self.exact: dict[str, list[tuple[str, str]]] = {}
        self.squashed: dict[str, list[str]] = {}
        self.pseudonyms: dict[str, list[str]] = {}
        # family name -> the curated people who bear it (a bare family name denotes one of
        # them); `short_all` adds bulk-derived people, whom only a date can make candidates
        self.short: dict[str, list[str]] = {}
        self.short_all: dict[str, list[str]] = {}
        self.demonyms: dict[str, str] = {}
        self.demonym_forms: dict[str, str] = {}  # as written ("North Korean") -> place key
        self._memo: dict[tuple, list[tuple[str, float, list[str]]]] = {}
        self._names: dict[str, tuple[set[str], set[str]]] = {}
        self._fuzzy: dict[EntityKind, list[tuple[str, str]]] = {
            "person": [], "place": [], "organization": []
        }
        for entry in authority.entries.values():
            self._index(entry)
        for short, keys in self.short_all.items():
            curated = [k for k in keys if authority.entries[k].curated]
            if curated:
                self.short[short] = curated
        self._fuzzy_forms = {k: [f for f, _ in v] for k, v in self._fuzzy.items()}

    def _index(self, e: AuthorityEntry) -> None:
        forms = [(e.name, "exact")] + [(v, "alias") for v in e.variants]
        forms += [(text, "native-name") for _, text in e.native_names]
        for form, method in forms:
            f = fold(form)
            if not f:
                continue
            self.exact.setdefault(f, []).append((e.key, method))
            self.squashed.setdefault(squash(form), []).append(e.key)
            if len(f) >= 4:
                self._fuzzy[e.kind].append((f, e.key))
        for p in e.pseudonyms:
            self.pseudonyms.setdefault(fold(p), []).append(e.key)
        for s in short_names(e):
            if e.key not in self.short_all.get(s, []):
                self.short_all.setdefault(s, []).append(e.key)
        for d in e.demonyms:
            self.demonyms[fold(d)] = e.key
            self.demonym_forms[d] = e.key

    # -- public -----------------------------------------------------------------------------

    def entity(self, key: str) -> Entity:
        e = self.authority.entries[key]
        return Entity(key=e.key, kind=e.kind, label=e.name, wikidata=e.wikidata)

    def unresolved(self, name: str, kind: EntityKind) -> Entity:
        label = clean_name(name) or name.strip()
        # spellings that differ only in case, accents or punctuation share one key
        return Entity(key=f"{kind}-{slug(label)}", kind=kind, label=label, resolved=False)

    def kind_of(self, name: str) -> EntityKind | None:
        """The authority's kind for a name, when the name is known unambiguously."""
        hits = {self.authority.entries[k].kind for k, _ in self.exact.get(fold(clean_name(name)), [])}
        return hits.pop() if len(hits) == 1 else None

    def demonym(self, word: str) -> str | None:
        return self.demonyms.get(fold(word))

    def resolve(
        self, name: str, kind: EntityKind | None = None, context: DocContext | None = None,
        allow_pseudonym: bool = True,
    ) -> Resolution | None:
        """Find the one authority entry a name denotes, or None.

        Each rule proposes candidates (memoised: names recur across a corpus); the document's
        context then narrows them (`DocContext`), and a rule answers only with exactly one."""
        name = clean_name(name)
        if not name:
            return None
        years = context.years() if context is not None else None
        party = context.party if context is not None else False
        head_key = (name, kind, allow_pseudonym, "head")
        if head_key not in self._memo:
            self._memo[head_key] = self._head(name, kind, allow_pseudonym)
        for method, score, keys in self._memo[head_key]:
            keys = self._narrow(keys, years, party)
            if len(keys) == 1:
                if method == "exact":  # the name as the entry writes it, or a variant
                    method = self._exact_method(name, keys[0])
                    score = 1.0 if method == "exact" else 0.97
                sim = _SIMILARITY.get(method)
                return self._res(keys[0], score, method,
                                 **({"name_similarity": sim} if sim else {}))
        if kind in (None, "person") and context is not None:
            hit = self._in_context(name, context, years, party)
            if hit:
                return hit
        tail_key = (name, kind, "tail")
        if tail_key not in self._memo:
            self._memo[tail_key] = self._tail(name, kind)
        for method, score, keys in self._memo[tail_key]:
            if method == "surname":
                keys = self._surname_choice(keys, years, party)
            else:
                keys = self._narrow(keys, years, party)
            if len(keys) == 1:
                if method == "fuzzy":
                    return self._res(keys[0], round(0.9 * score, 3), method,
                                     name_similarity=round(score, 3))
                return self._res(keys[0], score, method)
        return None

    def pseudonym_of(self, pseudonym: str, real_key: str) -> bool:
        return real_key in self.pseudonyms.get(fold(pseudonym), [])

    # -- candidates -------------------------------------------------------------------------

    def _head(self, name: str, kind: EntityKind | None, allow_pseudonym: bool
              ) -> list[tuple[str, float, list[str]]]:
        """Candidates of the rules that read the whole name, strongest first."""
        stages: list[tuple[str, float, list[str]]] = []
        for form in _orders(name):
            keys = self._filter([k for k, _ in self.exact.get(fold(form), [])], kind)
            if keys:
                stages.append(("exact", 1.0, keys))
        keys = self._filter(self.squashed.get(squash(name), []), kind)
        if keys:
            stages.append(("romanisation", 0.95, keys))
        if kind in (None, "person"):
            keys = self._initials(name)
            if keys:
                stages.append(("initials", 0.93, keys))
            if allow_pseudonym:
                keys = self.pseudonyms.get(fold(name), [])
                if keys:
                    stages.append(("pseudonym", 0.9, list(dict.fromkeys(keys))))
        return stages

    def _exact_method(self, name: str, key: str) -> str:
        for form in _orders(name):
            for k, method in self.exact.get(fold(form), []):
                if k == key:
                    return method
        return "alias"

    def _tail(self, name: str, kind: EntityKind | None) -> list[tuple[str, float, list[str]]]:
        """Candidates of the weaker rules: a bare surname, then a close spelling."""
        stages: list[tuple[str, float, list[str]]] = []
        f = fold(name)
        if kind in (None, "person") and " " not in f and self.short_all.get(f):
            stages.append(("surname", 0.85, list(self.short_all[f])))
        hit = self._fuzzy_match(name, kind)
        if hit:
            stages.append(("fuzzy", hit[0], [hit[1]]))
        return stages

    def _in_context(self, name: str, context: DocContext, years, party) -> Resolution | None:
        f = fold(name)
        if " " in f:
            return None
        keys = self._narrow(sorted(context.by_short.get(f, set())), years, party)
        if len(keys) == 1:
            return self._res(keys[0], 0.92, "surname-in-document")
        return None

    # -- context ----------------------------------------------------------------------------

    def _fits(self, key: str, years: tuple[int, int], party: bool) -> bool:
        """Could this person be in a document of these years (as a party to it)?"""
        e = self.authority.entries[key]
        if e.kind != "person":
            return True
        lo, hi = years
        if e.born is not None and e.born > hi:
            return False  # not yet born
        if party and e.died is not None and e.died < lo:
            return False  # dead: not the author or recipient
        return True

    def _alive(self, key: str, years: tuple[int, int]) -> bool:
        e = self.authority.entries[key]
        return e.died is None or e.died >= years[0]

    def _in_post(self, key: str, years: tuple[int, int]) -> bool:
        lo, hi = years
        return any((p.start or p.end) and (p.start or p.end) <= hi and (p.end or p.start or hi) >= lo
                   for p in self.authority.entries[key].posts)

    def _narrow(self, keys: list[str], years, party: bool) -> list[str]:
        """Candidates the date allows; of several, the one alive, else the one in post."""
        if years is None or not keys:
            return keys
        keys = [k for k in keys if self._fits(k, years, party)]
        if len(keys) > 1:
            alive = [k for k in keys if self._alive(k, years)]
            keys = alive if alive else keys
        if len(keys) > 1:
            in_post = [k for k in keys if self._in_post(k, years)]
            if len(in_post) == 1:
                keys = in_post
        return keys

    def _surname_choice(self, keys: list[str], years, party: bool) -> list[str]:
        """A bare surname. Curated people bearing it are candidates; a bulk-derived person only
        when the date puts them in post (the bulk source indexes every official and relative
        named in FRUS: counting them all as rivals would leave no common surname usable, and
        they are not whom a bare surname in a catalogue means, unless they held a post then).
        Of several, the date decides (alive, then in post), or nobody is chosen."""
        if years is None:
            keys = [k for k in keys if self.authority.entries[k].curated]
            return keys if len(keys) == 1 else []
        keys = [k for k in keys if self.authority.entries[k].curated or self._in_post(k, years)]
        keys = self._narrow(keys, years, party)
        if len(keys) > 1:
            in_post = [k for k in keys if self._in_post(k, years)]
            keys = in_post if len(in_post) == 1 else []
        return keys

    # -- rules ------------------------------------------------------------------------------

    def _res(self, key: str, score: float, method: str, **features: float) -> Resolution:
        feats = tuple(sorted({"score": score, **features}.items()))
        return Resolution(self.entity(key), round(score, 3), method, feats)

    def _filter(self, keys, kind: EntityKind | None) -> list[str]:
        keys = list(dict.fromkeys(keys))
        if kind is None:
            return keys
        return [k for k in keys if self.authority.entries[k].kind == kind]

    def _initials(self, name: str) -> list[str]:
        m = _INITIALS_RUN.match(name)
        if not m:
            return []
        initials = [c for c in re.findall(r"[A-Z]", m.group(1))]
        surname = fold(m.group(2))
        if " " in surname:
            return []
        cands = []
        for key in self.short_all.get(surname, []):
            e = self.authority.entries[key]
            for form in (e.name, *e.variants):
                tokens = form.replace(".", ". ").split()
                given = [t for t in tokens[:-1] if t[:1].isalpha()]
                if given and [g[0].upper() for g in given[: len(initials)]] == initials:
                    cands.append(key)
                    break
        return list(dict.fromkeys(cands))

    def names_of(self, key: str) -> tuple[set[str], set[str]]:
        """(family, given) name tokens of an authority person."""
        if key not in self._names:
            self._names[key] = family_and_given(self.authority.entries[key])
        return self._names[key]

    def contradicts(self, name: str, key: str) -> bool:
        """A full name that is not this person's: its family name is none of theirs, or it
        gives given names none of which is (a spelling or the initial of) one of theirs."""
        e = self.authority.entries[key]
        tokens = _name_tokens(clean_name(name))
        if e.kind != "person" or len(tokens) < 2:
            return False
        if squash(clean_name(name)) in {squash(f) for f in (e.name, *e.variants)}:
            return False  # one of the person's own forms
        family, given = self.names_of(key)
        family = family | short_names(e)
        if not family:
            return False
        # a typo of the family name is still it ("Roschin"); another name is not ("Gromov")
        fam = [t for t in tokens if _like(t, family, 85)]
        if not fam:
            return True
        rest = [t for t in tokens if t not in fam]
        known = given | {t for f in (e.name, *e.variants) for t in _name_tokens(f)}
        # given names written as one word or several ("Seongcheol", "Song-chol")
        known |= {"".join(t for t in _name_tokens(f) if t not in family)
                  for f in (e.name, *e.variants)}
        return bool(rest) and not any(
            t in known or any(len(t) >= 4 and fuzz.ratio(t, g) >= 80 for g in known)
            for t in (*rest, "".join(rest)))

    def _fuzzy_match(self, name: str, kind: EntityKind | None) -> tuple[float, str] | None:
        f = fold(name)
        if len(f) < 5:
            return None
        kinds = [kind] if kind else ["person", "place", "organization"]
        best: tuple[float, str] | None = None
        second = 0.0
        for k in kinds:
            forms = self._fuzzy_forms[k]
            for form, score, idx in process.extract(f, forms, scorer=fuzz.ratio, limit=3,
                                                    score_cutoff=80):
                if form[:1] != f[:1]:
                    continue
                key = self._fuzzy[k][idx][1]
                if self.contradicts(name, key):
                    continue  # "Hirota Shigeru" is not "Yoshida Shigeru", however close
                if best is None or score > best[0]:
                    if best and best[1] != key:
                        second = max(second, best[0])
                    best = (score, key)
                elif key != best[1]:
                    second = max(second, score)
        if kind in (None, "person") and " " not in f:
            for short, keys in self.short.items():
                if len(keys) == 1 and short[:1] == f[:1]:
                    score = fuzz.ratio(f, short)
                    if score >= 80 and (best is None or score > best[0]):
                        if best and best[1] != keys[0]:
                            second = max(second, best[0])
                        best = (score, keys[0])
        if best is None:
            return None
        threshold = 88 if len(f) >= 8 else 92
        if best[0] < threshold or best[0] - second < 5:
            return None
        return round(best[0] / 100, 3), best[1]


# name similarity reported with each rule's resolutions (a feature of the link's score)
_SIMILARITY = {"exact": 1.0, "alias": 1.0, "native-name": 1.0, "romanisation": 0.95,
               "initials": 0.9}


def clean_name(name: str) -> str:
    name = " ".join(name.replace("\u2019", "'").split())
    name = re.sub(r"^(?:the\s+)", "", name, flags=re.I)
    name = re.sub(r"'s?$", "", name)
    prev = None
    while prev != name:
        prev = name
        name = _HONORIFIC.sub("", name)
    return name.strip(" ,.;:\"'()[]") if not name.endswith(".") or len(name) > 3 else name


def _orders(name: str) -> list[str]:
    """The name as given, and "Given Surname" for "Surname, Given"."""
    forms = [name]
    if name.count(",") == 1:
        last, first = (p.strip() for p in name.split(","))
        if last and first:
            forms += [f"{first} {last}", f"{last} {first}"]
    return forms
