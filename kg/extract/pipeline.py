"""Extraction, the stage from `Record`s to `Extracted`: dates, title grammar, the spaCy
pipeline's spans and role phrases, topics. Who each span is, resolution decides
(`kg.resolve.entry.resolve_entry`); extraction consults only the gazetteer (`kg.core`), to find
spans and read their parts.

`SpanExtractor.extract` streams: records go through `nlp.pipe` in batches, and each result is
yielded as soon as its batch is done, so memory does not grow with the corpus.

`Extractor` (extract, then resolve: records in, `Entry`s out) lives in `kg.resolve.entry`; the
name is still served from here for the callers that import it from this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from spacy.tokens import Doc

from kg.core.authority import DATA_DIR
from kg.core.dates import MONTHS, WEEKDAYS, parse_date
from kg.core.gazetteer import Gazetteer, gazetteer_for
from kg.core.lexicon import (
    ABSTRACT_NOUNS,
    CLASSIFICATIONS,
    DOC_TYPES,
    FOREIGN_MINISTRY_FORMS,
    GROUP_WORDS,
    HONORIFICS,
    NAME_PARTICLES,
    ORDINALS,
    ORG_WORDS,
    PARTY_ORGANS,
    RANKS,
    ROLE_HEADS,
    VENUE_WORDS,
    lower_words,
    words_pattern,
)
from kg.core.model import EntityKind, NameRef, Record, TitleParse
from kg.extract.bodies import canonical_body, delegation_sender, is_delegation, trim_body
from kg.extract.extracted import (
    Extracted,
    ExtractorInfo,
    FieldName,
    FieldSpans,
    FoundRole,
    FoundSpan,
    ImpliedPlace,
    Slot,
    TitleName,
)
from kg.extract.nlp import KIND_OF_LABEL, build_nlp
from kg.extract.roles import split_role
from kg.extract.title import parse_title, quoted_spans
from kg.extract.topics import assign_topics

EXTRACTOR_VERSION = "0.4.0"
ORG_HINT = re.compile(r"\b(" + "|".join(map(re.escape, ORG_WORDS)) + r")\b")
# Unresolved spans holding these words are document types, classifications or abstractions.
_NOT_A_NAME = re.compile(
    r"\b(" + "|".join(re.escape(t) for t in DOC_TYPES + CLASSIFICATIONS
                      + tuple(sorted(ABSTRACT_NOUNS))) + r")s?\b", re.I)
# A span inside the name of a treaty or agreement ("Treaty of Friendship, Alliance, and ...").
_IN_NAMED_THING = re.compile(
    r"\b(?:Treaty|Agreement|Pact|Convention|Accord|Declaration|Charter|Conference)\s+"
    r"(?:of|on|for|between)\s+(?:[A-Z][\w'-]*,?\s+(?:and\s+)?)*$"
)
# "All Provincial Premiers", "Soviet Ambassadors": a group of people, not a person.
_GROUP = re.compile(r"^(?:All|Various|Several|Some|Certain)\b|\b(?:"
                    + "|".join(map(re.escape, GROUP_WORDS)) + r")$")
# "CC CPSU G.M. Malenkov", "the CC of the CP of Azerbaijan M.D. Bagirov", "the National Atomic
# Energy Commission Oscar A. Quihillalt": a body, then a person
def _body_then(given: str) -> re.Pattern[str]:
    return re.compile(
        r"^(?P<body>.*\b(?:" + "|".join(map(re.escape, ORG_WORDS)) + r"|[A-Z]{2,}\w*)\b.*?)\s+"
        r"(?P<person>" + given + r"(?:[A-Z][a-z]?\.\s*){1,3}\s*[A-Z][\w'’-]+)$")


_BODY_THEN_PERSON = _body_then(r"(?P<given>[A-Z][a-z]+\s+)?")
_BODY_THEN_INITIALS = _body_then("")
# "Durcak of the Czech Embassy in the DPRK": a person, then the body they belong to
_PERSON_OF_BODY = re.compile(
    r"^(?P<person>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})\s+of\s+(?P<body>(?:the\s+)?.*\b(?:"
    + "|".join(map(re.escape, ORG_WORDS)) + r")\b.*)$")
# "Our Party", "their Government": the writer's own, named by nothing the graph can hold.
_DEICTIC = re.compile(r"^(?:our|their|his|her|its|your|my)\b", re.I)
# Where a meeting took place, written after who took part: "in the Building of ...".
_VENUE_TAIL = re.compile(r"^(?P<name>.+?)\s+(?:in|at)\s+the\s+(?:[A-Z][\w'’-]*\s+){0,3}?"
                         + words_pattern(VENUE_WORDS) + r"\b")
# A body named without its country ("the Foreign Ministry", "the Central Committee").
_GENERIC_BODY = re.compile(
    r"^(?:the\s+)?(?P<body>(?:" + "|".join(map(re.escape, FOREIGN_MINISTRY_FORMS + PARTY_ORGANS))
    + r"|Government|Party Leadership|Leadership|National Security Council))$", re.I)

# Full texts are parsed in chunks of at most this many characters: spaCy refuses texts over
# nlp.max_length (a million) and its models need about 1 GB per 100,000 characters.
CHUNK_CHARS = 50_000
_BREAKS = ("\n\n", "\n", ". ", " ")


def text_chunks(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, str]]:
    """Split `text` into (offset, chunk) pieces of at most `size` characters that join back into
    it, breaking at a paragraph, a line, a sentence or a space when the chunk has one in its
    second half (a name is rarely split that way)."""
    chunks: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            for mark in _BREAKS:
                cut = text.rfind(mark, start + size // 2, end)
                if cut >= 0:
                    end = cut + len(mark)
                    break
        chunks.append((start, text[start:end]))
        start = end
    return chunks


SLOTS: tuple[Slot, ...] = ("authors", "recipients", "intermediaries", "participants")


class SpanExtractor:
    """Turns records into `Extracted` results. Build once (loading the model costs a second or
    two)."""

    def __init__(self, model: str | None = None, data_dir: Path | None = None,
                 full_text: bool = True, batch_size: int = 64):
        self.data_dir = Path(data_dir or DATA_DIR)
        self.nlp, model_name = build_nlp(model, self.data_dir)
        self.gazetteer: Gazetteer = gazetteer_for(str(self.data_dir))
        self.full_text = full_text
        self.batch_size = batch_size
        self.info = ExtractorInfo(EXTRACTOR_VERSION, model_name, self.gazetteer.authority.version)

    def extract(self, records: Iterable[Record]) -> Iterator[Extracted]:
        batch: list[Record] = []
        for record in records:
            batch.append(record)
            if len(batch) >= self.batch_size:
                yield from self._batch(batch)
                batch = []
        if batch:
            yield from self._batch(batch)

    def _batch(self, records: list[Record]) -> Iterator[Extracted]:
        texts: list[str] = []
        pieces: list[list[int]] = []  # per record: title, summary, then full-text chunk offsets
        for r in records:
            chunks = text_chunks(r.full_text, min(CHUNK_CHARS, self.nlp.max_length)
                                 ) if self.full_text else []
            pieces.append([len(chunks)] + [offset for offset, _ in chunks])
            texts += [r.title, r.summary] + [chunk for _, chunk in chunks]
        docs = iter(self.nlp.pipe(texts, batch_size=self.batch_size))
        for record, (n, *offsets) in zip(records, pieces):
            title_doc, summary_doc = next(docs), next(docs)
            text_docs = [(offset, next(docs)) for offset in offsets[:n]]
            yield self.interpret(record, title_doc, summary_doc, text_docs)

    def interpret(self, record: Record, title_doc: Doc, summary_doc: Doc,
                  text_docs: Sequence[tuple[int, Doc]] = ()) -> Extracted:
        """What the record and its parsed fields state; the full text comes as chunks, each
        with its character offset in the text."""
        date = parse_date(record.date_text)
        year = date.earliest.year if date.earliest else None
        title = parse_title(record.title)
        out = Extracted(record=record, date=date, title=title)
        if not date.valid:
            out.flags.append("date-unknown")
        if record.truncated:
            out.flags.append("incomplete")
        for slot in SLOTS:
            for ref in getattr(title, slot):
                out.names += self._name_refs(slot, ref, title, year)
        parsed: list[tuple[FieldName, int, Doc]] = [("title", 0, title_doc),
                                                    ("summary", 0, summary_doc)]
        parsed += [("full_text", offset, doc) for offset, doc in text_docs]
        for field_name, offset, doc in parsed:
            spans = self._spans(doc, field_name, offset, year)
            if spans is not None:
                out.fields.append(spans)
        out.topics = assign_topics(self.gazetteer.authority, record.title, record.summary)
        return out

    # -- title grammar ---------------------------------------------------------------------

    def _name_refs(self, slot: Slot, ref: NameRef, title: TitleParse, year: int | None
                   ) -> list[TitleName]:
        """The names a name reference gives: "CC CPSU G.M. Malenkov" is a body and a person; a
        place ("from Baku") is nobody."""
        g = self.gazetteer
        member = _PERSON_OF_BODY.match(ref.name)
        if member and _looks_like_personal_name(member.group("person")) and not \
                ORG_HINT.search(member.group("person")) and not split_role(
                    member.group("person"), g, require_modifiers_known=False):
            # "Comrade Durcak of the Czech Embassy in the DPRK": a person and their body
            return self._parts(slot, ref, member, ("person", "body"), title, year)
        role = split_role(ref.name, g, require_modifiers_known=False)
        both = self._body_then_person(ref.name)
        if both and not role:
            return self._parts(slot, ref, both, ("body", "person"), title, year)
        if (role is None or role.name and ORG_HINT.search(role.name)) and (
                both := (self._body_then_person(role.name) if role else None)
                or self._body_then_known_person(ref.name)):
            # a post in a body the authority does not know, then the person: "the Director of
            # the National Atomic Energy Commission Oscar A. Quihillalt", "the Chairman of the
            # People's Central Government of the PRC Mao Zedong". With a post the body is the
            # person's, not a correspondent beside them.
            return self._parts(slot, ref, both, ("person",) if role else ("body", "person"),
                               title, year)
        name = self._title_name(slot, ref, title, year)
        return [name] if name is not None else []

    def _body_then_person(self, phrase: str) -> re.Match | None:
        """A body, then a person with initials ("CC CPSU G.M. Malenkov") and perhaps a given
        name ("... Commission Oscar A. Quihillalt"); a place before the initials belongs to
        the body ("the CC of the CP of Azerbaijan M.D. Bagirov")."""
        m = _BODY_THEN_PERSON.match(phrase)
        if m and m.group("given") and (self.gazetteer.kind_of(m.group("given").strip())
                                       or self.gazetteer.demonym(m.group("given").strip())):
            m = _BODY_THEN_INITIALS.match(phrase)
        return m

    def _body_then_known_person(self, phrase: str) -> re.Match | None:
        """A body's name (or a post in one) ending in a person the authority knows by exactly
        those words, as a match with groups "body" and "person"."""
        words = phrase.split()
        for k in (3, 2):
            if len(words) <= k + 1:
                continue
            tail = " ".join(words[-k:])
            # the body's name runs up to the person: "... of the PRC Mao Zedong", not
            # "... Discussion related to Peng Zhen"
            if ORG_HINT.search(" ".join(words[:-k])) and words[-k - 1][:1].isupper() and \
                    self.gazetteer.exactly(tail, "person"):
                return re.match(rf"^(?P<body>.*\S)\s+(?P<person>{re.escape(tail)})$", phrase)
        return None

    def _parts(self, slot: Slot, ref: NameRef, match: re.Match, groups: tuple[str, ...],
               title: TitleParse, year: int | None) -> list[TitleName]:
        """The names of the named parts of one reference, in order."""
        out = []
        for part in groups:
            sub = NameRef(written=ref.written, name=match.group(part), start=ref.start,
                          end=ref.end)
            name = self._title_name(slot, sub, title, year)
            if name is not None:
                out.append(name)
        return out

    def _title_name(self, slot: Slot, ref: NameRef, title: TitleParse, year: int | None
                    ) -> TitleName | None:
        g = self.gazetteer
        if ref.pseudonym and g.kind_of(ref.name) == "place":
            # "Conant (Bonn)": the bracket says where the writer was
            ref = NameRef(written=ref.written, name=ref.pseudonym, start=ref.start, end=ref.end)
        phrase = ref.name
        if venue := _VENUE_TAIL.match(phrase):
            phrase = venue.group("name")  # "Blas Roca in the Building of the National Committee"
        if phrase.split() and phrase.split()[-1] in VENUE_WORDS:
            return None  # "Voden Residence [Bulgaria]": where they met, nobody
        role = split_role(phrase, g, require_modifiers_known=False)
        if role and role.name:
            phrase = role.name
        elif role and not role.name:
            return None  # a bare role ("Soviet Ambassador"): nobody named
        kind: EntityKind | None = None
        canonical = unresolved_as = None
        if ORG_HINT.search(phrase) or g.kind_of(phrase) == "organization" or _GROUP.search(phrase):
            kind = "organization"
            if g.kind_of(phrase) != "organization":
                phrase = trim_body(phrase, g)
                if not ORG_HINT.search(phrase) and g.kind_of(phrase) == "place":
                    return None  # "the Delegation of the Popular Republic of Mongolia"
                if sender := delegation_sender(phrase, g):
                    phrase = sender  # "the Party of Labor of Albania Delegation": the party's
                elif is_delegation(phrase) or _DEICTIC.match(phrase):
                    return None  # "an Guinean Educational Delegation": people; "Our Party"
            canonical = canonical_body(phrase, g, year)
            if _GROUP.search(phrase) and g.exactly(phrase, "organization") is None:
                return None  # "the Commanders and Soldiers", "Others": nobody in particular
        elif g.kind_of(phrase) == "place":
            return None
        if canonical:
            # a canonical name the authority lacks is its own body: "Ministry of Foreign
            # Affairs of Albania" is never Japan's by a near spelling
            unresolved_as = canonical
        elif kind == "organization" and (generic := _GENERIC_BODY.match(phrase)):
            # "the Foreign Ministry": the sender's own, when the title says whose the sender is
            country = self._sender_country(title)
            canonical = canonical_body(f"{country} {phrase}", g, year) if country else None
            unresolved_as = canonical or generic.group("body")
        post = split_role(ref.post + " X", g, require_modifiers_known=False) if ref.post else None
        start = ref.start + max(0, ref.written.find(phrase))
        return TitleName(slot=slot, ref=ref, phrase=phrase, start=start, end=start + len(phrase),
                         kind=kind, canonical=canonical, unresolved_as=unresolved_as,
                         person_shaped=_looks_like_personal_name(phrase),
                         role=role if role and role.name else None, post=post)

    def _sender_country(self, title: TitleParse) -> str | None:
        """The country a title's first author speaks for ("the Albanian Ambassador in Iraq
        Ulvi Lulo", "Polish Embassy in Havana"), as written."""
        g = self.gazetteer
        for ref in title.authors[:1]:
            for word in re.findall(r"[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?", ref.written):
                first = word.split()[0]
                if g.demonym(word) or g.demonym(first):
                    return word if g.demonym(word) else first
        return None

    # -- spans -----------------------------------------------------------------------------

    def _spans(self, doc: Doc, field_name: FieldName, offset: int = 0,
               year: int | None = None) -> FieldSpans | None:
        """The spans of one parsed text; `offset` is where `doc` starts in the field's text (a
        chunk of a long full text), `year` the record's (missions are named by the states of
        their time). None for an empty text."""
        text = doc.text  # built from the tokens on each access: once per document
        if not text:
            return None
        g = self.gazetteer
        out = FieldSpans(field=field_name, offset=offset)
        # a quoted subtitle is in title case: a lone capitalised word or a phrase with small
        # words there is no unknown person or place ("'Draft Proposal to Strengthen ...'",
        # "'Cooperation ... in the Field of Peaceful Uses of Nuclear Energy'")
        quoted = quoted_spans(text) if field_name == "title" else []
        # a place named inside a body's name ("Embassy of Hungary in Romania") is a place the
        # text names too
        # a span of doc.ents knows its authority entry through its tokens; a place inside a
        # body carries its own (its tokens are the body's)
        for ent, key in [*((e, e.ent_id_) for e in doc.ents),
                         *((p, p.id_ if p.label_ == "GPE" else p.ent_id_)
                           for p in doc.spans.get("kg_places_in_bodies", []))]:
            kind = KIND_OF_LABEL.get(ent.label_)
            if kind is None:
                continue
            label = ent.text
            if kind == "organization":
                # bodies under their canonical names ("Polish Embassy in Havana" -> "Embassy
                # of Poland in Cuba", "CC of the CP of Azerbaijan" spelt out)
                trimmed = trim_body(ent.text, g)
                label = canonical_body(trimmed, g, year) or trimmed
            keep = self._plausible(ent.text, kind, text[max(0, ent.start_char - 80):
                                                         ent.start_char]) and not (
                len(ent.text.split()) == 1 and _sentence_initial(text, ent.start_char)) and not (
                any(s <= ent.start_char and ent.end_char <= e for s, e in quoted) and (
                    kind == "person" and len(ent.text.split()) == 1
                    and not _ADDRESSED.search(text[:ent.start_char])
                    or kind == "place" and re.search(r"\s[a-z]", ent.text)))
            out.spans.append(FoundSpan(text=ent.text, kind=kind, start=ent.start_char,
                                       end=ent.end_char, method="ruler" if key else "ner",
                                       authority_key=key or None, label=label,
                                       keep_unresolved=keep))
        out.implied = [ImpliedPlace(text=s.text, start=s.start_char, end=s.end_char, key=s.kb_id_)
                       for s in doc.spans.get("kg_implied_places", [])]
        if field_name != "full_text":  # posts are read from the title and summary only
            for span in doc.spans.get("kg_roles", []):
                label, ps, pe = span._.kg_role
                parse = split_role(label + " X", g, require_modifiers_known=False)
                if parse is not None:
                    out.roles.append(FoundRole(label=label, person_start=ps, person_end=pe,
                                               parse=parse))
        return out

    @staticmethod
    def _plausible(text: str, kind: EntityKind, before: str = "") -> bool:
        """Whether an unresolved name is worth keeping: classes of statistical error are not."""
        words = text.split()
        if _NOT_A_NAME.search(text) or _IN_NAMED_THING.search(before):
            return False
        if not words or not all(w[:1].isupper() or w.lower() in {"of", "the", "and", "de", "van",
                                                                 "von", "al", "bin"} for w in words):
            return False
        if kind == "organization":
            return bool(ORG_HINT.search(text)) or text.isupper() and 2 <= len(text) <= 6
        if kind == "place" and (re.fullmatch(r"[A-Z][a-z]+(?:ing|ed)", text)
                                or re.search(r"\b(?:of|the|and)$|\b[A-Z][a-z]+ed$", text)
                                or re.match(r"^(?:State|City|Province)\s+of\b", text)
                                or len(text.strip(".")) <= 1 or ORG_HINT.search(text)):
            # "Conveying", "City of", "Banquet Hosted", "T.", "Romanian Embassy": no place
            return False
        if kind == "person":  # "Embassy", "Cde", "Tuesday": nobody's name
            return len(text) > 2 and not text.isupper() and not ORG_HINT.search(text) and \
                not all(w.lower().rstrip(".") in _NOT_A_PERSON for w in words)
        return True


_PARTICLES = NAME_PARTICLES
# A name right after an honorific, rank or post is a person's ("Comrade Hertzfeldt").
_ADDRESSED = re.compile(r"\b(?:" + words_pattern(HONORIFICS + RANKS) + r"|" + words_pattern(
    tuple(ROLE_HEADS)) + r")\.?\s+$", re.I)
# Words that alone are nobody's name: honorifics, ranks, ordinals, days and months ("Cde",
# "Gen.", "Second", "Tuesday").
_NOT_A_PERSON = lower_words(*HONORIFICS, *RANKS, *ORDINALS) | WEEKDAYS | set(MONTHS)


def _looks_like_personal_name(phrase: str) -> bool:
    """An unknown name from a title is kept as a person only if it is shaped like one."""
    words = phrase.replace("'s", "").split()
    if not 1 <= len(words) <= 5 or _NOT_A_NAME.search(phrase) or all(
            w.lower().rstrip(".") in _NOT_A_PERSON for w in words):
        return False
    return all(w[:1].isupper() or w.lower() in _PARTICLES for w in words)


def _sentence_initial(text: str, start: int) -> bool:
    """Capitalised for grammar, not as a name: the model often tags such a first word."""
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;\n"

