"""The correspondence network: who wrote to whom (kg:author -> kg:recipient), how often.

`correspondence()` reads the (document, author, recipient, date) of the letters from the
generation's derived data (`kg.store.index.Index.letters`, computed when the generation was
written; no query of the store); `network()` counts them into nodes and weighted, directed
edges, over all documents (once per generation) or those of a date range and of one person's
letters; `to_csv` and `to_gexf` (GEXF 1.2, which Gephi opens) write them out; `layout()`
places the nodes for the drawing with a deterministic force-directed layout
(Fruchterman-Reingold), so the same graph always draws the same way.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar
from xml.sax.saxutils import quoteattr

from kg.serve import charts
from kg.serve.models import Ref
from kg.serve.overview import month_bounds
from kg.serve.snapshot import Snapshot

GEXF_NS = "http://www.gexf.net/1.2draft"
MAX_DRAWN_NODES = 80  # the drawing shows the best-connected ones; the table and downloads all
Letters = list[tuple[str, str, str, str | None]]


def correspondence(snap: Snapshot, start: str | None = None, end: str | None = None,
                   person: str | None = None) -> Letters:
    """(document, author, recipient, earliest date) for every letter of the graph, or for
    those dated within [start, end] (ISO days) and written or received by `person`."""
    return [(x.document, x.author, x.recipient, x.earliest)
            for x in snap.index.letters(start, end, person=person)]


def _all(snap: Snapshot) -> dict[str, Any]:
    return snap.cached("network", lambda: _count(snap, correspondence(snap)))


def whole_layout(snap: Snapshot) -> dict[str, Any]:
    """The drawing of the whole network (cached: the page most visitors open first)."""
    return snap.cached("network_layout", lambda: layout(_all(snap)))


def _count(snap: Snapshot, letters: Letters) -> dict[str, Any]:
    docs: dict[tuple[str, str], set[str]] = {}
    for d, a, r, _ in letters:
        docs.setdefault((a, r), set()).add(d)
    edges = [{"source": a, "target": r, "count": len(ds)} for (a, r), ds in docs.items()]
    edges.sort(key=lambda e: (-e["count"], e["source"], e["target"]))
    sent: dict[str, int] = {}
    received: dict[str, int] = {}
    for e in edges:
        sent[e["source"]] = sent.get(e["source"], 0) + e["count"]
        received[e["target"]] = received.get(e["target"], 0) + e["count"]
    iris = sorted(set(sent) | set(received))
    # labels and kinds of every node in one look-up each (thousands of nodes at 10k entries)
    known = snap.known_labels(iris)
    kinds = snap.index.kinds(iris)
    nodes = []
    for iri in iris:
        nodes.append({"iri": iri, "label": known.get(iri) or snap.label(iri),
                      "kind": kinds.get(iri) or "entity",
                      "sent": sent.get(iri, 0), "received": received.get(iri, 0)})
    nodes.sort(key=lambda n: (-(n["sent"] + n["received"]), n["label"]))
    labels = {n["iri"]: n["label"] for n in nodes}
    for e in edges:
        e["source_label"], e["target_label"] = labels[e["source"]], labels[e["target"]]
    return {"nodes": nodes, "edges": edges}


@dataclass
class NetNode:
    iri: str
    label: str
    kind: str
    sent: int
    received: int


@dataclass
class NetEdge:
    source: str
    target: str
    count: int
    source_label: str
    target_label: str


@dataclass
class NetworkPage:
    template: ClassVar[str] = "network.html"
    heading: ClassVar[str] = "Correspondence network"
    nodes: list[NetNode]
    edges: list[NetEdge]
    from_: str | None
    to: str | None
    person: Ref | None
    people: list[Ref]  # everyone in the whole network: the person filter's choices
    hidden_nodes: int
    chart: charts.NetworkChart | None = field(default=None, metadata={"json": False})

    @property
    def filtered(self) -> bool:
        return bool(self.from_ or self.to or self.person)


def network(snap: Snapshot, start: str | None = None, end: str | None = None,
            person: str | None = None) -> NetworkPage:
    """The network of all letters, or of those dated within [start, end] (years, months or
    days) and written or received by `person` (an IRI). RangeError for a bad bound; a person
    who is in no letter gives an empty network."""
    lo, hi = month_bounds(start, end=False), month_bounds(end, end=True)
    whole = _all(snap)
    if lo or hi or person:
        data = _count(snap, correspondence(snap, lo, hi, person))
        drawn = layout(data)
    else:
        data = whole
        drawn = whole_layout(snap)
    people = sorted((Ref(n["iri"], n["label"]) for n in whole["nodes"]),
                    key=lambda r: r.label.casefold())
    return NetworkPage(
        nodes=[NetNode(**n) for n in data["nodes"]], edges=[NetEdge(**e) for e in data["edges"]],
        from_=start, to=end, person=Ref(person, snap.label(person)) if person else None,
        people=people, hidden_nodes=drawn.get("hidden_nodes", 0),
        chart=charts.network_chart(drawn))


def to_csv(snap: Snapshot) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["source", "source_label", "target", "target_label", "documents"])
    for e in _all(snap)["edges"]:
        w.writerow([e["source"], e["source_label"], e["target"], e["target_label"], e["count"]])
    return out.getvalue().encode("utf-8")


def to_gexf(snap: Snapshot) -> bytes:
    """A directed GEXF 1.2 graph: node ids are our IRIs, edge weight the number of documents."""
    net = _all(snap)
    ids = {n["iri"]: f"n{i}" for i, n in enumerate(net["nodes"])}
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<gexf xmlns="{GEXF_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{GEXF_NS} {GEXF_NS}/gexf.xsd" version="1.2">',
        "  <meta><creator>archive-kg</creator>"
        "<description>Correspondence network: author to recipient, weighted by the number "
        "of documents</description></meta>",
        '  <graph mode="static" defaultedgetype="directed">',
        '    <attributes class="node">',
        '      <attribute id="iri" title="iri" type="string"/>',
        '      <attribute id="kind" title="kind" type="string"/>',
        '      <attribute id="sent" title="documents sent" type="integer"/>',
        '      <attribute id="received" title="documents received" type="integer"/>',
        "    </attributes>",
        "    <nodes>",
    ]
    for n in net["nodes"]:
        lines.append(
            f'      <node id="{ids[n["iri"]]}" label={quoteattr(n["label"])}><attvalues>'
            f'<attvalue for="iri" value={quoteattr(n["iri"])}/>'
            f'<attvalue for="kind" value={quoteattr(n["kind"])}/>'
            f'<attvalue for="sent" value="{n["sent"]}"/>'
            f'<attvalue for="received" value="{n["received"]}"/></attvalues></node>')
    lines.append("    </nodes>\n    <edges>")
    for i, e in enumerate(net["edges"]):
        lines.append(f'      <edge id="e{i}" source="{ids[e["source"]]}" '
                     f'target="{ids[e["target"]]}" weight="{float(e["count"])}"/>')
    lines.append("    </edges>\n  </graph>\n</gexf>\n")
    return "\n".join(lines).encode("utf-8")


def layout(net: dict[str, Any], width: float = 900, height: float = 620,
           iterations: int = 300) -> dict[str, Any]:
    """Positions for the best-connected nodes: Fruchterman-Reingold from a circle."""
    nodes = net["nodes"][:MAX_DRAWN_NODES]
    keep = {n["iri"] for n in nodes}
    edges = [e for e in net["edges"] if e["source"] in keep and e["target"] in keep]
    n = len(nodes)
    if n == 0:
        return {"width": width, "height": height, "nodes": [], "edges": []}
    pos = [[math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)] for i in range(n)]
    index = {node["iri"]: i for i, node in enumerate(nodes)}
    links = [(index[e["source"]], index[e["target"]]) for e in edges]
    k = math.sqrt(4.0 / n)  # ideal edge length in the unit square [-1, 1]^2
    temperature = 0.2
    for _ in range(iterations):
        disp = [[0.0, 0.0] for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                dx, dy = pos[i][0] - pos[j][0], pos[i][1] - pos[j][1]
                d2 = max(dx * dx + dy * dy, 1e-6)
                f = k * k / d2  # repulsion k^2/d, along the unit vector (dx, dy)/d
                disp[i][0] += dx * f
                disp[i][1] += dy * f
                disp[j][0] -= dx * f
                disp[j][1] -= dy * f
        for a, b in links:
            dx, dy = pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]
            d = max(math.hypot(dx, dy), 1e-3)
            f = d / k  # attraction d^2/k
            disp[a][0] -= dx * f
            disp[a][1] -= dy * f
            disp[b][0] += dx * f
            disp[b][1] += dy * f
        for i in range(n):
            # Gravity toward the centre keeps unconnected nodes from drifting off.
            disp[i][0] -= pos[i][0] * 0.05 * n
            disp[i][1] -= pos[i][1] * 0.05 * n
            d = max(math.hypot(*disp[i]), 1e-9)
            step = min(d, temperature)
            pos[i][0] += disp[i][0] / d * step
            pos[i][1] += disp[i][1] / d * step
        temperature = max(0.002, temperature * 0.985)
    xs, ys = [p[0] for p in pos], [p[1] for p in pos]
    margin = 90.0
    span_x, span_y = max(max(xs) - min(xs), 1e-6), max(max(ys) - min(ys), 1e-6)

    def place(p: list[float]) -> tuple[float, float]:
        x = margin + (p[0] - min(xs)) / span_x * (width - 2 * margin)
        y = 50 + (p[1] - min(ys)) / span_y * (height - 100)
        return round(x, 1), round(y, 1)

    placed = [{**node, "x": place(pos[i])[0], "y": place(pos[i])[1]}
              for i, node in enumerate(nodes)]
    return {"width": width, "height": height, "nodes": placed, "edges": edges,
            "hidden_nodes": len(net["nodes"]) - n}
