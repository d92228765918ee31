"""SHACL validation of the store against `ontology/shapes.ttl` (pySHACL over rdflib).

The report says, one line per problem, which document is wrong, which source file (and line)
it came from and what is wrong, in words: a curator acts on that, not on a SHACL report."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.rdf.namespace import KG, ONTOLOGY_DIR
from kg.store import StoreError

SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
SH = "http://www.w3.org/ns/shacl#"


class ValidatorMissing(StoreError):
    """pySHACL, an optional part of archive-kg, is not installed. A StoreError so that the
    command's error path prints it as one line, as it does for a store that cannot be read."""


def _pyshacl_validate():
    try:
        from pyshacl import validate
    except ImportError:
        raise ValidatorMissing(
            "kg validate needs pySHACL, which is not installed: "
            "pip install 'archive-kg[validate]'") from None
    return validate


@dataclass(frozen=True)
class Problem:
    """One violation: the node at fault, the document and source it belongs to, what is wrong."""

    focus: str
    path: str
    message: str
    document: str = ""
    source: str = ""

    def __str__(self) -> str:
        where = self.document or self.focus
        src = f" [{self.source}]" if self.source else ""
        node = "" if self.focus == self.document else f" {self.focus}"
        prop = f" {self.path}:" if self.path else ":"
        return f"{where}{src}{node}{prop} {self.message}"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: int
    text: str  # pySHACL's own report (kg validate --full)
    summary: str = ""
    problems: list[Problem] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [self.summary] + [str(p) for p in self.problems]


def _short(iri: str) -> str:
    for prefix in ("https://w3id.org/archive-kg/ns#", "http://purl.org/dc/terms/",
                   "http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2004/02/skos/core#",
                   "http://www.w3.org/1999/02/22-rdf-syntax-ns#"):
        if iri.startswith(prefix):
            return iri[len(prefix):]
    return iri


def _whereabouts(store: ox.Store, focus: str) -> tuple[str, str]:
    """(document, "file:line") of the first source graph that states something about `focus`."""
    try:
        node = ox.NamedNode(focus)
    except ValueError:
        return "", ""
    for q in store.quads_for_pattern(node, None, None, None):
        g = q.graph_name
        if not isinstance(g, ox.NamedNode):
            continue
        doc = next(iter(store.quads_for_pattern(g, KG.aboutDocument, None, g)), None)
        if doc is None:
            continue
        src = next(iter(store.quads_for_pattern(g, KG.source, None, g)), None)
        name = next(iter(store.quads_for_pattern(src.object, KG.sourceName, None, None)),
                    None) if src is not None else None
        line = next(iter(store.quads_for_pattern(g, KG.sourceLine, None, g)), None)
        where = name.object.value if name is not None else (src.object.value if src else "")
        if where and line is not None:
            where += f":{line.object.value}"
        return doc.object.value, where
    return "", ""


def validate_store(store: ox.Store) -> ValidationReport:
    """Validate the union of all graphs; documents, people and places must fit their shapes."""
    import rdflib

    validate = _pyshacl_validate()
    triples = {ox.Triple(q.subject, q.predicate, q.object)
               for q in store.quads_for_pattern(None, None, None, None)}
    data = rdflib.Graph()
    data.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"),
               format="nt")
    shapes = rdflib.Graph().parse(SHAPES_FILE, format="turtle")
    conforms, report_graph, text = validate(data, shacl_graph=shapes, inference="none",
                                            advanced=True)
    sh = rdflib.Namespace(SH)
    problems = []
    for result in report_graph.subjects(rdflib.RDF.type, sh.ValidationResult):
        focus = str(report_graph.value(result, sh.focusNode) or "")
        path = report_graph.value(result, sh.resultPath)
        message = str(report_graph.value(result, sh.resultMessage) or "does not fit its shape")
        doc, source = _whereabouts(store, focus)
        problems.append(Problem(focus, _short(str(path)) if path is not None else "", message,
                                doc, source))
    problems.sort(key=lambda p: (p.document, p.focus, p.path, p.message))
    summary = (f"SHACL: {'conforms' if conforms else 'does not conform'} "
               f"({len(data)} triples, {len(problems)} violation(s))")
    return ValidationReport(conforms, len(problems), summary if conforms else
                            summary + "\n" + text, summary, problems)
