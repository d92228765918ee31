"""Name evidence for reconciliation: a query name against one entity's names, token by token.

Character similarity over whole strings rewards accidents ("Stalin" and "Dalian" share five
letters); names are compared as tokens instead. Each query token is paired with at most one
token of the candidate name:

* the same token                      -> full credit (1.0)
* an initial and a word it begins     -> INITIAL_CREDIT ("J." and "Joseph")
* a spelling variant of four letters or more, Levenshtein ratio >= VARIANT_MIN
                                      -> the ratio ("Vyshinskii" and "Vyshinsky": 0.8)

Initials count only beside a whole word that matched: alone they prove nothing.

Two coverages follow: how much of the query the name explains (`query_cover`), and how much of
the name the query accounts for (`name_cover`), where a person's surname weighs twice a given
name, and function words ("of", "the") a quarter, as do titles in the query ("Premier"). The score is
``100 * query_cover * (0.6 + 0.4 * name_cover)``: a query word the name cannot explain costs
far more than a given name the query leaves out, so a bare surname scores 86.7 against a
two-word name and 100 against an alias equal to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from kg.core.text import match_key
from kg.extract.roles import ROLE_HEADS

INITIAL_CREDIT = 0.8
VARIANT_MIN = 0.8
VARIANT_MIN_LENGTH = 4
SURNAME_WEIGHT = 2.0
FUNCTION_WEIGHT = 0.25
FUNCTION_WORDS = frozenset({"of", "the", "and", "for", "de", "la", "le", "du", "von", "van"})
# Titles and forms of address a query may put before a name ("Premier Zhou Enlai"): the role
# words the extractor knows, and honorifics.
TITLE_WORDS = frozenset(
    {head for head in ROLE_HEADS if " " not in head}
    | {"mr", "mrs", "ms", "dr", "sir", "herr", "monsieur", "madame", "comrade", "comrades",
       "tovarishch", "general", "generalissimo", "premier", "chancellor", "chairman"}
)

FormKind = Literal["name", "alias", "pseudonym"]


_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")


def person_tokens(text: str) -> tuple[str, ...]:
    """A person's name as tokens; a hyphenated given name is one name ("Kai-shek", "En-lai")."""
    return tuple(match_key(_HYPHEN.sub("", text)).split())




@dataclass(frozen=True)
class NameForm:
    """One way an entity is named, as folded tokens, with the position of its surname."""

    tokens: tuple[str, ...]
    kind: FormKind
    surname: int | None = None  # index into tokens; None for places and organisations


def name_forms(text: str, kind: FormKind, *, person: bool, family_name_first: bool = False
               ) -> list[NameForm]:
    """The tokens of a name and where its surname is: before a comma ("Stalin, Joseph"),
    first in family-name-first traditions ("Mao Zedong"), otherwise last. A person's
    hyphenated name gives two forms, joined ("Mao Tse-tung": mao tsetung) and split (mao tse
    tung), as romanisations write it both ways."""
    if not person:
        tokens = tuple(match_key(text).split())
        return [NameForm(tokens, kind)] if tokens else []
    forms = []
    for tokenise in (person_tokens, lambda t: tuple(match_key(t).split())):
        tokens = tokenise(text)
        if not tokens:
            continue
        before_comma = text.split(",", 1)[0] if "," in text else None
        if before_comma is not None and tokenise(before_comma):
            surname = len(tokenise(before_comma)) - 1
        elif family_name_first:
            surname = 0
        else:
            surname = len(tokens) - 1
        form = NameForm(tokens, kind, surname)
        if form not in forms:
            forms.append(form)
    return forms


@dataclass(frozen=True)
class NameEvidence:
    """How well a query fits one name form, with the parts that explain the score."""

    score: float  # 0-100
    query_cover: float  # 0-1
    name_cover: float  # 0-1
    form: NameForm
    exact: bool  # the same tokens in the same number (word order aside)
    surname: bool  # the query contains the surname (exactly or as a spelling variant)
    initials: bool  # some query initial was matched to a given name
    variant: bool  # some token matched only as a spelling variant

    def features(self) -> list[tuple[str, float | bool]]:
        out: list[tuple[str, float | bool]] = [
            ("name", round(self.score, 2)),
            ("name_query_cover", round(self.query_cover, 3)),
            ("name_form_cover", round(self.name_cover, 3)),
            ("name_exact", self.exact),
            ("name_alias", self.form.kind == "alias"),
            ("name_pseudonym", self.form.kind == "pseudonym"),
            ("name_variant", self.variant),
        ]
        if self.form.surname is not None:
            out.append(("surname", self.surname))
            out.append(("initials", self.initials))
        return out


def _credit(q: str, n: str) -> tuple[float, str]:
    if q == n:
        return 1.0, "exact"
    if (len(q) == 1 and n.startswith(q)) or (len(n) == 1 and q.startswith(n)):
        return INITIAL_CREDIT, "initial"
    if min(len(q), len(n)) >= VARIANT_MIN_LENGTH:
        ratio = Levenshtein.normalized_similarity(q, n)
        if ratio >= VARIANT_MIN:
            return ratio, "variant"
    return 0.0, ""


def variant_tokens(token: str, vocabulary: Sequence[str]) -> list[str]:
    """The words of `vocabulary` that `_credit` takes for spelling variants of `token`: with
    the word itself, the only pairs that let a name match."""
    if len(token) < VARIANT_MIN_LENGTH:
        return []
    # rapidfuzz's cut-off turns the ratio into a whole number of edits and may round a ratio
    # of exactly VARIANT_MIN away ("chna", "china"): cut a little lower, then let `_credit`
    # decide, as it does when names are compared
    near = process.extract(token, vocabulary, scorer=Levenshtein.normalized_similarity,
                           score_cutoff=VARIANT_MIN - 0.01, limit=None)
    return [word for word, _, _ in near if _credit(token, word)[1] == "variant"]


def compare(query_tokens: tuple[str, ...], form: NameForm) -> NameEvidence:
    """Evidence that the query names what `form` names (see the module docstring)."""
    weights = [
        SURNAME_WEIGHT if i == form.surname else FUNCTION_WEIGHT if t in FUNCTION_WORDS else 1.0
        for i, t in enumerate(form.tokens)
    ]
    # All (credit, query index, name index) pairs, best first; take each side at most once.
    pairs = sorted(
        ((c, how, qi, ni) for qi, q in enumerate(query_tokens) for ni, n in enumerate(form.tokens)
         for c, how in [_credit(q, n)] if c > 0),
        key=lambda p: (-p[0], p[2], p[3]),
    )
    # A query's function words and titles weigh a quarter: "Premier Zhou Enlai" is explained
    # almost wholly by "Zhou Enlai".
    q_weights = [FUNCTION_WEIGHT if t in FUNCTION_WORDS or t in TITLE_WORDS else 1.0
                 for t in query_tokens]
    used_q: set[int] = set()
    used_n: set[int] = set()
    q_credit = n_credit = 0.0
    surname = initials = variant = False
    kinds: list[str] = []
    for credit, how, qi, ni in pairs:
        if qi in used_q or ni in used_n:
            continue
        used_q.add(qi)
        used_n.add(ni)
        q_credit += credit * q_weights[qi]
        n_credit += credit * weights[ni]
        kinds.append(how)
        if ni == form.surname and how in ("exact", "variant"):
            surname = True
        initials |= how == "initial"
        variant |= how == "variant"
    if not any(k in ("exact", "variant") for k in kinds):
        # Initials alone prove nothing ("Stalin" and the "S." of "S. Y. Dao").
        q_credit = n_credit = 0.0
        initials = False
    query_cover = q_credit / sum(q_weights) if query_tokens else 0.0
    name_cover = n_credit / sum(weights)
    exact = (len(query_tokens) == len(form.tokens) and len(kinds) == len(query_tokens)
             and all(k == "exact" for k in kinds))
    score = 100.0 * query_cover * (0.6 + 0.4 * name_cover)
    return NameEvidence(score, query_cover, name_cover, form, exact, surname, initials, variant)


def best_evidence(query: str, forms: Iterable[NameForm]) -> NameEvidence | None:
    """The best-scoring form for the query (ties: the main name before aliases)."""
    tokens = tuple(match_key(query).split())
    if not tokens:
        return None
    # People's names are also compared with the query's hyphens joined, as their forms are.
    joined = person_tokens(query)
    best: NameEvidence | None = None
    for form in forms:
        versions = (tokens, joined) if form.surname is not None and joined else (tokens,)
        for version in versions:
            evidence = compare(version, form)
            if best is None or evidence.score > best.score + 1e-9:
                best = evidence
    return best
