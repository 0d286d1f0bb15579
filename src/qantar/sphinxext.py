"""The book's Sphinx extension: the ``{excerpt}`` directive, data checks before the build, page assets.

Registered in ``_config.yml`` under ``sphinx.extra_extensions``.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from qantar import __version__, display, icons, numbering, pageassets, settings, terms
from qantar.data import PACKAGE_FILE, DataError, Field, data_dir, load_rows, read_package, validate_all
from qantar.excerpts import excerpt, render_html
from qantar.freshness import page_dependencies
from qantar.mime import source_anchor

STATIC_DIR = Path(__file__).parent / "static"


class ExcerptDirective(SphinxDirective):
    """``:::{excerpt} excerpt-id`` shows a quotation from ``data/excerpts.csv`` with its attribution."""

    required_arguments = 1
    final_argument_whitespace = False
    option_spec = {"class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        excerpt_id = self.arguments[0]
        folder = book_data_dir(self.env.app)
        # Re-read the page when the tables it quotes from change.
        for table in ("excerpts", "sources"):
            self.env.note_dependency(str(read_package(folder)[table].path))
        try:
            item = excerpt(excerpt_id, folder)
        except DataError as error:
            raise self.error(str(error)) from None
        return [nodes.raw("", render_html(item, link_source=True), format="html")]


TYPE_LABELS = {
    "string": "text",
    "integer": "whole number",
    "number": "number",
    "date": "date (ISO)",
    "boolean": "true/false",
    "year": "year",
}


def describe_constraints(column: Field) -> str:
    """The rules of a field in words, for the data page."""
    rules = []
    if column.required:
        rules.append("required")
    if column.unique:
        rules.append("unique")
    if column.enum:
        rules.append("one of: " + ", ".join(column.enum))
    if column.separator:
        rules.append(f"a list separated by “{column.separator}”")
    if column.minimum is not None:
        rules.append(f"from {column.minimum}")
    if column.maximum is not None:
        rules.append(f"to {column.maximum}")
    return "; ".join(rules)


class scroll_box(nodes.General, nodes.Element):  # noqa: N801 - docutils names its node classes in lower case
    """A table's box on a page: the same focusable, named box that scrolls sideways as the tables of
    :mod:`qantar.display` (``label`` is its accessible name). In HTML only; other builders show the table."""


# pydata-sphinx-theme puts each table in a box of its own that scrolls (and that its script makes
# focusable, unnamed, when it can scroll); inside ours that box is dropped, so that there is one box,
# one tab stop and one name.
THEME_TABLE_BOX = '<div class="pst-scrollable-table-container">'


def visit_scroll_box_html(translator, node: scroll_box) -> None:
    translator.body.append(display.scroll_box_start(node["label"]))
    node["body_start"] = len(translator.body)


def depart_scroll_box_html(translator, node: scroll_box) -> None:
    start = node["body_start"]
    body = translator.body
    if len(body) > start + 1 and body[start] == THEME_TABLE_BOX and body[-1] == "</div>\n":
        del body[-1], body[start]
    body.append("</div>\n")


def _pass_through(translator, node) -> None:
    pass


def table_headers(table: nodes.table) -> list[str]:
    """The texts of a docutils table's last header row."""
    heads = list(table.findall(nodes.thead))
    if not heads:
        return []
    rows = list(heads[0].findall(nodes.row))
    return [entry.astext().strip() for entry in rows[-1].children] if rows else []


def box_the_tables(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Put every table of a page (the Data page's field tables, a Markdown table) in the scroll box, so
    that a table wider than a phone is reached with Tab, scrolled with the arrow keys and named; the
    tables that notebook cells draw come in their box from :mod:`qantar.display` already."""
    for table in list(doctree.findall(nodes.table)):
        if isinstance(table.parent, scroll_box):
            continue
        titles = [child for child in table.children if isinstance(child, nodes.title)]
        caption = table.get("qantar_label") or (titles[0].astext() if titles else None)
        label = display.table_label(table_headers(table), caption)
        box = scroll_box(label=label)
        table.replace_self(box)
        box += table


def simple_table(header: list[str], rows: list[list[str]], classes: list[str]) -> nodes.table:
    """A docutils table of plain-text cells."""
    table = nodes.table(classes=classes)
    group = nodes.tgroup(cols=len(header))
    table += group
    for _ in header:
        group += nodes.colspec(colwidth=1)
    for section, content in ((nodes.thead(), [header]), (nodes.tbody(), rows)):
        for values in content:
            row = nodes.row()
            for value in values:
                row += nodes.entry("", nodes.paragraph(text=value))
            section += row
        group += section
    return table


class DataTableDirective(SphinxDirective):
    """``:::{data-table} name`` documents one table of ``data/``: description, size, sources, licence,
    download, fields."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        folder = book_data_dir(self.env.app)
        name = self.arguments[0]
        tables = read_package(folder)
        if name not in tables:
            raise self.error(f"no table named '{name}' in {folder / PACKAGE_FILE}; the tables are: {', '.join(tables)}")
        table = tables[name]
        self.env.note_dependency(str(table.path))
        self.env.note_dependency(str(folder / PACKAGE_FILE))
        package = json.loads((folder / PACKAGE_FILE).read_text(encoding="utf-8"))
        licence = ", ".join(item.get("name", "") for item in package.get("licenses", []))
        rows = load_rows(name, folder)
        field_names = table.field_names

        container = nodes.container(classes=["qantar-table-doc"], ids=[f"table-{name}"])
        container += nodes.paragraph(text=table.description)
        facts = nodes.paragraph()
        facts += nodes.strong(text=f"{len(rows)} rows")
        if "source_id" in field_names:
            separator = next(f.separator for f in table.fields if f.name == "source_id")
            cited = {
                item
                for row in rows
                if row["source_id"]
                for item in (row["source_id"].split(separator) if separator else [row["source_id"]])
            }
            facts += nodes.Text(f", citing {len(cited)} sources")
        facts += nodes.Text(f". Licence: {licence}. Download: ")
        relative = table.path.resolve().relative_to(Path(self.env.srcdir).resolve()).as_posix()
        download = addnodes.download_reference(
            "", "", reftarget="/" + relative, refdoc=self.env.docname, refexplicit=True
        )
        download += nodes.literal(text=table.path.name, classes=["xref", "download"])
        facts += download
        facts += nodes.Text(".")
        container += facts
        # The field's title is the column's header wherever the module shows the table; its name is
        # the CSV's and the code's.
        fields = simple_table(
            ["Field", "Title", "Type", "Description", "Rules"],
            [[f.name, f.title, TYPE_LABELS[f.type], f.description, describe_constraints(f)] for f in table.fields],
            classes=["qantar-fields"],
        )
        fields["qantar_label"] = f"Fields of {table.title} ({table.path.name})"
        container += fields
        return [container]


KIND_HEADINGS = {
    "analysis": "Analyses",
    "news": "News reports",
    "official statement": "Official statements",
    "treaty": "Treaties",
    "reference": "Reference works",
    "report": "Reports",
    "index": "Indices",
    "dataset": "Data sets",
}


class SourceListDirective(SphinxDirective):
    """``:::{source-list}`` lists every source of ``sources.csv``, grouped by kind, each with an anchor
    ``source-<id>``."""

    def run(self) -> list[nodes.Node]:
        from qantar.sources import sources

        folder = book_data_dir(self.env.app)
        self.env.note_dependency(str(read_package(folder)["sources"].path))
        by_kind: dict[str, list] = {}
        for item in sources(folder).values():
            by_kind.setdefault(item.kind, []).append(item)
        result: list[nodes.Node] = []
        for kind, heading in KIND_HEADINGS.items():
            if kind not in by_kind:
                continue
            # A section per kind, so that the page has an in-page contents ("On this page").
            section = nodes.section(ids=[f"sources-{nodes.make_id(heading)}"], classes=["qantar-sources"])
            section += nodes.title(text=f"{heading} ({len(by_kind[kind])})")
            listing = nodes.bullet_list()
            for item in sorted(by_kind[kind], key=lambda s: (s.byline.casefold(), s.published or "")):
                entry = nodes.paragraph(ids=[source_anchor(item.source_id)])
                entry += nodes.Text(f"{item.byline}. ")
                title = nodes.emphasis(text=item.title)
                if item.url:
                    link = nodes.reference("", "", refuri=item.url)
                    link += title
                    entry += link
                else:
                    entry += title
                entry += nodes.Text(f". {item.published_label}. ")
                entry += nodes.literal(text=item.source_id)
                if item.language != "en":
                    entry += nodes.Text(f" (in {item.language})")
                if item.note:  # the one place a source's judgement is given; excerpts link here
                    entry += nodes.Text(" ")
                    entry += nodes.strong(text="About the source:")
                    entry += nodes.Text(f" {item.note}")
                listing += nodes.list_item("", entry)
            section += listing
            result.append(section)
        return result


class GlossaryListDirective(SphinxDirective):
    """``:::{glossary-list}`` shows ``glossary.csv`` as a definition list."""

    def run(self) -> list[nodes.Node]:
        folder = book_data_dir(self.env.app)
        self.env.note_dependency(str(read_package(folder)["glossary"].path))
        # One section per initial letter, so that the page has an in-page contents ("On this page").
        result: list[nodes.Node] = []
        definitions, current = None, None
        for row in sorted(load_rows("glossary", folder), key=lambda r: r["term"].casefold()):
            letter = row["term"][0].upper()
            if letter != current:
                current = letter
                section = nodes.section(ids=[f"glossary-{letter.lower()}"])
                section += nodes.title(text=letter)
                definitions = nodes.definition_list(classes=["qantar-glossary"])
                section += definitions
                result.append(section)
            item = nodes.definition_list_item()
            term = nodes.term(text=row["term"], ids=[terms.term_id(row["term"])])
            item += term
            body = nodes.definition()
            body += nodes.paragraph(text=row["definition"])
            if row["other_spellings"]:
                body += nodes.paragraph(text="Also written: " + row["other_spellings"].replace("; ", ", ") + ".")
            item += body
            definitions += item
        return result


class CorrectionsListDirective(SphinxDirective):
    """``:::{corrections-list}`` shows ``corrections.csv``, newest first, as a table a reader can scan."""

    def run(self) -> list[nodes.Node]:
        from qantar.sources import format_partial_date

        folder = book_data_dir(self.env.app)
        self.env.note_dependency(str(read_package(folder)["corrections"].path))
        rows = sorted(load_rows("corrections", folder), key=lambda r: r["date"], reverse=True)
        if not rows:
            return [nodes.paragraph(text="No correction has been made yet.")]
        return [
            simple_table(
                ["Date", "Where", "It said", "It says now", "Source", "Why"],
                [
                    [
                        format_partial_date(row["date"].isoformat()),
                        row["location"],
                        row["was"],
                        row["now"],
                        row["source_id"] or "—",
                        row["reason"],
                    ]
                    for row in rows
                ],
                classes=["qantar-corrections"],
            )
        ]


class TeachingNotesDirective(SphinxDirective):
    """``:::{teaching-notes}``: the chapter's notes from ``exercises/notes/<slug>.md``, in the instructor
    edition only."""

    def run(self) -> list[nodes.Node]:
        import re

        from qantar.downloads import book_chapters, chapter_of
        from qantar.exercises.render import edition

        # A chapter may span pages: the notes are the chapter's, named after its first page.
        chapter = chapter_of(book_chapters(Path(self.env.srcdir)), self.env.docname)
        slug = (chapter.docname if chapter else self.env.docname).split("/")[-1]
        path = Path(self.env.srcdir) / "exercises" / "notes" / f"{slug}.md"
        self.env.note_dependency(str(path))
        if edition() != "instructor":
            return []
        if not path.is_file():
            raise self.error(f"no teaching notes for this chapter: expected {path}")
        text = path.read_text(encoding="utf-8")
        # Headings inside an admonition are not allowed: the notes' headings become bold lines.
        text = re.sub(r"^#{1,6}\s+(.+?)\s*$", r"**\1**", text, flags=re.M)
        box = nodes.admonition(classes=["qantar-teaching-notes"])
        box += nodes.title(text="Teaching notes (instructor edition)")
        box += self.parse_text_to_nodes(text)
        return [box]


NOTEBOOK_MARK = "```{code-cell}"


def chapter_dependencies(app: Sphinx, text: str) -> list[Path]:
    """The files whose content decides a notebook page's outputs (see :mod:`qantar.freshness`)."""
    return page_dependencies(
        text, book_data_dir(app), Path(app.srcdir) / "exercises", Path(app.srcdir) / "requirements" / "lock.txt"
    )


def fingerprint_notebook_inputs(app: Sphinx, docname: str, source: list[str]) -> None:
    """Make a notebook page re-execute when anything its outputs depend on changes, and only then.

    Jupyter Book's execution cache keys on the code cells alone, so a corrected table or an
    upgraded package would leave old outputs. Two things fix that:
    - the page notes each file it depends on, so Sphinx reads it again when one changes;
    - a hidden last cell carries a hash of those files' contents, so the cache re-executes the
      notebook exactly when their content (not just their date) has changed.
    """
    import hashlib

    text = source[0]
    if NOTEBOOK_MARK not in text or "kernelspec" not in text.split("---", 2)[1 if text.startswith("---") else 0]:
        return
    digest = hashlib.sha256()
    for path in chapter_dependencies(app, text):
        app.env.note_dependency(str(path))
        digest.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")
    source[0] = (
        text.rstrip("\n") + "\n\n```{code-cell} ipython3\n:tags: [remove-cell]\n"
        f"# Inputs of this page (written by the book build; re-run when they change): {digest.hexdigest()[:16]}\n"
        "```\n"
    )


def use_this_book(app: Sphinx, config=None) -> None:
    """Tell :mod:`qantar.settings` which book is being built, so that the tables and the question
    bank are this book's, whatever folder ``jupyter-book build`` was started from, and which
    edition (``qantar_edition`` in the configuration, else ``$QANTAR_EDITION``)."""
    settings.use_book(app.srcdir)
    if app.config.qantar_edition:
        settings.use_edition(app.config.qantar_edition)


def book_data_dir(app: Sphinx) -> Path:
    """The ``data/`` folder of the book being built (``settings`` knows the book from ``use_this_book``)."""
    return data_dir()


def check_data(app: Sphinx) -> None:
    """Validate every table before any page is read: a broken data file stops the build at once."""
    try:
        counts = validate_all(book_data_dir(app))
    except DataError as error:
        raise ExtensionError(f"qantar: broken data file: {error}") from None
    app.env.qantar_table_counts = counts  # type: ignore[attr-defined]


def add_static_files(app: Sphinx) -> None:
    app.config.html_static_path.append(str(STATIC_DIR))
    if not app.config.html_favicon:
        # Without an icon, the browser asks the server for /favicon.ico and logs a 404.
        app.config.html_favicon = str(STATIC_DIR / "favicon.svg")


FIGURE_SCRIPTS = ["vendor/vega.min.js", "vendor/vega-lite.min.js", "vendor/vega-embed.min.js", "qantar-figures.js"]


def add_figure_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Load Vega (about 830 KB, cached once for the whole site) only on the pages that draw a figure."""
    if 'class="qantar-figure"' in context.get("body", ""):
        for position, script in enumerate(FIGURE_SCRIPTS):
            app.add_js_file(script, defer="defer", priority=800 + position)


# Launch buttons. One setting switches them on: `repository.url` in _config.yml. They open
# the class pack's notebooks, which the publish workflow pushes to the `notebooks` branch:
# Binder and JupyterHub need a folder with the package and data, and Colab cannot open MyST
# Markdown. With no repository URL there is no button at all (never a dead one).
LAUNCH_SERVICES = ("binderhub_url", "colab_url", "jupyterhub_url")
LAUNCH_BRANCH = "notebooks"


def take_over_launch_buttons(app: Sphinx, config) -> None:
    """Read the launch settings for our own buttons and hide them from the theme's, which open the .md source.

    Jupyter Book passes `repository` and `launch_buttons` to the theme's options, but the
    `html_theme_options` under `sphinx.config` replace those options whole, so the settings
    are read from the book's _config.yml as well.
    """
    import yaml

    options = config.html_theme_options
    book_file = Path(app.srcdir) / "_config.yml"
    book = (yaml.safe_load(book_file.read_text(encoding="utf-8")) or {}) if book_file.is_file() else {}
    launch = {**(book.get("launch_buttons") or {}), **dict(options.get("launch_buttons") or {})}
    repository = options.get("repository_url") or (book.get("repository") or {}).get("url") or ""
    config.qantar_launch = {key: str(launch.get(key) or "").strip().rstrip("/") for key in LAUNCH_SERVICES}
    config.qantar_launch["repository_url"] = str(repository).strip().rstrip("/")
    if "launch_buttons" in options:
        options["launch_buttons"] = {key: value for key, value in launch.items() if key not in LAUNCH_SERVICES}


def launch_links(settings: dict, notebook: str) -> list[dict]:
    """The launch buttons for one notebook of the class pack: [] when no repository URL is set."""
    import re
    from urllib.parse import quote, urlencode

    repository = settings.get("repository_url", "")
    if not repository:
        return []
    github = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?", repository)
    links = []
    if settings.get("binderhub_url"):
        where = (
            f"v2/gh/{github.group(1)}/{github.group(2)}/{LAUNCH_BRANCH}"
            if github
            else f"v2/git/{quote(repository, safe='')}/{LAUNCH_BRANCH}"
        )
        links.append(
            (
                "Binder",
                "_static/images/logo_binder.svg",
                f"{settings['binderhub_url']}/{where}?urlpath={quote('lab/tree/' + notebook)}",
            )
        )
    if settings.get("jupyterhub_url"):
        folder = repository.rsplit("/", 1)[-1].removesuffix(".git")
        query = urlencode({"repo": repository, "branch": LAUNCH_BRANCH, "urlpath": f"lab/tree/{folder}/{notebook}"})
        links.append(
            (
                "JupyterHub",
                "_static/images/logo_jupyterhub.svg",
                f"{settings['jupyterhub_url']}/hub/user-redirect/git-pull?{query}",
            )
        )
    if settings.get("colab_url") and github:  # Colab opens notebooks from GitHub only
        links.append(
            (
                "Colab",
                "_static/images/logo_colab.png",
                f"{settings['colab_url']}/github/{github.group(1)}/{github.group(2)}/blob/{LAUNCH_BRANCH}/{notebook}",
            )
        )
    return [
        {
            "type": "link",
            "text": name,
            "tooltip": f"Launch this chapter on {name}",
            "icon": icon,
            "label": f"launch-{name.lower()}-button",
            "url": url,
        }
        for name, icon, url in links
    ]


def name_navigation_toggles(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """The sidebar's buttons that open a chapter's sections get a name ("Sections of Causes").

    The theme (pydata-sphinx-theme's ``generate_toctree_html``) draws each as a ``<summary>`` that
    holds only a chevron icon, which a screen reader cannot name (axe-core: summary-name, serious).
    Its function is wrapped for the page: what it returns is the same tree, each unnamed toggle
    labelled with the title of the page whose sections it opens.
    """
    generate = context.get("generate_toctree_html")
    if generate is None or getattr(generate, "qantar_named", False):
        return

    def named(*args, **kwargs):
        tree = generate(*args, **kwargs)
        if hasattr(tree, "select"):
            for summary in tree.select("li.has-children > details > summary"):
                if summary.get("aria-label") or summary.get_text(strip=True):
                    continue
                link = summary.parent.parent.find("a", class_="reference", recursive=False)
                if link is not None and link.get_text(strip=True):
                    summary["aria-label"] = f"Sections of {link.get_text(' ', strip=True)}"
        return tree

    named.qantar_named = True
    context["generate_toctree_html"] = named


def add_launch_buttons(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    from qantar.downloads import book_chapters, chapter_of

    settings = getattr(app.config, "qantar_launch", {})
    if not settings.get("repository_url") or "header_buttons" not in context:
        return
    chapter = chapter_of(book_chapters(Path(app.srcdir)), pagename)
    if chapter is None:
        return
    buttons = launch_links(settings, chapter.pack_name)
    if buttons:
        context["header_buttons"].append(
            {
                "type": "group",
                "tooltip": "Launch this chapter as a notebook",
                "icon": "fas fa-rocket",
                "buttons": buttons,
                "label": "launch-buttons",
            }
        )


def setup(app: Sphinx) -> dict:
    """The book's one extension: every registration, in the order of the build's events."""
    from qantar import downloads

    # Settings a book may give in _config.yml (sphinx.config); the environment is the fallback.
    app.add_config_value("qantar_edition", None, "env", types=[str, type(None)])  # public | instructor
    app.add_config_value("qantar_launch", {}, "html", types=[dict])  # filled from launch_buttons
    # Directives of the pages.
    app.add_directive("excerpt", ExcerptDirective)
    app.add_directive("data-table", DataTableDirective)
    app.add_directive("source-list", SourceListDirective)
    app.add_directive("glossary-list", GlossaryListDirective)
    app.add_directive("teaching-notes", TeachingNotesDirective)
    app.add_directive("corrections-list", CorrectionsListDirective)
    app.add_directive("downloads", downloads._downloads_directive())
    # config-inited: which book and edition; the launch settings, before the theme reads them.
    app.connect("config-inited", use_this_book, priority=100)
    app.connect("config-inited", take_over_launch_buttons, priority=900)
    # builder-inited: a broken table stops the build before any page is read; the page assets.
    app.connect("builder-inited", check_data)
    app.connect("builder-inited", add_static_files)
    # source-read: a notebook page re-runs when anything it reads changes.
    app.connect("source-read", fingerprint_notebook_inputs)
    # html-page-context: figure scripts; after the theme's header buttons (priority 501), the
    # launch and notebook buttons; last, the scripts the book never runs are dropped.
    app.connect("html-page-context", add_figure_scripts)
    app.connect("html-page-context", add_launch_buttons, priority=600)
    app.connect("html-page-context", name_navigation_toggles, priority=600)  # after the theme's functions
    app.connect("html-page-context", downloads.add_notebook_button, priority=600)
    # build-finished: the class pack and notebooks; last of all, the site zip of everything.
    app.connect("build-finished", downloads.write_downloads, priority=800)
    app.connect("build-finished", downloads.write_site_zip, priority=999)
    app.add_css_file("qantar.css")
    app.add_css_file("qantar-figures.css")
    app.add_css_file("qantar-print.css", media="print")  # on paper no dead button (see qantar.pdf)
    icons.setup(app)
    pageassets.setup(app)
    numbering.setup(app)  # doctree-resolved: "Exercise 1.3", "Figure 2.1"
    terms.setup(app)  # doctree-resolved: each glossary term linked on its first use in a chapter
    app.connect("doctree-resolved", downloads.resolve_page_links)
    # Every table of a page in the focusable, named box that scrolls sideways (see qantar.display).
    app.add_node(
        scroll_box,
        html=(visit_scroll_box_html, depart_scroll_box_html),
        **{builder: (_pass_through, _pass_through) for builder in ("latex", "text", "man", "texinfo")},
    )
    app.connect("doctree-resolved", box_the_tables)
    app.add_js_file("qantar-exercises.js", defer="defer")
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
