"""Conditional GET (RFC 9110, section 13): a published generation never changes, so whatever the
server answers for a URL stays the same until the next generation is published. Every 200 to
a GET or HEAD carries an entity tag naming that generation and the representation, with
``Cache-Control: no-cache`` (keep it, but ask again: a write may publish at any moment); a
client that sends the tag back in ``If-None-Match`` gets ``304 Not Modified`` before any page is
made, query run or export written. Browsers, a cache in front of the server and harvesters
re-fetching the dump (`/download/...`) then cost a header's worth.

The tag is weak (``W/``): the same generation, URL, ``Accept`` header, server settings and
software version always give the same content, which is what weak comparison promises. The
tag is taken before the answer is made, so an answer made from a generation published in the
meantime carries the older tag: at worst a client fetches it once more, never a stale 304.
``/static/`` is left to Starlette's own file validators, and ``If-None-Match: *`` is answered
in full (whether the resource exists is known only once it has been made).
"""

from __future__ import annotations

import hashlib
from dataclasses import astuple, replace
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg.core.version import VERSION
from kg.serve.worker import GenerationWatch
from kg.store import current_generation

if TYPE_CHECKING:
    from kg.serve.app import Settings

# The scope key under which the generation seen for a request is handed on, so that the
# layers below need not look at the store's pointer again.
GENERATION_KEY = "kg.generation"
# Kept, but asked about again on every use: a generation can be replaced at any moment.
CACHE_CONTROL = b"no-cache"
_CACHED_TAGS = 64  # distinct Accept headers remembered per generation


class ConditionalGet:
    """ASGI middleware: entity tags on the answers of `app` for the server's store, and 304
    for a request that holds the current one. All the `settings` go into the tag (anything
    that changes an answer while the generation stays: result caps, federation, the address)."""

    def __init__(self, app: ASGIApp, settings: Settings,
                 common_headers: tuple[tuple[bytes, bytes], ...] = ()):
        self.app = app
        self.store_path = settings.store_path
        self.watch = GenerationWatch(self.store_path)
        self.common_headers = list(common_headers)
        # the token must not reach a hash that leaves the server, however one-way
        self.salt = repr((VERSION, astuple(replace(settings, token=None)))).encode()
        self.generation: str | None = None
        self.tags: dict[bytes, bytes] = {}

    def _generation(self) -> str | None:
        if self.watch.changed() or self.generation is None:
            gen = current_generation(self.store_path)
            name = gen.name if gen is not None else None
            if name != self.generation:
                self.generation, self.tags = name, {}
        return self.generation

    def tag(self, accept: bytes) -> bytes | None:
        """The entity tag of the current generation's answers for this Accept header."""
        generation = self._generation()
        if generation is None:
            return None  # nothing published: nothing worth validating
        tag = self.tags.get(accept)
        if tag is None:
            digest = hashlib.blake2b(self.salt + b"\0" + generation.encode() + b"\0" + accept,
                                     digest_size=9).hexdigest()
            tag = f'W/"{digest}"'.encode()
            if len(self.tags) >= _CACHED_TAGS:
                self.tags.clear()
            self.tags[accept] = tag
        return tag

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or \
                scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        accept, held = b"", b""
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value
            elif name == b"if-none-match":
                held = value
        tag = self.tag(accept)
        if tag is None:
            await self.app(scope, receive, send)
            return
        scope[GENERATION_KEY] = self.generation
        validators = [(b"etag", tag), (b"cache-control", CACHE_CONTROL), (b"vary", b"Accept")]
        if held and matches(held, tag):
            await send({"type": "http.response.start", "status": 304,
                        "headers": validators + self.common_headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                if b"etag" not in present:  # an answer with its own validator keeps it
                    headers += [(k, v) for k, v in validators if k not in present]
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, tagged)


def matches(if_none_match: bytes, tag: bytes) -> bool:
    """Weak comparison of `tag` with the tags listed in an If-None-Match header."""
    opaque = tag.removeprefix(b"W/")
    return any(held.strip().removeprefix(b"W/") == opaque
               for held in if_none_match.split(b","))
