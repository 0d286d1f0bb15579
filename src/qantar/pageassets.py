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
``togglebutton.js``, ``togglebutton.css`` and   a toggle or dropdown admonition
its inline settings
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

The theme's style sheets hold back the first paint: Sphinx's ``basic.css`` (behind an ``@import``
in the theme's ``theme.css``, so fetched only after it), ``pydata-sphinx-theme.css`` (397 KB, most
of it Bootstrap and Font Awesome's rules for some 2,000 icons) and ``sphinx-book-theme.css``. After
the build (:func:`write_theme_sheet`), the three are joined, in their order, into one sheet,
``_static/styles/qantar-theme.css``, with the icons' sheet (``qantar.icons``) at its end, and
cut to what the site can use:

- a rule is kept when every class, id and element name of one of its selectors occurs in a built
  page or in one of the site's own scripts (which add classes as a page runs: Bootstrap's
  ``show``, the theme's ``hide``); pseudo-classes, attribute selectors and what ``:not()`` or
  ``:is()`` hold never drop a rule, and an at-rule block is cut the same way inside;
- a custom property (``--pst-color-…``) is kept when some kept rule, style sheet, page or script
  reads it;
- Font Awesome's glyph rules and its ``@font-face`` rules go: the icons are masks (``qantar.icons``),
  so no page fetches a Font Awesome font, and the font files are not shipped.

Each page links the sheet with a hash of its content (``?v=``), so a browser never keeps an old
copy after the site changes.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sphinx.application import Sphinx

from qantar.stylesheets import (
    THEME_SHEET,
    THEME_SOURCES,
    built_pages,
    purge_custom_properties,
    purge_rules,
    site_names,
)

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
    # folded into the one theme sheet (write_theme_sheet), linked by the theme's macros
    "sphinx-book-theme.css": lambda body: False,
    "qantar-icons.css": lambda body: False,
}
TOGGLE_SETTINGS = re.compile(r"\b(toggleHintShow|toggleHintHide|toggleOpenOnPrint|togglebuttonSelector)\b")
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
    if TOGGLE_SETTINGS.search(str(attributes.get("body", ""))):
        return bool(TOGGLE.search(body))  # sphinx-togglebutton's inline settings, for its script only
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


# --------------------------------------------------------------------------- the one theme sheet


def write_theme_sheet(app: Sphinx, exception) -> None:
    """After an HTML build: the theme's sheets and the icons' sheet as one sheet cut to what the
    site uses; each page links it with its hash; Font Awesome's fonts taken out of the site."""
    if exception is not None or getattr(app.builder, "name", "") != "html":
        return
    static = Path(app.outdir) / "_static"
    if not all((static / source).is_file() for source in THEME_SOURCES):
        return  # another theme
    names, texts = site_names(Path(app.outdir))
    theme = "".join(purge_rules((static / source).read_text(encoding="utf-8"), names) for source in THEME_SOURCES)
    icons_sheet = static / "qantar-icons.css"
    icons = icons_sheet.read_text(encoding="utf-8") if icons_sheet.is_file() else ""
    others = "\n".join(
        sheet.read_text(encoding="utf-8")
        for sheet in sorted(static.rglob("*.css"))
        if sheet.relative_to(static).as_posix() not in (*THEME_SOURCES, THEME_SHEET, "styles/theme.css")
    )
    theme = purge_custom_properties(theme, texts + others)
    css = (
        "/* The theme's style sheets (Sphinx's basic.css, pydata-sphinx-theme, sphinx-book-theme; Bootstrap:\n"
        "   MIT), cut by qantar.stylesheets to the rules this site can use, then the icons (qantar.icons). */\n"
        + theme
        + "\n"
        + icons
    )
    (static / THEME_SHEET).write_text(css, encoding="utf-8")
    if icons_sheet.is_file():
        icons_sheet.unlink()
    digest = hashlib.sha256(css.encode("utf-8")).hexdigest()[:12]
    link = re.compile(re.escape(THEME_SHEET) + r'(\?[^"]*)?"')
    for page in built_pages(Path(app.outdir)):
        text = page.read_text(encoding="utf-8")
        linked = link.sub(f'{THEME_SHEET}?v={digest}"', text)
        if linked != text:
            page.write_text(linked, encoding="utf-8")
    if "webfonts/" not in css:  # no @font-face left for Font Awesome: its fonts are not shipped
        for font in (static / "vendor" / "fontawesome" / "webfonts").glob("fa-*"):
            font.unlink()


def setup(app: Sphinx) -> None:
    app.connect("config-inited", write_layout, priority=600)
    app.connect("html-page-context", drop_unused_assets, priority=950)
    app.connect("build-finished", write_theme_sheet, priority=800)
