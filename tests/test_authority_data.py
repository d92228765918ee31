"""Checks for the authority files in data/ (people, places, organisations, topics).

Stdlib + pytest only. The cross-checks against the shared reference data
(../shared/data/wikidata-fb15k-entities.json and ../shared/gold/aliases.tsv,
relative to the repository root) are skipped when those files are absent.
"""
import csv
import json
import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"
FB15K = SHARED / "data" / "wikidata-fb15k-entities.json"
GOLD_ALIASES = SHARED / "gold" / "aliases.tsv"

HEADERS = {
    "people.tsv": ["id", "name", "wikidata", "wikidata_source", "variants", "pseudonyms",
                   "native_names", "born", "died", "nationality", "posts", "note"],
    "places.tsv": ["id", "name", "type", "wikidata", "wikidata_source", "variants",
                   "native_names", "demonyms", "lat", "lon", "within", "note", "within_then"],
    "organizations.tsv": ["id", "name", "type", "wikidata", "wikidata_source", "variants",
                          "native_names", "parent", "country", "note", "names_then"],
    "topics.tsv": ["id", "label", "broader", "keywords", "wikidata", "wikidata_source", "note"],
}
MINIMUM = {"people.tsv": 320, "places.tsv": 210, "organizations.tsv": 90, "topics.tsv": 25}
PLACE_TYPES = {"country", "historical-country", "city", "capital", "region", "province", "port",
               "island", "sea", "continent", "territory"}
ORG_TYPES = {"party", "government", "ministry", "military", "intelligence", "international",
             "legislature", "news-agency", "theatre", "company", "other"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QID = re.compile(r"^Q[1-9][0-9]*$")
NATIVE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]+)?:\S.*$")
SOURCE = re.compile(r"^(fb15k|gold-aliases|search:\S+)$")
YEARS = re.compile(r"^(?:(\d{4})(?:-(\d{4})?)?)?$")


def read(name):
    path = DATA / name
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        rows = [dict(zip(header, r)) for r in reader]
        return header, rows


def items(cell):
    return [x for x in cell.split("|") if x] if cell else []


def norm(text):
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip().casefold()


@pytest.fixture(scope="module")
def tables():
    return {name: read(name)[1] for name in HEADERS}


def names_of(row):
    """Canonical name plus variants (topics: label plus keywords)."""
    if "label" in row:
        return [row["label"]] + items(row.get("keywords", ""))
    return [row["name"]] + items(row.get("variants", ""))


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_headers_and_shape(name):
    header, rows = read(name)
    assert header == HEADERS[name]
    with (DATA / name).open(encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    for n, line in enumerate(lines[1:], start=2):
        assert len(line.split("\t")) == len(header), f"{name}:{n}: wrong column count"
    for row in rows:
        assert row["id"], f"{name}: empty id"
        label = row.get("name", row.get("label"))
        assert label and label == label.strip(), f"{name}:{row['id']}: bad name"


@pytest.mark.parametrize("name", sorted(MINIMUM))
def test_sizes(name):
    assert len(read(name)[1]) >= MINIMUM[name]


def test_topics_size_is_small_vocabulary(tables):
    assert 25 <= len(tables["topics.tsv"]) <= 40


def test_ids_unique_and_slugs(tables):
    seen = {}
    for name, rows in tables.items():
        for row in rows:
            assert SLUG.match(row["id"]), f"{name}: bad id {row['id']!r}"
            assert row["id"] not in seen, f"duplicate id {row['id']} in {name} and {seen[row['id']]}"
            seen[row["id"]] = name


def test_wikidata_ids_and_sources(tables):
    qids = {}
    for name, rows in tables.items():
        for row in rows:
            q, src = row["wikidata"], row["wikidata_source"]
            if q:
                assert QID.match(q), f"{name}:{row['id']}: bad Wikidata id {q!r}"
                assert src and SOURCE.match(src), f"{name}:{row['id']}: id without valid source"
                assert q not in qids, f"{q} used by {row['id']} and {qids[q]}"
                qids[q] = row["id"]
            else:
                assert not src, f"{name}:{row['id']}: source without an id"


def test_enumerated_types(tables):
    for row in tables["places.tsv"]:
        assert row["type"] in PLACE_TYPES, row["id"]
    for row in tables["organizations.tsv"]:
        assert row["type"] in ORG_TYPES, row["id"]


def test_references_resolve(tables):
    people = {r["id"] for r in tables["people.tsv"]}
    places = {r["id"] for r in tables["places.tsv"]}
    orgs = {r["id"] for r in tables["organizations.tsv"]}
    topics = {r["id"] for r in tables["topics.tsv"]}
    assert people  # referenced ids are never people, but keep the set for clarity
    for r in tables["people.tsv"]:
        if r["nationality"]:
            assert r["nationality"] in places, f"{r['id']}: nationality {r['nationality']}"
        for post in items(r["posts"]):
            parts = post.split("@")
            assert len(parts) == 3, f"{r['id']}: bad post {post!r}"
            label, ref, years = parts
            assert label.strip(), f"{r['id']}: post without label"
            assert ref in places or ref in orgs, f"{r['id']}: post ref {ref!r}"
            m = YEARS.match(years)
            assert m, f"{r['id']}: post years {years!r}"
            if m.group(1) and m.group(2):
                assert int(m.group(1)) <= int(m.group(2)), f"{r['id']}: {post}"
    for r in tables["places.tsv"]:
        if r["within"]:
            assert r["within"] in places and r["within"] != r["id"], f"{r['id']}: within"
    for r in tables["organizations.tsv"]:
        if r["parent"]:
            assert r["parent"] in orgs and r["parent"] != r["id"], f"{r['id']}: parent"
        if r["country"]:
            assert r["country"] in places, f"{r['id']}: country {r['country']}"
    for r in tables["topics.tsv"]:
        if r["broader"]:
            assert r["broader"] in topics and r["broader"] != r["id"], f"{r['id']}: broader"


def test_states_a_place_lay_in_existed_then(tables):
    # "soviet-union@1922-1991": a historical country, for years inside its own lifetime (the
    # years its note gives)
    places = {r["id"]: r for r in tables["places.tsv"]}
    spans = 0
    for r in tables["places.tsv"]:
        for item in items(r["within_then"]):
            key, _, years = item.partition("@")
            state = places.get(key)
            assert state and state["type"] == "historical-country", f"{r['id']}: {item}"
            start, end = (int(y) for y in years.split("-"))
            assert start <= end, f"{r['id']}: {item}"
            life = re.search(r"(\d{4})-(\d{4})", state["note"])
            assert life and int(life.group(1)) <= start and end <= int(life.group(2)), \
                f"{r['id']}: {item} outside {key}'s {state['note']!r}"
            spans += 1
    assert spans >= 20


def test_former_names_are_names_of_the_body(tables):
    # "Romanian Workers' Party@1948-1965": a name the body is found by, for well-formed years
    spans = 0
    for r in tables["organizations.tsv"]:
        names = {norm(r["name"]), *(norm(v) for v in items(r["variants"]))}
        for item in items(r["names_then"]):
            name, _, years = item.partition("@")
            assert norm(name) in names, f"{r['id']}: {name!r} is none of its names"
            start, end = (int(y) for y in years.split("-"))
            assert start <= end, f"{r['id']}: {item}"
            spans += 1
    assert spans >= 5


def test_no_cycles_in_hierarchies(tables):
    for name, key in (("places.tsv", "within"), ("organizations.tsv", "parent"),
                      ("topics.tsv", "broader")):
        up = {r["id"]: r[key] for r in tables[name] if r[key]}
        for start in up:
            seen, cur = set(), start
            while cur in up:
                assert cur not in seen, f"{name}: cycle through {start}"
                seen.add(cur)
                cur = up[cur]


def test_native_names_are_language_tagged(tables):
    for name in ("people.tsv", "places.tsv", "organizations.tsv"):
        for r in tables[name]:
            for item in items(r["native_names"]):
                assert NATIVE.match(item), f"{name}:{r['id']}: native name {item!r}"


def test_people_years(tables):
    for r in tables["people.tsv"]:
        for key in ("born", "died"):
            if r[key]:
                assert re.fullmatch(r"\d{3,4}", r[key]), f"{r['id']}: {key} {r[key]!r}"
        if r["born"] and r["died"]:
            assert int(r["born"]) <= int(r["died"]), r["id"]


def test_coordinates(tables):
    for r in tables["places.tsv"]:
        assert bool(r["lat"]) == bool(r["lon"]), r["id"]
        if r["lat"]:
            assert -90 <= float(r["lat"]) <= 90 and -180 <= float(r["lon"]) <= 180, r["id"]


def test_pseudonyms_not_in_variants(tables):
    for r in tables["people.tsv"]:
        variants = {norm(v) for v in items(r["variants"])}
        for p in items(r["pseudonyms"]):
            assert norm(p) not in variants, f"{r['id']}: pseudonym {p!r} also a variant"


def test_required_entities(tables):
    people = {r["name"] for r in tables["people.tsv"]}
    for required in ("Joseph Stalin", "Mao Zedong", "Zhou Enlai", "Nikolai Roshchin",
                     "Andrey Vyshinsky", "Andrei Gromyko", "Fyodor Kuznetsov", "Andrei Orlov",
                     "Ivan Kovalev", "Kim Il Sung"):
        assert required in people
    stalin = next(r for r in tables["people.tsv"] if r["name"] == "Joseph Stalin")
    assert {"Filippov", "Kuznetsov"} <= set(items(stalin["pseudonyms"]))
    orlov = next(r for r in tables["people.tsv"] if r["name"] == "Andrei Orlov")
    assert "Terebin" in items(orlov["pseudonyms"])
    places = {r["id"] for r in tables["places.tsv"]}
    for pid in ("korea", "soviet-union", "east-germany", "west-germany", "yugoslavia",
                "czechoslovakia", "north-vietnam", "south-vietnam", "manchuria", "xinjiang",
                "inner-mongolia", "southeast-asia", "lushunkou", "dalian"):
        assert pid in places
    orgs = {r["id"] for r in tables["organizations.tsv"]}
    for oid in ("gru", "kgb", "central-intelligence-agency", "united-nations",
                "united-nations-security-council", "united-nations-general-assembly",
                "warsaw-pact", "nato", "comintern", "cominform"):
        assert oid in orgs


@pytest.mark.skipif(not FB15K.exists(), reason="shared FB15k Wikidata entity list not present")
def test_fb15k_ids_verified(tables):
    with FB15K.open(encoding="utf-8") as fh:
        entities = json.load(fh)
    labels = {}
    for ent in entities.values():
        q = ent.get("wikidata_id")
        if q:
            names = [ent.get("label") or ""] + list(ent.get("alternatives") or [])
            labels.setdefault(q, set()).update(norm(n) for n in names if n)
    for name, rows in tables.items():
        for r in rows:
            if r["wikidata_source"] != "fb15k":
                continue
            q = r["wikidata"]
            assert q in labels, f"{name}:{r['id']}: {q} not in the FB15k list"
            ours = {norm(n) for n in names_of(r)}
            assert ours & labels[q], f"{name}:{r['id']}: {q} label does not match name/variants"


def _gold_rows():
    rows = []
    with GOLD_ALIASES.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            parts += [""] * (3 - len(parts))
            rows.append((parts[0], parts[1], items(parts[2])))
    return rows


@pytest.mark.skipif(not GOLD_ALIASES.exists(), reason="shared gold alias table not present")
def test_gold_aliases_covered(tables):
    index = {}
    for name in ("people.tsv", "places.tsv", "organizations.tsv"):
        for r in tables[name]:
            for n in names_of(r):
                index.setdefault(norm(n), []).append(r)
    for canonical, qid, _variants in _gold_rows():
        matches = index.get(norm(canonical))
        assert matches, f"gold entity {canonical!r} missing from the authority files"
        if qid:
            assert any(r["wikidata"] == qid for r in matches), \
                f"gold entity {canonical!r}: expected {qid}"
