"""The content tables: sourced, documented, contested figures kept as claims, and broken copies refused."""

from __future__ import annotations

import csv
import shutil

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
