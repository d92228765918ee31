"""Small writes of one turn of the event loop go out as one; large ones at once."""

from __future__ import annotations

import asyncio

from kg.serve.coalesce import FLUSH_AT, _JoinedWrites


class _Recorder(asyncio.Transport):
    """A transport that records the writes reaching it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return 0


async def _turns(n: int = 2) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def test_a_responses_head_and_body_go_out_together():
    async def main():
        inner = _Recorder()
        joined = _JoinedWrites(inner, asyncio.get_running_loop())
        joined.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        joined.write(b"{}")
        assert inner.writes == []  # held until the end of this turn
        await _turns()
        assert inner.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]
        joined.write(b"next")  # a later turn: its own write
        await _turns()
        assert inner.writes[-1] == b"next" and len(inner.writes) == 2
    asyncio.run(main())


def test_large_writes_are_not_held_back():
    async def main():
        inner = _Recorder()
        joined = _JoinedWrites(inner, asyncio.get_running_loop())
        joined.write(b"x" * FLUSH_AT)
        assert inner.writes == [b"x" * FLUSH_AT]
        joined.write(b"head")
        joined.write(b"y" * FLUSH_AT)  # the buffer passes the limit: out at once, in order
        assert inner.writes[1] == b"head" + b"y" * FLUSH_AT
        await _turns()
        assert len(inner.writes) == 2
    asyncio.run(main())


def test_closing_sends_what_waits_first():
    async def main():
        inner = _Recorder()
        joined = _JoinedWrites(inner, asyncio.get_running_loop())
        joined.write(b"last words")
        joined.close()
        assert inner.writes == [b"last words"] and inner.closed
        await _turns()
        assert inner.writes == [b"last words"]
    asyncio.run(main())
