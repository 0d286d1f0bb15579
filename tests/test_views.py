"""The single-value views the chapters quote: read from the tables, and never a silent pick."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from qantar.data import DataError
from qantar.views import claim_value, indicator_value, long_date, timeline_event

DATA = Path(__file__).resolve().parents[1] / "data"


def test_a_claim_value_is_the_ledger_cell_as_a_number():
    assert claim_value("election-share-01") == 81.31
    assert claim_value("csto-personnel-05") == 2030 and isinstance(claim_value("csto-personnel-05"), int)
    with pytest.raises(DataError, match="no claim with claim_id 'deaths-999'"):
        claim_value("deaths-999")


def test_sources_that_agree_give_one_figure_and_sources_that_disagree_an_error(tmp_path):
    assert indicator_value("rsf_press_freedom_rank", year=2021) == 155  # two sources, one figure
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    path = data / "indicators.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["indicator_id"] == "rsf-press-freedom-rank-03":
            row["value"] = "154"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(DataError, match="2 rows with 2 values .*name the source to choose one"):
        indicator_value("rsf_press_freedom_rank", year=2021, folder=data)
    assert indicator_value("rsf_press_freedom_rank", year=2021, source_id="bifolchi2022", folder=data) == 154


def test_a_timeline_event_is_the_one_row_that_matches():
    assert "Masimov" in timeline_event(date="2023-04-24", containing="Masimov")
    with pytest.raises(DataError, match="expected one"):
        timeline_event(date="2022-01-06")  # many events that day


def test_a_long_date_is_written_as_the_prose_writes_it():
    assert long_date("2022-01-06") == "6 January 2022"
