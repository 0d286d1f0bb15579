"""The icons the pages use, from a small style sheet instead of Font Awesome's 1.5 MB script."""

from __future__ import annotations

import re

import pytest

from qantar import icons

PAGES = ["glossary.html", "chapters/causes.html", "index.html"]


def test_the_library_is_read_with_its_styles_and_aliases():
    library = icons.definitions((icons.theme_static() / icons.SCRIPT).read_text(encoding="utf-8"))
    assert {"fas", "far", "fab"} <= set(library)
    width, height, path = library["fas"]["magnifying-glass"]
    assert (width, height) == (512, 512) and path.startswith("M")
    assert library["fas"]["search"] == library["fas"]["magnifying-glass"]  # Font Awesome 5's name
    assert "github" in library["fab"]


def test_the_style_sheet_names_what_it_cannot_draw():
    library = icons.definitions((icons.theme_static() / icons.SCRIPT).read_text(encoding="utf-8"))
    css, missing = icons.style_sheet({"bars", "no-such-icon"}, library)
    assert missing == {"no-such-icon"}
    assert re.search(r'\.fa-bars \{ --qantar-icon: url\("data:image/svg\+xml,', css)
    assert "CC BY 4.0" in css
    assert icons.names_in("fa-solid fa-lg fa-bars fa-fw") == {"bars"}


def test_no_page_loads_font_awesome_and_every_icon_has_a_rule(built_book):
    from qantar.pageassets import THEME_SHEET

    css = (built_book / "_static" / THEME_SHEET).read_text(encoding="utf-8")
    assert not (built_book / "_static" / "scripts" / "fontawesome.js").exists()
    # the icons' sheet is folded into the one theme sheet, and nothing is left to fetch a font
    assert not (built_book / "_static" / icons.CSS).exists()
    assert not list((built_book / "_static" / "vendor" / "fontawesome").rglob("fa-*")), "Font Awesome's fonts shipped"
    assert "@font-face" not in css and "webfonts/" not in css
    for page in built_book.rglob("*.html"):
        if page.relative_to(built_book).parts[0] in ("_static", "_sources"):
            continue
        text = page.read_text(encoding="utf-8")
        assert icons.SCRIPT not in text, page
        assert re.search(re.escape(THEME_SHEET) + r"\?v=[0-9a-f]{12}\"", text), page
        for sheet in ("styles/theme.css", "styles/pydata-sphinx-theme.css", "styles/sphinx-book-theme.css"):
            assert sheet not in text, (page, sheet)
        for classes in icons.CLASS_ATTRIBUTE.findall(text):
            for name in icons.names_in(classes):
                assert f".fa-{name} {{" in css, (page.name, name)


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_icon_button_is_visible_labelled_and_reachable_by_keyboard(browser, site_url, width, scheme):
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
    for name in PAGES:
        page.goto(f"{site_url}/{name}")
        page.wait_for_load_state("networkidle")
        found = page.evaluate(
            """() => Array.from(document.querySelectorAll('i[class*="fa-"]'))
                 .filter(icon => icon.offsetParent !== null)
                 .map(icon => {
                   const box = icon.getBoundingClientRect();
                   const control = icon.closest('button, a, [role="button"], label');
                   const style = getComputedStyle(icon);
                   const name = control ? (control.getAttribute('aria-label') || control.getAttribute('title')
                                           || control.textContent.trim()) : '';
                   return {icon: icon.className, width: box.width, height: box.height,
                           mask: style.maskImage || style.webkitMaskImage, colour: style.backgroundColor,
                           control: control ? control.tagName : null, name: name,
                           focusable: control ? control.tabIndex >= 0 : false};
                 })"""
        )
        assert found, f"{name}: no icon shown"
        for icon in found:
            assert icon["width"] > 4 and icon["height"] > 4, (name, icon)
            assert icon["mask"].startswith('url("data:image/svg+xml'), (name, icon)
            assert icon["colour"] not in ("rgba(0, 0, 0, 0)", "transparent"), (name, icon)
            if icon["control"]:
                assert icon["name"], (name, icon)
                assert icon["focusable"], (name, icon)
    # The theme switch and the search button still work from the keyboard.
    page.goto(f"{site_url}/glossary.html")
    switch = page.locator(".theme-switch-button").first
    switch.focus()
    before = page.evaluate("document.documentElement.dataset.mode")
    page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.dataset.mode") != before
    page.close()


# --------------------------------------------------------------------------- only what a page uses


def test_a_page_keeps_only_the_assets_its_content_uses():
    from qantar.pageassets import needed

    plain = "<p>Glossary text</p>"
    code = '<div class="highlight-python notranslate"><div class="highlight"><pre>x = 1</pre></div></div>'
    for asset in ("copybutton.js", "clipboard.min.js", "pygments.css", "togglebutton.js", "design-tabs.js",
                  "mystnb.11b3.css", "qantar-exercises.js", "qantar-figures.css", "sphinx-thebe.css"):  # fmt: skip
        assert not needed(asset, plain), asset
    assert needed("copybutton.js", code) and needed("pygments.css", code)
    assert needed("qantar-exercises.js", '<section class="qantar-exercise">')
    assert needed("togglebutton.js", '<div class="admonition dropdown">')
    assert not needed("sphinx-thebe.css", code)
    for asset in ("doctools.js", "qantar.css", "scripts/bootstrap.js"):
        assert needed(asset, plain), asset
    # folded into the one theme sheet, linked by the theme's macros
    assert not needed("styles/sphinx-book-theme.css", plain) and not needed("qantar-icons.css", plain)
    from sphinx.builders.html._assets import _JavaScript

    thebe_config = _JavaScript("", body='const THEBE_JS_URL = "https://unpkg.com/thebe"')
    widget_state = _JavaScript("", type="application/vnd.jupyter.widget-state+json", body="{}")
    assert not needed(thebe_config, code) and not needed(widget_state, code)
    assert not needed("sphinx-thebe.js", code)
    toggle_settings = _JavaScript("", body="let toggleHintShow = 'Click to show';")
    assert not needed(toggle_settings, plain) and needed(toggle_settings, '<div class="admonition dropdown">')


def test_pages_load_only_what_they_use(built_book):
    glossary = (built_book / "glossary.html").read_text(encoding="utf-8")
    for name in ("searchindex.js", "searchtools.js", "copybutton.js", "mystnb", "sphinx-thebe", "qantar-exercises"):
        assert name not in glossary, name
    search = (built_book / "search.html").read_text(encoding="utf-8")
    assert "searchindex.js" in search and "searchtools.js" in search
    causes = (built_book / "chapters" / "causes-spread.html").read_text(encoding="utf-8")
    for name in ("copybutton.js", "mystnb", "qantar-exercises.js", "qantar-figures.css"):
        assert name in causes, name
    # The deferred theme scripts are not preloaded: the style sheets get the bandwidth first.
    assert 'rel="preload" as="script"' not in glossary
    assert "scripts/bootstrap.js" in glossary and "defer" in glossary


def test_search_still_finds_from_any_page(browser, site_url):
    page = browser.new_page()
    page.goto(f"{site_url}/glossary.html")
    page.keyboard.press("Control+k")  # the theme's search shortcut opens its search field
    field = page.locator("input[name='q']:visible").first
    field.fill("Zhanaozen")
    field.press("Enter")
    page.wait_for_url("**/search.html*")
    page.wait_for_selector("#search-results li", timeout=20_000)
    assert page.locator("#search-results li").count() > 0
    page.close()
