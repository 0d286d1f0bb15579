"""The map data: the base geometry of Kazakhstan and a point for every place the timeline names."""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from qantar.data import DataError, geometry_names, load, load_geometry, validate_all

from conftest import REPO

DATA = REPO / "data"
GEOMETRY = DATA / "geo" / "kazakhstan.geojson"
NOT_PLACES = {"Nationwide", "Videoconference"}
TOLERANCE = 0.3  # degrees: a coastal city may fall just outside a simplified coastline


# --- a small planar point-in-polygon, enough for points well inside or near a region ---------------


def inside_ring(x: float, y: float, ring: list) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def polygons_of(feature: dict) -> list:
    geometry = feature["geometry"]
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def inside_feature(x: float, y: float, feature: dict) -> bool:
    return any(
        inside_ring(x, y, polygon[0]) and not any(inside_ring(x, y, hole) for hole in polygon[1:])
        for polygon in polygons_of(feature)
    )


def distance_to_segment(x, y, x1, y1, x2, y2) -> float:
    dx, dy = x2 - x1, y2 - y1
    t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - x1 - t * dx, y - y1 - t * dy)


def distance_to_feature(x: float, y: float, feature: dict) -> float:
    """0 inside the feature, else the distance in degrees to its nearest edge."""
    if inside_feature(x, y, feature):
        return 0.0
    return min(
        distance_to_segment(x, y, *a, *b)
        for polygon in polygons_of(feature)
        for ring in polygon
        for a, b in zip(ring, ring[1:])
    )


@pytest.fixture(scope="module")
def geometry() -> dict:
    return load_geometry("kazakhstan", DATA)


@pytest.fixture(scope="module")
def places() -> pd.DataFrame:
    return load("places", DATA)


# --- the geometry --------------------------------------------------------------------------------


def test_the_geometry_is_a_small_feature_collection_of_the_regions(geometry):
    assert geometry["type"] == "FeatureCollection"
    assert "kazakhstan" in geometry_names(DATA)
    regions = {f["properties"]["name_2022"] for f in geometry["features"] if f["properties"]["kind"] == "region"}
    assert len(regions) == 14 and "Mangystau Region" in regions and "Almaty Region" in regions
    cities = {f["properties"]["name_2022"] for f in geometry["features"] if f["properties"]["kind"] == "city"}
    assert cities == {"Almaty (city)", "Nur-Sultan (city)"}
    assert GEOMETRY.stat().st_size < 80_000, "simplify harder in data/geo/make_geometry.py"
    for feature in geometry["features"]:
        for polygon in polygons_of(feature):
            for ring in polygon:
                assert all(round(value, 3) == value for position in ring for value in position)


def test_the_geometry_spans_kazakhstan(geometry):
    longitudes = [x for f in geometry["features"] for p in polygons_of(f) for r in p for x, _ in r]
    latitudes = [y for f in geometry["features"] for p in polygons_of(f) for r in p for _, y in r]
    assert 46 < min(longitudes) < 47.5 and 87 < max(longitudes) < 88
    assert 40 < min(latitudes) < 41 and 55 < max(latitudes) < 56


def test_the_build_checks_the_geometry(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    (folder / "geo" / "kazakhstan.geojson").write_text("{", encoding="utf-8")
    with pytest.raises(DataError, match=r"kazakhstan\.geojson: is not valid JSON"):
        validate_all(folder)


def copy_geometry(tmp_path: Path, change=None, text: str | None = None) -> Path:
    folder = tmp_path / "data"
    (folder / "geo").mkdir(parents=True)
    if text is None:
        collection = json.loads(GEOMETRY.read_text(encoding="utf-8"))
        change(collection)
        text = json.dumps(collection)
    (folder / "geo" / "kazakhstan.geojson").write_text(text, encoding="utf-8")
    return folder


def first_ring(collection: dict, index: int = 1) -> list:
    geometry = collection["features"][index]["geometry"]
    return geometry["coordinates"][0] if geometry["type"] == "Polygon" else geometry["coordinates"][0][0]


def set_position(value):
    def change(collection):
        first_ring(collection)[3] = value

    return change


def set_geometry(value):
    def change(collection):
        collection["features"][1]["geometry"] = value

    return change


def drop_property(key):
    def change(collection):
        del collection["features"][1]["properties"][key]

    return change


def reverse_first_ring(collection):
    first_ring(collection).reverse()


def set_type(collection):
    collection["type"] = "GeometryCollection"


# Each broken copy: (how to break it, what the message must say after the file name).
BROKEN = {
    "wrong type": (set_type, "field 'type': must be a GeoJSON FeatureCollection, not 'GeometryCollection'"),
    "missing geometry": (set_geometry(None), "feature 1 (id 'KZ.AT'), field 'geometry': is missing"),
    "wrong geometry type": (
        set_geometry({"type": "Point", "coordinates": [57.2, 50.3]}),
        "feature 1 (id 'KZ.AT'), field 'geometry.type': 'Point' is not one of",
    ),
    "latitude out of range": (
        set_position([57.2, 95.0]),
        "feature 1 (id 'KZ.AT'), field 'geometry.coordinates': ring 0, position 3: [57.2, 95.0] is out of range",
    ),
    "swapped pair out of range": (set_position([50.3, 257.2]), "position 3: [50.3, 257.2] is out of range"),
    "text instead of a number": (set_position(["57.2", 50.3]), "position 3: ['57.2', 50.3] is not a pair of numbers"),
    "missing name": (drop_property("name"), "feature 1 (id 'KZ.AT'), field 'properties.name': is missing or empty"),
    "anticlockwise exterior": (
        reverse_first_ring,
        "feature 1 (id 'KZ.AT'), field 'geometry.coordinates': ring 0: the exterior ring runs anticlockwise",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_geometry_fails_naming_file_feature_and_field(tmp_path, case):
    change, expected = BROKEN[case]
    folder = copy_geometry(tmp_path, change)
    with pytest.raises(DataError) as raised:
        load_geometry("kazakhstan", folder)
    message = str(raised.value)
    assert "kazakhstan.geojson" in message
    assert expected in message


def test_bad_json_and_a_missing_file_fail_naming_the_file(tmp_path):
    folder = copy_geometry(tmp_path, text='{"type": "FeatureCollection", "features": [')
    with pytest.raises(DataError, match=r"geo/kazakhstan\.geojson: is not valid JSON"):
        load_geometry("kazakhstan", folder)
    with pytest.raises(DataError, match=r"geo/nowhere\.geojson: the geometry 'nowhere' is missing"):
        load_geometry("nowhere", folder)


def test_the_build_script_keeps_shared_borders_and_d3_winding():
    spec = importlib.util.spec_from_file_location("make_geometry", DATA / "geo" / "make_geometry.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    line = [(0, 0), (1, 0.001), (2, 0), (3, 0.5), (4, 0)]
    assert script.douglas_peucker(line, 0.01) == [(0, 0), (2, 0), (3, 0.5), (4, 0)]
    square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]  # anticlockwise
    hole = [[0.2, 0.2], [0.2, 0.8], [0.8, 0.8], [0.8, 0.2], [0.2, 0.2]]  # clockwise
    exterior, inner = script.d3_order([square, hole])
    assert script.signed_area(exterior) < 0 < script.signed_area(inner)


# --- the places ----------------------------------------------------------------------------------


def timeline_places() -> set[str]:
    cells = load("timeline", DATA)["place"].dropna()
    return {item for cell in cells for item in cell.split("; ")} - NOT_PLACES


def test_every_place_of_the_timeline_has_a_row(places):
    missing = timeline_places() - set(places["place"])
    assert not missing, f"add these places to data/places.csv: {sorted(missing)}"
    unused = set(places["place"]) - timeline_places()
    assert not unused, f"places no timeline row names: {sorted(unused)}"


def test_every_place_with_a_point_names_its_source(places):
    located = places.dropna(subset=["latitude", "longitude"])
    assert len(located) == len(places), "a place without coordinates: give a source or explain in note"
    assert located["source_id"].notna().all()
    kazakh = places[places["country"] == "Kazakhstan"]
    assert kazakh["region"].notna().all()
    assert places.loc[places["country"] != "Kazakhstan", "region"].isna().all()
    for row in places[places["kind"] == "region"].itertuples():
        assert "centre" in row.note, f"{row.place}: say where the point of a region stands"


def test_kazakh_places_lie_in_kazakhstan_and_in_their_region(places, geometry):
    features = geometry["features"]
    by_region = {f["properties"]["name_2022"]: f for f in features}
    by_region["Shymkent (city)"] = by_region["Turkistan Region and Shymkent (city)"]  # the map predates 2018
    for row in places.dropna(subset=["latitude", "longitude"]).itertuples():
        distance = min(distance_to_feature(row.longitude, row.latitude, f) for f in features)
        if row.country == "Kazakhstan":
            assert distance <= TOLERANCE, f"{row.place} lies {distance:.2f}° outside Kazakhstan"
            region = distance_to_feature(row.longitude, row.latitude, by_region[row.region])
            assert region <= TOLERANCE, f"{row.place} lies {region:.2f}° outside {row.region}"
        else:
            # Bishkek lies about 0.2° from the border, so only "not inside" can be asked.
            assert distance > 0, f"{row.place} ({row.country}) lies in Kazakhstan: are the coordinates swapped?"


def test_two_names_of_one_place_share_a_point_and_a_label(places):
    rows = places.set_index("place")
    for first, second in (("Nur-Sultan", "Astana"),):
        assert rows.loc[first, "name"] == rows.loc[second, "name"]
        assert rows.loc[first, "latitude"] == rows.loc[second, "latitude"]
        assert rows.loc[first, "longitude"] == rows.loc[second, "longitude"]


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("latitude", "95", "'95' is above the maximum 90"),
        ("longitude", "-181", "'-181' is below the minimum -180"),
        ("region", "Jetisu Region", "'Jetisu Region' is not one of the allowed values"),
        ("source_id", "no_such_source", "'no_such_source' is not a source_id"),
    ],
)
def test_a_broken_places_table_fails_naming_row_and_field(tmp_path, field, value, expected):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    path = folder / "places.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index(field)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    with pytest.raises(DataError) as raised:
        validate_all(folder)
    assert f"places.csv, row 1 (line 2), field '{field}': {expected}" in str(raised.value)


# --- the neighbours ------------------------------------------------------------------------------

NEIGHBOURS = DATA / "geo" / "neighbours.geojson"


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, DATA / "geo" / f"{name}.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


@pytest.fixture(scope="module")
def neighbours() -> dict:
    return load_geometry("neighbours", DATA)


def test_the_neighbours_are_the_countries_around_kazakhstan_small_and_rounded(neighbours):
    assert "neighbours" in geometry_names(DATA)
    names = {f["properties"]["name"] for f in neighbours["features"]}
    assert {"Russia", "China", "Kyrgyzstan", "Uzbekistan", "Turkmenistan"} <= names
    assert "Kazakhstan" not in names  # kazakhstan.geojson draws it, region by region
    assert {f["properties"]["kind"] for f in neighbours["features"]} == {"country"}
    assert NEIGHBOURS.stat().st_size < 40_000, "simplify harder or clip tighter in data/geo/make_neighbours.py"
    script = load_script("make_neighbours")
    west, south, east, north = script.FRAME
    for feature in neighbours["features"]:
        for polygon in polygons_of(feature):
            for ring in polygon:
                for x, y in ring:
                    assert round(x, 2) == x and round(y, 2) == y
                    assert west <= x <= east and south <= y <= north, (feature["id"], x, y)


def test_the_neighbours_cover_every_part_of_the_frame_the_map_can_show():
    """The live map shows at least MAP_FRAME; the neighbours' box (where water is drawn) holds it."""
    from qantar.figures import MAP_FRAME, NEIGHBOURS_FRAME

    script = load_script("make_neighbours")
    assert NEIGHBOURS_FRAME == script.FRAME
    west, south, east, north = MAP_FRAME
    assert script.FRAME[0] < west - 5 and script.FRAME[1] < south - 5
    assert script.FRAME[2] > east + 5 and script.FRAME[3] > north + 5


def test_each_neighbours_name_stands_in_its_country_and_the_caspians_in_none(neighbours, geometry):
    from qantar.figures import CASPIAN_LABEL, MAP_FRAME, NEIGHBOUR_LABELS

    by_name = {f["properties"]["name"]: f for f in neighbours["features"]}
    west, south, east, north = MAP_FRAME
    for name, x, y in NEIGHBOUR_LABELS:
        assert inside_feature(x, y, by_name[name]), f"the label {name} at {x}, {y} is outside {name}"
        assert west < x < east and south < y < north, name
    assert {name for name, _, _ in NEIGHBOUR_LABELS} >= {"Russia", "China", "Kyrgyzstan", "Uzbekistan", "Turkmenistan"}
    name, x, y = CASPIAN_LABEL
    land = neighbours["features"] + geometry["features"]
    assert not [f["properties"]["name"] for f in land if inside_feature(x, y, f)], "the sea's name is on land"
    assert min(distance_to_feature(x, y, f) for f in land) > 0.3


def test_the_neighbours_script_clips_to_its_frame():
    script = load_script("make_neighbours")
    square = [[0, 0], [0, 4], [4, 4], [4, 0], [0, 0]]
    clipped = script.clip_ring(square, (1, 1, 3, 5))
    assert clipped[0] == clipped[-1]
    assert {tuple(p) for p in clipped} == {(1, 1), (1, 4), (3, 4), (3, 1)}
    assert script.clip_ring(square, (10, 10, 20, 20)) == []


def test_the_readme_gives_the_neighbours_source_as_the_script_checks_it():
    script = load_script("make_neighbours")
    readme = (DATA / "geo" / "README.md").read_text(encoding="utf-8")
    assert script.INTEGRITY in readme and f"{script.PACKAGE}@{script.VERSION}" in readme
    sources = load("sources", DATA).set_index("source_id")
    assert script.VERSION in sources.loc["naturalearth_admin0_50m", "url"]


def test_a_broken_neighbours_file_fails_the_build_naming_it(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    collection = json.loads((folder / "geo" / "neighbours.geojson").read_text(encoding="utf-8"))
    del collection["features"][0]["properties"]["kind"]
    (folder / "geo" / "neighbours.geojson").write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(DataError, match=r"neighbours\.geojson, feature 0 .*'properties\.kind': is missing"):
        validate_all(folder)
