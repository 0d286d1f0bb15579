"""Run a submitted notebook inside the grading sandbox and take out its answers as JSON.

This module is what runs *inside* the sandbox (``python -m qantar.harvest``); it holds no key,
no test and no checker, and nothing it writes is trusted: the grader reads its output file as
plain data, decodes it with :func:`decode` and checks the answers in its own process.

Each code cell runs in IPython's own shell (the one a Jupyter kernel wraps), so magics such as
``%matplotlib inline`` work as in class. A cell that raises does not stop the cells after it.
After every cell the answer variables are written to the output file, so that when the
grader stops a notebook that runs too long, the answers set before the stuck cell still count.
"""

from __future__ import annotations

import builtins
import io
import json
import math
import os
import re
import sys
from typing import Any

OUTPUT_CHARACTERS = 100_000  # of a submission's printed output kept (for the teacher's log); the rest is dropped
VALUE_BYTES = 1_000_000  # the largest answer, as JSON, that is taken out; a larger one is reported as too large
DEPTH = 20  # nesting of lists and dictionaries in an answer

# The cells otter assign itself writes into the student notebook: they need otter's tests, which
# the sandbox does not hold, and they only check the form of answers, so the sandbox skips them.
OTTER_CELLS = re.compile(
    r'\s*(# Initialize Otter\s*)?import otter\s*\ngrader = otter\.Notebook\("[^"\n]*"\)\s*'
    r'|\s*(grader\.check\("[^"\n]*"\)|grader\.check_all\(\))\s*'
)


class _Capped(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters written to it and drops the rest."""

    def __init__(self, target, limit: int) -> None:
        self.target, self.limit, self.written = target, limit, 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        room = self.limit - self.written
        if room > 0:
            self.target.write(text[:room])
        self.written += len(text)
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        return False


# ---------------------------------------------------------------- answers as JSON-safe values


class TooLarge(ValueError):
    pass


def encode(value: Any, depth: int = 0) -> Any:
    """A JSON-safe form of an answer: plain JSON for text, numbers, booleans, None and lists;
    a one-key tagged object (``{"$set": [...]}``) for the rest. Raises TooLarge when nested too deep."""
    if depth > DEPTH:
        raise TooLarge(f"nested more than {DEPTH} levels deep")
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if value is Ellipsis:
        return {"$ellipsis": True}
    module = type(value).__module__.split(".")[0]
    if module == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        return encode(value.item(), depth)
    if module == "numpy" and hasattr(value, "tolist"):
        return encode(value.tolist(), depth)
    if module == "pandas" and type(value).__name__ in ("DataFrame", "Series"):
        try:
            return {"$pandas": type(value).__name__, "table": value.to_json(orient="table", date_format="iso")}
        except Exception:  # a layout the table schema cannot hold (e.g. columns on several levels)
            return {"$pandas": type(value).__name__, "split": value.to_json(orient="split", date_format="iso")}
    if isinstance(value, list):
        return [encode(item, depth + 1) for item in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(item, depth + 1) for item in value]}
    if isinstance(value, (set, frozenset)):
        items = [encode(item, depth + 1) for item in value]
        return {"$set": sorted(items, key=lambda item: json.dumps(item, sort_keys=True))}
    if isinstance(value, dict):
        return {"$dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    return {"$unsupported": type(value).__name__}


class Unsupported:
    """An answer of a type the grader cannot take out of the sandbox (a function, a module, a widget)."""

    def __init__(self, type_name: str, why: str = "") -> None:
        self.type_name, self.why = type_name, why

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


def decode(value: Any, depth: int = 0) -> Any:
    """An answer back from its JSON form; anything unexpected raises ValueError (the data is untrusted)."""
    if depth > DEPTH + 2:
        raise ValueError("nested too deep")
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, list):
        return [decode(item, depth + 1) for item in value]
    if not isinstance(value, dict) or len(value) not in (1, 2):
        raise ValueError("not an encoded answer")
    if set(value) == {"$float"} and value["$float"] in ("nan", "inf", "-inf"):
        return float(value["$float"])
    if set(value) == {"$ellipsis"}:
        return Ellipsis
    if set(value) == {"$tuple"} and isinstance(value["$tuple"], list):
        return tuple(decode(item, depth + 1) for item in value["$tuple"])
    if set(value) == {"$set"} and isinstance(value["$set"], list):
        items = [decode(item, depth + 1) for item in value["$set"]]
        try:
            return set(items)
        except TypeError:
            raise ValueError("a set of unhashable values") from None
    if set(value) == {"$dict"} and isinstance(value["$dict"], list):
        pairs = []
        for pair in value["$dict"]:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise ValueError("a dictionary entry that is not a pair")
            pairs.append((decode(pair[0], depth + 1), decode(pair[1], depth + 1)))
        try:
            return dict(pairs)
        except TypeError:
            raise ValueError("a dictionary with unhashable keys") from None
    if set(value) == {"$unsupported"} and isinstance(value["$unsupported"], str):
        return Unsupported(value["$unsupported"][:80])
    if set(value) == {"$toolarge"}:
        return Unsupported("value", f"larger than {VALUE_BYTES // 1000} kB once written out")
    kind = value.get("$pandas")
    if kind in ("DataFrame", "Series") and len(value) == 2:
        import pandas as pd

        (layout,) = set(value) - {"$pandas"}
        if layout not in ("table", "split") or not isinstance(value[layout], str):
            raise ValueError("not an encoded pandas object")
        typ = "frame" if kind == "DataFrame" or layout == "table" else "series"
        frame = pd.read_json(io.StringIO(value[layout]), orient=layout, typ=typ)
        if kind == "Series" and isinstance(frame, pd.DataFrame):  # orient="table" always reads back a frame
            frame = frame.iloc[:, 0] if frame.shape[1] == 1 else frame
        return frame
    raise ValueError("not an encoded answer")


# ---------------------------------------------------------------- the run


class _RealBuiltins:
    """The builtins as they were before any cell ran, put back while the runner does its own work
    (a cell may replace ``isinstance`` or ``print``), then the cell's own changes are put back."""

    def __init__(self) -> None:
        self.real = dict(vars(builtins))

    def __enter__(self) -> None:
        self.theirs = dict(vars(builtins))
        vars(builtins).update(self.real)

    def __exit__(self, *exc) -> None:
        namespace = vars(builtins)
        for name in set(namespace) - set(self.theirs):
            del namespace[name]
        namespace.update(self.theirs)


def _write(path: str, record: dict) -> None:
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    os.replace(temporary, path)


def _snapshot(namespace: dict, variables: list[str]) -> dict[str, Any]:
    values = {}
    for name in variables:
        if name not in namespace:
            continue
        try:
            encoded = encode(namespace[name])
            if len(json.dumps(encoded)) > VALUE_BYTES:
                encoded = {"$toolarge": True}
        except (TooLarge, RecursionError):
            encoded = {"$toolarge": True}
        except Exception as error:  # an object whose own methods fail: reported, never fatal
            encoded = {"$unsupported": f"{type(namespace[name]).__name__} ({type(error).__name__})"}
        values[name] = encoded
    return values


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _error_text(error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return f"{type(error).__name__}: {error.msg} (line {error.lineno})"
    text = str(error).splitlines()[0][:200] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def run(notebook_path: str, out_path: str, variables: list[str]) -> None:
    """Run every code cell of the notebook, recording after each its error (if any) and the answers."""
    with open(notebook_path, encoding="utf-8") as handle:
        notebook = json.load(handle)
    cells = notebook.get("cells", [])
    record: dict[str, Any] = {"running": None, "errors": [], "values": {}}
    _write(out_path, record)

    log = open("output.log", "w", encoding="utf-8")  # noqa: SIM115  (open for the whole run)
    sys.stdout = _Capped(log, OUTPUT_CHARACTERS)
    sys.stderr = sys.stdout

    from IPython.core.interactiveshell import InteractiveShell

    class Shell(InteractiveShell):
        def enable_gui(self, gui=None):
            """No event loop in the sandbox: ``%matplotlib inline`` draws figures, nothing shows them."""

    shell = Shell.instance(colors="NoColor")
    real = _RealBuiltins()
    for index, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        if OTTER_CELLS.fullmatch(source):
            continue
        with real:
            record["running"] = index
            _write(out_path, record)
        result = shell.run_cell(source, store_history=False)
        with real:
            error = result.error_before_exec or result.error_in_exec
            if error is not None:
                record["errors"].append({"cell": index, "error": _error_text(error)})
            record["running"] = None
            record["values"] = _snapshot(shell.user_ns, variables)
            _write(out_path, record)
    with real:
        record["finished"] = True
        _write(out_path, record)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 3:
        print("usage: python -m qantar.harvest NOTEBOOK OUT.json VARIABLE,VARIABLE,...", file=sys.stderr)
        return 2
    notebook_path, out_path, names = arguments
    run(notebook_path, out_path, [name for name in names.split(",") if name])
    return 0


if __name__ == "__main__":
    sys.exit(main())
