"""A writer's output as an iterator (kg.serve.streaming): every byte in order, a writer
stopped when the reader goes away, a writer's error raised after what it wrote."""

from __future__ import annotations

import threading
import time

import pytest

from kg.serve import streaming
from kg.serve.streaming import stream_writes


def test_every_byte_arrives_in_order_in_bounded_chunks():
    pieces = [bytes([i % 256]) * (i * 997 % 70_000) for i in range(200)]

    def write(out):
        for piece in pieces:
            out.write(piece)

    chunks = list(stream_writes(write))
    assert b"".join(chunks) == b"".join(pieces)
    assert len(chunks) > 1
    assert max(map(len, chunks)) < streaming.CHUNK + 70_000


def test_a_reader_that_goes_away_stops_the_writer():
    written = []

    def write(out):
        while True:  # a whole-store export, as far as the reader can tell
            out.write(b"x" * 4096)
            written.append(1)

    chunks = stream_writes(write, name="endless")
    next(chunks)
    chunks.close()
    deadline = time.monotonic() + 10
    while any(t.name == "endless" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the writer went on after the reader left"
        time.sleep(0.05)
    # it stopped with at most the queue's worth of chunks written ahead
    assert len(written) * 4096 <= (streaming.DEPTH + 2) * streaming.CHUNK


def test_a_writers_error_comes_after_what_it_wrote():
    def write(out):
        out.write(b"begun")
        raise OSError("disk gone")

    chunks = stream_writes(write)
    assert next(chunks) == b"begun"
    with pytest.raises(OSError, match="disk gone"):
        next(chunks)
