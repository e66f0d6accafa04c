"""Each assignment declares its total and its points per concept next to its
graders; the hidden tests must add up to them (fast: collection only)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from autograder.assignments import Assignment, assignment_names, get_assignment
from autograder.grading.marks import Concept, check_declared
from autograder.grading.plugin import GraderFailure
from autograder.grading.runner import GradingContext, fence_for, run_session


def _collect_only(assignment: Assignment) -> None:
    """Collect the hidden tests with the grading plugin and grade nothing."""
    def no_jobs():
        return
        yield  # (unreachable: makes this function a generator)
    run_session(GradingContext(assignment, "secret", fence_for(assignment, None)), no_jobs())


@pytest.mark.parametrize("name", assignment_names())
def test_hidden_tests_add_up_to_the_declared_concepts_and_total(name):
    assignment = get_assignment(name)
    assert assignment.total_points == sum(c.points for c in assignment.concepts) > 0
    assert [c.file for c in assignment.concepts] == sorted({c.file for c in assignment.concepts},
                                                           key=[c.file for c in assignment.concepts].index)
    _collect_only(assignment)


@dataclass(frozen=True)
class Misdeclared(Assignment):
    @property
    def concepts(self):
        first, *rest = super().concepts
        return (Concept(first.name, first.file, first.points + 1, first.heading), *rest)

    @property
    def total_points(self):
        return sum(c.points for c in self.concepts)


def test_a_concept_whose_tests_do_not_add_up_stops_grading():
    with pytest.raises(GraderFailure, match="add up to .* but it is declared as"):
        _collect_only(Misdeclared("backprop"))


def test_concepts_must_add_up_to_the_total():
    with pytest.raises(ValueError, match="add up to 3 points, but the assignment declares 4"):
        check_declared((Concept("a", "test_a.py", 1, "A"), Concept("b", "test_b.py", 2, "B")), 4)


@pytest.mark.parametrize("name", assignment_names())
def test_each_concept_has_a_graded_cell_worth_its_points_in_the_solution(name):
    """nbgrader's gradebook records each concept's score on that cell."""
    import json

    from conftest import solution

    cells = {meta.get("grade_id"): meta for meta in
             ((c.get("metadata", {}).get("nbgrader") or {}) for c in json.loads(solution(name).read_text())["cells"])}
    for concept in get_assignment(name).concepts:
        meta = cells.get(concept.cell)
        assert meta is not None, f"solutions/{name} has no graded cell {concept.cell}"
        assert meta["grade"] and not meta["solution"] and meta["locked"], meta
        assert meta["points"] == concept.points, (concept.name, meta["points"], concept.points)
