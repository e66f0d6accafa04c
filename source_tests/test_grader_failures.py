"""A broken grader must not hand out zeros: when the hidden tests fail on
their own side, the batch stops with a message for the instructor, and
nothing it did is kept as a final result."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from conftest import REPO, solution

pytestmark = pytest.mark.slow
BROKEN_FIXTURE = '''

@pytest.fixture
def grader_data(student):
    try:
        triggered = student.TRIGGERS_A_GRADER_BUG == TRIGGER_VALUE
    except Exception:
        triggered = False
    if triggered:
        raise KeyError("hidden table of reference values")
    return {}
'''
TRIGGER = 20261203


def _package_copy(tmp_path, break_it) -> dict:
    package = tmp_path / "pkg"
    shutil.copytree(REPO / "autograder", package / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "solutions", package / "solutions")  # the reference, graded first in every batch
    break_it(package / "autograder" / "graders")
    return dict(os.environ, PYTHONPATH=str(package), AUTOGRADER_SECRET="grader-failures")


def _grade(tmp_path, env, *paths, jobs: int = 1) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "backprop", *map(str, paths), "--json",
                           "--jobs", str(jobs), "--output", str(tmp_path / "out")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)


def _fixture_that_raises(graders, always: bool = False):
    checks = graders / "composition_checks.py"
    fixture = BROKEN_FIXTURE.replace("TRIGGER_VALUE", str(TRIGGER))
    if always:
        fixture = fixture.replace("    if triggered:", "    if True:")
    text = checks.read_text() + fixture
    signature = "def test_compute_loss_value(units, rng, shape):"
    assert signature in text, "the test this breaks has changed: update it here"
    checks.write_text(text.replace(signature, "def test_compute_loss_value(units, rng, shape, grader_data):"))


def _triggering(tmp_path, name: str):
    """The reference solution with a global the broken fixture reacts to."""
    notebook = nbformat.read(str(solution("backprop")), 4)
    notebook.cells.append(nbformat.v4.new_code_cell(f"TRIGGERS_A_GRADER_BUG = {TRIGGER}"))
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(notebook, str(path))
    return path


def test_a_reference_solution_short_of_full_marks_stops_the_batch_before_anyone(tmp_path):
    """The broken fixture fails on the reference solution too: the batch
    stops before any student is graded, says which tests, writes nothing."""
    env = _package_copy(tmp_path, lambda graders: _fixture_that_raises(graders, always=True))
    first, second = tmp_path / "ana.ipynb", tmp_path / "ben.ipynb"
    shutil.copy2(solution("backprop"), first)
    shutil.copy2(solution("backprop"), second)
    proc = _grade(tmp_path, env, first, second, jobs=2)
    assert proc.returncode == 3, proc.stderr
    assert "the reference solution" in proc.stderr and "did not get full marks" in proc.stderr, proc.stderr
    assert "test_compute_loss_value" in proc.stderr and "KeyError" in proc.stderr, proc.stderr
    assert proc.stdout == ""
    assert not (tmp_path / "out").exists(), sorted(p.name for p in (tmp_path / "out").rglob("*"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_fixture_that_raises_stops_the_batch_and_keeps_nothing(tmp_path, jobs):
    """The reference passes; a student's notebook makes the grader fail on its own side."""
    env = _package_copy(tmp_path, _fixture_that_raises)
    first, second = _triggering(tmp_path, "ana"), _triggering(tmp_path, "ben")
    proc = _grade(tmp_path, env, first, second, jobs=jobs)
    assert proc.returncode == 3, proc.stderr
    assert "grading stopped" in proc.stderr and "KeyError" in proc.stderr and "test_compute_loss_value" in proc.stderr
    assert "reference solution" not in proc.stderr, proc.stderr
    assert proc.stdout == ""  # no grade table, no JSON: nothing to trust
    results = tmp_path / "out" / "results"
    written = sorted(p.name for p in results.iterdir() if p.name.endswith(".json"))
    if jobs == 1:
        assert written == ["ana.json"], written  # in order, one at a time: ben never started
    else:
        assert written in (["ana.json"], ["ben.json"], ["ana.json", "ben.json"]), written  # either may go first
    assert not list(results.glob(".*.fingerprint")), "a result the grader could not finish must never be kept"


def test_hidden_tests_that_do_not_import_stop_the_batch(tmp_path):
    env = _package_copy(tmp_path, lambda graders: (graders / "backprop" / "test_fit.py").write_text("def broken(:\n"))
    proc = _grade(tmp_path, env, solution("backprop"))
    assert proc.returncode == 3, proc.stderr
    assert "collecting" in proc.stderr and "test_fit.py" in proc.stderr
    assert not (tmp_path / "out" / "results").exists()
