"""Resolution: every variant rule finds exactly one entity, or gives up (never a wrong one)."""

from __future__ import annotations

import pytest

from kg.core.authority import load_authority
from kg.resolve.resolver import DocContext, Resolver


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(load_authority())


@pytest.mark.parametrize("name, kind, expected, method", [
    ("Joseph Stalin", "person", "Joseph Stalin", "exact"),
    ("N.V. Roshchin", "person", "Nikolai Roshchin", None),        # initials
    ("N. V. Roshchin", "person", "Nikolai Roshchin", None),
    ("James E. Carter", "person", "Jimmy Carter", "initials"),    # a form with the middle name
    ("Roschin", "person", "Nikolai Roshchin", None),              # typo
    ("Vyshinshy", "person", "Andrey Vyshinsky", None),            # typo
    ("Chou En-lai", "person", "Zhou Enlai", None),                # Wade-Giles
    ("Mao Tse-tung", "person", "Mao Zedong", None),
    ("Nehru, Jawaharlal", "person", "Jawaharlal Nehru", None),    # catalogue name order
    ("Stalin's", "person", "Joseph Stalin", None),                # possessive
    ("Filippov", "person", "Joseph Stalin", "pseudonym"),
    ("Terebin", "person", "Andrei Orlov", "pseudonym"),
    ("Guomindang", None, "Kuomintang", None),
    ("VKP(b) CC Politburo", "organization", None, None),
    ("Peking", "place", "Beijing", None),
    ("Port Arthur", "place", "Lüshunkou", None),
    ("USSR", "place", "Soviet Union", None),
])
def test_variants_resolve_to_the_canonical_entity(resolver, name, kind, expected, method):
    res = resolver.resolve(name, kind)
    assert res is not None, name
    if expected:
        assert res.entity.label == expected
    if method:
        assert res.method == method
    assert 0 < res.score <= 1


@pytest.mark.parametrize("name", ["Zzyzx Qwerty", "Ivanov Petrovich Sidorenko-Blah", "Qqq"])
def test_unknown_names_stay_unresolved(resolver, name):
    assert resolver.resolve(name, "person") is None


def test_ambiguous_surname_is_not_guessed(resolver):
    keys = resolver.short.get("kuznetsov", [])
    if len(keys) < 2:
        pytest.skip("the authority has one Kuznetsov only")
    assert resolver.resolve("Kuznetsov", "person", allow_pseudonym=False) is None


def test_surname_resolves_against_the_document_first(resolver):
    ctx = DocContext()
    full = resolver.resolve("Fyodor Kuznetsov", "person")
    assert full is not None
    ctx.add(resolver.authority.entries[full.entity.key])
    res = resolver.resolve("Kuznetsov", "person", ctx, allow_pseudonym=False)
    assert res is not None and res.entity.key == full.entity.key
    assert res.method == "surname-in-document"


def test_unresolved_entities_are_keyed_by_slug(resolver):
    e = resolver.unresolved("Comrade Ivan Q. Nobody", "person")
    assert e.key == "person-ivan-q-nobody" and not e.resolved
    assert e.label == "Ivan Q. Nobody"
    assert resolver.unresolved("IVAN Q NOBODY", "person").key == e.key


@pytest.mark.parametrize("name, kind", [
    ("Joseph Stalin", "person"), ("N. V. Roshchin", None), ("Roschin", "person"),
    ("Chou En-lai", None), ("Filippov", None), ("Stalin", None), ("Kim", None),
    ("Peking", "place"), ("Guomindang", None), ("Hirota Shigeru", "person"), ("Nobody Atall", None),
])
def test_without_a_document_the_resolver_agrees_with_the_gazetteer(resolver, name, kind):
    """Out of any document (no date, nobody named yet) deciding is looking up: the resolver's
    path through the candidates and the gazetteer's context-free `match` give one answer."""
    expected = resolver.gazetteer.match(name, kind)
    assert resolver.resolve(name, kind) == expected
    assert resolver.resolve(name, kind, DocContext()) == expected


def test_a_document_can_decide_what_the_gazetteer_cannot(resolver):
    """A bare surname several curated people share: no answer out of context, the one the
    document has already named in full within it."""
    shared = next(s for s, keys in sorted(resolver.short.items())
                  if len(keys) > 1 and resolver.gazetteer.match(s, "person") is None)
    ctx = DocContext()
    first = resolver.authority.entries[resolver.short[shared][0]]
    ctx.add(first)
    hit = resolver.resolve(shared, "person", ctx)
    assert hit is not None and hit.entity.key == first.key and hit.method == "surname-in-document"
