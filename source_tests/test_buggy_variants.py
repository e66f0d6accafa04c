"""The bug tables are large enough. That every bug loses the points of its own unit's tests, on every
student id of the sweep's sample, is checked by test_sweep.py."""
from __future__ import annotations

import importlib

from autograder.assignments import assignment_names


def test_enough_bugs_per_assignment():
    counts = {a: len(importlib.import_module(f"autograder.variants.{a}").BUGS) for a in assignment_names()}
    assert counts["backprop"] >= 12 and counts["challenge"] >= 6 and counts["manual_gradient"] >= 7, counts
    assert counts["reverse_mode"] >= 10, counts
    # one line per assignment added since:
    assert counts["functional_autodiff"] >= 16, counts
    assert counts["autodiff_quiz"] >= 12, counts
    assert counts["linear_regression_jax"] >= 6, counts
