"""Each limit from the calibration (sandbox/budgets.py): max(floor, factor x the
reference's time), the instructor's overrides, and the sentence saying why."""
from __future__ import annotations

import pytest

from autograder.sandbox.budgets import Calibration, TimePolicy
from autograder.sandbox.limits import Limits

CALIBRATION = Calibration({"test_fast": 0.004, "test_fit": 0.5}, {"layers": 0.001, "landscape": 0.4})


@pytest.mark.parametrize("name, factor, seconds, words", [
    ("test_fast", None, 2.0, "the floor: the reference solution needs less than 0.01 s in this test"),
    ("test_fit", None, 10.0, "20x the reference solution's 0.50 s in this test"),
    ("test_fit", 50, 25.0, "50x the reference solution's 0.50 s"),
    ("test_unknown", None, 30.0, "no calibration"),
])
def test_a_test_limit_is_the_floor_or_the_factor_times_the_reference(name, factor, seconds, words):
    budget = TimePolicy(Limits(), CALIBRATION).test(name, factor)
    assert budget.seconds == pytest.approx(seconds) and words in budget.why, budget


def test_once_a_submission_hung_the_floor_is_lower_but_the_factor_still_holds():
    policy = TimePolicy(Limits(), CALIBRATION)
    assert policy.test("test_fast", hung=True).seconds == 0.5
    assert policy.test("test_fit", hung=True).seconds == pytest.approx(10.0)  # a correct fit keeps its limit
    assert policy.cell("landscape", hung=True).seconds == pytest.approx(2.0)  # cells: 5x
    assert "my_exp.backward already ran out of time" in policy.hung("my_exp.backward").why


def test_a_cell_the_reference_has_not_gets_the_limit_of_its_slowest_cell():
    budget = TimePolicy(Limits(), CALIBRATION).cell(None)
    assert budget.seconds == pytest.approx(8.0) and "every cell the reference solution does not have" in budget.why


def test_the_instructors_flags_override_the_calibration():
    policy = TimePolicy(Limits(test_seconds=7, cell_seconds=3), CALIBRATION)
    assert policy.test("test_fit", 50).seconds == 7 and "the instructor" in policy.test("test_fit").why
    assert policy.cell("landscape").seconds == 3


def test_a_calibration_merges_to_the_larger_figures_and_scales():
    later = Calibration({"test_fast": 0.002, "test_new": 0.1}, {"layers": 0.003})
    merged = CALIBRATION.merged(later)
    assert merged.tests == {"test_fast": 0.004, "test_fit": 0.5, "test_new": 0.1}
    assert merged.cells["layers"] == 0.003 and merged.cells["landscape"] == 0.4
    scaled = CALIBRATION.scaled(2.0, "scaled")
    assert scaled.tests["test_fit"] == 1.0 and scaled.origin == "scaled"
    assert Calibration.from_json(CALIBRATION.to_json()) == CALIBRATION
    assert "scaled" in TimePolicy(Limits(), scaled).test("test_fit").why
