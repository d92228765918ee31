"""The RDF description a dereferenced IRI answers with.

An IRI's description is every quad, in every named graph, whose subject is the IRI or one of
its #fragments (mention nodes, Wikidata link nodes: found from the IRI by `views.fragments`,
never by scanning every subject). A document's description adds the nodes
that explain it: its mentions, the event it records, the name attestations and roles it
attests, and the source graphs' provenance (without the raw record, which is an export
matter). Quads keep their graph, so TriG, N-Quads and JSON-LD show which source said what;
Turtle and N-Triples merge them. An IRI used only as an object is described by the
statements that refer to it.
"""

from __future__ import annotations

from itertools import islice

import pyoxigraph as ox

from kg.rdf.namespace import KG
from kg.serve.snapshot import Snapshot
from kg.serve.views import fragments, kind_of, node


def description(snap: Snapshot, iri: str) -> list[ox.Quad]:
    subjects = [iri, *fragments(snap, iri, limit=100_000)]
    if kind_of(snap, iri) == "document":
        d = node(iri)
        subjects += [r["s"].value for r in snap.select(f"""SELECT DISTINCT ?s WHERE {{
            {{ ?s kg:inDocument {d} }} UNION {{ {d} kg:records ?s }}
            UNION {{ ?s kg:attestedBy {d} }} UNION {{ ?s kg:aboutDocument {d} }} }}""")]
    quads: list[ox.Quad] = []
    seen: set[str] = set()
    for s in subjects:
        if s in seen:
            continue
        seen.add(s)
        for q in snap.store.quads_for_pattern(node(s), None, None, None):
            if q.predicate == KG.rawRecord:
                continue
            quads.append(q)
    if not quads:
        # Used only as an object (e.g. an extraction method): describe it by what refers to it.
        quads = list(islice(snap.store.quads_for_pattern(None, None, node(iri), None), 1000))
    return quads
