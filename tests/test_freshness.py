"""What a page depends on is read from the code, so a renamed or new view cannot leave stale pages."""

from __future__ import annotations

import textwrap
from pathlib import Path

from qantar.data import read_package
from qantar.freshness import code_cells, function_reads, page_dependencies, reads_of_code, tables_used

REPO = Path(__file__).resolve().parents[1]
TABLES = list(read_package(REPO / "data"))


def toy_package(root: Path, view_name: str) -> Path:
    """A package whose view, named ``view_name``, reads the claims through a helper module."""
    package = root / "toy"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data.py").write_text("def load(name, folder=None):\n    return name\n")
    (package / "helpers.py").write_text(
        textwrap.dedent("""\
        from toy.data import load

        def with_sources(frame):
            return frame, load("sources")
        """)
    )
    (package / "views.py").write_text(
        textwrap.dedent(f"""\
        from toy import helpers
        from toy.data import load

        def {view_name}(quantity):
            return helpers.with_sources(load("claims"))

        def chart(quantity):
            return {{"static": {view_name}}}
        """)
    )
    return package


def test_a_view_is_followed_through_helpers_and_references_whatever_its_name(tmp_path):
    for name in ("claims_for", "claims_of_renamed"):
        package = toy_package(tmp_path / name, name)
        reads = function_reads(package)
        assert reads[name] == {"claims", "sources"}
        assert reads["chart"] == {"claims", "sources"}  # refers to the view without calling it
        assert reads_of_code(f'{name}("deaths")', package) == {"claims", "sources"}


def test_an_unresolved_table_name_counts_as_every_table(tmp_path):
    package = toy_package(tmp_path, "claims_for")
    assert tables_used("name = 'claims'\nload(name)", TABLES, package) == set(TABLES)


def test_a_method_of_another_object_is_not_mistaken_for_a_view(tmp_path):
    package = toy_package(tmp_path, "items")  # a view named like dict.items
    assert reads_of_code("import os\nos.environ.items()", package) == set()
    assert reads_of_code("items('deaths')", package) == {"claims", "sources"}


def test_the_real_views_read_what_they_load():
    reads = function_reads()
    assert reads["claims_for"] >= {"claims", "sources"}
    assert reads["timeline_chart"] >= {"timeline"}
    assert reads["places_map"] >= {"timeline", "places", "geo/"}
    assert reads["stance_table"] == {"reactions"}


def test_a_chapter_page_depends_on_the_tables_its_prose_numbers_read():
    """The numbers live in qantar.numbers, not in the page: its one glue cell must still tie the
    page to every table they are computed from, or a corrected table would leave old numbers."""
    from qantar.numbers import chapters

    expected = {"causes": {"claims", "indicators", "timeline"}, "article-4": {"claims", "deployment", "csto_members"}}
    from qantar.downloads import book_chapters

    pages = {chapter.slug: chapter.sources for chapter in book_chapters(REPO)}
    for chapter in chapters():
        # a chapter may span pages: each page that quotes its numbers has the glue cell
        cells = [cell for source in pages[chapter] for cell in code_cells(source.read_text(encoding="utf-8"))]
        glue_cells = [cell for cell in cells if "glue_numbers" in cell]
        assert glue_cells, chapter
        for glue_cell in glue_cells:
            assert reads_of_code(glue_cell) >= expected.get(chapter, {"claims"}), chapter


def test_code_cells_keep_code_and_drop_prose_and_options():
    text = textwrap.dedent("""\
    Prose that mentions load("glossary") is not code.

    ```{code-cell} ipython3
    ---
    tags: [remove-input]
    ---
    claims = load("claims")
    ```

    ```{code-cell} ipython3
    :tags: [remove-cell]
    timeline_between("2022-01-01", "2022-01-05")
    ```
    """)
    cells = code_cells(text)
    assert cells == ['claims = load("claims")', 'timeline_between("2022-01-01", "2022-01-05")']
    assert tables_used(cells, TABLES) == {"claims", "timeline", "sources"}


def test_a_page_depends_on_the_table_a_question_key_is_read_from():
    text = '```{code-cell} ipython3\nfrom qantar.exercises import exercise\nexercise("after-election-share")\n```\n'
    files = {path.name for path in page_dependencies(text, REPO / "data", REPO / "exercises")}
    assert {"after.yml", "claims.csv", "excerpts.csv", "sources.csv", "datapackage.json"} <= files
    assert "glossary.csv" not in files


def test_a_page_that_checks_a_question_depends_on_that_question_only():
    text = (
        '```{code-cell} ipython3\nfrom qantar.exercises import check\ncheck("guide-official-force-size", 2500)\n```\n'
    )
    files = {path.name for path in page_dependencies(text, REPO / "data", REPO / "exercises")}
    assert "guide.yml" in files and "indicators.csv" not in files
