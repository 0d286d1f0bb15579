"""The numbers each chapter quotes in its prose, computed from the module's tables rather than typed.

The book glues them into the text with one hidden cell on each page of the chapter that quotes them::

    from qantar.numbers import causes_numbers, glue_numbers
    glue_numbers(causes_numbers())

and the notebooks written for download, the class pack and launch get them written into
the prose (``qantar.downloads``), so that a notebook reads like the page.

>>> numbers("causes")["lpg_after"]       # doctest: +SKIP
120
"""

from __future__ import annotations

import re
from collections.abc import Callable

from qantar.data import load
from qantar.views import claim_value, indicator_value, long_date, timeline_event

_CHAPTERS: dict[str, Callable[[], dict]] = {}


def _chapter(name: str):
    def register(function: Callable[[], dict]) -> Callable[[], dict]:
        _CHAPTERS[name] = function
        return function

    return register


def chapters() -> list[str]:
    """The chapters that quote computed numbers, by file name."""
    return list(_CHAPTERS)


def numbers(chapter: str) -> dict:
    """Every number (or short text) chapter ``chapter`` quotes, by the name its prose uses."""
    if chapter not in _CHAPTERS:
        raise KeyError(f"no numbers for chapter '{chapter}'; chapters with numbers: {', '.join(_CHAPTERS)}")
    return _CHAPTERS[chapter]()


def glue_numbers(values: dict) -> dict:
    """Glue each number for ``{glue:text}`` in the book (myst-nb), e.g. ``glue_numbers(causes_numbers())``.

    A chapter calls its own function by name, so that the book's execution cache
    (:mod:`qantar.freshness`) sees which tables the chapter's numbers read.
    """
    from myst_nb import glue

    for name, value in values.items():
        glue(name, value, display=False)
    return values


@_chapter("causes")
def causes_numbers() -> dict:
    """The numbers the chapter *causes* quotes."""
    out: dict = {}
    # Numbers quoted in the prose, computed from the tables rather than typed.
    claims = load("claims").set_index("claim_id")
    timeline = load("timeline")

    # The LPG price in Mangystau before and after 1 January (RFE/RL's Kazakh Service).
    before = claims.loc["lpg-price-02"]
    after = claims.loc["lpg-price-01"]
    out["lpg_before_low"] = int(before["value"])
    out["lpg_before_high"] = int(before["value_high"])
    out["lpg_after"] = int(after["value"])
    out["rise_from_high"] = round(100 * (after["value"] - before["value_high"]) / before["value_high"])
    out["rise_from_low"] = round(100 * (after["value"] - before["value"]) / before["value"])
    concession = claims.loc["lpg-price-07"]
    out["concession_low"] = int(concession["value"])
    out["concession_high"] = int(concession["value_high"])
    out["cap_4_january"] = int(claims.loc["lpg-price-08", "value"])
    out["cap_almaty"] = int(claims.loc["lpg-price-11", "value"])

    rises = claims[claims["quantity"] == "fuel_price_rise_percent"]
    out["n_rise_claims"] = len(rises)
    out["raia_rise"] = int(rises.loc["fuel-rise-01", "value"])
    out["n_doubling_claims"] = int((rises["value"] == 100).sum())

    # The first week in the timeline.
    first_week = timeline[(timeline["date"] >= "2022-01-02") & (timeline["date"] <= "2022-01-07")]
    out["n_first_week"] = len(first_week)
    per_day = first_week["date"].value_counts()
    out["n_5_january"] = int(per_day[per_day.index == "2022-01-05"].iloc[0])

    # Press freedom before the crisis.
    out["rsf_2020"] = indicator_value("rsf_press_freedom_rank", year=2020)
    out["rsf_2021"] = indicator_value("rsf_press_freedom_rank", year=2021, source_id="adilsoz_20210420_rsf_155")
    out["rsf_out_of"] = indicator_value("rsf_press_freedom_rank_out_of", year=2021)
    out["rsf_2022"] = indicator_value("rsf_press_freedom_rank", year=2022)
    out["fh_2021"] = indicator_value("freedom_house_global_score", year=2021)
    out["fh_political"] = indicator_value("freedom_house_political_rights", year=2021)
    out["fh_civil"] = indicator_value("freedom_house_civil_liberties", year=2021)

    # Deaths: the toll of 15 January and the later official list.
    out["deaths_15_january"] = int(claims.loc["deaths-07", "value"])
    out["deaths_official_list"] = int(claims.loc["deaths-15", "value"])
    out["n_death_claims"] = int((claims["quantity"] == "deaths").sum())
    return out


@_chapter("article-4")
def article_4_numbers() -> dict:
    """The numbers the chapter *article-4* quotes."""
    out: dict = {}
    # Figures quoted in the prose, computed from the tables rather than typed.
    claims = load("claims")
    deployment = load("deployment")

    founding = claims[claims["quantity"] == "csto_founding_year"]
    out["n_founding_claims"] = len(founding)
    out["n_founding_years"] = int(founding["value"].nunique())

    personnel = claims[claims["quantity"] == "csto_personnel"]
    out["n_personnel_claims"] = len(personnel)
    official = personnel.set_index("claim_id").loc["csto-personnel-05"]
    out["official_force"] = int(official["value"])
    standing = personnel.set_index("claim_id").loc["csto-personnel-04"]
    out["standing_strength"] = int(standing["value"])

    shoigu = deployment.set_index("source_id").loc["armradio_20220113_withdrawal_19", "personnel_note"]
    out["shoigu_facilities"] = int(re.search(r"(\d+) facilities", shoigu).group(1))
    out["shoigu_freed"] = int(re.search(r"about ([\d,]+) Kazakh", shoigu).group(1).replace(",", ""))
    send_off = deployment.set_index("source_id").loc["kazinform_20220113_send_off", "personnel_note"]
    out["vehicles"] = int(re.search(r"(\d+) vehicles", send_off).group(1))

    # Claims about the whole force (not one contingent, not the standing strength), before and from 13 January.
    whole_force = personnel[~personnel["note"].str.contains("contingent only|NOT the", regex=True, na=False)]
    whole_force = whole_force.dropna(subset=["as_of"])
    early = whole_force.loc[whole_force["as_of"] < "2022-01-13", "value"]
    late = whole_force.loc[whole_force["as_of"] >= "2022-01-13", "value"]
    out["early_low"] = int(early.min())
    out["early_high"] = int(early.max())
    out["late_low"] = int(late.min())
    out["late_high"] = int(late.max())
    armenia = deployment.loc[deployment["country"] == "Armenia", ["personnel", "source_id"]].dropna()
    out["armenia_mod"] = int(armenia.loc[armenia["source_id"] == "panorama_20220107_armenia_100", "personnel"].iloc[0])
    out["armenia_ui"] = int(armenia.loc[armenia["source_id"] == "ui_csto_intervention", "personnel"].iloc[0])

    members = load("csto_members")
    out["n_members"] = int((members["status_2022"] == "member").sum())
    out["n_former"] = int((members["status_2022"] == "former member").sum())
    return out


@_chapter("power-struggle")
def power_struggle_numbers() -> dict:
    """The numbers the chapter *power-struggle* quotes."""
    out: dict = {}
    # Numbers quoted in the prose, computed from the timeline's event texts rather than typed.
    timeline = load("timeline")

    out["masimov_years"] = int(
        re.search(r"to (\d+) years", timeline_event(source_id="intellinews_20230425_masimov")).group(1)
    )
    out["satybaldy_years"] = re.search(r"to (\w+) years", timeline_event(source_id="occrp_20221003_satybaldy")).group(1)
    out["abish_years"] = re.search(
        r"an? (\w+)-year suspended", timeline_event(source_id="vlast_20240322_past_conditional")
    ).group(1)
    out["referendum_yes"] = claim_value("referendum-yes-01")
    out["referendum_turnout"] = claim_value("referendum-turnout-01")
    out["term_years"] = re.search(r"single (\w+)-year", timeline_event(source_id="novayagazeta_20220917_astana")).group(
        1
    )
    out["election_share"] = claim_value("election-share-01")

    names = timeline["actors"].fillna("").str.split("; ")
    names_nazarbayev = names.apply(lambda actors: "Nursultan Nazarbayev" in actors)
    out["n_nazarbayev_events"] = int(names_nazarbayev.sum())
    later_events = timeline[(timeline["date"] >= "2022-01-12") & timeline["category"].isin(["politics", "justice"])]
    out["n_later_events"] = len(later_events)
    out["last_year"] = int(later_events["date"].dt.year.max())
    return out


@_chapter("great-powers")
def great_powers_numbers() -> dict:
    """The numbers the chapter *great-powers* quotes."""
    out: dict = {}
    # Numbers quoted in the prose, computed from the tables.
    reactions = load("reactions")
    great_powers = ["Russia", "China", "United States", "Turkey", "European Union"]
    by_actor = reactions["actor"].value_counts()
    out["gp_n_statements"] = int(len(reactions))
    out["gp_n_actors"] = int(reactions["actor"].nunique())
    out["gp_first_date"] = long_date(reactions["date"].min())
    out["gp_last_date"] = long_date(reactions["date"].max())
    early = reactions[reactions["actor"].isin(great_powers) & (reactions["date"] <= "2022-01-07")]
    out["gp_early"] = int(len(early))
    out["gp_n_russia"] = int(by_actor["Russia"])
    out["gp_russia_csto"] = int(
        ((reactions["actor"] == "Russia") & (reactions["stance"] == "support_csto_deployment")).sum()
    )
    out["gp_russia_neutral"] = int(((reactions["actor"] == "Russia") & (reactions["stance"] == "neutral")).sum())
    out["gp_n_china"] = int(by_actor["China"])
    out["gp_china_gov"] = int(((reactions["actor"] == "China") & (reactions["stance"] == "support_government")).sum())
    out["gp_n_us"] = int(by_actor["United States"])
    out["gp_us_doubt"] = int(
        ((reactions["actor"] == "United States") & reactions["stance"].isin(["concern", "criticism"])).sum()
    )
    out["gp_n_eu"] = int(by_actor["European Union"])

    indicators = load("indicators")
    out["uranium_prod_2021"] = int(
        indicator_value("uranium_share_world_production_percent", source_id="kunuz_20220707_uranium")
    )
    out["uranium_prod_2022"] = int(
        indicator_value("uranium_share_world_production_percent", source_id="nedrakz_uranium_2022")
    )
    out["uranium_prod_2022_at"] = int(
        indicator_value("uranium_share_world_production_percent", source_id="astanatimes_20230831_uranium")
    )
    out["uranium_export_value_2021"] = int(
        indicator_value("uranium_share_world_exports_percent", source_id="jjtv_uranium_exports")
    )
    out["uranium_raia"] = int(indicator_value("uranium_share_world_exports_percent", source_id="raia2022"))
    out["oil_2021"] = indicator_value("oil_production_million_tonnes", source_id="kursiv_20211228_oil_production")
    out["oil_2022"] = indicator_value("oil_production_million_tonnes", source_id="astanatimes_20230111_oil")
    border = indicators[indicators["indicator"] == "border_with_russia_km"]
    out["border_precise"] = indicator_value("border_with_russia_km", source_id="mfakg_country_info")
    out["border_seed"] = int(indicator_value("border_with_russia_km", source_id="italian2022"))
    out["border_high"] = int(border["value"].max())
    out["n_border"] = int(len(border))

    claims = load("claims")
    out["ohchr_detained"] = int(claims.loc[claims["claim_id"] == "detained-06", "value"].iloc[0])
    out["kyrgyz_troops"] = int(claims.loc[claims["claim_id"] == "csto-personnel-12", "value"].iloc[0])
    return out


@_chapter("reading-sources")
def reading_sources_numbers() -> dict:
    """The numbers the chapter *reading-sources* quotes."""
    out: dict = {}
    # Numbers quoted in the prose, computed from the tables.
    sources = load("sources")
    articles = sources.head(5)
    five = list(articles["source_id"])
    out["rs_no_author"] = int(articles["author"].isna().sum())
    out["rs_month_only"] = int((articles["published"].str.len() == 7).sum())
    excerpts_table = load("excerpts")
    out["rs_n_excerpts"] = int(excerpts_table["source_id"].isin(five).sum())

    claims = load("claims")

    out["rs_seed_claims"] = int(claims["source_id"].isin(five).sum())
    out["troops_raia"] = int(claim_value("csto-personnel-01"))
    out["troops_italian"] = int(claim_value("csto-personnel-02"))
    out["troops_zas"] = int(claim_value("csto-personnel-03"))
    out["troops_official"] = int(claim_value("csto-personnel-05"))
    out["troops_standing"] = int(claim_value("csto-personnel-04"))
    deployment = load("deployment")
    out["troops_nv"] = int(deployment.loc[deployment["source_id"] == "nv_20220107_serdyukov", "personnel"].iloc[0])
    out["n_troop_claims"] = int((claims["quantity"] == "csto_personnel").sum())

    deaths = claims[claims["quantity"] == "deaths"]
    out["deaths_seed"] = int(claim_value("deaths-01"))
    out["n_164"] = int((deaths["value"] == claim_value("deaths-01")).sum())
    out["n_final"] = int((deaths["value"] == claim_value("deaths-15")).sum())
    out["deaths_15jan"] = int(claim_value("deaths-07"))
    out["deaths_march"] = int(claim_value("deaths-11"))
    out["deaths_list"] = int(claim_value("deaths-15"))
    out["detained_seed"] = int(claim_value("detained-01"))

    out["founded_treaty"] = int(claim_value("csto-founded-03"))
    out["founded_protocol"] = int(claim_value("csto-founded-04"))
    out["founded_charter"] = int(claim_value("csto-founded-05"))

    out["raia_rise"] = int(claim_value("fuel-rise-01"))
    out["lpg_before"] = int(claim_value("lpg-price-03"))
    out["lpg_after"] = int(claim_value("lpg-price-04"))
    out["lpg_rise"] = int(
        round((claim_value("lpg-price-04") - claim_value("lpg-price-03")) / claim_value("lpg-price-03") * 100)
    )
    out["n_doubling"] = int(((claims["quantity"] == "fuel_price_rise_percent") & (claims["value"] == 100)).sum())

    indicators = load("indicators")
    rsf = indicators[
        (indicators["indicator"] == "rsf_press_freedom_rank")
        & (indicators["source_id"] == "adilsoz_20210420_rsf_155")
        & (indicators["year"] == 2021)
    ]
    out["rsf_2021"] = int(rsf["value"].iloc[0])
    return out


@_chapter("after")
def after_numbers() -> dict:
    """The numbers the chapter *after* quotes."""
    out: dict = {}
    # Figures quoted in the prose, computed from the tables rather than typed.
    claims = load("claims")
    out["deaths_jan8_protesters"] = claim_value("deaths-05")
    out["deaths_jan8_security"] = claim_value("deaths-06")
    out["n_claims_164"] = int(((claims["quantity"] == "deaths") & (claims["value"] == 164)).sum())
    out["deaths_jan15"] = claim_value("deaths-07")
    out["deaths_march"] = claim_value("deaths-11")
    out["deaths_may"] = claim_value("deaths-12")
    out["deaths_august"] = claim_value("deaths-15")
    out["detained_jan7"] = claim_value("detained-02")
    out["detained_jan11"] = claim_value("detained-06")
    out["detained_march"] = claim_value("detained-09")

    out["referendum_yes"] = claim_value("referendum-yes-01")
    out["referendum_turnout"] = claim_value("referendum-turnout-01")
    out["election_share"] = claim_value("election-share-01")
    election = timeline_event(date="2022-11-20", containing="election")
    out["against_all"] = re.search(r"([\d.]+)% choose", election).group(1)
    masimov = timeline_event(date="2023-04-24", containing="Masimov")
    out["masimov_years"] = int(re.search(r"(\d+) years", masimov).group(1))

    departures = load("deployment").dropna(subset=["departure_date"])
    last_out = departures.groupby("country")["departure_date"].max()
    out["n_left_jan14"] = int((last_out == "2022-01-14").sum())
    out["n_contingents"] = int((last_out.index != "Total").sum())
    return out
