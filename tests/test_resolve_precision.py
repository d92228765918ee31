"""Resolution precision, one class of error per rule, on a small authority built here:
given names are not surnames, contradicting full names stay unresolved, the document's date
rules out the unborn and (as authors/recipients) the dead and decides shared surnames, and
people from the bulk-derived file are found by their full names, by a bare surname only in
post at the date."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz

from kg.core.authority import load_authority
from kg.core.dates import parse_date
from kg.resolve.resolver import DocContext, Resolver, short_names

PEOPLE = [
    # id, name, variants, born, died, nationality, posts
    ("shigeru-yoshida", "Shigeru Yoshida", "Yoshida Shigeru|Yoshida, Shigeru", 1878, 1967,
     "japan", "Prime Minister of Japan@japan@1948-1954"),
    ("ho-ka-i", "Ho Ka-i", "Alexei Hegai|Ho Kai", "", 1953, "north-korea", ""),
    ("alexei-kosygin", "Alexei Kosygin", "Aleksei Kosygin|A. N. Kosygin", 1904, 1980,
     "soviet-union", "Chairman of the Council of Ministers@soviet-union@1964-1980"),
    ("mao-zedong", "Mao Zedong", "Mao Tse-tung|Chairman Mao", 1893, 1976, "china", ""),
    ("john-f-kennedy", "John F. Kennedy", "John Fitzgerald Kennedy|JFK", 1917, 1963,
     "united-states", "President of the United States@united-states@1961-1963"),
    ("robert-f-kennedy", "Robert F. Kennedy", "Robert Francis Kennedy", 1925, 1968,
     "united-states", "Attorney General@united-states@1961-1964"),
    ("andrei-gromyko", "Andrei Gromyko", "Andrey Gromyko", 1909, 1989, "soviet-union", ""),
    ("tony-blair", "Tony Blair", "Anthony Blair", 1953, "", "united-kingdom",
     "Prime Minister of the United Kingdom@united-kingdom@1997-2007"),
]
BULK = [
    # id, name, same_as, variants, born, died, posts, viaf
    ("william-mccormick-blair", "William McCormick Blair", "", "Blair, William McCormick",
     1916, 2015, "US Ambassador to Denmark@@1961-1964", ""),
    ("vasily-makarov", "Vasily Makarov", "", "Makarov, Vasily G.", 1900, "", "", "4242"),
    ("yoshida-shigeru-hsg1", "Shigeru Yoshida", "shigeru-yoshida", "Yoshida, S.", 1878, 1967,
     "", "98765"),
]


@pytest.fixture(scope="module")
def resolver(tmp_path_factory) -> Resolver:
    data = tmp_path_factory.mktemp("authority")
    head = ("id\tname\twikidata\twikidata_source\tvariants\tpseudonyms\tnative_names\tborn\tdied"
            "\tnationality\tposts\tnote\n")
    rows = "".join(f"{k}\t{n}\t\t\t{v}\t\t\t{b}\t{d}\t{nat}\t{p}\t\n"
                   for k, n, v, b, d, nat, p in PEOPLE)
    (data / "people.tsv").write_text(head + rows, encoding="utf-8")
    bulk = "".join(f"{k}\t{n}\t{same}\t{v}\t{b}\t{d}\t{p}\t{viaf}\thsg-people\n"
                   for k, n, same, v, b, d, p, viaf in BULK)
    (data / "people-hsg.tsv").write_text(
        "id\tname\tsame_as\tvariants\tborn\tdied\tposts\tviaf\tsource\n" + bulk,
        encoding="utf-8")
    return Resolver(load_authority(data))


def at(date: str, party: bool = False) -> DocContext:
    ctx = DocContext(date=parse_date(date))
    return ctx.as_party() if party else ctx


def key(res) -> str | None:
    return res.entity.key if res else None


@pytest.mark.parametrize("name", ["Shigeru", "Alexei", "Zedong", "Tony", "Fitzgerald"])
def test_a_given_name_alone_resolves_to_nobody(resolver, name):
    assert key(resolver.resolve(name, "person")) is None


@pytest.mark.parametrize("person, given, family", [
    ("shigeru-yoshida", "shigeru", "yoshida"),     # a variant in the other name order
    ("ho-ka-i", "alexei", "ho"),                     # a variant in another language's order
    ("alexei-kosygin", "alexei", "kosygin"),
    ("mao-zedong", "zedong", "mao"),                 # family name first
])
def test_short_names_are_family_names_only(resolver, person, given, family):
    shorts = short_names(resolver.authority.entries[person])
    assert family in shorts and given not in shorts


@pytest.mark.parametrize("name, expected", [
    ("Yoshida", "shigeru-yoshida"), ("Kosygin", "alexei-kosygin"), ("Mao", "mao-zedong"),
    ("Blair", "tony-blair"),   # no date: the bulk-derived Blair is no rival
])
def test_a_family_name_still_resolves(resolver, name, expected):
    assert key(resolver.resolve(name, "person")) == expected


@pytest.mark.parametrize("name", [
    "Hirota Shigeru",        # another family name, the same given name
    "Andrei Gromov",         # close in spelling (89% alike), yet another family name
    "Andrey Gromova",
    "Boris Kosygin",         # the same family name, another given name
])
def test_a_contradicting_full_name_stays_unresolved(resolver, name):
    assert resolver.resolve(name, "person") is None


@pytest.mark.parametrize("name, expected", [
    ("Andrei Gromyko", "andrei-gromyko"), ("Andrei Gromyk", "andrei-gromyko"),  # a typo
    ("Alexei Kosygine", "alexei-kosygin"),
])
def test_a_misspelt_full_name_still_resolves(resolver, name, expected):
    assert key(resolver.resolve(name, "person")) == expected


@pytest.mark.parametrize("name, key_", [
    ("Hirota Shigeru", "shigeru-yoshida"), ("Boris Kosygin", "alexei-kosygin"),
    ("Patriarch Alexei", "ho-ka-i"), ("Andrei Gromov", "andrei-gromyko"),
])
def test_contradiction_is_detected(resolver, name, key_):
    assert resolver.contradicts(name, key_)


@pytest.mark.parametrize("name, key_", [
    ("Yoshida Shigeru", "shigeru-yoshida"), ("A. N. Kosygin", "alexei-kosygin"),
    ("Aleksei Kosygin", "alexei-kosygin"), ("Alexei Hegai", "ho-ka-i"),
])
def test_own_forms_do_not_contradict(resolver, name, key_):
    assert not resolver.contradicts(name, key_)


@pytest.mark.parametrize("name, date, party, expected", [
    # the dead are talked about, but write and receive nothing
    ("Shigeru Yoshida", "December 7, 1979", False, "shigeru-yoshida"),
    ("Shigeru Yoshida", "December 7, 1979", True, None),
    ("Yoshida", "December 7, 1979", True, None),
    ("Shigeru Yoshida", "May 1967", True, "shigeru-yoshida"),   # died that year: still possible
    # nobody appears before their birth
    ("Tony Blair", "March 3, 1950", False, None),
    ("Tony Blair", "1998", True, "tony-blair"),
    # a shared surname: the one alive, then the one in post, else nobody
    ("Kennedy", "June 1962", False, None),            # both alive and in post
    ("Kennedy", "June 1966", False, "robert-f-kennedy"),
    ("Kennedy", "1955", False, None),                 # both alive, neither in post
    ("Kennedy", "1966", True, "robert-f-kennedy"),
    # a bulk-derived person competes for a bare surname only in post at the date
    ("Blair", "1962", False, "william-mccormick-blair"),
    ("Blair", "1998", False, "tony-blair"),
    ("Blair", "1985", False, "tony-blair"),
])
def test_the_document_date_constrains_the_choice(resolver, name, date, party, expected):
    assert key(resolver.resolve(name, "person", at(date, party))) == expected


def test_an_undated_context_checks_nothing(resolver):
    ctx = DocContext(date=parse_date("undated"))
    assert key(resolver.resolve("Shigeru Yoshida", "person", ctx.as_party())) == "shigeru-yoshida"


def test_bulk_people_resolve_by_full_name_not_by_bare_surname(resolver):
    assert key(resolver.resolve("Vasily Makarov", "person")) == "vasily-makarov"
    assert key(resolver.resolve("Makarov, Vasily G.", "person")) == "vasily-makarov"
    assert resolver.resolve("Makarov", "person") is None
    assert resolver.resolve("Makarov", "person", at("1960")) is None  # in no post
    assert "makarov" not in resolver.short  # so the entity ruler makes no pattern of it


def test_surname_in_document_reaches_bulk_people(resolver):
    ctx = at("1960")
    ctx.add(resolver.authority.entries["vasily-makarov"])
    assert key(resolver.resolve("Makarov", "person", ctx)) == "vasily-makarov"


def test_bulk_rows_of_a_curated_person_merge_into_it(resolver):
    entries = resolver.authority.entries
    assert "yoshida-shigeru-hsg1" not in entries
    yoshida = entries["shigeru-yoshida"]
    assert yoshida.viaf == "98765" and "Yoshida, S." in yoshida.variants and yoshida.curated
    assert entries["vasily-makarov"].viaf == "4242" and not entries["vasily-makarov"].curated


def test_the_context_without_a_date_resolves_as_before(resolver):
    assert key(resolver.resolve("Shigeru Yoshida", "person", DocContext())) == "shigeru-yoshida"
    assert key(resolver.resolve("Kennedy", "person", DocContext())) is None


# -- the real sample: every resolved person mention is a form of its entity's name ---------------

def _no_contradiction(resolver: Resolver, text: str, key: str) -> bool:
    """A mention fits its person when it is not a contradicting full name and, as one word, is
    (a misspelling of) one of the person's family names, pseudonyms or one-word forms, never a
    given name."""
    from kg.core.text import fold
    from kg.resolve.resolver import clean_name
    e = resolver.authority.entries[key]
    words = fold(clean_name(text)).split()
    if len(words) >= 2:
        return not resolver.contradicts(text, key)
    own = short_names(e) | {fold(p) for p in e.pseudonyms} | {
        fold(f) for f in (e.name, *e.variants) if len(fold(f).split()) == 1}
    return bool(words) and any(words[0] == o or fuzz.ratio(words[0], o) >= 85 for o in own)


def test_sample_full_texts_resolve_no_name_to_a_person_it_contradicts():
    from conftest import SAMPLE

    from kg.resolve.entry import Extractor
    from kg.sources.records import read_csv
    path = SAMPLE / "wilson-export-sample.csv"
    records = read_csv(path.read_text(encoding="utf-8"), str(path)).records
    assert len(records) == 11 and all(r.full_text for r in records)
    extractor = Extractor()
    checked, wrong = 0, []
    for entry in extractor.extract(records):
        for link in entry.links:
            if link.entity.kind != "person" or not link.entity.resolved:
                continue
            if link.entity.key not in extractor.resolver.authority.entries:
                continue
            checked += 1
            if not _no_contradiction(extractor.resolver, link.mention.text, link.entity.key):
                wrong.append((entry.record.record_id, link.mention.text, link.entity.label))
    assert checked >= 40  # the check saw the sample's people
    assert not wrong, wrong


def test_a_viaf_id_becomes_schema_same_as_not_owl_same_as(resolver):
    import pyoxigraph as ox

    from kg.rdf.mapping import Iris, entity_description
    from kg.rdf.namespace import OWL, SCHEMA
    quads = entity_description(resolver.authority.entries["vasily-makarov"], Iris("http://x/"),
                               ox.NamedNode("http://x/graph/authority"))
    assert [q.object.value for q in quads if q.predicate == SCHEMA.sameAs] == [
        "http://viaf.org/viaf/4242"]
    assert not [q for q in quads if q.predicate == OWL.sameAs]  # owl:sameAs means Wikidata
