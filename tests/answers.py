"""Right and wrong answers for every exercise, shared by the Python, kernel and browser tests."""

from __future__ import annotations

from typing import Any

from qantar.exercises.bank import Exercise


def wrong_answers(exercise: Exercise) -> list[Any]:
    """Answers that must be judged wrong: every other option, subsets, off-by-some numbers, shuffles."""
    kind = exercise.kind
    if kind == "choice":
        return [option for option in exercise.options if option != exercise.answer]
    if kind == "multiple":
        right = list(exercise.answer)
        others = [option for option in exercise.options if option not in right]
        answers = [right[:-1]] if len(right) > 1 else []
        answers += [right + [others[0]]] if others else []
        return answers + [others[:1]] if others else answers
    if kind == "number":
        step = max(10 * exercise.tolerance, abs(exercise.answer) * max(0.5, 10 * exercise.relative_tolerance), 1)
        return [exercise.answer + step, exercise.answer - step] + [m.answer for m in exercise.mistakes]
    if kind == "order":
        items = list(exercise.items)
        swapped = [items[1], items[0], *items[2:]]
        return [list(reversed(items)), swapped]
    if kind == "match":
        lefts = [left for left, _ in exercise.pairs]
        rights = [right for _, right in exercise.pairs]
        rotated = rights[1:] + rights[:1]
        return [dict(zip(lefts, rotated))]
    if kind == "code":
        solution = exercise.solution
        if isinstance(solution, (int, float)):
            return [solution + 1 + abs(solution), -1]
        return []
    raise AssertionError(kind)


# Answers of the wrong type or shape: check() must answer each with a message, never raise.
ODD_ANSWERS = ["forty", "", 42, -1.5, float("nan"), None, True, [], {}, ["x", "y"], {"a": "b"}, object()]
