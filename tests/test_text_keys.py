"""The folding behind every name match: accents, case and punctuation go, letters stay. The
ASCII shortcut of `strip_accents` must give what the Unicode decomposition gives."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.core.text import fold, squash, strip_accents


def _decomposed(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c)).casefold()


@given(st.text())
def test_strip_accents_is_the_decomposition_without_marks(text: str) -> None:
    assert strip_accents(text) == _decomposed(text)


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_is_only_case_folded(text: str) -> None:
    assert strip_accents(text) == _decomposed(text) == text.lower()


@pytest.mark.parametrize(("written", "key"), [
    ("Roščin", "roscin"),
    ("Chou En-lai", "chou en lai"),
    ("People’s Daily", "people daily"),
    ("  ZHOU   Enlai ", "zhou enlai"),
    ("Ngô Đình Diệm", "ngo đinh diem"),  # Đ has no decomposition: kept, lower-cased
])
def test_fold_examples(written: str, key: str) -> None:
    assert fold(written) == key


def test_squash_joins_the_spellings_that_differ_in_spaces() -> None:
    assert squash("Chou En-lai") == squash("Chou Enlai") == "chouenlai"
