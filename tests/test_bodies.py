"""Bodies under one name however the catalogue writes them: party organs named before or after
their party, events and places written around a body's name, delegations that are people."""

from __future__ import annotations

import pytest

from kg.core.gazetteer import gazetteer_for
from kg.core.model import Record, SourceRef
from kg.extract.bodies import canonical_body, is_delegation, trim_body
from kg.resolve.entry import Extractor


@pytest.fixture(scope="module")
def gazetteer():
    return gazetteer_for()


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _authority_name(gazetteer, written: str) -> str:
    res = gazetteer.exactly(written, "organization")
    assert res is not None, f"the authority should know {written!r}"
    return gazetteer.authority.entries[res.entity.key].name


@pytest.mark.parametrize("forms", [
    # the party's country, the party's own name, its abbreviation, with or without its
    # central committee between party and organ, and the catalogue's misspelling
    ("Bulgarian Politburo", "Bulgarian Communist Party Politburo", "BCP Politburo",
     "Bulgarian Communist Party CC Politboro", "Bulgarian Political Bureau"),
    ("Czechoslovak Politburo", "Czechoslovak Communist Party Politburo", "KSČ Politburo"),
    ("Polish Politburo", "PZPR Politburo", "Polish United Workers' Party Politburo"),
    # the organ first, the party after; the Hungarian party's own word for it
    ("Hungarian Politburo", "HSWP CC Political Committee",
     "Political Bureau of the Hungarian Socialist Workers' Party",
     "Central Committee of the Hungarian Socialist Workers' Party Politburo"),
])
def test_a_party_organ_has_one_name_however_written(gazetteer, forms):
    names = {canonical_body(form, gazetteer) for form in forms}
    assert len(names) == 1 and None not in names, names
    assert next(iter(names)).startswith("Politburo of the ")


@pytest.mark.parametrize("written, organ, party", [
    ("CC CPSU Politburo", "Politburo", "CPSU"),
    ("CPSU CC Politboro", "Politburo", "CPSU"),
    ("Soviet Politburo", "Politburo", "CPSU"),
    ("CCP CC Politburo", "Politburo", "CCP"),
])
def test_an_organ_the_authority_lists_gets_the_authoritys_name(gazetteer, written, organ, party):
    # the authority names the organ under the party's central committee: that name is used,
    # not one made up from the organ and the party
    name = canonical_body(written, gazetteer)
    known = _authority_name(gazetteer, f"{party} {organ}")
    assert name == known


@pytest.mark.parametrize("written, party", [
    ("Communist Party of Vietnam Central Committee", "Communist Party of Vietnam"),
    ("Bulgarian Communist Party Central Committee", "Bulgarian Communist Party"),
    ("Albanian Party of Labor Politburo", "Albania"),
])
def test_an_organ_written_after_its_party_is_named_after_it(gazetteer, written, party):
    name = canonical_body(written, gazetteer)
    assert name is not None and name.split(" of the ")[0] in ("Central Committee", "Politburo")
    if party != "Albania":
        assert name.endswith(_authority_name(gazetteer, party))


@pytest.mark.parametrize("written", [
    "Italian Socialist Party Politburo",  # not the country's ruling party: nobody to name
    "Party Central Committee",  # no party named
    "USSR Supreme Soviet Presidium",  # a legislature's presidium, not a party's
])
def test_organs_of_no_party_the_authority_can_tell_are_left_alone(gazetteer, written):
    assert canonical_body(written, gazetteer) is None


@pytest.mark.parametrize("written, body", [
    ("CPSU CC Plenum", "CPSU CC"),
    ("Armed Forces General Command meeting", "Armed Forces General Command"),
    ("Bulgarian Communist Party Politburo Session", "Bulgarian Communist Party Politburo"),
    ("Communist Party of the Soviet Union in Pitzunda", "Communist Party of the Soviet Union"),
    ("an Armed Forces General Command", "Armed Forces General Command"),
    ("Women's Delegation from Guinea", "Guinea"),
])
def test_events_places_and_articles_around_a_body_are_trimmed(gazetteer, written, body):
    assert trim_body(written, gazetteer) == body


@pytest.mark.parametrize("name", [
    "Asian-African Conference", "National People's Congress", "Party Plenum", "Warsaw Pact",
])
def test_names_ending_in_an_event_word_keep_it_when_it_is_the_name(gazetteer, name):
    assert trim_body(name, gazetteer) == name


def test_delegations_are_people_not_bodies():
    assert is_delegation("Guinean Educational Delegation")
    assert is_delegation("the Albanian delegation")
    assert not is_delegation("Delegation Office of the Red Cross")


def _organisations(extractor: Extractor, title: str, date: str = "May 3, 1962") -> set[str]:
    rec = Record(date_text=date, title=title, summary="", source=SourceRef("t.txt", 1))
    entry = next(extractor.extract([rec]))
    return {e.label for e in entry.entities("organization")}


def test_titles_name_no_body_for_a_delegation_or_a_meeting_place(extractor):
    orgs = _organisations(extractor, "Record of Mao Zedong's Audience with a Ghanaian Trade Delegation "
                          "and Comrade Ivan Petrov in the Residence of the Ambassador")
    assert not any("Delegation" in o or "Petrov" in o for o in orgs), orgs


def test_a_party_organ_in_a_title_is_the_authoritys_body(extractor, gazetteer):
    orgs = _organisations(extractor, "Letter from the Hungarian Socialist Workers' Party CC Politburo "
                          "to the Bulgarian Communist Party Politburo")
    assert canonical_body("Bulgarian Politburo", gazetteer) in orgs
    assert canonical_body("Hungarian Politburo", gazetteer) in orgs


@pytest.mark.parametrize("written, year, then, now", [
    # the host from the city, the sender from the demonym: the states of the record's year
    ("Hungarian Embassy in Moscow", 1960, "Embassy of Hungary in the Soviet Union",
     "Embassy of Hungary in Russia"),
    ("Czech Embassy in the DPRK", 1962, "Embassy of Czechoslovakia in North Korea",
     "Embassy of the Czech Republic in North Korea"),
    ("GDR Embassy in Hanoi", 1971, "Embassy of East Germany in North Vietnam",
     "Embassy of East Germany in Vietnam"),
    ("Soviet Embassy in Prague", 1968, "Embassy of the Soviet Union in Czechoslovakia",
     "Embassy of the Soviet Union in the Czech Republic"),
])
def test_missions_are_named_by_the_states_of_their_year(gazetteer, written, year, then, now):
    assert canonical_body(written, gazetteer, year) == then
    assert canonical_body(written, gazetteer, 2000) == now
    assert canonical_body(written, gazetteer) == now  # no date: the place as it is


def test_ministries_and_parties_of_member_republics_stay_their_own(gazetteer):
    # the Ukrainian SSR had a foreign ministry, Azerbaijan a party: not the Union's
    assert canonical_body("Ukrainian Foreign Ministry", gazetteer, 1950) == \
        canonical_body("Ukrainian Foreign Ministry", gazetteer)
    assert "Soviet" not in canonical_body("Ukrainian Foreign Ministry", gazetteer, 1950)


def test_a_place_lies_in_the_state_of_the_year(gazetteer):
    moscow = gazetteer.match("Moscow", "place").entity.key
    siberia = gazetteer.match("Siberia", "place").entity.key
    soviet = gazetteer.match("USSR", "place").entity.key
    assert gazetteer.country(moscow, 1950) == soviet
    assert gazetteer.country(siberia, 1950) == soviet  # through Russia, its enclosing place
    assert gazetteer.country(moscow, 1995) != soviet
    assert gazetteer.country(moscow, 1921) != soviet
    assert gazetteer.country(moscow) == gazetteer.country(moscow, 1995)


def test_a_titles_mission_is_named_for_the_records_date(extractor):
    title = "Report from the Polish Embassy in Prague to the Ministry of Foreign Affairs"
    assert "Embassy of Poland in Czechoslovakia" in _organisations(extractor, title)
    assert "Embassy of Poland in the Czech Republic" in _organisations(extractor, title,
                                                                         "May 3, 1995")


def test_an_organ_is_named_with_its_partys_name_of_the_year(gazetteer):
    # the authority's party has a former name with its years (names_then): an organ it does
    # not list is named with the name of the record's year, however the party was written
    party = gazetteer.authority.entries[gazetteer.exactly("Romanian Communist Party",
                                                          "organization").entity.key]
    former = party.names_then[0]
    year = former.start + 1
    for written in ("Romanian Politburo", f"{former.value} Politburo",
                    f"{party.name} Politburo"):
        assert canonical_body(written, gazetteer, year) == f"Politburo of the {former.value}"
        assert canonical_body(written, gazetteer, former.end + 1) == \
            f"Politburo of the {party.name}"


def test_a_known_person_after_a_post_in_a_body_is_found(extractor):
    # the post's body is unknown to the authority, so the role parse cannot tell where the
    # body ends; the person the authority knows by the last words is the one who took part
    rec = Record(date_text="June 1, 1956",
                 title="Record of the Reception of the Delegation of Our Party by the Chairman "
                       "of the People's Central Government of the People's Republic of China "
                       "Mao Zedong", summary="", source=SourceRef("t.txt", 1))
    entry = next(extractor.extract([rec]))
    assert "Mao Zedong" in {e.label for e in entry.participants}
    assert not any("Mao" in e.label or e.label.startswith("Our")
                   for e in entry.entities("organization"))


def test_a_mission_to_a_body_is_named_to_it(gazetteer):
    # one name however the body is written; a mission in a country stays "in" it
    names = {canonical_body(w, gazetteer, 1962) for w in ("Cuban Mission to the United Nations",
                                                          "Cuban Mission to the UN")}
    assert len(names) == 1 and next(iter(names)).startswith("Mission of Cuba to the ")
    assert canonical_body("Polish Mission in Hanoi", gazetteer, 1962) == \
        "Mission of Poland in North Vietnam"


def test_a_delegation_named_by_a_known_body_is_that_bodys(extractor, gazetteer):
    # "the X Delegation": people sent by X; when the authority knows X, X took part
    orgs = _organisations(extractor, "Memorandum of Conversation, Albanian Labor Party "
                                     "Delegation with the Ghanaian Trade Delegation")
    party = gazetteer.authority.entries[
        gazetteer.exactly("Albanian Labor Party", "organization").entity.key].name
    assert party in orgs
    assert not any("Delegation" in o for o in orgs), orgs


def test_a_person_after_a_post_in_an_unknown_body_is_the_correspondent(extractor):
    # the post's body is unknown, the person has a given name and an initial; a place before
    # initials stays with the body
    rec = Record(date_text="May 3, 1967", source=SourceRef("t.txt", 1), summary="",
                 title="Letter from the Director of the Chilean Nuclear Energy Commission "
                       "Pablo R. Fuentes to the CC of the CP of Azerbaijan M.D. Bagirov")
    entry = next(extractor.extract([rec]))
    assert [e.label for e in entry.authors] == ["Pablo R. Fuentes"]
    recipients = {e.label for e in entry.recipients}
    assert not any("Azerbaijan M" in r for r in recipients), recipients
    assert any("Bagirov" in r or "Baghirov" in r for r in recipients), recipients


def test_a_country_inside_a_known_bodys_name_is_a_place_of_the_record(extractor, gazetteer):
    rec = Record(date_text="May 3, 1962", source=SourceRef("t.txt", 1), summary="",
                 title="Letter from the Communist Party of the Soviet Union to the Party of "
                       "Labor of Albania about the Warsaw Pact")
    entry = next(extractor.extract([rec]))
    places = {e.key for e in entry.entities("place")}
    soviet = gazetteer.match("USSR", "place").entity.key
    albania = gazetteer.match("Albania", "place").entity.key
    assert {soviet, albania} <= places
    assert gazetteer.match("Warsaw", "place").entity.key not in places  # it names the pact
