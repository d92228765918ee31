"""Resolution, the stage from `Extracted` to `Entry`: who or what each span is.

`resolve_entry(extracted, resolver)` decides the identity of every name extraction found, with
the whole document in view: its date (nobody unborn, no dead author), the people it has already
named (a bare surname is one of them), the title grammar's reading (a span inside a name the
title gives is that name). It also resolves the curators' lists, the bodies and places of the
posts, and assigns subject headings.

`Extractor` is the façade of both stages (records in, entries out), as callers have used it:
`SpanExtractor.extract` (kg.extract.pipeline) then `resolve_entry`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from spacy.tokens import Doc

from kg.core.gazetteer import exactly
from kg.core.model import Entity, EntityKind, Entry, Link, Mention, Record, RoleClaim
from kg.extract.extracted import CONFIDENCE, Extracted, FieldSpans, TitleName
from kg.extract.pipeline import ORG_HINT, SpanExtractor
from kg.extract.roles import RoleParse
from kg.resolve.resolver import DocContext, Resolver
from kg.resolve.subjects import assign_subjects
from kg.sources.catalogue_names import parse_catalogue_name

__all__ = ["Extractor", "resolve_entry"]


def resolve_entry(extracted: Extracted, resolver: Resolver) -> Entry:
    """The entry for one extracted record: its names resolved (or kept unresolved under their
    slugs), its posts, curated lists and subject headings. Reads nothing but its arguments
    (the resolver's lookups are memoised, never changed by a document)."""
    x = extracted
    entry = Entry(record=x.record, date=x.date, title=x.title, flags=list(x.flags))
    doc = _Document(entry, resolver, DocContext(date=x.date))
    for name in x.names:
        target = getattr(entry, name.slot)
        # correspondents and participants were alive and about at the date
        entity = doc.title_name(name, doc.ctx.as_party())
        if entity is not None and entity.key not in {e.key for e in target}:
            target.append(entity)
    for spans in x.fields:
        doc.mentions(spans)
    doc.curated()
    entry.topics = list(x.topics)
    entry.subjects = assign_subjects(entry, resolver.authority)
    return entry


class _Document:
    """One entry being resolved: the entry so far, the resolver and what the document has told."""

    def __init__(self, entry: Entry, resolver: Resolver, ctx: DocContext):
        self.entry = entry
        self.r = resolver
        self.ctx = ctx

    # -- title grammar ---------------------------------------------------------------------

    def title_name(self, name: TitleName, ctx: DocContext) -> Entity | None:
        r, entry, ref = self.r, self.entry, name.ref
        phrase, kind, canonical = name.phrase, name.kind, name.canonical
        real = None
        if name.unresolved_as is not None:
            # a body under its canonical name: that name or nobody, never a near spelling
            real = exactly(r.resolve(canonical, "organization")) if canonical else None
            if real is None:
                entity = r.unresolved(name.unresolved_as, "organization")
                self._link_title(name, entity, 0.5, "unresolved", ())
                return entity
        if real is None:
            real = r.resolve(phrase, kind, ctx, allow_pseudonym=ref.pseudonym is None)
            if kind == "organization":
                real = exactly(real)  # "Romanian Workers Party" is not the RCP by spelling
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
            if kind is None and not name.person_shaped:
                return None
            entity = r.unresolved(canonical or phrase, kind or "person")
            method, score, feats = "unresolved", 0.5, ()
        self._link_title(name, entity, score, method, feats)
        if alias_text and entity.kind == "person":
            entry.aliases.append((alias_text, entity))
        if entity.kind == "person":
            for role in (name.role, name.post):
                if role is not None:
                    self._add_role(self._role(role, entity, role.label, "title-grammar"))
        if entity.resolved:
            e = r.authority.get(entity.key)
            if e:
                ctx.add(e)
        return entity

    def _link_title(self, name: TitleName, entity: Entity, score: float, method: str,
                    feats) -> None:
        mention = Mention(text=name.phrase, kind=entity.kind, field="title", start=name.start,
                          end=name.end, method="title-grammar",
                          confidence=CONFIDENCE["title-grammar"])
        self.entry.links.append(Link(mention, entity, score, method, feats))

    def _add_role(self, claim: RoleClaim) -> None:
        """One claim per person and post head: the most informative wording wins."""
        roles = self.entry.roles
        for i, c in enumerate(roles):
            if c.person.key == claim.person.key and c.head == claim.head:
                if len(claim.label) > len(c.label):
                    roles[i] = claim
                return
        roles.append(claim)

    def _role(self, role: RoleParse, person: Entity, text: str, method: str) -> RoleClaim:
        """The post's body or country ("Soviet") and place ("to China"), resolved."""
        r = self.r
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

    # -- spans -----------------------------------------------------------------------------

    def mentions(self, fs: FieldSpans) -> None:
        """The links of one parsed text's spans, its implied places and its posts."""
        r, entry, ctx, offset = self.r, self.entry, self.ctx, fs.offset
        # a place named inside a body's name ("Embassy of Hungary in Romania") is a place the
        # title names; inside a person's phrase it is the post's, found with the role
        title_spans = [(lk.mention.start, lk.mention.end, lk.entity.kind) for lk in entry.links
                       if lk.mention.field == "title"] if fs.field == "title" else []
        title_refs = [(ref.start, ref.end) for refs in (entry.title.authors, entry.title.recipients,
                      entry.title.intermediaries, entry.title.participants) for ref in refs
                      ] if fs.field == "title" else []
        person_at: dict[tuple[int, int], Entity] = {}
        pending = []
        for sp in fs.spans:
            kind = sp.kind
            if any(s < sp.end and sp.start < e for s, e, _ in title_spans) or any(
                    s < sp.end and sp.start < e for s, e in title_refs):
                if kind == "person" or any(
                        s <= sp.start and sp.end <= e and (
                            k == kind or k == "person" or kind != "place")
                        for s, e, k in title_spans) or any(
                        s < sp.end and sp.start < e and k == kind == "organization"
                        for s, e, k in title_spans):
                    continue  # the grammar's body already names it (under its canonical name)
            pending.append(sp)
        # full names first, so that surnames can resolve against them in this document
        pending.sort(key=lambda sp: (len(sp.text.split()) < 2, sp.start))
        for sp in pending:
            kind = sp.kind
            entity: Entity | None = None
            if sp.authority_key:
                res = None
                entity = r.entity(sp.authority_key) if sp.authority_key in r.authority.entries \
                    else None
                score, how, feats = 1.0, "authority", (("name_similarity", 1.0),)
                if entity is not None and entity.kind == "person" and len(sp.text.split()) == 1:
                    # a lone surname from the ruler still defers to this document's people
                    res = r.resolve(sp.text, "person", ctx)
                    if res:
                        entity, score, how, feats = res.entity, res.score, res.method, res.features
                    else:
                        entity = None  # the date or the document's people say otherwise
                if entity is not None and how == "authority" and r.pseudonym_of(sp.text,
                                                                                entity.key):
                    how = "pseudonym"
            label = sp.text
            if entity is None and kind == "organization":
                label = sp.label
                res = exactly(r.resolve(label, "organization"))
                if res is None and label != sp.text:
                    res = exactly(r.resolve(sp.text, "organization"))
                if res:
                    entity, score, how, feats = res.entity, res.score, res.method, res.features
            if entity is None:
                res = r.resolve(sp.text, kind, ctx) if label == sp.text else None
                if res is None and kind != "person" and label == sp.text:
                    res = r.resolve(sp.text, None, ctx)
                if res:
                    entity, score, how, feats = res.entity, res.score, res.method, res.features
                elif sp.keep_unresolved:
                    entity = r.unresolved(label, kind)
                    score, how, feats = 0.5, "unresolved", ()
                else:
                    continue
            mention = Mention(text=sp.text, kind=entity.kind, field=fs.field,
                              start=offset + sp.start, end=offset + sp.end, method=sp.method,
                              confidence=CONFIDENCE[sp.method])
            entry.links.append(Link(mention, entity, score, how, feats))
            if how == "pseudonym" and not any(w == sp.text and e.key == entity.key
                                              for w, e in entry.aliases):
                entry.aliases.append((sp.text, entity))
            if entity.kind == "person":
                person_at[(sp.start, sp.end)] = entity
            if entity.resolved and r.authority.get(entity.key):
                ctx.add(r.authority.entries[entity.key])
        for implied in fs.implied:
            mention = Mention(text=implied.text, kind="place", field=fs.field,
                              start=offset + implied.start, end=offset + implied.end,
                              method="demonym", confidence=CONFIDENCE["demonym"], implied=True)
            entry.links.append(Link(mention, r.entity(implied.key), 0.5, "demonym", ()))
        for found in fs.roles:
            person = person_at.get((found.person_start, found.person_end))
            if person is None or fs.field == "full_text":
                continue
            self._add_role(self._role(found.parse, person, found.label, "role-pattern"))
        if fs.field == "title":
            self._implied_from_roles()

    def _implied_from_roles(self) -> None:
        """A country inside a role ("Ambassador to China") is a place the entry names."""
        entry = self.entry
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

    # -- curated metadata ------------------------------------------------------------------

    def curated(self) -> None:
        """The curators' lists, each name resolved on its own (they carry no document text)."""
        r, entry = self.r, self.entry
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


def _guess_kind(written: str) -> EntityKind:
    return "organization" if ORG_HINT.search(written) or "." in written.rstrip(".") else "person"


class Extractor:
    """Extract, then resolve: records in, entries out. Build once (loading the model costs a
    second or two); the two stages are `SpanExtractor` and `resolve_entry`."""

    def __init__(self, model: str | None = None, data_dir: Path | None = None,
                 full_text: bool = True, batch_size: int = 64):
        self.stage = SpanExtractor(model=model, data_dir=data_dir, full_text=full_text,
                                   batch_size=batch_size)
        gazetteer = self.stage.gazetteer
        self.resolver = Resolver(gazetteer.authority, gazetteer=gazetteer)
        self.nlp = self.stage.nlp
        self.info = self.stage.info
        self.data_dir = self.stage.data_dir
        self.full_text = full_text
        self.batch_size = batch_size

    def extract(self, records: Iterable[Record]) -> Iterator[Entry]:
        for extracted in self.stage.extract(records):
            yield resolve_entry(extracted, self.resolver)

    def interpret(self, record: Record, title_doc: Doc, summary_doc: Doc,
                  text_docs: Sequence[tuple[int, Doc]] = ()) -> Entry:
        return resolve_entry(self.stage.interpret(record, title_doc, summary_doc, text_docs),
                             self.resolver)
