"""Shared fixtures: the repository, a strict build of the book in a temporary copy, a local web server."""

from __future__ import annotations

import functools
import http.server
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from offline import offline_prefix

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# What a build never needs: tooling, caches and earlier outputs.
NOT_COPIED = {".git", ".venv", "_build", ".pytest_cache", "__pycache__", "bench", ".ipynb_checkpoints"}
STRICT_FLAGS = ["--warningiserror", "--nitpick", "--keep-going"]


def copy_book(destination: Path) -> Path:
    """Copy the sources of the book (not the venv, not old builds) to ``destination``."""
    shutil.copytree(REPO, destination, ignore=lambda folder, names: [n for n in names if n in NOT_COPIED])
    return destination


def run_program(command: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    """``subprocess.run(command, capture_output=True, text=True)``, in a process group of its own that
    the end of the session stops if it is still running (a build started ahead, see :class:`Ahead`)."""
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    with _CHILDREN_LOCK:
        _CHILDREN.add(process)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except BaseException:
        _stop(process)
        raise
    finally:
        with _CHILDREN_LOCK:
            _CHILDREN.discard(process)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


_CHILDREN: set[subprocess.Popen] = set()
_CHILDREN_LOCK = threading.Lock()


def _stop(process: subprocess.Popen) -> None:
    """Stop ``process`` and what it started (a build's kernels)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def build_book(
    folder: Path, *extra: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Build the book in ``folder`` strictly, offline where the machine allows it; never raises.
    ``cwd`` is the folder the build is started from (the book's own folder unless given); ``env``
    the environment it starts from (this process's, as it is now, unless given)."""
    command = [*offline_prefix(), str(BIN / "jupyter-book"), "build", str(folder), *STRICT_FLAGS, *extra]
    # The copy must use its own tables, found from the book's folder, not an inherited setting.
    environment = {k: v for k, v in (os.environ if env is None else env).items() if k != "QANTAR_DATA_DIR"}
    return run_program(command, cwd=cwd or folder, env=environment, timeout=900)


def failure_report(result: subprocess.CompletedProcess) -> str:
    return (
        f"exit {result.returncode}\n--- stdout (end) ---\n{result.stdout[-6000:]}"
        f"\n--- stderr (end) ---\n{result.stderr[-6000:]}"
    )


# ------------------------------------------------------------------------------ work started ahead


class Ahead:
    """Slow preparations that are programs of their own (a book build, `qantar assign`), started as
    soon as the tests are collected, one after another in one thread, so that they run on the
    machine's second core beside the tests that need none of them. A strict build keeps about one
    core busy (Sphinx, then one kernel at a time); a test suite run one test at a time, the other.

    A job is registered under the name of the fixture that waits for it (``@ahead("built_book")``),
    and starts only when a selected test uses that fixture: ``make check`` starts none. It runs
    child processes and edits files in its own temporary folder, with the environment this process
    had when the tests were collected, never reading the current folder or ``os.environ``: a
    test's ``monkeypatch.setenv`` or ``chdir`` cannot reach it. Its error is raised in the fixture
    that waits for it, so the tests that need it fail, with the same message, as they did before.
    A job that is needed before the thread has started it runs at once in the test's own thread.
    """

    def __init__(self) -> None:
        self.jobs: dict[str, dict] = {}  # fixture name -> job, in the order they were registered
        self.lock = threading.Lock()
        self.queue: queue.Queue = queue.Queue()
        self.environment: dict[str, str] = dict(os.environ)
        self.factory = None
        self.stopping = False

    def __call__(self, fixture: str) -> Callable:
        def register(function: Callable[[Path, dict[str, str]], object]) -> Callable:
            self.jobs[fixture] = {"function": function, "state": "waiting", "done": threading.Event()}
            return function

        return register

    def order(self, fixture_names) -> int:
        """Where a test stands in the run: after the jobs it needs (-1: it needs none)."""
        return max((i for i, name in enumerate(self.jobs) if name in fixture_names), default=-1)

    def start(self, config, needed: set[str]) -> None:
        self.environment = dict(os.environ)
        self.factory = config._tmp_path_factory
        wanted = [name for name in self.jobs if name in needed]
        for name in wanted:
            self.queue.put(name)
        if wanted:
            threading.Thread(target=self._work, name="ahead", daemon=True).start()

    def _work(self) -> None:
        while not self.stopping:
            name = self.queue.get()
            if name is None or not self._claim(name):
                continue
            self._run(name)

    def _claim(self, name: str) -> bool:
        with self.lock:
            job = self.jobs[name]
            if job["state"] != "waiting" or self.stopping:
                return False
            job["state"] = "running"
            job["folder"] = self.factory.mktemp(name.replace("_", "-"))
            return True

    def _run(self, name: str) -> None:
        job = self.jobs[name]
        try:
            job["value"] = job["function"](job["folder"], dict(self.environment))
        except BaseException as error:  # raised again in the fixture
            job["error"] = error
        finally:
            job["done"].set()

    def result(self, name: str, config=None):
        """What job ``name`` made: wait for it, or run it here if it has not started."""
        if self.factory is None and config is not None:  # no test asked for it at collection (-p no:…)
            self.factory = config._tmp_path_factory
        if self._claim(name):
            self._run(name)
        self.jobs[name]["done"].wait()
        if "error" in self.jobs[name]:
            raise self.jobs[name]["error"]
        return self.jobs[name]["value"]

    def stop(self) -> None:
        """The session is over: start nothing more, and stop a build still running (after -x, say)."""
        self.stopping = True
        self.queue.put(None)
        with _CHILDREN_LOCK:
            running = list(_CHILDREN)
        for process in running:
            _stop(process)


ahead = Ahead()


@ahead("built_book")
def _build_the_book(folder: Path, environment: dict[str, str]) -> tuple[Path, subprocess.CompletedProcess]:
    copy = copy_book(folder / "book")
    return copy, build_book(copy, env=environment)


@pytest.fixture(scope="session")
def built_book(request) -> Path:
    """The HTML of a strict build of the whole book, made once per test session in a temporary copy
    (started ahead, beside the tests that need no book)."""
    folder, result = ahead.result("built_book", request.config)
    assert result.returncode == 0, "the strict book build failed:\n" + failure_report(result)
    return folder / "_build" / "html"


def qantar_assign(out: Path, name: str, *options: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`qantar assign OPTIONS --name NAME --out OUT`, as a teacher runs it, from the repository."""
    command = [str(BIN / "qantar"), "assign", *options, "--name", name, "--out", str(out)]
    return run_program(command, cwd=REPO, env=env, timeout=900)


@ahead("guide_assignment")
def _assign_the_guide(folder: Path, environment: dict[str, str]) -> tuple[Path, subprocess.CompletedProcess]:
    out = folder / "quiz"
    return out, qantar_assign(out, "quiz", "--chapter", "guide", env=environment)


@pytest.fixture(scope="session")
def guide_assignment(request) -> dict[str, Path]:
    """The guide's questions as the otter-grader assignment "quiz" (`qantar assign --chapter guide`):
    its student notebook and its autograder zip, for tests/test_instructor.py and tests/test_grading.py.
    Made once (started ahead); the tests only read it."""
    out, result = ahead.result("guide_assignment", request.config)
    assert result.returncode == 0, failure_report(result)
    return {"student": out / "student" / "quiz.ipynb", "autograder": next((out / "autograder").glob("*.zip"))}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *arguments) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(built_book):
    """The built book served on 127.0.0.1 for the browser tests."""
    handler = functools.partial(QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# One Chromium for the whole session: Playwright's sync API cannot start a second driver
# while another is running, so every browser test uses this one.
# Debian's Chromium and the flags a root, offline, headless run needs: one definition, in the
# package (qantar.pdf prints the book with it), for the tests and the benchmarks too.
from qantar.pdf import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# A test that uses a built book or the browser is slow whatever its module says: mark it, so that
# `make check` (-m "not book and not browser") can never pick up a full build by accident.
BOOK_FIXTURES = {"built_book", "site_url", "class_pack", "instructor_book"}
BROWSER_FIXTURES = {"browser", "site_url"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & (BOOK_FIXTURES | set(ahead.jobs)) and not item.get_closest_marker("book"):
            item.add_marker(pytest.mark.book)
        if used & BROWSER_FIXTURES and not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)
    # The modules that need no job started ahead run first, so that the jobs run beside them; then
    # those that need the book; then those that need a later job. A module stays in one piece, in
    # its own order (its module fixtures are made once), and modules keep their order otherwise.
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    rank = {name: max(ahead.order(getattr(i, "fixturenames", ())) for i in group) for name, group in modules.items()}
    items[:] = [item for name in sorted(modules, key=rank.get) for item in modules[name]]


def pytest_collection_finish(session):
    if session.config.option.collectonly:
        return
    ahead.start(session.config, {name for item in session.items for name in getattr(item, "fixturenames", ())})


def pytest_sessionfinish(session):
    ahead.stop()
