"""The reconciliation service, checked against the W3C Reconciliation API 0.2 JSON Schemas.

Every answer is validated with the specification's own schemas (``shared/specs``), resolved
from a local `referencing.Registry` so that no ``$ref`` is ever fetched from the network. The
queries the tests send are validated too, so a test cannot pass by sending something a real
client never would.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from reconcile_schemas import SKIP_REASON, SPECS, unwrap_jsonp, validate

from kg.serve.extend import ExtValue
from kg.serve.reconcile import (
    BATCH_SIZE,
    EntityIndex,
    IndexedEntity,
    handle,
    manifest,
    preview_html,
    reconcile,
    suggest_entity,
    suggest_property,
    suggest_type,
)

SERVICE = "http://127.0.0.1:8000/reconcile"
BASE = "https://example.org/archive-kg/id/"

if SPECS is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)


ENTITIES = [
    IndexedEntity(
        id=BASE + "person/joseph-stalin",
        name="Joseph Stalin",
        kind="person",
        alt_names=("Stalin", "Iosif Stalin", "Filippov"),
        description="General Secretary of the Communist Party of the Soviet Union",
        wikidata="Q855",
        properties=(("born", "1878"), ("died", "1953"), ("country", "Soviet Union")),
        extension=(
            ("wikidata", ExtValue("str", "Q855")),
            ("born", ExtValue("int", 1878)),
            ("nationality", ExtValue("entity", BASE + "place/soviet-union", "Soviet Union")),
            ("posts", ExtValue("str", "General Secretary (1922–1952)")),
            ("documents", ExtValue("int", 3)),
            ("first_document", ExtValue("date", "1949-12-16")),
        ),
    ),
    IndexedEntity(
        id=BASE + "person/mao-zedong",
        name="Mao Zedong",
        kind="person",
        alt_names=("Mao Tse-tung", "Chairman Mao"),
        wikidata="Q5816",
        properties=(("born", "1893"), ("country", "China")),
        family_name_first=True,
    ),
    IndexedEntity(
        id=BASE + "person/zhou-enlai",
        name="Zhou Enlai",
        kind="person",
        alt_names=("Chou En-lai",),
        properties=(("country", "China"),),
        family_name_first=True,
    ),
    IndexedEntity(
        id=BASE + "person/nikolai-roshchin",
        name="Nikolai Roshchin",
        kind="person",
        alt_names=("N. V. Roshchin",),
        description="Soviet Ambassador to China",
        properties=(("country", "Soviet Union"),),
    ),
    IndexedEntity(
        id=BASE + "person/andrei-roshchin",  # a namesake, to test property conditions
        name="Andrei Roshchin",
        kind="person",
        properties=(("country", "Russia"),),
    ),
    IndexedEntity(
        id=BASE + "place/beijing",
        name="Beijing",
        kind="place",
        alt_names=("Peking", "Peiping"),
        wikidata="Q956",
        properties=(("country", "China"),),
        extension=(
            ("coordinates", ExtValue("str", "39.9,116.4")),
            ("within", ExtValue("entity", BASE + "place/china", "China")),
        ),
    ),
    IndexedEntity(
        id=BASE + "place/dalian",  # shares five letters with "Stalin", and no word
        name="Dalian",
        kind="place",
        alt_names=("Dairen",),
    ),
    IndexedEntity(
        id=BASE + "place/moscow",
        name="Moscow",
        kind="place",
        alt_names=("Moskva",),
        wikidata="Q649",
    ),
    IndexedEntity(
        id=BASE + "place/lushunkou",
        name="Lüshunkou",
        kind="place",
        alt_names=("Port Arthur",),
        wikidata="Q623329",
    ),
    IndexedEntity(
        id=BASE + "organization/stalin-prize-committee",  # an org sharing a word with a person
        name="Stalin Prize Committee",
        kind="organization",
    ),
    IndexedEntity(
        id=BASE + "organization/united-nations",
        name="United Nations",
        kind="organization",
        alt_names=("UN", "U.N."),
        wikidata="Q1065",
    ),
    IndexedEntity(
        id=BASE + "organization/evil",
        name='<script>alert("x")</script> Bureau',
        kind="organization",
        alt_names=("<b>bold</b>",),
        description="A & B <img src=x onerror=alert(1)>",
    ),
]


@pytest.fixture(scope="module")
def index() -> EntityIndex:
    return EntityIndex(ENTITIES)


def run(queries: dict[str, Any], index: EntityIndex) -> dict[str, Any]:
    """Send a batch through `handle` as a client would; validate request and answer."""
    validate(queries, "reconciliation-query-batch.json")
    status, content_type, body = handle("", {"queries": json.dumps(queries)}, index, SERVICE)
    assert status == 200 and content_type.startswith("application/json")
    answer = json.loads(body)
    validate(answer, "reconciliation-result-batch.json")
    assert set(answer) == set(queries)
    return answer


# -- manifest ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "/", "/reconcile", "/reconcile/"])
def test_manifest_without_queries(index: EntityIndex, path: str) -> None:
    status, content_type, body = handle(path, {}, index, SERVICE)
    assert status == 200 and content_type.startswith("application/json")
    doc = json.loads(body)
    validate(doc, "manifest.json")
    assert doc["versions"] == ["0.2"]
    assert {t["id"] for t in doc["defaultTypes"]} == {"Person", "Place", "Organization"}
    assert doc["preview"]["url"] == SERVICE + "/preview?id={{id}}"
    assert set(doc["suggest"]) == {"entity", "type", "property"}


def test_manifest_function_is_schema_valid() -> None:
    validate(manifest(SERVICE + "/"), "manifest.json")


# -- reconciliation -----------------------------------------------------------------------------


def test_exact_name_is_a_match_and_first(index: EntityIndex) -> None:
    answer = run({"q0": {"query": "Joseph Stalin", "type": "Person", "limit": 3}}, index)
    results = answer["q0"]["result"]
    assert results[0]["id"] == BASE + "person/joseph-stalin"
    assert results[0]["match"] is True and results[0]["score"] == 100
    assert results[0]["type"] == [{"id": "Person", "name": "Person"}]
    assert all(r["match"] is False for r in results[1:])
    assert len(results) <= 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Stalin, Joseph", "person/joseph-stalin"),  # inverted order
        ("Chou En-lai", "person/zhou-enlai"),  # Wade-Giles alternative name
        ("Mao Tse Tung", "person/mao-zedong"),  # punctuation differs
        ("Lushunkou", "place/lushunkou"),  # without the diacritic
        ("Peking", "place/beijing"),
        ("Joseph Stalln", "person/joseph-stalin"),  # a typo
    ],
)
def test_variant_finds_the_entity(index: EntityIndex, query: str, expected: str) -> None:
    results = run({"q0": {"query": query}}, index)["q0"]["result"]
    assert results and results[0]["id"] == BASE + expected


def test_type_filter_excludes_other_kinds(index: EntityIndex) -> None:
    unfiltered = run({"q0": {"query": "Stalin"}}, index)["q0"]["result"]
    kinds = {r["type"][0]["id"] for r in unfiltered}
    assert {"Person", "Organization"} <= kinds
    answer = run(
        {
            "people": {"query": "Stalin", "type": "Person"},
            "orgs": {"query": "Stalin", "type": "Organization"},
        },
        index,
    )
    assert {r["type"][0]["id"] for r in answer["people"]["result"]} == {"Person"}
    assert [r["id"] for r in answer["orgs"]["result"]] == [
        BASE + "organization/stalin-prize-committee"
    ]


def test_type_list_and_unknown_type(index: EntityIndex) -> None:
    answer = run({"q0": {"query": "Moscow", "type": ["Place", "Organization"]}}, index)
    assert answer["q0"]["result"][0]["id"] == BASE + "place/moscow"
    status, _, body = handle(
        "", {"queries": json.dumps({"q0": {"query": "x", "type": "Ship"}})}, index, SERVICE
    )
    assert status == 400 and "Ship" in json.loads(body)["error"]


def test_property_condition_raises_the_matching_candidate(index: EntityIndex) -> None:
    plain = run({"q0": {"query": "Roshchin", "type": "Person"}}, index)["q0"]["result"]
    scores = {r["id"]: r["score"] for r in plain}
    nikolai, andrei = BASE + "person/nikolai-roshchin", BASE + "person/andrei-roshchin"
    assert nikolai in scores and andrei in scores

    conditioned = run(
        {
            "q0": {
                "query": "Roshchin",
                "type": "Person",
                "properties": [{"pid": "country", "v": "Soviet Union"}],
            }
        },
        index,
    )["q0"]["result"]
    assert conditioned[0]["id"] == nikolai
    by_id = {r["id"]: r for r in conditioned}
    assert by_id[nikolai]["score"] > by_id[andrei]["score"]
    assert {"id": "property:country", "value": True} in by_id[nikolai]["features"]
    assert {"id": "property:country", "value": False} in by_id[andrei]["features"]


@pytest.mark.parametrize(
    "v",
    ["1878", 1878, {"id": "1878"}, ["1900", "1878"]],
    ids=["string", "number", "entity", "list"],
)
def test_property_value_forms(index: EntityIndex, v: Any) -> None:
    query = {"q0": {"query": "Joseph Stalin", "properties": [{"pid": "born", "v": v}]}}
    top = run(query, index)["q0"]["result"][0]
    assert top["id"] == BASE + "person/joseph-stalin" and top["match"] is True


def test_contradicted_property_is_not_a_match(index: EntityIndex) -> None:
    query = {"q0": {"query": "Joseph Stalin", "properties": [{"pid": "wikidata", "v": "Q5816"}]}}
    top = run(query, index)["q0"]["result"][0]
    assert top["id"] == BASE + "person/joseph-stalin" and top["match"] is False
    assert top["score"] < 100


def test_properties_only_query(index: EntityIndex) -> None:
    query = {"q0": {"properties": [{"pid": "wikidata", "v": "Q956"}]}}
    results = run(query, index)["q0"]["result"]
    assert [r["id"] for r in results] == [BASE + "place/beijing"]


def test_unknown_name_gives_no_candidates(index: EntityIndex) -> None:
    assert run({"q0": {"query": "Xyzzy Plugh"}}, index)["q0"]["result"] == []


def test_reconcile_function_over_a_batch(index: EntityIndex) -> None:
    batch = {f"q{i}": {"query": name, "limit": 1} for i, name in enumerate(["UN", "Moskva"])}
    answer = reconcile(batch, index)
    validate(answer, "reconciliation-result-batch.json")
    assert answer["q0"]["result"][0]["id"] == BASE + "organization/united-nations"
    assert answer["q1"]["result"][0]["id"] == BASE + "place/moscow"


# -- suggest and preview ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "type_", "expected"),
    [
        ("sta", None, ["person/joseph-stalin", "organization/stalin-prize-committee"]),
        ("sta", "Person", ["person/joseph-stalin"]),
        ("pek", None, ["place/beijing"]),  # by an alternative name
        ("enl", None, ["person/zhou-enlai"]),  # by a later word of the name
    ],
)
def test_suggest_entity_by_prefix(index: EntityIndex, prefix: str, type_, expected) -> None:
    params = {"prefix": prefix} | ({"type": type_} if type_ else {})
    status, _, body = handle("/suggest/entity", params, index, SERVICE)
    answer = json.loads(body)
    validate(answer, "suggest-entities-response.json")
    assert status == 200
    assert [r["id"] for r in answer["result"]] == [BASE + e for e in expected]


def test_suggest_type_and_property(index: EntityIndex) -> None:
    for prefix, expected in [("", ["Person", "Place", "Organization"]), ("pl", ["Place"])]:
        status, _, body = handle("/suggest/type", {"prefix": prefix}, index, SERVICE)
        answer = json.loads(body)
        validate(answer, "suggest-types-response.json")
        assert [t["id"] for t in answer["result"]] == expected
    status, _, body = handle("/reconcile/suggest/property", {"prefix": "bo"}, index, SERVICE)
    answer = json.loads(body)
    validate(answer, "suggest-properties-response.json")
    assert [p["id"] for p in answer["result"]] == ["born"]
    validate(suggest_type(), "suggest-types-response.json")
    validate(suggest_property(""), "suggest-properties-response.json")
    validate(suggest_entity("", index), "suggest-entities-response.json")


def test_preview_escapes_all_text(index: EntityIndex) -> None:
    status, content_type, body = handle(
        "/preview", {"id": BASE + "organization/evil"}, index, SERVICE
    )
    page = body.decode("utf-8")
    assert status == 200 and content_type.startswith("text/html")
    assert "<script>" not in page and "<img" not in page and "<b>bold" not in page
    assert "&lt;script&gt;" in page and "A &amp; B" in page
    assert "Joseph Stalin" in preview_html(BASE + "person/joseph-stalin", index)


def test_preview_of_unknown_entity_is_404(index: EntityIndex) -> None:
    status, _, _ = handle("/preview", {"id": BASE + "person/nobody"}, index, SERVICE)
    assert status == 404


# -- JSONP and errors ---------------------------------------------------------------------------


def test_jsonp_callback_wraps_the_answer(index: EntityIndex) -> None:
    queries = json.dumps({"q0": {"query": "Beijing"}})
    status, content_type, body = handle(
        "", {"queries": queries, "callback": "jQuery123_456"}, index, SERVICE
    )
    text = body.decode("utf-8")
    assert status == 200 and content_type.startswith("application/javascript")
    assert text.startswith("/**/jQuery123_456(") and text.endswith(");")
    payload = json.loads(text[len("/**/jQuery123_456(") : -2])
    validate(payload, "reconciliation-result-batch.json")
    status, _, body = handle("", {"callback": "cb"}, index, SERVICE)
    validate(json.loads(body.decode()[len("/**/cb(") : -2]), "manifest.json")


def test_unsafe_callback_is_refused(index: EntityIndex) -> None:
    status, content_type, _ = handle("", {"callback": "alert(1);x"}, index, SERVICE)
    assert status == 400 and content_type.startswith("application/json")


@pytest.mark.parametrize(
    "queries",
    ["{not json", '["q0"]', '{"q0": "Stalin"}', '{"q0": {"limit": 3}}', '{"q0": {"query": 5}}'],
    ids=["not-json", "not-object", "query-not-object", "no-query", "query-not-string"],
)
def test_bad_queries_are_400_with_a_json_error(index: EntityIndex, queries: str) -> None:
    status, content_type, body = handle("", {"queries": queries}, index, SERVICE)
    assert status == 400 and content_type.startswith("application/json")
    assert "error" in json.loads(body)


def test_unknown_path_is_404(index: EntityIndex) -> None:
    status, _, body = handle("/extend", {}, index, SERVICE)
    assert status == 404 and "error" in json.loads(body)


# -- the matching policy ------------------------------------------------------------------------


def _features(result: dict[str, Any]) -> dict[str, Any]:
    return {f["id"]: f["value"] for f in result["features"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Stalin", "person/joseph-stalin"),  # a bare surname, the only one
        ("Mao", "person/mao-zedong"),  # family name first
        ("J. Stalin", "person/joseph-stalin"),  # an initial and the surname
        ("Zhou Enlai", "person/zhou-enlai"),
    ],
)
def test_a_clear_winner_is_matched(index: EntityIndex, query: str, expected: str) -> None:
    results = run({"q0": {"query": query, "type": "Person"}}, index)["q0"]["result"]
    assert results[0]["id"] == BASE + expected and results[0]["match"] is True
    assert _features(results[0])["margin"] >= 15
    assert all(r["match"] is False for r in results[1:])


def test_namesakes_are_not_matched(index: EntityIndex) -> None:
    results = run({"q0": {"query": "Roshchin", "type": "Person"}}, index)["q0"]["result"]
    top_two = {r["id"] for r in results[:2]}
    assert top_two == {BASE + "person/nikolai-roshchin", BASE + "person/andrei-roshchin"}
    assert results[0]["score"] == results[1]["score"]
    assert not any(r["match"] for r in results)
    assert _features(results[0])["margin"] == 0


def test_a_property_breaks_the_tie_and_its_contradiction_is_reported(index: EntityIndex) -> None:
    query = {"q0": {"query": "Roshchin", "type": "Person",
                    "properties": [{"pid": "country", "v": "Soviet Union"}]}}
    results = run(query, index)["q0"]["result"]
    by_id = {r["id"]: r for r in results}
    nikolai, andrei = by_id[BASE + "person/nikolai-roshchin"], by_id[BASE + "person/andrei-roshchin"]
    assert results[0] is nikolai and nikolai["match"] is True
    assert _features(andrei)["contradiction"] is True and andrei["match"] is False


def test_a_given_name_alone_or_a_wrong_initial_is_not_a_match(index: EntityIndex) -> None:
    for query in ("Joseph", "K. Stalin"):
        results = run({"q0": {"query": query, "type": "Person"}}, index)["q0"]["result"]
        assert not any(r["match"] for r in results), query


def test_a_contradicted_birth_year_blocks_the_match(index: EntityIndex) -> None:
    query = {"q0": {"query": "Stalin", "properties": [{"pid": "born", "v": 1900}]}}
    top = run(query, index)["q0"]["result"][0]
    assert top["id"] == BASE + "person/joseph-stalin" and top["match"] is False
    assert _features(top)["property:born"] is False


def test_no_character_level_noise(index: EntityIndex) -> None:
    """"Stalin" and "Dalian" share letters, not a word: Dalian is no candidate at all."""
    results = run({"q0": {"query": "Stalin"}, "q1": {"query": "Nobody Atall"}}, index)
    assert BASE + "place/dalian" not in {r["id"] for r in results["q0"]["result"]}
    assert results["q1"]["result"] == []


def test_every_score_is_explained_by_its_features(index: EntityIndex) -> None:
    results = run({"q0": {"query": "Stalin"}}, index)["q0"]["result"]
    assert len(results) >= 2  # the person and the prize committee
    for r in results:
        f = _features(r)
        assert r["score"] == f["name"]  # no property conditions: the name evidence alone
        assert {"name_query_cover", "name_form_cover", "name_exact", "margin"} <= set(f)
    person = _features(results[0])
    assert person["surname"] is True and person["name_alias"] in (True, False)


def test_a_pseudonym_is_found_and_said_to_be_one(index: EntityIndex) -> None:
    person = IndexedEntity(id=BASE + "person/x", name="Ivan Petrov", kind="person",
                           pseudonyms=("Volkov",))
    results = run({"q0": {"query": "Volkov"}}, EntityIndex([person]))["q0"]["result"]
    assert results[0]["id"] == BASE + "person/x"
    assert _features(results[0])["name_pseudonym"] is True


# -- batch size, flyout, notable ----------------------------------------------------------------


def test_batch_size_is_declared_and_honoured(index: EntityIndex) -> None:
    doc = manifest(SERVICE)
    assert doc["batchSize"] == BATCH_SIZE
    full = {f"q{i}": {"query": "Moscow"} for i in range(BATCH_SIZE)}
    assert len(run(full, index)) == BATCH_SIZE
    over = {f"q{i}": {"query": "Moscow"} for i in range(BATCH_SIZE + 1)}
    status, _, body = handle("", {"queries": json.dumps(over)}, index, SERVICE)
    assert status == 400 and str(BATCH_SIZE) in json.loads(body)["error"]


def test_batch_size_bounds_extension_ids_too(index: EntityIndex) -> None:
    # A client sends at most batchSize ids per extension request: exactly that many are
    # answered, one more is refused naming the limit (as for reconciliation queries).
    doc = manifest(SERVICE)
    ids = [f"{BASE}person/p{i}" for i in range(doc["batchSize"])]
    query = {"ids": ids, "properties": [{"id": "born"}]}
    status, _, body = handle("", {"extend": json.dumps(query)}, index, SERVICE)
    assert status == 200 and sorted(json.loads(body)["rows"]) == sorted(ids)
    query["ids"] = ids + [f"{BASE}person/one-more"]
    status, _, body = handle("", {"extend": json.dumps(query)}, index, SERVICE)
    assert status == 400 and str(doc["batchSize"]) in json.loads(body)["error"]


def test_a_client_splitting_by_batch_size_gets_every_answer(index: EntityIndex) -> None:
    # What OpenRefine does with more rows than batchSize: one request per batch.
    names = ["Moscow", "UN", "Moskva", "Stalin"] * 30
    size = manifest(SERVICE)["batchSize"]
    answers: dict[str, dict] = {}
    for start in range(0, len(names), size):
        batch = {f"q{i}": {"query": names[i], "limit": 1}
                 for i in range(start, min(start + size, len(names)))}
        status, _, body = handle("", {"queries": json.dumps(batch)}, index, SERVICE)
        assert status == 200
        answers.update(json.loads(body))
    assert sorted(answers) == sorted(f"q{i}" for i in range(len(names)))


def test_flyout_answers_json_and_jsonp_with_escaped_html(index: EntityIndex) -> None:
    path = manifest(SERVICE)["suggest"]["entity"]["flyout_service_path"]
    route, _, query = path.partition("?")
    assert "${id}" in query
    entity_id = BASE + "organization/evil"
    status, ctype, body = handle(route, {"id": entity_id}, index, SERVICE)
    card = json.loads(body)
    assert status == 200 and ctype.startswith("application/json")
    assert card["id"] == entity_id and "&lt;script&gt;" in card["html"]
    assert "<script>" not in card["html"] and "<body" not in card["html"]
    status, ctype, body = handle(route, {"id": entity_id, "callback": "jQuery1_2"}, index, SERVICE)
    assert ctype.startswith("application/javascript")
    assert unwrap_jsonp(body.decode(), "jQuery1_2") == card
    assert handle(route, {"id": BASE + "nobody"}, index, SERVICE)[0] == 404


def test_notable_is_a_list_in_json_and_an_object_for_the_jsonp_widget(index: EntityIndex) -> None:
    status, _, body = handle("/suggest/entity", {"prefix": "stal", "type": "Person"}, index,
                             SERVICE)
    answer = json.loads(body)
    validate(answer, "suggest-entities-response.json")
    assert answer["result"][0]["notable"] == [{"id": "Person", "name": "Person"}]
    status, _, body = handle("/suggest/entity", {"prefix": "stal", "type": "Person",
                                                 "callback": "cb"}, index, SERVICE)
    legacy = unwrap_jsonp(body.decode(), "cb")
    assert legacy["result"][0]["notable"]["name"] == "Person"  # what the 3.6 widget reads


# -- data extension -----------------------------------------------------------------------------


def test_manifest_declares_data_extension(index: EntityIndex) -> None:
    doc = manifest(SERVICE)
    validate(doc, "manifest.json")
    propose = doc["extend"]["propose_properties"]
    assert propose["service_url"] + propose["service_path"] == SERVICE + "/propose_properties"


@pytest.mark.parametrize(
    ("type_", "has", "lacks"),
    [
        ("Person", {"wikidata", "viaf", "born", "died", "nationality", "posts", "documents",
                    "first_document", "last_document", "pseudonyms"}, {"coordinates"}),
        ("Place", {"wikidata", "coordinates", "within", "documents"}, {"born", "posts"}),
        ("Organization", {"wikidata", "parent", "country"}, {"born", "coordinates"}),
    ],
)
def test_property_proposals_per_type(index: EntityIndex, type_: str, has: set[str],
                                     lacks: set[str]) -> None:
    status, _, body = handle("/propose_properties", {"type": type_}, index, SERVICE)
    answer = json.loads(body)
    validate(answer, "data-extension-property-proposal.json")
    ids = {p["id"] for p in answer["properties"]}
    assert status == 200 and answer["type"] == type_
    assert has <= ids and not lacks & ids
    status, _, body = handle("/propose_properties", {"type": type_, "limit": "2"}, index, SERVICE)
    assert len(json.loads(body)["properties"]) == 2


def test_extend_returns_typed_values_valid_against_the_schema(index: EntityIndex) -> None:
    query = {"ids": [BASE + "person/joseph-stalin", BASE + "place/beijing", BASE + "nobody"],
             "properties": [{"id": p} for p in ("wikidata", "born", "nationality", "posts",
                                                "first_document", "coordinates", "within")]}
    validate(query, "data-extension-query.json")
    status, ctype, body = handle("", {"extend": json.dumps(query)}, index, SERVICE)
    answer = json.loads(body)
    assert status == 200 and ctype.startswith("application/json")
    validate(answer, "data-extension-response.json")
    assert [m["id"] for m in answer["meta"]] == [p["id"] for p in query["properties"]]
    stalin = answer["rows"][BASE + "person/joseph-stalin"]
    assert stalin["wikidata"] == [{"str": "Q855"}] and stalin["born"] == [{"int": 1878}]
    assert stalin["nationality"] == [{"id": BASE + "place/soviet-union", "name": "Soviet Union"}]
    assert stalin["first_document"] == [{"date": "1949-12-16T00:00:00Z"}]
    assert stalin["coordinates"] == []
    beijing = answer["rows"][BASE + "place/beijing"]
    assert beijing["coordinates"] == [{"str": "39.9,116.4"}] and beijing["born"] == []
    assert all(v == [] for v in answer["rows"][BASE + "nobody"].values())


@pytest.mark.parametrize(
    "extend",
    ["{nope", '{"ids": "x", "properties": []}', '{"ids": [], "properties": [{"id": "shoe"}]}',
     json.dumps({"ids": ["x"] * (BATCH_SIZE + 1), "properties": [{"id": "born"}]})],
    ids=["not-json", "ids-not-list", "unknown-property", "over-batch-size"],
)
def test_bad_extend_is_400(index: EntityIndex, extend: str) -> None:
    status, ctype, body = handle("", {"extend": extend}, index, SERVICE)
    assert status == 400 and "error" in json.loads(body)


def test_a_title_before_the_name_costs_little(index: EntityIndex) -> None:
    results = run({"q0": {"query": "Premier Zhou Enlai", "type": "Person"}}, index)["q0"]["result"]
    assert results[0]["id"] == BASE + "person/zhou-enlai" and results[0]["match"] is True
    assert 80 <= results[0]["score"] < 100


def test_exact_names_and_pseudonyms_against_a_close_runner_up() -> None:
    index = EntityIndex([
        IndexedEntity(id=BASE + "place/us", name="United States", kind="place"),
        IndexedEntity(id=BASE + "organization/congress", name="United States Congress",
                      kind="organization"),
        IndexedEntity(id=BASE + "person/petrov", name="Ivan Petrov", kind="person",
                      pseudonyms=("Volkov",)),
        IndexedEntity(id=BASE + "person/volkov", name="Pavel Volkov", kind="person"),
    ])
    answer = run({"q0": {"query": "United States"}, "q1": {"query": "Volkov"}}, index)
    us = answer["q0"]["result"]
    assert us[0]["id"] == BASE + "place/us" and us[0]["match"] is True
    assert 10 <= _features(us[0])["margin"] < 15  # the exact-name rule, not the general one
    # A code name equal to another man's surname decides nothing.
    assert not any(r["match"] for r in answer["q1"]["result"])


def test_viaf_comes_from_the_authority_entry_when_it_has_one() -> None:
    """The authority files may or may not carry a VIAF column; both must work."""
    from types import SimpleNamespace

    from kg.store.entity_records import extension

    with_viaf = SimpleNamespace(viaf="101787139", posts=())
    without = SimpleNamespace(posts=())
    got = extension("person", {}, str, None, with_viaf, None, [])  # type: ignore[arg-type]
    assert [(k, value) for k, _, value, _ in got if k == "viaf"] == [("viaf", "101787139")]
    assert not [k for k, *_ in extension("person", {}, str, None, without, None, [])  # type: ignore[arg-type]
                if k == "viaf"]


def _spellings(name: str) -> list[str]:
    """A name as a user may type it: whole, surname alone, a letter dropped or doubled, two
    letters swapped, with a title, with initials for the given names."""
    words = name.split()
    last = words[-1] if words else name
    out = [name, last, f"Premier {name}", name.upper()]
    if len(last) > 4:
        out += [name.replace(last, last[:2] + last[3:]), name.replace(last, last + last[-1]),
                name.replace(last, last[:1] + last[2] + last[1] + last[3:])]
    if len(words) > 1:
        out.append(" ".join([*(w[0] + "." for w in words[:-1]), last]))
    return out


def test_only_entities_sharing_a_word_or_variant_are_scored_and_none_is_lost(
        seed_store, monkeypatch) -> None:
    """Candidates come from a token index (`EntityIndex._named`); scoring every entity, as
    before it, must give exactly the same answers for names as users type them."""
    from kg.serve.entity_index import indexed_entity
    from kg.store.index import Index

    real = EntityIndex(indexed_entity(r) for r in Index.open(seed_store).entity_records())
    queries = [q for e in real for q in _spellings(e.name)]
    assert len(queries) > 300

    def answers() -> list:
        return [[(s.entity.id, s.score, s.match) for s in real.candidates(q, limit=25)]
                for q in queries]

    indexed = answers()
    monkeypatch.setattr(EntityIndex, "_named", lambda self, query: list(self))
    assert indexed == answers()
    assert sum(1 for a in indexed if a) > len(queries) // 2


def test_suggest_finds_what_a_scan_of_every_name_finds(seed_store) -> None:
    """Suggest reads two sorted name tables (`EntityIndex.starting_with`); looking at every
    entity's names and words, as it did before, must rank the same entities the same way."""
    from kg.core.text import match_key
    from kg.serve.entity_index import indexed_entity
    from kg.store.index import Index

    real = EntityIndex(indexed_entity(r) for r in Index.open(seed_store).entity_records())

    def scanned(prefix: str, kind: str | None) -> list[str]:
        wanted, ranked = match_key(prefix), []
        for e in real:
            keys = [match_key(n) for n in (e.name, *e.alt_names)]
            if kind and e.kind != kind:
                continue
            if any(k.startswith(wanted) for k in keys):
                ranked.append((0, e.name, e.id))
            elif any(w.startswith(wanted) for k in keys for w in k.split()):
                ranked.append((1, e.name, e.id))
        return [entity_id for *_, entity_id in sorted(ranked)[:10]]

    words = {w for e in real for n in (e.name, *e.alt_names) for w in n.split()}
    prefixes = {""} | {w[:n] for w in words for n in (1, 2, 4)} | {"zz", "Ž", "o'"}
    assert len(prefixes) > 200
    for prefix in sorted(prefixes):
        for type_, kind in ((None, None), ("Person", "person"), ("Place", "place")):
            found = [r["id"] for r in suggest_entity(prefix, real, type_)["result"]]
            assert found == scanned(prefix, kind), (prefix, type_)


def test_a_query_of_properties_alone_reads_only_the_entities_holding_a_value(
        seed_store, monkeypatch) -> None:
    """Without a name, candidates come from a (property, value) index
    (`EntityIndex._holding`); reading every entity, as before, must give the same answers."""
    from kg.serve.entity_index import indexed_entity
    from kg.store.index import Index

    real = EntityIndex(indexed_entity(r) for r in Index.open(seed_store).entity_records())
    queries = []
    for e in real:
        for pid, value in e.properties:
            queries.append([{"pid": pid, "v": value}])
            queries.append([{"pid": pid, "v": value.upper()}, {"pid": "wikidata", "v": "Q1"}])
        if e.wikidata:
            queries.append([{"pid": "wikidata", "v": e.wikidata}])
    queries.append([{"pid": "born", "v": 1893}])  # a JSON number, as OpenRefine sends years
    assert len(queries) > 100

    def answers() -> list:
        return [[(s.entity.id, s.score, s.match) for s in real.candidates("", properties=q)]
                for q in queries]

    indexed = answers()
    monkeypatch.setattr(EntityIndex, "_holding", lambda self, conditions: list(self))
    assert indexed == answers()
    assert sum(1 for a in indexed if a) > len(queries) // 2
