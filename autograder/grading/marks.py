"""Test metadata that lives next to the test: points, time factors, a title
a student understands; and each assignment's declared concepts and totals."""
from __future__ import annotations

from dataclasses import dataclass

import pytest


def points(value: float) -> pytest.MarkDecorator:
    """How many points a grader test is worth (each parametrized case counts once)."""
    if value < 0:
        raise ValueError("points cannot be negative")
    return pytest.mark.points(value)


def time_factor(factor: float) -> pytest.MarkDecorator:
    """This test's CPU-time limit is `factor` times the reference solution's
    time in it (at least the floor), for a test whose honest solutions vary
    widely in speed, such as a fit; other tests get Limits.factor."""
    if factor <= 0:
        raise ValueError("a time factor must be positive")
    return pytest.mark.time_factor(factor)


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
