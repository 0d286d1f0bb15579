"""The clean HTML tables of qantar.display: headers, index, missing values, whole text, dates, escaping."""

from __future__ import annotations

import json
import shutil
import types

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from IPython.core.formatters import DisplayFormatter
from nbclient import NotebookClient

from qantar.data import load, read_package
from qantar.display import clean_table, humanise, install, table_html, uninstall
from qantar.views import show
from qantar.views import table_html as views_table_html

from conftest import REPO

MISSING_TEXTS = ("<NA>", "NaN", "NaT", "None", "nan")


def parse(markup: str):
    """(the scroll box, header texts of the last header row, body rows as lists of cell texts)."""
    soup = BeautifulSoup(markup, "html.parser")
    box = soup.select_one("div.qantar-table-scroll")
    table = box.select_one("table")
    headers = [cell.get_text() for cell in table.select("thead tr")[-1].find_all(["th", "td"])]
    rows = [[cell.get_text() for cell in row.find_all(["th", "td"])] for row in table.select("tbody tr")]
    return box, headers, rows


def test_headers_are_the_schemas_titles_and_other_names_start_with_a_capital():
    claims = load("claims")
    frame = claims[["as_of", "claimant", "source_id"]].assign(sources=1)
    _, headers, _ = parse(table_html(frame))
    titles = {field.name: field.title for field in read_package()["claims"].fields}
    assert headers == [titles["as_of"], titles["claimant"], titles["source_id"], "Sources"]
    assert headers == ["As of (date)", "Claimant", "Source", "Sources"]
    # the fallback for a name that is no field of any table (a derived column), and for a name that
    # tables title differently when the frame's own table is unknown
    assert humanise("role_january_2022") == "Role January 2022"
    assert humanise("other_source_ids") == "Other source IDs"
    # a table of the reader's own: its names are not the schema's fields; only their first letter changes
    _, headers, _ = parse(table_html(pd.DataFrame({"my column": [1], "count": [2], "iPhone": [3]})))
    assert headers == ["My column", "Count", "IPhone"]


def test_a_title_changed_in_the_schema_is_the_new_header(tmp_path, monkeypatch):
    """The header is read from datapackage.json, not written into the renderer."""
    folder = tmp_path / "data"
    shutil.copytree(REPO / "data", folder)
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    claims = next(r for r in package["resources"] if r["name"] == "claims")
    next(f for f in claims["schema"]["fields"] if f["name"] == "claimant")["title"] = "Who says so"
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    monkeypatch.setenv("QANTAR_DATA_DIR", str(folder))
    _, headers, _ = parse(table_html(load("claims")[["claim_id", "claimant"]].head(1)))
    assert headers == ["Claim ID", "Who says so"]


def test_a_frames_own_table_decides_between_titles_that_differ():
    """``kind`` is "Kind of place" in places and "Kind of source" in sources; a frame of neither
    (a derived one) gets the name in words."""
    assert parse(table_html(load("places")[["place", "kind"]].head(1)))[1] == ["Place", "Kind of place"]
    assert parse(table_html(load("sources")[["source_id", "kind"]].head(1)))[1] == ["Source", "Kind of source"]
    derived = pd.DataFrame({"kind": ["x"], "source_id": ["y"], "event": ["z"]})
    assert parse(table_html(derived))[1] == ["Kind", "Source", "Event"]  # source_id: most tables say "Source"


def test_the_header_keeps_the_column_name_for_code():
    box, _, _ = parse(table_html(load("claims")[["as_of"]].head(1)))
    assert box.select_one("thead th")["data-column"] == "as_of"


def test_row_numbers_are_dropped_even_after_filtering():
    timeline = load("timeline")
    filtered = timeline[timeline["category"] == "csto"][["date", "event"]].head(3)
    assert list(filtered.index) != [0, 1, 2]  # filtered: the numbers have gaps
    box, headers, rows = parse(table_html(filtered))
    assert headers == ["Date", "Event"]
    assert not box.select("tbody th")  # no row headers at all
    assert [row[1] for row in rows] == list(filtered["event"])


def test_a_meaningful_index_is_the_first_column_with_row_headers():
    members = load("csto_members")
    counts = members["status_2022"].value_counts()
    box, headers, rows = parse(table_html(counts))
    assert headers == ["Status, January 2022", "Count"]
    assert rows == [[str(status), str(count)] for status, count in counts.items()]
    assert all(cell["scope"] == "row" for cell in box.select("tbody th"))
    # a named index of integers (a year) is a real column, not row numbers
    frame = pd.DataFrame({"events": [3, 4]}, index=pd.Index([2021, 2022], name="year"))
    _, headers, rows = parse(table_html(frame))
    assert headers == ["Year", "Events"] and rows == [["2021", "3"], ["2022", "4"]]
    # an unnamed index that is not numbers (labels) is kept too, under an empty corner cell
    _, headers, rows = parse(table_html(pd.DataFrame({"n": [1, 2]}, index=["a", "b"])))
    assert headers == ["", "N"] and rows == [["a", "1"], ["b", "2"]]


def test_a_multiindex_is_several_columns():
    precedents = load("precedents")
    sources = precedents.groupby(["occasion_id", "legal_basis_invoked"]).size().to_frame("sources")
    box, headers, rows = parse(table_html(sources))
    assert headers == ["Occasion", "Legal basis invoked", "Sources"]
    assert len(rows) == len(sources) and all(len(row) == 3 for row in rows)
    first = sources.index[0]
    assert rows[0] == [first[0], first[1], str(sources["sources"].iloc[0])]
    assert len(box.select("tbody tr")[0].find_all("th")) == 2


def test_columns_with_a_name_get_a_spanning_header():
    frame = pd.DataFrame({"category": ["a", "a", "b"], "day": [2, 3, 3]})
    table = frame.groupby(["category", "day"]).size().unstack(fill_value=0)
    box, headers, rows = parse(table_html(table))
    assert headers == ["Category", "2", "3"]
    group = box.select_one("th.qantar-table__group")
    assert group.get_text() == "Day" and group["colspan"] == "2" and group["scope"] == "colgroup"
    assert rows == [["a", "1", "1"], ["b", "0", "1"]]
    assert box["aria-label"] == "Table: Category by Day"


def test_missing_values_are_empty_cells():
    frame = pd.DataFrame(
        {
            "text": pd.array(["x", None], dtype="string"),
            "whole": pd.array([1, None], dtype="Int64"),
            "real": [1.5, float("nan")],
            "when": pd.to_datetime(["2022-01-06", None]),
            "anything": ["y", None],
        }
    )
    _, _, rows = parse(table_html(frame))
    assert rows == [["x", "1", "1.5", "2022-01-06", "y"], ["", "", "", "", ""]]
    markup = table_html(frame)
    for text in MISSING_TEXTS:
        assert text not in markup and text.replace("<", "&lt;").replace(">", "&gt;") not in markup


def test_long_text_is_never_cut_and_long_tables_are_whole():
    long = "word " * 99 + "ends."
    assert len(long) == 500
    frame = pd.DataFrame({"text": [long] * 80, "n": range(80)})
    markup = table_html(frame)
    box, _, rows = parse(markup)
    assert len(rows) == 80  # pandas would show 60 rows at most, with a "..." row
    assert rows[0][0] == long
    assert "..." not in markup and "…" not in markup
    assert "qantar-table__prose" in box.select_one("tbody td")["class"]
    # and the plain-text form of pandas is left as pandas makes it
    assert pd.get_option("display.max_rows") == 60


def test_a_very_long_table_says_how_many_rows_it_leaves_out():
    frame = pd.DataFrame({"n": range(1005)})
    markup = table_html(frame)
    assert len(parse(markup)[2]) == 1000
    assert "The first 1,000 of 1,005 rows" in markup
    assert "The first" not in table_html(frame, max_rows=5)  # rows left out on purpose are not news


def test_dates_are_iso_without_time_in_cells_that_do_not_wrap():
    frame = pd.DataFrame(
        {
            "day": pd.to_datetime(["2022-01-06", "2022-01-07"]),
            "moment": pd.to_datetime(["2022-01-06 14:30", "2022-01-06 00:00"]),
            "partial": ["2010-06", "2022-01-06"],
            "year": pd.array([1992, 2002], dtype="Int64"),
        }
    )
    box, _, rows = parse(table_html(frame))
    assert rows == [
        ["2022-01-06", "2022-01-06 14:30", "2010-06", "1992"],
        ["2022-01-07", "2022-01-06", "2022-01-06", "2002"],
    ]
    first = box.select("tbody tr")[0].find_all("td")
    assert [cell["class"] for cell in first] == [["qantar-table__date"]] * 3 + [["qantar-table__number"]]
    css = (REPO / "src" / "qantar" / "static" / "qantar.css").read_text(encoding="utf-8")
    rule = css[css.index("table.qantar-table .qantar-table__date {") :]
    assert "white-space: nowrap" in rule[: rule.index("}")]


def test_numbers_are_shown_as_the_data_has_them_and_right_aligned():
    frame = pd.DataFrame({"value": pd.array([164.0, 77.18, None], dtype="Float64"), "n": [1, 2, 3]})
    box, _, rows = parse(table_html(frame))
    assert [row[0] for row in rows] == ["164", "77.18", ""]
    assert all(
        "qantar-table__number" in th["class"] for th in box.select("thead th")
    )  # headers of numbers are right-aligned too


def test_text_is_escaped():
    frame = pd.DataFrame(
        {"<b>name</b>": ["<script>alert(1)</script>", "a & b"]}, index=pd.Index(["<i>"], name="k").repeat(2)
    )
    markup = table_html(frame)
    soup = BeautifulSoup(markup, "html.parser")
    assert not soup.find_all(["script", "b", "i"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup and "a &amp; b" in markup
    assert parse(markup)[1] == ["K", "<b>name</b>"]


def test_the_box_scrolls_is_focusable_and_named():
    box, _, _ = parse(table_html(load("reactions")[["date", "actor", "summary"]].head(2)))
    assert box["tabindex"] == "0" and box["role"] == "region"
    assert box["aria-label"] == "Table: Date, Actor, Summary"
    table = box.select_one("table")
    assert set(table["class"]) >= {"dataframe", "qantar-table"}  # "dataframe": the theme's table colours
    box, _, _ = parse(table_html(load("reactions").head(1), caption="Reactions"))
    assert box["aria-label"] == "Table: Reactions" and box.select_one("caption").get_text() == "Reactions"
    assert "and 4 more columns" in parse(table_html(load("reactions").head(1)))[0]["aria-label"]


def test_show_and_the_views_table_are_the_same_renderer():
    frame = load("timeline").head(3)
    assert views_table_html(frame, ["date", "event"]) == table_html(frame, ["date", "event"])
    assert show(frame, ["date", "event"]).data == table_html(frame, ["date", "event"])
    assert table_html(frame, max_rows=2) == table_html(frame.head(2))


def test_clean_table_keeps_every_column_even_with_duplicate_names():
    frame = pd.DataFrame([[1, 2]], columns=["n", "n"])
    table = clean_table(frame)
    assert table.headers == ["N", "N"] and [c.text for c in table.rows[0][1]] == ["1", "2"]


def test_a_series_without_a_name_has_a_value_column():
    _, headers, rows = parse(table_html(pd.Series([3, 4])))
    assert headers == ["Value"] and rows == [["3"], ["4"]]


def test_the_ipython_formatter_gives_clean_html_and_leaves_plain_text_alone():
    shell = types.SimpleNamespace(display_formatter=DisplayFormatter())
    frame = load("timeline")[["date", "event"]].head(2)
    before, _ = shell.display_formatter.format(frame)
    assert install(shell) and install(shell)  # twice is harmless
    after, _ = shell.display_formatter.format(frame)
    assert after["text/html"] == table_html(frame) and "qantar-table-scroll" in after["text/html"]
    assert after["text/plain"] == before["text/plain"] == repr(frame)
    series, _ = shell.display_formatter.format(frame["date"])
    assert "qantar-table" in series["text/html"] and series["text/plain"] == repr(frame["date"])
    uninstall(shell)
    assert shell.display_formatter.format(frame)[0]["text/html"] == before["text/html"]
    assert install(None) is False  # no IPython running here: nothing to do


@pytest.fixture(scope="module")
def kernel_outputs():
    """A chapter's import, then a DataFrame and a Series as cell results, in a real kernel."""
    cells = [
        nbformat.v4.new_code_cell("from qantar.chapters import load\nmembers = load('csto_members')"),
        nbformat.v4.new_code_cell("members[['country', 'left_or_suspended']].head(3)"),
        nbformat.v4.new_code_cell("members['status_2022'].value_counts()"),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(REPO / "chapters")}}
    ).execute()
    return [[o["data"] for o in cell.outputs if o.get("output_type") == "execute_result"] for cell in notebook.cells]


def test_in_a_kernel_the_chapter_import_makes_every_table_clean(kernel_outputs):
    """What JupyterLab and the book receive: the clean table as text/html, pandas' text as text/plain."""
    _, frame_outputs, series_outputs = kernel_outputs
    frame, series = frame_outputs[0], series_outputs[0]
    box, headers, rows = parse(frame["text/html"])
    assert headers == ["Country", "Left or suspended"] and len(rows) == 3
    assert box["tabindex"] == "0"
    assert "<NA>" in frame["text/plain"]  # the plain text is pandas' own, unchanged
    assert parse(series["text/html"])[1] == ["Status, January 2022", "Count"]
    assert "Name: count" in series["text/plain"]
