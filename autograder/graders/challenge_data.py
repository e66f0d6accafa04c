"""The challenge's data, y = exp(w* cos(p* x) + b*) on the course's grid, from
hidden parameters drawn away from the course's own values (the challenge and
the reverse-mode engine's practical both use it)."""
from __future__ import annotations

import numpy as np

from autograder.graders.recovery import draw_away, unpack

XX = np.arange(-10, 10, 0.01)
COURSE_VALUES = (0.3, 0.5, 1.0, 1.2, 2.0)  # the course's starting and example values


def hidden_challenge1(rng: np.random.Generator) -> dict[str, float]:
    w = draw_away(rng, 0.25, 1.0, COURSE_VALUES) * (1 if rng.random() < 0.5 else -1)
    return {"w": w, "b": draw_away(rng, 1.75, 2.75, COURSE_VALUES)}


def hidden_challenge2(rng: np.random.Generator) -> dict[str, float]:
    return {"p": draw_away(rng, 0.4, 2.0, COURSE_VALUES), "w": draw_away(rng, 0.3, 1.0, COURSE_VALUES),
            "b": draw_away(rng, 1.0, 2.0, COURSE_VALUES)}


def model_output(p: float, w: float, b: float) -> np.ndarray:
    return np.exp(w * np.cos(p * XX) + b)


def call_fit(student, sandbox, name: str, yy: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    """The student's fit on copies of XX and yy (read back afterwards), its
    result as named numbers."""
    given = sandbox.inputs(xx=XX, yy=yy)
    result = getattr(student, name)(given.xx, given.yy)
    given.check_unchanged(name)
    return unpack(result, names, name)
