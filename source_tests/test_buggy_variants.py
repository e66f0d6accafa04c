"""Every realistic bug in the variant tables loses the points of the test that
targets it, and only a bounded number of others."""
from __future__ import annotations

import importlib

import pytest

from autograder.assignments import assignment_names
from conftest import assert_bug_caught

pytestmark = pytest.mark.slow

CASES = [(assignment, variant) for assignment in assignment_names()
         for variant in importlib.import_module(f"autograder.variants.{assignment}").BUGS]


def test_enough_bugs_per_assignment():
    counts = {a: sum(1 for name, _ in CASES if name == a) for a in assignment_names()}
    assert counts["backprop"] >= 12 and counts["challenge"] >= 6 and counts["manual_gradient"] >= 7, counts
    assert counts["reverse_mode"] >= 10, counts


@pytest.mark.parametrize("assignment, variant", CASES, ids=[f"{a}-{v.name}" for a, v in CASES])
def test_bug_loses_the_points_of_its_test(graded_class, assignment, variant):
    assert_bug_caught(graded_class(assignment)[variant.name], variant)
