"""Shared fixtures: the repository, a strict build of the book in a temporary copy, a local web server."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
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


def build_book(folder: Path, *extra: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Build the book in ``folder`` strictly, offline where the machine allows it; never raises.
    ``cwd`` is the folder the build is started from (the book's own folder unless given)."""
    command = [*offline_prefix(), str(BIN / "jupyter-book"), "build", str(folder), *STRICT_FLAGS, *extra]
    # The copy must use its own tables, found from the book's folder, not an inherited setting.
    environment = {k: v for k, v in os.environ.items() if k != "QANTAR_DATA_DIR"}
    return subprocess.run(command, capture_output=True, text=True, env=environment, cwd=cwd or folder, timeout=900)


def failure_report(result: subprocess.CompletedProcess) -> str:
    return (
        f"exit {result.returncode}\n--- stdout (end) ---\n{result.stdout[-6000:]}"
        f"\n--- stderr (end) ---\n{result.stderr[-6000:]}"
    )


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """The HTML of a strict build of the whole book, made once per test session in a temporary copy."""
    folder = copy_book(tmp_path_factory.mktemp("book") / "book")
    result = build_book(folder)
    assert result.returncode == 0, "the strict book build failed:\n" + failure_report(result)
    return folder / "_build" / "html"


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
        if used & BOOK_FIXTURES and not item.get_closest_marker("book"):
            item.add_marker(pytest.mark.book)
        if used & BROWSER_FIXTURES and not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)
