"""The challenge's data, y = exp(w* cos(p* x) + b*) on the course's grid, from
hidden parameters drawn away from the course's own values (the challenge and
the reverse-mode engine's practical both use it). The sign of w* is told
apart by the model (a test passes `sign` to fix it per draw; without it, it
is drawn); the sign of p* is not (cos is even): p* is drawn positive and
either sign is accepted."""
from __future__ import annotations

from typing import Any

import numpy as np

from autograder.grading.compare import kind_of
from autograder.graders.layer_specs import a_number
from autograder.graders.recovery import draw_away, unpack

XX = np.arange(-10, 10, 0.01)
COURSE_VALUES = (0.3, 0.5, 1.0, 1.2, 2.0)  # the course's starting and example values


def _sign(rng: np.random.Generator, sign: float | None) -> float:
    return sign if sign is not None else (1.0 if rng.random() < 0.5 else -1.0)


def hidden_challenge1(rng: np.random.Generator, sign: float | None = None) -> dict[str, float]:
    w = draw_away(rng, 0.25, 1.0, COURSE_VALUES) * _sign(rng, sign)
    return {"w": w, "b": draw_away(rng, 1.75, 2.75, COURSE_VALUES)}


def hidden_challenge2(rng: np.random.Generator, sign: float | None = None) -> dict[str, float]:
    p = draw_away(rng, 0.4, 2.0, COURSE_VALUES)
    w = draw_away(rng, 0.3, 1.0, COURSE_VALUES) * _sign(rng, sign)
    return {"p": p, "w": w, "b": draw_away(rng, 1.0, 2.0, COURSE_VALUES)}


def model_output(p: float, w: float, b: float) -> np.ndarray:
    return np.exp(w * np.cos(p * XX) + b)


def call_fit(student, sandbox, name: str, yy: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    """The student's fit on copies of XX and yy (read back afterwards), its
    result as named numbers (a tuple of numbers, as the notebooks ask)."""
    given = sandbox.inputs(xx=XX, yy=yy)
    result = getattr(student, name)(given.xx, given.yy)
    given.check_unchanged(name)
    return unpack(result, names, name)


def fit_values(result: Any, names: tuple[str, ...], what: str) -> dict[str, float]:
    """A fit's result as named numbers, whatever its container (a tuple, a
    list, an array) and however each number is given: the value tests accept
    them all, the contract test asks for the notebook's tuple of numbers."""
    if isinstance(result, np.ndarray) and result.size == len(names):
        result = list(result.reshape(-1))
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        raise AssertionError(f"{what} should return ({', '.join(names)}), got {kind_of(result)}")
    return {name: a_number(value, f"{name} returned by {what}") for name, value in zip(names, result)}

