"""The map of places: its neighbours and the Caspian Sea, a legend that says what marker size is, named
places whose names cover nothing, the same encoding in the print image, and no text outside the
chart on a phone or a desktop, light or dark."""

from __future__ import annotations

import pytest

from qantar.charts import places_map
from qantar.figures import (
    CASPIAN_LABEL,
    MAP_MODES,
    NEIGHBOUR_LABELS,
    SIZE_TITLE,
    SIZE_VALUES,
    map_figure,
    map_label_layout,
)
from qantar.views import map_points
from test_claims_chart import open_claims, standalone_page
from test_figures import walk


def layer(spec: dict, name: str) -> dict:
    (found,) = [node for node in walk(spec) if node.get("name") == name and "mark" in node]
    return found


def rows_of(spec: dict, name: str) -> list[dict]:
    return spec["datasets"][layer(spec, name)["data"]["name"]]


def test_the_legend_says_what_marker_size_is():
    spec = places_map().spec()
    (size,) = [node for node in walk(spec) if node.get("field") == "events" and "legend" in node]
    title = " ".join(size["title"])
    assert title == " ".join(SIZE_TITLE)
    assert "number of timeline entries at the place" in title
    assert size["legend"]["values"] == list(SIZE_VALUES)
    figure = places_map()
    assert "not the size of protests or the number of people involved" in figure.caption
    assert "timeline entries" in figure.table.columns
    for text in (row["description"] for row in rows_of_described(spec)):
        assert " timeline entr" in text and " events of the kind" not in text


def rows_of_described(spec: dict) -> list[dict]:
    return [row for rows in spec["datasets"].values() for row in rows if "description" in row]


def test_the_map_draws_the_neighbours_and_the_caspian_sea_under_kazakhstan():
    spec = places_map().spec()
    order = [node.get("name") for node in spec["layer"]]
    assert order.index("map_water") < order.index("map_neighbours") < order.index(None)  # water, land, regions
    names = {row["name"] for row in rows_of(spec, "map_neighbour_name")}
    assert names == {name for name, _, _ in NEIGHBOUR_LABELS}
    assert [row["name"] for row in rows_of(spec, "map_water_name")] == [CASPIAN_LABEL[0]]
    # The projection is fitted to the map's frame, not to the neighbours (which reach further).
    projection = spec["projection"]
    assert projection["fit"]["features"][0]["geometry"]["type"] == "MultiPoint"
    assert projection["clipExtent"] == {"expr": "[[0, 0], [width, height]]"}
    # Light and dark colours: each pair keeps its contrast (text 4.5:1; land, water and Kazakhstan told apart).
    light = spec["config"]["style"]
    dark = spec["usermeta"]["qantar_dark_config"]["style"]
    for styles in (light, dark):
        assert contrast(styles["neighbour_name"]["color"], styles["neighbour"]["color"]) >= 4.5
        assert contrast(styles["water_name"]["color"], styles["water"]["color"]) >= 4.5
        assert contrast(styles["neighbour"]["color"], styles["water"]["color"]) >= 1.1
        assert contrast(styles["neighbour"]["color"], styles["kazakhstan"]["color"]) >= 1.2
    assert "Caspian Sea" in places_map().summary and "Kyrgyzstan" in places_map().summary


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("mode", list(MAP_MODES))
def test_every_place_name_finds_a_free_spot_in_each_layout(mode):
    points = map_points()
    layout = map_label_layout(points, mode)
    named = set(points.loc[points["kind"] != "region", "name"])
    assert set(layout["name"]) == named
    # A spot that covers no other name or marker and stays on the map (see the browser test for the real one).
    assert (layout["cost"] < 150).all(), layout[layout["cost"] >= 150]


def test_the_print_image_draws_the_same_encoding():
    from matplotlib.collections import PathCollection

    points = map_points()
    figure = map_figure()
    axis = figure.axes[0]
    texts = {text.get_text() for text in axis.texts}
    assert {name for name, _, _ in NEIGHBOUR_LABELS} | {CASPIAN_LABEL[0]} <= texts
    assert set(points.loc[points["kind"] != "region", "name"]) <= texts
    legends = {legend.get_title().get_text(): legend for legend in figure.legends}
    assert "\n".join(SIZE_TITLE) in legends and "Kind of event" in legends
    assert [t.get_text() for t in legends["\n".join(SIZE_TITLE)].get_texts()] == [str(v) for v in SIZE_VALUES]
    markers = [c for c in axis.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in markers) == len(points)
    # Bigger counts draw bigger markers, as on screen: one marker area per count, growing with it.
    by_count = {}
    for collection in markers:
        group = points[points["group"] == collection.get_label()]
        assert len(group) == len(collection.get_sizes())
        for count, size in zip(group["events"], collection.get_sizes()):
            by_count.setdefault(int(count), set()).add(round(float(size), 3))
    assert all(len(sizes) == 1 for sizes in by_count.values())
    ordered = [next(iter(by_count[count])) for count in sorted(by_count)]
    assert ordered == sorted(ordered) and len(ordered) >= 3


# ----------------------------------------------------------------------------- in the browser

INSIDE = """(tolerance) => Array.from(document.querySelectorAll('.qantar-figure')).map(figure => {
  const svg = figure.querySelector('.qantar-figure__chart svg');
  const box = svg.getBoundingClientRect();
  const column = figure.getBoundingClientRect();
  const inside = r => r.left >= box.left - tolerance && r.right <= box.right + tolerance
    && r.top >= box.top - tolerance && r.bottom <= box.bottom + tolerance;
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const texts = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim() && shown(t));
  const legend = Array.from(svg.querySelectorAll('.role-legend path, .role-legend text')).filter(shown);
  const names = Array.from(svg.querySelectorAll('.role-mark text')).filter(t => t.textContent.trim() && shown(t));
  const overlaps = [];
  names.forEach((a, i) => names.slice(i + 1).forEach(b => {
    const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
    // Text boxes carry a little room above and below the letters: allow 2 px of it. The same words
    // twice are a label over its halo.
    const apart = p.right - 1 <= q.left || q.right - 1 <= p.left || p.bottom - 2 <= q.top || q.bottom - 2 <= p.top;
    if (a.textContent !== b.textContent && !apart) {
      overlaps.push(a.textContent + ' / ' + b.textContent);
    }
  }));
  const describe = e => ({text: e.textContent.slice(0, 60), box: (r => [r.left - box.left, r.top - box.top,
    r.right - box.left, r.bottom - box.top].map(Math.round))(e.getBoundingClientRect())});
  return {
    id: figure.id, width: box.width, column: column.width, legend: legend.length,
    names: names.map(t => t.textContent), words: texts.map(t => t.textContent).join(' '),
    outside: texts.concat(legend).filter(e => !inside(e.getBoundingClientRect())).map(describe),
    overlaps: overlaps,
  };
})"""


def dark_page(text: str) -> str:
    """The same page as the book's dark theme shows it (the figures' script reads data-theme)."""
    return text.replace('<html lang="en">', '<html lang="en" data-theme="dark">').replace(
        "body {", "body { background: #121212; color: #ececec;", 1
    )


@pytest.fixture(scope="module")
def map_pages(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("map")
    text = standalone_page([places_map()])
    pages = {}
    for theme, page in (("light", text), ("dark", dark_page(text))):
        path = folder / f"map-{theme}.html"
        path.write_text(page, encoding="utf-8")
        pages[theme] = path.as_uri()
    return pages


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_no_map_text_or_legend_outside_the_chart_and_no_name_over_another(browser, map_pages, width, theme):
    page, problems = open_claims(browser, map_pages[theme], width)
    (found,) = page.evaluate(INSIDE, 1)
    assert not found["outside"], (width, theme, found["outside"])
    assert not found["overlaps"], (width, theme, found["overlaps"])
    assert found["width"] <= found["column"] + 1, (width, theme, "the map is wider than its column")
    assert found["legend"] >= 2 * len(SIZE_VALUES)
    points = map_points()
    expected = set(points.loc[points["kind"] != "region", "name"]) | {CASPIAN_LABEL[0]}
    expected |= {name for name, _, _ in NEIGHBOUR_LABELS}
    assert expected <= set(found["names"]), expected - set(found["names"])
    assert "".join(SIZE_TITLE) in found["words"]  # a title of two lines: two tspans
    # Dark: the water and the neighbours are dark, the names light.
    fills = page.evaluate("""() => Array.from(document.querySelectorAll('.qantar-figure svg .role-mark'))
        .map(g => [g.getAttribute('class'), (g.querySelector('path, text') || {}).getAttribute &&
                   getComputedStyle(g.querySelector('path, text')).fill])""")
    if theme == "dark":
        water = [fill for name, fill in fills if name and "map_water_marks" in name and "name" not in name]
        assert water and all(sum(int(c) for c in fill[4:-1].split(",")) < 200 for fill in water), water
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not problems, problems
    page.context.close()
