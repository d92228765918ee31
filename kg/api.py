"""The Python API: `KnowledgeGraph("kg-store").ingest(paths)`, `.query(sparql)`, `.export(...)`.

The CLI is a thin layer over this module; everything it does can be done from Python.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.core.authority import load_authority
from kg.core.identity import better, content_key, document_key
from kg.core.model import ReadProblem, Record, SourceRef
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
from kg.resolve.corrections import Corrections, apply_to_entry, authority_lookup, load_corrections
from kg.sources import Skipped, SourceError, read_inputs
from kg.store import StoreConfig, StoreError, continuity, open_reader, replace_graphs, writer
from kg.store.corrections import (
    carry_over_corrections,
    default_corrections_path,
    remember_corrections_path,
    store_corrections,
)

__all__ = ["KnowledgeGraph", "IngestReport", "StoreError"]


@dataclass
class IngestReport:
    """What an ingest did, for the summary line and the exit code."""

    files: int = 0
    entries: int = 0
    # new/updated/unchanged count documents (what the store holds), not entries: one document
    # listed on two pages is two entries and one document
    documents: int = 0
    removed: int = 0
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
        removed = f", {self.removed} removed" if self.removed else ""
        return (f"{self.entries} entries from {self.files} file(s), {self.documents} "
                f"document(s): {self.new} new, {self.updated} updated, {self.unchanged} "
                f"unchanged{removed}; {self.incomplete} incomplete, {len(self.errors)} error(s)")


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
        # a historian's corrections file: given, or where the store keeps it (see
        # `default_corrections_path`); a given path is recorded in the store on its next write
        self._corrections = corrections
        self._extractor = None
        self.notes: list[str] = []

    def corrections_path(self) -> Path:
        if self._corrections is not None and not isinstance(self._corrections, Corrections):
            return Path(self._corrections)
        return default_corrections_path(self.path)  # a remote store (no folder): ./ as before

    def corrections(self) -> Corrections:
        """The corrections to apply, read afresh (a historian may have edited the file);
        CorrectionsError names file and line of a bad one. No file means no corrections.
        Decisions left in ./corrections.jsonl by earlier versions are carried over first."""
        if isinstance(self._corrections, Corrections):
            return self._corrections
        if self._corrections is None and self.path is not None:
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
        read_paths: set[str] = set()
        for name, result in read_inputs(paths):
            if isinstance(result, Skipped):
                report.notes.append(str(result))
                continue
            report.files += 1
            if isinstance(result, SourceError):
                report.errors.append(str(result))
                continue
            if name != "<stdin>":
                # the page as it is now: its graphs not written again below are gone from it
                read_paths.add(_abs_path(name))
            for problem in result.problems:
                (report.errors if problem.severity == "error" else report.notes).append(str(problem))
            records.extend(result.records)
        if strict and report.errors:
            raise IngestAborted("; ".join(report.errors[:5]))
        if not records:
            return report
        self._store_records(records, report, strict=strict, full_text=full_text,
                            progress=progress, read_paths=read_paths)
        report.notes += self.notes
        return report

    def rebuild(self, *, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Re-extract every kept raw record (after an upgrade of extractor, authority or ontology)."""
        records = self.raw_records()
        report = IngestReport(files=len({(r.source.kind, r.source.path) for r in records}))
        # the records come from the store: their paths are names, the graphs keep their paths
        self._store_records(records, report, strict=False, full_text=True, progress=progress,
                            force=True, fresh=False)
        report.notes += self.notes
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
                       full_text: bool, progress, force: bool = False, fresh: bool = True,
                       read_paths: set[str] | None = None) -> None:
        with writer(self.path) as w:
            if StoreConfig.read(self.path) is None:
                StoreConfig(base=self.base).write(self.path)
            self._remember_corrections()
            self._write_records(w.store, records, report, strict=strict, full_text=full_text,
                                progress=progress, force=force, fresh=fresh,
                                read_paths=read_paths)

    def _write_records(self, store, records: list[Record], report: IngestReport, *,
                       strict: bool, full_text: bool, progress, force: bool = False,
                       batch_size: int | None = 200_000, bulk: bool = True,
                       fresh: bool = True, read_paths: set[str] | None = None) -> None:
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
        # where each graph was read from: fresh records carry the file's path; records from
        # the store (rebuild) carry only its name, and their graphs keep the path they had
        stored_paths = source_paths(store)
        paths: dict[str, str] = {}
        written: set[str] = set()
        doc_state: dict[str, str] = {}
        known_docs = {g.rsplit("/", 2)[-2] for g in hashes}
        for key, record in records:
            report.entries += 1
            g = self.iris.graph(key, _source_key(record)).value
            written.add(g)
            path = _abs_path(record.source.path) if fresh and record.source.path != "<stdin>" \
                else stored_paths.get(g)
            if path:
                paths[g] = path
            # corrections that can touch this entry are part of what made its graph
            fp = fingerprints[g] = fingerprint + corrections.fingerprint_for(key, record)
            if not force and hashes.get(g) == content_hash(record, fp):
                doc_state.setdefault(key, "unchanged")
                if path and stored_paths.get(g) != path:
                    _set_source_path(store, g, path)  # same content, the file moved
                if progress:
                    progress(1, len(records))
                continue
            doc_state[key] = "updated" if key in known_docs else "new"
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
            if g in paths:
                dg.quads.append(_path_quad(dg.graph, paths[g]))
            batch[dg.graph] = dg.quads
            batch_quads += len(dg.quads)
            if dg.curated_graph is not None:
                if g in paths:
                    dg.curated_quads.append(_path_quad(dg.curated_graph, paths[g]))
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
        # entries no longer on a page read whole in this run: their graphs mirror the page
        stale = [ox.NamedNode(g) for g, p in stored_paths.items()
                 if read_paths and p in read_paths and g not in written
                 and not g.endswith("/curated")]
        for g in stale:
            store.remove_graph(g)
        # a curated graph is orphaned only when a source graph went: no scan otherwise
        orphans = _orphan_curated(store, self.iris) if stale or rekeyed else []
        gone = set(stale) | set(orphans)
        for g in gone - set(stale):
            store.remove_graph(g)
        report.removed = sum(1 for key in {g.value.rsplit("/", 2)[-2] for g in gone}
                             if not _has_graph(store, self.iris.document(key)))
        report.documents = len(doc_state)
        for state in doc_state.values():
            setattr(report, state, getattr(report, state) + 1)
        self._write_identity(store, identity)
        continuity.keep_old_iris(store, self.base, before, extractor.resolver.authority)
        self.refresh_authority(store, entity_keys)
        store_corrections(store, corrections, self.iris)
        if todo or rekeyed or gone or self.summary_every_run or not store.contains_named_graph(
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
        """Remove a document (IRI or key) or a source, and every graph that came from it;
        returns the graphs removed. A source is identified by its path (as given, or
        absolute); a bare file name is enough when one source has it, and an ambiguous one is
        a StoreError listing the candidates. A document goes with its last source."""
        with writer(self.path) as w:
            store = w.store
            graphs = self._graphs_of(store, target)
            for g in graphs:
                store.remove_graph(g)
            orphans = _orphan_curated(store, self.iris) if graphs else []
            for g in orphans:
                store.remove_graph(g)
            if graphs:
                self.refresh_authority(store)
                store_corrections(store, self.corrections(), self.iris)
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


def _path_quad(graph: ox.NamedNode, path: str) -> ox.Quad:
    return ox.Quad(graph, KG.sourcePath, ox.Literal(path), graph)


def source_path_quads(dg, path: str | None) -> list[ox.Quad]:
    """The statements of where a (document, source) graph and its curated graph were read
    from; none for standard input."""
    if not path or path == "<stdin>":
        return []
    graphs = [dg.graph] + ([dg.curated_graph] if dg.curated_graph is not None else [])
    return [_path_quad(g, _abs_path(path)) for g in graphs]


def source_paths(store) -> dict[str, str]:
    """Graph IRI -> absolute path of the file it was read from (graphs written before paths
    were recorded have none)."""
    return {q.graph_name.value: q.object.value
            for q in store.quads_for_pattern(None, KG.sourcePath, None, None)
            if q.subject == q.graph_name}


def _set_source_path(store, graph: str, path: str) -> None:
    g = f"<{graph}>"
    store.update(f"DELETE WHERE {{ GRAPH {g} {{ {g} {KG.sourcePath} ?p }} }} ;\n"
                 f"INSERT DATA {{ GRAPH {g} {{ {g} {KG.sourcePath} "
                 f"{ox.Literal(path)} }} }}")


def _has_graph(store, doc: ox.NamedNode) -> bool:
    return next(iter(store.quads_for_pattern(None, KG.aboutDocument, doc, None)), None) \
        is not None


def _orphan_curated(store, iris: Iris) -> list[ox.NamedNode]:
    """Curated graphs whose (document, source) graph is gone: the curated lists came with
    that source's record, and go with it."""
    out = []
    for q in store.quads_for_pattern(None, KG.sourceKind, ox.Literal("curated"), None):
        if q.subject != q.graph_name or not q.graph_name.value.endswith("/curated"):
            continue  # the corrections graph is curated too, but no document's
        src = next(iter(store.quads_for_pattern(q.subject, KG.source, None, q.graph_name)),
                   None)
        doc_key = q.graph_name.value.rsplit("/", 2)[-2]
        skey = src.object.value.rsplit("/", 1)[-1] if src is not None else ""
        if not skey or not store.contains_named_graph(iris.graph(doc_key, skey)):
            out.append(q.graph_name)
    return out


def _source_key(record: Record) -> str:
    from kg.rdf.mapping import source_key

    return source_key(record)


def problems_text(problems: Iterable[ReadProblem]) -> list[str]:
    return [str(p) for p in problems]
