"""Page data for subject headings, and the "why this subject" list of a document page.

A heading's page lists its broader and narrower headings and its documents: those the curators
filed under it and those the machine assigned it to, with the machine's confidence.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from kg.serve.snapshot import Snapshot


def _ref(snap: Snapshot, iri: str) -> dict[str, str]:
    return {"iri": iri, "label": snap.label(iri)}


def subject_page(snap: Snapshot, iri: str, documents: list[dict[str, Any]]) -> dict[str, Any]:
    """`documents` are the documents that relate to the heading (from `views.documents_of`)."""
    n = ox.NamedNode(iri)
    broader = [r["b"].value for r in snap.select(
        f"SELECT DISTINCT ?b WHERE {{ {n} skos:broader ?b }} ORDER BY ?b")]
    narrower = [r["x"].value for r in snap.select(
        f"SELECT DISTINCT ?x WHERE {{ ?x skos:broader {n} }} ORDER BY ?x")]
    matches = [r["m"].value for r in snap.select(
        f"SELECT DISTINCT ?m WHERE {{ {n} skos:closeMatch ?m }} ORDER BY ?m")]
    confidence = {r["d"].value: float(r["c"].value) for r in snap.select(
        f"SELECT ?d (MAX(?conf) AS ?c) WHERE {{ ?d kg:subjectAssignment ?a . "
        f"?a kg:heading {n} ; kg:confidence ?conf }} GROUP BY ?d")}
    docs = []
    for d in documents:
        conf = confidence.get(d["iri"])
        rel = ["curated heading" if r == "dcterms:subject" else
               f"{r}, {conf:.2f}" if r == "subject (machine)" and conf is not None else r
               for r in d["relations"]]
        docs.append({**d, "relations": rel, "confidence": conf})
    return {"iri": iri, "kind": "subject", "label": snap.label(iri),
            "broader": sorted((_ref(snap, b) for b in broader), key=lambda r: r["label"]),
            "narrower": sorted((_ref(snap, x) for x in narrower), key=lambda r: r["label"]),
            "close_matches": matches, "documents": docs}


def machine_subjects(snap: Snapshot, doc_iri: str) -> list[dict[str, Any]]:
    """The machine's headings of a document, strongest first, each with its evidence."""
    out: dict[str, dict[str, Any]] = {}
    for r in snap.select(f"SELECT ?h ?c ?e WHERE {{ {ox.NamedNode(doc_iri)} kg:subjectAssignment"
                         f" ?a . ?a kg:heading ?h ; kg:confidence ?c ; kg:evidence ?e }}"):
        h = r["h"].value
        item = out.setdefault(h, {**_ref(snap, h), "confidence": float(r["c"].value),
                                  "evidence": []})
        if r["e"].value not in item["evidence"]:
            item["evidence"].append(r["e"].value)
    for item in out.values():
        item["evidence"].sort(key=_weight, reverse=True)
    return sorted(out.values(), key=lambda i: (-i["confidence"], i["label"]))


def _weight(evidence: str) -> float:
    """Evidence lines end with their weight: "... (0.85)"."""
    try:
        return float(evidence.rsplit("(", 1)[1].rstrip(")"))
    except (IndexError, ValueError):
        return 0.0
