"""The execution cache never serves stale results: a change re-executes exactly the pages that depend on it."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from conftest import build_book, copy_book, failure_report

pytestmark = pytest.mark.book


def executed(result) -> set[str]:
    """The pages a build executed, from Jupyter Book's log."""
    log = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    return {Path(path).stem for path in re.findall(r"(\S+\.md): Executing notebook", log)}


def rebuild(folder: Path) -> set[str]:
    result = build_book(folder)
    assert result.returncode == 0, failure_report(result)
    return executed(result)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    folder = copy_book(tmp_path_factory.mktemp("cache") / "book")
    first = rebuild(folder)
    notebooks = {
        p.stem
        for p in [*folder.glob("chapters/*.md"), *folder.glob("*.md")]
        if "```{code-cell}" in p.read_text(encoding="utf-8")
    }
    assert first == notebooks, "a cold build executes every notebook page"
    return folder


def test_a_rebuild_with_no_change_executes_nothing(book):
    assert rebuild(book) == set()


def test_a_data_edit_reexecutes_exactly_the_pages_that_use_the_table_and_shows_the_new_value(book):
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
    # The expectation does not come from the mechanism under test: the pages that load the
    # table by name, as the chapters do, in their cells or in the function behind their prose's
    # numbers (qantar.numbers, which reads the indicators by name or through indicator_value).
    import inspect

    from qantar import numbers

    def numbers_read_indicators(slug: str) -> bool:
        function = getattr(numbers, slug.replace("-", "_") + "_numbers", None)
        source = inspect.getsource(function) if function else ""
        return 'load("indicators")' in source or "indicator_value(" in source

    users = {
        p.stem
        for p in book.glob("chapters/*.md")
        if 'load("indicators")' in p.read_text(encoding="utf-8") or numbers_read_indicators(p.stem)
    }
    assert {"causes", "great-powers"} <= users, users
    assert rebuild(book) == users
    page = (book / "_build" / "html" / "chapters" / "causes.html").read_text(encoding="utf-8")
    assert "154" in page


def test_a_prose_edit_executes_nothing_and_a_code_edit_exactly_its_page(book):
    chapter = book / "chapters" / "after.md"
    text = chapter.read_text(encoding="utf-8")
    lines = text.splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("# "))
    first_paragraph = next(line for line in lines[title + 1 :] if line.strip())  # the prose under the title
    chapter.write_text(text.replace(first_paragraph, first_paragraph + " (edited)", 1), encoding="utf-8")
    assert rebuild(book) == set()
    text = chapter.read_text(encoding="utf-8")
    import_line = next(line for line in text.splitlines() if line.startswith(("import ", "from ")))
    chapter.write_text(text.replace(import_line, import_line + "  # edited", 1), encoding="utf-8")
    assert rebuild(book) == {"after"}


def test_a_bank_edit_reexecutes_the_chapter_that_shows_the_question(book):
    bank = book / "exercises" / "great-powers.yml"
    text = bank.read_text(encoding="utf-8")
    bank.write_text(text.replace("title:", "title: (edited)", 1), encoding="utf-8")
    assert rebuild(book) == {"great-powers"}
