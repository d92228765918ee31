"""What a personal name in the authority is made of: family names and given names.

Read by the gazetteer (which forms a person is found by) and by the resolver (whether a full
name contradicts a candidate). A shared given name is not a shared identity: only family names
become short names, and a variant in the other name order ("Yoshida Shigeru", "Alexei Hegai")
never makes its given name one.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from kg.core.authority import AuthorityEntry
from kg.core.lexicon import ADDRESS_WORDS
from kg.core.text import fold


def name_tokens(form: str) -> list[str]:
    """The words of a name that can be names (no lone initials)."""
    return [t for t in fold(form).split() if len(t) > 1 or not t.isalpha()]


def family_and_given(entry: AuthorityEntry) -> tuple[set[str], set[str]]:
    """The entry's family-name tokens and given-name tokens, from its canonical name (in its
    naming tradition's order) and its catalogue-order forms ("Yoshida, Shigeru")."""
    family: set[str] = set()
    given: set[str] = set()
    for form in (entry.name, *entry.variants):
        if form.count(",") != 1:
            continue
        last, first = (name_tokens(p) for p in form.split(","))
        if last and first and last[0] not in ADDRESS_WORDS and first[0] not in ADDRESS_WORDS:
            family.add(last[-1])
            given.update(first)
    tokens = name_tokens(entry.name)
    if len(tokens) >= 2 and tokens[0] not in ADDRESS_WORDS:
        own = tokens[0] if entry.family_name_first else tokens[-1]
        if family and own not in family and (tokens[-1] if entry.family_name_first
                                             else tokens[0]) in family:
            own = tokens[-1] if entry.family_name_first else tokens[0]  # written the other way
        family.add(own)
        given.update(t for t in tokens if t != own)
    return family, given - family


def like(token: str, family: set[str], cutoff: float = 75) -> bool:
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
    canonical = set(name_tokens(entry.name))
    for form in entry.variants:
        if "," in form:
            continue  # catalogue order: read by family_and_given
        tokens = name_tokens(form)
        if len(tokens) < 2 or tokens[0] in ADDRESS_WORDS:
            continue
        first, last = (tokens[0], tokens[-1]) if entry.family_name_first else (tokens[-1],
                                                                                 tokens[0])
        if like(first, family):
            out.add(first)
        elif like(last, family):
            out.add(last)
        elif first not in given and canonical & set(tokens[:-1] if not entry.family_name_first
                                                    else tokens[1:]):
            out.add(first)
    return {s for s in out if s not in ADDRESS_WORDS}
