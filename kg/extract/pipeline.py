"""From `Record`s to `Entry`s: dates, title grammar, the spaCy pipeline, roles and resolution.

`Extractor.extract` streams: records go through `nlp.pipe` in batches, and each entry is
yielded as soon as its batch is done, so memory does not grow with the corpus.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc

from kg.core.authority import DATA_DIR
from kg.core.dates import parse_date
from kg.core.lexicon import (
    ABSTRACT_NOUNS,
    CLASSIFICATIONS,
    DOC_TYPES,
    FOREIGN_MINISTRY_FORMS,
    GROUP_WORDS,
    NAME_PARTICLES,
    ORG_WORDS,
    PARTY_ORGANS,
)
from kg.core.model import (
    Entity,
    EntityKind,
    Entry,
    Link,
    Mention,
    NameRef,
    Record,
    RoleClaim,
)
from kg.extract.bodies import canonical_body, trim_body
from kg.extract.nlp import KIND_OF_LABEL, build_nlp, resolver_for
from kg.extract.roles import split_role
from kg.extract.title import parse_title
from kg.extract.topics import assign_topics
from kg.resolve.resolver import DocContext, Resolver
from kg.resolve.subjects import assign_subjects
from kg.sources.catalogue_names import parse_catalogue_name

EXTRACTOR_VERSION = "0.3.0"
_ORG_HINT = re.compile(r"\b(" + "|".join(map(re.escape, ORG_WORDS)) + r")\b")
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
# "CC CPSU G.M. Malenkov", "the CC of the CP of Azerbaijan M.D. Bagirov": a body, then a person
_BODY_THEN_PERSON = re.compile(
    r"^(?P<body>.*\b(?:" + "|".join(map(re.escape, ORG_WORDS)) + r"|[A-Z]{2,}\w*)\b.*?)\s+"
    r"(?P<person>(?:[A-Z][a-z]?\.\s*){1,3}\s*[A-Z][\w'’-]+)$")
# "Durcak of the Czech Embassy in the DPRK": a person, then the body they belong to
_PERSON_OF_BODY = re.compile(
    r"^(?P<person>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})\s+of\s+(?P<body>(?:the\s+)?.*\b(?:"
    + "|".join(map(re.escape, ORG_WORDS)) + r")\b.*)$")
# A body named without its country ("the Foreign Ministry", "the Central Committee").
_GENERIC_BODY = re.compile(
    r"^(?:the\s+)?(?P<body>(?:" + "|".join(map(re.escape, FOREIGN_MINISTRY_FORMS + PARTY_ORGANS))
    + r"|Government|Party Leadership|Leadership|National Security Council))$", re.I)
CONFIDENCE = {"ruler": 0.95, "ner": 0.7, "title-grammar": 0.9, "demonym": 0.5, "role": 0.85}

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


@dataclass(frozen=True)
class ExtractorInfo:
    version: str
    model: str
    authority: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.version}|{self.model}|{self.authority}".encode()).hexdigest()[:16]


class Extractor:
    """Turns records into entries. Build once (loading the model costs a second or two)."""

    def __init__(self, model: str | None = None, data_dir: Path | None = None,
                 full_text: bool = True, batch_size: int = 64):
        self.data_dir = Path(data_dir or DATA_DIR)
        self.nlp, model_name = build_nlp(model, self.data_dir)
        self.resolver: Resolver = resolver_for(str(self.data_dir))
        self.full_text = full_text
        self.batch_size = batch_size
        self.info = ExtractorInfo(EXTRACTOR_VERSION, model_name, self.resolver.authority.version)

    def extract(self, records: Iterable[Record]) -> Iterator[Entry]:
        batch: list[Record] = []
        for record in records:
            batch.append(record)
            if len(batch) >= self.batch_size:
                yield from self._batch(batch)
                batch = []
        if batch:
            yield from self._batch(batch)

    def _batch(self, records: list[Record]) -> Iterator[Entry]:
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
                  text_docs: Sequence[tuple[int, Doc]] = ()) -> Entry:
        """An entry from the record and its parsed fields; the full text comes as chunks, each
        with its character offset in the text."""
        date = parse_date(record.date_text)
        title = parse_title(record.title)
        entry = Entry(record=record, date=date, title=title)
        if not date.valid:
            entry.flags.append("date-unknown")
        if record.truncated:
            entry.flags.append("incomplete")
        ctx = DocContext(date=date)
        self._title_people(entry, ctx)
        self._mentions(entry, title_doc, "title", ctx)
        self._mentions(entry, summary_doc, "summary", ctx)
        for offset, doc in text_docs:
            self._mentions(entry, doc, "full_text", ctx, offset)
        self._curated(entry, ctx)
        entry.topics = assign_topics(self.resolver.authority, record.title, record.summary)
        entry.subjects = assign_subjects(entry, self.resolver.authority)
        return entry

    # -- title grammar ---------------------------------------------------------------------

    def _title_people(self, entry: Entry, ctx: DocContext) -> None:
        for role_list, target in ((entry.title.authors, entry.authors),
                                  (entry.title.recipients, entry.recipients),
                                  (entry.title.intermediaries, entry.intermediaries),
                                  (entry.title.participants, entry.participants)):
            for ref in role_list:
                # correspondents and participants were alive and about at the date
                for entity in self._name_refs(entry, ref, ctx.as_party()):
                    if entity.key not in {e.key for e in target}:
                        target.append(entity)

    def _name_refs(self, entry: Entry, ref: NameRef, ctx: DocContext) -> list[Entity]:
        """The entities a name reference denotes: "CC CPSU G.M. Malenkov" is a body and a
        person; a place ("from Baku") is nobody."""
        member = _PERSON_OF_BODY.match(ref.name)
        if member and _looks_like_personal_name(member.group("person")) and not \
                _ORG_HINT.search(member.group("person")) and not split_role(
                    member.group("person"), self.resolver, require_modifiers_known=False):
            # "Comrade Durcak of the Czech Embassy in the DPRK": a person and their body
            return self._parts(entry, ref, member, ("person", "body"), ctx)
        both = _BODY_THEN_PERSON.match(ref.name)
        if both and not split_role(ref.name, self.resolver, require_modifiers_known=False):
            return self._parts(entry, ref, both, ("body", "person"), ctx)
        entity = self._name_ref(entry, ref, ctx)
        return [entity] if entity is not None else []

    def _parts(self, entry: Entry, ref: NameRef, match: re.Match, groups: tuple[str, ...],
               ctx: DocContext) -> list[Entity]:
        """The entities of the named parts of one reference, in order."""
        out = []
        for part in groups:
            sub = NameRef(written=ref.written, name=match.group(part), start=ref.start,
                          end=ref.end)
            entity = self._name_ref(entry, sub, ctx)
            if entity is not None:
                out.append(entity)
        return out

    def _name_ref(self, entry: Entry, ref: NameRef, ctx: DocContext) -> Entity | None:
        r = self.resolver
        if ref.pseudonym and r.kind_of(ref.name) == "place":
            # "Conant (Bonn)": the bracket says where the writer was
            ref = NameRef(written=ref.written, name=ref.pseudonym, start=ref.start, end=ref.end)
        phrase = ref.name
        role = split_role(phrase, r, require_modifiers_known=False)
        if role and role.name:
            phrase = role.name
        elif role and not role.name:
            return None  # a bare role ("Soviet Ambassador"): nobody named
        kind: EntityKind | None = None
        canonical = None
        if _ORG_HINT.search(phrase) or r.kind_of(phrase) == "organization" or _GROUP.search(phrase):
            kind = "organization"
            if r.kind_of(phrase) != "organization":
                phrase = trim_body(phrase, r)
                if not _ORG_HINT.search(phrase) and r.kind_of(phrase) == "place":
                    return None  # "the Delegation of the Popular Republic of Mongolia"
            canonical = canonical_body(phrase, r)
            if _GROUP.search(phrase) and _exactly(r.resolve(phrase, "organization")) is None:
                return None  # "the Commanders and Soldiers", "Others": nobody in particular
        elif r.kind_of(phrase) == "place":
            return None
        real = None
        if canonical:
            real = _exactly(r.resolve(canonical, "organization"))
            if real is None:
                # a canonical name the authority lacks is its own body: "Ministry of Foreign
                # Affairs of Albania" is never Japan's by a near spelling
                entity = r.unresolved(canonical, "organization")
                self._link_title(entry, phrase, ref, entity, 0.5, "unresolved", ())
                return entity
        elif kind == "organization" and _GENERIC_BODY.match(phrase):
            # "the Foreign Ministry": the sender's own, when the title says whose the sender is
            country = self._sender_country(entry)
            canonical = canonical_body(f"{country} {phrase}", r) if country else None
            real = _exactly(r.resolve(canonical, "organization")) if canonical else None
            if real is None:
                entity = r.unresolved(canonical or _GENERIC_BODY.match(phrase).group("body"),
                                      "organization")
                self._link_title(entry, phrase, ref, entity, 0.5, "unresolved", ())
                return entity
        if real is None:
            real = r.resolve(phrase, kind, ctx, allow_pseudonym=ref.pseudonym is None)
            if kind == "organization":
                real = _exactly(real)  # "Romanian Workers Party" is not the RCP by spelling
        if real is not None and real.entity.kind == "place":
            return None  # "Telegram from Pyongyang to Bucharest": places send nothing
        alias_text = ref.pseudonym
        if ref.pseudonym:
            # "Stalin [Kuznetsov]": the bracket may hold the pseudonym rather than the real name
            other = r.resolve(ref.pseudonym, "person", ctx, allow_pseudonym=False)
            if real and r.pseudonym_of(ref.pseudonym, real.entity.key):
                pass
            elif other and r.pseudonym_of(phrase, other.entity.key):
                real, alias_text = other, phrase
            elif real is None:
                real = r.resolve(ref.pseudonym, "person", ctx)
        if real is not None:
            entity = real.entity
            method, score, feats = real.method, real.score, real.features
        else:
            if kind is None and not _looks_like_personal_name(phrase):
                return None
            entity = r.unresolved(canonical or phrase, kind or "person")
            method, score, feats = "unresolved", 0.5, ()
        self._link_title(entry, phrase, ref, entity, score, method, feats)
        if alias_text and entity.kind == "person":
            entry.aliases.append((alias_text, entity))
        if role and role.name and entity.kind == "person":
            self._add_role(entry, self._role(role, entity, role.label, "title-grammar"))
        if ref.post and entity.kind == "person":
            apposed = split_role(ref.post + " X", r, require_modifiers_known=False)
            if apposed is not None:
                self._add_role(entry, self._role(apposed, entity, apposed.label,
                                                 "title-grammar"))
        if entity.resolved:
            e = r.authority.get(entity.key)
            if e:
                ctx.add(e)
        return entity

    def _sender_country(self, entry: Entry) -> str | None:
        """The country a title's first author speaks for ("the Albanian Ambassador in Iraq
        Ulvi Lulo", "Polish Embassy in Havana"), as written."""
        for ref in entry.title.authors[:1]:
            for word in re.findall(r"[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?", ref.written):
                first = word.split()[0]
                if self.resolver.demonym(word) or self.resolver.demonym(first):
                    return word if self.resolver.demonym(word) else first
        return None

    def _link_title(self, entry: Entry, phrase: str, ref: NameRef, entity: Entity,
                    score: float, method: str, feats) -> None:
        start = ref.start + max(0, ref.written.find(phrase))
        mention = Mention(text=phrase, kind=entity.kind, field="title", start=start,
                          end=start + len(phrase), method="title-grammar",
                          confidence=CONFIDENCE["title-grammar"])
        entry.links.append(Link(mention, entity, score, method, feats))

    @staticmethod
    def _add_role(entry: Entry, claim: RoleClaim) -> None:
        """One claim per person and post head: the most informative wording wins."""
        for i, c in enumerate(entry.roles):
            if c.person.key == claim.person.key and c.head == claim.head:
                if len(claim.label) > len(c.label):
                    entry.roles[i] = claim
                return
        entry.roles.append(claim)

    def _role(self, role, person: Entity, text: str, method: str) -> RoleClaim:
        r = self.resolver
        org = place = None
        place_text = ""
        for mod in role.modifiers:
            key = r.demonym(mod)
            res = r.resolve(mod, None) if not key else None
            if key:
                org = r.entity(key)
            elif res:
                org = res.entity
        for comp in role.complements:
            res = r.resolve(comp)
            if res and res.entity.kind == "place":
                if org is None and role.head not in ("ambassador", "envoy", "consul"):
                    org = res.entity
                else:
                    place, place_text = res.entity, comp
            elif res:
                org = res.entity
        return RoleClaim(person=person, label=role.label, head=role.head, organization=org,
                         place=place, place_text=place_text, text=text, method=method,
                         confidence=0.9 if method == "title-grammar" else CONFIDENCE["role"])

    # -- NER mentions ----------------------------------------------------------------------

    def _mentions(self, entry: Entry, doc: Doc, field_name: str, ctx: DocContext,
                  offset: int = 0) -> None:
        """Mentions of one field; `offset` is where `doc` starts in the field's text (a chunk
        of a long full text)."""
        text = doc.text  # built from the tokens on each access: once per document
        if not text:
            return
        r = self.resolver
        # a place named inside a body's name ("Embassy of Hungary in Romania") is a place the
        # title names; inside a person's phrase it is the post's, found with the role
        title_spans = [(lk.mention.start, lk.mention.end, lk.entity.kind) for lk in entry.links
                       if lk.mention.field == "title"] if field_name == "title" else []
        title_refs = [(ref.start, ref.end) for refs in (entry.title.authors, entry.title.recipients,
                      entry.title.intermediaries, entry.title.participants) for ref in refs
                      ] if field_name == "title" else []
        person_at: dict[tuple[int, int], Entity] = {}
        pending = []
        for ent in [*doc.ents, *doc.spans.get("kg_places_in_bodies", [])]:
            kind = KIND_OF_LABEL.get(ent.label_)
            if kind is None:
                continue
            if any(s < ent.end_char and ent.start_char < e for s, e, _ in title_spans) or any(
                    s < ent.end_char and ent.start_char < e for s, e in title_refs):
                if kind == "person" or any(
                        s <= ent.start_char and ent.end_char <= e and (
                            k == kind or k == "person" or kind != "place")
                        for s, e, k in title_spans) or any(
                        s < ent.end_char and ent.start_char < e and k == kind == "organization"
                        for s, e, k in title_spans):
                    continue  # the grammar's body already names it (under its canonical name)
            pending.append((ent, kind))
        # full names first, so that surnames can resolve against them in this document
        pending.sort(key=lambda p: (len(p[0].text.split()) < 2, p[0].start))
        for ent, kind in pending:
            method = "ruler" if ent.ent_id_ else "ner"
            if ent.ent_id_:
                res = None
                entity = r.entity(ent.ent_id_) if ent.ent_id_ in r.authority.entries else None
                score, how, feats = 1.0, "authority", (("name_similarity", 1.0),)
                if entity is not None and entity.kind == "person" and len(ent.text.split()) == 1:
                    # a lone surname from the ruler still defers to this document's people
                    res = r.resolve(ent.text, "person", ctx)
                    if res:
                        entity, score, how, feats = res.entity, res.score, res.method, res.features
                    else:
                        entity = None  # the date or the document's people say otherwise
                if entity is not None and how == "authority" and r.pseudonym_of(ent.text,
                                                                                entity.key):
                    how = "pseudonym"
            else:
                entity = None
            label = ent.text
            if entity is None and kind == "organization":
                # bodies under their canonical names ("Polish Embassy in Havana" -> "Embassy
                # of Poland in Cuba", "CC of the CP of Azerbaijan" spelt out)
                trimmed = trim_body(ent.text, r)
                label = canonical_body(trimmed, r) or trimmed
                res = _exactly(r.resolve(label, "organization"))
                if res is None and label != ent.text:
                    res = _exactly(r.resolve(ent.text, "organization"))
                if res:
                    entity, score, how, feats = res.entity, res.score, res.method, res.features
            if entity is None:
                res = r.resolve(ent.text, kind, ctx) if label == ent.text else None
                if res is None and kind != "person" and label == ent.text:
                    res = r.resolve(ent.text, None, ctx)
                if res:
                    entity, score, how, feats = res.entity, res.score, res.method, res.features
                elif self._plausible(ent.text, kind, text[max(0, ent.start_char - 80):
                                                              ent.start_char]) and not (
                        len(ent.text.split()) == 1 and _sentence_initial(text, ent.start_char)):
                    entity = r.unresolved(label, kind)
                    score, how, feats = 0.5, "unresolved", ()
                else:
                    continue
            mention = Mention(text=ent.text, kind=entity.kind, field=field_name,
                              start=offset + ent.start_char, end=offset + ent.end_char,
                              method=method,
                              confidence=CONFIDENCE[method])
            entry.links.append(Link(mention, entity, score, how, feats))
            if how == "pseudonym" and not any(w == ent.text and e.key == entity.key
                                              for w, e in entry.aliases):
                entry.aliases.append((ent.text, entity))
            if entity.kind == "person":
                person_at[(ent.start_char, ent.end_char)] = entity
            if entity.resolved and r.authority.get(entity.key):
                ctx.add(r.authority.entries[entity.key])
        for span in doc.spans.get("kg_implied_places", []):
            entity = r.entity(span.kb_id_)
            mention = Mention(text=span.text, kind="place", field=field_name,
                              start=offset + span.start_char, end=offset + span.end_char,
                              method="demonym",
                              confidence=CONFIDENCE["demonym"], implied=True)
            entry.links.append(Link(mention, entity, 0.5, "demonym", ()))
        for span in doc.spans.get("kg_roles", []):
            label, ps, pe = span._.kg_role
            person = person_at.get((ps, pe))
            if person is None or field_name == "full_text":
                continue
            parse = split_role(label + " X", r, require_modifiers_known=False)
            if parse is None:
                continue
            self._add_role(entry, self._role(parse, person, label, "role-pattern"))
        if field_name == "title":
            self._implied_from_roles(entry)

    def _implied_from_roles(self, entry: Entry) -> None:
        """A country inside a role ("Ambassador to China") is a place the entry names."""
        title = entry.record.title
        for claim in entry.roles:
            if claim.place is None or not claim.place_text:
                continue
            at = title.find(claim.text)
            start = title.find(claim.place_text, max(at, 0))
            if start < 0:
                continue
            m = Mention(text=claim.place_text, kind="place", field="title", start=start,
                        end=start + len(claim.place_text), method="role",
                        confidence=CONFIDENCE["role"])
            entry.links.append(Link(m, claim.place, 0.9, "role", ()))

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
            return bool(_ORG_HINT.search(text)) or text.isupper() and 2 <= len(text) <= 6
        if kind == "place" and (re.fullmatch(r"[A-Z][a-z]+(?:ing|ed)", text)
                                or re.search(r"\b(?:of|the|and)$|\b[A-Z][a-z]+ed$", text)
                                or re.match(r"^(?:State|City|Province)\s+of\b", text)
                                or len(text.strip(".")) <= 1 or _ORG_HINT.search(text)):
            # "Conveying", "City of", "Banquet Hosted", "T.", "Romanian Embassy": no place
            return False
        if kind == "person":
            return len(text) > 2 and not text.isupper()
        return True

    # -- curated metadata ------------------------------------------------------------------

    def _curated(self, entry: Entry, ctx: DocContext) -> None:
        r = self.resolver
        cur = entry.record.curated
        for list_name in ("authors", "people_orgs", "places"):
            for written in cur.get(list_name, []):
                parsed = parse_catalogue_name(written)
                kind: EntityKind | None = "place" if list_name == "places" else parsed.kind_hint
                res = None
                forms = list(parsed.forms) + ([parsed.alternative] if parsed.alternative else [])
                for form in [written, *forms]:
                    res = r.resolve(form, kind)
                    if res:
                        break
                if res:
                    entity = res.entity
                else:
                    label = parsed.forms[0] if parsed.forms else written
                    entity = r.unresolved(label, kind or _guess_kind(written))
                entry.curated.append((list_name, entity))
        entry.curated_subjects = list(cur.get("subjects", []))


_PARTICLES = NAME_PARTICLES


def _exactly(res):
    """A resolution by name or variant, not by a near spelling."""
    return res if res is not None and res.method in ("exact", "alias", "romanisation",
                                                       "native-name") else None


def _looks_like_personal_name(phrase: str) -> bool:
    """An unknown name from a title is kept as a person only if it is shaped like one."""
    words = phrase.replace("'s", "").split()
    if not 1 <= len(words) <= 5 or _NOT_A_NAME.search(phrase):
        return False
    return all(w[:1].isupper() or w.lower() in _PARTICLES for w in words)


def _sentence_initial(text: str, start: int) -> bool:
    """Capitalised for grammar, not as a name: the model often tags such a first word."""
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;\n"


def _guess_kind(written: str) -> EntityKind:
    return "organization" if _ORG_HINT.search(written) or "." in written.rstrip(".") else "person"
