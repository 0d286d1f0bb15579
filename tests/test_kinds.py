"""A new kind of question is one class (Python) and one function in the page script's KINDS (JavaScript).

The toy kind below, a yes/no question, is declared only here: the bank, the one check, the
static page, the notebook widget, the public bank and the assignment's form check all take it
without any other change.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from qantar.exercises.bank import parse_question
from qantar.exercises.checking import check, form_message
from qantar.exercises.fields import BankError, _text
from qantar.exercises.kinds import KINDS, Kind, WrongShape, register
from qantar.exercises.render import page_key, render_static
from qantar.widgets import ExerciseForm

STATIC = Path(__file__).resolve().parents[1] / "src" / "qantar" / "static"

# The one page-script function of the toy kind, in the page script's own contract.
TOY_SCRIPT = """
window.qantarExerciseKinds = {
  yesno: function (form, key) {
    var picked = form.querySelector("input:checked");
    if (!picked) return { problem: "No answer yet. Say yes or no." };
    return { right: key.answer, matches: function (expected) { return picked.value === expected; } };
  }
};
"""


class YesNo(Kind):
    """The toy kind: a statement the student says is true (yes) or not (no)."""

    name = "yesno"
    label = "Yes or no"
    fields = {"answer"}
    withheld_fields = set()

    def parse(self, spec, file, question):
        answer = (_text(spec.get("answer"), file, question, "answer", required=True) or "").lower()
        if answer not in ("yes", "no"):
            raise BankError(file, "must be yes or no", question=question, field="answer")
        return {"answer": answer}

    def parse_withheld(self, spec, file, question):
        return {}

    def spec(self, exercise, *, public):
        return {} if public else {"answer": exercise.answer}

    def solution(self, exercise):
        return exercise.answer

    def normalise(self, exercise, answer):
        if not isinstance(answer, str) or answer.strip().lower() not in ("yes", "no"):
            raise WrongShape("Expected 'yes' or 'no'.")
        return answer.strip().lower()

    def expected_form(self, exercise):
        return "Say yes or no."

    def describe(self, exercise):
        return exercise.answer

    def controls(self, exercise, field):
        return "".join(
            f'<label><input type="radio" name="{field}" value="{value}"> {value}</label>' for value in ("yes", "no")
        )

    def widget(self, exercise, namespace_of):
        import ipywidgets as widgets

        answer = widgets.ToggleButtons(options=["yes", "no"], value=None)
        return [answer], lambda: answer.value, {"answer": answer}

    def instructions(self, exercise, variable):
        return f"Set `{variable}` to 'yes' or 'no'."


SPEC = {
    "id": "toy-1",
    "kind": "yesno",
    "prompt": "Was the CSTO force deployed under Article 4?",
    "answer": "Yes",
    "feedback": {"correct": "Right.", "wrong": "Not so."},
    "mistakes": [{"answer": "no", "feedback": "The Council cited Article 4."}],
}


@pytest.fixture
def toy():
    register(YesNo)
    try:
        yield parse_question(SPEC, "exercises/toy.yml", "toy")
    finally:
        KINDS.pop("yesno")


def test_the_bank_reads_and_refuses_the_toy_kind_by_its_own_rules(toy):
    assert toy.kind == "yesno" and toy.answer == "yes"
    with pytest.raises(BankError, match=r"question 'toy-2', field 'answer': must be yes or no"):
        parse_question({**SPEC, "id": "toy-2", "answer": "maybe"}, "exercises/toy.yml", "toy")
    with pytest.raises(BankError, match=r"field 'options': unknown field for a yesno question"):
        parse_question({**SPEC, "id": "toy-3", "options": ["a", "b"]}, "exercises/toy.yml", "toy")


def test_the_one_check_judges_the_toy_kind(toy):
    assert check(toy, " YES ").correct
    assert check(toy, "no").message.startswith("The Council cited Article 4.")
    assert check(toy, 3).message == "Expected 'yes' or 'no'."
    assert check(toy, None).message == "No answer yet. Say yes or no."
    assert form_message("yesno", "perhaps") == "Expected 'yes' or 'no'."
    assert form_message("yesno", "no") == "ok"


def test_the_page_and_the_widget_show_the_toy_kind(toy):
    page = render_static(toy)
    assert "Yes or no" in page and 'value="yes"' in page
    assert page_key(toy)["answer"] == "yes"
    form = ExerciseForm(toy, namespace={})
    form.controls["answer"].value = "yes"
    assert form.check_now().correct


def test_the_page_script_checks_the_toy_kind_with_its_one_function(toy, browser, tmp_path):
    script = (STATIC / "qantar-exercises.js").read_text(encoding="utf-8")
    page_file = tmp_path / "toy.html"
    page_file.write_text(
        f"<!doctype html><html lang='en'><body>{render_static(toy)}"
        f"<script>{TOY_SCRIPT}</script><script>{script}</script></body></html>",
        encoding="utf-8",
    )
    page = browser.new_page()
    page.goto(page_file.as_uri())
    section = page.locator('[data-exercise-id="toy-1"]')
    feedback = section.locator(".qantar-exercise__feedback")
    for value, correct, message in (("no", "false", "The Council cited Article 4."), ("yes", "true", "Right.")):
        section.locator(f'input[value="{value}"]').check()
        section.locator("button.qantar-exercise__check").click()
        assert feedback.get_attribute("data-correct") == correct
        assert message in feedback.inner_text()
        assert check(toy, value).correct == (correct == "true")
    page.close()


# "n of m right": the same count in Python and in the page script, with or without partial credit.
def parts_right(exercise, answer) -> tuple[int, int, str]:
    """The count of right parts, worked out here from the key (not from the kinds' own code)."""
    if exercise.kind == "match":
        key = dict(exercise.pairs)
        return sum(answer[left] == right for left, right in key.items()), len(key), "pairs"
    if exercise.kind == "order":
        items = list(exercise.items)
        follows = {items[i]: items[i + 1] for i in range(len(items) - 1)}
        return sum(follows.get(a) == b for a, b in zip(answer, answer[1:])), len(items) - 1, "neighbouring pairs"
    options = list(exercise.options)
    return sum((o in answer) == (o in exercise.answer) for o in options), len(options), "options"


def counted_questions():
    """The guide's order and match questions as the bank has them, and each with partial credit switched."""
    from qantar.exercises import bank as exercise_bank

    questions = []
    for exercise_id in ("guide-sequence", "guide-first-reactions"):
        exercise = exercise_bank()[exercise_id]
        questions.append(exercise)
        questions.append(dataclasses.replace(exercise, id=f"{exercise_id}-switched", partial=not exercise.partial))
    assert {q.partial for q in questions} == {True, False}
    return questions


def test_python_says_how_many_parts_are_right_with_or_without_partial_credit():
    from answers import wrong_answers

    for exercise in counted_questions():
        for answer in wrong_answers(exercise):
            right, parts, what = parts_right(exercise, answer)
            message = check(exercise, answer).message
            if exercise.partial:
                share = round(exercise.points * right / parts, 4)
                assert message.endswith(f" ({right} of {parts} {what} right: {share:g} of {exercise.points:g} points.)")
            else:
                assert message.endswith(f" ({right} of {parts} {what} right.)"), (exercise.id, message)


COUNT_IN_TEXT = re.compile(r"\((\d+) of (\d+) ([a-z ]+) right(?:: ([\d.]+) of ([\d.]+) points)?\.\)")


def test_the_page_script_counts_the_parts_right_as_python_does(browser, tmp_path):
    from answers import wrong_answers

    questions = counted_questions()
    script = (STATIC / "qantar-exercises.js").read_text(encoding="utf-8")
    page_file = tmp_path / "counts.html"
    forms = "".join(render_static(exercise) for exercise in questions)
    page_file.write_text(
        f"<!doctype html><html lang='en'><body>{forms}<script>{script}</script></body></html>", encoding="utf-8"
    )
    page = browser.new_page()
    page.goto(page_file.as_uri())
    compared = 0
    for exercise in questions:
        section = page.locator(f'[data-exercise-id="{exercise.id}"]')
        for answer in wrong_answers(exercise):
            page.reload()
            targets = (
                {item: str(n) for n, item in enumerate(answer, start=1)} if exercise.kind == "order" else dict(answer)
            )
            for item, value in targets.items():
                section.locator(f'select[data-item="{item}"]').select_option(value)
            section.locator("button.qantar-exercise__check").click()
            in_page = COUNT_IN_TEXT.search(section.locator(".qantar-exercise__feedback").inner_text())
            in_python = COUNT_IN_TEXT.search(check(exercise, answer).message)
            assert in_page and in_python, (exercise.id, answer)
            assert in_page.groups() == in_python.groups(), (exercise.id, answer)
            compared += 1
    page.close()
    assert compared >= 6
