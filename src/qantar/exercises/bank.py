"""The question bank: one YAML file per chapter in ``exercises/``, read and validated into :class:`Exercise` records.

A malformed bank raises :class:`BankError` naming the file, the question id and the
field, so that an instructor's typo stops the build with a message that says where.

An assessed question may say ``key: withheld``: the copy of the bank handed to students
(the class pack, see :mod:`qantar.downloads`) keeps its prompt and the public shape of the
question (options, items, unit, variable) but no answer, solution, hint, feedback or
mistakes. Such a question still loads and displays; checking it says the key is withheld.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from qantar.data import DataError, LocatedError, data_dir, repository_root

KINDS = ("choice", "multiple", "number", "order", "match", "code")
STATUSES = ("practice", "assessed")
COMMON_KEYS = {"id", "kind", "prompt", "points", "hint", "feedback", "mistakes", "sources", "status", "title"}
KIND_KEYS = {
    "choice": {"options", "answer"},
    "multiple": {"options", "answer"},
    "number": {"answer", "answer_from", "tolerance", "relative_tolerance", "unit"},
    "order": {"items"},
    "match": {"pairs", "distractors", "pair_sources"},
    "code": {"variable", "solution", "check", "tolerance", "relative_tolerance", "unit"},
}
# ``key: withheld``: the fields a question keeps when its key is not handed out. A match
# question gives its left-hand items as ``items`` and its partners (with the distractors,
# sorted) as ``options``, since its ``pairs`` are the key.
WITHHELD = "withheld"
WITHHELD_COMMON_KEYS = {"id", "kind", "prompt", "points", "sources", "status", "title", "key"}
WITHHELD_KIND_KEYS = {
    "choice": {"options"},
    "multiple": {"options"},
    "number": {"unit"},
    "order": {"items"},
    "match": {"items", "options"},
    "code": {"variable", "unit"},
}


class BankError(LocatedError):
    """The question bank is malformed; the message names the file, the question and the field."""

    def __init__(
        self, file: str | Path, message: str, *, question: str | None = None, field: str | None = None
    ) -> None:
        self.question = question
        super().__init__(file, message, place=None if question is None else f"question '{question}'", field=field)


@dataclass(frozen=True)
class Mistake:
    """A named common wrong answer and the feedback it deserves."""

    answer: Any
    feedback: str
    answer_from: str | None = None


@dataclass(frozen=True)
class Exercise:
    """One question of the bank, declared once and served by every front end."""

    id: str
    kind: str
    chapter: str
    prompt: str
    points: float
    file: str
    title: str | None = None
    hint: str | None = None
    feedback_correct: str = "Correct."
    feedback_wrong: str = "Not quite."
    mistakes: tuple[Mistake, ...] = ()
    sources: tuple[str, ...] = ()
    status: str = "practice"
    options: tuple[str, ...] = ()
    answer: Any = None
    tolerance: float = 0.0
    relative_tolerance: float = 0.0
    unit: str | None = None
    items: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    distractors: tuple[str, ...] = ()
    variable: str | None = None
    solution_code: str | None = None
    check_expression: str | None = None
    key_withheld: bool = False
    # Keys read from the data: ``answer_from`` names the table row a number key comes from
    # (``claims/csto-personnel-05``); ``pair_sources`` maps a match pair's left item to the row
    # whose figure that pair states.
    answer_from: str | None = None
    pair_sources: tuple[tuple[str, str], ...] = ()

    @property
    def solution(self) -> Any:
        """An answer that :func:`qantar.exercises.check` accepts as correct."""
        if self.key_withheld:
            raise BankError(
                self.file,
                "the key of this assessed question is withheld in this copy of the bank",
                question=self.id,
                field="key",
            )
        if self.kind == "order":
            return list(self.items)
        if self.kind == "match":
            return dict(self.pairs)
        if self.kind == "multiple":
            return list(self.answer)
        if self.kind == "code":
            return reference_value(self)
        return self.answer

    @property
    def match_options(self) -> list[str]:
        """The right-hand choices of a match question, sorted, with the distractors."""
        if self.key_withheld:
            return sorted(self.options)
        return sorted({right for _, right in self.pairs} | set(self.distractors))


def exercises_dir() -> Path:
    """Where the bank lives: ``$QANTAR_EXERCISES_DIR``; else, during a book build, the ``exercises/`` of
    the book being built; else ``exercises/`` beside the data folder; else the checkout's."""
    from qantar import settings

    configured = settings.exercises_dir_setting()
    if configured is not None:
        return configured
    book = settings.book_root()
    if book is not None and (book / "exercises").is_dir():
        return book / "exercises"
    try:
        beside_data = data_dir().parent / "exercises"
        if beside_data.is_dir():
            return beside_data
    except DataError:
        pass
    return repository_root() / "exercises"


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


def parse_question(spec: Any, file: str, chapter: str) -> Exercise:
    """Check one question's fields and build its :class:`Exercise`."""
    if not isinstance(spec, dict):
        raise BankError(file, f"each question must be a mapping of fields, not {type(spec).__name__}")
    question = _text(spec.get("id"), file, "?", "id", required=True)
    kind = spec.get("kind")
    if kind not in KINDS:
        raise BankError(file, f"unknown kind {kind!r}; use one of {', '.join(KINDS)}", question=question, field="kind")
    if "key" in spec:
        return parse_withheld_question(spec, file, chapter, question, kind)
    unknown = set(spec) - COMMON_KEYS - KIND_KEYS[kind]
    if unknown:
        raise BankError(
            file,
            f"unknown field for a {kind} question (allowed: {', '.join(sorted(COMMON_KEYS | KIND_KEYS[kind]))})",
            question=question,
            field=sorted(unknown)[0],
        )
    status = spec.get("status", "practice")
    if status not in STATUSES:
        raise BankError(file, f"must be one of {', '.join(STATUSES)}", question=question, field="status")
    feedback = spec.get("feedback") or {}
    if not isinstance(feedback, dict) or set(feedback) - {"correct", "wrong"}:
        raise BankError(file, "must be a mapping with 'correct' and/or 'wrong'", question=question, field="feedback")
    values: dict[str, Any] = dict(
        id=question,
        kind=kind,
        chapter=chapter,
        file=file,
        status=status,
        prompt=_text(spec.get("prompt"), file, question, "prompt", required=True),
        title=_text(spec.get("title"), file, question, "title"),
        points=_number(spec.get("points"), file, question, "points", default=1.0),
        hint=_text(spec.get("hint"), file, question, "hint"),
        feedback_correct=_text(feedback.get("correct"), file, question, "feedback") or "Correct.",
        feedback_wrong=_text(feedback.get("wrong"), file, question, "feedback") or "Not quite.",
        sources=_text_list(spec.get("sources"), file, question, "sources"),
    )
    if values["points"] <= 0:
        raise BankError(file, "must be more than 0", question=question, field="points")
    if kind in ("choice", "multiple"):
        options = _text_list(spec.get("options"), file, question, "options", minimum=2)
        values["options"] = options
        if "answer" not in spec:
            raise BankError(file, "is required", question=question, field="answer")
        if kind == "choice":
            answer = _text(spec["answer"], file, question, "answer", required=True)
            if answer not in options:
                raise BankError(file, f"{answer!r} is not one of the options", question=question, field="answer")
        else:
            answer = _text_list(spec["answer"], file, question, "answer", minimum=1)
            stray = [item for item in answer if item not in options]
            if stray:
                raise BankError(file, f"{stray[0]!r} is not one of the options", question=question, field="answer")
        values["answer"] = answer
    elif kind == "number":
        if "answer" not in spec and "answer_from" not in spec:
            raise BankError(
                file,
                "is required (or answer_from, naming the table row the key comes from)",
                question=question,
                field="answer",
            )
        values["answer_from"] = _text(spec.get("answer_from"), file, question, "answer_from")
        values["answer"] = table_key(values["answer_from"], spec.get("answer"), file, question, "answer_from", "answer")
        values["tolerance"] = _number(spec.get("tolerance"), file, question, "tolerance", default=0.0)
        values["relative_tolerance"] = _number(
            spec.get("relative_tolerance"), file, question, "relative_tolerance", default=0.0
        )
        values["unit"] = _text(spec.get("unit"), file, question, "unit")
    elif kind == "order":
        values["items"] = _text_list(spec.get("items"), file, question, "items", minimum=2)
    elif kind == "match":
        pairs = spec.get("pairs")
        if not isinstance(pairs, dict) or len(pairs) < 2:
            raise BankError(
                file, "must map at least two left-hand items to their partners", question=question, field="pairs"
            )
        values["pairs"] = tuple(
            (_text(left, file, question, "pairs", True), _text(right, file, question, "pairs", True))
            for left, right in pairs.items()
        )
        values["distractors"] = _text_list(spec.get("distractors"), file, question, "distractors")
        values["pair_sources"] = pair_sources(spec.get("pair_sources"), dict(values["pairs"]), file, question)
    elif kind == "code":
        values["variable"] = _text(spec.get("variable"), file, question, "variable", required=True)
        if not values["variable"].isidentifier():
            raise BankError(file, "must be a Python variable name", question=question, field="variable")
        values["solution_code"] = _text(spec.get("solution"), file, question, "solution", required=True)
        values["check_expression"] = _text(spec.get("check"), file, question, "check")
        values["tolerance"] = _number(spec.get("tolerance"), file, question, "tolerance", default=0.0)
        values["relative_tolerance"] = _number(
            spec.get("relative_tolerance"), file, question, "relative_tolerance", default=0.0
        )
        values["unit"] = _text(spec.get("unit"), file, question, "unit")
        for name, code, mode in (
            ("solution", values["solution_code"], "exec"),
            ("check", values["check_expression"], "eval"),
        ):
            try:
                if code:
                    compile(code, f"{file}:{question}", mode)
            except SyntaxError as error:
                raise BankError(
                    file, f"is not valid Python: {error.msg} (line {error.lineno})", question=question, field=name
                ) from None
    mistakes = spec.get("mistakes") or []
    if not isinstance(mistakes, list) or not all(
        isinstance(m, dict)
        and "feedback" in m
        and ("answer" in m or "answer_from" in m)
        and set(m) <= {"answer", "answer_from", "feedback"}
        for m in mistakes
    ):
        raise BankError(
            file, "must be a list of {answer (or answer_from), feedback} entries", question=question, field="mistakes"
        )
    values["mistakes"] = tuple(_mistake(m, kind, file, question) for m in mistakes)
    return Exercise(**values)


def _mistake(spec: dict, kind: str, file: str, question: str) -> Mistake:
    feedback = _text(spec["feedback"], file, question, "mistakes", True)
    if "answer_from" not in spec:
        return Mistake(spec["answer"], feedback)
    if kind != "number":
        raise BankError(
            file, "answer_from is only for the mistakes of number questions", question=question, field="mistakes"
        )
    reference = _text(spec["answer_from"], file, question, "mistakes", True)
    return Mistake(
        table_key(reference, spec.get("answer"), file, question, "mistakes", "mistakes"),
        feedback,
        answer_from=reference,
    )


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


def parse_withheld_question(spec: dict, file: str, chapter: str, question: str, kind: str) -> Exercise:
    """A question marked ``key: withheld``: assessed, with its prompt and public shape only."""
    if spec["key"] != WITHHELD:
        raise BankError(
            file, f"the only value allowed is '{WITHHELD}', not {spec['key']!r}", question=question, field="key"
        )
    if spec.get("status") != "assessed":
        raise BankError(
            file,
            "only an assessed question (status: assessed) may have its key withheld",
            question=question,
            field="key",
        )
    allowed = WITHHELD_COMMON_KEYS | WITHHELD_KIND_KEYS[kind]
    unknown = set(spec) - allowed
    if unknown:
        field = sorted(unknown)[0]
        reason = (
            "is part of the key, which this question withholds (key: withheld)"
            if field in COMMON_KEYS | KIND_KEYS[kind]
            else f"unknown field for a {kind} question whose key is withheld (allowed: {', '.join(sorted(allowed))})"
        )
        raise BankError(file, reason, question=question, field=field)
    values: dict[str, Any] = dict(
        id=question,
        kind=kind,
        chapter=chapter,
        file=file,
        status="assessed",
        key_withheld=True,
        prompt=_text(spec.get("prompt"), file, question, "prompt", required=True),
        title=_text(spec.get("title"), file, question, "title"),
        points=_number(spec.get("points"), file, question, "points", default=1.0),
        sources=_text_list(spec.get("sources"), file, question, "sources"),
    )
    if values["points"] <= 0:
        raise BankError(file, "must be more than 0", question=question, field="points")
    if kind in ("choice", "multiple"):
        values["options"] = _text_list(spec.get("options"), file, question, "options", minimum=2)
    elif kind == "number":
        values["unit"] = _text(spec.get("unit"), file, question, "unit")
    elif kind == "order":
        values["items"] = _text_list(spec.get("items"), file, question, "items", minimum=2)
    elif kind == "match":
        values["items"] = _text_list(spec.get("items"), file, question, "items", minimum=2)
        values["options"] = _text_list(spec.get("options"), file, question, "options", minimum=2)
    elif kind == "code":
        values["variable"] = _text(spec.get("variable"), file, question, "variable", required=True)
        if not values["variable"].isidentifier():
            raise BankError(file, "must be a Python variable name", question=question, field="variable")
        values["unit"] = _text(spec.get("unit"), file, question, "unit")
    return Exercise(**values)


def read_bank_file(path: Path) -> list[Exercise]:
    """Read one chapter's bank file."""
    shown = f"exercises/{path.name}"
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise BankError(shown, f"is not valid YAML: {error}") from None
    if not isinstance(content, dict) or "questions" not in content:
        raise BankError(shown, "must be a mapping with 'chapter' and 'questions'")
    chapter = content.get("chapter") or path.stem
    if not isinstance(content["questions"], list) or not content["questions"]:
        raise BankError(shown, "'questions' must be a non-empty list")
    return [parse_question(spec, shown, chapter) for spec in content["questions"]]


def load_bank(folder: Path | str | None = None) -> dict[str, Exercise]:
    """Every exercise of the bank by id, validated, cross-checked against the excerpts and sources."""
    folder = Path(folder) if folder is not None else exercises_dir()
    files = sorted(folder.glob("*.yml"))
    signature = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    # Keys may come from the tables (answer_from), so a changed table is a changed bank.
    return dict(_load_bank_cached(signature, _data_signature()))


@lru_cache(maxsize=8)
def _load_bank_cached(signature: tuple, _data: tuple = ()) -> tuple[tuple[str, Exercise], ...]:
    from qantar.excerpts import excerpts
    from qantar.sources import sources

    known_references = set(excerpts()) | set(sources())
    bank: dict[str, Exercise] = {}
    for path_text, _, _ in signature:
        for exercise in read_bank_file(Path(path_text)):
            if exercise.id in bank:
                raise BankError(
                    exercise.file, f"the id is also used in {bank[exercise.id].file}", question=exercise.id, field="id"
                )
            for reference in exercise.sources:
                if reference not in known_references:
                    raise BankError(
                        exercise.file,
                        f"'{reference}' is neither an excerpt_id nor a source_id",
                        question=exercise.id,
                        field="sources",
                    )
            bank[exercise.id] = exercise
    return tuple(bank.items())


def reference_value(exercise: Exercise) -> Any:
    """The reference answer of a code exercise, computed now from the module's data."""
    value = _reference_cached(exercise.id, exercise.file, exercise.solution_code, exercise.variable, _data_signature())
    return value.copy() if hasattr(value, "copy") else value  # callers may not change the cached key


def _data_signature() -> tuple:
    try:
        folder = data_dir()
    except DataError:
        return ()
    return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*")))


@lru_cache(maxsize=256)
def _reference_cached(question: str, file: str, code: str, variable: str, _data: tuple) -> Any:
    import pandas as pd

    import qantar
    from qantar import views

    namespace: dict[str, Any] = {"pd": pd, "load": qantar.load, "qantar": qantar, "views": views}
    try:
        exec(compile(code, f"{file}:{question}", "exec"), namespace)
    except Exception as error:  # an instructor's solution that fails must stop the build, loudly
        raise BankError(
            file, f"the solution raised {type(error).__name__}: {error}", question=question, field="solution"
        ) from None
    if variable not in namespace:
        raise BankError(file, f"the solution never sets {variable!r}", question=question, field="solution")
    return namespace[variable]
