"""The title grammar: type, number, classification and correspondents, before any NLP."""

from __future__ import annotations

import pytest

from kg.extract.title import parse_title


def names(refs):
    return [r.name for r in refs]


CASES = [
    # title, type, number, classification, authors, recipients, intermediaries, participants
    ("Ciphered Telegram No. 3172, Stalin to Zhou Enlai via Roshchin",
     "Ciphered Telegram", "3172", None, ["Stalin"], ["Zhou Enlai"], ["Roshchin"], []),
    ("Cable, Stalin [Kuznetsov] to Mao Zedong [via Terebin]",
     "Cable", None, None, ["Kuznetsov"], ["Mao Zedong"], ["Terebin"], []),
    ("Ciphered telegram, Filippov [Stalin] to Zhou Enlai or Mao Zedong (via Roshchin)",
     "Ciphered Telegram", None, None, ["Stalin"], ["Zhou Enlai", "Mao Zedong"], ["Roshchin"], []),
    ("Letter to Joseph V. Stalin from Andrey Vyshinsky",
     "Letter", None, None, ["Andrey Vyshinsky"], ["Joseph V. Stalin"], [], []),
    ("Top Secret Memorandum to Comrade Joseph V. Stalin from Andrey Vyshinsky",
     "Memorandum", None, "Top Secret", ["Andrey Vyshinsky"], ["Joseph V. Stalin"], [], []),
    ("Memorandum to Vyshinsky from Soviet Ambassador to China Nikolai Roshchin",
     "Memorandum", None, None, ["Soviet Ambassador to China Nikolai Roshchin"], ["Vyshinsky"],
     [], []),
    ("VKP(b) CC Politburo decision with approved orders to Vyshinsky in New York and Roshchin "
     "in Beijing with message for Zhou Enlai",
     "Decision", None, None, ["VKP(b) CC Politburo"], ["Vyshinsky", "Roshchin"], [], []),
    ("Ciphered telegram from Roshchin conveying message from Zhou Enlai to Soviet Government",
     "Ciphered Telegram", None, None, ["Roshchin"], ["Soviet Government"], [], []),
    ("Ciphered telegram, Gromyko to Roshchin Transmitting Message from Filippov (Stalin) to "
     "Zhou Enlai", "Ciphered Telegram", None, None, ["Gromyko"], ["Roshchin"], [], []),
    ("Memorandum, Conversation of Mao and USSR Ambassador to China N.V. Roshchin on 1 January 1950",
     "Memorandum of Conversation", None, None, [], [], [],
     ["Mao", "USSR Ambassador to China N.V. Roshchin"]),
    ("From the Journal of Vyshinsky: Top Secret Memorandum of Conversation with Chinese Prime "
     "Minister Zhou Enlai", "Memorandum of Conversation", None, "Top Secret", ["Vyshinsky"], [],
     [], ["Vyshinsky", "Chinese Prime Minister Zhou Enlai"]),
    ("Exchange of Notes, Zhou Enlai and Vyshinshy",
     "Exchange of Notes", None, None, [], [], [], ["Zhou Enlai", "Vyshinshy"]),
    ("Note from Andrey Vyshinsky to Zhou Enlai, February 1950",
     "Note", None, None, ["Andrey Vyshinsky"], ["Zhou Enlai"], [], []),
    ("Sino-Soviet Agreement Protocol", "Protocol", None, None, [], [], [], []),
    # shapes not in the seed pages
    ("Record of Conversation between Mao Zedong and Nikita Khrushchev",
     "Record of Conversation", None, None, [], [], [], ["Mao Zedong", "Nikita Khrushchev"]),
    ("Telegram No. 45/b from Kim Il Sung to Stalin", "Telegram", "45/b", None, ["Kim Il Sung"],
     ["Stalin"], [], []),
    ("Cable from Zhou Enlai to Stalin, Conveying Mao's Message", "Cable", None, None,
     ["Zhou Enlai"], ["Stalin"], [], []),
    ("Strictly Confidential Report to the Central Committee on the Situation in Korea",
     "Report", None, "Strictly Confidential", [], ["the Central Committee"], [], []),
    ("Letter to Mao Zedong and Zhou Enlai from Ho Chi Minh via the Soviet Embassy", "Letter", None,
     None, ["Ho Chi Minh"], ["Mao Zedong", "Zhou Enlai"], ["the Soviet Embassy"], []),
]


@pytest.mark.parametrize(
    "title, doc_type, number, classification, authors, recipients, via, participants", CASES)
def test_title_grammar(title, doc_type, number, classification, authors, recipients, via,
                       participants):
    t = parse_title(title)
    assert t.doc_type == doc_type
    assert t.number == number
    assert t.classification == classification
    assert names(t.authors) == authors
    assert names(t.recipients) == recipients
    assert names(t.intermediaries) == via
    assert names(t.participants) == participants


# Classes of title, each with made-up names so that no case is a catalogue entry:
# (title, type, type head, authors, recipients, intermediaries, participants)
SHAPES = [
    # a diary or journal whose owner carries a post, with a date after "for"
    ("Journal of Soviet Ambassador in Laos P. I. Orlov for 3 May 1962", "Journal", "Journal",
     ["Soviet Ambassador in Laos P. I. Orlov"], [], [], []),
    ("From the Diary of K. L. Petrov, Record of a Conversation with Lao Minister Souvanna",
     "Diary", "Diary", ["K. L. Petrov"], [], [], ["K. L. Petrov", "Lao Minister Souvanna"]),
    # an author, person or body, before a quoted subtitle
    ("Ivanenko, 'On the Situation in the Northern Provinces'", None, None, ["Ivanenko"], [], [],
     []),
    ("Bulgarian Politburo Resolution on Trade with Ghana", "Resolution", "Resolution",
     ["Bulgarian Politburo"], [], [], []),
    # speeches: the speaker, not the audience
    ("Speech Given by Comrade Pham Van Dong to the Cadres of the Army", "Speech", "Speech",
     ["Pham Van Dong"], [], [], []),
    # honorifics, ranks and initials: never a one-letter person
    ("Letter from General-Major A. B. Sidorov to Cdes. Malenkov, Bulganin, and Kaganovich",
     "Letter", "Letter", ["A. B. Sidorov"], ["Malenkov", "Bulganin", "Kaganovich"], [], []),
    ("Letter, P. Ivanov to Cdes. Aliyev, Gasanov, T., and Mamedov", "Letter", "Letter",
     ["P. Ivanov"], ["Aliyev", "T. Gasanov", "Mamedov"], [], []),
    # "and Others" gives nobody called Others
    ("Letter from Oleg Popov and Others to the Writers' Union", "Letter", "Letter",
     ["Oleg Popov"], ["the Writers' Union"], [], []),
    # an embassy, its city after a comma, its writer in brackets
    ("Cable from Bulgarian Embassy, Hanoi (Dimitrov), 4 May 1966", "Cable", "Cable",
     ["Bulgarian Embassy in Hanoi", "Dimitrov"], [], [], []),
    # an addressed "for", a forwarding "through"
    ("Memorandum for Secretary Rusk through Walt Rostow from Robert Komer", "Memorandum",
     "Memorandum", ["Robert Komer"], ["Secretary Rusk"], ["Walt Rostow"], []),
    # sessions and meetings of a body: no author, no recipient
    ("Minutes of the Session of the Hungarian Politburo on Agriculture", "Minutes", "Minutes",
     [], [], [], []),
    # records of talks, the names in the possessive
    ("Record of Chairman Liu Shaoqi's Second Conversation with President Sukarno",
     "Record", "Record", [], [], [], ["Chairman Liu Shaoqi", "President Sukarno"]),
    # the possessor of a conversation took part in it; of a speech, gave it
    ("The Minister's [Andrei Gromyko's] Telephone Conversation with Secretary Rusk",
     "Telephone Conversation", "Telephone Conversation", [], [], [],
     ["Andrei Gromyko", "Secretary Rusk"]),
    ("Ulbricht's Speech at the Party Congress", "Speech", "Speech", ["Ulbricht"], [], [], []),
    # plural and unknown heads
    ("Telegrams from Kosygin to Brezhnev", "Telegrams", "Telegram", ["Kosygin"], ["Brezhnev"],
     [], []),
    ("Radiogram from Havana to Prague", "Radiogram", "Radiogram", ["Havana"], ["Prague"], [],
     []),
    ("Spravka from the KGB to the CPSU CC", "Spravka", "Spravka", ["the KGB"],
     ["the CPSU CC"], [], []),
    # words of a quoted subtitle are no recipients
    ("Cable from Chen Yi to Zhou Enlai, 'Report to the Premier on the Visit to Ghana'", "Cable",
     "Cable", ["Chen Yi"], ["Zhou Enlai"], [], []),
    # a purpose after "for", a subject after "on", a note after a comma
    ("Agreement for Cooperation between Polish and Cuban Ministries", "Agreement", "Agreement",
     [], [], [], []),
    ("Letter from Novotny to Ulbricht, Marked 'Personal'", "Letter", "Letter", ["Novotny"],
     ["Ulbricht"], [], []),
    # what a report is about never makes it a record of the meeting it reports
    ("Report of Ivan Petrov to the Polish Foreign Ministry About His Meeting With Kim Il Sung",
     "Report", "Report", ["Ivan Petrov"], ["the Polish Foreign Ministry"], [], []),
    # a record "on" or "about" a conversation names who took part, after a post or with "of"
    ("Note on a Conversation with the Second Secretary of the Soviet Embassy, Comrade Orlov",
     "Note", "Note", [], [], [], ["Orlov"]),
    ("Information about a Conversation of Comrade Karl Weber with Comrade Li Ming",
     "Information", "Information", [], [], [], ["Karl Weber", "Li Ming"]),
    # a reception: the host after the last "by", the guests and who led them
    ("Record of the Reception of the Trade Delegation of Finland, led by Minister Aarne "
     "Virtanen, by Comrade A. A. Gromyko", "Record", "Record", [], [], [],
     ["A. A. Gromyko", "the Trade Delegation of Finland", "Minister Aarne Virtanen"]),
    ("Reception of the Finnish Ambassador Aarne Virtanen by Cde. A. A. Gromyko", None, None,
     [], [], [], ["A. A. Gromyko", "the Finnish Ambassador Aarne Virtanen"]),
    # "Workers" before "Party" names a party, not a group of workers
    ("Letter from the Korean Workers' Party CC to the Polish United Workers' Party CC",
     "Letter", "Letter", ["the Korean Workers' Party CC"],
     ["the Polish United Workers' Party CC"], [], []),
    # a conversation "with" one person "by" another: both held it; who came along too
    ("Record of a Conversation with Minister of Trade Kim Ho-sik by Soviet Counsellor "
     "P. Orlov", "Record of Conversation", "Conversation", [], [], [],
     ["Minister of Trade Kim Ho-sik",
                                                 "Soviet Counsellor P. Orlov"]),
    ("Note on a Conversation with the Ambassador, Accompanied by Comrade Li Ming", "Note",
     "Note", [], [], [], ["Li Ming"]),
    # "related to" begins the subject
    ("Record of Politburo Discussion related to Marshal Peng", "Record", "Record", [], [], [],
     ["Politburo Discussion"]),
    # where they met is nobody; a dash between names joins the sides
    ("Minutes of Conversation between Todor Zhivkov – Fidel Castro, Boyana Residence",
     "Minutes of Conversation", "Conversation", [], [], [], ["Todor Zhivkov", "Fidel Castro"]),
]


@pytest.mark.parametrize(
    "title, doc_type, head, authors, recipients, via, participants", SHAPES)
def test_title_shapes(title, doc_type, head, authors, recipients, via, participants):
    t = parse_title(title)
    assert t.doc_type == doc_type
    assert t.type_head == head
    assert names(t.authors) == authors
    assert names(t.recipients) == recipients
    assert names(t.intermediaries) == via
    assert names(t.participants) == participants


@pytest.mark.parametrize("title, qualifiers, known", [
    ("Draft Letter from Mao Zedong to Kim Il Sung", ["draft"], True),
    ("Excerpts from the Diary of A. Petrov", ["excerpt"], True),
    ("Report on the Harvest (excerpt)", ["excerpt"], True),
    ("Spravka from the KGB to the CPSU CC", [], False),
])
def test_type_qualifiers_qualify_the_type(title, qualifiers, known):
    t = parse_title(title)
    assert t.type_qualifiers == qualifiers
    assert t.type_known is known


@pytest.mark.parametrize("title, written, name, pseudonym", [
    ("Ciphered Telegram No. 3231, Filippov [Stalin] to Soviet Ambassador Roshchin",
     "Filippov [Stalin]", "Stalin", "Filippov"),
    ("Ciphered telegram, Gromyko to Roshchin Transmitting Message from Filippov (Stalin) to Zhou",
     None, None, None),
])
def test_pseudonym_pairs(title, written, name, pseudonym):
    t = parse_title(title)
    if written is None:
        assert all(r.pseudonym is None for r in t.authors)
        return
    ref = t.authors[0]
    assert (ref.written, ref.name, ref.pseudonym) == (written, name, pseudonym)
    assert title[ref.start:ref.end] == written


@pytest.mark.parametrize("title", ["", "   ", "(((", "to from via", "No. ", "[via]"])
def test_degenerate_titles_do_not_fail(title):
    parse_title(title)
