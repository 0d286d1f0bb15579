"""Explorers and figures: live controls in Jupyter, a static default view in the book, figures with cues
beyond colour."""

from __future__ import annotations

import datetime as dt

import matplotlib.figure
import pytest

from qantar.data import load
from qantar.exercises.render import STATIC_HTML_MIME_TYPE
from qantar.figures import claims_figure, reactions_figure, timeline_figure
from qantar.views import claims_for, timeline_between
from qantar.widgets import claims_explorer, count_text, reactions_explorer, table_html, timeline_explorer


def test_the_timeline_explorer_filters_as_its_controls_change():
    explorer = timeline_explorer("2022-01-01", "2022-01-20")
    everything = len(explorer.frame())
    assert everything == len(timeline_between("2022-01-01", "2022-01-20"))
    explorer.controls["category"].value = "csto"
    expected = len(timeline_between("2022-01-01", "2022-01-20", category="csto"))
    assert f">{count_text(expected)}</p>" in explorer.count.value
    explorer.controls["end"].value = dt.date(2022, 1, 6)
    assert explorer.frame()["date"].max() <= dt.datetime(2022, 1, 6)


def test_counts_are_grammatical():
    assert [count_text(n) for n in (0, 1, 2)] == ["no rows", "1 row", "2 rows"]


def test_a_from_after_its_to_is_read_the_other_way_round_and_said():
    explorer = timeline_explorer("2022-01-01", "2022-01-20")
    explorer.controls["start"].value = dt.date(2022, 1, 15)
    explorer.controls["end"].value = dt.date(2022, 1, 5)  # never raises: the widget explains
    assert "“From” was after “To”: showing 2022-01-05 to 2022-01-15." in explorer.count.value
    shown = explorer.frame()
    assert len(shown) == len(timeline_between("2022-01-05", "2022-01-15")) > 0
    assert explorer.output.value == table_html(shown, explorer.columns)  # the table is not left stale
    explorer.controls["start"].value = None  # a cleared date picker means no limit on that side
    assert explorer.frame()["date"].min() >= dt.datetime(2022, 1, 1)


def test_every_control_combination_of_every_explorer_shows_a_table():
    timeline = timeline_explorer()
    days = [None, dt.date(2022, 1, 1), dt.date(2022, 1, 6), dt.date(2022, 1, 20), dt.date(2024, 12, 31)]
    for start in days:
        for end in days:
            for _, category in timeline.controls["category"].options:
                timeline.controls["category"].value = category
                timeline.controls["start"].value = start
                timeline.controls["end"].value = end
                assert "No table" not in timeline.count.value, (start, end, category)
    for explorer, name in ((claims_explorer(), "quantity"), (reactions_explorer(), "actor")):
        for option in explorer.controls[name].options:
            value = option[1] if isinstance(option, tuple) else option
            explorer.controls[name].value = value
            assert "No table" not in explorer.count.value and explorer.output.value, (name, value)


def test_the_static_view_is_the_default_selection_not_the_current_one():
    explorer = claims_explorer("deaths")
    explorer.controls["quantity"].value = "detained"
    bundle = explorer._repr_mimebundle_()
    static = bundle[STATIC_HTML_MIME_TYPE]["html"]
    assert f"{len(claims_for('deaths'))} rows" in static
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_reactions_explorer_lists_every_actor():
    explorer = reactions_explorer()
    actors = {value for _, value in explorer.controls["actor"].options if value}
    assert actors == set(load("reactions")["actor"])


def test_tables_escape_text_and_leave_unknowns_empty():
    import pandas as pd

    frame = pd.DataFrame({"a": ["<b>x</b>", None], "b": pd.array([1, None], dtype="Int64")})
    html = table_html(frame)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "&lt;NA&gt;" not in html and "<NA>" not in html and "nan" not in html


@pytest.mark.parametrize(
    "make, expected_items",
    [
        (lambda: claims_figure("csto_personnel"), len(claims_for("csto_personnel"))),
        (lambda: timeline_figure("2022-01-01", "2022-01-20"), None),
        (reactions_figure, None),
    ],
)
def test_figures_label_every_item(make, expected_items):
    figure = make()
    assert isinstance(figure, matplotlib.figure.Figure)
    axis = figure.axes[0]
    assert axis.get_xlabel()
    labels = [tick.get_text() for tick in axis.get_yticklabels()]
    assert all(labels)
    if expected_items is not None:
        assert len(labels) == expected_items
