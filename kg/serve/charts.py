"""The geometry of the timeline, the map and the correspondence network, drawn server-side.

Each function returns a typed drawing (marks with coordinates, links and tooltips) that the
templates turn into inline SVG: no JavaScript, no tiles, no fonts from elsewhere. Drawings
have a fixed viewBox and scale to the window's width (CSS), so no chart needs a scroll bar.
The map's land and coastlines are Natural Earth's (public domain), shipped in
`static/land-110m.geojson` (see `static/README.md`), projected equirectangularly.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

LONG_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
BASEMAP = Path(__file__).resolve().parent / "static" / "land-110m.geojson"
CHAR_WIDTH = 7.2  # width a label character may take at the charts' 12px font (wide side)


def month_name(month: str) -> str:
    return f"{MONTHS[int(month[5:7]) - 1]} {month[:4]}"


def human_date(value: str | None) -> str:
    """An xsd:date, gYearMonth or gYear as a reader writes it: "5 July 1950", "July 1950"."""
    parts = (value or "").split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12:
        return f"{int(parts[2])} {LONG_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12:
        return f"{LONG_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return value or ""


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


@dataclass
class Tick:
    x: float
    y: float
    text: str


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    href: str
    tip: str


@dataclass
class TimelineChart:
    width: float
    height: float
    left: float
    base_y: float
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]


class _Counted(Protocol):
    month: str
    count: int


def timeline_chart(months: list[Any], *, by: str = "month", width: float = 1000.0,
                   plot_h: float = 220.0) -> TimelineChart | None:
    """Bars of documents per month, or per year (`by`); a year's bar narrows the timeline to
    that year, a month's bar lists its documents."""
    if not months or not any(m.count for m in months):
        return None
    if by == "year":
        years: dict[str, int] = {}
        for m in months:
            years[m.month[:4]] = years.get(m.month[:4], 0) + m.count
        bins = [(y, y, n, f"/timeline?from={y}&to={y}") for y, n in years.items()]
    else:
        bins = [(m.month, month_name(m.month), m.count, f"/timeline?month={m.month}")
                for m in months]
    left, top = 44.0, 14.0
    slot = (width - left - 10) / len(bins)
    gap = min(3.0, slot * 0.2)
    peak = max(n for _, _, n, _ in bins)
    step = _nice_step(peak)
    ticks = list(range(0, peak + step, step))
    scale = plot_h / max(ticks[-1], 1)
    base_y = top + plot_h
    y_ticks = [Tick(left - 6, base_y - t * scale, str(t)) for t in ticks]
    bars = []
    for i, (_, name, n, href) in enumerate(bins):
        if n:
            h = n * scale
            bars.append(Bar(round(left + i * slot + gap / 2, 1), round(base_y - h, 1),
                            round(max(slot - gap, 1.0), 1), round(h, 1), href,
                            f"{name}: {plural(n, 'document')}"))
    # as many x labels as fit: a label every `every` bins, on round values
    label_w = 34.0 if by == "year" else 58.0
    every = max(1, math.ceil(label_w / slot))
    if by == "year":
        every = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 1000) if s >= every)
    elif every > 1:
        every = next(s for s in (3, 6, 12, 24, 60, 120, 1200) if s >= every)
    x_ticks = []
    for i, (key, name, _, _) in enumerate(bins):
        number = int(key[:4]) if by == "year" else int(key[5:7]) - 1
        if number % every == 0 or (by == "month" and every >= 12 and key.endswith("-01")
                                   and int(key[:4]) % (every // 12) == 0):
            text = name if by == "year" or every == 1 else (key[:4] if every >= 12 else name)
            x_ticks.append(Tick(round(left + i * slot + slot / 2, 1), base_y + 16, text))
    return TimelineChart(width, base_y + 30, left, base_y, bars, y_ticks, x_ticks)


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if peak / step <= 6:
            return step
    return 10 ** int(math.log10(peak))


# ---------------------------------------------------------------------------------------------
# Map


@dataclass
class Point:
    x: float
    y: float
    r: float
    iri: str
    tip: str


@dataclass
class Label:
    x: float
    y: float
    text: str
    iri: str
    anchor: str = "start"


@dataclass
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    text: str
    tx: float
    ty: float
    cls: str = "graticule"


@dataclass
class MapChart:
    width: float
    height: float
    land: list[str]  # SVG path data, one per land polygon in view
    coast: list[str]  # SVG path data of coastlines
    grid: list[Line]
    points: list[Point]
    labels: list[Label]


class _Place(Protocol):
    iri: str
    label: str
    lat: float
    long: float
    documents: int


@lru_cache(maxsize=1)
def basemap() -> tuple[list[list[tuple[float, float]]], list[list[tuple[float, float]]]]:
    """Land rings and coastlines as lists of (lon, lat), read once from the shipped GeoJSON."""
    data = json.loads(BASEMAP.read_text(encoding="utf-8"))
    land: list[list[tuple[float, float]]] = []
    coast: list[list[tuple[float, float]]] = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        if geometry["type"] == "MultiPolygon":
            land += [[(x, y) for x, y in ring] for polygon in geometry["coordinates"]
                     for ring in polygon]
        elif geometry["type"] == "MultiLineString":
            coast += [[(x, y) for x, y in line] for line in geometry["coordinates"]]
    return land, coast


def _path(points: list[tuple[float, float]], project, bbox, closed: bool) -> str | None:
    """SVG path data of a ring or line, None when its bounding box misses the view."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    west, south, east, north = bbox
    if max(xs) < west or min(xs) > east or max(ys) < south or min(ys) > north:
        return None
    out, last = [], None
    for lon, lat in points:
        x, y = project(lon, lat)
        here = (round(x, 1), round(y, 1))
        if here != last:
            out.append(f"{here[0]:g},{here[1]:g}")
            last = here
    if len(out) < 2:
        return None
    return "M" + "L".join(out) + ("Z" if closed else "")


def dense_region(places: list[Any], radius: float = 18.0, minimum: int = 5) -> list[Any] | None:
    """The places around the point with most neighbours within `radius` degrees, when they are
    at least `minimum` and leave out some places (else a detail map adds nothing)."""
    best: list[Any] = []
    for p in places:
        near = [q for q in places if abs(q.long - p.long) <= radius
                and abs(q.lat - p.lat) <= radius * 0.7]
        if len(near) > len(best):
            best = near
    return best if minimum <= len(best) < len(places) else None


def map_chart(places: list[Any], width: float = 1040.0,
              margin: tuple[float, float] = (12.0, 8.0)) -> MapChart | None:
    """An equirectangular map of the places' bounding box: land, coastlines and a graticule,
    points sized by the number of documents and labels that overlap neither each other nor
    a point (the most documented places are labelled first)."""
    if not places:
        return None
    lons = [p.long for p in places]
    lats = [p.lat for p in places]
    west, east = max(-180.0, min(lons) - margin[0]), min(180.0, max(lons) + margin[0])
    south, north = max(-90.0, min(lats) - margin[1]), min(90.0, max(lats) + margin[1])
    # Keep the view at least 2:1 wide so a single country is not blown up to the frame.
    if east - west < 2 * (north - south):
        pad = (2 * (north - south) - (east - west)) / 2
        west, east = max(-180.0, west - pad), min(180.0, east + pad)
    scale = width / (east - west)
    if (north - south) * scale < 240:  # too flat: show more latitudes around the places
        extra = (240 / scale - (north - south)) / 2
        south, north = max(-90.0, south - extra), min(90.0, north + extra)
    height = (north - south) * scale

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * scale, (north - lat) * scale

    bbox = (west, south, east, north)
    rings, lines = basemap()
    land = [d for d in (_path(r, xy, bbox, True) for r in rings) if d]
    coast = [d for d in (_path(c, xy, bbox, False) for c in lines) if d]
    grid = []
    step = 5 if east - west <= 60 else (10 if east - west <= 140 else 30)
    for lon in range(int(math.ceil(west / step) * step), int(east) + 1, step):
        x, _ = xy(lon, 0)
        grid.append(Line(round(x, 1), 0, round(x, 1), round(height, 1),
                         f"{abs(lon)}°{'E' if lon > 0 else 'W' if lon < 0 else ''}",
                         round(x + 3, 1), round(height - 6, 1)))
    for lat in range(int(math.ceil(bbox[1] / step) * step), int(north) + 1, step):
        _, y = xy(0, lat)
        grid.append(Line(0, round(y, 1), width, round(y, 1),
                         f"{abs(lat)}°{'N' if lat > 0 else 'S' if lat < 0 else ''}",
                         4, round(y - 3, 1), "equator" if lat == 0 else "graticule"))
    ordered = sorted(places, key=lambda p: (-p.documents, p.label))
    top = max(1, ordered[0].documents)
    points, taken = [], []
    for p in ordered:
        x, y = xy(p.long, p.lat)
        # area by documents, relative to the most documented place: a big catalogue's
        # capital stays a mark, not a disc covering its neighbours
        r = 3.0 + 14.0 * math.sqrt(p.documents / top)
        points.append(Point(round(x, 1), round(y, 1), round(r, 1), p.iri,
                            f"{p.label}: {plural(p.documents, 'document')}"))
        taken.append((x - r, y - r, x + r, y + r))
    labels = []
    for i, (p, point) in enumerate(zip(ordered, points)):
        others = taken[:i] + taken[i + 1:]
        placed = place_label(point.x, point.y, point.r, p.label, others, width, height)
        if placed is not None:
            taken.append(placed[0])
            labels.append(replace(placed[1], iri=point.iri))
    return MapChart(width, round(height, 1), land, coast, grid, points, labels)


def place_label(x: float, y: float, r: float, text: str, taken: list[tuple], width: float,
                height: float) -> tuple[tuple[float, float, float, float], Label] | None:
    """Where a label for a mark at (x, y) of radius r goes: right of it, left, above or below,
    the first of these boxes that overlaps no box in `taken` and stays inside the drawing.
    Returns the box and the label (text position and anchor), None when none fits."""
    w = CHAR_WIDTH * len(text) + 4
    candidates = (
        ((x + r + 2, y - 8, x + r + 2 + w, y + 6), x + r + 4, y + 4, "start"),
        ((x - r - 2 - w, y - 8, x - r - 2, y + 6), x - r - 4, y + 4, "end"),
        ((x - w / 2, y - r - 17, x + w / 2, y - r - 3), x, y - r - 6, "middle"),
        ((x - w / 2, y + r + 3, x + w / 2, y + r + 17), x, y + r + 14, "middle"),
    )
    for box, tx, ty, anchor in candidates:
        inside = box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height
        if inside and not any(_overlaps(box, t) for t in taken):
            return box, Label(round(tx, 1), round(ty, 1), text, "", anchor)
    return None


def _overlaps(a, b) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


# ---------------------------------------------------------------------------------------------
# Network


@dataclass
class Edge:
    d: str
    width: float
    tip: str


@dataclass
class Node:
    x: float
    y: float
    r: float
    kind: str
    iri: str
    tip: str


@dataclass
class NetworkChart:
    width: float
    height: float
    edges: list[Edge]
    nodes: list[Node]
    labels: list[Label]
    unlabelled: list[Label] = field(default_factory=list)  # listed beside the drawing


def network_chart(drawn: dict[str, Any]) -> NetworkChart | None:
    """Nodes and directed, count-weighted edges (two-way pairs as two arcs); a label is drawn
    only where it overlaps no other label and no node, the rest are listed beside."""
    if not drawn["nodes"]:
        return None
    width, height = drawn["width"], drawn["height"]
    pos = {n["iri"]: (n["x"], n["y"]) for n in drawn["nodes"]}
    top = max((e["count"] for e in drawn["edges"]), default=1)
    pairs = {(e["source"], e["target"]) for e in drawn["edges"]}
    busiest = max(n["sent"] + n["received"] for n in drawn["nodes"]) or 1
    radius = {n["iri"]: 5 + 13 * math.sqrt((n["sent"] + n["received"]) / busiest)
              for n in drawn["nodes"]}
    edges = []
    for e in drawn["edges"]:
        (x1, y1), (x2, y2) = pos[e["source"]], pos[e["target"]]
        dx, dy = x2 - x1, y2 - y1
        d = max(math.hypot(dx, dy), 1e-6)
        # Stop the line at the target's circle so the arrowhead shows.
        r1, r2 = radius[e["source"]], radius[e["target"]] + 3
        sx, sy = x1 + dx / d * r1, y1 + dy / d * r1
        tx, ty = x2 - dx / d * r2, y2 - dy / d * r2
        bend = 0.18 if (e["target"], e["source"]) in pairs else 0.0
        cx, cy = (sx + tx) / 2 - dy * bend, (sy + ty) / 2 + dx * bend
        edges.append(Edge(f"M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {tx:.1f},{ty:.1f}",
                          round(1.2 + 5.0 * e["count"] / top, 1),
                          f"{e['source_label']} → {e['target_label']}: "
                          f"{plural(e['count'], 'document')}"))
    nodes, taken = [], []
    for n in drawn["nodes"]:
        x, y = pos[n["iri"]]
        r = radius[n["iri"]]
        nodes.append(Node(x, y, round(r, 1), n["kind"], n["iri"],
                          f"{n['label']}: sent {n['sent']}, received {n['received']}"))
        taken.append((x - r, y - r, x + r, y + r))
    labels, unlabelled = [], []
    # best-connected first: they keep their labels when space runs out
    for i, (n, node) in enumerate(zip(drawn["nodes"], nodes)):
        text = _short(n["label"], 34)
        placed = place_label(node.x, node.y, node.r, text, taken[:i] + taken[i + 1:],
                             width, height)
        if placed is None:
            unlabelled.append(Label(node.x, node.y, n["label"], node.iri))
            continue
        taken.append(placed[0])
        labels.append(replace(placed[1], iri=node.iri))
    return NetworkChart(width, height, edges, nodes, labels, unlabelled)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
