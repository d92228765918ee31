"""Catalogue dates keep their precision, qualifiers and bounds."""

from __future__ import annotations

from datetime import date

import pytest

from kg.core.dates import looks_like_date, parse_date

CASES = [
    # text, precision, value, earliest, latest, edtf
    ("July 5, 1950", "day", "1950-07-05", date(1950, 7, 5), date(1950, 7, 5), "1950-07-05"),
    ("June 07, 1951", "day", "1951-06-07", date(1951, 6, 7), date(1951, 6, 7), "1951-06-07"),
    ("5 July 1950", "day", "1950-07-05", date(1950, 7, 5), date(1950, 7, 5), "1950-07-05"),
    ("Sept. 3, 1962", "day", "1962-09-03", date(1962, 9, 3), date(1962, 9, 3), "1962-09-03"),
    ("February 1950", "month", "1950-02", date(1950, 2, 1), date(1950, 2, 28), "1950-02"),
    ("October, 1966", "month", "1966-10", date(1966, 10, 1), date(1966, 10, 31), "1966-10"),
    ("February 1952", "month", "1952-02", date(1952, 2, 1), date(1952, 2, 29), "1952-02"),
    ("1948", "year", "1948", date(1948, 1, 1), date(1948, 12, 31), "1948"),
    ("c. 1950", "year", "1950", date(1950, 1, 1), date(1950, 12, 31), "1950~"),
    ("[February 1950]", "month", "1950-02", date(1950, 2, 1), date(1950, 2, 28), "1950-02?"),
    ("1950-1951", "range", None, date(1950, 1, 1), date(1951, 12, 31), "1950/1951"),
    ("1950s", "range", None, date(1950, 1, 1), date(1959, 12, 31), "195X"),
    ("n.d.", "none", None, None, None, None),
    ("", "none", None, None, None, None),
]


@pytest.mark.parametrize("text, precision, value, earliest, latest, edtf", CASES)
def test_precision_value_and_bounds(text, precision, value, earliest, latest, edtf):
    d = parse_date(text)
    assert (d.precision, d.value, d.earliest, d.latest, d.edtf) == (
        precision, value, earliest, latest, edtf)
    assert d.valid


def test_a_year_is_never_its_first_day():
    d = parse_date("1950")
    assert d.value == "1950" and d.latest == date(1950, 12, 31)


@pytest.mark.parametrize("text", ["Febuary 31, 1950", "February 31, 1950", "Jully 4, 1951"])
def test_impossible_dates_are_invalid_with_a_reason(text):
    d = parse_date(text)
    assert not d.valid and d.value is None and d.problem


@pytest.mark.parametrize("line, expected", [
    ("July 5, 1950", True), ("Febuary 31, 1950", True), ("[February 1950]", True),
    ("n.d.", True), ("1950-1951", True),
    ("Report 1950", False), ("Sino-Soviet Agreement Protocol", False), ("Documents", False),
])
def test_date_line_shape(line, expected):
    assert looks_like_date(line) is expected
