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
import os
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
    "number": {"answer", "tolerance", "relative_tolerance", "unit"},
    "order": {"items"},
    "match": {"pairs", "distractors"},
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

    def __init__(self, file: str | Path, message: str, *, question: str | None = None,
                 field: str | None = None) -> None:
        self.question = question
        super().__init__(file, message, place=None if question is None else f"question '{question}'", field=field)


@dataclass(frozen=True)
class Mistake:
    """A named common wrong answer and the feedback it deserves."""

    answer: Any
    feedback: str


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

    @property
    def solution(self) -> Any:
        """An answer that :func:`qantar.exercises.check` accepts as correct."""
        if self.key_withheld:
            raise BankError(self.file, "the key of this assessed question is withheld in this copy of the bank",
                            question=self.id, field="key")
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
    """Where the bank lives: ``$QANTAR_EXERCISES_DIR``, else ``exercises/`` beside the data folder, else the checkout's."""
    configured = os.environ.get("QANTAR_EXERCISES_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
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
        raise BankError(file, f"unknown field for a {kind} question (allowed: "
                        f"{', '.join(sorted(COMMON_KEYS | KIND_KEYS[kind]))})", question=question,
                        field=sorted(unknown)[0])
    status = spec.get("status", "practice")
    if status not in STATUSES:
        raise BankError(file, f"must be one of {', '.join(STATUSES)}", question=question, field="status")
    feedback = spec.get("feedback") or {}
    if not isinstance(feedback, dict) or set(feedback) - {"correct", "wrong"}:
        raise BankError(file, "must be a mapping with 'correct' and/or 'wrong'", question=question, field="feedback")
    values: dict[str, Any] = dict(
        id=question, kind=kind, chapter=chapter, file=file, status=status,
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
        if "answer" not in spec:
            raise BankError(file, "is required", question=question, field="answer")
        values["answer"] = _number(spec["answer"], file, question, "answer")
        values["tolerance"] = _number(spec.get("tolerance"), file, question, "tolerance", default=0.0)
        values["relative_tolerance"] = _number(spec.get("relative_tolerance"), file, question,
                                               "relative_tolerance", default=0.0)
        values["unit"] = _text(spec.get("unit"), file, question, "unit")
    elif kind == "order":
        values["items"] = _text_list(spec.get("items"), file, question, "items", minimum=2)
    elif kind == "match":
        pairs = spec.get("pairs")
        if not isinstance(pairs, dict) or len(pairs) < 2:
            raise BankError(file, "must map at least two left-hand items to their partners", question=question,
                            field="pairs")
        values["pairs"] = tuple((_text(left, file, question, "pairs", True), _text(right, file, question, "pairs", True))
                                for left, right in pairs.items())
        values["distractors"] = _text_list(spec.get("distractors"), file, question, "distractors")
    elif kind == "code":
        values["variable"] = _text(spec.get("variable"), file, question, "variable", required=True)
        if not values["variable"].isidentifier():
            raise BankError(file, "must be a Python variable name", question=question, field="variable")
        values["solution_code"] = _text(spec.get("solution"), file, question, "solution", required=True)
        values["check_expression"] = _text(spec.get("check"), file, question, "check")
        values["tolerance"] = _number(spec.get("tolerance"), file, question, "tolerance", default=0.0)
        values["relative_tolerance"] = _number(spec.get("relative_tolerance"), file, question,
                                               "relative_tolerance", default=0.0)
        values["unit"] = _text(spec.get("unit"), file, question, "unit")
        for name, code, mode in (("solution", values["solution_code"], "exec"),
                                 ("check", values["check_expression"], "eval")):
            try:
                if code:
                    compile(code, f"{file}:{question}", mode)
            except SyntaxError as error:
                raise BankError(file, f"is not valid Python: {error.msg} (line {error.lineno})",
                                question=question, field=name) from None
    mistakes = spec.get("mistakes") or []
    if not isinstance(mistakes, list) or not all(isinstance(m, dict) and set(m) == {"answer", "feedback"}
                                                 for m in mistakes):
        raise BankError(file, "must be a list of {answer, feedback} entries", question=question, field="mistakes")
    values["mistakes"] = tuple(Mistake(m["answer"], _text(m["feedback"], file, question, "mistakes", True))
                               for m in mistakes)
    return Exercise(**values)


def parse_withheld_question(spec: dict, file: str, chapter: str, question: str, kind: str) -> Exercise:
    """A question marked ``key: withheld``: assessed, with its prompt and public shape only."""
    if spec["key"] != WITHHELD:
        raise BankError(file, f"the only value allowed is '{WITHHELD}', not {spec['key']!r}", question=question,
                        field="key")
    if spec.get("status") != "assessed":
        raise BankError(file, "only an assessed question (status: assessed) may have its key withheld",
                        question=question, field="key")
    allowed = WITHHELD_COMMON_KEYS | WITHHELD_KIND_KEYS[kind]
    unknown = set(spec) - allowed
    if unknown:
        field = sorted(unknown)[0]
        reason = ("is part of the key, which this question withholds (key: withheld)"
                  if field in COMMON_KEYS | KIND_KEYS[kind] else
                  f"unknown field for a {kind} question whose key is withheld (allowed: {', '.join(sorted(allowed))})")
        raise BankError(file, reason, question=question, field=field)
    values: dict[str, Any] = dict(
        id=question, kind=kind, chapter=chapter, file=file, status="assessed", key_withheld=True,
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
    return dict(_load_bank_cached(signature))


@lru_cache(maxsize=8)
def _load_bank_cached(signature: tuple) -> tuple[tuple[str, Exercise], ...]:
    from qantar.excerpts import excerpts
    from qantar.sources import sources

    known_references = set(excerpts()) | set(sources())
    bank: dict[str, Exercise] = {}
    for path_text, _, _ in signature:
        for exercise in read_bank_file(Path(path_text)):
            if exercise.id in bank:
                raise BankError(exercise.file, f"the id is also used in {bank[exercise.id].file}",
                                question=exercise.id, field="id")
            for reference in exercise.sources:
                if reference not in known_references:
                    raise BankError(exercise.file, f"'{reference}' is neither an excerpt_id nor a source_id",
                                    question=exercise.id, field="sources")
            bank[exercise.id] = exercise
    return tuple(bank.items())


def reference_value(exercise: Exercise) -> Any:
    """The reference answer of a code exercise, computed now from the module's data."""
    value = _reference_cached(exercise.id, exercise.file, exercise.solution_code, exercise.variable,
                              _data_signature())
    return value.copy() if hasattr(value, "copy") else value   # callers may not change the cached key


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
        raise BankError(file, f"the solution raised {type(error).__name__}: {error}",
                        question=question, field="solution") from None
    if variable not in namespace:
        raise BankError(file, f"the solution never sets {variable!r}", question=question, field="solution")
    return namespace[variable]
