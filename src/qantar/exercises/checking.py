"""One check for every front end: the Python API, the notebook widgets and the autograder.

The static page repeats these rules in ``static/qantar-exercises.js``; the tests run
the same answers through both and require the same verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qantar.exercises.bank import Exercise
from qantar.exercises.kinds import KINDS, MISSING, WrongShape, numbers_agree  # noqa: F401  (public here too)

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
    # False: nothing the check could read was given (a blank, None, the ``...`` of a "try it" cell,
    # or an answer of the wrong form, such as words for a number): a neutral note, not a verdict.
    answered: bool = True
    hint: str = ""  # the question's hint, on a wrong answer; each front end shows it once, its own way

    def __bool__(self) -> bool:
        return self.correct

    @property
    def verdict(self) -> str:
        """One line for a notebook: a neutral note when nothing was given, else the mark and the message."""
        return self.verdict_line()

    def verdict_line(self, *, hint: bool = True) -> str:
        """The verdict in the one wording of every front end: "… <note>", "✔ Right. <message>" or
        "✘ Not yet. <message> Hint: <hint>". ``hint=False`` for a front end that shows the hint in a
        box of its own (the notebook widget), so that it is said once."""
        mark, text = self.verdict_parts()
        return f"{mark} {text}" + (f" Hint: {self.hint}" if hint and self.hint and self.answered else "")

    def verdict_parts(self) -> tuple[str, str]:
        """(the mark: "…", "✔" or "✘"; the words after it, the hint left out)."""
        if not self.answered:
            return "…", self.message
        if self.correct:
            return "✔", self.message if self.message.startswith(("Right", "Correct")) else f"Right. {self.message}"
        return "✘", self.message if self.message.startswith("Not ") else f"Not yet. {self.message}"

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython's text display, as a "try it" cell ends
        printer.text(self.verdict)


def normalise(exercise: Exercise, answer: Any) -> Any:
    """The answer in the form the question compares, or WrongShape saying what was expected."""
    return KINDS[exercise.kind].normalise(exercise, answer)


def _matches(exercise: Exercise, answer: Any, candidate: Any) -> bool:
    """Whether a normalised answer equals a declared answer (the key or a named mistake)."""
    try:
        return KINDS[exercise.kind].agrees(exercise, answer, normalise(exercise, candidate))
    except WrongShape:
        return False


def check(exercise: Exercise, answer: Any = MISSING) -> Result:
    """Judge ``answer``; never raises on a student's answer, whatever its type or shape."""

    def verdict(correct: bool, message: str) -> Result:
        return Result(exercise.id, correct, exercise.points if correct else 0.0, message)

    def wrong(message: str) -> Result:
        return Result(exercise.id, False, 0.0, message, hint=exercise.hint or "")

    if exercise.key_withheld:
        return verdict(False, WITHHELD_MESSAGE)
    if answer is MISSING or answer is None or answer is Ellipsis or (isinstance(answer, str) and not answer.strip()):
        return Result(exercise.id, False, 0.0, "No answer yet. " + _expected_form(exercise), answered=False)
    handler = KINDS[exercise.kind]
    try:
        given = handler.normalise(exercise, answer)
        expected = handler.normalise(exercise, handler.solution(exercise))
        # A form problem found against the key is the student's to hear; against a mistake, it only
        # means the answer is not that mistake.
        if handler.agrees(exercise, given, expected):
            return verdict(True, exercise.feedback_correct)
        message = next((m.feedback for m in exercise.mistakes if _matches(exercise, given, m.answer)), None)
        result = wrong(message or exercise.feedback_wrong)
        # How many parts are right ("3 of 5 pairs right"), for every kind that counts parts, as the
        # page script says it; with partial credit, the share of the points too.
        if handler.partial_credit:
            right, parts, what = handler.credit(exercise, given, expected)
            share = round(exercise.points * right / parts, 4) if parts and exercise.partial else 0.0
            points = f": {share:g} of {exercise.points:g} points" if exercise.partial else ""
            result = Result(
                exercise.id,
                False,
                share,
                f"{result.message} ({right} of {parts} {what} right{points}.)",
                hint=result.hint,
            )
        return result
    except WrongShape as problem:
        return Result(exercise.id, False, 0.0, str(problem), answered=False)
    except Exception as error:  # a student's object that breaks comparison is still only a wrong answer
        return verdict(False, f"Could not check this answer ({type(error).__name__}). {_expected_form(exercise)}")


def _expected_form(exercise: Exercise) -> str:
    return KINDS[exercise.kind].expected_form(exercise)


def form_message(kind: str, answer: Any = MISSING, **shape: Any) -> str:
    """'ok' when ``answer`` has the form a question of ``kind`` asks for, else what is wrong.

    Used by the public checks of an assignment notebook: it needs only the public shape of
    the question (its options, its items, its unit), never its key.
    """
    if answer is MISSING or answer is None or answer is Ellipsis or (isinstance(answer, str) and not answer.strip()):
        return "No answer yet."
    problem = KINDS[kind].form_problem(shape, answer)
    return problem or "ok"


def form_check(number: int, variable: str, kind: str, **shape: Any) -> bool:
    """Print one line on the form of the answer variable ``variable`` of question ``number``, as the
    check cells of an assignment notebook do; return whether its form is right.

    It reads the variable from the notebook that calls it, so a check cell runs whatever the
    notebook file is called and whether or not the answer cell has run. It needs only the
    question's public shape, never its key: "ok" means the grader can read the answer, not that
    the answer is right.
    """
    import sys

    namespace = sys._getframe(1).f_globals
    if variable not in namespace:
        print(f"Question {number}: `{variable}` is not set yet: run the cell above, then this check.")
        return False
    message = form_message(kind, namespace[variable], **shape)
    if message == "ok":
        print(f"Question {number}: ok, `{variable}` has the right form (the grader decides if it is right).")
        return True
    print(f"Question {number}: {message}")
    return False
