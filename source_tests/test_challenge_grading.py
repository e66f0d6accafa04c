"""The challenge: a fit that never returns, and the solution and the grader's
own SGD over many hidden draws."""
from __future__ import annotations

import numpy as np
import nbformat
import pytest

from autograder.sandbox.budgets import Budget
from autograder.graders.challenge.test_fit import DRAWS, TOLERANCE, multistart_sgd
from autograder.graders.challenge_data import hidden_challenge1, hidden_challenge2, model_output
from autograder.notebook import load_code_cells
from autograder.sandbox.limits import Limits
from autograder.sandbox.handles import Student
from autograder.sandbox.session import Sandbox, Scratch
from autograder.variants import solution_code
from autograder.variants.challenge import LOOPS_FOREVER
from conftest import solution

pytestmark = pytest.mark.slow


def test_fit_that_never_returns_is_stopped_and_the_rest_still_runs(grade, make_variant):
    result = grade("challenge", make_variant("challenge", LOOPS_FOREVER),
                   limits=Limits(cell_seconds=3, max_test_seconds=5))
    outcomes = {t.name: t for t in result.tests}
    for draw in DRAWS:
        test = outcomes[f"test_fit::test_fit_challenge1[{draw}]"]
        assert test.outcome == "timeout" and "fit_challenge1" in test.message, test.message
    later = [t for t in result.tests if t.name.startswith(("test_fit::test_fit_challenge2",
                                                           "test_fit::test_fit_contract[fit_challenge2]"))]
    assert later and all(t.outcome == "passed" for t in later), [(t.name, t.message) for t in later]
    assert all(t.outcome == "passed" for t in result.tests if t.name.startswith("test_layers"))
    assert any("Visible check: the example above" in note and "skipped" in note for note in result.notes), result.notes


@pytest.fixture(scope="module")
def solution_namespace():
    """The solution's code run here, in the test process (it is ours, not a student's)."""
    notebook = nbformat.read(str(solution("challenge")), as_version=4)
    namespace: dict = {}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type == "code" and (grade_id in {"imports", "backprop_layers", "my_cos"}
                                         or grade_id.startswith("fit_challenge")):
            exec(solution_code(cell.source), namespace)
    return namespace


@pytest.mark.parametrize("seed", range(25))
def test_solution_fits_recover_every_draw(solution_namespace, seed):
    rng = np.random.default_rng(seed)
    xx = np.arange(-10, 10, 0.01)
    sign = 1.0 if seed % 2 else -1.0  # both signs of w*, as the graders draw them
    truth1 = hidden_challenge1(rng, sign)
    w, b = solution_namespace["fit_challenge1"](xx, model_output(1.0, **truth1))
    assert abs(w - truth1["w"]) <= TOLERANCE and abs(b - truth1["b"]) <= TOLERANCE, (truth1, w, b)
    truth2 = hidden_challenge2(rng, sign)
    p, w, b = solution_namespace["fit_challenge2"](xx, model_output(**truth2))
    assert all(abs(got - truth2[k]) <= TOLERANCE for k, got in (("p", abs(p)), ("w", w), ("b", b))), (truth2, p, w, b)


@pytest.mark.parametrize("seed", range(3))
def test_grader_multistart_sgd_recovers_draws_through_the_solution(templates, context, seed):
    scratch = Scratch.make()
    sandbox = Sandbox(templates("challenge").client(), load_code_cells(solution("challenge")), scratch,
                      context("challenge").fence)
    try:
        sandbox.set_time_limit(Budget(120, "this test's own limit"))
        rng = np.random.default_rng(1000 + seed)
        truth = hidden_challenge2(rng, 1.0 if seed % 2 else -1.0)
        found = multistart_sgd(Student(sandbox), sandbox, rng, model_output(**truth))
        assert all(abs(found[k] - truth[k]) <= TOLERANCE for k in truth), (truth, found)
    finally:
        sandbox.close()
        scratch.remove()
