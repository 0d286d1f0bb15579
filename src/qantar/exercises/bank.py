"""The question bank: one YAML file per chapter in ``exercises/``, read and validated into :class:`Exercise` records.

A malformed bank raises :class:`BankError` naming the file, the question id and the
field, so that an instructor's typo stops the build with a message that says where.

An assessed question may say ``key: withheld``: the copy of the bank handed to students
(the class pack, see :mod:`qantar.downloads`) keeps its prompt and the public shape of the
question (options, items, unit, variable) but no answer, solution, hint, feedback or
mistakes. Such a question still loads and displays; checking it says the key is withheld.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from qantar.data import DataError, data_dir, repository_root
from qantar.exercises.fields import WITHHELD, BankError, _number, _text, _text_list, table_key
from qantar.exercises.kinds import KINDS, data_signature

STATUSES = ("practice", "assessed")
COMMON_KEYS = {
    "id",
    "kind",
    "prompt",
    "points",
    "hint",
    "feedback",
    "mistakes",
    "sources",
    "status",
    "title",
    "partial",
}
# ``key: withheld``: the common fields a question keeps when its key is not handed out; each kind
# says which of its own it keeps (``Kind.withheld_fields``).
WITHHELD_COMMON_KEYS = {"id", "kind", "prompt", "points", "sources", "status", "title", "key", "partial"}


@dataclass(frozen=True)
class Mistake:
    """A named common wrong answer and the feedback it deserves."""

    answer: Any
    feedback: str
    answer_from: str | None = None


@dataclass(frozen=True)
class Exercise:
    """One question of the bank, declared once and served by every front end."""

    id: str
    kind: str
    chapter: str
    prompt: str
    points: float
    file: str
    title: str | None = None
    hint: str | None = None
    feedback_correct: str = "Correct."
    feedback_wrong: str = "Not quite."
    mistakes: tuple[Mistake, ...] = ()
    sources: tuple[str, ...] = ()
    status: str = "practice"
    options: tuple[str, ...] = ()
    answer: Any = None
    tolerance: float = 0.0
    relative_tolerance: float = 0.0
    unit: str | None = None
    items: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    distractors: tuple[str, ...] = ()
    variable: str | None = None
    solution_code: str | None = None
    check_expression: str | None = None
    key_withheld: bool = False
    # Partial credit (``partial: true``; match, multiple and order only): a share of the points for
    # each right pair, each option rightly chosen or left, each neighbouring pair in the right order.
    partial: bool = False
    # Keys read from the data: ``answer_from`` names the table row a number key comes from
    # (``claims/csto-personnel-05``); ``pair_sources`` maps a match pair's left item to the row
    # whose figure that pair states.
    answer_from: str | None = None
    pair_sources: tuple[tuple[str, str], ...] = ()

    @property
    def solution(self) -> Any:
        """An answer that :func:`qantar.exercises.check` accepts as correct."""
        if self.key_withheld:
            raise BankError(
                self.file,
                "the key of this assessed question is withheld in this copy of the bank",
                question=self.id,
                field="key",
            )
        return KINDS[self.kind].solution(self)

    @property
    def match_options(self) -> list[str]:
        """The right-hand choices of a match question, sorted, with the distractors."""
        if self.key_withheld:
            return sorted(self.options)
        return sorted({right for _, right in self.pairs} | set(self.distractors))


def exercises_dir() -> Path:
    """Where the bank lives: ``$QANTAR_EXERCISES_DIR``; else, during a book build, the ``exercises/`` of
    the book being built; else ``exercises/`` beside the data folder; else the checkout's."""
    from qantar import settings

    configured = settings.exercises_dir_setting()
    if configured is not None:
        return configured
    book = settings.book_root()
    if book is not None and (book / "exercises").is_dir():
        return book / "exercises"
    try:
        beside_data = data_dir().parent / "exercises"
        if beside_data.is_dir():
            return beside_data
    except DataError:
        pass
    return repository_root() / "exercises"


def parse_question(spec: Any, file: str, chapter: str) -> Exercise:
    """Check one question's fields and build its :class:`Exercise`."""
    if not isinstance(spec, dict):
        raise BankError(file, f"each question must be a mapping of fields, not {type(spec).__name__}")
    question = _text(spec.get("id"), file, "?", "id", required=True)
    kind = spec.get("kind")
    if kind not in KINDS:
        raise BankError(file, f"unknown kind {kind!r}; use one of {', '.join(KINDS)}", question=question, field="kind")
    handler = KINDS[kind]
    if "key" in spec:
        return parse_withheld_question(spec, file, chapter, question, kind)
    unknown = set(spec) - COMMON_KEYS - handler.fields
    if unknown:
        raise BankError(
            file,
            f"unknown field for a {kind} question (allowed: {', '.join(sorted(COMMON_KEYS | handler.fields))})",
            question=question,
            field=sorted(unknown)[0],
        )
    status = spec.get("status", "practice")
    if status not in STATUSES:
        raise BankError(file, f"must be one of {', '.join(STATUSES)}", question=question, field="status")
    feedback = spec.get("feedback") or {}
    if not isinstance(feedback, dict) or set(feedback) - {"correct", "wrong"}:
        raise BankError(file, "must be a mapping with 'correct' and/or 'wrong'", question=question, field="feedback")
    values: dict[str, Any] = dict(
        id=question,
        kind=kind,
        chapter=chapter,
        file=file,
        status=status,
        prompt=_text(spec.get("prompt"), file, question, "prompt", required=True),
        title=_text(spec.get("title"), file, question, "title"),
        points=_number(spec.get("points"), file, question, "points", default=1.0),
        hint=_text(spec.get("hint"), file, question, "hint"),
        feedback_correct=_text(feedback.get("correct"), file, question, "feedback") or "Correct.",
        feedback_wrong=_text(feedback.get("wrong"), file, question, "feedback") or "Not quite.",
        sources=_text_list(spec.get("sources"), file, question, "sources"),
    )
    if values["points"] <= 0:
        raise BankError(file, "must be more than 0", question=question, field="points")
    values["partial"] = _partial(spec, kind, file, question)
    values.update(handler.parse(spec, file, question))
    mistakes = spec.get("mistakes") or []
    if not isinstance(mistakes, list) or not all(
        isinstance(m, dict)
        and "feedback" in m
        and ("answer" in m or "answer_from" in m)
        and set(m) <= {"answer", "answer_from", "feedback"}
        for m in mistakes
    ):
        raise BankError(
            file, "must be a list of {answer (or answer_from), feedback} entries", question=question, field="mistakes"
        )
    values["mistakes"] = tuple(_mistake(m, kind, file, question) for m in mistakes)
    return Exercise(**values)


def _partial(spec: dict, kind: str, file: str, question: str) -> bool:
    value = spec.get("partial", False)
    if not isinstance(value, bool):
        raise BankError(file, "must be true or false", question=question, field="partial")
    if value and not KINDS[kind].partial_credit:
        kinds = ", ".join(name for name, k in KINDS.items() if k.partial_credit)
        raise BankError(file, f"partial credit is for {kinds} questions only", question=question, field="partial")
    return value


def _mistake(spec: dict, kind: str, file: str, question: str) -> Mistake:
    feedback = _text(spec["feedback"], file, question, "mistakes", True)
    if "answer_from" not in spec:
        return Mistake(spec["answer"], feedback)
    if kind != "number":
        raise BankError(
            file, "answer_from is only for the mistakes of number questions", question=question, field="mistakes"
        )
    reference = _text(spec["answer_from"], file, question, "mistakes", True)
    return Mistake(
        table_key(reference, spec.get("answer"), file, question, "mistakes", "mistakes"),
        feedback,
        answer_from=reference,
    )


def parse_withheld_question(spec: dict, file: str, chapter: str, question: str, kind: str) -> Exercise:
    """A question marked ``key: withheld``: assessed, with its prompt and public shape only."""
    if spec["key"] != WITHHELD:
        raise BankError(
            file, f"the only value allowed is '{WITHHELD}', not {spec['key']!r}", question=question, field="key"
        )
    if spec.get("status") != "assessed":
        raise BankError(
            file,
            "only an assessed question (status: assessed) may have its key withheld",
            question=question,
            field="key",
        )
    handler = KINDS[kind]
    allowed = WITHHELD_COMMON_KEYS | handler.withheld_fields
    unknown = set(spec) - allowed
    if unknown:
        field = sorted(unknown)[0]
        reason = (
            "is part of the key, which this question withholds (key: withheld)"
            if field in COMMON_KEYS | handler.fields
            else f"unknown field for a {kind} question whose key is withheld (allowed: {', '.join(sorted(allowed))})"
        )
        raise BankError(file, reason, question=question, field=field)
    values: dict[str, Any] = dict(
        id=question,
        kind=kind,
        chapter=chapter,
        file=file,
        status="assessed",
        key_withheld=True,
        prompt=_text(spec.get("prompt"), file, question, "prompt", required=True),
        title=_text(spec.get("title"), file, question, "title"),
        points=_number(spec.get("points"), file, question, "points", default=1.0),
        sources=_text_list(spec.get("sources"), file, question, "sources"),
        partial=_partial(spec, kind, file, question),
    )
    if values["points"] <= 0:
        raise BankError(file, "must be more than 0", question=question, field="points")
    values.update(handler.parse_withheld(spec, file, question))
    return Exercise(**values)


def read_bank_file(path: Path) -> list[Exercise]:
    """Read one chapter's bank file."""
    shown = f"exercises/{path.name}"
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise BankError(shown, f"is not valid YAML: {error}") from None
    if not isinstance(content, dict) or "questions" not in content:
        raise BankError(shown, "must be a mapping with 'chapter' and 'questions'")
    chapter = content.get("chapter") or path.stem
    if not isinstance(content["questions"], list) or not content["questions"]:
        raise BankError(shown, "'questions' must be a non-empty list")
    return [parse_question(spec, shown, chapter) for spec in content["questions"]]


def load_bank(folder: Path | str | None = None) -> dict[str, Exercise]:
    """Every exercise of the bank by id, validated, cross-checked against the excerpts and sources."""
    folder = Path(folder) if folder is not None else exercises_dir()
    files = sorted(folder.glob("*.yml"))
    signature = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    # Keys may come from the tables (answer_from), so a changed table is a changed bank.
    return dict(_load_bank_cached(signature, data_signature()))


@lru_cache(maxsize=8)
def _load_bank_cached(signature: tuple, _data: tuple = ()) -> tuple[tuple[str, Exercise], ...]:
    from qantar.excerpts import excerpts
    from qantar.sources import sources

    known_references = set(excerpts()) | set(sources())
    bank: dict[str, Exercise] = {}
    for path_text, _, _ in signature:
        for exercise in read_bank_file(Path(path_text)):
            if exercise.id in bank:
                raise BankError(
                    exercise.file, f"the id is also used in {bank[exercise.id].file}", question=exercise.id, field="id"
                )
            for reference in exercise.sources:
                if reference not in known_references:
                    raise BankError(
                        exercise.file,
                        f"'{reference}' is neither an excerpt_id nor a source_id",
                        question=exercise.id,
                        field="sources",
                    )
            bank[exercise.id] = exercise
    return tuple(bank.items())
