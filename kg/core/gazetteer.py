"""The gazetteer: what the authority files say about a name, out of any document.

Extraction consults it to find and label spans (is "Roshchin" a person, "Peking" a place, which
country is "North Korean"?), and resolution builds on it: the gazetteer proposes, for a name,
the candidates each matching rule finds (the name or a variant, a romanisation, initials, a
pseudonym, a bare family name, a close spelling); `kg.resolve.resolver.Resolver` then decides
among them with the document's date and people in view.

`match` is the context-free answer: the one entry a name denotes when no document narrows the
candidates, or None. Every rule either finds exactly one candidate or gives up, so a name that
matches nothing stays unresolved rather than becoming a wrong entity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from kg.core.authority import DATA_DIR, Authority, AuthorityEntry, load_authority
from kg.core.model import Entity, EntityKind
from kg.core.names import family_and_given, like, name_tokens, short_names
from kg.core.text import clean_name, fold, slug, squash

_INITIALS_RUN = re.compile(r"^((?:[A-Z][a-z]?\.\s*){1,3})\s*(.+)$")
_MIDDLE_INITIAL = re.compile(r"^([A-Z][a-z]+)\s+([A-Z])\.\s*([A-Z][\w'’-]+)$")
_COUNTRY_TYPES = ("country", "historical-country")
# name similarity reported with each rule's matches (a feature of a link's score)
_SIMILARITY = {"exact": 1.0, "alias": 1.0, "native-name": 1.0, "romanisation": 0.95,
               "initials": 0.9}
# What each rule proposes: (method, score, candidate keys), strongest rule first.
Stages = list[tuple[str, float, list[str]]]


@dataclass(frozen=True)
class Resolution:
    """A name found to be one authority entity, by which rule and how sure."""

    entity: Entity
    score: float
    method: str
    features: tuple[tuple[str, float], ...] = ()


class Gazetteer:
    """The authority's names, indexed for lookup. Build once (`gazetteer_for` caches one per
    data folder); lookups are cheap and memoised, names recurring across a corpus."""

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
        self._memo: dict[tuple, Stages] = {}
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

    # -- what a name is ---------------------------------------------------------------------

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
        """The place a demonym names ("Soviet" -> the USSR's key)."""
        return self.demonyms.get(fold(word))

    def country(self, key: str | None, year: int | None = None) -> str | None:
        """The country a place is (or lies in), following `within` upwards; in `year`, if
        given, the state it lay in then ("Prague" in 1962: Czechoslovakia)."""
        seen = set()
        while key and key not in seen:
            seen.add(key)
            e = self.authority.entries.get(key)
            if e is None or e.kind != "place":
                return None
            then = next((p.value for p in e.within_then if year and p.covers(year)), None)
            if then in self.authority.entries:
                return then
            if e.type in _COUNTRY_TYPES:
                return key
            key = e.within
        return None

    def pseudonym_of(self, pseudonym: str, real_key: str) -> bool:
        return real_key in self.pseudonyms.get(fold(pseudonym), [])

    def names_of(self, key: str) -> tuple[set[str], set[str]]:
        """(family, given) name tokens of an authority person."""
        if key not in self._names:
            self._names[key] = family_and_given(self.authority.entries[key])
        return self._names[key]

    def contradicts(self, name: str, key: str) -> bool:
        """A full name that is not this person's: its family name is none of theirs, or it
        gives given names none of which is (a spelling or the initial of) one of theirs."""
        e = self.authority.entries[key]
        tokens = name_tokens(clean_name(name))
        if e.kind != "person" or len(tokens) < 2:
            return False
        if squash(clean_name(name)) in {squash(f) for f in (e.name, *e.variants)}:
            return False  # one of the person's own forms
        family, given = self.names_of(key)
        family = family | short_names(e)
        if not family:
            return False
        # a typo of the family name is still it ("Roschin"); another name is not ("Gromov")
        fam = [t for t in tokens if like(t, family, 85)]
        if not fam:
            return True
        rest = [t for t in tokens if t not in fam]
        known = given | {t for f in (e.name, *e.variants) for t in name_tokens(f)}
        # given names written as one word or several ("Seongcheol", "Song-chol")
        known |= {"".join(t for t in name_tokens(f) if t not in family)
                  for f in (e.name, *e.variants)}
        return bool(rest) and not any(
            t in known or any(len(t) >= 4 and fuzz.ratio(t, g) >= 80 for g in known)
            for t in (*rest, "".join(rest)))

    # -- candidates -------------------------------------------------------------------------

    def head(self, name: str, kind: EntityKind | None, allow_pseudonym: bool = True) -> Stages:
        """Candidates of the rules that read the whole (cleaned) name, strongest first."""
        memo = (name, kind, allow_pseudonym, "head")
        if memo not in self._memo:
            self._memo[memo] = self._head(name, kind, allow_pseudonym)
        return self._memo[memo]

    def tail(self, name: str, kind: EntityKind | None) -> Stages:
        """Candidates of the weaker rules: a bare family name, then a close spelling."""
        memo = (name, kind, "tail")
        if memo not in self._memo:
            self._memo[memo] = self._tail(name, kind)
        return self._memo[memo]

    def found(self, name: str, key: str, method: str, score: float) -> Resolution:
        """The resolution of `name` to `key` by a rule of `head` or `tail`."""
        if method == "exact":  # the name as the entry writes it, or a variant
            method = self._exact_method(name, key)
            score = 1.0 if method == "exact" else 0.97
        if method == "fuzzy":
            return self._res(key, round(0.9 * score, 3), method, name_similarity=round(score, 3))
        sim = _SIMILARITY.get(method)
        return self._res(key, score, method, **({"name_similarity": sim} if sim else {}))

    def match(self, name: str, kind: EntityKind | None = None,
              allow_pseudonym: bool = True) -> Resolution | None:
        """The one entry a name denotes out of any document, or None: the first rule with a
        single candidate; a bare family name counts only curated people."""
        name = clean_name(name)
        if not name:
            return None
        for method, score, keys in self.head(name, kind, allow_pseudonym):
            if len(keys) == 1:
                return self.found(name, keys[0], method, score)
        for method, score, keys in self.tail(name, kind):
            if method == "surname":
                keys = [k for k in keys if self.authority.entries[k].curated]
            if len(keys) == 1:
                return self.found(name, keys[0], method, score)
        return None

    def exactly(self, name: str, kind: EntityKind | None = None) -> Resolution | None:
        """`match` by the name, a variant or a romanisation, never by a near spelling."""
        return exactly(self.match(name, kind))

    def _head(self, name: str, kind: EntityKind | None, allow_pseudonym: bool) -> Stages:
        stages: Stages = []
        for form in _orders(name):
            keys = self._filter([k for k, _ in self.exact.get(fold(form), [])], kind)
            if keys:
                stages.append(("exact", 1.0, keys))
        keys = self._filter(self.squashed.get(squash(name), []), kind)
        if keys:
            stages.append(("romanisation", 0.95, keys))
        if kind in (None, "person"):
            keys = self._initials(name) or self._middle_initial(name)
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

    def _tail(self, name: str, kind: EntityKind | None) -> Stages:
        stages: Stages = []
        f = fold(name)
        if kind in (None, "person") and " " not in f and self.short_all.get(f):
            stages.append(("surname", 0.85, list(self.short_all[f])))
        hit = self._fuzzy_match(name, kind)
        if hit:
            stages.append(("fuzzy", hit[0], [hit[1]]))
        return stages

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

    def _middle_initial(self, name: str) -> list[str]:
        """"James E. Carter": the people one of whose forms has that given name, a middle
        name with that initial, and that family name ("James Earl Carter")."""
        m = _MIDDLE_INITIAL.match(name.strip())
        if not m:
            return []
        first, initial, family = fold(m.group(1)), m.group(2), fold(m.group(3))
        cands = []
        for key in self.short_all.get(family, []):
            e = self.authority.entries[key]
            for form in (e.name, *e.variants):
                tokens = form.split()
                if len(tokens) == 3 and fold(tokens[0]) == first and \
                        tokens[1][:1].upper() == initial and fold(tokens[2]) == family:
                    cands.append(key)
                    break
        return cands

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


# Rules that read the name itself (not a near spelling or a bare surname).
EXACT_METHODS = ("exact", "alias", "romanisation", "native-name")


def exactly(res: Resolution | None) -> Resolution | None:
    """A resolution by name or variant, not by a near spelling."""
    return res if res is not None and res.method in EXACT_METHODS else None


@lru_cache(maxsize=4)
def gazetteer_for(data_dir: str = str(DATA_DIR)) -> Gazetteer:
    """The gazetteer over the authority files in `data_dir`, built once per folder."""
    return Gazetteer(load_authority(Path(data_dir)))


def _orders(name: str) -> list[str]:
    """The name as given, and "Given Surname" for "Surname, Given"."""
    forms = [name]
    if name.count(",") == 1:
        last, first = (p.strip() for p in name.split(","))
        if last and first:
            forms += [f"{first} {last}", f"{last} {first}"]
    return forms
