"""Checking recovered parameters against hidden ones without revealing them."""
from __future__ import annotations

from typing import Any

import numpy as np

from autograder.grading.compare import as_number, kind_of


def draw_away(rng: np.random.Generator, low: float, high: float, avoid: tuple[float, ...] = (),
              margin: float = 0.05) -> float:
    """Uniform in [low, high], at least `margin` from every value in `avoid`."""
    while True:
        value = float(rng.uniform(low, high))
        if all(abs(value - a) >= margin for a in avoid):
            return value


def unpack(result: Any, names: tuple[str, ...], what: str) -> dict[str, float]:
    """The student's returned tuple as named floats, or a failure saying what came back."""
    if not isinstance(result, tuple) or len(result) != len(names):
        raise AssertionError(f"{what} should return the tuple ({', '.join(names)}), got {kind_of(result)}")
    return {name: as_number(value, f"{name} returned by {what}") for name, value in zip(names, result)}


def assert_recovered(found: dict[str, float], truth: dict[str, float], tolerance: float, how: str) -> None:
    """Each found value within `tolerance` of the truth. Messages show what the
    student's code reached, never the hidden values."""
    reached = ", ".join(f"{k} = {v:.5g}" for k, v in found.items())
    finite = all(np.isfinite(v) for v in found.values())
    missed = [k for k in truth if not (finite and abs(found[k] - truth[k]) <= tolerance)]
    assert not missed, (f"{how}: reached {reached}; {', '.join(missed)} not within {tolerance} "
                        "of the hidden value")
