"""One write a response: uvicorn's HTTP protocol with small writes joined.

uvicorn writes a response's status line and headers as soon as the application starts the
response, and its body when the application sends it: two system calls and two TCP segments
for a small answer, and two wake-ups of the client reading it. For a SPARQL lookup that is a
good part of the whole cost (BENCHMARKS.md). Here the writes made within one turn of the event
loop are joined and go out together at the end of that turn; a large write, or a buffer past
`FLUSH_AT`, goes out at once, so streamed downloads are not held back.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

FLUSH_AT = 64 * 1024


class _JoinedWrites:
    """A transport whose small writes wait for the end of the loop's turn, then go out as one.
    Everything else is the wrapped transport's."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        if not self._pending:
            if len(data) >= FLUSH_AT:
                self._transport.write(data)
                return
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))
        self._size += len(data)
        if self._size >= FLUSH_AT:
            self.flush()

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            self._size = 0
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def get_write_buffer_size(self) -> int:
        return self._size + self._transport.get_write_buffer_size()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class JoinedWritesProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing through `_JoinedWrites`."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(_JoinedWrites(transport, self.loop))  # type: ignore[arg-type]
