"""Run SPARQL queries and updates in worker processes that can be killed on a timeout.

pyoxigraph's `Store.query` cannot be interrupted from Python, so a query that runs too long
would hold a server thread (and a core) for ever. Each query runs instead in a worker process
started with 'spawn'; the pool waits for the answer up to the timeout and, past it, kills the
worker and starts a fresh one. Workers open the store read-only themselves (`open_reader`) and
reopen it when a new generation has been published. Updates run the same way inside a
`kg.store.writer` block, so a killed update leaves the published generation untouched.

A worker returns bytes already serialised (query results are not picklable and may be large).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from kg.rdf.namespace import PREFIXES
from kg.serve.results import (
    FormatError,
    choose_format,
    render_boolean,
    render_graph,
    render_solutions,
    solutions_json_capped,
)


@dataclass(frozen=True)
class QueryTask:
    text: str
    format: str | None = None  # the `format` parameter, if any
    accept: str | None = None
    default_graphs: tuple[str, ...] = ()  # protocol's default-graph-uri
    named_graphs: tuple[str, ...] = ()  # protocol's named-graph-uri
    max_results: int = 10_000
    base: str | None = None  # relative IRIs in the query resolve against it
    # a named query's parameters: (variable name, pyoxigraph term), bound by substitution
    substitutions: tuple[tuple[str, object], ...] = ()

    def __reduce__(self):
        # Pickled field by field in order: a frozen dataclass's default pickling (its
        # __dict__ set back attribute by attribute) costs more than a small query's run.
        return (QueryTask, (self.text, self.format, self.accept, self.default_graphs,
                            self.named_graphs, self.max_results, self.base, self.substitutions))


@dataclass(frozen=True)
class UpdateTask:
    text: str
    base: str | None = None


@dataclass
class Outcome:
    """What to send back: a status, a content type, a body and extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    form: str = ""  # "solutions", "boolean", "graph" for a query that ran
    wants_html: bool = False  # the client asked for an HTML page: body is JSON or Turtle

    @staticmethod
    def error(status: int, message: str) -> Outcome:
        return Outcome(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode())


class QueryRunner(Protocol):
    """What runs the endpoint's queries: `WorkerPool` here, `ThreadRunner` in
    `kg.serve.inprocess`. Both answer 503 for a task that runs past their timeout."""

    timeout: float

    def run(self, task: QueryTask | UpdateTask) -> Outcome: ...

    async def run_async(self, task: QueryTask | UpdateTask) -> Outcome: ...

    def close(self) -> None: ...


# ---------------------------------------------------------------------------------------------
# Inside the worker process


class GenerationWatch:
    """Tells, with one `stat`, whether a store may have published a new generation since the
    last look: publishing replaces the pointer file (kg.store writes it atomically), so while
    its inode, time and size are unchanged the generation is the same."""

    def __init__(self, path: str | Path):
        from kg.store import _CURRENT  # the pointer file naming the published generation

        self.pointer = os.path.join(str(path), _CURRENT)
        self.seen: tuple[int, int, int] | None = None

    def changed(self) -> bool:
        try:
            st = os.stat(self.pointer)
            seen: tuple[int, int, int] | None = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            seen = None  # no pointer (an empty store) or unreadable: look every time
        if seen is not None and seen == self.seen:
            return False
        self.seen = seen
        return True


class _Opened:
    def __init__(self, path: str):
        self.path = path
        self.generation: Path | None = None
        self.store = None
        self.watch = GenerationWatch(path)

    def store_now(self):
        from kg.store import current_generation, open_reader

        if not self.watch.changed() and self.store is not None:
            return self.store
        gen = current_generation(Path(self.path))
        if self.store is None or gen != self.generation:
            self.store = None  # close the old generation before opening the new one
            self.store = open_reader(self.path)
            self.generation = gen
        return self.store


# A prefixed name of our prefixes holds one of these; a text holding none cannot use them.
_PREFIX_MARKERS = tuple(f"{name}:" for name in PREFIXES)


def run_query(store, task: QueryTask) -> Outcome:
    """Execute one query on an open store and serialise its results (capped)."""
    options: dict = {"base_iri": task.base}
    if any(marker in task.text for marker in _PREFIX_MARKERS):
        # Only when the text may use one: pyoxigraph reads the prefix table on every call,
        # about a tenth of a lookup's evaluation (instructions counted with callgrind).
        options["prefixes"] = PREFIXES
    if task.substitutions:
        options["substitutions"] = {ox.Variable(n): t for n, t in task.substitutions}
    if task.default_graphs or task.named_graphs:
        if task.default_graphs:
            options["default_graph"] = [ox.NamedNode(g) for g in task.default_graphs]
        if task.named_graphs:
            options["named_graphs"] = [ox.NamedNode(g) for g in task.named_graphs]
    else:
        # The default graph is the union of all named graphs (documented on /sparql).
        options["use_default_graph_as_union"] = True
    try:
        results = store.query(task.text, **options)
    except SyntaxError as exc:
        from kg.sparql_errors import explain

        return Outcome.error(400, "malformed query: " + explain(
            task.text, str(exc), known_prefixes=set(PREFIXES)))
    except ValueError as exc:
        return Outcome.error(400, f"bad query: {exc}")
    if isinstance(results, ox.QueryBoolean):
        form = "boolean"
    elif isinstance(results, ox.QueryTriples):
        form = "graph"
    else:
        form = "solutions"
    try:
        fmt = choose_format(form, task.format, task.accept)
    except FormatError as exc:
        return Outcome.error(400, str(exc))
    wants_html = fmt.name == "html"
    headers: dict[str, str] = {}
    if form == "boolean":
        name = "json" if wants_html else fmt.name
        body = render_boolean(name, bool(results))
        media = "text/plain" if name in ("csv", "tsv") else fmt.media_type
        return Outcome(200, _ctype(media), body, headers, form, wants_html)
    if form == "solutions" and fmt.name in ("json", "html"):
        capped = solutions_json_capped(results, task.max_results)
        if capped is not None:
            body, truncated = capped
            if truncated:
                headers["X-Result-Truncated"] = "true"
            return Outcome(200, _ctype("application/sparql-results+json" if wants_html
                                       else fmt.media_type), body, headers, form, wants_html)
        results = store.query(task.text, **options)  # too large: again, cut while read
    rows = []
    truncated = False
    for item in results:
        if len(rows) == task.max_results:
            truncated = True
            break
        rows.append(item if form == "graph" else [item[i] for i in range(len(item))])
    if truncated:
        headers["X-Result-Truncated"] = "true"
    if form == "graph":
        name = "turtle" if wants_html else fmt.name
        body = render_graph(name, rows)
        media = "text/turtle" if wants_html else fmt.media_type
    else:
        name = "json" if wants_html else fmt.name
        body = render_solutions(name, [v.value for v in results.variables], rows)
        media = "application/sparql-results+json" if wants_html else fmt.media_type
    return Outcome(200, _ctype(media), body, headers, form, wants_html)


def _ctype(media: str) -> str:
    if media.startswith("text/") or media.endswith(("json", "xml")):
        return f"{media}; charset=utf-8"
    return media


def run_update(path: str, task: UpdateTask) -> Outcome:
    """Apply an update to a new generation, published only if the update succeeds."""
    from kg.store import StoreError, writer

    try:
        with writer(path) as w:
            w.store.update(task.text, prefixes=PREFIXES, base_iri=task.base)
    except SyntaxError as exc:
        from kg.sparql_errors import explain

        return Outcome.error(400, "malformed update: " + explain(
            task.text, str(exc), update=True, known_prefixes=set(PREFIXES)))
    except StoreError as exc:
        return Outcome.error(503, str(exc))
    return Outcome(204, "text/plain; charset=utf-8", b"")


def worker_main(conn: Connection, store_path: str) -> None:
    """The loop of one worker process: one task in, one Outcome out."""
    from kg.store import StoreError

    opened = _Opened(store_path)
    conn.send("ready")
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if isinstance(task, UpdateTask):
                opened.store = None  # hold no reader on the generation being copied
                outcome = run_update(store_path, task)
            else:
                outcome = run_query(opened.store_now(), task)
        except StoreError as exc:
            outcome = Outcome.error(503, str(exc))
        except OSError as exc:
            # The generation we had open was removed under us: reopen next time.
            opened.store = None
            outcome = Outcome.error(503, f"store unavailable, try again: {exc}")
        except Exception as exc:  # a worker must answer, whatever went wrong
            outcome = Outcome.error(500, f"{type(exc).__name__}: {exc}")
        conn.send(outcome)


# ---------------------------------------------------------------------------------------------
# In the server process


class _Worker:
    def __init__(self, ctx, store_path: str):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=worker_main, args=(child, store_path),
                                   name="kg-sparql-worker", daemon=True)
        self.process.start()
        child.close()
        self._killed = threading.Lock()

    def kill(self) -> None:
        """Stop the process and close its pipe; safe to call more than once, from any thread
        (closing the pool and a worker's start-up thread may both do it)."""
        if not self._killed.acquire(blocking=False):
            return
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


def _stopped_message(task: QueryTask | UpdateTask, timeout: float) -> Outcome:
    kind = "update" if isinstance(task, UpdateTask) else "query"
    return Outcome.error(503, f"{kind} stopped: it ran longer than the server's limit of "
                              f"{timeout:g} s")


_BUSY = "all query workers are busy; try again later"


class WorkerPool:
    """A few worker processes; a task waits for an idle one, then runs under the timeout.

    Tasks come from threads (`run`) and from the event loop (`run_async`, the SPARQL
    endpoint's path, which holds no thread while a query runs). Idle workers sit in a deque;
    a caller finding none queues a `concurrent.futures.Future` that the next released worker
    is handed to, so both kinds of caller wait in one line, first come first served.
    """

    def __init__(self, store_path: str | Path, *, size: int = 2, timeout: float = 10.0,
                 start_timeout: float = 60.0):
        self.store_path = str(store_path)
        self.size = size
        self.timeout = timeout
        self.start_timeout = start_timeout
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: deque[_Worker] = deque()
        self._waiters: deque[Future] = deque()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._spawn()

    # -- the workers ---------------------------------------------------------------------------

    def _spawn(self) -> None:
        """Start a worker and make it available once it says it is ready."""
        with self._lock:
            if self._closed:
                return
            worker = _Worker(self._ctx, self.store_path)
            self._all.add(worker)

        def wait_ready() -> None:
            try:
                ready = worker.conn.poll(self.start_timeout) and worker.conn.recv() == "ready"
            except (EOFError, OSError):
                ready = False
            if ready and not self._closed:
                self._release(worker)
            else:
                self._discard(worker)
                if not self._closed:
                    time.sleep(1.0)  # do not spin when workers cannot start at all
                    self._spawn()

        threading.Thread(target=wait_ready, daemon=True, name="kg-worker-start").start()

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    def _replace(self, worker: _Worker) -> None:
        self._discard(worker)
        self._spawn()

    def _release(self, worker: _Worker) -> None:
        """Hand an idle worker to the first caller still waiting, else keep it idle."""
        with self._lock:
            if self._closed:
                waiter = None
            else:
                while self._waiters:
                    waiter = self._waiters.popleft()
                    if waiter.set_running_or_notify_cancel():  # False: that caller gave up
                        break
                else:
                    waiter = None
                    self._idle.append(worker)
                    return
        if waiter is None:
            worker.kill()
        else:
            waiter.set_result(worker)

    def _take(self) -> _Worker | Future:
        """An idle worker now, or a future that a released worker will be set on."""
        with self._lock:
            if self._idle:
                return self._idle.popleft()
            waiter: Future = Future()
            self._waiters.append(waiter)
            return waiter

    def _give_back_later(self, waiter: Future) -> None:
        """A caller stopped waiting: if a worker was handed to it meanwhile, release it."""
        if not waiter.cancel():
            waiter.add_done_callback(lambda f: None if f.cancelled() else self._release(
                f.result()))

    @property
    def _wait_limit(self) -> float:
        # Waiting for a worker does not count against the query's own time: every busy
        # worker is freed within the timeout, a replacement within its start-up time.
        return self.timeout + self.start_timeout

    # -- from a thread -------------------------------------------------------------------------

    def run(self, task: QueryTask | UpdateTask) -> Outcome:
        """Run a task; 503 when it runs past the timeout (its worker is killed and replaced)."""
        got = self._take()
        if isinstance(got, Future):
            try:
                got = got.result(timeout=self._wait_limit)
            except FutureTimeout:
                self._give_back_later(got)
                return Outcome.error(503, _BUSY)
        worker = got
        try:
            worker.conn.send(task)
            if not worker.conn.poll(self.timeout):
                self._replace(worker)
                return _stopped_message(task, self.timeout)
            outcome = worker.conn.recv()
        except (EOFError, OSError) as exc:
            self._replace(worker)
            return Outcome.error(500, f"query worker failed: {exc}")
        self._release(worker)
        return outcome

    # -- from the event loop -------------------------------------------------------------------

    async def run_async(self, task: QueryTask | UpdateTask) -> Outcome:
        """`run` for a coroutine: waits for the worker's answer on the event loop (its pipe
        registered as a reader), so no thread is held while the query runs."""
        loop = asyncio.get_running_loop()
        got = self._take()
        if isinstance(got, Future):
            try:
                got = await asyncio.wait_for(asyncio.wrap_future(got, loop=loop),
                                             self._wait_limit)
            except asyncio.TimeoutError:
                self._give_back_later(got)
                return Outcome.error(503, _BUSY)
            except asyncio.CancelledError:
                self._give_back_later(got)
                raise
        worker = got
        try:
            worker.conn.send(task)  # a task is small: the pipe takes it without blocking
            if not await _readable(loop, worker.conn, self.timeout):
                await loop.run_in_executor(None, self._replace, worker)
                return _stopped_message(task, self.timeout)
            outcome = worker.conn.recv()  # the worker is writing it: read to its end
        except (EOFError, OSError) as exc:
            await loop.run_in_executor(None, self._replace, worker)
            return Outcome.error(500, f"query worker failed: {exc}")
        except asyncio.CancelledError:
            # The client went away mid-query: the worker's answer would be read by the next
            # task as its own, so this worker is replaced rather than reused.
            loop.run_in_executor(None, self._replace, worker)
            raise
        self._release(worker)
        return outcome

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            waiters = list(self._waiters)
            self._waiters.clear()
            self._idle.clear()
        for waiter in waiters:
            waiter.cancel()
        for worker in workers:
            worker.kill()


async def _readable(loop: asyncio.AbstractEventLoop, conn: Connection, timeout: float) -> bool:
    """Whether `conn` has data within `timeout` seconds, waited for on the event loop."""
    if conn.poll(0):
        return True
    ready = loop.create_future()
    fd = conn.fileno()

    def on_readable() -> None:
        if not ready.done():
            ready.set_result(True)

    loop.add_reader(fd, on_readable)
    try:
        await asyncio.wait_for(ready, timeout)
        return True
    except asyncio.TimeoutError:
        return False
    finally:
        loop.remove_reader(fd)
