"""The remote sink: a SPARQL 1.1 store over HTTP (`kg.store.remote.RemoteStore`), and
`ingest_remote`, which `kg ingest --endpoint URL` runs.

Every graph is mapped before the first request (a --strict abort writes nothing); each graph
is replaced whole. The run is not one transaction across graphs, so the store-wide graphs are
recomputed in full on every run: a run interrupted before them leaves them stale, and the next
run (finding every document graph unchanged) mends them."""

from __future__ import annotations

from collections.abc import Iterable

from kg.pipeline import upkeep
from kg.pipeline.extract import LocalExtraction, local_extractor
from kg.pipeline.report import IngestAborted, IngestReport
from kg.pipeline.run import Pipeline, Progress
from kg.pipeline.sink import Outcome
from kg.pipeline.target import Graphs, GraphStore
from kg.rdf.mapping import Iris, normalise_base
from kg.resolve.corrections import CorrectionsError, load_corrections
from kg.sources import read_all
from kg.store.corrections import default_corrections_path
from kg.store.remote import RemoteError, RemoteStore

__all__ = ["RemoteSink", "ingest_remote"]


class RemoteSink:
    batch_quads: int | None = None

    def __init__(self, store: RemoteStore, iris: Iris):
        self.store = store
        self.iris = iris

    def target(self) -> GraphStore:
        return self.store

    def write(self, graphs: Graphs) -> None:
        upkeep.write_graphs(self.store, graphs)

    def finish(self, outcome: Outcome) -> int:
        return upkeep.finish_store(self.store, self.iris, outcome, full_authority=True,
                                   summary_always=True, bulk=False)


def ingest_remote(paths: Iterable[str], endpoint: str, *, base: str | None = None,
                  token: str | None = None, model: str | None = None, strict: bool = False,
                  full_text: bool = True, progress: Progress | None = None) -> IngestReport:
    """Ingest files into a remote SPARQL 1.1 store; problems are reported, never raised.

    The base IRI is `base`, else the one the remote store's graphs were built with; the
    corrections are $KG_CORRECTIONS or ./corrections.jsonl (a remote store has no folder)."""
    report = IngestReport()
    try:
        store = RemoteStore(endpoint, token)
        in_use = store.base_in_use()
        if base and in_use and base.rstrip("/#") != in_use.rstrip("/#"):
            report.errors.append(f"{endpoint} holds graphs built with base IRI {in_use}; "
                                 f"ingest with --base {in_use} or into another store")
            return report
        iris = Iris(normalise_base(base or in_use))
        reading = read_all(paths)
        report = IngestReport.of_reading(reading)
        if strict and report.errors:
            raise IngestAborted("; ".join(report.errors[:5]))
        if not reading.records:
            return report
        pipeline = Pipeline(iris, LocalExtraction(local_extractor(model, None, full_text)),
                            load_corrections(default_corrections_path(), missing_ok=True))
        return pipeline.run(reading.records, RemoteSink(store, iris), report, strict=strict,
                            read_paths=reading.paths, progress=progress)
    except IngestAborted as exc:
        report.errors.append(f"--strict: {exc}; nothing was written")
    except (RemoteError, CorrectionsError) as exc:
        report.errors.append(str(exc))
    return report
