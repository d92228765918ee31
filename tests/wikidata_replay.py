"""A stand-in for the Wikidata API on 127.0.0.1, replaying recorded-format answers.

Tests must never reach the real Wikidata, so `ReplayServer` answers ``wbsearchentities`` and
``wbgetentities`` from JSON files in ``tests/fixtures/wikidata/`` written in the MediaWiki API's
documented shapes:

* ``search-*.json``: one full ``wbsearchentities`` answer each, keyed by its
  ``searchinfo.search`` (case-insensitive); an unknown search answers with no hits.
* ``entities.json``: one ``wbgetentities`` answer holding every fixture item; a request gets
  the ids it asked for, unknown ids as ``{"id": ..., "missing": ""}`` as the API does.

Faults are scripted per request with `ReplayServer.fail_next`: delay the answer past the
client's timeout, answer with an HTTP status and headers (429 + Retry-After, 503), or send a
raw body (not JSON). Every request is recorded (query parameters and headers) for assertions.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "wikidata"


@dataclass(frozen=True)
class Fault:
    """What to do instead of (or before) a normal answer, for one request."""

    delay: float = 0.0  # seconds to wait before answering (a timeout if > client timeout)
    status: int | None = None  # answer with this status and an error body
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None  # raw body with status 200 (or `status`)


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class ReplayServer:
    """A threaded HTTP server on 127.0.0.1:<free port> replaying fixture answers."""

    fixtures: Path = FIXTURES
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self.searches: dict[str, Any] = {}
        for path in sorted(self.fixtures.glob("search-*.json")):
            answer = json.loads(path.read_text(encoding="utf-8"))
            self.searches[answer["searchinfo"]["search"].casefold()] = answer
        self.entities: dict[str, Any] = json.loads(
            (self.fixtures / "entities.json").read_text(encoding="utf-8")
        )["entities"]
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        # Daemon threads: a handler still sleeping through a timeout fault must not block
        # server_close() at the end of a test.
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/w/api.php"

    def start(self) -> ReplayServer:
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def fail_next(self, *faults: Fault) -> None:
        """Queue faults; each one applies to one request, in order."""
        with self._lock:
            self._faults.extend(faults)

    # -- answers ---------------------------------------------------------------------------

    def answer(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The API's answer to a query, or a MediaWiki-style error object."""
        action = params.get("action")
        if params.get("format") != "json":
            return 400, _api_error("badformat", "this replay server only speaks format=json")
        if action == "wbsearchentities":
            term = params.get("search", "")
            found = self.searches.get(term.casefold())
            if found is None:
                return 200, {"searchinfo": {"search": term}, "search": [], "success": 1}
            limit = int(params.get("limit", "7"))
            return 200, {**found, "search": found["search"][:limit]}
        if action == "wbgetentities":
            ids = [i for i in params.get("ids", "").split("|") if i]
            entities = {i: self.entities.get(i, {"id": i, "missing": ""}) for i in ids}
            return 200, {"entities": entities, "success": 1}
        return 400, _api_error("badvalue", f"unknown action {action!r}")

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                parsed = urllib.parse.urlsplit(self.path)
                params = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
                with server._lock:
                    server.requests.append(
                        RecordedRequest(parsed.path, params, dict(self.headers.items()))
                    )
                fault = server._next_fault()
                if fault and fault.delay:
                    time.sleep(fault.delay)
                if fault and (fault.status is not None or fault.body is not None):
                    status = fault.status or 200
                    body = fault.body if fault.body is not None else b"error"
                    self._send(status, body, "text/plain", fault.headers)
                    return
                status, answer = server.answer(params)
                self._send(status, json.dumps(answer).encode("utf-8"), "application/json")

            def _send(
                self,
                status: int,
                body: bytes,
                content_type: str,
                headers: tuple[tuple[str, str], ...] = (),
            ) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", f"{content_type}; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in headers:
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timed out) before the answer: expected

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # keep pytest output clean

        return Handler


def _api_error(code: str, info: str) -> dict[str, Any]:
    return {"error": {"code": code, "info": info}, "servedby": "replay"}
