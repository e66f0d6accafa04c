"""Test metadata that lives next to the test: points and time limits."""
from __future__ import annotations

import pytest


def points(value: float) -> pytest.MarkDecorator:
    """How many points a grader test is worth (each parametrized case counts once)."""
    if value < 0:
        raise ValueError("points cannot be negative")
    return pytest.mark.points(value)


def time_limit(seconds: float) -> pytest.MarkDecorator:
    """Wall-clock limit on what the student's code may take during this test."""
    if seconds <= 0:
        raise ValueError("a time limit must be positive")
    return pytest.mark.time_limit(seconds)
