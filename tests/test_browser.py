"""Every built page in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

# The `browser` fixture (the session's Chromium) is in conftest.py.


def visit(browser, url: str) -> dict:
    """Open ``url``; return the requests to other hosts, console errors and uncaught exceptions."""
    page = browser.new_page()
    seen = {"foreign": [], "console": [], "exceptions": [], "failed": []}
    page.on(
        "request",
        lambda r: (
            seen["foreign"].append(r.url)
            if urlparse(r.url).hostname not in ("127.0.0.1", None) and not r.url.startswith("data:")
            else None
        ),
    )
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["exceptions"].append(str(e)))
    page.on("response", lambda r: seen["failed"].append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    seen["title"] = page.title()
    page.close()
    return seen


def test_every_page_loads_with_no_foreign_request_and_no_console_error(browser, built_book, site_url):
    pages = sorted(
        p.relative_to(built_book).as_posix()
        for p in built_book.rglob("*.html")
        if not p.relative_to(built_book).as_posix().startswith(("_static", "_sources"))
    )
    assert "index.html" in pages
    for page in pages:
        seen = visit(browser, f"{site_url}/{page}")
        assert seen["title"], f"{page} has no title"
        assert not seen["foreign"], f"{page} requested another host: {seen['foreign']}"
        assert not seen["failed"], f"{page} had failed requests: {seen['failed']}"
        assert not seen["exceptions"], f"{page} raised in the browser: {seen['exceptions']}"
        assert not seen["console"], f"{page} logged console errors: {seen['console']}"


def test_the_landing_page_shows_its_excerpts(browser, site_url):
    page = browser.new_page()
    page.goto(f"{site_url}/index.html")
    figures = page.locator("[data-excerpt-id]")
    assert figures.count() >= 1
    first = figures.first
    assert first.locator("blockquote").is_visible()
    assert first.locator("figcaption").inner_text().startswith("—")
    page.close()


# The static exercises on the built instructor guide: the page must agree with Python.
from qantar.exercises import bank as exercise_bank  # noqa: E402
from qantar.exercises.checking import check as python_check  # noqa: E402

from answers import wrong_answers  # noqa: E402

STATIC = [e for e in exercise_bank().values() if e.chapter == "guide" and e.kind != "code"]


def fill(page, exercise, answer, keyboard: bool) -> None:
    """Enter ``answer`` in the exercise's form, with the mouse or with the keyboard only."""
    section = page.locator(f'[data-exercise-id="{exercise.id}"]')
    page.reload()
    if exercise.kind in ("choice", "multiple"):
        chosen = [answer] if exercise.kind == "choice" else list(answer)
        for option in chosen:
            box = section.locator(f'input[value="{option}"]')
            if keyboard:
                box.focus()
                page.keyboard.press("Space")
            else:
                box.click()
    elif exercise.kind == "number":
        field = section.locator("input[type=text]")
        if keyboard:
            field.focus()
            page.keyboard.type(str(answer))
        else:
            field.fill(str(answer))
    else:
        targets = {item: str(n) for n, item in enumerate(answer, start=1)} if exercise.kind == "order" else dict(answer)
        for item, value in targets.items():
            select = section.locator(f'select[data-item="{item}"]')
            if keyboard:
                options = select.locator("option").all_inner_texts()
                select.focus()
                for _ in range(options.index(value)):
                    page.keyboard.press("ArrowDown")
            else:
                select.select_option(value)
    button = section.locator("button.qantar-exercise__check")
    if keyboard:
        button.focus()
        page.keyboard.press("Enter")
    else:
        button.click()


@pytest.mark.parametrize("keyboard", [False, True], ids=["mouse", "keyboard"])
def test_static_exercises_agree_with_python(browser, site_url, keyboard):
    page = browser.new_page()
    foreign = []
    page.on("request", lambda r: foreign.append(r.url) if urlparse(r.url).hostname not in ("127.0.0.1", None) else None)
    page.goto(f"{site_url}/instructor-guide.html")
    assert STATIC, "no static exercise on the guide page"
    for exercise in STATIC:
        for answer in [exercise.solution, *wrong_answers(exercise)]:
            fill(page, exercise, answer, keyboard)
            feedback = page.locator(f'[data-exercise-id="{exercise.id}"] .qantar-exercise__feedback')
            expected = python_check(exercise, answer)
            assert feedback.get_attribute("data-correct") == str(expected.correct).lower(), (exercise.id, answer)
            assert expected.message in feedback.inner_text(), (exercise.id, answer)
    assert not foreign
    page.close()


def test_code_exercises_show_prompt_note_and_collapsed_hint(browser, site_url):
    page = browser.new_page()
    page.goto(f"{site_url}/instructor-guide.html")
    section = page.locator('[data-exercise-id="guide-distinct-death-tolls"]')
    assert "checked when the chapter runs as a notebook" in section.inner_text()
    hint = section.locator("details")
    assert hint.get_attribute("open") is None
    hint.locator("summary").focus()
    page.keyboard.press("Enter")
    assert hint.get_attribute("open") is not None
    assert page.locator(".jupyter-widgets, .widget-area").count() == 0
    page.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_each_page_has_one_search_box(browser, site_url, width):
    """One way to search, wherever the reader is: the sidebar's box on a wide screen, the header's
    button on a phone; never two at once."""
    page = browser.new_page(viewport={"width": width, "height": 800})
    for path in ("index.html", "chapters/causes.html", "glossary.html"):
        page.goto(f"{site_url}/{path}")
        boxes = page.locator("button.search-button-field, button.search-button__button")
        visible = [i for i in range(boxes.count()) if boxes.nth(i).is_visible()]
        assert len(visible) == 1, (width, path, len(visible))
    page.close()
