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
