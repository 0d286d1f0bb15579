"""Self-checks that lead to the answer, in the page, by keyboard alone: a neutral note before any
answer, each item of a match, order or multiple question marked in words, the hint shown once (in
its own box), the verdict cleared when the answer changes, and "Show answer" after a first try.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qantar.exercises import get
from qantar.exercises.checking import check
from qantar.exercises.render import describe_answer, render_static

STATIC = Path(__file__).resolve().parents[1] / "src" / "qantar" / "static"
MATCH = "guide-first-reactions"  # four pairs, partial credit
ORDER = "guide-sequence"  # four items
MULTIPLE = "guide-contingents"  # seven options, five right
NUMBER = "guide-official-force-size"
CHOICE = "guide-where-it-began"


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    """The five guide questions on one page with the book's own script, opened from disk."""
    sections = "".join(render_static(get(i)) for i in (MATCH, ORDER, MULTIPLE, NUMBER, CHOICE))
    script = (STATIC / "qantar-exercises.js").read_text(encoding="utf-8")
    path = tmp_path_factory.mktemp("selfcheck") / "page.html"
    path.write_text(
        f"<!doctype html><html lang='en'><body><main>{sections}</main><script>{script}</script></body></html>",
        encoding="utf-8",
    )
    tab = browser.new_page()
    tab.goto(path.as_uri())
    yield tab
    tab.close()


def section(page, exercise_id):
    return page.locator(f'[data-exercise-id="{exercise_id}"]')


def press_check(page, exercise_id):
    """Focus the Check button and press Enter: the keyboard's way to submit."""
    section(page, exercise_id).locator("button.qantar-exercise__check").focus()
    page.keyboard.press("Enter")


def choose(page, select, label):
    """Pick ``label`` in a <select> with the arrow keys only."""
    options = select.locator("option").all_inner_texts()
    select.focus()
    page.keyboard.press("Home")
    for _ in range(options.index(label)):
        page.keyboard.press("ArrowDown")
    assert select.evaluate("s => s.options[s.selectedIndex].text") == label


def feedback(page, exercise_id):
    return section(page, exercise_id).locator(".qantar-exercise__feedback")


def marks(page, exercise_id) -> list[str]:
    return [text.strip() for text in section(page, exercise_id).locator(".qantar-exercise__mark").all_inner_texts()]


def test_an_empty_submit_gets_a_neutral_note_not_a_cross_or_a_score(page):
    for exercise_id in (MATCH, ORDER, MULTIPLE, NUMBER, CHOICE):
        press_check(page, exercise_id)
        box = feedback(page, exercise_id)
        assert box.get_attribute("data-state") == "unanswered", exercise_id
        text = box.inner_text()
        assert "✘" not in text and " of " not in text, (exercise_id, text)
        assert not marks(page, exercise_id)
        # Nothing was tried yet: no answer to reveal.
        assert section(page, exercise_id).locator(".qantar-exercise__reveal").is_hidden(), exercise_id


def test_a_wrong_match_marks_each_pair_in_words_and_shows_the_hint_once(page):
    exercise = get(MATCH)
    pairs = dict(exercise.pairs)
    lefts = list(pairs)
    answer = dict(pairs)
    answer[lefts[0]], answer[lefts[1]] = pairs[lefts[1]], pairs[lefts[0]]  # two pairs swapped
    for left, right in answer.items():
        choose(page, section(page, MATCH).locator(f'select[data-item="{left}"]'), right)
    press_check(page, MATCH)
    box = feedback(page, MATCH)
    assert box.get_attribute("data-state") == "wrong"
    assert "2 of 4 pairs right" in box.inner_text()
    assert check(exercise, answer).message in box.inner_text()  # the Python check's words, the same
    assert sorted(marks(page, MATCH)) == sorted(["✔ right"] * 2 + ["✘ wrong"] * 2)
    wrong_rows = section(page, MATCH).locator("li:has(.qantar-exercise__mark[data-right='false'])")
    assert sorted(wrong_rows.locator("select").evaluate_all("s => s.map(x => x.dataset.item)")) == sorted(lefts[:2])
    if exercise.hint:
        assert "Hint" not in box.inner_text()


def test_changing_the_answer_clears_the_verdict_and_the_marks(page):
    exercise = get(MATCH)
    left, right = exercise.pairs[0]
    choose(page, section(page, MATCH).locator(f'select[data-item="{left}"]'), right)
    assert feedback(page, MATCH).inner_text() == ""
    assert feedback(page, MATCH).get_attribute("data-state") is None
    assert not marks(page, MATCH)


def test_order_and_multiple_mark_each_item(page):
    order = get(ORDER)
    items = list(order.items)
    positions = {items[0]: 2, items[1]: 1, items[2]: 3, items[3]: 4}  # the first two swapped
    for item, position in positions.items():
        choose(page, section(page, ORDER).locator(f'select[data-item="{item}"]'), str(position))
    press_check(page, ORDER)
    assert sorted(marks(page, ORDER)) == sorted(["✔ right"] * 2 + ["✘ wrong"] * 2)
    assert "neighbouring pairs right" in feedback(page, ORDER).inner_text()

    multiple = get(MULTIPLE)
    boxes = section(page, MULTIPLE).locator("input[type=checkbox]")
    boxes.first.focus()
    for index in range(boxes.count()):
        value = boxes.nth(index).get_attribute("value")
        if value in ("Russia", "Uzbekistan"):  # one right, one wrong; three right ones left out
            boxes.nth(index).focus()
            page.keyboard.press("Space")
    press_check(page, MULTIPLE)
    words = marks(page, MULTIPLE)
    assert len(words) == len(multiple.options)
    # Russia ticked and Azerbaijan left out are right; Uzbekistan ticked and four members left out are wrong.
    assert words.count("✘ wrong") == 5 and words.count("✔ right") == 2, words
    assert "2 of 7 options right" in feedback(page, MULTIPLE).inner_text()


def test_show_answer_appears_after_a_try_and_opens_by_keyboard(page):
    exercise = get(NUMBER)
    field = section(page, NUMBER).locator("input[type=text]")
    field.focus()
    page.keyboard.type("2500")
    page.keyboard.press("Enter")  # submits the form from the field
    box = feedback(page, NUMBER)
    assert box.get_attribute("data-state") == "wrong"
    assert check(exercise, "2500").message in box.inner_text()
    reveal = section(page, NUMBER).locator(".qantar-exercise__reveal")
    answer = section(page, NUMBER).locator(".qantar-exercise__answer")
    assert reveal.is_visible() and answer.is_hidden()
    reveal.focus()
    page.keyboard.press("Enter")
    assert answer.is_visible() and reveal.get_attribute("aria-expanded") == "true"
    assert describe_answer(exercise) in answer.inner_text()
    assert exercise.feedback_correct in answer.inner_text()  # the reasoning, not only the number
    page.keyboard.press("Space")
    assert answer.is_hidden() and reveal.inner_text() == "Show answer"


@pytest.mark.parametrize(("typed", "right"), [("2030", True), ("2,030", True), ("2030 troops", True), ("2,03", False)])
def test_the_page_reads_numbers_as_the_grader_does(page, typed, right):
    field = section(page, NUMBER).locator("input[type=text]")
    field.fill("")
    field.focus()
    page.keyboard.type(typed)
    page.keyboard.press("Enter")
    assert (
        (feedback(page, NUMBER).get_attribute("data-correct") == "true") is right is check(get(NUMBER), typed).correct
    )


def test_an_unreadable_number_is_explained_not_marked_wrong(page):
    field = section(page, NUMBER).locator("input[type=text]")
    field.fill("about two thousand")
    press_check(page, NUMBER)
    box = feedback(page, NUMBER)
    assert box.get_attribute("data-state") == "unanswered"
    assert "is not a number" in box.inner_text() and "✘" not in box.inner_text()


def test_radio_and_checkbox_groups_are_fieldsets_with_a_legend(page):
    for exercise_id, kind in ((CHOICE, "radio"), (MULTIPLE, "checkbox")):
        group = section(page, exercise_id).locator("fieldset")
        assert group.count() == 1, exercise_id
        assert group.locator("legend").inner_text().strip(), exercise_id
        assert group.locator(f"input[type={kind}]").count() == len(get(exercise_id).options)
