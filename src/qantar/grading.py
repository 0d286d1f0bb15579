"""Grade a class's submissions in one batch: each runs in the sandbox, its answers are checked here.

The path of one submission:

1. The file is read as a notebook; a file that is not one is ``invalid`` (and named).
2. It runs in the sandbox (:mod:`qantar.sandbox`), which holds no key, no test and none of the
   teacher's files; :mod:`qantar.harvest` runs its cells and writes out only the answer
   variables, as JSON, after every cell.
3. Here, in the grader's own process, each answer is checked against the assignment's key with
   :func:`qantar.exercises.checking.check`, the check the book's pages and widgets use; a code
   question's reference value is computed here, from the module's tables.

Nothing the submission does can reach the key or the check, so no scan of its code decides its
score. A short scan still raises a ``review`` flag, with a neutral message, on code that tries
to change the grader or read its files: the teacher may want to talk to the student.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from qantar import harvest, sandbox
from qantar.exercises.bank import Exercise, parse_question
from qantar.exercises.checking import check
from qantar.exercises.kinds import MISSING

IDENTITY = ("student_name", "student_id")  # the first cell of a student notebook sets them
KEY_FILE = "qantar-key.json"  # in the autograder zip: the questions, their variables, points and keys
ANSWERS_BYTES = 8_000_000  # the largest answers file the grader reads from a sandbox


class GradingError(ValueError):
    """The batch cannot be graded (a missing key, a folder that is not there); the message says why."""


# ---------------------------------------------------------------- the key


@dataclass(frozen=True)
class Question:
    """One question of an assignment, as the grader checks it."""

    number: int
    name: str  # otter-grader's test name, e.g. q01_guide_where_it_began: the gradebook's column
    variable: str
    exercise: Exercise

    @property
    def points(self) -> float:
        return self.exercise.points


def key_record(questions: list[tuple[str, str, dict]], name: str) -> dict:
    """The key file's content: ``questions`` holds (test name, answer variable, bank spec) tuples."""
    return {
        "qantar_assignment": 1,
        "name": name,
        "questions": [{"name": n, "variable": v, "spec": spec} for n, v, spec in questions],
    }


@dataclass(frozen=True)
class Key:
    """An assignment as the grader checks it: its name and its questions, in order."""

    name: str
    questions: list[Question]


def load_key(autograder: Path) -> Key:
    """The assignment's key, from the key file that ``qantar assign`` puts in its zip."""
    autograder = Path(autograder)
    try:
        with zipfile.ZipFile(autograder) as archive:
            if KEY_FILE not in archive.namelist():
                raise GradingError(
                    f"{autograder} holds no {KEY_FILE}: it was not made by this version of `qantar assign`; "
                    "make the assignment again (the student notebook does not change)"
                )
            record = json.loads(archive.read(KEY_FILE).decode("utf-8"))
    except (zipfile.BadZipFile, OSError) as error:
        raise GradingError(f"{autograder} is not an autograder zip made by `qantar assign`: {error}") from None
    questions = []
    for number, entry in enumerate(record.get("questions", []), start=1):
        exercise = parse_question(entry["spec"], f"{autograder.name}:{KEY_FILE}", "assignment")
        questions.append(Question(number, entry["name"], entry["variable"], exercise))
    if not questions:
        raise GradingError(f"{autograder}: its key lists no questions")
    return Key(record.get("name") or autograder.stem, questions)


# ---------------------------------------------------------------- one submission


@dataclass
class Row:
    """One line of the gradebook, with the feedback for the student."""

    file: str
    status: str  # graded, timeout, stopped, invalid or error
    scores: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    message: str = ""
    digest: str = ""
    feedback: dict[str, str] = field(default_factory=dict)  # question name -> what to tell the student
    flags: list[str] = field(default_factory=list)  # review notes for the teacher; never change the score
    cell_errors: list[str] = field(default_factory=list)
    declared: dict[str, str] = field(default_factory=dict)  # the name and student ID the notebook gives

    def as_record(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status,
            "scores": self.scores,
            "total": self.total,
            "message": self.message,
            "digest": self.digest,
            "feedback": self.feedback,
            "flags": self.flags,
            "cell_errors": self.cell_errors,
            "declared": self.declared,
        }


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, str | None]:
    """The notebook at ``path``, or None and why it cannot be graded."""
    if path.suffix != ".ipynb":
        return None, "not a notebook (.ipynb)"
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as error:  # corrupt JSON, wrong structure, not text
        return None, f"not a readable notebook ({type(error).__name__}: {str(error).splitlines()[0][:150]})"
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        return None, f"not a valid notebook ({str(error).splitlines()[0][:150]})"
    return notebook, None


# Modules whose use in a submission is worth a look (they reach into the interpreter or the grader).
REVIEW_MODULES = {"builtins", "importlib", "ctypes", "gc", "inspect", "otter", "socket"}


def review_flags(notebook: nbformat.NotebookNode) -> list[str]:
    """Neutral notes on code that tries to change the grader or reach outside the notebook.

    They never change a score: the sandbox makes such code harmless. ``import os``, magics and
    variables named like builtins are ordinary in class and raise no flag.
    """
    imported: set[str] = set()
    trees = []
    for index, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code" or harvest.OTTER_CELLS.fullmatch(cell.source):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue  # magics, or a mistake: reported by the run, not here
        trees.append((index, tree))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                imported |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    flags = []
    for index, tree in trees:
        for node in ast.walk(tree):
            note = None
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                touched = [m for m in modules if m.split(".")[0] in REVIEW_MODULES]
                if touched:
                    note = f"imports {touched[0]}"
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
                root = node.value
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name) and root.id in imported | {"grader", "__builtins__"}:
                    note = f"changes {ast.unparse(node)}"
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
                note = "calls setattr()"
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if any(marker in text for marker in ("tests/", "autograder", KEY_FILE, "/etc/", "..")):
                    note = f"names the path {text[:60]!r}"
            if note:
                flags.append(f"cell {index} {note}")
                break
    return flags


def _defining_cells(notebook: nbformat.NotebookNode, variable: str) -> list[int]:
    """The cells (numbered from 1) that assign ``variable``."""
    found = []
    for index, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "code" and variable in cell.source:
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                found.append(index)  # it may assign it, but never ran
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Name) and node.id == variable and isinstance(node.ctx, ast.Store):
                    found.append(index)
                    break
    return found


def _answer_cell(notebook: nbformat.NotebookNode, number: int) -> int | None:
    """The code cell (numbered from 1) right after question ``number``'s prompt, if there is one."""
    for index, cell in enumerate(notebook.cells[:-1], start=1):
        if cell.cell_type == "markdown" and cell.source.startswith(f"**Question {number}**"):
            following = notebook.cells[index]
            return index + 1 if following.cell_type == "code" else None
    return None


def _read_answers(path: Path) -> dict[str, Any]:
    """The sandbox's answers file, read without following links or blocking on a pipe; {} if unusable."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return {}
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > ANSWERS_BYTES:
            return {}
        try:
            record = json.loads(handle.read().decode("utf-8"))
        except (ValueError, RecursionError):
            return {}
    return record if isinstance(record, dict) else {}


def judge(question: Question, values: dict, notebook, errors: dict[int, str]) -> tuple[float, str]:
    """The points and the feedback for one question, from the answers the sandbox took out."""
    variable = question.variable
    if variable not in values:
        cells = _defining_cells(notebook, variable)
        failed = [f"cell {c} raised {errors[c]}" for c in cells if c in errors]
        if failed:
            return 0.0, f"`{variable}` is not defined: {failed[0]}."
        if cells:
            return 0.0, f"`{variable}` is not defined: cell {cells[0]} sets it but did not run to the end."
        answer_cell = _answer_cell(notebook, question.number)
        if answer_cell in errors:
            return (
                0.0,
                f"`{variable}` is not defined: its answer cell, cell {answer_cell}, raised {errors[answer_cell]}.",
            )
        return 0.0, f"`{variable}` is not defined (no cell sets it: was it renamed?)."
    try:
        answer = harvest.decode(values[variable])
    except Exception:
        return 0.0, f"`{variable}` could not be read back from the notebook."
    if answer is Ellipsis:
        return 0.0, f"No answer: `{variable}` is still `...`."
    if isinstance(answer, harvest.Unsupported):
        why = answer.why or "which cannot be graded"
        return 0.0, f"`{variable}` holds a {answer.type_name}, {why}."
    result = check(question.exercise, MISSING if answer is None else answer)
    return float(result.score), result.message + (f" Hint: {result.hint}" if result.hint else "")


class Grading:
    """One submission running in the sandbox, with a deadline."""

    def __init__(
        self, questions: list[Question], submission: Path, timeout: float, data: Path, notebook, label: str, sha: str
    ) -> None:
        self.questions, self.timeout, self.notebook = questions, timeout, notebook
        self.row = Row(file=label, status="error", digest=sha)
        self.row.flags = review_flags(notebook)
        self.work = Path(tempfile.mkdtemp(prefix="qantar-grade-"))
        # The notebook as read (an old format converted), never the file itself: what runs is what was checked.
        nbformat.write(notebook, self.work / "submission.ipynb")
        variables = ",".join([*(q.variable for q in questions), *IDENTITY])
        program = [sys.executable, "-m", "qantar.harvest", "submission.ipynb", "answers.json", variables]
        self.run = sandbox.start(self.work, data, program, cpu_seconds=int(timeout) + 5)
        self.deadline = time.monotonic() + timeout

    def poll(self) -> Row | None:
        """The finished row, or None while the notebook still runs (stopped once past its deadline)."""
        code = self.run.process.poll()
        timed_out = False
        if code is None:
            if time.monotonic() < self.deadline:
                return None
            self.run.kill()
            timed_out = True
        else:
            self.run.kill()  # anything the notebook left running in its session
        record = _read_answers(self.work / "answers.json")
        try:
            return self._score(record, timed_out, code)
        finally:
            shutil.rmtree(self.work, ignore_errors=True)

    def _score(self, record: dict, timed_out: bool, code: int | None) -> Row:
        row = self.row
        values = record.get("values") if isinstance(record.get("values"), dict) else {}
        errors: dict[int, str] = {}
        for entry in record.get("errors", []) if isinstance(record.get("errors"), list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("cell"), int):
                errors[entry["cell"]] = str(entry.get("error", ""))[:300]
        row.cell_errors = [f"cell {cell} raised {error}" for cell, error in sorted(errors.items())]
        running = record.get("running")
        if not record:
            row.status = "error"
            log = _tail(self.work / "sandbox.log")
            reason = f"stopped after {self.timeout:g} s" if timed_out else f"exit {code}"
            row.message = f"the sandbox did not run the notebook ({reason}): {log}"
        elif timed_out:
            row.status = "timeout"
            where = f" in cell {running}" if isinstance(running, int) else ""
            row.message = (
                f"stopped after {self.timeout:g} s{where} (an endless loop, or too slow); "
                "answers set before it are graded"
            )
        elif not record.get("finished"):
            row.status = "stopped"
            where = f" in cell {running}" if isinstance(running, int) else ""
            row.message = f"the notebook stopped{where} (exit {code}); answers set before it are graded"
        else:
            row.status = "graded"
        for question in self.questions:
            score, message = judge(question, values, self.notebook, errors)
            row.scores[question.name] = score
            row.feedback[question.name] = message
        row.total = round(sum(row.scores.values()), 6)
        for name in IDENTITY:
            value = values.get(name)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                row.declared[name] = str(value).strip()[:200]
        if row.status == "graded":
            row.message = summary(self.questions, row)
        return row


def _tail(log: Path) -> str:
    try:
        with open(log, "rb") as handle:
            handle.seek(max(0, os.path.getsize(log) - 4000))
            lines = [line for line in handle.read().decode("utf-8", "replace").splitlines() if line.strip()]
    except OSError:
        return "no output"
    return lines[-1][:300] if lines else "no output"


def summary(questions: list[Question], row: Row) -> str:
    """The gradebook's message: every point earned, or which questions lost points, and cell errors."""
    possible = sum(q.points for q in questions)
    lost = [q.name for q in questions if row.scores.get(q.name, 0.0) < q.points]
    parts = ["all answers right" if not lost else f"points lost on {', '.join(lost)}"]
    if row.total != possible and not lost:  # cannot happen, but never say "all right" wrongly
        parts = [f"{row.total:g} of {possible:g}"]
    parts += row.cell_errors[:3]
    if len(row.cell_errors) > 3:
        parts.append(f"and {len(row.cell_errors) - 3} more cell errors")
    return "; ".join(parts)


def start_grading(
    questions: list[Question], submission: Path, timeout: float, data: Path, label: str = "", sha: str = ""
):
    """A finished Row for a file that cannot be graded, else a running Grading; never an exception.
    ``label`` is the file's name in the gradebook (by default its own name); ``sha`` its digest, if known."""
    label, sha = label or submission.name, sha or digest(submission)
    zero = {q.name: 0.0 for q in questions}
    notebook, problem = read_notebook(submission)
    if problem:
        return Row(file=label, status="invalid", scores=zero, message=problem, digest=sha)
    try:
        return Grading(questions, submission, timeout, data, notebook, label, sha)
    except sandbox.SandboxUnavailable:
        raise
    except Exception as error:  # the batch must go on whatever one submission does
        return Row(file=label, status="error", scores=zero, message=f"{type(error).__name__}: {error}", digest=sha)


# ---------------------------------------------------------------- the batch


def _load_progress(progress: Path) -> dict[tuple[str, str], Row]:
    finished: dict[tuple[str, str], Row] = {}
    if progress.is_file():
        for line in progress.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
                finished[(record["file"], record["digest"])] = Row(**record)
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a line cut short by an interruption: that submission is graded again
    return finished


def grade_files(
    questions: list[Question],
    files: list[tuple[Path, str]],
    progress: Path,
    *,
    known: dict[tuple[str, str], Row] | None = None,
    jobs: int = 2,
    timeout: float = 120.0,
    data: Path | None = None,
    progress_callback=None,
) -> list[Row]:
    """Grade ``files`` (each a path and its name in the gradebook), ``jobs`` at a time. A file whose
    name and content match a row in ``known`` or in ``progress`` keeps that row; every new row goes
    to ``progress`` at once, so an interrupted batch picks up where it stopped. Rows come back in
    the order of ``files``."""
    from qantar.data import data_dir

    sandbox.bwrap()  # say now, not once per file, that the sandbox cannot run here
    data = Path(data) if data else data_dir()
    finished = {**(known or {}), **_load_progress(progress)}
    rows: dict[str, Row] = {}
    waiting = []
    for path, label in files:
        sha = digest(path)
        if (label, sha) in finished:
            rows[label] = finished[(label, sha)]
        else:
            waiting.append((path, label, sha))
    running: list[tuple[str, Grading]] = []
    with progress.open("a", encoding="utf-8") as log:

        def record(label: str, row: Row) -> None:
            rows[label] = row
            log.write(json.dumps(row.as_record()) + "\n")
            log.flush()
            os.fsync(log.fileno())
            if progress_callback:
                progress_callback(row)

        while waiting or running:
            while waiting and len(running) < max(1, jobs):
                path, label, sha = waiting.pop(0)
                started = start_grading(questions, path, timeout, data, label, sha)
                if isinstance(started, Row):
                    record(label, started)
                else:
                    running.append((label, started))
            for label, grading in list(running):
                row = grading.poll()
                if row is not None:
                    running.remove((label, grading))
                    record(label, row)
            time.sleep(0.02)
    return [rows[label] for _, label in files]
