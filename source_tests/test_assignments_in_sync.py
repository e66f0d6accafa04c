"""assignments/ must be exactly what nbgrader generates from solutions/."""
from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from autograder.assignments import assignment_names
from autograder.nbgrader_ops import generate
from conftest import REPO

pytestmark = pytest.mark.slow


def _cells(path):
    notebook = nbformat.read(str(path), as_version=4)
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in notebook.cells], notebook.metadata


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A fresh `nbgrader generate_assignment` of every solution, side by side (each its own course)."""
    def one(assignment: str):
        course = tmp_path_factory.mktemp(f"generate-{assignment}")
        shutil.copytree(REPO / "solutions" / assignment, course / "solutions" / assignment)
        shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
        generate(assignment, course)
        return assignment, course / "assignments" / assignment / f"{assignment}.ipynb"
    with ThreadPoolExecutor() as pool:
        return dict(pool.map(one, assignment_names()))


@pytest.mark.parametrize("assignment", assignment_names())
def test_released_notebook_equals_a_fresh_generate(generated, assignment):
    fresh = generated[assignment]
    committed = REPO / "assignments" / assignment / f"{assignment}.ipynb"
    assert committed.exists(), f"{committed} is missing: run `autograder release {assignment}` or nbgrader generate_assignment"
    assert _cells(committed) == _cells(fresh), (
        f"assignments/{assignment} is out of date with solutions/{assignment}: "
        f"run `nbgrader generate_assignment {assignment} --force` in the repository and commit the result")


@pytest.mark.parametrize("assignment", assignment_names())
def test_released_notebook_has_no_solution(assignment):
    text = (REPO / "assignments" / assignment / f"{assignment}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert "NotImplementedError" in text


@pytest.mark.parametrize("assignment", assignment_names())
def test_every_assignment_has_a_solution_notebook(assignment):
    assert (REPO / "solutions" / assignment / f"{assignment}.ipynb").exists()
