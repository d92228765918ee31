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

    data = rdflib.Graph()
    nt = store.dump(format=ox.RdfFormat.N_QUADS)
    ds = rdflib.Dataset()
    ds.parse(data=nt.decode("utf-8"), format="nquads")
    for s, p, o, _g in ds.quads((None, None, None, None)):
        data.add((s, p, o))
    shapes = rdflib.Graph().parse(SHAPES_FILE, format="turtle")
    conforms, report_graph, text = validate(data, shacl_graph=shapes, inference="none",
                                            advanced=True)
    violations = len(list(report_graph.subjects(
        rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationResult"))))
    summary = f"SHACL: {'conforms' if conforms else 'does not conform'} " \
              f"({len(data)} triples, {violations} violation(s))"
    return ValidationReport(conforms, violations, summary if conforms else summary + "\n" + text)
