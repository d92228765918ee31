"""The Python API: `KnowledgeGraph("kg-store").ingest(paths)`, `.query(sparql)`, `.export(...)`.

The CLI is a thin layer over this module; everything it does can be done from Python.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.identity import better, content_key, document_key
from kg.link import store_corrections
from kg.model import ReadProblem, Record, SourceRef
from kg.rdf.mapping import (
    DEFAULT_BASE,
    Iris,
    authority_quads,
    content_hash,
    map_entry,
    unresolved_quads,
)
from kg.rdf.namespace import KG, OWL, PREFIXES, SKOS
from kg.rdf.summary import summary_quads
from kg.resolve import continuity
from kg.resolve.authority import load_authority
from kg.resolve.corrections import (
    Corrections,
    apply_to_entry,
    authority_lookup,
    default_corrections_path,
    load_corrections,
)
from kg.sources import SourceError, read_inputs
from kg.store import StoreConfig, StoreError, open_reader, replace_graphs, writer

__all__ = ["KnowledgeGraph", "IngestReport", "StoreError"]


@dataclass
class IngestReport:
    """What an ingest did, for the summary line and the exit code."""

    files: int = 0
    entries: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    incomplete: int = 0
    errors: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (f"{self.entries} entries from {self.files} file(s): {self.new} new, "
                f"{self.updated} updated, {self.unchanged} unchanged, {self.incomplete} "
                f"incomplete, {len(self.errors)} error(s)")


class IngestAborted(Exception):
    """--strict met an error or flag: nothing was written."""


class KnowledgeGraph:
    """A knowledge graph in a store folder (created on first ingest)."""

    # the summary graph is recomputed only when a run changed something: a local run is one
    # published generation, so an interrupted run left nothing stale
    summary_every_run = False

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
        self.base = base or (config.base if config else DEFAULT_BASE)
        if not self.base.endswith(("/", "#")):
            self.base += "/"
        self.iris = Iris(self.base)
        self.model = model
        self.data_dir = data_dir
        # a historian's corrections file (default: $KG_CORRECTIONS or ./corrections.jsonl)
        self._corrections = corrections
        self._extractor = None

    def corrections(self) -> Corrections:
        """The corrections to apply, read afresh (a historian may have edited the file);
        CorrectionsError names file and line of a bad one. No file means no corrections."""
        if isinstance(self._corrections, Corrections):
            return self._corrections
        return load_corrections(self._corrections or default_corrections_path(),
                                missing_ok=True)

    # -- reading ---------------------------------------------------------------------------

    def _has_data(self) -> bool:
        from kg.store import current_generation

        return current_generation(self.path) is not None

    def reader(self) -> ox.Store:
        return open_reader(self.path)

    def query(self, sparql: str, *, use_default_graph_as_union: bool = True):
        """Run a SPARQL query over the union of all graphs."""
        return self.reader().query(sparql, use_default_graph_as_union=use_default_graph_as_union,
                                   prefixes=PREFIXES)

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
        from kg.extract.pipeline import Extractor

        if self._extractor is None or self._extractor.full_text != full_text:
            self._extractor = Extractor(model=self.model, data_dir=self.data_dir,
                                        full_text=full_text)
        return self._extractor

    def ingest(self, paths: Iterable[str], *, strict: bool = False, full_text: bool = True,
               progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Read, extract and store; a file that yields nothing is reported and skipped."""
        report = IngestReport()
        records: list[Record] = []
        for _name, result in read_inputs(paths):
            report.files += 1
            if isinstance(result, SourceError):
                report.errors.append(str(result))
                continue
            for problem in result.problems:
                (report.errors if problem.severity == "error" else report.notes).append(str(problem))
            records.extend(result.records)
        if strict and report.errors:
            raise IngestAborted("; ".join(report.errors[:5]))
        if not records:
            return report
        self._store_records(records, report, strict=strict, full_text=full_text,
                            progress=progress)
        return report

    def rebuild(self, *, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Re-extract every kept raw record (after an upgrade of extractor, authority or ontology)."""
        records = self.raw_records()
        report = IngestReport(files=0)
        self._store_records(records, report, strict=False, full_text=True, progress=progress,
                            force=True)
        return report

    def raw_records(self) -> list[Record]:
        rows = self.query(
            "SELECT ?raw WHERE { GRAPH ?g { ?g kg:rawRecord ?raw } } ORDER BY ?g")
        out = []
        for row in rows:
            data = json.loads(row[0].value)
            src = data.pop("source")
            out.append(Record(**{**data, "source": SourceRef(src["path"], src["line"], src["kind"])}))
        return out

    def _store_records(self, records: list[Record], report: IngestReport, *, strict: bool,
                       full_text: bool, progress, force: bool = False) -> None:
        with writer(self.path) as w:
            if StoreConfig.read(self.path) is None:
                StoreConfig(base=self.base).write(self.path)
            self._write_records(w.store, records, report, strict=strict, full_text=full_text,
                                progress=progress, force=force)

    def _write_records(self, store, records: list[Record], report: IngestReport, *,
                       strict: bool, full_text: bool, progress, force: bool = False,
                       batch_size: int | None = 200_000, bulk: bool = True) -> None:
        """Extract, map and write: the one ingest loop, for a local or a remote store.

        Graphs are written in batches of about `batch_size` quads; with None, everything is
        extracted before the first write. `bulk` writes new graphs without a transaction: right
        for a private store generation, which is published only when the whole run is done."""
        identity = self._identity(store)
        records, rekeyed = self._with_identity(store, records, identity)
        hashes = {r[0].value: r[1].value for r in store.query(
            "SELECT ?g ?h WHERE { GRAPH ?g { ?g kg:contentHash ?h } }", prefixes=PREFIXES)}
        extractor = self.extractor(full_text)
        fingerprint = extractor.info.fingerprint
        versions = {"extractor": extractor.info.version, "model": extractor.info.model,
                    "authority": extractor.info.authority}
        corrections = self.corrections()
        lookup = authority_lookup(extractor.resolver)
        todo: list[tuple[str, Record]] = []
        fingerprints: dict[str, str] = {}
        for key, record in records:
            report.entries += 1
            g = self.iris.graph(key, _source_key(record)).value
            # corrections that can touch this entry are part of what made its graph
            fp = fingerprints[g] = fingerprint + corrections.fingerprint_for(key, record)
            if not force and hashes.get(g) == content_hash(record, fp):
                report.unchanged += 1
                if progress:
                    progress(1, len(records))
                continue
            if g in hashes:
                report.updated += 1
            else:
                report.new += 1
            todo.append((key, record))
        # where each mention of the graphs about to be replaced pointed (IRIs keep working)
        before = continuity.mention_targets(store, [self.iris.graph(k, _source_key(r))
                                                    for k, r in todo])
        batch: dict[ox.NamedNode, list[ox.Quad]] = {}
        batch_quads = 0
        entity_keys: set[tuple[str, str]] = set()
        keys = [k for k, _ in todo]
        if self.workers > 1:
            from kg.extract.parallel import extract_parallel

            entries = extract_parallel((r for _, r in todo), self.workers, model=self.model,
                                       full_text=full_text)
        else:
            entries = extractor.extract(r for _, r in todo)
        for i, entry in enumerate(entries):
            if entry.flags:
                report.incomplete += 1
                report.flags.append(f"{entry.record.source.path}:{entry.record.source.line}: "
                                    f"{', '.join(entry.flags)}: {entry.record.title[:60]}")
                if strict:
                    raise IngestAborted(report.flags[-1])
            entry = apply_to_entry(entry, keys[i], corrections, lookup=lookup)
            g = self.iris.graph(keys[i], _source_key(entry.record)).value
            dg = map_entry(entry, keys[i], self.iris, fingerprints[g], versions)
            batch[dg.graph] = dg.quads
            batch_quads += len(dg.quads)
            if dg.curated_graph is not None:
                batch[dg.curated_graph] = dg.curated_quads
                batch_quads += len(dg.curated_quads)
            entity_keys |= dg.entity_keys
            if batch_size is not None and batch_quads >= batch_size:
                replace_graphs(store, batch, bulk=bulk)
                batch, batch_quads = {}, 0
            if progress:
                progress(1, len(records))
        replace_graphs(store, batch, bulk=bulk)
        for old in rekeyed:
            store.remove_graph(old)
        self._write_identity(store, identity)
        continuity.keep_old_iris(store, self.base, before, extractor.resolver.authority)
        self.refresh_authority(store, entity_keys)
        store_corrections(store, corrections, self.iris)
        if todo or rekeyed or self.summary_every_run or not store.contains_named_graph(
                self.iris.summary_graph()):
            self.refresh_summary(store, bulk=bulk)
        report.written = True

    def refresh_summary(self, store, *, bulk: bool = False) -> None:
        """Recompute the summary graph (aggregates and month calendar) from the store."""
        replace_graphs(store, {self.iris.summary_graph(): summary_quads(store, self.iris)},
                       bulk=bulk)

    # -- identity of documents ---------------------------------------------------------------

    def _identity(self, store: ox.Store) -> dict[str, str]:
        """Content keys of documents that later got an archive record id -> that id's key."""
        g = ox.NamedNode(self.base + "graph/identity")
        out = {}
        for q in store.quads_for_pattern(None, OWL.sameAs, None, g):
            out[q.subject.value.rsplit("/", 1)[-1]] = q.object.value.rsplit("/", 1)[-1]
        return out

    def _with_identity(self, store: ox.Store, records: list[Record], identity: dict[str, str]
                       ) -> tuple[list[tuple[str, Record]], list[ox.NamedNode]]:
        """Key records; dedupe copies of one document; re-key documents whose record id arrived."""
        for r in records:
            if r.record_id:
                identity[content_key(r)] = document_key(r)
        rekeyed: list[ox.NamedNode] = []
        extra: list[Record] = []
        for old_key in identity:
            doc = self.iris.document(old_key)
            for q in store.quads_for_pattern(None, KG.aboutDocument, doc, None):
                raw = next(store.quads_for_pattern(q.subject, KG.rawRecord, None, q.graph_name), None)
                if raw is None:
                    continue
                data = json.loads(raw.object.value)
                src = data.pop("source")
                extra.append(Record(**{**data, "source": SourceRef(src["path"], src["line"],
                                                                   src["kind"])}))
                rekeyed.append(q.graph_name)
        best: dict[tuple[str, str], Record] = {}
        for r in extra + records:
            key = document_key(r)
            key = identity.get(key, key)
            slot = (key, _source_key(r))
            best[slot] = better(best[slot], r) if slot in best else r
        return [(k, r) for (k, _), r in best.items()], rekeyed

    def _write_identity(self, store: ox.Store, identity: dict[str, str]) -> None:
        if not identity:
            return
        g = ox.NamedNode(self.base + "graph/identity")
        quads = [ox.Quad(self.iris.document(a), OWL.sameAs, self.iris.document(b), g)
                 for a, b in sorted(identity.items())]
        replace_graphs(store, {g: quads})

    def refresh_authority(self, store: ox.Store, new_keys: set[tuple[str, str]] | None = None
                         ) -> None:
        """Describe the entities the graph refers to, in the authority graph: authority entries
        from the authority files, unresolved names with one label from their spellings.

        With `new_keys`, the entities already described plus the new ones (cheap, for ingest);
        without, every entity any graph refers to (a full scan, after removals)."""
        # the extractor's copy when it is loaded; otherwise the files alone (no spaCy model)
        authority = (self._extractor.resolver.authority if self._extractor is not None
                     else load_authority(self.data_dir))
        g = self.iris.authority_graph()
        used: set[tuple[str, str]] = set()
        kinds = ("person", "place", "organization")
        if new_keys is not None:
            used |= new_keys
            for q in store.quads_for_pattern(None, KG.resolved, None, g):
                kind, _, key = (self.iris.prefix_of(q.subject) or "").partition("/")
                if kind in kinds and key:
                    used.add((kind, key))
        else:
            for kind in kinds:
                prefix = f"{self.base}{kind}/"
                rows = store.query(
                    f"SELECT DISTINCT ?e WHERE {{ GRAPH ?g {{ ?s ?p ?e }} FILTER(?g != {g} && "
                    f"isIRI(?e) && STRSTARTS(STR(?e), \"{prefix}\")) }}")
                for row in rows:
                    used.add((kind, row[0].value[len(prefix):]))
        quads = authority_quads(authority, {k for k in used if k[1] in authority.entries},
                                self.iris)
        for kind, key in sorted(k for k in used if k[1] not in authority.entries):
            node = self.iris.entity_key(kind, key)
            spellings = {q.object.value for q in store.quads_for_pattern(node, SKOS.altLabel,
                                                                         None, None)
                         if q.graph_name != g}
            if spellings:
                quads += unresolved_quads(kind, key, list(spellings), self.iris)
        replace_graphs(store, {g: quads})

    def remove(self, target: str) -> int:
        """Remove a document (IRI or key) or a source (file name, IRI or key); returns graphs removed."""
        with writer(self.path) as w:
            store = w.store
            graphs = set()
            for q in store.quads_for_pattern(None, KG.aboutDocument, None, None):
                doc, src = q.object.value, None
                s = next(store.quads_for_pattern(q.subject, KG.source, None, q.graph_name), None)
                src = s.object.value if s else ""
                names = {doc, doc.rsplit("/", 1)[-1], src, src.rsplit("/", 1)[-1]}
                n = next(store.quads_for_pattern(s.object, KG.sourceName, None, q.graph_name),
                         None) if s else None
                if n:
                    names.add(n.object.value)
                if target in names or Path(target).name in names:
                    graphs.add(q.graph_name)
            for g in graphs:
                store.remove_graph(g)
            if graphs:
                self.refresh_authority(store)
                store_corrections(store, self.corrections(), self.iris)
                self.refresh_summary(store, bulk=True)
        return len(graphs)


def _source_key(record: Record) -> str:
    from kg.rdf.mapping import source_key

    return source_key(record)


def problems_text(problems: Iterable[ReadProblem]) -> list[str]:
    return [str(p) for p in problems]
