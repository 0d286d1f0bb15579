"""Explorers and figures: live controls in Jupyter, a static default view in the book, figures with cues
beyond colour."""

from __future__ import annotations

import datetime as dt
import functools
import html
import re

import ipywidgets
import matplotlib.figure
import pytest

from qantar.data import load
from qantar.exercises.render import NOTEBOOK_LINK, STATIC_HTML_MIME_TYPE
from qantar.figures import claims_figure, reactions_figure, timeline_figure
from qantar.views import claims_for, quantities, reactions_by_actor, timeline_between
from qantar.vocabulary import QUANTITY_LABELS
from qantar.widgets import Choice, claims_explorer, count_text, reactions_explorer, table_html, timeline_explorer

# The grammar of every count line, with the notes an explorer may add.
COUNT = re.compile(r'<p role="status">(no rows|1 row|(?:[2-9]|[1-9]\d+) rows)(?: \(.+\))?</p>')
NOT_A_CHOICE = ["", "   ", "zzz", "Tur", "armenian", "<b>x</b>", "all all"]  # text that is no option (yet)


def test_the_timeline_explorer_filters_as_its_controls_change():
    explorer = timeline_explorer("2022-01-01", "2022-01-20")
    everything = len(explorer.frame())
    assert everything == len(timeline_between("2022-01-01", "2022-01-20"))
    explorer.controls["category"].value = "csto"
    expected = len(timeline_between("2022-01-01", "2022-01-20", category="csto"))
    assert f">{count_text(expected)}</p>" in explorer.count.value
    explorer.controls["end"].value = dt.date(2022, 1, 6)
    assert explorer.frame()["date"].max() <= dt.datetime(2022, 1, 6)


def test_counts_are_grammatical():
    assert [count_text(n) for n in (0, 1, 2)] == ["no rows", "1 row", "2 rows"]


def test_a_from_after_its_to_is_read_the_other_way_round_and_said():
    explorer = timeline_explorer("2022-01-01", "2022-01-20")
    explorer.controls["start"].value = dt.date(2022, 1, 15)
    explorer.controls["end"].value = dt.date(2022, 1, 5)  # never raises: the widget explains
    assert "“From” was after “To”: showing 2022-01-05 to 2022-01-15." in explorer.count.value
    shown = explorer.frame()
    assert len(shown) == len(timeline_between("2022-01-05", "2022-01-15")) > 0
    assert explorer.output.value == table_html(shown, explorer.columns)  # the table is not left stale
    explorer.controls["start"].value = None  # a cleared date picker means no limit on that side
    assert explorer.frame()["date"].min() >= dt.datetime(2022, 1, 1)


def values_of(control: Choice) -> dict:
    """Each option's label and the value it stands for, as the explorer reads them."""
    table = {}
    for label in control.options:
        control.value = label
        table[label] = control.chosen
    return table


def test_every_control_combination_of_every_explorer_shows_a_table():
    """Every date with every other and every category, "all", an emptied box and text that is no
    category (yet); then every option of the other explorers, each followed by such text."""
    expected_table = functools.lru_cache(maxsize=None)(
        lambda view, columns, *arguments: (len(frame := view(*arguments)), table_html(frame, list(columns)))
    )

    def between(first, last, kind):
        return timeline_between(first, last, category=kind)

    timeline = timeline_explorer()
    days = [None, dt.date(2022, 1, 1), dt.date(2022, 1, 6), dt.date(2022, 1, 20), dt.date(2024, 12, 31)]
    category = timeline.controls["category"]
    for start in days:
        timeline.controls["start"].value = start
        for end in days:
            timeline.controls["end"].value = end
            first, final = start or dt.date(2022, 1, 1), end or dt.date(2024, 12, 31)
            for text in [*category.options, *NOT_A_CHOICE]:
                last = category.chosen
                category.value = text
                meant = None if text.strip() in ("", "all") else text if text in category.options else last
                assert category.chosen == meant, (text, last)
                rows, table = expected_table(
                    between,
                    tuple(timeline.columns),
                    str(min(first, final)),
                    str(max(first, final)),
                    meant,
                )
                assert COUNT.fullmatch(timeline.count.value), (start, end, text)
                assert timeline.count.value.startswith(f'<p role="status">{count_text(rows)}'), (start, end, text)
                assert timeline.output.value == table, (start, end, text)
    for explorer, name, view in (
        (claims_explorer(), "quantity", claims_for),
        (reactions_explorer(), "actor", reactions_by_actor),
    ):
        control = explorer.controls[name]
        for label in control.options:
            for text in [label, *NOT_A_CHOICE]:
                control.value = label
                chosen = control.chosen
                control.value = text  # a choice, or text that is none: the last choice stays
                if text.strip() == "" and name == "actor":
                    chosen = None  # an emptied box means all actors (there is no "all" quantity)
                assert control.chosen == chosen, (name, label, text)
                rows, table = expected_table(view, tuple(explorer.columns), chosen)
                assert COUNT.fullmatch(explorer.count.value), (name, label, text)
                assert explorer.count.value.startswith(f'<p role="status">{count_text(rows)}'), (name, text)
                assert explorer.output.value == table, (name, label, text)


def test_a_choice_reads_the_value_of_its_option_not_its_text():
    claims = claims_explorer()
    quantity = claims.controls["quantity"]
    labels = [QUANTITY_LABELS.get(name, name) for name in quantities()]
    assert list(quantity.options) == labels and quantity.value == "Deaths (people)" and quantity.chosen == "deaths"
    assert values_of(quantity) == dict(zip(labels, quantities()))
    for typed, meant in (("detained", "detained"), ("  csto FORCE   (personnel) ", "csto_personnel")):
        quantity.value = typed  # a quantity's own name, or its label in any case and spacing
        assert quantity.chosen == meant and claims.frame().equals(claims_for(meant))
    assert values_of(reactions_explorer().controls["actor"]) == {
        "all": None,
        **{actor: actor for actor in sorted(set(load("reactions")["actor"]))},
    }
    category = timeline_explorer(category="csto").controls["category"]
    assert category.value == "csto" and category.chosen == "csto"
    assert timeline_explorer().controls["category"].value == ""  # "all": an empty box, "all" its placeholder


def test_text_that_is_no_option_keeps_the_last_choice_and_says_so():
    explorer = reactions_explorer("China")
    actor = explorer.controls["actor"]
    china = count_text(len(reactions_by_actor("China")))
    for typed in ("T", "Tu", "Tur", "Turk", "Turke"):  # an option typed key by key
        actor.value = typed
        assert actor.chosen == "China" and explorer.frame().equals(reactions_by_actor("China"))
        said = f"(“{typed}” is not one of the actors: showing “China”.)"
        assert explorer.count.value == f'<p role="status">{html.escape(china + " " + said)}</p>'
    actor.value = "Turkey"
    assert actor.chosen == "Turkey"
    assert explorer.count.value == f'<p role="status">{count_text(len(reactions_by_actor("Turkey")))}</p>'
    actor.value = "<b>x</b>"
    assert "“&lt;b&gt;x&lt;/b&gt;” is not one of the actors: showing “Turkey”.)" in explorer.count.value
    actor.value = ""
    assert actor.chosen is None
    assert explorer.count.value == f'<p role="status">{count_text(len(reactions_by_actor(None)))}</p>'
    actor.value = "zzz"
    assert "(“zzz” is not one of the actors: showing all actors.)" in explorer.count.value

    claims = claims_explorer("detained")
    quantity = claims.controls["quantity"]
    quantity.value = ""  # no "all" quantity: the last one stays
    assert quantity.chosen == "detained"
    assert "(No quantity typed: showing “Detained (people)”.)" in claims.count.value

    timeline = timeline_explorer("2022-01-15", "2022-01-05", category="csto")
    timeline.controls["category"].value = "cs"  # both notes, the swap first
    assert timeline.count.value.endswith(
        " (“From” was after “To”: showing 2022-01-05 to 2022-01-15.)"
        " (“cs” is not one of the categories: showing “csto”.)</p>"
    )


def test_a_choice_is_set_by_value_and_refuses_what_is_not_an_option():
    explorer = reactions_explorer()
    actor = explorer.controls["actor"]
    actor.chosen = "Iran"
    assert actor.value == "Iran" and explorer.frame().equals(reactions_by_actor("Iran"))
    actor.chosen = None
    assert actor.value == "" and explorer.frame().equals(reactions_by_actor(None))
    with pytest.raises(ValueError, match="not one of the actors"):
        actor.chosen = "Atlantis"
    with pytest.raises(ValueError, match="not one of the quantities"):
        claims_explorer("unicorns")
    with pytest.raises(ValueError, match="two choices"):
        Choice("Letter", [("a", "b"), ("b", "a")], "a", plural="letters")


def test_every_choice_is_a_labelled_text_box_not_a_dropdown():
    """JupyterLab takes the keys of a focused drop-down (jupyter-widgets/ipywidgets#3912), not a text box's."""
    for explorer in (timeline_explorer(), claims_explorer(), reactions_explorer()):
        for control in explorer.controls.values():
            assert not isinstance(control, ipywidgets.Dropdown | ipywidgets.Select | ipywidgets.RadioButtons)
            assert control.description
            if isinstance(control, Choice):
                assert isinstance(control, ipywidgets.Combobox) and not control.ensure_option
                assert control.continuous_update  # a click on a suggestion counts at once, as in a drop-down
                assert len(set(control.options)) == len(control.options)
                hint = f'<p class="qantar-explorer__hint">{html.escape(control.hint())}</p>'
                assert [child for child in explorer.widget.children if getattr(child, "value", None) == hint]


def test_the_static_view_is_the_default_selection_not_the_current_one():
    explorer = claims_explorer("deaths")
    explorer.controls["quantity"].value = "Detained (people)"
    bundle = explorer._repr_mimebundle_()
    static = bundle[STATIC_HTML_MIME_TYPE]["html"]
    assert (
        f"<strong>Claims ledger</strong>: the table for quantity: deaths ({len(claims_for('deaths'))} rows)" in static
    )
    assert "application/vnd.jupyter.widget-view+json" in bundle
    static = reactions_explorer()._repr_mimebundle_()[STATIC_HTML_MIME_TYPE]["html"]
    assert "<strong>Reactions</strong>: the table for actor: all (" in static
    assert f'<a href="{NOTEBOOK_LINK}" download>download the chapter as a notebook</a>' in static


def test_reactions_explorer_lists_every_actor():
    explorer = reactions_explorer()
    actors = set(explorer.controls["actor"].options) - {"all"}
    assert actors == set(load("reactions")["actor"])


def test_tables_escape_text_and_leave_unknowns_empty():
    import pandas as pd

    frame = pd.DataFrame({"a": ["<b>x</b>", None], "b": pd.array([1, None], dtype="Int64")})
    html = table_html(frame)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "&lt;NA&gt;" not in html and "<NA>" not in html and "nan" not in html


@pytest.mark.parametrize(
    "make, expected_items",
    [
        (lambda: claims_figure("csto_personnel"), len(claims_for("csto_personnel"))),
        (lambda: timeline_figure("2022-01-01", "2022-01-20"), None),
        (reactions_figure, None),
    ],
)
def test_figures_label_every_item(make, expected_items):
    figure = make()
    assert isinstance(figure, matplotlib.figure.Figure)
    axis = figure.axes[0]
    assert axis.get_xlabel()
    labels = [tick.get_text() for tick in axis.get_yticklabels()]
    assert all(labels)
    if expected_items is not None:
        assert len(labels) == expected_items


# The exercise widgets of order and match questions: the same text boxes, the verdict in check()'s words.
from bs4 import BeautifulSoup  # noqa: E402

from qantar.exercises import bank as exercise_bank  # noqa: E402
from qantar.exercises.checking import check  # noqa: E402
from qantar.widgets import ExerciseForm  # noqa: E402

from answers import wrong_answers  # noqa: E402

BOXED_KINDS = ("order", "match")
BOXED = [e for e in exercise_bank().values() if e.kind in BOXED_KINDS and e.status == "practice"]


def feedback_text(form: ExerciseForm) -> str:
    return BeautifulSoup(form.feedback.value, "html.parser").get_text()


def type_answer(form: ExerciseForm, answer) -> None:
    """Type ``answer`` into the form's boxes as a student would: a position's digits, a partner's words."""
    exercise = form.exercise
    texts = (
        {item: str(position) for position, item in enumerate(answer, start=1)}
        if exercise.kind == "order"
        else dict(answer)
    )
    for name, text in texts.items():
        form.controls[name].value = text


def test_order_and_match_widgets_are_named_text_boxes_with_suggestions_not_dropdowns():
    assert {e.kind for e in BOXED} == set(BOXED_KINDS)
    for exercise in BOXED:
        form = ExerciseForm(exercise, namespace={})
        for name, control in form.controls.items():
            assert isinstance(control, Choice) and isinstance(control, ipywidgets.Combobox), exercise.id
            assert not isinstance(control, ipywidgets.Dropdown | ipywidgets.Select)
            assert not control.ensure_option and control.value == ""
            word = "Position" if exercise.kind == "order" else "Partner"
            assert control.description == f"{word} of: {name}"  # the box's name for a screen reader
            expected = (
                [str(n) for n in range(1, len(exercise.items) + 1)]
                if exercise.kind == "order"
                else list(exercise.match_options)
            )
            assert list(control.options) == expected  # the "position…" placeholder is no suggestion
            assert control.placeholder in ("position…", "choose…")


def test_the_widget_gives_the_verdict_in_the_words_of_check():
    """One wording: what the widget says is check()'s verdict (its hint in the form's own Hint box)."""
    for exercise in BOXED:
        for answer in [exercise.solution, *wrong_answers(exercise)]:
            form = ExerciseForm(exercise, namespace={})
            type_answer(form, answer)
            result = form.check_now()
            expected = check(exercise, answer)
            assert result == expected, (exercise.id, answer)
            # `code` in a message is drawn as code: the same words
            words = re.sub(r"`([^`]+)`", r"\1", expected.verdict_line(hint=False))
            assert feedback_text(form) == words, (exercise.id, answer)
            assert expected.verdict == expected.verdict_line(hint=False) + (
                f" Hint: {exercise.hint}" if exercise.hint and not expected.correct else ""
            )
            state = BeautifulSoup(form.feedback.value, "html.parser").p
            assert state["data-state"] == ("right" if expected.correct else "wrong")


def test_a_form_that_holds_no_answer_gets_a_neutral_note_as_in_the_page():
    order = exercise_bank()["guide-sequence"]
    items = list(order.items)
    form = ExerciseForm(order, namespace={})

    def note() -> str:
        result = form.check_now()
        assert not result.answered and not result.correct and result.score == 0
        assert BeautifulSoup(form.feedback.value, "html.parser").p["data-state"] == "unanswered"
        return feedback_text(form)

    assert note() == "… No answer yet. Put every item in order."
    form.controls[items[0]].value = "1"
    assert note() == "… No answer yet. Put every item in order."  # as the page: every item needs a place
    for position, item in enumerate(items, start=1):
        form.controls[item].value = f" {position} "  # spaces around the digits do not count
    assert form.check_now().correct
    form.controls[items[1]].value = "1"
    assert note() == "… Give each item a different position."
    form.controls[items[1]].value = "7"
    positions = ", ".join(str(n) for n in range(1, len(items) + 1))
    assert note() == f"… “7” is not one of the positions: {positions}."
    form.controls[items[1]].value = ""  # emptied: no position yet
    assert note() == "… No answer yet. Put every item in order."

    match = exercise_bank()["guide-first-reactions"]
    form = ExerciseForm(match, namespace={})
    pairs = dict(match.pairs)
    for left, right in pairs.items():
        form.controls[left].value = "  " + right.upper() + " "  # a partner's words in any case and spacing
    assert form.check_now().correct
    first = next(iter(pairs))
    form.controls[first].value = "backed"
    partners = ", ".join(match.match_options)
    assert note() == f"… “backed” is not one of the partners: {partners}."
    form.controls[first].value = ""
    assert note() == "… No answer yet. Pair every item with its partner."
    assert check(match, {**pairs, first: None}).message == f"Pair every item: '{first}' has no partner."


def test_a_changed_answer_clears_the_verdict_unless_the_check_overtook_its_typing(monkeypatch):
    """In JupyterLab the Check click can reach the kernel before the last keys typed into a box (the
    front end holds a box's updates back while one is on its way, never a click): a change just after a
    check is judged again; a later change clears the verdict, as in the page."""
    import qantar.widgets

    match = exercise_bank()["guide-first-reactions"]
    pairs = dict(match.pairs)
    first = next(iter(pairs))
    form = ExerciseForm(match, namespace={})
    type_answer(form, {**pairs, first: pairs[first][:6]})  # the last box's text not all there yet
    assert not form.check_now().answered
    form.controls[first].value = pairs[first]  # the rest of its text, just after the click
    assert feedback_text(form) == check(match, pairs).verdict_line(hint=False)
    monkeypatch.setattr(qantar.widgets, "RECHECK_WINDOW", 0.0)
    form.controls[first].value = pairs[first][:6]  # a change long after the check: no verdict
    assert form.feedback.value == ""
