"""Compare machine extraction with the curators' own lists: a quality monitor for a collection.

Where a record carries curated authors, people and organisations, and places, the machine's
entities for the same document (title, summary and full text) are compared with them by
canonical entity (or by folded name for unresolved ones). Recall is the useful number;
precision is reported with a warning, since curators list only the main entities.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.core.model import Entity, EntityKind, Entry
from kg.core.text import fold

KINDS: tuple[EntityKind, ...] = ("person", "organization", "place")
# Subject headings are scored as whole headings and as their parts ("Japan--Foreign
# relations--Taiwan" gives japan, foreign relations, taiwan), as ../shared/tools/score_subjects.py
# does; the machine's headings never saw the record's own (see kg.resolve.subjects).
SUBJECT_ROWS = ("subject heading", "subject term")


def _heading(text: str) -> str:
    """A heading compared without case, accents, punctuation or spacing."""
    s = unicodedata.normalize("NFKD", text)
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    parts = [re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", p)).strip() for p in s.split("--")]
    return "--".join(p for p in parts if p)


def _terms(headings: Iterable[str]) -> set[str]:
    return {t for h in headings for t in h.split("--") if t}


def _ident(e: Entity) -> str:
    return e.key if e.resolved else f"name:{fold(e.label)}"


@dataclass
class KindScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, other: KindScore) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


@dataclass
class DocumentEvaluation:
    title: str
    record_id: str | None
    scores: dict[str, KindScore]
    missed: dict[str, list[str]]  # curated, not found by the machine
    extra: dict[str, list[str]]  # found by the machine, not curated


@dataclass
class Evaluation:
    documents: list[DocumentEvaluation] = field(default_factory=list)
    overall: dict[str, KindScore] = field(
        default_factory=lambda: {k: KindScore() for k in KINDS + SUBJECT_ROWS})

    def as_dict(self) -> dict:
        def score(s: KindScore) -> dict:
            return {"precision": round(s.precision, 4), "recall": round(s.recall, 4),
                    "tp": s.tp, "fp": s.fp, "fn": s.fn}

        return {
            "overall": {k: score(v) for k, v in self.overall.items()},
            "documents": [
                {"title": d.title, "record_id": d.record_id,
                 "scores": {k: score(v) for k, v in d.scores.items()},
                 "missed": d.missed, "extra": d.extra}
                for d in self.documents
            ],
            "warning": PRECISION_WARNING,
        }


PRECISION_WARNING = ("precision is indicative only: curators list the main entities of a "
                     "document, not every one it names")


def evaluate_entries(entries: Iterable[Entry]) -> Evaluation:
    """Score every entry that carries curated metadata."""
    result = Evaluation()
    for entry in entries:
        if not entry.curated and not entry.curated_subjects:
            continue
        curated: dict[str, dict[str, Entity]] = {k: {} for k in KINDS}
        for _list_name, e in entry.curated:
            curated[e.kind][_ident(e)] = e
        machine: dict[str, dict[str, Entity]] = {k: {} for k in KINDS}
        for e in entry.authors + entry.recipients + entry.intermediaries + entry.participants:
            machine[e.kind][_ident(e)] = e
        for kind in KINDS:
            for e in entry.entities(kind):
                machine[kind][_ident(e)] = e
        scores, missed, extra = {}, {}, {}
        for kind in KINDS:
            c, m = curated[kind], machine[kind]
            s = KindScore(tp=len(c.keys() & m.keys()), fp=len(m.keys() - c.keys()),
                          fn=len(c.keys() - m.keys()))
            scores[kind] = s
            result.overall[kind].add(s)
            missed[kind] = sorted(c[k].label for k in c.keys() - m.keys())
            extra[kind] = sorted(m[k].label for k in m.keys() - c.keys())
        if entry.curated_subjects:
            curated_h = {_heading(h): h for h in entry.curated_subjects if _heading(h)}
            machine_h = {_heading(c.heading): c.heading for c in entry.subjects}
            for row, c, m in (("subject heading", curated_h, machine_h),
                              ("subject term", {t: t for t in _terms(curated_h)},
                               {t: t for t in _terms(machine_h)})):
                s = KindScore(tp=len(c.keys() & m.keys()), fp=len(m.keys() - c.keys()),
                              fn=len(c.keys() - m.keys()))
                scores[row] = s
                result.overall[row].add(s)
                missed[row] = sorted(c[k] for k in c.keys() - m.keys())
                extra[row] = sorted(m[k] for k in m.keys() - c.keys())
        result.documents.append(DocumentEvaluation(entry.record.title, entry.record.record_id,
                                                   scores, missed, extra))
    return result


def format_text(ev: Evaluation, show_documents: bool = True) -> str:
    lines = [f"{'kind':16s} {'recall':>7s} {'precision*':>11s} {'curated':>8s} {'found':>6s}"]
    for kind, s in ev.overall.items():
        if kind in SUBJECT_ROWS and not s.tp + s.fn:
            continue
        lines.append(f"{kind:16s} {s.recall:7.3f} {s.precision:11.3f} {s.tp + s.fn:8d} "
                     f"{s.tp:6d}")
    lines.append(f"* {PRECISION_WARNING}")
    if show_documents:
        for d in ev.documents:
            lines.append("")
            lines.append(f"{d.record_id or '-'}  {d.title[:90]}")
            for kind in d.scores:
                s = d.scores[kind]
                line = f"  {kind:15s} recall {s.recall:.2f}"
                if d.missed[kind]:
                    line += f"  missed: {', '.join(d.missed[kind])}"
                lines.append(line)
    return "\n".join(lines) + "\n"
