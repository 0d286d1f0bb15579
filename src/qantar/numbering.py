"""Numbers for the exercises and figures of each page, so that a teacher can say "do 1.3".

Chapter *n* numbers its exercises and its figures n.1, n.2, … in the order they appear
("Exercise 1.3", "Figure 2.1"); a page outside the numbered chapters numbers them 1, 2, ….
The book's interactive figures and Sphinx's own figures (a ``mystnb`` figure with a name)
share one sequence: Sphinx's numbers are rewritten to it, and Sphinx prints them as
"Figure %s" (``numfig_format`` in ``_config.yml``).
"""

from __future__ import annotations

import re

from docutils import nodes

EXERCISE_TITLE = '<p class="qantar-exercise__title"><strong>Exercise</strong>'
FIGURE_CAPTION = re.compile(r'(<figcaption id="figure-[^"]*-caption" class="qantar-figure__caption">)')


def chapter_prefix(env, docname: str) -> tuple[int, ...]:
    """The page's own section number in the numbered table of contents, e.g. (3,); () if none."""
    return tuple(env.toc_secnumbers.get(docname, {}).get("", ()))


def label(prefix: tuple[int, ...], count: int) -> str:
    return ".".join(str(part) for part in (*prefix, count))


def number_page(app, doctree, docname: str) -> None:
    """Number the page's exercises and figures in document order (Sphinx's doctree-resolved)."""
    prefix = chapter_prefix(app.env, docname)
    sphinx_numbers = app.env.toc_fignumbers.get(docname, {}).get("figure", {})
    exercises = figures = 0
    replacements = []
    for node in list(doctree.findall(lambda n: isinstance(n, (nodes.raw, nodes.figure)))):
        if isinstance(node, nodes.figure):
            ids = [i for i in node["ids"] if i in sphinx_numbers]
            if ids:
                figures += 1
                sphinx_numbers[ids[0]] = (*prefix, figures)
            continue
        if node.get("format") != "html":
            continue
        text = node.astext()
        if EXERCISE_TITLE in text:
            exercises += 1
            text = text.replace(
                EXERCISE_TITLE,
                f'<p class="qantar-exercise__title"><strong>Exercise {label(prefix, exercises)}</strong>',
                1,
            )
        if FIGURE_CAPTION.search(text):
            figures += 1
            number = label(prefix, figures)
            caption = FIGURE_CAPTION.search(text)
            text = (
                f"{text[: caption.end()]}"
                f'<span class="qantar-figure__number">Figure {number}.</span> {text[caption.end() :]}'
            )
        if text != node.astext():
            replacements.append((node, nodes.raw("", text, format="html")))
    for old, new in replacements:
        old.replace_self(new)


def setup(app) -> None:
    app.connect("doctree-resolved", number_page)
