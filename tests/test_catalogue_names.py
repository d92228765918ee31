"""Curated names and subject headings as the archive's catalogue writes them."""

from __future__ import annotations

import dataclasses

import pytest

from kg.sources.catalogue_names import (
    parse_catalogue_name,
    parse_subject_heading,
    split_hierarchy,
    strip_life_dates,
)


@pytest.mark.parametrize(
    ("written", "forms"),
    [
        ("Nehru, Jawaharlal", ("Jawaharlal Nehru", "Nehru Jawaharlal")),
        ("Satō, Eisaku", ("Eisaku Satō", "Satō Eisaku")),
        ("Nakajima, Kenzō", ("Kenzō Nakajima", "Nakajima Kenzō")),
        ("Guterres, António Manuel de Oliveira", (
            "António Manuel de Oliveira Guterres", "Guterres António Manuel de Oliveira",
        )),
        ("Roshchin, N. V.", ("N. V. Roshchin", "Roshchin N. V.")),
        ("King, Martin Luther, Jr., 1929-1968", (
            "Martin Luther King Jr.", "King Martin Luther Jr.",
        )),
        # Chinese and Korean names are shown surname first: that order comes first.
        ("Chiang, Ching-kuo (Jiang Jingguo)", ("Chiang Ching-kuo", "Ching-kuo Chiang")),
        ("Chiang, Kai-shek (Jiang Jieshi)", ("Chiang Kai-shek", "Kai-shek Chiang")),
        ("Mao, Zedong, 1893-1976", ("Mao Zedong", "Zedong Mao")),
        ("Lin, Biao", ("Lin Biao", "Biao Lin")),
        ("Kim, Il-sung", ("Kim Il-sung", "Il-sung Kim")),
    ],
)  # fmt: skip
def test_inverted_person_names_give_both_orders(written, forms):
    name = parse_catalogue_name(written)
    assert (name.written, name.forms, name.kind_hint, name.hierarchy) == (
        written,
        forms,
        "person",
        (),
    )


@pytest.mark.parametrize(
    ("written", "alternative"),
    [
        ("Chiang, Ching-kuo (Jiang Jingguo)", "Jiang Jingguo"),
        ('Blair, Anthony Charles Lynton ("Tony")', "Tony Blair"),
        ("Kennedy, John F. (John Fitzgerald), 1917-1963", "John Fitzgerald Kennedy"),
        ("Nehru Memorial Museum and Library (NMML)", "NMML"),
        ("German Federal Archives (BArch)", "BArch"),
        ("Nehru, Jawaharlal", None),
    ],
)
def test_parenthesised_alternative(written, alternative):
    assert parse_catalogue_name(written).alternative == alternative


@pytest.mark.parametrize(
    ("written", "forms", "hierarchy"),
    [
        (
            "Japan. Foreign Ministry. Asian Affairs Bureau",
            ("Asian Affairs Bureau", "Japan. Foreign Ministry. Asian Affairs Bureau"),
            ("Japan", "Japan. Foreign Ministry", "Japan. Foreign Ministry. Asian Affairs Bureau"),
        ),
        (
            "Japan. Foreign Ministry",
            ("Foreign Ministry", "Japan. Foreign Ministry"),
            ("Japan", "Japan. Foreign Ministry"),
        ),
        (
            "United States. Dept. of State",
            ("Dept. of State", "United States. Dept. of State"),
            ("United States", "United States. Dept. of State"),
        ),
    ],
)
def test_hierarchical_bodies(written, forms, hierarchy):
    name = parse_catalogue_name(written)
    assert (name.forms, name.hierarchy, name.kind_hint) == (forms, hierarchy, "organization")


@pytest.mark.parametrize(
    "written",
    [
        "Communist Party of the Soviet Union",
        "Japan-China Import-Export Association",
        "Japan-China Cultural Exchange Association",
        "North Atlantic Treaty Organization",
        "Central Intelligence Agency",
        "Soviet Embassy in Beijing",
        "Chinese People's Volunteer Army",
        "National Liberation Front",
        "Nehru Memorial Museum and Library (NMML)",
    ],
)
def test_bodies_known_by_keyword(written):
    name = parse_catalogue_name(written)
    assert name.kind_hint == "organization"
    assert name.forms == (name.hierarchy[-1],)


@pytest.mark.parametrize("written", ["Stalin", "Nakajima Kenzo", "Japan", "Filippov"])
def test_bare_names_have_no_kind(written):
    name = parse_catalogue_name(written)
    assert (name.forms, name.kind_hint, name.hierarchy) == ((written,), None, ())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mao, Zedong, 1893-1976", "Mao, Zedong"),
        ("Kennedy, John F., 1917-1963", "Kennedy, John F."),
        ("Nixon, Richard M. (Richard Milhous), 1913-", "Nixon, Richard M. (Richard Milhous)"),
        ("Smith, John, b. 1920", "Smith, John"),
        ("Nehru, Jawaharlal", "Nehru, Jawaharlal"),
        ("1950", "1950"),  # nothing but a year is not a dated name
    ],
)
def test_strip_life_dates(text, expected):
    assert strip_life_dates(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Japan. Foreign Ministry", ("Japan", "Foreign Ministry")),
        ("Roshchin, N. V.", ("Roshchin, N. V",)),
        ("U.S.S.R. Ministry of Foreign Affairs", ("U.S.S.R. Ministry of Foreign Affairs",)),
        ("United States. Dept. of State", ("United States", "Dept. of State")),
    ],
)
def test_split_hierarchy_skips_initials_and_abbreviations(text, expected):
    assert split_hierarchy(text) == expected


def test_catalogue_name_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        parse_catalogue_name("Nehru, Jawaharlal").forms = ()  # type: ignore[misc]


def test_whitespace_is_folded():
    name = parse_catalogue_name("  Nehru,   Jawaharlal ")
    assert (name.written, name.forms[0]) == ("Nehru, Jawaharlal", "Jawaharlal Nehru")


@pytest.mark.parametrize(
    ("heading", "chain"),
    [
        (
            "China--History--Cultural Revolution, 1966-1976",
            ("China", "China--History", "China--History--Cultural Revolution, 1966-1976"),
        ),
        (
            "Japan--Foreign relations--Taiwan",
            ("Japan", "Japan--Foreign relations", "Japan--Foreign relations--Taiwan"),
        ),
        ("Ukraine--Economic policy--1991-", (
            "Ukraine", "Ukraine--Economic policy", "Ukraine--Economic policy--1991-",
        )),
        ("North Atlantic Treaty Organization", ("North Atlantic Treaty Organization",)),
        ("Vietnam War, 1961-1975", ("Vietnam War, 1961-1975",)),
        ("Japan -- Economic policy", ("Japan", "Japan--Economic policy")),
        ("", ()),
    ],
)  # fmt: skip
def test_parse_subject_heading(heading, chain):
    assert parse_subject_heading(heading) == chain
