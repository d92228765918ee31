"""Extraction on a real Dask cluster and on local worker processes, N-Quads shards and their
bulk load: the same entries and the same graph as the single-process path, quad for quad.

The cluster is a `distributed.LocalCluster` of two worker processes on 127.0.0.1; the inputs are
the seed listing pages and the real export sample (record ids, curated lists, full text).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from kg.api import KnowledgeGraph
from kg.extract.jsonl import entry_to_json
from kg.pipeline.cluster import extract_on_dask
from kg.pipeline.parallel import extract_parallel
from kg.pipeline.shards import load_shards, plan_records, shard_corpus
from kg.resolve.entry import Extractor
from kg.sources import read_inputs
from kg.store import StoreConfig, StoreError, open_reader

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _records(paths):
    out = []
    for _, result in read_inputs([str(p) for p in paths]):
        out += result.records
    return out


@pytest.fixture(scope="module")
def inputs(seed_pages, tmp_path_factory) -> dict[str, list[Path]]:
    """The seed pages and four rows of the real export sample, their text cut to 150 words
    (record ids, curated lists and full text are all there; the suite stays fast)."""
    sample = SAMPLE / "wilson-export-sample.csv"
    if not sample.exists():
        pytest.skip("no export sample in data/sample")
    csv.field_size_limit(10**8)
    with sample.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows, fields = list(reader)[:4], reader.fieldnames
    for row in rows:
        row["text_body"] = " ".join(row["text_body"].split()[:150])
    table = tmp_path_factory.mktemp("table") / "export-sample.csv"
    with table.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return {"pages": list(seed_pages), "table": [table], "all": [*seed_pages, table]}


@pytest.fixture(scope="module")
def planned(inputs):
    return plan_records(_records(inputs["all"]))


@pytest.fixture(scope="module")
def local_json(planned) -> list[str]:
    keyed, _ = planned
    return [json.dumps(entry_to_json(e), sort_keys=True)
            for e in Extractor().extract(r for _, r in keyed)]


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def dask_entries(client, planned):
    keyed, _ = planned
    # small partitions, so both workers get several and order has to be restored
    return list(extract_on_dask((r for _, r in keyed), client, partition_size=3))


@pytest.mark.server  # a two-worker LocalCluster on 127.0.0.1
def test_dask_entries_equal_single_process_entries(dask_entries, local_json, planned):
    assert len(dask_entries) == len(planned[0]) == 24
    assert sum(1 for e in dask_entries if e.record.record_id and e.record.full_text) == 4
    assert [json.dumps(entry_to_json(e), sort_keys=True) for e in dask_entries] == local_json


@pytest.mark.server  # a two-worker LocalCluster on 127.0.0.1
def test_each_worker_loads_the_pipeline_once(client, planned):
    keyed, _ = planned
    list(extract_on_dask((r for _, r in keyed), client, partition_size=2))
    cached = client.run(lambda: len(__import__("kg.pipeline.cluster").pipeline.cluster._cache))
    assert sorted(cached.values()) == [1, 1]


@pytest.mark.server  # a two-worker LocalCluster on 127.0.0.1
def test_scheduler_address_works_like_a_client(client, planned, local_json):
    keyed, _ = planned
    address = client.scheduler.address
    entries = extract_on_dask([r for _, r in keyed[:7]], address, partition_size=2)
    assert [json.dumps(entry_to_json(e), sort_keys=True) for e in entries] == local_json[:7]


@pytest.mark.server  # a two-worker LocalCluster on 127.0.0.1
def test_shards_bulk_loaded_equal_a_single_process_ingest(client, planned, inputs, tmp_path):
    keyed, _ = planned
    # the pipeline with the Dask extract stage and the shard sink, as `kg extract --shards` runs
    shards, report = shard_corpus([str(p) for p in inputs["all"]], client, tmp_path / "shards",
                                  shard_size=8, partition_size=3)
    assert report.ok and report.new == report.documents, report.errors
    assert len(shards) == -(-len(keyed) // 8) + 1  # document shards, then identity
    loaded = load_shards(tmp_path / "from-shards", shards)
    reference = tmp_path / "ingested"
    report = KnowledgeGraph(reference).ingest([str(p) for p in inputs["all"]])
    assert report.ok, report.errors
    ours, theirs = set(open_reader(tmp_path / "from-shards")), set(open_reader(reference))
    assert loaded == len(ours)
    assert ours == theirs, (sorted(map(str, ours - theirs))[:5], sorted(map(str, theirs - ours))[:5])
    # loading the same shards again replaces their graphs: nothing changes
    assert load_shards(tmp_path / "from-shards", shards) == 0
    assert set(open_reader(tmp_path / "from-shards")) == theirs


@pytest.mark.server  # a two-worker LocalCluster on 127.0.0.1
def test_shards_loaded_into_a_store_with_data_equal_two_ingests(client, inputs, tmp_path):
    """Pages ingested first, then the table's shards loaded: as if both had been ingested."""
    shards, report = shard_corpus([str(p) for p in inputs["table"]], client,
                                  tmp_path / "shards")
    assert report.ok, report.errors
    store = tmp_path / "store"
    KnowledgeGraph(store).ingest([str(p) for p in inputs["pages"]])
    load_shards(store, shards)
    reference = tmp_path / "reference"
    kg = KnowledgeGraph(reference)
    kg.ingest([str(p) for p in inputs["pages"]])
    kg.ingest([str(p) for p in inputs["table"]])
    assert set(open_reader(store)) == set(open_reader(reference))


def test_unreadable_input_is_reported_and_the_rest_sharded(client, inputs, tmp_path):
    """The one reading policy: a bad file is a problem naming it; the others are sharded."""
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    shards, report = shard_corpus([str(empty), *map(str, inputs["pages"])], client,
                                  tmp_path / "shards")
    assert not report.ok and f"{empty}: empty file" in report.errors[0]
    assert report.files == 3 and report.documents == 19 and shards


def test_bad_shard_is_a_clear_error_and_changes_nothing(tmp_path, seed_store):
    bad = tmp_path / "bad.nq"
    bad.write_text("<http://a> <http://b> this is not N-Quads .\n", encoding="utf-8")
    with pytest.raises(StoreError, match="bad.nq: not valid N-Quads"):
        load_shards(tmp_path / "store", [bad])
    with pytest.raises(StoreError, match="no such shard"):
        load_shards(tmp_path / "store", [tmp_path / "missing.nq"])
    assert len(open_reader(tmp_path / "store")) == 0


def test_a_new_store_takes_the_shards_base_and_another_base_is_refused(tmp_path):
    def shard(name: str, base: str) -> Path:
        g = f"<{base}graph/hkey/listing-page>"
        path = tmp_path / name
        path.write_text(f"{g} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                        f"<https://w3id.org/archive-kg/ns#SourceGraph> {g} .\n",
                        encoding="utf-8")
        return path

    store = tmp_path / "store"
    load_shards(store, [shard("a.nq", "http://a.example/kg/")])
    assert StoreConfig.read(store).base == "http://a.example/kg/"
    with pytest.raises(StoreError, match="made with base IRI http://b.example/"):
        load_shards(store, [shard("b.nq", "http://b.example/")])
    graphs = {q.graph_name.value for q in open_reader(store)}  # as it was: nothing of b
    assert "http://a.example/kg/graph/hkey/listing-page" in graphs
    assert not any(g.startswith("http://b.example/") for g in graphs)


def test_local_worker_processes_give_the_same_entries_in_order(planned, local_json):
    keyed, _ = planned
    entries = extract_parallel([r for _, r in keyed], workers=2, chunk_size=4)
    assert [json.dumps(entry_to_json(e), sort_keys=True) for e in entries] == local_json


def test_unreachable_scheduler_is_a_clear_error(planned):
    from kg.pipeline.cluster import ClusterError

    keyed, _ = planned
    with pytest.raises(ClusterError, match="tcp://127.0.0.1:9: cannot reach the Dask scheduler"):
        list(extract_on_dask([r for _, r in keyed[:2]], "tcp://127.0.0.1:9", timeout=2))
