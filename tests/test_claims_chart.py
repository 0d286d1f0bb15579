"""The claims charts: full claimant names, the deaths over the date of each claim, the CSTO force by
scope, the same encoding in the static image, and no text outside the chart on a phone or a desktop."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

from qantar.charts import FIGURE_MIME_TYPE, claims_chart, figure_html
from qantar.figures import _claims_model, claims_figure
from qantar.views import claims_for, quantities
from test_figures import walk  # the one walker over a chart specification

REPO = Path(__file__).resolve().parents[1]
STATIC = REPO / "src" / "qantar" / "static"
# The quantities the chapters chart, read from the chapters (claims_chart("deaths", ...)).
CHARTED = sorted(
    {
        quantity
        for page in (REPO / "chapters").glob("*.md")
        for quantity in re.findall(r"""claims_(?:chart|figure)\(\s*["']([a-z_]+)["']""", page.read_text())
    }
)


def layer_rows(spec: dict, name: str, quantity: str | None = None, mode: str | None = None) -> list[dict]:
    """The data rows of the chart's layer called ``name`` (for one quantity and one width, if given)."""
    (layer,) = [node for node in walk(spec) if node.get("name") == name and "mark" in node]
    rows = spec["datasets"][layer["data"]["name"]]
    return [
        row
        for row in rows
        if (quantity is None or row.get("quantity") == quantity) and (mode is None or row.get("mode") == mode)
    ]


def described(spec: dict, quantity: str) -> list[dict]:
    """The chart's claims of one quantity: the rows drawn as marks that carry a description."""
    return [
        row
        for rows in spec["datasets"].values()
        for row in rows
        if "description" in row and row["quantity"] == quantity
    ]


def words(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def test_the_chapters_chart_the_quantities_these_tests_check():
    assert {"deaths", "csto_personnel", "lpg_price_kzt_per_litre"} <= set(CHARTED)


# ----------------------------------------------------------------------------- the specification


@pytest.mark.parametrize("quantity", CHARTED)
def test_every_claimant_name_is_drawn_whole_in_both_widths(quantity):
    """No name is cut short: each is wrapped over lines short enough for the width, never truncated."""
    spec = claims_chart(quantity).spec()
    model = _claims_model(quantity)
    claims = claims_for(quantity)
    for row in described(spec, quantity):
        assert row["description"].startswith(f"{row['claim']}, claimed by {row['claimant']}, ")
    for mode, width in (("wide", 88), ("narrow", 44)):
        lines = layer_rows(spec, "claims_name", quantity, mode)
        legend = layer_rows(spec, "claims_legend_text", quantity, mode)
        for line in lines + legend:
            assert "…" not in line["text"] and len(line["text"]) <= width, line
        if model.layout == "rows":
            text = words(" ".join(line["text"] for line in sorted(lines, key=lambda line: line["u"])))
            position = 0
            for claimant in model.claims["claimant"]:  # in drawing order, each whole
                found = text.find(words(claimant), position)
                assert found >= 0, (mode, claimant)
                position = found + len(claimant)
        else:
            assert not lines  # names are in each mark's details (hover, keyboard) and in the table
    assert sorted(row["claimant"] for row in described(spec, quantity)) == sorted(claims["claimant"])


def test_the_deaths_are_drawn_over_the_date_of_each_claim():
    spec = claims_chart("deaths").spec()
    rows = described(spec, "deaths")
    assert len(rows) == len(claims_for("deaths"))
    model = _claims_model("deaths")
    claims = model.claims
    by_day = claims[claims["day"].notna()].sort_values(["day"], kind="stable")
    # Later claims are further right (markers of one day and figure set side by side, in the ledger's order).
    assert by_day["x"].is_monotonic_increasing
    # Claims with no day or month (the '2022' of RFE/RL, the undated ones) stand apart, right of every date.
    apart = claims[claims["day"].isna()]
    assert len(apart) and apart["x"].min() > by_day["x"].max() and (apart["x"] <= 1).all()
    assert all(pd.isna(as_of) or len(as_of) == 4 for as_of in apart["as_of"]) and "2022" in set(apart["as_of"])
    assert all("no exact date" in text for text in apart["placement"])
    # So the chart no longer starts with a later total: its leftmost claim is the earliest dated one.
    leftmost = min(rows, key=lambda row: row["x"])
    first = by_day["day"].min()
    assert leftmost["when_label"] == f"{first.day} {first:%B %Y}" == "6 January 2022" and leftmost["value"] < 100
    # The axis: a day-by-day scale for January 2022, then months, named by dates.
    (axis,) = [node["axis"] for node in walk(spec) if node.get("field") == "x" and "axis" in node]
    for label in ("10 Jan", "30 Jan", "Jul 2022", "2023", "2024"):
        assert f"'{label}'" in axis["labelExpr"] or f'"{label}"' in axis["labelExpr"], label
    captions = {(row["align"], row["text"]) for row in layer_rows(spec, "claims_axis_caption_left", "deaths", "wide")}
    assert captions == {
        ("left", "January 2022, day by day"),
        ("left", "then month by month"),
        ("right", "No exact date"),
    }


def test_the_official_series_is_a_line_and_other_claims_are_points_by_kind():
    spec = claims_chart("deaths").spec()
    lines = [node for node in walk(spec) if isinstance(node.get("mark"), dict) and node["mark"]["type"] == "line"]
    assert len(lines) == 1 and any("datum.on_line" in str(t) for t in lines[0]["transform"])
    rows = described(spec, "deaths")
    official = sorted((row for row in rows if row["on_line"]), key=lambda row: row["x"])
    assert len(official) >= 5
    assert all(row["kind"] == "official" and not row["hollow"] for row in official)
    assert [row["value"] for row in official] == sorted(row["value"] for row in official)  # a rising toll
    assert {"Prosecutor General" in row["claimant"] for row in official} == {True, False}  # and other offices
    # Claims relayed by a rights group, a researcher or a foreign body are not on the authorities' line.
    cited = [row for row in rows if "as cited by" in row["claimant"] or "citing" in row["claimant"]]
    assert cited and not [row for row in cited if row["on_line"]]
    # One shape and one colour per kind of claimant (never colour alone); hollow for a partial count.
    marks = {(row["kind"], row["shape"], row["colour"]) for row in rows}
    assert len({kind for kind, _, _ in marks}) == len(marks) == len({shape for _, shape, _ in marks}) >= 3
    assert {row["value"] for row in rows if row["hollow"]} >= {18, 26}
    legend = [row["text"] for row in layer_rows(spec, "claims_legend_text", "deaths", "wide")]
    assert any("joined by a line" in text for text in legend)
    assert any(text.startswith("Hollow marker: a partial count") for text in legend)


def test_the_disowned_164_is_annotated_next_to_its_points():
    spec = claims_chart("deaths").spec()
    (note,) = layer_rows(spec, "claims_note", "deaths")
    assert note["text"].startswith("164 (9 Jan)") and "disowned" in note["text"]
    gone = [row for row in described(spec, "deaths") if "disowned" in row["shown_as"]]
    assert len(gone) == 3 and {row["value"] for row in gone} == {164}
    assert {row["y"] for row in gone} == {note["y"]} and note["x"] > max(row["x"] for row in gone)


def test_the_csto_force_is_drawn_by_what_each_figure_counts():
    spec = claims_chart("csto_personnel").spec()
    rows = described(spec, "csto_personnel")
    scope = {row["claimant"]: row["kind"] for row in rows}
    for claim in claims_for("csto_personnel").itertuples():
        expected = (
            "standing" if "NOT the" in claim.note else "contingent" if "contingent only" in claim.note else "whole"
        )
        assert scope[claim.claimant] == expected, claim.claim_id
    assert set(scope.values()) == {"whole", "contingent", "standing"}
    assert [row["kind"] for row in rows] == sorted(
        (row["kind"] for row in rows), key=["whole", "contingent", "standing"].index
    ), "the claims are grouped by scope"
    legend = [row["text"] for row in layer_rows(spec, "claims_legend_text", "csto_personnel", "wide")]
    assert legend == [
        "The whole force sent to Kazakhstan",
        "One national contingent only",
        "The CSTO's standing peacekeeping force, not the deployment",
    ]
    markers = {(m["shape"], m["fill"]) for m in layer_rows(spec, "claims_legend_marker", "csto_personnel", "wide")}
    assert len(markers) == 3 and len({shape for shape, _ in markers}) == 3
    # Each claim's name starts with its scope's marker, and its bar has its scope's colour.
    bars = layer_rows(spec, "claims_value", "csto_personnel", "narrow")
    colours = {row["kind"]: row["colour"] for row in rows}
    assert {bar["colour"] for bar in bars} == set(colours.values())
    assert len(layer_rows(spec, "claims_name_marker", "csto_personnel", "narrow")) == len(rows)
    assert "Russian contingent only" in " ".join(row["shown_as"] for row in rows if row["kind"] == "contingent")


def test_the_other_quantities_keep_one_bar_per_claim():
    spec = claims_chart("lpg_price_kzt_per_litre").spec()
    for quantity in quantities():
        model = _claims_model(quantity)
        assert model.layout == ("time" if quantity == "deaths" else "rows")
        if model.layout == "rows":
            assert len(layer_rows(spec, "claims_value", quantity, "wide")) == len(claims_for(quantity))


def test_the_text_alternative_describes_the_encoding():
    deaths = claims_chart("deaths")
    for words_ in (
        "official totals, joined by a line",
        "225",
        "238",
        "Partial counts (hollow markers)",
        "was later disowned",
        "no exact date",
        "Other quantities",
    ):
        assert words_ in deaths.summary, words_
    assert "placed at the date of the claim" in deaths.caption
    personnel = claims_chart("csto_personnel")
    assert f"{len(claims_for('csto_personnel'))} claims run from 70 troops to about 4,000 troops" in personnel.summary
    assert "grouped by what the figure counts" in personnel.summary
    assert "the Russian contingent only" in personnel.summary
    assert "shown as" in personnel.table.columns and len(personnel.table) == len(
        pd.concat([claims_for(q) for q in quantities()])
    )


def test_the_static_image_draws_the_same_encoding():
    from matplotlib.collections import PathCollection

    model = _claims_model("deaths")
    figure = claims_figure("deaths")
    axis = figure.axes[0]
    official = model.claims[model.claims["on_line"]].sort_values("x")
    lines = [line for line in axis.get_lines() if len(line.get_xdata()) == len(official)]
    assert any(list(line.get_ydata()) == list(official["value"]) for line in lines)
    points = [c for c in axis.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in points) == len(model.claims)
    assert any("disowned" in text.get_text() for text in axis.texts)
    assert [text.get_text() for text in axis.get_legend().get_texts()] == [entry["text"] for entry in model.legend]
    assert {label.get_text() for label in axis.get_xticklabels()} >= {"10 Jan", "Jul 2022", "2023"}

    model = _claims_model("csto_personnel")
    figure = claims_figure("csto_personnel")
    axis = figure.axes[0]
    labels = [words(label.get_text()) for label in axis.get_yticklabels()]
    assert len(labels) == len(model.claims)
    for label, claimant in zip(labels, model.claims["claimant"]):
        assert label.startswith(words(claimant)) and "…" not in label
    assert [text.get_text() for text in axis.get_legend().get_texts()] == [entry["text"] for entry in model.legend]
    colours = {tuple(round(c, 3) for c in bar.get_facecolor()[:3]) for bar in axis.patches}
    assert len(colours) == 3


# ----------------------------------------------------------------------------- in the browser


def standalone_page(figures) -> str:
    """A page with the figures' markup as the book writes it, and the book's own scripts and styles inlined."""
    body = []
    for figure in figures:
        content = figure._repr_mimebundle_()[FIGURE_MIME_TYPE]
        before, after = figure_html(content)
        image = (
            f'<img class="qantar-figure__image" alt="{html.escape(content["summary"])}" '
            f'src="data:image/png;base64,{content["png"]}">'
        )
        body.append(before + image + after)
    scripts = "".join(
        f"<script>{(STATIC / name).read_text(encoding='utf-8')}</script>"
        for name in ("vendor/vega.min.js", "vendor/vega-lite.min.js", "vendor/vega-embed.min.js", "qantar-figures.js")
    )
    style = (STATIC / "qantar-figures.css").read_text(encoding="utf-8")
    # A column like the book's: the full width of a phone less its margins, at most about 50 em.
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Claims charts</title>'
        f"<style>{style}\nbody {{ margin: 0; font-family: system-ui, sans-serif; }}"
        " main { max-width: 50rem; margin: 0 auto; padding: 0 1rem; }</style></head>"
        f"<body><main>{''.join(body)}</main>{scripts}</body></html>"
    )


OUTSIDE = """(tolerance) => Array.from(document.querySelectorAll('.qantar-figure')).map(figure => {
  const svg = figure.querySelector('.qantar-figure__chart svg');
  const box = svg.getBoundingClientRect();
  const column = figure.getBoundingClientRect();
  const inside = r => r.left >= box.left - tolerance && r.right <= box.right + tolerance
    && r.top >= box.top - tolerance && r.bottom <= box.bottom + tolerance;
  const texts = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim());
  const legend = Array.from(svg.querySelectorAll('[class*="claims_legend"] > *'));
  const describe = e => ({text: e.textContent.slice(0, 60), box: (r => [r.left - box.left, r.top - box.top,
    r.right - box.left, r.bottom - box.top].map(Math.round))(e.getBoundingClientRect())});
  return {
    id: figure.id, width: box.width, column: column.width,
    texts: texts.length, legend: legend.length,
    words: texts.map(t => t.textContent).join(' '),
    outside: texts.concat(legend).filter(e => !inside(e.getBoundingClientRect())).map(describe),
  };
})"""


@pytest.fixture(scope="module")
def claims_page(tmp_path_factory) -> str:
    page = tmp_path_factory.mktemp("claims") / "claims.html"
    page.write_text(standalone_page([claims_chart(quantity) for quantity in CHARTED]), encoding="utf-8")
    return page.as_uri()


def open_claims(browser, url: str, width: int):
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"exception: {error}"))
    page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning") else None)
    page.on(
        "request",
        lambda request: (
            problems.append(f"request to {request.url}") if not request.url.startswith(("file:", "data:")) else None
        ),
    )
    page.goto(url)
    page.wait_for_function(
        "document.querySelectorAll('.qantar-figure--live, .qantar-figure--failed').length === "
        "document.querySelectorAll('.qantar-figure').length"
    )
    assert page.locator(".qantar-figure--failed").count() == 0, page.locator(
        ".qantar-figure__details"
    ).all_inner_texts()
    return page, problems


def check_inside(page, width: int, label: str) -> list[dict]:
    found = page.evaluate(OUTSIDE, 1)
    for figure in found:
        assert figure["texts"] >= 2, (label, figure["id"])  # at least a name and its figure
        assert not figure["outside"], (width, label, figure["id"], figure["outside"])
        assert figure["width"] <= figure["column"] + 1, (
            width,
            label,
            figure["id"],
            "the chart is wider than its column",
        )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (label, "the page scrolls sideways")
    return found


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_no_chart_text_or_legend_outside_the_chart(browser, claims_page, width):
    """Every text of every claims chart (names, values, axis labels and titles, legend) is inside the chart's box."""
    page, problems = open_claims(browser, claims_page, width)
    found = {figure["id"]: figure for figure in check_inside(page, width, "as the chapters show them")}
    assert set(found) == {f"figure-claims-{quantity}" for quantity in CHARTED}
    assert found["figure-claims-deaths"]["legend"] > 0 and found["figure-claims-csto_personnel"]["legend"] > 0
    assert "later disowned" in found["figure-claims-deaths"]["words"]
    for quantity in CHARTED:
        text = words(found[f"figure-claims-{quantity}"]["words"])
        if _claims_model(quantity).layout == "rows":
            for claimant in claims_for(quantity)["claimant"]:
                assert words(claimant) in text, (width, quantity, claimant)  # whole, over one or more lines
    # Every other quantity of the selector too, drawn in the first chart.
    figure = page.locator(f"#figure-claims-{CHARTED[0]}")
    for option in figure.locator("select option").all_inner_texts():
        figure.get_by_label("Quantity:").select_option(label=option)
        page.wait_for_timeout(150)
        check_inside(page, width, option)
    assert not problems, problems
    page.context.close()


@pytest.mark.browser
def test_the_keyboard_walks_the_deaths_by_date_and_the_bars_top_to_bottom(browser, claims_page):
    page, problems = open_claims(browser, claims_page, 375)
    marks = page.evaluate("id => window.qantarFigures.marks(document.getElementById(id))", "figure-claims-deaths")
    model = _claims_model("deaths")
    assert sorted(marks) == sorted(row["description"] for row in described(claims_chart("deaths").spec(), "deaths"))
    order = model.claims.sort_values("x", kind="stable")
    assert [text.split(", claimed by ")[0] for text in marks] == list(order["claim"])
    figure = page.locator("#figure-claims-deaths")
    figure.get_by_label("Quantity:").focus()
    page.keyboard.press("Tab")
    details = figure.locator(".qantar-figure__details")
    assert details.inner_text() == f"Mark 1 of {len(marks)}: {marks[0]}"
    page.keyboard.press("End")
    assert details.inner_text().startswith(f"Mark {len(marks)} of {len(marks)}: ")

    marks = page.evaluate(
        "id => window.qantarFigures.marks(document.getElementById(id))", "figure-claims-csto_personnel"
    )
    rows = _claims_model("csto_personnel").claims
    assert [text.split(", claimed by ")[0] for text in marks] == list(rows["claim"])
    # Hovering anywhere over a claim's row (its name or its bar) shows its details.
    box = page.evaluate("""() => {
        const row = document.querySelectorAll('#figure-claims-csto_personnel path[aria-label]')[1];
        row.scrollIntoView(); const r = row.getBoundingClientRect(); return [r.x + 40, r.y + 8]; }""")
    page.mouse.move(*box)
    page.wait_for_timeout(300)
    assert page.locator("#figure-claims-csto_personnel .qantar-figure__details").inner_text() == marks[1]
    assert not problems, problems
    page.context.close()
