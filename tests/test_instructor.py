"""Instructors: `qantar assign` makes an otter-grader assignment; `qantar grade` grades a class into a gradebook."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import nbformat
import pytest

from qantar.cli import main as qantar_main
from qantar.exercises import for_chapter
from qantar.instructor import answer_variable, assign, forgery, grade, question_name, select_exercises

pytestmark = pytest.mark.book  # slow: real otter-grader runs

CHAPTER = "guide"
TIMEOUT = 45


@pytest.fixture(scope="module")
def assignment(tmp_path_factory):
    out = tmp_path_factory.mktemp("assignment") / "quiz"
    assert qantar_main(["assign", "--chapter", CHAPTER, "--name", "quiz", "--out", str(out)]) == 0
    return {
        "student": out / "student" / "quiz.ipynb",
        "autograder": next((out / "autograder").glob("*.zip")),
        "exercises": for_chapter(CHAPTER),
    }


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
        assert f'grader.check("{question_name(number, exercise)}")' in text


def test_the_autograder_zip_holds_a_hidden_check_per_question(assignment):
    with zipfile.ZipFile(assignment["autograder"]) as archive:
        tests = sorted(n for n in archive.namelist() if n.startswith("tests/"))
        assert len(tests) == len(assignment["exercises"])
        assert all("'hidden': True" in archive.read(n).decode() for n in tests)


def fill(student: Path, destination: Path, answers: dict[int, str], edit=None) -> Path:
    """A submission: the student notebook with the given answer cells filled in."""
    notebook = nbformat.read(student, as_version=4)
    exercises = for_chapter(CHAPTER)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for number, source in answers.items():
            variable = answer_variable(number, exercises[number - 1])
            if re.match(rf"\s*{variable} = \.\.\.", cell.source) or (
                exercises[number - 1].kind == "code"
                and cell.source.strip().startswith("...")
                and f"# answer {number}" not in cell.source
                and _is_answer_cell(notebook, cell, number)
            ):
                cell.source = source
    if edit:
        edit(notebook)
    nbformat.write(notebook, destination)
    return destination


def _is_answer_cell(notebook, cell, number) -> bool:
    index = notebook.cells.index(cell)
    prompt = notebook.cells[index - 1]
    return prompt.cell_type == "markdown" and prompt.source.startswith(f"**Question {number}**")


def right_answers() -> dict[int, str]:
    answers = {}
    for number, exercise in enumerate(for_chapter(CHAPTER), start=1):
        if exercise.kind == "code":
            answers[number] = exercise.solution_code
        else:
            answers[number] = f"{answer_variable(number, exercise)} = {exercise.solution!r}"
    return answers


@pytest.fixture(scope="module")
def graded(assignment, tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    student = assignment["student"]
    exercises = assignment["exercises"]
    right = right_answers()
    first_half = {n: s for n, s in right.items() if n <= len(right) // 2}
    fill(student, folder / "full.ipynb", right)
    fill(student, folder / "blank.ipynb", {})
    fill(student, folder / "partial.ipynb", first_half)
    (folder / "essay.txt").write_text("I did not use the notebook.", encoding="utf-8")
    (folder / "corrupt.ipynb").write_text('{"cells": [', encoding="utf-8")
    (folder / "not-a-notebook.ipynb").write_text(json.dumps({"hello": "world"}), encoding="utf-8")
    fill(student, folder / "loops.ipynb", {1: "while True:\n    pass", **{n: s for n, s in right.items() if n > 1}})
    fill(student, folder / "raises.ipynb", {**right, 2: 'raise RuntimeError("I give up")'})

    def delete_cells(notebook):
        notebook.cells = [c for c in notebook.cells if "grader.check" not in c.source][:8]

    fill(student, folder / "deleted.ipynb", right, edit=delete_cells)

    def duplicate_cells(notebook):
        notebook.cells = notebook.cells + [
            nbformat.v4.new_code_cell(c.source) for c in notebook.cells if c.cell_type == "code"
        ]

    fill(student, folder / "duplicated.ipynb", right, edit=duplicate_cells)
    fill(student, folder / "prints.ipynb", {**right, 1: right[1] + "\nprint('x' * 3_000_000)"})

    def forge(notebook):
        notebook.cells.append(
            nbformat.v4.new_code_cell(
                "import qantar.exercises.checking as c\nc.check = lambda *a, **k: type('R', (), {'correct': True})()"
            )
        )

    fill(student, folder / "forged-patch.ipynb", {}, edit=forge)

    def shadow(notebook):
        notebook.cells.append(nbformat.v4.new_code_cell("def print(*args, **kwargs):\n    return None"))

    fill(student, folder / "forged-print.ipynb", {}, edit=shadow)

    def saved_by_vs_code(notebook):  # VS Code names the kernel after the student's own environment
        notebook.metadata["kernelspec"] = {
            "name": ".venv",
            "display_name": ".venv (Python 3.11.7)",
            "language": "python",
        }

    fill(student, folder / "vscode.ipynb", right, edit=saved_by_vs_code)

    gradebook = folder.parent / "gradebook.csv"
    rows = grade(assignment["autograder"], folder, gradebook, jobs=2, timeout=TIMEOUT)
    with gradebook.open(encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    return {
        "rows": {r.file: r for r in rows},
        "table": table,
        "gradebook": gradebook,
        "folder": folder,
        "possible": sum(e.points for e in exercises),
        "exercises": exercises,
        "autograder": assignment["autograder"],
    }


def test_full_blank_and_partial_marks(graded):
    rows, possible = graded["rows"], graded["possible"]
    assert rows["full.ipynb"].status == "graded" and rows["full.ipynb"].total == possible
    assert rows["blank.ipynb"].status == "graded" and rows["blank.ipynb"].total == 0
    half = sum(e.points for e in graded["exercises"][: len(graded["exercises"]) // 2])
    assert rows["partial.ipynb"].status == "graded" and rows["partial.ipynb"].total == half


@pytest.mark.parametrize(
    "name, status, message",
    [
        ("essay.txt", "invalid", "not a notebook"),
        ("corrupt.ipynb", "invalid", "not a readable notebook"),
        ("not-a-notebook.ipynb", "invalid", "not a"),
        ("loops.ipynb", "timeout", f"stopped after {TIMEOUT} s"),
        ("forged-patch.ipynb", "invalid", "may not change the checks"),
        ("forged-print.ipynb", "invalid", "defines print"),
    ],
)
def test_bad_submissions_get_a_clear_status_and_no_points(graded, name, status, message):
    row = graded["rows"][name]
    assert row.status == status and message in row.message
    assert row.total == 0


def test_a_notebook_saved_with_another_kernel_name_is_graded_with_the_books_kernel(graded):
    row = graded["rows"]["vscode.ipynb"]
    assert row.status == "graded" and row.total == graded["possible"], row.message


def test_a_raising_cell_costs_only_its_question(graded):
    rows, exercises = graded["rows"], graded["exercises"]
    row = rows["raises.ipynb"]
    assert row.status == "graded"
    assert row.total == graded["possible"] - exercises[1].points


def test_deleted_duplicated_and_noisy_notebooks_earn_only_what_they_answer(graded):
    rows = graded["rows"]
    assert rows["duplicated.ipynb"].total == graded["possible"]
    assert rows["prints.ipynb"].status == "graded" and rows["prints.ipynb"].total == graded["possible"]
    deleted = rows["deleted.ipynb"]
    assert deleted.status == "graded" and 0 < deleted.total < graded["possible"]


def test_the_gradebook_has_a_row_per_file_and_a_column_per_question(graded):
    table = graded["table"]
    files = sorted(p.name for p in graded["folder"].iterdir())
    assert [row["file"] for row in table[1:]] == files
    assert table[0]["file"] == "(points possible)"
    questions = [question_name(n, e) for n, e in enumerate(graded["exercises"], start=1)]
    assert list(table[0].keys()) == ["file", "status", *questions, "total", "message"]


def test_regrading_gives_the_same_gradebook_and_keeps_finished_rows(graded, tmp_path):
    again = tmp_path / "again.csv"
    # An interrupted run: the progress file holds the finished rows (and a line cut short);
    # grading again grades only what is missing, and the gradebook comes out the same.
    progress = again.with_name(again.name + ".progress.jsonl")
    regraded = {"full.ipynb", "blank.ipynb", "forged-print.ipynb"}
    finished = [row for name, row in graded["rows"].items() if name not in regraded]
    progress.write_text("".join(json.dumps(r.as_record()) + "\n" for r in finished) + '{"file": "cut', encoding="utf-8")
    seen = []
    grade(graded["autograder"], graded["folder"], again, jobs=2, timeout=TIMEOUT, progress_callback=seen.append)
    assert {r.file for r in seen} == regraded
    assert again.read_text(encoding="utf-8") == graded["gradebook"].read_text(encoding="utf-8")
    assert not progress.exists()


@pytest.mark.parametrize(
    "source, reason",
    [
        ("answer_1 = 'Almaty'", None),
        ("df = load('claims')\ndf.columns = list(df.columns)", None),
        ('grader.check("q01_x")', None),
        ("import builtins", "imports builtins"),
        ("check = lambda *a: True", "rebinds check"),
        ("import qantar\nqantar.exercises.checking.check = None", "changes a module"),
        ("!rm -rf /", "shell or magic"),
        ("setattr(grader, 'check', None)", "calls setattr"),
    ],
)
def test_forgery_scan(source, reason):
    imported = {"qantar"} if "import qantar" in source else set()
    found = forgery(source, imported)
    assert (found is None) if reason is None else (reason in found)


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


@pytest.mark.parametrize("chapter", BOOK_CHAPTERS)
def test_assign_works_for_every_chapter(chapter, tmp_path):
    """otter assign runs each chapter's solutions against its own tests: the notebooks are accepted."""
    outputs = assign(select_exercises(chapter), f"{chapter}-quiz", tmp_path / chapter)
    text = "\n".join(strings(json.loads(outputs["student"].read_text(encoding="utf-8"))))
    for secret in secrets(for_chapter(chapter)):
        assert secret not in text, f"{chapter}: the student notebook gives away {secret}"
    assert outputs["autograder"].stat().st_size > 0
