"""Sources: turn files (listing pages, document pages, record tables) into `Record`s.

`read_inputs` expands folders, reads standard input for "-", decodes UTF-8 strictly and picks
the reader by file name and content. A file that cannot be read at all raises `SourceError`
naming it; problems inside a readable file come back in the `ReadResult`.

`read_all` is the one reading loop of every command that reads catalogue files (ingest,
extract, evaluate), with one error policy: every unusable file and every bad line becomes an
`InputProblem` naming file, line and what is wrong; reading goes on; the caller prints them
and exits 1 at the end when any is an error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kg.core.model import ReadResult, Record

__all__ = ["SourceError", "Skipped", "InputProblem", "Reading", "read_text", "read_one",
           "read_inputs", "read_all", "expand_paths", "is_store_folder"]

# What a folder is searched for: catalogue pages are saved as text, record tables as CSV or
# JSON Lines. Anything else in a folder (notes, images, a store) is skipped and reported.
READABLE_SUFFIXES = {".txt", ".text", ".csv", ".jsonl", ".ndjson"}


class SourceError(Exception):
    """A whole input could not be read; the message names the file (and the line, when one
    line is to blame) and the problem."""

    def __init__(self, path: str, message: str, line: int | None = None):
        self.path, self.message, self.line = path, message, line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class Skipped(SourceError):
    """An input left out on purpose (not a catalogue file type, part of a store); reported as
    a note, not an error."""


def is_store_folder(path: Path) -> bool:
    """A kg store: config.json beside CURRENT or gen-* folders (its files are the store's
    own, never catalogue input)."""
    return (path / "config.json").is_file() and ((path / "CURRENT").exists()
                                                 or any(path.glob("gen-*")))


def _in_store(path: Path) -> bool:
    return any(is_store_folder(p) for p in [path, *path.parents])


def expand_paths(paths: Iterable[str]) -> list[str | SourceError]:
    """Files as given, folders expanded to their catalogue files in name order, "-" for stdin.

    A path that cannot be used comes back as the SourceError saying why (missing, a store),
    a file a folder holds but that is no catalogue input as a `Skipped`: one bad name must not
    stop the others."""
    out: list[str | SourceError] = []
    for p in paths:
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if not path.exists():
            out.append(SourceError(p, "no such file or folder"))
        elif _in_store(path.resolve()):
            out.append(SourceError(p, "part of a kg store, not catalogue input"))
        elif path.is_dir():
            out.extend(_folder(path))
        else:
            out.append(p)
    return out


def _folder(folder: Path) -> list[str | SourceError]:
    out: list[str | SourceError] = []
    for f in sorted(folder.iterdir()):
        if f.name.startswith("."):
            continue  # hidden files and folders (.git, editor swap files) are nobody's input
        if f.is_dir():
            if is_store_folder(f):
                out.append(Skipped(str(f), "a kg store, not read"))
            else:
                out.extend(_folder(f))
        elif f.is_file():
            if f.suffix.lower() in READABLE_SUFFIXES:
                out.append(str(f))
            else:
                kind = f.suffix.lower() or "no suffix"
                out.append(Skipped(str(f), f"skipped, not a catalogue file type ({kind}; "
                                           f"read are {', '.join(sorted(READABLE_SUFFIXES))})"))
    return out


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise SourceError(name, "binary file (NUL bytes), not a text catalogue page")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(
            name, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the page as UTF-8 text", line) from None
    return text


def read_text(text: str, name: str) -> ReadResult:
    """Read one decoded input, choosing the reader by suffix and content."""
    from kg.sources.listing import read_listing

    suffix = Path(name).suffix.lower() or _sniff(text)
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


def _sniff(text: str) -> str:
    """A suffix for unnamed input (standard input): a CSV header naming the required columns
    is a record table, a first line that is a JSON object is JSON Lines, else a page."""
    import csv

    from kg.sources.records import KNOWN_COLUMNS, REQUIRED_COLUMNS

    first = next((ln for ln in text.removeprefix("\ufeff").splitlines() if ln.strip()), "")
    if first.lstrip().startswith("{"):
        return ".jsonl"
    try:
        cells = [c.strip().lower() for c in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return ""
    if (len(cells) > 1 and all(c in cells for c in REQUIRED_COLUMNS)
            and sum(c in KNOWN_COLUMNS for c in cells) >= 2):
        return ".csv"
    return ""


def _table(reader, text: str, name: str) -> ReadResult:
    try:
        return reader(text, name)
    except ValueError as exc:
        raise SourceError(name, str(exc)) from None


def read_one(p: str) -> ReadResult:
    """Read one file (or "-" for standard input); raises SourceError when nothing is usable."""
    if p == "-":
        data, name = sys.stdin.buffer.read(), "<stdin>"
    else:
        try:
            data, name = Path(p).read_bytes(), p
        except OSError as exc:
            raise SourceError(p, f"cannot read ({exc.strerror})") from None
    if not data.strip():
        raise SourceError(name, "empty file, no catalogue entry in it")
    result = read_text(_decode(data, name), name)
    if not result.records:
        detail = "; ".join(str(pr) for pr in result.problems[:3])
        raise SourceError(name, "no valid catalogue entry found"
                          + (f" ({detail})" if detail else ""))
    return result


def read_inputs(paths: Iterable[str]) -> Iterator[tuple[str, ReadResult | SourceError]]:
    """Yield (name, result or the error that made the file unusable) per input, in order."""
    for p in expand_paths(paths):
        if isinstance(p, SourceError):
            yield p.path, p
            continue
        name = "<stdin>" if p == "-" else p
        try:
            yield name, read_one(p)
        except SourceError as exc:
            yield name, exc


@dataclass(frozen=True)
class InputProblem:
    """One problem met while reading the inputs. `line` is None when the whole file is to
    blame; an error fails the run (exit status 1) but never stops it, a flag or a note is
    only said."""

    path: str
    line: int | None
    message: str
    severity: Literal["error", "flag", "note"] = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass
class Reading:
    """Everything a run read: the records in input order, the problems in the order met, how
    many files were read (skipped ones aside) and which files were read whole (absolute paths;
    an ingest makes the store mirror them)."""

    records: list[Record] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    files: int = 0
    paths: set[str] = field(default_factory=set)

    @property
    def errors(self) -> list[InputProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def read_all(paths: Iterable[str]) -> Reading:
    """Read every input; nothing raised: an unusable file or a bad line is an `InputProblem`
    and the other inputs are read all the same."""
    reading = Reading()
    for name, result in read_inputs(paths):
        if isinstance(result, Skipped):
            reading.problems.append(InputProblem(result.path, result.line, result.message, "note"))
            continue
        reading.files += 1
        if isinstance(result, SourceError):
            reading.problems.append(InputProblem(result.path, result.line, result.message))
            continue
        if name != "<stdin>":
            reading.paths.add(str(Path(name).resolve()))
        reading.problems += [InputProblem(p.path, p.line, p.message, p.severity)
                             for p in result.problems]
        reading.records += result.records
    return reading
