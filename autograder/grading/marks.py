"""Test metadata that lives next to the test: points, time limits, a title
a student understands; and each assignment's declared concepts and totals."""
from __future__ import annotations

from dataclasses import dataclass

import pytest


def points(value: float) -> pytest.MarkDecorator:
    """How many points a grader test is worth (each parametrized case counts once)."""
    if value < 0:
        raise ValueError("points cannot be negative")
    return pytest.mark.points(value)


def time_limit(seconds: float) -> pytest.MarkDecorator:
    """CPU time the student's code may use during this test (a wall-clock
    backstop, a few times longer, catches code that sleeps or waits)."""
    if seconds <= 0:
        raise ValueError("a time limit must be positive")
    return pytest.mark.time_limit(seconds)


def title(text: str, **words: dict) -> pytest.MarkDecorator:
    """What the test checks, as a sentence for the student's feedback. Fields
    in braces are filled with the test's parameters, through `words` where
    given: title("{spec}.backward, on {shape}", shape={"scalar": "a number"})."""
    return pytest.mark.title(text, **words)


@dataclass(frozen=True)
class Concept:
    """One part of an assignment: its hidden test file, the points its tests
    are declared to add up to, and a heading for feedback and reports. The
    solution notebook has a graded cell `cell` worth the same points, where
    nbgrader's gradebook records the concept's score."""

    name: str
    file: str
    points: float
    heading: str

    @property
    def cell(self) -> str:
        return f"hidden_tests_{self.name}"


def check_declared(concepts: tuple[Concept, ...], total: float) -> None:
    """The concepts must add up to the assignment's declared total."""
    summed = round(sum(c.points for c in concepts), 6)
    if summed != round(total, 6):
        raise ValueError(f"the concepts add up to {summed:g} points, but the assignment declares {total:g}")
