"""Accessibility of the built book in Debian's Chromium: axe-core, keyboard, phone width, alt text, search.

- axe-core (vendored in tests/vendor/axe-core, never fetched) finds no serious or critical
  WCAG 2.0/2.1 A/AA violation on any page, in light and in dark mode, with every hint open and
  every exercise's feedback showing, and at phone width;
- a keyboard-only walk reaches every exercise control of a chapter with Tab, each stop with a
  visible focus, enters the right answer with Space and the arrow keys, presses Check (Enter or
  Space) and reads the feedback; every other control met on the way (a figure's filter, a toggle)
  must answer its keys too, on every page that has such controls;
- at 375 px wide no page scrolls sideways;
- every image has a text alternative, or is marked decorative on purpose;
- the built-in search finds the CSTO chapter for "Article 4".
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.book]

AXE_FILE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"serious", "critical"}
NOT_PAGES = ("_static/", "_sources/", "_downloads/", "_images/")
SEARCH_RESULTS = "search.html?q=Article+4"
PHONE = {"width": 375, "height": 812}


def site_pages(built_book: Path) -> list[str]:
    """Every HTML page of the built site, relative to its root, search and index pages included."""
    pages = sorted(p.relative_to(built_book).as_posix() for p in built_book.rglob("*.html"))
    pages = [page for page in pages if not page.startswith(NOT_PAGES)]
    assert "index.html" in pages and "search.html" in pages, pages
    return pages


@pytest.fixture(scope="module")
def chromium(browser):
    """The session's Chromium (tests/conftest.py)."""
    return browser


# Wait (at most 3 s) for the page's finite animations and transitions to end: the theme fades
# its buttons' colours in, and axe must read the colours a reader sees, not half-way ones.
# Only animations that run in time: a scroll-driven one (the tables' "Scroll sideways" cue) never
# finishes, and waiting for it would cost the whole 3 s on every page with a table.
SETTLE = """() => Promise.race([
  Promise.all(document.getAnimations()
    .filter(a => a.timeline === document.timeline)
    .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
    .map(a => a.finished.catch(() => null))),
  new Promise(resolve => setTimeout(resolve, 3000)),
]).then(() => null)"""


def open_page(context, url: str):
    """A page of ``context`` at ``url`` once its scripts and transitions have settled."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.evaluate(SETTLE)
    return page


def open_pages(context, site_url: str, names: list[str], at_once: int = 4):
    """Yield ``(name, page)`` for each page once it has settled; a few pages load side by side."""
    for start in range(0, len(names), at_once):
        group = [(name, context.new_page()) for name in names[start : start + at_once]]
        for name, page in group:
            page.goto(f"{site_url}/{name}", wait_until="commit")
        for name, page in group:
            page.wait_for_load_state("networkidle")
            page.bring_to_front()  # a page behind the others does not run its transitions
            page.evaluate(SETTLE)
            yield name, page
            page.close()


# ---------------------------------------------------------------------------------------------- axe

RUN_AXE = """async ([context, options]) => {
  const results = await axe.run(context || document, options);
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
  }));
}"""

# What is hidden when a page loads is checked too: every <details> opened, and every exercise
# submitted empty so that its feedback line shows (the keyboard test shows the "correct" one).
REVEAL = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('.qantar-exercise form').forEach(f => f.requestSubmit());
}"""


def axe_violations(page, within: str | None = None) -> list[dict]:
    """The serious and critical WCAG A/AA violations axe-core finds in ``page`` (or in its ``within`` elements)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_FILE.read_text(encoding="utf-8"))
    found = page.evaluate(RUN_AXE, [{"include": [[within]]} if within else None, AXE_OPTIONS])
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


def describe_violations(page_name: str, violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{page_name}: {violation['id']} ({violation['impact']}) {violation['help']}")
        for node in violation["nodes"][:8]:
            summary = " / ".join(line.strip() for line in node["summary"].splitlines() if line.strip())
            lines.append(f"    {node['target']}: {summary[:400]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


IMAGES = """() => Array.from(document.querySelectorAll('img')).map(img => ({
  src: img.getAttribute('src') || '', alt: img.getAttribute('alt'), role: img.getAttribute('role') || '',
  hidden: img.getAttribute('aria-hidden') === 'true',
}))"""

# Controls in the text that are not part of an exercise: a figure's filters, toggles.
OTHER_CONTROLS = """() => Array.from(document.querySelectorAll(
    '.bd-article :is(select, input, textarea, summary, [role=slider], [role=switch], [role=checkbox])'))
  .filter(el => !el.closest('.qantar-exercise')).length"""


@pytest.fixture(scope="module")
def scans(chromium, built_book, site_url):
    """``scans(mode)``: every page loaded once in ``mode``: its theme, images, other controls, and what axe finds."""
    done: dict[str, dict] = {}

    def scan(mode: str) -> dict:
        if mode not in done:
            context = chromium.new_context(color_scheme=mode)
            found = {}
            # The search page is checked twice: empty, and with its list of results.
            for name, page in open_pages(context, site_url, [*site_pages(built_book), SEARCH_RESULTS]):
                if name == SEARCH_RESULTS:
                    page.wait_for_selector("#search-results li a")
                result = {
                    "theme": page.evaluate("document.documentElement.dataset.theme"),
                    "images": page.evaluate(IMAGES),
                    "other_controls": page.evaluate(OTHER_CONTROLS),
                }
                page.evaluate(REVEAL)
                result["violations"] = axe_violations(page)
                found[name] = result
            context.close()
            done[mode] = found
        return done[mode]

    return scan


def test_axe_core_is_vendored_with_its_licence():
    readme = (AXE_FILE.parent / "README.md").read_text(encoding="utf-8")
    version = re.search(r"axe v(\d+\.\d+\.\d+)", AXE_FILE.read_text(encoding="utf-8")[:200]).group(1)
    assert version.startswith("4.") and version in readme
    assert "Mozilla Public License" in (AXE_FILE.parent / "LICENSE").read_text(encoding="utf-8")


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_finds_no_serious_violation_on_any_page(scans, mode):
    problems = []
    for name, result in scans(mode).items():
        assert result["theme"] == mode, (
            f"{name} is shown in '{result['theme']}' mode, not '{mode}': the test would not test {mode} mode"
        )
        if result["violations"]:
            problems.append(describe_violations(name, result["violations"]))
    assert not problems, f"axe-core finds serious or critical violations in {mode} mode:\n" + "\n".join(problems)


# -------------------------------------------------------------------------------------- images and phone

FILE_NAME = re.compile(r"^\S+\.(png|jpe?g|gif|svg|webp)$", re.I)


def test_every_image_has_a_text_alternative(scans):
    problems = []
    for name, result in scans("light").items():
        for image in result["images"]:
            alt = image["alt"]
            if alt is None:
                problems.append(f"{name}: <img src={image['src']}> has no alt attribute")
            elif not alt.strip() and not (image["role"] in ("presentation", "none") or image["hidden"]):
                problems.append(f"{name}: <img src={image['src']}> has an empty alt but is not marked decorative")
            elif FILE_NAME.match(alt.strip()):
                problems.append(f"{name}: <img src={image['src']}> has a file name for alt text: {alt!r}")
    assert not problems, "\n".join(problems)


SIZES = """() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
                  inner: window.innerWidth})"""

# The outermost elements that reach past the window's right edge, to say what to fix.
WIDE_ELEMENTS = """() => {
  const width = document.documentElement.clientWidth;
  // An element inside a box that clips or scrolls, or fixed to the window, cannot widen the page.
  const contained = el => {
    if (getComputedStyle(el).position === 'fixed') return true;
    for (let a = el.parentElement; a && a !== document.body && a !== document.documentElement; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX !== 'visible' || style.position === 'fixed') return true;
    }
    return false;
  };
  const wide = el => el.getBoundingClientRect().right > width + 0.5 && !contained(el);
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + Array.from(el.classList).join('.') : '');
  return Array.from(document.body.querySelectorAll('*'))
    .filter(el => wide(el) && !(el.parentElement && wide(el.parentElement)))
    .slice(0, 10)
    .map(el => name(el) + ' reaches ' + Math.round(el.getBoundingClientRect().right) + 'px: ' +
               (el.textContent || '').trim().slice(0, 60));
}"""


def test_no_page_scrolls_sideways_on_a_phone(chromium, built_book, site_url):
    """375 px wide: no page scrolls sideways, as loaded or with hints and feedback shown; axe finds nothing either."""
    context = chromium.new_context(viewport=PHONE)
    problems = []
    for name, page in open_pages(context, site_url, site_pages(built_book)):
        for state in ("as loaded", "with hints and feedback shown"):
            if state != "as loaded":
                page.evaluate(REVEAL)
            # clientWidth, not innerWidth: a vertical scroll bar, where there is one, takes part of innerWidth.
            sizes = page.evaluate(SIZES)
            assert sizes["inner"] == PHONE["width"], sizes
            if sizes["scroll"] > sizes["client"]:
                problems.append(
                    f"{name} ({state}): the page is {sizes['scroll']}px wide in a {sizes['client']}px "
                    f"window; too wide: {page.evaluate(WIDE_ELEMENTS)}"
                )
        violations = axe_violations(page)
        if violations:
            problems.append(describe_violations(f"{name} at {PHONE['width']}px", violations))
    context.close()
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------------------------- keyboard

# The focused element, marked with a number so that a walk can tell when it is back at the start.
# Its focus is visible when it, or something inside it, has an outline or a box shadow.
FOCUSED = """(step) => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  if (!el.dataset.a11yStop) el.dataset.a11yStop = String(step);
  const ring = node => {
    const style = getComputedStyle(node);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 &&
                    !['transparent', 'rgba(0, 0, 0, 0)'].includes(style.outlineColor);
    return outline || style.boxShadow !== 'none';
  };
  const section = el.closest('.qantar-exercise');
  return {
    stop: el.dataset.a11yStop, tag: el.tagName.toLowerCase(), type: (el.type || '').toLowerCase(),
    role: el.getAttribute('role') || '', name: el.name || '',
    value: el.value === undefined ? null : String(el.value),
    item: el.dataset.item || null, exercise: section ? section.dataset.exerciseId : null,
    describe: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.classList.length ? '.' + Array.from(el.classList).join('.') : '') + (el.name ? '[name=' + el.name + ']' : ''),
    text: (el.getAttribute('aria-label') || el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 50),
    visibleFocus: el.matches(':focus-visible') && (ring(el) || Array.from(el.querySelectorAll('*')).some(ring)),
  };
}"""

# Every exercise that can be checked in the page, with the key the page itself carries.
EXERCISES = """() => Array.from(document.querySelectorAll('.qantar-exercise')).filter(s => s.querySelector('form'))
  .map(s => {
    const key = JSON.parse(s.querySelector('.qantar-exercise__key').textContent);
    const controls = Array.from(s.querySelectorAll('input, select'));
    return {
      // The key in the bank's own field names: the items in order, the pairs, or the answer.
      id: s.dataset.exerciseId, kind: key.kind,
      answer: key.kind === 'order' ? key.items : key.kind === 'match' ? key.pairs : key.answer,
      radioGroups: Array.from(new Set(controls.filter(c => c.type === 'radio').map(c => c.name))),
      others: controls.filter(c => c.type !== 'radio').map(c => c.name + '|' + (c.dataset.item || c.value)),
      hasHint: !!s.querySelector('summary'),
    };
  })"""


def exercise_pages(built_book: Path) -> dict[str, set[str]]:
    """The pages with exercises a reader can check, each with the kinds of exercise it has."""
    pages = {}
    for name in site_pages(built_book):
        html = (built_book / name).read_text(encoding="utf-8")
        kinds = {
            kind
            for kind, status in re.findall(r'data-kind="([a-z]+)" data-status="([a-z]+)"', html)
            if status == "practice" and kind != "code"
        }
        if kinds:
            pages[name] = kinds
    return pages


def press(page, key: str, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press(key)


def active(page, expression: str):
    """``expression`` evaluated on the focused element, written as ``el``."""
    return page.evaluate(f"(el => {expression})(document.activeElement)")


def operate_exercise_control(page, exercise: dict, focused: dict, reached: set) -> str | None:
    """Enter the right answer in the focused control with keys only; a problem, or None."""
    answer, where = exercise["answer"], exercise["id"]
    if focused["type"] == "radio":
        if focused["name"] in reached:
            return f"{where}: Tab stopped twice in the radio group {focused['name']}"
        reached.add(focused["name"])
        options = active(page, "Array.from(document.getElementsByName(el.name)).map(r => r.value)")
        if options.index(focused["value"]) != 0:
            return f"{where}: Tab entered the radio group at {focused['value']!r}, not at its first option"
        press(page, "Space")
        press(page, "ArrowDown", options.index(answer))
        chosen = active(page, "(document.querySelector(`input[name='${el.name}']:checked`) || {}).value")
        return None if chosen == answer else f"{where}: the arrow keys chose {chosen!r}, not {answer!r}"
    reached.add(f"{focused['name']}|{focused['item'] or focused['value']}")
    if focused["type"] == "checkbox":
        if focused["value"] in answer:
            press(page, "Space")
        ticked = active(page, "el.checked")
        return None if ticked == (focused["value"] in answer) else f"{where}: Space did not tick {focused['value']!r}"
    if focused["tag"] == "input":
        page.keyboard.type(f"{answer:g}" if isinstance(answer, float) else str(answer))
        return None
    if focused["tag"] == "select":
        wanted = str(answer.index(focused["item"]) + 1) if exercise["kind"] == "order" else answer[focused["item"]]
        options = active(page, "Array.from(el.options).map(o => o.value)")
        press(page, "ArrowDown", options.index(wanted) - options.index(focused["value"]))
        chosen = active(page, "el.value")
        return None if chosen == wanted else f"{where}: the arrow keys chose {chosen!r}, not {wanted!r}"
    return None


def operate_other_control(page, focused: dict) -> str | None:
    """A control outside the exercises (a figure's filter, a toggle): its key must change it; it is then put back."""
    where = f"{focused['describe']} ({focused['text']!r})"
    if focused["tag"] == "summary":
        before = active(page, "el.parentElement.open")
        press(page, "Enter")
        after = active(page, "el.parentElement.open")
        press(page, "Enter")
        return None if after != before else f"Enter does not open or close {where}"
    if focused["tag"] == "select":
        count, index = active(page, "[el.options.length, el.selectedIndex]")
        if count < 2:
            return None
        forward, back = ("ArrowDown", "ArrowUp") if index < count - 1 else ("ArrowUp", "ArrowDown")
        press(page, forward)
        moved = active(page, "el.selectedIndex") != index
        press(page, back)
        return None if moved else f"the arrow keys do not change {where}"
    if focused["type"] == "checkbox" or focused["role"] in ("checkbox", "switch"):
        state = "el.checked === undefined ? el.getAttribute('aria-checked') : el.checked"
        before = active(page, state)
        press(page, "Space")
        after = active(page, state)
        press(page, "Space")
        return None if after != before else f"Space does not tick {where}"
    if focused["type"] == "radio":
        state = "(document.querySelector(`input[name='${el.name}']:checked`) || {}).value"
        before = active(page, state)
        press(page, "ArrowDown")
        after = active(page, state)
        press(page, "ArrowUp")
        return None if after != before else f"the arrow keys do not change {where}"
    if focused["type"] == "range" or focused["role"] == "slider":
        state = "el.value === undefined ? el.getAttribute('aria-valuenow') : el.value"
        before = active(page, state)
        press(page, "ArrowRight")
        after = active(page, state)
        if after == before:  # already at the top
            press(page, "ArrowLeft")
            after = active(page, state)
            press(page, "ArrowRight")
        else:
            press(page, "ArrowLeft")
        return None if after != before else f"the arrow keys do not move {where}"
    return None


def check_by_key(page, exercise: dict, key: str) -> str | None:
    """Press Check with ``key`` and read the feedback: the right answer must be judged right."""
    press(page, key)
    feedback = page.locator(f'[data-exercise-id="{exercise["id"]}"] .qantar-exercise__feedback')
    if feedback.get_attribute("role") != "status":
        return f"{exercise['id']}: the feedback is not a status region"
    if feedback.get_attribute("data-correct") != "true" or "✔ Right" not in feedback.inner_text():
        return f"{exercise['id']}: the right answer, entered by keyboard, got {feedback.inner_text()!r}"
    return None


def keyboard_walk(page) -> list[str]:
    """Tab once through the whole page, answering every exercise with keys only; the problems found."""
    exercises = {e["id"]: e for e in page.evaluate(EXERCISES)}
    problems, reached, checked, hints, stops = [], set(), [], set(), set()
    for step in range(3000):
        press(page, "Tab")
        focused = page.evaluate(FOCUSED, step)
        if focused is None:
            if step == 0:
                continue
            break  # past the last stop
        if focused["stop"] in stops:
            break  # back at the first stop
        stops.add(focused["stop"])
        if not focused["visibleFocus"]:
            problems.append(f"no visible focus on {focused['describe']} ({focused['text']!r})")
        exercise = exercises.get(focused["exercise"])
        if exercise is None:
            problem = operate_other_control(page, focused)
        elif focused["tag"] == "button":
            # Every control before the button has its answer: check it, with Enter and Space in turn.
            problem = check_by_key(page, exercise, "Enter" if len(checked) % 2 == 0 else "Space")
            checked.append(exercise["id"])
        elif focused["tag"] == "summary":
            problem = operate_other_control(page, focused)
            hints.add(exercise["id"])
        else:
            problem = operate_exercise_control(page, exercise, focused, reached)
        if problem:
            problems.append(problem)
    else:
        problems.append("Tab never came back to the start of the page")
    for exercise in exercises.values():
        missed = (set(exercise["radioGroups"]) | set(exercise["others"])) - reached
        if missed:
            problems.append(f"{exercise['id']}: Tab never reached {sorted(missed)}")
        if exercise["id"] not in checked:
            problems.append(f"{exercise['id']}: Tab never reached the Check button")
        if exercise["hasHint"] and exercise["id"] not in hints:
            problems.append(f"{exercise['id']}: Tab never reached the hint")
    return problems


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_controls_work_by_keyboard_with_visible_focus(chromium, built_book, site_url, scans, mode):
    """Chapters with every kind of exercise, in both modes; in light mode also every page with other controls."""
    pages = {name: kinds for name, kinds in exercise_pages(built_book).items() if name.startswith("chapters/")}
    assert pages, "no chapter has an exercise to check"
    # As few chapters as cover every kind of exercise (so every kind of control), the richest first.
    walks, kinds = [], set()
    while kinds != set().union(*pages.values()):
        chapter = max(sorted(pages), key=lambda name: len(pages[name] - kinds))
        walks.append(chapter)
        kinds |= pages[chapter]
    chapters = list(walks)
    if mode == "light":
        walks += sorted(
            name
            for name, result in scans("light").items()
            if result["other_controls"] and name not in walks and name != SEARCH_RESULTS
        )
    context = chromium.new_context(color_scheme=mode)
    problems = []
    for name in walks:
        page = open_page(context, f"{site_url}/{name}")
        found = keyboard_walk(page)
        # The exercises now show their "correct" feedback: it must be readable too.
        violations = axe_violations(page, within=".qantar-exercise") if name in chapters else []
        if violations:
            found.append(describe_violations("after the walk", violations))
        problems += [f"{name}: {problem}" for problem in found]
        page.close()
    context.close()
    walked = "; ".join(f"{name} ({', '.join(sorted(pages[name]))})" for name in chapters)
    assert not problems, f"by keyboard in {mode} mode, exercises of {walked}:\n" + "\n".join(problems)


# --------------------------------------------------------------------------------------------- search


def test_search_finds_the_article_4_chapter(chromium, site_url):
    context = chromium.new_context()
    page = open_page(context, f"{site_url}/{SEARCH_RESULTS}")
    page.wait_for_selector("#search-results li a", timeout=15000)
    results = page.evaluate(
        "Array.from(document.querySelectorAll('#search-results li a'))"
        ".map(a => ({href: a.href, text: a.textContent.trim()}))"
    )
    context.close()
    hits = [r for r in results if urlparse(r["href"]).path.endswith("/chapters/article-4.html")]
    assert hits, f"searching 'Article 4' does not find chapters/article-4.html: {results}"
    assert any("Article 4" in r["text"] and "CSTO" in r["text"] for r in hits), hits
