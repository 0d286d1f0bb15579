"""A choice among a list as a text box that suggests them (:class:`Choice`), for every notebook control
that picks one of a list: the explorers' filters (:mod:`qantar.widgets`) and the positions and
partners of order and match exercises (:mod:`qantar.exercises.kinds`).

Its own module, under both, so that the exercises' kinds can use it without importing the
front ends that import them.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets


def _key(text: str) -> str:
    """How typed text is compared with a choice: case and runs of spaces do not count."""
    return " ".join(str(text).split()).casefold()


class Choice(widgets.Combobox):
    """One of a list of choices, as a text box that suggests them (an ipywidgets ``Combobox``).

    Why not a ``Dropdown``: in JupyterLab 4 the notebook's command-mode shortcuts take the keys of
    a focused, closed ``<select>`` (jupyter-widgets/ipywidgets#3912): the arrow keys move the cell
    cursor and A, B, C, D, I, J, K, M, R, V, X, Y, Z and 0 edit the notebook. JupyterLab leaves the
    keys of a text box alone (it is read-write), so here every key reaches the control: typing
    narrows the browser's list of suggestions, the Down arrow (or a click) opens it, Enter picks.

    ``value`` is the text in the box (the front end sends it as it is typed, so a pick with the
    mouse counts at once, as in a drop-down); :attr:`chosen` is the value of the choice it stands
    for. The text of a choice is its label, or its value written out, in any case and spacing.
    Text that is no choice (yet) leaves :attr:`chosen` as it was, and :meth:`note` says so; an
    empty box means the choice whose value is ``None`` ("all") where there is one. The kernel never
    rewrites the text while it is typed (it could overtake keys still on their way).

    ``unset`` (a question's "position…" or "choose…") lets ``None`` mean that nothing is chosen yet:
    the box starts empty with ``unset`` as its placeholder, never offered as a suggestion; an
    emptied box is unset again. :meth:`reading` is the strict reading of the text for such a form
    (a check judges what the box holds now, not the last choice it held). ``label_width`` sets the
    width of the description (``"0px"``: it names the box for screen readers, the form shows the
    text beside it in full).
    """

    def __init__(
        self,
        description: str,
        choices: list,
        chosen: Any = None,
        *,
        plural: str,
        unset: str | None = None,
        label_width: str | None = None,
    ) -> None:
        labels = [label for label, _value in choices]
        self._choices = dict(choices)  # label -> value, in order
        self._by_key: dict[str, Any] = {}
        for label, value in choices:
            keys = {_key(label)} | ({_key(value)} if value is not None else set())
            for key in keys:
                if key in self._by_key and self._by_key[key] != value:
                    raise ValueError(f"{description}: {key!r} would stand for two choices")
                self._by_key[key] = value
        self._everything = next((label for label, value in choices if value is None), None)
        if unset is not None and self._everything is not None:
            raise ValueError(f"{description}: a choice of everything ({self._everything!r}) and an unset box")
        self._unset = unset
        if chosen not in self._choices.values() and not (chosen is None and unset is not None):
            raise ValueError(f"{description}: {chosen!r} is not one of the {plural}")
        self.plural = plural
        self._chosen = chosen
        longest = max(len(label) for label in labels + [unset or ""])
        label = label_width or "var(--jp-widgets-inline-label-width, 80px)"
        super().__init__(
            description=description,
            options=labels,
            value=self._text_of(chosen),
            ensure_option=False,  # the box may hold a part of a label while it is typed; see chosen
            placeholder=self._everything or unset or "",
            layout=widgets.Layout(width=f"calc({label} + {longest + 6}ch)"),
            style={"description_width": label_width} if label_width else {},
        )
        self.observe(self._typed, names="value")

    def _text_of(self, chosen: Any) -> str:
        """The text that stands for a choice in the box ("" for "all": the placeholder says it)."""
        if chosen is None:
            return ""
        return next(label for label, value in self._choices.items() if value == chosen)

    def _match(self, text: str) -> tuple[bool, Any]:
        """(True, value) when ``text`` stands for a choice, else (False, None)."""
        key = _key(text)
        if key in self._by_key:
            return True, self._by_key[key]
        if not key and (self._everything is not None or self._unset is not None):
            return True, None
        return False, None

    def reading(self) -> tuple[bool, Any]:
        """What the text in the box stands for now: (True, value) for a choice (``None`` for an empty
        box that means "all" or "nothing chosen yet"), (False, None) for text that is no choice."""
        return self._match(self.value)

    def refusal(self) -> str:
        """Why the text in the box is no choice, naming the choices ("" when it is one)."""
        if self.reading()[0]:
            return ""
        typed = " ".join(self.value.split())
        return f"“{typed}” is not one of the {self.plural}: {', '.join(self._choices)}."

    def _typed(self, change) -> None:
        found, value = self._match(change["new"])
        if found:
            self._chosen = value

    @property
    def chosen(self) -> Any:
        """The value of the choice the box stands for: the last text that was a choice."""
        return self._chosen

    @chosen.setter
    def chosen(self, value: Any) -> None:
        if value not in self._choices.values() and not (value is None and self._unset is not None):
            raise ValueError(f"{value!r} is not one of the {self.plural}")
        self.value = self._text_of(value)
        self._chosen = value

    def hint(self) -> str:
        """How to use the box, said under the explorer's controls."""
        return f"{self.description}: type to narrow the list of {self.plural}, or open it with the Down arrow" + (
            f"; an empty box means all {self.plural}." if self._everything is not None else "."
        )

    def note(self) -> str:
        """What the explorer says while the text is no choice: what it shows instead ("" when it is one)."""
        if self._match(self.value)[0]:
            return ""
        shown = f"all {self.plural}" if self._chosen is None else f"“{self._text_of(self._chosen)}”"
        typed = " ".join(self.value.split())
        said = f"“{typed}” is not one of the {self.plural}" if typed else f"No {self.description.lower()} typed"
        return f"({said}: showing {shown}.)"
