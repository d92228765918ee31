"""A VoID and DCAT description of the dataset: counts, the SPARQL endpoint, the downloads.

Served at /.well-known/void (RFC 5785 location VoID tools look for) and /void, as Turtle.
Its counts are the generation's derived data (`kg.store.void_stats`, counted at ingest):
serving it queries no store.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.rdf.namespace import DCAT, DCTERMS, KG, KG_IRI, PREFIXES, RDF, RDFS, VOID, XSD
from kg.store.index import Index

DOWNLOADS = {  # file name -> (export format, media type)
    "graph.ttl": ("turtle", "text/turtle"),
    "graph.trig": ("trig", "application/trig"),
    "graph.nq": ("nquads", "application/n-quads"),
    "graph.jsonld": ("jsonld", "application/ld+json"),
}
SD = "http://www.w3.org/ns/sparql-service-description#"


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD.integer)


def void_turtle(base: str, index: Index) -> bytes:
    """The description, from the generation's derived data (`index`): its counts were made
    when the generation was written, so this queries no store."""
    counts = index.stats()
    void = index.void_statistics()
    ds = ox.NamedNode(base + "void#dataset")
    triples: list[ox.Triple] = []

    def add(s, p, o):
        triples.append(ox.Triple(s, p, o))

    add(ds, RDF.type, VOID.Dataset)
    add(ds, RDF.type, DCAT.Dataset)
    add(ds, DCTERMS.title, ox.Literal("Archive knowledge graph", language="en"))
    add(ds, DCTERMS.description, ox.Literal(
        "Documents of archive catalogues with the people, places, organisations, roles and "
        "events they attest, and the provenance of every statement.", language="en"))
    add(ds, VOID.sparqlEndpoint, ox.NamedNode(base + "sparql"))
    add(ds, VOID.uriSpace, ox.Literal(base))
    add(ds, VOID.vocabulary, ox.NamedNode(KG_IRI))
    add(ds, VOID.rootResource, ox.NamedNode(base))
    # the rights statements of the sources (dcterms:rights of their graphs)
    for rights in void.rights:
        add(ds, DCTERMS.rights, rights)
    # Distinct triples of the union graph, which is what the SPARQL default graph holds.
    add(ds, VOID.triples, _int(void.triples))
    add(ds, VOID.entities, _int(sum(
        counts.get(k, 0) for k in ("documents", "people", "places", "organizations"))))
    add(ds, VOID.distinctSubjects, _int(void.distinct_subjects))
    add(ds, VOID.properties, _int(void.properties))
    add(ds, VOID.classes, _int(void.classes))
    for i, (cls, key) in enumerate(((KG.Document, "documents"), (KG.Person, "people"),
                                    (KG.Place, "places"), (KG.Organization, "organizations"),
                                    (KG.Role, "roles"), (KG.Mention, "mentions"))):
        part = ox.NamedNode(f"{base}void#class{i}")
        add(ds, VOID.classPartition, part)
        add(part, VOID.term("class"), cls)
        add(part, VOID.entities, _int(counts.get(key, 0)))
    for i, (prop, n) in enumerate(void.property_triples):
        part = ox.NamedNode(f"{base}void#property{i}")
        add(ds, VOID.propertyPartition, part)
        add(part, VOID.property, ox.NamedNode(prop))
        add(part, VOID.triples, _int(n))
    for name, (_, media) in DOWNLOADS.items():
        url = ox.NamedNode(f"{base}download/{name}")
        dist = ox.NamedNode(f"{base}void#{name.replace('.', '-')}")
        add(ds, VOID.dataDump, url)
        add(ds, DCAT.distribution, dist)
        add(dist, RDF.type, DCAT.Distribution)
        add(dist, DCAT.downloadURL, url)
        add(dist, DCAT.mediaType, ox.Literal(media))
        add(dist, DCTERMS.title, ox.Literal(f"Full export ({name.split('.')[-1]})"))
    service = ox.NamedNode(base + "sparql")
    add(ds, DCAT.distribution, ox.NamedNode(base + "void#sparql"))
    add(ox.NamedNode(base + "void#sparql"), RDF.type, DCAT.Distribution)
    add(ox.NamedNode(base + "void#sparql"), DCAT.accessService, service)
    add(service, RDF.type, DCAT.DataService)
    add(service, DCAT.endpointURL, service)
    add(service, DCTERMS.conformsTo, ox.NamedNode("https://www.w3.org/TR/sparql11-protocol/"))
    add(service, RDFS.label, ox.Literal("SPARQL 1.1 endpoint", language="en"))
    prefixes = {**PREFIXES, "void": VOID.iri, "dcat": DCAT.iri, "": base + "void#"}
    # The dataset's own statements first, then each partition and distribution in a block.
    triples.sort(key=lambda t: (t.subject != ds, t.subject.value))
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)


def service_description(base: str, *, federation: bool) -> bytes:
    """SPARQL 1.1 Service Description of /sparql (answered to GET /sparql with an RDF Accept)."""
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731
    service = ox.NamedNode(base + "sparql")
    t = [ox.Triple(service, RDF.type, sd("Service")),
         ox.Triple(service, sd("endpoint"), service),
         ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
         ox.Triple(service, sd("feature"), sd("UnionDefaultGraph"))]
    if federation:
        t.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    formats = [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML, ox.QueryResultsFormat.CSV,
               ox.QueryResultsFormat.TSV, ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES,
               ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML]
    for fmt in formats:  # the W3C's format IRIs, as the Service Description asks
        t.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(fmt.iri)))
    return ox.serialize(t, format=ox.RdfFormat.TURTLE, prefixes={"sd": SD})
