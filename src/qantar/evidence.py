"""The evidence beside each fact: the passage of its cited source that supports a row.

Every fact table (a table whose schema has an ``evidence`` column) gives, in each row, the
short passage of the row's source that says what the row says. One cell may hold several
passages separated by `` | ``; a passage that comes from another of the row's sources than
the first starts with that source's id and a colon (``mfaby_csto: …``).

Passages from the five source articles (sources with an ``archived_copy``) are checked
against the archived texts as excerpts are: verbatim, whitespace folded, ``…`` marking a cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qantar.data import load_rows_located, read_package
from qantar.excerpts import find_unmatched_part
from qantar.sources import sources

PASSAGE_SEPARATOR = " | "
PREFIX = re.compile(r"(?P<source>[a-z0-9_]+): (?P<passage>.+)", re.DOTALL)
# A passage is short: "at most about 300 characters". Past this it is a copy, not evidence.
LONGEST_PASSAGE = 450
# Columns that cite a source besides ``source_id`` (a passage may come from any of them).
OTHER_SOURCE_COLUMNS = ("other_source_ids",)


@dataclass(frozen=True)
class Passage:
    source_id: str
    text: str


@dataclass(frozen=True)
class EvidenceProblem:
    file: str
    row: int
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row} (line {self.line}), field 'evidence': {self.message}"


def evidence_tables(folder: Path | str | None = None) -> list[str]:
    """The tables that state facts: those whose schema has an ``evidence`` column."""
    tables = read_package(Path(folder) if folder is not None else None)
    return [name for name, table in tables.items() if "evidence" in table.field_names]


def row_sources(table, row: dict) -> list[str]:
    """The source ids a row cites: its ``source_id`` (a list in some tables), then any other source columns."""
    cited: list[str] = []
    for column in table.fields:
        if column.name == "source_id" or column.name in OTHER_SOURCE_COLUMNS:
            cell = row.get(column.name)
            if cell:
                cited += cell.split(column.separator) if column.separator else [cell]
    return cited


def passages(cell: str, cited: list[str], known: set[str] | frozenset = frozenset()) -> list[Passage]:
    """Split an evidence cell into passages, each with the source it comes from: the id it starts with
    (one the row cites, or any ``known`` source id), else the row's first source."""
    found = []
    for part in cell.split(PASSAGE_SEPARATOR):
        part = part.strip()
        match = PREFIX.match(part)
        if match and (match["source"] in cited or match["source"] in known):
            found.append(Passage(match["source"], match["passage"].strip()))
        else:
            found.append(Passage(cited[0] if cited else "", part))
    return found


def check_evidence(archive: Path | None, folder: Path | str | None = None) -> tuple[list[EvidenceProblem], int]:
    """Every fact row's evidence: present, short, from a source the row cites, and verbatim where the
    source is archived (when ``archive`` is given). Returns the problems and the passages checked verbatim."""
    folder = Path(folder) if folder is not None else None
    tables = read_package(folder)
    known = sources(folder)
    texts: dict[str, str] = {}
    problems: list[EvidenceProblem] = []
    verbatim = 0
    for name in evidence_tables(folder):
        table = tables[name]
        shown = f"data/{table.path.name}"
        for number, row in enumerate(load_rows_located(name, folder), start=1):

            def problem(message: str, shown=shown, number=number, row=row) -> None:
                problems.append(EvidenceProblem(shown, number, row["__line__"], message))

            cell = row.get("evidence")
            if not cell:
                problem("no supporting passage: quote the cited source's words that say this, or remove the row")
                continue
            cited = row_sources(table, row)
            for passage in passages(cell, cited, set(known)):
                if passage.source_id not in cited:
                    problem(
                        f"a passage from '{passage.source_id}', which the row does not cite: add it to the "
                        "row's sources (other_source_ids)"
                    )
                if not passage.text:
                    problem("an empty passage (two separators in a row?)")
                    continue
                if len(passage.text) > LONGEST_PASSAGE:
                    problem(f"a passage of {len(passage.text)} characters; keep it under about 300")
                source = known.get(passage.source_id)
                if source is None or archive is None or not source.archived_copy:
                    continue
                path = Path(archive) / source.archived_copy
                if source.archived_copy not in texts:
                    if not path.is_file():
                        problem(f"archived copy {path} of source '{source.source_id}' is missing")
                        continue
                    texts[source.archived_copy] = path.read_text(encoding="utf-8")
                verbatim += 1
                unmatched = find_unmatched_part(passage.text, texts[source.archived_copy])
                if unmatched is not None:
                    problem(f"not verbatim in {source.archived_copy} (source '{source.source_id}'): “{unmatched[:80]}”")
    return problems, verbatim
