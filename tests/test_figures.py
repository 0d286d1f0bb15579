"""The interactive figures: their specifications, and how they behave in the built book in Chromium."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from qantar.charts import (
    FIGURE_MIME_TYPE,
    MAP_GROUPS,
    OTHER_GROUP,
    VEGALITE_MIME_TYPE,
    claims_chart,
    map_points,
    places_map,
    reactions_chart,
    timeline_chart,
)
from qantar.data import load
from qantar.views import claims_for, timeline_between

CHARTS = {
    "timeline-2022-01-01-2022-01-07": lambda: timeline_chart("2022-01-01", "2022-01-07"),
    "places-map": places_map,
    "claims-lpg_price_kzt_per_litre": lambda: claims_chart("lpg_price_kzt_per_litre"),
    "claims-csto_personnel": lambda: claims_chart("csto_personnel"),
    "claims-deaths": lambda: claims_chart("deaths"),
    "reactions": reactions_chart,
    "timeline-2022-01-21-2024-12-31": lambda: timeline_chart("2022-01-21", "2024-12-31"),
}
FIGURE_PAGES = {
    "chapters/causes.html": ["claims-lpg_price_kzt_per_litre"],
    "chapters/causes-spread.html": ["timeline-2022-01-01-2022-01-07", "places-map"],
    "chapters/article-4-deployment.html": ["claims-csto_personnel"],
    "chapters/great-powers.html": ["reactions"],
    "chapters/after.html": ["claims-deaths"],
    "chapters/after-politics.html": ["timeline-2022-01-21-2024-12-31"],
}


def every_chart():
    return [timeline_chart("2022-01-01", "2022-01-20"), claims_chart("deaths"), reactions_chart(), places_map()]


def described_rows(figure) -> list[dict]:
    """The rows of a figure's data that are drawn as marks (they carry a description)."""
    return [row for rows in figure.spec()["datasets"].values() for row in rows if "description" in row]


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


# ----------------------------------------------------------------------------- in Python


def test_each_figure_carries_its_data_a_static_image_and_a_text_alternative():
    for figure in every_chart():
        bundle = figure._repr_mimebundle_()
        spec = bundle[VEGALITE_MIME_TYPE]
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v5"), figure.name
        # Data inline: no part of the chart is fetched (a page opened from disk cannot fetch).
        assert not [node for node in walk(spec) if "url" in node and isinstance(node["url"], str)], figure.name
        assert any(p.get("bind") for p in spec.get("params", [])) or any(
            p.get("bind") for layer in spec.get("layer", []) for p in layer.get("params", [])
        ), figure.name
        png = base64.b64decode(bundle["image/png"])
        assert png.startswith(b"\x89PNG") and len(png) > 5000, figure.name
        content = bundle[FIGURE_MIME_TYPE]
        assert content["summary"] and content["caption"] and "<table" in content["table_html"]
        assert figure.summary in bundle["text/plain"]


def test_the_timeline_figure_shows_every_event_of_its_dates():
    figure = timeline_chart("2022-01-04", "2022-01-06")
    events = timeline_between("2022-01-04", "2022-01-06")
    assert len(figure.table) == len(events)
    rows = described_rows(figure)  # the events' markers (the labels and the phases are no marks)
    assert sorted(row["event"] for row in rows) == sorted(events["event"])
    assert f"{len(events)} events" in figure.summary


def test_the_claims_figure_holds_every_claim_of_every_quantity():
    claims = load("claims")
    figure = claims_chart("csto_personnel")
    assert len(figure.table) == len(claims)
    assert f"{(claims['quantity'] == 'csto_personnel').sum()} claims run from" in figure.summary
    for claim in claims_for("csto_personnel").itertuples():
        assert claim.claim in set(figure.table["claim"])


def test_the_map_places_every_kazakh_event_and_only_those():
    points = map_points()
    places = load("places").set_index("place")
    timeline = load("timeline")
    january = timeline[(timeline["date"] >= "2022-01-01") & (timeline["date"] <= "2022-01-31")]
    mentions = [
        p
        for cell in january["place"].dropna()
        for p in cell.split("; ")
        if p in places.index and places.loc[p, "country"] == "Kazakhstan"
    ]
    assert points["events"].sum() == len(mentions)
    assert "Moscow" not in set(points["name"]) and "Almaty" in set(points["name"])
    assert (points["latitude"].between(40, 56) & points["longitude"].between(46, 88)).all()


def test_the_map_counts_each_event_under_its_own_kind():
    """A protest marker counts protests only: prices, violence and announcements have their own kinds."""
    timeline = load("timeline")
    places = load("places").set_index("place")
    january = timeline[(timeline["date"] >= "2022-01-01") & (timeline["date"] <= "2022-01-31")]
    points = map_points()
    for point in points.itertuples():
        spellings = set(places.index[places["name"] == point.name])
        events = january[
            january["place"]
            .fillna("")
            .str.split("; ")
            .apply(lambda cell, spellings=spellings: bool(spellings & set(cell)))
        ]
        categories = {c for c in events["category"] if MAP_GROUPS.get(c, OTHER_GROUP) == point.group}
        assert point.events == events["category"].isin(categories).sum() > 0, (point.name, point.group)
        if point.group == "Protests":
            assert categories == {"protest"}
    # Markers that share a point are set apart, never drawn on top of each other.
    assert not points.duplicated(["lon", "latitude"]).any()


def test_bad_arguments_get_a_clear_error():
    with pytest.raises(ValueError, match="no events between"):
        timeline_chart("2030-01-01", "2030-01-02")
    with pytest.raises(ValueError, match="the quantities are: .*deaths"):
        claims_chart("casualties")


def test_a_figure_in_jupyter_is_a_vegalite_v5_chart(built_book):
    """JupyterLab, Notebook 7 and VS Code draw Vega-Lite 5 themselves: the executed notebook must carry it."""
    executed = built_book.parent / "jupyter_execute" / "chapters" / "great-powers.ipynb"
    notebook = json.loads(executed.read_text())
    kinds = [set(output.get("data", {})) for cell in notebook["cells"] for output in cell.get("outputs", [])]
    assert any(VEGALITE_MIME_TYPE in kind and FIGURE_MIME_TYPE in kind and "image/png" in kind for kind in kinds)


# ----------------------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def chromium(browser):
    """The session's Chromium (tests/conftest.py)."""
    return browser


def open_page(chromium, url: str, **context):
    page = chromium.new_context(**context).new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"exception: {error}"))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on(
        "request",
        lambda request: (
            problems.append(f"request to {request.url}")
            if not request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else None
        ),
    )
    page.goto(url, wait_until="networkidle")
    page.wait_for_function(
        "document.querySelectorAll('.qantar-figure').length === "
        "document.querySelectorAll('.qantar-figure--live').length"
    )
    return page, problems


def marks(page, figure_id: str) -> list[str]:
    return page.evaluate("id => window.qantarFigures.marks(document.getElementById(id))", f"figure-{figure_id}")


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("page_path", sorted(FIGURE_PAGES))
def test_figures_draw_with_one_mark_per_row_and_no_request_elsewhere(chromium, site_url, page_path):
    page, problems = open_page(chromium, f"{site_url}/{page_path}")
    ids = page.eval_on_selector_all(".qantar-figure", "figures => figures.map(f => f.id)")
    assert sorted(ids) == sorted(f"figure-{name}" for name in FIGURE_PAGES[page_path])
    for name in FIGURE_PAGES[page_path]:
        figure = page.locator(f"#figure-{name}")
        assert figure.locator(".qantar-figure__chart svg").count() == 1
        assert figure.locator(".qantar-figure__static img").get_attribute("alt")
        assert not figure.locator(".qantar-figure__static").is_visible()  # the live chart replaces it
        rows = figure.locator(".qantar-figure__alternative tbody tr").count()
        shown = marks(page, name)
        expected = described_rows(CHARTS[name]())
        if name.startswith("claims-"):
            quantity = name.removeprefix("claims-")
            expected = [row for row in expected if row["quantity"] == quantity]
        else:
            assert len(shown) == rows, name
        # Every mark is one row of the figure's data, and every row is a mark.
        assert sorted(shown) == sorted(row["description"] for row in expected), name
    assert not problems, problems


@pytest.mark.book
@pytest.mark.browser
def test_filters_change_what_the_timeline_and_the_map_show(chromium, site_url):
    page, problems = open_page(chromium, f"{site_url}/chapters/causes-spread.html")
    name = "timeline-2022-01-01-2022-01-07"
    everything = marks(page, name)
    events = timeline_between("2022-01-01", "2022-01-07")
    figure = page.locator(f"#figure-{name}")
    figure.get_by_label("Category:").select_option(label="protest")
    page.wait_for_timeout(200)
    protest = marks(page, name)
    assert len(protest) == (events["category"] == "protest").sum() < len(everything)
    assert all(", protest, " in text for text in protest)
    figure.get_by_label("Category:").select_option(label="All categories")
    figure.get_by_label("Actor:").select_option(label="Kassym-Jomart Tokayev")
    page.wait_for_timeout(200)
    tokayev = marks(page, name)
    expected = events["actors"].fillna("").str.split("; ").apply(lambda names: "Kassym-Jomart Tokayev" in names)
    assert len(tokayev) == expected.sum() > 0

    geo = page.locator("#figure-places-map")
    every_place = marks(page, "places-map")
    geo.get_by_label("Show:").select_option(label="CSTO mission")
    page.wait_for_timeout(200)
    csto = marks(page, "places-map")
    assert 0 < len(csto) < len(every_place)
    assert all("of the kind csto mission," in text for text in csto)
    assert any(text.startswith("Almaty") for text in csto)
    assert not problems, problems


@pytest.mark.book
@pytest.mark.browser
def test_the_claims_selector_switches_quantity(chromium, site_url):
    page, problems = open_page(chromium, f"{site_url}/chapters/article-4-deployment.html")
    name = "claims-csto_personnel"
    assert len(marks(page, name)) == len(claims_for("csto_personnel"))
    page.locator(f"#figure-{name}").get_by_label("Quantity:").select_option(label="Deaths (people)")
    page.wait_for_timeout(200)
    deaths = marks(page, name)
    from qantar.figures import _claims_model

    order = _claims_model("deaths").claims.sort_values("x", kind="stable")
    # The keyboard walks the deaths by the date of each claim, those with no exact date last.
    assert [text.split(", claimed by ")[0] for text in deaths] == list(order["claim"])
    assert all(" people, claimed by " in text for text in deaths)
    assert not problems, problems


@pytest.mark.book
@pytest.mark.browser
def test_details_on_hover_and_on_keyboard_focus(chromium, site_url):
    page, problems = open_page(chromium, f"{site_url}/chapters/great-powers.html")
    figure = page.locator("#figure-reactions")
    details = figure.locator(".qantar-figure__details")
    assert details.get_attribute("aria-live") == "polite"
    shown = marks(page, "reactions")

    # Keyboard: Tab from the last filter reaches the chart; arrows walk the marks in order.
    figure.get_by_label("Stance:").focus()
    page.keyboard.press("Tab")
    chart = figure.locator(".qantar-figure__chart")
    assert page.evaluate("() => document.activeElement.classList.contains('qantar-figure__chart')")
    assert chart.evaluate("e => getComputedStyle(e).outlineStyle") != "none"  # a visible focus
    assert details.inner_text() == f"Mark 1 of {len(shown)}: {shown[0]}"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert details.inner_text() == f"Mark 3 of {len(shown)}: {shown[2]}"
    assert figure.locator(".qantar-mark-focus").count() == 1
    page.keyboard.press("End")
    assert details.inner_text().startswith(f"Mark {len(shown)} of {len(shown)}: ")
    page.keyboard.press("Escape")
    assert details.inner_text() == "No mark selected." and figure.locator(".qantar-mark-focus").count() == 0

    # Hover: the mouse over a marker shows its details too (and vega-tooltip's box).
    box = page.evaluate("""() => {
        const item = document.querySelector('#figure-reactions .mark-symbol path');
        const r = item.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2];
    }""")
    page.mouse.move(*box)
    page.wait_for_timeout(300)
    assert details.inner_text() in shown
    assert page.locator("#vg-tooltip-element.visible").count() == 1
    assert not problems, problems


@pytest.mark.book
@pytest.mark.browser
def test_print_shows_the_static_image_and_dark_mode_redraws(chromium, site_url):
    page, problems = open_page(chromium, f"{site_url}/chapters/after.html")
    figure = page.locator("#figure-claims-deaths")
    image = figure.locator(".qantar-figure__static img")
    assert image.get_attribute("loading") == "lazy"
    assert image.evaluate("img => img.naturalWidth") == 0, "the hidden static image is fetched only for print"
    page.pdf()  # printing loads the image
    assert image.evaluate("img => img.complete && img.naturalWidth") > 300
    page.emulate_media(media="print")
    assert image.is_visible()
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert figure.locator(".qantar-figure__alternative table").is_visible()
    assert not figure.locator(".qantar-figure__chart").is_visible()
    assert not figure.locator(".qantar-figure__controls").is_visible()
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    assert figure.locator(".qantar-figure__chart").is_visible()
    assert not figure.locator(".qantar-figure__alternative table").is_visible()

    dark, dark_problems = open_page(chromium, f"{site_url}/chapters/after.html", color_scheme="dark")
    assert dark.evaluate("document.documentElement.dataset.theme") == "dark"
    fill = dark.evaluate("""() => getComputedStyle(
        document.querySelector('#figure-claims-deaths .role-axis-label text')).fill""")
    red, green, blue = (int(part) for part in fill.removeprefix("rgb(").removesuffix(")").split(","))
    assert min(red, green, blue) > 150, f"axis labels must be light on the dark page, got {fill}"
    fills = dark.evaluate("""() => Array.from(document.querySelectorAll('.qantar-figure .mark-symbol path'))
        .map(p => getComputedStyle(p).fill)""")
    assert fills and not [f for f in fills if f in ("rgb(0, 0, 0)", "black")], "a marker is black on the dark page"
    assert not problems and not dark_problems, problems + dark_problems


@pytest.mark.book
def test_vega_loads_only_on_pages_with_a_figure(built_book: Path):
    for page in sorted(built_book.rglob("*.html")):
        if "_static" in page.parts or "_downloads" in page.parts:
            continue
        text = page.read_text()
        has_figure = 'class="qantar-figure"' in text
        assert ("vendor/vega.min.js" in text) == has_figure, page.relative_to(built_book)
    vendored = built_book / "_static" / "vendor"
    assert {"vega.min.js", "vega-lite.min.js", "vega-embed.min.js"} <= {p.name for p in vendored.iterdir()}


def test_the_people_figure_marks_every_event_that_names_each_person():
    from qantar.data import load
    from qantar.figures import people_figure

    people = ["Karim Masimov", "Samat Abish"]
    figure = people_figure(people)
    axis = figure.axes[0]
    marks = sum(len(collection.get_offsets()) for collection in axis.collections)
    timeline = load("timeline")
    names = timeline["actors"].fillna("").str.split("; ")
    in_categories = timeline["category"].isin(["protest", "government", "politics", "justice"])
    expected = sum(int((names.apply(lambda a, p=p: p in a) & in_categories).sum()) for p in people)
    assert marks == expected > 0
    assert [label.get_text() for label in axis.get_yticklabels()] == people
    assert {text.get_text() for text in axis.get_legend().get_texts()} <= {
        "protest",
        "government",
        "politics",
        "justice",
    }
