"""Checks for data/people-hsg.tsv, the people derived from the US Office of the Historian
(tools/derive_hsg.py): its format, provenance and the rules that keep it from costing precision."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
PATH = DATA / "people-hsg.tsv"
COLUMNS = ["id", "name", "same_as", "wikidata", "wikidata_source", "variants", "born", "died",
           "nationality", "posts", "viaf", "hsg_id", "pocom_id", "source", "note"]
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
POST = re.compile(r"^[^@|]+@[a-z0-9-]*@(\d{4})?-(\d{4})?$")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    if not PATH.exists():
        pytest.skip("no people-hsg.tsv")
    return _rows(PATH)


def test_header_and_size(rows):
    with PATH.open(encoding="utf-8") as fh:
        assert fh.readline().rstrip("\n").split("\t") == COLUMNS
    assert len(rows) >= 1000
    assert all(len(r) == len(COLUMNS) and None not in r.values() for r in rows)


def test_ids_are_slugs_unique_across_all_authority_files(rows):
    taken: dict[str, str] = {}
    for name in ("people.tsv", "places.tsv", "organizations.tsv", "topics.tsv"):
        for r in _rows(DATA / name):
            taken[r["id"]] = name
    seen = set()
    for r in rows:
        assert SLUG.match(r["id"]), r["id"]
        assert r["id"] not in taken and r["id"] not in seen, r["id"]
        seen.add(r["id"])


def test_every_row_names_its_source_and_no_wikidata_id_is_guessed(rows):
    for r in rows:
        assert r["source"] in {"hsg-people", "hsg-people+pocom", "pocom"}, r["id"]
        assert r["hsg_id"].isdigit() or r["pocom_id"], r["id"]
        assert not r["wikidata"] and not r["wikidata_source"], r["id"]
        assert not r["viaf"] or r["viaf"].isdigit(), r["id"]


def test_merged_rows_name_a_curated_person(rows):
    people = {r["id"] for r in _rows(DATA / "people.tsv")}
    merged = [r for r in rows if r["same_as"]]
    assert merged
    assert all(r["same_as"] in people for r in merged)


def test_years_posts_and_places(rows):
    places = {r["id"] for r in _rows(DATA / "places.tsv")}
    for r in rows:
        born = int(r["born"]) if r["born"] else None
        died = int(r["died"]) if r["died"] else None
        assert born is None or 1700 < born < 2010, r["id"]
        assert born is None or died is None or born <= died, r["id"]
        dated = False
        for post in filter(None, r["posts"].split("|")):
            m = POST.match(post)
            assert m, (r["id"], post)
            where = post.split("@")[1]
            assert not where or where in places, (r["id"], where)
            dated = dated or bool(m.group(1) or m.group(2))
        # a person of their own enters only with something a document's date can be checked on
        assert r["same_as"] or born or died or dated, r["id"]


def test_no_variant_is_a_single_word_or_a_title(rows):
    for r in rows:
        for form in filter(None, [r["name"], *r["variants"].split("|")]):
            assert len(re.findall(r"[^\W\d_]{2,}", form)) >= 2, (r["id"], form)
            assert not re.search(r"\b(?:of|the|The)\b", form), (r["id"], form)
