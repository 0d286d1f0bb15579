"""Each page loads only the scripts and style sheets it uses.

The theme and the extensions add every asset to every page. This module takes off a page what
nothing on it uses (what remains is what the page's content or the theme's chrome needs):

==============================================  ===============================================
asset                                           kept on a page that has
==============================================  ===============================================
``searchtools.js``, ``language_data.js``,       the search page only (the theme loads them on
``searchindex.js`` (about 35 KB compressed)     every page for its search-as-you-type, which is
                                                off in this book)
``copybutton.js``, ``clipboard.min.js``,        a code block (``div.highlight``)
``copybutton.css``, ``pygments.css``
``togglebutton.js``, ``togglebutton.css``       a toggle or dropdown admonition
``design-tabs.js``, ``sphinx-design*.css``      a sphinx-design component (``sd-``)
``mystnb*.css``                                 a notebook cell
``qantar-exercises.js``                         a self-check exercise
``qantar-figures.css``                          a figure or an explorer of the module
``sphinx-thebe.css``, ``sphinx-thebe.js`` and  nothing: the book runs no live code in the page
its configuration (which names unpkg.com and,   (the configuration would also be declared twice
added once per environment read, is declared    on an incremental build, a console error)
twice on an incremental build)
the ipywidgets state myst-nb embeds for         nothing: every widget of the module also has a
executed widgets                                static rendering that wins in the page, and no
                                                widget manager is loaded
==============================================  ===============================================
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx

LAYOUT = """{%- extends "!layout.html" %}
{#- Written by qantar.pageassets: the theme loads Sphinx's search tools and the whole search index
    on every page for its search-as-you-type; with that off, only the search page needs them. #}
{%- block extrahead %}
{%- set page = namespace(head=super()) %}
{#- theme.conf options are text: "False" is a string #}
{%- if (theme_search_as_you_type | string | lower) not in ("true", "1", "yes") %}
{%- for name in ("_static/searchtools.js", "_static/language_data.js", "searchindex.js") %}
{%- set page.head = page.head | replace('<script src="' ~ (pathto(name, 1) | e) ~ '"></script>', "") %}
{%- endfor %}
{%- endif %}
{{ page.head }}
{%- endblock extrahead %}
"""

# asset file name (a prefix) -> whether a page's body needs it
NEEDS = {
    "copybutton.js": lambda body: 'class="highlight' in body,
    "clipboard.min.js": lambda body: 'class="highlight' in body,
    "copybutton.css": lambda body: 'class="highlight' in body,
    "pygments.css": lambda body: 'class="highlight' in body,
    "togglebutton.js": lambda body: bool(TOGGLE.search(body)),
    "togglebutton.css": lambda body: bool(TOGGLE.search(body)),
    "design-tabs.js": lambda body: bool(DESIGN.search(body)),
    "sphinx-design": lambda body: bool(DESIGN.search(body)),
    "mystnb": lambda body: "cell docutils" in body or "cell_output" in body,
    "qantar-exercises.js": lambda body: "qantar-exercise" in body,
    "qantar-figures.css": lambda body: "qantar-figure" in body or "qantar-explorer" in body,
    "sphinx-thebe": lambda body: False,
}
TOGGLE = re.compile(r'class="[^"]*\b(toggle|dropdown)\b[^"]*"')
DESIGN = re.compile(r'class="[^"]*\bsd-[a-z]')


def _name(asset) -> str:
    return Path(str(getattr(asset, "filename", asset)).split("?")[0]).name


def needed(asset, body: str) -> bool:
    attributes = getattr(asset, "attributes", {}) or {}
    if "THEBE_JS_URL" in str(attributes.get("body", "")):
        return False  # sphinx-thebe's inline configuration
    if attributes.get("type") == "application/vnd.jupyter.widget-state+json":
        return False
    name = _name(asset)
    for prefix, test in NEEDS.items():
        if name.startswith(prefix):
            return test(body)
    return True


def drop_unused_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    body = context.get("body", "")
    for key in ("css_files", "script_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if needed(asset, body)]


def write_layout(app: Sphinx, config) -> None:
    from qantar.icons import templates_folder

    target = templates_folder(app, config) / "layout.html"
    if not target.is_file() or target.read_text(encoding="utf-8") != LAYOUT:
        target.write_text(LAYOUT, encoding="utf-8")


def setup(app: Sphinx) -> None:
    app.connect("config-inited", write_layout, priority=600)
    app.connect("html-page-context", drop_unused_assets, priority=950)
