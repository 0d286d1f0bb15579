"""Only the icons the pages use, drawn by a small style sheet, instead of Font Awesome's script.

The theme (pydata-sphinx-theme) loads Font Awesome's whole icon library as a 1.5 MB script on
every page, which turns each ``<i class="fa-solid fa-bars">`` into an SVG. The pages use about
twenty icons. This module:

- overrides the theme's ``static/webpack-macros.html`` template (through the book's templates
  path, written from the installed theme's own file at each build) without the script's tag;
- after the build, finds every ``fa-*`` icon the pages and the theme's scripts name, takes its
  outline from the theme's copy of Font Awesome Free (icons: CC BY 4.0), and writes
  ``_static/qantar-icons.css``, which draws each icon as a CSS mask in the text colour (so it
  follows light and dark mode); and removes the script from the built site;
- draws the same way the icons the theme's style sheets put in a ``::before`` or ``::after`` with
  Font Awesome's font (a download link's arrow, an admonition's sign, the breadcrumbs' divider, an
  external link's arrow): each such rule gets a rule with the same selector that empties its
  ``content`` and masks the glyph's outline instead. No page then needs Font Awesome's font, which
  ``qantar.pageassets`` leaves out of the site with the theme's unused rules.

A page names an icon the library does not have: the build stops and says which.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

from qantar.stylesheets import (
    CLASS_ATTRIBUTE,
    GLYPH_RULE,
    NESTED,
    THEME_SHEET,
    THEME_SOURCES,
    built_pages,
    declarations,
    rules,
    site_names,
    split_top,
    usable,
)

SCRIPT = "scripts/fontawesome.js"
CSS = "qantar-icons.css"
MACROS = "static/webpack-macros.html"
# Style classes of Font Awesome, not icons.
MODIFIERS = {
    "solid", "regular", "brands", "lg", "xs", "sm", "xl", "2xl", "1x", "2x", "3x", "fw", "spin", "pulse",
    "border", "inverse", "stack", "stack-1x", "stack-2x", "flip", "rotate-90", "rotate-180", "rotate-270",
    "flip-horizontal", "flip-vertical", "pull-left", "pull-right", "beat", "fade", "bounce", "shake", "ul", "li",
}  # fmt: skip
ICON_CLASS = re.compile(r"\bfa-([a-z0-9]+(?:-[a-z0-9]+)*)")
ENTRY = re.compile(
    r'(?:"([a-z0-9-]+)"|\b([a-z0-9]+)):\[(\d+),(\d+),\[([^\]]*)\],"([0-9a-f]*)",'
    r'("(?:[^"\\]|\\.)*"|\[(?:"(?:[^"\\]|\\.)*",?)*\])\]'
)
SET = re.compile(r'\("(fa[srb])",[A-Za-z_$][\w$]*\)')


def theme_static() -> Path:
    import pydata_sphinx_theme

    return Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"


def definitions(script: str) -> dict[str, dict[str, tuple[int, int, str]]]:
    """Font Awesome's icons by style (``fas``, ``far``, ``fab``) and name (aliases included):
    width, height and the SVG path."""
    found: dict[str, dict[str, tuple[int, int, str]]] = {}
    start = 0
    for match in SET.finditer(script):
        chunk = script[start : match.start()]
        start = match.end()
        icons = found.setdefault(match.group(1), {})
        for entry in ENTRY.finditer(chunk):
            name = entry.group(1) or entry.group(2)
            path = entry.group(7)
            path = path[1:-1] if path.startswith('"') else " ".join(re.findall(r'"((?:[^"\\]|\\.)*)"', path))
            outline = (int(entry.group(3)), int(entry.group(4)), path)
            icons.setdefault(name, outline)
            for alias in re.findall(r'"([a-z0-9-]+)"', entry.group(5)):
                icons.setdefault(alias, outline)
            if entry.group(6):
                icons.setdefault(f"U+{int(entry.group(6), 16):04X}", outline)
    return found


def mask_url(outline: tuple[int, int, str]) -> str:
    width, height, path = outline
    svg = f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}'><path d='{path}'/></svg>"
    return f'url("data:image/svg+xml,{quote(svg, safe=" =/:,.-")}")'


def names_in(text: str) -> set[str]:
    return {name for name in ICON_CLASS.findall(text) if name not in MODIFIERS}


def style_sheet(needed: set[str], icons: dict[str, dict[str, tuple[int, int, str]]]) -> tuple[str, set[str]]:
    """The CSS that draws ``needed`` icons, and the names Font Awesome does not have."""
    rules = [
        "/* The icons the pages use, from Font Awesome Free (https://fontawesome.com, icons CC BY 4.0),",
        "   drawn as masks in the text colour by qantar.icons instead of Font Awesome's script. */",
        ".fa, .fas, .far, .fab, .fa-solid, .fa-regular, .fa-brands {",
        "  display: inline-block; width: 1.15em; height: 1em; vertical-align: -0.125em;",
        "  background-color: currentColor;",
        "  -webkit-mask: var(--qantar-icon) center / contain no-repeat;",
        "  mask: var(--qantar-icon) center / contain no-repeat;",
        "  /* in a flex row (the previous/next links) an empty box would shrink to nothing: the glyph's",
        "     own width is its least, as when Font Awesome's font drew it */",
        "  min-width: min(var(--qantar-icon-min, 0px), 1.15em);",
        "}",
        ".fa-lg { font-size: 1.25em; line-height: 0.05em; vertical-align: -0.075em; }",
        ".fa-fw { width: 1.25em; }",
    ]
    missing = set()
    drawn = []
    for name in sorted(needed):
        outline = next((icons[style][name] for style in ("fas", "fab", "far") if name in icons.get(style, {})), None)
        if outline is None:
            missing.add(name)
            continue
        drawn.append(name)
        least = f"{outline[0] / outline[1]:.4g}em"
        rules.append(f".fa-{name} {{ --qantar-icon: {mask_url(outline)}; --qantar-icon-min: {least}; }}")
    # Font Awesome's own rules put each glyph in a ::before with its font: not drawn, not fetched.
    glyphs = [f"{style}::before" for style in (".fa", ".fas", ".far", ".fab", ".fa-solid", ".fa-regular", ".fa-brands")]
    glyphs += [f".fa-{name}::before" for name in drawn]
    rules.append(",\n".join(glyphs) + " { content: none; }")
    return "\n".join(rules) + "\n", missing


PUA = re.compile(r"^[\ue000-\uf8ff]$")


def css_string(value: str) -> str | None:
    """The text of a CSS string value (``"\\f019"`` or the character itself), else None."""
    match = re.fullmatch(r"\s*([\"'])(.*)\1\s*", value, flags=re.S)
    if not match:
        return None
    return re.sub(r"\\([0-9a-fA-F]{1,6})\s?", lambda m: chr(int(m.group(1), 16)), match.group(2))


def pseudo_element_icons(sheets: list[str], icons: dict, names: set[str]) -> tuple[str, set[str]]:
    """For each rule of the theme's ``sheets`` that puts a Font Awesome glyph in a ``::before`` or
    ``::after`` and may match in the site (``names``, see ``qantar.stylesheets.usable``), a rule with
    the same selector that draws the glyph's outline as a mask in its colour instead; and the
    glyphs Font Awesome does not have."""

    def walk(css: str, media: str = ""):
        for prelude, block in rules(css):
            if block is None:
                continue
            if prelude.startswith(NESTED):
                yield from walk(block, prelude)
            elif not prelude.startswith("@"):
                yield media, prelude, declarations(block)

    found = [rule for sheet in sheets for rule in walk(sheet)]
    variables = {name: value for _, _, block in found for name, value in block if name.startswith("--")}

    def resolve(value: str, depth: int = 0) -> str:
        match = re.fullmatch(r"\s*var\(\s*(--[\w-]+)\s*(?:,(.*))?\)\s*", value, flags=re.S)
        if not match or depth > 10:
            return value
        return resolve(variables.get(match.group(1), match.group(2) or ""), depth + 1)

    out, missing = [], set()
    for media, prelude, block in found:
        selectors = [
            s
            for s in split_top(prelude, ",")
            if re.search(r"::?(before|after)$", s) and not GLYPH_RULE.match(s) and usable(s, names)
        ]
        values = dict(block)
        text = css_string(resolve(values.get("content", "")))
        if not selectors or text is None or not PUA.match(text):
            continue
        code = f"U+{ord(text):04X}"
        brands = "brands" in values.get("font", "") or "Brands" in values.get("font-family", "")
        styles = ("fab", "fas", "far") if brands else ("fas", "far", "fab")
        outline = next((icons[style][code] for style in styles if code in icons.get(style, {})), None)
        if outline is None:
            missing.add(f"{code} ({prelude})")
            continue
        width, height, _ = outline
        drawn = ["content: ''", f"--qantar-icon: {mask_url(outline)}", f"--qantar-icon-width: {width / height:.4g}em"]
        if "font" in values or "font-family" in values:  # the rule that sets the glyph's font sets its box
            drawn += ["display: inline-block", "vertical-align: -0.125em", "background-color: currentColor"]
            drawn += ["-webkit-mask: var(--qantar-icon) center / contain no-repeat"]
            drawn += ["mask: var(--qantar-icon) center / contain no-repeat"]
            # the theme's padding stays room around the glyph, as it was around the font's
            drawn += ["box-sizing: content-box", "-webkit-mask-origin: content-box", "mask-origin: content-box"]
            drawn += ["-webkit-mask-clip: content-box", "mask-clip: content-box", "background-clip: content-box"]
            if "width" not in values:
                drawn.append("width: var(--qantar-icon-width)")
            if "height" not in values:
                drawn.append("height: 1em")
        rule = ",".join(selectors) + " { " + "; ".join(drawn) + "; }"
        out.append(f"{media} {{ {rule} }}" if media else rule)
    return "\n".join(out) + ("\n" if out else ""), missing


def templates_folder(app: Sphinx, config) -> Path:
    """The templates this build writes from the installed theme's own (beside its doctrees), first
    in the templates path."""
    folder = Path(app.doctreedir).parent / "qantar-templates"
    folder.mkdir(parents=True, exist_ok=True)
    if str(folder) not in config.templates_path:
        config.templates_path.insert(0, str(folder))
    return folder


def override_template(app: Sphinx, config) -> None:
    """The theme's script macros without Font Awesome's script, in a templates folder of this build;
    its two style sheets replaced by the site's one theme sheet (``qantar.pageassets``).

    The preloads of the theme's two deferred scripts go too: on a slow connection they share the
    bandwidth with the style sheets, which hold back the first paint, while the scripts themselves
    are only needed once the page is parsed (``defer``, at the end of the body)."""
    source = theme_static() / "webpack-macros.html"
    if not source.is_file():
        return  # another theme: nothing to take out
    text = source.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if SCRIPT not in line and 'rel="preload" as="script"' not in line]
    # The theme's two sheets (theme.css only @imports basic.css) give way to the one sheet that
    # qantar.pageassets writes after the build from them, sphinx-book-theme's and the icons'.
    lines = [
        line.replace("styles/pydata-sphinx-theme.css", THEME_SHEET)
        for line in lines
        if "_static/styles/theme.css" not in line
    ]
    target = templates_folder(app, config) / MACROS
    target.parent.mkdir(parents=True, exist_ok=True)
    content = "\n".join(lines) + "\n"
    if not target.is_file() or target.read_text(encoding="utf-8") != content:
        target.write_text(content, encoding="utf-8")


def write_icons(app: Sphinx, exception) -> None:
    """After an HTML build: the icon style sheet for every icon the site names; the script removed."""
    if exception is not None or getattr(app.builder, "name", "") != "html":
        return
    outdir = Path(app.outdir)
    script = theme_static() / SCRIPT
    if not script.is_file():
        return
    needed: set[str] = set()
    for page in built_pages(outdir):
        text = page.read_text(encoding="utf-8", errors="replace")
        if SCRIPT in text:
            raise ExtensionError(f"{page.relative_to(outdir)} still loads Font Awesome's script")
        needed |= {name for classes in CLASS_ATTRIBUTE.findall(text) for name in names_in(classes)}
    icons = definitions(script.read_text(encoding="utf-8"))

    def known(name: str) -> bool:
        return any(name in icons.get(style, {}) for style in ("fas", "fab", "far"))

    # Icons that the theme's own scripts add to a page after it loads, where Font Awesome has them.
    added = {
        name
        for theme_script in (outdir / "_static" / "scripts").glob("*.js")
        if not theme_script.name.startswith("fontawesome")
        for name in names_in(theme_script.read_text(encoding="utf-8", errors="replace"))
        if known(name)
    }
    css, missing = style_sheet(needed | added, icons)
    if missing:
        raise ExtensionError(f"the pages name icons that Font Awesome does not have: {', '.join(sorted(missing))}")
    sheets = [(outdir / "_static" / name).read_text(encoding="utf-8") for name in THEME_SOURCES[1:]]
    pseudo, missing = pseudo_element_icons(sheets, icons, site_names(outdir)[0])
    if missing:
        raise ExtensionError(f"the theme's style sheets use glyphs that Font Awesome does not have: {sorted(missing)}")
    css += "/* The glyphs the theme's style sheets put in ::before and ::after, as masks. */\n" + pseudo
    (outdir / "_static" / CSS).write_text(css, encoding="utf-8")
    for leftover in (outdir / "_static" / "scripts").glob("fontawesome.js*"):
        if not leftover.name.endswith("LICENSE.txt"):
            leftover.unlink()


def setup(app: Sphinx) -> None:
    app.connect("config-inited", override_template)
    app.connect("build-finished", write_icons, priority=700)
