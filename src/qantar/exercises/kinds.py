"""The kinds of question, one class each: how a kind is declared, checked, shown and handed out.

Every front end asks the question's kind rather than branching on its name: the bank
(``parse``), the one check (``normalise``, ``agrees``), the static page (``controls``, and
the page script's function of the same name in ``static/qantar-exercises.js``), the notebook
widget (``widget``), the assignment notebooks (``instructions``, ``form_shape``) and the
public bank (``spec(public=True)``). A new kind is one subclass here, registered with
:func:`register`, plus one function in the page script's ``KINDS``.

``spec`` is the one serialiser of a question's kind-specific fields, in the bank's own field
names: ``spec(public=False)`` is the key as the bank declares it (for the page's key and the
grader's hidden test), ``spec(public=True)`` what a student may see (for the withheld bank
and the form checks).
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, ClassVar

from qantar.data import DataError, data_dir
from qantar.exercises.fields import BankError, _number, _text, _text_list, pair_sources, table_key


class WrongShape(ValueError):
    """The answer is not of the form the question asks for; the message says what is expected."""


# The one normalisation of answers, the same for the Python check, the notebook widget, the
# assignment's form check and (for what a page form can hold) the page script.
QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
    }
)
SPACES = re.compile(r"[\s\u00a0\u202f]+")


def canonical_text(value: str) -> str:
    """Text as the check compares it: curly quotes straight, runs of spaces as one, no spaces at the ends."""
    return SPACES.sub(" ", value.translate(QUOTES)).strip()


def pick(value: Any, choices, what: str) -> str:
    """The one of ``choices`` that ``value`` names, compared as canonical text without regard to case."""
    if not isinstance(value, str):
        raise WrongShape(f"Expected one of {what} as text: {', '.join(choices)}.")
    wanted = canonical_text(value).casefold()
    for choice in choices:
        if canonical_text(choice).casefold() == wanted:
            return choice
    raise WrongShape(f"'{canonical_text(value)}' is not one of {what}: {', '.join(choices)}.")


def as_number(value: Any, what: str, unit: str | None = None) -> float:
    """A number from an int, a float, a NumPy scalar or a numeric string.

    A string may have thousands separators ('2,030', '2 030'), a decimal comma with one or two
    digits after it ('77,18'), and a trailing '%' or the question's unit ('225 people').
    """
    if isinstance(value, bool) or value is None:
        raise WrongShape(f"Expected {what}, got {value!r}.")
    if isinstance(value, str):
        cleaned = SPACES.sub("", value)
        for suffix in ("%", *((unit.replace(" ", ""),) if unit else ())):
            if cleaned.casefold().endswith(suffix.casefold()) and len(cleaned) > len(suffix):
                cleaned = cleaned[: -len(suffix)]
                break
        if re.fullmatch(r"[-+]?\d+,\d{1,2}", cleaned):  # a decimal comma: 77,18
            cleaned = cleaned.replace(",", ".")
        elif re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", cleaned):  # thousands: 2,030
            cleaned = cleaned.replace(",", "")
        if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", cleaned):
            raise WrongShape(f"Expected {what}; '{value}' is not a number.")
        return float(cleaned)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise WrongShape(f"Expected {what}, got {type(value).__name__}.") from None
    if not math.isfinite(number):
        raise WrongShape(f"Expected {what}, got {value!r}.")
    return number


def numbers_agree(answer: float, expected: float, tolerance: float, relative_tolerance: float) -> bool:
    """Within the absolute or the relative tolerance (whichever is larger); a tiny slack absorbs rounding."""
    allowed = max(tolerance, relative_tolerance * abs(expected), 1e-9 * max(1.0, abs(expected)))
    return abs(answer - expected) <= allowed


def as_text_list(value: Any, what: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
        raise WrongShape(f"Expected {what} (a list), got {type(value).__name__}.")
    if not all(isinstance(item, str) for item in value):
        raise WrongShape(f"Expected {what}: every entry must be text.")
    return [item.strip() for item in value]


def display_order(exercise) -> list[str]:
    """The items of an order question in a fixed scrambled order (never the answer's order)."""
    items = list(exercise.items)
    scrambled = sorted(items, key=lambda item: hashlib.sha256(f"{exercise.id}:{item}".encode()).hexdigest())
    if scrambled == items:
        scrambled = scrambled[1:] + scrambled[:1]
    return scrambled


def _listing(values) -> str:
    return "\n".join(f"- `{value!r}`" for value in values)


class Kind:
    """What every kind of question must say. ``exercise`` is an :class:`~qantar.exercises.bank.Exercise`."""

    name: ClassVar[str]
    label: ClassVar[str]  # the title of a question that has none ("Choose one")
    fields: ClassVar[set[str]]  # the bank fields of this kind, besides the common ones
    withheld_fields: ClassVar[set[str]]  # the fields a question keeps when its key is withheld
    self_checked_in_page: ClassVar[bool] = True  # the page script checks it (False: only in Jupyter)

    # -- the bank
    def parse(self, spec: dict, file: str, question: str) -> dict[str, Any]:
        """The kind's fields of a question, checked; raise BankError naming the field."""
        raise NotImplementedError

    def parse_withheld(self, spec: dict, file: str, question: str) -> dict[str, Any]:
        """The public fields of a question whose key is withheld."""
        raise NotImplementedError

    def spec(self, exercise, *, public: bool) -> dict[str, Any]:
        """The kind's fields in the bank's names: the key (public=False) or what a student may see."""
        raise NotImplementedError

    # -- checking
    def solution(self, exercise) -> Any:
        """An answer that the check accepts as correct."""
        raise NotImplementedError

    def normalise(self, exercise, answer: Any) -> Any:
        """The answer in the form the kind compares, or WrongShape saying what was expected."""
        raise NotImplementedError

    def agrees(self, exercise, given: Any, expected: Any) -> bool:
        """Whether a normalised answer equals a normalised declared answer (key or mistake)."""
        return given == expected

    def expected_form(self, exercise) -> str:
        raise NotImplementedError

    def credit(self, exercise, given: Any, expected: Any) -> tuple[int, int, str]:
        """For partial credit: how many parts of a normalised answer are right, of how many, and
        what a part is called ("pairs"). A kind that implements it may be declared ``partial: true``."""
        raise NotImplementedError

    @property
    def partial_credit(self) -> bool:
        """Whether the bank may declare ``partial: true`` for this kind: it implements :meth:`credit`."""
        return type(self).credit is not Kind.credit

    # -- showing
    def describe(self, exercise) -> str:
        """The key in words, for the instructor edition."""
        raise NotImplementedError

    def controls(self, exercise, field: str) -> str:
        """The form controls of the static page (HTML)."""
        raise NotImplementedError

    def widget(self, exercise, namespace_of):
        """The notebook inputs, a function that reads the current answer from them, and the controls
        by name (the option, item or left-hand item they answer; ``answer`` for a single control).

        The reader returns the answer in the form :func:`~qantar.exercises.checking.check` takes
        (``None`` while nothing is given), or raises :class:`WrongShape` for a form that holds no
        answer the check could read (a neutral note, as the page script's ``problem``)."""
        raise NotImplementedError

    # -- assignments
    def instructions(self, exercise, variable: str) -> str:
        """What the student must set, in the assignment notebook (Markdown)."""
        raise NotImplementedError

    def form_shape(self, exercise) -> dict[str, Any]:
        """What the public form check of an assignment needs: the public spec."""
        return self.spec(exercise, public=True)

    def answer_variable(self, exercise, number: int) -> str:
        return f"answer_{number}"

    def form_problem(self, shape: dict[str, Any], answer: Any) -> str | None:
        """What is wrong with the form of ``answer``, knowing only the public ``shape``; None if nothing."""
        probe = SimpleNamespace(
            id="form",
            options=tuple(shape.get("options", ())),
            items=tuple(shape.get("items", ())),
            pairs=(),
            unit=shape.get("unit"),
        )
        try:
            self.normalise(probe, answer)
        except WrongShape as problem:
            return str(problem)
        return None


KINDS: dict[str, Kind] = {}


def register(kind_class: type[Kind]) -> type[Kind]:
    """Add a kind to the bank (a class decorator)."""
    KINDS[kind_class.name] = kind_class()
    return kind_class


def kind_of(name: str) -> Kind:
    return KINDS[name]


class _OptionsKind(Kind):
    fields = {"options", "answer"}
    withheld_fields = {"options"}
    input_type: ClassVar[str]

    def parse(self, spec, file, question):
        options = _text_list(spec.get("options"), file, question, "options", minimum=2)
        if "answer" not in spec:
            raise BankError(file, "is required", question=question, field="answer")
        chosen = self.parse_answer(spec["answer"], file, question)
        stray = [item for item in ([chosen] if isinstance(chosen, str) else chosen) if item not in options]
        if stray:
            raise BankError(file, f"{stray[0]!r} is not one of the options", question=question, field="answer")
        return {"options": options, "answer": chosen}

    def parse_answer(self, value, file, question):
        raise NotImplementedError

    def spec(self, exercise, *, public):
        return {"options": list(exercise.options), **({} if public else {"answer": self.solution(exercise)})}

    def parse_withheld(self, spec, file, question):
        return {"options": _text_list(spec.get("options"), file, question, "options", minimum=2)}

    def controls(self, exercise, field):
        escape = html.escape
        options = "".join(
            f'<label class="qantar-exercise__option"><input type="{self.input_type}" name="{field}" '
            f'value="{escape(option)}"> {escape(option)}</label>'
            for option in exercise.options
        )
        # A group of radio buttons or checkboxes is a fieldset, named by its legend.
        legend = "Choose one option" if self.input_type == "radio" else "Choose every option that applies"
        return (
            f'<fieldset class="qantar-exercise__options"><legend class="qantar-exercise__legend">{legend}</legend>'
            f"{options}</fieldset>"
        )


@register
class Choice(_OptionsKind):
    name = "choice"
    label = "Choose one"
    input_type = "radio"

    def parse_answer(self, value, file, question):
        return _text(value, file, question, "answer", required=True)

    def solution(self, exercise):
        return exercise.answer

    def normalise(self, exercise, answer):
        return pick(answer, exercise.options, "the options")

    def expected_form(self, exercise):
        return "Choose one option."

    def describe(self, exercise):
        return exercise.answer

    def widget(self, exercise, namespace_of):
        import ipywidgets as widgets

        answer = widgets.RadioButtons(options=list(exercise.options), value=None, layout=widgets.Layout(width="auto"))
        return [answer], lambda: answer.value, {"answer": answer}

    def instructions(self, exercise, variable):
        return f"Set `{variable}` to one of these strings:\n\n" + _listing(exercise.options)


@register
class Multiple(_OptionsKind):
    name = "multiple"
    label = "Choose all that apply"
    input_type = "checkbox"

    def parse_answer(self, value, file, question):
        return _text_list(value, file, question, "answer", minimum=1)

    def solution(self, exercise):
        return list(exercise.answer)

    def normalise(self, exercise, answer):
        chosen = as_text_list(answer, "the options that apply")
        return frozenset(pick(item, exercise.options, "the options") for item in chosen)

    def expected_form(self, exercise):
        return "Choose every option that applies."

    def credit(self, exercise, given, expected):
        right = sum(1 for option in exercise.options if (option in given) == (option in expected))
        return right, len(exercise.options), "options"

    def describe(self, exercise):
        return "; ".join(exercise.answer)

    def widget(self, exercise, namespace_of):
        import ipywidgets as widgets

        boxes = [widgets.Checkbox(description=option, value=False, indent=False) for option in exercise.options]
        return boxes, lambda: [box.description for box in boxes if box.value], dict(zip(exercise.options, boxes))

    def instructions(self, exercise, variable):
        return f"Set `{variable}` to a list of every option that applies:\n\n" + _listing(exercise.options)


class _Tolerant:
    """Tolerances of number answers (number and code kinds)."""

    @staticmethod
    def tolerances(spec, file, question) -> dict[str, Any]:
        return {
            "tolerance": _number(spec.get("tolerance"), file, question, "tolerance", default=0.0),
            "relative_tolerance": _number(
                spec.get("relative_tolerance"), file, question, "relative_tolerance", default=0.0
            ),
            "unit": _text(spec.get("unit"), file, question, "unit"),
        }


@register
class Number(Kind, _Tolerant):
    name = "number"
    label = "Enter a number"
    fields = {"answer", "answer_from", "tolerance", "relative_tolerance", "unit"}
    withheld_fields = {"unit"}

    def parse(self, spec, file, question):
        if "answer" not in spec and "answer_from" not in spec:
            raise BankError(
                file,
                "is required (or answer_from, naming the table row the key comes from)",
                question=question,
                field="answer",
            )
        reference = _text(spec.get("answer_from"), file, question, "answer_from")
        answer = table_key(reference, spec.get("answer"), file, question, "answer_from", "answer")
        return {"answer_from": reference, "answer": answer, **self.tolerances(spec, file, question)}

    def parse_withheld(self, spec, file, question):
        return {"unit": _text(spec.get("unit"), file, question, "unit")}

    def spec(self, exercise, *, public):
        shown = {"unit": exercise.unit} if exercise.unit else {}
        if public:
            return shown
        return {
            "answer": exercise.answer,
            "tolerance": exercise.tolerance,
            "relative_tolerance": exercise.relative_tolerance,
            **shown,
        }

    def form_shape(self, exercise):
        return {"unit": exercise.unit}

    def solution(self, exercise):
        return exercise.answer

    def normalise(self, exercise, answer):
        unit = f" (in {exercise.unit})" if exercise.unit else ""
        return as_number(answer, f"a number{unit}", exercise.unit)

    def agrees(self, exercise, given, expected):
        return numbers_agree(given, expected, exercise.tolerance, exercise.relative_tolerance)

    def expected_form(self, exercise):
        return "Enter a number" + (f" (in {exercise.unit})." if exercise.unit else ".")

    def describe(self, exercise):
        tolerance = (
            f" (± {exercise.tolerance:g})"
            if exercise.tolerance
            else f" (± {exercise.relative_tolerance:.0%})"
            if exercise.relative_tolerance
            else ""
        )
        unit = f" {exercise.unit}" if exercise.unit else ""
        return f"{exercise.answer:g}{unit}{tolerance}"

    def controls(self, exercise, field):
        escape = html.escape
        unit = f' <span class="qantar-exercise__unit">{escape(exercise.unit)}</span>' if exercise.unit else ""
        return (
            f'<label class="qantar-exercise__number">Your answer: <input type="text" inputmode="decimal" '
            f'name="{field}" autocomplete="off">{unit}</label>'
        )

    def widget(self, exercise, namespace_of):
        import ipywidgets as widgets

        unit = f" ({exercise.unit})" if exercise.unit else ""
        answer = widgets.Text(placeholder=f"a number{unit}", description="Answer:")
        return [answer], lambda: answer.value, {"answer": answer}

    def instructions(self, exercise, variable):
        unit = f" (in {exercise.unit})" if exercise.unit else ""
        return f"Set `{variable}` to a number{unit}."


@register
class Order(Kind):
    name = "order"
    label = "Put in order"
    fields = {"items"}
    withheld_fields = {"items"}

    def parse(self, spec, file, question):
        return {"items": _text_list(spec.get("items"), file, question, "items", minimum=2)}

    parse_withheld = parse

    def spec(self, exercise, *, public):
        if not public:
            return {"items": list(exercise.items)}
        # Never the answer's order: sorted, or the page's scrambled order if sorting gives the answer.
        items = sorted(exercise.items)
        return {"items": items if items != list(exercise.items) else display_order(exercise)}

    def solution(self, exercise):
        return list(exercise.items)

    def normalise(self, exercise, answer):
        ordered = as_text_list(answer, f"all {len(exercise.items)} items in order")
        try:
            ordered = [pick(item, exercise.items, "the items") for item in ordered]
        except WrongShape:
            ordered = []
        if sorted(ordered) != sorted(exercise.items):
            raise WrongShape(
                f"Expected each of these {len(exercise.items)} items once, in order: "
                f"{'; '.join(sorted(exercise.items))}."
            )
        return tuple(ordered)

    def expected_form(self, exercise):
        return "Put every item in order."

    def credit(self, exercise, given, expected):
        neighbours = set(zip(expected, expected[1:]))
        right = sum(1 for pair in zip(given, given[1:]) if pair in neighbours)
        return right, len(expected) - 1, "neighbouring pairs"

    def describe(self, exercise):
        return " → ".join(exercise.items)

    def controls(self, exercise, field):
        escape = html.escape
        count = len(exercise.items)
        rows = "".join(
            f'<li><label>{escape(item)} <select name="{field}" data-item="{escape(item)}" aria-label="Position of: '
            f'{escape(item)}"><option value="">position…</option>'
            + "".join(f'<option value="{n}">{n}</option>' for n in range(1, count + 1))
            + "</select></label></li>"
            for item in display_order(exercise)
        )
        return f'<ul class="qantar-exercise__order">{rows}</ul>'

    def widget(self, exercise, namespace_of):
        import ipywidgets as widgets

        from qantar.choices import Choice

        # Text boxes with suggestions, not drop-downs: JupyterLab takes a focused drop-down's keys.
        positions = [(str(n), n) for n in range(1, len(exercise.items) + 1)]
        selects = {
            item: Choice(f"Position of: {item}", positions, plural="positions", unset="position…", label_width="0px")
            for item in display_order(exercise)
        }

        def read():
            # The same rules as the page script's order(): every item placed, each at its own position.
            for select in selects.values():
                if select.refusal():
                    raise WrongShape(select.refusal())
            chosen = {item: select.reading()[1] for item, select in selects.items()}
            if any(position is None for position in chosen.values()):
                return None
            if len(set(chosen.values())) < len(chosen):
                raise WrongShape("Give each item a different position.")
            return [item for item, _ in sorted(chosen.items(), key=lambda pair: pair[1])]

        return [widgets.HBox([select, widgets.Label(item)]) for item, select in selects.items()], read, selects

    def instructions(self, exercise, variable):
        return f"Set `{variable}` to a list of these items, in order:\n\n" + _listing(display_order(exercise))

    def form_shape(self, exercise):
        return {"items": display_order(exercise)}


@register
class Match(Kind):
    name = "match"
    label = "Match the pairs"
    fields = {"pairs", "distractors", "pair_sources"}
    # A match question whose key is withheld gives its left-hand items as ``items`` and its
    # partners (with the distractors, sorted) as ``options``, since its ``pairs`` are the key.
    withheld_fields = {"items", "options"}

    def parse(self, spec, file, question):
        pairs = spec.get("pairs")
        if not isinstance(pairs, dict) or len(pairs) < 2:
            raise BankError(
                file, "must map at least two left-hand items to their partners", question=question, field="pairs"
            )
        parsed = tuple(
            (_text(left, file, question, "pairs", True), _text(right, file, question, "pairs", True))
            for left, right in pairs.items()
        )
        return {
            "pairs": parsed,
            "distractors": _text_list(spec.get("distractors"), file, question, "distractors"),
            "pair_sources": pair_sources(spec.get("pair_sources"), dict(parsed), file, question),
        }

    def parse_withheld(self, spec, file, question):
        return {
            "items": _text_list(spec.get("items"), file, question, "items", minimum=2),
            "options": _text_list(spec.get("options"), file, question, "options", minimum=2),
        }

    def spec(self, exercise, *, public):
        if public:
            return {"items": [left for left, _ in exercise.pairs], "options": exercise.match_options}
        return {"pairs": dict(exercise.pairs), "distractors": list(exercise.distractors)}

    def solution(self, exercise):
        return dict(exercise.pairs)

    def normalise(self, exercise, answer):
        if not isinstance(answer, dict):
            raise WrongShape("Expected a dictionary that pairs each item with its partner.")
        lefts = [left for left, _ in exercise.pairs]
        given = {canonical_text(str(left)).casefold(): right for left, right in answer.items()}
        missing = [left for left in lefts if canonical_text(left).casefold() not in given]
        if missing:
            raise WrongShape(f"Pair every item: '{missing[0]}' has no partner.")
        unpaired = [left for left in lefts if given[canonical_text(left).casefold()] is None]
        if unpaired:
            raise WrongShape(f"Pair every item: '{unpaired[0]}' has no partner.")
        paired = {}
        for left in lefts:
            right = given[canonical_text(left).casefold()]
            text = canonical_text(str(right))
            # A partner is read like an option (case and quotes aside); an unknown one stays as it is.
            paired[left] = next(
                (p for p in exercise.match_options if canonical_text(p).casefold() == text.casefold()), text
            )
        return paired

    def expected_form(self, exercise):
        return "Pair every item with its partner."

    def credit(self, exercise, given, expected):
        right = sum(1 for left, partner in expected.items() if given.get(left) == partner)
        return right, len(expected), "pairs"

    def describe(self, exercise):
        return "; ".join(f"{left} → {right}" for left, right in exercise.pairs)

    def controls(self, exercise, field):
        escape = html.escape
        choices = "".join(
            f'<option value="{escape(option)}">{escape(option)}</option>' for option in exercise.match_options
        )
        rows = "".join(
            f'<li><label>{escape(left)} <select name="{field}" data-item="{escape(left)}" aria-label="Partner of: '
            f'{escape(left)}"><option value="">choose…</option>{choices}</select></label></li>'
            for left, _ in exercise.pairs
        )
        return f'<ul class="qantar-exercise__match">{rows}</ul>'

    def widget(self, exercise, namespace_of):
        import ipywidgets as widgets

        from qantar.choices import Choice

        # Text boxes with suggestions, not drop-downs: JupyterLab takes a focused drop-down's keys.
        choices = [(option, option) for option in exercise.match_options]
        selects = {
            left: Choice(f"Partner of: {left}", choices, plural="partners", unset="choose…", label_width="0px")
            for left, _ in exercise.pairs
        }
        inputs = [
            widgets.HBox([widgets.Label(left, layout=widgets.Layout(width="14em")), select])
            for left, select in selects.items()
        ]

        def read():
            # The same rules as the page script's match(): every item paired, with one of the partners.
            for select in selects.values():
                if select.refusal():
                    raise WrongShape(select.refusal())
            pairs = {left: select.reading()[1] for left, select in selects.items()}
            return None if any(partner is None for partner in pairs.values()) else pairs

        return inputs, read, selects

    def form_problem(self, shape, answer):
        # Assignment notebooks made before the one serialiser call the two lists lefts and rights.
        lefts = shape.get("items", shape.get("lefts", ()))
        rights = set(shape.get("options", shape.get("rights", ())))
        probe = SimpleNamespace(id="form", pairs=tuple((left, "") for left in lefts), match_options=sorted(rights))
        try:
            given = self.normalise(probe, answer)
        except WrongShape as problem:
            return str(problem)
        stray = [value for value in given.values() if value not in rights]
        if stray:
            return f"'{stray[0]}' is not one of the possible partners: {', '.join(sorted(rights))}."
        return None

    def instructions(self, exercise, variable):
        lefts = _listing(left for left, _ in exercise.pairs)
        rights = _listing(exercise.match_options)
        return (
            f"Set `{variable}` to a dictionary that pairs each of these:\n\n{lefts}\n\nwith one of these:\n\n{rights}"
        )


@register
class Code(Kind, _Tolerant):
    name = "code"
    label = "Compute with pandas"
    fields = {"variable", "solution", "check", "tolerance", "relative_tolerance", "unit"}
    withheld_fields = {"variable", "unit"}
    self_checked_in_page = False

    def parse(self, spec, file, question):
        values: dict[str, Any] = {"variable": self._variable(spec, file, question)}
        values["solution_code"] = _text(spec.get("solution"), file, question, "solution", required=True)
        values["check_expression"] = _text(spec.get("check"), file, question, "check")
        values.update(self.tolerances(spec, file, question))
        for name, code, mode in (
            ("solution", values["solution_code"], "exec"),
            ("check", values["check_expression"], "eval"),
        ):
            try:
                if code:
                    compile(code, f"{file}:{question}", mode)
            except SyntaxError as error:
                raise BankError(
                    file, f"is not valid Python: {error.msg} (line {error.lineno})", question=question, field=name
                ) from None
        return values

    @staticmethod
    def _variable(spec, file, question):
        variable = _text(spec.get("variable"), file, question, "variable", required=True)
        if not variable.isidentifier():
            raise BankError(file, "must be a Python variable name", question=question, field="variable")
        return variable

    def parse_withheld(self, spec, file, question):
        unit = _text(spec.get("unit"), file, question, "unit")
        return {"variable": self._variable(spec, file, question), "unit": unit}

    def spec(self, exercise, *, public):
        shown = {"variable": exercise.variable, **({"unit": exercise.unit} if exercise.unit else {})}
        if public:
            return shown
        key = {
            **shown,
            "solution": exercise.solution_code,
            "tolerance": exercise.tolerance,
            "relative_tolerance": exercise.relative_tolerance,
        }
        if exercise.check_expression:
            key["check"] = exercise.check_expression
        return key

    def form_shape(self, exercise):
        reference = exercise.solution
        number = isinstance(reference, (int, float)) and not isinstance(reference, bool)
        return {"type": "number" if number else type(reference).__name__}

    def solution(self, exercise):
        return reference_value(exercise)

    def form_problem(self, shape, answer):
        expected = shape.get("type")
        if expected == "number":
            try:
                as_number(answer, "a number")
            except WrongShape as problem:
                return str(problem)
        elif expected and type(answer).__name__ != expected:
            return f"Expected a {expected}, got {type(answer).__name__}."
        return None

    def normalise(self, exercise, answer):
        return answer  # compared as a value, against the reference computed now

    def agrees(self, exercise, given, expected):
        return code_agrees(exercise, given, expected)

    def expected_form(self, exercise):
        return f"Compute `{exercise.variable}` in a code cell, then check."

    def describe(self, exercise):
        return repr(exercise.solution)

    def controls(self, exercise, field):
        return ""

    def widget(self, exercise, namespace_of):
        import ipywidgets as widgets

        note = widgets.HTML(
            f"<p>Compute <code>{html.escape(exercise.variable)}</code> in a code cell, run it, then press Check.</p>"
        )
        return [note], lambda: namespace_of().get(exercise.variable, MISSING), {}

    def instructions(self, exercise, variable):
        return f"Compute `{variable}` with pandas from the module's tables (`load(...)`)."

    def answer_variable(self, exercise, number):
        return exercise.variable


def code_agrees(exercise, answer: Any, expected: Any) -> bool:
    """A computed answer against a reference value: pandas objects, numbers, text, lists, sets, or the
    question's own ``check`` expression."""
    import pandas as pd

    if exercise.check_expression:
        namespace = {"answer": answer, "expected": expected, "pd": pd, "math": math}
        return bool(
            eval(
                exercise.check_expression,
                {"__builtins__": {"abs": abs, "len": len, "set": set, "sorted": sorted, "round": round}},
                namespace,
            )
        )
    if isinstance(expected, (pd.DataFrame, pd.Series)):
        if not isinstance(answer, type(expected)):
            raise WrongShape(f"Expected a pandas {type(expected).__name__}, got {type(answer).__name__}.")
        if answer.empty and not expected.empty:
            raise WrongShape(f"Your {type(expected).__name__} is empty.")
        try:
            pd.testing.assert_frame_equal(
                *(
                    x.reset_index(drop=True).to_frame() if isinstance(x, pd.Series) else x.reset_index(drop=True)
                    for x in (answer, expected)
                ),
                check_dtype=False,
                check_names=False,
            )
            return True
        except AssertionError:
            return False
    if isinstance(expected, bool):
        if not isinstance(answer, bool):
            raise WrongShape(f"Expected True or False, got {type(answer).__name__}.")
        return answer == expected
    if isinstance(expected, (int, float)):
        number = as_number(answer, "a number")
        return numbers_agree(number, float(expected), exercise.tolerance, exercise.relative_tolerance)
    if isinstance(expected, str):
        if not isinstance(answer, str):
            raise WrongShape(f"Expected text, got {type(answer).__name__}.")
        return answer.strip().casefold() == expected.strip().casefold()
    if isinstance(expected, (list, tuple)):
        if not isinstance(answer, (list, tuple)):
            raise WrongShape(f"Expected a list, got {type(answer).__name__}.")
        return list(answer) == list(expected)
    if isinstance(expected, (set, frozenset)):
        if not isinstance(answer, (set, frozenset, list, tuple)):
            raise WrongShape(f"Expected a set, got {type(answer).__name__}.")
        return set(answer) == set(expected)
    return answer == expected


# What a widget or the Python API reads when a code question's variable is not defined yet.
MISSING = object()


# ---------------------------------------------------------------- the reference answer of a code question


def reference_value(exercise) -> Any:
    """The reference answer of a code exercise, computed now from the module's data."""
    value = _reference_cached(exercise.id, exercise.file, exercise.solution_code, exercise.variable, data_signature())
    return value.copy() if hasattr(value, "copy") else value  # callers may not change the cached key


def data_signature() -> tuple:
    """Names and dates of the data files: a changed table is a changed reference (and bank)."""
    try:
        folder = data_dir()
    except DataError:
        return ()
    return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*")))


@lru_cache(maxsize=256)
def _reference_cached(question: str, file: str, code: str, variable: str, _data: tuple) -> Any:
    import pandas as pd

    import qantar
    from qantar import views

    namespace: dict[str, Any] = {"pd": pd, "load": qantar.load, "qantar": qantar, "views": views}
    try:
        exec(compile(code, f"{file}:{question}", "exec"), namespace)
    except Exception as error:  # an instructor's solution that fails must stop the build, loudly
        raise BankError(
            file, f"the solution raised {type(error).__name__}: {error}", question=question, field="solution"
        ) from None
    if variable not in namespace:
        raise BankError(file, f"the solution never sets {variable!r}", question=question, field="solution")
    return namespace[variable]
