"""Downloads for class: each chapter as a notebook, a class pack, and the whole site as a zip.

A Sphinx extension (``sphinx.extra_extensions`` in ``_config.yml``). After a successful
HTML build it writes, under ``_build/html/_downloads/``:

- ``notebooks/<slug>.ipynb``: every chapter of the table of contents converted from
  MyST Markdown with jupytext, without outputs, as one notebook (a chapter that spans pages
  has them one after another); each page of a chapter links to its notebook from the
  theme's download menu ("Notebook");
- ``qandy-qantar-class-pack.zip``: the chapters as numbered notebooks, the ``qantar``
  package, the data, the question bank with the keys of assessed questions withheld
  (:func:`public_bank`), a ``requirements.txt`` and a how-to. Unzipped, it runs in a
  plain JupyterLab with no network and nothing installed from the module;
- ``qandy-qantar-site.zip``: the built site, to open from disk (``file://``).

The zips are deterministic (sorted entries, fixed dates and permissions), so that the
same sources give the same bytes. The ``{downloads}`` directive lists the three downloads
on a page, with links relative to that page.
"""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from qantar import __version__

DOWNLOADS = "_downloads"
NOTEBOOKS = f"{DOWNLOADS}/notebooks"
PACK_NAME = "qandy-qantar-class-pack"
SITE_NAME = "qandy-qantar-site"
PACK_ZIP = f"{DOWNLOADS}/{PACK_NAME}.zip"
SITE_ZIP = f"{DOWNLOADS}/{SITE_NAME}.zip"
PDF_FILE = "qandy-qantar.pdf"  # written by `make pdf` (qantar.pdf) beside the downloads
CHAPTER_FOLDER = "chapters/"
# Book tooling: the pack's notebooks are already notebooks and no book is built from them.
# myst-nb stays: the chapters call ``myst_nb.glue`` and the package's exercise renderer needs docutils.
BOOK_TOOLING = {"jupyter-book", "jupytext"}
# The zip format cannot store dates before 1980; every entry gets this one.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
NOT_PACKED = {"__pycache__", ".ipynb_checkpoints", ".DS_Store"}


# --------------------------------------------------------------------------- zips


def write_zip(path: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` (archive name -> content) as a zip whose bytes depend on the content only.

    Entries are sorted, every folder gets its own entry, and dates and permissions are fixed.
    """
    folders = {"/".join(name.split("/")[:depth]) + "/" for name in files for depth in range(1, name.count("/") + 1)}
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(folders | set(files)):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3  # Unix, so that the permissions below are read
            if name.endswith("/"):
                info.external_attr = (0o40755 << 16) | 0x10
                archive.writestr(info, b"")
            else:
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, files[name], compresslevel=9)
    path.write_bytes(buffer.getvalue())


def folder_files(folder: Path, prefix: str, skip: Iterable[Path] = ()) -> dict[str, bytes]:
    """Every file below ``folder`` as archive name (under ``prefix``) -> content, caches left out."""
    skipped = {p.resolve() for p in skip}
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or path.resolve() in skipped or NOT_PACKED & set(relative.parts) or path.suffix == ".pyc":
            continue
        files[f"{prefix}/{relative.as_posix()}"] = path.read_bytes()
    return files


# --------------------------------------------------------------------------- chapters


@dataclass(frozen=True)
class Chapter:
    """A chapter of the book: its first page's document name, its place in the table of contents,
    its source, and its pages (the first, then its sections in ``_toc.yml``, in order).

    A chapter may span several pages of the book, so that no page is too long to read; for class
    it stays one notebook (:func:`chapter_notebook`), its pages one after another.
    """

    docname: str
    number: int
    source: Path
    pages: tuple[str, ...] = ()
    sources: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        if not self.pages:
            object.__setattr__(self, "pages", (self.docname,))
        if not self.sources:
            object.__setattr__(self, "sources", (self.source,))

    @property
    def slug(self) -> str:
        return self.docname.rsplit("/", 1)[-1]

    @property
    def pack_name(self) -> str:
        return f"{self.number:02d}-{self.slug}.ipynb"

    @property
    def title(self) -> str:
        for line in self.source.read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                return line[2:].strip()
        return self.slug

    def holds(self, docname: str) -> bool:
        """Whether ``docname`` is one of the chapter's pages."""
        return docname in self.pages


def toc_documents(toc_file: Path) -> list[str]:
    """Every document of ``_toc.yml``, in the order of the table of contents."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8")) or {}
    documents = [toc["root"]] if toc.get("root") else []

    def walk(entries) -> None:
        for entry in entries or []:
            if "file" in entry:
                documents.append(_docname(entry["file"]))
            walk(entry.get("sections"))

    walk(toc.get("chapters"))
    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    return documents


def _docname(file: Any) -> str:
    return str(file).removesuffix(".md").removesuffix(".ipynb")


def _toc_chapters(toc_file: Path) -> list[list[str]]:
    """Each top-level entry of ``_toc.yml`` as the list of its documents: itself, then its sections."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8")) or {}
    entries = list(toc.get("chapters") or [])
    for part in toc.get("parts") or []:
        entries += list(part.get("chapters") or [])

    def documents(entry) -> list[str]:
        found = [_docname(entry["file"])] if "file" in entry else []
        for section in entry.get("sections") or []:
            found += documents(section)
        return found

    return [documents(entry) for entry in entries]


def book_chapters(srcdir: Path) -> list[Chapter]:
    """The chapters (the entries under ``chapters/`` in ``_toc.yml``), numbered in the table's order.

    Every page of a build asks (for its download and launch buttons): the table is read once
    per version of ``_toc.yml``.
    """
    toc_file = Path(srcdir) / "_toc.yml"
    if not toc_file.is_file():
        return []
    stat = toc_file.stat()
    return list(_book_chapters_cached(str(Path(srcdir).resolve()), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=4)
def _book_chapters_cached(folder: str, _mtime: int, _size: int) -> tuple[Chapter, ...]:
    srcdir, toc_file = Path(folder), Path(folder) / "_toc.yml"
    chapters = []
    for documents in _toc_chapters(toc_file):
        pages = [d for d in documents if d.startswith(CHAPTER_FOLDER) and (srcdir / f"{d}.md").is_file()]
        if not pages or pages[0] != documents[0]:
            continue
        sources = tuple(srcdir / f"{page}.md" for page in pages)
        chapters.append(Chapter(pages[0], len(chapters) + 1, sources[0], tuple(pages), sources))
    return tuple(chapters)


def chapter_of(chapters: Iterable[Chapter], docname: str) -> Chapter | None:
    """The chapter that ``docname`` is a page of, or None."""
    return next((chapter for chapter in chapters if chapter.holds(docname)), None)


COLAB_SETUP = """\
# Only on Google Colab, which opens this notebook alone: fetch the class pack (the qantar
# package, the data and the public bank), work in it, and install what Colab lacks, at the
# pack's versions. Anywhere else this cell does nothing.
import importlib.util, os, subprocess, sys
if "google.colab" in sys.modules and not os.path.isdir("qantar"):
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", "--branch", "notebooks",
                    {url!r}, "/content/qandy-qantar"], check=True)
    os.chdir("/content/qandy-qantar")
    sys.path.insert(0, "/content/qandy-qantar")
    modules = {{"myst-nb": "myst_nb", "altair": "altair", "pyyaml": "yaml", "ipywidgets": "ipywidgets",
               "pandas": "pandas", "matplotlib": "matplotlib"}}
    pins = [line.strip() for line in open("requirements.txt") if "==" in line]
    missing = [pin for pin in pins if pin.split("==")[0].lower() in modules
               and importlib.util.find_spec(modules[pin.split("==")[0].lower()]) is None]
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)"""


GLUE_TEXT = re.compile(r"\{glue:text\}`([^`:]+)(?::([^`]*))?`")
REF_ROLE = re.compile(r"\{ref\}`([^`<]+?)(?:\s*<([^`>]+)>)?`")
TARGET_LINE = re.compile(r"^\([\w-]+\)=[ \t]*\n?", flags=re.M)


def glued_values(build_dir: Path, docname: str | Iterable[str]) -> dict[str, str]:
    """The values a page glued when the book ran it (myst-nb's ``<docname>.glue.json``), by name;
    given a chapter's pages, the values of all of them."""
    values: dict[str, str] = {}
    for name in [docname] if isinstance(docname, str) else docname:
        path = Path(build_dir) / "jupyter_execute" / f"{name}.glue.json"
        if path.is_file():
            records = json.loads(path.read_text(encoding="utf-8"))
            values.update({key: record.get("data", {}).get("text/plain", "") for key, record in records.items()})
    return values


def glue_text(text: str, spec: str | None) -> str:
    """A glued value as ``{glue:text}`` shows it: the value's text, through ``spec`` if given."""
    import ast

    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = text
    return format(value, spec) if spec else str(value)


def resolve_prose(source: str, glued: dict[str, str], labels: dict[str, str], where: str) -> str:
    """Markdown with the book's roles resolved: each ``{glue:text}`` by its number or text, each
    ``{ref}`` by its target's title in italics; label lines (``(name)=``) dropped. A role the book
    cannot resolve stops the build, naming the chapter and the role."""

    def number(match: re.Match) -> str:
        if match[1] not in glued:
            raise ValueError(f"{where}: {{glue:text}}`{match[1]}` has no value in the executed chapter")
        return glue_text(glued[match[1]], match[2])

    def reference(match: re.Match) -> str:
        if match[2]:  # {ref}`text <label>`
            return f"*{match[1].strip()}*"
        if match[1] not in labels:
            raise ValueError(f"{where}: {{ref}}`{match[1]}` names no section of the book")
        return f"*{labels[match[1]]}*"

    source = GLUE_TEXT.sub(number, source)
    source = REF_ROLE.sub(reference, source)
    return TARGET_LINE.sub("", source)


# Cells the book hides: in the notebook their code is folded away (JupyterLab and Notebook 7 show
# a bar to open it), so that a chapter opens on its text.
HIDDEN_TAGS = {"remove-cell": {"source_hidden": True, "outputs_hidden": True}, "remove-input": {"source_hidden": True}}
# A cell the book hides but a notebook shows as it is: the chapter's import, a "try it" cell.
SHOWN_TAG = "show-in-notebook"
# A cell only the book needs (it glues the prose's numbers): a notebook has the numbers written in.
BOOK_ONLY_TAG = "book-only"


FENCE = re.compile(r"^(```|~~~)")
HEADING = re.compile(r"^(#{1,5})(\s)", flags=re.M)
CHAPTER_IMPORT = re.compile(r"^from qantar\.chapters import (?:\(([^)]*)\)|([^\n(]*))", flags=re.M)


def demote_headings(markdown: str) -> str:
    """Markdown with every heading one level lower (``#`` becomes ``##``), outside code fences."""
    out, fenced = [], False
    for line in markdown.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            line = HEADING.sub(r"#\1\2", line)
        out.append(line)
    return "\n".join(out)


def chapter_imports(code: str) -> set[str] | None:
    """The names a cell imports from ``qantar.chapters``, if that is all the cell does; else None."""
    match = CHAPTER_IMPORT.search(code)
    if match is None:
        return None
    rest = (code[: match.start()] + code[match.end() :]).strip()
    if any(line.strip() and not line.strip().startswith("#") for line in rest.splitlines()):
        return None
    names = match[1] if match[1] is not None else match[2]
    return {name.strip() for name in names.replace("\n", ",").split(",") if name.strip()}


def import_cell(code: str, names: set[str], width: int = 88) -> str:
    """The import cell ``code`` importing ``names`` (sorted, wrapped as the chapters write it), its comments kept."""
    # the pages say "this page uses"; the notebook's one import serves the chapter
    comments = [
        line.replace("this page uses", "this chapter uses")
        for line in code.splitlines()
        if line.strip().startswith("#")
    ]
    lines, line = [], "   "
    for name in sorted(names, key=str.lower):
        if len(line) + len(name) + 2 > width:
            lines.append(line)
            line = "   "
        line += f" {name},"
    lines.append(line)
    return "\n".join([*comments, "from qantar.chapters import (", *lines, ")"])


def chapter_notebook(
    chapter: Chapter,
    book_title: str = "Qandy Qantar: Kazakhstan, January 2022",
    repository_url: str = "",
    glued: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> Any:
    """The chapter as a notebook without outputs: kernel python3, stable cell ids, no book-only blocks.

    With the book's repository URL (the launch buttons' setting), a first code cell lets the
    notebook run on Colab, which opens it from the repository's `notebooks` branch alone. With
    the values the chapter glued and the book's section titles, the prose reads as in the book:
    every number is the number, every cross-reference the section's title.
    """
    import jupytext
    import nbformat

    # MyST always: jupytext guesses plain Markdown when the header does not name the extension.
    pages = [jupytext.read(source, fmt="md:myst") for source in chapter.sources]
    notebook = pages[0]
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    cells = [
        nbformat.v4.new_markdown_cell(
            f"*Chapter {chapter.number} of the module “{book_title}”. This notebook "
            "needs the module's `qantar` package, `data/` and `exercises/` beside it: run it in the folder of "
            f"the class pack (`{PACK_NAME}.zip`, on the book's site), where they are.*"
        )
    ]
    if repository_url:
        cells.append(nbformat.v4.new_code_cell(COLAB_SETUP.format(url=repository_url)))
    # One import for the notebook: the first page's, naming everything the chapter's pages import.
    imports = [names for page in pages for cell in page.cells if (names := chapter_imports(cell.source)) is not None]
    everything = set().union(*imports) if imports else set()
    imported = False
    for number, (page, source) in enumerate(zip(pages, chapter.sources)):
        for cell in page.cells:
            if cell.cell_type == "markdown":
                # The instructor edition's teaching notes come from exercises/notes/, never from the pack.
                cell.source = re.sub(r"```\{teaching-notes\}.*?```\n?", "", cell.source, flags=re.S).strip()
                if glued is not None or labels is not None:
                    cell.source = resolve_prose(cell.source, glued or {}, labels or {}, source.name).strip()
                if number:
                    # A later page of the chapter is a section of the notebook: its headings go one level down.
                    cell.source = demote_headings(cell.source)
                if not cell.source:
                    continue
            if cell.cell_type == "code":
                tags = cell.metadata.get("tags", [])
                if BOOK_ONLY_TAG in tags and glued is not None:
                    continue
                if chapter_imports(cell.source) is not None:
                    if imported:
                        continue
                    cell.source, imported = import_cell(cell.source, everything), True
                cell.outputs, cell.execution_count = [], None
                if SHOWN_TAG in tags:
                    # Shown as it is: drop the book's tags, which would hide it in JupyterLab too.
                    kept = [tag for tag in tags if tag != SHOWN_TAG and tag not in HIDDEN_TAGS]
                    if kept:
                        cell.metadata["tags"] = kept
                    else:
                        cell.metadata.pop("tags")
                else:
                    for tag in tags:
                        if tag in HIDDEN_TAGS:
                            cell.metadata.setdefault("jupyter", {}).update(HIDDEN_TAGS[tag])
            cells.append(cell)
    for index, cell in enumerate(cells):
        cell.id = f"{chapter.slug}-{index:03d}"
    notebook.cells = cells
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    nbformat.validate(notebook)
    return notebook


def notebook_bytes(notebook: Any) -> bytes:
    import nbformat

    return (nbformat.writes(notebook) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- the bank, keys withheld


def withheld_question(spec: dict, exercise) -> dict:
    """An assessed question with its key withheld: prompt and public shape only (``key: withheld``).

    Its sources are left out too: their ids name what they report (``..._russia_declines``),
    which would give the answer away, and the public page does not show them either.
    """
    from qantar.exercises.kinds import KINDS

    public = {"id": exercise.id, "kind": exercise.kind, "status": "assessed", "key": "withheld"}
    if exercise.title:
        public["title"] = exercise.title
    public["points"] = spec.get("points", 1)
    public["prompt"] = exercise.prompt
    public.update(KINDS[exercise.kind].spec(exercise, public=True))
    return public


def public_bank(src_dir: Path | str, dst_dir: Path | str) -> list[Path]:
    """Copy the bank from ``src_dir`` to ``dst_dir`` with the keys of assessed questions withheld.

    A file with no assessed question is copied as it is. In the others the practice questions
    are kept whole (students check themselves with them) and each assessed question keeps its
    id, kind, title, points, prompt, and options or items, unit or variable. Every file
    written is read back with the bank's own validation. Returns the files written.
    """
    from qantar.exercises.bank import read_bank_file

    src_dir, dst_dir = Path(src_dir), Path(dst_dir)
    dst_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted(src_dir.glob("*.yml")):
        target = dst_dir / source.name
        exercises = read_bank_file(source)  # a broken bank stops here, with its own message
        content = yaml.safe_load(source.read_text(encoding="utf-8"))
        if not any(e.status == "assessed" for e in exercises):
            shutil.copyfile(source, target)
        else:
            content["questions"] = [
                withheld_question(spec, exercise) if exercise.status == "assessed" else spec
                for spec, exercise in zip(content["questions"], exercises)
            ]
            header = (
                f"# exercises/{source.name} for students: the keys of its assessed questions are withheld\n"
                "# (key: withheld). Practice questions are as in the module's bank.\n"
            )
            target.write_text(
                header + yaml.safe_dump(content, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"
            )
        read_bank_file(target)
        written.append(target)
    return written


# --------------------------------------------------------------------------- requirements and how-to


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pack_requirements(pyproject: Path, lock: Path | None) -> str:
    """``requirements.txt`` of the pack: the runtime dependencies, pinned as in the lock file, and JupyterLab."""
    import tomllib

    from packaging.requirements import Requirement

    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = {}
    if lock is not None and lock.is_file():
        for line in lock.read_text(encoding="utf-8").splitlines():
            if "==" in line and not line.startswith("#"):
                name, version = line.split("==", 1)
                pins[canonical(name)] = f"{name.strip()}=={version.strip()}"
    lines = [
        "# Install once, online: pip install -r requirements.txt",
        "# Versions as in the module's requirements/lock.txt.",
    ]
    for text in [*dependencies, "jupyterlab>=4"]:
        requirement = Requirement(text)
        if canonical(requirement.name) in BOOK_TOOLING:
            continue
        lines.append(pins.get(canonical(requirement.name), str(requirement)))
    return "\n".join(lines) + "\n"


def pack_readme(title: str, chapters: list[Chapter], assessed: int) -> str:
    notebooks = "\n".join(f"| `{c.pack_name}` | {c.title} |" for c in chapters)
    return f"""# {title}: class pack

Every chapter of the module as a Jupyter notebook, with everything it needs to run on
your own computer, without network.

| file | what it is |
|---|---|
{notebooks}
| `qantar/` | the module's Python package, which the notebooks import (nothing to install) |
| `data/` | the module's tables (CSV) and their description, `datapackage.json` |
| `exercises/` | the question bank the notebooks' exercises come from |
| `requirements.txt` | the Python packages to install once |

## Set up once (with network)

You need Python 3.11 or newer. In a terminal, in this folder:

```
python3 -m venv .venv
.venv/bin/pip install -r requirements.txt        # Windows: .venv\\Scripts\\pip install -r requirements.txt
```

## Work (no network needed)

```
.venv/bin/jupyter lab                              # Windows: .venv\\Scripts\\jupyter lab
```

JupyterLab opens in the browser. Open a chapter, then *Run › Run All Cells*. Keep the
notebooks in this folder: they find `qantar/`, `data/` and `exercises/` beside them. A
notebook reads only these files; nothing is fetched from the internet.

The chapters were written for the book's web pages, and their text keeps a few marks of
the book's format: a ``{{glue:text}}`name` `` in the text stands for a number computed in a
code cell above it, and the book hides the cells tagged `remove-cell`. They run all the same.

## Exercises

Practice exercises check your answer and give feedback when you press *Check*.
The {assessed} assessed questions show their prompt only: the pack holds no key for them
(`key: withheld` in `exercises/`), and your instructor grades them. (Teachers: the keys,
worked solutions and teaching notes are in the instructor edition of the book, and
`qantar assign` / `qantar grade` make and grade assignments; see the book's page "For
instructors: assigning and grading".)

## Licence

The text and the data are licensed under CC BY 4.0 (`LICENSE-TEXT.md`), the code under
the MIT licence (`LICENSE`). Quotations remain the work of their authors.
"""


def class_pack_files(
    srcdir: Path, chapters: list[Chapter], notebooks: dict[str, bytes], title: str
) -> dict[str, bytes]:
    """The class pack, as archive name -> content, under one top folder."""
    import tempfile

    import qantar
    from qantar.exercises.bank import read_bank_file

    top = PACK_NAME
    files = {f"{top}/{chapter.pack_name}": notebooks[chapter.slug] for chapter in chapters}
    files |= folder_files(Path(qantar.__file__).parent, f"{top}/qantar")
    files |= folder_files(srcdir / "data", f"{top}/data")
    with tempfile.TemporaryDirectory() as scratch:
        written = public_bank(srcdir / "exercises", Path(scratch))
        files |= {f"{top}/exercises/{path.name}": path.read_bytes() for path in written}
        assessed = sum(e.status == "assessed" for path in written for e in read_bank_file(path))
    if (srcdir / "exercises" / "README.md").is_file():
        files[f"{top}/exercises/README.md"] = (srcdir / "exercises" / "README.md").read_bytes()
    for name in ("LICENSE", "LICENSE-TEXT.md"):
        if (srcdir / name).is_file():
            files[f"{top}/{name}"] = (srcdir / name).read_bytes()
    lock = srcdir / "requirements" / "lock.txt"
    files[f"{top}/requirements.txt"] = pack_requirements(srcdir / "pyproject.toml", lock).encode("utf-8")
    files[f"{top}/README.md"] = pack_readme(title, chapters, assessed).encode("utf-8")
    # Binder builds the `notebooks` branch (the pack) with this Python; the pins need 3.11 or newer.
    files[f"{top}/runtime.txt"] = b"python-3.11\n"
    return files


SITE_README = """Qandy Qantar: the book's web site, to read without network.

Open index.html (in this folder) in a web browser. Every page, figure and exercise
works from disk. The class pack, with the chapters as notebooks, is in _downloads/.
"""


# --------------------------------------------------------------------------- Sphinx


def _chapters(app) -> list[Chapter]:
    found = app.env.found_docs
    return [chapter for chapter in book_chapters(Path(app.srcdir)) if chapter.docname in found]


def _is_html(app) -> bool:
    return getattr(app.builder, "name", "") == "html"


# The theme's download menu names its items by file type (".md", ".pdf"); a reader needs words.
PLAIN_NAMES = {"download-source-button": "Markdown source", "download-pdf-button": "Print or save as PDF"}


def add_notebook_button(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    """In the theme's download menu: plain names for its items, and on a chapter page "Notebook" first."""
    if not _is_html(app):
        return
    chapter = chapter_of(_chapters(app), pagename)
    group = next(
        (button for button in context.get("header_buttons", []) if button.get("label") == "download-buttons"), None
    )
    if group is None:
        return
    for button in group.get("buttons", []):
        if button.get("label") in PLAIN_NAMES:
            button["text"] = PLAIN_NAMES[button["label"]]
    if chapter is None:
        return
    group["buttons"].insert(
        0,
        {
            "type": "link",
            "url": context["pathto"](f"{NOTEBOOKS}/{chapter.slug}.ipynb", 1),
            "text": "Notebook",
            "tooltip": "Download this chapter as a Jupyter notebook",
            "icon": "fas fa-code",
            "label": "download-notebook-button",
        },
    )


def resolve_page_links(app, doctree, docname: str) -> None:
    """Fill in the addresses only the book knows (see :mod:`qantar.mime`): an explorer's link to
    "the chapter as a notebook" (this chapter's notebook; off a chapter, the class pack), and an
    excerpt's link to its source's entry on the References page. Sphinx's doctree-resolved."""
    from docutils import nodes

    from qantar.mime import NOTEBOOK_LINK, SOURCE_LINK, source_anchor

    chapter = chapter_of(_chapters(app), docname)
    up = "../" * docname.count("/")
    notebook = up + (f"{NOTEBOOKS}/{chapter.slug}.ipynb" if chapter else PACK_ZIP)
    references = up + app.builder.get_target_uri("references")

    def source(match: re.Match) -> str:
        return f'"{references}#{source_anchor(html.unescape(match[1]))}"'

    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if NOTEBOOK_LINK not in text and SOURCE_LINK not in text:
            continue
        text = text.replace(NOTEBOOK_LINK, notebook)
        text = re.sub(rf'"{re.escape(SOURCE_LINK)}([^"]+)"', source, text)
        node.replace_self(nodes.raw("", text, format="html"))


def write_downloads(app, exception) -> None:
    """The chapter notebooks and the class pack, after a successful HTML build."""
    if exception is not None or not _is_html(app):
        return
    outdir, srcdir = Path(app.outdir), Path(app.srcdir)
    chapters = _chapters(app)
    title = str(getattr(app.config, "html_title", "") or "Qandy Qantar")
    repository = getattr(app.config, "qantar_launch", {}).get("repository_url", "")
    build_dir = outdir.parent
    labels = {name: entry[2] for name, entry in app.env.domaindata["std"]["labels"].items() if entry[2]}
    notebooks = {
        chapter.slug: notebook_bytes(
            chapter_notebook(chapter, title, repository, glued_values(build_dir, chapter.pages), labels)
        )
        for chapter in chapters
    }
    folder = outdir / NOTEBOOKS
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.ipynb"):
        if stale.stem not in notebooks:
            stale.unlink()
    for slug, content in notebooks.items():
        target = folder / f"{slug}.ipynb"
        if not target.is_file() or target.read_bytes() != content:
            target.write_bytes(content)
    write_zip(outdir / PACK_ZIP, class_pack_files(srcdir, chapters, notebooks, title))


def write_site_zip(app, exception) -> None:
    """The whole built site as a zip, last, so that it holds the notebooks and the class pack."""
    if exception is not None or not _is_html(app):
        return
    outdir = Path(app.outdir)
    # The PDF (`make pdf`, after the build) is a download of its own: a zip of this build must not
    # hold whatever PDF an earlier run left, so that the same build gives the same zip.
    skip = [outdir / SITE_ZIP, outdir / ".buildinfo", outdir / ".doctrees", outdir / DOWNLOADS / PDF_FILE]
    files = folder_files(outdir, SITE_NAME, skip=skip)
    files = {name: content for name, content in files.items() if not name.startswith(f"{SITE_NAME}/.doctrees/")}
    files[f"{SITE_NAME}/README.txt"] = SITE_README.encode("utf-8")
    write_zip(outdir / SITE_ZIP, files)


def _downloads_directive():
    from docutils import nodes
    from sphinx.util.docutils import SphinxDirective
    from sphinx.util.osutil import relative_uri

    class DownloadsDirective(SphinxDirective):
        """``:::{downloads}``: the class pack, the offline site and each chapter's notebook, linked from this page."""

        def run(self) -> list:
            try:
                here = self.env.app.builder.get_target_uri(self.env.docname)
            except NotImplementedError:  # a builder with no pages of its own
                here = self.env.docname
            chapters = book_chapters(Path(self.env.srcdir))
            self.env.note_dependency(str(Path(self.env.srcdir) / "_toc.yml"))

            def link(target: str, text: str) -> nodes.reference:
                reference = nodes.reference("", "", refuri=relative_uri(here, target), classes=["qantar-download"])
                reference += nodes.literal(text=text)
                return reference

            listing = nodes.bullet_list(classes=["qantar-downloads"])
            for target, name, description in (
                (
                    PACK_ZIP,
                    f"{PACK_NAME}.zip",
                    " — the class pack: every chapter as a notebook, the data, "
                    "the exercises and the module's package, with a how-to. Install once, then it runs in "
                    "JupyterLab with no network. Assessed questions carry no key.",
                ),
                (
                    SITE_ZIP,
                    f"{SITE_NAME}.zip",
                    " — this whole site, to unzip and read from disk, without network: open index.html.",
                ),
            ):
                paragraph = nodes.paragraph()
                paragraph += link(target, name)
                paragraph += nodes.Text(description)
                listing += nodes.list_item("", paragraph)
            if chapters:
                paragraph = nodes.paragraph(text="Each chapter as a notebook: ")
                for index, chapter in enumerate(chapters):
                    self.env.note_dependency(str(chapter.source))
                    if index:
                        paragraph += nodes.Text(", ")
                    paragraph += link(f"{NOTEBOOKS}/{chapter.slug}.ipynb", f"{chapter.slug}.ipynb")
                    paragraph += nodes.Text(f" ({chapter.number}. {chapter.title})")
                paragraph += nodes.Text(".")
                listing += nodes.list_item("", paragraph)
            return [listing]

    return DownloadsDirective


def setup(app) -> dict:
    """Kept for books that list ``qantar.downloads`` themselves: the downloads are part of the
    book's one extension, :mod:`qantar.sphinxext`, which this loads."""
    app.setup_extension("qantar.sphinxext")
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
