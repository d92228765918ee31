"""The spaCy components on `spacy.blank("en")`: no trained model, a small authority written
here, entities set by hand where the statistical model would have set them."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Span

from kg.core.gazetteer import Gazetteer, gazetteer_for
from kg.extract.nlp import add_components, authority_patterns

PEOPLE = (
    "id\tname\twikidata\twikidata_source\tvariants\tpseudonyms\tnative_names\tborn\tdied\t"
    "nationality\tposts\tnote\n"
    "iosif-stalin\tIosif Stalin\t\t\tI. V. Stalin\tFilippov\t\t1878\t1953\tussr\t\t\n"
    "nikolai-roshchin\tNikolai Roshchin\t\t\tN. V. Roshchin\t\t\t1901\t1960\tussr\t\t\n"
)
PLACES = (
    "id\tname\ttype\twikidata\twikidata_source\tvariants\tnative_names\tdemonyms\tlat\tlon\t"
    "within\tnote\n"
    "ussr\tSoviet Union\tcountry\t\t\tUSSR\t\tSoviet\t\t\t\t\n"
    "china\tChina\tcountry\t\t\tPRC\t\tChinese\t\t\t\t\n"
    "azerbaijan\tAzerbaijan\tcountry\t\t\t\t\tAzerbaijani\t\t\t\t\n"
    "beijing\tBeijing\tcity\t\t\tPeking\t\t\t\t\tchina\t\n"
)
ORGS = (
    "id\tname\ttype\twikidata\twikidata_source\tvariants\tnative_names\tparent\tcountry\tnote\n"
    "wpk\tWorkers' Party of Korea\tparty\t\t\tKWP|Korean Workers' Party\t\t\t\t\n"
    "us-congress\tUnited States Congress\tlegislature\t\t\tCongress|US Congress\t\t\t\t\n"
    "cpaz\tCommunist Party of Azerbaijan\tparty\t\t\t\t\t\t\t\n"
    "bmc\tBeijing Municipal Committee\tparty\t\t\t\t\t\t\t\n"
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("authority")
    (d / "people.tsv").write_text(PEOPLE, encoding="utf-8")
    (d / "places.tsv").write_text(PLACES, encoding="utf-8")
    (d / "organizations.tsv").write_text(ORGS, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def nlp(data_dir):
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"validate": False, "overwrite_ents": True})
    ruler.add_patterns(authority_patterns(gazetteer_for(str(data_dir))))
    return add_components(nlp, data_dir)


def with_ents(nlp, text, spans):
    """A doc as the statistical model would leave it: `spans` are (words, label)."""
    doc = nlp.make_doc(text)
    ents = []
    for words, label in spans:
        start = text.index(words)
        ents.append(doc.char_span(start, start + len(words), label=label))
    doc.ents = ents
    return doc


def test_components_declare_what_they_assign(nlp):
    summary = nlp.analyze_pipes(pretty=False)["summary"]
    assert summary["kg_entity_repair"]["assigns"] == ["doc.ents", "doc.spans"]
    assert summary["kg_roles"]["requires"] == ["doc.ents"]
    assert "span._.kg_role" in summary["kg_roles"]["assigns"]


def test_authority_ruler_finds_names_and_pseudonyms(nlp):
    doc = nlp("Ciphered telegram, Filippov to Roshchin in Peking")
    found = {(e.text, e.label_, e.ent_id_) for e in doc.ents}
    assert ("Filippov", "PERSON", "iosif-stalin") in found
    assert ("Roshchin", "PERSON", "nikolai-roshchin") in found
    assert ("Peking", "GPE", "beijing") in found


@pytest.mark.parametrize("text, model_span, expected", [
    # an event or delegation before a body, a place after it
    ("Conversations between Delegations of the Workers Party in Beijing",
     "Delegations of the Workers Party in Beijing", "Workers Party"),
    ("Stenographic record of the Meeting of the Consultative Committee",
     "Meeting of the Consultative Committee", "Consultative Committee"),
    # a group of bodies, or an event, is no body
    ("Relations with Some Fraternal Countries", "Some Fraternal Countries", None),
    ("on the Romanian Government Delegation Visit", "Romanian Government Delegation Visit", None),
    # where the model stopped short, or named a delegation
    ("talks with the Government of the Republic", "Government of the", None),
    ("met the Albanian Trade Delegation in Tirana", "Albanian Trade Delegation", None),
    # a body run on into its member's name: the body alone (the member is a person)
    ("a letter of the National Atomic Energy Commission Oscar A. Quihillalt",
     "National Atomic Energy Commission Oscar A. Quihillalt", "National Atomic Energy Commission"),
    # a comma ends a body's name: a member of it follows
    ("with the Secretary of the National Leadership of the PURS, Emilio Aragones",
     "National Leadership of the PURS, Emilio Aragones", "National Leadership of the PURS"),
])
def test_repair_trims_bodies(nlp, text, model_span, expected):
    doc = nlp.get_pipe("kg_entity_repair")(with_ents(nlp, text, [(model_span, "ORG")]))
    orgs = [e.text for e in doc.ents if e.label_ == "ORG"]
    assert orgs == ([expected] if expected else [])


@pytest.mark.parametrize("text, model_spans, expected", [
    ("KGB Information on Kim Philbey Visit to Sofia", [("Kim Philbey Visit", "PERSON")],
     ["Kim Philbey"]),
    ("Radio Report on the Strikes in Plzen", [("Strikes", "PERSON")], []),
    # one name the model cut in two
    ("Minutes of Conversation with Leonid I. Brezhnev", [("Leonid I.", "PERSON"),
                                                         ("Brezhnev", "PERSON")],
     ["Leonid I. Brezhnev"]),
    # a quoted title closed before a name: the title is nobody, the name after it somebody
    ("the Editor of the Journal 'Novaya Koreya' Song Jin-hwa",
     [("Novaya Koreya' Song Jin-hwa", "PERSON")], ["Song Jin-hwa"]),
    ("the Editor of the Journal 'Novaya Koreya' Song Jin-hwa",
     [("Novaya Koreya'", "PERSON"), ("Song Jin-hwa", "PERSON")], ["Song Jin-hwa"]),
])
def test_repair_mends_people(nlp, text, model_spans, expected):
    doc = nlp.get_pipe("kg_entity_repair")(with_ents(nlp, text, model_spans))
    assert [e.text for e in doc.ents if e.label_ == "PERSON"] == expected


@pytest.mark.parametrize("text, congress", [
    # a party's numbered or owned congress is an event: not the body "Congress" alone names
    ("Telegram on the KWP's 6th Congress", False),
    ("Record of the Third Congress of the Korean Workers' Party", False),
    ("Decisions of the 22nd KWP [Korean Workers' Party] Congress", False),
    ("Testimony before Congress on Aid to Korea", True),
    ("Letter to the US Congress", True),
])
def test_a_partys_congress_is_no_legislature(nlp, text, congress):
    doc = nlp(text)
    assert any(e.ent_id_ == "us-congress" for e in doc.ents) is congress
    assert congress or any(e.ent_id_ == "wpk" for e in doc.ents)


@pytest.mark.parametrize("text, linked", [
    # a surname the ruler knows, after someone else's given name: not that person
    ("a meeting between Pavel Roshchin and the Ambassador", None),
    ("a meeting between Nikolai Roshchin and the Ambassador", "nikolai-roshchin"),
    ("a meeting between Comrade Roshchin and the Ambassador", "nikolai-roshchin"),
    ("a meeting between Ambassador Roshchin and the Minister", "nikolai-roshchin"),
    ("Conversation With Roshchin", "nikolai-roshchin"),
])
def test_another_given_name_unlinks_a_known_surname(nlp, text, linked):
    people = [e for e in nlp(text).ents if e.label_ == "PERSON"]
    assert len(people) == 1 and (people[0].ent_id_ or None) == linked, people
    assert linked or people[0].text == "Pavel Roshchin"


def test_a_place_folded_into_a_body_stays_a_place(nlp):
    text = "Letter to the CC of the CP of Azerbaijan"
    doc = with_ents(nlp, text, [("CC of the CP", "ORG"), ("Azerbaijan", "GPE")])
    doc = nlp.get_pipe("kg_entity_repair")(doc)
    assert [e.text for e in doc.ents] == ["CC of the CP of Azerbaijan"]
    assert [s.text for s in doc.spans["kg_places_in_bodies"]] == ["Azerbaijan"]


def test_implied_places_are_kept_apart(nlp):
    doc = nlp("Soviet planes over Chinese territory")
    implied = {(s.text, s.kb_id_) for s in doc.spans["kg_implied_places"]}
    assert implied == {("Soviet", "ussr"), ("Chinese", "china")}
    assert not [e for e in doc.ents if e.label_ == "GPE"]


@pytest.mark.parametrize("text, role, person", [
    ("Soviet Ambassador to China Roshchin met the Premier.", "Soviet Ambassador to China",
     "Roshchin"),
    ("Roshchin, Soviet Ambassador to China, replied.", "Soviet Ambassador to China", "Roshchin"),
])
def test_roles_next_to_people(nlp, text, role, person):
    doc = nlp(text)
    roles = [(s._.kg_role[0], text[s._.kg_role[1]:s._.kg_role[2]]) for s in doc.spans["kg_roles"]]
    assert (role, person) in roles


@pytest.mark.parametrize("component", ["kg_entity_repair", "kg_implied_places", "kg_roles"])
def test_components_read_a_versioned_gazetteer(data_dir, component):
    """The components only look names up: they are given the gazetteer (by its versioned
    registry name), never the resolver, which decides identity later with the whole document."""
    nlp = spacy.blank("en")
    nlp.add_pipe(component, config={"gazetteer": {"@misc": "kg.authority_gazetteer.v1",
                                                  "data_dir": str(data_dir)}})
    gazetteer = spacy.registry.misc.get("kg.authority_gazetteer.v1")(str(data_dir))
    assert isinstance(gazetteer, Gazetteer)
    assert gazetteer.authority.get("nikolai-roshchin") is not None
    assert nlp.config["components"][component]["gazetteer"]["@misc"] == \
        "kg.authority_gazetteer.v1"
    assert isinstance(Span(nlp.make_doc("x"), 0, 1)._.kg_role, type(None))


def test_the_rest_of_a_known_persons_name_joins_them(nlp):
    # the ruler took a shorter form ("Roshchin"); the model tagged the rest ("Nikolai's")
    doc = nlp.make_doc("a cable from Roshchin Nikolai's office")
    known = Span(doc, 3, 4, label="PERSON", span_id="nikolai-roshchin")
    rest = Span(doc, 4, 6, label="PERSON")
    doc.ents = [known, rest]
    people = [e for e in nlp.get_pipe("kg_entity_repair")(doc).ents if e.label_ == "PERSON"]
    assert [(e.text, e.ent_id_) for e in people] == [("Roshchin Nikolai's", "nikolai-roshchin")]
    # someone else's name after it stays apart
    doc = nlp.make_doc("a cable from Roshchin Pavel's office")
    doc.ents = [Span(doc, 3, 4, label="PERSON", span_id="nikolai-roshchin"),
                Span(doc, 4, 6, label="PERSON")]
    people = [e for e in nlp.get_pipe("kg_entity_repair")(doc).ents if e.label_ == "PERSON"]
    assert len(people) == 2


def test_a_place_inside_a_known_body_is_a_place_the_text_names(nlp):
    # after "of", "in" or "to" a place in the body's name is named; a place that qualifies
    # the body ("Beijing Municipal Committee", "Warsaw Pact") is not
    doc = nlp("a letter to the Communist Party of Azerbaijan and the Beijing Municipal Committee")
    assert {e.ent_id_ for e in doc.ents} >= {"cpaz", "bmc"}
    assert [(p.text, p.id_) for p in doc.spans["kg_places_in_bodies"]] == [
        ("Azerbaijan", "azerbaijan")]
