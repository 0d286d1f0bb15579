"""Every built page in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
# Flags a root, offline, headless Chromium needs; the background-networking ones stop
# Chromium's own calls home, which would otherwise look like page requests failing.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does it as root)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def visit(browser, url: str) -> dict:
    """Open ``url``; return the requests to other hosts, console errors and uncaught exceptions."""
    page = browser.new_page()
    seen = {"foreign": [], "console": [], "exceptions": [], "failed": []}
    page.on("request", lambda r: seen["foreign"].append(r.url)
            if urlparse(r.url).hostname not in ("127.0.0.1", None) and not r.url.startswith("data:") else None)
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["exceptions"].append(str(e)))
    page.on("response", lambda r: seen["failed"].append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    seen["title"] = page.title()
    page.close()
    return seen


def test_every_page_loads_with_no_foreign_request_and_no_console_error(browser, built_book, site_url):
    pages = sorted(p.relative_to(built_book).as_posix() for p in built_book.rglob("*.html")
                   if not p.relative_to(built_book).as_posix().startswith(("_static", "_sources")))
    assert "index.html" in pages
    for page in pages:
        seen = visit(browser, f"{site_url}/{page}")
        assert seen["title"], f"{page} has no title"
        assert not seen["foreign"], f"{page} requested another host: {seen['foreign']}"
        assert not seen["failed"], f"{page} had failed requests: {seen['failed']}"
        assert not seen["exceptions"], f"{page} raised in the browser: {seen['exceptions']}"
        assert not seen["console"], f"{page} logged console errors: {seen['console']}"


def test_the_landing_page_shows_its_excerpts(browser, site_url):
    page = browser.new_page()
    page.goto(f"{site_url}/index.html")
    figures = page.locator("[data-excerpt-id]")
    assert figures.count() >= 1
    first = figures.first
    assert first.locator("blockquote").is_visible()
    assert first.locator("figcaption").inner_text().startswith("—")
    page.close()
