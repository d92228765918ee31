"""SHACL validation of the store against `ontology/shapes.ttl` (pySHACL over rdflib)."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kg.rdf.namespace import ONTOLOGY_DIR

SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: int
    text: str


def validate_store(store: ox.Store) -> ValidationReport:
    """Validate the union of all graphs; documents, people and places must fit their shapes."""
    import rdflib
    from pyshacl import validate

    triples = {ox.Triple(q.subject, q.predicate, q.object)
               for q in store.quads_for_pattern(None, None, None, None)}
    data = rdflib.Graph()
    data.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"),
               format="nt")
    shapes = rdflib.Graph().parse(SHAPES_FILE, format="turtle")
    conforms, report_graph, text = validate(data, shacl_graph=shapes, inference="none",
                                            advanced=True)
    violations = len(list(report_graph.subjects(
        rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationResult"))))
    summary = f"SHACL: {'conforms' if conforms else 'does not conform'} " \
              f"({len(data)} triples, {violations} violation(s))"
    return ValidationReport(conforms, violations, summary if conforms else summary + "\n" + text)
