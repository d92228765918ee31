"""What an ingest did: the report every ingest path returns, and the --strict abort."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.sources import Reading

__all__ = ["IngestReport", "IngestAborted"]


@dataclass
class IngestReport:
    """What an ingest did, for the summary line and the exit code."""

    files: int = 0
    entries: int = 0
    # new/updated/unchanged count documents (what the store holds), not entries: one document
    # listed on two pages is two entries and one document
    documents: int = 0
    removed: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    incomplete: int = 0
    errors: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        removed = f", {self.removed} removed" if self.removed else ""
        return (f"{self.entries} entries from {self.files} file(s), {self.documents} "
                f"document(s): {self.new} new, {self.updated} updated, {self.unchanged} "
                f"unchanged{removed}; {self.incomplete} incomplete, {len(self.errors)} error(s)")

    @classmethod
    def of_reading(cls, reading: Reading) -> IngestReport:
        """A report that starts with what reading the inputs met: errors fail the run, flags
        and skipped files are notes."""
        report = cls(files=reading.files)
        for p in reading.problems:
            (report.errors if p.severity == "error" else report.notes).append(str(p))
        return report


class IngestAborted(Exception):
    """--strict met an error or flag: nothing was written."""
