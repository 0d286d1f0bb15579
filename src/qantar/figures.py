"""Static figures of the module's tables (matplotlib), drawn so that colour is never the only cue.

Each function returns a matplotlib Figure (closed, so that Jupyter shows it once, as the
cell's value); a chapter shows it in a cell whose
``mystnb.figure`` metadata gives the caption and ``mystnb.image.alt`` the text alternative.
"""

from __future__ import annotations

import matplotlib
import matplotlib.dates
import matplotlib.pyplot as plt
import pandas as pd

from qantar.data import load
from qantar.views import claims_for, map_points, timeline_between
from qantar.vocabulary import MAP_GROUP_ORDER, MARKERS, PALETTE, STANCE_LABELS

# Colours and markers come from qantar.vocabulary, as the interactive figures' do, so that a
# printed page matches the screen; a colour is always paired with a marker.


def _finish(figure, axis):
    """The common end of every figure: light grid, no top and right frame, tight, closed (shown once)."""
    _style(axis)
    figure.tight_layout()
    plt.close(figure)
    return figure


def _style(axis) -> None:
    axis.spines[["top", "right"]].set_visible(False)
    axis.grid(axis="x", color="#dddddd", linewidth=0.6)
    axis.set_axisbelow(True)


def timeline_figure(start: str = "2022-01-01", end: str = "2022-01-20"):
    """Events per day between two dates, one marker shape and colour per category."""
    events = timeline_between(start, end)
    every = sorted(set(load("timeline")["category"]))  # the interactive timeline's order
    categories = [c for c in every if c in set(events["category"])]
    figure, axis = plt.subplots(figsize=(8, 0.45 * len(categories) + 1.2))
    for row, category in enumerate(categories):
        index = every.index(category)
        days = events.loc[events["category"] == category, "date"]
        counts = days.value_counts().sort_index()
        axis.scatter(
            counts.index,
            [row] * len(counts),
            s=40 + 40 * counts.values,
            color=PALETTE[index % 9],
            marker=MARKERS[index % 9],
            edgecolor="black",
            linewidth=0.5,
            label=category,
        )
    axis.set_yticks(range(len(categories)), categories)
    axis.set_xlabel("Date (2022); marker size = number of events that day")
    axis.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d %b"))
    return _finish(figure, axis)


def claims_figure(quantity: str):
    """Every claim about one quantity as a labelled bar: who claimed it, when, and the figure."""
    claims = claims_for(quantity)
    labels = [f"{row.claimant[:48]} ({'undated' if pd.isna(row.as_of) else row.as_of})" for row in claims.itertuples()]
    figure, axis = plt.subplots(figsize=(8, 0.38 * len(claims) + 1.2))
    positions = range(len(claims))
    bars = axis.barh(positions, claims["value"], color=PALETTE[0], edgecolor="black", linewidth=0.5)
    for bar, row in zip(bars, claims.itertuples()):
        axis.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {row.claim}", va="center", fontsize=8)
    axis.set_yticks(list(positions), labels, fontsize=8)
    axis.invert_yaxis()
    axis.set_xlabel(f"{quantity} ({claims['unit'].iloc[0]})")
    axis.set_xlim(0, claims["value"].max() * 1.35)
    return _finish(figure, axis)


def reactions_figure():
    """Each statement of the reactions table by date and actor; one marker shape and colour per stance."""

    reactions = load("reactions")
    stances = [s for s in STANCE_LABELS if s in set(reactions["stance"])]  # the interactive figure's order
    counts = reactions["actor"].value_counts()
    actors = sorted(counts.index, key=lambda name: (-counts[name], name))
    figure, axis = plt.subplots(figsize=(8, 0.32 * len(actors) + 1.8))
    slot = reactions.groupby(["date", "actor"]).cumcount()
    for index, stance in enumerate(stances):
        chosen = reactions["stance"] == stance
        rows = [actors.index(a) + 0.18 * s for a, s in zip(reactions.loc[chosen, "actor"], slot[chosen])]
        axis.scatter(
            reactions.loc[chosen, "date"],
            rows,
            s=45,
            color=PALETTE[index % 9],
            marker=MARKERS[index % 9],
            edgecolor="black",
            linewidth=0.5,
            label=STANCE_LABELS[stance],
        )
    axis.set_yticks(range(len(actors)), actors, fontsize=8)
    axis.invert_yaxis()
    axis.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d %b %Y"))
    axis.set_xlabel("Date of the statement")
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=8, frameon=False)
    return _finish(figure, axis)


def map_figure():
    """Kazakhstan's base map with a marker per place named in the timeline, sized by its number of events."""
    from qantar.data import load_geometry

    geometry = load_geometry()
    points = map_points()
    figure, axis = plt.subplots(figsize=(8, 5))
    for feature in geometry["features"]:
        shape = feature["geometry"]
        polygons = shape["coordinates"] if shape["type"] == "MultiPolygon" else [shape["coordinates"]]
        for polygon in polygons:
            for ring in polygon[:1]:
                xs, ys = zip(*ring)
                axis.fill(xs, ys, facecolor="#e5e5e5", edgecolor="white", linewidth=0.8)
    groups = [g for g in MAP_GROUP_ORDER if g in set(points["group"])]
    for index, group in enumerate(groups):
        chosen = points[points["group"] == group]
        axis.scatter(
            chosen["lon"],
            chosen["latitude"],
            s=30 + 25 * chosen["events"],
            color=PALETTE[index % 9],
            marker=MARKERS[index % 9],
            edgecolor="black",
            linewidth=0.5,
            label=group,
            alpha=0.9,
        )
    for row in points[points["kind"] != "region"].drop_duplicates("name").itertuples():
        axis.annotate(row.name, (row.longitude, row.latitude), xytext=(6, 5), textcoords="offset points", fontsize=8)
    axis.set_aspect(1 / 0.7)  # roughly equal distances at Kazakhstan's latitude
    axis.set_axis_off()
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, fontsize=8, frameon=False)
    figure.tight_layout()
    plt.close(figure)
    return figure


def people_figure(people: list[str], categories: tuple[str, ...] = ("protest", "government", "politics", "justice")):
    """One row per person: a marker for each timeline event that names them, by category (shape and colour)."""
    timeline = load("timeline")
    names = timeline["actors"].fillna("").str.split("; ")
    figure, axis = plt.subplots(figsize=(8, 3.8))
    for index, category in enumerate(categories):
        for row, person in enumerate(people):
            chosen = names.apply(lambda actors, person=person: person in actors) & (timeline["category"] == category)
            days = timeline.loc[chosen, "date"]
            axis.scatter(
                days,
                [row] * len(days),
                marker=MARKERS[index],
                color=PALETTE[index],
                s=70,
                edgecolor="black",
                linewidth=0.5,
                label=category if row == 0 else None,
            )
    axis.set_yticks(range(len(people)), people)
    axis.invert_yaxis()
    axis.xaxis.set_major_locator(matplotlib.dates.MonthLocator(bymonth=[1, 7]))
    axis.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%b %Y"))
    axis.grid(axis="x", color="#dddddd", linewidth=0.6)
    axis.spines[["top", "right"]].set_visible(False)
    axis.legend(
        loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title="category", title_fontsize=8, frameon=False
    )
    figure.tight_layout()
    plt.close(figure)
    return figure
