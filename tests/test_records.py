"""Record tables: the real export sample, a JSON Lines equivalent, and malformed tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import RECORDS_CSV

from kg.sources.records import parse_list_cell, read_csv, read_jsonl

FIXTURES = Path(__file__).parent / "fixtures" / "records"
SAMPLE_CSV = RECORDS_CSV
SAMPLE_IDS = [
    "300653", "300641", "300640", "300639", "300638",
    "300242", "300241", "300240", "300239", "300238", "300237",
]  # fmt: skip
HEADER = "title,original_publication_date,authors,record_id"


@pytest.fixture(scope="module")
def sample():
    if not SAMPLE_CSV.exists():
        pytest.skip(f"shared sample not present: {SAMPLE_CSV}")
    return read_csv(SAMPLE_CSV.read_text(encoding="utf-8"), str(SAMPLE_CSV))


def test_sample_csv_gives_eleven_records_with_ids(sample):
    assert sample.problems == []  # bookkeeping columns (page_number, scraped_at) are silent
    assert [r.record_id for r in sample.records] == SAMPLE_IDS
    assert all(r.source.kind == "record-table" for r in sample.records)


def test_sample_csv_records_start_on_their_physical_lines(sample):
    lines = SAMPLE_CSV.read_text(encoding="utf-8").split("\n")
    for record in sample.records:
        assert lines[record.source.line - 1].startswith(record.url)


@pytest.mark.parametrize(
    ("index", "key", "expected"),
    [
        (0, "authors", ["Nehru, Jawaharlal"]),
        (0, "places", ["India", "China", "Southeast Asia", "Pakistan"]),
        (1, "people_orgs", ["Satō, Eisaku", "Chiang, Ching-kuo (Jiang Jingguo)"]),
        (
            2,
            "authors",
            ["Japan. Foreign Ministry", "Japan. Foreign Ministry. Asian Affairs Bureau"],
        ),
        (
            5,
            "subjects",
            ["Germany--Foreign relations--Great Britain", "Europe--Economic integration"],
        ),
    ],
)
def test_sample_csv_curated_lists(sample, index, key, expected):
    assert sample.records[index].curated[key] == expected


def test_sample_csv_empty_lists_are_left_out(sample):
    nehru, kohl_blair = sample.records[0], sample.records[5]
    assert "people_orgs" not in nehru.curated  # the cell is empty in the export
    assert "authors" not in kohl_blair.curated


@pytest.mark.parametrize(
    ("index", "key", "expected"),
    [
        (0, "language", "English"),
        (0, "classification", "Secret"),
        (0, "upload_date", "2023-10-10"),
        (0, "original_archive", "Nehru Memorial Museum and Library (NMML)"),
        (1, "donors", "Chun & Jane Chiu Family Foundation"),
        (5, "contributors", 'Kohl, Helmut; Blair, Anthony Charles Lynton ("Tony")'),
    ],
)
def test_sample_csv_metadata(sample, index, key, expected):
    assert sample.records[index].metadata[key] == expected


def test_sample_csv_keeps_full_text_and_fields(sample):
    nehru = sample.records[0]
    assert nehru.title == "Letter, Jawaharlal Nehru to All Provincial Premiers"
    assert nehru.date_text == "April 1, 1949"
    assert nehru.summary.startswith("Nehru briefs the Provincial Premiers")
    assert nehru.full_text.startswith("Secret.\nF.N.33.\nNew Delhi, 1st April, 1949.")
    assert len(nehru.full_text) > 20_000  # beyond the csv module's default field limit
    assert "classification" not in sample.records[3].metadata  # empty cell, left out


def test_jsonl_equivalent_reads_like_the_csv():
    result = read_jsonl((FIXTURES / "export-sample.jsonl").read_text(encoding="utf-8"), "x.jsonl")
    assert result.problems == []
    assert [(r.record_id, r.source.line) for r in result.records] == [
        ("300653", 1),
        ("300641", 2),
        ("300640", 4),  # a blank line before it
    ]
    nehru, sato, bureau = result.records
    assert nehru.curated["authors"] == ["Nehru, Jawaharlal"]  # a JSON array
    assert sato.curated["people_orgs"] == ["Satō, Eisaku", "Chiang, Ching-kuo (Jiang Jingguo)"]
    assert sato.metadata["language"] == "Japanese"  # a string holding a JSON array
    assert bureau.metadata["donors"] == "Chun & Jane Chiu Family Foundation"
    assert all(r.source.kind == "record-table" for r in result.records)


def test_jsonl_bad_lines_are_reported_and_skipped():
    good = json.dumps({"title": "Letter, Mao Zedong to Stalin", "record_id": "111"})
    text = "\n".join([good, "{not json", "[1, 2]", good.replace("111", "112")])
    result = read_jsonl(text, "x.jsonl")
    assert [r.record_id for r in result.records] == ["111", "112"]
    assert [(p.line, p.severity) for p in result.problems] == [(2, "error"), (3, "error")]


def test_jsonl_without_any_title_raises():
    with pytest.raises(ValueError, match="title"):
        read_jsonl(json.dumps({"summary": "no title anywhere"}), "x.jsonl")


@pytest.mark.parametrize(
    ("reader", "text"),
    [
        (read_csv, "title,summary,page_count,box\nA letter,Short.,3,7\n"),
        (read_jsonl, json.dumps({"title": "A letter", "page_count": 3, "box": 7})),
    ],
)
def test_unknown_columns_are_flagged_once(reader, text):
    result = reader(text, "t")
    assert len(result.records) == 1
    [problem] = result.problems
    assert problem.severity == "flag"
    assert problem.message == "ignored unknown columns: page_count, box"


def test_missing_title_column_raises_naming_it():
    with pytest.raises(ValueError, match="missing required column: title"):
        read_csv("document_url,summary\nhttps://x/document/1,Short.\n", "t.csv")


@pytest.mark.parametrize("text", ["", "\n\n", HEADER + "\n"])
def test_no_rows_gives_an_empty_result(text):
    result = read_csv(text, "t.csv")
    assert result.records == [] and result.problems == []


def test_malformed_list_cell_is_reported_with_column_and_line():
    text = HEADER + '\nA letter,1950,"[""Mao, Zedong""",1\nAnother,1951,"[""Stalin""]",2\n'
    result = read_csv(text, "t.csv")
    assert [r.record_id for r in result.records] == ["1", "2"]
    assert "authors" not in result.records[0].curated  # kept, with the list empty
    [problem] = result.problems
    assert (problem.line, problem.severity) == (2, "error")
    assert "authors" in problem.message
    assert str(problem).startswith("t.csv:2: ")


def test_empty_title_row_is_skipped_with_an_error():
    result = read_csv(HEADER + '\n  ,1950,"[]",1\nA letter,1951,,2\n', "t.csv")
    assert [r.record_id for r in result.records] == ["2"]
    assert [(p.line, p.severity) for p in result.problems] == [(2, "error")]


def test_multiline_cells_give_the_next_rows_their_physical_lines():
    text = (
        "title,text_body,record_id\r\n"
        'First,"line one\nline two\n\nline four",1\r\n'
        'Second,"a ""quoted""\nword",2\r\n'
        "Third,,3\r\n"
    )
    result = read_csv(text, "t.csv")
    assert [(r.record_id, r.source.line) for r in result.records] == [("1", 2), ("2", 6), ("3", 8)]
    assert result.records[0].full_text == "line one\nline two\n\nline four"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("", []),
        ('["Mao, Zedong", "Zhou, Enlai"]', ["Mao, Zedong", "Zhou, Enlai"]),
        ('["Mao, Zedong", ""]', ["Mao, Zedong"]),
        ("Mao, Zedong; Zhou, Enlai", ["Mao, Zedong", "Zhou, Enlai"]),
        (["Stalin"], ["Stalin"]),
        (None, []),
        ('["unterminated"', None),
        ('{"a": 1}', None),
        ('[["nested"]]', None),
    ],
)
def test_parse_list_cell(cell, expected):
    assert parse_list_cell(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected", "flags"),
    [("300653", "300653", 0), ("300653.0", "300653", 0), ("", None, 0), ("n/a", None, 1)],
)
def test_record_id_must_be_digits(cell, expected, flags):
    result = read_csv(f"title,record_id\nA letter,{cell}\n", "t.csv")
    assert result.records[0].record_id == expected
    assert [p.severity for p in result.problems] == ["flag"] * flags
