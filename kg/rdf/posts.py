"""Roles in time: the posts people held, merged across documents from their attestations.

Each document graph states what the document says (a kg:RoleAttestation: holder, head word,
the body and place read from the wording, the wording itself, the document and its date). A
document is mapped on its own, so the merge across documents is done here, where the summary
graph is computed: one kg:Role per person and post, keyed by the person, the head word and the
body and place the post belongs to, with every wording as a label, the tenure as the first and
last attested date, the number of documents as its evidence count, and its attestations.

A wording that leaves the body or the place out ("Soviet Ambassador", "Ambassador of the USSR
in China") joins the one post of that person and head word it is compatible with ("Soviet
Ambassador to China"); when two posts would fit, it stays a post of its own rather than be
guessed into one. The wording-keyed role IRIs of ontology 1.1 stay, as owl:sameAs the post.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from kg.core.text import fold
from kg.rdf.namespace import KG, OWL, PREFIXES, RDF, RDFS, SKOS, XSD

_Key = tuple[str | None, str | None]  # (organisation or state IRI, place IRI)


@dataclass(frozen=True)
class Attestation:
    """One document's statement that a person held a post."""

    node: str
    holder: str
    head: str
    label: str
    organization: str | None
    place: str | None
    document: str
    earliest: str | None
    latest: str | None

    @property
    def key(self) -> _Key:
        return (self.organization, self.place)


@dataclass
class Post:
    """A post of one person, merged from its attestations."""

    holder: str
    head: str
    key: _Key
    attestations: list[Attestation]

    @property
    def labels(self) -> list[str]:
        """Wordings, the preferred first: the most frequent, then one that names both the
        body and the place of the post, then in alphabetical order."""
        counts = Counter(a.label for a in self.attestations)
        full = {a.label for a in self.attestations if a.key == self.key}
        return sorted(counts, key=lambda w: (-counts[w], w not in full, w))

    @property
    def documents(self) -> set[str]:
        return {a.document for a in self.attestations}


def attestations(store) -> list[Attestation]:
    """Every role attestation of every document graph (one row each)."""
    rows = store.query(
        "SELECT ?a ?holder ?label ?doc ?head ?org ?place ?earliest ?latest WHERE { GRAPH ?g {"
        " ?a a kg:RoleAttestation ; kg:holder ?holder ; rdfs:label ?label ;"
        " kg:attestedBy ?doc ."
        " OPTIONAL { ?a kg:roleHead ?head } OPTIONAL { ?a kg:postIn ?org }"
        " OPTIONAL { ?a kg:roleTo ?place } OPTIONAL { ?a kg:earliestDate ?earliest }"
        " OPTIONAL { ?a kg:latestDate ?latest } } }", prefixes=PREFIXES)

    def value(term) -> str | None:
        return term.value if term is not None else None

    out = {Attestation(a.value, holder.value, value(head) or fold(label.value), label.value,
                       value(org), value(place), doc.value, value(earliest), value(latest))
           for a, holder, label, doc, head, org, place, earliest, latest in rows}
    return sorted(out, key=lambda a: (a.holder, a.head, a.node))


def _fits(narrow: _Key, wide: _Key) -> bool:
    """Whether a wording's (body, place) is the same as, or less specific than, another's."""
    return all(n is None or n == w for n, w in zip(narrow, wide, strict=True))


def merge(items: list[Attestation]) -> list[Post]:
    """Posts from attestations: per person and head word, each wording's (body, place) joins
    the one most specific key it fits; with none or several to choose from, its own."""
    groups: dict[tuple[str, str], list[Attestation]] = defaultdict(list)
    for a in items:
        groups[(a.holder, a.head)].append(a)
    posts: list[Post] = []
    for (holder, head), group in sorted(groups.items()):
        keys = {a.key for a in group}
        widest = {k for k in keys if not any(o != k and _fits(k, o) for o in keys)}
        by_key: dict[_Key, list[Attestation]] = defaultdict(list)
        for a in group:
            fits = [k for k in widest if _fits(a.key, k)]
            by_key[fits[0] if len(fits) == 1 else a.key].append(a)
        posts.extend(Post(holder, head, key, atts) for key, atts in sorted(
            by_key.items(), key=lambda kv: tuple(x or "" for x in kv[0])))
    return posts


def post_quads(store, iris, g: ox.NamedNode) -> list[ox.Quad]:
    """The merged posts (kg:Role, kg:sourceKind "attested") for the summary graph `g`, the old
    wording-keyed role IRIs as owl:sameAs them, and kg:matchesPost to the authority's posts."""
    out: list[ox.Quad] = []

    def add(s, p, o) -> None:
        out.append(ox.Quad(s, p, o, g))

    known = _authority_posts(store)
    for post in merge(attestations(store)):
        person_key = _key(iris, post.holder)
        org, place = post.key
        node = iris.post(person_key, post.head, _key(iris, org), _key(iris, place))
        labels = post.labels
        add(node, RDF.type, KG.Role)
        add(node, RDFS.label, ox.Literal(labels[0]))
        for wording in labels[1:]:
            add(node, SKOS.altLabel, ox.Literal(wording))
        add(node, KG.roleHead, ox.Literal(post.head))
        add(node, KG.holder, ox.NamedNode(post.holder))
        add(node, KG.sourceKind, ox.Literal("attested"))
        if org:
            add(node, KG.postIn, ox.NamedNode(org))
        if place:
            add(node, KG.roleTo, ox.NamedNode(place))
        add(node, KG.documentCount, ox.Literal(str(len(post.documents)), datatype=XSD.integer))
        firsts = [a.earliest for a in post.attestations if a.earliest]
        lasts = [a.latest for a in post.attestations if a.latest]
        if firsts:
            add(node, KG.firstDate, ox.Literal(min(firsts), datatype=XSD.date))
        if lasts:
            add(node, KG.lastDate, ox.Literal(max(lasts), datatype=XSD.date))
        for a in post.attestations:
            add(node, KG.attestation, ox.NamedNode(a.node))
        for wording in labels:
            # the role IRI of ontology 1.1 (one per person and wording) keeps dereferencing
            add(iris.role(person_key, wording), OWL.sameAs, node)
        for other in known.get(post.holder, []):
            if _matches(post, other):
                add(node, KG.matchesPost, ox.NamedNode(other[0]))
    return list(dict.fromkeys(out))


def _key(iris, iri: str | None) -> str | None:
    """The key of one of our entity IRIs (the tail of .../person/key)."""
    if iri is None:
        return None
    return (iris.prefix_of(ox.NamedNode(iri)) or iri).rsplit("/", 1)[-1]


def _authority_posts(store) -> dict[str, list[tuple[str, str, str | None]]]:
    """Holder -> (post IRI, label, body or place) of the posts the authority file knows."""
    rows = store.query(
        "SELECT ?post ?holder ?label ?where WHERE { GRAPH ?g {"
        " ?post a kg:Role ; kg:sourceKind \"authority\" ; kg:holder ?holder ; rdfs:label ?label"
        " OPTIONAL { ?post kg:postIn ?where } } }", prefixes=PREFIXES)
    out: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    for post, holder, label, where in rows:
        out[holder.value].append((post.value, label.value, where.value if where else None))
    return out


def _matches(post: Post, known: tuple[str, str, str | None]) -> bool:
    """An attested post is one the authority knows when it belongs to the same body or place
    and the authority's label has its head word ("ambassador" in "Soviet Ambassador to
    Hungary")."""
    _, label, where = known
    return where is not None and where in post.key and fold(post.head) in fold(label).split()
