"""The content tables: sourced, documented, contested figures kept as claims, and broken copies refused."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from qantar.data import DataError, load, read_package, table_names
from qantar.views import claims_for, claims_summary, reactions_by_actor, stance_table, timeline_between

from conftest import REPO

DATA = REPO / "data"
SEEDS = ["ndcf2022", "pasatoiu_nitoiu2022", "raia2022", "bifolchi2022", "italian2022"]
CONTENT_TABLES = [
    "timeline",
    "claims",
    "csto_members",
    "deployment",
    "precedents",
    "reactions",
    "indicators",
    "glossary",
]


def test_the_content_tables_exist():
    assert set(CONTENT_TABLES) <= set(table_names(DATA))


@pytest.mark.parametrize("name", CONTENT_TABLES)
def test_every_fact_row_cites_a_known_source(name):
    sources = set(load("sources", DATA)["source_id"])
    table = read_package(DATA)[name]
    frame = load(name, DATA)
    column = next(f for f in table.fields if f.name == "source_id")
    cited = frame["source_id"].dropna()
    if name != "glossary":
        assert cited.size == len(frame), f"{name}: rows without a source"
    for cell in cited:
        for source_id in cell.split(column.separator) if column.separator else [cell]:
            assert source_id in sources, f"{name}: unknown source {source_id}"


def test_non_article_sources_have_title_outlet_date_and_address():
    sources = load("sources", DATA)
    others = sources[~sources["source_id"].isin(SEEDS)]
    assert len(others) >= 10
    for row in others.itertuples():
        assert row.title and (row.outlet or row.author), row.source_id
        assert not pd.isna(row.url), f"{row.source_id} has no URL"
        # An unknown date stays empty rather than guessed, and the note says so.
        assert not pd.isna(row.published) or "date" in str(row.note).lower(), f"{row.source_id}: no date, no word why"


def test_timeline_covers_the_crisis_day_by_day_and_the_later_milestones():
    timeline = load("timeline", DATA)
    crisis = timeline[(timeline["date"] >= "2022-01-01") & (timeline["date"] <= "2022-01-20")]
    assert len(crisis) >= 30
    days = set(crisis["date"].dt.day)
    assert set(range(1, 20)) - days <= {3, 16}, f"days with no event: {sorted(set(range(1, 20)) - days)}"
    later = timeline[timeline["date"] > "2022-01-31"]
    assert {"2022-06-05", "2022-11-20"} <= set(later["date"].dt.strftime("%Y-%m-%d"))
    assert (timeline["category"] == "justice").any()


@pytest.mark.parametrize("quantity", ["deaths", "detained", "csto_personnel", "lpg_price_kzt_per_litre"])
def test_each_quantity_has_disagreeing_claims(quantity):
    claims = claims_for(quantity, DATA)
    assert len(claims) >= 2
    assert claims["value"].nunique() >= 2, f"{quantity}: the sources should disagree"
    assert claims["source_id"].nunique() >= 2


CONTESTED = (
    "deaths",
    "detained",
    "csto_personnel",
    "lpg_price_kzt_per_litre",
    "fuel_price_rise_percent",
    "csto_founding_year",
)


def test_every_contested_quantity_in_the_ledger_has_disagreeing_claims():
    """The contested figures are the point of the ledger; results it also keys (the 2022 votes) need not differ."""
    summary = claims_summary(DATA).set_index("quantity")
    assert set(CONTESTED) <= set(summary.index)
    for quantity in CONTESTED:
        row = summary.loc[quantity]
        assert row.claims >= 2 and row.lowest < row.highest, quantity


@pytest.mark.parametrize(
    "quantity, value, source_id",
    [
        ("deaths", 164, "ndcf2022"),
        ("detained", 8000, "ndcf2022"),
        ("csto_personnel", 2500, "raia2022"),
        ("csto_personnel", 4000, "italian2022"),
        ("csto_founding_year", 1999, "ndcf2022"),
    ],
)
def test_the_articles_figures_are_in_the_ledger(quantity, value, source_id):
    claims = claims_for(quantity, DATA)
    assert ((claims["value"] == value) & (claims["source_id"] == source_id)).any()


def test_lpg_price_before_and_after_the_rise():
    claims = claims_for("lpg_price_kzt_per_litre", DATA)
    dated = claims.dropna(subset=["as_of"])
    before = dated[dated["as_of"] < "2022-01-01"]
    after = dated[dated["as_of"] >= "2022-01-01"]
    assert len(before) and len(after)
    assert after["value"].max() > before["value"].max()


def test_precedents_include_the_occasions_students_compare():
    occasions = set(load("precedents", DATA)["occasion_id"])
    assert {"kyrgyzstan-2010", "nagorno-karabakh-2020", "armenia-2021", "armenia-2022", "kazakhstan-2022"} <= occasions


def test_reactions_cover_the_great_powers_and_the_region():
    actors = set(load("reactions", DATA)["actor"])
    assert {
        "Russia",
        "China",
        "United States",
        "European Union",
        "Turkey",
        "United Nations",
        "Armenia",
        "CSTO",
    } <= actors
    table = stance_table(DATA)
    assert table.sum().sum() == len(load("reactions", DATA))


def test_members_and_deployment():
    members = load("csto_members", DATA).set_index("country")
    assert {"Russia", "Kazakhstan", "Belarus", "Armenia", "Kyrgyzstan", "Tajikistan"} <= set(
        members.index[members["status_2022"] == "member"]
    )
    assert {"Azerbaijan", "Georgia", "Uzbekistan"} <= set(members.index[members["status_2022"] == "former member"])
    deployment = load("deployment", DATA)
    assert {"Russia", "Belarus", "Armenia", "Kyrgyzstan", "Tajikistan", "Total"} <= set(deployment["country"])


def test_excerpts_draw_on_all_five_articles():
    excerpts = load("excerpts", DATA)
    assert len(excerpts) >= 40
    assert set(SEEDS) <= set(excerpts["source_id"])


def test_indicators_and_glossary():
    indicators = load("indicators", DATA)
    assert {"area_km2", "population", "rsf_press_freedom_rank"} <= set(indicators["indicator"])
    glossary = load("glossary", DATA)
    terms = " | ".join(glossary["term"])
    for term in ("CSTO", "Elbasy", "Article 4", "Zhanaozen", "Multi-vector"):
        assert term in terms


def test_views_filter_and_refuse_unknown_names():
    week = timeline_between("2022-01-05", "2022-01-07", folder=DATA)
    assert len(week) and week["date"].between("2022-01-05", "2022-01-07").all()
    assert week["date"].is_monotonic_increasing
    assert week["outlet"].notna().any() or week["author"].notna().any()
    csto = timeline_between("2022-01-01", "2022-12-31", category="csto", folder=DATA)
    assert len(csto) and (csto["category"] == "csto").all()
    russia = reactions_by_actor("Russia", DATA)
    assert len(russia) and (russia["actor"] == "Russia").all()
    with pytest.raises(DataError, match="no reactions by 'Narnia'"):
        reactions_by_actor("Narnia", DATA)
    with pytest.raises(DataError, match="no claims about 'rainfall'"):
        claims_for("rainfall", DATA)
    with pytest.raises(DataError, match="is after the end"):
        timeline_between("2022-02-01", "2022-01-01", folder=DATA)


# Deliberately broken copies, derived from each table's own schema: (how, the bad value, which fields qualify).
BREAKAGES = {
    "empty required": ("", lambda f: f.required),
    "unknown source": ("no_such_source", lambda f: f.name == "source_id"),
    "wrong type": ("n/a", lambda f: f.type in ("date", "number", "integer", "year")),
    "outside vocabulary": ("something_else", lambda f: bool(f.enum)),
}
BROKEN_CASES = [
    (name, how, next(f.name for f in read_package(DATA)[name].fields if qualifies(f)))
    for name in CONTENT_TABLES
    for how, (_, qualifies) in BREAKAGES.items()
    if any(qualifies(f) for f in read_package(DATA)[name].fields)
]


@pytest.mark.parametrize("name, how, field", BROKEN_CASES, ids=[f"{n}-{h}" for n, h, _ in BROKEN_CASES])
def test_a_broken_copy_of_each_table_names_file_row_and_field(name, how, field, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    path = folder / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index(field)] = BREAKAGES[how][0]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    with pytest.raises(DataError) as raised:
        load(name, folder)
    assert f"{name}.csv, row 1 (line 2), field '{field}'" in str(raised.value)


# The tables as the built book shows them: every page, every table (the module's and any other).
MISSING_IN_CELL = re.compile(r"<NA>|\bNaN\b|\bNaT\b|\bNone\b|\bnan\b")
ISO_DATE_TEXT = r"^\d{4}-\d{2}(-\d{2})?( \d{2}:\d{2}(:\d{2})?)?$"


def built_pages(built_book: Path) -> list[str]:
    return sorted(
        p.relative_to(built_book).as_posix()
        for p in built_book.rglob("*.html")
        if not p.relative_to(built_book).as_posix().startswith(("_static", "_sources"))
    )


def first_column_is_row_numbers(table) -> bool:
    """True for pandas' index column of row numbers: an empty first header over whole numbers only."""
    header_rows = table.select("thead tr")
    first_header = header_rows[-1].find(["th", "td"]) if header_rows else None
    if first_header is None or first_header.get_text(strip=True):
        return False
    firsts = [row.find(["th", "td"]) for row in table.select("tbody tr")]
    texts = [cell.get_text(strip=True) for cell in firsts if cell is not None]
    return bool(texts) and all(text.isdigit() for text in texts)


@pytest.mark.book
def test_no_table_of_the_built_book_shows_na_an_ellipsis_or_row_numbers(built_book):
    from bs4 import BeautifulSoup

    problems, module_tables = [], 0
    for page in built_pages(built_book):
        soup = BeautifulSoup((built_book / page).read_text(encoding="utf-8"), "html.parser")
        for number, table in enumerate(soup.find_all("table")):
            where = f"{page}, table {number + 1} ({' '.join(table.get('class', []))})"
            for cell in table.find_all(["td", "th"]):
                text = cell.get_text(" ", strip=True)
                if MISSING_IN_CELL.search(text):
                    problems.append(f"{where}: a missing value shown as {text[:60]!r}")
                if text.endswith(("...", "…")):
                    problems.append(f"{where}: a cut cell {text[-60:]!r}")
            if first_column_is_row_numbers(table):
                problems.append(f"{where}: an index column of row numbers")
        # Every table a code cell shows is the module's clean table, in its scrolling, named box.
        for output in soup.select("div.cell_output"):
            for table in output.find_all("table"):
                module_tables += 1
                box = table.find_parent("div", class_="qantar-table-scroll")
                if "qantar-table" not in table.get("class", []) or box is None:
                    problems.append(f"{page}: a cell's table that is not qantar's clean table")
                elif box.get("tabindex") != "0" or not box.get("aria-label", "").startswith("Table"):
                    problems.append(f"{page}: a table box that cannot be reached or has no name")
    assert module_tables >= 30, f"only {module_tables} tables in the chapters' outputs: did the book render them?"
    assert not problems, "\n".join(problems)


TABLES_AT_PHONE_WIDTH = """(isoDate) => {
  const problems = [];
  const iso = new RegExp(isoDate);
  const lines = (cell) => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  };
  const tables = [...document.querySelectorAll(".bd-article table")];
  tables.forEach((table, number) => {
    const where = `table ${number + 1}`;
    for (const cell of table.querySelectorAll("td, th")) {
      const text = cell.textContent.trim();
      if (!(cell.classList.contains("qantar-table__date") || iso.test(text))) continue;
      if (lines(cell) > 1) problems.push(`${where}: the date ${text} wraps`);
    }
  });
  let scrolling = 0;
  for (const box of document.querySelectorAll(".qantar-table-scroll")) {
    const style = getComputedStyle(box);
    const cue = parseFloat(getComputedStyle(box, "::before").height) || 0;
    const name = box.getAttribute("aria-label");
    if (box.scrollWidth > box.clientWidth + 1) {
      scrolling += 1;
      if (!["auto", "scroll"].includes(style.overflowX)) problems.push(`${name}: too wide, box does not scroll`);
      if (box.tabIndex !== 0) problems.push(`${name}: a scrolling box the keyboard cannot reach`);
      if (!name || !name.startsWith("Table")) problems.push(`a scrolling box without a name`);
      if (cue < 5) problems.push(`${name}: wider than its box, with no cue to scroll`);
    } else if (cue > 0) {
      problems.push(`${name}: a cue to scroll on a table that fits`);
    }
  }
  const page = document.scrollingElement;
  if (page.scrollWidth > window.innerWidth + 1) problems.push(`the page itself scrolls sideways`);
  return { problems, scrolling };
}"""


@pytest.mark.book
@pytest.mark.browser
def test_at_phone_width_dates_do_not_wrap_and_wide_tables_scroll_in_their_box(browser, built_book, site_url):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    problems, scrolling, keyboard_checked = [], 0, False
    for name in built_pages(built_book):
        page.goto(f"{site_url}/{name}")
        page.wait_for_load_state("networkidle")
        # the figures' data tables sit in closed <details>: open them, so that they are drawn too
        page.evaluate("document.querySelectorAll('.bd-article details').forEach((d) => { d.open = true; })")
        page.wait_for_timeout(100)
        found = page.evaluate(TABLES_AT_PHONE_WIDTH, ISO_DATE_TEXT)
        problems += [f"{name}: {problem}" for problem in found["problems"]]
        scrolling += found["scrolling"]
        if found["scrolling"] and not keyboard_checked:
            # the keyboard scrolls a wide table: Tab reaches its box, an arrow key moves it
            boxes = page.locator(".qantar-table-scroll")
            wide = "(b) => b.scrollWidth > b.clientWidth + 1 && b.getClientRects().length > 0"
            box = next(boxes.nth(i) for i in range(boxes.count()) if boxes.nth(i).evaluate(wide))
            box.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(300)
            assert box.evaluate("(b) => b.scrollLeft") > 0, f"{name}: the arrow key does not scroll the focused table"
            keyboard_checked = True
    page.close()
    assert scrolling >= 1, "no table is wider than a phone: the scrolling box went untested"
    assert keyboard_checked
    assert not problems, "\n".join(problems)


# The pages' own tables (the Data page's field tables, Markdown tables): the same box as qantar.display's.
BOXED_PAGES = ["data-tables.html", "instructor-grading.html"]


@pytest.mark.book
def test_the_data_page_heads_each_field_with_its_title_and_every_page_table_sits_in_a_named_box(built_book):
    from bs4 import BeautifulSoup

    tables = read_package(DATA)
    soup = BeautifulSoup((built_book / "data-tables.html").read_text(encoding="utf-8"), "html.parser")
    for name, table in tables.items():
        fields = soup.select_one(f"#table-{name} table.qantar-fields")
        assert fields is not None, name
        headers = [cell.get_text(strip=True) for cell in fields.select("thead th")]
        assert headers == ["Field", "Title", "Type", "Description", "Rules"], name
        rows = [[cell.get_text(strip=True) for cell in row.find_all("td")] for row in fields.select("tbody tr")]
        assert [(row[0], row[1]) for row in rows] == [(f.name, f.title) for f in table.fields], name
        box = fields.parent
        assert box.get("aria-label") == f"Table: Fields of {table.title} ({table.path.name})"
    for page in BOXED_PAGES:
        soup = BeautifulSoup((built_book / page).read_text(encoding="utf-8"), "html.parser")
        found = soup.select("article table")
        assert found, page
        for table in found:
            box = table.parent
            assert "qantar-table-scroll" in box.get("class", []), f"{page}: a table outside the scroll box"
            assert box.get("tabindex") == "0" and box.get("role") == "region", page
            assert box.get("aria-label", "").startswith("Table: "), page
        # one box per table: the theme's own scrolling box (unnamed) is not left inside ours
        assert not soup.select(".qantar-table-scroll .pst-scrollable-table-container"), page


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("name", BOXED_PAGES)
def test_at_phone_width_the_tab_key_reaches_a_wide_page_table_and_the_arrows_scroll_it(browser, site_url, name):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(f"{site_url}/{name}")
    page.wait_for_load_state("networkidle")
    boxes = page.locator(".bd-article .qantar-table-scroll")
    wide = "(b) => b.scrollWidth > b.clientWidth + 1"
    box = next((boxes.nth(i) for i in range(boxes.count()) if boxes.nth(i).evaluate(wide)), None)
    assert box is not None, f"{name}: no table wider than a phone, so nothing to scroll"
    assert float(box.evaluate("(b) => parseFloat(getComputedStyle(b, '::before').height) || 0")) >= 5, (
        f"{name}: a wide table with no 'Scroll sideways' cue"
    )
    # Start from the element just before the box (made focusable for the test), then Tab as a reader would.
    box.evaluate(
        """(b) => { let start = b.previousElementSibling || b.parentElement;
                   start.setAttribute('tabindex', '-1'); start.focus(); }"""
    )
    for _ in range(10):
        page.keyboard.press("Tab")
        if box.evaluate("(b) => document.activeElement === b"):
            break
    else:
        raise AssertionError(f"{name}: ten presses of Tab never reach the wide table's box")
    assert box.evaluate("(b) => b.matches(':focus-visible')"), f"{name}: the focused box shows no focus"
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    assert box.evaluate("(b) => b.scrollLeft") > 0, f"{name}: the arrow keys do not scroll the focused table"
    page.close()
