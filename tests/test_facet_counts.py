"""Facet postings (kg.store.facet_counts) against counting the same rows directly.

Random documents with random facet values, written through the derived build's own tables
(`docs`, `doc_facets`, `facet_totals` numbered as the build numbers them); any subset of the
documents must get the counts and the top-N (most frequent first, ties by value) a plain
Counter gives.
"""

from __future__ import annotations

import sqlite3
from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.store import facet_counts
from kg.store.facet_counts import FacetPostings

FACETS = ("person", "place", "year")
VALUES = st.tuples(st.sampled_from(FACETS), st.sampled_from("abcdefgh"))


def build(docs: list[set[tuple[str, str]]]) -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.executescript("CREATE TABLE docs(id INTEGER PRIMARY KEY);"
                      "CREATE TABLE doc_facets(facet, value, doc);"
                      "CREATE TABLE facet_totals(facet, value, n, id);" + facet_counts.SCHEMA)
    con.executemany("INSERT INTO docs VALUES (?)", [(i,) for i in range(1, len(docs) + 1)])
    con.executemany("INSERT INTO doc_facets VALUES (?, ?, ?)",
                    [(f, v, i) for i, fv in enumerate(docs, start=1) for f, v in fv])
    con.execute("INSERT INTO facet_totals SELECT facet, value, COUNT(*), "
                "ROW_NUMBER() OVER (ORDER BY facet, value) - 1 FROM doc_facets "
                "GROUP BY facet, value")
    facet_counts.write(con)
    return con


@settings(max_examples=60, deadline=None)
@given(docs=st.lists(st.sets(VALUES, max_size=6), min_size=1, max_size=40),
       data=st.data(), limit=st.integers(1, 5))
def test_counts_and_top_values_are_those_of_a_counter(docs, data, limit):
    con = build(docs)
    postings = FacetPostings.read(con)
    chosen = sorted(data.draw(st.sets(st.integers(1, len(docs)))))
    counts = postings.count(np.array(chosen, dtype=np.int64))
    names = {i: (f, v) for f, v, i in con.execute("SELECT facet, value, id FROM facet_totals")}
    expected = Counter(fv for d in chosen for fv in docs[d - 1])
    for facet in FACETS:
        want = sorted(((-n, v) for (f, v), n in expected.items() if f == facet))
        got = [(-n, names[i][1]) for i, n in postings.top(counts, facet, limit)]
        assert got == want[:limit]
        every = [(-n, names[i][1]) for i, n in postings.top(counts, facet, None)]
        assert every == want


def test_documents_without_values_count_nothing():
    con = build([set(), {("person", "a")}, set()])
    postings = FacetPostings.read(con)
    assert postings.count(np.array([1, 3], dtype=np.int64)).sum() == 0
    assert postings.top(postings.count(np.array([2], dtype=np.int64)), "person", 5) == [(0, 1)]
    assert postings.top(postings.count(np.array([], dtype=np.int64)), "place", 5) == []
