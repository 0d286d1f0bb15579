"""House spellings: one spelling for each transliterated name, everywhere outside quotations.

``data/names.csv`` gives the house spelling of each name and the other spellings found in
sources. :func:`misspellings` reads the module's prose (chapters, teaching notes, the
question bank, the book's pages) and the free-text cells of its tables, and reports every
other spelling that stands outside a quotation.

A variant is allowed where the text is not the module's own words or where it names the
variant on purpose:

- inside quotation marks (“…”, "…", ‘…’, '…') or a Markdown block quotation;
- in table cells that are quoted or cited, not written (quotes, evidence, titles, the lists of
  other spellings and names, addresses);
- in a parenthesis, or after a phrase, that says it is a spelling: "(also Qasym-Jomart Toqayev)",
  "also written Uralsk", "several spellings (Tokayev, Toqayev)".
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from qantar.data import load_rows

# Cells of the tables that hold other people's words or names of works, not the module's prose.
QUOTED_COLUMNS = {
    "quote",
    "evidence",
    "title",
    "other_spellings",
    "other_names",
    "url",
    "archived_copy",
    "author",
    "source_id",
    "other_source_ids",
    "footnote_in",
}
# Tables that define the spellings themselves.
SPELLING_TABLES = {"names.csv"}
# The corrections table quotes what the module said before, misspellings included.
QUOTING_TABLES = {"corrections.csv"}
QUOTATION = re.compile(r"“[^”]*”|‘[^’]*’|\"[^\"\n]*\"|(?<![\w’'])'[^'\n]*'(?![\w])", re.DOTALL)
BLOCK_QUOTE = re.compile(r"^\s*>.*$", re.MULTILINE)
# Words that say a name is given as a spelling: "also", "spelled", "written", "known as", "spellings".
SPELLING_CUE = re.compile(r"\b(also|spell\w*|written|writes|known as|transliterat\w*|other names?)\b", re.IGNORECASE)
CUE_WINDOW = 80


@dataclass(frozen=True)
class Misspelling:
    file: str
    line: int
    found: str
    house: str
    context: str

    def __str__(self) -> str:
        return (
            f"{self.file}, line {self.line}: '{self.found}' outside a quotation; the module writes "
            f"'{self.house}' (data/names.csv) — …{self.context}…"
        )


def variants(folder: Path | str | None = None) -> dict[str, str]:
    """Every other spelling, mapped to its house spelling."""
    found = {}
    for row in load_rows("names", folder):
        for variant in (row["other_spellings"] or "").split("; "):
            if variant:
                found[variant] = row["name"]
    return found


def _blank(match: re.Match) -> str:
    """A quotation replaced by spaces of the same length (line numbers and positions stay)."""
    return re.sub(r"[^\n]", " ", match.group(0))


def own_words(text: str) -> str:
    """``text`` with its quotations blanked out."""
    return QUOTATION.sub(_blank, BLOCK_QUOTE.sub(_blank, text))


def _announced(text: str, start: int) -> bool:
    """Whether the name at ``start`` is given as a spelling: a cue in its parenthesis or just before it."""
    opening = text.rfind("(", 0, start)
    closing = text.find(")", start)
    if (
        opening >= 0
        and closing >= 0
        and text.find(")", opening) >= start
        and SPELLING_CUE.search(text, opening, closing)
    ):
        return True
    return bool(SPELLING_CUE.search(text[max(0, start - CUE_WINDOW) : start]))


def scan_text(text: str, file: str, known: dict[str, str], first_line: int = 1) -> list[Misspelling]:
    """The other spellings in ``text`` that stand in the module's own words."""
    prose = own_words(text)
    found = []
    for variant, house in known.items():
        for match in re.finditer(rf"(?<![\w-]){re.escape(variant)}(?![\w-])", prose):
            if _announced(prose, match.start()):
                continue
            line = first_line + prose.count("\n", 0, match.start())
            context = text[max(0, match.start() - 30) : match.end() + 30].replace("\n", " ")
            found.append(Misspelling(file, line, variant, house, context))
    return found


def prose_files(root: Path) -> list[Path]:
    """The module's own prose: the book's pages, the chapters, the teaching notes and the question bank."""
    files = sorted(root.glob("*.md")) + sorted((root / "chapters").glob("*.md"))
    files += sorted((root / "exercises").glob("*.yml")) + sorted((root / "exercises" / "notes").glob("*.md"))
    files += [root / "data" / "README.md"]
    return [path for path in files if path.is_file()]


def misspellings(root: Path | str) -> list[Misspelling]:
    """Every other spelling outside a quotation in the module at ``root`` (a checkout or a copy of one)."""
    root = Path(root)
    known = variants(root / "data")
    found: list[Misspelling] = []
    for path in prose_files(root):
        found += scan_text(path.read_text(encoding="utf-8"), str(path.relative_to(root)), known)
    for path in sorted((root / "data").glob("*.csv")):
        if path.name in SPELLING_TABLES | QUOTING_TABLES:
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                line = reader.line_num
                for column, cell in row.items():
                    if cell and column not in QUOTED_COLUMNS:
                        found += [
                            Misspelling(f"{m.file}, field '{column}'", line, m.found, m.house, m.context)
                            for m in scan_text(cell, f"data/{path.name}", known, line)
                        ]
    return found
