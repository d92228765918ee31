"""Serialise SPARQL results: solutions as SPARQL JSON, XML, CSV and TSV; graphs as Turtle,
N-Triples, RDF/XML and JSON-LD; and the choice among them from a `format` parameter or Accept.

The endpoint caps the number of rows, which pyoxigraph's serialisers cannot do: they write
every solution left. SPARQL JSON, the default, is still written by pyoxigraph
(`solutions_json_capped`), a row count taken afterwards where the size leaves it in doubt,
since writing it in Python costs more than a small lookup's evaluation; the other formats
are written here from the rows already read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

from kg.core.formats import RDF_FORMATS
from kg.export import to_jsonld
from kg.rdf.namespace import PREFIXES
from kg.serve.negotiate import choose

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    accepts: tuple[str, ...]  # media types that select it, its own first


# Query forms: "solutions" (SELECT), "boolean" (ASK), "graph" (CONSTRUCT, DESCRIBE).
# The first format of each list is the default for */* or no Accept header.
SOLUTION_FORMATS = [
    Format("json", "application/sparql-results+json",
           ("application/sparql-results+json", "application/json", "text/javascript",
            "application/javascript")),
    Format("xml", "application/sparql-results+xml",
           ("application/sparql-results+xml", "application/xml", "text/xml")),
    Format("csv", "text/csv", ("text/csv",)),
    Format("tsv", "text/tab-separated-values", ("text/tab-separated-values",)),
    Format("html", "text/html", ("text/html", "application/xhtml+xml")),
]
GRAPH_FORMATS = [
    Format("turtle", "text/turtle",
           ("text/turtle", "application/turtle", "application/x-turtle", "text/n3", "text/rdf+n3")),
    Format("ntriples", "application/n-triples", ("application/n-triples", "text/plain")),
    Format("jsonld", "application/ld+json",
           ("application/ld+json", "application/x-json+ld", "application/json")),
    Format("rdfxml", "application/rdf+xml", ("application/rdf+xml", "application/xml", "text/xml")),
    Format("html", "text/html", ("text/html", "application/xhtml+xml")),
]
# Names a `format` (or `output`) parameter may use, per query form. SPARQLWrapper sends
# "json", "xml", "turtle", "n3", "rdf+xml", "csv", "tsv", "json-ld".
_ALIASES = {
    "solutions": {"json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv",
                  "tsv": "tsv", "html": "html"},
    "graph": {"turtle": "turtle", "ttl": "turtle", "n3": "turtle", "ntriples": "ntriples",
              "n-triples": "ntriples", "nt": "ntriples", "jsonld": "jsonld", "json-ld": "jsonld",
              "json": "jsonld", "xml": "rdfxml", "rdf": "rdfxml", "rdf+xml": "rdfxml",
              "rdfxml": "rdfxml", "html": "html"},
}


class FormatError(ValueError):
    """A `format` parameter naming no format this query form can be written in."""


def formats_for(form: str) -> list[Format]:
    return GRAPH_FORMATS if form == "graph" else SOLUTION_FORMATS


@lru_cache(maxsize=512)
def choose_format(form: str, format_param: str | None, accept: str | None) -> Format:
    """The format to answer a query of `form` in: the `format` parameter wins over Accept;
    an Accept header naming nothing we write falls back to the form's default.

    Cached: a client sends the same few Accept headers query after query, and negotiating
    one costs more than a small lookup query itself."""
    table = formats_for(form)
    by_name = {f.name: f for f in table}
    if format_param:
        wanted = format_param.strip().lower()
        aliases = _ALIASES["graph" if form == "graph" else "solutions"]
        if wanted in aliases:
            return by_name[aliases[wanted]]
        for f in table:  # a media type is a fine format name too
            if wanted in f.accepts:
                return f
        names = ", ".join(sorted(aliases))
        raise FormatError(f"unknown format {format_param!r} for this query; use one of: {names}")
    offers = [(media, f) for f in table for media in f.accepts]
    best = choose(accept, [media for media, _ in offers])
    if best is None:
        return table[0]
    return next(f for media, f in offers if media == best)


# ---------------------------------------------------------------------------------------------
# Solutions


def term_json(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def solutions_json(variables: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    bindings = [{v: term_json(t) for v, t in zip(variables, row) if t is not None}
                for row in rows]
    doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


class _CappedSink:
    """A file for pyoxigraph's serialiser that stops it (by raising) past `limit` bytes."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _TooLarge
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


class _TooLarge(Exception):
    pass


# Every solution takes at least 3 bytes of SPARQL JSON ("{}" and a comma): a body no longer
# than 3 x the row cap cannot hold more rows than the cap, and is sent without counting.
_MIN_ROW_BYTES = 3


def solutions_json_capped(results: ox.QuerySolutions, max_rows: int,
                          max_bytes: int = 64 << 20) -> tuple[bytes, bool] | None:
    """SPARQL JSON of `results` written by pyoxigraph, cut at `max_rows` rows: (body, whether
    rows were cut). None when the body passes `max_bytes` (the results, partly read, are then
    lost: run the query again and cut its rows while reading them)."""
    sink = _CappedSink(max_bytes)
    try:
        results.serialize(sink, format=ox.QueryResultsFormat.JSON)
    except _TooLarge:
        return None
    body = b"".join(sink.parts)
    if len(body) <= _MIN_ROW_BYTES * max_rows:
        return body, False
    doc = json.loads(body)
    rows = doc["results"]["bindings"]
    if len(rows) <= max_rows:
        return body, False
    doc["results"]["bindings"] = rows[:max_rows]
    return json.dumps(doc, ensure_ascii=False).encode("utf-8"), True


def _term_xml(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_term_xml(term.subject)}</subject><predicate>"
                f"{_term_xml(term.predicate)}</predicate><object>{_term_xml(term.object)}"
                "</object></triple>")
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{xml_escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return (f"<literal datatype={quoteattr(term.datatype.value)}>"
                f"{xml_escape(term.value)}</literal>")
    return f"<literal>{xml_escape(term.value)}</literal>"


_XML_HEAD = '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'


def solutions_xml(variables: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    out = [_XML_HEAD, "<head>"]
    out.extend(f"<variable name={quoteattr(v)}/>" for v in variables)
    out.append("</head>\n<results>\n")
    for row in rows:
        out.append("<result>")
        for v, t in zip(variables, row):
            if t is not None:
                out.append(f"<binding name={quoteattr(v)}>{_term_xml(t)}</binding>")
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode("utf-8")


def _csv_value(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def solutions_csv(variables: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    # SPARQL 1.1 CSV: plain values, CRLF line ends, quoting only where needed.
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(variables)
    for row in rows:
        w.writerow([_csv_value(t) for t in row])
    return out.getvalue().encode("utf-8")


def solutions_tsv(variables: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    # SPARQL 1.1 TSV: terms in their N-Triples form, which escapes tabs and newlines.
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines.extend("\t".join("" if t is None else str(t) for t in row) for row in rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


def boolean_json(value: bool) -> bytes:
    return json.dumps({"head": {}, "boolean": value}).encode("utf-8")


def boolean_xml(value: bool) -> bytes:
    return f"{_XML_HEAD}<head/>\n<boolean>{str(value).lower()}</boolean>\n</sparql>\n".encode()


def render_solutions(fmt: str, variables: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    return {"json": solutions_json, "xml": solutions_xml, "csv": solutions_csv,
            "tsv": solutions_tsv}[fmt](variables, rows)


def render_boolean(fmt: str, value: bool) -> bytes:
    if fmt == "xml":
        return boolean_xml(value)
    if fmt in ("csv", "tsv"):
        return f"{str(value).lower()}\n".encode()
    return boolean_json(value)


# ---------------------------------------------------------------------------------------------
# Graphs

def render_graph(fmt: str, statements: Sequence) -> bytes:
    """Triples or quads in an RDF format; JSON-LD keeps named graphs, as `kg export` does."""
    if fmt == "jsonld":
        quads = [s if isinstance(s, ox.Quad) else ox.Quad(s.subject, s.predicate, s.object)
                 for s in statements]
        return json.dumps(to_jsonld(quads), ensure_ascii=False, indent=1).encode("utf-8")
    rdf_format = RDF_FORMATS[fmt]
    if not rdf_format.supports_datasets:
        statements = list(dict.fromkeys(
            ox.Triple(s.subject, s.predicate, s.object) for s in statements))
    prefixes = PREFIXES if fmt in ("turtle", "trig", "rdfxml") else None
    return ox.serialize(statements, format=rdf_format, prefixes=prefixes) or b""
