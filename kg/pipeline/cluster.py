"""Extraction on a Dask cluster: the extract stage of the ingest pipeline, run on many machines.

The path for corpora too big for one machine's patience (`kg extract --dask ADDRESS --shards
DIR`, then `kg load DIR/*.nq`) is the one ingest pipeline (`kg.pipeline`) with this module as
its extract stage and the shard sink (`kg.pipeline.shards`) as its sink::

    records --extract_on_dask--> entries --resolve, map--> shard-000001.nq, ...
            --load_shards--> store (one new generation, published atomically)

`extract_on_dask` maps partitions of records over the cluster's workers. Each worker process
builds its spaCy pipeline once and keeps it in a module-level cache, so the model is loaded
once per worker, not once per partition. Results come back in input order, with a bounded
number of partitions in flight so that memory does not grow with the corpus.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from kg.core.model import Entry, Record
from kg.extract.extracted import ExtractorInfo

__all__ = ["extract_on_dask", "worker_info", "connect", "ClusterError"]

_PARTITIONS_PER_THREAD = 2  # partitions in flight per worker thread

# -- on the workers ------------------------------------------------------------------------

_cache: dict[tuple, object] = {}
_cache_lock = threading.Lock()


def _worker_extractor(model: str | None, full_text: bool, data_dir: str | None):
    """This worker process's Extractor for these settings, built on first use."""
    from kg.resolve.entry import Extractor

    key = (model, full_text, data_dir)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = (Extractor(model=model, full_text=full_text,
                                     data_dir=Path(data_dir) if data_dir else None),
                           threading.Lock())
        return _cache[key]


def _extract_partition(records: list[Record], model: str | None, full_text: bool,
                       data_dir: str | None) -> list[Entry]:
    extractor, lock = _worker_extractor(model, full_text, data_dir)
    # a worker with several threads shares one pipeline; spaCy does not promise that one
    # Language object may run two pipes at once, and the GIL would serialise them anyway
    with lock:
        return list(extractor.extract(records))


def _extractor_info(model: str | None, full_text: bool, data_dir: str | None) -> ExtractorInfo:
    return _worker_extractor(model, full_text, data_dir)[0].info


# -- on the client ---------------------------------------------------------------------------

class ClusterError(Exception):
    """The Dask cluster cannot be used; the message says why."""


def connect(address: Any, timeout: float = 20.0) -> tuple[Any, bool]:
    """A `distributed.Client` for a scheduler address (or the client given), and whether the
    caller owns it (and closes it)."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise ClusterError("dask.distributed is not installed (pip install "
                           "'archive-kg[dask]')") from None
    if isinstance(address, Client):
        return address, False
    try:
        return Client(address, timeout=f"{timeout}s"), True
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"{address}: cannot reach the Dask scheduler ({exc})") from None


def extract_on_dask(records: Iterable[Record], address, *, model: str | None = None,
                    full_text: bool = True, partition_size: int = 128,
                    data_dir: Path | None = None, timeout: float = 20.0) -> Iterator[Entry]:
    """Entries for `records`, in input order, extracted on the Dask cluster at `address`
    (a scheduler address such as ``tcp://10.0.0.5:8786``, or a `distributed.Client`).
    Raises `ClusterError` when the scheduler cannot be reached within `timeout` seconds."""
    client, owned = connect(address, timeout)
    try:
        threads = max(1, sum(client.nthreads().values()))
        window = threads * _PARTITIONS_PER_THREAD
        it = iter(records)
        pending: deque = deque()
        args = (model, full_text, str(data_dir) if data_dir else None)
        while True:
            while len(pending) < window and (part := list(islice(it, partition_size))):
                pending.append(client.submit(_extract_partition, part, *args, pure=False))
            if not pending:
                break
            future = pending.popleft()
            entries = future.result()
            future.release()
            yield from entries
    finally:
        if owned:
            client.close()


def worker_info(address, *, model: str | None = None, full_text: bool = True,
                data_dir: Path | None = None) -> ExtractorInfo:
    """Versions of the pipeline the workers run (they go into every graph's provenance)."""
    client, owned = connect(address)
    try:
        return client.submit(_extractor_info, model, full_text,
                             str(data_dir) if data_dir else None, pure=False).result()
    finally:
        if owned:
            client.close()
