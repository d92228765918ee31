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

import pyoxigraph as ox

from kg.rdf.namespace import KG, PREFIXES, RDF, RDFS, XSD

# Two documents naming the same unresolved name are two independent guesses agreeing.
MIN_DOCUMENTS = 2
_CLASSES = {"person": KG.Person, "place": KG.Place, "organization": KG.Organization}


def candidates(store) -> dict[str, tuple[set[str], set[str]]]:
    """Entity IRI -> (documents, candidate names) over every candidate mention."""
    rows = store.query(
        "SELECT ?e ?doc ?name WHERE { GRAPH ?g { ?m a kg:CandidateMention ; kg:mentionOf ?e ;"
        " kg:inDocument ?doc ; kg:candidateName ?name } }", prefixes=PREFIXES)
    out: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for e, doc, name in rows:
        docs, names = out[e.value]
        docs.add(doc.value)
        names.add(name.value)
    return dict(out)


def candidate_quads(store, iris, g: ox.NamedNode) -> list[ox.Quad]:
    """The corroborated candidates' documents and, where no other graph describes them,
    their description, for the summary graph `g`."""
    out: list[ox.Quad] = []
    for iri, (docs, names) in sorted(candidates(store).items()):
        node = ox.NamedNode(iri)
        kind = (iris.prefix_of(node) or "").split("/", 1)[0]
        if kind not in _CLASSES:
            continue
        described = any(q.graph_name != g for q in store.quads_for_pattern(node, RDF.type, None,
                                                                              None))
        if not described and len(docs) < MIN_DOCUMENTS:
            continue
        for doc in sorted(docs):
            out.append(ox.Quad(ox.NamedNode(doc), KG.mentionsInText, node, g))
        if not described:
            out += [ox.Quad(node, RDF.type, _CLASSES[kind], g),
                    ox.Quad(node, RDFS.label, ox.Literal(sorted(names)[0]), g),
                    ox.Quad(node, KG.resolved, ox.Literal("false", datatype=XSD.boolean), g),
                    ox.Quad(node, KG.documentCount,
                            ox.Literal(str(len(docs)), datatype=XSD.integer), g)]
    return out
