"""The views of the tables a teacher needs most: claims side by side, a stretch of the timeline, reactions by actor.

Each returns a new DataFrame with the source of every row spelled out (outlet, date,
title), so that a figure is never shown without who said it.
"""

from __future__ import annotations

import pandas as pd

from qantar import display
from qantar.data import DataError, load, separator
from qantar.vocabulary import MAP_GROUP_ORDER, MAP_GROUPS, OTHER_GROUP

SOURCE_COLUMNS = ["source_id", "outlet", "author", "published", "title", "kind", "url"]


def with_sources(frame: pd.DataFrame, folder=None) -> pd.DataFrame:
    """``frame`` with the outlet, author, date, title, kind and address of each row's source added."""
    sources = load("sources", folder)[SOURCE_COLUMNS].rename(
        columns={"title": "source_title", "published": "source_published", "url": "source_url", "kind": "source_kind"}
    )
    return frame.merge(sources, on="source_id", how="left", validate="many_to_one")


def quantities(folder=None) -> list[str]:
    """The quantities the claims ledger records, in the order of the schema."""
    return list(dict.fromkeys(load("claims", folder)["quantity"]))


def claims_for(quantity: str, folder=None) -> pd.DataFrame:
    """Every claim about one quantity, oldest first, with its claimant and source side by side."""
    claims = load("claims", folder)
    known = quantities(folder)
    if quantity not in known:
        raise DataError("data/claims.csv", f"no claims about '{quantity}'; the quantities are: {', '.join(known)}")
    chosen = claims[claims["quantity"] == quantity].copy()
    chosen["claim"] = [describe_claim(row) for row in chosen.itertuples()]
    chosen = with_sources(chosen, folder)
    # Undated claims go last; dates of month or year precision sort before full dates of that period.
    chosen = chosen.sort_values("as_of", na_position="last", kind="stable")
    columns = [
        "claim_id",
        "as_of",
        "claim",
        "value",
        "value_high",
        "qualifier",
        "unit",
        "claimant",
        "outlet",
        "source_published",
        "source_id",
        "note",
    ]
    return chosen[columns].reset_index(drop=True)


def describe_claim(row) -> str:
    """A claim as words: 'about 2,500 troops', '50–60 KZT per litre'."""
    if row.unit == "year":
        return f"{int(row.value)}"
    value = format_number(row.value)
    if row.qualifier == "range" and not pd.isna(row.value_high):
        value = f"{value}–{format_number(row.value_high)}"
    elif row.qualifier != "exact":
        value = f"{row.qualifier} {value}"
    return f"{value} {row.unit}"


def format_number(number: float) -> str:
    """A figure as prose writes it: 2,500; 0.5; 120."""
    number = float(number)
    return f"{int(number):,}" if number.is_integer() else f"{number:,}"


def claims_summary(folder=None) -> pd.DataFrame:
    """One row per quantity: how many claims, by how many sources, the lowest and highest figure."""
    claims = load("claims", folder)
    grouped = claims.groupby("quantity", sort=False)
    summary = pd.DataFrame(
        {
            "claims": grouped.size(),
            "sources": grouped["source_id"].nunique(),
            "lowest": grouped["value"].min(),
            "highest": grouped[["value", "value_high"]].max().max(axis=1),
            "unit": grouped["unit"].first(),
        }
    )
    return summary.reset_index()


def timeline_between(
    start: str, end: str, category: str | None = None, actor: str | None = None, folder=None
) -> pd.DataFrame:
    """Events from ``start`` to ``end`` (ISO dates, both included), optionally of one category or actor."""
    try:
        first, last = pd.Timestamp(start), pd.Timestamp(end)
    except ValueError as error:
        raise DataError("data/timeline.csv", f"dates must be ISO (YYYY-MM-DD): {error}") from None
    if first > last:
        raise DataError("data/timeline.csv", f"the start {start} is after the end {end}")
    timeline = load("timeline", folder)
    chosen = timeline[(timeline["date"] >= first) & (timeline["date"] <= last)]
    if category is not None:
        chosen = chosen[chosen["category"] == category]
    if actor is not None:
        between = separator("timeline", "actors", folder)
        chosen = chosen[chosen["actors"].fillna("").str.split(between).apply(lambda names: actor in names)]
    return (
        with_sources(chosen, folder)
        .sort_values(["date", "time_local"], na_position="first", kind="stable")
        .reset_index(drop=True)
    )


def reactions_by_actor(actor: str | None = None, folder=None) -> pd.DataFrame:
    """Reactions in date order, for one actor or all, with their sources."""
    reactions = load("reactions", folder)
    if actor is not None:
        known = sorted(set(reactions["actor"]))
        if actor not in known:
            raise DataError("data/reactions.csv", f"no reactions by '{actor}'; the actors are: {', '.join(known)}")
        reactions = reactions[reactions["actor"] == actor]
    return with_sources(reactions, folder).sort_values(["date", "actor"], kind="stable").reset_index(drop=True)


def stance_table(folder=None) -> pd.DataFrame:
    """How many statements of each stance each actor made: actors as rows, stances as columns."""
    reactions = load("reactions", folder)
    return pd.crosstab(reactions["actor"], reactions["stance"])


def _day(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def map_points(start: str = "2022-01-01", end: str = "2022-01-31") -> pd.DataFrame:
    """The timeline's events in Kazakhstan between two dates, counted per place and per group of categories."""
    timeline = load("timeline")
    timeline = timeline[(timeline["date"] >= pd.Timestamp(start)) & (timeline["date"] <= pd.Timestamp(end))]
    places = load("places")
    rows = []
    for event in timeline.itertuples():
        if pd.isna(event.place):
            continue
        for place in str(event.place).split(separator("timeline", "place")):
            rows.append({"place": place, "category": event.category, "date": _day(event.date), "event": event.event})
    exploded = pd.DataFrame(rows)
    located = exploded.merge(places, on="place", how="inner", validate="many_to_one")
    located = located[(located["country"] == "Kazakhstan") & located["latitude"].notna()]
    located = located.assign(group=located["category"].map(lambda c: MAP_GROUPS.get(c, OTHER_GROUP)))
    grouped = (
        located.groupby(["name", "group"], sort=True)
        .agg(
            events=("event", "size"),
            first=("date", "min"),
            last=("date", "max"),
            latitude=("latitude", "first"),
            longitude=("longitude", "first"),
            region=("region", "first"),
            other_names=("other_names", "first"),
            kind=("kind", "first"),
        )
        .reset_index()
    )
    # Markers at one point (several kinds of event at a place, or a region drawn at its centre
    # city) would hide each other: set them apart from west to east.
    grouped["order"] = grouped["group"].map(MAP_GROUP_ORDER.index)
    grouped = grouped.sort_values(["latitude", "longitude", "name", "order"], kind="stable")
    at_point = grouped.groupby(["latitude", "longitude"])
    grouped["lon"] = grouped["longitude"] + (at_point.cumcount() - (at_point["name"].transform("size") - 1) / 2) * 0.35
    return grouped.drop(columns="order").reset_index(drop=True)


def show(frame, columns: list[str] | None = None, max_rows: int | None = None, caption: str | None = None):
    """Show a table in the notebook (and the book): only ``columns`` if given, in that order, with
    the schema's titles as headers, without pandas' index column of row numbers, dates as
    YYYY-MM-DD, an unknown value as an empty cell and every cell's whole text
    (see :mod:`qantar.display`, which also draws every DataFrame a chapter's cell returns).

    >>> show(load("timeline"), ["date", "event"])     # doctest: +SKIP
    """
    from IPython.display import HTML

    return HTML(table_html(frame, columns, max_rows, caption))


def table_html(frame, columns: list[str] | None = None, max_rows: int | None = None, caption: str | None = None) -> str:
    """A DataFrame as an escaped HTML table that scrolls sideways inside its box on a narrow screen:
    :func:`qantar.display.table_html`, the one renderer of the module's tables."""
    return display.table_html(frame, columns, max_rows, caption)


# Single values the chapters quote in their prose, read from the tables (never typed).


def _number(value):
    """An int when the figure is whole (2030), else the float (77.18)."""
    return int(value) if float(value).is_integer() else float(value)


def claim_value(claim_id: str, folder=None):
    """The value of one claim of the ledger, by its ``claim_id``."""
    claims = load("claims", folder)
    rows = claims[claims["claim_id"] == claim_id]
    if rows.empty:
        raise DataError("data/claims.csv", f"no claim with claim_id '{claim_id}'")
    return _number(rows["value"].iloc[0])


def indicator_value(indicator: str, *, year: int | None = None, source_id: str | None = None, folder=None):
    """The value of ``indicator`` in ``year`` and/or from ``source_id``: one figure, or an error naming the
    disagreement when the rows that match give different values."""
    indicators = load("indicators", folder)
    rows = indicators[indicators["indicator"] == indicator]
    if year is not None:
        rows = rows[rows["year"] == year]
    if source_id is not None:
        rows = rows[rows["source_id"] == source_id]
    # Several sources giving the same figure are one figure; sources that disagree must be told apart.
    if rows.empty or rows["value"].nunique() != 1:
        raise DataError(
            "data/indicators.csv",
            f"{len(rows)} rows with {rows['value'].nunique()} values for indicator '{indicator}' (year {year}, "
            f"source {source_id}); name the source to choose one",
        )
    return _number(rows["value"].iloc[0])


def timeline_event(
    *, source_id: str | None = None, date: str | None = None, containing: str | None = None, folder=None
) -> str:
    """The event text of the one timeline row that cites ``source_id``, is dated ``date`` and/or
    contains the words ``containing``."""
    timeline = load("timeline", folder)
    rows = timeline
    if source_id is not None:
        rows = rows[rows["source_id"] == source_id]
    if date is not None:
        rows = rows[rows["date"] == pd.Timestamp(date)]
    if containing is not None:
        rows = rows[rows["event"].str.contains(containing, regex=False)]
    if len(rows) != 1:
        raise DataError(
            "data/timeline.csv",
            f"{len(rows)} rows for source {source_id}, date {date}, words {containing!r}; expected one",
        )
    return rows["event"].iloc[0]


def long_date(timestamp) -> str:
    """A date as the prose writes it: 6 January 2022."""
    from qantar.sources import format_partial_date

    return format_partial_date(pd.Timestamp(timestamp).date().isoformat())
