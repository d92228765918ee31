"""The listing-page reader on each layout users copy from the archive."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from kg.sources import SourceError, read_one

LISTINGS = FIXTURES / "listings"

CASES = {
    # file: [(date line, title start, summary start or "", truncated)]
    "bulleted.txt": [
        ("June 07, 1951", "Telegram from Kim Il Sung", "Kim Il Sung asks", False),
        ("June 21, 1951", "Letter, Mao Zedong", "Mao informs", False),
        ("July 1951", "Memorandum of Conversation between", "Gromyko and Nehru", False),
    ],
    "dashes.txt": [
        ("March 3, 1953", "Cable from Vyacheslav Molotov", "Molotov reports", False),
        ("October, 1966", "Record of Conversation between Zhou", "Zhou Enlai and Le Duan", False),
        ("1948", "Report to the Central Committee", "The report describes", False),
    ],
    "topic_page.txt": [
        ("June 25, 1950", "Ciphered Telegram, Shtykov", "Terentii Shtykov", False),
        ("September 1950", "Letter from Kim Il Sung and Pak", "Kim Il Sung and Pak", False),
    ],
    "no_summary_blank_date.txt": [
        ("April 1, 1949", "Letter, Jawaharlal Nehru", "", False),
        ("May 16, 1949", "Telegram from Mao Zedong to Kovalev", "Mao Zedong asks", False),
        ("", "Note from the Polish Foreign Ministry", "The note concerns", False),
        ("c. 1950", "Draft Agreement between the USSR", "(1) The railway", False),
    ],
    "cutoff.txt": [
        ("[February 1950]", "Memorandum from Andrey Vyshinsky", "Vyshinsky reports", False),
        ("1950-1951", "Minutes of Meeting of the Politburo", "The minutes record", True),
    ],
    "malformed.txt": [
        ("March 5, 1953", "Telegram from Georgy Malenkov", "Malenkov informs", False),
        ("March 10, 1953", "Letter from Mao Zedong", "Mao expresses", False),
        ("Febuary 31, 1950", "Note from Zhou Enlai", "Zhou Enlai proposes", False),
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layouts_read_every_entry(name):
    result = read_one(str(LISTINGS / name))
    got = [(r.date_text, r.title, r.summary, r.truncated) for r in result.records]
    assert len(got) == len(CASES[name])
    for (date, title, summary, truncated), want in zip(got, CASES[name]):
        assert date == want[0]
        assert title.startswith(want[1])
        assert summary.startswith(want[2]) and (summary == "") == (want[2] == "")
        assert truncated is want[3]


def test_multi_line_summary_is_kept_whole():
    records = read_one(str(LISTINGS / "no_summary_blank_date.txt")).records
    assert "(2) Soviet specialists" in records[-1].summary
    assert "(3) Both governments" in records[-1].summary


def test_malformed_entry_is_reported_with_its_line():
    result = read_one(str(LISTINGS / "malformed.txt"))
    assert [(p.line, p.severity) for p in result.problems] == [(9, "error")]
    assert "no title" in result.problems[0].message


def test_entries_know_their_lines():
    records = read_one(str(LISTINGS / "dashes.txt")).records
    assert [r.source.line for r in records] == [5, 9, 13]


@pytest.mark.parametrize("name, message", [
    ("empty.txt", "empty file"),
    ("binary.txt", "binary file"),
    ("no_entries.txt", "no valid catalogue entry"),
    ("latin1.txt", "not valid UTF-8"),
])
def test_unusable_files_name_file_and_problem(name, message):
    with pytest.raises(SourceError) as exc:
        read_one(str(LISTINGS / name))
    assert str(LISTINGS / name) in str(exc.value)
    assert message in str(exc.value)


def test_latin1_error_names_the_line():
    with pytest.raises(SourceError, match=r"latin1.txt:7:"):
        read_one(str(LISTINGS / "latin1.txt"))


def test_seed_pages_share_one_entry(seed_pages):
    from kg.core.identity import document_key

    keys = [{document_key(r) for r in read_one(str(p)).records} for p in seed_pages]
    assert sum(len(k) for k in keys) == 20
    assert len(keys[0] & keys[1]) == 1


def test_page_chrome_is_not_an_entry(seed_pages):
    titles = [r.title for p in seed_pages for r in read_one(str(p)).records]
    assert not any(t in {"Pagination", "Documents", "Results:", "Skip to content"} for t in titles)
