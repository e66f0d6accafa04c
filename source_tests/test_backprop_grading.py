"""The backprop graders on the course-style solution, and their failure messages."""
from __future__ import annotations

import pytest

from autograder.variants.backprop import BUGS, COURSE_STYLE
from conftest import base_name, not_passed

pytestmark = pytest.mark.slow


def test_course_style_solution_passes_all_it_implements(grade, make_variant):
    result = grade("backprop", make_variant("backprop", COURSE_STYLE))
    assert {base_name(n) for n in not_passed(result)} == set(COURSE_STYLE.targets), not_passed(result)


def test_failure_messages_name_the_layer_input_and_values(grade, make_variant):
    bug = next(b for b in BUGS if b.name == "input_grad_uses_x")  # right types, wrong values
    result = grade("backprop", make_variant("backprop", bug))
    message = next(t.message for t in result.tests
                   if t.name == "test_layers::test_backward_input_gradient[multiplication_weight-vector]")
    for piece in ("multiplication_weight.backward", "x = ", "upstream gradient = ", "expected", "got"):
        assert piece in message, f"{piece!r} missing from: {message}"
    # Hidden test code never reaches a student: no source lines of the grader.
    assert "def test_" not in message and "assert_close(" not in message


def _failing(result) -> dict[str, str]:
    return {t.name.split("::")[-1]: t.message for t in result.tests if t.outcome != "passed"}


@pytest.mark.parametrize("bug, unit_tests", [
    ("input_grad_uses_x", {"test_backward_input_gradient[multiplication_weight-scalar]",
                           "test_backward_input_gradient[multiplication_weight-vector]",
                           "test_backward_input_gradient[multiplication_weight-matrix]",
                           "test_contract[multiplication_weight]"}),
    ("exp_backward_crashes", {"test_backward_input_gradient[my_exp-scalar]",
                              "test_backward_input_gradient[my_exp-vector]",
                              "test_backward_input_gradient[my_exp-matrix]", "test_step_without_parameter[my_exp]",
                              "test_contract[my_exp]", "test_end_to_end"}),
])
def test_a_wrong_unit_costs_only_its_own_tests_and_the_end_to_end_test_names_it(grade, make_variant, bug, unit_tests):
    failing = _failing(grade("backprop", make_variant("backprop", next(b for b in BUGS if b.name == bug))))
    assert set(failing) == unit_tests, sorted(failing)
    if "test_end_to_end" in failing:
        assert "the mistake is in your my_exp" in failing["test_end_to_end"], failing["test_end_to_end"]


def test_a_composition_test_says_what_ran_and_blames_my_composition_once(grade, make_variant):
    bug = next(b for b in BUGS if b.name == "composition_backward_forwards")
    result = grade("backprop", make_variant("backprop", bug))
    test = next(t for t in result.tests if t.name == "test_composition::test_backward_on_arrays[course]")
    assert test.title == ("my_composition.backward on a vector, through the reference layers "
                          "add_bias -> multiplication_weight -> add_bias -> my_exp"), test.title
    assert test.message.count("my_composition") == 2 and "your my_composition of the reference layers add_bias(" \
        in test.message, test.message
