"""Benchmarks of the book: builds, execution, import, page weight, batch grading.

Run with ``make bench`` (never part of ``make test``). Prints a table and writes
``bench/results.json``; each figure is the median of several runs, with its minimum
and maximum. Targets are reported, not enforced.
"""

from __future__ import annotations

import argparse
import csv
import functools
import http.server
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, NOT_COPIED, STRICT_FLAGS  # noqa: E402  (the tests' own build settings)

RESULTS = ROOT / "bench" / "results.json"


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def copy_book(destination: Path) -> Path:
    shutil.copytree(ROOT, destination, ignore=lambda folder, names: [n for n in names if n in NOT_COPIED])
    return destination


def build(folder: Path) -> tuple[float, int]:
    """Build strictly; return the seconds taken and how many notebooks were executed."""
    start = time.perf_counter()
    result = subprocess.run(
        [str(BIN / "jupyter-book"), "build", str(folder), *STRICT_FLAGS], capture_output=True, text=True, cwd=folder
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"build failed in {folder}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return seconds, len(re.findall(r"Executing notebook", result.stdout + result.stderr))


def bench_builds(runs: int) -> dict:
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="qantar-bench-") as work:
        cold, executed = [], []
        for index in range(runs):
            folder = copy_book(Path(work) / f"cold{index}")
            seconds, count = build(folder)
            cold.append(seconds)
            executed.append(count)
        results["cold build"] = {**summary(cold), "executed": statistics.median(executed)}
        folder = Path(work) / "cold0"
        chapter = folder / "chapters" / "after.md"
        indicators = folder / "data" / "indicators.csv"

        def no_change(_):
            pass

        def prose_edit(index):
            text = chapter.read_text(encoding="utf-8")
            lines = text.splitlines()
            title = next(i for i, line in enumerate(lines) if line.startswith("# "))
            prose = next(line for line in lines[title + 1 :] if line.strip())
            chapter.write_text(text.replace(prose, prose + f" (prose edit {index})", 1), encoding="utf-8")

        def code_edit(index):
            text = chapter.read_text(encoding="utf-8")
            line = next(line for line in text.splitlines() if line.startswith(("import ", "from ")))
            chapter.write_text(text.replace(line, line + f"  # code edit {index}", 1), encoding="utf-8")

        def data_edit(index):
            with indicators.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.reader(handle))
            rows[1][4] = f"Benchmark edit {index}."  # the first row's note
            with indicators.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle, lineterminator="\n").writerows(rows)

        for label, edit in (
            ("no-change rebuild", no_change),
            ("rebuild after a prose edit", prose_edit),
            ("rebuild after a code edit in one chapter", code_edit),
            ("rebuild after a data edit (indicators.csv)", data_edit),
        ):
            times, counts = [], []
            for index in range(runs):
                edit(index)
                seconds, count = build(folder)
                times.append(seconds)
                counts.append(count)
            results[label] = {**summary(times), "executed": statistics.median(counts)}
    return results


def bench_execution(runs: int) -> dict:
    import jupytext
    from nbclient import NotebookClient

    results = {}
    pages = sorted(ROOT.glob("chapters/*.md")) + [ROOT / "instructor-guide.md"]
    for page in pages:
        if "```{code-cell}" not in page.read_text(encoding="utf-8"):
            continue
        times = []
        for _ in range(runs):
            notebook = jupytext.read(page)
            notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
            client = NotebookClient(
                notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(page.parent)}}
            )
            start = time.perf_counter()
            client.execute()
            times.append(time.perf_counter() - start)
        results[f"execute {page.relative_to(ROOT)} (fresh kernel)"] = summary(times)
    imports = []
    for _ in range(max(5, runs)):
        output = subprocess.run(
            [
                sys.executable,
                "-c",
                "import time; t = time.perf_counter(); import qantar; print(time.perf_counter() - t)",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        imports.append(float(output.stdout.strip()))
    results["import qantar"] = summary(imports)
    return results


COMPRESSED = {".html", ".js", ".css", ".svg", ".json", ".txt", ".map"}


def serve(folder: Path):
    """Serve a built site on 127.0.0.1 the way a static host (GitHub Pages) does: text compressed with gzip."""
    import gzip
    import io
    import os

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *arguments):
            pass

        def send_head(self):
            path = self.translate_path(self.path)
            if (
                os.path.isfile(path)
                and os.path.splitext(path)[1] in COMPRESSED
                and "gzip" in self.headers.get("Accept-Encoding", "")
            ):
                with open(path, "rb") as handle:
                    body = gzip.compress(handle.read(), compresslevel=6)
                self.send_response(200)
                self.send_header("Content-Type", self.guess_type(path))
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                return io.BytesIO(body)
            return super().send_head()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def page_weights(browser, base: str, pages: list[str]) -> dict[str, dict]:
    from urllib.parse import urlparse

    weights = {}
    for page_name in pages:
        page = browser.new_page()
        sizes, foreign = [], []

        def finished(request, sizes=sizes, foreign=foreign):
            try:
                sizes.append(request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"])
            except Exception:
                sizes.append(0)
            if urlparse(request.url).hostname not in ("127.0.0.1", None):
                foreign.append(request.url)

        page.on("requestfinished", finished)
        page.goto(f"{base}/{page_name}")
        page.wait_for_load_state("networkidle")
        weights[page_name] = {"bytes": sum(sizes), "requests": len(sizes), "third_party": len(foreign)}
        page.close()
    return weights


# A slow mobile connection, as Chrome DevTools emulates one: about 400 kbit/s each way, 400 ms latency.
SLOW = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}


def slow_load(browser, url: str) -> dict[str, float]:
    """Load ``url`` in a new, empty browser context over the emulated slow connection (Chrome DevTools
    Protocol): seconds until the page's main content is painted (largest contentful paint) and until
    the network is idle."""
    import time

    context = browser.new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW)
    start = time.perf_counter()
    page.goto(url, wait_until="load", timeout=300_000)
    page.wait_for_load_state("networkidle", timeout=300_000)
    idle = time.perf_counter() - start - 0.5  # Playwright waits 500 ms of quiet to call it idle
    painted = page.evaluate(
        """() => new Promise(resolve => {
             new PerformanceObserver(list => {
               const entries = list.getEntries();
               resolve(entries[entries.length - 1].startTime);
             }).observe({type: 'largest-contentful-paint', buffered: true});
             setTimeout(() => resolve(null), 2000);
           })"""
    )
    context.close()
    return {"painted": (painted or 0) / 1000, "idle": idle}


def bench_pages(runs: int, html: Path | None = None) -> dict:
    """Page weight and slow-connection loads; ``html``: measure this built book instead of building."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="qantar-pages-") as work:
        if html is None:
            ours = copy_book(Path(work) / "book")
            build(ours)
            our_html = ours / "_build" / "html"
        else:
            our_html = html
        stock = Path(work) / "stock"
        subprocess.run([str(BIN / "jupyter-book"), "create", str(stock)], check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter-book"), "build", str(stock)], check=True, capture_output=True)
        stock_html = stock / "_build" / "html"
        our_pages = sorted(
            p.relative_to(our_html).as_posix()
            for p in our_html.rglob("*.html")
            if not p.relative_to(our_html).as_posix().startswith(("_static", "_sources"))
        )
        our_server, our_base = serve(our_html)
        stock_server, stock_base = serve(stock_html)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                per_page = page_weights(browser, our_base, our_pages)
                text_page, stock_page = [], []
                for _ in range(runs):
                    text_page.append(page_weights(browser, our_base, ["glossary.html"])["glossary.html"]["bytes"])
                    stock_page.append(page_weights(browser, stock_base, ["intro.html"])["intro.html"]["bytes"])
                heaviest = max(per_page, key=lambda name: per_page[name]["bytes"])
                slow = {"ours": [], "stock": [], "heaviest": []}
                for _ in range(runs):
                    slow["ours"].append(slow_load(browser, f"{our_base}/glossary.html"))
                    slow["stock"].append(slow_load(browser, f"{stock_base}/intro.html"))
                    slow["heaviest"].append(slow_load(browser, f"{our_base}/{heaviest}"))
                browser.close()
        finally:
            our_server.shutdown()
            stock_server.shutdown()
    ratio = statistics.median(text_page) / statistics.median(stock_page)

    def median(which: str, measure: str) -> float:
        return statistics.median(run[measure] for run in slow[which])

    return {
        "pages": per_page,
        "text page (glossary) bytes": summary(text_page),
        "stock template text page (intro) bytes": summary(stock_page),
        "text page ratio": ratio,
        "slow connection": {
            "text page painted (s)": summary([r["painted"] for r in slow["ours"]]),
            "stock text page painted (s)": summary([r["painted"] for r in slow["stock"]]),
            "text page network idle (s)": summary([r["idle"] for r in slow["ours"]]),
            "stock text page network idle (s)": summary([r["idle"] for r in slow["stock"]]),
            f"heaviest ({heaviest}) network idle (s)": summary([r["idle"] for r in slow["heaviest"]]),
            "painted ratio": median("ours", "painted") / median("stock", "painted"),
            "network idle ratio": median("ours", "idle") / median("stock", "idle"),
        },
    }


SCREEN = {"desktop": (1280, 800), "phone": (375, 667)}


def chapter_lengths(html: Path) -> dict[str, dict]:
    """Each chapter page of a built book: its words (the article's text) and its height in screens,
    at 1280 x 800 and at 375 x 667, in Chromium with every figure drawn."""
    from playwright.sync_api import sync_playwright

    from qantar.downloads import book_chapters

    chapters = book_chapters(ROOT)
    server, base = serve(html)
    results: dict[str, dict] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            # a chapter may span pages (its sections in _toc.yml): each page is measured
            for docname in [page for chapter in chapters for page in chapter.pages]:
                page_file = f"{docname}.html"
                if not (html / page_file).is_file():
                    continue
                row: dict = {}
                for name, (width, height) in SCREEN.items():
                    page = browser.new_page(viewport={"width": width, "height": height})
                    page.goto(f"{base}/{page_file}", wait_until="networkidle")
                    page.wait_for_timeout(300)
                    if name == "desktop":
                        row["words"] = page.evaluate(
                            "(document.querySelector('article.bd-article') || document.body).innerText"
                            ".split(/\\s+/).filter(Boolean).length"
                        )
                    row[f"{name} screens"] = round(page.evaluate("document.documentElement.scrollHeight") / height, 1)
                    page.close()
                results[docname] = row
            browser.close()
    finally:
        server.shutdown()
    return results


def bench_chapters(html: Path | None) -> dict:
    """Chapter length: words and screens per chapter (target: no chapter over about 18 desktop screens)."""
    if html is not None:
        return chapter_lengths(html)
    with tempfile.TemporaryDirectory(prefix="qantar-chapters-") as work:
        ours = copy_book(Path(work) / "book")
        build(ours)
        return chapter_lengths(ours / "_build" / "html")


def bench_grading(count: int) -> dict:
    import nbformat

    from qantar.exercises import for_chapter
    from qantar.instructor import answer_variable, assign, select_exercises

    with tempfile.TemporaryDirectory(prefix="qantar-grading-") as work:
        work = Path(work)
        outputs = assign(select_exercises("guide"), "bench", work / "assignment")
        submissions = work / "submissions"
        submissions.mkdir()
        exercises = for_chapter("guide")
        for index in range(count):
            notebook = nbformat.read(outputs["student"], as_version=4)
            for cell in notebook.cells:
                for number, exercise in enumerate(exercises, start=1):
                    variable = answer_variable(number, exercise)
                    if exercise.kind != "code" and cell.source.startswith(f"{variable} = ...") and (index + number) % 3:
                        cell.source = f"{variable} = {exercise.solution!r}"
            nbformat.write(notebook, submissions / f"student{index:02d}.ipynb")
        start = time.perf_counter()
        subprocess.run(
            [
                str(BIN / "qantar"),
                "grade",
                "--autograder",
                str(outputs["autograder"]),
                "--submissions",
                str(submissions),
                "--out",
                str(work / "gradebook.csv"),
                "--jobs",
                "2",
            ],
            check=True,
            capture_output=True,
        )
        parallel = time.perf_counter() - start
        start = time.perf_counter()
        for path in sorted(submissions.iterdir()):
            out = work / "one" / path.stem
            out.mkdir(parents=True)
            subprocess.run(
                [str(BIN / "otter"), "run", "-a", str(outputs["autograder"]), "-o", str(out), str(path)],
                check=True,
                capture_output=True,
            )
        sequential = time.perf_counter() - start
    return {
        "submissions": count,
        "qantar grade --jobs 2 (s)": parallel,
        "otter run one by one (s)": sequential,
        "speed-up": sequential / parallel,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median, min, max)")
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--only", choices=["builds", "execution", "pages", "chapters", "grading"], action="append")
    parser.add_argument(
        "--html", type=Path, help="for --only chapters or --only pages: measure this built book instead of building"
    )
    arguments = parser.parse_args()
    parts = arguments.only or ["builds", "execution", "pages", "chapters", "grading"]
    results: dict = {}
    if "builds" in parts:
        results["builds"] = bench_builds(arguments.runs)
    if "execution" in parts:
        results["execution"] = bench_execution(arguments.runs)
    if "pages" in parts:
        results["pages"] = bench_pages(arguments.runs, arguments.html)
    if "chapters" in parts:
        results["chapters"] = bench_chapters(arguments.html)
    if "grading" in parts:
        results["grading"] = bench_grading(arguments.submissions)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_table(results)


def print_table(results: dict) -> None:
    print(f"{'measure':<62} {'median':>9} {'min':>9} {'max':>9}  note")
    for section, figures in results.items():
        if section == "pages":
            heaviest = max(figures["pages"].items(), key=lambda item: item[1]["bytes"])
            third = sum(p["third_party"] for p in figures["pages"].values())
            for label in ("text page (glossary) bytes", "stock template text page (intro) bytes"):
                f = figures[label]
                print(f"{label:<62} {f['median']:>9.0f} {f['min']:>9.0f} {f['max']:>9.0f}")
            print(f"{'text page ratio (target <= 0.3)':<62} {figures['text page ratio']:>9.2f}")
            print(
                f"{'heaviest page: ' + heaviest[0]:<62} {heaviest[1]['bytes']:>9} bytes, "
                f"{heaviest[1]['requests']} requests (target <= 750 KB)"
            )
            print(f"{'third-party requests, all pages (target 0)':<62} {third:>9}")
            for label, value in figures.get("slow connection", {}).items():
                if isinstance(value, dict):
                    print(f"{'slow: ' + label:<62} {value['median']:>9.2f} {value['min']:>9.2f} {value['max']:>9.2f}")
                else:
                    target = " (target <= 0.4)" if label == "painted ratio" else ""
                    print(f"{'slow: ' + label + target:<62} {value:>9.2f}")
            continue
        if section == "chapters":
            for docname, row in figures.items():
                over = " (over 18)" if row["desktop screens"] > 18 else ""
                print(
                    f"{'chapter: ' + docname:<62} {row['words']:>6} words, {row['desktop screens']:>5.1f} screens "
                    f"at 1280 px{over}, {row['phone screens']:>5.1f} at 375 px"
                )
            continue
        if section == "grading":
            for label, value in figures.items():
                print(f"{label:<62} {value:>9.2f}")
            continue
        for label, f in figures.items():
            note = f"executed {f['executed']:g}" if "executed" in f else ""
            print(f"{label:<62} {f['median']:>9.2f} {f['min']:>9.2f} {f['max']:>9.2f}  {note}")


if __name__ == "__main__":
    main()
