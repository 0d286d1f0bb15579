"""Interactive figures of the module's tables: Vega-Lite charts made with Altair.

One call, such as ``timeline_chart("2022-01-01", "2022-01-20")``, gives an
:class:`InteractiveFigure`. It shows itself

- in JupyterLab, Notebook 7 and VS Code as a live Vega-Lite chart
  (``application/vnd.vegalite.v5+json``, which those front ends draw themselves, offline);
- in the built book as a live chart drawn by the book's own copy of Vega (no kernel, no
  request to another host), with its filters as labelled native controls, details of a
  mark on hover *or* on keyboard focus, a caption, the data as a table, a written
  summary, and a static image that replaces the live chart when the page is printed
  (``application/vnd.qantar.figure+json``, rendered by :class:`FigureMimeRenderer`);
- anywhere else as a PNG image (matplotlib) with a text description.

Colour is never the only cue: every colour is paired with a marker shape.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from qantar.data import load, separator
from qantar.views import format_number, map_points, quantities, table_html, timeline_between
from qantar.vocabulary import (  # noqa: F401
    MAP_GROUP_ORDER,
    MAP_GROUPS,
    OTHER_GROUP,
    PALETTE,
    QUANTITY_LABELS,
    SHAPES,
    STANCE_LABELS,
    STAR,
)

FIGURE_MIME_TYPE = "application/vnd.qantar.figure+json"
VEGALITE_MIME_TYPE = "application/vnd.vegalite.v5+json"


@dataclass
class InteractiveFigure:
    """A Vega-Lite chart with everything a reader needs besides the chart itself."""

    name: str  # unique on its page, used for element ids
    title: str
    caption: str  # what the figure shows, and where the data come from
    summary: str  # the text alternative: what a sighted reader would see
    chart: Any  # an altair chart
    table: pd.DataFrame  # the data shown, as a table for screen readers and for checking
    static: Callable[[], Any]  # draws the same data with matplotlib, for print and plain viewers
    controls_hint: str = ""
    # Settings Vega reads that Altair's schema has no words for (e.g. how legends of one side stack),
    # merged into the specification's config.
    config: dict = field(default_factory=dict)
    _png: bytes | None = field(default=None, repr=False)

    def spec(self) -> dict:
        """The Vega-Lite specification with its data inlined (no request for data files)."""
        spec = self.chart.to_dict()
        for key, value in self.config.items():
            spec.setdefault("config", {}).setdefault(key, {}).update(value)
        return spec

    def png(self) -> bytes:
        if self._png is None:
            figure = self.static()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
            self._png = buffer.getvalue()
        return self._png

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:

        spec = self.spec()
        png = base64.b64encode(self.png()).decode("ascii")
        return {
            VEGALITE_MIME_TYPE: spec,
            FIGURE_MIME_TYPE: {
                "name": self.name,
                "title": self.title,
                "caption": self.caption,
                "summary": self.summary,
                "controls_hint": self.controls_hint,
                "spec": spec,
                "table_html": table_html(self.table),
                "png": png,
            },
            "image/png": png,
            "text/plain": f"{self.title}. {self.summary}",
        }


def figure_html(content: dict) -> tuple[str, str]:
    """The page markup around a figure: (before the static image, after it)."""
    name = html.escape(content["name"])
    spec = json.dumps(content["spec"], ensure_ascii=False, separators=(",", ":"))
    spec = spec.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    hint = html.escape(content.get("controls_hint") or "")
    before = (
        f'<figure class="qantar-figure" id="figure-{name}" aria-labelledby="figure-{name}-caption">'
        f'<figcaption id="figure-{name}-caption" class="qantar-figure__caption">'
        f'<strong>{html.escape(content["title"])}.</strong> {html.escape(content["caption"])}</figcaption>'
        f'<script type="application/json" class="qantar-figure__spec">{spec}</script>'
        f'<p class="qantar-figure__how">{hint} Hover over a mark, or click the chart (or press Tab to reach it) '
        f'and use the arrow keys, to read its details below the chart.</p>'
        f'<div class="qantar-figure__live"></div>'
        f'<p class="qantar-figure__details" aria-live="polite" id="figure-{name}-details">'
        f'No mark selected.</p>'
        f'<div class="qantar-figure__static">'
    )
    after = (
        f'</div>'
        f'<details class="qantar-figure__alternative"><summary>Text description and data of this figure'
        f'</summary><p>{html.escape(content["summary"])}</p>{content["table_html"]}</details>'
        f'</figure>'
    )
    return before, after


class FigureMimeRenderer:
    """myst-nb mime renderer: an interactive figure becomes markup that the book's own script draws."""

    mime_priority_overrides = [("*", FIGURE_MIME_TYPE, 3)]

    @staticmethod
    def handle_mime(renderer, data, inline: bool):
        from docutils import nodes

        if data.mime_type == VEGALITE_MIME_TYPE:
            return []  # the same chart for Jupyter front ends; the page draws it from the figure's own markup
        if data.mime_type != FIGURE_MIME_TYPE:
            return None
        content = data.content if isinstance(data.content, dict) else json.loads(data.content)
        image = _static_image_node(renderer, content)
        before, after = figure_html(content)
        return [nodes.raw("", before, format="html"), image, nodes.raw("", after, format="html")]


def _static_image_node(renderer, content: dict):
    """The figure's PNG as an image node, written to the build like myst-nb writes images."""
    import hashlib

    from docutils import nodes

    raw = base64.b64decode(content["png"])
    filename = f"qantar-figure-{hashlib.sha256(raw).hexdigest()[:16]}.png"
    uri = renderer.write_file([filename], raw, overwrite=False, exists_ok=True)
    # Lazy: the browser fetches it only when it is shown, i.e. when the page is printed (or scripts are off).
    return nodes.image(uri=uri, alt=content["summary"], classes=["qantar-figure__image"], loading="lazy")


# ----------------------------------------------------------------------------- the charts


def _alt():
    import altair as alt

    return alt


def _base_config(chart, fit: str = "fit-x"):
    """Settings shared by every chart: the width of the page's column, a transparent background
    (the page's colours show through) and the page's font."""
    alt = _alt()
    return (
        chart.properties(autosize=alt.AutoSizeParams(type=fit, contains="padding"))
        .configure(background="transparent", font="system-ui, -apple-system, 'Segoe UI', sans-serif")
        .configure_view(stroke=None)
    )


def source_labels() -> dict[str, str]:
    """Who published each source, and when: the outlet, else the author, else the title (by source_id)."""
    sources = load("sources")

    def text(value) -> str:
        return "" if value is None or pd.isna(value) else str(value)

    labels = {}
    for source in sources.itertuples():
        who = text(source.outlet) or text(source.author) or text(source.title)
        published = text(source.published)
        labels[source.source_id] = f"{who} ({published})" if published else who
    return labels


def _date(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _date_axis(start: str, end: str):
    """A date axis over [start, end] with half a day's margin, so that markers on the first and last day show whole."""
    alt = _alt()
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    same_year = first.year == last.year
    days = (last - first).days
    domain = [(first - pd.Timedelta(hours=12)).isoformat(), (last + pd.Timedelta(hours=12)).isoformat()]
    return alt.X(
        "date:T",
        title=f"Date ({first.year})" if same_year else "Date",
        scale=alt.Scale(domain=domain, nice=False),
        axis=alt.Axis(
            format="%-d %b" if same_year else "%b %Y",
            labelOverlap="greedy",
            grid=True,
            labelFlush=False,  # fewer ticks on a phone
            tickCount=alt.ExprRef(
                f"containerSize()[0] < 560 ? {min(days + 1, 6) if same_year else 4}"
                f" : {min(days + 1, 12) if same_year else 8}"
            ),
        ),
    )


def _slots(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    """A number for each row among the rows that share ``keys``, so that marks on one day do not overlap."""
    return frame.groupby(keys, sort=False).cumcount()


def timeline_chart(
    start: str = "2022-01-01",
    end: str = "2022-01-20",
    category: str | None = None,
    actor: str | None = None,
    caption: str | None = None,
) -> InteractiveFigure:
    """Events between two dates, one row per category, the key events labelled and the chapters' phases
    shaded, with filters by category and by actor (see qantar.figures._timeline_model, which the static
    image shares)."""
    alt = _alt()
    from qantar.figures import (
        TIMELINE_NARROW,
        _days,
        _timeline_model,
        timeline_figure,
    )

    events = timeline_between(start, end)
    if events.empty:
        raise ValueError(f"the timeline has no events between {start} and {end}")
    model = _timeline_model(start, end)
    events = model.events
    categories = model.every
    frame = pd.DataFrame(
        {
            "date": events["date"].map(_date),
            "category": events["category"],
            "place": events["place"].fillna(""),
            "event": events["event"],
            "actors": events["actors"].fillna(""),
            "source": events["source_id"].map(source_labels()),
        }
    )
    between = separator("timeline", "actors")
    frame["actor_key"] = "|" + frame["actors"].str.replace(between, "|") + "|"
    frame["slot"] = events["slot"]
    frame["description"] = (
        frame["date"]
        + ", "
        + frame["category"]
        + ", "
        + frame["place"].where(frame["place"] != "", "no place given")
        + ": "
        + frame["event"]
        + " Source: "
        + frame["source"]
        + "."
    )
    counts = pd.Series([a for names in frame["actors"] if names for a in names.split(between)]).value_counts()
    actors = sorted(counts[counts >= 2].index) if len(counts) else []
    if actor is not None and actor not in actors:
        actors = sorted([*actors, actor])
    shown = model.categories
    rows = model.rows
    height = model.height

    pick_category = alt.param(
        name="pick_category",
        value=category,
        bind=alt.binding_select(options=[None, *shown], labels=["All categories", *shown], name="Category: "),
    )
    pick_actor = alt.param(
        name="pick_actor",
        value=actor,
        bind=alt.binding_select(options=[None, *actors], labels=["All actors", *actors], name="Actor: "),
    )
    narrow = alt.param(name="narrow", expr=f"width >= 0 && containerSize()[0] < {TIMELINE_NARROW}")
    filters = (
        "(pick_category == null || datum.category == pick_category)",
        "(pick_actor == null || indexof(datum.actor_key, '|' + pick_actor + '|') >= 0)",
    )
    x = _date_axis(start, end)
    low, high = _days(start, end)
    # Rows and slots of a fixed size (no padding), so that a label's offset from its marker is known in px.
    y = alt.Y("category:N", title=None, sort=rows, scale=alt.Scale(domain=rows, paddingInner=0, paddingOuter=0))
    # Slot i of a row at (i + 0.5) / slots of it: Vega-Lite's offset band has no padding by default.
    y_offset = alt.YOffset("slot:O")
    points = (
        alt.Chart(frame)
        .mark_point(filled=True, size=110, opacity=0.9, stroke="#000000", strokeWidth=0.6)
        .encode(
            x=x,
            y=y,
            yOffset=y_offset,
            color=alt.Color("category:N", scale=alt.Scale(domain=categories, range=PALETTE), legend=None),
            shape=alt.Shape("category:N", scale=alt.Scale(domain=categories, range=SHAPES), legend=None),
            tooltip=[
                alt.Tooltip("date:T", title="Date", format="%d %B %Y"),
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("place:N", title="Place"),
                alt.Tooltip("event:N", title="Event"),
                alt.Tooltip("actors:N", title="Actors"),
                alt.Tooltip("source:N", title="Source"),
            ],
            description="description:N",
        )
        .add_params(pick_category, pick_actor)
        .transform_filter(filters[0])
        .transform_filter(filters[1])
    )
    # The key events' labels, placed for a phone and for a wider column (qantar.figures._key_layout).
    keys = model.labels.merge(
        frame[["date", "category", "slot", "actor_key"]].assign(label=events["label"].fillna("")),
        left_on="event",
        right_index=True,
    ).drop(columns=["event", "clash"])
    # A label's offset from its row's middle: its marker's slot, then its own offset from the marker.
    band = height / len(rows)
    keys["dy"] = keys["dy"] + (keys["slot"] + 0.5) * band / model.slots - band / 2
    in_mode = "datum.mode == (narrow ? 'narrow' : 'wide')"

    def key_layer(align: str, halo: bool):
        chosen = keys[keys["align"] == align]
        return (
            alt.Chart(chosen)
            .transform_filter(in_mode)
            .transform_filter(filters[0])
            .transform_filter(filters[1])
            .mark_text(
                align=align,
                baseline="middle",
                fontSize=11,
                aria=False,
                dx=alt.ExprRef("datum.dx"),
                dy=alt.ExprRef("datum.dy"),
                # The halo: the same words, thick and in the page's colour, under the label.
                **({"style": "halo", "strokeWidth": 3.5, "strokeJoin": "round"} if halo else {}),
            )
            .encode(x=alt.X("date:T", axis=None), y=y, text="label:N")
            .properties(name=f"timeline_key_{'halo' if halo else 'label'}_{align}")
        )

    aligns = [align for align in ("left", "right") if (keys["align"] == align).any()]
    labels = [key_layer(align, halo) for halo in (True, False) for align in aligns]
    layers = []
    if len(model.phases):
        phases = model.phases.assign(
            x0=(model.phases["start"] - pd.Timedelta(hours=12)).clip(lower=low).map(lambda d: d.isoformat()),
            x1=(model.phases["end"] + pd.Timedelta(hours=12)).clip(upper=high).map(lambda d: d.isoformat()),
            opacity=[0.10 + 0.04 * lane for lane in model.phases["lane"]],
        )[["label", "x0", "x1", "lane", "align", "opacity"]]
        layers.append(
            alt.Chart(phases)
            .mark_rect(color="#8a8a8a", aria=False)
            .encode(
                x=alt.X("x0:T", axis=None),
                x2="x1:T",
                y=alt.value(0),
                y2=alt.value(height),
                opacity=alt.Opacity("opacity:Q", scale=None),
            )
            .properties(name="timeline_phase_band")
        )
        for (align, lane), chosen in phases.groupby(["align", "lane"]):
            layers.append(
                alt.Chart(chosen)
                .mark_text(
                    align=align,
                    baseline="middle",
                    dx=4 if align == "left" else -4,
                    fontSize=11,
                    fontStyle="italic",
                    aria=False,
                )
                .encode(
                    x=alt.X("x0:T" if align == "left" else "x1:T", axis=None),
                    y=alt.value(9 + 13 * int(lane)),
                    text="label:N",
                )
                .properties(name=f"timeline_phase_label_{align}_{lane}")
            )
    chart = (
        alt.layer(*layers, points, *labels)
        .add_params(narrow)
        .properties(
            width="container",
            height=height,
            description=f"Timeline of events from {start} to {end}, one row per category"
            + (", with the phases the chapters name shaded." if len(model.phases) else "."),
        )
    )
    table = frame[["date", "category", "place", "event", "actors", "source"]]
    by_category = frame["category"].value_counts()
    busiest = frame["date"].value_counts()
    labelled = events[events["key"]]
    summary = (
        f"{len(frame)} events from {start} to {end}, in {len(shown)} categories: "
        + ", ".join(f"{name} {count}" for name, count in by_category.items())
        + f". The busiest day is {busiest.index[0]} with {busiest.iloc[0]} events."
        + (
            " Key events, labelled on the chart: "
            + "; ".join(f"{row.label} ({_date(row.date)})" for row in labelled.itertuples())
            + "."
            if len(labelled)
            else ""
        )
        + (
            " Shaded phases: "
            + "; ".join(f"{row.label}, {_date(row.start)} to {_date(row.end)}" for row in model.phases.itertuples())
            + "."
            if len(model.phases)
            else ""
        )
    )
    return InteractiveFigure(
        name=f"timeline-{start}-{end}",
        title=f"Timeline, {start} to {end}",
        caption=_caption(
            caption,
            "Each marker is one event of the module's timeline, placed by date and by category (each "
            "category has its own colour and marker shape); the key events are named beside their markers"
            + (
                ", and the phases of the crisis that the chapters name are shaded, with their names in the top row"
                if len(model.phases)
                else ""
            )
            + ". Events come from the five articles and the public sources listed on the References page.",
        ),
        summary=summary,
        chart=_base_config(chart).properties(
            usermeta={"qantar_dark_config": {"style": {"halo": {"stroke": "#121212"}}, "text": {"fill": "#f0f0f0"}}}
        ),
        table=table,
        static=lambda: timeline_figure(start, end),
        controls_hint="Choose a category or an actor to show only their events.",
        config={"style": {"halo": {"stroke": "#ffffff"}}},
    )


# The claims chart. Its layout is in units of 5 px: a line of text is 3 units, a bar 3, the gap
# between two claims 2. Below 560 px of width (a phone) it wraps names on shorter lines.
_CLAIMS_UNIT = 5
_CLAIMS_NARROW = 560
_CLAIMS_WRAP = {"wide": 88, "narrow": 44}  # characters per line of a claimant's name
_CLAIMS_CHAR_PX = 6.6  # a generous width of one character of the chart's 12 px font
_CLAIMS_INDENT = 18  # px before a name or a legend entry that starts with its marker
_CLAIMS_TIME_HEIGHT = 280  # px of the plot over dates
_MODES = ("wide", "narrow")
# The rows' layers, each a table of rows (quantity, width, unit, ...) that the spec filters.
_CLAIMS_PARTS = ("legend_titles", "legend_texts", "legend_glyphs", "legend_lines", "names", "glyphs", "bars")


def _claims_rows(model, mode: str) -> dict:
    """The rows part of a claims chart for one quantity and one width: the legend, then (for a bar
    layout) each claim's wrapped name over its bar. Positions are in units (see _CLAIMS_UNIT)."""
    out: dict = {key: [] for key in (*_CLAIMS_PARTS, "blocks")}
    width = _CLAIMS_WRAP[mode]

    def add(part: str, unit: int, **fields) -> None:
        out[part].append({"quantity": model.quantity, "mode": mode, "u": unit, **fields})

    unit = 0
    # Over the plot of dates, the legend starts where the plot's labels do, left of the plot.
    left = -24 if model.layout == "time" else 0
    if model.legend:
        title = "Who gives the figure" if model.layout == "time" else "What the figure counts"
        add("legend_titles", unit + 1, px=left, text=title)
        unit += 3
        for entry in model.legend:
            fill = "transparent" if entry["hollow"] else entry["colour"]
            stroke, stroke_width = (entry["colour"], 1.6) if entry["hollow"] else ("#000000", 0.6)
            add(
                "legend_glyphs",
                unit + 1,
                px=left + 7,
                shape=entry["shape"],
                fill=fill,
                stroke=stroke,
                stroke_width=stroke_width,
            )
            if entry["line"]:
                add("legend_lines", unit + 1, px0=left, px1=left + 14, colour=entry["colour"])
            for line in _wrap_name(entry["text"], width - 3):
                add("legend_texts", unit + 1, px=left + _CLAIMS_INDENT, text=line)
                unit += 3
        unit += 3
    if model.layout != "rows":
        return out | {"units": unit}
    marked = bool(model.legend)  # a bar layout with a legend marks each name with its group's marker
    for row in model.claims.itertuples():
        first = unit
        if marked:
            add("glyphs", unit + 1, px=7, shape=row.shape, fill=row.colour, stroke="#000000", stroke_width=0.6)
        for line in _wrap_name(row.label, width - (3 if marked else 0)):
            add("names", unit + 1, px=_CLAIMS_INDENT if marked else 0, text=line)
            unit += 3
        value_high = None if pd.isna(row.value_high) else float(row.value_high)
        add(
            "bars",
            unit + 1,
            value=float(row.value),
            value_high=value_high,
            x_end=float(row.x_end),
            colour=row.colour,
            claim=row.claim,
            dot=bool(row.dot),
        )
        unit += 3
        out["blocks"].append({"claim_id": row.claim_id, "u0": first, "u1": unit - 1})
        unit += 2
    return out | {"units": unit - 2}


def _wrap_name(text: str, width: int) -> list[str]:
    from qantar.figures import _wrap

    return _wrap(text, width)


def _claims_summary(model) -> str:
    """What the chart shows of one quantity, in words (the text alternative)."""
    from qantar.figures import _KINDS, _SCOPES

    claims = model.claims
    values = claims["value"].astype(float)
    head = (
        f"For {QUANTITY_LABELS.get(model.quantity, model.quantity)}, the figure shown first, {len(claims)} claims run "
        f"from {claims['claim'].iloc[values.argmin()]} to {claims['claim'].iloc[values.argmax()]}"
    )
    if model.layout == "time":
        parts = [head + ", each drawn at the date of the claim."]
        line = claims[claims["on_line"]].sort_values("x")
        if len(line):
            parts.append(
                f"The Kazakh authorities' official totals, joined by a line, go from {line['claim'].iloc[0]} on "
                f"{line['when_label'].iloc[0]} to {line['claim'].iloc[-1]} on {line['when_label'].iloc[-1]}: "
                + ", ".join(f"{r.claim} ({r.when_label})" for r in line.itertuples())
                + "."
            )
        dated = claims["day"].notna()
        partial = claims[claims["hollow"] & dated]
        if len(partial):
            parts.append(
                "Partial counts (hollow markers): "
                + "; ".join(f"{r.claim}, {r.when_label}, by {r.claimant}" for r in partial.itertuples())
                + "."
            )
        gone = claims[claims["disowned"]]
        for _value, group in gone.groupby("value", sort=False):
            parts.append(
                f"The figure {group['claim'].iloc[0]}, published on {group['when_label'].iloc[0]} by "
                + "; ".join(group["claimant"])
                + ", was later disowned (the label next to it says so)."
            )
        for kind, words in _KINDS.items():
            shown = (claims["group"] == kind) & dated & ~claims["on_line"] & ~claims["hollow"] & ~claims["disowned"]
            if kind != "official" and shown.any():
                parts.append(
                    f"{words}: " + ", ".join(f"{r.claim} ({r.when_label})" for r in claims[shown].itertuples()) + "."
                )
        apart = claims[~dated]
        if len(apart):
            parts.append(
                f"{len(apart)} claims give no exact date and are drawn apart, at the right: "
                + "; ".join(
                    f"{r.claim} ({r.claimant}, {r.when_label}{', a partial count' if r.hollow else ''})"
                    for r in apart.itertuples()
                )
                + "."
            )
        return " ".join(parts)
    if model.legend:
        groups = []
        for scope, words in _SCOPES.items():
            chosen = claims[claims["group"] == scope]
            if len(chosen):
                groups.append(
                    f"{words[0].lower() + words[1:]}, "
                    f"{len(chosen)} claim{'s' if len(chosen) > 1 else ''}: "
                    + ", ".join(
                        f"{r.claim} ({r.shown_as})" if scope == "contingent" else r.claim for r in chosen.itertuples()
                    )
                )
        return (
            head + ", one bar per claim under the claimant's full name, grouped by what the figure counts "
            "(colour and marker shape): " + "; ".join(groups) + "."
        )
    return head + ", one bar per claim under the claimant's full name, oldest first (claims with no date last)."


def _count(number, noun: str) -> str:
    return f"{int(number)} {noun}{'' if int(number) == 1 else 's'}"


def _claims_caption(model) -> str:
    if model.layout == "time":
        first = model.axis.segments[0][1]
        return (
            "Each marker is one figure of the claims ledger, placed at the date of the claim. The Kazakh "
            "authorities' official totals are joined by a line; other claims are marked by who made them "
            "(colour and marker shape), and a hollow marker is a partial count. The date axis runs day by day "
            f"through {first:%B %Y}, then month by month; claims with no exact date stand apart at the right. "
            "The figures disagree; none is picked as true. The selector shows the ledger's other quantities, "
            "one bar per claim."
        )
    scope = (
        " Colour and marker shape show what each figure counts (the whole force sent to Kazakhstan, one "
        "national contingent only, or the CSTO's standing peacekeeping force), and the claims are grouped so."
        if model.legend
        else ""
    )
    return (
        "One bar per figure of the claims ledger, under the full name of who gave it and when (oldest first, "
        f"claims with no date last); a thick line shows a range.{scope} The figures disagree; none is picked as "
        "true. The selector shows the ledger's other quantities (deaths are drawn over the date of each claim)."
    )


def claims_chart(quantity: str = "deaths", caption: str | None = None) -> InteractiveFigure:
    """Every claimed figure for one quantity, with who claimed it and when; a selector switches quantity.

    The encoding comes from the ledger (see qantar.figures._claims_model, which the static image
    shares): deaths over the date of each claim, the Kazakh authorities' official totals as a line
    and other claims by kind of claimant; the CSTO force one bar per claim by what it counts; any
    other quantity one bar per claim. Every claimant's full name is shown, wrapped over lines."""
    alt = _alt()
    from qantar.figures import _claims_model, claims_figure

    known = quantities()
    if quantity not in known:
        raise ValueError(f"no claims about '{quantity}'; the quantities are: {', '.join(known)}")
    sources = source_labels()
    models = {name: _claims_model(name) for name in known}
    parts: dict[str, list[dict]] = {key: [] for key in _CLAIMS_PARTS}
    totals: dict[str, int] = {}
    rows = []
    time_parts: dict[str, list[dict]] = {key: [] for key in ("band", "grid", "captions", "segments", "strip", "notes")}
    x_ticks: dict[str, list[float]] = {}
    x_labels: dict[str, dict[str, str]] = {}
    reserve: dict[str, float] = {}
    for name, model in models.items():
        blocks: dict[str, dict[str, dict]] = {}
        for mode in _MODES:
            layout = _claims_rows(model, mode)
            for key in parts:
                parts[key].extend(layout[key])
            totals[f"{name}|{mode}"] = layout["units"]
            blocks[mode] = {block["claim_id"]: block for block in layout["blocks"]}
        reserve[name] = 12 + _CLAIMS_CHAR_PX * max(len(c) for c in model.claims["claim"])
        height = _CLAIMS_TIME_HEIGHT
        if model.layout == "time":
            axis = model.axis
            time_parts["band"].append({"quantity": name, "band": name})
            for tick in axis.y_ticks:
                y = round(height * (1 - tick / axis.y_max), 2)
                time_parts["grid"].append({"quantity": name, "y": y, "label": format_number(tick)})
            for mode in _MODES:
                x_ticks[f"{name}|{mode}"] = [round(x, 4) for x, _ in axis.ticks[mode]]
                x_labels.setdefault(name, {}).update({f"{x:.4f}": label for x, label in axis.ticks[mode]})
                for x, align, text in axis.captions[mode]:
                    time_parts["captions"].append(
                        {"quantity": name, "mode": mode, "x": x, "align": align, "text": text}
                    )
            for _first, _last, left, right in axis.segments:
                time_parts["segments"].append({"quantity": name, "x0": left, "x1": right, "y": height})
            if axis.strip:
                time_parts["strip"].append({"quantity": name, "x0": axis.strip[0], "x1": axis.strip[1]})
            for note in model.notes:
                y = round(height * (1 - note["value"] / axis.y_max), 2)
                time_parts["notes"].append({"quantity": name, "x": note["x"], "y": y, "text": note["text"]})
        for order, row in enumerate(model.claims.itertuples()):
            y = None
            if model.layout == "time":
                y = round(height * (1 - row.value / model.axis.y_max), 2)
            block = {mode: blocks[mode].get(row.claim_id) for mode in _MODES}
            rows.append(
                {
                    "quantity": name,
                    "layout": model.layout,
                    "order": order,
                    "value": float(row.value),
                    "value_high": None if pd.isna(row.value_high) else float(row.value_high),
                    "claim": row.claim,
                    "when": row.as_of if isinstance(row.as_of, str) and row.as_of else "undated",
                    "when_label": row.when_label,
                    "as_of_text": row.when_label + (f"; {row.placement}" if row.placement else ""),
                    "placement": row.placement,
                    "claimant": row.claimant,
                    "shown_as": row.shown_as,
                    "source": sources[row.source_id],
                    "note": row.note,
                    "kind": row.group,
                    "colour": row.colour,
                    "shape": row.shape,
                    "hollow": bool(row.hollow),
                    "on_line": bool(row.on_line),
                    "x": None if model.layout != "time" else float(row.x),
                    "y": y,
                    **{
                        f"{end}_{mode}": (block[mode][end] + 1 if block[mode] else None)
                        for mode in _MODES
                        for end in ("u0", "u1")
                    },
                }
            )
    frame = pd.DataFrame(rows)
    frame["description"] = (
        frame["claim"]
        + ", claimed by "
        + frame["claimant"]
        + ", "
        + frame["when_label"]
        + ". "
        + frame["placement"].map(lambda p: f"On the chart: {p}. " if p else "")
        + frame["shown_as"].map(lambda s: f"Shown as: {s}. " if s else "")
        + "Source: "
        + frame["source"]
        + "."
        + frame["note"].map(lambda n: f" Note: {n}" if n else "")
    )
    tooltip = [
        alt.Tooltip("claim:N", title="Claim"),
        alt.Tooltip("claimant:N", title="Claimed by"),
        alt.Tooltip("as_of_text:N", title="As of"),
        alt.Tooltip("shown_as:N", title="Shown as"),
        alt.Tooltip("source:N", title="Source"),
        alt.Tooltip("note:N", title="Note"),
    ]
    pick = alt.param(
        name="pick_quantity",
        value=quantity,
        bind=alt.binding_select(
            options=known, labels=[QUANTITY_LABELS.get(name, name) for name in known], name="Quantity: "
        ),
    )
    narrow = alt.param(name="narrow", expr=f"width >= 0 && containerSize()[0] < {_CLAIMS_NARROW}")
    mode = "(narrow ? 'narrow' : 'wide')"
    chosen = "datum.quantity == pick_quantity"
    in_mode = f"{chosen} && datum.mode == {mode}"

    def part(values: list[dict], test: str = in_mode):
        data = pd.DataFrame(values) if values else pd.DataFrame({"quantity": pd.Series([], dtype=str)})
        return alt.Chart(data).transform_filter(test)

    # ---- the rows: the legend, then each claim's full name over its bar
    y_rows = alt.Y("u:O", axis=None, scale=alt.Scale(paddingInner=0, paddingOuter=0))
    pixels = {"type": "quantitative", "scale": None}
    units = json.dumps(totals)
    slots = (
        alt.Chart(alt.sequence(0, max(totals.values()) + 1, as_="u"))
        .transform_filter(f"datum.u < ({units}[pick_quantity + '|' + {mode}] || 0)")
        .mark_rule(opacity=0, aria=False)
        .encode(y=y_rows)
    )

    def words(key: str, name: str, bold: bool = False):
        return (
            part(parts[key])
            .mark_text(
                align="left", baseline="middle", fontSize=12, fontWeight="bold" if bold else "normal", aria=False
            )
            .encode(x=alt.X("px", **pixels), y=y_rows, text="text:N")
            .properties(name=name)
        )

    def markers(key: str, name: str):
        return (
            part(parts[key])
            .mark_point(size=70, opacity=1, aria=False)
            .encode(
                x=alt.X("px", **pixels),
                y=y_rows,
                shape=alt.Shape("shape:N", scale=None),
                fill=alt.Fill("fill:N", scale=None),
                stroke=alt.Stroke("stroke:N", scale=None),
                strokeWidth=alt.StrokeWidth("stroke_width:Q", scale=None),
            )
            .properties(name=name)
        )

    legend_lines = (
        part(parts["legend_lines"])
        .mark_rule(strokeWidth=2, aria=False)
        .encode(x=alt.X("px0", **pixels), x2="px1", y=y_rows, color=alt.Color("colour:N", scale=None))
        .properties(name="claims_legend_line")
    )
    legend = [
        legend_lines,
        markers("legend_glyphs", "claims_legend_marker"),
        words("legend_titles", "claims_legend_title", bold=True),
        words("legend_texts", "claims_legend_text"),
    ]
    names = [markers("glyphs", "claims_name_marker"), words("names", "claims_name")]
    dots = [name for name, model in models.items() if model.layout == "rows" and model.claims["dot"].all()]
    reserve_px = json.dumps({name: round(px) for name, px in reserve.items()})
    value_x = alt.Scale(
        zero=alt.ExprRef(f"indexof({json.dumps(dots)}, pick_quantity) < 0"),
        nice=False,
        range=[
            alt.ExprRef(f"indexof({json.dumps(dots)}, pick_quantity) < 0 ? 0 : 8"),
            alt.ExprRef(f"max(60, width - ({reserve_px}[pick_quantity] || 0))"),
        ],
    )
    bar_values = part(parts["bars"])
    bars = (
        bar_values.transform_filter("!datum.dot")
        .mark_bar(height=11, aria=False)
        .encode(x=alt.X("value:Q", axis=None, scale=value_x), y=y_rows, color=alt.Color("colour:N", scale=None))
    )
    ranges = (
        bar_values.transform_filter("isValid(datum.value_high)")
        .mark_rule(strokeWidth=4, aria=False)
        .encode(x="value:Q", x2="value_high:Q", y=y_rows, color=alt.Color("colour:N", scale=None))
    )
    points = (
        bar_values.transform_filter("datum.dot")
        .mark_point(filled=True, size=80, stroke="#000000", strokeWidth=0.6, aria=False)
        .encode(x="value:Q", y=y_rows, color=alt.Color("colour:N", scale=None))
    )
    values = (
        bar_values.mark_text(align="left", baseline="middle", dx=6, fontSize=12, aria=False)
        .encode(x="x_end:Q", y=y_rows, text="claim:N")
        .properties(name="claims_value")
    )
    # One described mark per claim: the claim's whole row (name and bar), for hover and the keyboard.
    select = (
        alt.Chart(frame)
        .transform_filter(f"{chosen} && datum.layout == 'rows'")
        .transform_calculate(u0=f"datum['u0_' + {mode}]", u1=f"datum['u1_' + {mode}]")
        .mark_rect(fill="transparent", strokeWidth=0)
        .encode(y=alt.Y("u0:O"), y2="u1:O", tooltip=tooltip, description="description:N")
    )
    rows_view = alt.layer(slots, *legend, *names, bars, ranges, points, values, select).properties(
        width="container", height=alt.Step(_CLAIMS_UNIT)
    )

    # ---- over time: a plot of fixed height, drawn only for its quantity (its band collapses otherwise)
    # Positions in the plot are pixels from its top (the plot's height is fixed), offsets within the one band.
    y_band = alt.Y("quantity:N", axis=None, scale=alt.Scale(paddingInner=0, paddingOuter=0))

    def pixels_y(name: str = "y") -> dict:
        return {"y": y_band, "yOffset": alt.YOffset(name, type="quantitative", scale=None)}

    band = part(time_parts["band"], chosen).mark_rule(opacity=0, aria=False).encode(y=y_band)
    tick_values = json.dumps(x_ticks)
    x_time = alt.X(
        "x:Q",
        scale=alt.Scale(domain=[0, 1], nice=False, zero=False),
        axis=alt.Axis(
            values=alt.ExprRef(f"{tick_values}[pick_quantity + '|' + {mode}] || []"),
            labelExpr=f"({json.dumps(x_labels)}[pick_quantity] || {{}})[format(datum.value, '.4f')]",
            title=None,
            grid=False,
            domain=False,
            tickSize=4,
            labelFontSize=11,
            labelFlush=False,
            labelOverlap=False,
            labelPadding=3,
        ),
    )
    strip = (
        part(time_parts["strip"], chosen)
        .mark_rect(color="#888888", opacity=0.12, aria=False)
        .encode(x="x0:Q", x2="x1:Q", y=alt.value(0), y2=alt.value(_CLAIMS_TIME_HEIGHT))
    )
    grid = part(time_parts["grid"], chosen).mark_rule(color="#888888", opacity=0.35, aria=False).encode(**pixels_y())
    grid_labels = (
        part(time_parts["grid"], chosen)
        .mark_text(align="right", baseline="middle", dx=-5, fontSize=11, aria=False)
        .encode(x=alt.value(0), text="label:N", **pixels_y())
        .properties(name="claims_axis_value")
    )
    y_title = (
        part(
            [
                {"quantity": name, "text": f"{QUANTITY_LABELS.get(name, name)}, as claimed"}
                for name, model in models.items()
                if model.layout == "time"
            ],
            chosen,
        )
        .mark_text(align="left", baseline="bottom", dx=-24, dy=-10, fontSize=12, fontWeight="bold", aria=False)
        .encode(x=alt.value(0), y=alt.value(0), text="text:N")
        .properties(name="claims_axis_title")
    )
    baselines = (
        part(time_parts["segments"], chosen)
        .mark_rule(color="#888888", strokeWidth=1, aria=False)
        .encode(x="x0:Q", x2="x1:Q", y=alt.value(_CLAIMS_TIME_HEIGHT))
    )
    captions = [
        part(time_parts["captions"])
        .transform_filter(f"datum.align == '{align}'")
        .mark_text(align=align, baseline="top", lineBreak="\n", fontSize=11, fontStyle="italic", aria=False)
        .encode(x="x:Q", y=alt.value(_CLAIMS_TIME_HEIGHT + 22), text="text:N")
        .properties(name=f"claims_axis_caption_{align}")
        for align in ("left", "right")
    ]
    over_time = alt.Chart(frame).transform_filter(f"{chosen} && datum.layout == 'time'")
    line = (
        over_time.transform_filter("datum.on_line")
        .mark_line(strokeWidth=2, aria=False)
        .encode(x="x:Q", order="x:Q", color=alt.Color("colour:N", scale=None), **pixels_y())
    )
    notes = (
        part(time_parts["notes"], chosen)
        .mark_text(align="left", baseline="middle", fontSize=12, aria=False)
        .encode(x="x:Q", text="text:N", **pixels_y())
        .properties(name="claims_note")
    )
    claims_marks = over_time.mark_point(size=75, opacity=1).encode(
        x=x_time,
        **pixels_y(),
        shape=alt.Shape("shape:N", scale=None),
        fill=alt.condition("datum.hollow", alt.value("transparent"), alt.Fill("colour:N", scale=None)),
        stroke=alt.condition("datum.hollow", alt.Stroke("colour:N", scale=None), alt.value("#000000")),
        strokeWidth=alt.condition("datum.hollow", alt.value(2), alt.value(0.6)),
        tooltip=tooltip,
        description="description:N",
    )
    time_view = alt.layer(
        band, strip, grid, grid_labels, y_title, baselines, *captions, line, notes, claims_marks
    ).properties(width="container", height=alt.Step(_CLAIMS_TIME_HEIGHT))

    chart = (
        alt.vconcat(rows_view, time_view, spacing=0)
        .add_params(pick, narrow)
        .properties(
            description="Every claim about the chosen quantity: its legend, then one row per claim or, for "
            "deaths, a plot over the date of each claim.",
            usermeta={"qantar_dark_config": {"text": {"fill": "#f0f0f0"}}},
        )
    )
    model = models[quantity]
    summary = (
        f"{len(frame)} claims about {len(known)} quantities. "
        + _claims_summary(model)
        + " Other quantities: "
        + "; ".join(
            f"{QUANTITY_LABELS.get(n, n)}, {_count((frame['quantity'] == n).sum(), 'claim')}"
            for n in known
            if n != quantity
        )
        + "."
    )
    table = frame[["quantity", "claim", "claimant", "when", "shown_as", "source", "note"]].rename(
        columns={"when": "as of", "shown_as": "shown as"}
    )
    return InteractiveFigure(
        name=f"claims-{quantity}",
        title="The claims ledger compared",
        caption=_caption(caption, _claims_caption(model)),
        summary=summary,
        # The layout is computed again when the quantity changes (the legend and the labels change sides).
        chart=_base_config(chart).properties(
            autosize=alt.AutoSizeParams(type="fit-x", contains="padding", resize=True)
        ),
        table=table,
        static=lambda: claims_figure(quantity),
        controls_hint="Choose a quantity to compare its claims.",
    )


def reactions_chart(actor: str | None = None, caption: str | None = None) -> InteractiveFigure:
    """The reactions by date and actor, one marker shape and colour per stance, with filters."""
    alt = _alt()
    from qantar.figures import reactions_figure

    reactions = load("reactions")
    stances = list(STANCE_LABELS)
    frame = pd.DataFrame(
        {
            "date": reactions["date"].map(_date),
            "actor": reactions["actor"],
            "stance": reactions["stance"].map(lambda s: STANCE_LABELS.get(s, s)),
            "speaker": reactions["speaker"].fillna(""),
            "summary": reactions["summary"],
            "source": reactions["source_id"].map(source_labels()),
        }
    ).sort_values(["date", "actor"], kind="stable")
    frame["slot"] = _slots(frame, ["date", "actor"])
    frame["description"] = (
        frame["date"]
        + ", "
        + frame["actor"]
        + " ("
        + frame["stance"]
        + "): "
        + frame["summary"]
        + " Source: "
        + frame["source"]
        + "."
    )
    order = frame["actor"].value_counts()
    actors = sorted(order.index, key=lambda name: (-order[name], name))
    stance_names = [STANCE_LABELS[s] for s in stances]
    pick_actor = alt.param(
        name="pick_actor",
        value=actor,
        bind=alt.binding_select(options=[None, *actors], labels=["All actors", *actors], name="Actor: "),
    )
    pick_stance = alt.param(
        name="pick_stance",
        value=None,
        bind=alt.binding_select(options=[None, *stance_names], labels=["All stances", *stance_names], name="Stance: "),
    )
    chart = (
        alt.Chart(frame)
        .mark_point(filled=True, size=110, opacity=0.9, stroke="#000000", strokeWidth=0.6)
        .encode(
            x=_date_axis(frame["date"].min(), frame["date"].max()),
            y=alt.Y("actor:N", title=None, sort=actors),
            yOffset=alt.YOffset("slot:O"),
            color=alt.Color(
                "stance:N",
                scale=alt.Scale(domain=stance_names, range=PALETTE),
                title="Stance",
                legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=300),
            ),
            shape=alt.Shape("stance:N", scale=alt.Scale(domain=stance_names, range=SHAPES), title="Stance"),
            tooltip=[
                alt.Tooltip("date:T", title="Date", format="%d %B %Y"),
                alt.Tooltip("actor:N", title="Actor"),
                alt.Tooltip("speaker:N", title="Speaker"),
                alt.Tooltip("stance:N", title="Stance"),
                alt.Tooltip("summary:N", title="What was said"),
                alt.Tooltip("source:N", title="Source"),
            ],
            description="description:N",
        )
        .add_params(pick_actor, pick_stance)
        .transform_filter("pick_actor == null || datum.actor == pick_actor")
        .transform_filter("pick_stance == null || datum.stance == pick_stance")
        .properties(
            width="container",
            height=30 * len(actors),
            description="Reactions to the crisis by date, one row per actor, one marker per statement.",
        )
    )
    by_stance = frame["stance"].value_counts()
    summary = (
        f"{len(frame)} statements by {len(actors)} actors between {frame['date'].min()} and "
        f"{frame['date'].max()}. Most statements: "
        + ", ".join(f"{a} {order[a]}" for a in actors[:4])
        + ". By stance: "
        + ", ".join(f"{name} {count}" for name, count in by_stance.items())
        + "."
    )
    return InteractiveFigure(
        name="reactions",
        title="Reactions by date and actor",
        caption=_caption(
            caption,
            "Each marker is one statement in the reactions table, placed by date and by who made it; colour "
            "and marker shape show the stance the module's authors coded (see the Data page).",
        ),
        summary=summary,
        chart=_base_config(chart),
        table=frame[["date", "actor", "speaker", "stance", "summary", "source"]],
        static=reactions_figure,
        controls_hint="Choose an actor or a stance to show only those statements.",
    )


def _frame_points(frame: tuple[float, float, float, float], step: float = 1.0) -> list[list[float]]:
    """Points along the edges of a longitude/latitude box, so that a conic projection fits its curved edges."""
    west, south, east, north = frame
    count = int((east - west) / step)
    along = [west + (east - west) * i / count for i in range(count + 1)]
    return [[x, y] for x in along for y in (south, north)] + [[x, y] for x in (west, east) for y in (south, north)]


def places_map(group: str | None = None, caption: str | None = None) -> InteractiveFigure:
    """Where the events of the timeline took place in Kazakhstan, among its neighbours, on the module's base map."""
    alt = _alt()
    from qantar.data import load_geometry
    from qantar.figures import (
        CASPIAN_LABEL,
        MAP_COLOURS,
        MAP_FONT,
        MAP_FRAME,
        MAP_LARGEST,
        MAP_MODES,
        MAP_NARROW,
        NEIGHBOUR_LABELS,
        NEIGHBOURS_FRAME,
        SIZE_RANGE,
        SIZE_TITLE,
        SIZE_VALUES,
        map_figure,
        map_label_layout,
    )

    geometry = load_geometry()
    neighbours = load_geometry("neighbours")
    points = map_points()
    groups = [g for g in MAP_GROUP_ORDER if g in set(points["group"])]
    points = points.assign(other_names=points["other_names"].fillna(""))
    points["description"] = (
        points["name"]
        + " ("
        + points["region"].fillna("")
        + "): "
        + points["events"].astype(str)
        + " timeline "
        + points["events"].map(lambda n: "entry" if n == 1 else "entries")
        + " of the kind "
        + points["group"].str.lower()
        + ", "
        + points["first"]
        + " to "
        + points["last"]
        + "."
    )
    pick = alt.param(
        name="pick_group",
        value=group,
        bind=alt.binding_select(options=[None, *groups], labels=["All events", *groups], name="Show: "),
    )
    # Water under everything (the Caspian Sea is the gap between the land around it), then the
    # neighbouring countries, muted, then Kazakhstan's regions.
    west, south, east, north = NEIGHBOURS_FRAME
    edge = [[west + (east - west) * i / 40, north] for i in range(41)]
    ring = [[west, south], *[[west, south + (north - south) * i / 20] for i in range(1, 20)], *edge]
    ring += [[east - (east - west) * i / 40, south] for i in range(41)]  # clockwise, as d3 reads an exterior
    water = (
        alt.Chart(
            alt.Data(
                values=[{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]
            )
        )
        .mark_geoshape(style="water", aria=False)
        .properties(name="map_water")
    )
    neighbour_map = (
        alt.Chart(alt.Data(values=neighbours["features"]))
        .mark_geoshape(style="neighbour", aria=False)
        .properties(name="map_neighbours")
    )
    # Regions under their January 2022 names (the islands have none, only Natural Earth's name).
    base_map = (
        alt.Chart(alt.Data(values=geometry["features"]))
        .transform_calculate(region="datum.properties.name_2022 || datum.properties.name")
        .mark_geoshape(style="kazakhstan", strokeWidth=0.8)
        .encode(tooltip=[alt.Tooltip("region:N", title="Region (January 2022)")])
    )
    largest = max(SIZE_VALUES[-1], int(points["events"].max()))
    narrow = alt.param(name="narrow", expr=f"width >= 0 && containerSize()[0] < {MAP_NARROW}")  # a phone
    marks = (
        alt.Chart(points)
        .transform_filter("pick_group == null || datum.group == pick_group")
        .mark_point(filled=True, opacity=0.9, stroke="#000000", strokeWidth=0.7)
        .encode(
            longitude="lon:Q",
            latitude="latitude:Q",
            size=alt.Size(
                "events:Q",
                title=list(SIZE_TITLE),
                scale=alt.Scale(
                    domain=[1, largest],
                    range=[SIZE_RANGE[0], alt.ExprRef(f"narrow ? {MAP_LARGEST['narrow']} : {MAP_LARGEST['wide']}")],
                ),
                legend=alt.Legend(
                    orient="bottom",
                    direction="horizontal",
                    values=list(SIZE_VALUES),
                    symbolFillColor="#888888",
                    symbolStrokeColor="#888888",
                    titleLimit=400,
                ),
            ),
            color=alt.Color(
                "group:N",
                scale=alt.Scale(domain=groups, range=PALETTE),
                title="Kind of event",
                legend=alt.Legend(orient="bottom", direction="vertical", columns=2, labelLimit=300),
            ),
            shape=alt.Shape("group:N", scale=alt.Scale(domain=groups, range=SHAPES), title="Kind of event"),
            tooltip=[
                alt.Tooltip("name:N", title="Place"),
                alt.Tooltip("other_names:N", title="Also written"),
                alt.Tooltip("region:N", title="Region"),
                alt.Tooltip("group:N", title="Kind"),
                alt.Tooltip("events:Q", title="Timeline entries"),
                alt.Tooltip("first:N", title="First"),
                alt.Tooltip("last:N", title="Last"),
            ],
            description="description:N",
        )
        .add_params(pick)
    )
    # Each place's name beside its markers, placed for a phone's width and for a wider one.
    places = points[points["kind"] != "region"].drop_duplicates("name")[["name", "longitude", "latitude"]]
    layout = pd.concat([map_label_layout(points, mode) for mode in MAP_MODES]).merge(places, on="name")
    labels = [
        alt.Chart(layout[layout["align"] == align])
        .transform_filter("datum.mode == (narrow ? 'narrow' : 'wide')")
        .mark_text(
            align=align,
            baseline="middle",
            fontSize=alt.ExprRef(f"narrow ? {MAP_FONT['narrow']} : {MAP_FONT['wide']}"),
            aria=False,
            dx=alt.ExprRef("datum.dx"),  # per label: offsets of a geographic mark are not encodings
            dy=alt.ExprRef("datum.dy"),
        )
        .encode(longitude="longitude:Q", latitude="latitude:Q", text="name:N")
        .properties(name=f"map_place_label_{align}")
        for align in ("left", "right", "center")
        if (layout["align"] == align).any()
    ]
    names = pd.DataFrame(NEIGHBOUR_LABELS, columns=["name", "longitude", "latitude"])
    neighbour_names = (
        alt.Chart(names)
        .mark_text(style="neighbour_name", fontSize=10, aria=False)
        .encode(longitude="longitude:Q", latitude="latitude:Q", text="name:N")
        .properties(name="map_neighbour_name")
    )
    sea = pd.DataFrame([CASPIAN_LABEL], columns=["name", "longitude", "latitude"])
    sea_name = (
        alt.Chart(sea)
        .mark_text(style="water_name", fontSize=11, fontStyle="italic", aria=False)
        .encode(longitude="longitude:Q", latitude="latitude:Q", text="name:N")
        .properties(name="map_water_name")
    )
    frame = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "MultiPoint", "coordinates": _frame_points(MAP_FRAME)},
            }
        ],
    }
    chart = (
        alt.layer(water, neighbour_map, base_map, neighbour_names, sea_name, marks, *labels)
        .add_params(narrow)
        .project(
            type="conicEqualArea",
            rotate=[-67, 0],
            parallels=[45, 51],
            fit=frame,  # the frame, not the neighbours' wider geometry, decides the scale
            clipExtent=alt.ExprRef("[[0, 0], [width, height]]"),
        )
        .properties(
            width="container",
            height="container",  # the page gives the map's box an aspect ratio
            description="Map of Kazakhstan and its neighbours with a marker for each place where timeline "
            "events happened.",
        )
    )
    totals = points.groupby("name")["events"].sum().sort_values(ascending=False)
    summary = (
        f"{int(points['events'].sum())} mentions of {len(totals)} places in Kazakhstan in the timeline's events of "
        "January 2022. Most mentions: "
        + ", ".join(f"{name} {count}" for name, count in totals.head(5).items())
        + ". By kind: "
        + ", ".join(f"{g} in {int((points['group'] == g).sum())} places" for g in groups)
        + ". Events described as nationwide, or with no place, are not on the map. Around Kazakhstan the map "
        "names " + _and(sorted({name for name, _, _ in NEIGHBOUR_LABELS})) + ", and the Caspian Sea to the west."
    )
    table = points[["name", "region", "group", "events", "first", "last"]].rename(
        columns={"name": "place", "group": "kind of event", "events": "timeline entries"}
    )
    light, dark = MAP_COLOURS["light"], MAP_COLOURS["dark"]

    def styles(colours: dict) -> dict:
        return {
            # "color", not "fill": Vega-Lite reads a style's colour when it compiles the marks.
            "neighbour": {"color": colours["neighbour"], "stroke": colours["neighbour_border"], "strokeWidth": 0.6},
            "neighbour_name": {"color": colours["neighbour_name"]},
            "water_name": {"color": colours["water_name"]},
            "water": {"color": colours["water"], "stroke": None},
            "kazakhstan": {"color": colours["land"], "stroke": colours["border"]},
        }

    return InteractiveFigure(
        name="places-map",
        title="Places named in the timeline, January 2022",
        caption=_caption(
            caption,
            "Each marker is a place in Kazakhstan that events of the module's timeline name, shaped and "
            "coloured by the kind of event. Its size is the number of timeline entries of that kind that name "
            "the place (including announcements made in the capital), not the size of protests or the number "
            "of people involved. Markers at one point are set slightly apart; a region is drawn at its "
            "administrative centre. The neighbouring countries are drawn pale, with their names, and the "
            "Caspian Sea as water. Base map: Natural Earth's regions and countries (public domain); the "
            "regions predate those created in 2018 and 2022. Coordinates: GeoNames (CC BY 4.0) and "
            "OurAirports (public domain), in the places table on the Data page.",
        ),
        summary=summary,
        table=table,
        static=map_figure,
        # Light land on a light page, dark land on a dark one: the page's script applies the dark settings.
        chart=_base_config(chart, fit="fit").properties(
            usermeta={
                "qantar_dark_config": {
                    "style": styles(dark),
                    "text": {"fill": dark["text"]},
                }
            }
        ),
        controls_hint="Choose a kind of event to show only those places.",
        # The two legends one under the other, at the left: side by side they do not fit a phone.
        config={
            "legend": {"layout": {"bottom": {"direction": "vertical", "anchor": "start"}}},
            "style": styles(light),
        },
    )


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _caption(page_caption: str | None, standard: str) -> str:
    """The chapter's own caption, if it gives one, before the standard description of the figure."""
    return f"{page_caption.strip()} {standard}" if page_caption else standard
