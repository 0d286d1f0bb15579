"""Clean HTML tables: how a DataFrame or a Series looks in the book and in Jupyter.

One renderer for every table the module shows: :func:`qantar.show`, the explorers' static tables,
the figures' data tables, and (after :func:`install`, which ``from qantar.chapters import ...``
calls) every DataFrame or Series that a notebook cell returns.  It gives

- the schema's title (``datapackage.json``) for a column the module's tables define, the name
  as is otherwise;
- no index column when the index is only row numbers; a meaningful index (a ``value_counts()``
  or ``groupby()`` result, a named index, a MultiIndex) as the first column(s), as row headers;
- an empty cell for a missing value, never ``<NA>``, ``NaN``, ``NaT`` or ``None``;
- every row and the whole text of every cell: no "..." row, column or cell;
- dates as ISO ``2022-01-06`` (the time only when there is one), in cells that never wrap,
  and numbers right-aligned;
- the table in a box that scrolls sideways on a narrow screen, can be reached with the Tab key
  (and then scrolled with the arrow keys) and is named for screen readers.

Only the HTML form (text/html) changes: the plain-text repr of pandas and pandas' options stay
as they are, so ``print(frame)`` and non-HTML front ends show what pandas always shows.

>>> from qantar.display import table_html   # doctest: +SKIP
>>> table_html(load("timeline"), ["date", "event"])   # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import html
import numbers
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

# A table longer than this shows its first rows and says how many it leaves out (in a sentence
# under the table, never as a "..." row); the module's tables are far shorter.
MOST_ROWS = 1000
# Shown in the accessible name: the first few column headers, then "and N more".
NAMED_COLUMNS = 4
# A text cell at least this long is prose: it gets a minimum width, so that on a phone the table
# grows wider (and scrolls) instead of squeezing the text into a column one word wide.
PROSE_LENGTH = 60

ISO_DATE = re.compile(r"\d{4}-\d{2}(?:-\d{2})?")  # also the partial dates the data keeps as text (2010-06)
# Words a field name spells in lower case that a title writes otherwise.
TITLE_WORDS = {"id": "ID", "ids": "IDs", "url": "URL", "csto": "CSTO", "kzt": "KZT", "lpg": "LPG", "km2": "km²"}
MONTHS = {month.lower() for month in pd.date_range("2000-01-01", periods=12, freq="MS").strftime("%B")}


@dataclass(frozen=True)
class Cell:
    """One cell as shown: its text and its kind ("text", "prose", "number", "date" or "empty")."""

    text: str
    kind: str = "text"


@dataclass(frozen=True)
class CleanTable:
    """A table ready to draw: the index columns (row headers) first, then the value columns."""

    index_headers: list[str]
    headers: list[str]
    rows: list[tuple[list[Cell], list[Cell]]]  # (index cells, value cells) per row
    numeric: list[bool]  # per value column: right-align its header too
    columns_label: str | None  # the name of the columns themselves (a crosstab's, an unstack's)
    total_rows: int
    names: list[str]  # the column names behind ``headers`` (data-column attributes)


# -------------------------------------------------------------------------------------------- titles


def humanise(name: str) -> str:
    """A field name as a header: ``as_of`` -> "As of", ``source_id`` -> "Source ID"."""
    words = [TITLE_WORDS.get(word, word.capitalize() if word in MONTHS else word) for word in name.split("_")]
    words = [word for word in words if word]
    if not words:
        return name
    first = words[0]
    words[0] = first if first != first.lower() else first[:1].upper() + first[1:]
    return " ".join(words)


def field_titles(frame=None) -> dict[str, str]:
    """Column name -> human title (the field's ``title`` in ``datapackage.json``), for every field
    of the data package's tables.

    The table the frame was loaded from (``frame.attrs["table"]``) wins, so that its own titles
    are used when tables give one field name different titles (``kind``: "Kind of source", "Kind
    of place"). For a frame of no known table, such a name takes the title most of the tables
    give it, or, when none has a majority, today's fallback (the name in words: "Kind"). A
    column that is no field of any table keeps its name (see :func:`header_text`). An empty
    mapping when no data package can be found (a table of the reader's own)."""
    from qantar.data import LocatedError, read_package

    try:
        tables = read_package()
    except (LocatedError, OSError):
        return {}
    votes: dict[str, dict[str, int]] = {}
    for table in tables.values():
        for field in table.fields:
            counts = votes.setdefault(field.name, {})
            counts[field.title] = counts.get(field.title, 0) + 1
    titles: dict[str, str] = {}
    for name, counts in votes.items():
        title, count = max(counts.items(), key=lambda item: item[1])
        titles[name] = title if len(counts) == 1 or 2 * count > sum(counts.values()) else humanise(name)
    own = getattr(frame, "attrs", {}).get("table") if frame is not None else None
    if own in tables:
        titles.update({field.name: field.title for field in tables[own].fields})
    return titles


def header_text(label, titles: dict[str, str]) -> str:
    """A column label (or a tuple of them, from a MultiIndex) as header text."""
    if isinstance(label, tuple):
        parts = [header_text(part, titles) for part in label]
        return ": ".join(part for part in parts if part)
    if label is None or (pd.api.types.is_scalar(label) and pd.isna(label)):
        return ""
    if not isinstance(label, str):
        return str(label)
    if label in titles:
        return titles[label]
    # A computed column ("count", "claim", "day of January") reads as a heading like the others.
    return label[:1].upper() + label[1:]


# --------------------------------------------------------------------------------------------- cells


def is_missing(value) -> bool:
    """True for None, NaN, NaT and pd.NA; False for every other value, lists included."""
    if value is None:
        return True
    try:
        return bool(pd.api.types.is_scalar(value) and pd.isna(value))
    except (TypeError, ValueError):
        return False


def number_text(value) -> str:
    """A number as the data has it: 164 (not 164.0), 77.18, 0.5; no thousands separator (years stay 1992)."""
    if isinstance(value, numbers.Integral):
        return str(int(value))
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return format(number, ".12g")


def date_text(value) -> str:
    """A date as ISO 2022-01-06; a time (14:30, or 14:30:05) only when the value has one."""
    stamp = pd.Timestamp(value)
    if stamp == stamp.normalize():
        return stamp.strftime("%Y-%m-%d")
    return stamp.strftime("%Y-%m-%d %H:%M:%S" if stamp.second or stamp.microsecond else "%Y-%m-%d %H:%M")


def cell(value) -> Cell:
    """One value as a cell: its text (never "<NA>", "NaN", "NaT" or "None", never cut) and its kind."""
    if is_missing(value):
        return Cell("", "empty")
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return Cell(date_text(value), "date")
    if isinstance(value, (bool, np.bool_)):
        return Cell(str(bool(value)), "text")
    if isinstance(value, numbers.Number) and not isinstance(value, complex):
        return Cell(number_text(value), "number")
    text = str(value)
    if ISO_DATE.fullmatch(text):
        return Cell(text, "date")
    return Cell(text, "prose" if len(text) >= PROSE_LENGTH else "text")


# ---------------------------------------------------------------------------------------- the table


def is_row_numbers(index: pd.Index) -> bool:
    """True when the index only numbers the rows (unnamed integers, as after loading or filtering a table)."""
    if isinstance(index, pd.MultiIndex) or index.name is not None:
        return False
    return isinstance(index, pd.RangeIndex) or pd.api.types.is_integer_dtype(index.dtype)


def as_frame(data) -> pd.DataFrame:
    """A Series as a one-column frame (an unnamed one's column is called "value"); a DataFrame as is."""
    if isinstance(data, pd.Series):
        return data.to_frame("value" if data.name is None else data.name)
    return data


def clean_table(data, columns: list[str] | None = None, max_rows: int | None = None) -> CleanTable:
    """The rows and headers of ``data`` (a DataFrame or a Series) as :func:`table_html` draws them:
    only ``columns`` if given, at most ``max_rows`` rows (and never more than :data:`MOST_ROWS`)."""
    frame = as_frame(data)
    if columns:
        frame = frame[list(columns)]
    titles = field_titles(data)
    total = len(frame)
    limit = min(max_rows if max_rows is not None else total, MOST_ROWS)
    frame = frame.iloc[:limit]
    index = frame.index
    keep_index = not is_row_numbers(index)
    index_headers = [header_text(name, titles) for name in index.names] if keep_index else []
    index_rows = [list(key) if isinstance(key, tuple) else [key] for key in index] if keep_index else [[]] * len(frame)
    numeric = [
        pd.api.types.is_numeric_dtype(frame.iloc[:, position].dtype)
        and not pd.api.types.is_bool_dtype(frame.iloc[:, position].dtype)
        for position in range(frame.shape[1])
    ]
    values = [frame.iloc[:, position].tolist() for position in range(frame.shape[1])]
    rows = [
        ([cell(v) for v in index_rows[number]], [cell(column[number]) for column in values])
        for number in range(len(frame))
    ]
    column_names = frame.columns
    label = None
    if not isinstance(column_names, pd.MultiIndex) and column_names.name is not None:
        label = header_text(column_names.name, titles)
    return CleanTable(
        index_headers=index_headers,
        headers=[header_text(name, titles) for name in column_names],
        rows=rows,
        numeric=numeric,
        columns_label=label or None,
        total_rows=total,
        names=[str(name) for name in column_names],
    )


def accessible_name(table: CleanTable, caption: str | None = None) -> str:
    """ "Table: <caption>", or "Table: <the first headers>" when there is no caption."""
    if not caption and table.columns_label and any(table.index_headers):
        return f"Table: {', '.join(h for h in table.index_headers if h)} by {table.columns_label}"
    return table_label(table.index_headers + table.headers, caption)


def table_label(headers: list[str], caption: str | None = None) -> str:
    """A table's accessible name: "Table: <caption>", else "Table: <the first few headers> and N more
    columns", else "Table"."""
    if caption:
        return f"Table: {caption}"
    headers = [h for h in headers if h]
    shown = ", ".join(headers[:NAMED_COLUMNS])
    if len(headers) > NAMED_COLUMNS:
        more = len(headers) - NAMED_COLUMNS
        shown += f" and {more} more column{'s' if more > 1 else ''}"
    return f"Table: {shown}" if shown else "Table"


# The box every wide table of the book sits in (these tables, and the pages' own tables: see
# qantar.sphinxext.ScrollBox): it scrolls sideways on a narrow screen, is reached with the Tab key
# and then scrolled with the arrow keys, and is named for screen readers; qantar.css says
# "Scroll sideways to see every column" above it while it can scroll.
SCROLL_BOX_CLASS = "qantar-table-scroll"


def scroll_box_start(label: str) -> str:
    """The opening tag of the scroll box, named ``label`` (see :func:`table_label`)."""
    return f'<div class="{SCROLL_BOX_CLASS}" tabindex="0" role="region" aria-label="{html.escape(label)}">'


def scroll_box(markup: str, label: str) -> str:
    """``markup`` (a table) in the scroll box."""
    return f"{scroll_box_start(label)}{markup}</div>"


def _td(item: Cell, tag: str = "td", scope: str | None = None) -> str:
    scope_attribute = f' scope="{scope}"' if scope else ""
    return f'<{tag}{scope_attribute} class="qantar-table__{item.kind}">{html.escape(item.text)}</{tag}>'


def table_html(data, columns: list[str] | None = None, max_rows: int | None = None, caption: str | None = None) -> str:
    """``data`` (a DataFrame or a Series) as an escaped HTML table in a box that scrolls sideways on
    a narrow screen; see the module's docstring for what it shows and how."""
    table = clean_table(data, columns, max_rows)
    escape = html.escape
    head = []
    if table.columns_label:
        corner = f'<td colspan="{len(table.index_headers)}"></td>' if table.index_headers else ""
        head.append(
            f'<tr>{corner}<th scope="colgroup" colspan="{max(len(table.headers), 1)}" '
            f'class="qantar-table__group">{escape(table.columns_label)}</th></tr>'
        )
    cells = [
        f'<th scope="col" class="qantar-table__index">{escape(h)}</th>' if h else "<td></td>"
        for h in table.index_headers
    ]
    cells += [
        f'<th scope="col" class="qantar-table__{"number" if numeric else "column"}" data-column="{escape(name)}">'
        f"{escape(h)}</th>"
        for h, name, numeric in zip(table.headers, table.names, table.numeric)
    ]
    head.append(f"<tr>{''.join(cells)}</tr>")
    body = [
        "<tr>"
        + "".join(_td(item, "th", "row") for item in index_cells)
        + "".join(_td(item) for item in value_cells)
        + "</tr>"
        for index_cells, value_cells in table.rows
    ]
    caption_html = f"<caption>{escape(caption)}</caption>" if caption else ""
    markup = (
        f'<table class="dataframe qantar-table table">{caption_html}<thead>{"".join(head)}</thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )
    shown = len(table.rows)
    wanted = table.total_rows if max_rows is None else min(max_rows, table.total_rows)
    note = ""
    if shown < wanted:
        note = (
            f'<p class="qantar-table__more">The first {shown:,} of {table.total_rows:,} rows; choose rows '
            f"with a filter, <code>.head()</code> or <code>.loc[]</code> to see others.</p>"
        )
    return scroll_box(markup, accessible_name(table, caption)) + note


# ----------------------------------------------------------------------------- IPython's formatter


def _html_repr(data) -> str | None:
    """The text/html form of a DataFrame or Series in IPython: the clean table; pandas' own HTML if
    the clean one cannot be made (a frame of an unusual kind), so that a cell never fails to show."""
    try:
        return table_html(data)
    except Exception:  # noqa: BLE001 - a display must never break a student's cell
        method = getattr(data, "_repr_html_", None)
        return method() if callable(method) else None


def install(shell=None) -> bool:
    """Make ``shell`` (the running IPython, by default) show every DataFrame and Series as a clean
    table (its text/html form; text/plain is pandas' as ever). Returns False outside IPython.
    Safe to call more than once."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    formatter = shell.display_formatter.formatters["text/html"]
    formatter.for_type(pd.DataFrame, _html_repr)
    formatter.for_type(pd.Series, _html_repr)
    return True


def uninstall(shell=None) -> None:
    """Give DataFrames and Series back pandas' own HTML form."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["text/html"]
    for kind in (pd.DataFrame, pd.Series):
        try:
            formatter.pop(kind)
        except KeyError:
            pass
