"""Each chapter meets the module's counts, and runs top to bottom on a fresh kernel."""

from __future__ import annotations

import re

import jupytext
import pytest
import yaml
from nbclient import NotebookClient

from qantar.downloads import book_chapters
from qantar.excerpts import excerpts
from qantar.exercises import bank
from qantar.sources import sources

from conftest import REPO

SEEDS = {"ndcf2022", "pasatoiu_nitoiu2022", "raia2022", "bifolchi2022", "italian2022"}
EXPECTED = ["causes", "article-4", "power-struggle", "great-powers", "reading-sources", "after"]
# Words that name one of the sources: a question that uses them asks the student to tie a claim to its source.
SOURCE_NAMES = [
    "RAIA",
    "Bifolchi",
    "Pasatoiu",
    "Nitoiu",
    "NATO Defense College",
    "Italian",
    "SpecialEurasia",
    "Reuters",
    "TASS",
    "Kazinform",
    "Prosecutor",
    "Ministry",
    "Human Rights Watch",
    "AP",
]


def chapter_slugs() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    files = [entry["file"] for entry in toc.get("chapters", [])]
    files += [entry["file"] for part in toc.get("parts", []) for entry in part.get("chapters", [])]
    return [name.removeprefix("chapters/") for name in files if name.startswith("chapters/")]


SLUGS = chapter_slugs()


def test_the_six_chapters_are_in_the_table_of_contents_in_order():
    assert SLUGS == EXPECTED


def chapter_named(slug: str):
    """The chapter ``slug`` of the table of contents (its pages, its sources)."""
    return next(c for c in book_chapters(REPO) if c.slug == slug)


def read(slug: str):
    """The chapter as the book has it: its pages' cells, one page after another."""
    chapter = chapter_named(slug)
    notebook = jupytext.read(chapter.sources[0])
    for source in chapter.sources[1:]:
        notebook.cells += jupytext.read(source).cells
    return notebook


def section(notebook, title: str) -> str:
    """The markdown under the H2 ``title``, up to the next H2."""
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    match = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert match, f"no '## {title}' section"
    return match.group(1)


def items(text: str) -> list[str]:
    return re.findall(r"^\s*(?:[-*]|\d+\.)\s+(.+)$", text, flags=re.M)


def code(notebook, visible_only: bool = False) -> list[str]:
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if visible_only:
        cells = [
            cell
            for cell in cells
            if not {"remove-input", "remove-cell", "hide-input"} & set(cell.metadata.get("tags", []))
        ]
    return [cell.source for cell in cells]


@pytest.mark.parametrize("slug", SLUGS)
def test_objectives_discussion_summary(slug):
    notebook = read(slug)
    assert 3 <= len(items(section(notebook, "Learning objectives"))) <= 5
    assert 2 <= len(items(section(notebook, "Discussion"))) <= 3
    assert len(section(notebook, "Summary").split()) >= 60
    headings = [
        line
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("#")
    ]
    # one title per page of the chapter, each page's first heading
    pages = chapter_named(slug).sources
    assert sum(1 for h in headings if h.startswith("# ")) == len(pages)
    for source in pages:
        assert next(
            line for line in source.read_text(encoding="utf-8").splitlines() if line.startswith("#")
        ).startswith("# "), source.name
    levels = [len(h) - len(h.lstrip("#")) for h in headings]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), "headings skip a level"


@pytest.mark.parametrize("slug", SLUGS)
def test_excerpts_from_at_least_two_articles(slug):
    notebook = read(slug)
    text = "\n".join(code(notebook)) + "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    ids = re.findall(r'excerpt\("([a-z0-9-]+)"\)', text) + re.findall(r"```\{excerpt\}\s+([a-z0-9-]+)", text)
    known = excerpts()
    assert len(set(ids)) >= 4
    assert all(i in known for i in ids), [i for i in ids if i not in known]
    articles = {known[i].source.source_id for i in ids} & SEEDS
    assert len(articles) >= (5 if slug == "reading-sources" else 2), articles


@pytest.mark.parametrize("slug", SLUGS)
def test_a_table_used_in_visible_code_a_figure_and_an_explorer(slug):
    notebook = read(slug)
    visible = "\n".join(code(notebook, visible_only=True))
    assert re.search(r'\b(load|claims_for|timeline_between|reactions_by_actor|claims_summary|stance_table)\(', visible)
    assert re.search(r"\.(groupby|value_counts|query|merge|nunique|sum|count|sort_values|loc)\b|\[[^\]]*==", visible)
    # A figure is a static one with a caption and alt text in its cell's metadata, or an
    # interactive one (qantar.charts), which carries its own caption and text alternative.
    static = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and cell.metadata.get("mystnb", {}).get("figure", {}).get("caption")
    ]
    interactive = re.findall(r"\b(timeline_chart|claims_chart|reactions_chart|places_map)\(", "\n".join(code(notebook)))
    assert static or interactive, "no figure"
    assert all(cell.metadata["mystnb"].get("image", {}).get("alt", "").strip() for cell in static), (
        "a figure lacks alt text"
    )
    assert re.search(r"_explorer\(", "\n".join(code(notebook)))


@pytest.mark.parametrize("slug", SLUGS)
def test_exercises_mix_kinds_with_code_and_source_work(slug):
    notebook = read(slug)
    ids = re.findall(r'exercise\("([a-z0-9-]+)"\)', "\n".join(code(notebook)))
    exercises = bank()
    assert len(set(ids)) >= 5
    chosen = [exercises[i] for i in ids]
    assert {e.chapter for e in chosen} == {slug}
    kinds = {e.kind for e in chosen}
    assert "code" in kinds and len(kinds) >= 3
    names = SOURCE_NAMES + [s.outlet for s in sources().values() if s.outlet]

    def mentions_a_source(e) -> bool:
        text = " ".join([e.prompt, *e.options, *(r for _, r in e.pairs), *(left for left, _ in e.pairs), *e.items])
        return any(name and name in text for name in names)

    assert any(mentions_a_source(e) for e in chosen), "no exercise ties a claim to its source"
    assert all(e.sources for e in chosen), "every exercise names the sources that justify it"


@pytest.mark.parametrize("slug", SLUGS)
def test_numbers_from_the_data_are_glued_by_one_short_hidden_cell(slug):
    """The prose's numbers come from qantar.numbers: each name the prose uses is computed there,
    each name computed there is used, and one hidden cell of the chapter glues them all."""
    from qantar.numbers import numbers

    notebook = read(slug)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    used = set(re.findall(r"\{glue:text\}`([^`:]+)", markdown))
    assert used and used == set(numbers(slug)), (slug, used ^ set(numbers(slug)))
    function = slug.replace("-", "_") + "_numbers"
    for source in chapter_named(slug).sources:
        # each page of the chapter that quotes a number glues the chapter's numbers, in one cell
        page = jupytext.read(source)
        quotes = any("{glue:text}" in c.source for c in page.cells if c.cell_type == "markdown")
        gluing = [c for c in page.cells if c.cell_type == "code" and "glue" in c.source]
        assert len(gluing) == (1 if quotes else 0), source.name
        for cell in gluing:
            assert f"glue_numbers({function}())" in cell.source, source.name
            assert {"remove-cell", "book-only"} <= set(cell.metadata.get("tags", [])), source.name
            assert len(cell.source.strip().splitlines()) <= 4, source.name


@pytest.mark.parametrize("slug", SLUGS)
def test_the_chapter_runs_on_a_fresh_kernel(slug):
    notebook = read(slug)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(REPO / "chapters")}}
    ).execute()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", cell.source
            assert output.get("name") != "stderr", f"{slug} wrote to stderr: {output.get('text', '')[:300]}"


def unused_imports(code: str) -> list[str]:
    """Names a piece of code imports and never uses."""
    import ast

    tree = ast.parse(code)
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                imported[(alias.asname or alias.name).split(".")[0]] = node.lineno
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return sorted(set(imported) - used)


def test_the_unused_import_finder_finds_one():
    assert unused_imports("from qantar import load, excerpt\nexcerpt('x')") == ["load"]


@pytest.mark.parametrize("path", sorted((REPO / "chapters").glob("*.md")), ids=lambda p: p.name)
def test_no_chapter_imports_a_name_it_never_uses(path):
    from qantar.freshness import code_cells

    cells = code_cells(path.read_text(encoding="utf-8"))
    if not cells:
        pytest.skip("not a notebook page")
    assert not unused_imports("\n".join(cells)), f"{path.name}: imported but never used"


@pytest.mark.parametrize("slug", SLUGS)
def test_every_visible_code_cell_is_introduced_and_its_steps_explained(slug):
    """A sentence before each visible code cell says what it does; a cell of more than two lines
    carries comments; tables are shown with the public ``show``, not an internal helper."""
    cells = read(slug).cells
    for index, cell in enumerate(cells):
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type != "code" or "from qantar.chapters import" in cell.source:
            continue  # the import: its own comment says what it is
        if {"remove-input", "remove-cell", "hide-input"} & tags and "show-in-notebook" not in tags:
            continue
        previous = cells[index - 1] if index else None
        assert previous is not None and previous.cell_type == "markdown", (slug, cell.source[:60])
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", previous.source) if p.strip()]
        last = paragraphs[-1] if paragraphs else ""
        assert last and not last.startswith(("#", "```", ":::", "|", "- ", "* ", "(")), (slug, cell.source[:60])
        assert re.search(r"[.:!?)*_`”]$", last), (slug, last[-80:])
        lines = [line for line in cell.source.splitlines() if line.strip()]
        if len([line for line in lines if not line.strip().startswith("#")]) > 2:
            assert any("#" in line for line in lines), (slug, "no comment in", cell.source[:80])
        assert "table_html(" not in cell.source, (slug, cell.source[:80])


TRY_IT = re.compile(r"^(\w+) = \.\.\.$\n^check\(\"([\w-]+)\", \1\)$", flags=re.M)


@pytest.mark.parametrize("slug", SLUGS)
def test_a_try_it_cell_comes_before_the_worked_computation_and_checks_the_students_answer(slug):
    """Where the chapter computes something, the student gets a cell to try it first: hidden in the
    book, shown in the notebook, with a check that is neutral before an answer and right for the
    bank's own solution; the worked computation follows it."""
    from qantar.exercises import check, get

    cells = read(slug).cells
    tries = [(i, c) for i, c in enumerate(cells) if c.cell_type == "code" and TRY_IT.search(c.source)]
    assert tries, f"{slug}: no try-it cell"
    for index, cell in tries:
        variable, exercise_id = TRY_IT.search(cell.source).groups()
        tags = set(cell.metadata.get("tags", []))
        assert {"remove-cell", "show-in-notebook"} <= tags, (slug, tags)
        exercise = get(exercise_id)
        assert exercise.chapter == slug and exercise.kind == "code" and exercise.status == "practice", exercise_id
        assert exercise.variable == variable, (exercise_id, variable)
        # As the book runs it, and as a student first opens it: nothing given, a neutral note.
        untried = check(exercise_id, ...)
        assert not untried.answered and untried.verdict.startswith("… No answer yet")
        # The student's code in place of "...": the bank's solution, run as the chapter's code runs.
        namespace: dict = {}
        for imports in [c.source for c in cells if "from qantar.chapters import" in c.source]:
            exec(imports, namespace)
        exec(exercise.solution_code, namespace)
        assert check(exercise_id, namespace[variable]).verdict.startswith("✔"), exercise_id
        assert not check(exercise_id, namespace[variable] + 1).correct, exercise_id
        # The prose asks for it first, and the worked computation is the next visible code cell.
        assert "Try it first" in cells[index - 1].source, slug
        later = next(c for c in cells[index + 1 :] if c.cell_type == "code" and "tags" not in c.metadata)
        # it works on the same columns or values as the solution
        shared = set(re.findall(r'"([^"]+)"', exercise.solution_code)) & set(re.findall(r'"([^"]+)"', later.source))
        assert shared, (slug, "the next code cell is not the worked computation", later.source[:80])


def undefined_names(code: str) -> set[str]:
    """Names a piece of code reads and never defines, imports or gets from Python's builtins."""
    import ast
    import builtins

    tree = ast.parse(code)
    defined = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)):
            defined |= {argument.arg for argument in node.args.args}
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return used - defined


def test_the_undefined_name_finder_finds_a_table_from_another_page():
    assert undefined_names('shown = reactions[reactions["actor"] == "China"]\nprint(len(shown))') == {"reactions"}


@pytest.mark.parametrize("path", sorted((REPO / "chapters").glob("*.md")), ids=lambda p: p.name)
def test_each_page_runs_on_its_own(path):
    """The book runs every page of a chapter on its own kernel: a page reads no table or value that
    only an earlier page of its chapter defines."""
    from qantar.freshness import code_cells

    cells = code_cells(path.read_text(encoding="utf-8"))
    if not cells:
        pytest.skip("not a notebook page")
    assert not undefined_names("\n".join(cells)), f"{path.name}: uses names it never defines"
