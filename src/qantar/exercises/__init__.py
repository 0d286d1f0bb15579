"""Auto-checked exercises: one question bank (``exercises/*.yml``), one check, three front ends.

>>> from qantar.exercises import bank, check          # doctest: +SKIP
>>> check("causes-where-it-began", "Mangystau")       # doctest: +SKIP
Result(exercise_id='causes-where-it-began', correct=True, score=1.0, message='Correct. …')
"""

from __future__ import annotations

from typing import Any

from qantar.exercises import checking
from qantar.exercises.bank import BankError, Exercise, exercises_dir, load_bank
from qantar.exercises.checking import MISSING, Result

__all__ = ["BankError", "Exercise", "Result", "bank", "check", "exercise", "exercises_dir", "for_chapter"]


def bank() -> dict[str, Exercise]:
    """Every exercise by id, validated."""
    return load_bank()


def get(exercise_id: str) -> Exercise:
    """One exercise by id; an unknown id raises BankError with the closest ids."""
    import difflib

    exercises = load_bank()
    if exercise_id not in exercises:
        close = difflib.get_close_matches(exercise_id, exercises, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise BankError("exercises/", f"no exercise with id '{exercise_id}'.{hint}")
    return exercises[exercise_id]


def check(exercise_id: str, answer: Any = MISSING) -> Result:
    """Check a student's answer: a Result with ``correct``, ``score`` and ``message``; never raises on the answer."""
    return checking.check(get(exercise_id), answer)


def for_chapter(chapter: str) -> list[Exercise]:
    """The exercises of one chapter, in the bank's order."""
    return [item for item in load_bank().values() if item.chapter == chapter]


def exercise(exercise_id: str):
    """Show one exercise: a checker form in Jupyter, a self-checking form in the built book."""
    from qantar.widgets import ExerciseDisplay

    return ExerciseDisplay(get(exercise_id))
