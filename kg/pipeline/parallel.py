"""Extraction on several local processes: `extract_parallel(records, workers) -> Entry, ...`.

spaCy holds the GIL for most of its work, so threads do not help; processes do. Each worker
process loads the pipeline once (in the pool initializer) and then extracts chunks of records;
the parent keeps a bounded window of chunks in flight and yields entries in input order, so a
large corpus streams through without being held in memory.

BLAS and OpenMP thread pools are pinned to one thread per worker: with as many workers as
cores, a second thread per worker would only fight over the same cores. The pins are set in the
environment the workers are spawned with, before they import numpy.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from kg.core.model import Entry, Record

__all__ = ["extract_parallel", "THREAD_ENV"]

THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
# Chunks per worker kept in flight: enough to keep every worker busy while the parent unpickles,
# few enough that memory does not grow with the corpus.
_IN_FLIGHT_PER_WORKER = 3

_extractor = None  # the worker process's own Extractor, built once by _init_worker


def _init_worker(model: str | None, data_dir: str | None, full_text: bool) -> None:
    global _extractor
    from kg.resolve.entry import Extractor

    _extractor = Extractor(model=model, data_dir=Path(data_dir) if data_dir else None,
                           full_text=full_text)


def _extract_chunk(records: list[Record]) -> list[Entry]:
    assert _extractor is not None, "worker used before its initializer ran"
    return list(_extractor.extract(records))


@contextlib.contextmanager
def pinned_threads() -> Iterator[None]:
    """Set the one-thread pins in os.environ while child processes are spawned, then restore."""
    saved = {k: os.environ.get(k) for k in THREAD_ENV}
    os.environ.update({k: "1" for k in THREAD_ENV})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    it = iter(records)
    while chunk := list(islice(it, size)):
        yield chunk


def extract_parallel(records: Iterable[Record], workers: int, model: str | None = None,
                     full_text: bool = True, *, chunk_size: int = 64,
                     data_dir: Path | None = None) -> Iterator[Entry]:
    """Entries for `records`, in input order, extracted by `workers` processes.

    With one worker (or fewer) extraction runs in this process, with no pool at all.
    """
    if workers <= 1:
        from kg.resolve.entry import Extractor

        yield from Extractor(model=model, data_dir=data_dir, full_text=full_text).extract(records)
        return
    # spawn, not fork: a fresh interpreter per worker picks up the thread pins at import time
    # and does not inherit locks held by the parent's threads.
    ctx = mp.get_context("spawn")
    with pinned_threads():
        pool = ctx.Pool(workers, initializer=_init_worker,
                        initargs=(model, str(data_dir) if data_dir else None, full_text))
    try:
        pending: deque = deque()
        for chunk in _chunks(records, chunk_size):
            pending.append(pool.apply_async(_extract_chunk, (chunk,)))
            while len(pending) >= workers * _IN_FLIGHT_PER_WORKER:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
        pool.close()
    finally:
        # also reached when the caller stops early: do not leave workers behind
        pool.terminate()
        pool.join()
