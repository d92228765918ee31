"""Sources: turn files (listing pages, document pages, record tables) into `Record`s.

`read_inputs` expands folders, reads standard input for "-", decodes UTF-8 strictly and picks
the reader by file name and content. A file that cannot be read at all raises `SourceError`
naming it; problems inside a readable file come back in the `ReadResult`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.model import ReadResult

__all__ = ["SourceError", "read_text", "read_one", "read_inputs", "expand_paths"]

READABLE_SUFFIXES = {".txt", ".csv", ".jsonl", ".ndjson", ".text", ".md", ""}


class SourceError(Exception):
    """A whole input could not be read; the message names the file and the problem."""


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Files as given, folders expanded to their readable files in name order, "-" for stdin."""
    out: list[str] = []
    for p in paths:
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            out.extend(
                str(f) for f in sorted(path.rglob("*"))
                if f.is_file() and f.suffix.lower() in READABLE_SUFFIXES
                and not f.name.startswith(".")
            )
        elif path.exists():
            out.append(p)
        else:
            raise SourceError(f"{p}: no such file or folder")
    return out


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise SourceError(f"{name}: binary file (NUL bytes), not a text catalogue page")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(
            f"{name}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the page as UTF-8 text"
        ) from None
    return text


def read_text(text: str, name: str) -> ReadResult:
    """Read one decoded input, choosing the reader by suffix and content."""
    from kg.sources.listing import read_listing

    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        from kg.sources.records import read_csv

        return _table(read_csv, text, name)
    if suffix in {".jsonl", ".ndjson"}:
        from kg.sources.records import read_jsonl

        return _table(read_jsonl, text, name)
    from kg.sources.document_page import looks_like_document_page, read_document_page

    if looks_like_document_page(text):
        return read_document_page(text, name)
    return read_listing(text, name)


def _table(reader, text: str, name: str) -> ReadResult:
    try:
        return reader(text, name)
    except ValueError as exc:
        raise SourceError(f"{name}: {exc}") from None


def read_one(p: str) -> ReadResult:
    """Read one file (or "-" for standard input); raises SourceError when nothing is usable."""
    if p == "-":
        data, name = sys.stdin.buffer.read(), "<stdin>"
    else:
        try:
            data, name = Path(p).read_bytes(), p
        except OSError as exc:
            raise SourceError(f"{p}: cannot read ({exc.strerror})") from None
    if not data.strip():
        raise SourceError(f"{name}: empty file, no catalogue entry in it")
    result = read_text(_decode(data, name), name)
    if not result.records:
        detail = "; ".join(str(pr) for pr in result.problems[:3])
        raise SourceError(f"{name}: no valid catalogue entry found" + (f" ({detail})" if detail else ""))
    return result


def read_inputs(paths: Iterable[str]) -> Iterator[tuple[str, ReadResult | SourceError]]:
    """Yield (name, result or the error that made the file unusable) per input, in order."""
    for p in expand_paths(paths):
        name = "<stdin>" if p == "-" else p
        try:
            yield name, read_one(p)
        except SourceError as exc:
            yield name, exc
