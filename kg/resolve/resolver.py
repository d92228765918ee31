"""Resolve a name to a canonical entity: aliases, initials, spelling variants, romanisations,
name order, possessives, pseudonyms and surname-only mentions.

A name that matches nothing becomes an unresolved entity keyed by its slug, never a wrong one:
every rule below either finds exactly one candidate or gives up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from kg.model import Entity, EntityKind
from kg.resolve.authority import Authority, AuthorityEntry, fold, squash

_HONORIFIC = re.compile(
    r"^(?:the\s+)?(?:comrades?|mr|mrs|ms|dr|messrs|sir|herr|monsieur|madame|tovarishch|"
    r"chairman|premier|president|marshal|general|ambassador|minister|secretary|prime minister|"
    r"foreign minister|vice premier|comrade)\s+",
    re.I,
)
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
    """Entities already resolved in the same document: short names resolve against them first."""

    by_short: dict[str, set[str]] = field(default_factory=dict)

    def add(self, entry: AuthorityEntry) -> None:
        for short in short_names(entry):
            self.by_short.setdefault(short, set()).add(entry.key)


# Words that open a form of address ("President Ho", "Uncle Ho"), never a family name.
_ADDRESS_WORDS = {
    "president", "chairman", "uncle", "comrade", "general", "marshal", "premier", "prime",
    "minister", "king", "emperor", "sir", "mr", "mrs", "dr", "pope", "ayatollah", "shah", "prince",
    "princess", "queen", "lord", "lady", "generalissimo", "admiral", "colonel", "secretary",
    "ambassador", "chancellor", "field", "vice", "madame", "saint", "st", "the",
}


def short_names(entry: AuthorityEntry) -> set[str]:
    """Surname forms a person is referred to by ("Mao" for Mao Zedong, "Stalin")."""
    out = set()
    if entry.kind != "person":
        return out
    for form in (entry.name, *entry.variants):
        if "," in form:
            continue  # catalogue order "Nehru, Jawaharlal": the canonical form covers it
        tokens = fold(form).split()
        if len(tokens) < 2 or tokens[0] in _ADDRESS_WORDS:
            continue
        out.add(tokens[0] if entry.family_name_first else tokens[-1])
    return out


class Resolver:
    """Matches names against the authority. Build once; `resolve` is cheap."""

    def __init__(self, authority: Authority):
        self.authority = authority
        self.exact: dict[str, list[tuple[str, str]]] = {}
        self.squashed: dict[str, list[str]] = {}
        self.pseudonyms: dict[str, list[str]] = {}
        self.short: dict[str, list[str]] = {}
        self.demonyms: dict[str, str] = {}
        self.demonym_forms: dict[str, str] = {}  # as written ("North Korean") -> place key
        self._memo: dict[tuple, Resolution | None] = {}
        self._fuzzy: dict[EntityKind, list[tuple[str, str]]] = {
            "person": [], "place": [], "organization": []
        }
        for entry in authority.entries.values():
            self._index(entry)
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
            if e.key not in self.short.get(s, []):
                self.short.setdefault(s, []).append(e.key)
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
        """Find the one authority entry a name denotes, or None."""
        name = clean_name(name)
        if not name:
            return None
        # Names recur across a corpus: everything but the document's own context is memoised.
        head_key = (name, kind, allow_pseudonym, "head")
        if head_key not in self._memo:
            self._memo[head_key] = self._resolve_head(name, kind, allow_pseudonym)
        hit = self._memo[head_key]
        if hit:
            return hit
        if kind in (None, "person") and context is not None:
            hit = self._in_context(name, context)
            if hit:
                return hit
        tail_key = (name, kind, "tail")
        if tail_key not in self._memo:
            self._memo[tail_key] = self._resolve_tail(name, kind)
        return self._memo[tail_key]

    def _resolve_head(self, name: str, kind: EntityKind | None, allow_pseudonym: bool
                      ) -> Resolution | None:
        for form in _orders(name):
            hit = self._exact(form, kind)
            if hit:
                return hit
        hit = self._squashed(name, kind)
        if hit:
            return hit
        if kind in (None, "person"):
            hit = self._initials(name)
            if hit:
                return hit
            if allow_pseudonym:
                keys = self.pseudonyms.get(fold(name), [])
                if len(keys) == 1:
                    return self._res(keys[0], 0.9, "pseudonym")
        return None

    def _resolve_tail(self, name: str, kind: EntityKind | None) -> Resolution | None:
        if kind in (None, "person"):
            hit = self._short(name, None)
            if hit:
                return hit
        return self._fuzzy_match(name, kind)

    def _in_context(self, name: str, context: DocContext) -> Resolution | None:
        f = fold(name)
        if " " not in f and len(context.by_short.get(f, set())) == 1:
            return self._res(next(iter(context.by_short[f])), 0.92, "surname-in-document")
        return None

    def pseudonym_of(self, pseudonym: str, real_key: str) -> bool:
        return real_key in self.pseudonyms.get(fold(pseudonym), [])

    # -- rules ------------------------------------------------------------------------------

    def _res(self, key: str, score: float, method: str, **features: float) -> Resolution:
        feats = tuple(sorted({"score": score, **features}.items()))
        return Resolution(self.entity(key), round(score, 3), method, feats)

    def _filter(self, keys, kind: EntityKind | None) -> list[str]:
        keys = list(dict.fromkeys(keys))
        if kind is None:
            return keys
        return [k for k in keys if self.authority.entries[k].kind == kind]

    def _exact(self, name: str, kind: EntityKind | None) -> Resolution | None:
        hits = self.exact.get(fold(name), [])
        keys = self._filter([k for k, _ in hits], kind)
        if len(keys) == 1:
            method = next(m for k, m in hits if k == keys[0])
            return self._res(keys[0], 1.0 if method == "exact" else 0.97, method, name_similarity=1.0)
        return None

    def _squashed(self, name: str, kind: EntityKind | None) -> Resolution | None:
        keys = self._filter(self.squashed.get(squash(name), []), kind)
        if len(keys) == 1:
            return self._res(keys[0], 0.95, "romanisation", name_similarity=0.95)
        return None

    def _initials(self, name: str) -> Resolution | None:
        m = _INITIALS_RUN.match(name)
        if not m:
            return None
        initials = [c for c in re.findall(r"[A-Z]", m.group(1))]
        surname = fold(m.group(2))
        if " " in surname:
            return None
        cands = []
        for key in self.short.get(surname, []):
            e = self.authority.entries[key]
            for form in (e.name, *e.variants):
                tokens = form.replace(".", ". ").split()
                given = [t for t in tokens[:-1] if t[:1].isalpha()]
                if given and [g[0].upper() for g in given[: len(initials)]] == initials:
                    cands.append(key)
                    break
        cands = list(dict.fromkeys(cands))
        if len(cands) == 1:
            return self._res(cands[0], 0.93, "initials", name_similarity=0.9)
        return None

    def _short(self, name: str, context: DocContext | None) -> Resolution | None:
        f = fold(name)
        if " " in f:
            return None
        if context and len(context.by_short.get(f, set())) == 1:
            return self._res(next(iter(context.by_short[f])), 0.92, "surname-in-document")
        keys = self.short.get(f, [])
        if len(keys) == 1:
            return self._res(keys[0], 0.85, "surname")
        return None

    def _fuzzy_match(self, name: str, kind: EntityKind | None) -> Resolution | None:
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
        return self._res(best[1], round(0.9 * best[0] / 100, 3), "fuzzy",
                         name_similarity=round(best[0] / 100, 3))


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
