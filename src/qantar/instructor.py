"""Assign exercises from the bank as otter-grader notebooks, and grade a class in one batch.

``assign`` writes an otter-grader master notebook from the bank and runs otter-grader's own
``otter assign`` on it. ``grade`` runs otter-grader's local runner (``otter run``) on every
submission, each in its own process with a time limit, and writes a gradebook. Grading
is otter-grader's; this module only prepares its input and collects its output.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from qantar.exercises import get as get_exercise
from qantar.exercises.bank import Exercise, load_bank
from qantar.exercises.kinds import KINDS

OUTPUT_LIMIT = 200_000  # characters of a runner's output kept for the message; the rest is dropped


class AssignError(ValueError):
    """The assignment cannot be made; the message says why."""


# ---------------------------------------------------------------- assign


def answer_variable(number: int, exercise: Exercise) -> str:
    return KINDS[exercise.kind].answer_variable(exercise, number)


def question_name(number: int, exercise: Exercise) -> str:
    """otter-grader's name of the question: sorts in assignment order, a valid identifier."""
    return f"q{number:02d}_{re.sub(r'[^a-z0-9]+', '_', exercise.id.lower())}"


def public_shape(exercise: Exercise) -> dict[str, Any]:
    """What a student may see of a question, for its form check: never its key."""
    return KINDS[exercise.kind].form_shape(exercise)


def question_spec(exercise: Exercise) -> dict[str, Any]:
    """The question as the bank declares it, for the hidden test: checked by the same rules as the self-checks."""
    return {
        "id": exercise.id,
        "kind": exercise.kind,
        "prompt": exercise.prompt,
        "points": exercise.points,
        **KINDS[exercise.kind].spec(exercise, public=False),
    }


def _answer_instructions(number: int, exercise: Exercise) -> str:
    return KINDS[exercise.kind].instructions(exercise, answer_variable(number, exercise))


def _solution_source(number: int, exercise: Exercise) -> str:
    if exercise.solution_code:
        return "# BEGIN SOLUTION\n" + exercise.solution_code.rstrip() + "\n# END SOLUTION"
    return f"{answer_variable(number, exercise)} = {exercise.solution!r}  # SOLUTION"


def _test_cell(source: str, expected: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=expected + "\n")]
    return cell


def master_notebook(exercises: list[Exercise], name: str) -> nbformat.NotebookNode:
    """The otter-grader master notebook: prompts, solutions, a public form check and a hidden key check."""
    config = {
        "name": name,
        "export_cell": False,
        "init_cell": True,
        "check_all_cell": True,
        "run_tests": True,
        "generate": True,
        "tests": {"ok_format": True},
    }
    cells = [
        nbformat.v4.new_raw_cell("# ASSIGNMENT CONFIG\n" + json.dumps(config, indent=2)),
        nbformat.v4.new_markdown_cell(
            f"# {name}\n\nAnswer each question in the cell below it, run the check cell, and hand in "
            "this notebook. The check cells only say whether an answer has the right form; your "
            "teacher's grader decides whether it is right."
        ),
        nbformat.v4.new_code_cell("from qantar import load"),
    ]
    for number, exercise in enumerate(exercises, start=1):
        variable = answer_variable(number, exercise)
        points = exercise.points
        cells.append(
            nbformat.v4.new_raw_cell(
                f"# BEGIN QUESTION\nname: {question_name(number, exercise)}\npoints: [0, {points:g}]"
            )
        )
        cells.append(
            nbformat.v4.new_markdown_cell(
                f"**Question {number}** ({points:g} point{'s' if points != 1 else ''}). {exercise.prompt}\n\n"
                + _answer_instructions(number, exercise)
            )
        )
        cells.append(nbformat.v4.new_raw_cell("# BEGIN SOLUTION"))
        cells.append(nbformat.v4.new_code_cell(_solution_source(number, exercise)))
        cells.append(nbformat.v4.new_raw_cell("# END SOLUTION"))
        cells.append(nbformat.v4.new_raw_cell("# BEGIN TESTS"))
        shape = json.dumps(public_shape(exercise), ensure_ascii=False)
        cells.append(
            _test_cell(
                "from qantar.exercises.checking import form_message as _form\n"
                f"print(_form({exercise.kind!r}, {variable}, **{shape}))",
                "ok",
            )
        )
        spec = json.dumps(question_spec(exercise), ensure_ascii=False)
        cells.append(
            _test_cell(
                "# HIDDEN\n"
                "from qantar.exercises.bank import parse_question as _question\n"
                "from qantar.exercises.checking import check as _check\n"
                f"print(_check(_question({spec}, 'assignment', 'assignment'), {variable}).correct)",
                "True",
            )
        )
        cells.append(nbformat.v4.new_raw_cell("# END TESTS"))
        cells.append(nbformat.v4.new_raw_cell("# END QUESTION"))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def select_exercises(
    chapter: str | None = None, ids: list[str] | None = None, *, assessed_only: bool = False
) -> list[Exercise]:
    """The exercises of one chapter, or the listed ids, in order (only the assessed ones if asked);
    an unknown name, or nothing left to assign, raises AssignError."""
    if bool(chapter) == bool(ids):
        raise AssignError("give either --chapter or --exercises")
    if chapter:
        chosen = [e for e in load_bank().values() if e.chapter == chapter]
        if not chosen:
            chapters = sorted({e.chapter for e in load_bank().values()})
            raise AssignError(f"no exercises for chapter '{chapter}'; the chapters are: {', '.join(chapters)}")
    else:
        chosen = [get_exercise(exercise_id) for exercise_id in ids]
    if assessed_only:
        chosen = [e for e in chosen if e.status == "assessed"]
        if not chosen:
            raise AssignError("none of these exercises is assessed (status: assessed); nothing to assign")
    return chosen


def practice_warning(exercises: list[Exercise]) -> str | None:
    """A warning when an assignment includes practice questions, whose keys the public book shows."""
    practice = [e.id for e in exercises if e.status != "assessed"]
    if not practice:
        return None
    return (
        f"warning: {len(practice)} of {len(exercises)} questions are practice questions, whose keys are "
        f"public in the book ({', '.join(practice)}); use --assessed-only to leave them out"
    )


def assign(exercises: list[Exercise], name: str, out: Path) -> dict[str, Path]:
    """Run otter-grader's ``otter assign`` on a master notebook made from ``exercises``; return the outputs."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        raise AssignError(f"the name '{name}' must be letters, digits, '-' or '_' (it becomes a file name)")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise AssignError(f"{out} is not empty; choose a new folder so nothing is overwritten")
    with tempfile.TemporaryDirectory(prefix="qantar-assign-") as work:
        master = Path(work) / f"{name}.ipynb"
        nbformat.write(master_notebook(exercises, name), master)
        result = subprocess.run(
            [sys.executable, "-m", "otter", "assign", str(master), str(out.resolve())],
            capture_output=True,
            text=True,
            cwd=work,
        )
    if result.returncode != 0:
        raise AssignError(f"otter assign failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    zips = sorted((out / "autograder").glob("*.zip"))
    student = out / "student" / f"{name}.ipynb"
    if not zips or not student.is_file():
        raise AssignError(f"otter assign wrote no student notebook or autograder zip in {out}")
    return {"student": student, "autograder": zips[-1], "solution": out / "autograder" / f"{name}.ipynb"}


# ---------------------------------------------------------------- grade

# Names a submission may not bind or change: the checks, the grader, and the builtins they use.
PROTECTED_NAMES = {
    "grader",
    "otter",
    "qantar",
    "_check",
    "_form",
    "_question",
    "check",
    "form_message",
    "parse_question",
    "__builtins__",
    "__import__",
    "builtins",
    "print",
    "type",
    "isinstance",
    "float",
    "int",
    "str",
    "list",
    "dict",
    "set",
    "frozenset",
    "tuple",
    "bool",
    "len",
    "abs",
    "max",
    "min",
    "round",
    "sorted",
    "repr",
    "getattr",
    "setattr",
    "hasattr",
    "object",
    "super",
    "Exception",
    "AssertionError",
    "eval",
    "exec",
    "compile",
    "open",
    "globals",
    "vars",
}
FORBIDDEN_CALLS = {"setattr", "delattr", "exec", "eval", "compile", "__import__", "globals", "vars"}
FORBIDDEN_MODULES = {
    "builtins",
    "sys",
    "os",
    "subprocess",
    "importlib",
    "ctypes",
    "shutil",
    "pathlib",
    "gc",
    "inspect",
    "otter",
}


# The cells otter assign itself writes into the student notebook.
OTTER_CELLS = re.compile(
    r'\s*(# Initialize Otter\s*)?import otter\s*\ngrader = otter\.Notebook\("[^"\n]*"\)\s*'
    r'|\s*(grader\.check\("[^"\n]*"\)|grader\.check_all\(\))\s*'
)


def forgery(source: str, imported: set[str] = frozenset()) -> str | None:
    """Why a code cell could forge its score (rebinds a check or a builtin, patches a module), or None.

    ``imported`` holds the names the notebook binds by import: setting an attribute on one
    of them (a module) is patching it.
    """
    if OTTER_CELLS.fullmatch(source):
        return None
    if re.search(r"^\s*[!%]", source, flags=re.M):
        return "uses a shell or magic command (! or %)"
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None  # a cell that does not parse only fails when it runs; that is not forgery
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                if module.split(".")[0] in FORBIDDEN_MODULES:
                    return f"imports {module}"
            for alias in node.names:
                if (alias.asname or alias.name).split(".")[0] in PROTECTED_NAMES - {"qantar"}:
                    return f"imports over the protected name {alias.asname or alias.name}"
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)) and node.id in PROTECTED_NAMES:
            return f"rebinds {node.id}"
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in PROTECTED_NAMES:
            return f"defines {node.name}"
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in (PROTECTED_NAMES | set(imported)):
                return f"changes a module or the grader ({ast.unparse(node)})"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            return f"calls {node.func.id}()"
        elif isinstance(node, ast.Attribute) and node.attr.startswith("__") and node.attr not in ("__name__",):
            return f"uses the special attribute {node.attr}"
    return None


@dataclass
class Row:
    """One line of the gradebook."""

    file: str
    status: str
    scores: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    message: str = ""
    digest: str = ""

    def as_record(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status,
            "scores": self.scores,
            "total": self.total,
            "message": self.message,
            "digest": self.digest,
        }


def autograder_questions(autograder: Path) -> dict[str, float]:
    """The questions of an autograder zip and their points, in assignment order."""
    try:
        with zipfile.ZipFile(autograder) as archive:
            names = sorted(n for n in archive.namelist() if re.fullmatch(r"tests/[^/]+\.py", n))
            questions = {}
            for name in names:
                text = archive.read(name).decode("utf-8")
                match = re.search(r"'points':\s*([^\n]+?),\s*\n?\s*'suites'", text, flags=re.S)
                points = ast.literal_eval(match.group(1)) if match else 1
                questions[Path(name).stem] = float(sum(points) if isinstance(points, list) else points)
    except (zipfile.BadZipFile, OSError) as error:
        raise AssignError(f"{autograder} is not an otter-grader autograder zip: {error}") from None
    if not questions:
        raise AssignError(f"{autograder} holds no tests/*.py: is it an otter-grader autograder zip?")
    return questions


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inspect_submission(path: Path) -> str | None:
    """Why a file cannot be graded (not a notebook, corrupt, forging its score), or None."""
    if path.suffix != ".ipynb":
        return "not a notebook (.ipynb)"
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as error:  # corrupt JSON, wrong structure, not text
        return f"not a readable notebook ({type(error).__name__}: {str(error).splitlines()[0][:150]})"
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        return f"not a valid notebook ({str(error).splitlines()[0][:150]})"
    imported: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            try:
                for node in ast.walk(ast.parse(cell.source)):
                    if isinstance(node, (ast.Import, ast.ImportFrom)):
                        imported |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
            except SyntaxError:
                pass
    for index, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "code":
            reason = forgery(cell.source, imported)
            if reason:
                return f"cell {index} {reason}: a submission may not change the checks or the grader"
    return None


# The kernel a submission runs on: the book's own Python, whatever the notebook was saved with
# (VS Code names the kernel after the student's environment; JupyterHub after its image).
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def use_the_books_kernel(path: Path) -> None:
    """Point the notebook at ``path`` (a private copy) to the book's Python kernel."""
    notebook = nbformat.read(path, as_version=4)
    if notebook.metadata.get("kernelspec", {}).get("name") != KERNELSPEC["name"]:
        notebook.metadata["kernelspec"] = dict(KERNELSPEC)
        nbformat.write(notebook, path)


def _grade_in_child(autograder: Path, copy: Path, out: Path, log: Path) -> None:
    """In a forked child: a process group of its own, output to the log, then otter-grader's runner."""
    os.setsid()
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    code = 1
    try:
        import warnings

        # A fresh process would start with Python's default filters; the parent's (e.g. a test
        # runner's "warnings are errors") must not change how a submission is graded.
        warnings.resetwarnings()
        warnings.simplefilter("ignore")
        import otter.run

        os.chdir(copy.parent)
        otter.run.main(str(copy), autograder=str(autograder), output_dir=str(out), no_logo=True)
        code = 0
    except BaseException as error:  # reported through the log and the exit code
        print(f"{type(error).__name__}: {error}", flush=True)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _tail(log: Path) -> str:
    """The last non-empty line of a runner's log, reading only its end (the output can be huge)."""
    if not log.is_file():
        return "no output"
    with log.open("rb") as handle:
        handle.seek(max(0, log.stat().st_size - OUTPUT_LIMIT))
        tail = handle.read().decode("utf-8", errors="replace")
    lines = [line for line in tail.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


class Grading:
    """One submission being graded by otter-grader in a forked child process, with a deadline."""

    def __init__(self, autograder: Path, submission: Path, timeout: float, questions: dict[str, float]) -> None:
        import multiprocessing
        import time

        self.submission, self.timeout, self.questions = submission, timeout, questions
        self.row = Row(file=submission.name, status="error", digest=_digest(submission))
        self.work = Path(tempfile.mkdtemp(prefix="qantar-grade-"))
        self.copy = self.work / submission.name
        shutil.copyfile(submission, self.copy)
        use_the_books_kernel(self.copy)
        self.out = self.work / "out"
        self.out.mkdir()
        self.log = self.work / "otter.log"
        # Forked from a parent that has imported otter already: each child starts in milliseconds.
        self.process = multiprocessing.get_context("fork").Process(
            target=_grade_in_child, args=(autograder.resolve(), self.copy, self.out, self.log)
        )
        self.process.start()
        self.deadline = time.monotonic() + timeout

    def poll(self) -> Row | None:
        """The finished row, or None while the child still runs (killed once past its deadline)."""
        import time

        if self.process.is_alive():
            if time.monotonic() < self.deadline:
                return None
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # the child and the kernel it started
            except ProcessLookupError:
                pass
            self.process.join()
            self.row.status = "timeout"
            self.row.message = f"stopped after {self.timeout:g} s (an endless loop, or too slow)"
            self.row.scores = {name: 0.0 for name in self.questions}
            return self._finish()
        self.process.join()
        try:  # the kernel the child started may outlive it
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        results_file = self.out / "results.json"
        if self.process.exitcode != 0 or not results_file.is_file():
            self.row.message = f"otter run failed (exit {self.process.exitcode}): {_tail(self.log)}"
            self.row.scores = {name: 0.0 for name in self.questions}
            return self._finish()
        results = json.loads(results_file.read_text(encoding="utf-8"))
        scored = {test["name"]: float(test.get("score") or 0.0) for test in results.get("tests", []) if "score" in test}
        self.row.scores = {name: min(scored.get(name, 0.0), points) for name, points in self.questions.items()}
        self.row.total = round(sum(self.row.scores.values()), 6)
        self.row.status = "graded"
        missing = [name for name in self.questions if name not in scored]
        self.row.message = f"no result for {', '.join(missing)}" if missing else "ok"
        return self._finish()

    def _finish(self) -> Row:
        shutil.rmtree(self.work, ignore_errors=True)
        return self.row


def start_grading(autograder: Path, submission: Path, timeout: float, questions: dict[str, float]):
    """A finished Row for a file that cannot be graded, else a running Grading; never an exception."""
    problem = inspect_submission(submission)
    if problem:
        return Row(
            file=submission.name,
            status="invalid",
            scores={name: 0.0 for name in questions},
            message=problem,
            digest=_digest(submission),
        )
    try:
        return Grading(autograder, submission, timeout, questions)
    except Exception as error:  # the batch must go on whatever one submission does
        return Row(
            file=submission.name,
            status="error",
            scores={name: 0.0 for name in questions},
            message=f"{type(error).__name__}: {error}",
            digest=_digest(submission),
        )


def _load_progress(progress: Path) -> dict[tuple[str, str], Row]:
    finished: dict[tuple[str, str], Row] = {}
    if progress.is_file():
        for line in progress.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by an interruption: that submission is graded again
            finished[(record["file"], record["digest"])] = Row(**record)
    return finished


def write_gradebook(rows: list[Row], questions: dict[str, float], out: Path) -> None:
    header = ["file", "status", *questions, "total", "message"]
    temporary = out.with_name(out.name + ".tmp")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerow(
            ["(points possible)", "", *(f"{p:g}" for p in questions.values()), f"{sum(questions.values()):g}", ""]
        )
        for row in sorted(rows, key=lambda r: r.file):
            writer.writerow(
                [
                    row.file,
                    row.status,
                    *(f"{row.scores.get(q, 0.0):g}" for q in questions),
                    f"{row.total:g}",
                    row.message,
                ]
            )
    temporary.replace(out)


def grade(
    autograder: Path, submissions: Path, out: Path, jobs: int = 2, timeout: float = 120.0, progress_callback=None
) -> list[Row]:
    """Grade every file in ``submissions`` into the gradebook ``out``; finished rows survive an interruption."""
    autograder, submissions, out = Path(autograder), Path(submissions), Path(out)
    questions = autograder_questions(autograder)
    if not submissions.is_dir():
        raise AssignError(f"{submissions} is not a folder of submissions")
    files = sorted(p for p in submissions.iterdir() if p.is_file() and not p.name.startswith("."))
    progress = out.with_name(out.name + ".progress.jsonl")
    finished = _load_progress(progress)
    rows: list[Row] = []
    to_grade = []
    for path in files:
        key = (path.name, _digest(path))
        if key in finished:
            rows.append(finished[key])
        else:
            to_grade.append(path)
    import time
    import warnings

    with warnings.catch_warnings():  # otter's dependencies warn about their own deprecated usages
        warnings.simplefilter("ignore", DeprecationWarning)
        import otter.run  # noqa: F401  imported once here, so that every forked grader starts with it

    def record(row: Row) -> None:
        rows.append(row)
        log.write(json.dumps(row.as_record()) + "\n")
        log.flush()
        os.fsync(log.fileno())
        if progress_callback:
            progress_callback(row)

    # No threads: children are forked from this process, and forking is only safe without them.
    waiting = list(to_grade)
    running: list[Grading] = []
    with progress.open("a", encoding="utf-8") as log:
        while waiting or running:
            while waiting and len(running) < max(1, jobs):
                started = start_grading(autograder, waiting.pop(0), timeout, questions)
                if isinstance(started, Row):
                    record(started)
                else:
                    running.append(started)
            for grading in list(running):
                row = grading.poll()
                if row is not None:
                    running.remove(grading)
                    record(row)
            time.sleep(0.05)
    write_gradebook(rows, questions, out)
    progress.unlink(missing_ok=True)
    return sorted(rows, key=lambda r: r.file)
