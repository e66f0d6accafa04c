"""Hostile and broken submissions graded in one batch with an honest one:
each costs only itself, with a clear reason in its feedback."""
from __future__ import annotations

import nbformat
import pytest

from autograder.grading.runner import Submission, grade_submissions
from autograder.sandbox.limits import Limits
from autograder.variants import Variant
from autograder.variants.backprop import BUGS
from conftest import base_name, released, solution

pytestmark = pytest.mark.slow
MONKEYPATCH = """
import numpy as np, torch, builtins
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
torch.allclose = lambda *a, **k: True
builtins.abs = lambda x: 0.0
"""
# Tight enough to keep the suite quick, loose enough for honest code on a busy machine.
LIMITS = Limits(cell_seconds=2, max_test_seconds=4, submission_seconds=40)


def _with_extra_cell(path, source, destination):
    notebook = nbformat.read(str(path), as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(notebook, str(destination))
    return destination


@pytest.fixture(scope="module")
def batch(tmp_path_factory, templates, context):
    tmp = tmp_path_factory.mktemp("batch")
    from autograder.variants import write_variant

    hang = write_variant(Variant("hang", (("        return grad * self.y\n",
                                           "        while True:\n            pass\n"),)),
                         released("backprop"), solution("backprop"), tmp / "hang" / "backprop.ipynb")
    exits = write_variant(Variant("exits", (("        # any parameter to update?\n",
                                             "        import os; os._exit(3)\n"),)),
                          released("backprop"), solution("backprop"), tmp / "exits" / "backprop.ipynb")
    buggy = write_variant(BUGS[0], released("backprop"), solution("backprop"), tmp / "buggy" / "backprop.ipynb")
    (tmp / "patched").mkdir()
    (tmp / "buggy_patched").mkdir()
    (tmp / "sys_exit").mkdir()
    submissions = [
        Submission("patched", _with_extra_cell(released("backprop"), MONKEYPATCH, tmp / "patched" / "backprop.ipynb")),
        Submission("hang", hang),
        Submission("honest", solution("backprop")),
        Submission("exits", exits),
        Submission("buggy", buggy),
        Submission("buggy_patched", _with_extra_cell(buggy, MONKEYPATCH, tmp / "buggy_patched" / "backprop.ipynb")),
        Submission("sys_exit", _with_extra_cell(solution("backprop"), "import sys\nsys.exit(0)\n",
                                                tmp / "sys_exit" / "backprop.ipynb")),
    ]
    results = grade_submissions(context("backprop", LIMITS), templates("backprop").client(), submissions)
    assert [r.student for r in results] == [s.student for s in submissions]
    return {r.student: r for r in results}


def test_monkeypatching_numpy_and_torch_earns_nothing(batch):
    result = batch["patched"]
    assert result.score == 0, [t.name for t in result.tests if t.score]


def test_monkeypatching_does_not_change_a_buggy_grade(batch):
    assert [(t.name, t.score) for t in batch["buggy_patched"].tests] == \
           [(t.name, t.score) for t in batch["buggy"].tests]


def test_honest_submission_graded_as_if_alone(batch, grade):
    alone = grade("backprop", solution("backprop"), student="honest", limits=LIMITS)
    assert batch["honest"].score == batch["honest"].max_score
    assert [(t.name, t.outcome, t.score) for t in batch["honest"].tests] == \
           [(t.name, t.outcome, t.score) for t in alone.tests]


def test_hanging_method_times_out_and_costs_only_what_uses_it(batch):
    result = batch["hang"]
    outcomes = {t.name: t for t in result.tests}
    timed_out = [t for t in result.tests if t.outcome == "timeout"]
    assert timed_out and all("time" in t.message for t in timed_out)
    assert outcomes["test_layers::test_backward_input_gradient[my_exp-scalar]"].outcome == "timeout"
    # Tests that never call my_exp.backward still pass, before and after the hangs.
    for name in ("test_layers::test_forward[my_exp-vector]",
                 "test_layers::test_parameter_gradient[multiplication_weight]",
                 "test_composition::test_compute_loss_value[vector]"):
        assert outcomes[name].outcome == "passed", (name, outcomes[name].message)


def test_os_exit_in_a_method_costs_the_tests_that_call_it(batch):
    result = batch["exits"]
    crashed = [t for t in result.tests if t.outcome == "failed"]
    assert crashed and all("exited with code 3" in t.message for t in crashed), [t.message for t in crashed]
    assert {base_name(t.name) for t in crashed} >= {"test_step_without_parameter", "test_end_to_end"}
    assert next(t for t in result.tests if t.name == "test_layers::test_forward[my_exp-vector]").outcome == "passed"


def test_sys_exit_at_top_level_is_recorded_not_fatal(batch):
    result = batch["sys_exit"]
    assert result.score == result.max_score
    assert any("exit(0)" in note for note in result.notes), result.notes


def test_a_function_that_hangs_in_many_cells_still_lets_the_rest_run(templates, context):
    """Four cells call one hanging function and together need more than the
    notebook's budget: each run from the top has its own budget, each hang
    costs its cell's limit, and the cells that work still define what they define."""
    from autograder.notebook import Cell
    from autograder.sandbox.handles import Student
    from autograder.sandbox.session import Sandbox, Scratch

    sources = ["def spin():\n    while True:\n        pass\n", "spin()", "spin()", "spin()", "spin()",
               "answer = 6 * 7\n"]
    limits = Limits(cell_seconds=1.5, notebook_seconds=3, submission_seconds=60)
    scratch = Scratch.make()
    sandbox = Sandbox(templates("backprop").client(), [Cell(n, s) for n, s in enumerate(sources, 1)], scratch,
                      context("backprop").fence, limits)
    try:
        sandbox.ensure_started()
        assert Student(sandbox).answer == 42, [(r.outcome, r.message) for r in sandbox.cell_reports]
        outcomes = [(r.outcome, r.message) for r in sandbox.cell_reports]
    finally:
        sandbox.close()
        scratch.remove()
    assert [o for o, _ in outcomes] == ["ok", "skipped", "skipped", "skipped", "skipped", "ok"], outcomes
    assert all("the limit the instructor set for every cell (1.5 s)" in m for _, m in outcomes[1:5]), outcomes
