"""The timelines: key events named beside their markers, the phases the chapters name shaded, the same
encoding in the print image, and every label present, unclipped and apart at 375 and 1280 px, light and
dark, on a standalone page and on the built book's pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qantar.charts import timeline_chart
from qantar.data import load
from qantar.figures import PHASES, _timeline_model, timeline_figure
from qantar.views import timeline_between
from test_claims_chart import open_claims, standalone_page
from test_map_chart import INSIDE, dark_page

REPO = Path(__file__).resolve().parents[1]
# The periods the chapters chart, read from the chapters (timeline_chart("2022-01-01", "2022-01-07", ...)).
PERIODS = sorted(
    {
        period
        for page in (REPO / "chapters").glob("*.md")
        for period in re.findall(
            r"""timeline_chart\(\s*["'](\d{4}-\d\d-\d\d)["'],\s*["'](\d{4}-\d\d-\d\d)["']""",
            page.read_text(encoding="utf-8"),
        )
    }
)


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_chapters_chart_the_periods_these_tests_check():
    assert ("2022-01-01", "2022-01-07") in PERIODS and ("2022-01-21", "2024-12-31") in PERIODS


def test_key_events_have_short_labels_that_name_their_own_event():
    timeline = load("timeline")
    assert str(timeline["key"].dtype) == "boolean" and timeline["key"].notna().all()
    keys = timeline[timeline["key"]]
    assert keys["label"].notna().all() and timeline.loc[~timeline["key"], "label"].isna().all()
    for row in keys.itertuples():
        assert len(row.label) <= 30, row.label
        # No new facts: every name and number of the label (past its first word) is in the event's own text.
        for word in re.findall(r"[\w'-]+", row.label)[1:]:
            if word[0].isupper() or any(c.isdigit() for c in word):
                assert word in row.event, (row.label, word)
    assert keys["label"].is_unique
    assert not set(keys["label"]) & {label for _, _, label, _, _ in PHASES}, "a phase and an event share a name"


@pytest.mark.parametrize("period", PERIODS, ids="-".join)
def test_each_charted_period_has_a_few_key_events_each_with_a_free_spot(period):
    model = _timeline_model(*period)
    keys = model.events[model.events["key"]]
    assert 4 <= len(keys) <= 10, len(keys)
    for mode, labels in model.labels.groupby("mode"):
        assert sorted(labels["event"]) == sorted(keys.index), mode
        # The layout's boxes are generous (wider letters, room around each name, the narrowest and the
        # widest plot of the layout): a wide column has a free spot for every name; on a phone a few
        # names may only find one that these margins call tight (the browser test measures the real ones).
        limit = 0 if mode == "wide" else 400
        assert (labels["clash"] <= limit).all(), labels[labels["clash"] > limit]


def test_every_phase_is_named_in_its_chapter_and_falls_on_timeline_days():
    days = set(load("timeline")["date"].dt.strftime("%Y-%m-%d"))
    for first, last, label, chapter, passage in PHASES:
        text = words((REPO / chapter).read_text(encoding="utf-8"))
        assert words(passage) in text, (label, chapter)
        assert first < last and len(label) <= 32
        assert first in days, (label, first)
    # The first week has its phases; overlapping phases stand in separate lanes.
    phases = _timeline_model("2022-01-01", "2022-01-07").phases
    assert {"Protests over the fuel price", "CSTO force in Kazakhstan"} <= set(phases["label"])
    for a in phases.itertuples():
        for b in phases.itertuples():
            if a.Index < b.Index and a.start <= b.end and b.start <= a.end:
                assert a.lane != b.lane, (a.label, b.label)


def test_the_live_chart_carries_the_labels_and_bands_and_the_print_image_draws_them():
    for period in PERIODS:
        figure = timeline_chart(*period)
        spec = figure.spec()
        model = _timeline_model(*period)
        labels = set(model.events.loc[model.events["key"], "label"])
        rows = [row for rows in spec["datasets"].values() for row in rows]
        shown = {row["label"] for row in rows if "label" in row and "mode" in row}
        assert shown == labels
        assert {row["label"] for row in rows if "lane" in row} == set(model.phases["label"])
        for label in labels:
            assert label in figure.summary
        # The marks that carry details are the events, one each (labels and bands are not marks).
        described = [row for row in rows if "description" in row]
        assert len(described) == len(timeline_between(*period))
        static = timeline_figure(*period)
        texts = {text.get_text() for text in static.axes[0].texts}
        assert labels | set(model.phases["label"]) <= texts


# ----------------------------------------------------------------------------- in the browser

LABELS = """() => Array.from(document.querySelectorAll('.qantar-figure')).map(figure => ({id: figure.id,
  labels: Array.from(figure.querySelectorAll('svg .role-mark text')).map(t => t.textContent)}))"""


def check_page(page, width: int, theme: str, where: str, expected: dict[str, set[str]]) -> None:
    found = {figure["id"]: figure for figure in page.evaluate(INSIDE, 1)}
    texts = {figure["id"]: set(figure["labels"]) for figure in page.evaluate(LABELS)}
    for name, labels in expected.items():
        figure = found[f"figure-{name}"]
        assert labels <= texts[f"figure-{name}"], (where, width, theme, labels - texts[f"figure-{name}"])
        assert not figure["outside"], (where, width, theme, name, figure["outside"])
        assert not figure["overlaps"], (where, width, theme, name, figure["overlaps"])
        assert figure["width"] <= figure["column"] + 1, (where, width, theme, name)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (where, "the page scrolls sideways")


def expected_labels(period) -> set[str]:
    model = _timeline_model(*period)
    return set(model.events.loc[model.events["key"], "label"]) | set(model.phases["label"])


@pytest.fixture(scope="module")
def timeline_pages(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("timelines")
    text = standalone_page([timeline_chart(*period) for period in PERIODS])
    pages = {}
    for theme, page in (("light", text), ("dark", dark_page(text))):
        path = folder / f"timelines-{theme}.html"
        path.write_text(page, encoding="utf-8")
        pages[theme] = path.as_uri()
    return pages


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_key_labels_and_phases_are_present_unclipped_and_apart(browser, timeline_pages, width, theme):
    page, problems = open_claims(browser, timeline_pages[theme], width)
    check_page(page, width, theme, "standalone", {f"timeline-{a}-{b}": expected_labels((a, b)) for a, b in PERIODS})
    # A filter hides the labels of the events it hides.
    name = f"timeline-{PERIODS[0][0]}-{PERIODS[0][1]}"
    page.locator(f"#figure-{name}").get_by_label("Category:").select_option(label="csto")
    page.wait_for_timeout(200)
    model = _timeline_model(*PERIODS[0])
    keys = model.events[model.events["key"]]
    shown = {figure["id"]: set(figure["labels"]) for figure in page.evaluate(LABELS)}[f"figure-{name}"]
    assert set(keys.loc[keys["category"] == "csto", "label"]) <= shown
    assert not set(keys.loc[keys["category"] != "csto", "label"]) & shown
    assert not problems, problems
    page.context.close()


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_each_timeline_of_the_built_book_has_its_key_labels(browser, built_book, site_url, width, theme):
    pages = sorted(
        path.relative_to(built_book).as_posix()
        for path in (built_book / "chapters").glob("*.html")
        if 'id="figure-timeline-' in path.read_text(encoding="utf-8")
    )
    assert len(pages) >= 2
    for path in pages:
        text = (built_book / path).read_text(encoding="utf-8")
        periods = re.findall(r'id="figure-timeline-(\d{4}-\d\d-\d\d)-(\d{4}-\d\d-\d\d)"', text)
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=theme)
        page = context.new_page()
        page.goto(f"{site_url}/{path}", wait_until="networkidle")
        page.wait_for_function(
            "document.querySelectorAll('.qantar-figure').length === "
            "document.querySelectorAll('.qantar-figure--live').length"
        )
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        check_page(page, width, theme, path, {f"timeline-{a}-{b}": expected_labels((a, b)) for a, b in periods})
        context.close()
