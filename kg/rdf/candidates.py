"""Names only the statistical model found in a full text: when they become entities.

The mapping keeps such a mention (kg:CandidateMention, with its text, confidence and method)
but describes no entity for it: one model guess in a long text is not worth a page. Whether
the name is corroborated is a store-wide question, so it is answered here, where the summary
graph is computed:

- another graph already describes the entity (a title, a summary, a curator's list or a
  promote correction named it, or another method found it): the documents of its candidate
  mentions are linked to it (kg:mentionsInText), nothing more;
- at least `MIN_DOCUMENTS` documents name it so: the summary graph describes it as an
  unresolved name (type, one label, kg:resolved false, kg:documentCount) and links those
  documents to it;
- otherwise nothing: the mentions stay, the name has no entity, page or list entry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.rdf.namespace import KG, PREFIXES, RDF, RDFS, XSD

# Two documents naming the same unresolved name are two independent guesses agreeing.
MIN_DOCUMENTS = 2
_CLASSES = {"person": KG.Person, "place": KG.Place, "organization": KG.Organization}


@dataclass
class Candidate:
    """One name's candidate mentions: the documents, the graphs naming it in each, and the
    names the mentions would give it."""

    documents: set[str] = field(default_factory=set)
    graphs: set[tuple[str, str]] = field(default_factory=set)  # (graph, document)
    names: set[str] = field(default_factory=set)


def candidates(store) -> dict[str, Candidate]:
    """Entity IRI -> its candidate mentions, over every document graph."""
    rows = store.query(
        "SELECT ?e ?g ?doc ?name WHERE { GRAPH ?g { ?m a kg:CandidateMention ; kg:mentionOf ?e ;"
        " kg:inDocument ?doc ; kg:candidateName ?name } }", prefixes=PREFIXES)
    out: dict[str, Candidate] = defaultdict(Candidate)
    for e, g, doc, name in rows:
        c = out[e.value]
        c.documents.add(doc.value)
        c.graphs.add((g.value, doc.value))
        c.names.add(name.value)
    return dict(out)


@dataclass
class Corroborated:
    """What the summary graph says about candidates, and, for the co-mention count, which
    graph names each corroborated one in which document."""

    quads: list[ox.Quad]
    named_in: dict[tuple[str, str], set[str]]  # (graph, document) -> entity IRIs


def corroborated(store, iris, g: ox.NamedNode) -> Corroborated:
    """The corroborated candidates' documents and, where no other graph describes them,
    their description, for the summary graph `g`."""
    out: list[ox.Quad] = []
    named_in: dict[tuple[str, str], set[str]] = defaultdict(set)
    for iri, c in sorted(candidates(store).items()):
        node = ox.NamedNode(iri)
        kind = (iris.prefix_of(node) or "").split("/", 1)[0]
        if kind not in _CLASSES:
            continue
        described = any(q.graph_name != g for q in store.quads_for_pattern(node, RDF.type, None,
                                                                              None))
        if not described and len(c.documents) < MIN_DOCUMENTS:
            continue
        for doc in sorted(c.documents):
            out.append(ox.Quad(ox.NamedNode(doc), KG.mentionsInText, node, g))
        for pair in c.graphs:
            named_in[pair].add(iri)
        if not described:
            out += [ox.Quad(node, RDF.type, _CLASSES[kind], g),
                    ox.Quad(node, RDFS.label, ox.Literal(sorted(c.names)[0]), g),
                    ox.Quad(node, KG.resolved, ox.Literal("false", datatype=XSD.boolean), g),
                    ox.Quad(node, KG.documentCount,
                            ox.Literal(str(len(c.documents)), datatype=XSD.integer), g)]
    return Corroborated(out, dict(named_in))
