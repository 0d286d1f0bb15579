"""Downloads for class: chapter notebooks, the class pack (run offline from its own folder), the offline site."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup

from qantar.downloads import (
    NOTEBOOKS,
    PACK_NAME,
    PACK_ZIP,
    SITE_NAME,
    SITE_ZIP,
    book_chapters,
    pack_requirements,
    public_bank,
    write_zip,
)
from qantar.exercises.bank import BankError, load_bank, parse_question, read_bank_file
from qantar.exercises.checking import WITHHELD_MESSAGE, check
from test_book import NOTEBOOK_HEADER, assessed_secrets, write_small_book

from conftest import REPO, build_book, failure_report
from offline import offline_prefix

CHAPTERS = book_chapters(REPO)
# What an assessed question keeps in the class pack; everything else is its key.
PUBLIC_FIELDS = {"id", "kind", "status", "key", "title", "points", "prompt", "options", "items", "unit", "variable"}


# --------------------------------------------------------------------------- without a build


def test_the_zip_writer_gives_the_same_bytes_for_the_same_files(tmp_path):
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.txt").write_text("b", encoding="utf-8")
    (folder / "sub" / "a.txt").write_text("a", encoding="utf-8")
    from qantar.downloads import folder_files

    write_zip(tmp_path / "one.zip", folder_files(folder, "top"))
    os.utime(folder / "b.txt", (1_000_000_000, 1_000_000_000))
    (folder / "sub" / "a.txt").chmod(0o600)
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "x.pyc").write_bytes(b"\0")
    write_zip(tmp_path / "two.zip", dict(reversed(folder_files(folder, "top").items())))
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        names = archive.namelist()
        assert names == sorted(names) == ["top/", "top/b.txt", "top/sub/", "top/sub/a.txt"]
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.read("top/sub/a.txt") == b"a"


def test_the_public_bank_withholds_assessed_keys_and_keeps_practice_questions(tmp_path):
    written = public_bank(REPO / "exercises", tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in (REPO / "exercises").glob("*.yml"))
    assessed = 0
    for path in written:
        original = yaml.safe_load((REPO / "exercises" / path.name).read_text(encoding="utf-8"))["questions"]
        public = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
        assert [q["id"] for q in public] == [q["id"] for q in original]
        for before, after in zip(original, public):
            if before.get("status") != "assessed":
                assert after == before, f"{before['id']}: a practice question changed"
                continue
            assessed += 1
            assert set(after) <= PUBLIC_FIELDS and after["key"] == "withheld", after["id"]
            assert after["prompt"] == before["prompt"] and after.get("title") == before.get("title")
            if before["kind"] == "order":
                assert after["items"] != before["items"], "the items are in the answer's order"
            if before["kind"] == "match":
                assert after["items"] == list(before["pairs"])
                assert after["options"] == sorted({*before["pairs"].values(), *before.get("distractors", [])})
    assert assessed, "no assessed question in the bank, so nothing was withheld"
    bank = load_bank(tmp_path)
    full = load_bank(REPO / "exercises")
    assert bank.keys() == full.keys()
    for exercise in bank.values():
        if full[exercise.id].status != "assessed":
            assert exercise == full[exercise.id]
            continue
        assert exercise.key_withheld and exercise.status == "assessed"
        result = check(exercise, full[exercise.id].solution)
        assert not result.correct and result.score == 0 and result.message == WITHHELD_MESSAGE
        with pytest.raises(BankError, match="withheld"):
            _ = exercise.solution


def test_an_order_question_whose_sorted_items_are_the_answer_is_scrambled(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    question = {
        "id": "q-order",
        "kind": "order",
        "status": "assessed",
        "prompt": "Order them.",
        "items": ["a first", "b second", "c third"],
        "hint": "alphabetical",
    }
    (source / "test.yml").write_text(yaml.safe_dump({"chapter": "test", "questions": [question]}), encoding="utf-8")
    public_bank(source, tmp_path / "public")
    public = yaml.safe_load((tmp_path / "public" / "test.yml").read_text(encoding="utf-8"))["questions"][0]
    assert sorted(public["items"]) == question["items"] and public["items"] != question["items"]
    assert "hint" not in public


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"status": "practice"}, "key", "only an assessed question"),
        ({"key": "hidden"}, "key", "the only value allowed is 'withheld'"),
        ({"answer": 45}, "answer", "is part of the key"),
        ({"hint": "read the table"}, "hint", "is part of the key"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_a_withheld_key_is_checked_like_any_other_field(change, field, message):
    spec = {
        "id": "q1",
        "kind": "number",
        "status": "assessed",
        "key": "withheld",
        "prompt": "How many?",
        "unit": "people",
        **change,
    }
    with pytest.raises(BankError, match=rf"question 'q1', field '{field}': {message}"):
        parse_question(spec, "exercises/test.yml", "test")


def test_a_normal_question_still_needs_its_answer():
    with pytest.raises(BankError, match=r"field 'answer': is required"):
        parse_question(
            {"id": "q1", "kind": "number", "status": "assessed", "prompt": "How many?"}, "exercises/test.yml", "test"
        )


def test_the_pack_requirements_are_the_runtime_dependencies_pinned_by_the_lock():
    import tomllib

    from packaging.requirements import Requirement

    text = pack_requirements(REPO / "pyproject.toml", REPO / "requirements" / "lock.txt")
    pinned = {Requirement(line).name.lower(): line for line in text.splitlines() if line and not line.startswith("#")}
    lock = {
        line.split("==")[0].lower(): line
        for line in (REPO / "requirements" / "lock.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line
    }
    runtime = [
        Requirement(d).name.lower()
        for d in tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    ]
    assert set(pinned) == (set(runtime) - {"jupyter-book", "jupytext"}) | {"jupyterlab"}
    for name, line in pinned.items():
        assert line == lock[name], f"{name} is not pinned as in the lock file"


# --------------------------------------------------------------------------- the built book


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def leaks(files: list[Path]) -> list[str]:
    """Every place where one of the files holds a secret string of an assessed question."""
    import html as html_module

    secrets = assessed_secrets()
    assert secrets, "the bank has no assessed question, so the search would find nothing"
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        variants = text + html_module.unescape(text) + text.replace('\\"', '"')
        for exercise_id, strings in secrets.items():
            found += [f"{path.name} gives away {exercise_id}: {s[:60]}" for s in strings if s in variants]
        if path.suffix != ".py":
            found += [
                f"{path.name} holds an answer key"
                for marker in ("Answer key (", "Teaching notes (instructor")
                if marker in text
            ]
    return found


@pytest.mark.book
def test_every_chapter_is_a_notebook_without_outputs(built_book):
    assert CHAPTERS, "_toc.yml lists no chapter under chapters/"
    folder = built_book / NOTEBOOKS
    assert sorted(p.stem for p in folder.glob("*.ipynb")) == sorted(c.slug for c in CHAPTERS)
    for chapter in CHAPTERS:
        notebook = nbformat.read(folder / f"{chapter.slug}.ipynb", as_version=4)
        nbformat.validate(notebook)
        assert notebook.metadata.kernelspec.name == "python3"
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert code and all(not cell.outputs and cell.execution_count is None for cell in code)
        assert any("from qantar" in cell.source for cell in code)
        assert not any("{teaching-notes}" in cell.source for cell in notebook.cells)
    assert not leaks(sorted(folder.glob("*.ipynb")))


@pytest.mark.book
def test_each_chapter_page_offers_its_notebook_in_the_download_menu(built_book):
    for chapter, docname in [(c, page) for c in CHAPTERS for page in c.pages]:
        # every page of a chapter offers the chapter's one notebook
        page = built_book / f"{docname}.html"
        menu = soup(page).select_one(".dropdown-download-buttons")
        assert menu is not None, f"{page.name} has no download menu"
        link = menu.select_one("a.btn-download-notebook-button")
        assert link is not None, f"{page.name} does not offer its notebook"
        assert link.get_text(" ", strip=True) == "Notebook"
        # The menu's items are named in words, not by file type.
        texts = [a.get_text(" ", strip=True) for a in menu.select(".dropdown-menu a, .dropdown-menu button")]
        assert texts[:3] == ["Notebook", "Markdown source", "Print or save as PDF"], texts
        assert link.select_one("i.fas.fa-code") is not None and link["title"]
        target = (page.parent / link["href"]).resolve()
        assert target == (built_book / NOTEBOOKS / f"{chapter.slug}.ipynb").resolve() and target.is_file()
    assert soup(built_book / "index.html").select_one("a.btn-download-notebook-button") is None


@pytest.mark.book
def test_the_downloads_directive_links_the_pack_the_site_and_each_notebook(tmp_path):
    folder = tmp_path / "book"
    write_small_book(
        folder,
        NOTEBOOK_HEADER
        + """\
    # Probe

    ```{code-cell} ipython3
    total = 1 + 1
    ```

    ```{teaching-notes}
    ```
    """,
    )
    (folder / "index.md").write_text("# Probe book\n\n```{downloads}\n```\n", encoding="utf-8")
    result = build_book(folder)
    assert result.returncode == 0, failure_report(result)
    html = folder / "_build" / "html"
    links = soup(html / "index.html").select("ul.qantar-downloads a")
    targets = [(html / link["href"]).resolve() for link in links]
    assert targets == [
        (html / PACK_ZIP).resolve(),
        (html / SITE_ZIP).resolve(),
        (html / NOTEBOOKS / "probe.ipynb").resolve(),
    ]
    assert all(target.is_file() for target in targets)
    with zipfile.ZipFile(html / PACK_ZIP) as archive:
        assert f"{PACK_NAME}/01-probe.ipynb" in archive.namelist()
    notebook = nbformat.read(html / NOTEBOOKS / "probe.ipynb", as_version=4)
    assert [cell.source for cell in notebook.cells if cell.cell_type == "code"] == ["total = 1 + 1"]
    assert not any("teaching-notes" in cell.source for cell in notebook.cells)


@pytest.fixture(scope="module")
def class_pack(built_book, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pack")
    with zipfile.ZipFile(built_book / PACK_ZIP) as archive:
        names = archive.namelist()
        assert all(name.startswith(f"{PACK_NAME}/") for name in names), "the pack has no single top folder"
        archive.extractall(folder)
    return folder / PACK_NAME


@pytest.mark.book
def test_the_class_pack_holds_notebooks_package_data_and_bank_but_no_key(class_pack, built_book):
    book = built_book.parents[1]  # the copy that was built
    expected = [c.pack_name for c in CHAPTERS]
    assert sorted(p.name for p in class_pack.glob("*.ipynb")) == expected
    assert expected[0] == f"01-{CHAPTERS[0].slug}.ipynb"
    for name in (
        "README.md",
        "requirements.txt",
        "LICENSE",
        "LICENSE-TEXT.md",
        "qantar/__init__.py",
        "qantar/exercises/bank.py",
        "qantar/static/qantar.css",
        "data/datapackage.json",
        "data/README.md",
        "exercises/README.md",
    ):
        assert (class_pack / name).is_file(), f"the pack has no {name}"
    for table in (book / "data").glob("*.csv"):
        assert (class_pack / "data" / table.name).read_bytes() == table.read_bytes()
    if (book / "data" / "geo").is_dir():
        assert any((class_pack / "data" / "geo").iterdir())
    assert sorted(p.name for p in (class_pack / "exercises").glob("*.yml")) == sorted(
        p.name for p in (book / "exercises").glob("*.yml")
    )
    assert not (class_pack / "exercises" / "notes").exists(), "the pack holds the instructors' teaching notes"
    assert not list(class_pack.rglob("__pycache__")) and not list(class_pack.rglob("*.pyc"))
    readme = (class_pack / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Qandy Qantar: Kazakhstan, January 2022: class pack")
    for notebook in expected:
        assert notebook in readme
    assert "pip install -r requirements.txt" in readme and "CC BY 4.0" in readme and "MIT" in readme
    assert "jupyterlab==" in (class_pack / "requirements.txt").read_text(encoding="utf-8")
    # The bank loads, and every assessed question in it is withheld and keeps only its public fields.
    withheld = 0
    for path in sorted((class_pack / "exercises").glob("*.yml")):
        read_bank_file(path)
        for question in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            if question.get("status") == "assessed":
                assert question.get("key") == "withheld" and set(question) <= PUBLIC_FIELDS, question["id"]
                withheld += 1
    assert withheld == len(assessed_secrets())
    texts = []
    for path in sorted(p for p in class_pack.rglob("*") if p.is_file()):
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        texts.append(path)
    problems = leaks(texts)
    assert not problems, "\n".join(problems)


# Runs in a subprocess, offline, with the pack folder as the current folder: each notebook in a kernel of
# its own, one after the other. A first cell reports where qantar, the data and the bank come from; a last
# one, the distributions the kernel loaded.
RUNNER = textwrap.dedent('''
    import copy, json, sys
    from pathlib import Path
    import nbformat
    from nbclient import NotebookClient

    pack, out = Path.cwd(), Path(sys.argv[1])
    first = nbformat.v4.new_code_cell(
        "import json, qantar, qantar.data, qantar.exercises\\n"
        "print(json.dumps({'qantar': qantar.__file__, 'data': str(qantar.data.data_dir()),\\n"
        "                  'exercises': str(qantar.exercises.exercises_dir())}))")
    last = nbformat.v4.new_code_cell(
        "import sys as _sys, importlib.metadata as _md\\n"
        "_names = _md.packages_distributions()\\n"
        "print(json.dumps(sorted({d for m in list(_sys.modules) for d in _names.get(m.split('.')[0], [])})))")

    for path in sorted(pack.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        notebook.cells = [copy.deepcopy(first), *notebook.cells, copy.deepcopy(last)]
        NotebookClient(notebook, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(pack)}}).execute()
        nbformat.write(notebook, out / path.name)
''')


def run_pack_offline(pack: Path, python: Path, out: Path, timeout: float) -> subprocess.CompletedProcess:
    """RUNNER with ``python`` in the pack's folder, the network cut, and none of this checkout's
    ``QANTAR_*`` settings or environment: as a student's machine runs the pack."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("QANTAR_", "PYTHONPATH", "VIRTUAL_ENV"))}
    environment["PATH"] = f"{python.parent}:{environment.get('PATH', '')}"
    return subprocess.run(
        [*offline_prefix(), str(python), "-c", RUNNER, str(out)],
        cwd=pack,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def stream_text(cell) -> str:
    return "".join(output.get("text", "") for output in cell.outputs if output.get("output_type") == "stream")


def requirement_closure(requirements: str) -> set[str]:
    """The distributions that installing ``requirements`` brings, as installed in this environment."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    todo = [Requirement(line) for line in requirements.splitlines() if line.strip() and not line.startswith("#")]
    seen: set[tuple[str, str]] = set()
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        extras = ["", *sorted(requirement.extras)]
        if (name, ",".join(extras)) in seen:
            continue
        seen.add((name, ",".join(extras)))
        try:
            needs = [Requirement(text) for text in metadata.requires(name) or []]
        except metadata.PackageNotFoundError:
            continue
        todo += [
            need
            for need in needs
            if need.marker is None or any(need.marker.evaluate({"extra": extra}) for extra in extras)
        ]
    return {name for name, _ in seen}


@pytest.mark.book
def test_every_notebook_of_the_class_pack_runs_offline_from_the_pack_folder(class_pack, tmp_path):
    from packaging.utils import canonicalize_name

    out = tmp_path / "executed"
    out.mkdir()
    result = run_pack_offline(class_pack, Path(sys.executable), out, timeout=600)
    assert result.returncode == 0, f"a notebook of the pack failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    closure = requirement_closure((class_pack / "requirements.txt").read_text(encoding="utf-8"))
    # What a bare interpreter of this environment loads at start (site hooks), needed by no notebook.
    bare = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, json, importlib.metadata as m; n = "
            "m.packages_distributions(); print(json.dumps(sorted({d for x in list(sys.modules) "
            "for d in n.get(x.split('.')[0], [])})))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    startup = {canonicalize_name(d) for d in json.loads(bare.stdout)}
    shown_assessed = 0
    for chapter in CHAPTERS:
        notebook = nbformat.read(out / chapter.pack_name, as_version=4)
        where = json.loads(stream_text(notebook.cells[0]))
        assert Path(where["qantar"]).resolve() == (class_pack / "qantar" / "__init__.py").resolve(), (
            f"{chapter.pack_name} imported qantar from {where['qantar']}, not from the pack"
        )
        assert Path(where["data"]).resolve() == (class_pack / "data").resolve()
        assert Path(where["exercises"]).resolve() == (class_pack / "exercises").resolve()
        errors = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, errors
        loaded = {canonicalize_name(d) for d in json.loads(stream_text(notebook.cells[-1]))} - {"qantar"}
        missing = loaded - closure - startup
        assert not missing, f"{chapter.pack_name} uses packages that requirements.txt does not install: {missing}"
        # An assessed question shows its prompt and says it is assessed, from the withheld bank.
        state = json.dumps(notebook.metadata.get("widgets", {}))
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                exercise = output.get("data", {}).get("application/vnd.qantar.exercise+json")
                if exercise and exercise["id"] in assessed_secrets():
                    assert "This question is assessed" in state
                    shown_assessed += 1
    assert shown_assessed, "no chapter shows an assessed question, so the withheld bank was not displayed"


# --------------------------------------------------------------------------- the site, from disk


@pytest.mark.book
@pytest.mark.browser
def test_the_site_zip_works_opened_from_disk(built_book, tmp_path, browser):
    from qantar.exercises import bank

    with zipfile.ZipFile(built_book / SITE_ZIP) as archive:
        names = archive.namelist()
        assert all(name.startswith(f"{SITE_NAME}/") for name in names)
        assert f"{SITE_NAME}/{PACK_ZIP}" in names and f"{SITE_NAME}/{SITE_ZIP}" not in names
        assert not any(name.endswith(".buildinfo") for name in names)
        archive.extractall(tmp_path)
    site = tmp_path / SITE_NAME
    # A chapter page with a self-check exercise: the first one of a kind answered with clicks or typing.
    docname, practice = next(
        (docname, exercise)
        for chapter in CHAPTERS
        for docname in chapter.pages
        for exercise in bank().values()
        if exercise.status == "practice"
        and exercise.kind in ("choice", "multiple", "number")
        and f'data-exercise-id="{exercise.id}"' in (site / f"{docname}.html").read_text(encoding="utf-8")
        and "qantar-excerpt" in (site / f"{docname}.html").read_text(encoding="utf-8")
    )
    page = browser.new_page()  # the session's Chromium (tests/conftest.py)
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto((site / f"{docname}.html").as_uri())
    page.wait_for_load_state("load")
    # The theme's and the module's styles apply.
    assert page.evaluate("getComputedStyle(document.body).fontFamily") not in ("", '"Times New Roman"')
    assert page.evaluate("getComputedStyle(document.querySelector('.qantar-excerpt')).borderLeftStyle") == "solid"
    # A self-check exercise works.
    section = page.locator(f'[data-exercise-id="{practice.id}"]')
    if practice.kind == "number":
        section.locator("input[type=text]").fill(str(practice.solution))
    else:
        for option in [practice.solution] if practice.kind == "choice" else practice.solution:
            section.locator(f'input[value="{option}"]').click()
    section.locator("button.qantar-exercise__check").click()
    feedback = section.locator(".qantar-exercise__feedback")
    assert feedback.get_attribute("data-correct") == "true"
    assert practice.feedback_correct in feedback.inner_text()
    # Figures, where the page has them, draw.
    figures = page.locator(".qantar-figure")
    for index in range(figures.count()):
        figures.nth(index).locator("svg").first.wait_for(state="attached", timeout=10_000)
    # The notebook link leads to a file of the unzipped site.
    href = page.locator("a.btn-download-notebook-button").get_attribute("href")
    assert (site / docname).parent.joinpath(href).resolve().is_file()
    page.close()
    assert not errors, errors
    foreign = [url for url in requests if not url.startswith(("file:", "data:", "blob:"))]
    assert not foreign, f"the page opened from disk asked for {foreign}"


# --------------------------------------------------------------------------- notebooks that read like the book

ROLE = re.compile(r"\{[a-z][a-z:-]*\}`")
TARGET = re.compile(r"^\([\w-]+\)=", flags=re.M)


def _hidden(cell) -> bool:
    return bool(cell.metadata.get("jupyter", {}).get("source_hidden"))


def _notebooks(built_book, class_pack) -> list[Path]:
    return sorted((built_book / NOTEBOOKS).glob("*.ipynb")) + sorted(class_pack.glob("*.ipynb"))


@pytest.mark.book
def test_downloaded_and_packed_notebooks_show_the_numbers_not_placeholders(built_book, class_pack):
    from qantar.downloads import GLUE_TEXT, glue_text, glued_values

    for path in _notebooks(built_book, class_pack):
        notebook = nbformat.read(path, as_version=4)
        prose = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
        assert not ROLE.findall(prose), f"{path.name}: unresolved roles {ROLE.findall(prose)[:3]}"
        assert not TARGET.findall(prose), f"{path.name}: label lines {TARGET.findall(prose)[:3]}"
    # Each number is the one the book computed: every glued value, formatted as the page formats it.
    for chapter in CHAPTERS:
        notebook = nbformat.read(built_book / NOTEBOOKS / f"{chapter.slug}.ipynb", as_version=4)
        prose = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
        values = glued_values(built_book.parent, chapter.pages)
        source = "".join(path.read_text(encoding="utf-8") for path in chapter.sources)
        for match in GLUE_TEXT.finditer(source):
            assert glue_text(values[match[1]], match[2]) in prose, (chapter.slug, match[0])


@pytest.mark.book
def test_no_bookkeeping_in_sight_in_the_notebooks(built_book, class_pack):
    """A notebook opens on the chapter's text and its import: the glue behind the prose's numbers
    is gone (the numbers are written in), the import is shown and short, and what stays folded is
    a line or two (an excerpt, a chart), never a block of set-up code."""
    for path in _notebooks(built_book, class_pack):
        notebook = nbformat.read(path, as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert code, path.name
        for cell in code:
            assert "glue" not in cell.source, (path.name, cell.source[:80])
            if _hidden(cell):
                assert len(cell.source.strip().splitlines()) <= 3, (path.name, "folded", cell.source[:120])
            tags = set(cell.metadata.get("tags", []))
            assert "show-in-notebook" not in tags and "book-only" not in tags, (path.name, tags)
        # The chapter's own first code cell (after Colab's set-up, if any) is its import, in sight.
        first = next(cell for cell in code if "google.colab" not in cell.source)
        lines = [line for line in first.source.strip().splitlines() if not line.startswith("#")]
        assert not _hidden(first), (path.name, first.source)
        assert lines[0].startswith("from qantar.chapters import"), (path.name, first.source)
        assert len(lines) <= 4, (path.name, first.source)
        assert all(line.startswith(("from ", "    ", ")")) for line in lines), (path.name, first.source)
        # The "try it" cells are in sight and untagged, ready for the student's code.
        tries = [cell for cell in code if re.search(r"^\w+ = \.\.\.$", cell.source, flags=re.M)]
        assert tries and all(not _hidden(cell) and "check(" in cell.source for cell in tries), path.name
        # Before it, only text.
        before = notebook.cells[: notebook.cells.index(first)]
        assert all(cell.cell_type == "markdown" or "google.colab" in cell.source for cell in before), path.name


@pytest.mark.book
def test_the_class_pack_installs_in_a_fresh_venv_and_runs_offline_as_a_student_gets_it(class_pack, tmp_path):
    """Unzipped into an empty folder, its requirements.txt installed from the package registry into a
    new virtual environment; then, with the network cut, every chapter notebook and a student
    assignment made by `qantar assign` run on a fresh kernel of that environment."""
    import shutil

    from qantar.instructor import assign, select_exercises

    pack = tmp_path / "pack"
    shutil.copytree(class_pack, pack)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "requirements.txt"],
        cwd=pack,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    outputs = assign(select_exercises("guide"), "homework", tmp_path / "assignment")
    shutil.copyfile(outputs["student"], pack / "Homework (my copy).ipynb")  # saved under another name
    out = tmp_path / "executed"
    out.mkdir()
    assert offline_prefix(), "this machine cannot cut the network for a test (unshare --net)"
    result = run_pack_offline(pack, python, out, timeout=900)
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    ran = sorted(p.name for p in out.glob("*.ipynb"))
    assert ran == sorted([*(c.pack_name for c in CHAPTERS), "Homework (my copy).ipynb"])
    for path in out.glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        where = json.loads(stream_text(notebook.cells[0]))
        assert Path(where["qantar"]).resolve() == (pack / "qantar" / "__init__.py").resolve()
        errors = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, (path.name, errors[:1])
    homework = nbformat.read(out / "Homework (my copy).ipynb", as_version=4)
    printed = "".join(stream_text(cell) for cell in homework.cells if cell.cell_type == "code")
    assert "Question 1: No answer yet." in printed
