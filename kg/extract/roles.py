"""Role phrases: "Soviet Ambassador to China Nikolai Roshchin", "Chinese Prime Minister Zhou
Enlai", "Roshchin, Soviet Ambassador to China," and "Fyodor Kuznetsov, Chief of the GRU".

`split_role` separates a role phrase from the name that follows it. The complement of a role
("to China", "of the GRU") is taken as the longest run of words the authority knows as a place
or organisation, so "to China Nikolai Roshchin" splits after "China" without a rule for China.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kg.core.gazetteer import Gazetteer
from kg.core.lexicon import (
    ABSTRACT_NOUNS,
    NAME_PARTICLES,
    ORDINALS,
    ORG_ADJECTIVES,
    ORG_WORDS,
    PLACE_WORDS,
    ROLE_HEADS,
    ROLE_PREFIXES,
)

_ORG_WORD = re.compile(r"^(?:" + "|".join(map(re.escape, ORG_WORDS)) + r")$")

_HEAD_RE = re.compile(
    r"(?:(?:" + "|".join(ROLE_PREFIXES) + r")[\s-]+)?(?:"
    + "|".join(re.escape(h).replace(r"\ ", r"[\s-]+") for h in sorted(ROLE_HEADS, key=len,
                                                                      reverse=True))
    + r")\b",
    re.I,
)
_PREPOSITIONS = {"to", "of", "in", "for", "at"}
_MODIFIER_STOP = {"and", "or", "with", "from", "by", "via", "on", "his", "her", "their"}


@dataclass(frozen=True)
class RoleParse:
    label: str  # the role as written, without the person's name
    head: str  # normalised head word
    modifiers: tuple[str, ...]  # "Soviet", "USSR": who the post belongs to
    complements: tuple[str, ...]  # "China", "the GRU": where or of what
    name: str  # what follows the role: the person's name (may be empty)


def _match_head(tokens: list[str], i: int) -> tuple[int, str] | None:
    """Length in tokens and head word of a role head starting at token i."""
    text = " ".join(tokens[i : i + 6])
    m = _HEAD_RE.match(text)
    if not m or not (tokens[i][:1].isupper() or (i > 0 and tokens[i - 1][:1].isupper())):
        return None  # "Soviet leader Anastas Mikoyan": a lower-case post after its country
    matched = m.group(0)
    n = len(matched.split())
    core = re.sub(r"^(?:" + "|".join(ROLE_PREFIXES) + r")[\s-]+", "",
                  " ".join(matched.lower().split()))
    head = ROLE_HEADS.get(core) or ROLE_HEADS.get(" ".join(matched.lower().split()), "chief")
    return n, head


@lru_cache(maxsize=4096)
def split_role(phrase: str, gazetteer: Gazetteer | None, require_modifiers_known: bool = True
               ) -> RoleParse | None:
    """Split "Soviet Ambassador to China Nikolai Roshchin" into role and name; None if no role.
    Cached (the parse is immutable): a title's names are asked about at several steps."""
    tokens = phrase.split()
    for i in range(len(tokens)):
        found = _match_head(tokens, i)
        if not found:
            continue
        modifiers = tokens[:i]
        if modifiers and modifiers[0].lower() == "the":
            modifiers = modifiers[1:]
        if any(m.lower() in _MODIFIER_STOP or not m[:1].isupper() for m in modifiers):
            return None
        if require_modifiers_known and modifiers and gazetteer is not None:
            mod_text = " ".join(modifiers)
            if not (gazetteer.demonym(mod_text) or gazetteer.kind_of(mod_text) in ("place", "organization")
                    or all(gazetteer.demonym(m) or gazetteer.kind_of(m) for m in modifiers)):
                return None
        n, head = found
        j = i + n
        complements: list[str] = []
        while j < len(tokens) and tokens[j].lower() in _PREPOSITIONS:
            k = j + 1
            if k < len(tokens) and tokens[k].lower() == "the":
                k += 1
            span = _complement(tokens, k, gazetteer)
            if span == 0:
                break
            complements.append(" ".join(tokens[j + 1 : k + span]))
            j = k + span
        if not _name_shaped(tokens[j:], gazetteer):
            # "Secretary of the CC of the People's Party of Iran Radmanesh": the name is the
            # longest run at the end that is shaped like one
            k = len(tokens)
            while k > i + n and _name_shaped(tokens[k - 1:], gazetteer) and len(tokens) - k < 4:
                k -= 1
            between = tokens[j:k]
            if k < len(tokens) and _name_shaped(tokens[k:], gazetteer) and all(
                    (t[:1].isupper() or t.lower() in ("of", "the", "for", "with", "and", "on"))
                    and not re.search(r"['’]s$", t) and t not in ABSTRACT_NOUNS
                    and t not in ORDINALS for t in between):
                j = k
            elif len(modifiers) >= 2 and _name_shaped(modifiers[:2], gazetteer):
                # "Mir Bagirov CC Secretary of the Communist Party of Azerbaijan": the name
                # stands before its post
                run = 2
                while run < len(modifiers) and _name_shaped(modifiers[:run + 1], gazetteer):
                    run += 1
                return RoleParse(label=" ".join(tokens[run:]), head=head,
                                 modifiers=tuple(modifiers[run:]), complements=(),
                                 name=" ".join(modifiers[:run]))
        of_place = re.match(r"^(?P<name>.+?)\s+of\s+(?P<where>(?:the\s+)?[A-Z].*)$",
                            " ".join(tokens[j:]))
        if of_place and gazetteer is not None and _name_shaped(of_place.group("name").split(),
                                                              gazetteer) and (
                gazetteer.kind_of(of_place.group("where")) in ("place", "organization")):
            # "Prime Minister Khan of Afghanistan": the post's country after the name
            complements.append(of_place.group("where"))
            return RoleParse(label=" ".join(tokens[:j] + ["of", of_place.group("where")]),
                             head=head, modifiers=tuple(modifiers),
                             complements=tuple(complements), name=of_place.group("name"))
        label = " ".join(tokens[(1 if tokens[:1] and tokens[0].lower() == "the" else 0) : j])
        name = " ".join(tokens[j:]).strip(" ,")
        return RoleParse(label=label, head=head, modifiers=tuple(modifiers),
                         complements=tuple(complements), name=name)
    return None


def _complement(tokens: list[str], k: int, gazetteer: Gazetteer | None) -> int:
    """How many tokens from k name the role's place or organisation."""
    if k >= len(tokens) or not tokens[k][:1].isupper():
        return 0
    if gazetteer is not None:
        for n in range(min(5, len(tokens) - k), 0, -1):
            cand = " ".join(tokens[k : k + n]).strip(",")
            if gazetteer.kind_of(cand) in ("place", "organization") or gazetteer.demonym(cand):
                return n
    return 1


def _name_shaped(tokens: list[str], gazetteer: Gazetteer | None) -> bool:
    """Whether the tokens can be a personal name: capitalised words or initials, no body
    words, no acronyms, nothing the authority knows as a place or body."""
    if not tokens or len(tokens) > 5:
        return False
    for t in tokens:
        bare = t.strip(",")
        if re.fullmatch(r"(?:[A-Z][a-z]?\.)+", bare):
            continue
        if bare.lower() in NAME_PARTICLES:
            continue
        if not bare[:1].isupper() or _ORG_WORD.match(bare) or (bare.isupper() and len(bare) > 1) \
                or bare in PLACE_WORDS:
            return False
        if bare.lower() in ("the", "of", "to", "in", "for", "at") or bare in ORG_ADJECTIVES:
            return False
    text = " ".join(tokens).strip(",")
    if tokens[0].strip(",").lower() in NAME_PARTICLES:
        return False
    if gazetteer is not None and (gazetteer.kind_of(text) in ("place", "organization")
                                 or gazetteer.demonym(text)):
        return False
    return True
