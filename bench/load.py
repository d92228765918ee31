"""A small HTTP/1.1 load client: N concurrent keep-alive connections, each sending GETs in turn.

Written on asyncio streams rather than an HTTP library so that the client costs little CPU
beside the server on a small machine (an httpx request costs more than a whole Oxigraph
lookup): requests are pre-encoded, responses read by Content-Length (or to the connection's
close). Every server is measured with the same client, so its own cost is the same for all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, one per request
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def _request(host: str, target: str, accept: str) -> bytes:
    return (f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: {accept}\r\n"
            "User-Agent: kg-bench\r\n\r\n").encode("latin-1")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; (status, whether the server keeps the connection open)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    keep = headers.get("connection", "").lower() != "close"
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.read()
        keep = False
    return status, keep


async def _client(base: str, targets: Sequence[str], accept: str, offset: int,
                  deadline: float, limit: int | None, out: LoadResult) -> None:
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    requests = [_request(parts.netloc, t, accept) for t in targets]
    reader = writer = None
    i = offset
    done = 0
    while time.perf_counter() < deadline and (limit is None or done < limit):
        if writer is None:
            reader, writer = await asyncio.open_connection(host, port)
        start = time.perf_counter()
        try:
            writer.write(requests[i % len(requests)])
            status, keep = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            out.errors += 1
            writer.close()
            writer = None
            continue
        out.latencies.append(time.perf_counter() - start)
        out.statuses[status] = out.statuses.get(status, 0) + 1
        out.requests += 1
        done += 1
        i += 1
        if not keep:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def run_load(base: str, targets: Sequence[str], *, clients: int, seconds: float = 10.0,
             per_client: int | None = None, accept: str = "*/*") -> LoadResult:
    """`clients` connections sending GETs for `targets` (paths with query strings), in turn,
    for `seconds` or until each has sent `per_client` requests."""
    out = LoadResult()

    async def main() -> None:
        deadline = time.perf_counter() + seconds
        start = time.perf_counter()
        step = max(1, len(targets) // clients)
        await asyncio.gather(*(_client(base, targets, accept, c * step, deadline, per_client, out)
                               for c in range(clients)))
        out.seconds = time.perf_counter() - start

    asyncio.run(main())
    return out
