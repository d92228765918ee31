"""Title grammar: what a catalogue title states before any statistical NLP.

Titles are half structured: "Ciphered Telegram No. 3172, Stalin to Zhou Enlai via Roshchin",
"Letter to Joseph V. Stalin from Andrey Vyshinsky", "From the Journal of Vyshinsky: Top Secret
Memorandum of Conversation with Chinese Prime Minister Zhou Enlai". The grammar finds the
document type, number, classification, the correspondents (both "X to Y" and "to Y from X"),
intermediaries ("via", "[via ...]", "(via ...)"), conversation participants and pseudonym pairs
("Filippov [Stalin]"). Name phrases keep their role words ("Soviet Ambassador to China Nikolai
Roshchin"); separating role from name is the job of `kg.extract.roles`.
"""

from __future__ import annotations

import re

from kg.model import NameRef, TitleParse

# Longest first, so "Memorandum of Conversation" wins over "Memorandum".
DOC_TYPES = [
    "Memorandum of Conversation", "Record of Conversation", "Minutes of Conversation",
    "Memorandum of a Conversation", "Record of a Conversation", "Minutes of a Conversation",
    "Memorandum for the Record", "Record of a Meeting", "Record of Meeting", "Minutes of Meeting",
    "Minutes of a Meeting", "Exchange of Notes", "Exchange of Letters", "Exchange of Messages",
    "Ciphered Telegram", "Cipher Telegram", "Coded Telegram", "Ciphered Cable", "Cablegram",
    "Telegram", "Cable", "Telex", "Letter", "Memorandum", "Memo", "Note", "Notes", "Protocol",
    "Decision", "Resolution", "Directive", "Instructions", "Instruction", "Order", "Decree",
    "Report", "Minutes", "Transcript", "Speech", "Statement", "Declaration", "Communique",
    "Communiqué", "Agreement", "Treaty", "Message", "Appeal", "Draft", "Diary", "Journal",
    "Information", "Record", "Summary", "Excerpt", "Excerpts", "Conversation", "Talk", "Interview",
    "Address", "Proposal", "Remarks", "Briefing", "Study", "Analysis", "Assessment", "Estimate",
    "Bulletin", "Announcement", "Circular", "Dispatch", "Despatch", "Aide-Memoire",
    "Aide-Mémoire", "Editorial", "Article", "Notification", "Request", "Reply", "Response",
    "Meeting", "Telephone Conversation", "Petition", "Testimony", "Memoir", "Memoirs",
    "Chronology", "Biography", "Questionnaire",
    "Inventory", "Outline", "Plan", "Program", "Programme", "Proclamation", "Manifesto", "Minute",
]
_TYPE_RE = re.compile(
    r"\b(" + "|".join(re.escape(t) for t in sorted(DOC_TYPES, key=len, reverse=True)) + r")s?\b",
    re.I,
)
_CANON_TYPE = {t.lower(): t for t in DOC_TYPES}
# A memorandum or record whose subject is a conversation is a memorandum of conversation.
_OF_CONVERSATION = re.compile(r"^[,:]?\s*(?:of\s+(?:a\s+)?)?(conversation|meeting|talks?)\b", re.I)
CLASSIFICATIONS = [
    "Top Secret", "Strictly Secret", "Strictly Confidential", "Secret", "Confidential",
    "Restricted", "Eyes Only", "For Official Use Only", "Special Importance", "Of Special Importance",
]
_CLASS_RE = re.compile(
    r"\b(" + "|".join(re.escape(c) for c in CLASSIFICATIONS) + r")\b[,:]?\s*"
)
_JOURNAL = re.compile(
    r"^\s*(?:From|Excerpt from|Excerpts from)\s+the\s+(?:Journal|Diary|Notes|Notebook)\s+of\s+"
    r"(?P<owner>[^:]+?)\s*[:,.]\s*",
    re.I,
)
_NUMBER = re.compile(r"\b(?:No\.|Nr\.|Number|#)\s*(?P<num>[\w/\-.]*\d[\w/\-]*)", re.I)
_TRAILING_DATE = re.compile(
    r"[,;]?\s*(?:(?:on|dated|of)\s+)?(?:\d{1,2}\s+[A-Z][a-z]+\.?,?\s+\d{4}|[A-Z][a-z]+\.?\s+"
    r"\d{1,2},?\s+\d{4}|[A-Z][a-z]+,?\s+\d{4}|\d{4})\s*$"
)
# "to" inside these phrases is part of a role, not a recipient marker.
_ROLE_TO = re.compile(
    r"\b(Ambassador|Envoy|Representative|Minister|Delegation|Mission|Adviser|Advisor|Delegate|"
    r"Attaché|Attache|Charge d'Affaires|Chargé d'Affaires|Consul|Consul General|Emissary|"
    r"Counselor|Counsellor|Secretary|Military Attache|Plenipotentiary)(s?)\s+to\b",
    re.I,
)
_PLACEHOLDER = "\u2192"  # stands for a protected role "to" while splitting
_EMBEDDED = re.compile(
    r"\s*,?\s*\b(?:conveying|transmitting|forwarding|relaying|enclosing|containing|with)\s+"
    r"(?:an?\s+|the\s+)?(?:text\s+of\s+)?(?:message|letter|telegram|note|reply|cable|request)s?\b",
    re.I,
)
_STOP = re.compile(
    r"\s*(?:,\s*|\s)(?:on|regarding|concerning|about|re:|re|in\s+connection|in\s+regard|"
    r"with\s+regard|with\s+respect|on\s+the\s+subject|discussing|reporting|requesting|"
    r"informing|advising|including|conveying|transmitting|forwarding|relaying|enclosing|"
    r"with(?!\s+(?:the\s+)?(?:Ambassador|Chinese|Soviet|Prime|"
    r"Premier|Chairman|President|Comrade|Minister|General|Marshal)))\b.*$",
    re.I,
)
_PARTICIPLE_CLAUSE = re.compile(r",\s+[A-Z][a-z]+ing\b.*$")
_SPLIT = re.compile(r"\s*(?:,\s*(?:and|or)\s+|\s+and\s+|\s+or\s+|\s*&\s*|\s*,\s+)\s*")
_VIA_BRACKET = re.compile(r"[\[(]\s*via\s+([^\])]+?)\s*[\])]", re.I)
_VIA = re.compile(r"\s+(?:via|through|by way of)\s+(.+)$", re.I)
_PSEUDO = re.compile(r"^(?P<a>[^\[\(]+?)\s*[\[(](?P<b>[^\])]+)[\])]\s*$")
_HONORIFIC = re.compile(
    r"^(?:Comrades?|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Messrs\.?|Sir|Herr|Monsieur|Tovarishch)\s+", re.I
)
_EDITORIAL = re.compile(r"^(?:the|a|an|his|her|their)\b|'s$|\u2019s$", re.I)
_PARTICIPANTS = re.compile(r"^[,:]?\s*(?:of|between|among)\s+(?P<list>.+)$", re.I)
_WITH = re.compile(r"^(?P<pre>.*?)\bwith\s+(?P<list>.+)$", re.I)
_DEMONYM_PREFIX = re.compile(
    r"^(?:[A-Z][a-z]+-)*[A-Z][a-z]+(?:ese|ian|an|ish|ic|i|ch|Soviet)?$|^(?:Soviet|Sino-\w+)$"
)
_ORG_WORDS = re.compile(
    r"\b(Politburo|Presidium|Committee|CC|Ministry|Council|Bureau|Division|Department|Government|"
    r"Embassy|Party|Secretariat|Office|Command|Headquarters|Staff|Administration|Commission)\b"
)
_EVENT_OF_TYPE = {
    "conversation": "conversation", "meeting": "conversation", "talk": "conversation",
    "interview": "conversation", "protocol": "signing", "agreement": "signing",
    "treaty": "signing", "exchange": "signing", "decision": "decision", "resolution": "decision",
    "directive": "decision", "decree": "decision", "order": "decision",
}


def parse_title(title: str) -> TitleParse:
    """Read type, number, classification and correspondents from a title; never raises."""
    result = TitleParse()
    text = " ".join((title or "").split())
    if not text:
        return result
    owner: NameRef | None = None
    m = _JOURNAL.match(text)
    body_offset = 0
    if m:
        owner = _name_ref(title, m.group("owner"), m.start("owner"))
        body_offset = m.end()
    body = text[body_offset:]
    cls = _CLASS_RE.search(body)
    if cls:
        result.classification = cls.group(1)
    type_match = _find_type(body)
    if type_match is None:
        _parse_correspondence(title, text, body_offset, body, result)
        _finish(result, owner)
        return result
    t_start, t_end, doc_type = type_match
    rest_start = t_end
    conv = _OF_CONVERSATION.match(body[t_end:])
    if conv and doc_type.lower() in {"memorandum", "record", "minutes", "notes", "memo"}:
        doc_type = f"{doc_type} of Conversation"
        rest_start = t_end + conv.end()
    result.doc_type = doc_type
    prefix = body[:t_start].strip(" ,:")
    if cls and cls.start() < t_start:
        prefix = body[: cls.start()].strip(" ,:")
    rest = body[rest_start:]
    num = _NUMBER.match(rest.lstrip(" ,"))
    if num:
        result.number = num.group("num").rstrip(".")
        rest = rest.lstrip(" ,")[num.end() :]
    elif m2 := _NUMBER.search(body):
        result.number = m2.group("num").rstrip(".")
    rest_offset = len(text) - len(rest)
    if prefix and _prefix_is_author(prefix, body[t_start:t_end]):
        result.authors.append(_name_ref(title, prefix, body_offset + text[body_offset:].find(prefix)))
    kind = doc_type.lower()
    if conv or kind.endswith("conversation") or kind in {"conversation", "talk", "interview", "meeting"} or (
        kind.startswith(("record of", "minutes of"))
    ):
        _parse_participants(title, rest, rest_offset, result, owner)
        if re.search(r"['\u2019]s\]?$", prefix):  # "X's Conversation with Y": X took part
            for author in reversed(result.authors):
                if author.name not in {p.name for p in result.participants}:
                    result.participants.insert(0, author)
    elif kind.startswith("exchange of"):
        _parse_exchange(title, rest, rest_offset, result)
    else:
        _parse_correspondence(title, text, rest_offset, rest, result)
    head = kind.split()[0]
    result.event_kind = _EVENT_OF_TYPE.get(head) or _EVENT_OF_TYPE.get(kind.split()[-1])
    if result.event_kind is None and (result.authors or result.recipients):
        result.event_kind = "communication"
    _finish(result, owner)
    return result


def _finish(result: TitleParse, owner: NameRef | None) -> None:
    if owner is not None:
        if not any(a.name == owner.name for a in result.authors):
            result.authors.insert(0, owner)
        if result.participants and not any(p.name == owner.name for p in result.participants):
            result.participants.insert(0, owner)
    if result.event_kind is None and result.participants:
        result.event_kind = "conversation"


def _find_type(body: str) -> tuple[int, int, str] | None:
    """The document type: the first type word, or the head of a compound ("Agreement Protocol")."""
    matches = list(_TYPE_RE.finditer(body))
    if not matches:
        return None
    first = matches[0]
    end = first
    for nxt in matches[1:]:
        between = body[end.end() : nxt.start()]
        if between.strip() == "":
            end = nxt
        else:
            break
    word = end.group(1)
    canon = _CANON_TYPE.get(word.lower(), word)
    if word[:1].isupper() and not word.isupper():
        canon = canon[:1].upper() + canon[1:]
    return first.start(), end.end(), canon


def _prefix_is_author(prefix: str, type_word: str) -> bool:
    if re.search(r"['\u2019]s\]?$", prefix):
        return True
    if _ORG_WORDS.search(prefix):
        return True
    if any(_DEMONYM_PREFIX.match(w) for w in prefix.split()) and len(prefix.split()) <= 2:
        return False
    return type_word[:1].islower() and prefix[:1].isupper()


def _parse_correspondence(
    title: str, text: str, offset: int, rest: str, result: TitleParse
) -> None:
    """Senders, recipients and intermediaries from the text after the type."""
    protected = _ROLE_TO.sub(lambda m: m.group(1) + m.group(2) + " " + _PLACEHOLDER, rest)
    # an embedded message ("conveying message from A to B") is parsed on its own
    embedded = _EMBEDDED.search(protected)
    inner = None
    if embedded:
        inner = TitleParse()
        _parse_simple(title, protected[embedded.end() :], offset + embedded.end(), inner)
        protected = protected[: embedded.start()]
    _parse_simple(title, protected, offset, result)
    if inner is not None and not result.recipients:
        result.recipients.extend(inner.recipients)
        if not result.authors:
            result.authors.extend(inner.authors)
        else:
            # the outer sender passes on someone else's message: that makes it a channel
            pass


def _parse_simple(title: str, text: str, offset: int, result: TitleParse) -> None:
    of = re.match(r"^\s*,?\s*(?:of|by)\s+(?=[A-Z])", text)
    if of and not re.search(r"(?:^|[\s,])from\s+", text):
        # "Statement of Nakajima Kenzo, Chairman of the Board": the author, then apposition
        head = _PARTICIPLE_CLAUSE.sub("", text[of.end():])
        head = re.split(r"\s+(?:to|via)\s+", head)[0]
        for part, start in _split(head.split(",")[0], offset + of.end()):
            result.authors.append(_name_ref(title, part, start))
        text = text[of.end() + len(head):]
        if _PARTICIPLE_CLAUSE.match(text):
            return
    for vm in _VIA_BRACKET.finditer(text):
        for part, start in _split(vm.group(1), offset + vm.start(1)):
            result.intermediaries.append(_name_ref(title, part, start))
    text = _VIA_BRACKET.sub(lambda m: " " * len(m.group(0)), text)
    m_to = re.search(r"(?:^|[\s,])to\s+", text)
    m_from = re.search(r"(?:^|[\s,])from\s+", text)
    sender = recipient = None
    if m_from and m_to:
        if m_from.start() < m_to.start():
            sender = (m_from.end(), m_to.start())
            recipient = (m_to.end(), len(text))
        else:
            recipient = (m_to.end(), m_from.start())
            sender = (m_from.end(), len(text))
    elif m_to:
        before = text[: m_to.start()].strip(" ,:")
        if before:
            lead = len(text[: m_to.start()]) - len(text[: m_to.start()].lstrip(" ,:"))
            sender = (lead, m_to.start())
        recipient = (m_to.end(), len(text))
    elif m_from:
        sender = (m_from.end(), len(text))
    for span, target in ((sender, result.authors), (recipient, result.recipients)):
        if span is None:
            continue
        phrase = text[span[0] : span[1]]
        via = _VIA.search(phrase)
        if via:
            for part, start in _split(via.group(1), offset + span[0] + via.start(1)):
                result.intermediaries.append(_name_ref(title, part, start))
            phrase = phrase[: via.start()]
        for part, start in _split(phrase, offset + span[0]):
            target.append(_name_ref(title, part, start))


def _parse_participants(
    title: str, rest: str, offset: int, result: TitleParse, owner: NameRef | None
) -> None:
    protected = _ROLE_TO.sub(lambda m: m.group(1) + m.group(2) + " " + _PLACEHOLDER, rest)
    m = _PARTICIPANTS.match(protected)
    if m:
        body = m.group("list")
        start = offset + m.start("list")
        w = re.search(r"\s+with\s+", body)
        if w:
            for part, s in _split(body[: w.start()], start):
                result.participants.append(_name_ref(title, part, s))
            for part, s in _split(body[w.end() :], start + w.end()):
                result.participants.append(_name_ref(title, part, s))
        else:
            for part, s in _split(body, start):
                result.participants.append(_name_ref(title, part, s))
        return
    m = _WITH.match(protected)
    if m:
        for part, s in _split(m.group("list"), offset + m.start("list")):
            result.participants.append(_name_ref(title, part, s))
        return
    # "Record of Conversation, Mao Zedong and Stalin" and similar
    for part, s in _split(protected.lstrip(" ,:"), offset + len(protected) - len(protected.lstrip(" ,:"))):
        result.participants.append(_name_ref(title, part, s))


def _parse_exchange(title: str, rest: str, offset: int, result: TitleParse) -> None:
    body = rest.lstrip(" ,:")
    start = offset + len(rest) - len(body)
    m = re.match(r"(?:between\s+)?(.+)$", body, re.I)
    if m:
        for part, s in _split(m.group(1), start + m.start(1)):
            result.participants.append(_name_ref(title, part, s))


def _split(phrase: str, offset: int) -> list[tuple[str, int]]:
    """Split a list of names ("Zhou Enlai or Mao Zedong"), trimming places, dates and clauses."""
    phrase = _PARTICIPLE_CLAUSE.sub("", phrase)
    phrase = _STOP.sub("", phrase)
    phrase = _TRAILING_DATE.sub("", phrase)
    out: list[tuple[str, int]] = []
    pos = 0
    parts = _SPLIT.split(phrase) if not _PSEUDO.match(phrase.strip()) else [phrase]
    for part in parts:
        idx = phrase.find(part, pos)
        pos = idx + len(part) if idx >= 0 else pos
        clean = re.sub(r"\s+(?:in|at)\s+[A-Z][\w'\-]+(?:\s+[A-Z][\w'\-]+)*\s*$", "", part)
        clean = _TRAILING_DATE.sub("", clean).strip(" ,.:;")
        clean = clean.replace(_PLACEHOLDER, "to")
        lead = len(part) - len(part.lstrip(" ,.:;"))
        if clean and re.search(r"[A-Z]", clean) and len(clean) <= 120:
            out.append((clean, offset + max(idx, 0) + lead))
    return out


def _name_ref(title: str, phrase: str, start: int) -> NameRef:
    phrase = phrase.replace(_PLACEHOLDER, "to").strip()
    written = phrase
    phrase = _HONORIFIC.sub("", phrase)
    m = _PSEUDO.match(phrase)
    name, pseudonym = phrase, None
    if m and _EDITORIAL.match(m.group("a")):
        # "The Chancellor's [Helmut Kohl's]": the bracket explains, it is no pseudonym
        name = m.group("b").strip()
    elif m and not m.group("b").lower().startswith("via "):
        # The archive writes "Filippov [Stalin]": the bracket holds the real name. Resolution may
        # swap the two when the authority knows better ("Stalin [Kuznetsov]").
        pseudonym, name = m.group("a").strip(), m.group("b").strip()
    at = title.find(written, max(0, start - 2))
    if at < 0:
        at = title.find(written)
    start = at if at >= 0 else start
    return NameRef(written=written, name=name, pseudonym=pseudonym, start=start,
                   end=start + len(written))
