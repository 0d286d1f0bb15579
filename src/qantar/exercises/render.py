"""The exercise as a self-contained form in the built page, checked by ``static/qantar-exercises.js``.

In a notebook an exercise is displayed with three representations: the ipywidgets
view (for Jupyter), plain text, and ``application/vnd.qantar.exercise+json``. The last
is turned into the static form here, through myst-nb's ``myst_nb.mime_renderers``
entry point, and given the highest priority so that the book never shows an empty
widget box.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from docutils import nodes

from qantar.exercises.bank import Exercise, load_bank
from qantar.exercises.kinds import KINDS
from qantar.mime import NOTEBOOK_LINK, STATIC_HTML_MIME_TYPE  # noqa: F401  (public here too)

MIME_TYPE = "application/vnd.qantar.exercise+json"
# The book's view of any other widget (an explorer's default table) or of an excerpt; see qantar.mime.


def inline_markup(text: str) -> str:
    """Escape ``text``, then turn `backtick` spans into <code>: the only markup a question may use."""
    escaped = html.escape(text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def edition() -> str:
    """Which edition of the book is being built: 'public' (default) or 'instructor' ($QANTAR_EDITION)."""
    from qantar.settings import edition as configured_edition

    return configured_edition()


def page_key(exercise: Exercise) -> dict[str, Any]:
    """What the page script needs to check a practice question: the key in the bank's own field
    names (``Kind.spec``), the points, the feedback and the named mistakes."""
    return {
        "kind": exercise.kind,
        "points": exercise.points,
        "correct": exercise.feedback_correct,
        "wrong": exercise.feedback_wrong,
        "hint": exercise.hint or "",
        "mistakes": [{"answer": m.answer, "feedback": m.feedback} for m in exercise.mistakes],
        "partial": exercise.partial,
        **KINDS[exercise.kind].spec(exercise, public=False),
    }


def render_static(exercise: Exercise, *, instructor: bool = False) -> str:
    """The exercise as HTML: prompt, controls, Check button, live feedback region and its key.

    An assessed question carries no key, hint or check unless ``instructor`` is set.
    """
    escape = html.escape
    field = "qx-" + re.sub(r"[^a-z0-9-]", "-", exercise.id.lower())
    title = escape(exercise.title or KINDS[exercise.kind].label)
    points = f"{exercise.points:g} point" + ("" if exercise.points == 1 else "s")
    head = (
        f'<p class="qantar-exercise__title"><strong>Exercise</strong> · {title} · {points}</p>'
        f'<div class="qantar-exercise__prompt" id="{field}-prompt"><p>{inline_markup(exercise.prompt)}</p></div>'
    )
    hint = (
        (
            f'<details class="qantar-exercise__hint"><summary>Hint</summary><p>{inline_markup(exercise.hint)}</p>'
            "</details>"
        )
        if exercise.hint
        else ""
    )
    attributes = (
        f'class="qantar-exercise" data-exercise-id="{escape(exercise.id)}" '
        f'data-kind="{exercise.kind}" data-status="{exercise.status}"'
    )
    if exercise.status == "assessed" and not instructor:
        return (
            f'<section {attributes} aria-labelledby="{field}-prompt">{head}'
            '<p class="qantar-exercise__note">This question is assessed: answer it in the assignment '
            "notebook your teacher hands out.</p></section>"
        )
    if not KINDS[exercise.kind].self_checked_in_page:
        return (
            f'<section {attributes} aria-labelledby="{field}-prompt">{head}'
            f'<p class="qantar-exercise__note">Compute <code>{escape(exercise.variable)}</code> in a code cell. '
            "This exercise is checked when the chapter runs as a notebook in Jupyter.</p>"
            f"{hint}</section>"
        )
    # "Show answer" appears after a first try (the page script unhides it): the answer in words and
    # the reasoning the bank gives for it.
    reveal = (
        f'<button type="button" class="qantar-exercise__reveal" aria-expanded="false" aria-controls="{field}-answer" '
        f'hidden>Show answer</button><div class="qantar-exercise__answer" id="{field}-answer" hidden>'
        f"<p><strong>Answer:</strong> {escape(describe_answer(exercise))}</p>"
        f"<p>{inline_markup(exercise.feedback_correct)}</p></div>"
    )
    # Inside <script>, "<" could open a tag or a comment: write it (and > and &) as JSON escapes.
    key = (
        json.dumps(page_key(exercise), ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return (
        f'<section {attributes} aria-labelledby="{field}-prompt">{head}'
        f'<form class="qantar-exercise__form" novalidate>{KINDS[exercise.kind].controls(exercise, field)}'
        '<button type="submit" class="qantar-exercise__check">Check</button></form>'
        f'{hint}<p class="qantar-exercise__feedback" role="status" aria-live="polite"></p>'
        f"{reveal}"
        f'<script type="application/json" class="qantar-exercise__key">{key}</script></section>'
    )


def describe_answer(exercise: Exercise) -> str:
    """The key in words, for the instructor edition."""
    return KINDS[exercise.kind].describe(exercise)


def render_worked_solution(exercise: Exercise) -> str:
    """The answer key, the reasoning the bank gives, and for code the reference solution (instructor edition)."""
    escape = html.escape
    parts = [
        f"<p><strong>Answer:</strong> {escape(describe_answer(exercise))}</p>",
        f"<p>{inline_markup(exercise.feedback_correct)}</p>",
    ]
    if exercise.solution_code:
        parts.append(f"<pre><code>{escape(exercise.solution_code)}</code></pre>")
    for mistake in exercise.mistakes:
        parts.append(
            f"<p><strong>If a student answers {escape(str(mistake.answer))}:</strong> "
            f"{inline_markup(mistake.feedback)}</p>"
        )
    if exercise.sources:
        parts.append(f"<p><strong>Sources:</strong> {escape(', '.join(exercise.sources))}</p>")
    status = "assessed" if exercise.status == "assessed" else "practice"
    return (
        f'<details class="qantar-exercise__solution" open><summary>Answer key ({status})</summary>'
        f'{"".join(parts)}</details>'
    )


class ExerciseMimeRenderer:
    """myst-nb mime renderer: the static form (or an explorer's static view) wins over the widget view."""

    mime_priority_overrides = [("*", MIME_TYPE, 1), ("*", STATIC_HTML_MIME_TYPE, 2)]

    @staticmethod
    def handle_mime(renderer, data, inline: bool):
        if data.mime_type not in (MIME_TYPE, STATIC_HTML_MIME_TYPE):
            return None
        content = data.content if isinstance(data.content, dict) else json.loads(data.content)
        if data.mime_type == STATIC_HTML_MIME_TYPE:
            return [nodes.raw("", content["html"], format="html")]
        exercise = load_bank()[content["id"]]
        environment = getattr(getattr(renderer, "renderer", None), "sphinx_env", None)
        if environment is not None:  # rebuild the page when its bank file changes
            environment.note_dependency(str(_bank_path(exercise)))
        instructor = edition() == "instructor"
        page = render_static(exercise, instructor=instructor)
        if instructor:
            page += render_worked_solution(exercise)
        return [nodes.raw("", page, format="html")]


def _bank_path(exercise: Exercise):
    from qantar.exercises.bank import exercises_dir

    return exercises_dir() / exercise.file.removeprefix("exercises/")
