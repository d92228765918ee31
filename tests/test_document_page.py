"""Document pages saved as text: each layout variant, detection, and broken pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEEDS

from kg.core.model import Record
from kg.sources.document_page import looks_like_document_page, read_document_page

FIXTURES = Path(__file__).parent / "fixtures" / "docpages"
PAGES = sorted(p.name for p in FIXTURES.glob("*.txt"))
RIGHTS_START = "The History and Public Policy Program welcomes reuse"

# What each fixture must give: header fields, identity, first line of the record and text.
EXPECTED = {
    "skip-to-content-nehru.txt": {
        "date_text": "April 1, 1949",
        "title": "Letter, Jawaharlal Nehru to All Provincial Premiers",
        "summary_start": "Nehru briefs the Provincial Premiers",
        "record_id": "300653",
        "url": None,
        "line": 8,
        "text_start": "Secret.\nF.N.33.\nNew Delhi, 1st April, 1949.",
        "text_end": "Sinkiang touches upon the Kashmir frontier and Afghanistan.",
    },
    "compact-summary-first-sato-chiang.txt": {
        "date_text": "November 24, 1967",
        "title": "Economic Cooperation Division [Ministry of Foreign Affairs, Japan], "
        "'Main Points of Meeting Between Prime Minister Sato and National Defense Minister "
        "Chiang Ching-kuo'",
        "summary_start": "The Japanese Foreign Ministry provides an update",
        "record_id": "300641",
        "url": None,
        "line": 1,
        "text_start": "Secret\nIndefinite Duration\nCopy 19 of 50",
        "text_end": "(A) In the event of a request for private investment",
    },
    "search-in-citation-kawase.txt": {
        "date_text": "November 6, 1967",
        "title": "Petition on Opposition to the Coming to Japan of Taiwan’s National Defense "
        "Minister Chiang",
        "summary_start": "Kawase Ikkan insists that the Japanese Government",
        "record_id": "300639",
        "url": "https://digitalarchive.wilsoncenter.org/document/300639",
        "line": 6,
        "text_start": "No. 594, Tokyo General Headquarters",
        "text_end": "will be accomplished without problems or difficulties.",
    },
    "pills-before-text-asian-affairs.txt": {
        "date_text": "November 18, 1967",
        "title": "Asian Affairs Bureau [Ministry of Foreign Affairs, Japan], "
        "'The Chinese Communist Problem'",
        "summary_start": "Ahead of a visit by Chiang Ching-kuo to Japan",
        "record_id": "300640",
        "url": None,
        "line": 3,
        "text_start": "Secret\nIndefinite Duration\nNo. 2 of 40 copies",
        "text_end": "are in disorder in their organization and staffing.",
    },
    "address-only-kohl-blair.txt": {
        "date_text": "October 31, 1997",
        "title": "The Chancellor's [Helmut Kohl's] Meeting with British PM Blair on 20 October "
        "1997, 10.30 a.m. - 3 p.m. in Chequers",
        "summary_start": "Kohl and Blair examine Britain's role in Europe.",
        "record_id": "300242",  # the Record ID label is empty: from the "/document/" address
        "url": "https://digitalarchive.wilsoncenter.org/document/300242",
        "line": 4,
        "text_start": "MD J. Bitterlich",
        "text_end": "3. European Economic and Monetary Union",
    },
}

CURATED = {
    "skip-to-content-nehru.txt": {
        "authors": ["Nehru, Jawaharlal"],
        "places": ["India", "China", "Southeast Asia", "Pakistan"],
        "subjects": ["India--Foreign relations--Pakistan"],
    },  # "Associated People & Organizations" is present and empty
    "compact-summary-first-sato-chiang.txt": {
        "authors": ["Japan. Foreign Ministry"],
        "people_orgs": ["Satō, Eisaku", "Chiang, Ching-kuo (Jiang Jingguo)"],
        "places": ["Japan", "Taiwan"],
        "subjects": [
            "Japan--Foreign relations--Taiwan",
            "Japan--Economic policy",
            "Taiwan--Economic policy",
        ],
    },
    "search-in-citation-kawase.txt": {},  # older pages have no curated lists
    "pills-before-text-asian-affairs.txt": {
        "authors": ["Japan. Foreign Ministry", "Japan. Foreign Ministry. Asian Affairs Bureau"],
        "people_orgs": ["Mao, Zedong", "Lin, Biao", "Liu, Shaoqi", "Deng, Xiaoping"],
        "places": ["Japan", "China", "Taiwan", "United States"],
        "subjects": [
            "China--Foreign relations--Japan",
            "Japan--Foreign relations--Taiwan",
            "China--Politics and government--1949-1976",
            "China--History--Cultural Revolution, 1966-1976",
            "Nuclear weapons--China",
            "Japan--Foreign relations--United States",
        ],
    },
    "address-only-kohl-blair.txt": {  # empty Authors label
        "people_orgs": ["Bitterlich, Joachim"],
        "places": ["Germany", "Great Britain"],
        "subjects": ["Germany--Foreign relations--Great Britain", "Europe--Economic integration"],
    },
}

METADATA = {
    "skip-to-content-nehru.txt": {
        "language": "English",
        "type": "Letter",
        "classification": "Secret",
        "upload_date": "2023-10-10",
        "original_archive": "Nehru Memorial Museum and Library (NMML)",
        "source": "Nehru Memorial Museum and Library, File No. JNSG, vol. 21-1.",
    },
    "compact-summary-first-sato-chiang.txt": {
        "language": "Japanese",
        "donors": "Chun & Jane Chiu Family Foundation",
        "credits": "This document was made possible with support from "
        "Chun & Jane Chiu Family Foundation",
        "classification": "Secret",
    },
    "search-in-citation-kawase.txt": {
        "language": "Japanese",
        "contents": "English Translation",
        "credits": "This document was made possible with support from "
        "Chun & Jane Chiu Family Foundation",
    },
    "pills-before-text-asian-affairs.txt": {
        "type": "Report",
        "upload_date": "2023-10-05",
        "original_archive": "Diplomatic Archives of the Ministry of Foreign Affairs of Japan",
    },
    "address-only-kohl-blair.txt": {
        "language": "German",
        "type": "Memorandum",
        "original_archive": "German Federal Archives (BArch)",
    },
}


def read(name: str) -> tuple[Record, list]:
    result = read_document_page((FIXTURES / name).read_text(encoding="utf-8"), name)
    assert len(result.records) == 1
    return result.records[0], result.problems


def test_every_fixture_has_expectations():
    assert len(PAGES) >= 4
    assert set(PAGES) == set(EXPECTED) == set(CURATED) == set(METADATA)


@pytest.mark.parametrize("name", PAGES)
def test_page_is_recognised_as_a_document_page(name):
    assert looks_like_document_page((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", PAGES)
def test_header_and_identity(name):
    record, problems = read(name)
    want = EXPECTED[name]
    assert problems == []
    assert record.date_text == want["date_text"]
    assert record.title == want["title"]
    assert record.summary.startswith(want["summary_start"])
    assert record.record_id == want["record_id"]
    assert record.url == want["url"]
    assert (record.source.path, record.source.line, record.source.kind) == (
        name,
        want["line"],
        "document-page",
    )


@pytest.mark.parametrize("name", PAGES)
def test_full_text_is_the_document_only(name):
    record, _ = read(name)
    assert record.full_text.startswith(EXPECTED[name]["text_start"])
    assert record.full_text.endswith(EXPECTED[name]["text_end"])
    for chrome in ("Download PDF", "Original Scan", "Document Information", "Record ID"):
        assert chrome not in record.full_text
    assert record.summary not in record.full_text


@pytest.mark.parametrize("name", PAGES)
def test_curated_lists(name):
    record, _ = read(name)
    assert record.curated == CURATED[name]


@pytest.mark.parametrize("name", PAGES)
def test_metadata(name):
    record, _ = read(name)
    for key, value in METADATA[name].items():
        assert record.metadata[key] == value
    if name != "search-in-citation-kawase.txt":
        # Rights keeps both of its paragraphs, whatever the spacing between them.
        assert record.metadata["rights"].startswith(RIGHTS_START)
        assert record.metadata["rights"].endswith("at HAPP@wilsoncenter.org.")
        assert record.metadata["rights"].count("\n") == 1


def test_empty_labels_are_left_out():
    record, _ = read("address-only-kohl-blair.txt")  # empty Record ID, Classification, Authors
    assert "classification" not in record.metadata
    assert "authors" not in record.curated


def test_citation_is_kept_in_metadata():
    record, _ = read("search-in-citation-kawase.txt")
    assert record.metadata["citation"].endswith("/document/300639")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Skip to content\n\nJanuary 1, 1950\n\nA title\n\nDocument Information\nSource\nX\n",
            True,
        ),
        ("November 6, 1967\nA title\nRecord ID:\n300639\n", True),
        ('Search in\nNovember 6, 1967\nA title\nCitation:\n"A title," ...\n', True),
        ("Skip to content\n\nResults:\n\n1 - 10 of 34\n\nJanuary 1, 1950\n\nA title\n", False),
        ("The Document Information office wrote a letter.\n", False),
    ],
)
def test_looks_like_document_page(text, expected):
    assert looks_like_document_page(text) is expected


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")) if SEEDS.exists() else [])
def test_listing_pages_are_not_document_pages(seed):
    assert not looks_like_document_page(seed.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        "Skip to content\n\nDocument Information\nRecord ID\n1\n",
        "Skip to content\nApril 1, 1949\n\nDownload PDF\n\nRecord ID\n300653\n",
    ],
)
def test_page_without_title_gives_an_error_and_no_record(text):
    result = read_document_page(text, "p.txt")
    assert result.records == []
    assert [p.severity for p in result.problems] == ["error"]
    assert "without a title" in result.problems[0].message


def test_page_without_date_is_flagged_but_read():
    text = "Letter, Mao Zedong to Stalin\n\nMao writes.\n\nDocument Information\nRecord ID\n7\n"
    result = read_document_page(text, "p.txt")
    [record] = result.records
    assert (record.title, record.date_text, record.record_id) == (
        "Letter, Mao Zedong to Stalin",
        "",
        "7",
    )
    assert [(p.line, p.severity) for p in result.problems] == [(1, "flag")]


def test_generic_words_in_the_text_are_not_labels():
    text = (
        "May 1, 1950\nA report\n\nShort summary.\n\nSource\nof the river is in Tibet.\n"
        "Type\nwritten.\n\nDocument Information\nRecord ID\n9\n"
    )
    [record] = read_document_page(text, "p.txt").records
    assert "Source\nof the river is in Tibet." in record.full_text
    assert "source" not in record.metadata and "type" not in record.metadata


@pytest.mark.parametrize(
    ("record_id", "severity_count"),
    [("300653", 0), ("300654", 1)],
)
def test_record_id_and_address_must_agree(record_id, severity_count):
    text = (
        "April 1, 1949\nLetter\n\nSummary here.\n\nhttps://digitalarchive.wilsoncenter.org/"
        f"document/300653\n\nDocument Information\nRecord ID\n{record_id}\n"
    )
    result = read_document_page(text, "p.txt")
    assert result.records[0].record_id == record_id  # the label wins
    assert [p.severity for p in result.problems] == ["flag"] * severity_count
