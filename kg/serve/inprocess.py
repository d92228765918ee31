"""Run SPARQL queries on threads of the serving process itself, for `kg serve --workers N`.

The killable worker processes of `kg.serve.worker` cost two process hops a query (the request
to the worker and its answer back), about ten times what pyoxigraph spends on a lookup. When
the server runs as several processes under a supervisor that replaces any that exits
(`kg.serve.processes`), each process can run its queries itself: pyoxigraph releases the GIL
while it evaluates, so a query on a thread leaves the event loop free.

A query still cannot be interrupted, so the process is what is stopped: a query that passes
the timeout is answered 503 and the process retires (`retire`: it stops accepting, lets the
requests it holds finish within the timeout, then exits, which ends the query); the other
processes keep serving, and the supervisor starts a replacement.

A query whose work is bounded before it runs (`kg.serve.bounded`: triple patterns on IRI
subjects, a LIMIT) cannot run away; once a thread has run it within `CHEAP_SECONDS` on this
generation, it is answered on the event loop itself when asked again, without the hand-off to
a thread and back that costs more than such a lookup.

Updates never run here: a write must stop exactly at the timeout, before its generation is
published, so they keep their killable worker (`WorkerPool`).
"""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from kg.serve.bounded import bounded_select
from kg.serve.worker import Outcome, QueryTask, UpdateTask, _Opened, _stopped_message, run_query
from kg.store import StoreError

# A bounded query that took at most this much CPU on a query thread is answered on the event
# loop when asked again (on the same generation). Bounded is not always small: a subject in
# every document graph (a method, a country) gives a lookup of it thousands of rows to join,
# 350 ms at 100k entries, which the loop must not wait for.
CHEAP_SECONDS = 0.005
_CHEAP_KEPT = 4096


class ThreadRunner:
    """Queries on a few threads of this process; `retire` is called once when one runs past
    the timeout. Same interface as `WorkerPool` (`run`, `run_async`, `close`)."""

    def __init__(self, store_path: str | Path, *, timeout: float,
                 retire: Callable[[], None], threads: int = 2):
        self.timeout = timeout
        self._retire = retire
        self._retired = threading.Event()
        self._opened = _Opened(str(store_path))
        self._opening = threading.Lock()
        self._cheap: set[str] = set()  # query texts measured cheap on `_cheap_generation`
        self._cheap_generation: Path | None = None
        # Threads, not tasks: a query holds its thread for as long as it runs. Two: each
        # process serves a share of the clients, and measured under 8 clients, more threads
        # cost more CPU a query (hand-offs between more threads) for no more throughput.
        # A queue and threads of our own rather than `run_in_executor`: its chained futures
        # cost more CPU than the lookup query itself (measured per query, 4 callers at once:
        # 160-200 us through a ThreadPoolExecutor, 65-80 us through this queue). Daemon
        # threads: a runaway query must not keep the process from exiting.
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._serve, name=f"kg-query-{i}", daemon=True)
                         for i in range(threads)]
        for thread in self._threads:
            thread.start()

    def _store(self):
        with self._opening:  # one reader per generation, shared by the threads
            store = self._opened.store_now()
            if self._opened.generation != self._cheap_generation:
                self._cheap = set()  # measured on another generation
                self._cheap_generation = self._opened.generation
            return store

    def _serve(self) -> None:
        while True:
            item = self._tasks.get()
            if item is None:
                return
            task, deliver = item
            started = time.thread_time()
            outcome = self._execute(task)
            # remembered by its text alone: whether it is bounded is read only if it comes
            # again (most query texts are never asked twice)
            if time.thread_time() - started <= CHEAP_SECONDS and outcome.status == 200:
                if len(self._cheap) >= _CHEAP_KEPT:
                    self._cheap = set()
                self._cheap.add(task.text)
            try:
                deliver(outcome)
            except RuntimeError:  # the event loop waiting for it has closed
                pass

    def _execute(self, task: QueryTask, store=None) -> Outcome:
        try:
            return run_query(store if store is not None else self._store(), task)
        except StoreError as exc:
            return Outcome.error(503, str(exc))
        except OSError as exc:
            with self._opening:
                self._opened.store = None  # the generation was removed under us: reopen
            return Outcome.error(503, f"store unavailable, try again: {exc}")
        except Exception as exc:  # a query must be answered, whatever went wrong
            return Outcome.error(500, f"{type(exc).__name__}: {exc}")

    def _stopped(self, task: QueryTask) -> Outcome:
        if not self._retired.is_set():
            self._retired.set()
            self._retire()
        return _stopped_message(task, self.timeout)

    def _inline(self, task: QueryTask) -> QueryTask | None:
        """The task to run where it is asked, if its work is bounded (`kg.serve.bounded`)."""
        if task.default_graphs or task.named_graphs or task.substitutions:
            return None
        text = bounded_select(task.text, task.max_results)
        if text is None:
            return None
        # built field by field: dataclasses.replace costs a tenth of the lookup
        return QueryTask(text, task.format, task.accept, max_results=task.max_results,
                         base=task.base)

    def _answer_inline(self, task: QueryTask) -> Outcome | None:
        """The answer from the event loop for a bounded query measured cheap on a thread
        before (`CHEAP_SECONDS`), or None: then it goes to a thread."""
        if task.text not in self._cheap or (inline := self._inline(task)) is None:
            return None
        try:
            store = self._store()  # a new generation forgets what was measured on the old
        except (StoreError, OSError):
            return None  # the thread's path says what went wrong
        return self._execute(inline, store) if task.text in self._cheap else None

    def run(self, task: QueryTask | UpdateTask) -> Outcome:
        """Run a query from a thread; 503 when it runs past the timeout."""
        if isinstance(task, UpdateTask):
            raise TypeError("updates run in a killable worker, not in the serving process")
        if (outcome := self._answer_inline(task)) is not None:
            return outcome
        answer: Future[Outcome] = Future()
        self._tasks.put((task, answer.set_result))
        try:
            return answer.result(timeout=self.timeout)
        except FutureTimeout:
            return self._stopped(task)

    async def run_async(self, task: QueryTask | UpdateTask) -> Outcome:
        """`run` for a coroutine: the event loop waits without holding a thread."""
        if isinstance(task, UpdateTask):
            raise TypeError("updates run in a killable worker, not in the serving process")
        if (outcome := self._answer_inline(task)) is not None:
            # bounded work: answered on the event loop, which saves the hand-off to a thread
            # and back (more CPU than a lookup itself)
            return outcome
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Outcome | None] = loop.create_future()

        def settle(outcome: Outcome | None) -> None:
            if not answer.done():  # the answer and the timer race; a cancelled wait is done
                answer.set_result(outcome)

        self._tasks.put((task, lambda outcome: loop.call_soon_threadsafe(settle, outcome)))
        timer = loop.call_later(self.timeout, settle, None)
        try:
            outcome = await answer
        finally:
            timer.cancel()
        return self._stopped(task) if outcome is None else outcome

    def close(self) -> None:
        for _ in self._threads:
            self._tasks.put(None)  # each thread ends after the query it runs, if any


def retire_process(grace: float) -> None:
    """Stop this serving process: SIGTERM makes uvicorn stop accepting and finish the requests
    it holds; `grace` seconds later the process ends whatever still runs (a request stuck
    behind the runaway query, or a shutdown that waits for one, would otherwise keep it)."""
    print(f"kg serve: a query ran past the time limit; serving process {os.getpid()} retires "
          "(the others go on, a new one takes its place)", file=sys.stderr, flush=True)
    timer = threading.Timer(grace, os._exit, args=(0,))
    timer.daemon = True
    timer.start()
    os.kill(os.getpid(), signal.SIGTERM)
