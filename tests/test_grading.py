"""A class of honest and awkward submissions through `qantar grade`, each run in the sandbox.

Every innocent notebook must get the score its answers earn; every cheat no more than its honest
answers earn; nothing may be written outside the sandbox, and the batch must never crash.
"""

from __future__ import annotations

import csv
import json
import re
import socket
import threading
from pathlib import Path

import nbformat
import pytest

from qantar.cli import main as qantar_main
from qantar.exercises import for_chapter
from qantar.gradebook import grade
from qantar.instructor import answer_variable, question_name

pytestmark = pytest.mark.book  # slow: otter assign and a sandbox run per submission

CHAPTER = "guide"
TIMEOUT = 25
EXERCISES = for_chapter(CHAPTER)
POSSIBLE = sum(e.points for e in EXERCISES)
NAMES = [question_name(n, e) for n, e in enumerate(EXERCISES, start=1)]
VARIABLES = [answer_variable(n, e) for n, e in enumerate(EXERCISES, start=1)]


@pytest.fixture(scope="module")
def assignment(guide_assignment):
    """`qantar assign --chapter guide --name quiz` (made once for the session, in tests/conftest.py)."""
    assert CHAPTER == "guide"
    return guide_assignment


def _is_answer_cell(notebook, cell, number) -> bool:
    index = notebook.cells.index(cell)
    prompt = notebook.cells[index - 1]
    return prompt.cell_type == "markdown" and prompt.source.startswith(f"**Question {number}**")


def fill(student: Path, destination: Path, answers: dict[int, str], edit=None) -> Path:
    """A submission: the student notebook with the given answer cells' sources."""
    notebook = nbformat.read(student, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for number, source in answers.items():
            exercise = EXERCISES[number - 1]
            if re.match(rf"\s*{VARIABLES[number - 1]} = \.\.\.", cell.source) or (
                exercise.kind == "code" and cell.source.strip() == "..." and _is_answer_cell(notebook, cell, number)
            ):
                cell.source = source
    if edit:
        edit(notebook)
    nbformat.write(notebook, destination)
    return destination


def right(number: int) -> str:
    exercise = EXERCISES[number - 1]
    if exercise.kind == "code":
        return exercise.solution_code
    return f"{VARIABLES[number - 1]} = {exercise.solution!r}"


RIGHT = {n: right(n) for n in range(1, len(EXERCISES) + 1)}
HALF = {n: s for n, s in RIGHT.items() if n <= len(RIGHT) // 2}
HALF_POINTS = sum(e.points for e in EXERCISES[: len(EXERCISES) // 2])
PATCHED_POINTS = EXERCISES[0].points + EXERCISES[1].points  # the third answer is a wrong number


def add_cell(source: str, at: int | None = None):
    def edit(notebook):
        cell = nbformat.v4.new_code_cell(source)
        if at is None:
            notebook.cells.append(cell)
        else:
            notebook.cells.insert(at, cell)

    return edit


def other_forms() -> dict[int, str]:
    """The right answers as students also write them: case, spacing, tuples, sets, strings for numbers."""
    answers = {}
    for number, exercise in enumerate(EXERCISES, start=1):
        variable = VARIABLES[number - 1]
        if exercise.kind == "choice":
            answers[number] = f"{variable} = {('  ' + exercise.answer.upper().replace(' ', '  ') + ' ')!r}"
        elif exercise.kind == "multiple":
            answers[number] = f"{variable} = {tuple(o.lower() for o in exercise.answer)!r}"
        elif exercise.kind == "number":
            written = f"{exercise.answer:,.0f} {exercise.unit or ''}".strip()
            answers[number] = f"{variable} = {written!r}"
        elif exercise.kind == "order":
            answers[number] = f"{variable} = {tuple(exercise.items)!r}"
        elif exercise.kind == "match":
            answers[number] = f"{variable} = { ({k.lower(): v.upper() for k, v in exercise.pairs})!r}"
        else:
            answers[number] = (
                "import numpy as np\n"
                + exercise.solution_code
                + f"\n{exercise.variable} = np.int64({exercise.variable})"
            )
    return answers


class Listener:
    """A server on the host's loopback: a submission that reaches it has escaped the network namespace."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.server.settimeout(0.2)
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                connection, _ = self.server.accept()
                self.connections += 1
                connection.close()
            except TimeoutError:
                continue
            except OSError:
                return

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def graded(assignment, tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    folder = root / "submissions"
    folder.mkdir()
    teacher = root / "teacher"  # the grader's own files: no submission may reach them
    teacher.mkdir()
    (teacher / "private.txt").write_text("the teacher's notes", encoding="utf-8")
    escapes = [
        teacher / "pwned.txt",
        root / "pwned.txt",
        Path("/tmp/qantar-pwned.txt"),
        Path.home() / "qantar-pwned.txt",
    ]
    for path in escapes:
        path.unlink(missing_ok=True)
    listener = Listener()
    student = assignment["student"]
    s = {}  # file name -> (expected total, or None when the test below says more)

    def add(name, answers, expected, edit=None):
        fill(student, folder / name, answers, edit)
        s[name] = expected

    # Honest notebooks
    add("01-full.ipynb", RIGHT, POSSIBLE)
    add("02-blank.ipynb", {}, 0)
    add("03-half.ipynb", HALF, HALF_POINTS)
    add("04-other-forms.ipynb", other_forms(), POSSIBLE)
    add(
        "05-magics.ipynb",
        {**RIGHT, 1: "%matplotlib inline\n" + RIGHT[1]},
        POSSIBLE,
        add_cell("!echo hello\n%time x = 1", 3),
    )
    add("06-import-os.ipynb", RIGHT, POSSIBLE, add_cell("import os\nprint(os.getcwd(), os.listdir('.'))", 3))
    add("07-builtin-names.ipynb", RIGHT, POSSIBLE, add_cell("type = 'protest'\nmax = 3\ncheck = True\nlist_ = [1]", 3))

    def vs_code(notebook):
        notebook.metadata["kernelspec"] = {
            "name": ".venv",
            "display_name": ".venv (Python 3.11.7)",
            "language": "python",
        }
        notebook.metadata["vscode"] = {"interpreter": {"hash": "0" * 64}}

    add("08-vscode.ipynb", RIGHT, POSSIBLE, vs_code)

    def old_jupyter(notebook):  # nbformat 4.2, as older Jupyter wrote it: no cell ids
        notebook.nbformat_minor = 2
        for cell in notebook.cells:
            cell.pop("id", None)

    add("09-old-jupyter.ipynb", RIGHT, POSSIBLE, old_jupyter)
    add(
        "10-renamed-variable.ipynb",
        {**RIGHT, 1: RIGHT[1].replace(VARIABLES[0], "answer1")},
        POSSIBLE - EXERCISES[0].points,
    )
    add("11-syntax-error.ipynb", {**RIGHT, 2: RIGHT[2] + "\nx = (1 +"}, POSSIBLE - EXERCISES[1].points)
    add("12-raises.ipynb", {**RIGHT, 2: 'raise RuntimeError("I give up")'}, POSSIBLE - EXERCISES[1].points)
    add("13-loop-at-the-end.ipynb", RIGHT, POSSIBLE, add_cell("while True:\n    pass"))
    add("14-sleeps-first.ipynb", RIGHT, 0, add_cell("import time\ntime.sleep(10_000)", 3))
    add("15-huge-output.ipynb", {**RIGHT, 1: RIGHT[1] + "\nfor _ in range(200):\n    print('x' * 500_000)"}, POSSIBLE)
    add("16-memory-hog.ipynb", RIGHT, POSSIBLE, add_cell("hog = bytearray(40 * 1024**3)"))

    def deleted(notebook):
        notebook.cells = [c for c in notebook.cells if "form_check" not in c.source]

    add("17-deleted-check-cells.ipynb", RIGHT, POSSIBLE, deleted)

    def duplicated(notebook):
        notebook.cells += [nbformat.v4.new_code_cell(c.source) for c in notebook.cells if c.cell_type == "code"]

    add("18-duplicated-cells.ipynb", RIGHT, POSSIBLE, duplicated)
    add("19-exits.ipynb", HALF, HALF_POINTS, add_cell("import os\nos._exit(3)", 3 + 3 * (len(EXERCISES) // 2)))
    add("20-sys-exit.ipynb", RIGHT, POSSIBLE, add_cell("import sys\nsys.exit(1)", 3))
    add("Copy of quiz (1).ipynb", {**RIGHT, 1: RIGHT[1].replace("'", '"')}, POSSIBLE)  # saved under another name

    # Cheats: none may score more than its honest answers earn
    read_tests = (
        "import glob, zipfile\n"
        "found = [p for p in glob.glob('/**/*', recursive=True) if p.endswith(('.zip', 'qantar-key.json'))"
        " or '/tests/' in p or 'autograder' in p or p.endswith('exercises')]\n"
        "leak = []\n"
        "for p in found:\n"
        "    try:\n"
        "        leak.append(open(p, 'rb').read(2000))\n"
        "    except OSError:\n"
        "        pass\n"
        f"{VARIABLES[0]} = str(found)[:200]"
    )
    add("21-reads-the-tests.ipynb", {}, 0, add_cell(read_tests))
    forge_alias = (
        "import qantar.exercises.checking as checking\n"
        "holder = [checking]\n"
        "holder[0].check = lambda *a, **k: type('R', (), {'correct': True, 'score': 99, 'message': 'ok'})()\n"
        "import qantar.grading as grading\n"
        "grading.check = holder[0].check"
    )
    add("22-forges-the-checker.ipynb", {}, 0, add_cell(forge_alias))
    # abs() decides whether a number is within tolerance: patched in the student's process, a check
    # that ran there would pass the wrong 2500; the grader's own process is not touched.
    patch = (
        "import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.round = lambda *a: 0\n"
        "builtins.print = lambda *a, **k: None"
    )
    wrong_number = "answer_3 = 2500" if EXERCISES[2].kind == "number" else RIGHT[3]
    add("23-patches-builtins.ipynb", {1: RIGHT[1], 2: RIGHT[2], 3: wrong_number}, PATCHED_POINTS, add_cell(patch, 3))
    write_out = "\n".join(
        f"try:\n    open({str(p)!r}, 'w').write('pwned')\nexcept OSError as error:\n    print(error)" for p in escapes
    )
    add("24-writes-outside.ipynb", HALF, HALF_POINTS, add_cell(write_out, 3))
    network = (
        "import socket\n"
        "for host in ('127.0.0.1', '10.0.2.2', '1.1.1.1'):\n"
        "    try:\n"
        f"        socket.create_connection((host, {listener.port}), timeout=1).close()\n"
        "    except OSError as error:\n"
        "        print(host, error)"
    )
    add("25-opens-a-socket.ipynb", HALF, HALF_POINTS, add_cell(network, 3))
    forge_file = (
        "import json, os\n"
        "json.dump({'values': {}, 'scores': {'q01': 99}}, open('answers.json', 'w'))\n"
        "os.symlink('/etc/shadow', 'answers.json.tmp')\n"
        "os.replace('answers.json.tmp', 'answers.json')\n"
        "os._exit(0)"
    )
    add("26-forges-the-answers-file.ipynb", {}, 0, add_cell(forge_file))
    add(
        "27-reads-teacher-files.ipynb",
        {},
        0,
        add_cell(f"{VARIABLES[0]} = open({str(teacher / 'private.txt')!r}).read()"),
    )
    add(
        "28-kills-its-parent.ipynb",
        HALF,
        HALF_POINTS,
        add_cell(
            "import os, signal\nos.kill(1, signal.SIGKILL)\nos.kill(os.getppid(), signal.SIGKILL)",
            3 + 3 * (len(EXERCISES) // 2),
        ),
    )

    # Partial credit (declared in the bank for the match question): two partners swapped
    match = next(n for n, e in enumerate(EXERCISES, start=1) if e.kind == "match" and e.partial)
    pairs = dict(EXERCISES[match - 1].pairs)
    lefts = list(pairs)
    pairs[lefts[0]], pairs[lefts[1]] = pairs[lefts[1]], pairs[lefts[0]]
    points = EXERCISES[match - 1].points
    share = round(points * (len(lefts) - 2) / len(lefts), 4)
    add("32-partial-match.ipynb", {**RIGHT, match: f"{VARIABLES[match - 1]} = {pairs!r}"}, POSSIBLE - points + share)

    def named(notebook):
        notebook.cells[0].source = 'student_name = "Aigerim Bekova"\nstudent_id = "S-1001"'

    add("33-named.ipynb", HALF, HALF_POINTS, named)

    def otter_cells(notebook):  # a notebook from an assignment made with otter's own check cells
        notebook.cells.insert(
            0, nbformat.v4.new_code_cell('# Initialize Otter\nimport otter\ngrader = otter.Notebook("quiz.ipynb")')
        )
        notebook.cells.append(nbformat.v4.new_code_cell(f'grader.check("{NAMES[0]}")'))
        notebook.cells.append(nbformat.v4.new_code_cell("grader.check_all()"))

    add("34-otter-cells.ipynb", RIGHT, POSSIBLE, otter_cells)

    # Not notebooks
    (folder / "29-essay.txt").write_text("I did not use the notebook.", encoding="utf-8")
    s["29-essay.txt"] = 0
    (folder / "30-corrupt.ipynb").write_text('{"cells": [', encoding="utf-8")
    s["30-corrupt.ipynb"] = 0
    (folder / "31-not-a-notebook.ipynb").write_text(json.dumps({"hello": "world"}), encoding="utf-8")
    s["31-not-a-notebook.ipynb"] = 0

    gradebook = root / "out" / "gradebook.csv"
    gradebook.parent.mkdir()
    try:
        report = grade(assignment["autograder"], folder, gradebook, jobs=2, timeout=TIMEOUT)
    finally:
        listener.close()
    with gradebook.open(encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    return {
        "rows": {r.file: r for r in report.rows},
        "expected": s,
        "table": table,
        "gradebook": gradebook,
        "folder": folder,
        "escapes": escapes,
        "connections": listener.connections,
        "report": report,
        "autograder": assignment["autograder"],
    }


def test_the_class_is_at_least_30_submissions_and_every_one_has_a_row(graded):
    assert len(graded["expected"]) >= 30
    assert sorted(graded["rows"]) == sorted(p.name for p in graded["folder"].iterdir())
    assert [row["file"] for row in graded["table"]] == sorted(graded["rows"])


def test_every_submission_gets_exactly_the_score_its_answers_earn(graded):
    wrong = {
        name: (graded["rows"][name].total, expected, graded["rows"][name].message)
        for name, expected in graded["expected"].items()
        if graded["rows"][name].total != expected
    }
    assert not wrong, wrong


def test_innocent_notebooks_are_graded_and_never_called_tampering(graded):
    for name, row in graded["rows"].items():
        if name[:2].isdigit() and int(name[:2]) <= 20 or name.startswith("Copy"):
            assert row.status in ("graded", "timeout", "stopped"), (name, row.status, row.message)
            assert not row.flags, (name, row.flags)


def test_no_file_is_written_and_no_connection_made_outside_the_sandbox(graded):
    assert [p for p in graded["escapes"] if p.exists()] == []
    assert graded["connections"] == 0


def test_cheats_raise_a_neutral_review_flag_and_keep_their_honest_points(graded):
    rows = graded["rows"]
    for name in ("21-reads-the-tests.ipynb", "22-forges-the-checker.ipynb", "23-patches-builtins.ipynb"):
        assert rows[name].flags, name
        assert rows[name].status != "invalid"
    assert "changes" in " ".join(rows["22-forges-the-checker.ipynb"].flags)
    assert rows["23-patches-builtins.ipynb"].total == PATCHED_POINTS


def test_a_timeout_keeps_the_answers_before_it_and_names_the_cell(graded):
    loop = graded["rows"]["13-loop-at-the-end.ipynb"]
    assert loop.status == "timeout" and loop.total == POSSIBLE
    notebook = nbformat.read(graded["folder"] / "13-loop-at-the-end.ipynb", as_version=4)
    assert f"in cell {len(notebook.cells)}" in loop.message
    assert "answers set before it are graded" in loop.message
    sleeps = graded["rows"]["14-sleeps-first.ipynb"]
    assert sleeps.status == "timeout" and "in cell 4" in sleeps.message


def test_errors_in_answer_cells_are_reported_per_question(graded):
    rows = graded["rows"]
    syntax = rows["11-syntax-error.ipynb"]
    assert "SyntaxError" in syntax.feedback[NAMES[1]] and VARIABLES[1] in syntax.feedback[NAMES[1]]
    assert any("SyntaxError" in error for error in syntax.cell_errors)
    assert "SyntaxError" in syntax.message and syntax.message != "ok"
    renamed = rows["10-renamed-variable.ipynb"]
    assert f"`{VARIABLES[0]}` is not defined" in renamed.feedback[NAMES[0]]
    assert "RuntimeError" in rows["12-raises.ipynb"].feedback[NAMES[1]]
    assert rows["02-blank.ipynb"].feedback[NAMES[0]].startswith("No answer")


def test_a_notebook_that_stops_itself_keeps_its_earlier_answers(graded):
    row = graded["rows"]["19-exits.ipynb"]
    assert row.status == "stopped" and row.total == HALF_POINTS, (row.status, row.message)
    assert "in cell" in row.message


def test_a_notebook_cannot_kill_the_sandbox_or_the_grader(graded):
    row = graded["rows"]["28-kills-its-parent.ipynb"]  # its own PID namespace: there is nothing to kill
    assert row.status == "graded" and row.total == HALF_POINTS, (row.status, row.message)


def test_not_notebooks_are_invalid_with_a_reason(graded):
    rows = graded["rows"]
    assert rows["29-essay.txt"].status == "invalid" and "not a notebook" in rows["29-essay.txt"].message
    assert "not a readable notebook" in rows["30-corrupt.ipynb"].message
    assert rows["31-not-a-notebook.ipynb"].status == "invalid"


def test_the_gradebook_says_which_questions_lost_points(graded):
    table = {row["file"]: row for row in graded["table"]}
    assert table["01-full.ipynb"]["message"] == "all answers right"
    assert NAMES[-1] in table["03-half.ipynb"]["message"]
    assert list(table["01-full.ipynb"]) == [
        "file",
        "student_id",
        "name",
        "email",
        "status",
        *NAMES,
        "total",
        "possible",
        "late",
        "flags",
        "message",
    ]
    assert all(row["possible"] == f"{POSSIBLE:g}" for row in graded["table"])


def test_feedback_files_give_each_question_its_points_and_message(graded):
    folder = graded["gradebook"].with_name("gradebook-feedback")
    files = sorted(folder.glob("*.md"))
    assert len(files) == len(graded["rows"])
    text = (folder / "11-syntax-error.md").read_text(encoding="utf-8")
    assert f"**Score: {POSSIBLE - EXERCISES[1].points:g} of {POSSIBLE:g} points.**" in text
    assert "SyntaxError" in text and f"| 2 | 0 of {EXERCISES[1].points:g} |" in text


def test_regrading_one_file_keeps_every_other_row(graded, tmp_path):
    report = graded["report"]
    seen = []
    again = grade(
        graded["autograder"],
        graded["folder"],
        graded["gradebook"],
        jobs=2,
        timeout=TIMEOUT,
        only=["03-half.ipynb"],
        progress_callback=seen.append,
    )
    assert [row.file for row in seen] == ["03-half.ipynb"]
    assert [r.total for r in again.rows] == [r.total for r in report.rows]


def test_partial_credit_is_given_per_pair_and_said(graded):
    row = graded["rows"]["32-partial-match.ipynb"]
    match = next(n for n, e in enumerate(EXERCISES) if e.kind == "match" and e.partial)
    assert 0 < row.scores[NAMES[match]] < EXERCISES[match].points
    assert "pairs right" in row.feedback[NAMES[match]]
    table = {r["file"]: r for r in graded["table"]}
    assert float(table["32-partial-match.ipynb"][NAMES[match]]) == row.scores[NAMES[match]]


def grade_cli(autograder: Path, submissions: Path, out: Path, *options: str) -> int:
    """`qantar grade` through the command line, as a teacher runs it."""
    arguments = ["--autograder", str(autograder), "--submissions", str(submissions), "--out", str(out)]
    return qantar_main(["grade", *arguments, *options])


def test_canvas_and_moodle_downloads_are_read_and_written_back_in_their_layouts(graded, tmp_path):
    """A Canvas download (flat, renamed files) and a Moodle one (a folder per student), graded
    through the command line into each platform's import layout."""
    source = graded["folder"]
    canvas = tmp_path / "canvas"
    canvas.mkdir()
    (canvas / "doejane_12345_901_quiz.ipynb").write_bytes((source / "01-full.ipynb").read_bytes())
    (canvas / "roeric_LATE_12346_902_quiz-1.ipynb").write_bytes((source / "03-half.ipynb").read_bytes())
    out = tmp_path / "canvas.csv"
    assert grade_cli(graded["autograder"], canvas, out, "--format", "canvas", "--title", "Quiz 1 (555)") == 0
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Quiz 1 (555)"]
    assert rows[1][0] == "Points Possible" and rows[1][5] == f"{POSSIBLE:g}"
    assert sorted((r[1], r[5]) for r in rows[2:]) == [("12345", f"{POSSIBLE:g}"), ("12346", f"{HALF_POINTS:g}")]

    moodle = tmp_path / "moodle"
    for folder, file in (
        ("Jane Doe_801_assignsubmission_file", "01-full.ipynb"),
        ("Eric Roe_802_assignsubmission_file_", "03-half.ipynb"),
    ):
        (moodle / folder).mkdir(parents=True)
        (moodle / folder / "quiz.ipynb").write_bytes((source / file).read_bytes())
    (moodle / "Ann Poe_803_assignsubmission_onlinetext_").mkdir()
    out = tmp_path / "moodle.csv"
    assert grade_cli(graded["autograder"], moodle, out, "--format", "moodle") == 0
    table = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert list(table[0]) == [
        "Identifier",
        "Full name",
        "Email address",
        "Grade",
        "Maximum Grade",
        "Last modified (grade)",
        "Feedback comments",
    ]
    assert sorted((r["Identifier"], r["Full name"], r["Grade"]) for r in table) == [
        ("Participant 801", "Jane Doe", f"{POSSIBLE:g}"),
        ("Participant 802", "Eric Roe", f"{HALF_POINTS:g}"),
    ]


def test_the_name_and_id_the_student_wrote_reach_the_gradebook(graded):
    table = {r["file"]: r for r in graded["table"]}
    assert (table["33-named.ipynb"]["name"], table["33-named.ipynb"]["student_id"]) == ("Aigerim Bekova", "S-1001")
    assert table["02-blank.ipynb"]["name"] == ""
