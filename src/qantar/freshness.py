"""Which files a notebook page's outputs depend on, read from the code itself.

Jupyter Book's execution cache keys on a page's code cells alone, so a corrected table would
leave old outputs. The book extension therefore hashes every file a page can read into a hidden
cell (see :func:`qantar.sphinxext.fingerprint_notebook_inputs`). This module finds those files.

What a function of the package reads is not kept by hand: it is derived from the package's
source. A function reads the table named by a literal first argument of the data primitives
(``load("claims")``, ``load_rows("sources")``) it calls, plus what every package function it
calls or refers to reads, transitively. A renamed or new view is therefore covered as soon as
it exists. Over-approximation is safe (a page runs again when it need not); a miss is not, so
anything unresolved (a non-literal table name) counts as every table.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# The data primitives of qantar.data: reading a table by name, or a map geometry.
TABLE_READERS = ("load", "load_rows", "load_rows_located")
GEOMETRY_READERS = ("load_geometry",)
ALL = "*"  # stands for every table
GEOMETRY = "geo/"  # stands for the map geometries in data/geo/
# The question bank's entry points (``exercise("id")``, ``check("id", answer)``, ``get("id")``):
# their dependencies (bank files, keys read from tables) are resolved question by question, not
# by reading the bank's loader, which can read any table.
EXERCISE_ENTRIES = ("exercise", "check", "get")


def _called_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _module_aliases(tree: ast.AST, package: Path) -> set[str]:
    """The names under which a module of the package is bound in ``tree`` (``checking`` after
    ``from qantar.exercises import checking``), so that ``checking.check(...)`` counts as a use."""
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == package.name:
            base = package.parent.joinpath(*node.module.split("."))
            for alias in node.names:
                if (base / f"{alias.name}.py").is_file() or (base / alias.name / "__init__.py").is_file():
                    aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == package.name:
                    aliases.add(alias.asname or alias.name.split(".")[0])
    return aliases


def _direct_reads(tree: ast.AST, functions: set[str], modules: set[str] = frozenset()) -> tuple[set[str], set[str]]:
    """What the code in ``tree`` reads itself, and the package functions it uses.

    A use is a name read (``claims_for(...)``, ``static=timeline_figure``) or an attribute of a
    package module (``views.claims_for``); an attribute of anything else (``os.environ.get``) is not.
    """
    reads: set[str] = set()
    refers: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _called_name(node.func)
            if name in TABLE_READERS:
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    reads.add(first.value)
                else:
                    reads.add(ALL)
            elif name in GEOMETRY_READERS:
                reads.add(GEOMETRY)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            name = node.id
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            name = node.attr
        else:
            continue
        if name in functions and name not in TABLE_READERS + GEOMETRY_READERS:
            refers.add(name)
    return reads, refers


@lru_cache(maxsize=4)
def function_reads(package: Path = PACKAGE) -> dict[str, frozenset[str]]:
    """Every module-level function and class of the package (by name) -> what it can read, transitively.

    Names defined in more than one module are merged, which can only add reads.
    """
    definitions: dict[str, list[tuple[ast.AST, set[str]]]] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        modules = _module_aliases(tree, package)
        for node in tree.body:  # module-level functions and classes (a class with its methods)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                definitions.setdefault(node.name, []).append((node, modules))
    names = set(definitions)
    direct: dict[str, set[str]] = {}
    edges: dict[str, set[str]] = {}
    for name, nodes in definitions.items():
        direct[name], edges[name] = set(), set()
        for node, modules in nodes:
            reads, refers = _direct_reads(node, names, modules)
            direct[name] |= reads
            edges[name] |= refers - {name, *EXERCISE_ENTRIES}
    closed: dict[str, frozenset[str]] = {}
    for name in definitions:
        seen, todo, reads = {name}, [name], set()
        while todo:
            current = todo.pop()
            reads |= direct[current]
            for callee in edges[current] - seen:
                seen.add(callee)
                todo.append(callee)
        closed[name] = frozenset(reads)
    return closed


def _trees(code: str) -> list[ast.AST]:
    """``code`` parsed; code that does not parse (a cell magic, a shell escape) is read line by line."""
    try:
        return [ast.parse(code)]
    except SyntaxError:
        trees = []
        for line in code.splitlines():
            try:
                trees.append(ast.parse(line.strip()))
            except SyntaxError:
                continue
        return trees


def reads_of_code(code: str | list[str], package: Path = PACKAGE) -> set[str]:
    """What code can read: its own ``load("…")`` calls and the package functions it uses.

    ``code`` is one piece of code or a list of cells, each parsed on its own.
    """
    known = function_reads(package)
    reads: set[str] = set()
    for piece in [code] if isinstance(code, str) else code:
        for tree in _trees(piece):
            own, refers = _direct_reads(tree, set(known), _module_aliases(tree, package))
            reads |= own
            for name in refers - set(EXERCISE_ENTRIES):
                reads |= known[name]
    return reads


def exercise_ids(code: str) -> list[str]:
    """The questions a chapter shows or checks: ``exercise("<id>")``, ``check("<id>", …)``, ``get("<id>")``."""
    entries = "|".join(EXERCISE_ENTRIES)
    return re.findall(rf'\b(?:{entries})\(\s*["\']([a-z0-9-]+)["\']', code)


def tables_used(code: str | list[str], all_tables: list[str], package: Path = PACKAGE) -> set[str]:
    """The tables (of ``all_tables``) that ``code`` can read; ``sources`` always, as every view adds them."""
    reads = reads_of_code(code, package) | {"sources"}
    if ALL in reads:
        return set(all_tables)
    return reads & set(all_tables)


def code_cells(text: str) -> list[str]:
    """The code of each ``{code-cell}`` block of a MyST notebook, without its option lines."""
    cells = []
    for cell in re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", text, flags=re.S | re.M):
        lines = cell.splitlines()
        if lines and lines[0].strip() == "---":  # a YAML block of cell options
            end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
            lines = lines[end + 1 :]
        cells.append("\n".join(line for line in lines if not line.startswith(":")))
    return cells


def _with_foreign_tables(used: set[str], tables: dict) -> set[str]:
    """``used`` and every table their foreign keys point to (loading a table checks them)."""
    todo, closed = list(used), set(used)
    while todo:
        for key in tables[todo.pop()].foreign_keys:
            if key.resource in tables and key.resource not in closed:
                closed.add(key.resource)
                todo.append(key.resource)
    return closed


def page_dependencies(text: str, data_folder: Path, bank_folder: Path, lock: Path | None = None) -> list[Path]:
    """The files whose content decides a notebook page's outputs: the tables its code can read
    (and the tables they refer to), the map geometries if it draws a map, the bank file of each
    question it shows and the tables that question's key is read from, the package, the lock file."""
    from qantar.data import PACKAGE_FILE, read_package
    from qantar.exercises.bank import load_bank
    from qantar.exercises.fields import REFERENCE_PATTERN

    tables = read_package(data_folder)
    cells = code_cells(text)
    reads = reads_of_code(cells)
    files: set[Path] = {data_folder / PACKAGE_FILE}
    ids = exercise_ids("\n".join(cells))
    if ids:
        bank = load_bank(bank_folder)
        reads |= {"excerpts", "sources"}  # the bank is checked against them when it loads
        for exercise_id in ids:
            if exercise_id not in bank:
                continue
            item = bank[exercise_id]
            files.add(bank_folder / Path(item.file).name)
            if item.solution_code:
                reads |= reads_of_code(item.solution_code)
            references = [item.answer_from, *(ref for _, ref in item.pair_sources)]
            references += [mistake.answer_from for mistake in item.mistakes]
            for reference in filter(None, references):
                match = REFERENCE_PATTERN.fullmatch(reference)
                reads.add(match["table"] if match else ALL)
    used = set(tables) if ALL in reads else (reads | {"sources"}) & set(tables)
    files |= {tables[name].path for name in _with_foreign_tables(used, tables)}
    if GEOMETRY in reads or ALL in reads:
        files |= set((data_folder / "geo").glob("*.geojson"))
    files |= {path for path in PACKAGE.rglob("*") if path.suffix in (".py", ".js", ".css") and path.is_file()}
    if lock is not None and lock.is_file():
        files.add(lock)
    return sorted(files)
