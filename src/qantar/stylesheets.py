"""Style sheets read as text: the rules of a sheet, the selectors a site can match, the sheets cut
to what the site uses (:func:`purge_rules`, :func:`purge_custom_properties`).

The functions :mod:`qantar.pageassets` (the one theme sheet) and :mod:`qantar.icons` (the theme's
glyphs as masks) share, in a module of their own that imports neither.
"""

from __future__ import annotations

import re
from pathlib import Path

THEME_SHEET = "styles/qantar-theme.css"
# The theme's sheets, in the order the pages loaded them (basic.css came through theme.css's @import).
THEME_SOURCES = ("basic.css", "styles/pydata-sphinx-theme.css", "styles/sphinx-book-theme.css")
NESTED = ("@media", "@supports", "@layer", "@container", "@document")
PSEUDO = re.compile(r"::?[a-zA-Z-]+(?:\((?:[^()]|\([^()]*\))*\))?")
NAME = re.compile(r"([.#]?)(-?[_a-zA-Z][\w-]*)")
# Font Awesome's own glyph rules (`.fa-bars:before{content:"\f0c9"}`): the icons are masks now.
GLYPH_RULE = re.compile(r"^\.fa-[\w-]+::?(?:before|after)$")
FONT_AWESOME = re.compile(r"Font Awesome", re.I)
CLASS_ATTRIBUTE = re.compile(r'\bclass="([^"]*)"')


def built_pages(outdir: Path) -> list[Path]:
    """The HTML pages of a build, in order (not the theme's templates that ``_static`` holds as files)."""
    skip = ("_static", "_sources")
    return sorted(p for p in Path(outdir).rglob("*.html") if p.relative_to(outdir).parts[0] not in skip)


def rules(css: str) -> list[tuple[str, str | None]]:
    """A style sheet's top-level items, comments left out: ``(prelude, block)`` for a rule or a
    block at-rule (the block's text unparsed), ``(statement, None)`` for ``@import …;`` and the like."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    items: list[tuple[str, str | None]] = []
    start = depth = 0
    opened = 0
    quote = ""
    index = 0
    while index < len(css):
        char = css[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "{":
            if depth == 0:
                opened = index
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                items.append((css[start:opened].strip(), css[opened + 1 : index]))
                start = index + 1
        elif char == ";" and depth == 0:
            if css[start:index].strip():
                items.append((css[start:index].strip(), None))
            start = index + 1
        index += 1
    return items


def split_top(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside brackets and strings."""
    parts, depth, quote, current = [], 0, "", []
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\" and index + 1 < len(text):
                current.append(char + text[index + 1])
                index += 2
                continue
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append("".join(current))
            current = []
            index += 1
            continue
        current.append(char)
        index += 1
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def declarations(block: str) -> list[tuple[str, str]]:
    found = []
    for declaration in split_top(block, ";"):
        name, _, value = declaration.partition(":")
        found.append((name.strip(), value.strip()))
    return found


def usable(selector: str, names: set[str]) -> bool:
    """Whether ``selector`` may match in the site: each class, id and element name it needs is in
    ``names``. Attribute selectors and pseudo-classes (with what they hold) never rule it out."""
    simple = PSEUDO.sub("", re.sub(r"\[[^\]]*\]", "", selector))
    if "\\" in simple:
        return True  # an escaped name: keep rather than guess
    for kind, name in NAME.findall(simple):
        if name not in names and (kind or name.lower() not in names):
            return False
    return True


def purge_rules(css: str, names: set[str]) -> str:
    """The rules of ``css`` that may match in the site (see :func:`usable`); Font Awesome's glyph
    rules and fonts left out."""
    kept = []
    for prelude, block in rules(css):
        if block is None:
            if not prelude.startswith("@import"):
                kept.append(prelude + ";")
            continue
        if prelude.startswith("@"):
            if prelude.startswith(NESTED):
                inner = purge_rules(block, names)
                if inner:
                    kept.append(prelude + "{" + inner + "}")
            elif prelude.startswith("@font-face") and FONT_AWESOME.search(block):
                continue
            else:
                kept.append(prelude + "{" + block + "}")
            continue
        selectors = [s for s in split_top(prelude, ",") if not GLYPH_RULE.match(s) and usable(s, names)]
        if selectors:
            kept.append(",".join(selectors) + "{" + block + "}")
    return "".join(kept)


CUSTOM = re.compile(r"var\(\s*(--[\w-]+)")


def purge_custom_properties(css: str, elsewhere: str) -> str:
    """``css`` without the custom properties (``--name: …``) nothing reads: neither a rule of ``css``
    that stays, nor ``elsewhere`` (the other sheets, the pages, the scripts)."""
    outside = set(CUSTOM.findall(elsewhere)) | set(re.findall(r"['\"](--[\w-]+)['\"]", elsewhere))

    def cut(text: str, read: set[str]) -> str:
        out = []
        for prelude, block in rules(text):
            if block is None:
                out.append(prelude + ";")
            elif prelude.startswith(NESTED):
                inner = cut(block, read)
                if inner:
                    out.append(prelude + "{" + inner + "}")
            elif prelude.startswith("@"):
                out.append(prelude + "{" + block + "}")
            else:
                kept = [(n, v) for n, v in declarations(block) if not n.startswith("--") or n in read]
                if kept:
                    out.append(prelude + "{" + ";".join(f"{n}:{v}" for n, v in kept) + "}")
        return "".join(out)

    while True:
        # a property read only by another property's value is read if that one is
        read = outside | {name for name in CUSTOM.findall(css)}
        smaller = cut(css, read)
        if smaller == css:
            return css
        css = smaller


def site_names(outdir: Path) -> tuple[set[str], str]:
    """The element names, classes and ids of every built page and every word of the site's own
    scripts (not the vendored figure libraries); and the text of all of them, for the custom
    properties they read."""
    names: set[str] = set()
    texts = []
    for page in built_pages(outdir):
        text = page.read_text(encoding="utf-8", errors="replace")
        texts.append(text)
        names |= {tag.lower() for tag in re.findall(r"<([a-zA-Z][\w-]*)", text)}
        for classes in CLASS_ATTRIBUTE.findall(text):
            names |= set(classes.split())
        names |= set(re.findall(r'\bid="([^"]*)"', text))
    for script in sorted((outdir / "_static").rglob("*.js")):
        if "vendor" in script.relative_to(outdir / "_static").parts or script.name.startswith("fontawesome"):
            continue
        text = script.read_text(encoding="utf-8", errors="replace")
        texts.append(text)
        names |= set(re.findall(r"[\w-]+", text))
    return names, "\n".join(texts)
