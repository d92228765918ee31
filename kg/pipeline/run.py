"""The ingest pipeline: plan -> extract -> resolve -> map -> sink.

`Pipeline.run` is the one ingest loop, whatever the target: a store folder
(`kg.pipeline.local`), a remote SPARQL store (`kg.pipeline.remote`) or N-Quads shards
(`kg.pipeline.shards`). Stages pass typed items along (`Planned`, `Found`, `Resolved`,
`Mapped`) and stream: entries are mapped and written in the sink's batches as they come.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from kg.core.model import Record
from kg.pipeline.extract import Extraction, extract_stage
from kg.pipeline.map import map_stage
from kg.pipeline.plan import make_plan
from kg.pipeline.report import IngestAborted, IngestReport
from kg.pipeline.resolve import Resolved, resolve_stage
from kg.pipeline.sink import Outcome, Sink
from kg.pipeline.target import Graphs
from kg.pipeline.upkeep import set_source_path
from kg.rdf.mapping import Iris
from kg.resolve.corrections import Corrections
from kg.store import continuity

__all__ = ["Pipeline", "Progress"]

Progress = Callable[[int, int], None]  # (entries done since the last call, entries in all)


@dataclass
class Pipeline:
    """What every run of the pipeline needs: the IRIs, the extraction engine, and the
    curators' corrections."""

    iris: Iris
    extraction: Extraction
    corrections: Corrections

    def run(self, records: Iterable[Record], sink: Sink, report: IngestReport | None = None,
            *, strict: bool = False, force: bool = False, fresh: bool = True,
            read_paths: set[str] | None = None, progress: Progress | None = None
            ) -> IngestReport:
        """Ingest `records` into `sink`, counting into `report`.

        `strict` aborts (IngestAborted) on the first flagged entry; `force` re-maps unchanged
        graphs (a rebuild); `fresh` says the records were just read from their files (else
        they came from the store and keep their graphs' paths); `read_paths` are the files
        read whole, whose stored graphs that the input lacks go."""
        report = report or IngestReport()
        store = sink.target()
        info = self.extraction.info
        plan = make_plan(records, store, self.iris, fingerprint=info.fingerprint,
                         corrections=self.corrections, force=force, fresh=fresh)
        report.entries += plan.entries
        if progress and plan.entries > len(plan.todo):
            progress(plan.entries - len(plan.todo), plan.entries)
        outcome = Outcome(plan, self.extraction.resolver.authority, self.corrections,
                          read_paths=set(read_paths or ()))
        if store is not None:
            for graph, path in plan.moved.items():
                set_source_path(store, graph, path)
            outcome.before = continuity.mention_targets(store, [p.graph for p in plan.todo])
        found = extract_stage(plan.todo, self.extraction)
        resolved = _flagged(resolve_stage(found, self.extraction.resolver, self.corrections),
                            report, strict)
        batch: Graphs = {}
        size = 0
        for mapped in map_stage(resolved, self.iris, info):
            batch.update(mapped.graphs)
            size += mapped.quads
            outcome.entity_keys |= mapped.entity_keys
            if sink.batch_quads is not None and size >= sink.batch_quads:
                sink.write(batch)
                batch, size = {}, 0
            if progress:
                progress(1, plan.entries)
        if batch:
            sink.write(batch)
        report.removed = sink.finish(outcome)
        report.documents = len(plan.states)
        for state in plan.states.values():
            setattr(report, state, getattr(report, state) + 1)
        report.written = True
        return report


def _flagged(items: Iterator[Resolved], report: IngestReport, strict: bool
             ) -> Iterator[Resolved]:
    """Count and name the entries extraction flagged (cut off, date unknown, ...)."""
    for item in items:
        entry = item.entry
        if entry.flags:
            report.incomplete += 1
            report.flags.append(f"{entry.record.source.path}:{entry.record.source.line}: "
                                f"{', '.join(entry.flags)}: {entry.record.title[:60]}")
            if strict:
                raise IngestAborted(report.flags[-1])
        yield item
