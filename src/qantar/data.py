"""Load the module's tables from ``data/`` through their schema in ``datapackage.json``.

Every table is checked against its Frictionless-style schema before it is handed
out: column names, types, required fields, enumerations, patterns, unique keys
and foreign keys.  Any problem raises :class:`DataError`, whose message names the
file, the row and the field, so that a broken data file fails the book build
loudly instead of showing wrong numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

PACKAGE_FILE = "datapackage.json"
FIELD_TYPES = ("string", "integer", "number", "date", "boolean", "year")
# Pandas dtypes for each schema type: nullable extension types, so that an
# optional empty cell is <NA> rather than a silent float NaN or the text "nan".
PANDAS_DTYPES = {
    "string": "string",
    "integer": "Int64",
    "year": "Int64",
    "number": "Float64",
    "boolean": "boolean",
}


class LocatedError(ValueError):
    """An error in a file of the module, located as precisely as possible: "file, <place>, field 'x': message"."""

    def __init__(self, file: str | Path, message: str, *, place: str | None = None, field: str | None = None) -> None:
        self.file, self.field, self.reason = str(file), field, message
        where = [self.file] + ([place] if place else []) + ([f"field '{field}'"] if field else [])
        super().__init__(", ".join(where) + ": " + message)


class DataError(LocatedError):
    """A data file does not match its schema; the message says where and how to fix it."""

    def __init__(
        self,
        file: str | Path,
        message: str,
        *,
        row: int | None = None,
        line: int | None = None,
        field: str | None = None,
        place: str | None = None,
    ) -> None:
        self.row, self.line = row, line
        if place is None and row is not None:
            place = f"row {row}" + (f" (line {line})" if line is not None else "")
        super().__init__(file, message, place=place, field=field)


@dataclass(frozen=True)
class Field:
    """One column of a table, as the schema describes it: ``title`` is the column's header for readers
    (every table the module draws, the Data page), ``name`` the CSV's and the code's name for it."""

    name: str
    type: str
    description: str
    title: str = ""
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: Any = None
    maximum: Any = None
    separator: str | None = None  # a list of values in one cell, e.g. "a; b" (checked item by item)


@dataclass(frozen=True)
class ForeignKey:
    fields: str
    resource: str
    reference_field: str


@dataclass(frozen=True)
class TableSchema:
    """A table of the data package: where it lives and what each column holds."""

    name: str
    path: Path
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def repository_root() -> Path:
    """The folder that holds ``_config.yml`` when the package runs from a checkout."""
    return Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """Where the tables are: ``$QANTAR_DATA_DIR``; else, during a book build, the ``data/`` of the
    book being built; else the nearest ``data/`` at or above the current folder (a chapter run from
    ``chapters/`` finds the book's tables); else the checkout's ``data/``."""
    from qantar import settings

    configured = settings.data_dir_setting()
    if configured is not None:
        if not (configured / PACKAGE_FILE).is_file():
            raise DataError(configured / PACKAGE_FILE, "QANTAR_DATA_DIR points to a folder without a datapackage.json")
        return configured
    cwd = Path.cwd().resolve()
    book = settings.book_root()
    candidates = [book / "data"] if book is not None else []
    candidates += [folder / "data" for folder in (cwd, *cwd.parents)]
    candidates.append(repository_root() / "data")
    for candidate in candidates:
        if (candidate / PACKAGE_FILE).is_file():
            return candidate
    raise DataError(
        PACKAGE_FILE,
        "no data/datapackage.json found next to the package or above the current "
        "folder; set QANTAR_DATA_DIR to the folder that holds it",
    )


def _relative(path: Path) -> str:
    """A path as a reader would look for it: relative to the cwd when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_package(folder: Path | None = None) -> dict[str, TableSchema]:
    """Read and check ``datapackage.json``: every resource and field well formed and described."""
    folder = Path(folder) if folder is not None else data_dir()
    package_path = folder / PACKAGE_FILE
    stat = package_path.stat()
    return _read_package_cached(str(package_path.resolve()), stat.st_mtime_ns, stat.st_size)


def separator(table: str, field: str, folder: Path | None = None) -> str:
    """What separates the items of a list cell (e.g. the timeline's ``actors``), as the schema declares it."""
    column = next((f for f in read_package(folder)[table].fields if f.name == field), None)
    if column is None or not column.separator:
        raise DataError(PACKAGE_FILE, f"the field '{field}' of '{table}' is not a list", field=field)
    return column.separator


@lru_cache(maxsize=8)
def _read_package_cached(package_path: str, _mtime: int, _size: int) -> dict[str, TableSchema]:
    path = Path(package_path)
    shown = _relative(path)
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DataError(shown, f"is not valid JSON: {error}") from None
    resources = package.get("resources")
    if not isinstance(resources, list) or not resources:
        raise DataError(shown, "has no 'resources' list")
    for key in ("licenses", "sources"):
        if not package.get(key):
            raise DataError(shown, f"the package needs a non-empty '{key}' list")
    tables: dict[str, TableSchema] = {}
    for index, resource in enumerate(resources):
        name = resource.get("name") or f"#{index}"
        where = f"{shown} (resource '{name}')"
        for key in ("name", "path", "title", "description", "schema"):
            if not resource.get(key):
                raise DataError(where, f"missing '{key}'")
        if name in tables:
            raise DataError(where, "a resource of that name is listed twice")
        fields = tuple(_parse_field(where, spec) for spec in resource["schema"].get("fields", []))
        if not fields:
            raise DataError(where, "the schema lists no fields")
        names = [f.name for f in fields]
        duplicated = {n for n in names if names.count(n) > 1}
        if duplicated:
            raise DataError(where, f"fields listed twice: {sorted(duplicated)}")
        seen: dict[str, str] = {}
        for column in fields:
            other = seen.setdefault(column.title.casefold(), column.name)
            if other != column.name:
                raise DataError(
                    where,
                    f"the title '{column.title}' is also the title of field '{other}'; "
                    "give each field of a table its own title (it is the column's header)",
                    field=column.name,
                )
        primary_key = resource["schema"].get("primaryKey", [])
        primary_key = (primary_key,) if isinstance(primary_key, str) else tuple(primary_key)
        for key in primary_key:
            if key not in names:
                raise DataError(where, f"primaryKey '{key}' is not a field")
        foreign_keys = []
        for spec in resource["schema"].get("foreignKeys", []):
            reference = spec.get("reference", {})
            foreign_key = ForeignKey(spec.get("fields"), reference.get("resource"), reference.get("fields"))
            if foreign_key.fields not in names or not foreign_key.resource or not foreign_key.reference_field:
                raise DataError(where, f"malformed foreign key {spec!r}")
            foreign_keys.append(foreign_key)
        tables[name] = TableSchema(
            name=name,
            path=path.parent / resource["path"],
            title=resource["title"],
            description=resource["description"],
            fields=fields,
            primary_key=primary_key,
            foreign_keys=tuple(foreign_keys),
        )
    for table in tables.values():
        for foreign_key in table.foreign_keys:
            target = tables.get(foreign_key.resource)
            if target is None or foreign_key.reference_field not in target.field_names:
                raise DataError(
                    f"{shown} (resource '{table.name}')",
                    f"foreign key points to unknown {foreign_key.resource}.{foreign_key.reference_field}",
                )
    return tables


def _parse_field(where: str, spec: dict) -> Field:
    name = spec.get("name")
    if not name:
        raise DataError(where, f"a field has no name: {spec!r}")
    kind = spec.get("type", "string")
    if kind not in FIELD_TYPES:
        raise DataError(where, f"type '{kind}' is not one of {', '.join(FIELD_TYPES)}", field=name)
    if not str(spec.get("description", "")).strip():
        raise DataError(where, "every field needs a description", field=name)
    title = spec.get("title")
    if not isinstance(title, str) or not title.strip():
        raise DataError(
            where, "every field needs a title (its column header for readers, e.g. \"As of (date)\")", field=name
        )
    if title != title.strip() or "\n" in title:
        raise DataError(where, f"the title {title!r} has spaces around it or a line break", field=name)
    constraints = spec.get("constraints", {})
    enum = constraints.get("enum")
    return Field(
        name=name,
        type=kind,
        description=spec["description"],
        title=title,
        required=bool(constraints.get("required", False)),
        unique=bool(constraints.get("unique", False)),
        enum=tuple(enum) if enum else None,
        pattern=constraints.get("pattern"),
        minimum=constraints.get("minimum"),
        maximum=constraints.get("maximum"),
        separator=spec.get("separator"),
    )


def _convert(value: str, column: Field) -> Any:
    """Turn one CSV cell into its typed value, or raise ValueError saying what was expected."""
    if column.type == "string":
        return value
    if column.type in ("integer", "year"):
        if not re.fullmatch(r"-?\d+", value):
            raise ValueError(f"'{value}' is not a whole number (write digits only, no separators)")
        return int(value)
    if column.type == "number":
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a number (use a dot for decimals, no separators)") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"'{value}' is not a finite number")
        return number
    if column.type == "date":
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not an ISO date (YYYY-MM-DD)") from None
    if column.type == "boolean":
        if value not in ("true", "false"):
            raise ValueError(f"'{value}' is not a boolean (write true or false)")
        return value == "true"
    raise AssertionError(column.type)


def _check_constraints(value: Any, raw: str, column: Field) -> None:
    if column.separator and any(not item.strip() or item != item.strip() for item in raw.split(column.separator)):
        raise ValueError(f"'{raw}' has an empty or badly spaced item; separate items with '{column.separator}'")
    if column.enum is not None and raw not in column.enum:
        raise ValueError(f"'{raw}' is not one of the allowed values: {', '.join(column.enum)}")
    if column.pattern is not None and not re.fullmatch(column.pattern, raw):
        raise ValueError(f"'{raw}' does not match the pattern {column.pattern}")
    for bound, compare, word in (
        (column.minimum, lambda a, b: a < b, "below the minimum"),
        (column.maximum, lambda a, b: a > b, "above the maximum"),
    ):
        if bound is None:
            continue
        limit = dt.date.fromisoformat(bound) if column.type == "date" else bound
        if compare(value, limit):
            raise ValueError(f"'{raw}' is {word} {bound}")


def read_rows(table: TableSchema) -> list[dict[str, Any]]:
    """Read a table's CSV and check every row against the schema; foreign keys are checked by :func:`load`."""
    shown = _relative(table.path)
    if not table.path.is_file():
        raise DataError(shown, f"the file of table '{table.name}' is missing")
    try:
        text = table.path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise DataError(shown, f"is not UTF-8 text (byte {error.start}); save it as UTF-8") from None
    text = text.removeprefix("\ufeff")
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise DataError(shown, "is empty; the first line must name the columns") from None
    except csv.Error as error:
        raise DataError(shown, f"the header line is not valid CSV: {error}", line=1) from None
    expected = table.field_names
    missing = [name for name in expected if name not in header]
    if missing:
        raise DataError(
            shown,
            f"missing column(s): add them to the header line (expected {', '.join(expected)})",
            line=1,
            field=missing[0],
        )
    unknown = [name for name in header if name not in expected]
    if unknown:
        raise DataError(
            shown, "column not described in datapackage.json: describe it there or remove it", line=1, field=unknown[0]
        )
    if header != expected:
        raise DataError(shown, f"columns are out of order: expected {', '.join(expected)}", line=1)

    fields = table.fields
    rows: list[dict[str, Any]] = []
    seen: dict[str, dict[Any, int]] = {f.name: {} for f in fields if f.unique}
    seen_keys: dict[tuple, int] = {}
    row_number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise DataError(shown, f"not valid CSV: {error}", row=row_number + 1, line=reader.line_num) from None
        row_number += 1
        line = reader.line_num
        if not cells:
            raise DataError(shown, "blank line inside the table; delete it", row=row_number, line=line)
        if len(cells) != len(fields):
            raise DataError(
                shown,
                f"has {len(cells)} cells but the header has {len(fields)} "
                "(a comma inside a value must be inside double quotes)",
                row=row_number,
                line=line,
            )
        record: dict[str, Any] = {}
        for column, raw in zip(fields, cells):
            if raw != raw.strip():
                raise DataError(
                    shown,
                    "value has spaces at its start or end; remove them",
                    row=row_number,
                    line=line,
                    field=column.name,
                )
            if raw == "":
                if column.required:
                    raise DataError(shown, "is required but empty", row=row_number, line=line, field=column.name)
                record[column.name] = None
                continue
            try:
                value = _convert(raw, column)
                _check_constraints(value, raw, column)
            except ValueError as error:
                raise DataError(shown, str(error), row=row_number, line=line, field=column.name) from None
            if column.unique:
                if value in seen[column.name]:
                    raise DataError(
                        shown,
                        f"'{raw}' repeats row {seen[column.name][value]}; values must be unique",
                        row=row_number,
                        line=line,
                        field=column.name,
                    )
                seen[column.name][value] = row_number
            record[column.name] = value
        if table.primary_key:
            key = tuple(record[name] for name in table.primary_key)
            if key in seen_keys:
                raise DataError(
                    shown,
                    f"key {key} repeats row {seen_keys[key]}",
                    row=row_number,
                    line=line,
                    field=table.primary_key[0],
                )
            seen_keys[key] = row_number
        record["__line__"] = line
        rows.append(record)
    return rows


def _check_foreign_keys(table: TableSchema, rows: list[dict[str, Any]], tables: dict[str, TableSchema]) -> None:
    columns = {column.name: column for column in table.fields}
    for foreign_key in table.foreign_keys:
        target = tables[foreign_key.resource]
        allowed = {row[foreign_key.reference_field] for row in _rows_cached(target)}
        separator = columns[foreign_key.fields].separator
        for number, row in enumerate(rows, start=1):
            cell = row[foreign_key.fields]
            if cell is None:
                continue
            for value in cell.split(separator) if separator else [cell]:
                if value not in allowed:
                    raise DataError(
                        _relative(table.path),
                        f"'{value}' is not a {foreign_key.reference_field} in {_relative(target.path)}; "
                        f"add that row there or fix the id",
                        row=number,
                        line=row["__line__"],
                        field=foreign_key.fields,
                    )


def _rows_cached(table: TableSchema) -> list[dict[str, Any]]:
    stat = table.path.stat() if table.path.is_file() else None
    return _rows_by_version(table, stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)


@lru_cache(maxsize=64)
def _rows_by_version(table: TableSchema, _mtime: int, _size: int) -> list[dict[str, Any]]:
    return read_rows(table)


def load_rows(name: str, folder: Path | str | None = None) -> list[dict[str, Any]]:
    """The checked rows of table ``name`` as plain dicts (typed values; ``None`` for an empty cell)."""
    tables = read_package(Path(folder) if folder is not None else None)
    if name not in tables:
        raise DataError(PACKAGE_FILE, f"no table named '{name}'; the tables are: {', '.join(sorted(tables))}")
    table = tables[name]
    rows = _rows_cached(table)
    _check_foreign_keys(table, rows, tables)
    return [{k: v for k, v in row.items() if k != "__line__"} for row in rows]


def load_rows_located(name: str, folder: Path | str | None = None) -> list[dict[str, Any]]:
    """Like :func:`load_rows`, but each row keeps ``__line__``, the CSV line it starts on, for messages."""
    load_rows(name, folder)  # the schema and the foreign keys, checked
    return list(_rows_cached(read_package(Path(folder) if folder is not None else None)[name]))


def load(name: str, folder: Path | str | None = None) -> pd.DataFrame:
    """Load table ``name`` from ``data/`` as a typed DataFrame, after checking it against its schema.

    >>> sources = load("sources")   # doctest: +SKIP
    """
    tables = read_package(Path(folder) if folder is not None else None)
    rows = load_rows(name, folder)
    table = tables[name]
    columns = {}
    for column in table.fields:
        values = [row[column.name] for row in rows]
        if column.type == "date":
            columns[column.name] = pd.to_datetime(pd.Series(values, dtype="object"), format="%Y-%m-%d")
        else:
            columns[column.name] = pd.array(values, dtype=PANDAS_DTYPES[column.type])
    frame = pd.DataFrame(columns, columns=table.field_names)
    frame.attrs["table"] = name
    frame.attrs["title"] = table.title
    return frame


def table_names(folder: Path | str | None = None) -> list[str]:
    """The names of every table in the data package, in the order it lists them."""
    return list(read_package(Path(folder) if folder is not None else None))


def validate_all(folder: Path | str | None = None) -> dict[str, int]:
    """Load every table (schema and foreign keys) and every map geometry in ``geo/``; return the row
    count of each table or raise DataError."""
    counts = {name: len(load_rows(name, folder)) for name in table_names(folder)}
    for name in geometry_names(folder):
        load_geometry(name, folder)
    return counts


# Map geometries: GeoJSON files in data/geo/, checked before they are handed out.
GEOMETRY_FOLDER = "geo"
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
GEOMETRY_PROPERTIES = ("name", "kind")  # non-empty text in every feature


def geometry_names(folder: Path | str | None = None) -> list[str]:
    """The names of the map geometries in ``data/geo/`` (``kazakhstan`` for ``geo/kazakhstan.geojson``)."""
    folder = Path(folder) if folder is not None else data_dir()
    return sorted(path.stem for path in (folder / GEOMETRY_FOLDER).glob("*.geojson"))


def load_geometry(name: str = "kazakhstan", folder: Path | str | None = None) -> dict[str, Any]:
    """The GeoJSON FeatureCollection ``data/geo/<name>.geojson`` as a dict, after checking it.

    Every feature must have a Polygon or MultiPolygon geometry whose rings are closed lists of
    numeric [longitude, latitude] pairs in range, with exterior rings clockwise and holes
    anticlockwise as d3-geo and Vega-Lite expect, and the properties ``name`` and ``kind``.
    Any problem raises :class:`DataError` naming the file, the feature and the field.

    >>> kazakhstan = load_geometry()   # doctest: +SKIP
    >>> alt.Data(values=kazakhstan["features"])   # doctest: +SKIP
    """
    folder = Path(folder) if folder is not None else data_dir()
    path = folder / GEOMETRY_FOLDER / f"{name}.geojson"
    shown = _relative(path)
    if not path.is_file():
        known = ", ".join(geometry_names(folder)) or "none"
        raise DataError(shown, f"the geometry '{name}' is missing (the geometries are: {known})")
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise DataError(shown, f"is not UTF-8 text (byte {error.start}); save it as UTF-8") from None
    except json.JSONDecodeError as error:
        raise DataError(shown, f"is not valid JSON: {error}") from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        found = collection.get("type") if isinstance(collection, dict) else type(collection).__name__
        raise DataError(shown, f"must be a GeoJSON FeatureCollection, not {found!r}", field="type")
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise DataError(shown, "has no features: 'features' must be a non-empty list", field="features")
    for index, feature in enumerate(features):
        _check_feature(shown, index, feature)
    return collection


def _check_feature(shown: str, index: int, feature: Any) -> None:
    where = f"feature {index}"
    if isinstance(feature, dict) and feature.get("id") is not None:
        where += f" (id {feature['id']!r})"

    def fail(message: str, field: str | None = None) -> DataError:
        return DataError(shown, message, place=where, field=field)

    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise fail("is not a GeoJSON Feature (an object with \"type\": \"Feature\")", "type")
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise fail("is missing: every feature needs its properties", "properties")
    for key in GEOMETRY_PROPERTIES:
        value = properties.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail("is missing or empty; every feature needs it", f"properties.{key}")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        raise fail("is missing: every feature needs a Polygon or MultiPolygon", "geometry")
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        raise fail(f"{kind!r} is not one of {', '.join(GEOMETRY_TYPES)}", "geometry.type")
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise fail(
            f"a {kind} needs a non-empty list of {'rings' if kind == 'Polygon' else 'polygons'}", "geometry.coordinates"
        )
    for number, polygon in enumerate(polygons):
        label = "" if kind == "Polygon" else f"polygon {number}, "
        if not isinstance(polygon, list) or not polygon:
            raise fail(f"{label}a polygon needs a non-empty list of rings", "geometry.coordinates")
        for ring_number, ring in enumerate(polygon):
            _check_ring(ring, f"{label}ring {ring_number}", exterior=ring_number == 0, fail=fail)


def _check_ring(ring: Any, label: str, *, exterior: bool, fail) -> None:
    field = "geometry.coordinates"
    if not isinstance(ring, list) or len(ring) < 4:
        raise fail(f"{label}: a ring needs at least 4 [longitude, latitude] positions", field)
    for position_number, position in enumerate(ring):
        if (
            not isinstance(position, list)
            or len(position) not in (2, 3)
            or not all(
                isinstance(value, (int, float))
                and not isinstance(value, bool)
                and value == value
                and abs(value) != float("inf")
                for value in position
            )
        ):
            raise fail(
                f"{label}, position {position_number}: {position!r} is not a pair of numbers [longitude, latitude]",
                field,
            )
        longitude, latitude = position[0], position[1]
        if not -180 <= longitude <= 180 or not -90 <= latitude <= 90:
            raise fail(
                f"{label}, position {position_number}: {position!r} is out of range (longitude from "
                "-180 to 180, latitude from -90 to 90; longitude comes first)",
                field,
            )
    if ring[0][:2] != ring[-1][:2]:
        raise fail(f"{label}: the ring is not closed (its last position must repeat the first)", field)
    # Shoelace area in degrees: positive when the ring runs anticlockwise on a longitude/latitude plot.
    area = sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:])) / 2
    if exterior and area > 0:
        raise fail(
            f"{label}: the exterior ring runs anticlockwise; d3-geo and Vega would fill the rest of "
            "the globe instead: reverse it (exterior rings clockwise, holes anticlockwise)",
            field,
        )
    if not exterior and area < 0:
        raise fail(f"{label}: the hole runs clockwise; d3-geo and Vega expect holes anticlockwise: reverse it", field)
