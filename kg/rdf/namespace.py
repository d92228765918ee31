"""IRIs of the ontology and the vocabularies it aligns to: the only place code gets terms from.

`KG.author` is checked against `ontology/kg.ttl` when first used, so a term the ontology does
not declare fails loudly instead of producing an undeclared IRI.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import pyoxigraph as ox

from kg.core.resources import ONTOLOGY_DIR

ONTOLOGY_FILE = ONTOLOGY_DIR / "kg.ttl"
KG_IRI = "https://w3id.org/archive-kg/ns#"


class Namespace:
    """Terms of one vocabulary as `pyoxigraph.NamedNode`s: `SKOS.altLabel`. With `declared`
    (a function giving the declared local names, called on first use) unknown terms fail."""

    def __init__(self, iri: str, declared: Callable[[], frozenset[str]] | None = None):
        self.iri = iri
        self._declared = declared

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        node = self.term(name)
        # kept as an attribute: the next `KG.name` is a plain look-up (mapping asks millions)
        setattr(self, name, node)
        return node

    def term(self, name: str) -> ox.NamedNode:
        if self._declared is not None and name not in self._declared():
            raise AttributeError(f"{self.iri}{name} is not declared in {ONTOLOGY_FILE.name}")
        return ox.NamedNode(self.iri + name)


@lru_cache(maxsize=1)
def ontology_terms() -> frozenset[str]:
    names = set()
    for quad in ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE):
        if isinstance(quad.subject, ox.NamedNode) and quad.subject.value.startswith(KG_IRI):
            names.add(quad.subject.value[len(KG_IRI):])
    return frozenset(names)


@lru_cache(maxsize=1)
def ontology_version() -> str:
    for quad in ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE):
        if quad.predicate.value == "http://www.w3.org/2002/07/owl#versionInfo":
            return quad.object.value
    return "0"


KG = Namespace(KG_IRI, declared=ontology_terms)
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("http://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES = {
    "kg": KG_IRI, "rdf": RDF.iri, "rdfs": RDFS.iri, "owl": OWL.iri, "xsd": XSD.iri,
    "skos": SKOS.iri, "dcterms": DCTERMS.iri, "prov": PROV.iri, "schema": SCHEMA.iri,
    "org": ORG.iri, "geo": GEO.iri, "wd": WD.iri,
}
