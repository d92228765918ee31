"""The extract stage: records in, what their text states out, in input order, on one of three
engines.

`LocalExtraction` runs `kg.extract.pipeline.SpanExtractor` in this process: it hands back
`Extracted` results (spans, no entity yet) and the resolve stage resolves them here. On local
worker processes (`kg.pipeline.parallel`) or a Dask cluster (`kg.pipeline.cluster`) the workers run
the façade `Extractor` (extract, then resolve, where the spaCy pipeline already is) and hand
back `Entry`s, which the resolve stage takes as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kg.core.model import Entry, Record
from kg.extract.extracted import Extracted, ExtractorInfo
from kg.pipeline.plan import Planned
from kg.resolve.resolver import Resolver

if TYPE_CHECKING:  # imported where an extractor is built: commands that only read never load spaCy
    from kg.resolve.entry import Extractor

__all__ = ["Extraction", "Found", "LocalExtraction", "DaskExtraction", "extract_stage",
           "local_extractor"]


@dataclass(frozen=True)
class Found:
    """What the text of one planned record states: spans for the resolve stage to decide
    (`Extracted`), or an `Entry` an engine resolved where it extracted."""

    planned: Planned
    result: Extracted | Entry


class Extraction(Protocol):
    """An extraction engine: its versions (in every graph's provenance), the resolver whose
    authority the run describes entities from, and the entries for records, in order."""

    @property
    def info(self) -> ExtractorInfo: ...

    @property
    def resolver(self) -> Resolver: ...

    def extract(self, records: Iterable[Record]) -> Iterator[Extracted | Entry]: ...


# Loading the spaCy pipeline takes a second or two: once per process and settings.
_EXTRACTORS: dict[tuple, Extractor] = {}


def local_extractor(model: str | None = None, data_dir: Path | None = None,
                    full_text: bool = True) -> Extractor:
    from kg.resolve.entry import Extractor

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

    def extract(self, records: Iterable[Record]) -> Iterator[Extracted | Entry]:
        if self.workers > 1:
            from kg.pipeline.parallel import extract_parallel

            return extract_parallel(records, self.workers, model=self.model,
                                    full_text=self.extractor.full_text, data_dir=self.data_dir)
        return self.extractor.stage.extract(records)


class DaskExtraction:
    """A Dask cluster (a scheduler address or a `distributed.Client`); versions are asked of
    the workers, the authority read here (it is the same files)."""

    def __init__(self, client: Any, *, model: str | None = None, full_text: bool = True,
                 data_dir: Path | None = None, partition_size: int = 128):
        from kg.core.authority import DATA_DIR
        from kg.core.gazetteer import gazetteer_for
        from kg.pipeline.cluster import worker_info

        self.client = client
        self.model, self.full_text, self.data_dir = model, full_text, data_dir
        self.partition_size = partition_size
        self._info = worker_info(client, model=model, full_text=full_text, data_dir=data_dir)
        # the resolver the façade builds, for the corrections' look-ups and the authority graph
        gazetteer = gazetteer_for(str(data_dir or DATA_DIR))
        self._resolver = Resolver(gazetteer.authority, gazetteer=gazetteer)

    @property
    def info(self) -> ExtractorInfo:
        return self._info

    @property
    def resolver(self) -> Resolver:
        return self._resolver

    def extract(self, records: Iterable[Record]) -> Iterator[Extracted | Entry]:
        from kg.pipeline.cluster import extract_on_dask

        return extract_on_dask(records, self.client, model=self.model,
                               full_text=self.full_text, data_dir=self.data_dir,
                               partition_size=self.partition_size)


def extract_stage(todo: list[Planned], extraction: Extraction) -> Iterator[Found]:
    """What the planned records state, each with its plan (engines keep input order)."""
    results = extraction.extract(p.record for p in todo)
    for planned, result in zip(todo, results, strict=True):
        yield Found(planned, result)
