"""The summary graph: whole-graph aggregates materialised at ingest.

Who is named together with whom, who wrote to whom, how many documents each topic and each
(type, year) has: answered at query time, each of these is a pass over every document, and
grows with the store. They are computed here once per ingest that changes the store, from the
store itself (the source graphs stay the one source of truth), and written to
``graph/summary``, which the named queries read. So are the merges across documents that a
document mapped on its own cannot make: the posts people held (`kg.rdf.posts`) and the
full-text names several documents corroborate (`kg.rdf.candidates`). The calendar of months that date-range
queries start from (see ``kg:inMonth``) is kept here too.

The store groups (one row per date, topic, type or document, with the documents or people as
one concatenated string) and Python counts: moving a row from the store into Python costs far
more than grouping it there, and the pairs of people are easier counted here. The queries name
their graphs, so a remote SPARQL store is summarised the same way.
"""

from __future__ import annotations

import calendar
import itertools
from collections import defaultdict
from collections.abc import Iterator

import pyoxigraph as ox

from kg.rdf.candidates import corroborated
from kg.rdf.namespace import KG, PREFIXES, RDF, RDFS, SKOS, XSD
from kg.rdf.posts import post_quads

_Node = ox.NamedNode | ox.BlankNode


def summary_quads(store, iris) -> list[ox.Quad]:
    """The summary graph's quads for the store as it is now (a pyoxigraph store, or any
    object with the same ``query``)."""
    g = iris.summary_graph()
    out: list[ox.Quad] = [ox.Quad(g, RDF.type, KG.SummaryGraph, g)]

    def add(s, p, o) -> None:
        out.append(ox.Quad(s, p, o, g))

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=XSD.integer)

    earliest = _bound(store, "earliestDate", min)
    latest = _bound(store, "latestDate", max)

    def counted(node: ox.NamedNode, docs: set[str]) -> None:
        add(node, KG.documentCount, integer(len(docs)))
        firsts = [earliest[d] for d in docs if d in earliest]
        lasts = [latest[d] for d in docs if d in latest]
        if firsts:
            add(node, KG.firstDate, ox.Literal(min(firsts), datatype=XSD.date))
        if lasts:
            add(node, KG.lastDate, ox.Literal(max(lasts), datatype=XSD.date))

    # full-text names several documents corroborate (kg.rdf.candidates): they are named in
    # their documents' graphs, for the co-mentions too
    candidates = corroborated(store, iris, g)
    out.extend(candidates.quads)
    for (a, b), n in sorted(co_mentions(store, iris.entity_key("person", "").value,
                                        candidates.named_in, skip=g).items()):
        node = iris.summary("co-mention", a, b)
        add(node, RDF.type, KG.CoMention)
        add(node, KG.coMentioned, ox.NamedNode(a))
        add(node, KG.coMentioned, ox.NamedNode(b))
        add(node, KG.sharedDocuments, integer(n))

    for (sender, addressee), docs in sorted(correspondence(store).items()):
        node = iris.summary("correspondence", sender, addressee)
        add(node, RDF.type, KG.Correspondence)
        add(node, KG.correspondent, ox.NamedNode(sender))
        add(node, KG.addressedTo, ox.NamedNode(addressee))
        counted(node, docs)

    for cls, prop in ((KG.Topic, "kg:subject"), (KG.SubjectHeading, "dcterms:subject")):
        for topic, docs in _grouped(store, "?concept", f"?doc {prop} ?concept"):
            concept = ox.NamedNode(topic)
            add(concept, RDF.type, cls)
            label = _label(store, topic)
            if label is not None:
                add(concept, SKOS.prefLabel, label)
            node = iris.summary("concept", topic)
            add(node, RDF.type, KG.ConceptCount)
            add(node, KG.concept, concept)
            counted(node, docs)

    typed: dict[str, set[str]] = defaultdict(set)
    for doc_type, docs in _grouped(store, "?concept", "?doc kg:documentType ?concept"):
        label = _label(store, doc_type)
        if label is not None:
            add(ox.NamedNode(doc_type), SKOS.prefLabel, label)
        for doc in docs:
            typed[doc].add(doc_type)
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for _, docs in _grouped(store, "?class", "?doc a ?class", "VALUES ?class { kg:Document }"):
        for doc in docs:
            year = earliest[doc][:4] if doc in earliest else ""
            for doc_type in typed.get(doc) or {""}:
                cells[(year, doc_type)] += 1
    for (year, doc_type), n in sorted(cells.items()):
        node = iris.summary("type-year", year, doc_type)
        add(node, RDF.type, KG.TypeYearCount)
        if year:
            add(node, KG.year, ox.Literal(year, datatype=XSD.gYear))
        if doc_type:
            add(node, KG.documentType, ox.NamedNode(doc_type))
        add(node, KG.documentCount, integer(n))

    for (entity, text, method, score), (mentions, docs, example) in sorted(
            uncertain_resolutions(store).items(), key=lambda kv: [t.value for t in kv[0]]):
        node = iris.summary("uncertain", entity.value, text.value, method.value, score.value)
        add(node, RDF.type, KG.UncertainResolution)
        add(node, KG.resolvedEntity, entity)
        add(node, KG.text, text)
        add(node, KG.linkMethod, method)
        add(node, KG.score, score)
        add(node, KG.mentionCount, integer(mentions))
        add(node, KG.documentCount, integer(docs))
        add(node, KG.exampleDocument, example)

    # posts merged from the documents' role attestations
    out.extend(post_quads(store, iris, g))

    months = store.query("SELECT DISTINCT ?m WHERE { GRAPH ?g { ?d kg:inMonth ?m } }",
                         prefixes=PREFIXES)
    for month in sorted((row[0] for row in months), key=lambda m: m.value):
        add(month, RDF.type, KG.Month)
        out.extend(month_description(month, g))
    return out


def co_mentions(store, person_prefix: str,
                extra: dict[tuple[str, str], set[str]] | None = None,
                skip: ox.NamedNode | None = None) -> dict[tuple[str, str], int]:
    """(person, person) -> the number of documents naming both (title, summary or full text),
    each pair once in IRI order; both names come from one graph, as the statements do.
    `extra`: (graph, document) -> more entities that graph names in that document; `skip`: a
    graph not to read (the summary graph being replaced, whose links `extra` restates)."""
    not_skipped = f" FILTER(?g != {skip})" if skip is not None else ""
    docs: dict[tuple[str, str], set[str]] = defaultdict(set)
    rows = store.query(
        "SELECT ?g ?doc (GROUP_CONCAT(STR(?p); separator=' ') AS ?people) WHERE {"
        " GRAPH ?g { ?doc kg:mentions|kg:mentionsInText ?p }"
        f" FILTER(STRSTARTS(STR(?p), {_string(person_prefix)})){not_skipped} }}"
        " GROUP BY ?g ?doc",
        prefixes=PREFIXES)
    named: dict[tuple[str, str], set[str]] = defaultdict(set)
    for g, doc, people in rows:
        named[(g.value, doc.value)].update(people.value.split())
    for (g, doc), more in (extra or {}).items():
        named[(g, doc)].update(p for p in more if p.startswith(person_prefix))
    for (_, doc), people in named.items():
        for a, b in itertools.combinations(sorted(people), 2):
            docs[(a, b)].add(doc)
    return {pair: len(d) for pair, d in docs.items()}


def correspondence(store) -> dict[tuple[str, str], set[str]]:
    """(sender, addressee) -> the documents recording a communication between them."""
    pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
    rows = store.query(
        "SELECT ?sender ?addressee (GROUP_CONCAT(STR(?doc); separator=' ') AS ?docs) WHERE {"
        " GRAPH ?g { ?doc kg:records ?event . ?event kg:sender ?sender ;"
        " kg:addressee ?addressee } } GROUP BY ?sender ?addressee", prefixes=PREFIXES)
    for sender, addressee, docs in rows:
        pairs[(sender.value, addressee.value)].update(docs.value.split())
    return pairs


def uncertain_resolutions(store) -> dict[tuple, tuple[int, int, ox.NamedNode]]:
    """(entity, text, link method, score) -> (mentions, documents, first document) for every
    mention scoring below 1 (unresolved names score below 1 too)."""
    rows = store.query(
        "SELECT ?entity ?text ?method ?score (COUNT(?m) AS ?mentions)"
        " (COUNT(DISTINCT ?doc) AS ?docs) (MIN(STR(?doc)) AS ?example) WHERE {"
        " GRAPH ?g { ?m kg:score ?score . FILTER(?score < 1)"
        " ?m kg:mentionOf ?entity ; kg:text ?text ; kg:linkMethod ?method ;"
        " kg:inDocument ?doc } } GROUP BY ?entity ?text ?method ?score", prefixes=PREFIXES)
    return {(entity, text, method, score): (int(n.value), int(d.value), ox.NamedNode(ex.value))
            for entity, text, method, score, n, d, ex in rows}


def month_description(month: ox.NamedNode, graph: ox.NamedNode) -> list[ox.Quad]:
    """A month node's label and first and last day, read from its IRI (.../month/1950-02)."""
    text = month.value.rsplit("/", 1)[-1]
    year, number = int(text[:4]), int(text[5:7])
    last = calendar.monthrange(year, number)[1]
    return [ox.Quad(month, RDFS.label, ox.Literal(text), graph),
            ox.Quad(month, KG.firstDay, ox.Literal(f"{text}-01", datatype=XSD.date), graph),
            ox.Quad(month, KG.lastDay, ox.Literal(f"{text}-{last:02d}", datatype=XSD.date),
                    graph)]


def _grouped(store, key: str, pattern: str, values: str = "") -> Iterator[tuple[str, set[str]]]:
    """(value of `key`, the documents `pattern` pairs with it), one row per value."""
    rows = store.query(
        f"SELECT {key} (GROUP_CONCAT(STR(?doc); separator=' ') AS ?docs) WHERE {{ {values} "
        f"GRAPH ?g {{ {pattern} }} }} GROUP BY {key}", prefixes=PREFIXES)
    for value, docs in rows:
        yield value.value, set(docs.value.split())


def _bound(store, prop: str, pick) -> dict[str, str]:
    """Document (and event) IRI -> its earliest or latest date (ISO text), over all graphs."""
    out: dict[str, str] = {}
    for day, docs in _grouped(store, "?day", f"?doc kg:{prop} ?day"):
        for doc in docs:
            out[doc] = pick(out[doc], day) if doc in out else day
    return out


def _label(store, concept: str) -> ox.Literal | None:
    """A concept's skos:prefLabel: a concept is described again in every graph that uses it,
    with the same label, so the first one found is read (index order: the same every run)."""
    quad = next(iter(store.quads_for_pattern(ox.NamedNode(concept), SKOS.prefLabel, None,
                                             None)), None)
    return quad.object if quad is not None else None


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
