"""Only the icons the pages use, drawn by a small style sheet, instead of Font Awesome's script.

The theme (pydata-sphinx-theme) loads Font Awesome's whole icon library as a 1.5 MB script on
every page, which turns each ``<i class="fa-solid fa-bars">`` into an SVG. The pages use about
twenty icons. This module:

- overrides the theme's ``static/webpack-macros.html`` template (through the book's templates
  path, written from the installed theme's own file at each build) without the script's tag;
- after the build, finds every ``fa-*`` icon the pages and the theme's scripts name, takes its
  outline from the theme's copy of Font Awesome Free (icons: CC BY 4.0), and writes
  ``_static/qantar-icons.css``, which draws each icon as a CSS mask in the text colour (so it
  follows light and dark mode); and removes the script from the built site.

A page names an icon the library does not have: the build stops and says which.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

SCRIPT = "scripts/fontawesome.js"
CSS = "qantar-icons.css"
MACROS = "static/webpack-macros.html"
# Style classes of Font Awesome, not icons.
MODIFIERS = {
    "solid", "regular", "brands", "lg", "xs", "sm", "xl", "2xl", "1x", "2x", "3x", "fw", "spin", "pulse",
    "border", "inverse", "stack", "stack-1x", "stack-2x", "flip", "rotate-90", "rotate-180", "rotate-270",
    "flip-horizontal", "flip-vertical", "pull-left", "pull-right", "beat", "fade", "bounce", "shake", "ul", "li",
}  # fmt: skip
CLASS_ATTRIBUTE = re.compile(r'\bclass="([^"]*)"')
ICON_CLASS = re.compile(r"\bfa-([a-z0-9]+(?:-[a-z0-9]+)*)")
ENTRY = re.compile(
    r'(?:"([a-z0-9-]+)"|\b([a-z0-9]+)):\[(\d+),(\d+),\[([^\]]*)\],"[0-9a-f]*",'
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
            path = entry.group(6)
            path = path[1:-1] if path.startswith('"') else " ".join(re.findall(r'"((?:[^"\\]|\\.)*)"', path))
            outline = (int(entry.group(3)), int(entry.group(4)), path)
            icons.setdefault(name, outline)
            for alias in re.findall(r'"([a-z0-9-]+)"', entry.group(5)):
                icons.setdefault(alias, outline)
    return found


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
        "}",
        ".fa-lg { font-size: 1.25em; line-height: 0.05em; vertical-align: -0.075em; }",
        ".fa-fw { width: 1.25em; }",
    ]
    missing = set()
    for name in sorted(needed):
        outline = next((icons[style][name] for style in ("fas", "fab", "far") if name in icons.get(style, {})), None)
        if outline is None:
            missing.add(name)
            continue
        width, height, path = outline
        svg = f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}'><path d='{path}'/></svg>"
        rules.append(f'.fa-{name} {{ --qantar-icon: url("data:image/svg+xml,{quote(svg, safe=" =/:,.-")}"); }}')
    return "\n".join(rules) + "\n", missing


def templates_folder(app: Sphinx, config) -> Path:
    """The templates this build writes from the installed theme's own (beside its doctrees), first
    in the templates path."""
    folder = Path(app.doctreedir).parent / "qantar-templates"
    folder.mkdir(parents=True, exist_ok=True)
    if str(folder) not in config.templates_path:
        config.templates_path.insert(0, str(folder))
    return folder


def override_template(app: Sphinx, config) -> None:
    """The theme's script macros without Font Awesome's script, in a templates folder of this build.

    The preloads of the theme's two deferred scripts go too: on a slow connection they share the
    bandwidth with the style sheets, which hold back the first paint, while the scripts themselves
    are only needed once the page is parsed (``defer``, at the end of the body)."""
    source = theme_static() / "webpack-macros.html"
    if not source.is_file():
        return  # another theme: nothing to take out
    text = source.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if SCRIPT not in line and 'rel="preload" as="script"' not in line]
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
    for page in outdir.rglob("*.html"):
        if page.relative_to(outdir).parts[0] == "_static":
            continue  # the theme's templates, copied as files: not pages
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
    (outdir / "_static" / CSS).write_text(css, encoding="utf-8")
    for leftover in (outdir / "_static" / "scripts").glob("fontawesome.js*"):
        if not leftover.name.endswith("LICENSE.txt"):
            leftover.unlink()


def setup(app: Sphinx) -> None:
    app.connect("config-inited", override_template)
    app.connect("build-finished", write_icons, priority=700)
    app.add_css_file(CSS)
