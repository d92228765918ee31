"""Read exported record tables of the archive: CSV files and JSON Lines.

The columns are those of a widely used export of the Wilson Center Digital Archive::

    document_url, original_publication_date, title, credits, text_body, summary, authors,
    associated_places, subjects_discussed, associated_people_orgs, document_contributors,
    source, original_upload_date, original_archive_title, language, rights, record_id,
    original_classification, donors

Scraper bookkeeping columns (page_number, page_number_one_indexed, page_position, scraped_at)
are ignored silently; any other unknown column is reported once as a "flag" problem.

Rules:

* Only ``title`` is required in the header; a table without it raises ``ValueError`` naming
  the column (the caller reports it as "file: problem"). Every other column may be absent.
* List-valued cells hold JSON arrays (``["Nehru, Jawaharlal"]``); an empty cell is an empty
  list. A cell that does not start with "[" or "{" is read as a ";"-separated list, so
  hand-made tables work too. A cell that starts with one but is not a JSON array of strings
  is reported (column and line) and read as an empty list; the row is kept.
* A row with an empty title is reported as an error and skipped.
* ``record_id`` must be digits (a spreadsheet's "300653.0" is accepted); anything else is
  flagged and dropped, the row is kept.
* Each record's ``SourceRef.line`` is the 1-based physical line where its row starts: quoted
  CSV cells may span lines, so this is not the row number.
* In JSON Lines, each non-blank line is one JSON object; list fields may be JSON arrays or
  strings holding JSON arrays (as in the CSV). A line that is not a JSON object is reported and
  skipped. If no object has a ``title`` key at all, ``ValueError`` is raised as for CSV.

Reading never raises otherwise: problems come back in the ``ReadResult`` in file order.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator, Mapping

from kg.core.model import ReadProblem, ReadResult, Record, SourceRef

REQUIRED_COLUMNS = ("title",)

# Curated list columns -> key in Record.curated.
CURATED_COLUMNS: dict[str, str] = {
    "authors": "authors",
    "associated_people_orgs": "people_orgs",
    "associated_places": "places",
    "subjects_discussed": "subjects",
}

# Metadata columns -> key in Record.metadata; the list-valued ones are joined with "; ".
METADATA_COLUMNS: dict[str, str] = {
    "source": "source",
    "language": "language",
    "original_classification": "classification",
    "rights": "rights",
    "original_archive_title": "original_archive",
    "original_upload_date": "upload_date",
    "credits": "credits",
    "document_contributors": "contributors",
    "donors": "donors",
}
LIST_METADATA_COLUMNS = frozenset(
    {"language", "original_archive_title", "document_contributors", "donors"}
)

RECORD_COLUMNS = frozenset(
    {"document_url", "original_publication_date", "title", "text_body", "summary", "record_id"}
)
KNOWN_COLUMNS = RECORD_COLUMNS | CURATED_COLUMNS.keys() | METADATA_COLUMNS.keys()
# Written by the scraper that made the export; they say nothing about the document.
IGNORED_COLUMNS = frozenset(
    {"page_number", "page_number_one_indexed", "page_position", "scraped_at"}
)

KIND = "record-table"


def _raise_field_size_limit() -> None:
    # text_body cells hold whole transcripts, far beyond csv's 128 KiB default. sys.maxsize
    # overflows the C long on some platforms, so cap it at the largest 32-bit value.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _text(value: object) -> str:
    """A cell as stripped text; None (JSON null, short CSV row) is empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_list_cell(value: object) -> list[str] | None:
    """A list cell as a list of non-empty strings, or None when it is malformed.

    Accepts a JSON array (or a string holding one), an empty cell, or ";"-separated text.
    """
    if value is None:
        return []
    if isinstance(value, list):
        items = value
    else:
        text = _text(value)
        if not text:
            return []
        # Only cells that look like JSON are parsed as JSON; "{...}" is JSON but not a list.
        if not text.startswith(("[", "{")):
            return [part.strip() for part in text.split(";") if part.strip()]
        try:
            items = json.loads(text)
        except json.JSONDecodeError:
            return None
        if not isinstance(items, list):
            return None
    if not all(isinstance(item, (str, int, float)) or item is None for item in items):
        return None
    return [_text(item) for item in items if _text(item)]


def normalise_record_id(value: object) -> str | None:
    """Digits as a string, "300653.0" -> "300653"; None when empty or not a number."""
    text = _text(value)
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text if text.isdigit() else None


def row_to_record(
    row: Mapping[str, object], path: str, line: int, problems: list[ReadProblem]
) -> Record | None:
    """Map one table row to a Record, appending problems; None when the row must be skipped."""
    title = _text(row.get("title"))
    if not title:
        problems.append(ReadProblem(path, line, "row has an empty title; row skipped"))
        return None

    def list_cell(column: str) -> list[str]:
        items = parse_list_cell(row.get(column))
        if items is None:
            problems.append(
                ReadProblem(
                    path, line, f"column '{column}': not a JSON list of names; read as empty"
                )
            )
            return []
        return items

    curated = {
        key: items for column, key in CURATED_COLUMNS.items() if (items := list_cell(column))
    }

    metadata: dict[str, str] = {}
    for column, key in METADATA_COLUMNS.items():
        value = (
            "; ".join(list_cell(column))
            if column in LIST_METADATA_COLUMNS
            else _text(row.get(column))
        )
        if value:
            metadata[key] = value

    raw_id = _text(row.get("record_id"))
    record_id = normalise_record_id(raw_id)
    if raw_id and record_id is None:
        problems.append(
            ReadProblem(path, line, f"record_id {raw_id!r} is not a number; ignored", "flag")
        )

    return Record(
        date_text=_text(row.get("original_publication_date")),
        title=title,
        summary=_text(row.get("summary")),
        source=SourceRef(path, line, KIND),
        record_id=record_id,
        url=_text(row.get("document_url")) or None,
        full_text=_text(row.get("text_body")),
        curated=curated,
        metadata=metadata,
    )


def unknown_columns(columns: list[str]) -> list[str]:
    """Columns neither read nor known to be bookkeeping, in the order given."""
    return [c for c in dict.fromkeys(columns) if c and c not in KNOWN_COLUMNS | IGNORED_COLUMNS]


def _unknown_problem(path: str, line: int, columns: list[str]) -> ReadProblem:
    return ReadProblem(path, line, f"ignored unknown columns: {', '.join(columns)}", "flag")


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(1-based physical start line, cells) per non-blank CSV row."""
    _raise_field_size_limit()
    # newline="" keeps line ends inside quoted cells as written, as the csv module expects.
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        if any(cell.strip() for cell in cells):
            yield start, cells


def read_csv(text: str, path: str) -> ReadResult:
    """Read a CSV export; raises ValueError only when the header lacks a required column."""
    text = text.removeprefix("\ufeff")
    rows = _csv_rows(text)
    try:
        header_line, header_cells = next(rows)
    except StopIteration:
        return ReadResult([])
    except csv.Error as exc:
        raise ValueError(f"header is not valid CSV ({exc})") from None
    header = [cell.strip().lower() for cell in header_cells]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ValueError(f"missing required column: {', '.join(missing)}")

    result = ReadResult([])
    if unknown := unknown_columns(header):
        result.problems.append(_unknown_problem(path, header_line, unknown))
    line = header_line
    while True:
        try:
            line, cells = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            # The csv module cannot resynchronise after a broken quote: stop, say where.
            result.problems.append(
                ReadProblem(path, line, f"malformed CSV, reading stopped ({exc})")
            )
            break
        if len(cells) != len(header):
            result.problems.append(
                ReadProblem(
                    path, line, f"row has {len(cells)} cells, header has {len(header)}", "flag"
                )
            )
        # Short rows leave columns missing (read as empty); long rows were flagged above.
        row = dict(zip(header, cells, strict=False))
        record = row_to_record(row, path, line, result.problems)
        if record is not None:
            result.records.append(record)
    return result


def read_jsonl(text: str, path: str) -> ReadResult:
    """Read JSON Lines, one object per line; raises ValueError when no object has a title key."""
    text = text.removeprefix("\ufeff")
    result = ReadResult([])
    rows: list[tuple[int, dict[str, object]]] = []
    # split("\n") rather than splitlines(): JSON strings may hold U+2028 and other separators.
    for number, raw in enumerate(text.split("\n"), 1):
        raw = raw.strip()
        if not raw:
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            result.problems.append(
                ReadProblem(path, number, f"not valid JSON ({exc.msg}); line skipped")
            )
            continue
        if not isinstance(value, dict):
            result.problems.append(ReadProblem(path, number, "not a JSON object; line skipped"))
            continue
        rows.append((number, {str(k).strip().lower(): v for k, v in value.items()}))
    if not rows:
        return result
    if not any(column in row for _, row in rows for column in REQUIRED_COLUMNS):
        raise ValueError(f"missing required field: {', '.join(REQUIRED_COLUMNS)}")

    unknown: list[str] = []
    first_unknown_line = 0
    for number, row in rows:
        if (extra := unknown_columns(list(row))) and not first_unknown_line:
            first_unknown_line = number
        unknown.extend(extra)
        record = row_to_record(row, path, number, result.problems)
        if record is not None:
            result.records.append(record)
    if unknown:
        problem = _unknown_problem(path, first_unknown_line, list(dict.fromkeys(unknown)))
        result.problems.insert(0, problem)
    return result


def with_rights(records: list[Record], rights: str | None) -> list[Record]:
    """The rights statement a user gives for a source (`kg ingest --rights`), applied to its
    records that state none (an export table's own `rights` column wins). Kept in the raw
    record, so a rebuild keeps it; mapped onto each source graph as dcterms:rights."""
    rights = (rights or "").strip()
    if not rights:
        return records
    for record in records:
        if not record.metadata.get("rights"):
            record.metadata["rights"] = rights
    return records
