"""Assign exercises from the bank as otter-grader notebooks.

``assign`` writes an otter-grader master notebook from the bank and runs otter-grader's own
``otter assign`` on it: the student notebook, and an autograder zip that holds otter's hidden
tests (for ``otter run``, Gradescope or otter's Docker grading) and the key that ``qantar
grade`` checks answers against (:mod:`qantar.grading`).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import nbformat

from qantar.exercises import get as get_exercise
from qantar.exercises.bank import Exercise, load_bank
from qantar.exercises.kinds import KINDS
from qantar.grading import KEY_FILE, key_record

OUTPUT_LIMIT = 200_000  # characters of a runner's output kept for the message; the rest is dropped


class AssignError(ValueError):
    """The assignment cannot be made; the message says why."""


# ---------------------------------------------------------------- assign


def answer_variable(number: int, exercise: Exercise) -> str:
    return KINDS[exercise.kind].answer_variable(exercise, number)


def question_name(number: int, exercise: Exercise) -> str:
    """otter-grader's name of the question: sorts in assignment order, a valid identifier."""
    return f"q{number:02d}_{re.sub(r'[^a-z0-9]+', '_', exercise.id.lower())}"


def public_shape(exercise: Exercise) -> dict[str, Any]:
    """What a student may see of a question, for its form check: never its key."""
    return KINDS[exercise.kind].form_shape(exercise)


def question_spec(exercise: Exercise) -> dict[str, Any]:
    """The question as the bank declares it, for the hidden test: checked by the same rules as the self-checks."""
    spec = {
        "id": exercise.id,
        "kind": exercise.kind,
        "prompt": exercise.prompt,
        "points": exercise.points,
        **KINDS[exercise.kind].spec(exercise, public=False),
        "feedback": {"correct": exercise.feedback_correct, "wrong": exercise.feedback_wrong},
    }
    if exercise.hint:
        spec["hint"] = exercise.hint
    if exercise.mistakes:  # the named mistakes, so that the grader's feedback is the bank's own
        spec["mistakes"] = [{"answer": m.answer, "feedback": m.feedback} for m in exercise.mistakes]
    if exercise.partial:
        spec["partial"] = True
    return spec


def _answer_instructions(number: int, exercise: Exercise) -> str:
    return KINDS[exercise.kind].instructions(exercise, answer_variable(number, exercise))


def _solution_source(number: int, exercise: Exercise) -> str:
    if exercise.solution_code:
        return "# BEGIN SOLUTION\n" + exercise.solution_code.rstrip() + "\n# END SOLUTION"
    return f"{answer_variable(number, exercise)} = {exercise.solution!r}  # SOLUTION"


def _test_cell(source: str, expected: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=expected + "\n")]
    return cell


FORM_CHECK_IMPORT = "from qantar.exercises.checking import form_check\n"
STUDENT_CELL = '# Your name and student ID, as your teacher\'s list has them.\nstudent_name = ""\nstudent_id = ""'


def _form_check_call(number: int, exercise: Exercise) -> str:
    shape = ", ".join(f"{key}={value!r}" for key, value in public_shape(exercise).items())
    variable = answer_variable(number, exercise)
    return f"form_check({number}, {variable!r}, {exercise.kind!r}" + (f", {shape})" if shape else ")")


def master_notebook(exercises: list[Exercise], name: str) -> nbformat.NotebookNode:
    """The otter-grader master notebook: prompts, solutions, a public form check and a hidden key check."""
    config = {
        "name": name,
        "export_cell": False,
        # The student notebook's checks are qantar's own cells (below), which need neither
        # otter-grader nor the notebook's file name; otter's tests stay for its runner and Gradescope.
        "init_cell": False,
        "check_all_cell": False,
        "run_tests": True,
        "generate": True,
        "tests": {"ok_format": True},
    }
    cells = [
        nbformat.v4.new_raw_cell("# ASSIGNMENT CONFIG\n" + json.dumps(config, indent=2)),
        nbformat.v4.new_code_cell(STUDENT_CELL),
        nbformat.v4.new_markdown_cell(
            f"# {name}\n\nAnswer each question in the cell below it, run the check cell, and hand in "
            "this notebook. The check cells only say whether an answer has the right form; your "
            "teacher's grader decides whether it is right."
        ),
        nbformat.v4.new_code_cell("from qantar import load"),
    ]
    for number, exercise in enumerate(exercises, start=1):
        variable = answer_variable(number, exercise)
        points = exercise.points
        cells.append(
            nbformat.v4.new_raw_cell(
                f"# BEGIN QUESTION\nname: {question_name(number, exercise)}\npoints: [0, {points:g}]\ncheck_cell: false"
            )
        )
        cells.append(
            nbformat.v4.new_markdown_cell(
                f"**Question {number}** ({points:g} point{'s' if points != 1 else ''}). {exercise.prompt}\n\n"
                + _answer_instructions(number, exercise)
            )
        )
        cells.append(nbformat.v4.new_raw_cell("# BEGIN SOLUTION"))
        cells.append(nbformat.v4.new_code_cell(_solution_source(number, exercise)))
        cells.append(nbformat.v4.new_raw_cell("# END SOLUTION"))
        cells.append(nbformat.v4.new_raw_cell("# BEGIN TESTS"))
        shape = repr(public_shape(exercise))  # a Python literal, like the key below
        cells.append(
            _test_cell(
                "from qantar.exercises.checking import form_message as _form\n"
                f"print(_form({exercise.kind!r}, {variable}, **{shape}))",
                "ok",
            )
        )
        spec = repr(question_spec(exercise))  # a Python literal (JSON would write true, null)
        cells.append(
            _test_cell(
                "# HIDDEN\n"
                "from qantar.exercises.bank import parse_question as _question\n"
                "from qantar.exercises.checking import check as _check\n"
                f"print(_check(_question({spec}, 'assignment', 'assignment'), {variable}).correct)",
                "True",
            )
        )
        cells.append(nbformat.v4.new_raw_cell("# END TESTS"))
        cells.append(nbformat.v4.new_raw_cell("# END QUESTION"))
        cells.append(nbformat.v4.new_code_cell(FORM_CHECK_IMPORT + _form_check_call(number, exercise)))
    cells.append(
        nbformat.v4.new_markdown_cell(
            "---\n\nBefore you hand in: restart the kernel, run every cell, and read the line each "
            "check prints. The cell below checks every answer at once."
        )
    )
    calls = "\n".join(_form_check_call(n, e) for n, e in enumerate(exercises, start=1))
    cells.append(nbformat.v4.new_code_cell(FORM_CHECK_IMPORT + "\n" + calls))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def select_exercises(
    chapter: str | None = None, ids: list[str] | None = None, *, assessed_only: bool = False
) -> list[Exercise]:
    """The exercises of one chapter, or the listed ids, in order (only the assessed ones if asked);
    an unknown name, or nothing left to assign, raises AssignError."""
    if bool(chapter) == bool(ids):
        raise AssignError("give either --chapter or --exercises")
    if chapter:
        chosen = [e for e in load_bank().values() if e.chapter == chapter]
        if not chosen:
            chapters = sorted({e.chapter for e in load_bank().values()})
            raise AssignError(f"no exercises for chapter '{chapter}'; the chapters are: {', '.join(chapters)}")
    else:
        chosen = [get_exercise(exercise_id) for exercise_id in ids]
    if assessed_only:
        chosen = [e for e in chosen if e.status == "assessed"]
        if not chosen:
            raise AssignError("none of these exercises is assessed (status: assessed); nothing to assign")
    return chosen


def practice_warning(exercises: list[Exercise]) -> str | None:
    """A warning when an assignment includes practice questions, whose keys the public book shows."""
    practice = [e.id for e in exercises if e.status != "assessed"]
    if not practice:
        return None
    return (
        f"warning: {len(practice)} of {len(exercises)} questions are practice questions, whose keys are "
        f"public in the book ({', '.join(practice)}); use --assessed-only to leave them out"
    )


def assign(exercises: list[Exercise], name: str, out: Path) -> dict[str, Path]:
    """Run otter-grader's ``otter assign`` on a master notebook made from ``exercises``; return the outputs."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        raise AssignError(f"the name '{name}' must be letters, digits, '-' or '_' (it becomes a file name)")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise AssignError(f"{out} is not empty; choose a new folder so nothing is overwritten")
    with tempfile.TemporaryDirectory(prefix="qantar-assign-") as work:
        master = Path(work) / f"{name}.ipynb"
        nbformat.write(master_notebook(exercises, name), master)
        result = subprocess.run(
            [sys.executable, "-m", "otter", "assign", str(master), str(out.resolve())],
            capture_output=True,
            text=True,
            cwd=work,
        )
    if result.returncode != 0:
        raise AssignError(f"otter assign failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    zips = sorted((out / "autograder").glob("*.zip"))
    student = out / "student" / f"{name}.ipynb"
    if not zips or not student.is_file():
        raise AssignError(f"otter assign wrote no student notebook or autograder zip in {out}")
    # The key `qantar grade` checks answers against, beside otter-grader's own tests (which
    # otter's runner, Gradescope and Docker use): the question, its answer variable and points.
    key = key_record(
        [(question_name(n, e), answer_variable(n, e), question_spec(e)) for n, e in enumerate(exercises, start=1)],
        name,
    )
    with zipfile.ZipFile(zips[-1], "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(KEY_FILE, json.dumps(key, ensure_ascii=False, indent=1))
    return {"student": student, "autograder": zips[-1], "solution": out / "autograder" / f"{name}.ipynb"}
