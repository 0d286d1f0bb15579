"""ipywidgets front ends: the exercise checker in a live notebook, and explorers of the tables.

Every control is a standard ipywidgets control, so it is reachable with Tab and works
with the keyboard in JupyterLab, Notebook 7 and VS Code.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from qantar.exercises import checking
from qantar.exercises.bank import Exercise
from qantar.exercises.render import MIME_TYPE, display_order, inline_markup


class ExerciseForm:
    """An exercise as an ipywidgets form: prompt, input, Check button and feedback."""

    def __init__(self, exercise: Exercise, namespace: dict | None = None) -> None:
        self.exercise = exercise
        self._namespace = namespace
        self.prompt = widgets.HTML(value=f"<p><strong>Exercise</strong> · {html.escape(exercise.title or '')}</p>"
                                         f"<p>{inline_markup(exercise.prompt)}</p>")
        self.inputs = self._build_inputs()
        self.button = widgets.Button(description="Check", button_style="primary",
                                     tooltip="Check your answer", layout=widgets.Layout(width="auto"))
        self.feedback = widgets.HTML(value="")
        self.button.on_click(lambda _: self.check_now())
        hint = []
        if exercise.hint:
            accordion = widgets.Accordion(children=[widgets.HTML(f"<p>{inline_markup(exercise.hint)}</p>")])
            accordion.set_title(0, "Hint")
            accordion.selected_index = None
            hint = [accordion]
        self.view = widgets.VBox([self.prompt, *self.inputs, self.button, self.feedback, *hint],
                                 layout=widgets.Layout(border="1px solid #888", padding="0.5em", margin="1em 0"))
        self.view.add_class("qantar-exercise-widget")

    def _build_inputs(self) -> list[widgets.Widget]:
        exercise = self.exercise
        kind = exercise.kind
        if kind == "choice":
            self._answer = widgets.RadioButtons(options=list(exercise.options), value=None,
                                                layout=widgets.Layout(width="auto"))
            return [self._answer]
        if kind == "multiple":
            self._boxes = [widgets.Checkbox(description=option, value=False, indent=False)
                           for option in exercise.options]
            return self._boxes
        if kind == "number":
            unit = f" ({exercise.unit})" if exercise.unit else ""
            self._answer = widgets.Text(placeholder=f"a number{unit}", description="Answer:")
            return [self._answer]
        if kind == "order":
            positions = [("position…", None)] + [(str(n), n) for n in range(1, len(exercise.items) + 1)]
            self._selects = {item: widgets.Dropdown(options=positions, value=None, description="",
                                                    layout=widgets.Layout(width="9em"))
                             for item in display_order(exercise)}
            return [widgets.HBox([select, widgets.Label(item)]) for item, select in self._selects.items()]
        if kind == "match":
            choices = [("choose…", None)] + [(option, option) for option in exercise.match_options]
            self._selects = {left: widgets.Dropdown(options=choices, value=None) for left, _ in exercise.pairs}
            return [widgets.HBox([widgets.Label(left, layout=widgets.Layout(width="14em")), select])
                    for left, select in self._selects.items()]
        if kind == "code":
            return [widgets.HTML(f"<p>Compute <code>{html.escape(exercise.variable)}</code> in a code cell, "
                                 "run it, then press Check.</p>")]
        raise AssertionError(kind)

    def current_answer(self) -> Any:
        """What the form holds now, in the shape :func:`qantar.exercises.check` takes."""
        kind = self.exercise.kind
        if kind in ("choice", "number"):
            return self._answer.value
        if kind == "multiple":
            return [box.description for box in self._boxes if box.value]
        if kind == "order":
            chosen = {item: select.value for item, select in self._selects.items()}
            if any(position is None for position in chosen.values()):
                return None
            return [item for item, _ in sorted(chosen.items(), key=lambda pair: pair[1])]
        if kind == "match":
            return {left: select.value for left, select in self._selects.items()}
        if kind == "code":
            namespace = self._namespace if self._namespace is not None else _user_namespace()
            return namespace.get(self.exercise.variable, checking.MISSING)
        raise AssertionError(kind)

    def check_now(self) -> checking.Result:
        """Check the form's answer and show the feedback (what the Check button does)."""
        answer = self.current_answer()
        if self.exercise.kind == "code" and answer is checking.MISSING:
            result = checking.Result(self.exercise.id, False, 0.0,
                                     f"`{self.exercise.variable}` is not defined yet: run the cell that computes it.")
        else:
            result = checking.check(self.exercise, answer)
        mark = "✔ Correct" if result.correct else "✘ Not yet"
        colour = "#1a7f37" if result.correct else "#b42318"
        self.feedback.value = (f'<p role="status" data-correct="{str(result.correct).lower()}">'
                               f'<strong style="color:{colour}">{mark}</strong> ({result.score:g} of '
                               f'{self.exercise.points:g}) — {inline_markup(result.message)}</p>')
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
