"""Static figures of the module's tables (matplotlib), drawn so that colour is never the only cue.

Each function returns a matplotlib Figure (closed, so that Jupyter shows it once, as the
cell's value); a chapter shows it in a cell whose
``mystnb.figure`` metadata gives the caption and ``mystnb.image.alt`` the text alternative.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

import matplotlib
import matplotlib.dates
import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd

from qantar.data import load
from qantar.views import claims_for, format_number, map_points, timeline_between
from qantar.vocabulary import MAP_GROUP_ORDER, MARKERS, PALETTE, QUANTITY_LABELS, SHAPES, STANCE_LABELS

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


# ----------------------------------------------------------------------------- the timelines
# What a timeline draws, once: the live chart (qantar.charts.timeline_chart) and the print image
# (timeline_figure) both draw from here. Each event is a marker on its category's row, markers of
# one day and category set apart by a slot; key events (timeline.csv's `key`) carry their `label`
# beside the marker; the phases the chapters name are light bands, labelled in a row of their own.

# The phases of the crisis as the chapters name them: (first day, last day, label, chapter, passage).
# Each passage is quoted from the chapter (a test finds it there); the days are the timeline's.
PHASES = (
    (
        "2022-01-02",
        "2022-01-04",
        "Protests over the fuel price",
        "chapters/causes-spread.md",  # From fuel to politics: 2 to 7 January
        "The first days were about price. After the protests of 2 January, the concessions of\n"
        "3 and 4 January were economic.",
    ),
    (
        "2022-01-05",
        "2022-01-18",  # the decree ran "until 00:00 on 19 January" (timeline, 5 January)
        "Two-week state of emergency",
        "chapters/causes-spread.md",
        "Tokayev declared a two-week state of emergency",
    ),
    (
        "2022-01-06",
        "2022-01-19",
        "CSTO force in Kazakhstan",
        "chapters/article-4.md",  # the decision of 6 January; the last of the force left on 19 January
        "the last of it\nleft the country on 19 January.",
    ),
    (
        "2022-01-19",
        "2023-01-13",
        "Elbasy's privileges ended by law",
        "chapters/power-struggle-aftermath.md",  # The end of the founder's privileges
        "Nazarbayev's posts and privileges were taken apart by law, step by step. On 19 January\n2022",
    ),
    (
        "2022-06-05",
        "2022-11-20",
        "Referendum, early election",
        "chapters/after-politics.md",  # Constitutional amendments and an early election
        "Constitutional amendments and an early election",
    ),
)
PHASE_ROW = "phases"  # the name of the row of the phases' labels, above the categories
TIMELINE_MODES = {"narrow": 240, "wide": 400}  # px of the plot's width in the narrowest layout of each
TIMELINE_SPREAD = {"narrow": 1.7, "wide": 2.0}  # the widest plot of a layout, as a multiple of its narrowest
TIMELINE_NARROW = 480  # px of the chart's container below which the narrow layout is used
TIMELINE_ROW = 44  # px of a category's row
_KEY_FONT, _KEY_CHAR = 11, 5.9  # the key labels' type, and a generous width of one of its characters
_MARKER_R = 6.5  # px: the radius of a timeline marker (size 110)


@dataclass
class _TimelineModel:
    """One period of the timeline as a figure draws it."""

    start: str
    end: str
    events: pd.DataFrame  # the period's rows, with category, slot and key/label
    categories: list[str]  # the rows, top to bottom (after the phases' row, if any)
    every: list[str]  # every category of the timeline, for colours and shapes
    slots: int  # slots per row
    phases: pd.DataFrame  # the phases in the period: start, end (clipped), label, lane, align
    labels: pd.DataFrame  # the key events' labels: index of the event, mode, align, dx, dy
    rows: list[str] = field(default_factory=list)  # every row, top to bottom

    @property
    def height(self) -> int:
        return max(200, TIMELINE_ROW * len(self.rows))


def _days(start: str, end: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The date axis's ends: half a day beyond the first and the last day, so that their markers show whole."""
    return pd.Timestamp(start) - pd.Timedelta(hours=12), pd.Timestamp(end) + pd.Timedelta(hours=12)


def phases_between(start: str, end: str) -> pd.DataFrame:
    """The chapters' phases that overlap [start, end], clipped to it, each with a lane and a label side."""
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    rows = []
    for begin, finish, label, chapter, _passage in PHASES:
        a, b = max(pd.Timestamp(begin), first), min(pd.Timestamp(finish), last)
        if a <= b:
            rows.append({"start": a, "end": b, "label": label, "chapter": chapter})
    frame = pd.DataFrame(rows, columns=["start", "end", "label", "chapter"])
    low, high = _days(start, end)
    width = TIMELINE_MODES["narrow"]

    def px(day):
        return width * (day - low) / (high - low)

    lanes: list[list[tuple[float, float]]] = []
    placed = []
    for row in frame.itertuples():
        left, right = px(row.start - pd.Timedelta(hours=12)), px(row.end + pd.Timedelta(hours=12))
        text = len(row.label) * _KEY_CHAR
        align = "left" if left + 4 + text <= width else "right"
        extent = (left, left + 4 + text) if align == "left" else (right - 4 - text, right)
        lane = next(
            (i for i, taken in enumerate(lanes) if all(extent[1] + 6 < a or b + 6 < extent[0] for a, b in taken)),
            len(lanes),
        )
        if lane == len(lanes):
            lanes.append([])
        lanes[lane].append(extent)
        placed.append((lane, align))
    frame["lane"] = [lane for lane, _ in placed]
    frame["align"] = [align for _, align in placed]
    return frame


def _timeline_model(start: str, end: str) -> _TimelineModel:
    events = timeline_between(start, end).reset_index(drop=True)
    every = sorted(set(load("timeline")["category"]))
    categories = [c for c in every if c in set(events["category"])]
    events["slot"] = events.groupby([events["date"].dt.normalize(), "category"], sort=False).cumcount()
    phases = phases_between(start, end)
    rows = ([PHASE_ROW] if len(phases) else []) + categories
    model = _TimelineModel(
        start, end, events, categories, every, int(events["slot"].max()) + 1, phases, pd.DataFrame(), rows
    )
    model.labels = pd.concat([_key_layout(model, mode) for mode in TIMELINE_MODES], ignore_index=True)
    return model


def _key_layout(model: _TimelineModel, mode: str) -> pd.DataFrame:
    """Where each key event's label stands beside its marker in one layout: greedy, as the map's names.

    Labels keep their offsets in px while the markers spread with the plot's width, so every spot is
    checked at the narrowest and the widest plot of the layout (between the two, a gap only changes
    linearly, so it cannot close)."""
    narrowest = TIMELINE_MODES[mode]
    widths = (narrowest, narrowest * TIMELINE_SPREAD[mode])
    height = model.height
    low, high = _days(model.start, model.end)
    band = height / len(model.rows)
    fractions, heights = [], []
    for row in model.events.itertuples():
        fractions.append((row.date - low) / (high - low))
        heights.append(model.rows.index(row.category) * band + (row.slot + 0.5) * band / model.slots)
    markers = {
        width: [
            (f * width - _MARKER_R, y - _MARKER_R, f * width + _MARKER_R, y + _MARKER_R)
            for f, y in zip(fractions, heights)
        ]
        for width in widths
    }
    taken = {width: ([(0, 0, width, band)] if len(model.phases) else []) for width in widths}  # the phases' row
    rows = []
    keys = model.events[model.events["key"]]
    line, gap = 14, _MARKER_R + 3
    for index in sorted(keys.index, key=lambda i: fractions[i]):
        text = len(keys.loc[index, "label"]) * _KEY_CHAR
        candidates = [("left", gap, 0), ("right", -gap, 0)] + [
            (align, (2 if align == "left" else -2) * (1 if abs(lift) == 1 else 3), lift * line)
            for lift in (-1, 1, -2, 2, -3, 3)
            for align in ("left", "right")
        ]
        best = None
        for order, (align, dx, dy) in enumerate(candidates):
            boxes, cost, clash = {}, 25 * abs(dy) / line, 0.0
            for width in widths:
                x, y = fractions[index] * width, heights[index]
                x0 = x + dx if align == "left" else x + dx - text
                box = (x0, y + dy - 6.5, x0 + text, y + dy + 6.5)
                room = (box[0] - 4, box[1] - 1, box[2] + 4, box[3] + 1)
                outside = max(0, -box[0]) + max(0, box[2] - width) + max(0, -box[1]) + max(0, box[3] - height)
                # A name over another name or off the plot is never taken if anything else is free; over a
                # marker it costs less (a label never hides a marker if it can help it); beside the marker, on its own
                # row, reads best, so a label above or below it costs a little.
                overlap = sum(_overlap(room, other) for other in taken[width])
                clash += overlap + outside
                cost += 50 * overlap + 1000 * outside + sum(_overlap(box, m) for m in markers[width])
                boxes[width] = box
            if best is None or (cost, order) < best[0]:
                best = ((cost, order), align, dx, dy, boxes, clash)
        _, align, dx, dy, boxes, clash = best
        for width in widths:
            taken[width].append(boxes[width])
        rows.append({"event": index, "mode": mode, "align": align, "dx": dx, "dy": round(dy), "clash": clash})
    return pd.DataFrame(rows, columns=["event", "mode", "align", "dx", "dy", "clash"])


def timeline_figure(start: str = "2022-01-01", end: str = "2022-01-20"):
    """Each event between two dates on its category's row (one marker shape and colour per category), the key
    events labelled and the chapters' phases shaded, as the live chart draws them (qantar.charts.timeline_chart)."""
    model = _timeline_model(start, end)
    rows = model.rows
    figure, axis = plt.subplots(figsize=(8, 0.5 * len(rows) + 1.3))
    low, high = _days(start, end)
    for phase in model.phases.itertuples():
        axis.axvspan(
            phase.start - pd.Timedelta(hours=12),
            phase.end + pd.Timedelta(hours=12),
            color="#888888",
            alpha=0.10 + 0.05 * phase.lane,
            linewidth=0,
        )
        at = phase.start - pd.Timedelta(hours=12) if phase.align == "left" else phase.end + pd.Timedelta(hours=12)
        axis.annotate(
            phase.label,
            (at, 0),
            xytext=(3 if phase.align == "left" else -3, 6 - 11 * phase.lane),
            textcoords="offset points",
            ha=phase.align,
            va="center",
            fontsize=7.5,
            fontstyle="italic",
        )
    step = 0.8 / model.slots
    for category in model.categories:
        index = model.every.index(category)
        chosen = model.events[model.events["category"] == category]
        axis.scatter(
            chosen["date"],
            [rows.index(category) - 0.4 + step * (slot + 0.5) for slot in chosen["slot"]],
            s=36,
            color=PALETTE[index % 9],
            marker=MARKERS[index % 9],
            edgecolor="black",
            linewidth=0.5,
            label=category,
            zorder=3,
        )
    labels = model.labels[model.labels["mode"] == "wide"]
    for label in labels.itertuples():
        event = model.events.loc[label.event]
        axis.annotate(
            event["label"],
            (event["date"], rows.index(event["category"]) - 0.4 + step * (event["slot"] + 0.5)),
            xytext=(label.dx * 0.7, -label.dy * 0.7),
            textcoords="offset points",
            ha=label.align,
            va="center",
            fontsize=7.5,
            zorder=4,
        )
    axis.set_yticks(range(len(rows)), rows)
    axis.set_ylim(len(rows) - 0.5, -0.5)
    axis.set_xlim(low, high)
    same_year = pd.Timestamp(start).year == pd.Timestamp(end).year
    axis.set_xlabel(f"Date ({pd.Timestamp(start).year})" if same_year else "Date")
    axis.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d %b" if same_year else "%b %Y"))
    return _finish(figure, axis)


# ----------------------------------------------------------------------------- the claims ledger
# What a claims figure draws, derived from the ledger itself (claimant, note, as_of), once: the
# static figure below and the live chart (qantar.charts.claims_chart) both draw from here, so
# that the printed page shows the encoding of the screen.

# Quantities drawn over the date of each claim (a ledger of a count revised over time); any other
# quantity is one bar per claim.
_TIME_LAYOUT = ("deaths",)
# Who makes a claim. A claim "as reported by" a news outlet is the speaker's own; one "as cited by"
# a rights group, a researcher or another body is that body's statement of the figure.
_KINDS = {
    "official": "Kazakh authorities",
    "state_media": "State media and government-linked channels",
    "foreign": "Foreign governments and international bodies",
    "other": "Rights groups, researchers and media",
}
# What a figure counts, for quantities whose notes say so (the CSTO force: see numbers.article_4_numbers).
_SCOPES = {
    "whole": "The whole force sent to Kazakhstan",
    "contingent": "One national contingent only",
    "standing": "The CSTO's standing peacekeeping force, not the deployment",
}
_PARTIAL_LEGEND = "Hollow marker: a partial count (one group of the dead only)"
_WRAP_PRINT = 46  # characters per line of a claimant's name in the static figure


def _claimant_kind(claimant: str) -> str:
    """The kind of claimant, read from the claimant's own words in the ledger."""
    cited = re.search(r"\bas (?:cited|summarised) by (?:the )?(.+)$", claimant)
    who = cited.group(1) if cited else re.split(r", citing ", claimant, maxsplit=1)[0]
    if re.search(r"government-linked|government social media|national tv|state news agency|state media", who, re.I):
        return "state_media"
    kazakh = (
        r"Kazakh (authorities|officials)|Official (figures|numbers)|(Interior|Health) Ministry|Government of Kazakhstan"
        r"|President Kassym-Jomart Tokayev"
    )
    if re.match(rf"({kazakh})\b", who) or "(Kazakhstan)" in who:
        return "official"
    if re.search(r"European|[Ee]mbass|Ministry of|Parliament of|Government of|CSTO|President|Secretary-General", who):
        return "foreign"
    return "other"


def _partial(note: str) -> bool:
    """Whether a note's first clause says the figure counts one group only ('Law-enforcement deaths only')."""
    first = re.split(r"[;.](?:\s|$)", note or "", maxsplit=1)[0]
    return bool(re.search(r"\bpartial\b|\bonly$", first))


def _disowned(claimant: str, note: str) -> bool:
    """Whether the ledger says the figure was withdrawn by those who gave it."""
    return bool(re.search(r"disavow|refuted|deleted|technical (?:error|glitch)", f"{claimant} {note}", re.I))


def _scope(note: str) -> tuple[str, str]:
    """What a CSTO-force figure counts, from its note: (scope, detail such as 'the Russian contingent only')."""
    if re.search(r"\bNOT the\b|standing strength", note or ""):
        return "standing", "the standing strength of the CSTO's peacekeeping forces, not the deployment"
    contingent = re.search(r"(\w+) contingent only", note or "")
    if contingent:
        return "contingent", f"the {contingent.group(1)} contingent only"
    return "whole", "the whole force sent to Kazakhstan"


def _when(as_of) -> tuple[pd.Timestamp | None, str, str]:
    """(where to draw the claim on a date axis, the date in words, how it is placed if not at its day)."""
    if not isinstance(as_of, str) or not as_of:
        return None, "no date given", "drawn apart, with the claims that give no exact date: the claim gives no date"
    if len(as_of) == 10:
        day = pd.Timestamp(as_of)
        return day, f"{day.day} {day:%B %Y}", ""
    if len(as_of) == 7:
        month = pd.Timestamp(f"{as_of}-01")
        return month, f"{month:%B %Y} (month only)", "drawn at the start of its month: the claim gives only the month"
    return None, f"{as_of} (year only)", "drawn apart, with the claims that give no exact date: only the year is given"


def _wrap(text: str, width: int) -> list[str]:
    """A claimant's full name over lines of at most ``width`` characters (never cut short)."""
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [""]


@dataclass
class _TimeAxis:
    """A date axis in two scales, January day by day then by month, and a strip for claims with no exact date.

    Positions run from 0 to 1 across the plot; ``segments`` are (first day, last day, left, right)."""

    segments: list[tuple[pd.Timestamp, pd.Timestamp, float, float]]
    strip: tuple[float, float] | None
    ticks: dict[str, list[tuple[float, str]]]  # by layout ("wide", "narrow"): (position, label)
    captions: dict[str, list[tuple[float, str, str]]]  # by layout: (position, align, text)
    y_max: float
    y_ticks: list[float]

    def position(self, day: pd.Timestamp) -> float:
        for first, last, left, right in self.segments:
            if first <= day <= last:
                return left + (day - first) / (last - first) * (right - left)
        raise ValueError(f"{day} is outside the axis")


def _time_axis(days: list[pd.Timestamp], undated: int, top: float) -> _TimeAxis:
    gap, strip_width = 0.04, 0.14
    first, last = min(days), max(days)
    month_end = first + pd.offsets.MonthEnd(0)
    room = 1 - (strip_width + gap if undated else 0)
    ticks: dict[str, list[tuple[float, str]]] = {"wide": [], "narrow": []}
    a_first = first - pd.Timedelta(days=1)
    if last > month_end:  # a second scale, by month, after the first month
        a_width = 0.5 * (room - gap)
        b_first, b_last = month_end + pd.Timedelta(days=1), last + pd.Timedelta(days=20)
        segments = [(a_first, month_end, 0.0, a_width), (b_first, b_last, a_width + gap, room)]
    else:
        segments = [(a_first, last + pd.Timedelta(days=1), 0.0, room)]
    axis = _TimeAxis(segments, (1 - strip_width, 1.0) if undated else None, ticks, {}, 0.0, [])
    a = segments[0]
    for day in pd.date_range(a[0] + pd.Timedelta(days=2), a[1], freq="D"):
        for layout, every in (("wide", 5), ("narrow", 10)):
            if day.day % every == 0:
                ticks[layout].append((axis.position(day), f"{day.day} {day:%b}"))
    captions = {
        "wide": [(a[2], "left", f"{first:%B %Y}, day by day")],
        "narrow": [(a[2], "left", f"{first:%b %Y},\nday by day")],
    }
    if len(segments) > 1:
        b = segments[1]
        for month in pd.date_range(b[0] + pd.Timedelta(days=20), b[1], freq="MS"):
            if month.month in (1, 7):  # a year's first month is named by its year
                ticks["wide"].append((axis.position(month), f"{month:%Y}" if month.month == 1 else f"{month:%b %Y}"))
            if month.month == 1:
                ticks["narrow"].append((axis.position(month), f"{month:%Y}"))
        captions["wide"].append((b[2], "left", "then month by month"))
        captions["narrow"].append((b[2], "left", "then by\nmonth"))
    if undated:
        captions["wide"].append((1.0, "right", "No exact date"))
        captions["narrow"].append((1.0, "right", "No exact\ndate"))
    axis.captions = captions
    step = _nice_step(top / 5)
    axis.y_max = max(top * 1.1, step)
    axis.y_ticks = [step * i for i in range(int(axis.y_max // step) + 1)]
    return axis


def _nice_step(rough: float) -> float:
    magnitude = 10 ** len(str(int(max(rough, 1)))) / 10
    return next(magnitude * m for m in (1, 2, 2.5, 5, 10) if magnitude * m >= rough)


@dataclass
class _ClaimsModel:
    """One quantity's claims as a figure draws them: rows in drawing order with their marks, and the legend."""

    quantity: str
    layout: str  # "time" (over the date of each claim) or "rows" (one bar per claim)
    claims: pd.DataFrame
    legend: list[dict]  # text, colour, shape, marker, hollow, line
    axis: _TimeAxis | None = None
    notes: list[dict] = field(default_factory=list)  # annotations: text, x (position), value


def _claims_model(quantity: str) -> _ClaimsModel:
    """Derive the encoding of one quantity's claims from the ledger (see the comments at _TIME_LAYOUT)."""
    claims = claims_for(quantity).copy()
    claims["note"] = claims["note"].fillna("")
    placed = [_when(as_of) for as_of in claims["as_of"]]
    claims["day"] = [day for day, _, _ in placed]
    claims["when_label"] = [words for _, words, _ in placed]
    claims["placement"] = [how for _, _, how in placed]
    # The date stays on one line with its dot (no-break spaces); the name wraps where it must.
    claims["label"] = claims["claimant"] + " ·\u00a0" + claims["when_label"].str.replace(" ", "\u00a0")
    claims["x_end"] = claims["value_high"].fillna(claims["value"]).astype(float)
    claims["dot"] = bool((claims["unit"] == "year").all())  # a year is a point in time, not a length
    claims[["group", "shown_as", "colour", "shape", "marker"]] = ""
    claims[["hollow", "on_line", "disowned"]] = False
    if quantity in _TIME_LAYOUT:
        return _time_model(quantity, claims)
    claims["placement"] = ""  # one row per claim, in the ledger's order: no claim is placed by its date
    scoped = claims["note"].str.contains(r"contingent only|\bNOT the\b", regex=True).any()
    legend = []
    if scoped:
        scopes = [_scope(note) for note in claims["note"]]
        claims["group"] = [scope for scope, _ in scopes]
        claims["shown_as"] = [detail for _, detail in scopes]
        order = list(_SCOPES)
        for index, scope in enumerate(order):
            chosen = claims["group"] == scope
            claims.loc[chosen, ["colour", "shape", "marker"]] = [PALETTE[index], SHAPES[index], MARKERS[index]]
            if chosen.any():
                legend.append(_entry(_SCOPES[scope], index))
        claims["rank"] = claims["group"].map(order.index)
        claims = claims.sort_values("rank", kind="stable").drop(columns="rank")  # grouped, oldest first
    else:
        claims["colour"] = PALETTE[0]
    return _ClaimsModel(quantity, "rows", claims.reset_index(drop=True), legend)


def _entry(text: str, index: int, hollow: bool = False, line: bool = False) -> dict:
    return {
        "text": text,
        "colour": PALETTE[index],
        "shape": SHAPES[index],
        "marker": MARKERS[index],
        "hollow": hollow,
        "line": line,
    }


def _time_model(quantity: str, claims: pd.DataFrame) -> _ClaimsModel:
    kinds = list(_KINDS)
    claims["group"] = [_claimant_kind(c) for c in claims["claimant"]]
    claims["hollow"] = [_partial(note) for note in claims["note"]]
    claims["disowned"] = [_disowned(c, n) for c, n in zip(claims["claimant"], claims["note"])]
    dated = claims["day"].notna()
    claims["on_line"] = (claims["group"] == "official") & ~claims["hollow"] & dated
    for index, kind in enumerate(kinds):
        chosen = claims["group"] == kind
        claims.loc[chosen, ["colour", "shape", "marker"]] = [PALETTE[index], SHAPES[index], MARKERS[index]]
    words = []
    for row in claims.itertuples():
        text = _KINDS[row.group]
        if row.on_line:
            text += "; one of the official totals, joined by the line"
        elif row.hollow:
            text += "; a partial count (hollow marker)"
        if row.disowned:
            text += "; the figure was later disowned"
        words.append(text)
    claims["shown_as"] = words
    undated = int((~dated).sum())
    axis = _time_axis(list(claims.loc[dated, "day"]), undated, float(claims["x_end"].max()))
    # Markers that would cover each other (the same figure on about the same day) are set side by side,
    # in the ledger's order; the tooltip and the table keep the true date.
    true = [float("nan") if pd.isna(day) else axis.position(day) for day in claims["day"]]
    positions: list[float] = []
    step, near = 0.009, 0.03 * axis.y_max
    for x, value in zip(true, claims["value"]):
        if not pd.isna(x):
            while any(abs(x - p) < 0.004 and abs(value - v) < near for p, v in zip(positions, claims["value"])):
                x += step
        positions.append(x)
    apart = axis.strip
    if apart:
        undated_rows = [i for i, p in enumerate(positions) if pd.isna(p)]
        width = apart[1] - apart[0]
        for rank, i in enumerate(undated_rows):
            positions[i] = apart[0] + (rank + 0.5) / len(undated_rows) * width
    claims["x"] = positions
    legend = [
        _entry(
            _KINDS[k] + ("; their totals are joined by a line" if k == "official" else ""), i, line=(k == "official")
        )
        for i, k in enumerate(kinds)
        if (claims["group"] == k).any()
    ]
    if claims["hollow"].any():
        legend.append(
            {
                "text": _PARTIAL_LEGEND,
                "colour": "#777777",
                "shape": SHAPES[0],
                "marker": MARKERS[0],
                "hollow": True,
                "line": False,
            }
        )
    notes = []
    gone = claims[claims["disowned"] & dated]
    for value, group in gone.groupby("value", sort=False):
        first = group["day"].min()
        notes.append(
            {
                "text": f"{format_number(value)} ({first.day} {first:%b}): later disowned",
                "x": float(group["x"].max()) + 0.02,
                "value": float(value),
            }
        )
    return _ClaimsModel(quantity, "time", claims.reset_index(drop=True), legend, axis, notes)


def claims_figure(quantity: str):
    """Every claim about one quantity, drawn as the live chart draws it (qantar.charts.claims_chart):
    the deaths over the date of each claim, other quantities as one bar per claim under the claimant's full name."""
    model = _claims_model(quantity)
    if model.layout == "time":
        return _claims_time_figure(model)
    claims = model.claims
    labels = ["\n".join(_wrap(label, _WRAP_PRINT)) for label in claims["label"]]
    lines = sum(label.count("\n") + 1 for label in labels)
    figure, axis = plt.subplots(figsize=(8, 0.15 * lines + 0.2 * len(claims) + 1.2 + 0.2 * len(model.legend)))
    positions = list(range(len(claims)))
    values = claims["value"].astype(float)
    if claims["dot"].all():
        for position, row in zip(positions, claims.itertuples()):
            axis.scatter([row.value], [position], s=55, color=row.colour, edgecolor="black", linewidth=0.5, zorder=3)
        low, high = values.min(), claims["x_end"].max()
        axis.set_xlim(low - 0.08 * (high - low + 1), high + 0.3 * (high - low + 1))
        axis.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%d"))
    else:
        axis.barh(positions, values, height=0.55, color=list(claims["colour"]), edgecolor="black", linewidth=0.5)
        axis.set_xlim(0, claims["x_end"].max() * 1.32)
    for position, row in zip(positions, claims.itertuples()):
        if not pd.isna(row.value_high):
            axis.plot([row.value, row.value_high], [position, position], color=row.colour, linewidth=3)
        if row.marker and model.legend:
            axis.scatter(
                [row.x_end],
                [position],
                s=45,
                marker=row.marker,
                color=row.colour,
                edgecolor="black",
                linewidth=0.5,
                zorder=3,
            )
        axis.text(row.x_end, position, f"   {row.claim}", va="center", fontsize=8)
    axis.set_yticks(positions, labels, fontsize=7.5)
    axis.set_ylim(len(claims) - 0.5, -0.5)
    unit = claims["unit"].iloc[0]
    axis.set_xlabel(f"{QUANTITY_LABELS.get(quantity, quantity)}: the figure each claimant gives ({unit})")
    if model.legend:
        _static_legend(axis, model.legend, title="What the figure counts")
    return _finish(figure, axis)


def _static_legend(axis, entries: list[dict], title: str) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D(
            [],
            [],
            marker=e["marker"],
            color=e["colour"] if e["line"] else "none",
            linewidth=1.6,
            markerfacecolor="none" if e["hollow"] else e["colour"],
            markeredgecolor=e["colour"] if e["hollow"] else "black",
            markersize=7,
            label=e["text"],
        )
        for e in entries
    ]
    axis.legend(
        handles=handles,
        title=title,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.02),
        fontsize=8,
        title_fontsize=8,
        frameon=False,
        alignment="left",
    )


def _claims_time_figure(model: _ClaimsModel):
    """The deaths ledger over the date of each claim: the official totals as a line, other claims by kind."""
    claims, time = model.claims, model.axis
    figure, axis = plt.subplots(figsize=(8, 5.2))
    for _first, _last, left, right in time.segments:
        axis.plot([left, right], [0, 0], color="black", linewidth=0.8, clip_on=False)
    if time.strip:
        axis.axvspan(*time.strip, color="#888888", alpha=0.12, linewidth=0)
    line = claims[claims["on_line"]].sort_values("x")
    axis.plot(line["x"], line["value"], color=PALETTE[0], linewidth=1.6, zorder=2)
    for row in claims.itertuples():
        axis.scatter(
            [row.x],
            [row.value],
            s=48,
            marker=row.marker,
            zorder=3,
            facecolor="none" if row.hollow else row.colour,
            edgecolor=row.colour if row.hollow else "black",
            linewidth=1.4 if row.hollow else 0.5,
        )
    for note in model.notes:
        axis.annotate(note["text"], (note["x"], note["value"]), va="center", fontsize=8)
    positions, labels = zip(*time.ticks["wide"])
    axis.set_xticks(positions, labels, fontsize=8)
    for position, align, text in time.captions["wide"]:
        axis.text(position, -0.1, text, ha=align, va="top", fontsize=8, transform=axis.get_xaxis_transform())
    axis.set_xlim(-0.01, 1.01)
    axis.set_ylim(0, time.y_max)
    axis.set_yticks(time.y_ticks)
    axis.spines["bottom"].set_visible(False)
    axis.grid(axis="y", color="#dddddd", linewidth=0.6)
    axis.set_ylabel(f"{QUANTITY_LABELS.get(model.quantity, model.quantity)}, as claimed")
    axis.set_xlabel("Date of the claim", labelpad=22)
    _static_legend(axis, model.legend, title="Who gives the figure")
    axis.spines[["top", "right"]].set_visible(False)
    axis.set_axisbelow(True)
    figure.tight_layout()
    plt.close(figure)
    return figure


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


# ----------------------------------------------------------------------------- the map
# What the map draws besides its markers, once: the live map (qantar.charts.places_map) and the
# print image (map_figure) both draw from here, so that the printed page shows the screen's map.

# The map shows at least this frame (west, south, east, north, in degrees): Kazakhstan and a margin
# in which its neighbours can be named. data/geo/neighbours.geojson covers more than any width shows.
MAP_FRAME = (45.0, 39.6, 88.8, 56.2)
# The box data/geo/neighbours.geojson is clipped to (make_neighbours.FRAME): water is drawn over it.
NEIGHBOURS_FRAME = (34.0, 33.0, 99.0, 62.5)
# The neighbours' names, each at a point well inside the country and inside MAP_FRAME's margin.
NEIGHBOUR_LABELS = (
    ("Russia", 57.5, 54.2),
    ("Russia", 82.5, 54.6),
    ("China", 85.3, 44.6),
    ("Kyrgyzstan", 76.3, 41.5),
    ("Uzbekistan", 62.0, 42.6),
    ("Turkmenistan", 56.5, 40.2),
)
# The Caspian Sea is no feature of the data: the gap between the land around it, drawn as water.
CASPIAN_LABEL = ("Caspian Sea", 50.0, 41.2)
# Marker size is a count of timeline entries, not the size of an event: the legend says so.
SIZE_TITLE = ("Marker size: number of timeline", "entries at the place, of that kind")
SIZE_VALUES = (1, 5, 10)
SIZE_RANGE = (60, 900)  # px² of the live chart's markers for 1 and for the largest count (a wide layout)
MAP_COLOURS = {
    "light": {
        "water": "#d4e5f2",
        "land": "#d9d9d9",
        "border": "#ffffff",
        "neighbour": "#f3f3f1",
        "neighbour_border": "#c4c4c4",
        "neighbour_name": "#5a5a5a",
        "water_name": "#2a5a82",
        "text": "#1a1a1a",
    },
    "dark": {
        "water": "#0e1e30",
        "land": "#4a4a4a",
        "border": "#1a1a1a",
        "neighbour": "#353535",
        "neighbour_border": "#454545",
        "neighbour_name": "#bdbdbd",
        "water_name": "#9cc4e8",
        "text": "#f0f0f0",
    },
}


# The live map's plot (without its legends) in the narrowest layout of each mode, in px: a phone's
# column (375 px screen) and the narrowest column of the wide layout. Names are placed for these
# sizes; a wider plot only moves the markers further apart.
MAP_MODES = {"narrow": (331, 180), "wide": (560, 300)}
MAP_FONT = {"narrow": 10, "wide": 11}  # px of the places' names
MAP_LARGEST = {"narrow": 500, "wide": SIZE_RANGE[1]}  # px² of the largest marker: smaller on a phone
MAP_NARROW = 520  # px of the chart's container below which the narrow layout is used
_CHAR_PX, _LINE_PX = 6.2, 15  # a generous width of one character of the 11 px font, and a line


def _projector(width: float, height: float):
    """d3's conicEqualArea (parallels 45 and 51 N, rotated to 67 E) fitted to MAP_FRAME in a plot of this size,
    as Vega draws the live map: (longitude, latitude) to px from the plot's top left."""
    import math

    phi0, phi1 = math.radians(45), math.radians(51)
    n = (math.sin(phi0) + math.sin(phi1)) / 2
    c = 1 + math.sin(phi0) * (2 * n - math.sin(phi0))
    r0 = math.sqrt(c) / n

    def raw(longitude, latitude):
        lam, phi = math.radians(longitude - 67) * n, math.radians(latitude)
        r = math.sqrt(c - 2 * n * math.sin(phi)) / n
        return r * math.sin(lam), -(r0 - r * math.cos(lam))

    west, south, east, north = MAP_FRAME
    edge = [west + (east - west) * i / 40 for i in range(41)]
    corners = [raw(x, y) for x in edge for y in (south, north)]
    x0, x1 = min(x for x, _ in corners), max(x for x, _ in corners)
    y0, y1 = min(y for _, y in corners), max(y for _, y in corners)
    k = min(width / (x1 - x0), height / (y1 - y0))
    tx, ty = (width - k * (x0 + x1)) / 2, (height - k * (y0 + y1)) / 2

    def project(longitude, latitude):
        x, y = raw(longitude, latitude)
        return tx + k * x, ty + k * y

    return project


def _overlap(a, b) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def map_label_layout(points: pd.DataFrame, mode: str) -> pd.DataFrame:
    """Where each place's name stands beside its markers in one layout of the live map: a side (the
    text's alignment) and an offset in px from the place's point, chosen so that no name covers
    another, a marker, a neighbour's name or the map's edge (greedy, the most crowded places first)."""
    width, height = MAP_MODES[mode]
    project = _projector(width, height)
    largest = max(SIZE_VALUES[-1], int(points["events"].max()))
    low, high = SIZE_RANGE[0], MAP_LARGEST[mode]
    char = _CHAR_PX * MAP_FONT[mode] / 11
    markers = []
    for row in points.itertuples():
        x, y = project(row.lon, row.latitude)
        radius = 0.62 * (low + (high - low) * (row.events - 1) / max(largest - 1, 1)) ** 0.5 + 1
        markers.append((row.name, (x - radius, y - radius, x + radius, y + radius)))
    taken = []  # the names placed so far, and the neighbours' and the sea's
    for name, longitude, latitude in (*NEIGHBOUR_LABELS, CASPIAN_LABEL):
        x, y = project(longitude, latitude)
        half = len(name) * _CHAR_PX * 10 / 11 / 2  # the neighbours' names are in 10 px type
        taken.append((x - half, y - _LINE_PX / 2, x + half, y + _LINE_PX / 2))
    places = points[points["kind"] != "region"].drop_duplicates("name")
    crowd = {name: sum(1 for other, _ in markers if other == name) for name in places["name"]}
    rows = []
    for place in sorted(places.itertuples(), key=lambda p: (-crowd[p.name], -p.longitude)):
        x, y = project(place.longitude, place.latitude)
        mine = [box for other, box in markers if other == place.name]
        left, top = min(b[0] for b in mine), min(b[1] for b in mine)
        right, bottom = max(b[2] for b in mine), max(b[3] for b in mine)
        text = len(place.name) * char
        gap = 3
        candidates = [  # (align, anchor x, anchor y (the text's middle))
            ("left", right + gap, y),
            ("right", left - gap, y),
            ("left", x + 2, top - _LINE_PX / 2),
            ("right", x - 2, top - _LINE_PX / 2),
            ("left", x + 2, bottom + _LINE_PX / 2),
            ("right", x - 2, bottom + _LINE_PX / 2),
            ("center", x, top - _LINE_PX / 2 - 1),
            ("center", x, bottom + _LINE_PX / 2 + 1),
            ("left", right + gap, top - _LINE_PX / 2 + 2),
            ("right", left - gap, top - _LINE_PX / 2 + 2),
            ("left", right + gap, bottom + _LINE_PX / 2 - 2),
            ("right", left - gap, bottom + _LINE_PX / 2 - 2),
            ("center", x, top - _LINE_PX * 1.5),
            ("center", x, bottom + _LINE_PX * 1.5),
        ]
        best = None
        for order, (align, ax, ay) in enumerate(candidates):
            x0 = ax if align == "left" else ax - text if align == "right" else ax - text / 2
            box = (x0, ay - _LINE_PX / 2, x0 + text, ay + _LINE_PX / 2)
            room = (box[0] - 4, box[1], box[2] + 4, box[3])  # two names never touch
            outside = max(0, -box[0]) + max(0, box[2] - width) + max(0, -box[1]) + max(0, box[3] - height)
            cost = (
                sum(_overlap(room, other) for other in taken)
                + sum(_overlap(box, marker) for _, marker in markers)
                + 1000 * outside
            )
            if best is None or (cost, order) < best[0]:
                best = ((cost, order), align, ax, ay, box)
        (cost, _), align, ax, ay, box = best
        taken.append(box)
        rows.append(
            {"name": place.name, "mode": mode, "align": align, "dx": round(ax - x), "dy": round(ay - y), "cost": cost}
        )
    return pd.DataFrame(rows)


def _rings(feature: dict):
    shape = feature["geometry"]
    polygons = shape["coordinates"] if shape["type"] == "MultiPolygon" else [shape["coordinates"]]
    for polygon in polygons:
        yield polygon[0]


def map_figure():
    """Kazakhstan's regions among its neighbours and the Caspian Sea, with a marker per place named in the
    timeline: shape and colour by kind of event, size by the number of timeline entries (as the live map)."""
    from matplotlib.lines import Line2D

    from qantar.data import load_geometry

    colours = MAP_COLOURS["light"]
    geometry = load_geometry()
    neighbours = load_geometry("neighbours")
    points = map_points()
    figure, axis = plt.subplots(figsize=(8, 4.6))
    axis.set_facecolor(colours["water"])
    for feature in neighbours["features"]:
        for ring in _rings(feature):
            xs, ys = zip(*ring)
            axis.fill(xs, ys, facecolor=colours["neighbour"], edgecolor=colours["neighbour_border"], linewidth=0.6)
    for feature in geometry["features"]:
        for ring in _rings(feature):
            xs, ys = zip(*ring)
            axis.fill(xs, ys, facecolor=colours["land"], edgecolor=colours["border"], linewidth=0.8)
    for name, longitude, latitude in NEIGHBOUR_LABELS:
        axis.text(longitude, latitude, name, ha="center", va="center", fontsize=8, color=colours["neighbour_name"])
    name, longitude, latitude = CASPIAN_LABEL
    axis.text(
        longitude, latitude, name, ha="center", va="center", fontsize=8, style="italic", color=colours["water_name"]
    )
    largest = max(SIZE_VALUES[-1], int(points["events"].max()))

    def area(count):  # the live chart's linear scale of area, in matplotlib's points² (about half its px²)
        low, high = SIZE_RANGE
        return 0.5 * (low + (high - low) * (count - 1) / max(largest - 1, 1))

    groups = [g for g in MAP_GROUP_ORDER if g in set(points["group"])]
    for index, group in enumerate(groups):
        chosen = points[points["group"] == group]
        axis.scatter(
            chosen["lon"],
            chosen["latitude"],
            s=[area(count) for count in chosen["events"]],
            color=PALETTE[index % 9],
            marker=MARKERS[index % 9],
            edgecolor="black",
            linewidth=0.5,
            label=group,
            alpha=0.9,
            zorder=3,
        )
    places = points[points["kind"] != "region"].drop_duplicates("name").set_index("name")
    for row in map_label_layout(points, "wide").itertuples():
        place = places.loc[row.name]
        axis.annotate(
            row.name,
            (place["longitude"], place["latitude"]),
            xytext=(row.dx * 0.8, -row.dy * 0.8),  # px of the live map to points of the print image
            textcoords="offset points",
            ha=row.align,
            va="center",
            fontsize=8,
            zorder=4,
        )
    west, south, east, north = MAP_FRAME
    axis.set_xlim(west, east)
    axis.set_ylim(south, north)
    axis.set_aspect(1 / 0.67)  # roughly equal distances at Kazakhstan's latitude
    axis.set_xticks([])
    axis.set_yticks([])
    kinds = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=MARKERS[index % 9],
            markersize=7,
            markerfacecolor=PALETTE[index % 9],
            markeredgecolor="black",
            markeredgewidth=0.5,
            label=group,
        )
        for index, group in enumerate(groups)
    ]
    sizes = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=area(value) ** 0.5,
            markerfacecolor="#888888",
            markeredgecolor="#888888",
            label=str(value),
        )
        for value in SIZE_VALUES
    ]
    first = figure.legend(
        handles=kinds,
        title="Kind of event",
        loc="upper left",
        bbox_to_anchor=(0.02, 0.0),
        ncol=2,
        fontsize=8,
        title_fontsize=8,
        frameon=False,
        alignment="left",
    )
    figure.legend(
        handles=sizes,
        title="\n".join(SIZE_TITLE),
        loc="upper left",
        bbox_to_anchor=(0.6, 0.0),
        ncol=3,
        fontsize=8,
        title_fontsize=8,
        frameon=False,
        alignment="left",
        handletextpad=0.6,
        columnspacing=1.6,
    )
    figure.add_artist(first)
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
