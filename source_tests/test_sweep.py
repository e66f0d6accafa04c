"""CI's sample of the fairness sweep (benchmarks/sweep.py runs the same on 20 ids): on each of 3
student ids, every correct way of writing each assignment gets full marks (save the contract tests
it names), the stub and the do-nothing submissions get 0, and every bug loses the points of its
own unit's tests, the same points on every id."""
from __future__ import annotations

import pytest

from autograder.assignments import assignment_names
from autograder.variants.sweep import rows_for

pytestmark = pytest.mark.slow

ROWS = [(assignment, row.variant.name, row.kind) for assignment in assignment_names() for row in rows_for(assignment)]


@pytest.mark.parametrize("assignment", assignment_names())
def test_enough_correct_ways(assignment):
    correct = [name for a, name, kind in ROWS if a == assignment and kind == "correct"]
    assert len(correct) >= 8, f"{assignment} has {len(correct)} correct ways in its corpus, not 8"


@pytest.mark.parametrize("assignment, name, kind", ROWS, ids=[f"{a}-{n}" for a, n, _ in ROWS])
def test_as_expected_on_every_id(swept, assignment, name, kind):
    row = next(r for r in swept(assignment).rows if r.variant.name == name)
    assert not row.misses, f"{row.variant.description}:\n" + "\n".join(row.misses)
    if kind == "bug":
        assert row.same_points_every_id(), f"{row.variant.description}: scores differ between ids: {row.scores}"
