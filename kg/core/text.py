"""Text folding for matching names: one definition, read by every layer that compares names.

`strip_accents` is the step every folding starts from; `fold` is what two spellings of a name
share once case, accents and punctuation are set aside; `match_key` is the same for fuzzy
scoring (rapidfuzz's own preprocessing, so scores agree with rapidfuzz's documentation);
`squash` also drops the spaces ("Chou En-lai" and "Chou Enlai"); `slug` keys an unresolved
name; `clean_name` takes a name out of the words written around it ("the", honorifics, a
possessive); `fallback_label` names an IRI that has no label (pages, and the records the
store derives for them, show the same name).
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.utils import default_process

from kg.core.lexicon import NAME_PREFIX_WORDS, words_pattern

_HONORIFIC = re.compile(r"^(?:the\s+)?(?:" + words_pattern(NAME_PREFIX_WORDS) + r")\s+", re.I)


def strip_accents(text: str) -> str:
    """The text without combining marks, case folded ("Roščin" -> "roscin")."""
    if text.isascii():  # most names: nothing to decompose (a third of a gazetteer's build)
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def match_key(text: str) -> str:
    """Accent- and case-free, punctuation as spaces: what fuzzy name scores compare."""
    return default_process(strip_accents(text))


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used for matching names."""
    text = strip_accents(text.replace("\u2019", "'"))
    text = _POSSESSIVE.sub("", text)
    text = _PUNCTUATION.sub(" ", text)
    return " ".join(text.split())


_POSSESSIVE = re.compile(r"'s\b")
_PUNCTUATION = re.compile(r"[^\w\s]")


def squash(text: str) -> str:
    """`fold` without spaces: "Chou En-lai" and "Chou Enlai" meet here."""
    return fold(text).replace(" ", "")


def slug(text: str) -> str:
    """The key part of a name that no authority entry holds."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "unnamed"


def clean_name(name: str) -> str:
    """The name without an article, honorifics ("Comrade", "Premier") or a possessive."""
    name = " ".join(name.replace("\u2019", "'").split())
    name = re.sub(r"^(?:the\s+)", "", name, flags=re.I)
    name = re.sub(r"'s?$", "", name)
    prev = None
    while prev != name:
        prev = name
        name = _HONORIFIC.sub("", name)
    return name.strip(" ,.;:\"'()[]") if not name.endswith(".") or len(name) > 3 else name


def fallback_label(iri: str) -> str:
    """A readable name for an IRI without a label: its last segment, de-slugged."""
    tail = iri.rstrip("/").rsplit("/", 1)[-1]
    tail = tail.split("#")[-1] if "#" in tail else tail
    return tail.replace("-", " ").strip() or iri
