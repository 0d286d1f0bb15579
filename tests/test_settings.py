"""qantar.settings is the one reader of the QANTAR_* variables, and a build's book wins over the cwd."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from qantar import settings
from qantar.data import data_dir
from qantar.exercises.bank import exercises_dir, load_bank

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "qantar"


def environment_reads(path: Path) -> list[str]:
    """Where a module reads os.environ / os.getenv (any name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"environ", "getenv"}
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_only_the_settings_module_reads_the_environment():
    readers = [
        place
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "settings.py"
        for place in environment_reads(path)
    ]
    assert not readers, f"read the environment through qantar.settings instead: {readers}"
    assert environment_reads(PACKAGE / "settings.py"), "the check above would pass vacuously"


@pytest.fixture
def book_copy(tmp_path, monkeypatch):
    """A copy of the book's data and bank, a cwd outside it, and no QANTAR_* folders set."""
    for name in ("QANTAR_DATA_DIR", "QANTAR_EXERCISES_DIR"):
        monkeypatch.delenv(name, raising=False)
    book = tmp_path / "book"
    shutil.copytree(REPO / "data", book / "data")
    shutil.copytree(REPO / "exercises", book / "exercises")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    yield book
    settings.use_book(None)


def test_without_a_book_the_cwd_search_falls_back_to_the_checkout(book_copy):
    assert data_dir() == REPO / "data"
    assert exercises_dir() == REPO / "exercises"


def test_the_book_being_built_gives_the_data_and_the_bank(book_copy):
    settings.use_book(book_copy)
    assert data_dir() == book_copy.resolve() / "data"
    assert exercises_dir() == book_copy.resolve() / "exercises"
    bank = book_copy / "exercises" / "guide.yml"
    bank.write_text(
        bank.read_text(encoding="utf-8").replace("title: Where the protests began", "title: Only in the copy"),
        encoding="utf-8",
    )
    assert load_bank()["guide-where-it-began"].title == "Only in the copy"


def test_an_explicit_setting_beats_the_book(book_copy, monkeypatch, tmp_path):
    settings.use_book(book_copy)
    other = tmp_path / "other"
    shutil.copytree(REPO / "data", other)
    monkeypatch.setenv("QANTAR_DATA_DIR", str(other))
    assert data_dir() == other.resolve()


def test_a_bad_edition_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("QANTAR_EDITION", "teacher")
    with pytest.raises(ValueError, match="QANTAR_EDITION must be 'public' or 'instructor', not 'teacher'"):
        settings.edition()
    monkeypatch.setenv("QANTAR_EDITION", " Instructor ")
    assert settings.edition() == "instructor"


def test_a_book_may_choose_its_edition_and_the_notebooks_it_runs_follow(monkeypatch):
    monkeypatch.delenv("QANTAR_EDITION", raising=False)
    with pytest.raises(ValueError, match="qantar_edition must be 'public' or 'instructor', not 'teacher'"):
        settings.use_edition("teacher")
    assert settings.edition() == "public"
    settings.use_edition("Instructor")
    assert settings.edition() == "instructor"
    import os

    assert os.environ["QANTAR_EDITION"] == "instructor"  # what a kernel started by the build inherits
