"""The explorers and an order and a match exercise in a real JupyterLab with a real kernel, driven
by the keyboard in Debian's Chromium.

A JupyterLab server runs in a temporary folder (its own config, data, runtime and home folders, so
no user setting leaks in; no news or update checks) on a free port of 127.0.0.1. The browser is
refused every request to another host and the test asserts none was attempted.

How the controls are reached: the first control of a step is focused with ``locator.focus()`` (a
stand-in for the click or the long Tab walk through JupyterLab's own chrome); everything after that
is keyboard only: digits typed into the date segments, Tab to commit and to move on (the test
asserts that Tab goes From -> To -> Category), a choice's label typed into its box (Ctrl+A first).
Each choice is found by its role and label (a combobox named "Category").

Errors are looked for everywhere they can land: the count line ("No table ..."), the server log,
uncaught exceptions in the page, and the kernel's own messages on the websocket (an exception in a
widget callback goes only there and to JupyterLab's log console, never to the cell).

Why the choices are text boxes (qantar.widgets.Choice, an ipywidgets Combobox), not drop-downs
(jupyter-widgets/ipywidgets#3912): on a focused, closed Dropdown JupyterLab's command-mode shortcuts
win, so ArrowUp/ArrowDown move the cell cursor and A, B, C, D, I, J, K, M, R, V, X, Y, Z (and 0)
edit the notebook. JupyterLab leaves the keys of a read-write element alone, so here every option is
typed in full, letters such as a, c, d, j, r and v included, and the notebook must keep its cells,
its active cell and its mode. Every keydown on an editable element is recorded, and none may have
been taken (``defaultPrevented``) on the way. Headless Chromium does not draw a text box's list of
suggestions (a <datalist> is browser UI, outside the page), so the Down arrow opening it and Enter
picking from it cannot be watched here: the test checks that the arrow keys and Enter are left to
the box (not taken; focus, cells, active cell and mode unchanged), and makes the pick as Chromium
does (the text replaced, one input event) to check that the explorer reads it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlparse

import nbformat
import psutil
import pytest
from playwright.sync_api import expect

from qantar.data import data_dir, load
from qantar.exercises import bank as exercise_bank
from qantar.exercises.checking import check
from qantar.views import claims_for, reactions_by_actor, timeline_between

pytestmark = pytest.mark.browser

# The `browser` fixture (the session's Chromium) is in conftest.py.

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SERVER_START_TIMEOUT = 60  # seconds for JupyterLab to answer /api/status
STEP_TIMEOUT = 20_000  # milliseconds for any one browser wait

CELLS = [
    "import sys\nfrom qantar.exercises import exercise\n"
    "from qantar.widgets import claims_explorer, reactions_explorer, timeline_explorer\nsys.executable",
    'timeline_explorer(start="2022-01-02", end="2022-01-07", category="protest")',
    'claims_explorer("deaths")',
    "reactions_explorer()",
    'exercise("guide-sequence")',  # an order exercise
    'exercise("guide-first-reactions")',  # a match exercise
]
EXERCISES = {"guide-sequence": "order", "guide-first-reactions": "match"}
TIMELINE = ["date", "place", "event", "category", "outlet"]  # the explorers' table columns
CLAIMS = ["as_of", "claim", "claimant", "outlet", "note"]
REACTIONS = ["date", "actor", "speaker", "stance", "summary", "outlet"]
# The grammar of every count an explorer may show, with the optional note after it.
COUNT = re.compile(r"(no rows|1 row|(?:[2-9]|[1-9]\d+) rows)(?: \(.+\))?")
# What the kernel sends when code raises (a cell, or a widget callback) or writes to stderr.
KERNEL_ERROR = re.compile(rb'"msg_type":\s*"error"')
KERNEL_STDERR = re.compile(rb'"name":\s*"stderr"')
# Settings of a fresh JupyterLab: no "get Jupyter news?" toast, every cell kept in the page.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def rows(count: int) -> str:
    """The count the explorers must show, written out here rather than taken from qantar.widgets."""
    return {0: "no rows", 1: "1 row"}.get(count, f"{count} rows")


def swapped(first: str, last: str) -> str:
    return f"(“From” was after “To”: showing {first} to {last}.)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_log(lab: dict) -> str:
    return lab["log"].read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server with a real kernel (this venv's Python), isolated in a temporary folder."""
    root = tmp_path_factory.mktemp("lab")
    folders = {name: root / name for name in ("config", "data", "runtime", "home", "notebooks")}
    for folder in folders.values():
        folder.mkdir()
    for name, values in USER_SETTINGS.items():
        path = folders["config"] / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folders["notebooks"] / "explorers.ipynb")

    port, token = free_port(), secrets.token_hex(16)
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "QANTAR_"))},
        "JUPYTER_CONFIG_DIR": str(folders["config"]),
        "JUPYTER_DATA_DIR": str(folders["data"]),
        "JUPYTER_RUNTIME_DIR": str(folders["runtime"]),
        "HOME": str(folders["home"]),
        "JUPYTER_PLATFORM_DIRS": "1",
        # The kernel reads the same tables as this process computes its expectations from.
        "QANTAR_DATA_DIR": str(data_dir()),
    }
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={folders['notebooks']}",
        f"--IdentityProvider.token={token}",
        "--ServerApp.open_browser=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    log = root / "server.log"
    with log.open("w", encoding="utf-8") as out:
        server = subprocess.Popen(
            command, env=environment, cwd=folders["notebooks"], stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    lab = {"base": base, "token": token, "log": log, "python": sys.executable, "started": time.monotonic()}
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            assert server.poll() is None, f"JupyterLab exited ({server.returncode}):\n{server_log(lab)[-4000:]}"
            assert time.monotonic() < deadline, f"JupyterLab did not start:\n{server_log(lab)[-4000:]}"
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).close()
                break
            except OSError:
                time.sleep(0.25)
        yield lab
    finally:
        stop(server, base, token)


def stop(server: subprocess.Popen, base: str, token: str) -> None:
    """Shut the server down (it shuts its kernels down); kill by pid whatever it started and left."""
    try:
        started = psutil.Process(server.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        started = []
    if server.poll() is None:
        try:
            request = urllib.request.Request(
                f"{base}/api/shutdown", method="POST", headers={"Authorization": f"token {token}"}
            )
            urllib.request.urlopen(request, timeout=5).close()
        except OSError:
            pass
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
    for process in started:  # the kernels and anything else the server started
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


@pytest.fixture(scope="module")
def notebook(browser, lab):
    """The notebook opened in JupyterLab and run, with every explorer drawn; the page is the module's."""
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000}, service_workers="block")
    context.set_default_timeout(STEP_TIMEOUT)
    seen = {"foreign": [], "exceptions": [], "kernel errors": [], "kernel stderr": []}

    def local_only(route) -> None:
        url = route.request.url
        if urlparse(url).hostname in LOCAL_HOSTS or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            seen["foreign"].append(url)
            route.abort()

    context.route("**/*", local_only)
    page = context.new_page()
    page.on("pageerror", lambda error: seen["exceptions"].append(str(error)))

    def kernel_messages(websocket) -> None:
        """An error in a widget callback reaches only the browser (JupyterLab's log console): catch it on the wire."""

        def received(payload) -> None:
            data = payload if isinstance(payload, bytes) else payload.encode()
            text = re.sub(r"[\x00-\x08\x0b-\x1f\ufffd]", "", data.decode(errors="replace"))[-3000:]
            if KERNEL_ERROR.search(data):
                seen["kernel errors"].append(text)
            if KERNEL_STDERR.search(data):
                seen["kernel stderr"].append(text)

        websocket.on("framereceived", received)

    page.on("websocket", kernel_messages)
    try:
        page.goto(f"{lab['base']}/lab/tree/explorers.ipynb?token={lab['token']}")
        expect(page.locator(".jp-Notebook .jp-Cell")).to_have_count(len(CELLS), timeout=60_000)
        expect(page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\|\s*Idle$"))).to_be_visible(timeout=60_000)
        page.locator('.lm-MenuBar-item:has-text("Run")').click()
        page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
        run = page.locator(".jp-Notebook .jp-InputPrompt").filter(has_text=re.compile(r"\[\d+\]"))
        deadline = time.monotonic() + 60
        while run.count() < len(CELLS):  # every cell run, or stop at the first error
            assert not seen["kernel errors"], "a cell raised:\n" + "\n".join(seen["kernel errors"])
            assert time.monotonic() < deadline, f"only {run.count()} of {len(CELLS)} cells ran in 60 s"
            page.wait_for_timeout(200)
        assert not seen["kernel errors"], "a cell raised:\n" + "\n".join(seen["kernel errors"])
        stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        assert not stderr.count(), "a cell wrote to stderr:\n" + "\n".join(stderr.all_inner_texts())
        explorers = {}
        for title in ("Timeline", "Claims ledger", "Reactions"):
            heading = page.locator(".widget-html-content > p > strong").get_by_text(title, exact=True)
            explorers[title] = page.locator(".widget-vbox").filter(has=heading)
            expect(explorers[title].locator("p[role=status]")).to_be_visible()
        exercises = {}
        for exercise_id in EXERCISES:
            title = exercise_bank()[exercise_id].title
            heading = page.locator(".widget-html-content").get_by_text(f"Exercise · {title}", exact=True)
            exercises[exercise_id] = page.locator(".qantar-exercise-widget").filter(has=heading)
            expect(exercises[exercise_id].get_by_role("button", name="Check")).to_be_visible()
        # Every status line any explorer ever shows, intermediate ones included; every keydown on an
        # editable element, and whether anything took it (read once the event has been dispatched).
        page.evaluate(
            """() => {
                window.qantarKeys = [];
                window.addEventListener('keydown', (event) => {
                    const target = event.target;
                    if (!(target instanceof Element) || !target.matches(':read-write')) return;
                    setTimeout(() => window.qantarKeys.push(
                        {key: event.key, id: target.id, taken: event.defaultPrevented}
                    ));
                }, true);
                window.qantarStatuses = [];
                const record = () => {
                    for (const p of document.querySelectorAll('.jp-Notebook p[role=status]')) {
                        if (p.closest('.qantar-exercise-widget')) continue;  // an exercise's verdict
                        const text = p.textContent;
                        if (!window.qantarStatuses.includes(text)) window.qantarStatuses.push(text);
                    }
                };
                new MutationObserver(record).observe(
                    document.querySelector('.jp-Notebook'), {childList: true, subtree: true, characterData: true}
                );
                record();
            }"""
        )
        # From here on the kernel must write nothing to stderr. (Before, it says "No such comm target
        # registered: jupyter.widget.control" while JupyterLab's widget manager probes it: harmless.)
        seen["kernel stderr"].clear()
        ready = round(time.monotonic() - lab["started"], 1)
        yield {"page": page, "explorers": explorers, "exercises": exercises, "seen": seen, "ready": ready}
    finally:
        context.close()


def expect_clean(notebook: dict, lab: dict) -> None:
    """Nothing raised anywhere (kernel, browser), nothing left this machine, no cell was added, no key
    typed into a control was taken by JupyterLab."""
    page = notebook["page"]
    statuses = page.evaluate("window.qantarStatuses")
    assert not [s for s in statuses if "No table" in s], statuses
    assert all(COUNT.fullmatch(s) for s in statuses), statuses
    keys = page.evaluate("window.qantarKeys")
    assert keys, "no keydown on a control was recorded"
    assert not [k for k in keys if k["taken"]], [k for k in keys if k["taken"]]
    log = server_log(lab)
    assert "Traceback" not in log and "Exception in comm" not in log, log[-4000:]
    assert not notebook["seen"]["exceptions"], notebook["seen"]["exceptions"]
    assert not notebook["seen"]["kernel errors"], "\n".join(notebook["seen"]["kernel errors"])
    assert not notebook["seen"]["kernel stderr"], "\n".join(notebook["seen"]["kernel stderr"])
    assert not notebook["seen"]["foreign"], notebook["seen"]["foreign"]
    expect(page.locator(".jp-Notebook .jp-Cell")).to_have_count(len(CELLS))  # no keystroke edited the notebook


def focused_id(page) -> str | None:
    return page.evaluate("document.activeElement && document.activeElement.id")


def expect_rows(explorer, frame, columns: list[str], name: str) -> None:
    """The explorer's table holds exactly the rows of ``frame``, compared on its column ``name``."""
    body = explorer.locator("table tbody tr")
    expect(body).to_have_count(len(frame))
    if len(frame):
        expect(body.locator(f"td:nth-child({columns.index(name) + 1})")).to_have_text([str(v) for v in frame[name]])


def choice_box(explorer, name: str):
    """The explorer's choice labelled ``name``: a text box with suggestions, so a combobox."""
    return explorer.get_by_role("combobox", name=name, exact=True)


def notebook_state(page) -> dict:
    """What a command-mode shortcut would change: the cells, the active one, the mode."""
    return page.evaluate(
        """() => {
            const notebook = document.querySelector('.jp-Notebook');
            const cells = [...notebook.querySelectorAll('.jp-Cell')];
            return {
                cells: cells.length,
                active: cells.findIndex((cell) => cell.classList.contains('jp-mod-active')),
                edit: notebook.classList.contains('jp-mod-editMode'),
                types: cells.map((cell) => cell.classList.contains('jp-CodeCell')),
            };
        }"""
    )


def type_choice(page, box, text: str) -> None:
    """Replace the text of the focused ``box`` with ``text``, typed key by key (Ctrl+A first)."""
    assert focused_id(page) == box.get_attribute("id")
    page.keyboard.press("Control+a")
    page.keyboard.type(text)
    expect(box).to_have_value(text)


def test_the_kernel_is_this_venvs_python(notebook, lab):
    first = notebook["page"].locator(".jp-Notebook .jp-Cell").first.locator(".jp-OutputArea-output")
    assert first.inner_text().strip() == repr(lab["python"])
    print(f"JupyterLab ready with every explorer drawn after {notebook['ready']} s")


def test_a_from_after_its_to_typed_by_keyboard_is_swapped_and_said(notebook, lab):
    page, timeline = notebook["page"], notebook["explorers"]["Timeline"]
    status = timeline.locator("p[role=status]")
    start, end = timeline.locator("input[type=date]").nth(0), timeline.locator("input[type=date]").nth(1)
    category = choice_box(timeline, "Category")

    def shown(first: str, last: str, kind: str | None):
        return timeline_between(first, last, category=kind)

    expected = shown("2022-01-02", "2022-01-07", "protest")
    expect(status).to_have_text(rows(len(expected)))
    expect_rows(timeline, expected, TIMELINE, "event")

    # A "From" later than its "To", typed digit by digit (en-US: month, day, year), then Tab.
    start.focus()
    page.keyboard.type("01092022")
    page.keyboard.press("Tab")
    expect(start).to_have_value("2022-01-09")  # the control keeps what was typed; the note explains
    expected = shown("2022-01-07", "2022-01-09", "protest")
    expect(status).to_have_text(f"{rows(len(expected))} {swapped('2022-01-07', '2022-01-09')}")
    expect_rows(timeline, expected, TIMELINE, "event")

    # Tab alone goes on to "To" and then to "Category".
    visited = [start.get_attribute("id")]
    for _ in range(12):
        if focused_id(page) == category.get_attribute("id"):
            break
        if focused_id(page) != visited[-1]:
            visited.append(focused_id(page))
        page.keyboard.press("Tab")
    assert visited == [start.get_attribute("id"), end.get_attribute("id")], visited
    assert focused_id(page) == category.get_attribute("id"), "Tab never reached the Category box"

    # Every category typed in full (csto, justice, violence: letters JupyterLab's command mode would
    # take on a drop-down), then "all", then a cleared box (all again), then "politics".
    before = notebook_state(page)
    options = category.evaluate("box => [...box.list.options].map((option) => option.value)")
    assert options[0] == "all" and set(options[1:]) == set(load("timeline")["category"]), options
    for kind in [*options[1:], "all", "", "politics"]:
        if kind:
            type_choice(page, category, kind)
        else:
            page.keyboard.press("Control+a")
            page.keyboard.press("Backspace")
            expect(category).to_have_value("")
        expected = shown("2022-01-07", "2022-01-09", None if kind in ("all", "") else kind)
        expect(status).to_have_text(f"{rows(len(expected))} {swapped('2022-01-07', '2022-01-09')}")
        expect_rows(timeline, expected, TIMELINE, "event")
    assert notebook_state(page) == before

    # Put "From" back before "To": the note goes.
    start.focus()
    page.keyboard.type("01032022")
    page.keyboard.press("Tab")
    expected = shown("2022-01-03", "2022-01-07", "politics")
    expect(status).to_have_text(rows(len(expected)))
    expect_rows(timeline, expected, TIMELINE, "event")

    # Clear "To" by keyboard (Backspace empties a segment, leaving the field clears it): no limit.
    end.focus()
    page.keyboard.press("Backspace")
    for _ in range(6):
        if focused_id(page) != end.get_attribute("id"):
            break
        page.keyboard.press("Tab")
    expect(end).to_have_value("")
    expected = shown("2022-01-03", "2024-12-31", "politics")
    expect(status).to_have_text(rows(len(expected)))
    expect_rows(timeline, expected, TIMELINE, "event")

    # Every count shown on the way (intermediate ones included) is grammatical, and the run showed
    # each form; if the tables change so that one is missing, pick other dates.
    statuses = page.evaluate("window.qantarStatuses")
    assert all(COUNT.fullmatch(s) for s in statuses), statuses
    forms = {COUNT.fullmatch(s).group(1) for s in statuses}
    assert {"no rows", "1 row"} <= forms and any(f.endswith(" rows") and f != "no rows" for f in forms), statuses
    expect_clean(notebook, lab)


def reaction_options() -> list[tuple[str, str | None]]:
    """The Actor box's options and the value each stands for, from the tables (not from qantar.widgets)."""
    return [("all", None)] + [(actor, actor) for actor in sorted(set(load("reactions")["actor"]))]


def quantity_options() -> list[tuple[str, str]]:
    """The Quantity box's options: the label the charts use, else the quantity's own name."""
    from qantar.vocabulary import QUANTITY_LABELS

    names = list(dict.fromkeys(load("claims")["quantity"]))
    return [(QUANTITY_LABELS.get(name, name), name) for name in names]


@pytest.mark.parametrize(
    "title, name, options, view, columns, compared",
    [
        ("Claims ledger", "Quantity", quantity_options, claims_for, CLAIMS, "claim"),
        ("Reactions", "Actor", reaction_options, reactions_by_actor, REACTIONS, "summary"),
    ],
    ids=["claims", "reactions"],
)
def test_every_option_typed_in_full_updates_count_and_table(
    notebook, lab, title, name, options, view, columns, compared
):
    """Every option, whatever letter it starts with (Amnesty, Armenia, China, CSTO, Deaths, Detained,
    referendum ...), is chosen by typing it; the notebook keeps its cells, active cell and mode."""
    page, explorer = notebook["page"], notebook["explorers"][title]
    box, status = choice_box(explorer, name), explorer.locator("p[role=status]")
    listed = box.evaluate("box => [...box.list.options].map((option) => option.value)")
    assert listed == [label for label, _ in options()]
    assert {label[0].casefold() for label in listed} & set("acdrvj"), listed  # letters a drop-down lost
    box.focus()
    before = notebook_state(page)
    for label, value in options():
        type_choice(page, box, label)
        frame = view(value)
        expect(status).to_have_text(rows(len(frame)))
        expect_rows(explorer, frame, columns, compared)
        assert focused_id(page) == box.get_attribute("id")
    assert notebook_state(page) == before
    expect_clean(notebook, lab)


def test_arrow_keys_and_enter_in_a_choice_are_left_to_it(notebook, lab):
    """The keys JupyterLab took from a focused drop-down (jupyter-widgets/ipywidgets#3912) reach the
    box: the cell cursor stays, the notebook keeps its cells and mode, nothing takes the key."""
    page, explorer = notebook["page"], notebook["explorers"]["Reactions"]
    box, status = choice_box(explorer, "Actor"), explorer.locator("p[role=status]")
    box.focus()
    type_choice(page, box, "Turkey")
    turkey = rows(len(reactions_by_actor("Turkey")))
    expect(status).to_have_text(turkey)
    before, seen = notebook_state(page), len(page.evaluate("window.qantarKeys"))
    for key in ("ArrowDown", "ArrowDown", "ArrowUp", "Enter", "ArrowDown", "Enter"):
        page.keyboard.press(key)
        assert focused_id(page) == box.get_attribute("id"), key
        assert notebook_state(page) == before, key  # the cell cursor did not move, no edit mode
    expect(box).to_have_value("Turkey")
    expect(status).to_have_text(turkey)

    # A part of a label: the table stays, and the count says what it shows.
    type_choice(page, box, "ar")
    expect(status).to_have_text(f"{turkey} (“ar” is not one of the actors: showing “Turkey”.)")
    page.keyboard.press("ArrowDown")
    # A pick from the list as Chromium makes it: the text replaced at once, one input event.
    box.evaluate(
        """(box) => {
            box.value = 'Armenian critics';
            box.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'insertReplacementText'}));
        }"""
    )
    frame = reactions_by_actor("Armenian critics")
    expect(status).to_have_text(rows(len(frame)))
    expect_rows(explorer, frame, REACTIONS, "summary")
    page.keyboard.press("Enter")
    # An emptied box means all actors.
    page.keyboard.press("Control+a")
    page.keyboard.press("Backspace")
    expect(status).to_have_text(rows(len(reactions_by_actor(None))))
    assert focused_id(page) == box.get_attribute("id") and notebook_state(page) == before
    page.wait_for_timeout(100)  # the keydown records are written once the events are dispatched
    keys = [k["key"] for k in page.evaluate("window.qantarKeys")[seen:] if k["id"] == box.get_attribute("id")]
    assert {"ArrowDown", "ArrowUp", "Enter", "a", "r"} <= set(keys), keys
    expect_clean(notebook, lab)


def answer_boxes(widget) -> list[tuple[str, object]]:
    """The exercise's text boxes in the order Tab visits them, each with the item it answers (read from
    its label, "Position of: <item>" or "Partner of: <item>")."""
    boxes = widget.get_by_role("combobox")
    found = []
    for index in range(boxes.count()):
        box = boxes.nth(index)
        label = box.evaluate("(b) => b.labels[0].textContent")
        found.append((re.sub(r"^(Position|Partner) of: ", "", label), box))
    return found


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_an_order_and_a_match_exercise_answered_by_keyboard_alone(notebook, lab, exercise_id):
    """Every box of the exercise typed into and left with Tab, then Tab to Check and Enter: the verdict is
    check()'s, in its words; positions and partners (letters a drop-down lost included) reach the box."""
    from answers import wrong_answers

    page, widget = notebook["page"], notebook["exercises"][exercise_id]
    exercise = exercise_bank()[exercise_id]
    boxes = answer_boxes(widget)
    names = [item for item, _ in boxes]
    wanted = list(exercise.items) if EXERCISES[exercise_id] == "order" else [left for left, _ in exercise.pairs]
    assert sorted(names) == sorted(wanted), names
    assert not widget.locator("select").count(), "a drop-down is left in the exercise"
    button = widget.get_by_role("button", name="Check")
    status = widget.locator("p[role=status]")
    boxes[0][1].focus()  # focus in a cell makes it the active one: the state to keep is from here on
    before = notebook_state(page)

    def answer_by_keyboard(texts: dict[str, str]) -> None:
        boxes[0][1].focus()
        for item, box in boxes:
            assert focused_id(page) == box.get_attribute("id"), f"Tab did not reach the box of {item!r}"
            type_choice(page, box, texts[item])
            page.keyboard.press("Tab")
        assert button.evaluate("(b) => document.activeElement === b"), "Tab from the last box misses Check"
        page.keyboard.press("Enter")

    def texts_of(answer) -> dict[str, str]:
        if EXERCISES[exercise_id] == "order":
            return {item: str(position) for position, item in enumerate(answer, start=1)}
        return dict(answer)

    for answer in [*wrong_answers(exercise), exercise.solution]:
        answer_by_keyboard(texts_of(answer))
        verdict = re.sub(r"`([^`]+)`", r"\1", check(exercise, answer).verdict_line(hint=False))
        expect(status).to_have_text(verdict)
        assert notebook_state(page) == before  # no key edited the notebook or moved its cell cursor
    if EXERCISES[exercise_id] == "order":  # two items at one position: a neutral note, as in the page
        texts = texts_of(exercise.solution)
        texts[names[1]] = texts[names[0]]
        answer_by_keyboard(texts)
        expect(status).to_have_text("… Give each item a different position.")
    expect_clean(notebook, lab)
