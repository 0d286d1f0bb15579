"""ipywidgets front ends: the exercise checker in a live notebook, and explorers of the tables.

Every control is a standard ipywidgets control, so it is reachable with Tab and works
with the keyboard in JupyterLab, Notebook 7 and VS Code. Every choice of one of a list (an
explorer's filter, an order exercise's positions, a match exercise's partners) is a text box with
suggestions (:class:`~qantar.choices.Choice`), not a drop-down, whose keys JupyterLab would take.
"""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as widgets

from qantar.choices import Choice
from qantar.data import DataError
from qantar.exercises import checking
from qantar.exercises.bank import Exercise
from qantar.exercises.kinds import KINDS
from qantar.exercises.render import MIME_TYPE, NOTEBOOK_LINK, edition, inline_markup
from qantar.views import table_html

# Seconds after a check in which a change to the answer is taken as typing the click overtook.
RECHECK_WINDOW = 1.5


class ExerciseForm:
    """An exercise as an ipywidgets form: prompt, input, Check button and feedback."""

    def __init__(self, exercise: Exercise, namespace: dict | None = None) -> None:
        self.exercise = exercise
        self._namespace = namespace
        self.prompt = widgets.HTML(
            value=f"<p><strong>Exercise</strong> · {html.escape(exercise.title or '')}</p>"
            f"<p>{inline_markup(exercise.prompt)}</p>"
        )
        if exercise.status == "assessed" and edition() != "instructor":
            # A graded question: no key, hint or check outside the instructor edition.
            note = widgets.HTML(
                "<p>This question is assessed: answer it in the assignment notebook your teacher hands out.</p>"
            )
            self.inputs, self.feedback, self.locked, self.controls = [], widgets.HTML(value=""), True, {}
            self.view = widgets.VBox([self.prompt, note], layout=widgets.Layout(padding="0.5em", margin="1em 0"))
            return
        self.locked = False
        self.inputs = self._build_inputs()
        self.button = widgets.Button(
            description="Check",
            button_style="primary",
            tooltip="Check your answer",
            layout=widgets.Layout(width="auto"),
        )
        self.feedback = widgets.HTML(value="")
        self._checked_at: float | None = None
        self.button.on_click(lambda _: self.check_now())
        for control in self.controls.values():
            control.observe(self._answer_changed, names="value")
        hint = []
        if exercise.hint:
            accordion = widgets.Accordion(children=[widgets.HTML(f"<p>{inline_markup(exercise.hint)}</p>")])
            accordion.set_title(0, "Hint")
            accordion.selected_index = None
            hint = [accordion]
        self.view = widgets.VBox(
            [self.prompt, *self.inputs, self.button, self.feedback, *hint],
            layout=widgets.Layout(border="1px solid #888", padding="0.5em", margin="1em 0"),
        )
        self.view.add_class("qantar-exercise-widget")

    def _answer_changed(self, _change=None) -> None:
        """A verdict belongs to the answer it judged: a change clears it, as in the page. But a change
        that arrives just after a check is typing the Check overtook (the front end holds back a
        box's updates while one is on its way, never a click), so the check is made again on it."""
        if self._checked_at is not None and time.monotonic() - self._checked_at < RECHECK_WINDOW:
            self.check_now(again=True)
        elif self.feedback.value:
            self.feedback.value = ""
            self._checked_at = None

    def _build_inputs(self) -> list[widgets.Widget]:
        inputs, self._read, self.controls = KINDS[self.exercise.kind].widget(self.exercise, self._current_namespace)
        return inputs

    def _current_namespace(self) -> dict:
        return self._namespace if self._namespace is not None else _user_namespace()

    def current_answer(self) -> Any:
        """What the form holds now, in the shape :func:`qantar.exercises.check` takes."""
        return self._read()

    def check_now(self, *, again: bool = False) -> checking.Result:
        """Check the form's answer and show the feedback (what the Check button does): the verdict in
        the words of :attr:`checking.Result.verdict` (the hint left to the form's Hint box)."""
        if self.locked:
            return checking.Result(self.exercise.id, False, 0.0, "This question is assessed, not self-checked.")
        if not again:
            self._checked_at = time.monotonic()
        try:
            answer = self.current_answer()
        except checking.WrongShape as problem:  # a form the check cannot read (e.g. two items at one position)
            result = checking.Result(self.exercise.id, False, 0.0, str(problem), answered=False)
        else:
            if answer is checking.MISSING:  # a code question whose variable is not defined yet
                result = checking.Result(
                    self.exercise.id,
                    False,
                    0.0,
                    f"`{self.exercise.variable}` is not defined yet: run the cell that computes it.",
                    answered=False,
                )
            else:
                result = checking.check(self.exercise, answer)
        mark, words = result.verdict_parts()
        if not result.answered:  # nothing to judge yet: a neutral note, as in the page
            self.feedback.value = (
                f'<p role="status" data-correct="false" data-state="unanswered"><strong>{mark}</strong> '
                f"{inline_markup(words)}</p>"
            )
            return result
        state = "right" if result.correct else "wrong"
        colour = "#1a7f37" if result.correct else "#b42318"  # with the words: colour is never the only cue
        self.feedback.value = (
            f'<p role="status" data-correct="{str(result.correct).lower()}" data-state="{state}">'
            f'<strong style="color:{colour}">{mark}</strong> {inline_markup(words)}</p>'
        )
        return result


def _user_namespace() -> dict:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return {}
    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


class ExerciseDisplay:
    """What ``qantar.exercises.exercise(id)`` returns: a widget in Jupyter, the static form in the book."""

    def __init__(self, exercise: Exercise) -> None:
        self.exercise = exercise
        self._form: ExerciseForm | None = None

    @property
    def form(self) -> ExerciseForm:
        if self._form is None:
            self._form = ExerciseForm(self.exercise)
        return self._form

    def check_now(self) -> checking.Result:
        return self.form.check_now()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = dict(self.form.view._repr_mimebundle_() or {})
        bundle["text/plain"] = f"Exercise {self.exercise.id}: {self.exercise.prompt}"
        bundle[MIME_TYPE] = {"id": self.exercise.id, "kind": self.exercise.kind}
        return bundle


# Explorers: a few controls over one of the module's views. In Jupyter they are live;
# in the built book the default view is shown as a static table (never an empty box).


def _value_of(control) -> Any:
    return control.chosen if isinstance(control, Choice) else control.value


class Explorer:
    """Controls that filter a view of the data, with the result as a table below them."""

    def __init__(self, title: str, controls: dict, view, columns: list[str], adjust=None) -> None:
        self.title = title
        self.controls = controls
        self.view = view
        self.columns = columns
        # ``adjust(values)`` returns the values the view can show and a note saying what changed
        # (e.g. a "From" after its "To" is read the other way round), or "" when nothing did.
        self.adjust = adjust or (lambda values: (values, ""))
        self.output = widgets.HTML()
        self.count = widgets.HTML()
        for control in controls.values():
            control.observe(lambda _change: self.refresh(), names="value")
        self._default = {name: _value_of(control) for name, control in controls.items()}
        hints = " ".join(control.hint() for control in controls.values() if isinstance(control, Choice))
        self.widget = widgets.VBox(
            [
                widgets.HTML(f"<p><strong>{html.escape(title)}</strong></p>"),
                widgets.HBox(list(controls.values())),
                *([widgets.HTML(f'<p class="qantar-explorer__hint">{html.escape(hints)}</p>')] if hints else []),
                self.count,
                self.output,
            ]
        )
        self.refresh()

    def selection(self, **values) -> tuple[dict, str]:
        """The values the view will use (the controls' by default; a choice's value, not its text),
        and a note on anything read otherwise than it stands (text that is no choice yet, a swap)."""
        current = {name: _value_of(control) for name, control in self.controls.items()}
        current.update(values)
        chosen, note = self.adjust(current)
        notes = [
            control.note()
            for name, control in self.controls.items()
            if isinstance(control, Choice) and name not in values
        ]
        return chosen, " ".join(n for n in [note, *notes] if n)

    def frame(self, **values):
        """The view for the given control values (the current ones by default)."""
        chosen, _note = self.selection(**values)
        return self.view(**chosen)

    def refresh(self) -> None:
        """Show the view for the controls' values; a selection the view cannot show is explained
        in the widget (and the table emptied), never raised into the log."""
        try:
            chosen, note = self.selection()
            frame = self.view(**chosen)
        except (DataError, ValueError, TypeError) as error:
            self.count.value = f'<p role="status">No table for this selection: {html.escape(str(error))}</p>'
            self.output.value = ""
            return
        text = count_text(len(frame)) + (f" {note}" if note else "")
        self.count.value = f'<p role="status">{html.escape(text)}</p>'
        self.output.value = table_html(frame, self.columns)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        from qantar.exercises.render import STATIC_HTML_MIME_TYPE

        frame = self.frame(**self._default)
        settings = ", ".join(
            f"{name}: {value if value is not None else 'all'}" for name, value in self._default.items()
        )
        # The page cannot run the controls: it says so, and links the notebook that can (the book
        # puts the chapter's notebook address in place of NOTEBOOK_LINK: qantar.downloads).
        static = (
            f'<div class="qantar-explorer"><p class="qantar-explorer__title"><strong>{html.escape(self.title)}'
            f"</strong>: the table for {html.escape(settings)} ({count_text(len(frame))}).</p>"
            f"{table_html(frame, self.columns)}"
            f'<p class="qantar-explorer__live">This is a fixed copy. To change the selection, '
            f'<a href="{NOTEBOOK_LINK}" download>download the chapter as a notebook</a> and run it in Jupyter, '
            f"in the folder of the class pack.</p></div>"
        )
        bundle = dict(self.widget._repr_mimebundle_() or {})
        bundle["text/plain"] = f"{self.title}: {count_text(len(frame))}"
        bundle[STATIC_HTML_MIME_TYPE] = {"html": static}
        return bundle


def count_text(count: int) -> str:
    """``1 row``, ``2 rows``, ``no rows``."""
    return "no rows" if count == 0 else f"{count} row" + ("" if count == 1 else "s")


def _choices(values, everything: str | None = "all", label=str) -> list[tuple[str, Any]]:
    """(label, value) pairs for a :class:`Choice`, first ``everything`` for all of them (value None)."""
    return ([(everything, None)] if everything else []) + [(label(value), value) for value in values]


def timeline_explorer(start: str = "2022-01-01", end: str = "2022-01-20", category: str | None = None) -> Explorer:
    """The timeline between two dates, optionally one category of event."""
    import datetime as dt

    from qantar.data import load
    from qantar.views import timeline_between

    categories = list(dict.fromkeys(load("timeline")["category"]))
    controls = {
        "start": widgets.DatePicker(description="From", value=dt.date.fromisoformat(start)),
        "end": widgets.DatePicker(description="To", value=dt.date.fromisoformat(end)),
        "category": Choice("Category", _choices(sorted(categories)), category, plural="categories"),
    }

    def view(start, end, category):
        return timeline_between(str(start), str(end), category=category)

    def adjust(values):
        """A cleared date means no limit on that side; a "From" after its "To" is read the other way round."""
        first = values["start"] or dt.date(2022, 1, 1)
        last = values["end"] or dt.date(2024, 12, 31)
        note = ""
        if first > last:
            first, last = last, first
            note = f"(“From” was after “To”: showing {first.isoformat()} to {last.isoformat()}.)"
        return {**values, "start": first, "end": last}, note

    return Explorer("Timeline", controls, view, ["date", "place", "event", "category", "outlet"], adjust)


def claims_explorer(quantity: str = "deaths") -> Explorer:
    """Every claim about one quantity, side by side with who made it and where."""
    from qantar.views import claims_for, quantities
    from qantar.vocabulary import QUANTITY_LABELS

    # The same labels as the claims chart's selector; a quantity's id is read too ("deaths").
    labels = _choices(quantities(), everything=None, label=lambda name: QUANTITY_LABELS.get(name, name))
    controls = {"quantity": Choice("Quantity", labels, quantity, plural="quantities")}
    return Explorer(
        "Claims ledger",
        controls,
        lambda quantity: claims_for(quantity),
        ["as_of", "claim", "claimant", "outlet", "note"],
    )


def reactions_explorer(actor: str | None = None) -> Explorer:
    """Reactions in date order, for one actor or all."""
    from qantar.data import load
    from qantar.views import reactions_by_actor

    actors = sorted(set(load("reactions")["actor"]))
    controls = {"actor": Choice("Actor", _choices(actors), actor, plural="actors")}
    return Explorer(
        "Reactions",
        controls,
        lambda actor: reactions_by_actor(actor),
        ["date", "actor", "speaker", "stance", "summary", "outlet"],
    )
