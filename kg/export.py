"""Exports: Turtle (the union of all graphs), TriG and N-Quads (named graphs kept) and JSON-LD
(named graphs kept, with our context embedded so the file reads offline)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kg.core.formats import rdf_format as rdf_format_named
from kg.rdf.namespace import ONTOLOGY_DIR, PREFIXES, XSD

# the formats an export is written in (pyoxigraph's, by short name); JSON-LD is written here,
# one named graph at a time with our context embedded
EXPORT_FORMATS = ("turtle", "trig", "nquads", "ntriples", "jsonld")
_WITH_PREFIXES = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML)
CONTEXT_FILE = ONTOLOGY_DIR / "context.jsonld"


def load_context() -> dict[str, Any]:
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]


def _quads(store: ox.Store, graph: str | None):
    if graph:
        return store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    return store.quads_for_pattern(None, None, None, None)


def _union_triples(store: ox.Store, graph: str | None) -> Iterator[ox.Triple]:
    """The distinct triples of every graph (or of one). The store removes the duplicates, so
    that the whole export is never held in Python."""
    if graph:
        for q in _quads(store, graph):
            yield ox.Triple(q.subject, q.predicate, q.object)
        return
    for s, p, o in store.query("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }",
                               use_default_graph_as_union=True):
        yield ox.Triple(s, p, o)


Progress = Callable[[int], None]  # called with the statements written since the last call
PROGRESS_STEP = 10_000  # statements between progress calls: a call per statement would cost


class _Counted:
    """Passes statements through, counting them (and telling `progress` now and then)."""

    def __init__(self, statements: Iterable, progress: Progress | None = None) -> None:
        self.statements = statements
        self.count = 0
        self.progress = progress

    def __iter__(self) -> Iterator:
        for statement in self.statements:
            self.count += 1
            if self.progress and self.count % PROGRESS_STEP == 0:
                self.progress(PROGRESS_STEP)
            yield statement
        if self.progress:
            self.progress(self.count % PROGRESS_STEP)


def export(store: ox.Store, fmt: str, out: IO[bytes], graph: str | None = None,
           prefixes: dict[str, str] | None = None, progress: Progress | None = None) -> int:
    """Write the store (or one graph) in a format, streaming; returns the number of statements
    written."""
    prefixes = {**PREFIXES, **(prefixes or {})}
    rdf_format = rdf_format_named(fmt)
    if rdf_format == ox.RdfFormat.JSON_LD:
        return _write_jsonld(store, out, graph, progress)
    if not rdf_format.supports_datasets:
        # triples of every graph, merged: the union the SPARQL endpoint answers over
        statements = _Counted(_union_triples(store, graph), progress)
    else:
        statements = _Counted(_quads(store, graph), progress)
    # prefixes where the syntax has them (Turtle, TriG, RDF/XML); N-Triples and N-Quads do not
    ox.serialize(statements, out, rdf_format,
                 prefixes=prefixes if rdf_format in _WITH_PREFIXES else None)
    return statements.count


def _write_jsonld(store: ox.Store, out: IO[bytes], graph: str | None,
                  progress: Progress | None = None) -> int:
    """The JSON-LD document of `to_jsonld`, written one named graph at a time (a graph holds
    one document's source, so memory stays that of the largest graph)."""
    if graph:
        names = [ox.NamedNode(graph)]
    else:
        names = sorted(store.named_graphs(), key=lambda g: g.value)
    out.write(b'{"@context": ' + _json(load_context()) + b', "@graph": [')
    first = True
    default = [] if graph else list(store.quads_for_pattern(None, None, None,
                                                            ox.DefaultGraph()))
    nodes = _nodes(default).get("@default", {})
    for subject in sorted(nodes):
        out.write((b"" if first else b",") + b"\n" + _json(nodes[subject]))
        first = False
    count = len(default)
    for name in names:
        quads = list(store.quads_for_pattern(None, None, None, name))
        if not quads:
            continue
        nodes = _nodes(quads)[name.value]
        item = {"@id": name.value, "@graph": [nodes[s] for s in sorted(nodes)]}
        out.write((b"" if first else b",") + b"\n" + _json(item))
        first = False
        count += len(quads)
        if progress:
            progress(len(quads))
    out.write(b"\n]}\n")
    return count


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")


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


def _nodes(quads) -> dict[str, dict[str, dict[str, Any]]]:
    """JSON-LD node objects per graph ("@default" for the default graph), keyed by subject."""
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
    return graphs


def to_jsonld(quads) -> dict[str, Any]:
    """A JSON-LD 1.1 document: one object per named graph, nodes grouped by subject."""
    graphs = _nodes(quads)
    out: list[dict[str, Any]] = []
    for g in sorted(graphs):
        nodes = [graphs[g][s] for s in sorted(graphs[g])]
        if g == "@default":
            out.extend(nodes)
        else:
            out.append({"@id": g, "@graph": nodes})
    return {"@context": load_context(), "@graph": out}


def write_export(store: ox.Store, fmt: str, path: Path | None, graph: str | None = None,
                 progress: Progress | None = None) -> int:
    if path is None:
        import sys

        return export(store, fmt, sys.stdout.buffer, graph, progress=progress)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        n = export(store, fmt, fh, graph, progress=progress)
    tmp.replace(path)
    return n
