"""The one theme sheet (qantar.pageassets): the theme's style sheets cut to what the site uses, and
no Font Awesome font fetched by any page (the theme's glyphs are masks, qantar.icons)."""

from __future__ import annotations

import re

import pytest

from qantar import icons, stylesheets

SHEET = """/* a comment { with a brace */
@import "../basic.css";
:root{--used:red;--unused:blue;--chain:var(--used);--dead-chain:var(--unused)}
.kept,.gone{color:var(--used)}
.gone-too{color:var(--dead-chain)}
div.kept>p:not(.absent):hover::before{content:"x"}
a[href^="http"].kept{color:green}
@media (max-width:600px){.kept{margin:0}.gone{margin:1px}}
@media print{.gone{display:none}}
@font-face{font-family:Font Awesome\\ 6 Free;src:url(../webfonts/fa-solid-900.woff2)}
@font-face{font-family:Other;src:url(other.woff2)}
.fa-bars:before{content:"\\f0c9"}
.url{background:url("data:image/svg+xml;charset=utf8,%3Csvg%3E");color:red}
"""


def test_a_rule_stays_when_the_site_has_every_name_it_needs():
    names = {"kept", "div", "p", "a", "url", "fa-bars"}
    css = stylesheets.purge_rules(SHEET, names)
    assert ".kept{color:var(--used)}" in css  # the selector list keeps only the part that can match
    assert ".gone" not in css  # in a list, in a @media block, and a @media block left empty goes
    assert "div.kept>p:not(.absent):hover::before" in css  # what :not() holds never rules it out
    assert 'a[href^="http"].kept' in css
    assert "@media (max-width:600px){.kept{margin:0}}" in css and "@media print" not in css
    assert "Font Awesome" not in css and "font-family:Other" in css  # Font Awesome's fonts go
    assert "f0c9" not in css  # and its glyph rules
    assert "@import" not in css and "a comment" not in css
    assert 'url("data:image/svg+xml;charset=utf8,%3Csvg%3E")' in css  # a ';' in a URL is not an end
    assert stylesheets.usable("html[data-theme=dark] .kept", {"html", "kept"})
    assert not stylesheets.usable("html .kept", {"kept"})


def test_custom_properties_stay_only_when_something_reads_them():
    css = stylesheets.purge_rules(SHEET, {"kept", "gone-too"})
    purged = stylesheets.purge_custom_properties(css, elsewhere="")
    assert "--used:red" in purged and "--chain" not in purged
    assert "--dead-chain:var(--unused)" in purged and "--unused:blue" in purged  # .gone-too reads the chain
    without = stylesheets.purge_custom_properties(stylesheets.purge_rules(SHEET, {"kept"}), elsewhere="")
    assert "--unused" not in without and "--dead-chain" not in without  # a chain nothing reads goes whole
    # a page, a script or another sheet may read one too
    kept = stylesheets.purge_custom_properties(
        stylesheets.purge_rules(SHEET, {"kept"}), elsewhere="el.style.getPropertyValue('--chain')"
    )
    assert "--chain:var(--used)" in kept


def test_the_theme_glyphs_become_masks():
    library = icons.definitions((icons.theme_static() / icons.SCRIPT).read_text(encoding="utf-8"))
    theme = (
        ':root{--pst-icon-download:"\\f019";--pst-icon-admonition-note:var(--pst-icon-info-circle);'
        '--pst-icon-info-circle:"\\f05a"}'
        "a.reference.download:before{color:grey;content:var(--pst-icon-download);font:var(--fa-font-solid)}"
        ".admonition>.admonition-title:after{content:var(--pst-icon-info-circle);font:var(--fa-font-solid);"
        "width:1rem;height:1rem}"
        ".admonition.note>.admonition-title:after{content:var(--pst-icon-admonition-note)}"
        ".absent:before{content:var(--pst-icon-download);font:var(--fa-font-solid)}"
        ".fa-bars:before{content:\"\\f0c9\"}"
        'p.plain:before{content:"x"}'
    )
    names = {"a", "reference", "download", "admonition", "admonition-title", "note", "fa-bars", "p", "plain"}
    css, missing = icons.pseudo_element_icons([theme], library, names)
    assert not missing
    rules = dict(re.findall(r"^(\S[^{]*?) \{ (.*) \}$", css, flags=re.M))
    download = rules["a.reference.download:before"]
    assert "content: ''" in download and "mask: var(--qantar-icon)" in download
    assert "background-color: currentColor" in download and "width: var(--qantar-icon-width)" in download
    assert "--qantar-icon: url(\"data:image/svg+xml," in download
    box = rules[".admonition>.admonition-title:after"]
    assert "width:" not in box.replace("--qantar-icon-width", "")  # the theme's own 1rem box stays
    note = rules[".admonition.note>.admonition-title:after"]
    assert "content: ''" in note and "--qantar-icon:" in note and "display" not in note
    assert ".absent" not in css and "fa-bars" not in css and "plain" not in css


# --------------------------------------------------------------------------- in the browser

# An element or ::before/::after that shows text in a Font Awesome font (a glyph the masks missed).
GLYPHS_IN_THE_FONT = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const pseudo of [null, '::before', '::after']) {
      const style = getComputedStyle(el, pseudo);
      if (!/Font Awesome/i.test(style.fontFamily)) continue;
      const own = Array.from(el.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent.trim());
      const text = pseudo ? (['none', 'normal', '""', "''"].includes(style.content) ? '' : style.content)
                          : own.join('');
      if (text) found.push(`${el.tagName.toLowerCase()}.${el.className} ${pseudo || ''} ${text}`);
    }
  }
  return found;
}"""


def pages_of(built_book):
    return sorted(
        page.relative_to(built_book).as_posix()
        for page in built_book.rglob("*.html")
        if page.relative_to(built_book).parts[0] not in ("_static", "_sources")
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_fetches_a_font_awesome_font(browser, built_book, site_url, scheme):
    for width in (1280, 375):
        page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
        fonts: list[str] = []

        def fetched(request, fonts=fonts):
            if request.resource_type == "font":
                fonts.append(request.url)

        page.on("request", fetched)
        for name in pages_of(built_book):
            page.goto(f"{site_url}/{name}", wait_until="networkidle")
            assert page.evaluate(GLYPHS_IN_THE_FONT) == [], (name, width)
            assert not [url for url in fonts if re.search(r"fa-[\w-]+\.(woff2?|ttf)", url)], (name, width, fonts)
        page.close()
