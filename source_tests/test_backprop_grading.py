"""The backprop graders on the solution, the stub, the course-style solution
and a table of realistic bugs."""
from __future__ import annotations

import pytest

from autograder.variants.backprop import BUGS, COURSE_STYLE
from conftest import assert_bug_caught, base_name, not_passed, released, solution


@pytest.fixture(scope="module")
def solution_result(grade):
    return grade("backprop", solution("backprop"))


def test_solution_scores_full_marks(solution_result):
    assert solution_result.max_score > 30, f"suspiciously few points: {solution_result.max_score}"
    assert not_passed(solution_result) == [], [t for t in solution_result.tests if t.outcome != "passed"]
    assert solution_result.score == solution_result.max_score
    assert [n for n in solution_result.notes if "graded by hand" not in n] == [], solution_result.notes


def test_stub_scores_zero_on_every_test(grade, solution_result):
    result = grade("backprop", released("backprop"))
    assert [t.name for t in result.tests] == [t.name for t in solution_result.tests]
    passed = [t.name for t in result.tests if t.outcome == "passed" or t.score > 0]
    assert passed == [], f"the untouched stub earned points on {passed}"
    assert all(t.outcome == "failed" and "NotImplementedError" in t.message for t in result.tests)


def test_course_style_solution_passes_all_it_implements(grade, make_variant):
    result = grade("backprop", make_variant("backprop", COURSE_STYLE))
    assert {base_name(n) for n in not_passed(result)} == set(COURSE_STYLE.targets), not_passed(result)


@pytest.mark.parametrize("variant", BUGS, ids=lambda v: v.name)
def test_bug_loses_the_points_of_its_test(grade, make_variant, variant):
    assert_bug_caught(grade("backprop", make_variant("backprop", variant)), variant)


def test_failure_messages_name_the_layer_input_and_values(grade, make_variant):
    result = grade("backprop", make_variant("backprop", BUGS[0]))
    message = next(t.message for t in result.tests
                   if t.name == "test_layers::test_backward_input_gradient[multiplication_weight-vector]")
    for piece in ("multiplication_weight.backward", "x = ", "upstream gradient = ", "expected", "got"):
        assert piece in message, f"{piece!r} missing from: {message}"
    # Hidden test code never reaches a student: no source lines of the grader.
    assert "def test_" not in message and "assert_close(" not in message
