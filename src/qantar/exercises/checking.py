"""One check for every front end: the Python API, the notebook widgets and the autograder.

The static page repeats these rules in ``static/qantar-exercises.js``; the tests run
the same answers through both and require the same verdicts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from qantar.exercises.bank import Exercise, reference_value

MISSING = object()
# What checking says about an assessed question whose key this copy of the bank does not hold.
WITHHELD_MESSAGE = (
    "This question is assessed: its key is withheld in this copy of the question bank, "
    "so it cannot be checked here. Your instructor grades it."
)


@dataclass(frozen=True)
class Result:
    """The verdict on one answer: whether it is right, the points it earns and what to tell the student."""

    exercise_id: str
    correct: bool
    score: float
    message: str

    def __bool__(self) -> bool:
        return self.correct


class WrongShape(ValueError):
    """The answer is not of the form the question asks for; the message says what is expected."""


def _as_number(value: Any, what: str) -> float:
    """A number from an int, a float, a NumPy scalar or a numeric string ('2,030' included)."""
    if isinstance(value, bool) or value is None:
        raise WrongShape(f"Expected {what}, got {value!r}.")
    if isinstance(value, str):
        cleaned = value.strip().replace(",", "").replace("\u202f", "").replace(" ", "")
        if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", cleaned):
            raise WrongShape(f"Expected {what}; '{value}' is not a number.")
        return float(cleaned)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise WrongShape(f"Expected {what}, got {type(value).__name__}.") from None
    if not math.isfinite(number):
        raise WrongShape(f"Expected {what}, got {value!r}.")
    return number


def numbers_agree(answer: float, expected: float, tolerance: float, relative_tolerance: float) -> bool:
    """Within the absolute or the relative tolerance (whichever is larger); a tiny slack absorbs rounding."""
    allowed = max(tolerance, relative_tolerance * abs(expected), 1e-9 * max(1.0, abs(expected)))
    return abs(answer - expected) <= allowed


def _as_text_list(value: Any, what: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
        raise WrongShape(f"Expected {what} (a list), got {type(value).__name__}.")
    if not all(isinstance(item, str) for item in value):
        raise WrongShape(f"Expected {what}: every entry must be text.")
    return [item.strip() for item in value]


def normalise(exercise: Exercise, answer: Any) -> Any:
    """The answer in the form the question compares, or WrongShape saying what was expected."""
    kind = exercise.kind
    if kind == "choice":
        if not isinstance(answer, str):
            raise WrongShape(f"Expected one of the options as text: {', '.join(exercise.options)}.")
        chosen = answer.strip()
        if chosen not in exercise.options:
            raise WrongShape(f"'{chosen}' is not one of the options: {', '.join(exercise.options)}.")
        return chosen
    if kind == "multiple":
        chosen = _as_text_list(answer, "the options that apply")
        stray = [item for item in chosen if item not in exercise.options]
        if stray:
            raise WrongShape(f"'{stray[0]}' is not one of the options: {', '.join(exercise.options)}.")
        return frozenset(chosen)
    if kind == "number":
        unit = f" (in {exercise.unit})" if exercise.unit else ""
        return _as_number(answer, f"a number{unit}")
    if kind == "order":
        ordered = _as_text_list(answer, f"all {len(exercise.items)} items in order")
        if sorted(ordered) != sorted(exercise.items):
            raise WrongShape(
                f"Expected each of these {len(exercise.items)} items once, in order: "
                f"{'; '.join(sorted(exercise.items))}."
            )
        return tuple(ordered)
    if kind == "match":
        if not isinstance(answer, dict):
            raise WrongShape("Expected a dictionary that pairs each item with its partner.")
        lefts = [left for left, _ in exercise.pairs]
        missing = [left for left in lefts if left not in answer]
        if missing:
            raise WrongShape(f"Pair every item: '{missing[0]}' has no partner.")
        return {left: str(answer[left]).strip() if answer[left] is not None else "" for left in lefts}
    raise AssertionError(kind)


def _code_agrees(exercise: Exercise, answer: Any, expected: Any) -> bool:
    import pandas as pd

    if exercise.check_expression:
        namespace = {"answer": answer, "expected": expected, "pd": pd, "math": math}
        return bool(
            eval(
                exercise.check_expression,
                {"__builtins__": {"abs": abs, "len": len, "set": set, "sorted": sorted, "round": round}},
                namespace,
            )
        )
    if isinstance(expected, (pd.DataFrame, pd.Series)):
        if not isinstance(answer, type(expected)):
            raise WrongShape(f"Expected a pandas {type(expected).__name__}, got {type(answer).__name__}.")
        if answer.empty and not expected.empty:
            raise WrongShape(f"Your {type(expected).__name__} is empty.")
        try:
            pd.testing.assert_frame_equal(
                *(
                    x.reset_index(drop=True).to_frame() if isinstance(x, pd.Series) else x.reset_index(drop=True)
                    for x in (answer, expected)
                ),
                check_dtype=False,
                check_names=False,
            )
            return True
        except AssertionError:
            return False
    if isinstance(expected, bool):
        if not isinstance(answer, bool):
            raise WrongShape(f"Expected True or False, got {type(answer).__name__}.")
        return answer == expected
    if isinstance(expected, (int, float)):
        number = _as_number(answer, "a number")
        return numbers_agree(number, float(expected), exercise.tolerance, exercise.relative_tolerance)
    if isinstance(expected, str):
        if not isinstance(answer, str):
            raise WrongShape(f"Expected text, got {type(answer).__name__}.")
        return answer.strip().casefold() == expected.strip().casefold()
    if isinstance(expected, (list, tuple)):
        if not isinstance(answer, (list, tuple)):
            raise WrongShape(f"Expected a list, got {type(answer).__name__}.")
        return list(answer) == list(expected)
    if isinstance(expected, (set, frozenset)):
        if not isinstance(answer, (set, frozenset, list, tuple)):
            raise WrongShape(f"Expected a set, got {type(answer).__name__}.")
        return set(answer) == set(expected)
    return answer == expected


def _matches(exercise: Exercise, answer: Any, candidate: Any) -> bool:
    """Whether a normalised answer equals a declared answer (the key or a named mistake)."""
    try:
        expected = normalise(exercise, candidate)
    except WrongShape:
        return False
    if exercise.kind == "number":
        return numbers_agree(answer, expected, exercise.tolerance, exercise.relative_tolerance)
    return answer == expected


def check(exercise: Exercise, answer: Any = MISSING) -> Result:
    """Judge ``answer``; never raises on a student's answer, whatever its type or shape."""

    def verdict(correct: bool, message: str) -> Result:
        return Result(exercise.id, correct, exercise.points if correct else 0.0, message)

    def wrong(message: str) -> Result:
        hint = f" Hint: {exercise.hint}" if exercise.hint else ""
        return verdict(False, message + hint)

    if exercise.key_withheld:
        return verdict(False, WITHHELD_MESSAGE)
    if answer is MISSING or answer is None or (isinstance(answer, str) and not answer.strip()):
        return verdict(False, "No answer yet. " + _expected_form(exercise))
    try:
        if exercise.kind == "code":
            expected = reference_value(exercise)
            right = _code_agrees(exercise, answer, expected)
            if right:
                return verdict(True, exercise.feedback_correct)
            for mistake in exercise.mistakes:
                try:
                    if _code_agrees(exercise, answer, mistake.answer):
                        return wrong(mistake.feedback)
                except WrongShape:
                    continue
            return wrong(exercise.feedback_wrong)
        given = normalise(exercise, answer)
    except WrongShape as problem:
        return verdict(False, str(problem))
    except Exception as error:  # a student's object that breaks comparison is still only a wrong answer
        return verdict(False, f"Could not check this answer ({type(error).__name__}). {_expected_form(exercise)}")
    key = {
        "choice": exercise.answer,
        "multiple": list(exercise.answer) if exercise.kind == "multiple" else None,
        "number": exercise.answer,
        "order": list(exercise.items),
        "match": dict(exercise.pairs),
    }[exercise.kind]
    if _matches(exercise, given, key):
        return verdict(True, exercise.feedback_correct)
    for mistake in exercise.mistakes:
        if _matches(exercise, given, mistake.answer):
            return wrong(mistake.feedback)
    return wrong(exercise.feedback_wrong)


def _expected_form(exercise: Exercise) -> str:
    return {
        "choice": "Choose one option.",
        "multiple": "Choose every option that applies.",
        "number": "Enter a number" + (f" (in {exercise.unit})." if exercise.unit else "."),
        "order": "Put every item in order.",
        "match": "Pair every item with its partner.",
        "code": f"Compute `{exercise.variable}` in a code cell, then check.",
    }[exercise.kind]


def form_message(kind: str, answer: Any = MISSING, **shape: Any) -> str:
    """'ok' when ``answer`` has the form a question of ``kind`` asks for, else what is wrong.

    Used by the public checks of an assignment notebook: it needs only the public shape of
    the question (its options, its items, its unit), never its key.
    """
    if answer is MISSING or answer is None or answer is Ellipsis or (isinstance(answer, str) and not answer.strip()):
        return "No answer yet."
    probe = Exercise(
        id="form",
        kind=kind,
        chapter="",
        prompt="",
        points=1,
        file="",
        options=tuple(shape.get("options", ())),
        items=tuple(shape.get("items", ())),
        pairs=tuple((left, "") for left in shape.get("lefts", ())),
        unit=shape.get("unit"),
        answer="" if kind == "choice" else (),
    )
    try:
        if kind == "code":
            expected = shape.get("type")
            if expected == "number":
                _as_number(answer, "a number")
            elif expected and type(answer).__name__ != expected:
                return f"Expected a {expected}, got {type(answer).__name__}."
            return "ok"
        given = normalise(probe, answer)
    except WrongShape as problem:
        return str(problem)
    if kind == "match":
        rights = set(shape.get("rights", ()))
        stray = [value for value in given.values() if value not in rights]
        if stray:
            return f"'{stray[0]}' is not one of the possible partners: {', '.join(sorted(rights))}."
    return "ok"
