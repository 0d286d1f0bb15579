"""The parts of grading that need no sandbox: reading downloads and rosters, answers as data, layouts."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from qantar import harvest
from qantar.exercises import get
from qantar.exercises.checking import check
from qantar.gradebook import (
    GradingError,
    Submission,
    attach_roster,
    find_submissions,
    late,
    load_roster,
    parse_deadline,
    write_canvas,
    write_moodle,
)
from qantar.grading import Question, Row, review_flags


@pytest.mark.parametrize(
    "value",
    [
        "Almaty",
        2030,
        2030.5,
        float("inf"),
        True,
        None,
        ["a", "b"],
        ("a", "b"),
        {"a", "b"},
        {"Xi Jinping": "backed", 3: [1, 2]},
        [[1, [2, [3]]]],
    ],
    ids=repr,
)
def test_answers_come_out_of_the_sandbox_unchanged(value):
    assert harvest.decode(harvest.encode(value)) == value


def test_pandas_and_numpy_answers_come_out_as_values():
    import numpy as np

    frame = pd.DataFrame({"category": ["protest", "violence"], "events": [3, 5]})
    back = harvest.decode(harvest.encode(frame))
    pd.testing.assert_frame_equal(back.reset_index(drop=True), frame, check_dtype=False)
    series = pd.Series([1, 2], name="n")
    assert list(harvest.decode(harvest.encode(series))) == [1, 2]
    assert harvest.decode(harvest.encode(np.int64(7))) == 7 and type(harvest.decode(harvest.encode(np.int64(7)))) is int


def test_what_cannot_be_graded_is_named_not_dropped():
    back = harvest.decode(harvest.encode(lambda: 1))
    assert isinstance(back, harvest.Unsupported) and back.type_name == "function"
    deep: list = []
    for _ in range(harvest.DEPTH + 5):
        deep = [deep]
    with pytest.raises(harvest.TooLarge):
        harvest.encode(deep)


@pytest.mark.parametrize(
    "forged",
    [
        {"$eval": "1"},
        {"$set": "abc"},
        {"$dict": [[1]]},
        {"$pandas": "DataFrame", "code": "x"},
        {"a": 1, "b": 2, "c": 3},
    ],
)
def test_a_forged_answers_file_is_refused_as_data(forged):
    with pytest.raises(ValueError):
        harvest.decode(forged)


def test_moodle_folders_and_canvas_names_are_read(tmp_path):
    (tmp_path / "Jane Doe_801_assignsubmission_file").mkdir()
    (tmp_path / "Jane Doe_801_assignsubmission_file" / "quiz.ipynb").write_text("{}")
    (tmp_path / "Eric Roe_802_assignsubmission_file_").mkdir()
    (tmp_path / "Eric Roe_802_assignsubmission_file_" / "quiz.ipynb").write_text("{}")
    (tmp_path / "Eric Roe_802_assignsubmission_file_" / "notes.pdf").write_text("%PDF")
    (tmp_path / "Ann Poe_803_assignsubmission_onlinetext_").mkdir()
    (tmp_path / "doejohn_LATE_12345_67890_quiz.ipynb").write_text("{}")
    (tmp_path / "plain.ipynb").write_text("{}")
    (tmp_path / ".DS_Store").write_text("")
    batch = find_submissions(tmp_path)
    found = {s.file: s for s in batch.submissions}
    assert sorted(found) == sorted(
        [
            "Jane Doe_801_assignsubmission_file/quiz.ipynb",
            "Eric Roe_802_assignsubmission_file_/quiz.ipynb",
            "Eric Roe_802_assignsubmission_file_/notes.pdf",
            "doejohn_LATE_12345_67890_quiz.ipynb",
            "plain.ipynb",
        ]
    )
    jane = found["Jane Doe_801_assignsubmission_file/quiz.ipynb"]
    assert (jane.platform_id, jane.platform_name) == ("801", "Jane Doe")
    assert "2 files in one Moodle submission" in found["Eric Roe_802_assignsubmission_file_/notes.pdf"].flags
    canvas = found["doejohn_LATE_12345_67890_quiz.ipynb"]
    assert (canvas.platform_id, canvas.platform_name, canvas.late_marker) == ("12345", "doejohn", True)
    assert late(canvas, None) == "yes"
    assert found["plain.ipynb"].platform_id == ""
    assert any("Ann Poe" in skipped for skipped in batch.skipped)
    assert any(".DS_Store" in skipped for skipped in batch.skipped)


def test_a_zip_of_submissions_is_unpacked_but_may_not_write_outside(tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("a.ipynb", "{}")
    batch = find_submissions(good)
    assert [s.file for s in batch.submissions] == ["a.ipynb"]
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../escaped.ipynb", "{}")
    with pytest.raises(GradingError, match="outside the folder"):
        find_submissions(evil)
    assert not (tmp_path.parent / "escaped.ipynb").exists()


def test_the_roster_names_students_and_its_errors_name_the_row(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "match,student_id,name,email,Section\n801,s1,Jane Doe,jane@example.org,A\n"
        "*roe*,s2,Eric Roe,eric@example.org,B\n"
        "Zoe Nobody,s3,Zoe Nobody,zoe@example.org,A\n",
        encoding="utf-8",
    )
    students = load_roster(roster)
    submissions = [
        Submission(tmp_path / "x.ipynb", "Jane Doe_801_assignsubmission_file/x.ipynb", platform_id="801"),
        Submission(tmp_path / "eric-roe.ipynb", "eric-roe.ipynb"),
        Submission(tmp_path / "stranger.ipynb", "stranger.ipynb"),
    ]
    missing = attach_roster(submissions, students)
    assert [s.student_id for s in submissions] == ["s1", "s2", ""]
    assert submissions[0].extra["Section"] == "A"
    assert "not on the roster" in submissions[2].flags
    assert [s.name for s in missing] == ["Zoe Nobody"]
    bad = tmp_path / "bad.csv"
    bad.write_text("match,student_id,name,email\n,s1,Jane,\n", encoding="utf-8")
    with pytest.raises(GradingError, match=r"bad.csv, row 2, field match"):
        load_roster(bad)
    (tmp_path / "short.csv").write_text("name\nJane\n", encoding="utf-8")
    with pytest.raises(GradingError, match="missing match, student_id, email"):
        load_roster(tmp_path / "short.csv")


def test_a_deadline_must_be_a_date_and_time():
    assert parse_deadline("2026-12-01T23:59+05:00").utcoffset().total_seconds() == 5 * 3600
    with pytest.raises(GradingError, match="--deadline"):
        parse_deadline("next friday")


def _rows():
    exercise = get("guide-where-it-began")
    questions = [Question(1, "q01_guide_where_it_began", "answer_1", exercise)]
    rows = [
        Row("doejane_12345_901_quiz.ipynb", "graded", {"q01_guide_where_it_began": 1.0}, 1.0, "all answers right"),
        Row("roeric_12346_902_quiz.ipynb", "graded", {"q01_guide_where_it_began": 0.0}, 0.0, "points lost on q01"),
    ]
    submissions = [
        Submission(None, rows[0].file, platform_id="12345", platform_name="doejane", email="jane@example.org"),
        Submission(None, rows[1].file, platform_id="12346", platform_name="roeric", extra={"Section": "B"}),
    ]
    return rows, submissions, questions


def test_the_canvas_layout_field_by_field():
    """Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section (the last identity
    column), then the assignment ``Title (id)``; the optional row whose first cell is Points Possible."""
    rows, submissions, questions = _rows()
    out = io.StringIO()
    write_canvas(out, rows, submissions, [], questions, None, "Quiz 1 (555)")
    lines = out.getvalue().splitlines()
    assert lines[0] == "Student,ID,SIS User ID,SIS Login ID,Section,Quiz 1 (555)"
    assert lines[1] == "Points Possible,,,,,1"
    assert lines[2] == "doejane,12345,,jane@example.org,,1"
    assert lines[3] == "roeric,12346,,,B,0"


def test_the_moodle_layout_field_by_field():
    """Moodle's offline grading worksheet: Identifier (Participant <n>), Grade and Last modified (grade)
    are required; Feedback comments is the comments plugin's column; other columns are ignored."""
    rows, submissions, questions = _rows()
    out = io.StringIO()
    write_moodle(out, rows, submissions, [], questions, None, "quiz")
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "Identifier,Full name,Email address,Grade,Maximum Grade,Last modified (grade),Feedback comments"
    )
    first = lines[1].split(",")
    assert first[:5] == ["Participant 12345", "doejane", "jane@example.org", "1", "1"]
    assert pd.Timestamp(first[5])  # a time Moodle's strtotime reads
    assert first[6] == "all answers right"


def test_review_flags_are_for_attempts_on_the_grader_not_for_ordinary_code():
    import nbformat

    def notebook(*sources):
        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])

    assert review_flags(notebook("import os\nos.getcwd()", "%matplotlib inline", "type = 1\nmax = 2\ncheck = 3")) == []
    assert review_flags(notebook("import builtins")) == ["cell 1 imports builtins"]
    flags = review_flags(notebook("import qantar.exercises.checking as c\nholder = [c]\nholder[0].check = None", "x"))
    assert flags == []  # an alias in a list is not caught by a scan, which is why the score never depends on it
    assert review_flags(notebook("import qantar.exercises.checking as c\nc.check = None")) == ["cell 1 changes c.check"]


def test_the_grader_reads_an_answer_the_way_the_check_does():
    exercise = get("guide-official-force-size")
    for written in ("2,030", "2030 troops", "2030,0"):
        value = harvest.decode(harvest.encode(written))
        assert check(exercise, value).correct


def test_the_sandbox_mounts_its_empty_tmp_before_what_lies_under_tmp(tmp_path):
    """A venv or a book under /tmp (a fresh clone there, or the tests' copies) stays visible."""
    from qantar import sandbox

    arguments = sandbox.command(tmp_path, tmp_path, ["true"])
    tmpfs = next(i for i, a in enumerate(arguments) if a == "--tmpfs" and arguments[i + 1] == "/tmp")
    binds = [i for i, a in enumerate(arguments) if a in ("--bind", "--ro-bind", "--symlink")]
    assert binds and min(binds) > tmpfs
    assert "--unshare-all" in arguments and "--die-with-parent" in arguments
    assert arguments[arguments.index("--uid") + 1] == "65534"
