"""Text folding for matching names: one definition, read by every layer that compares names.

`fold` is what two spellings of a name share once case, accents and punctuation are set aside;
`squash` also drops the spaces ("Chou En-lai" and "Chou Enlai"); `slug` keys an unresolved
name; `clean_name` takes a name out of the words written around it ("the", honorifics, a
possessive).
"""

from __future__ import annotations

import re
import unicodedata

from kg.core.lexicon import NAME_PREFIX_WORDS, words_pattern

_HONORIFIC = re.compile(r"^(?:the\s+)?(?:" + words_pattern(NAME_PREFIX_WORDS) + r")\s+", re.I)


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used for matching names."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").casefold()
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


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
