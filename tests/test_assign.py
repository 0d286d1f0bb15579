"""Assessed means assessed: assign warns about practice questions and can leave them out."""

from __future__ import annotations

import pytest

from qantar.cli import main
from qantar.exercises.bank import load_bank
from qantar.instructor import AssignError, practice_warning, select_exercises


def test_assessed_only_keeps_the_assessed_questions_of_a_chapter():
    everything = select_exercises("after")
    assessed = select_exercises("after", assessed_only=True)
    assert assessed and all(e.status == "assessed" for e in assessed)
    assert len(assessed) < len(everything)
    assert [e.id for e in assessed] == [e.id for e in everything if e.status == "assessed"]


def test_a_mix_is_warned_about_by_name_and_an_assessed_set_is_not():
    mixed = select_exercises("after")
    warning = practice_warning(mixed)
    practice = [e.id for e in mixed if e.status != "assessed"]
    assert warning and all(exercise_id in warning for exercise_id in practice) and "--assessed-only" in warning
    assert practice_warning(select_exercises("after", assessed_only=True)) is None


def test_nothing_assessed_to_assign_is_a_clear_error(tmp_path, capsys):
    practice = next(e.id for e in load_bank().values() if e.status == "practice")
    with pytest.raises(AssignError, match="none of these exercises is assessed"):
        select_exercises(ids=[practice], assessed_only=True)
    code = main(["assign", "--exercises", practice, "--assessed-only", "--name", "x", "--out", str(tmp_path / "o")])
    assert code == 1 and "none of these exercises is assessed" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
