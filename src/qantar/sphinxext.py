"""The book's Sphinx extension: the ``{excerpt}`` directive, data checks before the build, page assets.

Registered in ``_config.yml`` under ``sphinx.extra_extensions``.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from qantar.data import DataError, data_dir, read_package, validate_all
from qantar.excerpts import excerpt, render_html

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
        return [nodes.raw("", render_html(item), format="html")]


def book_data_dir(app: Sphinx) -> Path:
    """The ``data/`` folder of the book being built, so that a copy of the book uses its own tables."""
    folder = Path(app.srcdir) / "data"
    return folder if folder.is_dir() else data_dir()


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


def drop_thebe_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Remove sphinx-thebe's scripts: the book runs no live code in the page (launch buttons open Jupyter).

    sphinx-thebe adds its configuration once per environment read, so an incremental
    build declares ``THEBE_JS_URL`` twice (a console error), and it names unpkg.com,
    a third-party host.
    """
    context["script_files"] = [
        script for script in context.get("script_files", [])
        if "THEBE_JS_URL" not in str(getattr(script, "attributes", {}).get("body", ""))
        and not str(getattr(script, "filename", script)).endswith("sphinx-thebe.js")
    ]


def setup(app: Sphinx) -> dict:
    app.add_directive("excerpt", ExcerptDirective)
    app.connect("builder-inited", check_data)
    app.connect("builder-inited", add_static_files)
    app.connect("html-page-context", drop_thebe_scripts)
    app.add_css_file("qantar.css")
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
