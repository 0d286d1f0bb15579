"""The data layer: every table loads through its schema; a broken table fails naming file, row and field."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import qantar
from qantar.data import DataError, load, read_package, table_names, validate_all

from conftest import REPO

DATA = REPO / "data"


def copy_data(tmp_path: Path) -> Path:
    destination = tmp_path / "data"
    shutil.copytree(DATA, destination)
    return destination


def rewrite(path: Path, change) -> None:
    """Apply ``change`` to the rows (header first) of a CSV file."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize("name", table_names(DATA))
def test_every_table_loads_typed_with_its_schema_columns(name):
    table = read_package(DATA)[name]
    frame = load(name, DATA)
    assert list(frame.columns) == table.field_names
    assert len(frame) > 0
    for column in table.fields:
        if column.type == "string":
            assert frame[column.name].dtype == "string", column.name
        if column.type == "date":
            assert pd.api.types.is_datetime64_any_dtype(frame[column.name]), column.name


def test_datapackage_describes_every_field_and_names_sources_and_licences():
    package = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] and package["sources"]
    for resource in package["resources"]:
        assert resource["description"].strip()
        for column in resource["schema"]["fields"]:
            assert column["description"].strip(), (resource["name"], column["name"])


def test_the_five_articles_are_the_first_five_sources():
    sources = load("sources", DATA)
    first_five = sources.head(5)
    assert list(first_five["archived_copy"].str[:3]) == ["000", "001", "002", "003", "004"]
    assert first_five["title"].notna().all()


def test_load_finds_the_data_from_a_chapter_folder(monkeypatch, tmp_path):
    copy = copy_data(tmp_path)
    (tmp_path / "chapters").mkdir()
    monkeypatch.delenv("QANTAR_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path / "chapters")
    assert qantar.data_dir() == copy.resolve()


def test_validate_all_counts_rows(tmp_path):
    counts = validate_all(DATA)
    assert counts["sources"] == len(load("sources", DATA))
    assert set(counts) == set(table_names(DATA))


# Each broken copy: (table, how to break it, what the message must say).
def set_cell(row_index: int, column: str, value: str):
    def change(rows):
        rows[row_index][rows[0].index(column)] = value

    return change


def drop_column(column: str):
    def change(rows):
        index = rows[0].index(column)
        for row in rows:
            del row[index]

    return change


def duplicate_row(row_index: int):
    def change(rows):
        rows.append(list(rows[row_index]))

    return change


def shorten_row(row_index: int):
    def change(rows):
        rows[row_index] = rows[row_index][:-2]

    return change


BROKEN = {
    "wrong type (date)": (
        "sources",
        set_cell(2, "published", "January 2022"),
        "row 2 (line 3), field 'published': 'January 2022' does not match",
    ),
    "missing column": ("excerpts", drop_column("topic"), "field 'topic': missing column"),
    "empty required field": (
        "excerpts",
        set_cell(3, "quote", ""),
        "row 3 (line 4), field 'quote': is required but empty",
    ),
    "unknown source_id": (
        "excerpts",
        set_cell(1, "source_id", "nosuchsource"),
        "row 1 (line 2), field 'source_id': 'nosuchsource' is not a source_id",
    ),
    "value outside the vocabulary": (
        "sources",
        set_cell(4, "kind", "blog"),
        "row 4 (line 5), field 'kind': 'blog' is not one of the allowed values",
    ),
    "duplicate key": ("sources", duplicate_row(1), "field 'source_id': 'ndcf2022' repeats row 1"),
    "too few cells": ("excerpts", shorten_row(2), "row 2 (line 3): has 3 cells but the header has 5"),
    "stray spaces": ("sources", set_cell(1, "language", " en"), "row 1 (line 2), field 'language': value has spaces"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_copy_fails_naming_file_row_and_field(tmp_path, case):
    table, change, expected = BROKEN[case]
    folder = copy_data(tmp_path)
    rewrite(folder / f"{table}.csv", change)
    with pytest.raises(DataError) as raised:
        validate_all(folder)
    message = str(raised.value)
    assert f"{table}.csv" in message
    assert expected in message


def test_a_missing_description_in_the_schema_is_an_error(tmp_path):
    folder = copy_data(tmp_path)
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    package["resources"][0]["schema"]["fields"][1]["description"] = ""
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    with pytest.raises(
        DataError, match=r"datapackage.json \(resource 'sources'\), field 'title': every field needs a description"
    ):
        validate_all(folder)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (None, "field 'outlet': every field needs a title"),
        ("", "field 'outlet': every field needs a title"),
        ("   ", "field 'outlet': every field needs a title"),
        ("Author", "field 'outlet': the title 'Author' is also the title of field 'author'"),
        ("author", "field 'outlet': the title 'author' is also the title of field 'author'"),
    ],
)
def test_a_missing_empty_or_duplicate_field_title_is_an_error(tmp_path, title, expected):
    folder = copy_data(tmp_path)
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    field = next(f for f in package["resources"][0]["schema"]["fields"] if f["name"] == "outlet")
    if title is None:
        del field["title"]
    else:
        field["title"] = title
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    with pytest.raises(DataError) as raised:
        validate_all(folder)
    assert "datapackage.json (resource 'sources'), " + expected in str(raised.value)


def test_every_field_has_its_title_from_the_schema():
    """Field.title is what datapackage.json says, for every field of every table; titles are unique per table."""
    package = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    tables = read_package(DATA)
    for resource in package["resources"]:
        fields = {f.name: f for f in tables[resource["name"]].fields}
        for spec in resource["schema"]["fields"]:
            assert fields[spec["name"]].title == spec["title"], (resource["name"], spec["name"])
        titles = [f.title.casefold() for f in fields.values()]
        assert len(set(titles)) == len(titles), resource["name"]


def test_typed_fields_convert_and_reject_bad_values(tmp_path):
    """The types the later tables use (integer, number, date, boolean) convert, and refuse bad cells."""
    folder = tmp_path / "typed"
    folder.mkdir()
    fields = [
        {
            "name": "day",
            "title": "Day",
            "type": "date",
            "description": "d",
            "constraints": {"required": True, "minimum": "2022-01-01"},
        },
        {"name": "people", "title": "People", "type": "integer", "description": "p"},
        {"name": "share", "title": "Share", "type": "number", "description": "s", "constraints": {"maximum": 1}},
        {"name": "official", "title": "Official", "type": "boolean", "description": "o"},
    ]
    package = {
        "name": "t",
        "licenses": [{"name": "x"}],
        "sources": [{"title": "x"}],
        "resources": [
            {"name": "facts", "path": "facts.csv", "title": "Facts", "description": "d", "schema": {"fields": fields}}
        ],
    }
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    good = "day,people,share,official\n2022-01-05,164,0.4,true\n2022-01-06,,,false\n"
    (folder / "facts.csv").write_text(good, encoding="utf-8")
    frame = load("facts", folder)
    assert str(frame["people"].dtype) == "Int64" and frame["people"].iloc[0] == 164
    assert pd.isna(frame["people"].iloc[1])
    assert str(frame["share"].dtype) == "Float64"
    assert frame["day"].iloc[0] == pd.Timestamp("2022-01-05")
    assert bool(frame["official"].iloc[0]) is True

    for bad, expected in [
        ("2022-01-05,8.000,0.4,true", "field 'people': '8.000' is not a whole number"),
        ("05/01/2022,1,0.4,true", "field 'day': '05/01/2022' is not an ISO date"),
        ("2021-12-31,1,0.4,true", "field 'day': '2021-12-31' is below the minimum 2022-01-01"),
        ("2022-01-05,1,forty,true", "field 'share': 'forty' is not a number"),
        ("2022-01-05,1,1.5,true", "field 'share': '1.5' is above the maximum 1"),
        ("2022-01-05,1,0.4,yes", "field 'official': 'yes' is not a boolean"),
    ]:
        (folder / "facts.csv").write_text("day,people,share,official\n" + bad + "\n", encoding="utf-8")
        with pytest.raises(DataError) as raised:
            load("facts", folder)
        assert "facts.csv, row 1 (line 2), " + expected in str(raised.value)


def test_an_unknown_table_name_lists_the_tables():
    with pytest.raises(DataError, match="no table named 'timelime'; the tables are: .*sources"):
        load("timelime", DATA)
