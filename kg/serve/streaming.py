"""A writer's output as an iterator of chunks: a whole-store export sent as it is written.

`export()` writes to a file object; an HTTP response wants an iterator. The writer runs on a
thread of its own and hands its bytes over a short queue, so the client receives the first
bytes at once, the server holds a few chunks at most, and a client that goes away stops the
writer (its next write raises) instead of leaving it to write the whole store for nobody.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any

CHUNK = 256 * 1024  # bytes gathered before they are handed over
DEPTH = 8  # chunks waiting at most: a slow client holds the writer, not the memory
_POLL_S = 0.5  # how often a blocked writer checks whether the reader went away
_END = object()


class ReaderGone(Exception):
    """Raised inside the writer when the iterator was closed (the client went away)."""


class _Sink:
    """The file object the writer writes to: buffers, then queues chunks for the reader."""

    def __init__(self, chunks: queue.Queue, gone: threading.Event):
        self.chunks = chunks
        self.gone = gone
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buffer:
            self._put(bytes(self.buffer))
            self.buffer.clear()

    def _put(self, item: Any) -> None:
        while True:
            if self.gone.is_set():
                raise ReaderGone()
            try:
                self.chunks.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                continue


def stream_writes(write: Callable[[IO[bytes]], Any], *, name: str = "writer"
                  ) -> Iterator[bytes]:
    """The bytes `write(file)` writes, chunk by chunk, as it writes them. An error of the
    writer is raised by the iterator after the bytes written before it (an HTTP response is
    then cut short, which the client sees, rather than ending as if complete)."""
    chunks: queue.Queue = queue.Queue(maxsize=DEPTH)
    gone = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        sink = _Sink(chunks, gone)
        try:
            try:
                write(sink)  # type: ignore[arg-type]  # a file object as far as writers go
            except ReaderGone:
                return
            except BaseException as exc:  # handed to the reader, raised after the bytes
                failure.append(exc)
            sink.flush()
            sink._put(_END)
        except ReaderGone:
            pass

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = chunks.get()
            if item is _END:
                break
            yield item
        if failure:
            raise failure[0]
    finally:
        gone.set()
