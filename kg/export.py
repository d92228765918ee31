"""Exports: Turtle (the union of all graphs), TriG and N-Quads (named graphs kept) and JSON-LD
(named graphs kept, with our context embedded so the file reads offline)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kg.rdf.namespace import ONTOLOGY_DIR, PREFIXES, XSD

FORMATS = {
    "turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS,
    "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": None,
}
CONTEXT_FILE = ONTOLOGY_DIR / "context.jsonld"


def load_context() -> dict[str, Any]:
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]


def _quads(store: ox.Store, graph: str | None):
    if graph:
        return store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    return store.quads_for_pattern(None, None, None, None)


def export(store: ox.Store, fmt: str, out: IO[bytes], graph: str | None = None,
           prefixes: dict[str, str] | None = None) -> int:
    """Write the store (or one graph) in a format; returns the number of statements written."""
    prefixes = {**PREFIXES, **(prefixes or {})}
    if fmt == "jsonld":
        quads = list(_quads(store, graph))
        doc = to_jsonld(quads)
        out.write(json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))
        return len(quads)
    rdf_format = FORMATS[fmt]
    if fmt in ("turtle", "ntriples"):
        # triples of every graph, merged: the union the SPARQL endpoint answers over
        triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object)
                                     for q in _quads(store, graph)))
        ox.serialize(triples, out, rdf_format, prefixes=prefixes if fmt == "turtle" else None)
        return len(triples)
    quads = list(_quads(store, graph))
    ox.serialize(quads, out, rdf_format, prefixes=prefixes if fmt == "trig" else None)
    return len(quads)


def _value(term) -> Any:
    if isinstance(term, ox.NamedNode):
        return {"@id": term.value}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype == XSD.string:
        return term.value
    return {"@value": term.value, "@type": term.datatype.value}


def _key(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and iri[len(ns):] and all(c not in iri[len(ns):] for c in "/#:"):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def to_jsonld(quads) -> dict[str, Any]:
    """A JSON-LD 1.1 document: one object per named graph, nodes grouped by subject."""
    graphs: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for q in quads:
        g = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else "@default"
        subject = q.subject.value if isinstance(q.subject, ox.NamedNode) else f"_:{q.subject.value}"
        node = graphs[g].setdefault(subject, {"@id": subject})
        if q.predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" and isinstance(
                q.object, ox.NamedNode):
            node.setdefault("@type", []).append(_key(q.object.value))
            continue
        node.setdefault(_key(q.predicate.value), []).append(_value(q.object))
    out: list[dict[str, Any]] = []
    for g in sorted(graphs):
        nodes = [graphs[g][s] for s in sorted(graphs[g])]
        if g == "@default":
            out.extend(nodes)
        else:
            out.append({"@id": g, "@graph": nodes})
    return {"@context": load_context(), "@graph": out}


def write_export(store: ox.Store, fmt: str, path: Path | None, graph: str | None = None) -> int:
    if path is None:
        import sys

        return export(store, fmt, sys.stdout.buffer, graph)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        n = export(store, fmt, fh, graph)
    tmp.replace(path)
    return n
