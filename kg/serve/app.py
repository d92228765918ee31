"""`kg serve`: the HTTP server — SPARQL endpoint, dereferenceable IRIs, pages, downloads.

Standard library only (`http.server.ThreadingHTTPServer`). Routes:

====================================  =======================================================
``/sparql`` (alias ``/query``)         SPARQL 1.1 Protocol; HTML form on a bare GET
``/update``                            SPARQL Update (POST; needs --allow-update and a token)
``/``, ``/search?q=``                  home page with counts; search titles, summaries, names
``/documents /people /places ...``     lists
``/network`` (``.csv``, ``.gexf``)     correspondence network, author -> recipient
``/map``, ``/timeline``                places with coordinates; documents per month
``/void``, ``/.well-known/void``       VoID/DCAT description (Turtle)
``/download/graph.{ttl,trig,nq,jsonld}``  the full export
``/reconcile``                         W3C Reconciliation API 0.2 (`kg.serve.reconcile`)
any other path under the base IRI      that IRI: HTML, JSON, Turtle, N-Triples, JSON-LD...
====================================  =======================================================

Every page answers HTML or its JSON twin (``?format=json`` or ``Accept: application/json``).
An IRI answers its description directly (200 with ``Vary: Accept``, no 303 redirect): a
browser gets the page, ``Accept: text/turtle`` the Turtle.

User queries run in killable worker processes (`kg.serve.worker`); the pages' own queries are
small and run in the server on a snapshot of the current store generation.
"""

from __future__ import annotations

import hmac
import json
import shutil
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from kg.core.resources import STATIC_DIR
from kg.rdf.namespace import KG_IRI, PREFIXES
from kg.serve import html as pages
from kg.serve import network as net
from kg.serve import overview, views
from kg.serve.describe import description
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
from kg.serve.void import DOWNLOADS, service_description, void_turtle
from kg.serve.worker import QueryTask, UpdateTask, WorkerPool

__all__ = ["KGServer", "ServeError", "Settings", "make_server", "serve"]

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
                "nquads": "nq", "n-quads": "nq", "xml": "rdfxml", "rdf": "rdfxml"}
_RDF_RENDER = {"text/turtle": "turtle", "application/n-triples": "ntriples",
               "application/ld+json": "jsonld", "application/trig": "trig",
               "application/n-quads": "nquads", "application/rdf+xml": "rdfxml"}


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
class Request:
    method: str
    path: str
    params: dict[str, list[str]]
    headers: Any  # email.message.Message from http.server
    body: bytes = b""
    raw_path: str = ""  # as sent, still percent-encoded (safe in response headers)

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.params.get(name)
        return values[0] if values else default

    @property
    def accept(self) -> str | None:
        return self.headers.get("Accept")


@dataclass
class Response:
    status: int
    content_type: str = TEXT
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    file: Path | None = None  # sent instead of body, streamed

    @staticmethod
    def text(status: int, message: str, **headers: str) -> Response:
        return Response(status, TEXT, (message.rstrip() + "\n").encode("utf-8"), dict(headers))


class App:
    """Routes a request to its answer; one instance per server."""

    def __init__(self, settings: Settings, default_base: str):
        self.settings = settings
        self.view = StoreView(settings.store_path, default_base)
        self.pool = WorkerPool(settings.store_path, size=settings.workers,
                               timeout=settings.timeout)
        self.routes: dict[str, Callable[[Request, Snapshot], Response]] = {
            "/": self.home, "/search": self.search, "/documents": self.documents,
            "/people": lambda r, s: self.entity_list(r, s, "person"),
            "/places": lambda r, s: self.entity_list(r, s, "place"),
            "/organizations": lambda r, s: self.entity_list(r, s, "organization"),
            "/timeline": self.timeline, "/map": self.map, "/network": self.network,
            "/network.csv": self.network_csv, "/network.gexf": self.network_gexf,
            "/void": self.void, "/.well-known/void": self.void,
        }

    def close(self) -> None:
        self.pool.close()
        self.view.close()

    # -- dispatch -------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/static/"):
            return self.static(path[len("/static/"):])
        if path == "/favicon.ico":
            return Response(204)
        snap = self.view.snapshot()
        if path in ("/sparql", "/query", "/update"):
            return self.sparql(request, snap, update_only=path == "/update")
        if path == "/reconcile" or path.startswith("/reconcile/"):
            return self.reconcile(request, snap)
        if request.method not in ("GET", "HEAD"):
            return Response.text(405, f"{request.method} is not allowed on {path}",
                                 Allow="GET, HEAD")
        if path.startswith("/download/"):
            return self.download(path[len("/download/"):], snap)
        route = self.routes.get(path)
        if route is not None:
            return route(request, snap)
        return self.resource(request, snap)

    # -- negotiation helpers --------------------------------------------------------------

    def page_format(self, request: Request) -> str | None:
        """"html" or "json" for a page, by ?format= or Accept; None if neither is acceptable."""
        fmt = (request.param("format") or "").lower()
        if fmt in ("html", "json"):
            return fmt
        if fmt:
            return None
        best = choose(request.accept, ["text/html", "application/json"])
        return {"text/html": "html", "application/json": "json"}.get(best or "")

    def render(self, request: Request, snap: Snapshot, data: dict[str, Any],
               html: Callable[[pages.Renderer, dict[str, Any]], bytes]) -> Response:
        fmt = self.page_format(request)
        headers = {"Vary": "Accept"}
        if fmt == "json":
            body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
            return Response(200, JSON, body, headers)
        if fmt == "html":
            return Response(200, HTML, html(pages.Renderer(snap), data), headers)
        return Response.text(406, "this page is available as text/html or application/json "
                                  "(?format=html or ?format=json)")

    def error(self, request: Request, snap: Snapshot, status: int, title: str,
              message: str) -> Response:
        fmt = self.page_format(request)
        if fmt == "html":
            body = pages.error_page(pages.Renderer(snap), status, title, message)
            return Response(status, HTML, body, {"Vary": "Accept"})
        if fmt == "json":
            body = json.dumps({"error": message, "status": status}).encode("utf-8")
            return Response(status, JSON, body, {"Vary": "Accept"})
        return Response.text(status, message, Vary="Accept")

    # -- pages ----------------------------------------------------------------------------

    def home(self, request: Request, snap: Snapshot) -> Response:
        data = overview.home(snap, self.settings.store_path)
        return self.render(request, snap, data, lambda r, d: r.home(d))

    def search(self, request: Request, snap: Snapshot) -> Response:
        data = overview.search(snap, request.param("q", "") or "")
        return self.render(request, snap, data, lambda r, d: r.search(d))

    def documents(self, request: Request, snap: Snapshot) -> Response:
        return self.render(request, snap, overview.documents_list(snap),
                           lambda r, d: r.documents(d))

    def entity_list(self, request: Request, snap: Snapshot, kind: str) -> Response:
        return self.render(request, snap, overview.entity_list(snap, kind),
                           lambda r, d: r.entity_list(d))

    def timeline(self, request: Request, snap: Snapshot) -> Response:
        month = request.param("month")
        if month is not None and not _is_month(month):
            return self.error(request, snap, 400, "Bad request", "month must look like 1950-02")
        return self.render(request, snap, overview.timeline(snap, month),
                           lambda r, d: r.timeline(d))

    def map(self, request: Request, snap: Snapshot) -> Response:
        return self.render(request, snap, overview.map_data(snap), lambda r, d: r.map(d))

    def network(self, request: Request, snap: Snapshot) -> Response:
        data = net.network(snap)
        drawn = snap.cached("network_layout", lambda: net.layout(data))
        return self.render(request, snap, data, lambda r, d: r.network(d, drawn))

    def network_csv(self, request: Request, snap: Snapshot) -> Response:
        return Response(200, "text/csv; charset=utf-8", net.to_csv(net.network(snap)),
                        {"Content-Disposition": 'attachment; filename="network.csv"'})

    def network_gexf(self, request: Request, snap: Snapshot) -> Response:
        return Response(200, "application/gexf+xml; charset=utf-8",
                        net.to_gexf(net.network(snap)),
                        {"Content-Disposition": 'attachment; filename="network.gexf"'})

    def void(self, request: Request, snap: Snapshot) -> Response:
        body = snap.cached("void", lambda: void_turtle(
            snap, overview.stats(snap, self.settings.store_path)))
        return Response(200, "text/turtle; charset=utf-8", body)

    def download(self, name: str, snap: Snapshot) -> Response:
        if name not in DOWNLOADS:
            return Response.text(404, f"no download {name!r}; there are: "
                                      + ", ".join(DOWNLOADS))
        fmt, media = DOWNLOADS[name]

        def build() -> Path:
            from kg.export import export

            snap.cache_dir.mkdir(parents=True, exist_ok=True)
            target = snap.cache_dir / name
            tmp = target.with_name(name + ".part")
            with open(tmp, "wb") as fh:
                export(snap.store, fmt, fh)
            tmp.replace(target)
            return target

        path = snap.cached(f"download:{name}", build)
        charset = "; charset=utf-8" if media != "application/n-quads" else ""
        return Response(200, media + charset, file=path, headers={
            "Content-Disposition": f'attachment; filename="{name}"'})

    def static(self, name: str) -> Response:
        types = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".svg": "image/svg+xml"}
        path = (STATIC_DIR / name).resolve()
        if (STATIC_DIR not in path.parents or not path.is_file()
                or path.suffix not in types):
            return Response.text(404, f"no static file {name!r}")
        return Response(200, types[path.suffix], path.read_bytes(),
                        {"Cache-Control": "max-age=300"})

    # -- dereferenceable IRIs -------------------------------------------------------------

    def resource(self, request: Request, snap: Snapshot) -> Response:
        iri = snap.iri_for_path(request.path)
        if iri is None:
            return self.error(request, snap, 404, "Not found",
                              f"{request.path} is outside this graph's base IRI {snap.base}")
        try:
            known = views.exists(snap, iri)
        except ValueError:
            known = False
        if not known:
            return self.error(request, snap, 404, "Not found",
                              f"the graph says nothing about {iri}")
        fmt = (request.param("format") or "").lower()
        fmt = _IRI_ALIASES.get(fmt, fmt)
        if fmt:
            if fmt not in IRI_FORMATS:
                return Response.text(400, f"unknown format {fmt!r}; use one of: "
                                          + ", ".join(IRI_FORMATS))
            media = IRI_FORMATS[fmt]
        else:
            media = choose(request.accept, list(IRI_FORMATS.values())
                           + ["application/xhtml+xml"])
            media = "text/html" if media == "application/xhtml+xml" else media
        if media is None:
            return Response.text(406, "available as: " + ", ".join(IRI_FORMATS.values()),
                                 Vary="Accept")
        alternates = ", ".join(f'<{request.raw_path}?format={f}>; rel="alternate"; type="{t}"'
                               for f, t in IRI_FORMATS.items() if t != media)
        headers = {"Vary": "Accept", "Link": alternates}
        if media in ("text/html", "application/json"):
            response = self.render(request if fmt else _with_format(request, media), snap,
                                   views.entity_page(snap, iri), lambda r, d: r.entity(d))
            response.headers.update(headers)
            return response
        body = render_graph(_RDF_RENDER[media], description(snap, iri))
        ctype = media + ("" if media in ("application/n-triples", "application/n-quads")
                         else "; charset=utf-8")
        return Response(200, ctype, body, headers)

    # -- SPARQL ---------------------------------------------------------------------------

    def sparql_settings(self) -> dict[str, Any]:
        s = self.settings
        note = (" unless a request carries the update token (this server accepts SPARQL Update "
                "at /update with Authorization: Bearer …)" if s.allow_update else
                ": SPARQL Update is refused (HTTP 403)")
        return {"prefixes": list(PREFIXES), "timeout": s.timeout, "max_results": s.max_results,
                "max_body": s.max_body, "federation": s.federation, "update_note": note}

    def sparql(self, request: Request, snap: Snapshot, *, update_only: bool) -> Response:
        try:
            op = parse_operation(request.method, request.params,
                                 request.headers.get("Content-Type", ""), request.body,
                                 update_only=update_only)
        except ProtocolError as exc:
            return Response.text(exc.status, exc.message)
        if op is None:
            return self.sparql_home(request, snap)
        if op.kind == "update":
            refused = self.check_update_auth(request)
            if refused is not None:
                return refused
        reason = forbidden_operation(op, federation=self.settings.federation)
        if reason:
            return Response.text(400, reason)
        if op.kind == "update":
            # the service's base IRI is the graph's: relative IRIs name things under it
            outcome = self.pool.run(UpdateTask(
                with_update_dataset(op.text, op.using_graphs, op.using_named_graphs),
                base=snap.base))
            return Response(outcome.status, outcome.content_type, outcome.body, outcome.headers)
        return self.run_query(request, snap, op)

    def check_update_auth(self, request: Request) -> Response | None:
        s = self.settings
        if not s.allow_update:
            return Response.text(403, "this endpoint is read-only: SPARQL Update is disabled "
                                      "(start the server with --allow-update and --token)")
        auth = request.headers.get("Authorization") or ""
        if not auth:
            return Response.text(401, "SPARQL Update needs Authorization: Bearer <token>",
                                 **{"WWW-Authenticate": 'Bearer realm="kg"'})
        scheme, _, given = auth.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), (s.token or "").encode()):
            return Response.text(403, "wrong update token")
        return None

    def run_query(self, request: Request, snap: Snapshot, op: Operation) -> Response:
        fmt = request.param("format") or request.param("output")
        task = QueryTask(op.text, fmt, request.accept, tuple(op.default_graphs),
                         tuple(op.named_graphs), self.settings.max_results, base=snap.base)
        outcome = self.pool.run(task)
        headers = {"Vary": "Accept", **outcome.headers}
        if outcome.status != 200:
            # The form's own page shows errors in place; protocol clients get plain text.
            if request.param("format") == "html" or (
                    "html" in (request.accept or "") and self.page_format(request) == "html"):
                body = pages.sparql_page(pages.Renderer(snap), query=op.text,
                                         error=outcome.body.decode("utf-8", "replace"),
                                         settings=self.sparql_settings())
                return Response(outcome.status, HTML, body, headers)
            return Response(outcome.status, outcome.content_type, outcome.body, headers)
        if outcome.wants_html:
            body = pages.sparql_page(
                pages.Renderer(snap), query=op.text, result=outcome.body, form=outcome.form,
                truncated=outcome.headers.get("X-Result-Truncated") == "true",
                settings=self.sparql_settings())
            return Response(200, HTML, body, headers)
        return Response(200, outcome.content_type, outcome.body, headers)

    def sparql_home(self, request: Request, snap: Snapshot) -> Response:
        rdf = choose(request.accept, ["text/html", "text/turtle"])
        if rdf == "text/turtle" and "text/html" not in (request.accept or ""):
            body = service_description(snap.base, federation=self.settings.federation)
            return Response(200, "text/turtle; charset=utf-8", body, {"Vary": "Accept"})
        body = pages.sparql_page(pages.Renderer(snap), settings=self.sparql_settings())
        return Response(200, HTML, body, {"Vary": "Accept"})

    # -- reconciliation -------------------------------------------------------------------

    def reconcile(self, request: Request, snap: Snapshot) -> Response:
        from kg.serve.entity_index import build_index
        from kg.serve.reconcile import handle

        params = {k: v[0] for k, v in request.params.items() if v}
        if request.method == "POST":
            ctype = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype and ctype != "application/x-www-form-urlencoded":
                return Response.text(415, "send the reconciliation form urlencoded")
            try:
                form = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                return Response.text(400, "the request body is not UTF-8")
            params.update({k: v[0] for k, v in form.items() if v})
        elif request.method not in ("GET", "HEAD"):
            return Response.text(405, "use GET or POST", Allow="GET, HEAD, POST")
        index = snap.cached("reconcile_index", lambda: build_index(snap))
        status, ctype, body = handle(request.path, params, index, snap.base + "reconcile",
                                     identifier_space=snap.base, schema_space=KG_IRI)
        return Response(status, ctype, body, {"X-Reconcile": "1"})


def _is_month(text: str) -> bool:
    return len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit() \
        and 1 <= int(text[5:]) <= 12


def _with_format(request: Request, media: str) -> Request:
    """The request, with the negotiated page format made explicit for `render`."""
    fmt = "json" if media == "application/json" else "html"
    return Request(request.method, request.path, {**request.params, "format": [fmt]},
                   request.headers, request.body, request.raw_path)


# ---------------------------------------------------------------------------------------------
# HTTP plumbing


class Handler(BaseHTTPRequestHandler):
    server: KGServer
    protocol_version = "HTTP/1.1"
    timeout = 60  # a client that stops sending frees its thread
    server_version = "archive-kg"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib's name)
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_OPTIONS(self) -> None:
        self._send(Response(204, headers={
            "Allow": "GET, HEAD, POST, OPTIONS",
            "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, Accept"}))

    def _dispatch(self, head: bool = False) -> None:
        app = self.server.app
        try:
            parts = urlsplit(self.path)
            request = Request("GET" if head else self.command, unquote(parts.path) or "/",
                              parse_qs(parts.query, keep_blank_values=True), self.headers,
                              raw_path=quote(unquote(parts.path) or "/", safe="/:@!$&'()*+,;=-._~"))
            length = self.headers.get("Content-Length")
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                self.close_connection = True
                self._send(Response.text(411, "send a Content-Length, not a chunked body"))
                return
            if length:
                try:
                    size = int(length)
                except ValueError:
                    size = -1
                if size < 0:
                    self.close_connection = True
                    self._send(Response.text(400, "bad Content-Length"))
                    return
                if size > app.settings.max_body:
                    # The body stays unread: the connection cannot be reused.
                    self.close_connection = True
                    self._send(Response.text(413, f"request body of {size} bytes is over the "
                                                  f"server's limit of {app.settings.max_body}"))
                    return
                request.body = self.rfile.read(size)
            elif self.command in ("POST", "PUT"):
                request.body = b""
            response = app.handle(request)
        except Exception as exc:  # one bad request must not take the server down
            self.server.log_error(exc)
            response = Response.text(500, f"internal error: {type(exc).__name__}: {exc}")
        self._send(response, head=head)

    def _send(self, response: Response, head: bool = False) -> None:
        self.send_response(response.status)
        headers = {"Content-Type": response.content_type, **response.headers}
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.content_type.startswith("text/html") and "X-Reconcile" not in headers:
            headers.setdefault("Content-Security-Policy", CSP)
            headers.setdefault("Referrer-Policy", "same-origin")
        headers.pop("X-Reconcile", None)
        # Read-only data is public; CORS lets browser tools (YASGUI, OpenRefine) use it.
        headers.setdefault("Access-Control-Allow-Origin", "*")
        size = response.file.stat().st_size if response.file else len(response.body)
        headers["Content-Length"] = str(size)
        if self.close_connection:
            headers["Connection"] = "close"
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if head or response.status in (204, 304):
            return
        try:
            if response.file:
                with open(response.file, "rb") as fh:
                    shutil.copyfileobj(fh, self.wfile, 1 << 16)
            else:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class KGServer(ThreadingHTTPServer):
    """The HTTP server; `start()` serves in a background thread, `stop()` shuts it down."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, settings: Settings, *, verbose: bool = False):
        self.app: App | None = None  # set before binding: a failed bind calls server_close
        if ":" in settings.host:
            self.address_family = socket.AF_INET6
        super().__init__((settings.host, settings.port), Handler)
        host, port = self.server_address[:2]
        self.settings = Settings(**{**settings.__dict__, "port": port})
        self.verbose = verbose
        self.url = f"http://{_url_host(host)}:{port}/"
        self._thread: threading.Thread | None = None
        try:
            self.app = App(self.settings, default_base=self.url)
            self.app.view.snapshot()  # fail now, with the store's message, if it is unusable
        except BaseException:
            self.server_close()
            raise

    def log_error(self, *args: Any) -> None:
        if self.verbose:
            sys.stderr.write(" ".join(str(a) for a in args) + "\n")

    def handle_error(self, request, client_address) -> None:
        if self.verbose:
            super().handle_error(request, client_address)

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.serve_forever, name="kg-serve", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self.server_close()

    def server_close(self) -> None:
        super().server_close()
        if self.app is not None:
            self.app.close()
            self.app = None


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def make_server(store_path: str | Path, *, host: str = "127.0.0.1", port: int = 8000,
                allow_update: bool = False, token: str | None = None,
                federation: bool = False, timeout: float = 10.0, max_results: int = 10_000,
                max_body: int = 1_000_000, workers: int = 2,
                verbose: bool = False) -> KGServer:
    """A bound, not yet serving, server; port 0 picks a free port (see `server.url`)."""
    if allow_update and not token:
        raise ValueError("--allow-update needs --token (or KG_TOKEN): an open write endpoint "
                         "would let anyone change the graph")
    for name, value in (("timeout", timeout), ("max_results", max_results),
                        ("max_body", max_body), ("workers", workers)):
        if value <= 0:
            raise ValueError(f"{name} must be positive, not {value}")
    settings = Settings(Path(store_path), host, port, allow_update, token, federation,
                        float(timeout), int(max_results), int(max_body), int(workers))
    return KGServer(settings, verbose=verbose)


def serve(store_path: str, *, host: str = "127.0.0.1", port: int = 8000,
          allow_update: bool = False, token: str | None = None, federation: bool = False,
          timeout: float = 10.0, max_results: int = 10_000, max_body: int = 1_000_000) -> None:
    """Serve the store until interrupted (Ctrl-C); `ServeError` when it cannot start."""
    from kg.store import StoreError

    if not Path(store_path).is_dir():
        raise ServeError(f"{store_path}: no such store folder (build one with kg ingest)")
    try:
        server = make_server(store_path, host=host, port=port, allow_update=allow_update,
                             token=token, federation=federation, timeout=timeout,
                             max_results=max_results, max_body=max_body, verbose=True)
    except (ValueError, StoreError) as exc:
        raise ServeError(str(exc)) from None
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    snap = server.app.view.snapshot()
    print(f"Serving {store_path} at {server.url}  (SPARQL: {server.url}sparql)", file=sys.stderr)
    if not snap.base.startswith(server.url) and snap.generation is not None:
        print(f"note: the graph's IRIs start with {snap.base}; they dereference here only "
              f"through a proxy at that address (ingest with --base {server.url} to serve "
              f"them directly)", file=sys.stderr)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"note: listening on {host}: the server is reachable from other machines",
              file=sys.stderr)
    if allow_update:
        print("SPARQL Update enabled at /update and /sparql for requests with the bearer token",
              file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
