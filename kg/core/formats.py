"""The RDF and SPARQL-results formats, by the short names the CLI and URLs use.

pyoxigraph's `RdfFormat` and `QueryResultsFormat` already know each format's media type, file
extension and whether it holds named graphs; this module only gives them short names
("turtle", "nquads", "jsonld", "json", "tsv"), derived from pyoxigraph's own names, so that no
other module keeps a table of its own.
"""

from __future__ import annotations

import pyoxigraph as ox


def _short(name: str) -> str:
    """"N-Quads" -> "nquads", "RDF/XML" -> "rdfxml", "SPARQL Results in JSON" -> "json"."""
    name = name.removeprefix("SPARQL Results in ")
    return "".join(c for c in name.lower() if c.isalnum())


RDF_FORMATS: dict[str, ox.RdfFormat] = {
    _short(f.name): f for f in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS,
                                ox.RdfFormat.N_TRIPLES, ox.RdfFormat.JSON_LD,
                                ox.RdfFormat.RDF_XML)
}
RESULTS_FORMATS: dict[str, ox.QueryResultsFormat] = {
    _short(f.name): f for f in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML,
                                ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV)
}


def rdf_format(key: str) -> ox.RdfFormat:
    """The RDF format a short name ("turtle"), a file extension ("ttl") or a media type
    ("text/turtle") names; ValueError listing the short names otherwise."""
    key = key.strip().lower()
    found = RDF_FORMATS.get(key) or ox.RdfFormat.from_extension(key.lstrip(".")) \
        or ox.RdfFormat.from_media_type(key)
    if found is None:
        raise ValueError(f"unknown RDF format {key!r}; one of: {', '.join(RDF_FORMATS)}")
    return found
