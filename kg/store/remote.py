"""A remote SPARQL 1.1 store over HTTP: the few `pyoxigraph.Store` methods an ingest uses.

`kg ingest --endpoint URL` runs the one ingest pipeline (`kg.pipeline`) with this store behind
its remote sink; only the store differs from a local ingest. The endpoint URL says how to
write:

* a server root (``http://host:7878/``, Oxigraph's layout) or a URL ending in ``/store``: each
  (document, source) graph is replaced with one SPARQL 1.1 Graph Store Protocol request,
  ``PUT /store?graph=IRI`` with an N-Triples body (atomic per graph); queries go to
  ``/query``, updates to ``/update``;
* a URL ending in ``/update``: SPARQL 1.1 Update (``DROP SILENT GRAPH`` + ``INSERT DATA``,
  several graphs per request, each request atomic on stores that run updates in a
  transaction, as Oxigraph and `kg serve` do); queries go to the sibling ``/query``;
* any other URL (``/sparql``, a Fuseki dataset): SPARQL Update and queries at that one URL.

The remote sink extracts everything before anything is written, so ``--strict`` aborts with
nothing written. Across graphs the ingest is not one transaction: an interrupted run leaves whole
graphs, old or new, never half a graph; running it again completes it.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterable, Iterator
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import pyoxigraph as ox

from kg.rdf.namespace import PREFIXES

__all__ = ["RemoteError", "RemoteStore", "endpoints"]

# Keep update requests well under `kg serve`'s default body limit (1 MB).
MAX_UPDATE_BYTES = 512_000
HTTP_TIMEOUT = 120.0


class RemoteError(Exception):
    """The remote store refused a request or could not be reached; the message says which."""


def endpoints(url: str) -> dict[str, str | None]:
    """The query, update and graph-store URLs an --endpoint URL stands for."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RemoteError(f"{url}: not an http(s) URL")
    path = parts.path.rstrip("/")

    def at(p: str) -> str:
        return urlunsplit((parts.scheme, parts.netloc, p, "", ""))

    if path == "":
        return {"query": at("/query"), "update": at("/update"), "store": at("/store")}
    head, _, last = path.rpartition("/")
    if last == "store":
        return {"query": at(f"{head}/query"), "update": at(f"{head}/update"), "store": at(path)}
    if last == "update":
        return {"query": at(f"{head}/query"), "update": at(path), "store": None}
    return {"query": url, "update": url, "store": None}


class RemoteStore:
    """The few `pyoxigraph.Store` methods the ingest uses, over HTTP.

    Statements are always in named graphs, so pattern lookups search named graphs only.
    """

    def __init__(self, url: str, token: str | None = None, timeout: float = HTTP_TIMEOUT):
        self.url = url
        self.urls = endpoints(url)
        self.token = token
        self.timeout = timeout

    # -- HTTP ---------------------------------------------------------------------------------

    def _request(self, method: str, url: str, body: bytes | None, content_type: str | None,
                 accept: str | None = None) -> bytes:
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace").strip()[:300]
            raise RemoteError(f"{method} {url}: HTTP {exc.code} {exc.reason}"
                              + (f": {detail}" if detail else "")) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RemoteError(f"cannot reach {url}: {reason}") from None

    # -- reading ------------------------------------------------------------------------------

    def query(self, sparql: str, *, prefixes: dict[str, str] | None = None,
              use_default_graph_as_union: bool = False):
        """Solutions (or a boolean) as pyoxigraph objects, parsed from SPARQL JSON results."""
        if use_default_graph_as_union:
            raise RemoteError("remote queries name their graphs (GRAPH ?g); no union graph")
        head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or {}).items())
        body = urlencode({"query": head + sparql}).encode()
        data = self._request("POST", self.urls["query"], body,
                             "application/x-www-form-urlencoded",
                             "application/sparql-results+json")
        try:
            return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        except SyntaxError as exc:
            raise RemoteError(f"{self.urls['query']}: unreadable query results: {exc}") from None

    def quads_for_pattern(self, subject, predicate, obj, graph) -> Iterator[ox.Quad]:
        names = ("s", "p", "o", "g")
        given = (subject, predicate, obj, graph)
        slot = [f"?{n}" if t is None else str(t) for n, t in zip(names, given)]
        s, p, o, g = slot
        rows = self.query(f"SELECT * WHERE {{ GRAPH {g} {{ {s} {p} {o} }} }}")
        for row in rows:
            terms = [t if t is not None else row[n] for n, t in zip(names, given)]
            yield ox.Quad(*terms)

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return bool(self.query(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}"))

    # -- writing ------------------------------------------------------------------------------

    def update(self, sparql: str) -> None:
        self._request("POST", self.urls["update"], sparql.encode("utf-8"),
                      "application/sparql-update")

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        graphs: dict[ox.NamedNode, list[ox.Quad]] = defaultdict(list)
        for q in quads:
            graphs[q.graph_name].append(q)
        for chunk in _chunks(graphs):
            self.update(" ;\n".join(f"INSERT DATA {{ GRAPH {g} {{ {_triples(qs)} }} }}"
                                    for g, qs in chunk.items()))

    def remove_graph(self, graph: ox.NamedNode) -> None:
        self.update(f"DROP SILENT GRAPH {graph}")

    def replace_graphs(self, graphs: dict[ox.NamedNode, list[ox.Quad]]) -> None:
        """Replace whole graphs: one Graph Store PUT each, or batched SPARQL updates."""
        if self.urls["store"]:
            for g, quads in graphs.items():
                triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
                body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
                url = f"{self.urls['store']}?graph={quote(g.value, safe='')}"
                self._request("PUT", url, body, "application/n-triples")
            return
        for chunk in _chunks(graphs):
            self.update(" ;\n".join(
                f"DROP SILENT GRAPH {g} ;\nINSERT DATA {{ GRAPH {g} {{ {_triples(qs)} }} }}"
                for g, qs in chunk.items()))

    def base_in_use(self) -> str | None:
        """The base IRI of graphs already in the remote store, if it holds any of ours."""
        rows = list(self.query("SELECT ?g WHERE { GRAPH ?g { ?g a kg:SourceGraph } } LIMIT 1",
                               prefixes=PREFIXES))
        if not rows:
            return None
        iri = rows[0][0].value
        cut = iri.rfind("/graph/")
        return iri[: cut + 1] if cut >= 0 else None


def _triples(quads: list[ox.Quad]) -> str:
    return " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)


def _chunks(graphs: dict[ox.NamedNode, list[ox.Quad]]) -> Iterator[dict]:
    """Groups of graphs whose update text stays under MAX_UPDATE_BYTES (one big graph alone)."""
    chunk: dict[ox.NamedNode, list[ox.Quad]] = {}
    size = 0
    for g, quads in graphs.items():
        n = sum(len(str(q)) for q in quads) + 100
        if chunk and size + n > MAX_UPDATE_BYTES:
            yield chunk
            chunk, size = {}, 0
        chunk[g] = quads
        size += n
    if chunk:
        yield chunk
