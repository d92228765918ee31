"""The per-generation search index (kg.store.derived, kg.store.index) on real stores.

Search is checked against the graph itself: a name variant or pseudonym must find every
document that links to the entity (as SPARQL says), whatever the spelling, case or accents;
phrases, prefixes, BM25 order, snippets and pagination behave; the 404 look-up agrees with
the store; the derived data follows every write (ingest, remove, rebuild, load); a crash
while it is built leaves the previous generation current.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pyoxigraph as ox
import pytest

from kg.api import KnowledgeGraph
from kg.rdf.namespace import DCTERMS, PREFIXES
from kg.store import current_generation, open_reader
from kg.store.derived import LINKS, derived_dir, is_complete
from kg.store.index import Filters, Index, IndexMissing, SearchHit, parse_query
from tests.conftest import ROOT

LINK_VALUES = " ".join(f"kg:{p}" for p in LINKS)


def linked_documents(store, entity_key: str) -> set[str]:
    """Documents that link to the entity `<base>person/<key>`, by SPARQL."""
    rows = KnowledgeGraph(store).query(f"""
        SELECT DISTINCT ?d WHERE {{
          ?d a kg:Document ; ?p ?e . VALUES ?p {{ {LINK_VALUES} }}
          FILTER(STRENDS(STR(?e), "/{entity_key}")) }}""")
    return {r[0].value for r in rows}


def all_hits(index: Index, query: str, filters: Filters | None = None) -> list[SearchHit]:
    out: list[SearchHit] = []
    page = 1
    while True:
        p = index.search(query, filters, page=page, page_size=50)
        assert p.error is None, p.error
        out += p.hits
        if page >= p.pages:
            return out
        page += 1


def iris(hits) -> set[str]:
    return {h.iri for h in hits}


@pytest.fixture(scope="module")
def index(seed_store) -> Index:
    return Index.open(seed_store)


@pytest.mark.parametrize(("query", "entity"), [
    ("Roschin", "person/nikolai-roshchin"),      # the authority's variant spelling
    ("Chou En-lai", "person/zhou-enlai"),         # Wade-Giles, hyphen and all
    ("chou enlai", "person/zhou-enlai"),
    ("Filippov", "person/joseph-stalin"),         # a pseudonym
    ("周恩来", "person/zhou-enlai"),                 # the original script
    ("Иосиф Виссарионович Сталин", "person/joseph-stalin"),
    ("Vishinsky", "person/andrey-vyshinsky"),
])
def test_a_name_variant_finds_every_document_of_the_entity(seed_store, index, query, entity):
    expected = linked_documents(seed_store, entity.split("/", 1)[1])
    assert expected, f"the seed pages link no document to {entity}"
    found = iris(all_hits(index, query))
    assert expected <= found, f"{query!r} misses {sorted(expected - found)}"


def test_case_and_accents_do_not_matter(index):
    plain = iris(all_hits(index, "zhou enlai"))
    assert plain
    assert iris(all_hits(index, "ZHOU ENLAI")) == plain
    assert iris(all_hits(index, "Zhōu Ênlái")) == plain


def test_a_misspelt_name_is_corrected_to_the_closest_name(seed_store, index):
    page = index.search("Roshhin")
    assert page.corrected is not None and "roshchin" in page.corrected.casefold()
    assert iris(all_hits(index, page.corrected)) == iris(all_hits(index, "Roshchin"))
    assert {h.iri for h in page.hits} <= iris(all_hits(index, "Roshchin"))
    # a word the index holds is never "corrected"
    assert index.search("Roshchin").corrected is None
    # nor is nonsense turned into a name
    nothing = index.search("qqqqzzzz")
    assert nothing.total == 0 and nothing.corrected is None


def test_phrases_keep_word_order(seed_store, index):
    phrase = all_hits(index, '"Soviet Ambassador"')
    assert phrase
    words = iris(all_hits(index, "Soviet Ambassador"))
    assert iris(phrase) <= words
    assert iris(all_hits(index, '"Ambassador Soviet"')) != iris(phrase)
    for hit in phrase:
        text = " ".join(t for t, _ in hit.snippet).casefold()
        assert "soviet ambassador" in text, hit.snippet


def test_a_prefix_finds_every_word_it_begins(index):
    prefix = iris(all_hits(index, "Rosh*"))
    assert iris(all_hits(index, "Roshchin")) <= prefix
    assert index.search("Rosh").total < len(prefix)  # a bare "Rosh" is a word of its own


def test_results_come_in_bm25_order_title_words_first(index):
    hits = all_hits(index, "Vyshinsky")
    scores = [h.score for h in hits]
    assert scores == sorted(scores)
    assert hits[0].score < hits[-1].score
    # the word in the title beats the word only among the names of the linked entities
    in_title = [i for i, h in enumerate(hits) if "vyshinsky" in h.title.casefold()]
    by_name = [i for i, h in enumerate(hits) if h.snippet and h.snippet[0][0] == "named: "]
    assert in_title and by_name
    assert max(in_title) < min(by_name), (in_title, by_name)


def test_snippets_mark_the_words_and_escape_the_text(index):
    hit = index.search("Filippov").hits[0]
    assert any(marked and text.casefold() == "filippov" for text, marked in hit.snippet)
    assert "<mark>Filippov</mark>" in hit.snippet_html
    evil = SearchHit(iri="x", title="t", date=None, earliest=None, type=None, summary=None,
                     score=None, snippet=(("<script>", False), ("a&b", True)))
    assert evil.snippet_html == "&lt;script&gt;<mark>a&amp;b</mark>"


def test_pages_are_disjoint_and_complete(index):
    first = index.search("China", page=1, page_size=4)
    assert first.total > 8
    second = index.search("China", page=2, page_size=4)
    assert not iris(first.hits) & iris(second.hits)
    assert iris(first.hits) | iris(second.hits) == iris(index.search("China", page_size=8).hits)
    assert first.pages == -(-first.total // 4)
    beyond = index.search("China", page=first.pages + 1, page_size=4)
    assert beyond.hits == () and beyond.total == first.total


def test_a_filtered_query_ranks_only_the_filtered_matches_across_pages(index):
    person = index.search("China").facets["person"][0]
    filters = Filters(people=(person.value,))
    ranked = all_hits(index, "China", filters)
    assert len(ranked) == person.count < index.search("China").total
    by_date = [h for p in range(1, 99) for h in index.search(
        "China", filters, page=p, page_size=50, sort="date").hits]
    assert iris(ranked) == iris(by_date) == iris(all_hits(index, None, filters)) & iris(
        all_hits(index, "China"))
    scores = [h.score for h in ranked]
    assert None not in scores and scores == sorted(scores)
    assert all(h.score is None for h in by_date)


@pytest.mark.parametrize("text", ['"', "AND", "NEAR(", "*", "-", "OR", "a OR", 'x"y', "(((",
                                  "title:Stalin", "^Stalin", "Stalin NOT", "- -Stalin"])
def test_no_query_text_is_an_error(index, text):
    page = index.search(text)
    assert page.error is None
    parse_query(text)  # never raises


def test_the_404_lookup_agrees_with_the_store(seed_store, index):
    base = KnowledgeGraph(seed_store).query(
        "SELECT ?s WHERE { ?s a kg:Person } LIMIT 1").__next__()[0].value.rsplit("person/", 1)[0]
    assert not index.exists(base + "person/nobody")
    assert index.entity(base + "person/nobody") is None
    stalin = index.entity(base + "person/joseph-stalin")
    assert stalin is not None and stalin.kind == "person" and stalin.label == "Joseph Stalin"
    assert "Filippov" in stalin.names
    assert stalin.documents == len(linked_documents(seed_store, "joseph-stalin"))
    # every IRI the store uses as subject or object answers, a #fragment by the IRI before
    # it (a request never carries the fragment: the page is that of the IRI before it)
    used = set()
    for q in open_reader(seed_store):
        for term in (q.subject, q.object, q.graph_name):
            if type(term).__name__ == "NamedNode":
                used.add(term.value.split("#", 1)[0])
    assert len(used) > 100
    missing = sorted(iri for iri in used if not index.exists(iri))
    assert missing == []


def test_entity_lists_hide_entities_without_documents(seed_store, index):
    people = index.entities("person", page_size=1000)
    assert people.total == len(people.items) > 5
    assert all(p.documents > 0 for p in people.items)
    counts = [p.documents for p in people.items]
    assert counts == sorted(counts, reverse=True)
    everyone = index.entities("person", page_size=1000, with_documents=False)
    assert everyone.total >= people.total
    found = index.find_entities("Chou")
    assert found and found[0].label == "Zhou Enlai"


def test_catalogue_and_stats_match_the_store(seed_store, index):
    kg = KnowledgeGraph(seed_store)
    stats = index.stats()
    expected = kg.stats()
    for key in ("documents", "people", "places", "organizations", "roles", "events",
                "mentions", "quads", "graphs"):
        assert stats[key] == expected[key], key
    row = next(iter(kg.query("SELECT ?d ?t WHERE { ?d a kg:Document ; dcterms:title ?t } "
                             "ORDER BY ?d LIMIT 1")))
    doc = index.document(row[0].value)
    assert doc is not None and doc.title == row[1].value
    assert sum(m.count for m in index.months()) == sum(
        1 for _ in kg.query("SELECT DISTINCT ?d WHERE { ?d a kg:Document ; kg:earliestDate ?e }"))


# -- the derived data follows every write ----------------------------------------------------


def _docs(store) -> set[str]:
    return {r[0].value for r in KnowledgeGraph(store).query(
        "SELECT DISTINCT ?d WHERE { ?d a kg:Document }")}


def _indexed(store) -> set[str]:
    return iris(all_hits(Index.open(store), None))


def test_derived_data_follows_remove_rebuild_and_load(store_copy, tmp_path):
    assert is_complete(current_generation(store_copy))
    assert _indexed(store_copy) == _docs(store_copy)
    before = Index.open(store_copy).search("Filippov").total
    kg = KnowledgeGraph(store_copy)
    victim = next(iter(iris(Index.open(store_copy).search("Filippov").hits)))
    assert kg.remove(victim) > 0
    assert victim not in _indexed(store_copy)
    assert _indexed(store_copy) == _docs(store_copy)
    assert not Index.open(store_copy).exists(victim)
    assert Index.open(store_copy).search("Filippov").total == before - 1

    kg.rebuild()
    assert _indexed(store_copy) == _docs(store_copy)

    # load: the store's quads as an N-Quads shard into a fresh store
    from kg.api import load_shards

    shard = tmp_path / "shard.nq"
    run = subprocess.run([sys.executable, "-m", "kg.cli", "export", "--store", str(store_copy),
                          "--format", "nquads", "--output", str(shard)], cwd=ROOT,
                         capture_output=True, timeout=300)
    assert run.returncode == 0, run.stderr.decode()
    loaded = tmp_path / "loaded"
    load_shards(loaded, [shard])
    assert _indexed(loaded) == _docs(loaded) == _docs(store_copy)
    assert Index.open(loaded).search("Filippov").total == before - 1


def test_a_store_without_derived_data_says_so_and_is_refreshed(store_copy):
    from kg.store.index import refresh

    gen = current_generation(store_copy)
    shutil.rmtree(derived_dir(gen))
    with pytest.raises(IndexMissing):
        Index.open(store_copy)
    new = refresh(store_copy)
    assert new is not None and new != gen
    assert _indexed(store_copy) == _docs(store_copy)


def test_derived_data_of_an_older_schema_counts_as_missing_and_is_rebuilt(store_copy):
    """A generation written by an older version (its manifest names another schema) lacks
    tables this one reads (letters, reconciliation records): it is treated as missing, and
    refreshing it (what `kg serve` does at start) gives it the current tables."""
    import json

    from kg.store.derived import MANIFEST, SCHEMA_VERSION
    from kg.store.index import refresh

    gen = current_generation(store_copy)
    manifest = derived_dir(gen) / MANIFEST
    old = json.loads(manifest.read_text()) | {"schema": SCHEMA_VERSION - 1}
    manifest.write_text(json.dumps(old))
    assert not is_complete(gen)
    with pytest.raises(IndexMissing):
        Index.open(store_copy)
    new = refresh(store_copy)
    assert new is not None and new != gen and is_complete(new)
    index = Index.open(store_copy)
    assert index.letters() and index.entity_records()
    assert _indexed(store_copy) == _docs(store_copy)


_CRASH = textwrap.dedent("""
    import os, signal, sys
    import kg.store.derived as derived
    real = derived.{target}
    def crash(*args, **kwargs):
        if "{when}" == "after":
            real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
    derived.{target} = crash
    from kg.api import KnowledgeGraph
    KnowledgeGraph(sys.argv[1]).remove(sys.argv[2])
""")


@pytest.mark.parametrize(("target", "when"), [("_fill", "before"), ("_fill", "after"),
                                              ("build", "after")])
def test_a_crash_while_deriving_leaves_the_previous_generation(store_copy, target, when):
    """SIGKILL in the middle of the derived build (tables written, not yet renamed) and just
    after it (complete, not yet published): the old generation stays current, complete."""
    gen = current_generation(store_copy)
    docs = _docs(store_copy)
    victim = sorted(docs)[0]
    run = subprocess.run([sys.executable, "-c", _CRASH.format(target=target, when=when),
                          str(store_copy), victim], cwd=ROOT, capture_output=True, timeout=300)
    assert run.returncode == -9, run.stderr.decode()
    assert current_generation(store_copy) == gen
    assert is_complete(gen)
    assert _indexed(store_copy) == _docs(store_copy) == docs
    # the next write removes the abandoned generation and publishes a complete one
    KnowledgeGraph(store_copy).remove(victim)
    assert sorted(g.name for g in store_copy.glob("gen-*")) == sorted(
        g.name for g in {gen, current_generation(store_copy)})
    assert _indexed(store_copy) == docs - {victim}


# -- rights ----------------------------------------------------------------------------------


def test_rights_travel_with_each_source_graph_into_exports_and_void(tmp_path, seed_pages):
    from kg.serve.void import void_turtle
    from kg.store.index import Index
    from tests.conftest import SAMPLE, run_kg

    store = tmp_path / "store"
    stated = "Reuse for research and teaching; ask the archive for anything else."
    run = run_kg("ingest", "--silent", "--no-full-text", "--store", str(store),
                 "--rights", stated, str(SAMPLE / "wilson-export-sample.csv"),
                 str(seed_pages[0]))
    assert run.returncode == 0, run.stderr.decode()
    kg = KnowledgeGraph(store)
    rows = kg.query("SELECT ?kind ?r WHERE { ?g a kg:SourceGraph ; kg:sourceKind ?kind . "
                    "OPTIONAL { ?g dcterms:rights ?r } }")
    by_kind: dict[str, set] = {}
    for kind, rights in rows:
        by_kind.setdefault(kind.value, set()).add(rights.value if rights else None)
    # the table states its own rights (its column wins); the page states none: the user's
    assert by_kind.pop("listing") == {stated}
    table = {r for values in by_kind.values() for r in values}
    assert table
    assert None not in table and stated not in table
    assert all("History and Public Policy Program" in r for r in table)
    exported = run_kg("export", "--store", str(store), "--format", "nquads")
    assert exported.returncode == 0
    assert b"<http://purl.org/dc/terms/rights>" in exported.stdout
    void = void_turtle("http://127.0.0.1:8000/", Index.open(store))
    assert "rights" in void.decode() and "Reuse for research" in void.decode()
    # each statement as the graph has it (value, language, datatype), counted at ingest
    in_graphs = {r for (r,) in open_reader(store).query(
        "SELECT DISTINCT ?r WHERE { ?g a kg:SourceGraph ; dcterms:rights ?r }",
        use_default_graph_as_union=True, prefixes=PREFIXES)}
    assert {t.object for t in ox.parse(void, format=ox.RdfFormat.TURTLE)
            if t.predicate == DCTERMS.rights} == in_graphs
    assert {r.value for r in in_graphs} == table | {stated}


def test_places_on_the_map_are_the_places_with_coordinates(seed_store, index):
    rows = KnowledgeGraph(seed_store).query(
        "SELECT DISTINCT ?p WHERE { ?p a kg:Place ; geo:lat ?lat ; geo:long ?long }")
    expected = {r[0].value for r in rows}
    assert expected
    placed = index.places_on_map()
    assert {p.iri for p in placed} == expected
    assert all(p.lat is not None and -90 <= p.lat <= 90 for p in placed)


def test_one_index_serves_many_threads_at_once(index):
    from concurrent.futures import ThreadPoolExecutor

    queries = ["Filippov", "Chou En-lai", "Roshhin", None, '"Soviet Ambassador"', "China"] * 8
    expected = {q: [h.iri for h in index.search(q).hits] for q in set(queries)}
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda q: (q, [h.iri for h in index.search(q).hits]), queries))
    assert all(hits == expected[q] for q, hits in results)


def test_void_statistics_round_trip_every_kind_of_rights_term():
    """A rights statement comes back as the graph has it: language, datatype, or an IRI."""
    import sqlite3

    from kg.store import void_stats

    stats = void_stats.VoidStatistics(
        distinct_subjects=3, classes=2, property_triples=(("http://a/p", 2), ("http://a/q", 1)),
        rights=(ox.Literal("Libre"), ox.Literal("Libre", language="fr"),
                ox.Literal("Libre", datatype=ox.NamedNode("http://a/licence")),
                ox.NamedNode("https://creativecommons.org/licenses/by/4.0/")))
    con = sqlite3.connect(":memory:")
    con.executescript(void_stats.SCHEMA)
    void_stats.write(con, stats)
    assert void_stats.read_statistics(con) == stats
    assert (stats.triples, stats.properties) == (3, 2)
