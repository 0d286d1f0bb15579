"""The building blocks of the question bank: located errors, field readers, keys read from the tables.

Shared by the bank (:mod:`qantar.exercises.bank`) and the kinds of question
(:mod:`qantar.exercises.kinds`), so that neither needs the other to read a field.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from qantar.data import DataError, LocatedError

# ``key: withheld``: an assessed question whose key is not in this copy of the bank.
WITHHELD = "withheld"


class BankError(LocatedError):
    """The question bank is malformed; the message names the file, the question and the field."""

    def __init__(
        self, file: str | Path, message: str, *, question: str | None = None, field: str | None = None
    ) -> None:
        self.question = question
        super().__init__(file, message, place=None if question is None else f"question '{question}'", field=field)


def _text(value: Any, file: str, question: str, name: str, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise BankError(file, "is required", question=question, field=name)
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise BankError(file, f"must be text, not {type(value).__name__}", question=question, field=name)
    text = str(value).strip()
    if required and not text:
        raise BankError(file, "is required but empty", question=question, field=name)
    return text or None


def _text_list(value: Any, file: str, question: str, name: str, minimum: int = 0) -> tuple[str, ...]:
    if value is None:
        value = []
    if not isinstance(value, list):
        raise BankError(file, "must be a list", question=question, field=name)
    items = tuple(_text(item, file, question, name, required=True) for item in value)
    if len(items) < minimum:
        raise BankError(file, f"needs at least {minimum} entries", question=question, field=name)
    if len(set(items)) != len(items):
        raise BankError(file, "has the same entry twice", question=question, field=name)
    return items


def _number(value: Any, file: str, question: str, name: str, default: float | None = None) -> float:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BankError(file, f"must be a number, not {value!r}", question=question, field=name)
    return float(value)


# Keys that come from the tables. A reference is ``table/key`` or ``table/key#column``: the row of
# ``table`` whose key (its primary key, or its first column when that is unique) is ``key``, and
# its ``column`` (``value`` unless named).
REFERENCE_PATTERN = re.compile(r"(?P<table>[a-z_]+)/(?P<key>[^#\s]+)(?:#(?P<column>[a-z_]+))?")


def table_figure(reference: str, file: str = "exercises", question: str = "?", field: str = "answer_from") -> float:
    """The number that ``reference`` (``claims/deaths-07``, ``indicators/population-02#year``) names."""
    from qantar.data import load_rows, read_package

    match = REFERENCE_PATTERN.fullmatch(reference)
    if not match:
        raise BankError(
            file,
            f"'{reference}' is not a table reference: write table/key or table/key#column "
            "(e.g. claims/csto-personnel-05)",
            question=question,
            field=field,
        )
    name, key, column = match["table"], match["key"], match["column"] or "value"
    try:
        tables = read_package()
        if name not in tables:
            raise BankError(
                file,
                f"'{reference}' names no table '{name}' (the tables: {', '.join(tables)})",
                question=question,
                field=field,
            )
        table = tables[name]
        key_field = (
            table.primary_key[0]
            if len(table.primary_key) == 1
            else table.fields[0].name
            if table.fields[0].unique
            else None
        )
        if key_field is None:
            raise BankError(
                file,
                f"table '{name}' has no single key column, so a key cannot name its rows",
                question=question,
                field=field,
            )
        if column not in table.field_names:
            raise BankError(
                file, f"'{reference}': table '{name}' has no column '{column}'", question=question, field=field
            )
        rows = {row[key_field]: row for row in load_rows(name)}
    except DataError as error:
        raise BankError(file, f"'{reference}' cannot be read: {error}", question=question, field=field) from None
    if key not in rows:
        raise BankError(
            file, f"'{reference}': data/{name}.csv has no row with {key_field} '{key}'", question=question, field=field
        )
    value = rows[key][column]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BankError(
            file,
            f"'{reference}': the cell {key_field}={key}, {column} is {value!r}, not a number",
            question=question,
            field=field,
        )
    return float(value)


def table_key(reference: str | None, typed: Any, file: str, question: str, field: str, typed_field: str) -> float:
    """A number key: the typed ``answer``, or the figure ``reference`` names; both given, they must agree."""
    if reference is None:
        return _number(typed, file, question, typed_field)
    figure = table_figure(reference, file, question, field)
    if typed is not None:
        written = _number(typed, file, question, typed_field)
        if not math.isclose(written, figure, rel_tol=0, abs_tol=1e-9):
            raise BankError(
                file,
                f"the typed key {written:g} disagrees with {reference}, which holds {figure:g}: "
                "fix the key or the table",
                question=question,
                field=typed_field,
            )
    return figure


def figure_forms(value: float) -> set[str]:
    """How prose may write a table figure: as the module's prose writes numbers (2,030; 77.18), or
    without thousands separators (2030; 1992, as a year is written)."""
    from qantar.views import format_number

    return {format_number(value), f"{value:g}", f"{int(value)}" if float(value).is_integer() else f"{value:g}"}


def pair_sources(spec: Any, pairs: dict[str, str], file: str, question: str) -> tuple[tuple[str, str], ...]:
    """Check ``pair_sources``: each named pair states the figure of the row it names (in its left or right text)."""
    if spec is None:
        return ()
    if not isinstance(spec, dict) or not spec:
        raise BankError(
            file,
            "must map a pair's left item to a table row (claims/<claim_id>)",
            question=question,
            field="pair_sources",
        )
    checked = []
    for left, reference in spec.items():
        left = _text(left, file, question, "pair_sources", True)
        reference = _text(reference, file, question, "pair_sources", True)
        if left not in pairs:
            raise BankError(file, f"'{left}' is not a left-hand item of pairs", question=question, field="pair_sources")
        figure = table_figure(reference, file, question, "pair_sources")
        text = f"{left} {pairs[left]}"
        if not any(form in text for form in figure_forms(figure)):
            raise BankError(
                file,
                f"the pair '{left}' → '{pairs[left]}' does not state {figure:g}, the figure of "
                f"{reference}: fix the pair or the table",
                question=question,
                field="pair_sources",
            )
        checked.append((left, reference))
    return tuple(checked)
