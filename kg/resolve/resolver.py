"""Decide who a name in a document is: the gazetteer's candidates, narrowed by the document.

`kg.core.gazetteer.Gazetteer` proposes, for a name, the candidates of each matching rule
(aliases, initials, spelling variants, romanisations, name order, possessives, pseudonyms and
surname-only mentions); the resolver decides among them with what the document says. A name
that matches nothing becomes an unresolved entity keyed by its slug, never a wrong one: every
rule either finds exactly one candidate or gives up. Three classes of error are ruled out for
people:

- a shared given name is not a shared identity (`kg.core.names`);
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

from dataclasses import dataclass, field

from kg.core.authority import Authority, AuthorityEntry
from kg.core.gazetteer import Gazetteer, Resolution
from kg.core.model import DateValue, Entity, EntityKind
from kg.core.names import family_and_given, short_names
from kg.core.text import clean_name, fold, slug

# Read from here by callers written before the gazetteer moved to kg.core.
__all__ = ["DocContext", "Resolution", "Resolver", "clean_name", "family_and_given",
           "short_names", "slug"]


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


class Resolver:
    """Decides which authority entry a name in a document denotes. Build once (or over a
    shared `gazetteer`); `resolve` is cheap."""

    def __init__(self, authority: Authority, *, gazetteer: Gazetteer | None = None):
        self.gazetteer = gazetteer if gazetteer is not None else Gazetteer(authority)
        self.authority = self.gazetteer.authority

    # what the gazetteer knows of a name, out of any document
    @property
    def short(self) -> dict[str, list[str]]:
        return self.gazetteer.short

    def entity(self, key: str) -> Entity:
        return self.gazetteer.entity(key)

    def unresolved(self, name: str, kind: EntityKind) -> Entity:
        return self.gazetteer.unresolved(name, kind)

    def kind_of(self, name: str) -> EntityKind | None:
        return self.gazetteer.kind_of(name)

    def demonym(self, word: str) -> str | None:
        return self.gazetteer.demonym(word)

    def pseudonym_of(self, pseudonym: str, real_key: str) -> bool:
        return self.gazetteer.pseudonym_of(pseudonym, real_key)

    def contradicts(self, name: str, key: str) -> bool:
        return self.gazetteer.contradicts(name, key)

    def names_of(self, key: str) -> tuple[set[str], set[str]]:
        return self.gazetteer.names_of(key)

    # -- deciding ---------------------------------------------------------------------------

    def resolve(
        self, name: str, kind: EntityKind | None = None, context: DocContext | None = None,
        allow_pseudonym: bool = True,
    ) -> Resolution | None:
        """Find the one authority entry a name denotes, or None.

        Each rule proposes candidates (the gazetteer's); the document's context then narrows
        them (`DocContext`), and a rule answers only with exactly one. Without a context this
        is `Gazetteer.match`."""
        if context is None:
            return self.gazetteer.match(name, kind, allow_pseudonym)
        g = self.gazetteer
        name = clean_name(name)
        if not name:
            return None
        years = context.years()
        party = context.party
        for method, score, keys in g.head(name, kind, allow_pseudonym):
            keys = self._narrow(keys, years, party)
            if len(keys) == 1:
                return g.found(name, keys[0], method, score)
        if kind in (None, "person"):
            hit = self._in_context(name, context, years, party)
            if hit:
                return hit
        for method, score, keys in g.tail(name, kind):
            if method == "surname":
                keys = self._surname_choice(keys, years, party)
            else:
                keys = self._narrow(keys, years, party)
            if len(keys) == 1:
                return g.found(name, keys[0], method, score)
        return None

    def _in_context(self, name: str, context: DocContext, years, party) -> Resolution | None:
        f = fold(name)
        if " " in f:
            return None
        keys = self._narrow(sorted(context.by_short.get(f, set())), years, party)
        if len(keys) == 1:
            return self.gazetteer.found(name, keys[0], "surname-in-document", 0.92)
        return None

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
