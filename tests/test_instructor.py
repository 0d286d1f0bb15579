"""Instructors: `qantar assign` makes an otter-grader assignment; `qantar grade` grades a class into a gradebook."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from qantar.exercises import for_chapter
from qantar.instructor import answer_variable, assign, question_name, select_exercises

from conftest import ahead, failure_report, qantar_assign

pytestmark = pytest.mark.book  # slow: real otter-grader runs

CHAPTER = "guide"


@pytest.fixture(scope="module")
def assignment(guide_assignment):
    """`qantar assign --chapter guide --name quiz` (made once for the session, in tests/conftest.py)."""
    assert CHAPTER == "guide"
    return {**guide_assignment, "exercises": for_chapter(CHAPTER)}


def secrets(exercises) -> list[str]:
    """Strings that would give an answer away: solutions, the code of solutions, hidden checks."""
    found = []
    for exercise in exercises:
        if exercise.kind == "code":
            found += [line.strip() for line in exercise.solution_code.splitlines() if len(line.strip()) > 12]
        elif exercise.kind == "number":
            found.append(f"= {exercise.solution!r}")
        elif exercise.kind == "match":
            found.append(json.dumps(dict(exercise.pairs), ensure_ascii=False))
        elif exercise.kind == "order":
            found.append(repr(list(exercise.items)))
        elif exercise.kind == "multiple":
            found.append(repr(list(exercise.answer)))
    return found + ["_check(_question(", "# HIDDEN"]


def strings(value) -> list[str]:
    """Every string inside a JSON value, decoded (so escaped quotes cannot hide a secret)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def test_assign_gives_a_student_notebook_without_solutions_or_hidden_tests(assignment):
    notebook = nbformat.read(assignment["student"], as_version=4)
    nbformat.validate(notebook)
    text = "\n".join(strings(json.loads(assignment["student"].read_text(encoding="utf-8"))))
    for secret in secrets(assignment["exercises"]):
        assert secret not in text, f"the student notebook gives away: {secret}"
    for number, exercise in enumerate(assignment["exercises"], start=1):
        assert f"{answer_variable(number, exercise)} = ..." in text or exercise.kind == "code"
        assert f"form_check({number}, {answer_variable(number, exercise)!r}, {exercise.kind!r}" in text


def test_the_student_notebook_runs_without_otter_under_any_file_name(assignment, tmp_path):
    """Renamed, run on a fresh kernel: every check prints one line, and nothing imports otter-grader."""
    from nbclient import NotebookClient

    notebook = nbformat.read(assignment["student"], as_version=4)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert not any("otter" in source or "grader" in source for source in code)
    assert 'student_name = ""' in code[0] and 'student_id = ""' in code[0]
    exercises = assignment["exercises"]
    first = answer_variable(1, exercises[0])
    for cell in notebook.cells:  # one answer given, in a form the grader reads (case and spaces aside)
        if cell.cell_type == "code" and cell.source.strip() == f"{first} = ...":
            cell.source = f"{first} = {('  ' + str(exercises[0].solution).upper())!r}"
    renamed = tmp_path / "Copy of homework (2).ipynb"
    nbformat.write(notebook, renamed)
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    printed = [
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code" and "form_check(" in cell.source
        for output in cell.outputs
    ]
    lines = [line for text in printed for line in text.splitlines()]
    assert f"Question 1: ok, `{first}` has the right form (the grader decides if it is right)." in lines
    assert "Question 2: No answer yet." in lines
    assert not any(o.get("output_type") == "error" for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    per_check = [text for text in printed if text.count("\n") == 1]
    assert len(per_check) == len(exercises)  # one line from each question's own check cell


def test_the_autograder_zip_holds_a_hidden_check_per_question(assignment):
    with zipfile.ZipFile(assignment["autograder"]) as archive:
        tests = sorted(n for n in archive.namelist() if n.startswith("tests/"))
        assert len(tests) == len(assignment["exercises"])
        assert all("'hidden': True" in archive.read(n).decode() for n in tests)


def test_the_autograder_zip_holds_the_key_that_qantar_grade_checks_against(assignment):
    from qantar.grading import load_key

    key = load_key(assignment["autograder"])
    questions = key.questions
    assert key.name == "quiz"
    assert [q.exercise.id for q in questions] == [e.id for e in assignment["exercises"]]
    assert [q.variable for q in questions] == [
        answer_variable(n, e) for n, e in enumerate(assignment["exercises"], start=1)
    ]
    assert [q.name for q in questions] == [question_name(n, e) for n, e in enumerate(assignment["exercises"], start=1)]
    assert all(not q.exercise.key_withheld for q in questions)


def test_assign_refuses_unknown_chapters_and_used_folders(tmp_path):
    with pytest.raises(ValueError, match="no exercises for chapter 'nope'"):
        select_exercises("nope")
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "file").write_text("x")
    with pytest.raises(ValueError, match="is not empty"):
        assign(for_chapter(CHAPTER), "quiz", tmp_path / "used")


BOOK_CHAPTERS = sorted(
    {e.chapter for e in __import__("qantar.exercises", fromlist=["bank"]).bank().values()} - {CHAPTER}
)


# `qantar assign --chapter CHAPTER` for every chapter, one after another, started ahead of the tests
# (tests/conftest.py's Ahead) so that it runs while other modules do; each test reads its own.
@ahead("chapter_assignments")
def _assign_every_chapter(folder: Path, environment: dict[str, str]) -> dict:
    made = {}
    for chapter in BOOK_CHAPTERS:
        out = folder / chapter
        made[chapter] = out, qantar_assign(out, f"{chapter}-quiz", "--chapter", chapter, env=environment)
    return made


@pytest.fixture(scope="module")
def chapter_assignments():
    return ahead.result("chapter_assignments")


@pytest.mark.parametrize("chapter", BOOK_CHAPTERS)
def test_assign_works_for_every_chapter(chapter, chapter_assignments):
    """otter assign runs each chapter's solutions against its own tests: the notebooks are accepted."""
    out, result = chapter_assignments[chapter]
    assert result.returncode == 0, failure_report(result)
    outputs = {
        "student": out / "student" / f"{chapter}-quiz.ipynb",
        "autograder": sorted((out / "autograder").glob("*.zip"))[-1],
    }
    text = "\n".join(strings(json.loads(outputs["student"].read_text(encoding="utf-8"))))
    for secret in secrets(for_chapter(chapter)):
        assert secret not in text, f"{chapter}: the student notebook gives away {secret}"
    assert outputs["autograder"].stat().st_size > 0
