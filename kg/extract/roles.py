"""Role phrases: "Soviet Ambassador to China Nikolai Roshchin", "Chinese Prime Minister Zhou
Enlai", "Roshchin, Soviet Ambassador to China," and "Fyodor Kuznetsov, Chief of the GRU".

`split_role` separates a role phrase from the name that follows it. The complement of a role
("to China", "of the GRU") is taken as the longest run of words the authority knows as a place
or organisation, so "to China Nikolai Roshchin" splits after "China" without a rule for China.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.resolve.resolver import Resolver

# Role heads, longest first; the value is the head word used to compare roles.
ROLE_HEADS: dict[str, str] = {
    "prime minister": "premier", "pm": "premier", "vice premier": "premier", "premier": "premier",
    "foreign minister": "minister", "minister of foreign affairs": "minister",
    "deputy foreign minister": "minister", "deputy minister": "minister",
    "defense minister": "minister", "defence minister": "minister", "minister": "minister",
    "ambassador extraordinary and plenipotentiary": "ambassador", "ambassador": "ambassador",
    "charge d'affaires": "charge d'affaires", "chargé d'affaires": "charge d'affaires",
    "consul general": "consul", "consul": "consul", "envoy": "envoy",
    "general secretary": "secretary", "first secretary": "secretary",
    "secretary general": "secretary", "secretary of state": "secretary", "secretary": "secretary",
    "vice chairman": "chairman", "chairman": "chairman", "vice president": "president",
    "president": "president", "chief of staff": "chief", "chief of the general staff": "chief",
    "chief": "chief", "head": "chief", "director": "chief", "commander-in-chief": "commander",
    "commander in chief": "commander", "commander": "commander", "marshal": "marshal",
    "military attache": "attache", "military attaché": "attache", "attache": "attache",
    "attaché": "attache", "counsellor": "counsellor", "counselor": "counsellor",
    "representative": "representative", "adviser": "adviser", "advisor": "adviser",
    "chancellor": "chancellor", "king": "king", "emperor": "emperor", "leader": "leader",
}
_HEAD_RE = re.compile(
    r"(?:(?:Deputy|Vice|First|Acting|Chief|Senior|Permanent|Former)\s+)?(?:"
    + "|".join(re.escape(h).replace(r"\ ", r"\s+") for h in sorted(ROLE_HEADS, key=len, reverse=True))
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
    if not m or not tokens[i][:1].isupper():
        return None
    matched = m.group(0)
    n = len(matched.split())
    core = re.sub(r"^(deputy|vice|first|acting|chief|senior|permanent|former)\s+", "",
                  " ".join(matched.lower().split()))
    head = ROLE_HEADS.get(core) or ROLE_HEADS.get(" ".join(matched.lower().split()), "chief")
    return n, head


def split_role(phrase: str, resolver: Resolver | None, require_modifiers_known: bool = True
               ) -> RoleParse | None:
    """Split "Soviet Ambassador to China Nikolai Roshchin" into role and name; None if no role."""
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
        if require_modifiers_known and modifiers and resolver is not None:
            mod_text = " ".join(modifiers)
            if not (resolver.demonym(mod_text) or resolver.kind_of(mod_text) in ("place", "organization")
                    or all(resolver.demonym(m) or resolver.kind_of(m) for m in modifiers)):
                return None
        n, head = found
        j = i + n
        complements: list[str] = []
        while j < len(tokens) and tokens[j].lower() in _PREPOSITIONS:
            k = j + 1
            if k < len(tokens) and tokens[k].lower() == "the":
                k += 1
            span = _complement(tokens, k, resolver)
            if span == 0:
                break
            complements.append(" ".join(tokens[j + 1 : k + span]))
            j = k + span
        label = " ".join(tokens[(1 if tokens[:1] and tokens[0].lower() == "the" else 0) : j])
        name = " ".join(tokens[j:]).strip(" ,")
        return RoleParse(label=label, head=head, modifiers=tuple(modifiers),
                         complements=tuple(complements), name=name)
    return None


def _complement(tokens: list[str], k: int, resolver: Resolver | None) -> int:
    """How many tokens from k name the role's place or organisation."""
    if k >= len(tokens) or not tokens[k][:1].isupper():
        return 0
    if resolver is not None:
        for n in range(min(5, len(tokens) - k), 0, -1):
            cand = " ".join(tokens[k : k + n]).strip(",")
            if resolver.kind_of(cand) in ("place", "organization") or resolver.demonym(cand):
                return n
    return 1
