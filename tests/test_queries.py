"""The named queries in queries/: each runs on the graph of the seed pages, and each required
question gets the answer a reader of those pages gives.

The store is built under a base IRI that is not the default one, so a query that hard-coded
the default base would find nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SEEDS

from kg.api import KnowledgeGraph
from kg.query import (
    NamedQuery,
    bind_limit,
    named_queries,
    rdflib_bindings,
    select_rows,
    substitutions,
)
from kg.rdf.namespace import XSD

CORRECTIONS = Path(__file__).resolve().parent / "fixtures" / "corrections" / "historian.jsonl"
BASE = "https://archive.example.org/kg/"
FEDERATED = "wikidata-federated"
MEMORANDUM = "Memorandum to Vyshinsky from Soviet Ambassador to China Nikolai Roshchin"
QUERIES = {q.name: q for q in named_queries()}
LOCAL = [q for q in QUERIES.values() if q.name != FEDERATED]

Rows = list[dict[str, str]]


def seed_pages() -> list[str]:
    pages = sorted(SEEDS.glob("*.txt"))
    if not pages:
        pytest.skip(f"no seed pages in {SEEDS}")
    return [str(p) for p in pages]


@pytest.fixture(scope="module")
def kg(tmp_path_factory) -> KnowledgeGraph:
    graph = KnowledgeGraph(tmp_path_factory.mktemp("queries") / "store", base=BASE)
    report = graph.ingest(seed_pages())
    assert report.ok, report.errors
    return graph


def run(kg: KnowledgeGraph, name: str, **params: str) -> Rows:
    text = QUERIES[name].text
    return select_rows(kg.query(bind_limit(text, params),
                                substitutions=substitutions(text, params)))


# ------------------------------------------------------------------ every query


def test_the_required_queries_exist():
    required = {"documents-by-person", "correspondence-network", "documents-in-date-range",
                "documents-mentioning-place", "pseudonyms", "person-timeline", "roles-of-person",
                "intermediaries", "co-mentioned-people", "document-types-per-year",
                "why-mentioned", "linked-entities", "uncertain-links", "topics", FEDERATED}
    assert required <= set(QUERIES)
    assert len(QUERIES) >= 14


@pytest.mark.parametrize("query", LOCAL, ids=lambda q: q.name)
def test_named_query_runs_on_the_seed_graph_and_returns_rows(kg, query: NamedQuery):
    assert query.description, f"{query.path.name}: no '# description:' header"
    assert query.name == query.path.stem
    assert re.search(r"^# scope: (lookup|whole graph)$", query.text, re.M), "no '# scope:'"
    for param in query.params:
        # every declared parameter is a variable the SELECT projects (pyoxigraph substitutes
        # only those) with a default, or `limit`, the number of a LIMIT clause
        if param == "limit":
            assert re.search(r"\bLIMIT\s+\d+", query.text), "no LIMIT for the parameter limit"
        else:
            projection = query.text[:re.search(r"\bWHERE\s*\{", query.text).start()]
            assert f"?{param}" in projection.split("\n# scope:")[-1], f"?{param} not projected"
    assert BASE not in query.text and "127.0.0.1" not in query.text
    rows = select_rows(kg.query(query.text, substitutions=substitutions(query.text, {})))
    assert rows, f"{query.name} returned no rows on the seed graph"



@pytest.fixture(scope="module")
def rdflib_dataset(kg):
    """The same quads in rdflib, a second SPARQL engine, its default graph the union of the
    named graphs as on Oxigraph."""
    import pyoxigraph as ox
    import rdflib

    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(data=kg.reader().dump(format=ox.RdfFormat.N_QUADS).decode("utf-8"),
                  format="nquads")
    return dataset


def _portable(value: str | None) -> tuple[str, ...]:
    """A value as both engines can agree on it: GROUP_CONCAT's order is the engine's own (the
    parts are compared sorted), and an aggregate over nothing is unbound on one engine and ""
    on the other."""
    return tuple(sorted(value.split(", "))) if value else ()


@pytest.mark.parametrize("query", LOCAL, ids=lambda q: q.name)
def test_named_query_gives_the_same_rows_on_rdflib(kg, rdflib_dataset, query: NamedQuery):
    """Queries keep to standard SPARQL 1.1 (they are also sent to remote stores): a second
    engine gives the same rows. It found an xsd:date() cast, which SPARQL 1.1 does not list
    and rdflib does not implement: the query returned nothing there."""
    import rdflib

    from kg.rdf.namespace import PREFIXES

    bound = substitutions(query.text, {})
    ours = select_rows(kg.query(query.text, substitutions=bound))
    results = rdflib_dataset.query(query.text, initNs={k: rdflib.Namespace(v)
                                                       for k, v in PREFIXES.items()},
                                   initBindings=rdflib_bindings(bound))
    names = [str(v) for v in results.vars]
    theirs = [{n: str(row[n]) for n in names if row[n] is not None} for row in results]

    def rows(found: Rows) -> Counter:
        return Counter(tuple(_portable(r.get(n)) for n in names) for r in found)

    assert rows(ours) == rows(theirs)

def test_federated_query_is_documented_and_parses_without_running():
    from rdflib.plugins.sparql import prepareQuery

    from kg.rdf.namespace import PREFIXES

    query = QUERIES[FEDERATED]
    assert "SERVICE <https://query.wikidata.org/sparql>" in query.text
    assert "NOT run" in query.description
    prepareQuery(query.text, initNs=PREFIXES)  # parsed only: no network in tests
    assert all("SERVICE" not in q.text for q in LOCAL)


# ------------------------------------------------------------------ answers from the pages

def _titles(rows: Rows) -> set[str]:
    return {r["title"] for r in rows}


def _documents(rows: Rows) -> set[str]:
    return {r["doc"] for r in rows}


def _relations(rows: Rows) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r["title"], set()).add(r["relation"])
    return out


def _pairs(rows: Rows, a: str, b: str) -> dict[tuple[str, str], int]:
    return {(r[a], r[b]): int(r["documents"]) for r in rows}


def _roshchin_documents(rows: Rows) -> bool:
    rel = _relations(rows)
    # "Ciphered Telegram No. 3172, Stalin to Zhou Enlai via Roshchin" and so on; he is named
    # in 10 of the 19 entries (once as "Roschin")
    return ("intermediary" in rel["Ciphered Telegram No. 3172, Stalin to Zhou Enlai via Roshchin"]
            and "author" in rel["Memorandum to Vyshinsky from Soviet Ambassador to China "
                                "Nikolai Roshchin"]
            and "recipient" in rel["Ciphered Telegram No. 13645 from Vyshinsky to Roschin"]
            and "participant" in rel["Memorandum, Conversation of Mao and USSR Ambassador to "
                                     "China N.V. Roshchin on 1 January 1950"]
            and len(_documents(rows)) == 10)


def _network(rows: Rows) -> bool:
    pairs = _pairs(rows, "sender_label", "addressee_label")
    # Vyshinsky wrote to Stalin on February 1, 2, 3 and 17; Stalin to Zhou Enlai on July 5
    # and (as Filippov) July 13; Stalin to Mao in the 1947 cable and on July 13
    return (pairs.get(("Andrey Vyshinsky", "Joseph Stalin")) == 4
            and pairs.get(("Joseph Stalin", "Zhou Enlai")) == 2
            and pairs.get(("Joseph Stalin", "Mao Zedong")) == 2)


def _february_1950(rows: Rows) -> bool:
    # 7 entries dated a day in February 1950 and 3 dated "February 1950"
    precision = Counter(r["precision"] for r in rows)
    return (len(_documents(rows)) == 10 and precision == {"day": 7, "month": 3}
            and {"Sino-Soviet Agreement Protocol", "Exchange of Notes, Zhou Enlai and Vyshinshy",
                 "Note from Andrey Vyshinsky to Zhou Enlai, February 1950"} <= _titles(rows))


def _days_10_to_12(rows: Rows) -> bool:
    return _titles(rows) == {
        "Memorandum to Vyshinsky from Soviet Ambassador to China Nikolai Roshchin",
        "From the Journal of Ambassador Roshchin: Top Secret Memorandum of Conversation of the "
        "Ambassador of the USSR in China N.V. Roshchin with Zhou Enlai"}


def _days_10_to_12_overlapping(rows: Rows) -> bool:
    # the three month-precision entries may fall on those days, so they overlap the range
    months = {r["title"] for r in rows if r["precision"] == "month"}
    return len(_documents(rows)) == 5 and len(months) == 3


def _manchuria(rows: Rows) -> bool:
    return {"Ciphered Telegram No. 3172, Stalin to Zhou Enlai via Roshchin",
            "Exchange of Notes, Zhou Enlai and Vyshinshy",
            "From the Journal of Ambassador Roshchin: Top Secret Memorandum of Conversation of "
            "the Ambassador of the USSR in China N.V. Roshchin with Zhou Enlai"} <= _titles(rows)


def _china_includes_beijing(rows: Rows) -> bool:
    # "A telegram from Roshchin in Beijing to Moscow": Beijing is within China
    return any(r["place_named"] == "Beijing" and r["title"].startswith(
        "Ciphered telegram from Roshchin conveying message") for r in rows)


def _pseudonyms(rows: Rows) -> bool:
    docs: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        docs.setdefault((r["pseudonym"], r["person_label"]), set()).add(r["doc"])
    # "Filippov [Stalin]" twice in July 1950 and "Filippov (Stalin)" on December 7, 1950;
    # "[via Terebin]": Andrei Orlov; "Stalin [Kuznetsov]"
    return (len(docs.get(("Filippov", "Joseph Stalin"), ())) == 3
            and len(docs.get(("Terebin", "Andrei Orlov"), ())) == 1
            and len(docs.get(("Kuznetsov", "Joseph Stalin"), ())) == 1)


def _timeline(rows: Rows) -> bool:
    dates = [r["earliest"] for r in rows]
    parts = {r["title"]: r["parts"] for r in rows}
    return (dates == sorted(dates) and dates[0] == "1950-01-01" and len(rows) == 10
            and "intermediary" in parts["Ciphered Telegram No. 3172, Stalin to Zhou Enlai via "
                                        "Roshchin"]
            and "recipient" in parts["Ciphered Telegram No. 13645 from Vyshinsky to Roschin"])


def _ambassador(rows: Rows) -> bool:
    # called ambassador in the titles of January 1, February 10 and 12 and July 8, 1950, in
    # four wordings ("Soviet Ambassador", "USSR Ambassador to China", ...): one post, held
    # from the first to the last of those dates, four documents of evidence; the authority
    # file's posts beside it, marked as such
    attested = [r for r in rows if r["source"] == "attested" and r.get("head") == "ambassador"]
    return (len(attested) == 1 and int(attested[0]["documents"]) >= 4
            and attested[0]["first"] == "1950-01-01" and attested[0]["last"] == "1950-07-08"
            and len(attested[0]["other_wordings"].split("; ")) >= 2
            and any(r["source"] == "authority" and "first" not in r for r in rows))


def _post_evidence(rows: Rows) -> bool:
    # every attestation of the ambassador's post, with its document and date, counts for the
    # one post that roles-of-person lists
    posts = {r.get("post") for r in rows}
    return (len(posts) == 1 and None not in posts and len(_documents(rows)) >= 4
            and len({r["wording"] for r in rows}) >= 3
            and {"1950-01-01", "1950-07-08"} <= {r["earliest"] for r in rows})


def _intermediaries(rows: Rows) -> bool:
    total = {r["intermediary_label"]: int(r["total"]) for r in rows}
    stalin_zhou = [r for r in rows if r["intermediary_label"] == "Nikolai Roshchin"
                   and r.get("sender_label") == "Joseph Stalin"
                   and r.get("addressee_label") == "Zhou Enlai"]
    # "via Roshchin" on July 5 and "(via Roshchin)" on July 13; "[via Terebin]" in 1947
    return (total.get("Nikolai Roshchin") == 2 and total.get("Andrei Orlov") == 1
            and [int(r["documents"]) for r in stalin_zhou] == [2])


def _co_mentioned(rows: Rows) -> bool:
    pairs = _pairs(rows, "label_a", "label_b")
    unordered = Counter(frozenset(p) for p in pairs)
    # Stalin and Zhou Enlai are both named on July 5, 13, 25 and December 7, 1950 and on
    # February 1, 2, 13 and 17, 1950
    stalin_zhou = pairs.get(("Joseph Stalin", "Zhou Enlai"), pairs.get(("Zhou Enlai",
                                                                        "Joseph Stalin")))
    return (stalin_zhou == 8 and all(n == 1 for n in unordered.values())
            and all(len(p) == 2 for p in unordered))


def _types_per_year(rows: Rows) -> bool:
    counts = {(r["year"], r["type"]): int(r["documents"]) for r in rows}
    per_year = Counter()
    for (year, _), n in counts.items():
        per_year[year] += n
    return (counts.get(("1947", "Cable")) == 1 and counts.get(("1950", "Ciphered Telegram")) == 6
            and per_year == {"1947": 1, "1950": 18})


def _why_roshchin_in_3172(rows: Rows) -> bool:
    title = "Ciphered Telegram No. 3172, Stalin to Zhou Enlai via Roshchin"
    in_title = [r for r in rows if r["field"] == "title"]
    return (bool(in_title) and _titles(rows) == {title}
            and all(title[int(r["start"]):int(r["end"])] == r["text"] for r in in_title)
            and any("intermediary" in r["statements"] for r in rows)
            and {r["source_file"] for r in rows} == {"000_0aed5f80fc78b3a7.txt"}
            and all(0 <= float(r["confidence"]) <= 1 and 0 <= float(r["score"]) <= 1
                    and r["method"].startswith(BASE) for r in rows))


def _linked(rows: Rows) -> bool:
    ids = {r["label"]: r["wikidata_id"] for r in rows if r["kind"] == "person"}
    return (ids.get("Joseph Stalin") == "Q855" and ids.get("Mao Zedong") == "Q5816"
            and all(0 <= float(r["score"]) <= 1 for r in rows))


def _uncertain(threshold: float) -> Callable[[Rows], bool]:
    def check(rows: Rows) -> bool:
        return all(float(r["score"]) < threshold or r["reason"] == "unresolved" for r in rows)
    return check


def _uncertain_default(rows: Rows) -> bool:
    # "North Korean" matched "North Korea" by fuzzy match only
    return _uncertain(0.9)(rows) and any(
        r["text"] == "North Korean" and r["link_method"] == "fuzzy" for r in rows)


def _topics(rows: Rows) -> bool:
    return (all(int(r["documents"]) >= 1 for r in rows)
            and len({r["topic"] for r in rows}) == len(rows))


def _people(rows: Rows) -> bool:
    docs = {r["label"]: int(r["documents"]) for r in rows}
    return docs.get("Nikolai Roshchin") == 10 and docs.get("Andrei Gromyko") == 1


def _post_holders(rows: Rows) -> bool:
    # the only ambassador on the pages is Roshchin
    return ({r["person_label"] for r in rows} == {"Nikolai Roshchin"}
            and sum(int(r["documents"]) for r in rows) >= 4)


def _sources(rows: Rows) -> bool:
    # the two pages share the memorandum of February 10, 1950: one document, a graph per page
    return ({r["source_file"] for r in rows} == {"000_0aed5f80fc78b3a7.txt",
                                                 "004_6e4640613529abf2.txt"}
            and len(rows) == 2 and len(_documents(rows)) == 1
            and all(r["extractor"] and r["ontology"] and r["line"] for r in rows))


def _one_source(rows: Rows) -> bool:
    return len(rows) == 1 and rows[0]["source_kind"] == "listing"


CASES = [
    ("documents-by-person", {"person_id": "nikolai-roshchin"}, _roshchin_documents),
    ("documents-by-person", {"person_id": "Nikolai Roshchin"}, _roshchin_documents),
    ("correspondence-network", {}, _network),
    ("documents-in-date-range", {"start": "1950-02-01", "end": "1950-02-28"}, _february_1950),
    ("documents-in-date-range", {"start": '"1950-02-10"^^xsd:date',
                                 "end": '"1950-02-12"^^xsd:date'}, _days_10_to_12),
    ("documents-in-date-range", {"start": "1950-02-10", "end": "1950-02-12",
                                 "match": "overlaps"}, _days_10_to_12_overlapping),
    ("documents-mentioning-place", {"place_id": "manchuria"}, _manchuria),
    ("documents-mentioning-place", {"place_id": "China"}, _china_includes_beijing),
    ("pseudonyms", {}, _pseudonyms),
    ("person-timeline", {"person_id": "nikolai-roshchin"}, _timeline),
    ("roles-of-person", {"person_id": "nikolai-roshchin"}, _ambassador),
    ("post-evidence", {"person_id": "nikolai-roshchin"}, _post_evidence),
    ("intermediaries", {}, _intermediaries),
    ("co-mentioned-people", {}, _co_mentioned),
    ("document-types-per-year", {}, _types_per_year),
    ("why-mentioned", {"entity_id": "nikolai-roshchin",
                       "document": "Ciphered Telegram No. 3172, Stalin to Zhou Enlai via Roshchin"},
     _why_roshchin_in_3172),
    ("linked-entities", {}, _linked),
    ("uncertain-links", {}, _uncertain_default),
    ("uncertain-links", {"threshold": "0.86"}, _uncertain(0.86)),
    ("topics", {}, _topics),
    ("people", {}, _people),
    ("post-holders", {"head": "ambassador"}, _post_holders),
    ("document-sources", {"document": MEMORANDUM}, _sources),
    ("document-sources", {}, _one_source),
]


@pytest.mark.parametrize("name, params, check", CASES,
                         ids=[f"{n}-{check.__name__.strip('_')}" for n, _, check in CASES])
def test_named_query_answers_what_the_seed_pages_say(kg, name, params, check):
    rows = run(kg, name, **params)
    assert rows, f"{name} {params}: no rows"
    assert check(rows), f"{name} {params}: unexpected answer:\n" + "\n".join(map(str, rows))


def test_every_required_query_has_an_expected_answer():
    checked = {name for name, _, _ in CASES}
    assert checked == {q.name for q in LOCAL}


def test_a_lower_threshold_lists_fewer_uncertain_links(kg):
    assert len(run(kg, "uncertain-links", threshold="0.86")) < len(run(kg, "uncertain-links"))
    assert run(kg, "uncertain-links", threshold="0.1") == []


def test_co_mentioned_pairs_below_min_documents_are_left_out(kg):
    rows = run(kg, "co-mentioned-people", min_documents="5")
    assert rows and all(int(r["documents"]) >= 5 for r in rows)
    assert len(rows) < len(run(kg, "co-mentioned-people"))


def test_why_mentioned_explains_every_mention_statement(kg):
    """Each kg:mentions of Roshchin has mention nodes behind it: the provenance is complete."""
    mentioned = {r["doc"] for r in run(kg, "documents-by-person", person_id="nikolai-roshchin")
                 if r["relation"] == "mentioned"}
    explained = _documents(run(kg, "why-mentioned", entity_id="nikolai-roshchin"))
    assert mentioned and mentioned <= explained


def test_linked_entities_lists_a_rejected_link_among_the_losing_candidates(tmp_path):
    """A historian rejects the Bolshoi Theatre's Wikidata id: the link no longer holds, and the
    graph still says what was proposed (authority) and who rejected it (curated)."""
    graph = KnowledgeGraph(tmp_path / "store", base=BASE, corrections=CORRECTIONS)
    assert graph.ingest(seed_pages()).ok

    def bolshoi(match: str) -> set[tuple[str, str, str]]:
        rows = run(graph, "linked-entities", match=match)
        return {(r["wikidata_id"], r["matched"], r["method"]) for r in rows
                if r["label"] == "Bolshoi Theatre"}

    lost = {("Q138908", "false", "authority"), ("Q138908", "false", "curated")}
    assert bolshoi("true") == set()
    assert bolshoi("false") == lost
    assert bolshoi("") == lost
    assert len(run(graph, "linked-entities", match="")) == (
        len(run(graph, "linked-entities")) + len(run(graph, "linked-entities", match="false")))


def test_unknown_person_gives_no_rows(kg):
    assert run(kg, "documents-by-person", person_id="no-such-person") == []


# ------------------------------------------------------------------ substitutions

TEMPLATE = """# param: person_id person = "nikolai-roshchin"  the person
# param: n count = 1  how many
# param: score score = 0.5  a threshold
# param: limit count  at most this many rows
SELECT ?person_id ?n ?score WHERE { ?s ?p ?o } LIMIT 10"""


@pytest.mark.parametrize("name, value, term", [
    ("person_id", "andrei-gromyko", ox.Literal("andrei-gromyko")),
    ("person_id", "Zhou Enlai", ox.Literal("Zhou Enlai")),
    ("person_id", 'say "hi" } }', ox.Literal('say "hi" } }')),
    ("person_id", "<http://www.wikidata.org/entity/Q855>",
     ox.NamedNode("http://www.wikidata.org/entity/Q855")),
    ("n", "3", ox.Literal("3", datatype=XSD.integer)),
    ("score", "0.9", ox.Literal("0.9", datatype=XSD.decimal)),
])
def test_substitutions_bind_a_value_by_its_declared_type(name, value, term):
    bound = substitutions(TEMPLATE, {name: value})
    assert bound[ox.Variable(name)] == term
    # the parameters not given keep the header's defaults; limit is no variable
    assert bound[ox.Variable("person_id" if name != "person_id" else "n")] in (
        ox.Literal("nikolai-roshchin"), ox.Literal("1", datatype=XSD.integer))
    assert ox.Variable("limit") not in bound


def test_substitutions_reject_an_unknown_parameter():
    with pytest.raises(ValueError, match=r"\?place"):
        substitutions(TEMPLATE, {"place": "China"})


def test_limit_rewrites_the_last_limit_clause_and_rejects_a_non_number():
    assert bind_limit(TEMPLATE, {"limit": "3"}).endswith("LIMIT 3")
    assert bind_limit(TEMPLATE, {}) == TEMPLATE
    with pytest.raises(ValueError, match="limit"):
        bind_limit(TEMPLATE, {"limit": "0"})


def test_bound_value_cannot_break_out_of_its_literal(kg):
    """A value with quotes and braces stays one string literal: the query still parses."""
    rows = run(kg, "documents-by-person", person_id='x" } } SELECT * WHERE { ?s ?p ?o')
    assert rows == []
