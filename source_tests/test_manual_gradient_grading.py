"""The manual gradient graders on the solution, the stub and a table of realistic bugs."""
from __future__ import annotations

import pytest

from autograder.variants.manual_gradient import BUGS
from conftest import assert_bug_caught, not_passed, released, solution


@pytest.fixture(scope="module")
def solution_result(grade):
    return grade("manual_gradient", solution("manual_gradient"))


def test_solution_scores_full_marks(solution_result):
    assert solution_result.max_score > 20
    assert not_passed(solution_result) == [], [(t.name, t.message) for t in solution_result.tests if t.outcome != "passed"]


def test_markdown_answer_is_reported_as_graded_by_hand(solution_result):
    assert [n for n in solution_result.notes if "graded by hand" in n] == [
        "cell 30 (answer300) is graded by hand (2 points): not part of this score"]


def test_stub_scores_zero_on_every_test(grade, solution_result):
    result = grade("manual_gradient", released("manual_gradient"))
    assert [t.name for t in result.tests] == [t.name for t in solution_result.tests]
    assert result.score == 0 and all(t.outcome == "failed" for t in result.tests)


@pytest.mark.parametrize("variant", BUGS, ids=lambda v: v.name)
def test_bug_loses_the_points_of_its_test(grade, make_variant, variant):
    assert_bug_caught(grade("manual_gradient", make_variant("manual_gradient", variant)), variant)
