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
