"""One normalisation of answers, the same in every front end: the Python check, the assignment's
form check, the notebook widget and the page script. One table of forms feeds all four.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qantar.exercises import get
from qantar.exercises.checking import check, form_message
from qantar.exercises.render import render_static
from qantar.instructor import public_shape
from qantar.widgets import ExerciseForm

STATIC = Path(__file__).resolve().parents[1] / "src" / "qantar" / "static"
FORCE = "guide-official-force-size"  # number, 2030 troops
WHERE = "guide-where-it-began"  # choice
CONTINGENTS = "guide-contingents"  # multiple

# (question, answer as a student might write it, right?)
FORMS = [
    (FORCE, "2030", True),
    (FORCE, "2,030", True),  # thousands separator
    (FORCE, "2 030", True),
    (FORCE, "2\u202f030", True),
    (FORCE, "2030 troops", True),  # the question's unit
    (FORCE, "2030 Troops", True),
    (FORCE, "2030,0", True),  # a decimal comma
    (FORCE, "2,03", False),  # a decimal comma: 2.03, not 2030
    (FORCE, "2030%", True),  # a trailing per cent sign is read, not refused
    (FORCE, "2500", False),
    (WHERE, "Mangystau region (Zhanaozen and Aktau)", True),
    (WHERE, "mangystau region (zhanaozen and aktau)", True),  # case
    (WHERE, "Mangystau  region  (Zhanaozen and Aktau) ", True),  # inner and outer spaces
    (WHERE, "Almaty", False),
    (CONTINGENTS, ["russia", "Belarus", "ARMENIA", "Kyrgyzstan", "Tajikistan"], True),
    (CONTINGENTS, ["Russia", "Belarus"], False),
]


@pytest.mark.parametrize("question, answer, right", FORMS, ids=lambda v: repr(v)[:30])
def test_the_check_and_the_form_check_read_the_same_forms(question, answer, right):
    exercise = get(question)
    result = check(exercise, answer)
    assert result.correct is right, result.message
    # The student's own form check never says ok to a form the grader reads differently: it says
    # ok exactly when the check could read the answer (right or wrong).
    assert form_message(exercise.kind, answer, **public_shape(exercise)) == "ok"


@pytest.mark.parametrize("question, answer, right", FORMS, ids=lambda v: repr(v)[:30])
def test_the_grader_reads_the_same_forms_after_the_answer_leaves_the_sandbox(question, answer, right):
    """The grader's path: the answer written out of the sandbox as data, read back, then checked
    against the key frozen in the assignment (qantar-key.json), in the grader's own process."""
    from qantar import harvest
    from qantar.exercises.bank import parse_question
    from qantar.instructor import question_spec

    frozen = parse_question(question_spec(get(question)), "qantar-key.json", "assignment")
    assert check(frozen, harvest.decode(harvest.encode(answer))).correct is right


def test_curly_and_straight_quotes_are_the_same_answer():
    exercise = get("guide-first-reactions")
    straight = {left: right.replace("\u2019", "'") for left, right in exercise.pairs}
    curly = {left: right.replace("'", "\u2019") for left, right in exercise.pairs}
    assert curly != straight, "the test needs a partner with an apostrophe"
    assert check(exercise, straight).correct and check(exercise, curly).correct
    order = get("after-withdrawal-order")
    curly_items = [item.replace("'", "\u2019") for item in order.items]
    assert curly_items != list(order.items) and check(order, curly_items).correct


def test_a_form_the_check_cannot_read_is_refused_by_the_form_check_too():
    exercise = get(FORCE)
    for answer in ("about two thousand", "2.030.000", "20-30"):
        assert not check(exercise, answer).correct
        assert form_message(exercise.kind, answer, **public_shape(exercise)) != "ok"


@pytest.mark.parametrize("answer, right", [(a, r) for q, a, r in FORMS if q == FORCE])
def test_the_widget_reads_the_same_number_forms(answer, right):
    form = ExerciseForm(get(FORCE), namespace={})
    form.controls["answer"].value = answer
    assert form.check_now().correct is right


def test_the_page_script_reads_the_same_number_forms(browser, tmp_path):
    exercise = get(FORCE)
    script = (STATIC / "qantar-exercises.js").read_text(encoding="utf-8")
    page_file = tmp_path / "forms.html"
    page_file.write_text(
        f"<!doctype html><html lang='en'><body>{render_static(exercise)}<script>{script}</script></body></html>",
        encoding="utf-8",
    )
    page = browser.new_page()
    page.goto(page_file.as_uri())
    section = page.locator(f'[data-exercise-id="{FORCE}"]')
    for question, answer, right in FORMS:
        if question != FORCE:
            continue
        section.locator("input").fill(answer)
        section.locator("button.qantar-exercise__check").click()
        verdict = section.locator(".qantar-exercise__feedback").get_attribute("data-correct")
        assert verdict == str(right).lower(), answer
        assert verdict == str(check(exercise, answer).correct).lower(), answer
    page.close()
