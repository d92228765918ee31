"""Entity and resource pages a page at a time, on a generated store big enough to need several.

What a page lists is checked against the same question asked of the store with SPARQL: the
pages of a person's, place's, organisation's or topic's documents together list each of its
documents exactly once, in date order, and their total is the store's count; a page past the
last is a 404 that links to the last page; a bad page number is a 400 that says why; the names
a person went by, the documents of each post and a place's long lists are bounded, with their
counts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from kg.api import KnowledgeGraph
from kg.rdf.namespace import PREFIXES
from kg.serve import views
from kg.serve.app import Settings, Site, create_app
from kg.serve.snapshot import StoreView
from kg.serve.worker import WorkerPool
from kg.store import open_reader
from tests.conftest import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.generate import write_corpus  # noqa: E402

BASE = "http://testserver/"
ENTRIES = 300
# A few hundred entries (ingesting costs ~10 ms each) name a person in a handful of documents
# and a country in a few dozen: the pages' sizes are cut down so that lists need several.
SMALL = {"PAGE_SIZE": 2, "ROLE_DOCUMENTS": 1, "NAME_DOCUMENTS": 1, "LISTED": 3}
CLASSES = {"person": "kg:Person", "place": "kg:Place", "organization": "kg:Organization",
           "topic": "kg:Topic"}


@pytest.fixture(scope="module", autouse=True)
def small_pages():
    with pytest.MonkeyPatch.context() as patch:
        for name, value in SMALL.items():
            patch.setattr(views, name, value)
        yield


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("entity-pages")
    write_corpus(root / "pages", ENTRIES, seed=1)
    report = KnowledgeGraph(root / "store", base=BASE).ingest([str(root / "pages")])
    assert report.ok, report.errors
    return root / "store"


@pytest.fixture(scope="module")
def client(store):
    site = Site(Settings(store), StoreView(store, BASE), WorkerPool(store, size=1))
    yield TestClient(create_app(site))
    site.close()


@pytest.fixture(scope="module")
def local(store) -> ox.Store:
    return open_reader(store)


def rows(local: ox.Store, query: str) -> list[tuple[str | None, ...]]:
    return [tuple(t.value if t is not None else None for t in r)
            for r in local.query(query, use_default_graph_as_union=True, prefixes=PREFIXES)]


def path(iri: str) -> str:
    return "/" + iri[len(BASE):]


def twin(client: TestClient, url: str) -> dict:
    r = client.get(url + ("&" if "?" in url else "?") + "format=json")
    assert r.status_code == 200, (url, r.text[:300])
    return r.json()


def html(client: TestClient, url: str, status: int = 200) -> str:
    r = client.get(url, headers={"Accept": "text/html"})
    assert r.status_code == status, (url, r.text[:300])
    assert "Traceback" not in r.text
    return r.text


def most_documented(local: ox.Store, cls: str) -> tuple[str, int]:
    iri, n = rows(local, f"SELECT ?e (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?e a {cls} . "
                         f"?d a kg:Document ; ?p ?e }} GROUP BY ?e ORDER BY DESC(?n) ?e "
                         "LIMIT 1")[0]
    return iri, int(n)


def documents_of(local: ox.Store, iri: str) -> dict[str, str | None]:
    """Each document linking to `iri`, with its earliest date (None when undated)."""
    return {d: e for d, e in rows(local, f"SELECT ?d (MIN(?e) AS ?first) WHERE {{ ?d a "
                                         f"kg:Document ; ?p <{iri}> OPTIONAL {{ ?d "
                                         f"kg:earliestDate ?e }} }} GROUP BY ?d")}


def every_page(client: TestClient, url: str) -> list[dict]:
    first = twin(client, url)
    out = [first]
    for n in range(2, first["pages"] + 1):
        out.append(twin(client, f"{url}?page={n}"))
    return out


def date_key(earliest: str | None) -> tuple[bool, str]:
    return (earliest is None, earliest or "")


@pytest.mark.parametrize("kind", list(CLASSES))
def test_pages_list_each_document_once_in_date_order(client, local, kind):
    iri, count = most_documented(local, CLASSES[kind])
    expected = documents_of(local, iri)
    pages = every_page(client, path(iri))
    listed = [d for p in pages for d in p["documents"]]
    assert [d["iri"] for d in listed if d["iri"] in expected] == [d["iri"] for d in listed]
    assert len(listed) == len({d["iri"] for d in listed}) == len(expected) == count
    assert all(p["total"] == count and p["page_size"] == views.PAGE_SIZE for p in pages)
    assert [p["page"] for p in pages] == list(range(1, len(pages) + 1))
    assert all(len(p["documents"]) == views.PAGE_SIZE for p in pages[:-1])
    assert [date_key(d["earliest"]) for d in listed] == sorted(
        date_key(expected[d["iri"]]) for d in listed)
    # the relations of each listed document are those of the store
    for d in pages[-1]["documents"]:
        predicates = {p for (p,) in rows(local, f"SELECT DISTINCT ?p WHERE {{ <{d['iri']}> ?p "
                                                f"<{iri}> }}")}
        assert d["relations"] and len(d["relations"]) == len(predicates)


def test_a_well_known_person_needs_several_pages(client, local):
    iri, count = most_documented(local, "kg:Person")
    assert count > 2 * views.PAGE_SIZE, "the generated store is too small to test paging"
    first, second = twin(client, path(iri)), twin(client, f"{path(iri)}?page=2")
    assert first["pages"] == second["pages"] == -(-count // views.PAGE_SIZE) >= 3
    page = html(client, f"{path(iri)}?page=2")
    assert 'rel="prev"' in page and 'rel="next"' in page and f'?page={first["pages"]}"' in page
    last = html(client, f"{path(iri)}?page={first['pages']}")
    assert 'rel="next"' not in last and 'rel="prev"' in last


@pytest.mark.parametrize("kind", list(CLASSES))
def test_a_page_past_the_last_is_a_404_with_a_link_to_the_last(client, local, kind):
    iri, count = most_documented(local, CLASSES[kind])
    last = -(-count // views.PAGE_SIZE)
    r = client.get(f"{path(iri)}?page={last + 1}", headers={"Accept": "text/html"})
    assert r.status_code == 404 and f'href="{path(iri)}?page={last}"' in r.text
    r = client.get(f"{path(iri)}?page={last + 5}&format=json")
    assert r.status_code == 404 and r.json()["link"].endswith(f"page={last}")
    assert twin(client, r.json()["link"])["page"] == last


@pytest.mark.parametrize("number", ["x", "0", "-1", "1.5", "9" * 40])
def test_a_bad_page_number_says_why(client, local, number):
    iri, _ = most_documented(local, "kg:Person")
    r = client.get(f"{path(iri)}?page={number}", headers={"Accept": "text/html"})
    assert r.status_code in (400, 404) and "Traceback" not in r.text
    assert "page" in r.text.lower()
    r = client.get(f"{path(iri)}?page={number}&format=json")
    assert r.status_code in (400, 404) and "page" in r.json()["error"]


def test_names_are_grouped_and_bounded(client, local):
    attested = rows(local, "SELECT ?e ?n ?ps ?d WHERE { ?e kg:nameAttestation ?a . ?a "
                           "kg:attestedName ?n ; kg:attestedBy ?d OPTIONAL { ?a kg:isPseudonym "
                           "?ps } }")
    assert attested, "the generated store attests no name"
    by_person: dict[str, dict[tuple[str, bool], set[str]]] = {}
    for e, n, ps, d in attested:
        by_person.setdefault(e, {}).setdefault((n, ps == "true"), set()).add(d)
    person = max(by_person, key=lambda e: sum(len(v) for v in by_person[e].values()))
    page = twin(client, path(person))
    groups = {(a["name"], a["pseudonym"]): a for a in page["name_attestations"]}
    assert set(groups) == set(by_person[person])
    for key, docs in by_person[person].items():
        group = groups[key]
        assert group["count"] == len(docs)
        assert len(group["documents"]) == min(views.NAME_DOCUMENTS, len(docs))
        dates = documents_of_many(local, docs)
        firsts = sorted(docs, key=lambda d: (date_key(dates[d]), d))[:views.NAME_DOCUMENTS]
        assert [date_key(d["earliest"]) for d in group["documents"]] == \
            [date_key(dates[d]) for d in firsts]
    assert "all their documents" in html(client, path(person)) or all(
        a["count"] <= views.NAME_DOCUMENTS for a in page["name_attestations"])


def documents_of_many(local: ox.Store, docs: set[str]) -> dict[str, str | None]:
    values = " ".join(f"<{d}>" for d in docs)
    return {d: e for d, e in rows(local, f"SELECT ?d (MIN(?e) AS ?first) WHERE {{ VALUES ?d "
                                         f"{{ {values} }} OPTIONAL {{ ?d kg:earliestDate ?e }} "
                                         f"}} GROUP BY ?d")}


def test_posts_list_their_first_documents_and_count_all(client, local):
    holder, _, n = rows(local, "SELECT ?h ?r ?n WHERE { ?r a kg:Role ; kg:holder ?h ; "
                               "kg:documentCount ?n } ORDER BY DESC(?n) ?r LIMIT 1")[0]
    assert int(n) > views.ROLE_DOCUMENTS, "no post of the generated store has many documents"
    page = twin(client, path(holder))
    for post in page["roles"]:
        docs = {d for (d,) in rows(local, f"SELECT DISTINCT ?d WHERE {{ <{post['iri']}> "
                                          "kg:attestation/kg:attestedBy ?d }")}
        counted = rows(local, f"SELECT ?n WHERE {{ <{post['iri']}> kg:documentCount ?n }}")
        assert post["evidence"] == (int(counted[0][0]) if counted else len(docs))
        assert len(post["attested_by"]) == min(views.ROLE_DOCUMENTS, len(docs))
        dates = documents_of_many(local, docs) if docs else {}
        assert [date_key(d["earliest"]) for d in post["attested_by"]] == sorted(
            date_key(dates[d]) for d in docs)[:views.ROLE_DOCUMENTS]
    assert any(p["evidence"] > len(p["attested_by"]) for p in page["roles"])
    assert f"the first {views.ROLE_DOCUMENTS}, in date order" in html(client, path(holder))


def test_a_places_lists_are_bounded_and_counted(client, local):
    for predicate, field in (("kg:nationality", "people"), ("kg:within", "contains")):
        place, n = rows(local, f"SELECT ?p (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x {predicate} "
                               "?p } GROUP BY ?p ORDER BY DESC(?n) ?p LIMIT 1")[0]
        expected = {x for (x,) in rows(local, f"SELECT DISTINCT ?x WHERE {{ ?x {predicate} "
                                              f"<{place}> }}")}
        page = twin(client, path(place))
        assert page[f"{field}_total"] == int(n) == len(expected)
        listed = [r["iri"] for r in page[field]]
        assert len(listed) == min(views.LISTED, len(expected)) and set(listed) <= expected
        # the most documented of them
        values = " ".join(f"<{x}>" for x in expected)
        counts = {x: int(n) for x, n in rows(local, f"SELECT ?x (COUNT(DISTINCT ?d) AS ?n) "
                                                    f"WHERE {{ VALUES ?x {{ {values} }} "
                                                    "OPTIONAL { ?d a kg:Document ; ?p ?x } } "
                                                    "GROUP BY ?x")}
        assert min(counts[x] for x in listed) >= max(
            (counts[x] for x in expected - set(listed)), default=0)


def test_resource_pages_list_what_refers_to_them_a_page_at_a_time(client, local):
    # the most referred-to method, source or document type that fits in a few dozen pages
    counts = rows(local, "SELECT ?m (COUNT(*) AS ?n) WHERE { { SELECT DISTINCT ?s ?p ?m "
                         "WHERE { ?s ?p ?m . ?m a ?c VALUES ?c { kg:Method kg:Source "
                         "kg:DocumentType } } } } GROUP BY ?m ORDER BY DESC(?n) ?m")
    method = next(m for m, n in counts if 2 * views.PAGE_SIZE < int(n) <= 30 * views.PAGE_SIZE)
    assert method.startswith(BASE)
    expected = set(rows(local, f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p <{method}> }}"))
    pages = every_page(client, path(method))
    listed = [(r["subject"]["iri"], r["property"]["iri"]) for p in pages
              for r in p["referenced_by"]]
    assert len(listed) == len(set(listed)) == len(expected) == pages[0]["total"]
    assert set(listed) == expected
    # grouped by property: each property's referrers on consecutive rows
    properties = [prop for _, prop in listed]
    assert properties == sorted(properties, key=properties.index)
    r = client.get(f"{path(method)}?page={len(pages) + 1}", headers={"Accept": "text/html"})
    assert r.status_code == 404 and f"?page={len(pages)}" in r.text
    if len(pages) > 1:
        assert 'rel="next"' in html(client, path(method))


def test_the_documents_page_of_an_entity_is_linked(client, local):
    iri, count = most_documented(local, "kg:Person")
    page = html(client, path(iri))
    assert f"/documents?person=%2F{path(iri)[1:].replace('/', '%2F')}" in page
    assert twin(client, f"/documents?person={path(iri)}")["total"] == count


def test_posts_of_a_place_are_bounded_and_counted(client, local):
    place, n = rows(local, "SELECT ?p (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a kg:Role ; "
                           "kg:roleTo|kg:postIn ?p . ?p a kg:Place } GROUP BY ?p "
                           "ORDER BY DESC(?n) ?p LIMIT 1")[0]
    assert int(n) > views.LISTED, "no place of the generated store has many posts"
    page = twin(client, path(place))
    assert page["roles_total"] == int(n) and len(page["roles"]) == views.LISTED
    assert f"most attested of {n}" in html(client, path(place))


def test_a_persons_correspondents_are_bounded_and_counted(client, local):
    """The most written-to correspondents, LISTED of them, with the total and a pointer to
    the network that holds them all."""
    person, n = rows(local, "SELECT ?a (COUNT(DISTINCT ?r) AS ?n) WHERE { ?d kg:author ?a ; "
                            "kg:recipient ?r FILTER(?r != ?a) } GROUP BY ?a "
                            "ORDER BY DESC(?n) ?a LIMIT 1")[0]
    assert int(n) > views.LISTED, "no person of the generated store wrote to many"
    page = twin(client, path(person))
    assert page["wrote_to_total"] == int(n)
    counts = [c["count"] for c in page["wrote_to"]]
    assert len(counts) == views.LISTED and counts == sorted(counts, reverse=True)
    every = rows(local, f"SELECT ?r (COUNT(DISTINCT ?d) AS ?k) WHERE {{ ?d kg:author <{person}>"
                        f" ; kg:recipient ?r FILTER(?r != <{person}>) }} GROUP BY ?r")
    assert counts == sorted((int(k) for _, k in every), reverse=True)[:views.LISTED]
    assert f"and {int(n) - views.LISTED} more" in html(client, path(person))
