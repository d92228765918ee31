"""The Python API: `KnowledgeGraph("kg-store").ingest(paths)`, `.query(sparql)`, `.export(...)`.

The CLI is a thin layer over this module; everything it does can be done from Python. Ingest
and rebuild run the one ingest pipeline (`kg.pipeline`) into a new generation of the store
folder; `ingest_remote` runs it into a remote SPARQL store, `shard_corpus` on a Dask cluster
into N-Quads shards that `load_shards` bulk-loads.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.core.authority import load_authority
from kg.core.model import Record
from kg.pipeline import upkeep
from kg.pipeline.extract import LocalExtraction, local_extractor
from kg.pipeline.local import LocalSink
from kg.pipeline.plan import record_from_json, source_paths
from kg.pipeline.remote import ingest_remote
from kg.pipeline.report import IngestAborted, IngestReport
from kg.pipeline.run import Pipeline, Progress
from kg.pipeline.shards import load_shards, shard_corpus
from kg.rdf.mapping import Iris, normalise_base
from kg.rdf.namespace import KG, PREFIXES
from kg.resolve.corrections import Corrections, load_corrections
from kg.sources import read_all
from kg.sources.records import with_rights
from kg.store import StoreConfig, StoreError, open_reader, writer
from kg.store.corrections import (
    carry_over_corrections,
    default_corrections_path,
    remember_corrections_path,
)

__all__ = ["KnowledgeGraph", "IngestReport", "IngestAborted", "StoreError", "ingest_remote",
           "shard_corpus", "load_shards"]


class KnowledgeGraph:
    """A knowledge graph in a store folder (created on first ingest)."""

    def __init__(self, store: str | Path = "kg-store", *, base: str | None = None,
                 model: str | None = None, data_dir: Path | None = None,
                 corrections: str | Path | Corrections | None = None, workers: int = 1):
        self.path = Path(store)
        self.workers = workers
        config = StoreConfig.read(self.path)
        if base and config and config.base != base and self._has_data():
            raise StoreError(
                f"{self.path} was built with base IRI {config.base}; rebuild it into a new "
                f"store to change the base to {base}")
        self.base = normalise_base(base or (config.base if config else None))
        self.iris = Iris(self.base)
        self.model = model
        self.data_dir = data_dir
        # a historian's corrections file: given, or where the store keeps it (see
        # `default_corrections_path`); a given path is recorded in the store on its next write
        self._corrections = corrections
        self._extractor = None
        self.notes: list[str] = []

    def corrections_path(self) -> Path:
        if self._corrections is not None and not isinstance(self._corrections, Corrections):
            return Path(self._corrections)
        return default_corrections_path(self.path)

    def corrections(self) -> Corrections:
        """The corrections to apply, read afresh (a historian may have edited the file);
        CorrectionsError names file and line of a bad one. No file means no corrections.
        Decisions left in ./corrections.jsonl by earlier versions are carried over first."""
        if isinstance(self._corrections, Corrections):
            return self._corrections
        if self._corrections is None:
            note = carry_over_corrections(self.path)
            if note:
                self.notes.append(note)
        return load_corrections(self.corrections_path(), missing_ok=True)

    def _remember_corrections(self) -> None:
        if self._corrections is not None and not isinstance(self._corrections, Corrections):
            remember_corrections_path(self.path, self._corrections)

    # -- reading ---------------------------------------------------------------------------

    def _has_data(self) -> bool:
        from kg.store import current_generation

        return current_generation(self.path) is not None

    def reader(self) -> ox.Store:
        """The published generation (empty before the first write); a StoreError when the
        folder does not exist (a mistyped --store must not read as an empty graph)."""
        if not self.path.exists():
            raise StoreError(f"{self.path}: no such store (nothing has been ingested there; "
                             f"check --store)")
        return open_reader(self.path)

    def query(self, sparql: str, *, substitutions: dict | None = None,
              use_default_graph_as_union: bool = True):
        """Run a SPARQL query over the union of all graphs; `substitutions` binds variables
        (a named query's parameters: `kg.query.substitutions`)."""
        return self.reader().query(sparql, use_default_graph_as_union=use_default_graph_as_union,
                                   prefixes=PREFIXES, substitutions=substitutions)

    def stats(self) -> dict[str, int]:
        store = self.reader()
        counts = {"quads": len(store), "graphs": sum(1 for _ in store.named_graphs())}
        for name, cls in (("documents", KG.Document), ("people", KG.Person),
                          ("places", KG.Place), ("organizations", KG.Organization),
                          ("roles", KG.Role), ("events", KG.Event), ("mentions", KG.Mention)):
            q = (f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a ?c . ?c <http://www.w3.org/"
                 f"2000/01/rdf-schema#subClassOf>* {cls} . }}") if name == "events" else (
                 f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a {cls} }}")
            if name == "events":
                q = ("SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?d <" + KG.records.value
                     + "> ?x }")
            counts[name] = int(next(iter(store.query(q, use_default_graph_as_union=True)))[0].value)
        return counts

    # -- writing ---------------------------------------------------------------------------

    def extractor(self, full_text: bool = True):
        """The extractor for these settings (loaded once per process)."""
        if self._extractor is None or self._extractor.full_text != full_text:
            self._extractor = local_extractor(self.model, self.data_dir, full_text)
        return self._extractor

    def ingest(self, paths: Iterable[str], *, strict: bool = False, full_text: bool = True,
               progress: Progress | None = None, rights: str | None = None) -> IngestReport:
        """Read, extract and store; a file or line that cannot be read is reported (with
        file and line) and the rest is ingested all the same. `rights`: the rights statement
        of these sources, for records that state none."""
        reading = read_all(paths)
        with_rights(reading.records, rights)
        report = IngestReport.of_reading(reading)
        if strict and report.errors:
            raise IngestAborted("; ".join(report.errors[:5]))
        if not reading.records:
            return report
        self._run(reading.records, report, strict=strict, full_text=full_text,
                  progress=progress, read_paths=reading.paths)
        report.notes += self.notes
        return report

    def rebuild(self, *, progress: Progress | None = None) -> IngestReport:
        """Re-extract every kept raw record (after an upgrade of extractor, authority or ontology)."""
        records = self.raw_records()
        report = IngestReport(files=len({(r.source.kind, r.source.path) for r in records}))
        # the records come from the store: their paths are names, the graphs keep their paths
        self._run(records, report, strict=False, full_text=True, progress=progress,
                  force=True, fresh=False)
        report.notes += self.notes
        return report

    def raw_records(self) -> list[Record]:
        rows = self.query(
            "SELECT ?raw WHERE { GRAPH ?g { ?g kg:rawRecord ?raw } } ORDER BY ?g")
        return [record_from_json(row[0].value) for row in rows]

    def _run(self, records: list[Record], report: IngestReport, *, strict: bool,
             full_text: bool, progress: Progress | None, force: bool = False,
             fresh: bool = True, read_paths: set[str] | None = None) -> None:
        """The pipeline into a new generation, published when the whole run succeeded."""
        extraction = LocalExtraction(self.extractor(full_text), workers=self.workers,
                                     model=self.model, data_dir=self.data_dir)
        with writer(self.path) as w:
            if StoreConfig.read(self.path) is None:
                StoreConfig(base=self.base).write(self.path)
            self._remember_corrections()
            pipeline = Pipeline(self.iris, extraction, self.corrections())
            pipeline.run(records, LocalSink(w.store, self.iris), report, strict=strict,
                         force=force, fresh=fresh, read_paths=read_paths, progress=progress)

    def refresh_summary(self, store, *, bulk: bool = False) -> None:
        """Recompute the summary graph (aggregates and month calendar) from the store."""
        upkeep.refresh_summary(store, self.iris, bulk=bulk)

    def refresh_authority(self, store, new_keys: set[tuple[str, str]] | None = None) -> None:
        """Describe the entities the graph refers to, in the authority graph (see
        `kg.pipeline.upkeep.refresh_authority`)."""
        # the extractor's copy when it is loaded; otherwise the files alone (no spaCy model)
        authority = (self._extractor.resolver.authority if self._extractor is not None
                     else load_authority(self.data_dir))
        upkeep.refresh_authority(store, self.iris, authority, new_keys)

    def remove(self, target: str) -> int:
        """Remove a document (IRI or key) or a source, and every graph that came from it;
        returns the graphs removed. A source is identified by its path (as given, or
        absolute); a bare file name is enough when one source has it, and an ambiguous one is
        a StoreError listing the candidates. A document goes with its last source."""
        with writer(self.path) as w:
            store = w.store
            graphs = self._graphs_of(store, target)
            for g in graphs:
                store.remove_graph(g)
            orphans = upkeep.orphan_curated(store, self.iris) if graphs else []
            for g in orphans:
                store.remove_graph(g)
            if graphs:
                self.refresh_authority(store)
                upkeep.write_corrections(store, self.corrections(), self.iris)
                self.refresh_summary(store, bulk=True)
        return len(graphs) + len(orphans)

    def _graphs_of(self, store, target: str) -> set[ox.NamedNode]:
        """The graphs `remove(target)` takes out (see there)."""
        doc_graphs: set[ox.NamedNode] = set()
        rows = []  # (graph, document, source IRI, source name, path or None)
        paths = source_paths(store)
        for q in store.quads_for_pattern(None, KG.aboutDocument, None, None):
            if q.subject != q.graph_name:
                continue
            doc = q.object.value
            if target in (doc, doc.rsplit("/", 1)[-1]):
                doc_graphs.add(q.graph_name)
                continue
            s = next(iter(store.quads_for_pattern(q.subject, KG.source, None, q.graph_name)),
                     None)
            src = s.object.value if s else ""
            n = next(iter(store.quads_for_pattern(s.object, KG.sourceName, None, None)),
                     None) if s else None
            rows.append((q.graph_name, src, n.object.value if n else "",
                         paths.get(q.graph_name.value)))
        if doc_graphs:
            return doc_graphs
        # by source IRI or key
        found = {g for g, src, _, _ in rows if target in (src, src.rsplit("/", 1)[-1])}
        if found:
            return found
        # by path: as given (relative to here) or absolute
        wanted = _abs_path(target)
        found = {g for g, _, _, path in rows if path == wanted}
        if found:
            return found
        # by file name, when the name is all that was given and one source has it
        name = Path(target).name
        if name != target:
            return set()
        named = [(g, src, path) for g, src, nm, path in rows
                 if nm == name or (path and Path(path).name == name)]
        places = {path or src for _, src, path in named}
        if len(places) > 1:
            raise StoreError(
                f"{target}: {len(places)} sources have this name; give the path of the one "
                f"to remove: " + ", ".join(sorted(places)))
        return {g for g, _, _ in named}


def _abs_path(path: str) -> str:
    return str(Path(path).resolve())
