"""Golden files of the mapping, one folder per case (the manner of morph-kgc's test suites).

`tests/golden/<case>/` holds the input (a listing page, a record table; short synthetic
entries written for these tests) and, optionally, a historian's `corrections.jsonl`; its
`expected.nq` is what the whole ingest (read, extract, resolve, map) writes into the
document's own graphs. The comparison is by graph isomorphism over quads (pyoxigraph's
canonical form), so blank-node labels and order do not matter.

The authority and summary graphs are left out (they restate the authority files, which grow
on their own), and so are the values that say which versions made a graph (extractor, model,
authority, ontology, and the content hash made from them): they change with every release
while the statements stay the same. `pytest --update-golden` rewrites every expected.nq from
the current mapping; read the diff before committing it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.api import KnowledgeGraph
from kg.rdf.namespace import KG
from kg.store import open_reader

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = sorted(d for d in GOLDEN.iterdir() if d.is_dir())
BASE = "https://golden.example.org/kg/"
LEFT_OUT_GRAPHS = {BASE + "graph/authority", BASE + "graph/summary"}
# release-dependent values, replaced by a placeholder on both sides
VOLATILE = {KG.extractorVersion, KG.modelVersion, KG.authorityVersion, KG.ontologyVersion,
            KG.contentHash}
PLACEHOLDER = ox.Literal("(release-dependent)")
NOT_INPUT = {"expected.nq", "corrections.jsonl"}


def _inputs(case: Path, into: Path) -> list[str]:
    into.mkdir()
    files = sorted(f for f in case.iterdir() if f.is_file() and f.name not in NOT_INPUT)
    return [str(shutil.copy(f, into / f.name)) for f in files]


def _mapped(case: Path, tmp_path: Path) -> ox.Dataset:
    inputs = _inputs(case, tmp_path / "input")
    corrections = case / "corrections.jsonl"
    kg = KnowledgeGraph(tmp_path / "store", base=BASE,
                        corrections=corrections if corrections.exists() else
                        tmp_path / "no-corrections.jsonl")
    report = kg.ingest(inputs)
    assert report.ok, report.errors
    folder = str(tmp_path / "input")
    out = ox.Dataset()
    for q in open_reader(tmp_path / "store"):
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in LEFT_OUT_GRAPHS:
            continue
        obj = q.object
        if q.predicate in VOLATILE:
            obj = PLACEHOLDER
        elif q.predicate == KG.sourcePath and isinstance(obj, ox.Literal):
            # where the test copied the input, not where the case lives
            obj = ox.Literal(obj.value.replace(folder, "INPUT"))
        out.add(ox.Quad(q.subject, q.predicate, obj, q.graph_name))
    return out


def _canonical(ds: ox.Dataset) -> set[str]:
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in ds}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_mapping_matches_the_golden_file(case: Path, tmp_path: Path, request) -> None:
    got = _mapped(case, tmp_path)
    expected_file = case / "expected.nq"
    if request.config.getoption("--update-golden"):
        text = ox.serialize(got, format=ox.RdfFormat.N_QUADS).decode("utf-8")
        expected_file.write_text("".join(sorted(text.splitlines(keepends=True))),
                                 encoding="utf-8")
    assert expected_file.exists(), f"{expected_file} missing: run pytest --update-golden"
    expected = ox.Dataset(ox.parse(path=str(expected_file), format=ox.RdfFormat.N_QUADS))
    got_c, expected_c = _canonical(got), _canonical(expected)
    missing = sorted(expected_c - got_c)
    extra = sorted(got_c - expected_c)
    assert not missing and not extra, (
        f"{case.name}: the mapping differs from {expected_file.name}\n"
        + "".join(f"  missing: {q}\n" for q in missing[:20])
        + "".join(f"  extra:   {q}\n" for q in extra[:20]))


def test_every_case_has_an_input_and_an_expected_file() -> None:
    assert 6 <= len(CASES) <= 10
    for case in CASES:
        assert (case / "expected.nq").is_file(), case
        assert any(f.name not in NOT_INPUT for f in case.iterdir()), case
