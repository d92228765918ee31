"""Subject headings as SKOS concepts, and the machine's assignments with their evidence.

A heading ("Poland--Foreign relations--Soviet Union") is a `kg:SubjectHeading` in
`kg:subjectScheme`, `skos:broader` each of its parts (Poland, Foreign relations, Soviet Union)
and the heading without its last part, so that it is found under each of them. A part that the
Office of the Historian's taxonomy also has is `skos:closeMatch` its tag. Curated headings live
in the document's curated graph under `dcterms:subject`; the machine's live in the document's
source graph under `kg:assignedSubject`, each with a `kg:SubjectAssignment` (evidence,
confidence, method), so "why this subject?" is one query and the two never mix.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from kg.core.model import Entry
from kg.rdf.namespace import KG, RDF, RDFS, SKOS, XSD
from kg.resolve.subject_scheme import SubjectScheme, broader_of, heading_parts, subject_scheme

METHOD = "subject-evidence"


def heading_quads(labels: Iterable[str], iris, graph: ox.NamedNode,
                  scheme: SubjectScheme | None = None) -> list[ox.Quad]:
    """SKOS descriptions of headings and, recursively, of the headings they sit under."""
    scheme = scheme or subject_scheme()
    out: list[ox.Quad] = []
    done: set[str] = set()
    todo = [label for label in labels if label]
    while todo:
        label = "--".join(heading_parts(todo.pop()))
        if not label or label in done:
            continue
        done.add(label)
        node = iris.subject(label)
        out += [ox.Quad(node, RDF.type, KG.SubjectHeading, graph),
                ox.Quad(node, SKOS.prefLabel, ox.Literal(label, language="en"), graph),
                ox.Quad(node, SKOS.inScheme, KG.subjectScheme, graph)]
        broader = broader_of(label)
        if not broader:
            out.append(ox.Quad(node, SKOS.topConceptOf, KG.subjectScheme, graph))
            tag = scheme.hsg_match(label)
            if tag:
                out.append(ox.Quad(node, SKOS.closeMatch, ox.NamedNode(tag.iri), graph))
        for b in broader:
            out.append(ox.Quad(node, SKOS.broader, iris.subject(b), graph))
            todo.append(b)
    return out


def assignment_quads(entry: Entry, doc: ox.NamedNode, graph: ox.NamedNode, iris,
                     scheme: SubjectScheme | None = None) -> list[ox.Quad]:
    """The machine's headings of one entry, each with a node saying why."""
    out: list[ox.Quad] = []
    if not entry.subjects:
        return out
    method = iris.method(METHOD)
    out += [ox.Quad(method, RDF.type, KG.Method, graph),
            ox.Quad(method, RDFS.label, ox.Literal(METHOD), graph)]
    for n, claim in enumerate(entry.subjects):
        heading = iris.subject(claim.heading)
        a = ox.NamedNode(f"{graph.value}#subject{n}")
        out += [ox.Quad(doc, KG.assignedSubject, heading, graph),
                ox.Quad(doc, KG.subjectAssignment, a, graph),
                ox.Quad(a, RDF.type, KG.SubjectAssignment, graph),
                ox.Quad(a, KG.heading, heading, graph),
                ox.Quad(a, KG.confidence, ox.Literal(f"{claim.confidence:.3f}",
                                                     datatype=XSD.decimal), graph),
                ox.Quad(a, KG.method, method, graph)]
        out += [ox.Quad(a, KG.evidence, ox.Literal(why), graph) for why in claim.evidence]
    out += heading_quads([c.heading for c in entry.subjects], iris, graph, scheme)
    return out
