"""The execution cache never serves stale results: a change re-executes exactly the pages that depend on it."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from conftest import ahead, build_book, copy_book, failure_report

pytestmark = pytest.mark.book


def executed(result) -> set[str]:
    """The pages a build executed, from Jupyter Book's log."""
    log = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    return {Path(path).stem for path in re.findall(r"(\S+\.md): Executing notebook", log)}


# --------------------------------------------------------------------------------- the edits


def edit_a_data_value(book: Path) -> None:
    """indicators.csv: RSF's 2021 press freedom rank, 155, becomes 154."""
    path = book / "data" / "indicators.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    column = {name: i for i, name in enumerate(rows[0])}
    changed = next(
        r
        for r in rows[1:]
        if r[column["indicator"]] == "rsf_press_freedom_rank"
        and r[column["year"]] == "2021"
        and r[column["value"]] == "155"
    )
    changed[column["value"]] = "154"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def edit_prose(book: Path) -> None:
    """The first paragraph under the title of chapters/after.md gets " (edited)"."""
    chapter = book / "chapters" / "after.md"
    text = chapter.read_text(encoding="utf-8")
    lines = text.splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("# "))
    first_paragraph = next(line for line in lines[title + 1 :] if line.strip())  # the prose under the title
    chapter.write_text(text.replace(first_paragraph, first_paragraph + " (edited)", 1), encoding="utf-8")


def edit_code(book: Path) -> None:
    """The first import line of chapters/after.md gets a comment."""
    chapter = book / "chapters" / "after.md"
    text = chapter.read_text(encoding="utf-8")
    import_line = next(line for line in text.splitlines() if line.startswith(("import ", "from ")))
    chapter.write_text(text.replace(import_line, import_line + "  # edited", 1), encoding="utf-8")


def edit_a_bank(book: Path) -> None:
    """The first title of exercises/great-powers.yml gets "(edited)"."""
    bank = book / "exercises" / "great-powers.yml"
    text = bank.read_text(encoding="utf-8")
    bank.write_text(text.replace("title:", "title: (edited)", 1), encoding="utf-8")


# One copy of the book, built cold and then rebuilt after each change in turn, as a writer would.
# The builds are one chain (each starts from the cache the one before left), run ahead of the tests
# (tests/conftest.py's Ahead) while other modules run; each test below asserts on its own steps.
STEPS = {
    "cold": None,
    "no change": None,
    "data edit": edit_a_data_value,
    "prose edit": edit_prose,
    "code edit": edit_code,
    "bank edit": edit_a_bank,
}


@ahead("cache_builds")
def _build_cold_then_after_each_edit(folder: Path, environment: dict[str, str]) -> dict:
    """The book's folder, and for each step its build (or the error its edit raised)."""
    book = copy_book(folder / "book")
    steps = {}
    for name, edit in STEPS.items():
        try:
            if edit is not None:
                edit(book)
            result = build_book(book, env=environment)
            steps[name] = {"result": result}
            if name == "data edit":  # the page as this build left it (later builds rewrite it)
                page = book / "_build" / "html" / "chapters" / "causes.html"
                steps[name]["causes.html"] = page.read_text(encoding="utf-8") if page.is_file() else ""
        except Exception as error:  # raised in the test of this step; the chain goes on, as before
            steps[name] = {"error": error}
    return {"folder": book, "steps": steps}


@pytest.fixture(scope="module")
def cache_builds():
    return ahead.result("cache_builds")


def rebuilt(cache_builds, step: str) -> set[str]:
    """The pages the build of ``step`` executed (that build must have succeeded)."""
    done = cache_builds["steps"][step]
    if "error" in done:
        raise done["error"]
    result = done["result"]
    assert result.returncode == 0, failure_report(result)
    return executed(result)


@pytest.fixture(scope="module")
def book(cache_builds):
    folder = cache_builds["folder"]
    first = rebuilt(cache_builds, "cold")
    notebooks = {
        p.stem
        for p in [*folder.glob("chapters/*.md"), *folder.glob("*.md")]
        if "```{code-cell}" in p.read_text(encoding="utf-8")
    }
    assert first == notebooks, "a cold build executes every notebook page"
    return folder


def test_a_rebuild_with_no_change_executes_nothing(book, cache_builds):
    assert rebuilt(cache_builds, "no change") == set()


def test_a_data_edit_reexecutes_exactly_the_pages_that_use_the_table_and_shows_the_new_value(book, cache_builds):
    # The expectation does not come from the mechanism under test: the pages that load the
    # table by name, as the chapters do, in their cells or in the function behind their prose's
    # numbers (qantar.numbers, which reads the indicators by name or through indicator_value).
    import inspect

    from qantar import numbers

    def numbers_read_indicators(page: str) -> bool:
        """Whether the numbers the page glues (``glue_numbers(causes_numbers())``) read the indicators."""
        for name in re.findall(r"glue_numbers\((\w+)\(\)\)", page):
            source = inspect.getsource(getattr(numbers, name))
            if 'load("indicators")' in source or "indicator_value(" in source:
                return True
        return False

    users = {
        p.stem
        for p in book.glob("chapters/*.md")
        if 'load("indicators")' in (text := p.read_text(encoding="utf-8")) or numbers_read_indicators(text)
    }
    assert {"causes", "great-powers"} <= users, users
    assert rebuilt(cache_builds, "data edit") == users
    page = cache_builds["steps"]["data edit"]["causes.html"]
    assert "154" in page


def test_a_prose_edit_executes_nothing_and_a_code_edit_exactly_its_page(book, cache_builds):
    assert rebuilt(cache_builds, "prose edit") == set()
    assert rebuilt(cache_builds, "code edit") == {"after"}


def test_a_bank_edit_reexecutes_the_chapter_that_shows_the_question(book, cache_builds):
    # The pages that show one of the bank's questions (`exercise("great-powers-…")`) or check one
    # in the page (`check("great-powers-…", …)`), read from the sources, not from the build.
    shows = {
        p.stem
        for p in book.glob("chapters/*.md")
        if re.search(r'\b(exercise|check)\("great-powers-', p.read_text(encoding="utf-8"))
    }
    assert {"great-powers", "great-powers-balance"} <= shows, shows
    assert rebuilt(cache_builds, "bank edit") == shows
