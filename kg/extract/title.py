"""Title grammar: what a catalogue title states before any statistical NLP.

Titles are half structured: "Ciphered Telegram No. 3172, Stalin to Zhou Enlai via Roshchin",
"Letter to Joseph V. Stalin from Andrey Vyshinsky", "From the Journal of A. A. Gromyko,
'Reception of the Ambassador of Iran'", "KGB Report on ...", "Hungarian Embassy in Havana
(Beck), Report on ...". The grammar reads a title in three passes:

1. **Masking**: quoted subtitles, editorial notes ("(excerpt)") and acronym glosses ("(CC)")
   are blanked out (offsets are kept), so their words are never read as names or types.
2. **Type**: the type phrase is the first type head in a position where a type can stand
   (at the start, after an excerpt phrase, after an author), with its qualifiers
   ("Ciphered Telegram", "Memo Report"); an unknown head in that position followed by "from"
   or "No." is a type too (the list is open).
3. **Roles by markers**: the words between the name spans assign them: "from" authors, "to"
   recipients, "via"/"through" intermediaries, "for" a recipient right after the type,
   "by"/"of" an author right after the type, "between"/"with" participants; a name before the
   type is its author ("KGB Report"), and "X's Conversation with Y" makes both participants.
   Within a role, items are split on commas and "and", and an item that is only a role, a
   place after a mission ("Romanian Embassy, Beijing"), a date, a number or a classification
   joins its neighbour or is dropped.

Name phrases keep their post words ("Soviet Ambassador to China Nikolai Roshchin"); separating
post from name is the job of `kg.extract.roles`, deciding what a name denotes that of the
resolver. The word lists come from `kg.core.lexicon`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from kg.core.lexicon import (
    ABSTRACT_NOUNS,
    AUTHOR_VERBS,
    CLASSIFICATIONS,
    CONVERSATION_WORDS,
    DOC_TYPES,
    EVENT_OF_TYPE,
    EXCERPT_WORDS,
    GATHERING_WORDS,
    GROUP_WORDS,
    HONORIFICS,
    MISSION_WORDS,
    NAME_PARTICLES,
    NOTE_WORDS,
    ORG_ADJECTIVES,
    ORG_CONNECTORS,
    ORG_WORDS,
    PLACE_WORDS,
    RANKS,
    ROLE_HEADS,
    ROLE_PREFIXES,
    SPOKEN_TYPES,
    STATE_QUALIFIERS,
    TYPE_MODIFIERS,
    TYPE_PLURALS,
    VENUE_WORDS,
    words_pattern,
)
from kg.core.model import NameRef, TitleParse

_MASK = "\x1f"  # stands for a blanked character; never in a title

# -- pass 1: masking -------------------------------------------------------------------------
_QUOTE = re.compile(
    r"(?:(?<=^)|(?<=[\s,:;(\[\-–—]))(['‘“\"«])(?=\S)(.+?)(['’”\"»])(?=$|[\s,.;:)\]?!\-–—])"
)
_OPEN_QUOTE = re.compile(r"(?:(?<=^)|(?<=[\s,:;]))[‘“\"«](?=\S)(?!.*[’”\"»]).*$")
_NOTE = re.compile(
    r"[(\[]\s*(?:" + words_pattern(EXCERPT_WORDS) + r"|\d{1,3}|[ivx]+|sic|translation|"
    r"draft|copy|unofficial translation)\s*[)\]]\.?", re.I)
_ACRONYM_GLOSS = re.compile(r"\s\((?:[A-Z][A-Za-z]?){1,2}[A-Z]{0,6}\)")

# -- pass 2: type ------------------------------------------------------------------------------
_CLASS_RE = re.compile(r"\b(" + words_pattern(CLASSIFICATIONS) + r")\b[,:]?\s*", re.I)
_HEADS = sorted(set(DOC_TYPES) | set(TYPE_PLURALS), key=len, reverse=True)
_TYPE_RE = re.compile(
    r"\b(?P<mods>(?:(?:" + words_pattern(TYPE_MODIFIERS) + r")\s+){0,3})"
    r"(?P<head>" + words_pattern(tuple(_HEADS)) + r")(?P<plural>s|es)?\b", re.I)
_OF_CONVERSATION = re.compile(r"^\s*(?:,\s*|of\s+(?:a\s+|the\s+)?)(conversations?)\b", re.I)
_EXCERPT_LEAD = re.compile(
    r"^\s*(?:" + words_pattern(EXCERPT_WORDS) + r")\s+(?:from|of)\s+(?:the\s+|a\s+|an\s+)?",
    re.I)
_JOURNAL = re.compile(
    r"^\s*(?:(?:" + words_pattern(EXCERPT_WORDS) + r")\s+(?:from|of)\s+|From\s+)?(?:the\s+)?"
    r"(?P<type>Journal|Diary|Notebook|Diaries|Journals)(?:\s+Entry|\s+Entries)?\s+(?:of|by)\s+"
    r"(?P<owner>.+?)"
    r"(?=\s*[,:;]|\s+for\s+(?:\d|the\b|[A-Z][a-z]+\s+\d)|\s+on\s+(?:a|an|the|his|her)\b|"
    r"\s+(?:from|dated)\s+\d|\s*$)", re.I)
_OWN_DIARY = re.compile(
    r"^\s*(?:(?:" + words_pattern(EXCERPT_WORDS) + r")\s+(?:from|of)\s+)?(?P<owner>[A-Z][^,:;]*?)"
    r"['’]s\s+(?P<type>diary|journal|notes|notebook|memoirs?|recollections)\b", re.I)
_UNKNOWN_TYPE = re.compile(
    r"^(?P<head>[A-Z][a-z]{3,}(?:gram|graph|port|gramme|ment|tion|ance|ence|ary|ory|ogue|ique|"
    r"sal|ings|ines|als|ums|ats|cast|note|brief))(?=\s+(?:from|No\.?|Nr\.?|Number|by)\s)")
# "Spravka from the KGB to the CPSU CC": a word that opens "from X to Y" is the type
_UNKNOWN_HEAD_FROM_TO = re.compile(r"^(?P<head>[A-Z][a-z]{3,})(?=\s+from\s+[^,]+?\s+to\s)")
_NUMBER = re.compile(
    r"\b(?:No\.?|Nr\.?|Number|#)\s*(?P<num>[\w/\-.]*\d[\w/\-]*)", re.I)
_CODE_NUMBER = re.compile(r"^\s*(?P<num>(?:[A-Z]{1,4}[\s-]?)?\d[\w/\-.]*|[A-Z]{1,4}-\d[\w/\-]*)"
                          r"(?=[\s,]|$)")

# Lower-case words that may stand in a name before the type ("Embassy of Hungary in Romania,
# Report", "Brazil-Argentina Foz do Iguaçu Joint Declaration", "T. Shtykov to V. Molotov,
# Report"); a topic word ("on", "about") means the type word is part of the subject instead.
_TYPE_PREFIX_WORDS = (ORG_CONNECTORS - {"on", "with"}) | NAME_PARTICLES

# -- pass 3: roles -------------------------------------------------------------------------
# Where the correspondents end and what the document is about begins.
_TOPIC = re.compile(
    r"(?:,\s*|\s+)(?:on|about|regarding|concerning|re:?|related\s+to|in\s+connection\s+with|"
    r"in\s+regard\s+to|with\s+regard\s+to|with\s+respect\s+to|discussing|reporting|requesting|"
    r"informing|advising|including|containing|conveying|transmitting|forwarding|relaying|"
    r"enclosing|outlining|analy[sz]ing|describing|proposing|asking|expressing|announcing|"
    r"concerning|following|after|during|before|upon|while|when|whereby)\b"
    r"|,\s*(?:" + words_pattern(AUTHOR_VERBS + NOTE_WORDS) + r")\b"
    r"|\s+at\s+(?:the|a|an)\s+(?:[\w-]+\s+){0,3}?(?:" + words_pattern(GATHERING_WORDS) +
    r"|ceremony|rally|university|airport|residence|building)\b"
    r"|,\s+(?-i:[A-Z][a-z]+ing\s+(?=[a-z]))|\s+\u2013\s+(?-i:(?=[a-z]))"
    r"|\s+of\s+(?=(?-i:[A-Z][\w.\-]*\s+){0,3}(?-i:[A-Z])[\w.\-]*['’]s\s+(?:\w+\s+)?"
    r"(?:visits?|meetings?|talks?|trip|arrival|departure|conversations?|speech|letter|"
    r"message|proposals?|statements?|policy|position|views?|decision|report)\b)"
    r"|,?\s+for\s+the\s+(?:period|year|month|week|months|years)\b", re.I)
_EMBEDDED = re.compile(
    r"(?:,\s*|\s+)(?:with|conveying|transmitting|forwarding|relaying|enclosing|containing)\s+"
    r"(?:an?\s+|the\s+)?(?:(?:draft|approved|attached|enclosed|text\s+of\s+(?:the\s+|a\s+)?)\s*)*"
    r"(?:message|letter|telegram|note|reply|cable|request|directive|order|instruction)s?\b",
    re.I)
_ROLE_WORD = words_pattern(tuple(ROLE_HEADS) + ("delegation", "mission", "trip", "visit",
                                                "delegate", "plenipotentiary", "emissary",
                                                "delegations", "visits", "ambassadors"))
# "to" inside these phrases is part of a post or an event, not a recipient marker.
_PROTECTED_TO = re.compile(r"\b(" + _ROLE_WORD + r")(\s+)to\b", re.I)
_PROTECT = "\u2192"  # stands for a protected "to"
_MARKER = re.compile(
    r"(?:^|(?<=[\s,]))(?P<m>from|to|via|through|by\s+way\s+of|between|among)\s+", re.I)
_VIA_BRACKET = re.compile(r"[\[(]\s*via\s+([^\])]+?)\s*[\])]", re.I)
_HONORIFIC = re.compile(r"^(?:" + words_pattern(HONORIFICS) + r")(?:\s+|(?<=\.)(?=[A-Z]))",
                        re.I)
_RANK = re.compile(r"^(?:" + words_pattern(RANKS) + r")\s+(?=\S)", re.I)
_ITEM_SPLIT = re.compile(r"\s*(?:,\s*(?:and|or)\s+|\s+and\s+|\s+or\s+|\s*&\s*|\s*,\s*|"
                         r"\s+[\u2013\u2014]\s+|\s*;\s*)\s*")
_INITIALS_ONLY = re.compile(r"^(?:[A-Z][a-z]?\.\s*){1,3}$")
_PSEUDO = re.compile(r"^(?P<a>[^\[\(]+?)\s*[\[(](?P<b>[^\])]+)[\])]\s*$")
_EDITORIAL = re.compile(r"^(?:the|a|an|his|her|their)\b|['\u2019]s$", re.I)
_POSSESSIVE_EVENT = re.compile(
    r"(?:^|\b(?:of|from|by)\s+)(?P<who>[\[A-Z][^,;:]*?)['’]s\]?\s+(?:\[[^\]]*\]\s+)?"
    r"(?:(?:[A-Z][a-z]+|\d+(?:st|nd|rd|th))\s+){0,2}"
    r"(?P<event>conversations?|meetings?|talks?|negotiations|reception|audience|visit|"
    r"discussions?|interview|dinner|lunch)\b(?:\s+(?:with|and)\s+(?P<with>.+))?", re.I)
_PARTICIPANT_LEAD = re.compile(r"^[,:]?\s*(?:of|between|among)\s+(?P<list>.+)$", re.I)
_WITH = re.compile(r"(?:^|\s)with\s+(?P<list>.+)$", re.I)
_GATHERING_LEAD = re.compile(
    r"^[\s,:]*(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+){0,2}?(?:" + words_pattern(CONVERSATION_WORDS)
    + r")\s+(?=(?:of|by)\s)", re.I)
_ABOUT_GATHERING = re.compile(
    r"^[\s,:]*(?:on|about|regarding|concerning)\s+(?=(?:the|a|an)\s+(?:[\w-]+\s+){0,2}?(?:"
    + words_pattern(CONVERSATION_WORDS) + r"|consultations?|reception|audience)\b)", re.I)
_RECEPTION = re.compile(
    r"\b(?:reception|audience|visit)\s+by\s+(?P<host>.+?)\s+of\s+(?P<guest>.+)$", re.I)
# "Reception of Prime Minister of Iran Qavam by Cde. I. V. Stalin": the host after the last
# "by" (a guest may be "led by" someone)
_RECEPTION_OF = re.compile(
    r"\b(?:reception|audience)\s+of\s+(?P<guest>.+),?\s+by\s+(?P<host>(?:(?!\bby\b).)+)$",
    re.I)
_RECEPTION_LEAD = re.compile(r"^\s*(?:the\s+)?(?:reception|audience)\s+(?:of|by)\s", re.I)
_LED_BY = re.compile(r",?\s+(?:led|headed|accompanied)\s+by\s+", re.I)
_AUTHOR_VERB = re.compile(r"^\s*(?:" + words_pattern(AUTHOR_VERBS) + r")?\s*by\s+", re.I)
_LEADING_VERB = re.compile(r"^\s*(?:" + words_pattern(AUTHOR_VERBS) + r")\b", re.I)
_OF_AUTHOR = re.compile(r"^\s*of\s+(?!(?:a|an)\s)(?=[A-Z]|the\s+[A-Z])", re.I)
_FOR_RECIPIENT = re.compile(r"^\s*,?\s*for\s+(?!(?:the\s+)?(?:period|year|month|week|day|"
                            r"first|second|third|fourth|record|files?)\b)(?!\d)", re.I)
_GATHERING = re.compile(r"^(?:the\s+|a\s+|an\s+)?(?:\w+\s+){0,2}?(?:"
                        + words_pattern(GATHERING_WORDS) + r")\b", re.I)
_ORG_WORD = re.compile(r"\b(?:" + words_pattern(ORG_WORDS) + r")\b", re.I)
_MISSION = re.compile(r"\b(?:" + words_pattern(MISSION_WORDS) + r")\b", re.I)
_ROLE_HEAD = re.compile(r"\b(?:(?:" + words_pattern(ROLE_PREFIXES) + r")[\s-]+)?(?:"
                        + words_pattern(tuple(ROLE_HEADS)) + r")\b", re.I)
_TRAILING_DATE = re.compile(
    r"[,;]?\s*(?:(?:on|dated|of|in)\s+)?(?:\d{1,2}(?:\s*[-–]\s*\d{1,2})?\s+[A-Z][a-z]+\.?,?\s+"
    r"\d{4}|[A-Z][a-z]+\.?\s+\d{1,2},?\s+\d{4}|[A-Z][a-z]+,?\s+\d{4}|\d{4}(?:\s*[-–]\s*\d{2,4})?)"
    r"\s*$")
_NOT_AN_ITEM = re.compile(
    r"\d|^(?i:urgent|morning|evening|afternoon|night|excerpts?|fragments?|others|et al\.?|"
    r"etc\.?|the|a|an|dc|d\.c\.)$|^[a-z]")


def parse_title(title: str) -> TitleParse:
    """Read type, number, classification and correspondents from a title; never raises."""
    result = TitleParse()
    if not title or not title.strip():
        return result
    masked = _mask(title)
    if _EXCERPT_LEAD.match(masked) or re.search(r"[(\[]\s*(?:excerpts?|fragments?|extracts?)\s*[)\]]",
                                               title, re.I):
        result.type_qualifiers.append("excerpt")
    body_start = 0
    owner: NameRef | None = None
    journal = _JOURNAL.match(masked)
    own_diary = None if journal else _OWN_DIARY.match(masked)
    cls = _CLASS_RE.search(masked)
    if cls and not _CLASS_RE.match(masked[cls.start():]).group(1)[0].isupper():
        cls = None
    if cls:
        result.classification = _canon_class(cls.group(1))
    if journal:
        result.doc_type = journal.group("type").capitalize()
        owner = _ref(title, journal.start("owner"), journal.end("owner"))
        body_start = journal.end()
    elif own_diary:
        result.doc_type = own_diary.group("type").capitalize()
        owner = _ref(title, own_diary.start("owner"), own_diary.end("owner"))
        body_start = own_diary.end()
    after = masked[body_start:].lstrip()[:1]
    if journal and after == ":" and (inner := _find_type(masked[body_start:])) is not None:
        # "From the Journal of Vyshinsky: Top Secret Memorandum of Conversation with ...": the
        # record is the type; the journal's owner its author
        result.doc_type = inner[2]
    if journal or own_diary:
        _parse_after_journal(title, masked, body_start, result, owner)
        _finish(result, owner)
        return result
    found = _find_type(masked)
    if _RECEPTION_LEAD.match(masked):
        # "Reception of X by Y", "Reception by Y of X": a record of the meeting, no letter
        if found is not None and found[0] == 0:
            result.doc_type = found[2]
        _parse_conversation(title, masked, 0, result)
        _finish(result, None)
        return result
    if found is None:
        quoted = _QUOTE.search(title)
        inner = _find_type(quoted.group(2)) if quoted else None
        if inner is not None and inner[0] == 0:
            # "SED CC Department of International Relations, 'Note on a Conversation ...'"
            result.doc_type = inner[2]
        _parse_untyped(title, masked, result)
        _finish(result, None)
        return result
    t_start, t_end, doc_type, conversation = found
    result.doc_type = doc_type
    prefix_end = t_start
    if cls and cls.start() < t_start:
        prefix_end = min(prefix_end, cls.start())
    prefix_start = 0
    if cls and cls.start() < t_start and not masked[:cls.start()].strip():
        prefix_start, prefix_end = cls.end(), t_start  # "Secret Bulgarian Politburo Resolution"
    lead = _EXCERPT_LEAD.match(masked)
    if lead and lead.end() <= t_start:
        prefix_start = lead.end()
    # number right after the type ("Cable No. 121973", "Airgram A-20", "Cable 705")
    rest_start = t_end
    num = _NUMBER.match(masked[rest_start:].lstrip(" ,")) or (
        _CODE_NUMBER.match(masked[rest_start:]) if masked[rest_start:rest_start + 1] == " "
        else None)
    if num:
        result.number = num.group("num").rstrip(".")
        rest_start = len(masked) - len(masked[rest_start:].lstrip(" ,")) + num.end() \
            if _NUMBER.match(masked[rest_start:].lstrip(" ,")) else rest_start + num.end()
    elif m := _NUMBER.search(masked):
        result.number = m.group("num").rstrip(".")
    prefix = masked[prefix_start:prefix_end]
    kind = doc_type.lower()
    head = kind.split()[-1]
    is_conversation = conversation or head in CONVERSATION_WORDS or kind.startswith(
        ("record of", "minutes of", "transcript of"))
    rest = masked[rest_start:]
    if about := _ABOUT_GATHERING.match(rest):
        # "Note on a Conversation with ...", "Information about a Conversation of A with B":
        # a record of the meeting it is about
        is_conversation = True
        rest = " " * about.end() + rest[about.end():]
    if kind.startswith("exchange of"):
        _parse_list(title, rest, rest_start, result.participants, lead_only=True)
    elif is_conversation or _is_record_of_gathering(kind, rest):
        _parse_conversation(title, rest, rest_start, result)
    else:
        _parse_correspondence(title, rest, rest_start, result, right_after_type=True,
                              audience=head in SPOKEN_TYPES)
    if not result.authors:
        _prefix_authors(title, prefix, prefix_start, result, conversation=is_conversation)
    else:
        # "CDS Report No. 62 from Choi Duk Shin": the office before the type is the writer's;
        # a mission before it still names itself ("Polish Embassy in Havana (Jelen), Report")
        extra = TitleParse()
        _prefix_authors(title, prefix, prefix_start, extra)
        result.authors[:0] = [r for r in extra.authors if _MISSION.search(r.name)]
    result.event_kind = EVENT_OF_TYPE.get(head) or EVENT_OF_TYPE.get(kind.split()[0])
    if conversation:
        result.event_kind = "conversation"
    if result.event_kind is None and (result.authors or result.recipients):
        result.event_kind = "communication"
    _finish(result, None)
    return result


# -- pass 1 ----------------------------------------------------------------------------------

def _mask_quotes(title: str) -> str:
    """The title with quoted subtitles (closed, or open to its end) blanked with `_MASK`."""
    out = _QUOTE.sub(lambda m: _MASK * len(m.group(0)), title)
    return _OPEN_QUOTE.sub(lambda m: _MASK * len(m.group(0)), out)


def _mask(title: str) -> str:
    """The title with quoted subtitles, editorial notes and acronym glosses blanked out."""
    out = _mask_quotes(title)
    # notes and glosses are blanked with spaces: unlike a subtitle they end no list
    out = _NOTE.sub(lambda m: " " * len(m.group(0)), out)
    out = _ACRONYM_GLOSS.sub(lambda m: " " * len(m.group(0)), out)
    return out


def quoted_spans(title: str) -> list[tuple[int, int]]:
    """Where the title's quoted subtitles are (start, end): what they name is their subject,
    not who wrote or received the document."""
    return [(m.start(), m.end()) for m in re.finditer(_MASK + "+", _mask_quotes(title))]


def _mask_notes(text: str) -> str:
    out = _NOTE.sub(lambda m: " " * len(m.group(0)), text)
    return _ACRONYM_GLOSS.sub(lambda m: " " * len(m.group(0)), out)


def _canon_class(text: str) -> str:
    words = " ".join(text.split()).lower()
    return next((c for c in CLASSIFICATIONS if c.lower() == words), text)


# -- pass 2 ----------------------------------------------------------------------------------

def _find_type(masked: str) -> tuple[int, int, str, bool] | None:
    """(start, end, type as written, records a conversation) of the title's type phrase."""
    for m in _TYPE_RE.finditer(masked):
        if not _type_position(masked, m.start()):
            continue
        head = m.group("head")
        mods = m.group("mods")
        plural = m.group("plural") or ""
        if head.lower() in ("meeting", "minute") and not mods and m.start() > 0:
            continue  # "Council Meeting after ...": an event named, not a type
        end = m.end()
        nxt = _TYPE_RE.match(masked, end + 1) if masked[end:end + 1] == " " else None
        while nxt and not nxt.group("mods"):
            m, end = nxt, nxt.end()  # "Agreement Protocol": the last head is the type
            head, plural = m.group("head"), m.group("plural") or ""
            nxt = _TYPE_RE.match(masked, end + 1) if masked[end:end + 1] == " " else None
        words = (mods + head + plural).split()
        text = " ".join(words)
        conversation = False
        conv = _OF_CONVERSATION.match(masked[end:])
        if conv and head.lower() in ("memorandum", "memo", "record", "minutes", "notes",
                                     "summary", "transcript", "report"):
            conversation = True
            text = f"{text} of Conversation"
            end += conv.end()
        return m.start(), end, _tidy_type(text), conversation
    unknown = _UNKNOWN_TYPE.match(masked.lstrip()) or _UNKNOWN_HEAD_FROM_TO.match(masked.lstrip())
    if unknown:
        offset = len(masked) - len(masked.lstrip())
        return offset, offset + unknown.end(), unknown.group("head"), False
    return None


def _tidy_type(text: str) -> str:
    """Capitalised as a heading ("Ciphered telegram" -> "Ciphered Telegram")."""
    parts = []
    for w in text.split():
        lw = w.lower()
        parts.append(lw if lw in ("of", "the", "a") else (w if w.isupper() and len(w) > 1
                                                         else w[:1].upper() + w[1:].lower()))
    return " ".join(parts)


def _type_position(masked: str, start: int) -> bool:
    """A type can stand here: nothing before it but an excerpt phrase, a classification, or a
    name (a body or person, "KGB Report", "Anatoly Chernyaev, Notes")."""
    before = masked[:start]
    lead = _EXCERPT_LEAD.match(before)
    if lead:
        before = before[lead.end():]
    before = _CLASS_RE.sub(" ", before).replace(_MASK, " ")
    before = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", before).strip(" ,:;")
    if not before:
        return True
    if re.search(r"\b(?:from|to|by|with|between|for|via)\s*$", before, re.I):
        return False
    for w in re.findall(r"[\w'’.\-/]+", before):
        if w[:1].islower() and (w.lower() not in _TYPE_PREFIX_WORDS) and not _ORG_WORD.fullmatch(w):
            return False
        if re.fullmatch(r"[A-Z][a-z]+ing", w):
            return False  # "Saddam and Officials Discussing ... Decision": a clause, no type
    return True


# -- pass 3 ----------------------------------------------------------------------------------

def _prefix_authors(title: str, prefix: str, offset: int, result: TitleParse,
                    conversation: bool = False) -> None:
    """A name before the type is its author: "KGB Report", "Anatoly Chernyaev, Notes",
    "Hungarian Embassy in Havana (Beck), Report"; adjectives alone are not ("Soviet Report").
    "T. Shtykov to V.M. Molotov, Report": correspondents before the type."""
    if re.search(r"(?:^|\s)(?:to|from)\s", prefix.replace(_MASK, " ")):
        _parse_correspondence(title, prefix, offset, result, right_after_type=False)
        return
    ends_with_comma = prefix.rstrip().endswith(",")
    text = prefix.rstrip(" ,:;")
    if not text.strip():
        return
    stripped = re.sub(r"^(?:\W|the\b)+", "", text.replace(_MASK, " "), flags=re.I).strip()
    if re.search(r"['’]s\]?$", stripped):
        # "Khrushchev's Speech": the speaker; "The Chancellor's [Helmut Kohl's] Telephone
        # Conversation with ...": one who took part, no author
        target = result.participants if conversation else result.authors
        target[:0] = [r for r in _items(title, text, offset)
                      if r.name not in {t.name for t in target}]
        return
    words = stripped.split()
    if not words:
        return
    if len(words) <= 2 and not _ORG_WORD.search(stripped) and not any(
            w.isupper() and len(w) > 1 for w in words) and not re.search(r"[.,]", stripped) \
            and not ends_with_comma:
        return  # "Soviet Report", "Polish Notes", "East German Record": an adjective
    result.authors.extend(_items(title, text, offset))


def _is_record_of_gathering(kind: str, rest: str) -> bool:
    # the subject is not the record: "Report of X to Y About His Meeting with Z" reports to Y
    rest = _cut_topic(rest)
    if re.match(r"^\s*of\s+[^,]+?\s(?:" + words_pattern(CONVERSATION_WORDS) + r")\b", rest, re.I):
        return True
    return kind.split()[-1] in ("record", "minutes", "transcript", "notes", "protocol",
                                "memorandum", "memo", "summary", "report", "account") and bool(
        re.match(r"^\s*(?:of|from|on)\s+(?:the\s+|a\s+|an\s+)?(?:\w+\s+){0,2}?(?:"
                 + words_pattern(CONVERSATION_WORDS) + r"|reception|audience|dinner|"
                 r"negotiations)\b", rest, re.I)
        or _POSSESSIVE_EVENT.match(rest.strip()) or re.match(
            r"^\s*(?:of|from)\s+[^,]*?['’]s\]?\s+(?:\w+\s+)?(?:"
            + words_pattern(CONVERSATION_WORDS) + r")", rest, re.I))


def _parse_after_journal(title: str, masked: str, start: int, result: TitleParse,
                         owner: NameRef) -> None:
    """After "From the Journal of X": a record of a conversation with someone, or nothing."""
    rest = masked[start:]
    rest_stripped = rest.lstrip(" ,:;.")
    offset = start + len(rest) - len(rest_stripped)
    if rest_stripped.startswith(_MASK):
        # "From the Journal of A.I. Alekseyev, 'Record of a Conversation with Raul Castro'":
        # the subtitle is the record
        quoted = _QUOTE.match(title, offset)
        if quoted:
            rest_stripped = " " * (quoted.start(2) - offset) + _mask_notes(quoted.group(2))
            rest_stripped = rest_stripped[quoted.start(2) - offset:]
            offset = quoted.start(2)
    m = re.match(r"(?:(?:Top\s+Secret|Secret)\s+)?(?:Memorandum|Record|Minutes|Notes|Summary)"
                 r"(?:\s+of)?(?:\s+(?:a|the))?\s+(?:Conversation|Meeting|Talks?)s?\b", rest_stripped,
                 re.I)
    if m:
        _parse_conversation(title, rest_stripped[m.end():], offset + m.end(), result)
        return
    if re.match(r"(?:on\s+)?(?:his|her|a|an|the)?\s*(?:conversation|meeting|talks?)", rest_stripped,
                re.I):
        _parse_conversation(title, rest_stripped, offset, result)


def _parse_conversation(title: str, rest: str, offset: int, result: TitleParse) -> None:
    """Participants: "between A and B", "with B", "of A and B", "A – B", "X's Talk with Y"."""
    rest = _cut_topic(rest)
    joined = re.match(r"^\s*of\s+(?P<list>[^,]+?)\s+(?:" + words_pattern(CONVERSATION_WORDS)
                      + r")\b", rest, re.I)
    if joined and re.search(r"\s[\u2013\u2014-]\s|\sand\s", joined.group("list")):
        # "Minutes of Todor Zhivkov – Robert Mugabe Conversation"
        _parse_list(title, joined.group("list"), offset + joined.start("list"), result.participants)
        return
    rec = _RECEPTION.search(rest) or _RECEPTION_OF.search(rest)
    if rec:
        _parse_list(title, rec.group("host"), offset + rec.start("host"), result.participants)
        # "the Delegation of ..., led by Prime Minister Yu. Tsedenbal": the leader took part
        guest = _LED_BY.sub(lambda m: "," + " " * (len(m.group(0)) - 1), rec.group("guest"))
        _parse_list(title, guest, offset + rec.start("guest"), result.participants)
        return
    poss = _POSSESSIVE_EVENT.search(rest)
    if poss and not re.search(r"\bbetween\b", rest[:poss.start()], re.I):
        _parse_list(title, poss.group("who"), offset + poss.start("who"), result.participants)
        if poss.group("with"):
            _parse_list(title, poss.group("with"), offset + poss.start("with"), result.participants)
        return
    between = re.search(r"\b(?:between|among)\s+(?P<list>.+)$", rest, re.I)
    if between and re.match(r"^[\s,:]*(?:(?:of|from|on)\s+)?(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+){0,3}?"
                            r"(?:" + words_pattern(CONVERSATION_WORDS + GATHERING_WORDS) +
                            r")?\s*$", rest[:between.start()], re.I):
        _parse_sides(title, between.group("list"), offset + between.start("list"), result)
        return
    m = _PARTICIPANT_LEAD.search(rest)
    if m and m.start() == len(rest[:m.start()]) and (
            m.start() == 0 or re.match(r"^[\s,:]*(?:(?:of|from|on)\s+)?(?:the\s+|a\s+|an\s+)?"
                                       r"(?:[\w-]+\s+){0,3}?(?:" + words_pattern(
                                           CONVERSATION_WORDS + GATHERING_WORDS) + r")\s*$",
                                       rest[:m.start()], re.I)):
        _parse_sides(title, m.group("list"), offset + m.start("list"), result)
        return
    m = _WITH.search(rest)
    if m:
        # "a Conversation of A with B", "a Discussion by A with B": A took part too
        before = _GATHERING_LEAD.sub(lambda g: " " * len(g.group(0)), rest[:m.start()])
        lead = re.match(r"^[\s,:]*(?:of\s+|by\s+)?(?P<who>.+)$", before)
        if lead and not _GATHERING.match(lead.group("who").strip()) and re.match(
                r"^[\s,:]*(?:of|by)\s", before):
            _parse_list(title, lead.group("who"), offset + lead.start("who"), result.participants)
        listed = _LED_BY.sub(lambda g: "," + " " * (len(g.group(0)) - 1), m.group("list"))
        by = re.search(r"\s+by\s+(?=\S)", listed)
        if by:
            # "a conversation with Minister Kim by Counsellor S. N. Filatov": who held it too
            listed = listed[:by.start()] + "," + " " * (by.end() - by.start() - 1) + \
                listed[by.end():]
        _parse_list(title, listed, offset + m.start("list"), result.participants)
        return
    lead = rest.lstrip(" ,:")
    if rest[:len(rest) - len(lead)].strip(" ") in (",", ":", ",:") or re.match(r"^\s*of\s", rest):
        body = re.sub(r"^of\s+", "", lead)
        if not _GATHERING.match(body):
            _parse_list(title, body, offset + len(rest) - len(body), result.participants)


def _parse_sides(title: str, body: str, start: int, result: TitleParse) -> None:
    """The participants of "A and B", or of "A with B" (the Czech embassy's man "with the
    Soviet Ambassador")."""
    w = re.search(r"\s+with\s+", body)
    if w:
        _parse_list(title, body[:w.start()], start, result.participants)
        _parse_list(title, body[w.end():], start + w.end(), result.participants)
    else:
        _parse_list(title, body, start, result.participants)


def _parse_untyped(title: str, masked: str, result: TitleParse) -> None:
    """No type stated: "Malik, 'On the Question...'", "L. Beria to Cde. V.M. Molotov",
    "The Chancellor's [Helmut Kohl's] Meeting with ...", "From Gr. Shopov to T. Zhivkov"."""
    poss = _POSSESSIVE_EVENT.match(masked.strip())
    if poss:
        shift = len(masked) - len(masked.lstrip())
        _parse_list(title, poss.group("who"), shift + poss.start("who"), result.participants)
        if poss.group("with"):
            _parse_list(title, _cut_topic(poss.group("with")), shift + poss.start("with"),
                        result.participants)
        return
    talk = re.match(r"^(?P<list>[A-Z][^,:;]*?)\s+(?:Discussing|Discuss|Talking|Conversing|"
                    r"Meeting)\b", masked)
    if talk:  # "Saddam Hussein and His Advisers Discussing ...": who took part
        _parse_list(title, talk.group("list"), 0, result.participants)
        return
    lead = re.match(r"^\s*(?P<word>[A-Z][a-z]+)\s+of\s", masked)
    if lead and lead.group("word") in ABSTRACT_NOUNS:
        return  # "Relations of the Chinese Communist Party to ...": a subject, no sender
    if re.search(r"(?:^|\s)(?:to|from)\s", masked.replace(_MASK, " ")):
        _parse_correspondence(title, masked, 0, result, right_after_type=False)
        return
    # "Malik, 'On the Question ...'", "Central Intelligence Group, ORE 5/1, '...'": an author
    # (a person or body) before a quoted subtitle
    m = re.match(r"^(?P<who>[^,:;]+?),(?:\s*[A-Z]{2,}\s*[\d/\-]+,)?\s*" + _MASK, masked)
    if m:
        result.authors.extend(_items(title, m.group("who"), 0))
        return
    m = re.match(r"^(?P<who>[^,:;]+?),\s*(?P<who2>[^,:;" + _MASK + r"]+?),\s*" + _MASK, masked)
    if m:
        result.authors.extend(_items(title, m.group("who"), 0))
        result.authors.extend(_items(title, m.group("who2"), m.start("who2")))


def _parse_correspondence(title: str, rest: str, offset: int, result: TitleParse,
                          right_after_type: bool, audience: bool = False) -> None:
    """Authors, recipients and intermediaries from the words after the type; for a speech
    (`audience`) "to" names its hearers, who are no recipients."""
    embedded = _EMBEDDED.search(rest)
    inner: TitleParse | None = None
    if embedded:
        inner = TitleParse()
        tail = rest[embedded.end():]
        _parse_correspondence(title, tail, offset + embedded.end(), inner, right_after_type=False)
        rest = rest[:embedded.start()]
    rest = _cut_topic(rest)
    dash = re.search(r"\s+[-\u2013\u2014]\s+", rest)
    if dash:  # "Telegram from Nikishov to Beria - Henry A. Wallace's visit": the subject
        rest = rest[:dash.start()]
    for vm in _VIA_BRACKET.finditer(rest):
        _parse_list(title, vm.group(1), offset + vm.start(1), result.intermediaries)
    rest = _VIA_BRACKET.sub(lambda m: " " * len(m.group(0)), rest)
    protected = _PROTECTED_TO.sub(lambda m: m.group(1) + m.group(2) + _PROTECT + "o", rest)
    pos = 0
    if right_after_type:
        speech = re.match(r"^\s*of\s+(?:a|an|the)\s+(?:\w+\s+){0,2}?(?:speech|statement|address|"
                          r"report|lecture|letter|talk|remarks)\s+", protected, re.I)
        if speech and _AUTHOR_VERB.match(protected[speech.end() - 1:]):
            protected = " " * speech.end() + protected[speech.end():]
            rest = " " * speech.end() + rest[speech.end():]
        by = _AUTHOR_VERB.match(protected)
        of = _OF_AUTHOR.match(protected)
        for_ = _FOR_RECIPIENT.match(protected)
        if by:
            pos = by.end()
            end = _next_marker(protected, pos)
            _parse_list(title, rest[pos:end], offset + pos, result.authors)
            pos = end
        elif of and not _GATHERING.match(protected[of.end():]):
            end = _next_marker(protected, of.end())
            seg = rest[of.end():end]
            _parse_list(title, seg, offset + of.end(), result.authors)
            pos = end
        elif for_ and _addressee_shaped(protected[for_.end():]):
            end = _next_marker(protected, for_.end())
            _parse_list(title, rest[for_.end():end], offset + for_.end(), result.recipients)
            pos = end
    markers = list(_MARKER.finditer(protected, pos))
    lead = protected[pos:markers[0].start() if markers else len(protected)]
    lead_text = lead.strip(" ,:;" + _MASK)
    if _LEADING_VERB.match(lead_text):
        lead_text = ""  # "Report Presented to the Plenum": nobody named before "to"
    if lead_text and markers and markers[0].group("m").lower() == "to":
        _parse_list(title, rest[pos:pos + len(lead)], offset + pos, result.authors)
    elif lead_text and right_after_type and lead.lstrip(" ")[:1] == "," and not markers:
        # "Resolution, USSR Council of Ministers": a name after the type is its author
        _parse_list(title, rest[pos:pos + len(lead)], offset + pos, result.authors)
    for i, m in enumerate(markers):
        end = markers[i + 1].start() if i + 1 < len(markers) else len(protected)
        seg = rest[m.end():end]
        seg_offset = offset + m.end()
        word = m.group("m").lower()
        poss = _POSSESSIVE_EVENT.search(seg)
        if poss and poss.start() > 0 and word in ("from", "to"):
            # "from Polish Embassy in Bucharest, Ambassador Ochęduszko's Meeting with the Soviet
            # Ambassador": who met whom is no correspondent
            _parse_list(title, poss.group("who"), seg_offset + poss.start("who"),
                        result.participants)
            if poss.group("with"):
                _parse_list(title, poss.group("with"), seg_offset + poss.start("with"),
                            result.participants)
            seg = seg[:poss.start()]
        if word == "from":
            if _GATHERING.match(seg.strip()) or _POSSESSIVE_EVENT.match(seg.strip()):
                continue
            _parse_list(title, seg, seg_offset, result.authors)
        elif word == "to" and audience:
            continue  # "Speech Given by X to the Cadres of the Army": the audience
        elif word == "to":
            target = result.recipients
            for_ = re.search(r",\s*for\s+", seg)
            if for_:
                # "to Krasovsky, for Cde. Mao Zedong": the first passes the message on
                _parse_list(title, seg[:for_.start()], seg_offset, result.intermediaries)
                _parse_list(title, seg[for_.end():], seg_offset + for_.end(), target)
                continue
            nxt = markers[i + 1].group("m").lower() if i + 1 < len(markers) else ""
            comma = seg.find(",")
            if nxt == "to" and comma > 0:
                # "Telegram from Baku to Moscow, Bagirov and Maslennikov to Stalin": places
                # first, then the people who wrote
                _parse_list(title, seg[:comma], seg_offset, target)
                _parse_list(title, seg[comma + 1:], seg_offset + comma + 1, result.authors)
                continue
            _parse_list(title, seg, seg_offset, target)
        elif word in ("between", "among"):
            _parse_list(title, seg, seg_offset, result.participants)
        else:
            _parse_list(title, seg, seg_offset, result.intermediaries)
    if inner is not None and not result.recipients:
        result.recipients.extend(inner.recipients)
    if inner is not None and not result.authors and not result.recipients:
        result.authors.extend(inner.authors)
        result.recipients.extend(inner.recipients)


def _addressee_shaped(text: str) -> bool:
    """"for General Scowcroft", "for the Prime Minister Georgi Dimitrov", "for Cde. Mao": a
    person or body is addressed; "for Collaboration between ..." is a purpose."""
    head = re.sub(r"^(?:the|an?)\s+", "", text.strip(), flags=re.I)
    return bool(_ROLE_HEAD.match(head) or _RANK.match(head) or _HONORIFIC.match(head)
                or _ORG_WORD.search(" ".join(head.split()[:4])))


def _next_marker(text: str, pos: int) -> int:
    m = _MARKER.search(text, pos)
    return m.start() if m else len(text)


def _cut_topic(text: str) -> str:
    """The text up to where the subject of the document begins."""
    lead = len(text) - len(text.lstrip(" ,:;" + _MASK))
    if _MASK in text[:lead]:
        # "Report, 'My Observations ...', Zhou Enlai to Mao Zedong": the subtitle comes first
        text = " " * lead + text[lead:]
    m = _TOPIC.search(text)
    if m and not text[:m.start()].strip(" ,:;") and m.group(0).strip().lower().startswith("of"):
        # "of Chairman Liu's Conversation with ...": the meeting itself, nothing to cut from
        m = _TOPIC.search(text, m.end())
    cut = m.start() if m else len(text)
    q = text.find(_MASK)
    if 0 <= q < cut:
        cut = q
    return text[:cut]


def _parse_list(title: str, phrase: str, offset: int, target: list[NameRef],
                lead_only: bool = False) -> None:
    phrase = _cut_topic(phrase.replace(_PROTECT, "t"))
    if lead_only:
        phrase = re.sub(r"^\s*,?\s*(?:between\s+)?", lambda m: " " * len(m.group(0)), phrase,
                        flags=re.I)
    for ref in _items(title, phrase, offset):
        if ref.name not in {r.name for r in target}:
            target.append(ref)


def _items(title: str, phrase: str, offset: int) -> list[NameRef]:
    """The names in a list: split on commas and "and", joining what belongs together."""
    phrase = phrase.replace(_PROTECT, "t").replace(_MASK, " ")
    phrase = _TRAILING_DATE.sub(lambda m: " " * len(m.group(0)), phrase)
    pieces: list[tuple[str, int]] = []
    pos = 0
    protected = _protect_brackets(phrase)
    for part in _ITEM_SPLIT.split(protected):
        idx = protected.find(part, pos)
        if idx < 0:
            continue
        pos = idx + len(part)
        text = phrase[idx:idx + len(part)]
        lead = len(text) - len(text.lstrip(" ,.:;"))
        text = _drop_whereabouts(text.strip(" ,:;"))
        if text:
            pieces.append((text, offset + idx + lead))
    refs: list[NameRef] = []
    previous_kind = ""
    pending_post: str | None = None
    for text, start in pieces:
        kind = _piece_kind(text)
        if refs and previous_kind == "name" and re.fullmatch(_ADJECTIVE, refs[-1].name) and \
                len(text.split()) >= 2 and re.match(
                    r"\s+and\s+$", phrase[refs[-1].end - offset:start - offset] or ""):
            # "Polish and Cuban Ministries": the adjective shares the noun after "and"
            last = refs.pop()
            merged = f"{last.name} and {text}"
            if _piece_kind(merged) == "skip":
                previous_kind = "skip"
                continue
            refs.append(NameRef(written=title[last.start:start + len(text)], name=merged,
                                start=last.start, end=start + len(text)))
            continue
        if kind == "role":
            post = re.sub(r"^(?:the|an?)\s+", "", text, flags=re.I)
            if refs and previous_kind == "name" and refs[-1].post is None and \
                    _separated_by_comma(phrase, refs[-1].end - offset, start - offset):
                # "Nesti Nase, the Albanian ambassador to the USSR": the post of the name before
                refs[-1] = replace(refs[-1], post=post)
            else:
                pending_post = post  # "the Foreign Minister of Holland, Joseph Luns"
            previous_kind = kind
            continue
        if kind == "initials" and refs and previous_kind == "name" and " " not in refs[-1].name:
            # "Yakubov, T.": the initials of the name before
            last = refs.pop()
            refs.append(NameRef(written=title[last.start:start + len(text)],
                                name=f"{text} {last.name}", pseudonym=last.pseudonym,
                                start=last.start, end=start + len(text)))
            continue
        if kind == "place-after-mission" and refs and _MISSION.search(refs[-1].name) \
                and " in " not in refs[-1].name:
            last = refs.pop()
            place, _, who = text.partition("(")
            place = place.strip()
            refs.append(NameRef(written=title[last.start:start + len(place)],
                                name=f"{last.name} in {place}", start=last.start,
                                end=start + len(place)))
            if who.strip(" )"):  # "Dutch Embassy, Havana (Boissevain)"
                at = start + text.index("(") + 1
                refs.append(_ref(title, at, at + len(who.strip(" )"))))
            previous_kind = "name"
            continue
        if kind in ("skip", "role", "initials"):
            previous_kind = kind
            continue
        if refs and previous_kind == "name" and _continues_body(refs[-1].name, text) and \
                re.match(r"\s+and\s+$", phrase[refs[-1].end - offset:start - offset] or ""):
            # "Directorate General for Political Affairs and Security": one body
            last = refs.pop()
            refs.append(NameRef(written=title[last.start:start + len(text)],
                                name=f"{last.name} and {text}", start=last.start,
                                end=start + len(text)))
            continue
        for ref in _refs_of(title, text, start):
            if pending_post and previous_kind == "role":
                ref = replace(ref, post=pending_post)
            refs.append(ref)
            pending_post = None
        previous_kind = "name"
    return refs


def _separated_by_comma(phrase: str, end: int, start: int) -> bool:
    return "," in phrase[max(0, end):max(0, start)]


_WHEREABOUTS = re.compile(r"\s+(?:in|at)\s+(?:the\s+)?(?:[A-Z][\w'’\-]+)"
                          r"(?:\s+(?:of\s+the\s+|of\s+)?[A-Z][\w'’\-]+){0,5}$")


def _drop_whereabouts(text: str) -> str:
    """"Tarasov in Berlin" is Tarasov; "Ambassador in Beijing" and "Embassy in Cuba" keep
    their place, which belongs to the post or the mission."""
    m = _WHEREABOUTS.search(text)
    if not m or _MISSION.search(text) or _ORG_WORD.search(text):
        return text
    before = text[:m.start()].split()
    if not before or _ROLE_HEAD.fullmatch(before[-1]) or before[-1].lower() in ROLE_HEADS:
        return text
    return text[:m.start()]


_ADJECTIVE = r"[A-Z][a-z]+(?:ish|an|ese|ian|ic|i)"


def _continues_body(left: str, right: str) -> bool:
    """Whether "and RIGHT" completes the complement of a body's name on the left."""
    words = re.sub(r"\([^)]*\)", "", right).split()
    return bool(re.search(r"\b(?:" + words_pattern(ORG_WORDS) + r")\b(?:\s+\w+)?\s+(?:for|of|on)\s",
                          left)) and not _ORG_WORD.search(right) and 1 <= len(words) <= 2 \
        and all(w in ORG_ADJECTIVES or w.lower() in ("security", "disarmament", "culture",
                                                    "information", "development")
                for w in words)


def _protect_brackets(phrase: str) -> str:
    """Commas and "and" inside brackets do not split a list."""
    out, depth = [], 0
    for ch in phrase:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        out.append("\u00b7" if depth and ch in ",;&" else ch)
    text = "".join(out)
    return re.sub(r"[\[(][^\])]*[\])]", lambda m: m.group(0).replace(" and ", " \u00b7\u00b7\u00b7 "),
                  text)


# The group word heads the phrase unless a body's word follows it: "Chiefs of Staff" and "the
# Hungarian Socialist Workers' Party" are bodies.
_GROUP_HEAD = re.compile(r"^(?:(?:[A-Z][\w'’-]*|and)\s+){0,4}?(?:" + words_pattern(GROUP_WORDS)
                         + r")\b(?!['’]?\s+(?:of\s+Staff|" + words_pattern(ORG_WORDS) + r")\b)")


def _piece_kind(text: str) -> str:
    plain = re.sub(r"^(?:(?:the|an?|his|her|their|our)\s+)+", "", _strip_address(text),
                   flags=re.I)
    if not plain or _NOT_AN_ITEM.search(plain):
        return "skip"
    if _TYPE_RE.fullmatch(plain):
        return "skip"  # "Resolution and Letter to ...": a second type, nobody
    if _GROUP_HEAD.match(plain) or plain in PLACE_WORDS or plain.split()[-1] in VENUE_WORDS:
        return "skip"  # "Regional Branches", "the Leaders of ...", "City", "Voden Residence"
    plain = re.sub(r"[()\[\]]", " ", plain)
    if _CLASS_RE.fullmatch(plain + " ") or _CLASS_RE.fullmatch(plain):
        return "skip"
    if _INITIALS_ONLY.match(plain):
        return "initials"
    head = _ROLE_HEAD.search(plain)
    if head and all(w[:1].isupper() and not _ORG_WORD.fullmatch(w)
                    for w in plain[:head.start()].split()) and _name_after_role(plain) == "":
        return "role"  # "the Soviet Ambassador", "Charge d'Affaires"
    words = re.sub(r"\([^)]*\)", "", plain).split()
    if 1 <= len(words) <= 3 and all(w[:1].isupper() for w in words) and not _ORG_WORD.search(
            plain) and not _ROLE_HEAD.search(plain):
        return "place-after-mission"
    return "name"


def _name_after_role(text: str) -> str:
    """What may be a name after a post phrase: the name-shaped words at its end ("Secretary of
    the CC of the Azerbaijan CP M.D. Bagirov" -> "M.D. Bagirov"); "" for "the Albanian
    ambassador to the USSR" or "Charge d'Affaires"."""
    m = _ROLE_HEAD.search(text)
    if not m:
        return text
    tail = text[m.end():].split()
    if tail and _name_word(tail[0]) and tail[0].lower() not in NAME_PARTICLES:
        # "Prime Minister Khan of Afghanistan": the name right after the post
        run = 0
        while run < len(tail) and run < 4 and _name_word(tail[run]):
            run += 1
        return " ".join(tail[:run])
    k = len(tail)
    while k > 0 and len(tail) - k < 4 and _name_word(tail[k - 1]):
        k -= 1
    if k < len(tail) and tail[k].lower() in NAME_PARTICLES:
        k += 1
    if 0 < k < len(tail) and tail[k - 1].lower() in ("of", "to", "in", "for", "at", "the"):
        # "Minister of Holland": the complement's object; "to China Nikolai Roshchin": a place,
        # then the name
        k = k + 1 if len(tail) - k >= 2 else len(tail)
    return " ".join(tail[k:])


def _name_word(word: str) -> bool:
    bare = word.strip(",;")
    if re.fullmatch(r"(?:[A-Z][a-z]?\.)+", bare):
        return True
    if bare.lower() in NAME_PARTICLES:
        return True
    return len(bare) > 1 and bare[0].isupper() and bare[1].islower() and \
        not _ORG_WORD.fullmatch(bare) and bare not in PLACE_WORDS and bare not in ORG_ADJECTIVES \
        and not _ROLE_HEAD.fullmatch(bare) and not bare.endswith(")")


def _strip_address(text: str) -> str:
    prev = None
    text = text.strip()
    while prev != text:
        prev = text
        text = _HONORIFIC.sub("", text).strip()
        text = _RANK.sub("", text).strip() if _RANK.match(text) and len(
            _RANK.sub("", text).split()) >= 1 and not _ROLE_HEAD.match(text) else text
    return text


def _refs_of(title: str, text: str, start: int) -> list[NameRef]:
    """One item as name references: "Hungarian Embassy in Havana (Beck)" is two."""
    out = []
    m = re.match(r"^(?P<a>[^\[(]+?)\s*[\[(]\s*and\s+(?P<b>[^\])]+)[\])]$", text)
    if m:  # "Comrade Mao Zedong [and Beqir Balluku]": the editor adds a participant
        return [_ref(title, start + m.start("a"), start + m.end("a")),
                _ref(title, start + m.start("b"), start + m.end("b"))]
    m = re.match(r"^(?P<a>.*?\b(?:" + words_pattern(MISSION_WORDS) + r")\b.*?)\s*\((?P<b>[^)]+)\)$",
                 text)
    if m:
        out.append(_ref(title, start + m.start("a"), start + m.end("a")))
        out.append(_ref(title, start + m.start("b"), start + m.end("b")))
        return out
    # "the President (Syngman Rhee)": the bracket names the post holder
    m = re.match(r"^(?P<a>[^()\[\]]+?)\s*[(\[](?P<b>[^)\]]+)[)\]]$", text)
    if m and _ROLE_HEAD.search(m.group("a")) and not _ROLE_HEAD.search(m.group("b")) and \
            _name_after_role(m.group("a")) == "":
        return [_ref(title, start + m.start("b"), start + m.end("b"))]
    # "Secretary of State (First Deputy Foreign Minister) Otto Winzer": the bracket explains
    text2 = re.sub(r"\s+\([^)]*\)\s*(?=\S)", " ", text) if re.search(r"\s\([^)]*\)\s*\S", text) \
        else text
    if text2 != text:
        return [NameRef(written=text, name=_clean(text2), start=start, end=start + len(text))]
    return [_ref(title, start, start + len(text))]


def _clean(text: str) -> str:
    text = re.sub(r"^(?:the\s+)+(?=the\s)", "", " ".join(text.split()), flags=re.I)
    return _strip_address(text)


def _ref(title: str, start: int, end: int) -> NameRef:
    written = title[start:end].strip(" ,:;")
    start = title.find(written, start) if written else start
    phrase = _clean(written)
    m = _PSEUDO.match(phrase)
    name, pseudonym = phrase, None
    if m:
        a, b = m.group("a").strip(), m.group("b").strip()
        if _EDITORIAL.match(a) or _ROLE_HEAD.fullmatch(_strip_address(a)) or \
                _EDITORIAL.search(a):
            name = re.sub(r"['\u2019]s$", "", b)  # "The Chancellor's [Helmut Kohl's]"
        elif len(b.split()) == 1 and re.fullmatch(r"[A-Z][a-z]+", b) and _ROLE_HEAD.match(a) \
                and re.fullmatch(r"[A-Z][a-z]+", a.split()[-1]) and \
                _name_after_role(a) == a.split()[-1]:
            name = f"{a} {b}"  # "Chairman Mao [Zedong]": the bracket completes the name
        elif not b.lower().startswith("via "):
            # The archive writes "Filippov [Stalin]": the bracket holds the real name. Resolution
            # may swap the two when the authority knows better ("Stalin [Kuznetsov]").
            pseudonym, name = _clean(a), _clean(b)
    name = re.sub(r"['\u2019]s$", "", name).strip(" ,.;:") if not re.search(
        r"\b[A-Z]\.$|\bJr\.$|\bSr\.$", name) else name.strip(" ,;:")
    return NameRef(written=written, name=name, pseudonym=pseudonym, start=max(start, 0),
                   end=max(start, 0) + len(written))


_DOC_TYPE_OF = {t.lower(): t for t in DOC_TYPES}


def type_head(written: str) -> tuple[str, bool, list[str]]:
    """The head of a type phrase (singular, capitalised as in the lexicon), whether the
    lexicon knows it, and its state qualifiers: "Draft Letters" -> ("Letter", True, ["draft"])."""
    words = written.split()
    qualifiers = [w.lower() for w in words if w.lower() in STATE_QUALIFIERS]
    lower = written.lower()
    for head in sorted(_DOC_TYPE_OF, key=len, reverse=True):
        if re.search(rf"\b{re.escape(head)}(?:s|es)?$", lower):
            return _DOC_TYPE_OF[head], True, qualifiers
    last = words[-1].lower() if words else ""
    if last in TYPE_PLURALS:
        return TYPE_PLURALS[last], True, qualifiers
    singular = re.sub(r"(?<=[^s])s$", "", words[-1]) if words else written
    return singular[:1].upper() + singular[1:], False, qualifiers


def _finish(result: TitleParse, owner: NameRef | None) -> None:
    if result.doc_type:
        head, known, qualifiers = type_head(result.doc_type)
        result.type_head, result.type_known = head, known
        result.type_qualifiers = list(dict.fromkeys(result.type_qualifiers + qualifiers))
    if owner is not None:
        if not any(a.name == owner.name for a in result.authors):
            result.authors.insert(0, owner)
        if result.participants and not any(p.name == owner.name for p in result.participants):
            result.participants.insert(0, owner)
    if result.event_kind is None and result.participants:
        result.event_kind = "conversation"
    for refs in (result.authors, result.recipients, result.intermediaries, result.participants):
        refs[:] = [r for r in refs if r.name and re.search(r"[A-Z]", r.name)
                   and len(r.name) <= 120]
