"""The extract stage: records in, entries out, in input order, on one of three engines.

`LocalExtraction` runs today's `kg.extract.pipeline.Extractor` in this process, or on local
worker processes (`kg.extract.parallel`); `DaskExtraction` runs it on a Dask cluster
(`kg.distributed`). The extractor still resolves as it extracts (see `kg.pipeline.resolve`
for the boundary a resolution stage of its own will take).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kg.core.model import Entry, Record
from kg.extract.pipeline import Extractor, ExtractorInfo
from kg.pipeline.plan import Planned
from kg.resolve.resolver import Resolver

__all__ = ["Extraction", "Extracted", "LocalExtraction", "DaskExtraction", "extract_stage",
           "local_extractor"]


@dataclass(frozen=True)
class Extracted:
    """What the text of one planned record states (today: already resolved, see above)."""

    planned: Planned
    entry: Entry


class Extraction(Protocol):
    """An extraction engine: its versions (in every graph's provenance), the resolver whose
    authority the run describes entities from, and the entries for records, in order."""

    @property
    def info(self) -> ExtractorInfo: ...

    @property
    def resolver(self) -> Resolver: ...

    def extract(self, records: Iterable[Record]) -> Iterator[Entry]: ...


# Loading the spaCy pipeline takes a second or two: once per process and settings.
_EXTRACTORS: dict[tuple, Extractor] = {}


def local_extractor(model: str | None = None, data_dir: Path | None = None,
                    full_text: bool = True) -> Extractor:
    key = (model, str(data_dir) if data_dir else None, full_text)
    if key not in _EXTRACTORS:
        _EXTRACTORS[key] = Extractor(model=model, data_dir=data_dir, full_text=full_text)
    return _EXTRACTORS[key]


class LocalExtraction:
    """This machine: the extractor in this process, or `workers` processes."""

    def __init__(self, extractor: Extractor, *, workers: int = 1, model: str | None = None,
                 data_dir: Path | None = None):
        self.extractor = extractor
        self.workers = workers
        self.model = model
        self.data_dir = data_dir

    @property
    def info(self) -> ExtractorInfo:
        return self.extractor.info

    @property
    def resolver(self) -> Resolver:
        return self.extractor.resolver

    def extract(self, records: Iterable[Record]) -> Iterator[Entry]:
        if self.workers > 1:
            from kg.extract.parallel import extract_parallel

            return extract_parallel(records, self.workers, model=self.model,
                                    full_text=self.extractor.full_text, data_dir=self.data_dir)
        return self.extractor.extract(records)


class DaskExtraction:
    """A Dask cluster (a scheduler address or a `distributed.Client`); versions are asked of
    the workers, the authority read here (it is the same files)."""

    def __init__(self, client: Any, *, model: str | None = None, full_text: bool = True,
                 data_dir: Path | None = None, partition_size: int = 128):
        from kg.core.authority import DATA_DIR
        from kg.distributed import worker_info
        from kg.extract.nlp import resolver_for

        self.client = client
        self.model, self.full_text, self.data_dir = model, full_text, data_dir
        self.partition_size = partition_size
        self._info = worker_info(client, model=model, full_text=full_text, data_dir=data_dir)
        self._resolver = resolver_for(str(data_dir or DATA_DIR))

    @property
    def info(self) -> ExtractorInfo:
        return self._info

    @property
    def resolver(self) -> Resolver:
        return self._resolver

    def extract(self, records: Iterable[Record]) -> Iterator[Entry]:
        from kg.distributed import extract_on_dask

        return extract_on_dask(records, self.client, model=self.model,
                               full_text=self.full_text, data_dir=self.data_dir,
                               partition_size=self.partition_size)


def extract_stage(todo: list[Planned], extraction: Extraction) -> Iterator[Extracted]:
    """Entries for the planned records, each with its plan (engines keep input order)."""
    entries = extraction.extract(p.record for p in todo)
    for planned, entry in zip(todo, entries, strict=True):
        yield Extracted(planned, entry)
