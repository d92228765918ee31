"""Read one document's page of the archive, as a user saved or copied it as text.

A document page gives one catalogue entry in full: date, title, summary, the document's text and
labelled metadata ("Document Information": Source, Rights, Original Uploaded Date, Type,
Language, Record ID, and where present Authors, Associated People & Organizations, Associated
Places, Subjects Discussed, Original Classification, Original Archive, Donors). Saved pages
differ in chrome and spacing, so the reader works line by line with these rules:

Labels
    A label is a line holding only a known label name (case and a trailing ":" do not matter).
    Its value is the following lines, up to the next label. List labels (authors, people,
    places, subjects, language, archive, donors) give one item per line; Record ID, Type,
    Original Uploaded Date and Original Classification take their first line; Source, Rights,
    Citation, Summary and Credits keep all their lines. A label followed directly by another
    label has an empty value, which is fine.
Zones
    Labels are read in a "Document Information" block, which runs from that heading to an
    end-of-page line ("Related Documents", "Privacy Policy", ...) or the end. Outside it, a
    distinctive label (Record ID, Citation, Authors, Associated ..., Subjects Discussed,
    Original ...) opens a zone where the generic ones (Source, Rights, Type, Language, Summary,
    Credits, Contents) are labels too; such a zone ends at a chrome line or when a blank line
    is followed by a line that is not a label. Generic words alone on a line of the document
    text are therefore text, not labels.
Header
    The date is the first line shaped like a catalogue date before the first label or
    "Document Information"; the title is the next non-chrome line. Without a date line the
    title is the first non-chrome line that is not a long prose paragraph (flagged). Without a
    title there is no record (error).
Summary
    A "Summary" label wins; else a paragraph of prose just before the date line (pages that put
    the summary first); else the first paragraph after the title (a paragraph ends at a blank
    line; on pages without blank lines between fields, it is one line). A line starting "This
    document was made possible" is the credits line, not the summary.
Text
    Everything else after the title that is neither chrome (Download, Share, Original Scan,
    Transcript/Translation tabs, ...), labelled metadata nor after an end-of-page line.
Identity
    ``record_id`` is the Record ID label when it is digits; else the numeric id of a
    ``/document/NNNN`` address on the page (the citation's first, then any). The address,
    made absolute, is the record's ``url`` (slug addresses too). A Record ID that disagrees
    with a numeric address is flagged; the label wins.

Reading never raises: problems come back with file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from kg.core.dates import looks_like_date
from kg.core.model import ReadProblem, ReadResult, Record, SourceRef

ValueKind = Literal["text", "list", "line"]
ARCHIVE_BASE = "https://digitalarchive.wilsoncenter.org"
KIND = "document-page"
DOCUMENT_INFORMATION = "document information"


@dataclass(frozen=True)
class Label:
    key: str
    kind: ValueKind
    distinctive: bool  # opens a zone of labels on its own, outside "Document Information"


def _labels() -> dict[str, Label]:
    table: list[tuple[tuple[str, ...], str, ValueKind, bool]] = [
        (("record id",), "record_id", "line", True),
        (("citation",), "citation", "text", True),
        (("author", "authors"), "authors", "list", True),
        (
            (
                "associated people & organizations",
                "associated people and organizations",
                "associated people & organisations",
                "associated people and organisations",
                "associated people",
            ),
            "people_orgs",
            "list",
            True,
        ),
        (("associated places",), "places", "list", True),
        (("subjects discussed",), "subjects", "list", True),
        (("original classification",), "classification", "line", True),
        (("original archive", "original archives"), "original_archive", "list", True),
        (("original uploaded date", "original upload date"), "upload_date", "line", True),
        (("original language", "original languages"), "language", "list", True),
        (("document contributors",), "contributors", "list", True),
        (("donor", "donors"), "donors", "list", True),
        (("source", "sources"), "source", "text", False),
        (("rights",), "rights", "text", False),
        (("type", "document type"), "type", "line", False),
        (("language", "languages"), "language", "list", False),
        (("summary",), "summary", "text", False),
        (("credits",), "credits", "text", False),
        (("contents",), "contents", "list", False),
    ]
    return {name: Label(key, kind, dist) for names, key, kind, dist in table for name in names}


LABELS = _labels()
LABELS_KIND: dict[str, ValueKind] = {label.key: label.kind for label in LABELS.values()}
CURATED_KEYS = ("authors", "people_orgs", "places", "subjects")
# Label keys copied to Record.metadata, under the same names as the record-table reader uses.
METADATA_KEYS = (
    "source", "language", "classification", "rights", "original_archive", "upload_date",
    "credits", "contributors", "donors", "type", "citation", "contents",
)  # fmt: skip

# Page furniture: skipped wherever it appears, and it ends a labelled value.
CHROME = frozenset(
    {
        "skip to content", "search", "search in", "menu", "close", "home", "digital archive",
        "international history declassified", "wilson center", "download", "download pdf",
        "download original scan", "share", "cite", "copy citation", "print", "email",
        "original scan", "view original scan", "transcript", "translation",
        "english translation", "original", "back to top", "facebook", "twitter", "linkedin",
        "documents", "document",
    }
)  # fmt: skip
_TAB = re.compile(r"^(?:transcript|translation|original)\s*[-–:]\s*\w+$")
# End of the page's own content: related items and site footer follow.
END_MARKERS = frozenset(
    {
        "related documents", "related content", "related resources", "related collections",
        "more from this collection", "subscribe", "sign up", "stay connected", "footer",
        "privacy policy", "terms of use", "about the digital archive",
    }
)  # fmt: skip
CREDITS_PREFIX = "this document was made possible"
_ADDRESS = re.compile(
    r"(?:https?://)?(?:digitalarchive\.wilsoncenter\.org)?/document/([A-Za-z0-9][A-Za-z0-9_-]*)"
)
_PROSE = re.compile(r"[.!?][\"'”’)]?$|[.!?]\s")


def line_key(line: str) -> str:
    """A line as compared with labels and chrome: whitespace folded, lower case, no colon."""
    return " ".join(line.replace("\xa0", " ").split()).lower().rstrip(":").strip()


def is_chrome(line: str) -> bool:
    folded = line_key(line)
    return folded in CHROME or bool(_TAB.match(folded))


def is_end_marker(line: str) -> bool:
    folded = line_key(line)
    return folded in END_MARKERS or folded.startswith(("©", "copyright "))


def label_of(line: str) -> Label | None:
    return LABELS.get(line_key(line))


def looks_like_document_page(text: str) -> bool:
    """True for a single document's page: it has "Document Information", Record ID or Citation.

    Listing pages of search results never carry these labels.
    """
    return any(
        (folded := line_key(line)) == DOCUMENT_INFORMATION or folded in {"record id", "citation"}
        for line in text.splitlines()
    )


@dataclass
class _Field:
    label: Label
    line: int
    values: list[str] = field(default_factory=list)
    ended: bool = False  # outside Document Information: a blank line closed the value

    def add(self, text: str) -> None:
        if self.label.kind == "line" and self.values:
            return  # single-valued: later lines belong to no field
        self.values.append(text.strip())


@dataclass
class _Scan:
    """What one pass over the lines after the title finds."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    content: list[tuple[int, str]] = field(default_factory=list)  # (line number, text), blanks too


def _lines(text: str) -> list[str]:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip() for line in text.split("\n")]


def _starts_zone(line: str) -> bool:
    label = label_of(line)
    return line_key(line) == DOCUMENT_INFORMATION or (label is not None and label.distinctive)


def _store(scan: _Scan, current: _Field | None) -> None:
    if current is None:
        return
    values = [v for v in current.values if v]
    existing = scan.fields.setdefault(current.label.key, [])
    # A label may appear twice (a pill in the header and again in the block): keep both, once.
    existing.extend(v for v in values if v not in existing)


def _scan_body(lines: list[str], start: int) -> _Scan:
    """Sort the lines from ``start`` (0-based) into labelled fields and content."""
    scan = _Scan()
    mode: Literal["content", "zone", "block", "footer"] = "content"
    current: _Field | None = None
    for index in range(start, len(lines)):
        line, number = lines[index], index + 1
        folded = line_key(line)
        label = label_of(line)
        if folded == DOCUMENT_INFORMATION:
            _store(scan, current)
            current, mode = None, "block"
            continue
        if label and (mode in {"block", "zone"} or label.distinctive):
            _store(scan, current)
            current = _Field(label, number)
            if mode != "block":
                mode = "zone"
            continue
        if is_end_marker(line):
            _store(scan, current)
            current, mode = None, "footer"
            continue
        if (
            current is not None
            and current.label.key == "contents"
            and folded
            and not current.ended
            and mode != "content"
        ):
            # "Contents" lists the page's tabs ("English Translation"), which are chrome lines.
            current.add(line)
            continue
        if is_chrome(line):
            _store(scan, current)
            current = None
            if mode == "zone":
                mode = "content"
            continue
        if mode == "footer":
            continue
        if mode == "block":
            if current is not None and folded:
                current.add(line)
            continue
        if mode == "zone":
            if not folded:
                if current is not None and current.values:
                    current.ended = True
                continue
            if (
                current is not None
                and not current.ended
                and not (current.label.kind == "line" and current.values)
            ):
                current.add(line)
                continue
            # Prose after a closed value: the zone is over, this is the document again.
            _store(scan, current)
            current, mode = None, "content"
        scan.content.append((number, line))
    _store(scan, current)
    return scan


def _paragraphs(content: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Content split at blank lines; without any blank line, each line is a paragraph."""
    has_blank = any(not text.strip() for _, text in content)
    paragraphs: list[list[tuple[int, str]]] = [[]]
    for number, text in content:
        if not text.strip():
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        paragraphs[-1].append((number, text))
        if not has_blank:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def _summary_before(lines: list[str], date_index: int) -> tuple[int, str] | None:
    """A prose paragraph right before the date line (0-based start index, text), if any."""
    end = date_index
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    begin = end
    while begin > 0 and lines[begin - 1].strip() and not is_chrome(lines[begin - 1]):
        begin -= 1
    text = " ".join(line.strip() for line in lines[begin:end])
    # Navigation links are short and have no sentences; a summary has both length and a stop.
    if len(text) >= 60 and _PROSE.search(text) and label_of(lines[begin]) is None:
        return begin, text
    return None


def _find_header(lines: list[str]) -> tuple[int | None, int | None]:
    """0-based indexes of the date line and the title line (None when absent)."""
    limit = next((i for i, line in enumerate(lines) if _starts_zone(line)), len(lines))
    date_index = next(
        (i for i in range(limit) if not is_chrome(lines[i]) and looks_like_date(lines[i])), None
    )
    first = 0 if date_index is None else date_index + 1
    for i in range(first, limit):
        line = lines[i]
        if not line.strip() or is_chrome(line):
            continue
        if date_index is None and _summary_like(line):
            continue  # a summary-first page without a date: the summary is not the title
        return date_index, i
    return date_index, None


def _summary_like(line: str) -> bool:
    return len(line) > 200 and bool(_PROSE.search(line))


def _address(scan: _Scan, text: str) -> tuple[str | None, str | None]:
    """(absolute address, numeric id or None) of the document, citation first."""
    for haystack in ("\n".join(scan.fields.get("citation", [])), text):
        if match := _ADDRESS.search(haystack):
            slug = match.group(1)
            return f"{ARCHIVE_BASE}/document/{slug}", slug if slug.isdigit() else None
    return None, None


def read_document_page(text: str, path: str) -> ReadResult:
    """Read the one catalogue entry of a document page."""
    lines = _lines(text)
    result = ReadResult([])
    date_index, title_index = _find_header(lines)
    if title_index is None:
        line = (date_index or 0) + 1
        result.problems.append(ReadProblem(path, line, "document page without a title"))
        return result
    if date_index is None:
        result.problems.append(
            ReadProblem(path, title_index + 1, "no date line before the title", "flag")
        )

    scan = _scan_body(lines, title_index + 1)
    fields = scan.fields
    content = scan.content

    metadata: dict[str, str] = {}
    credits_lines = [(n, t) for n, t in content if line_key(t).startswith(CREDITS_PREFIX)]
    if credits_lines:
        metadata["credits"] = credits_lines[0][1].strip()
        content = [(n, t) for n, t in content if (n, t) not in credits_lines]

    first_line = title_index + 1 if date_index is None else date_index + 1
    summary = "\n".join(fields.pop("summary", []))
    if not summary and date_index is not None and (before := _summary_before(lines, date_index)):
        first_line, summary = before[0] + 1, before[1]
    if not summary and (paragraphs := _paragraphs(content)):
        lead = paragraphs[0]
        summary = " ".join(t.strip() for _, t in lead)
        used = {n for n, _ in lead}
        content = [(n, t) for n, t in content if n not in used]

    full_text = re.sub(r"\n{3,}", "\n\n", "\n".join(t for _, t in content)).strip("\n")

    for key in METADATA_KEYS:
        if key not in metadata and (values := fields.get(key)):
            metadata[key] = ("; " if LABELS_KIND[key] == "list" else "\n").join(values)

    url, address_id = _address(scan, text)
    raw_id = (fields.get("record_id") or [""])[0]
    record_id = raw_id if raw_id.isdigit() else None
    if raw_id and record_id is None:
        result.problems.append(
            ReadProblem(path, first_line, f"Record ID {raw_id!r} is not a number", "flag")
        )
    if record_id and address_id and record_id != address_id:
        result.problems.append(
            ReadProblem(
                path,
                first_line,
                f"Record ID {record_id} differs from the page address id {address_id}",
                "flag",
            )
        )
    record_id = record_id or address_id

    result.records.append(
        Record(
            date_text=lines[date_index].strip() if date_index is not None else "",
            title=lines[title_index].strip(),
            summary=summary,
            source=SourceRef(path, first_line, KIND),
            record_id=record_id,
            url=url,
            full_text=full_text,
            curated={key: fields[key] for key in CURATED_KEYS if fields.get(key)},
            metadata=metadata,
        )
    )
    return result
