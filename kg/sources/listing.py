"""Read catalogue listing pages as users copy them from the archive's search results.

A page is a run of entries (date line, title line, summary paragraph) wrapped in page chrome.
The reader accepts the layouts seen in practice: blank-line separated blocks, bulleted entries
with indented fields, one field per line with "-" separators, and topic or collection pages
whose entries follow introductory text and a "Popular Documents" heading. Entries may lack a
summary or a date; a summary may run over several lines; the last entry may be cut off where
the user's copy ended. Reading never raises: problems come back with file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.core.dates import looks_like_date
from kg.core.model import ReadProblem, ReadResult, Record, SourceRef

# Chrome lines of the archive's pages, compared case-insensitively after whitespace folding.
_CHROME = {
    "skip to content", "results:", "results", "documents", "pagination", "search in",
    "digital archive international history declassified", "digital archive",
    "add search filter cancel search filter", "add search filter", "cancel search filter",
    "search results", "popular documents", "next", "previous", "first", "last", "next page",
    "previous page", "load more", "show more", "sort by", "relevance", "filter", "filters",
    "…", "...", "menu", "search", "document", "read more", "continue reading", "see more",
    "view more", "more", "view document", "view record", "back to top", "top", "share",
    "print", "download", "cite", "citation", "home", "subscribe",
}
# Link text that ends in an arrow ("Read more »", "Next ›") is chrome when the words are.
_ARROWS = re.compile(r"\s*[»«›‹→←>]+\s*")
# Pagination: page numbers with the words around them ("Previous 1 2 Next", "« 1 2 3 … 9 »",
# "Page 2 of 9"), and copyright or rights footers ("© 2024 Wilson Center", "Copyright 2024 ...",
# "All rights reserved").
_PAGINATION = re.compile(
    r"^(?:(?:previous|prev|next|first|last|page|of|go to page|\d{1,4}|…|\.\.\.)\s*)+$", re.I)
_FOOTER = re.compile(r"^(?:©|\(c\)\s*\d{4}|copyright\b|all rights reserved\b)", re.I)
_COUNTER = re.compile(r"^(?:showing\s+)?\d[\d,]*\s*[-\u2013]\s*\d[\d,]*\s+of\s+\d[\d,]*$", re.I)
_HEADINGS = re.compile(r"^(popular documents|documents|search results|results:?)$", re.I)
_BULLET = re.compile(r"^\s*[\u2022\u25cf\u25aa\u2023\u2043*]\s*")
_SEPARATOR = re.compile(r"^\s*[-\u2013\u2014]\s*$")
_SENTENCE_END = re.compile(r"[.!?\"'\u201d\u2019)\]]\s*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TITLE = 500
MAX_SUMMARY = 20_000  # catalogue summaries are a paragraph; longer is a broken copy


@dataclass
class _Line:
    number: int
    text: str
    indent: int
    bullet: bool = False


@dataclass
class _Block:
    """The lines of one entry, before they are assigned to fields."""

    lines: list[_Line] = field(default_factory=list)
    dated: bool = False


def is_chrome(text: str) -> bool:
    folded = " ".join(text.split()).lower()
    bare = _ARROWS.sub(" ", folded).strip()
    if folded in _CHROME or bare in _CHROME or _COUNTER.match(folded) or _FOOTER.match(folded):
        return True
    # a run of page numbers and navigation words; a lone number or a year is not chrome
    # (an entry's date or title may be one), two numbers or a navigation word make it one
    return bool(_PAGINATION.match(bare)) and (
        len(re.findall(r"\d+", bare)) >= 2 or bool(re.search(r"[a-z…]", bare)))


def read_listing(text: str, path: str) -> ReadResult:
    """Read the entries of one listing page."""
    lines = _lines(text)
    lines = _after_preamble(lines)
    explicit = any(ln.bullet for ln in lines) or any(_SEPARATOR.match(ln.text) for ln in lines)
    blocks = _explicit_blocks(lines) if explicit else _implicit_blocks(lines)
    records: list[Record] = []
    problems: list[ReadProblem] = []
    # an undated block that does not start with a heading is page text, not an entry
    blocks = [b for b in blocks if b.dated or _title_like(b.lines[0].text)]
    for i, block in enumerate(blocks):
        record, problem = _record(block, path, last=(i == len(blocks) - 1))
        if problem:
            problems.append(problem)
        if record:
            records.append(record)
    return ReadResult(records=records, problems=problems)


def _lines(text: str) -> list[_Line]:
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        raw = _CONTROL.sub(" ", raw).replace("\u00a0", " ").rstrip()
        bullet = bool(_BULLET.match(raw))
        body = _BULLET.sub("", raw) if bullet else raw
        indent = len(body) - len(body.lstrip())
        out.append(_Line(number, body.strip(), indent, bullet))
    return out


def _after_preamble(lines: list[_Line]) -> list[_Line]:
    """Drop chrome, and everything before the last heading that introduces the entries."""
    start = 0
    for i, ln in enumerate(lines):
        if _HEADINGS.match(ln.text) or _COUNTER.match(ln.text):
            # a heading or counter introduces entries only when entries follow it soon
            if any(looks_like_date(x.text) for x in lines[i + 1 : i + 8] if x.text):
                start = i + 1
    kept = [ln for ln in lines[start:] if not (ln.text and is_chrome(ln.text))]
    if start == 0:
        first_date = next((i for i, ln in enumerate(kept) if looks_like_date(ln.text)), None)
        if first_date is not None:
            kept = kept[first_date:]
    return kept


def _explicit_blocks(lines: list[_Line]) -> list[_Block]:
    """Bullets or "-" lines mark entry starts; a block's first line is its date if it has one."""
    blocks: list[_Block] = []
    current: _Block | None = None
    for ln in lines:
        if _SEPARATOR.match(ln.text):
            current = None
            continue
        if ln.bullet:
            current = _Block()
            blocks.append(current)
            if not ln.text:
                continue
        if not ln.text:
            continue
        if current is None:
            current = _Block()
            blocks.append(current)
        current.lines.append(ln)
    for block in blocks:
        block.dated = bool(block.lines) and looks_like_date(block.lines[0].text)
    return [b for b in blocks if b.lines]


def _implicit_blocks(lines: list[_Line]) -> list[_Block]:
    """Date lines anchor entries; a title-like line after a finished summary starts an undated one."""
    paragraphs = _paragraphs(lines)
    blocks: list[_Block] = []
    current: _Block | None = None
    for k, para in enumerate(paragraphs):
        head = para[0]
        if looks_like_date(head.text) and len(para) == 1:
            current = _Block(dated=True)
            blocks.append(current)
            current.lines.append(head)
            continue
        if looks_like_date(head.text):
            current = _Block(dated=True)
            blocks.append(current)
            current.lines.extend(para)
            continue
        if current is None:
            current = _Block()
            blocks.append(current)
            current.lines.extend(para)
            continue
        fields = _field_count(current)
        if fields >= (3 if current.dated else 2) and _starts_undated_entry(paragraphs, k):
            current = _Block()
            blocks.append(current)
        current.lines.extend(para)
    return blocks


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    """Group non-blank lines separated by blank lines; a date line is always its own paragraph."""
    out: list[list[_Line]] = []
    cur: list[_Line] = []
    for ln in lines:
        if not ln.text:
            if cur:
                out.append(cur)
                cur = []
            continue
        if looks_like_date(ln.text):
            if cur:
                out.append(cur)
            out.append([ln])
            cur = []
            continue
        cur.append(ln)
    if cur:
        out.append(cur)
    # inside a paragraph of several lines, the first line after a date is the title
    split: list[list[_Line]] = []
    for i, para in enumerate(out):
        after_date = i > 0 and looks_like_date(out[i - 1][0].text)
        if after_date and len(para) > 1:
            split.append([para[0]])
            split.append(para[1:])
        else:
            split.append(para)
    return split


def _field_count(block: _Block) -> int:
    return sum(1 for _ in block.lines)


def _title_like(text: str) -> bool:
    """Titles are headings: no closing full stop, not a numbered point, not lower-case."""
    if len(text) > 300 or re.match(r"^\(\d+\)", text) or text[:1].islower():
        return False
    return not re.search(r"[.!?]['\"\u201d\u2019]?\s*$", text)


def _starts_undated_entry(paragraphs: list[list[_Line]], k: int) -> bool:
    """A paragraph after a complete entry begins a new, undated entry when it reads like a title
    and is followed by a summary or by the next date."""
    para = paragraphs[k]
    if len(para) != 1 or not _title_like(para[0].text):
        return False
    nxt = paragraphs[k + 1] if k + 1 < len(paragraphs) else None
    if nxt is None:
        return False
    return looks_like_date(nxt[0].text) or not _title_like(nxt[0].text)


def _record(block: _Block, path: str, last: bool) -> tuple[Record | None, ReadProblem | None]:
    lines = list(block.lines)
    date_line = lines.pop(0) if block.dated else None
    first = date_line or (lines[0] if lines else None)
    line_no = first.number if first else 0
    if not lines:
        return None, ReadProblem(path, line_no, "entry has a date but no title")
    title_line = lines.pop(0)
    title = title_line.text
    if len(title) > MAX_TITLE:
        return None, ReadProblem(
            path, title_line.number,
            f"title line is {len(title)} characters long (at most {MAX_TITLE}): not an entry",
        )
    summary = _join_summary(ln.text for ln in lines)
    if len(summary) > MAX_SUMMARY:
        return None, ReadProblem(
            path, title_line.number,
            f"summary is {len(summary)} characters long (at most {MAX_SUMMARY}): not an entry",
        )
    truncated = last and bool(summary) and not _SENTENCE_END.search(summary)
    record = Record(
        date_text=date_line.text if date_line else "",
        title=title,
        summary=summary,
        source=SourceRef(path=path, line=line_no, kind="listing"),
        truncated=truncated,
    )
    return record, None


def _join_summary(parts) -> str:
    text = "\n".join(p for p in parts if p)
    return text.strip()
