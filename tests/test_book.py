"""The strict build of the real book, and what its HTML pages show."""

from __future__ import annotations

import csv
import re
import textwrap
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from qantar.excerpts import normalise_whitespace

from conftest import REPO, build_book, copy_book, failure_report

pytestmark = pytest.mark.book

# Pages Sphinx writes on its own, whatever the table of contents says.
GENERATED_PAGES = {"search.html", "genindex.html"}


def toc_pages() -> list[str]:
    """Every page the table of contents lists, as the .html path the build writes."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return [str(Path(page).with_suffix(".html")) for page in pages]


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_every_toc_page_is_built_and_nothing_else(built_book):
    expected = set(toc_pages())
    built = {
        str(p.relative_to(built_book))
        for p in built_book.rglob("*.html")
        if not str(p.relative_to(built_book)).startswith(("_static", "_sources", "_images"))
    }
    assert expected <= built, f"pages in _toc.yml that were not built: {sorted(expected - built)}"
    assert built - expected <= GENERATED_PAGES, (
        f"pages built that _toc.yml does not list: {sorted(built - expected - GENERATED_PAGES)}"
    )
    for folder in ("data", "exercises", "src", "tests", ".venv"):
        assert not (built_book / folder).exists(), f"{folder}/ was read as pages"


def test_no_page_shows_a_traceback_or_error_output(built_book):
    for page in toc_pages():
        document = soup(built_book / page)
        bad = document.select(".output.traceback, .output.stderr, .output.error, .system-message, .problematic")
        assert not bad, f"{page} shows error output: {bad[0].get_text()[:300]}"
        assert "Traceback (most recent call last)" not in document.get_text(), page


def test_every_excerpt_on_a_page_matches_the_data(built_book):
    with (REPO / "data" / "excerpts.csv").open(encoding="utf-8", newline="") as handle:
        quotes = {row["excerpt_id"]: row for row in csv.DictReader(handle)}
    shown = 0
    for page in toc_pages():
        for figure in soup(built_book / page).select("[data-excerpt-id]"):
            excerpt_id = figure["data-excerpt-id"]
            assert excerpt_id in quotes, f"{page} shows an excerpt that is not in data/excerpts.csv: {excerpt_id}"
            quote = figure.select_one(".qantar-excerpt__quote").get_text()
            assert normalise_whitespace(quote) == normalise_whitespace(quotes[excerpt_id]["quote"]), (page, excerpt_id)
            assert figure["data-source-id"] == quotes[excerpt_id]["source_id"]
            assert figure.select_one(".qantar-excerpt__attribution").get_text().strip()
            shown += 1
    assert shown >= 1, "no page shows an excerpt, so the check above checked nothing"


def test_the_footer_has_author_year_and_licence(built_book):
    text = normalise_whitespace(soup(built_book / "index.html").get_text(" "))
    assert "By The Qandy Qantar module authors" in text
    assert re.search(r"© Copyright 20\d\d", text)


def test_no_page_loads_anything_from_another_host(built_book):
    """Scripts, styles, images and frames come from the site itself (links to read elsewhere are fine)."""
    for page in built_book.rglob("*.html"):
        document = soup(page)
        for tag, attribute in (
            ("script", "src"),
            ("link", "href"),
            ("img", "src"),
            ("iframe", "src"),
            ("source", "src"),
            ("video", "src"),
            ("audio", "src"),
        ):
            for element in document.find_all(tag):
                value = element.get(attribute) or ""
                if tag == "link" and not {"stylesheet", "preload", "icon", "modulepreload"} & set(
                    element.get("rel", [])
                ):
                    continue
                assert not re.match(r"(https?:)?//", value), f"{page.name} loads {value}"


def write_small_book(folder: Path, chapter: str) -> None:
    """A one-chapter book with the project's configuration, data and extension."""
    copy_book(folder)
    # A landing page of its own: the real one links to every chapter.
    (folder / "index.md").write_text("# Probe book\n\nA book with one chapter.\n", encoding="utf-8")
    toc = {"format": "jb-book", "root": "index", "chapters": [{"file": "chapters/probe"}]}
    (folder / "_toc.yml").write_text(yaml.safe_dump(toc), encoding="utf-8")
    (folder / "chapters").mkdir(exist_ok=True)
    (folder / "chapters" / "probe.md").write_text(textwrap.dedent(chapter), encoding="utf-8")


NOTEBOOK_HEADER = """\
    ---
    jupytext:
      text_representation:
        format_name: myst
    kernelspec:
      name: python3
      display_name: Python 3
    ---
"""


def test_an_exception_in_a_cell_fails_the_build_naming_chapter_and_cell(tmp_path):
    folder = tmp_path / "book"
    write_small_book(
        folder,
        NOTEBOOK_HEADER
        + """\
    # Probe

    ```{code-cell} ipython3
    total = 1
    ```

    ```{code-cell} ipython3
    raise ValueError("a deliberate failure in the second cell")
    ```
    """,
    )
    result = build_book(folder)
    log = result.stdout + result.stderr
    assert result.returncode != 0, "a failing cell did not fail the build"
    assert "chapters/probe.md" in log
    assert 'raise ValueError("a deliberate failure in the second cell")' in log


def test_a_broken_data_file_fails_the_build_loudly(tmp_path):
    folder = tmp_path / "book"
    copy_book(folder)
    path = folder / "data" / "excerpts.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    first = text[1]
    text[1] = first.replace(first.split(",")[1], "unknown_source", 1)
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = build_book(folder)
    log = result.stdout + result.stderr
    assert result.returncode != 0, "a broken table did not fail the build"
    assert "excerpts.csv, row 1 (line 2), field 'source_id': 'unknown_source' is not a source_id" in log, (
        failure_report(result)
    )


def test_notebook_pages_execute_and_show_excerpts_from_the_package(tmp_path):
    """A chapter written as a notebook shows an excerpt through ``qantar.excerpt`` in the built page."""
    folder = tmp_path / "book"
    write_small_book(
        folder,
        NOTEBOOK_HEADER
        + """\
    # Probe

    ```{code-cell} ipython3
    from qantar import excerpt, load
    sources = load("sources")
    excerpt("raia-troops-2500")
    ```

    ```{code-cell} ipython3
    len(sources)
    ```
    """,
    )
    result = build_book(folder)
    assert result.returncode == 0, failure_report(result)
    page = soup(folder / "_build" / "html" / "chapters" / "probe.html")
    figure = page.select_one('[data-excerpt-id="raia-troops-2500"]')
    assert figure is not None and "2,500" in figure.get_text()
    with (folder / "data" / "sources.csv").open(encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    assert str(rows) in [node.get_text().strip() for node in page.select(".cell_output pre")]


def test_the_data_page_documents_every_table_with_a_working_download(built_book):
    from qantar.data import read_package, validate_all

    counts = validate_all(REPO / "data")
    page = built_book / "data-tables.html"
    document = soup(page)
    for name, table in read_package(REPO / "data").items():
        block = document.select_one(f"#table-{name}")
        assert block is not None, f"the data page has no block for {name}"
        text = normalise_whitespace(block.get_text(" "))
        assert f"{counts[name]} rows" in text
        assert table.description[:60] in text
        fields = [row.select("td")[0].get_text().strip() for row in block.select("table tbody tr")]
        assert fields == table.field_names
        link = block.select_one("a.download, a[download]")
        assert link is not None, f"no download link for {name}"
        target = (page.parent / link["href"]).resolve()
        assert target.is_file() and target.read_bytes() == table.path.read_bytes()


def test_the_references_page_lists_every_source_with_an_anchor(built_book):
    from qantar.sources import sources

    document = soup(built_book / "references.html")
    for item in sources(REPO / "data").values():
        entry = document.find(id=f"source-{item.source_id.replace('_', '-')}")
        assert entry is not None, item.source_id
        assert item.title in normalise_whitespace(entry.get_text(" "))


def test_the_glossary_page_lists_every_term(built_book):
    from qantar.data import load_rows

    text = normalise_whitespace(soup(built_book / "glossary.html").get_text(" "))
    for row in load_rows("glossary", REPO / "data"):
        assert row["term"] in text and row["definition"][:50] in text


def assessed_secrets() -> dict[str, list[str]]:
    """For each assessed question, strings that exist only in its key: feedback, hint, reasoning, solution code."""
    from qantar.exercises import bank

    secrets = {}
    for exercise in bank().values():
        if exercise.status != "assessed":
            continue
        found = [exercise.feedback_correct, exercise.feedback_wrong, *(m.feedback for m in exercise.mistakes)]
        if exercise.hint:
            found.append(exercise.hint)
        if exercise.solution_code:
            found += [line.strip() for line in exercise.solution_code.splitlines() if len(line.strip()) > 12]
        secrets[exercise.id] = [s for s in found if s not in ("Correct.", "Not quite.")]
    return secrets


def test_the_public_edition_holds_no_answer_to_an_assessed_question(built_book):
    import html as html_module

    secrets = assessed_secrets()
    assert secrets, "the bank has no assessed question, so this test would check nothing"
    # The site, and the executed notebooks a page's download would serve.
    executed = built_book.parent / "jupyter_execute"
    files = [p for folder in (built_book, executed) for p in folder.rglob("*") if p.is_file()]
    assert any(p.suffix == ".ipynb" for p in files) and any(p.name == "searchindex.js" for p in files)
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images
        variants = text + html_module.unescape(text) + text.replace('\\"', '"')
        for exercise_id, strings in secrets.items():
            for secret in strings:
                assert secret not in variants, f"{path} gives away {exercise_id}: {secret[:60]}"
        assert "Answer key (" not in text and "Teaching notes (instructor edition)" not in text
    for exercise_id in secrets:
        pages = [
            p
            for p in built_book.rglob("*.html")
            if f'data-exercise-id="{exercise_id}"' in p.read_text(encoding="utf-8")
        ]
        assert pages, f"{exercise_id} is not shown anywhere"
        section = soup(pages[0]).select_one(f'[data-exercise-id="{exercise_id}"]')
        assert section.select_one("form, .qantar-exercise__key, details") is None


@pytest.fixture(scope="session")
def instructor_book(tmp_path_factory) -> Path:
    import os

    folder = copy_book(tmp_path_factory.mktemp("instructor") / "book")
    os.environ["QANTAR_EDITION"] = "instructor"
    try:
        result = build_book(folder)
    finally:
        del os.environ["QANTAR_EDITION"]
    assert result.returncode == 0, "the instructor edition failed to build:\n" + failure_report(result)
    return folder / "_build" / "html"


def test_the_instructor_edition_has_keys_solutions_and_teaching_notes(instructor_book):
    from qantar.downloads import book_chapters
    from qantar.exercises import bank
    from qantar.exercises.kinds import KINDS

    chapters = {chapter.slug: chapter for chapter in book_chapters(REPO)}
    for slug in ("causes", "article-4", "power-struggle", "great-powers", "reading-sources", "after"):
        # a chapter may span pages: its questions and notes are somewhere in them
        pages = [soup(instructor_book / f"{page}.html") for page in chapters[slug].pages]
        text = normalise_whitespace(" ".join(page.get_text(" ") for page in pages))
        assert "Teaching notes (instructor edition)" in text
        assert "A 50-minute class" in text and "A 90-minute class" in text
        # A "try it" question is the notebook's (its cell is hidden in the book): not a page exercise.
        source = "".join(path.read_text(encoding="utf-8") for path in chapters[slug].sources)
        tries = set(re.findall(r'check\("([\w-]+)"', source))
        assert tries, slug
        for exercise in [e for e in bank().values() if e.chapter == slug and e.id not in tries]:
            found = [page.select_one(f'[data-exercise-id="{exercise.id}"]') for page in pages]
            assert len([f for f in found if f is not None]) == 1, exercise.id
            section = next(f for f in found if f is not None)
            assert section is not None
            key = section.find_next_sibling("details", class_="qantar-exercise__solution")
            assert key is not None, f"{exercise.id} has no worked solution"
            if exercise.status == "assessed" and KINDS[exercise.kind].self_checked_in_page:
                assert section.select_one(".qantar-exercise__key") is not None  # a code key is its solution
    # The strings the public-edition leak test looks for are really there in this edition: that test can fail.
    site = "".join(p.read_text(encoding="utf-8") for p in instructor_book.rglob("*.html"))
    import html as html_module

    site = html_module.unescape(site)
    for exercise_id, strings in assessed_secrets().items():
        assert any(secret in site for secret in strings), exercise_id


def test_the_corrections_page_lists_every_correction(built_book):
    from qantar.data import load_rows

    corrections = load_rows("corrections", REPO / "data")
    assert corrections, "data/corrections.csv is empty"
    document = soup(built_book / "corrections.html")
    table = document.select_one("table.qantar-corrections")
    assert table is not None, "the Corrections page has no table"
    rows = table.select("tbody tr")
    assert len(rows) == len(corrections)
    shown = normalise_whitespace(table.get_text(" "))
    for row in corrections:
        for field in ("location", "was", "now"):
            assert normalise_whitespace(row[field]) in shown, (field, row[field])
    toc = normalise_whitespace(soup(built_book / "index.html").get_text(" "))
    assert "Corrections" in toc


def test_a_book_built_from_another_folder_uses_its_own_bank_and_tables(tmp_path):
    """The renderer and the directives read the bank and the tables of the book being built, not
    those of the folder the build was started from (nor the checkout the package came from)."""
    folder = tmp_path / "book"
    write_small_book(
        folder,
        NOTEBOOK_HEADER
        + """\
    # Probe

    ```{code-cell} ipython3
    from qantar.exercises import exercise
    exercise("guide-where-it-began")
    ```
    """,
    )
    bank = folder / "exercises" / "guide.yml"
    text = bank.read_text(encoding="utf-8")
    assert "title: Where the protests began" in text
    bank.write_text(
        text.replace("title: Where the protests began", "title: A title only this copy has"), encoding="utf-8"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = build_book(folder, cwd=elsewhere)
    assert result.returncode == 0, failure_report(result)
    page = soup(folder / "_build" / "html" / "chapters" / "probe.html").get_text()
    assert "A title only this copy has" in page
    assert "Where the protests began" not in page


def test_exercises_and_figures_are_numbered_by_chapter_in_page_order(built_book):
    """A teacher can say "do Exercise 1.3" or "see Figure 2.1": chapter n numbers its exercises
    and its figures n.1, n.2, … in page order (interactive and Sphinx figures in one sequence);
    another page numbers them 1, 2, …."""
    from qantar.downloads import book_chapters

    chapters = book_chapters(REPO)
    assert any(len(chapter.pages) > 1 for chapter in chapters)
    for chapter in chapters:
        # a chapter may span pages: the count goes on from one page to the next, in the toc's order
        pages = [soup(built_book / f"{page}.html") for page in chapter.pages]
        titles = [p.get_text(" ", strip=True) for html in pages for p in html.select(".qantar-exercise__title")]
        assert titles, chapter.slug
        assert [re.match(r"Exercise (\d+)\.(\d+) ", t).groups() for t in titles] == [
            (str(chapter.number), str(k)) for k in range(1, len(titles) + 1)
        ], (chapter.slug, titles)
        figures = [
            (node.select_one(".qantar-figure__number") or node.select_one(".caption-number")).get_text(strip=True)
            for html in pages
            for node in html.select("figure.qantar-figure, figure:has(.caption-number)")
        ]
        assert figures, chapter.slug
        assert figures == [
            f"Figure {chapter.number}.{k}" + ("." if f.endswith(".") else "") for k, f in enumerate(figures, start=1)
        ], (chapter.slug, figures)
    guide = [
        p.get_text(" ", strip=True)
        for p in soup(built_book / "instructor-guide.html").select(".qantar-exercise__title")
    ]
    assert guide and all(t.startswith(f"Exercise {k} ") for k, t in enumerate(guide, start=1)), guide


def test_every_explorer_copy_says_it_is_fixed_and_links_a_notebook_that_exists(built_book):
    """An explorer cannot run in the page: its fixed copy says so and links the chapter's
    notebook (or, off a chapter, the class pack), and the link leads to a file of the site."""
    from qantar.downloads import book_chapters, chapter_of

    found = 0
    for page in toc_pages():
        html = soup(built_book / page)
        for explorer in html.select(".qantar-explorer"):
            found += 1
            link = explorer.select_one(".qantar-explorer__live a[href]")
            assert link is not None and "fixed copy" in explorer.get_text(), page
            target = (built_book / page).parent / link["href"]
            assert target.resolve().is_file(), (page, link["href"])
            chapter = chapter_of(book_chapters(REPO), page.removesuffix(".html"))
            if chapter is not None:
                # every page of a chapter links the chapter's one notebook
                assert link["href"].endswith(f"/{chapter.slug}.ipynb"), (page, link["href"])
    assert found >= 6, "no explorer found on the pages"


def test_each_excerpt_links_its_source_card_instead_of_repeating_its_note(built_book):
    """The judgement on a source is given once, on the References page; every excerpt's
    attribution links that entry, and no chapter repeats "About the source" under its excerpts."""
    references = soup(built_book / "references.html")
    linked = 0
    for page in toc_pages():
        html = soup(built_book / page)
        for figure in html.select("figure.qantar-excerpt"):
            link = figure.select_one(".qantar-excerpt__attribution a[href*='references.html#source-']")
            assert link is not None, (page, figure.get("data-excerpt-id"))
            anchor = link["href"].split("#", 1)[1]
            assert anchor == "source-" + figure["data-source-id"].replace("_", "-"), (page, anchor)
            card = references.find(id=anchor)
            assert card is not None, anchor
            assert (built_book / page).parent.joinpath(link["href"].split("#")[0]).resolve().is_file()
            assert "About the source" not in figure.get_text(), (page, figure.get("data-excerpt-id"))
            linked += 1
    assert linked > 30, "too few excerpts found"
    # The five articles' cards carry the judgement.
    for source_id in ("ndcf2022", "pasatoiu_nitoiu2022", "raia2022", "bifolchi2022", "italian2022"):
        card = references.find(id="source-" + source_id.replace("_", "-"))
        assert card is not None and "About the source:" in card.get_text(), source_id


def test_glossary_terms_are_linked_on_first_use_in_each_chapter(built_book):
    """Each glossary term a chapter's page uses links its Glossary entry once, at its first use in
    the page's prose (a chapter may span pages, and a reader may land on any of them), and never
    inside a quotation, a heading or code."""
    from qantar.data import load_rows
    from qantar.terms import term_id

    glossary = soup(built_book / "glossary.html")
    anchors = {term_id(row["term"]) for row in load_rows("glossary", REPO / "data")}
    assert all(glossary.find(id=anchor) for anchor in anchors)
    from qantar.downloads import book_chapters, chapter_of

    chapters = book_chapters(REPO)
    per_chapter: dict[str, int] = {}
    for page in [p for p in toc_pages() if p.startswith("chapters/")]:
        html = soup(built_book / page)
        links = html.select("a.qantar-term")
        assert len(links) >= 1, (page, len(links))
        slug = chapter_of(chapters, page.removesuffix(".html")).slug
        per_chapter[slug] = per_chapter.get(slug, 0) + len(links)
        targets = [link["href"].split("#", 1)[1] for link in links]
        assert len(targets) == len(set(targets)), (page, "a term linked twice")
        assert set(targets) <= anchors, page
        for link in links:
            assert link["href"].split("#")[0].endswith("glossary.html"), link["href"]
            assert not link.find_parent(["h1", "h2", "h3", "blockquote", "code", "pre", "figcaption"]), link
    assert per_chapter and all(count >= 3 for count in per_chapter.values()), per_chapter


def test_references_and_glossary_have_an_in_page_contents(built_book):
    """Long reference pages can be navigated: the theme's "On this page" lists their sections
    (the kinds of source; the glossary's initial letters), each link leading to a heading."""
    for page, at_least in (("references.html", 4), ("glossary.html", 8)):
        html = soup(built_book / page)
        links = html.select(".bd-toc-nav a[href^='#'], #pst-page-toc-nav a[href^='#']")
        assert len(links) >= at_least, (page, len(links))
        for link in links:
            assert html.find(id=link["href"][1:]) is not None, (page, link["href"])
