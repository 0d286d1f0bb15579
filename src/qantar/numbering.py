"""Numbers for the exercises and figures of each page, so that a teacher can say "do 1.3".

Chapter *n* numbers its exercises and its figures n.1, n.2, … in the order they appear
("Exercise 1.3", "Figure 2.1"), across all its pages (a chapter may span several: the count
goes on from one page to the next, in the order of ``_toc.yml``); a page outside the
numbered chapters numbers them 1, 2, ….
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


def _numbered(env, docname: str, doctree):
    """The page's exercise titles and figures in document order, as ("exercise" | "figure", node, sphinx id)."""
    sphinx_numbers = env.toc_fignumbers.get(docname, {}).get("figure", {})
    found = []
    for node in doctree.findall(lambda n: isinstance(n, (nodes.raw, nodes.figure))):
        if isinstance(node, nodes.figure):
            ids = [i for i in node["ids"] if i in sphinx_numbers]
            if ids:
                found.append(("figure", node, ids[0]))
            continue
        if node.get("format") != "html":
            continue
        text = node.astext()
        if EXERCISE_TITLE in text:
            found.append(("exercise", node, None))
        if FIGURE_CAPTION.search(text):
            found.append(("figure", node, None))
    return found


def _start(app, docname: str) -> tuple[tuple[int, ...], int, int]:
    """The numbers the page goes on from: its chapter's number, and how many exercises and figures
    the chapter's earlier pages hold."""
    from pathlib import Path

    from qantar.downloads import book_chapters, chapter_of

    chapter = chapter_of(book_chapters(Path(app.srcdir)), docname)
    if chapter is None or chapter.docname == docname:
        return chapter_prefix(app.env, docname), 0, 0
    exercises = figures = 0
    for page in chapter.pages[: chapter.pages.index(docname)]:
        for kind, _node, _id in _numbered(app.env, page, app.env.get_doctree(page)):
            exercises += kind == "exercise"
            figures += kind == "figure"
    return chapter_prefix(app.env, chapter.docname), exercises, figures


def number_page(app, doctree, docname: str) -> None:
    """Number the page's exercises and figures in document order (Sphinx's doctree-resolved)."""
    prefix, exercises, figures = _start(app, docname)
    sphinx_numbers = app.env.toc_fignumbers.get(docname, {}).get("figure", {})
    replacements = {}
    for kind, node, sphinx_id in _numbered(app.env, docname, doctree):
        if sphinx_id is not None:
            figures += 1
            sphinx_numbers[sphinx_id] = (*prefix, figures)
            continue
        text = replacements[node].astext() if node in replacements else node.astext()
        if kind == "exercise":
            exercises += 1
            text = text.replace(
                EXERCISE_TITLE,
                f'<p class="qantar-exercise__title"><strong>Exercise {label(prefix, exercises)}</strong>',
                1,
            )
        else:
            figures += 1
            caption = FIGURE_CAPTION.search(text)
            text = (
                f"{text[: caption.end()]}"
                f'<span class="qantar-figure__number">Figure {label(prefix, figures)}.</span> {text[caption.end() :]}'
            )
        replacements[node] = nodes.raw("", text, format="html")
    for old, new in replacements.items():
        old.replace_self(new)


def setup(app) -> None:
    app.connect("doctree-resolved", number_page)
