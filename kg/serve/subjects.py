"""Page data for subject headings, and the "why this subject" list of a document page.

A heading's page lists its broader and narrower headings and its documents: those the curators
filed under it and those the machine assigned it to, with the machine's confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pyoxigraph as ox

from kg.serve.models import PAGE_SIZE, DocBrief, Ref
from kg.serve.snapshot import Snapshot


@dataclass
class MachineSubject:
    """A heading the extractor assigned, with its confidence and evidence lines."""

    iri: str
    label: str
    confidence: float
    evidence: list[str]


@dataclass
class SubjectDoc(DocBrief):
    confidence: float | None = None


@dataclass
class SubjectPage:
    template: ClassVar[str] = "subject.html"
    iri: str
    label: str
    broader: list[Ref]
    narrower: list[Ref]
    close_matches: list[str]
    documents: list[SubjectDoc]  # one page of them, in date order
    kind: str = "subject"
    # where `documents` is in the list of all of them (`total` documents, `pages` pages)
    page: int = 1
    pages: int = 1
    page_size: int = PAGE_SIZE
    total: int = 0
    # the documents browse page filtered by this heading (facets, search within them)
    browse: str | None = field(default=None, metadata={"json": False})

    @property
    def heading(self) -> str:
        return self.label


def _ref(snap: Snapshot, iri: str) -> Ref:
    return Ref(iri, snap.label(iri))


def subject_page(snap: Snapshot, iri: str, documents: list[DocBrief]) -> SubjectPage:
    """`documents` are the documents that relate to the heading (a page of them, from
    `views.entity_documents`); the machine's confidence is asked for those only."""
    n = ox.NamedNode(iri)
    broader = [r["b"].value for r in snap.select(
        f"SELECT DISTINCT ?b WHERE {{ {n} skos:broader ?b }} ORDER BY ?b")]
    narrower = [r["x"].value for r in snap.select(
        f"SELECT DISTINCT ?x WHERE {{ ?x skos:broader {n} }} ORDER BY ?x")]
    matches = [r["m"].value for r in snap.select(
        f"SELECT DISTINCT ?m WHERE {{ {n} skos:closeMatch ?m }} ORDER BY ?m")]
    values = " ".join(str(ox.NamedNode(d.iri)) for d in documents)
    confidence = {r["d"].value: float(r["c"].value) for r in snap.select(
        f"SELECT ?d (MAX(?conf) AS ?c) WHERE {{ VALUES ?d {{ {values} }} "
        f"?d kg:subjectAssignment ?a . ?a kg:heading {n} ; kg:confidence ?conf }} "
        "GROUP BY ?d")} if documents else {}
    docs = []
    for d in documents:
        conf = confidence.get(d.iri)
        rel = ["curated heading" if r == "dcterms:subject" else
               f"{r}, {conf:.2f}" if r == "subject (machine)" and conf is not None else r
               for r in d.relations]
        docs.append(SubjectDoc(d.iri, d.title, d.date, d.earliest, rel, confidence=conf))
    return SubjectPage(iri, snap.label(iri),
                       sorted((_ref(snap, b) for b in broader), key=lambda r: r.label),
                       sorted((_ref(snap, x) for x in narrower), key=lambda r: r.label),
                       matches, docs)


def machine_subjects(snap: Snapshot, doc_iri: str) -> list[MachineSubject]:
    """The machine's headings of a document, strongest first, each with its evidence."""
    out: dict[str, MachineSubject] = {}
    for r in snap.select(f"SELECT ?h ?c ?e WHERE {{ {ox.NamedNode(doc_iri)} kg:subjectAssignment"
                         f" ?a . ?a kg:heading ?h ; kg:confidence ?c ; kg:evidence ?e }}"):
        h = r["h"].value
        item = out.setdefault(h, MachineSubject(h, snap.label(h), float(r["c"].value), []))
        if r["e"].value not in item.evidence:
            item.evidence.append(r["e"].value)
    for item in out.values():
        item.evidence.sort(key=_weight, reverse=True)
    return sorted(out.values(), key=lambda i: (-i.confidence, i.label))


def _weight(evidence: str) -> float:
    """Evidence lines end with their weight: "... (0.85)"."""
    try:
        return float(evidence.rsplit("(", 1)[1].rstrip(")"))
    except (IndexError, ValueError):
        return 0.0
