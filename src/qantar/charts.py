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
from qantar.views import claims_for, map_points, quantities, table_html, timeline_between
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
    _png: bytes | None = field(default=None, repr=False)

    def spec(self) -> dict:
        """The Vega-Lite specification with its data inlined (no request for data files)."""
        return self.chart.to_dict()

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


def _short(text: Any, limit: int = 60) -> str:
    text = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
    """Events between two dates, one row per category, with filters by category and by actor."""
    alt = _alt()
    from qantar.figures import timeline_figure

    events = timeline_between(start, end)
    if events.empty:
        raise ValueError(f"the timeline has no events between {start} and {end}")
    categories = sorted(set(load("timeline")["category"]))
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
    frame["slot"] = _slots(frame, ["date", "category"])
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
    shown = [c for c in categories if c in set(frame["category"])]

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
    chart = (
        alt.Chart(frame)
        .mark_point(filled=True, size=110, opacity=0.9, stroke="#000000", strokeWidth=0.6)
        .encode(
            x=_date_axis(start, end),
            y=alt.Y("category:N", title=None, sort=shown),
            yOffset=alt.YOffset("slot:O"),
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
        .transform_filter("pick_category == null || datum.category == pick_category")
        .transform_filter("pick_actor == null || indexof(datum.actor_key, '|' + pick_actor + '|') >= 0")
        .properties(
            width="container",
            height=max(160, 44 * len(shown)),
            description=f"Timeline of events from {start} to {end}, one row per category.",
        )
    )
    table = frame[["date", "category", "place", "event", "actors", "source"]]
    by_category = frame["category"].value_counts()
    busiest = frame["date"].value_counts()
    summary = (
        f"{len(frame)} events from {start} to {end}, in {len(shown)} categories: "
        + ", ".join(f"{name} {count}" for name, count in by_category.items())
        + f". The busiest day is {busiest.index[0]} with {busiest.iloc[0]} events."
    )
    return InteractiveFigure(
        name=f"timeline-{start}-{end}",
        title=f"Timeline, {start} to {end}",
        caption=_caption(
            caption,
            "Each marker is one event of the module's timeline, placed by date and by category (each "
            "category has its own colour and marker shape). Events come from the five articles and the "
            "public sources listed on the References page.",
        ),
        summary=summary,
        chart=_base_config(chart),
        table=table,
        static=lambda: timeline_figure(start, end),
        controls_hint="Choose a category or an actor to show only their events.",
    )


def claims_chart(quantity: str = "deaths", caption: str | None = None) -> InteractiveFigure:
    """Every claimed figure for one quantity, with who claimed it and when; a selector switches quantity."""
    alt = _alt()
    from qantar.figures import claims_figure

    known = quantities()
    if quantity not in known:
        raise ValueError(f"no claims about '{quantity}'; the quantities are: {', '.join(known)}")
    rows = []
    sources = source_labels()
    for name in known:
        claims = claims_for(name)
        for order, row in enumerate(claims.itertuples()):
            when = row.as_of if isinstance(row.as_of, str) and row.as_of else "undated"
            rows.append(
                {
                    "quantity": name,
                    "order": order,
                    "value": float(row.value),
                    "value_high": None if pd.isna(row.value_high) else float(row.value_high),
                    "claim": row.claim,
                    "when": when,
                    "claimant": row.claimant,
                    "label": f"{order + 1}. {when} · {_short(row.claimant, 34)}",
                    "source": sources[row.source_id],
                    "note": "" if pd.isna(row.note) else row.note,
                }
            )
    frame = pd.DataFrame(rows)
    frame["description"] = (
        frame["claim"]
        + ", claimed by "
        + frame["claimant"]
        + ", "
        + frame["when"]
        + ". Source: "
        + frame["source"]
        + "."
        + frame["note"].map(lambda n: f" Note: {n}" if n else "")
    )
    pick = alt.param(
        name="pick_quantity",
        value=quantity,
        bind=alt.binding_select(
            options=known, labels=[QUANTITY_LABELS.get(name, name) for name in known], name="Quantity: "
        ),
    )
    base = alt.Chart(frame).transform_filter("datum.quantity == pick_quantity")
    # Labels take at most 320 px, or 130 on a phone, so that the figures keep room.
    y = alt.Y(
        "label:N",
        title=None,
        sort=alt.SortField("order"),
        axis=alt.Axis(labelLimit=alt.ExprRef("containerSize()[0] < 560 ? 130 : 320")),
    )
    x_scale = alt.Scale(zero=alt.ExprRef("pick_quantity != 'csto_founding_year'"), nice=True)
    ranges = (
        base.transform_filter("isValid(datum.value_high)")
        .mark_rule(strokeWidth=3, color=PALETTE[0], aria=False)
        .encode(x=alt.X("value:Q"), x2="value_high:Q", y=y)
    )
    points = base.mark_point(filled=True, size=100, color=PALETTE[0], stroke="#000000", strokeWidth=0.6).encode(
        x=alt.X("value:Q", title="Claimed figure (see the quantity for its unit)", scale=x_scale),
        y=y,
        tooltip=[
            alt.Tooltip("claim:N", title="Claim"),
            alt.Tooltip("claimant:N", title="Claimed by"),
            alt.Tooltip("when:N", title="As of"),
            alt.Tooltip("source:N", title="Source"),
            alt.Tooltip("note:N", title="Note"),
        ],
        description="description:N",
    )
    text = base.mark_text(align="left", dx=9, fontSize=11).encode(x="value:Q", y=y, text="claim:N")
    # Room on the right for the labels: an invisible mark 45% of the scale beyond the largest figure.
    room = frame.groupby("quantity", as_index=False).agg(
        low=("value", "min"), value=("value", "max"), high=("value_high", "max")
    )
    top = room[["value", "high"]].max(axis=1)
    bottom = room["low"].where(room["quantity"] == "csto_founding_year", 0)
    room["edge"] = top + 0.45 * (top - bottom).clip(lower=1)
    margin = (
        alt.Chart(room)
        .transform_filter("datum.quantity == pick_quantity")
        .mark_point(opacity=0, aria=False)
        .encode(x="edge:Q")
    )
    chart = (
        alt.layer(ranges, points, text, margin)
        .add_params(pick)
        .properties(
            usermeta={"qantar_order": "y"},  # the keyboard walks the claims row by row, top to bottom
            width="container",
            height=alt.Step(24),
            description="Every claim about the chosen quantity, one row per claim, oldest first.",
        )
    )
    chosen = frame[frame["quantity"] == quantity]
    summary = (
        f"{len(frame)} claims about {len(known)} quantities. For {QUANTITY_LABELS.get(quantity, quantity)}, "
        f"the figure shown first, {len(chosen)} claims run from {chosen['claim'].iloc[chosen['value'].argmin()]}"
        f" to {chosen['claim'].iloc[chosen['value'].argmax()]}. Other quantities: "
        + "; ".join(
            f"{QUANTITY_LABELS.get(n, n)}, {int((frame['quantity'] == n).sum())} claims" for n in known if n != quantity
        )
        + "."
    )
    table = frame[["quantity", "claim", "claimant", "when", "source", "note"]].rename(columns={"when": "as of"})
    return InteractiveFigure(
        name=f"claims-{quantity}",
        title="The claims ledger compared",
        caption=_caption(
            caption,
            "Every figure the claims ledger records for a quantity, one row per claim with who made it and "
            "when (undated claims last). A line shows a range. The figures disagree; none is picked as true.",
        ),
        summary=summary,
        chart=_base_config(chart),
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


def places_map(group: str | None = None, caption: str | None = None) -> InteractiveFigure:
    """Where the events of the timeline took place in Kazakhstan, on the module's base map."""
    alt = _alt()
    from qantar.data import load_geometry
    from qantar.figures import map_figure

    geometry = load_geometry()
    points = map_points()
    groups = [g for g in MAP_GROUP_ORDER if g in set(points["group"])]
    points = points.assign(other_names=points["other_names"].fillna(""))
    points["description"] = (
        points["name"]
        + " ("
        + points["region"].fillna("")
        + "): "
        + points["events"].astype(str)
        + " timeline events of the kind "
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
    # Regions under their January 2022 names (the islands have none, only Natural Earth's name).
    base_map = (
        alt.Chart(alt.Data(values=geometry["features"]))
        .transform_calculate(region="datum.properties.name_2022 || datum.properties.name")
        .mark_geoshape(strokeWidth=0.8)
        .encode(tooltip=[alt.Tooltip("region:N", title="Region (January 2022)")])
    )
    marks = (
        alt.Chart(points)
        .transform_filter("pick_group == null || datum.group == pick_group")
        .mark_point(filled=True, opacity=0.9, stroke="#000000", strokeWidth=0.7)
        .encode(
            longitude="lon:Q",
            latitude="latitude:Q",
            size=alt.Size(
                "events:Q",
                title="Events",
                scale=alt.Scale(range=[60, 900], zero=False),
                legend=alt.Legend(orient="bottom", symbolFillColor="#888888", symbolStrokeColor="#888888"),
            ),
            color=alt.Color(
                "group:N",
                scale=alt.Scale(domain=groups, range=PALETTE),
                title="Kind of event",
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
            shape=alt.Shape("group:N", scale=alt.Scale(domain=groups, range=SHAPES), title="Kind of event"),
            tooltip=[
                alt.Tooltip("name:N", title="Place"),
                alt.Tooltip("other_names:N", title="Also written"),
                alt.Tooltip("region:N", title="Region"),
                alt.Tooltip("group:N", title="Kind"),
                alt.Tooltip("events:Q", title="Events"),
                alt.Tooltip("first:N", title="First"),
                alt.Tooltip("last:N", title="Last"),
            ],
            description="description:N",
        )
        .add_params(pick)
    )
    places = points[points["kind"] != "region"].drop_duplicates("name")[["name", "longitude", "latitude"]]
    labels = (
        alt.Chart(places)
        .mark_text(align="left", dx=10, dy=-8, fontSize=11)
        .encode(longitude="longitude:Q", latitude="latitude:Q", text="name:N")
    )
    chart = (
        alt.layer(base_map, marks, labels)
        .project(type="conicEqualArea", rotate=[-67, 0], parallels=[45, 51])
        .properties(
            width="container",
            height="container",  # the page gives the map's box an aspect ratio
            description="Map of Kazakhstan with a marker for each place where timeline events happened.",
        )
    )
    totals = points.groupby("name")["events"].sum().sort_values(ascending=False)
    summary = (
        f"{int(points['events'].sum())} mentions of {len(totals)} places in Kazakhstan in the timeline's events of "
        "January 2022. Most mentions: "
        + ", ".join(f"{name} {count}" for name, count in totals.head(5).items())
        + ". By kind: "
        + ", ".join(f"{g} in {int((points['group'] == g).sum())} places" for g in groups)
        + ". Events described as nationwide, or with no place, are not on the map."
    )
    table = points[["name", "region", "group", "events", "first", "last"]].rename(
        columns={"name": "place", "group": "kind of event"}
    )
    return InteractiveFigure(
        name="places-map",
        title="Places named in the timeline, January 2022",
        caption=_caption(
            caption,
            "Each marker is a place in Kazakhstan that events of the module's timeline "
            "name, sized by how many events name it and shaped and coloured by the kind of event. The size "
            "counts timeline entries (including announcements made in the capital), not the size of protests "
            "or the number of people involved. Markers at one point are set slightly apart; a region is drawn "
            "at its administrative centre. Base map: Natural Earth's regions (public domain), which predate "
            "the regions created in 2018 and 2022. Coordinates: GeoNames (CC BY 4.0) and OurAirports (public "
            "domain), in the places table on the Data page.",
        ),
        summary=summary,
        table=table,
        static=map_figure,
        # Light land on a light page, dark land on a dark one: the page's script applies the dark settings.
        chart=_base_config(chart, fit="fit")
        .configure_geoshape(fill="#d9d9d9", stroke="#ffffff")
        .properties(
            usermeta={
                "qantar_dark_config": {
                    "geoshape": {"fill": "#4a4a4a", "stroke": "#1a1a1a"},
                    "text": {"fill": "#f0f0f0"},
                }
            }
        ),
        controls_hint="Choose a kind of event to show only those places.",
    )


def _caption(page_caption: str | None, standard: str) -> str:
    """The chapter's own caption, if it gives one, before the standard description of the figure."""
    return f"{page_caption.strip()} {standard}" if page_caption else standard
