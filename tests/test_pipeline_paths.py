"""The three targets of the one ingest pipeline hold the same graph for the same input.

`data/sample` (the seed pages and the export sample: record ids, curated lists, full text) is
ingested through the real CLI three ways: into a store folder (`kg ingest --store`), into a
real `oxigraph serve` on 127.0.0.1 (`kg ingest --endpoint`), and on a real Dask
`LocalCluster` into N-Quads shards (`kg extract --dask ... --shards`) that `kg load`
bulk-loads into a store folder. The three quad sets must be equal; IRIs are deterministic and
the graphs hold no blank nodes, so equal sets are isomorphic datasets.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import SAMPLE, run_kg
from test_remote_store import Oxigraph

from kg.store import open_reader

pytestmark = pytest.mark.server

BASE = "http://127.0.0.1:8000/"


@pytest.fixture(scope="module")
def sample() -> str:
    if not any(SAMPLE.glob("*.csv")) or not any(SAMPLE.glob("*.txt")):
        pytest.skip("data/sample is incomplete")
    return str(SAMPLE)


@pytest.fixture(scope="module")
def local(sample, tmp_path_factory) -> set[ox.Quad]:
    store = tmp_path_factory.mktemp("local") / "store"
    out = run_kg("ingest", "--silent", "--base", BASE, "--store", str(store), sample)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    quads = set(open_reader(store))
    assert quads
    assert not any(isinstance(t, ox.BlankNode) for q in quads
                   for t in (q.subject, q.object, q.graph_name))
    return quads


def differ(a: set[ox.Quad], b: set[ox.Quad]) -> tuple[list[str], list[str]]:
    return sorted(map(str, a - b))[:5], sorted(map(str, b - a))[:5]


def test_remote_store_holds_the_local_graph(sample, local, tmp_path):
    server = Oxigraph("serve", "--location", str(tmp_path / "oxigraph"))
    try:
        out = run_kg("ingest", "--base", BASE, "--endpoint", server.url, sample)
        assert out.returncode == 0, out.stderr.decode()[-2000:]
        remote = server.dataset()
    finally:
        server.stop()
    assert remote == local, differ(remote, local)


def test_dask_shards_loaded_hold_the_local_graph(sample, local, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    shards_dir = tmp_path / "shards"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        out = run_kg("extract", "--dask", cluster.scheduler_address, "--shards",
                     str(shards_dir), "--base", BASE, sample)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    shards = out.stdout.decode().split()
    assert shards and all(s.endswith(".nq") for s in shards)
    store = tmp_path / "store"
    out = run_kg("load", "--store", str(store), *shards)  # the base comes from the shards
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    loaded = set(open_reader(store))
    assert loaded == local, differ(loaded, local)
