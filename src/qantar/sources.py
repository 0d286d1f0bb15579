"""The sources the module cites: one row of ``data/sources.csv`` each, and how a citation reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from qantar.data import DataError, load_rows

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Source:
    """A cited work: who wrote it, where and when it appeared, and where to read it."""

    source_id: str
    title: str
    author: str | None
    outlet: str | None
    published: str | None
    url: str | None
    language: str
    kind: str
    archived_copy: str | None
    note: str | None
    footnote_in: str | None = None

    @property
    def published_label(self) -> str:
        """The publication date as a reader writes it: '10 January 2022', 'January 2022' or '2022'."""
        return format_partial_date(self.published) if self.published else "undated"

    @property
    def byline(self) -> str:
        """Author and outlet as a short attribution, e.g. 'Giuliano Bifolchi, SpecialEurasia'."""
        parts = [part for part in (self.author, self.outlet) if part]
        return ", ".join(parts) if parts else "Author and outlet not named"


def format_partial_date(value: str) -> str:
    """Format an ISO date of day, month or year precision ('2022-01-10', '2022-01', '2022')."""
    pieces = value.split("-")
    if len(pieces) == 3:
        day = dt.date.fromisoformat(value)
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    if len(pieces) == 2:
        return f"{MONTHS[int(pieces[1]) - 1]} {pieces[0]}"
    return value


def sources(folder=None) -> dict[str, Source]:
    """Every source by id, in the order of ``sources.csv``."""
    return {row["source_id"]: Source(**row) for row in load_rows("sources", folder)}


def source(source_id: str, folder=None) -> Source:
    """One source by id; an unknown id raises DataError listing the known ones."""
    known = sources(folder)
    if source_id not in known:
        raise DataError("data/sources.csv", f"no source with id '{source_id}'; known ids: {', '.join(known)}")
    return known[source_id]
