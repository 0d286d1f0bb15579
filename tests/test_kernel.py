"""The exercises in a real kernel: every kind displays as a widget, and code exercises check kernel variables."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from qantar.exercises import bank
from qantar.exercises.render import MIME_TYPE

from conftest import REPO

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def executed():
    ids = sorted(bank())
    cells = [nbformat.v4.new_code_cell("from qantar import load\nfrom qantar.exercises import exercise")]
    cells += [nbformat.v4.new_code_cell(f'exercise("{exercise_id}")') for exercise_id in ids]
    cells.append(
        nbformat.v4.new_code_cell(
            'claims = load("claims")\n'
            'distinct_death_tolls = claims.loc[claims["quantity"] == "deaths", "value"].nunique()\n'
            'form = exercise("guide-distinct-death-tolls")\n'
            'result = form.check_now()\n'
            'print("right:", result.correct, result.score)'
        )
    )
    cells.append(
        nbformat.v4.new_code_cell(
            'distinct_death_tolls = -5\nprint("wrong:", form.check_now().correct, form.form.feedback.value)'
        )
    )
    cells.append(nbformat.v4.new_code_cell('del distinct_death_tolls\nprint("missing:", form.check_now().message)'))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(REPO / "chapters")}}
    ).execute()
    return ids, notebook


def test_every_kind_displays_as_a_widget_with_its_static_twin(executed):
    ids, notebook = executed
    for exercise_id, cell in zip(ids, notebook.cells[1:]):
        data = [
            output["data"] for output in cell.outputs if output.get("output_type") in ("execute_result", "display_data")
        ]
        assert data, f"{exercise_id} displayed nothing"
        assert WIDGET in data[0] and data[0][MIME_TYPE]["id"] == exercise_id
    assert notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]


def text_of(cell) -> str:
    return "".join(output.get("text", "") for output in cell.outputs if output.get("output_type") == "stream")


def test_a_code_exercise_checks_the_variable_in_the_kernel(executed):
    _, notebook = executed
    right, wrong, missing = notebook.cells[-3:]
    assert "right: True 2.0" in text_of(right)
    assert "wrong: False" in text_of(wrong) and 'data-correct="false"' in text_of(wrong)
    assert "missing: `distinct_death_tolls` is not defined yet" in text_of(missing)
