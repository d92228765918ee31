"""Server-drawn SVG for the timeline, the map and the correspondence network.

No JavaScript, no external tiles or fonts: every chart is plain SVG inside the page, with
links on its marks and <title> tooltips. Styling is done with presentation attributes and
classes from /static/style.css (inline style attributes would be blocked by our CSP).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _a(text: Any) -> str:
    return escape(str(text), quote=True)


def month_name(month: str) -> str:
    return f"{MONTHS[int(month[5:7]) - 1]} {month[:4]}"


def timeline_svg(months: list[dict[str, Any]], link) -> str:
    """Bars of documents per month; `link(month)` gives each bar's href."""
    if not months:
        return ""
    n = len(months)
    bar = max(3.0, min(28.0, 940.0 / n))
    gap = 1.0 if bar < 8 else 3.0
    left, top, plot_h = 44.0, 16.0, 220.0
    width = left + n * bar + 20
    height = top + plot_h + 46
    peak = max(m["count"] for m in months) or 1
    step = _nice_step(peak)
    parts = [f'<svg class="chart timeline" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'width="{width:.0f}" height="{height:.0f}" role="img" '
             f'aria-label="Documents per month">']
    ticks = range(0, peak + step, step)
    scale = plot_h / max(ticks[-1], 1)
    for t in ticks:
        y = top + plot_h - t * scale
        parts.append(f'<line class="grid" x1="{left}" x2="{width - 10:.0f}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/><text class="axis" x="{left - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{t}</text>')
    label_every = 1 if n <= 18 else (3 if n <= 48 else 12)
    for i, m in enumerate(months):
        x = left + i * bar
        h = m["count"] * scale
        tip = f"{month_name(m['month'])}: {m['count']} document{'s' * (m['count'] != 1)}"
        if m["count"]:
            parts.append(f'<a href="{_a(link(m["month"]))}">'
                         f'<rect class="bar" x="{x + gap / 2:.1f}" '
                         f'y="{top + plot_h - h:.1f}" width="{bar - gap:.1f}" height="{h:.1f}">'
                         f'<title>{_a(tip)}</title></rect></a>')
        month_no = int(m["month"][5:7])
        if (label_every == 12 and month_no == 1) or (label_every < 12 and i % label_every == 0):
            text = m["month"][:4] if label_every == 12 else month_name(m["month"])
            parts.append(f'<text class="axis" x="{x + bar / 2:.1f}" y="{top + plot_h + 16}" '
                         f'text-anchor="middle">{_a(text)}</text>')
    parts.append(f'<line class="baseline" x1="{left}" x2="{width - 10:.0f}" '
                 f'y1="{top + plot_h}" y2="{top + plot_h}"/></svg>')
    return "".join(parts)


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if peak / step <= 6:
            return step
    return 10 ** int(math.log10(peak))


def dense_region(places: list[dict[str, Any]], radius: float = 18.0,
                 minimum: int = 5) -> list[dict[str, Any]] | None:
    """The places around the point with most neighbours within `radius` degrees, when they are
    at least `minimum` and leave out some places (else a detail map adds nothing)."""
    best: list[dict[str, Any]] = []
    for p in places:
        near = [q for q in places if abs(q["long"] - p["long"]) <= radius
                and abs(q["lat"] - p["lat"]) <= radius * 0.7]
        if len(near) > len(best):
            best = near
    return best if minimum <= len(best) < len(places) else None


def map_svg(places: list[dict[str, Any]], link, width: float = 1040.0,
            margin: tuple[float, float] = (12.0, 8.0)) -> str:
    """An equirectangular map of the places' bounding box with a graticule, points sized by
    the number of documents and labels that do not overlap."""
    if not places:
        return ""
    lons = [p["long"] for p in places]
    lats = [p["lat"] for p in places]
    west, east = max(-180.0, min(lons) - margin[0]), min(180.0, max(lons) + margin[0])
    south, north = max(-90.0, min(lats) - margin[1]), min(90.0, max(lats) + margin[1])
    # Keep the view at least 2:1 wide so a single country is not blown up to the frame.
    if east - west < 2 * (north - south):
        pad = (2 * (north - south) - (east - west)) / 2
        west, east = max(-180.0, west - pad), min(180.0, east + pad)
    scale = width / (east - west)
    height = max(240.0, (north - south) * scale)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * scale, (north - lat) * scale

    parts = [f'<svg class="chart map wide" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'role="img" aria-label="Map of places">',
             f'<rect class="sea" x="0" y="0" width="{width:.0f}" height="{height:.0f}"/>']
    step = 5 if east - west <= 60 else (10 if east - west <= 140 else 30)
    for lon in range(int(math.ceil(west / step) * step), int(east) + 1, step):
        x, _ = xy(lon, 0)
        parts.append(f'<line class="graticule" x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height:.0f}"/>'
                     f'<text class="graticule-label" x="{x + 3:.1f}" y="{height - 6:.0f}">'
                     f'{abs(lon)}°{"E" if lon > 0 else "W" if lon < 0 else ""}</text>')
    for lat in range(int(math.ceil(south / step) * step), int(north) + 1, step):
        _, y = xy(0, lat)
        cls = "equator" if lat == 0 else "graticule"
        parts.append(f'<line class="{cls}" x1="0" x2="{width:.0f}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="graticule-label" x="4" y="{y - 3:.1f}">'
                     f'{abs(lat)}°{"N" if lat > 0 else "S" if lat < 0 else ""}</text>')
    ordered = sorted(places, key=lambda p: (-p["documents"], p["label"]))
    radius = {p["iri"]: 3.5 + 2.2 * math.sqrt(p["documents"]) for p in ordered}
    # Labels avoid each other and every point (most documented places are labelled first).
    taken: list[tuple[float, float, float, float]] = []
    for p in ordered:
        x, y = xy(p["long"], p["lat"])
        r = radius[p["iri"]]
        taken.append((x - r, y - r, x + r, y + r))
    labels = []
    for i, p in enumerate(ordered):
        x, y = xy(p["long"], p["lat"])
        r = radius[p["iri"]]
        tip = f"{p['label']}: {p['documents']} document{'s' * (p['documents'] != 1)}"
        parts.append(f'<a href="{_a(link(p))}"><circle class="place" cx="{x:.1f}" cy="{y:.1f}" '
                     f'r="{r:.1f}"><title>{_a(tip)}</title></circle></a>')
        w = 6.6 * len(p["label"]) + 4
        box = (x + r + 2, y - 8, x + r + 2 + w, y + 6)
        left = (x - r - 2 - w, y - 8, x - r - 2, y + 6)
        others = taken[:i] + taken[i + 1:]
        if box[2] > width or any(_overlaps(box, t) for t in others):
            box = left  # no room on the right: try the left
        if box[0] >= 0 and not any(_overlaps(box, t) for t in others):
            taken.append(box)
            labels.append(f'<a href="{_a(link(p))}"><text class="place-label" x="{box[0]:.1f}" '
                          f'y="{y + 4:.1f}">{_a(p["label"])}</text></a>')
    parts.extend(labels)
    parts.append("</svg>")
    return "".join(parts)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _overlaps(a, b) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def network_svg(drawn: dict[str, Any], link) -> str:
    """Nodes and directed, count-weighted edges; two-way pairs are drawn as two arcs."""
    if not drawn["nodes"]:
        return ""
    width, height = drawn["width"], drawn["height"]
    pos = {n["iri"]: (n["x"], n["y"]) for n in drawn["nodes"]}
    top = max((e["count"] for e in drawn["edges"]), default=1)
    pairs = {(e["source"], e["target"]) for e in drawn["edges"]}
    parts = [f'<svg class="chart network wide" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'role="img" aria-label="Correspondence network">',
             # userSpaceOnUse: the arrowhead keeps its size on a wide edge.
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="11" '
             'markerHeight="11" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
             '<path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>']
    radius = {n["iri"]: 6 + 2.5 * math.sqrt(n["sent"] + n["received"]) for n in drawn["nodes"]}
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
        w = 1.2 + 5.0 * e["count"] / top
        tip = (f"{e['source_label']} → {e['target_label']}: {e['count']} "
               f"document{'s' * (e['count'] != 1)}")
        parts.append(f'<path class="edge" d="M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {tx:.1f},'
                     f'{ty:.1f}" stroke-width="{w:.1f}" marker-end="url(#arrow)">'
                     f'<title>{_a(tip)}</title></path>')
    for n in drawn["nodes"]:
        x, y = pos[n["iri"]]
        r = radius[n["iri"]]
        tip = f"{n['label']}: sent {n['sent']}, received {n['received']}"
        anchor = "start" if x < width * 0.8 else "end"
        lx = x + r + 4 if anchor == "start" else x - r - 4
        parts.append(f'<a href="{_a(link(n))}"><circle class="node {_a(n["kind"])}" '
                     f'cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"><title>{_a(tip)}</title></circle>'
                     f'<text class="node-label" x="{lx:.1f}" y="{y + 4:.1f}" '
                     f'text-anchor="{anchor}">{_a(_short(n["label"], 34))}</text></a>')
    parts.append("</svg>")
    return "".join(parts)
