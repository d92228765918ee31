"""`kg serve`: the web application (ASGI, Starlette) and the server that runs it (uvicorn).

Routes:

====================================  =======================================================
``/sparql`` (alias ``/query``)         SPARQL 1.1 Protocol; the query page on a bare GET
``/update``                            SPARQL Update (POST; needs --allow-update and a token)
``/queries/NAME``                      a named query (``queries/*.rq``) run with its parameters
``/``                                  home page with counts
``/search?q=``, ``/documents``         ranked search / browsing, with facets (URL parameters)
``/people /places /organizations``     lists of what documents name (and ``/topics``)
``/network`` (``.csv``, ``.gexf``)     correspondence network, author -> recipient
``/map``, ``/timeline``                places on a basemap; documents per year or month
``/void``, ``/.well-known/void``       VoID/DCAT description (Turtle)
``/download/graph.{ttl,trig,nq,jsonld}``  the full export
``/reconcile``                         W3C Reconciliation API 0.2 (`kg.serve.reconcile`)
``/static/...``                        the stylesheet and the basemap
any other path under the base IRI      that IRI: HTML, JSON, Turtle, N-Triples, JSON-LD...
====================================  =======================================================

Every page is a typed view model (`kg.serve.views`, `overview`, `network`, `sparql_ui`) that
a Jinja2 template (autoescaped, `templates/`) renders, or its JSON twin serialises
(``?format=json`` or ``Accept: application/json``). An IRI answers its description directly
(200 with ``Vary: Accept``, no 303 redirect). A document also answers its citation
(``?format=csl`` for CSL-JSON, ``?format=bib`` for BibTeX). Every 200 to a GET carries an
entity tag of the generation, and a request holding it gets 304 (`kg.serve.conditional`).

User queries run in killable worker processes (`kg.serve.worker`); the pages' own queries
are small and run in a thread of the server on a snapshot of the current store generation.
Whatever a page needs across the whole store comes from the generation's derived data
(`kg.store.index`, through `Snapshot.index`): nothing is computed when the server starts.
"""

from __future__ import annotations

import hmac
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import jinja2
import uvicorn
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg.core.formats import RDF_FORMATS
from kg.core.resources import STATIC_DIR, TEMPLATES_DIR
from kg.rdf.namespace import KG_IRI, PREFIXES
from kg.serve import charts, listen, network, overview, sparql_ui, views
from kg.serve.conditional import GENERATION_KEY, ConditionalGet
from kg.serve.describe import description
from kg.serve.models import to_json
from kg.serve.negotiate import choose
from kg.serve.protocol import (
    Operation,
    ProtocolError,
    forbidden_operation,
    parse_operation,
    with_update_dataset,
)
from kg.serve.results import render_graph
from kg.serve.snapshot import Snapshot, StoreView
from kg.serve.streaming import stream_writes
from kg.serve.void import DOWNLOADS, service_description, void_turtle
from kg.serve.worker import (
    Outcome,
    QueryRunner,
    QueryTask,
    UpdateTask,
    WorkerPool,
)
from kg.store import current_generation
from kg.store.derived import fold, is_complete
from kg.store.index import IndexMissing, refresh

__all__ = ["KGServer", "ServeError", "Settings", "create_app", "make_server", "make_settings"]

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
# Our pages load only our stylesheet; catalogue text can never run as script.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
# Representations of an IRI: format parameter value -> media type (HTML first: the default).
IRI_FORMATS = {
    "html": "text/html", "json": "application/json", "ttl": "text/turtle",
    "nt": "application/n-triples", "jsonld": "application/ld+json", "trig": "application/trig",
    "nq": "application/n-quads", "rdfxml": "application/rdf+xml",
}
_IRI_ALIASES = {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld",
                "nquads": "nq", "n-quads": "nq", "xml": "rdfxml", "rdf": "rdfxml",
                "bibtex": "bib", "csl-json": "csl"}
# an RDF media type -> the short name `render_graph` takes (pyoxigraph's formats)
_RDF_RENDER = {f.media_type: name for name, f in RDF_FORMATS.items()}
# A document's citation files (format parameter -> media type, file extension).
CITATIONS = {"csl": ("application/vnd.citationstyles.csl+json", "json"),
             "bib": ("application/x-bibtex", "bib")}
NAV = [("/", "Home"), ("/documents", "Documents"), ("/people", "People"), ("/places", "Places"),
       ("/organizations", "Organisations"), ("/topics", "Topics"), ("/network", "Network"), ("/map", "Map"),
       ("/timeline", "Timeline"), ("/sparql", "SPARQL")]
ACTIVE = {"document": "/documents", "person": "/people", "place": "/places",
          "organization": "/organizations", "topic": "/topics"}
KIND_NAMES = {"person": "Person", "place": "Place", "organization": "Organisation",
              "document": "Document", "role": "Post", "event": "Event", "resource": "Resource",
              "candidate": "Candidate name", "subject": "Subject heading", "topic": "Topic",
              "graph": "Statements from one source"}


class ServeError(Exception):
    """The server cannot start as asked; the message says why."""


@dataclass(frozen=True)
class Settings:
    store_path: Path
    host: str = "127.0.0.1"
    port: int = 8000
    allow_update: bool = False
    token: str | None = None
    federation: bool = False
    timeout: float = 10.0
    max_results: int = 10_000
    max_body: int = 1_000_000
    workers: int = 2


@dataclass
class Req:
    """What a route reads of a request: all of it read before the route runs in a thread."""

    method: str
    path: str  # decoded
    raw_path: str  # as sent, percent-encoded (safe in response headers)
    params: dict[str, list[str]]
    headers: Headers
    snap: Snapshot
    body: bytes = b""
    head: bool = False  # a HEAD request (`method` says GET: the same answer, without body)

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.params.get(name)
        return values[0] if values else default

    @property
    def accept(self) -> str | None:
        return self.headers.get("accept")


def text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response((message.rstrip() + "\n").encode("utf-8"), status, headers, TEXT)


@dataclass
class Site:
    """The application's state: the store view, the query runner, the templates.

    `pool` runs queries: killable worker processes (`WorkerPool`) when the server is one
    process, threads of this process (`ThreadRunner`) when it is one of several
    (`kg.serve.processes`). `updates` runs updates when that is not `pool` (always a
    `WorkerPool`: a write must stop before its generation is published)."""

    settings: Settings
    view: StoreView
    pool: QueryRunner
    updates: QueryRunner | None = None
    env: jinja2.Environment = field(init=False)

    def __post_init__(self) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
            autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(month_name=charts.month_name, plural=charts.plural,
                                number=lambda n: f"{n:,}", highlight=highlight,
                                human_date=charts.human_date)
        self.env.globals.update(nav=NAV, kind_names=KIND_NAMES, quote=quote)

    def close(self) -> None:
        self.pool.close()
        if self.updates is not None:
            self.updates.close()
        self.view.close()

    # -- rendering --------------------------------------------------------------------------

    def page_format(self, req: Req) -> str | None:
        """"html" or "json" for a page, by ?format= or Accept; None if neither is acceptable."""
        fmt = (req.param("format") or "").lower()
        if fmt in ("html", "json"):
            return fmt
        if fmt:
            return None
        best = choose(req.accept, ["text/html", "application/json"])
        return {"text/html": "html", "application/json": "json"}.get(best or "")

    def html(self, req: Req, template: str, status: int = 200, **context: Any) -> Response:
        snap = req.snap
        body = self.env.get_template(template).render(
            href=lambda iri: snap.local_path(iri) or iri,
            local=lambda iri: snap.local_path(iri) is not None,
            q=req.param("q", "") if req.path == "/search" else "", path=req.path, **context)
        return Response(body.encode("utf-8"), status, {"Vary": "Accept"}, HTML)

    def render(self, req: Req, model: Any, *, active: str = "", fmt: str | None = None,
               **context: Any) -> Response:
        fmt = fmt or self.page_format(req)
        if fmt == "json":
            return Response(to_json(model), 200, {"Vary": "Accept"}, JSON)
        if fmt == "html":
            return self.html(req, model.template, page=model, active=active, **context)
        return text(406, "this page is available as text/html or application/json "
                         "(?format=html or ?format=json)", {"Vary": "Accept"})

    def error(self, req: Req, status: int, title: str, message: str,
              link: tuple[str, str] | None = None) -> Response:
        """An error page (or its JSON twin, or plain text); `link`: (href, text) of where
        to go instead (the JSON twin's "link")."""
        fmt = self.page_format(req)
        if fmt == "html":
            return self.html(req, "error.html", status, code=status, title=title,
                             message=message, link=link, active="")
        if fmt == "json":
            body = {"error": message, "status": status, **({"link": link[0]} if link else {})}
            return Response(to_json(body), status, {"Vary": "Accept"}, JSON)
        return text(status, message + (f" ({link[0]})" if link else ""), {"Vary": "Accept"})

    # -- pages ------------------------------------------------------------------------------

    def home(self, req: Req) -> Response:
        return self.render(req, overview.home(req.snap), active="/")

    def search(self, req: Req) -> Response:
        """/search (a query) and /documents (browsing, no query): one page, with facets."""
        path = "/documents" if req.path == "/documents" else "/search"
        try:
            request = overview.SearchRequest.from_params(req.snap, req.params)
        except overview.RangeError as exc:
            return self.error(req, 400, "Bad request", str(exc))
        if path == "/documents" and request.q:
            path = "/search"
        model = overview.search(req.snap, request, path)
        return self.render(req, model, active="/documents" if path == "/documents" else "")

    def entity_list(self, kind: str) -> Callable[[Req], Response]:
        def page(req: Req) -> Response:
            try:
                number = max(1, int(req.param("page") or 1))
            except ValueError:
                return self.error(req, 400, "Bad request", "page is not a number")
            return self.render(req, overview.entity_list(req.snap, kind, number),
                               active=ACTIVE[kind])
        return page

    def timeline(self, req: Req) -> Response:
        try:
            model = overview.timeline(req.snap, req.param("month") or None,
                                      req.param("from") or None, req.param("to") or None)
        except overview.RangeError as exc:
            return self.error(req, 400, "Bad request", str(exc))
        return self.render(req, model, active="/timeline")

    def map(self, req: Req) -> Response:
        return self.render(req, overview.map_data(req.snap), active="/map")

    def network(self, req: Req) -> Response:
        person = req.param("person") or None
        if person is not None and "://" not in person:
            person = req.snap.iri_for_path(person) or person
        try:
            model = network.network(req.snap, req.param("from") or None, req.param("to") or None,
                                    person)
        except (overview.RangeError, ValueError) as exc:
            return self.error(req, 400, "Bad request", str(exc))
        return self.render(req, model, active="/network")

    def network_csv(self, req: Req) -> Response:
        return Response(network.to_csv(req.snap), 200, {
            "Content-Disposition": 'attachment; filename="network.csv"'},
            "text/csv; charset=utf-8")

    def network_gexf(self, req: Req) -> Response:
        return Response(network.to_gexf(req.snap), 200, {
            "Content-Disposition": 'attachment; filename="network.gexf"'},
            "application/gexf+xml; charset=utf-8")

    def void(self, req: Req) -> Response:
        snap = req.snap
        body = snap.cached("void", lambda: void_turtle(snap.base, snap.index))
        return Response(body, 200, media_type="text/turtle; charset=utf-8")

    def download(self, req: Req) -> Response:
        name = req.path[len("/download/"):]
        if name not in DOWNLOADS:
            return text(404, f"no download {name!r}; there are: " + ", ".join(DOWNLOADS))
        fmt, media = DOWNLOADS[name]
        store = req.snap.store

        def write(out) -> None:
            from kg.export import export

            export(store, fmt, out)

        # Streamed as the store is read: nothing whole-store is built on the request path,
        # and the first bytes leave at once however large the graph.
        charset = "; charset=utf-8" if media != "application/n-quads" else ""
        # HEAD: the same headers, and no export written for nobody
        body = iter(()) if req.head else stream_writes(write, name=f"download {name}")
        return StreamingResponse(
            body, media_type=media + charset,
            headers={"Content-Disposition": f'attachment; filename="{name}"'})

    # -- dereferenceable IRIs ---------------------------------------------------------------

    def resource(self, req: Req) -> Response:
        if req.method != "GET":
            return text(405, f"{req.method} is not allowed on {req.path}",
                        {"Allow": "GET, HEAD"})
        snap = req.snap
        iri = snap.iri_for_path(req.path)
        if iri is None:
            return self.error(req, 404, "Not found",
                              f"{req.path} is outside this graph's base IRI {snap.base}")
        try:
            known = views.exists(snap, iri)
        except ValueError:
            known = False
        if not known:
            return self.error(req, 404, "Not found", f"the graph says nothing about {iri}")
        fmt = (req.param("format") or "").lower()
        fmt = _IRI_ALIASES.get(fmt, fmt)
        if fmt in CITATIONS:
            return self.citation(req, iri, fmt)
        if fmt:
            if fmt not in IRI_FORMATS:
                return text(400, f"unknown format {fmt!r}; use one of: "
                                 + ", ".join([*IRI_FORMATS, *CITATIONS]))
            media = IRI_FORMATS[fmt]
        else:
            media = choose(req.accept, list(IRI_FORMATS.values()) + ["application/xhtml+xml"])
            media = "text/html" if media == "application/xhtml+xml" else media
        if media is None:
            return text(406, "available as: " + ", ".join(IRI_FORMATS.values()),
                        {"Vary": "Accept"})
        alternates = ", ".join(f'<{req.raw_path}?format={f}>; rel="alternate"; type="{t}"'
                               for f, t in IRI_FORMATS.items() if t != media)
        if media in ("text/html", "application/json"):
            try:
                number = views.page_number(req.param("page"))
            except ValueError as exc:
                return self.error(req, 400, "Bad request", str(exc))
            try:
                model = views.entity_page(snap, iri, number)
            except views.PageNotFound as exc:
                last = f"{req.raw_path}?" + urlencode(
                    [(k, v) for k, vs in req.params.items() if k != "page" for v in vs]
                    + [("page", str(exc.last))])
                return self.error(req, 404, "Not found", str(exc),
                                  link=(last, f"the last page, {exc.last}"))
            response = self.render(req, model, fmt="json" if media == "application/json"
                                   else "html", active=ACTIVE.get(model.kind, ""))
        else:
            ctype = media + ("" if media in ("application/n-triples", "application/n-quads")
                             else "; charset=utf-8")
            response = Response(render_graph(_RDF_RENDER[media], description(snap, iri)), 200,
                                media_type=ctype)
        response.headers["Vary"] = "Accept"
        response.headers["Link"] = alternates
        return response

    def citation(self, req: Req, iri: str, fmt: str) -> Response:
        if views.kind_of(req.snap, iri) != "document":
            return text(400, "only a document has a citation")
        cite = views.document_page(req.snap, iri).citation
        media, ext = CITATIONS[fmt]
        body = cite.csl_json if fmt == "csl" else cite.bibtex
        name = iri.rstrip("/").rsplit("/", 1)[-1] or "document"
        return Response(body.encode("utf-8") + b"\n", 200, {
            "Content-Disposition": f'attachment; filename="{quote(name)}.{ext}"'},
            media + "; charset=utf-8")

    # -- SPARQL -----------------------------------------------------------------------------

    def sparql_settings(self) -> sparql_ui.EndpointSettings:
        s = self.settings
        note = (" unless a request carries the update token (this server accepts SPARQL Update "
                "at /update with Authorization: Bearer …)" if s.allow_update else
                ": SPARQL Update is refused (HTTP 403)")
        return sparql_ui.EndpointSettings(list(PREFIXES), s.timeout, s.max_results, s.max_body,
                                          s.federation, note)

    def sparql(self, req: Req, *, update_only: bool = False) -> Response:
        try:
            op = parse_operation(req.method, req.params, req.headers.get("content-type", ""),
                                 req.body, update_only=update_only)
        except ProtocolError as exc:
            return text(exc.status, exc.message)
        if op is None:
            return self.sparql_home(req)
        if op.kind == "update":
            refused = self.check_update_auth(req)
            if refused is not None:
                return refused
        reason = forbidden_operation(op, federation=self.settings.federation)
        if reason:
            return text(400, reason)
        if op.kind == "update":
            # the service's base IRI is the graph's: relative IRIs name things under it
            outcome = (self.updates or self.pool).run(UpdateTask(
                with_update_dataset(op.text, op.using_graphs, op.using_named_graphs),
                base=req.snap.base))
            return Response(outcome.body, outcome.status, outcome.headers, outcome.content_type)
        return self.run_query(req, op)

    def check_update_auth(self, req: Req) -> Response | None:
        s = self.settings
        if not s.allow_update:
            return text(403, "this endpoint is read-only: SPARQL Update is disabled "
                             "(start the server with --allow-update and --token)")
        auth = req.headers.get("authorization") or ""
        if not auth:
            return text(401, "SPARQL Update needs Authorization: Bearer <token>",
                        {"WWW-Authenticate": 'Bearer realm="kg"'})
        scheme, _, given = auth.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), (s.token or "").encode()):
            return text(403, "wrong update token")
        return None

    def run_query(self, req: Req, op: Operation) -> Response:
        fmt = req.param("format") or req.param("output")
        task = QueryTask(op.text, fmt, req.accept, tuple(op.default_graphs),
                         tuple(op.named_graphs), self.settings.max_results, base=req.snap.base)
        outcome = self.pool.run(task)
        headers = {"Vary": "Accept", **outcome.headers}
        wants_page = req.param("format") == "html" or (
            "html" in (req.accept or "") and self.page_format(req) == "html")
        if outcome.status != 200 and wants_page:
            # The form's own page shows errors in place; protocol clients get plain text.
            model = sparql_ui.sparql_page(self.sparql_settings(), query=op.text,
                                          error=outcome.body.decode("utf-8", "replace"))
            response = self.render(req, model, fmt="html", active="/sparql")
            response.status_code = outcome.status
            return response
        if outcome.status == 200 and outcome.wants_html:
            model = sparql_ui.sparql_page(self.sparql_settings(), query=op.text,
                                          result=sparql_ui.result_table(outcome))
            response = self.render(req, model, fmt="html", active="/sparql")
            response.headers.update(headers)
            return response
        return Response(outcome.body, outcome.status, headers, outcome.content_type)

    def sparql_home(self, req: Req) -> Response:
        rdf = choose(req.accept, ["text/html", "text/turtle"])
        if rdf == "text/turtle" and "text/html" not in (req.accept or ""):
            body = service_description(req.snap.base, federation=self.settings.federation)
            return Response(body, 200, {"Vary": "Accept"}, "text/turtle; charset=utf-8")
        model = sparql_ui.sparql_page(self.sparql_settings(), query=_edit_text(req))
        return self.render(req, model, fmt="html", active="/sparql")

    def named_query(self, req: Req) -> Response:
        name = req.path[len("/queries/"):]
        params = {k: v[0] for k, v in req.params.items() if v and k != "format"}
        try:
            model = sparql_ui.named_query_page(self.sparql_settings(), req.snap, name, params,
                                               self.pool.run)
        except LookupError as exc:
            return self.error(req, 404, "Not found", str(exc))
        response = self.render(req, model, active="/sparql")
        if model.error and response.status_code == 200:
            response.status_code = 400
        return response

    # -- reconciliation ---------------------------------------------------------------------

    def reconcile(self, req: Req) -> Response:
        from kg.serve.entity_index import build_index
        from kg.serve.reconcile import handle

        params = {k: v[0] for k, v in req.params.items() if v}
        if req.method == "POST":
            ctype = (req.headers.get("content-type") or "").split(";")[0].strip().lower()
            if ctype and ctype != "application/x-www-form-urlencoded":
                return text(415, "send the reconciliation form urlencoded")
            try:
                form = parse_qs(req.body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                return text(400, "the request body is not UTF-8")
            params.update({k: v[0] for k, v in form.items() if v})
        elif req.method != "GET":
            return text(405, "use GET or POST", {"Allow": "GET, HEAD, POST"})
        snap = req.snap
        index = snap.cached("reconcile_index", lambda: build_index(snap))
        status, ctype, body = handle(req.path, params, index, snap.base + "reconcile",
                                     identifier_space=snap.base, schema_space=KG_IRI)
        return Response(body, status, {"X-Reconcile": "1"}, ctype)


def highlight(text: str, q: str) -> Markup:
    """`text` escaped, with each occurrence of a word of the query wrapped in <mark>."""
    # the query's words, without its syntax (quotes, prefix stars, exclusions, OR)
    words = [w for w in (fold(w.strip('"*()').lstrip("-")) for w in q.split()
                         if w != "OR" and not w.startswith("-")) if w]
    # Fold character by character so offsets match the text; a character that folds to
    # several ("…", ligatures) stays as it is and simply never matches.
    folded = "".join(f if len(f := fold(c)) == 1 else c for c in text)
    marks = [False] * len(text)
    for w in words:
        start = folded.find(w)
        while start >= 0:
            marks[start:start + len(w)] = [True] * len(w)
            start = folded.find(w, start + 1)
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i]:
            j += 1
        chunk = escape(text[i:j])
        out.append(Markup("<mark>{}</mark>").format(chunk) if marks[i] else chunk)
        i = j
    return Markup("").join(out)


def _edit_text(req: Req) -> str:
    """The text the query page's editor opens with: a named query's (``?edit=NAME``)."""
    name = req.param("edit")
    if name:
        found = sparql_ui.find_query(name)
        if found is not None:
            return found.text
    return ""


# ---------------------------------------------------------------------------------------------
# ASGI plumbing

PAGE_METHODS = ("GET", "HEAD")
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]


def create_app(site: Site) -> ASGIApp:
    """The ASGI application of a site: routes, static files, security and CORS headers."""

    def endpoint(handler: Callable[[Req], Response], methods: tuple[str, ...] | None = PAGE_METHODS
                 ) -> Callable[[StarletteRequest], Awaitable[Response]]:
        async def run(request: StarletteRequest) -> Response:
            method = request.method
            if methods is not None and method not in methods:
                return text(405, f"{method} is not allowed on {request.url.path}",
                            {"Allow": ", ".join(methods)})
            body = b""
            if method in ("POST", "PUT", "PATCH"):
                body_or_error = await _read_body(request, site.settings.max_body)
                if isinstance(body_or_error, Response):
                    return body_or_error
                body = body_or_error
            raw = request.scope.get("raw_path") or b""
            raw_path = raw.decode("latin-1").split("?", 1)[0] or quote(request.url.path)

            def call() -> Response:
                req = Req("GET" if method == "HEAD" else method, request.url.path, raw_path,
                          parse_qs(request.url.query, keep_blank_values=True), request.headers,
                          site.view.snapshot(), body, head=method == "HEAD")
                try:
                    return handler(req)
                except IndexMissing as exc:
                    return site.error(req, 503, "Search index missing", str(exc))
                except Exception as exc:  # one bad request must not take the server down
                    print(f"kg serve: {request.url.path}: {type(exc).__name__}: {exc}",
                          file=sys.stderr)
                    return text(500, f"internal error: {type(exc).__name__}: {exc}")

            return await run_in_threadpool(call)
        return run

    routes = [
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/sparql", endpoint(site.sparql, None), methods=ALL_METHODS),
        Route("/query", endpoint(site.sparql, None), methods=ALL_METHODS),
        Route("/update", endpoint(lambda r: site.sparql(r, update_only=True), None),
              methods=ALL_METHODS),
        Route("/reconcile", endpoint(site.reconcile, None), methods=ALL_METHODS),
        Route("/reconcile/{rest:path}", endpoint(site.reconcile, None), methods=ALL_METHODS),
        Route("/queries/{name}", endpoint(site.named_query), methods=ALL_METHODS),
        Route("/", endpoint(site.home), methods=ALL_METHODS),
        Route("/search", endpoint(site.search), methods=ALL_METHODS),
        Route("/documents", endpoint(site.search), methods=ALL_METHODS),
        *(Route(f"/{path}", endpoint(site.entity_list(kind)), methods=ALL_METHODS)
          for path, kind in (("people", "person"), ("places", "place"),
                             ("organizations", "organization"), ("topics", "topic"))),
        Route("/timeline", endpoint(site.timeline), methods=ALL_METHODS),
        Route("/map", endpoint(site.map), methods=ALL_METHODS),
        Route("/network", endpoint(site.network), methods=ALL_METHODS),
        Route("/network.csv", endpoint(site.network_csv), methods=ALL_METHODS),
        Route("/network.gexf", endpoint(site.network_gexf), methods=ALL_METHODS),
        Route("/void", endpoint(site.void), methods=ALL_METHODS),
        Route("/.well-known/void", endpoint(site.void), methods=ALL_METHODS),
        Route("/download/{name}", endpoint(site.download), methods=ALL_METHODS),
        Route("/{path:path}", endpoint(site.resource, None), methods=ALL_METHODS),
    ]
    return ConditionalGet(QueryFastPath(SecurityHeaders(Starlette(routes=routes)), site),
                          site.settings, COMMON_HEADERS)


@lru_cache(maxsize=1024)
def _query_parameters(query_string: bytes) -> dict[str, list[str]]:
    """A request's query parameters (read only). Cached: decoding a percent-encoded query
    costs about 20 us in Python, and clients send the same queries again."""
    return parse_qs(query_string.decode("latin-1"), keep_blank_values=True)


class QueryFastPath:
    """The SPARQL endpoint's common case, answered before Starlette: a GET query asking for a
    results format (not the HTML page). Parsed here, run by the site's query runner (awaited
    without a thread), its bytes (serialised by the runner) sent as they are. Everything else
    goes on to `app`. Starlette's request, routing and middleware and the thread every page
    runs on cost about 200 us a request more than this path (measured in-process under four
    concurrent callers: 390 us against 180 us of CPU a lookup), more than the query itself."""

    def __init__(self, app: ASGIApp, site: Site):
        self.app = app
        self.site = site
        self.base = ""  # the graph's base IRI, read again when a generation is published
        self.generation: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or \
                scope["path"] not in ("/sparql", "/query"):
            await self.app(scope, receive, send)
            return
        accept = None
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value.decode("latin-1")
        params = _query_parameters(scope["query_string"])
        fmt = (params.get("format") or params.get("output") or [None])[0]
        if "query" not in params or "html" in (fmt or "").lower() or \
                "html" in (accept or "").lower():
            await self.app(scope, receive, send)
            return
        outcome = await self.answer(params, fmt, accept, scope.get(GENERATION_KEY))
        headers = [(b"content-type", outcome.content_type.encode("latin-1")),
                   (b"content-length", str(len(outcome.body)).encode()),
                   (b"vary", b"Accept"), *COMMON_HEADERS,
                   *((k.lower().encode("latin-1"), v.encode("latin-1"))
                     for k, v in outcome.headers.items())]
        await send({"type": "http.response.start", "status": outcome.status, "headers": headers})
        await send({"type": "http.response.body", "body": outcome.body})

    async def answer(self, params: dict[str, list[str]], fmt: str | None,
                     accept: str | None, generation: str | None) -> Outcome:
        """`generation`: the published one `ConditionalGet` (always in front) saw for this
        request, None while nothing is published."""
        site = self.site
        try:
            op = parse_operation("GET", params, "", b"")
        except ProtocolError as exc:
            return Outcome.error(exc.status, exc.message)
        assert op is not None  # a GET with a query parameter
        reason = forbidden_operation(op, federation=site.settings.federation)
        if reason:
            return Outcome.error(400, reason)
        if generation != self.generation or not self.base:
            self.base, self.generation = site.view.snapshot().base, generation
        task = QueryTask(op.text, fmt, accept, tuple(op.default_graphs),
                         tuple(op.named_graphs), site.settings.max_results, base=self.base)
        return await site.pool.run_async(task)


async def _read_body(request: StarletteRequest, limit: int) -> bytes | Response:
    """The request body, or a 413 (a stated length over the limit is refused unread)."""
    length = request.headers.get("content-length")
    if length is not None:
        try:
            size = int(length)
        except ValueError:
            size = -1
        if size < 0:
            return text(400, "bad Content-Length", {"Connection": "close"})
        if size > limit:
            # The body stays unread: the connection cannot be reused.
            return text(413, f"request body of {size} bytes is over the server's limit of "
                             f"{limit}", {"Connection": "close"})
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return text(413, f"request body is over the server's limit of {limit} bytes",
                        {"Connection": "close"})
        chunks.append(chunk)
    return b"".join(chunks)


# On every response: no MIME sniffing; CORS for any origin (the data is public).
COMMON_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"access-control-allow-origin", b"*"))


class SecurityHeaders:
    """Adds to every response: nosniff, CORS for any origin (the data is public; browser tools
    such as YASGUI and OpenRefine use it), and for our HTML pages a strict
    Content-Security-Policy; answers CORS preflight (OPTIONS) itself."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await Response(status_code=204, headers={
                "Allow": "GET, HEAD, POST, OPTIONS",
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type, Accept"})(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"x-reconcile"]
                names = {k.lower() for k, _ in headers}
                ctype = dict((k.lower(), v) for k, v in headers).get(b"content-type", b"")
                reconcile = len(headers) != len(message.get("headers", []))
                extra = list(COMMON_HEADERS)
                if ctype.startswith(b"text/html") and not reconcile:
                    extra += [(b"content-security-policy", CSP.encode()),
                              (b"referrer-policy", b"same-origin")]
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# ---------------------------------------------------------------------------------------------
# The server


class KGServer:
    """uvicorn serving the application on a socket bound at construction (so `url` is known
    before the store is filled); `start()` serves in a background thread, `stop()` ends it,
    `serve_forever()` serves in the calling thread until Ctrl-C."""

    def __init__(self, settings: Settings, *, verbose: bool = False, access_log: bool = False):
        self.socket, self.settings, self.url = bind(settings)
        self.site: Site | None = None
        self._thread: threading.Thread | None = None
        try:
            self.refreshed = ensure_derived(self.settings.store_path)
            view = StoreView(self.settings.store_path, self.url)
            view.snapshot()  # fail now, with the store's message, if it is unusable
            self.site = Site(self.settings, view, WorkerPool(
                self.settings.store_path, size=settings.workers, timeout=settings.timeout))
        except BaseException:
            self.socket.close()
            raise
        self.app = create_app(self.site)
        self._server = uvicorn.Server(uvicorn_config(self.app, verbose=verbose,
                                                     access_log=access_log))

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={"sockets": [self.socket]}, name="kg-serve",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started and self._thread.is_alive() \
                and time.monotonic() < deadline:
            time.sleep(0.01)
        return self._thread

    def serve_forever(self) -> None:
        self._server.run(sockets=[self.socket])

    def stop(self) -> None:
        if self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._thread = None
        self.server_close()

    def server_close(self) -> None:
        self.socket.close()
        if self.site is not None:
            self.site.close()
            self.site = None


def bind(settings: Settings, *, per_process: bool = False
         ) -> tuple[socket.socket, Settings, str]:
    """A listening socket for the settings' address, the settings with the port it got (port 0
    picks a free one) and the server's URL. `per_process`: the address for several serving
    processes, each listening with a socket of its own (`kg.serve.listen`), where the system
    allows it."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    address = (settings.host, settings.port)
    if per_process and listen.AVAILABLE:
        sock: socket.socket = listen.per_process_listener(family, address)
    else:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(listen.BACKLOG)
        except OSError:
            sock.close()
            raise
    host, port = sock.getsockname()[:2]
    return sock, replace(settings, port=port), f"http://{_url_host(host)}:{port}/"


def uvicorn_config(app: Any, *, verbose: bool, access_log: bool = False,
                   **options: Any) -> uvicorn.Config:
    """uvicorn's settings for our server, in one process or several. No access log unless
    asked: a line a request costs more than a lookup query (as with gunicorn, off by default)."""
    from kg.serve.coalesce import JoinedWritesProtocol

    return uvicorn.Config(
        app, lifespan="off", server_header=False, access_log=access_log,
        log_level="info" if verbose else "warning", timeout_keep_alive=30,
        h11_max_incomplete_event_size=64 * 1024, http=JoinedWritesProtocol, **options)


def ensure_derived(store_path: Path) -> bool:
    """A store whose published generation predates derived data (written by an older
    version) is given it once, by publishing an unchanged generation (`refresh`: nothing the
    user stored changes). True when that was done. When it cannot be done (another process
    is writing, a read-only folder), the server still starts and the pages that need the
    index say so (503, "Search index missing")."""
    from kg.store import StoreError

    generation = current_generation(store_path)
    if generation is None or is_complete(generation):
        return False
    print(f"kg serve: {store_path} was written by an older version of kg: building its "
          "search index once (the graph is unchanged)…", file=sys.stderr)
    try:
        refresh(store_path)
    except (StoreError, OSError) as exc:
        print(f"kg serve: {store_path} has no search index and it could not be built now "
              f"({exc}); search and lists will say so until a write builds it",
              file=sys.stderr)
        return False
    return True


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def make_settings(store_path: str | Path, *, host: str = "127.0.0.1", port: int = 8000,
                  allow_update: bool = False, token: str | None = None,
                  federation: bool = False, timeout: float = 10.0, max_results: int = 10_000,
                  max_body: int = 1_000_000, workers: int = 2) -> Settings:
    """Checked settings; ValueError names the one that is wrong."""
    if allow_update and not token:
        raise ValueError("--allow-update needs --token (or KG_TOKEN): an open write endpoint "
                         "would let anyone change the graph")
    for name, value in (("timeout", timeout), ("max_results", max_results),
                        ("max_body", max_body), ("workers", workers)):
        if value <= 0:
            raise ValueError(f"{name} must be positive, not {value}")
    return Settings(Path(store_path), host, port, allow_update, token, federation,
                    float(timeout), int(max_results), int(max_body), int(workers))


def make_server(store_path: str | Path, *, verbose: bool = False, **settings: Any) -> KGServer:
    """A bound, not yet serving, server in this process (`make_settings` takes the
    settings); port 0 picks a free port (see `server.url`)."""
    return KGServer(make_settings(store_path, **settings), verbose=verbose)
