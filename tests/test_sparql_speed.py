"""The SPARQL endpoint's fast path: queries awaited on the event loop (`WorkerPool.run_async`),
one waiting line shared with threads (`WorkerPool.run`), and the guarantees it must keep:
every caller gets its own answer, a runaway query is stopped at the timeout while other
queries are answered, and a caller that stops waiting loses no worker. The same guarantees
for `kg serve --workers 2` (the real command: several serving processes running their queries
on threads, a runaway retiring its process), and the retired process is replaced. Speed itself
is measured by `make bench` (bench/serve.py), not asserted here."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import ServeCommand

from kg.serve.app import make_server
from kg.serve.worker import GenerationWatch, QueryTask, WorkerPool

CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
JSON = "application/sparql-results+json"


def numbered(n: int) -> QueryTask:
    """A query whose answer names its caller."""
    return QueryTask(f"SELECT ?n WHERE {{ BIND({n} AS ?n) }}", None, JSON)


def answer_number(body: bytes) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def ready(pool: WorkerPool, n: int) -> None:
    deadline = time.monotonic() + 120
    while len(pool._idle) < n:
        assert time.monotonic() < deadline, "workers did not start"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def pool(seed_store):
    p = WorkerPool(seed_store, size=2, timeout=3.0)
    ready(p, 2)
    yield p
    p.close()


def test_every_caller_gets_its_own_answer_from_threads_and_coroutines(pool):
    got: dict[int, int] = {}

    def from_thread(n: int) -> None:
        got[n] = answer_number(pool.run(numbered(n)).body)

    async def from_loop() -> list[int]:
        outcomes = await asyncio.gather(*(pool.run_async(numbered(n)) for n in range(100, 140)))
        return [answer_number(o.body) for o in outcomes]

    threads = [threading.Thread(target=from_thread, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    async_answers = asyncio.run(from_loop())
    for t in threads:
        t.join()
    assert async_answers == list(range(100, 140))
    assert got == {n: n for n in range(20)}


def test_a_runaway_is_stopped_while_other_queries_are_answered(pool):
    async def scenario() -> tuple[int, list[float], float]:
        started = time.monotonic()
        runaway = asyncio.ensure_future(pool.run_async(QueryTask(CROSS_JOIN, None, JSON)))
        await asyncio.sleep(0.3)
        answered_at = []
        for n in range(10):
            outcome = await pool.run_async(numbered(n))
            assert answer_number(outcome.body) == n
            answered_at.append(time.monotonic())
        stopped = await runaway
        assert stopped.status == 503 and b"longer than" in stopped.body
        return stopped.status, answered_at, time.monotonic() - started

    _, answered_at, _ = asyncio.run(scenario())
    # The lookups did not wait for the runaway: all were answered before it was stopped.
    assert len(answered_at) == 10
    # The killed worker was replaced: the pool is whole again.
    ready(pool, 2)
    assert answer_number(pool.run(numbered(7)).body) == 7


def test_a_caller_that_stops_waiting_loses_no_worker(seed_store):
    pool = WorkerPool(seed_store, size=1, timeout=3.0)
    try:
        ready(pool, 1)
        held = pool._take()  # the only worker, taken as a running query would

        async def scenario() -> None:
            waiting = asyncio.ensure_future(pool.run_async(numbered(1)))
            await asyncio.sleep(0.2)
            assert not waiting.done() and len(pool._waiters) == 1
            waiting.cancel()  # the client went away while waiting in line
            with pytest.raises(asyncio.CancelledError):
                await waiting
            pool._release(held)  # the query that held the worker finishes
            assert list(pool._idle) == [held]
            assert answer_number((await pool.run_async(numbered(2))).body) == 2

        asyncio.run(scenario())
    finally:
        pool.close()


def test_a_worker_released_to_a_waiting_thread(seed_store):
    pool = WorkerPool(seed_store, size=1, timeout=3.0)
    try:
        ready(pool, 1)
        held = pool._take()
        got: list[int] = []
        t = threading.Thread(target=lambda: got.append(answer_number(pool.run(numbered(5)).body)))
        t.start()
        while not pool._waiters:
            time.sleep(0.01)
        pool._release(held)
        t.join(60)
        assert got == [5]
        assert list(pool._idle) == [held]
    finally:
        pool.close()


def test_the_generation_watch_sees_a_publication(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    watch = GenerationWatch(store)
    assert watch.changed()  # nothing published: looked at every time
    (store / "CURRENT").write_text("gen-000001\n")
    assert watch.changed()
    assert not watch.changed()
    tmp = store / "CURRENT.tmp"
    tmp.write_text("gen-000002\n")
    tmp.replace(store / "CURRENT")  # how kg.store publishes
    assert watch.changed()
    assert not watch.changed()


@pytest.fixture(scope="module", params=["one process", "processes"])
def server(seed_store, request):
    """The server in one process (queries in killable workers), and as `kg serve --workers 2`
    (queries on threads of its serving processes)."""
    if request.param == "one process":
        srv = make_server(seed_store, port=0, timeout=2.0)
        srv.start()
        yield srv
        srv.stop()
    else:
        command = ServeCommand(seed_store, "--workers", "2", "--timeout", "2")
        yield command
        command.stop()


def fetch(url: str, accept: str = JSON) -> tuple[int, str, bytes]:
    req = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def test_the_fast_path_keeps_the_protocol(server):
    q = "SELECT ?n WHERE { BIND(42 AS ?n) }"
    status, ctype, body = fetch(f"{server.url}sparql?{urlencode({'query': q})}")
    assert status == 200 and ctype.startswith(JSON) and answer_number(body) == 42
    status, ctype, body = fetch(f"{server.url}query?{urlencode({'query': q, 'format': 'csv'})}")
    assert status == 200 and ctype.startswith("text/csv") and body.split(b"\r\n")[1] == b"42"
    status, _, body = fetch(f"{server.url}sparql?{urlencode([('query', q), ('query', q)])}")
    assert status == 400 and b"more than one" in body
    status, _, body = fetch(f"{server.url}sparql?{urlencode({'query': 'SELECT ?x WHERE {'})}")
    assert status == 400 and b"malformed query" in body
    service = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    status, _, _ = fetch(f"{server.url}sparql?{urlencode({'query': service})}")
    assert status == 400
    # A browser asking for HTML still gets the query page with the results table.
    status, ctype, body = fetch(f"{server.url}sparql?{urlencode({'query': q})}", "text/html")
    assert status == 200 and ctype.startswith("text/html") and b"42" in body


def test_the_server_answers_while_a_runaway_runs(server):
    done: dict[str, int] = {}

    def runaway() -> None:
        done["runaway"] = fetch(f"{server.url}sparql?{urlencode({'query': CROSS_JOIN})}")[0]

    t = threading.Thread(target=runaway)
    t.start()
    time.sleep(0.3)
    for n in range(5):
        q = f"SELECT ?n WHERE {{ BIND({n} AS ?n) }}"
        status, _, body = fetch(f"{server.url}sparql?{urlencode({'query': q})}")
        assert status == 200 and answer_number(body) == n
        status, _, _ = fetch(server.url, "text/html")
        assert status == 200
    assert "runaway" not in done  # answered while it still ran
    t.join(60)
    assert done["runaway"] == 503


@pytest.mark.server
def test_a_retired_process_is_replaced(seed_store):
    """A runaway retires the process that ran it: its client gets the 503, the other process
    answers meanwhile, and the supervisor starts a replacement, which answers too."""
    command = ServeCommand(seed_store, "--workers", "2", "--timeout", "1")
    try:
        deadline = time.monotonic() + 60
        while len(command.children()) < 2:
            assert time.monotonic() < deadline, command.output()
            time.sleep(0.1)
        before = command.children()
        start = time.monotonic()
        status, _, body = fetch(f"{command.url}sparql?{urlencode({'query': CROSS_JOIN})}")
        assert status == 503 and b"longer than the server's limit of 1 s" in body
        assert time.monotonic() - start < 10
        deadline = time.monotonic() + 60
        while True:
            now = command.children()
            if len(now) == 2 and now != before:
                break
            assert time.monotonic() < deadline, f"no replacement: {before} {now}"
            time.sleep(0.1)
        assert len(before & now) == 1  # one retired and was replaced; the other served on
        for n in range(6):  # both processes, the new one included, answer
            q = f"SELECT ?n WHERE {{ BIND({n} AS ?n) }}"
            status, _, body = fetch(f"{command.url}sparql?{urlencode({'query': q})}")
            assert status == 200 and answer_number(body) == n
        assert "retires" in command.output()
    finally:
        command.stop()


# TCP states as /proc/net/tcp writes them
ESTABLISHED, LISTEN = "01", "0A"


def _sockets_by_process(pids: set[int], port: int, state: str) -> dict[int, int]:
    """How many TCP sockets on `port` in `state` each process holds (from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                    inodes.add(fields[9])
    held = {}
    for pid in pids:
        fds = Path(f"/proc/{pid}/fd")
        links = (os.readlink(fd) for fd in fds.iterdir()) if fds.exists() else ()
        held[pid] = sum(1 for link in links if link[8:-1] in inodes and link.startswith("socket:"))
    return held


@pytest.mark.server
@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads connections from /proc")
def test_connections_are_spread_over_the_processes(seed_store):
    """Each serving process listens with a socket of its own (SO_REUSEPORT): clients that
    connect together are not all taken by the process that wakes first."""
    command = ServeCommand(seed_store, "--workers", "2")
    sockets = []
    try:
        port = int(command.url.rsplit(":", 1)[1].strip("/"))
        # both processes listening: one that exists but has not opened its socket yet would
        # leave every connection to the other (seen once on a loaded machine)
        deadline = time.monotonic() + 60
        while True:
            children = command.children()
            listening = _sockets_by_process(children, port, LISTEN)
            if len(children) == 2 and all(listening.values()):
                break
            assert time.monotonic() < deadline, command.output()
            time.sleep(0.1)
        for _ in range(16):  # kept open: keep-alive clients
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n")
            assert s.recv(65536).startswith(b"HTTP/1.1 200")
            sockets.append(s)
        held = _sockets_by_process(command.children(), port, ESTABLISHED)
        assert sum(held.values()) == 16
        assert all(n > 0 for n in held.values()), held  # all on one: 2 in 65,536 runs
    finally:
        for s in sockets:
            s.close()
        command.stop()
