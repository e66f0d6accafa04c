"""Every assignment: the solution scores full marks; the released stub and
submissions that compute nothing (NaN, constants, lying objects) score
exactly zero; hand-graded answers are reported as such."""
from __future__ import annotations

import pytest

from autograder.assignments import assignment_names, get_assignment
from autograder.variants import DO_NOTHING, do_nothing
from conftest import not_passed, solution

pytestmark = pytest.mark.slow

MIN_POINTS = {
    "autodiff_quiz": 10,
    "backprop": 30,
    "challenge": 40,
    "functional_autodiff": 30,
    "manual_gradient": 20,
    "linear_regression_jax": 15,
    "reverse_mode": 40,
}
# Each hand-graded answer, named by its question's title in the notebook (never by its grade id).
HAND_GRADED = {
    "autodiff_quiz": [],
    "backprop": [],
    "challenge": ['"Your strategy"'],
    "functional_autodiff": [],
    "manual_gradient": ['"Exercise: 300 samples"'],
    "linear_regression_jax": [],
    "reverse_mode": [],
}


@pytest.fixture(scope="module")
def graded(graded_class):
    return lambda assignment, which: graded_class(assignment)[which]


def test_every_assignment_is_covered():
    assert sorted(MIN_POINTS) == assignment_names()


@pytest.mark.parametrize("assignment", assignment_names())
def test_every_submission_has_every_test_and_the_declared_total(graded, assignment):
    declared = get_assignment(assignment).total_points
    for which in ("solution", "stub"):
        result = graded(assignment, which)
        assert result.max_score == declared, (which, result.max_score, declared)
        assert {t.concept for t in result.tests} == {c.name for c in get_assignment(assignment).concepts}


@pytest.mark.parametrize("assignment", assignment_names())
def test_solution_scores_full_marks(graded, assignment):
    result = graded(assignment, "solution")
    assert result.max_score >= MIN_POINTS[assignment], f"suspiciously few points: {result.max_score}"
    assert not_passed(result) == [], [(t.name, t.message) for t in result.tests if t.outcome != "passed"]
    assert result.score == result.max_score
    assert [n for n in result.notes if "graded by hand" not in n] == [], result.notes


@pytest.mark.parametrize("assignment", assignment_names())
def test_stub_scores_zero_on_every_test(graded, assignment):
    result = graded(assignment, "stub")
    assert [t.name for t in result.tests] == [t.name for t in graded(assignment, "solution").tests]
    earned = [t.name for t in result.tests if t.outcome == "passed" or t.score > 0]
    assert earned == [], f"the untouched stub earned points on {earned}"
    assert all(t.outcome == "failed" for t in result.tests)


@pytest.mark.parametrize("assignment", assignment_names())
def test_hand_graded_answers_are_reported_not_scored(graded, assignment):
    notes = [n for n in graded(assignment, "solution").notes if "graded by hand" in n]
    assert [n.split(" is graded by hand")[0] for n in notes] == HAND_GRADED[assignment]
    assert all("not part of this score" in n for n in notes)


@pytest.mark.parametrize("assignment", assignment_names())
@pytest.mark.parametrize("kind", DO_NOTHING)
def test_submission_that_computes_nothing_scores_zero(graded, assignment, kind):
    result = graded(assignment, do_nothing(kind, solution(assignment)).name)
    earned = [(t.name, t.message) for t in result.tests if t.score > 0]
    assert result.score == 0 and earned == [], f"{kind} earned points on {earned}"
    assert [t.name for t in result.tests] == [t.name for t in graded(assignment, "solution").tests]
