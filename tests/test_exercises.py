"""The question bank and its one check: validation, every exercise's key, mistakes, odd answers, escaping."""

from __future__ import annotations

import html
import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from qantar.exercises import BankError, bank, check, exercise
from qantar.exercises.bank import load_bank, parse_question
from qantar.exercises.checking import check as check_exercise
from qantar.exercises.render import MIME_TYPE, render_static
from qantar.widgets import ExerciseForm

from answers import ODD_ANSWERS, wrong_answers

BANK = bank()
IDS = sorted(BANK)


def test_the_bank_has_every_kind():
    assert {e.kind for e in BANK.values()} == {"choice", "multiple", "number", "order", "match", "code"}


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_solution_is_correct_and_earns_the_points(exercise_id):
    item = BANK[exercise_id]
    result = check(exercise_id, item.solution)
    assert result.correct, result.message
    assert result.score == item.points
    assert result.message == item.feedback_correct


@pytest.mark.parametrize("exercise_id", IDS)
def test_wrong_answers_are_wrong(exercise_id):
    item = BANK[exercise_id]
    answers = wrong_answers(item)
    assert answers or item.kind == "code"
    for answer in answers:
        result = check(exercise_id, answer)
        assert not result.correct and result.score == 0, answer
        assert result.message


@pytest.mark.parametrize("exercise_id", [i for i in IDS if BANK[i].mistakes])
def test_each_common_mistake_gets_its_own_feedback(exercise_id):
    item = BANK[exercise_id]
    for mistake in item.mistakes:
        result = check(exercise_id, mistake.answer)
        assert not result.correct
        assert result.message.startswith(mistake.feedback)


@pytest.mark.parametrize("exercise_id", IDS)
def test_odd_answers_get_a_message_not_an_exception(exercise_id):
    for answer in [*ODD_ANSWERS, pd.DataFrame(), pd.Series(dtype=float)]:
        result = check(exercise_id, answer)
        assert not result.correct, answer
        assert isinstance(result.message, str) and result.message.strip()


def test_messages_say_what_was_expected():
    number = BANK["guide-official-force-size"]
    assert "is not a number" in check(number.id, "forty").message
    assert "No answer yet" in check(number.id, None).message
    code = next(e for e in BANK.values() if e.kind == "code")
    assert "Expected a number, got DataFrame" in check(code.id, pd.DataFrame()).message
    choice = next(e for e in BANK.values() if e.kind == "choice")
    assert "is not one of the options" in check(choice.id, "Atlantis").message


def test_a_number_within_tolerance_and_with_separators_is_right():
    number = BANK["guide-official-force-size"]  # 2,030 troops, no tolerance
    assert check(number.id, "2,030").correct and check(number.id, " 2030 ").correct and check(number.id, 2030.0).correct
    assert not check(number.id, 2031).correct
    spec = {"id": "t", "kind": "number", "prompt": "p", "answer": 81.31, "tolerance": 0.5}
    within = parse_question(spec, "exercises/test.yml", "test")
    assert check_exercise(within, 81).correct and check_exercise(within, "81.8").correct
    assert not check_exercise(within, 80.5).correct
    relative = parse_question({**spec, "tolerance": 0, "relative_tolerance": 0.1}, "exercises/test.yml", "test")
    assert check_exercise(relative, 89).correct and not check_exercise(relative, 90).correct


def test_code_reference_is_computed_from_the_data(tmp_path, monkeypatch):
    """Correct a table and the key follows: no stale answer."""
    import shutil

    from conftest import REPO

    code = BANK["guide-distinct-death-tolls"]
    before = code.solution
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    path = data / "claims.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    new_row = [
        "deaths-99",
        "deaths",
        "99999",
        "people",
        "2022-02-01",
        "Test claimant",
        "ndcf2022",
        "",
        "exact",
        "",
        "164 people were killed",
    ]
    assert len(new_row) == len(header)
    path.write_text("\n".join(lines + [",".join(new_row)]) + "\n", encoding="utf-8")
    monkeypatch.setenv("QANTAR_DATA_DIR", str(data))
    assert code.solution == before + 1
    assert check(code.id, before + 1).correct and not check(code.id, before).correct


def write_bank(folder: Path, text: str, name: str = "test.yml") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


CHOICE = """\
    chapter: test
    questions:
      - id: q1
        kind: {kind}
        prompt: Which?
        options: [a, b]
        {answer}
        sources: [{source}]
"""


@pytest.mark.parametrize(
    "kind, answer, source, expected",
    [
        ("poll", "answer: a", "ndcf2022", "question 'q1', field 'kind': unknown kind 'poll'"),
        ("choice", "", "ndcf2022", "question 'q1', field 'answer': is required"),
        ("choice", "answer: c", "ndcf2022", "question 'q1', field 'answer': 'c' is not one of the options"),
        ("multiple", "answer: [a, z]", "ndcf2022", "question 'q1', field 'answer': 'z' is not one of the options"),
        ("choice", "answer: a", "no-such-excerpt", "question 'q1', field 'sources': 'no-such-excerpt' is neither"),
    ],
)
def test_an_invalid_bank_names_file_question_and_field(tmp_path, kind, answer, source, expected):
    folder = write_bank(tmp_path / "bank", CHOICE.format(kind=kind, answer=answer, source=source))
    with pytest.raises(BankError) as raised:
        load_bank(folder)
    assert str(raised.value).startswith("exercises/test.yml, ")
    assert expected in str(raised.value)


def test_duplicate_ids_across_files_are_refused(tmp_path):
    text = CHOICE.format(kind="choice", answer="answer: a", source="ndcf2022")
    folder = write_bank(tmp_path / "bank", text, "a.yml")
    write_bank(folder, text, "b.yml")
    with pytest.raises(
        BankError, match=r"exercises/b.yml, question 'q1', field 'id': the id is also used in exercises/a.yml"
    ):
        load_bank(folder)


def test_a_failing_code_solution_names_its_question():
    spec = {"id": "c1", "kind": "code", "prompt": "p", "variable": "x", "solution": "x = 1/0"}
    item = parse_question(spec, "exercises/test.yml", "test")
    with pytest.raises(BankError, match=r"question 'c1', field 'solution': the solution raised ZeroDivisionError"):
        _ = item.solution
    with pytest.raises(BankError, match=r"field 'solution': is not valid Python"):
        parse_question({**spec, "solution": "x = = 1"}, "exercises/test.yml", "test")


HOSTILE = '<script>alert("x")</script> <b>bold</b> & `load("claims")`'


def hostile_exercise(kind: str = "choice"):
    spec = {
        "id": "hostile",
        "kind": kind,
        "prompt": HOSTILE,
        "hint": HOSTILE,
        "options": [HOSTILE, "plain"],
        "answer": HOSTILE,
    }
    return parse_question(spec, "exercises/test.yml", "test")


def test_markup_in_a_question_is_text_in_the_page_and_the_widget():
    item = hostile_exercise()
    page = render_static(item)
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert html.escape('<script>alert("x")</script>') in page
    assert '<code>load(&quot;claims&quot;)</code>' in page
    key = page.split('class="qantar-exercise__key">')[1].split("</script>")[0]
    assert "<" not in key and json.loads(key)["answer"] == HOSTILE
    form = ExerciseForm(item)
    assert "<script>" not in form.prompt.value and html.escape("<b>bold</b>") in form.prompt.value
    assert check_exercise(item, HOSTILE).correct


def test_an_exercise_displays_as_widget_and_as_static_form():
    bundle = exercise("guide-where-it-began")._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle[MIME_TYPE]["id"] == "guide-where-it-began"
    assert "text/plain" in bundle


def test_the_widget_checks_what_the_form_holds():
    display = exercise("guide-sequence")
    form = display.form
    for position, item in enumerate(BANK["guide-sequence"].items, start=1):
        form.controls[item].chosen = position
    assert display.check_now().correct
    assert 'data-correct="true"' in form.feedback.value
    form.controls[BANK["guide-sequence"].items[0]].chosen = 2
    form.controls[BANK["guide-sequence"].items[1]].chosen = 1
    assert not display.check_now().correct
    assert 'data-correct="false"' in form.feedback.value


def test_assessed_questions_are_shown_without_their_key():
    spec = {
        "id": "secret",
        "kind": "number",
        "prompt": "How many?",
        "answer": 4242,
        "status": "assessed",
        "hint": "the hint",
    }
    item = parse_question(spec, "exercises/test.yml", "test")
    page = render_static(item)
    assert "4242" not in page and "the hint" not in page and "qantar-exercise__key" not in page
    assert "4242" in render_static(item, instructor=True)
