"""The hidden draws of the manual gradient graders, as functions of the test's rng
(source_tests/test_unit_draws_manual_gradient.py checks them over 1,000 ids).

Sizes that a transpose or an axis could hide are at least 2; every vector of
hidden parameters holds both signs; no value is within 0.05 of 0 or of +-1."""
from __future__ import annotations

import numpy as np

from autograder.graders.recovery import draw_away

AVOID = (-1.0, 0.0, 1.0)


def signed(rng: np.random.Generator, low: float, high: float) -> float:
    """A value of random sign whose magnitude is in [low, high], away from 1."""
    return float(rng.choice((-1.0, 1.0))) * draw_away(rng, low, high, AVOID)


def mixed_signs(rng: np.random.Generator, size: int, low: float, high: float) -> np.ndarray:
    """`size` (>= 2) values of magnitude in [low, high], at least one of each sign, in random order."""
    signs = rng.permutation(np.r_[1.0, -1.0, rng.choice((-1.0, 1.0), size - 2)])
    return np.array([s * draw_away(rng, low, high, AVOID) for s in signs])


def uniform_away(rng: np.random.Generator, low: float, high: float, shape) -> np.ndarray:
    """Uniform in [low, high), each entry at least 0.05 from 0 and +-1."""
    return np.array([draw_away(rng, low, high, AVOID) for _ in range(int(np.prod(shape)))]).reshape(shape)


# -- part 1: the simple example ----------------------------------------------------------------
def draw_integers(rng: np.random.Generator) -> np.ndarray:
    """The integer tensor given to make_differentiable: 2 to 6 entries in [-9, 9], none 0 or 1."""
    choices = np.array([v for v in range(-9, 10) if v not in (0, 1)])
    return rng.choice(choices, size=int(rng.integers(2, 7)))


EXAMPLE_SHAPES = ("scalar", "vector", "matrix")


def draw_example(rng: np.random.Generator, shape: str):
    """(w, b, x, y*) of the simple example: numbers, or x and y* vectors (2 to 8
    entries) or matrices (2 to 4 by 2 to 4). w, b, x of either sign."""
    w, b = signed(rng, 0.2, 1.0), signed(rng, 0.2, 2.0)
    size = {"scalar": (), "vector": (int(rng.integers(2, 9)),),
            "matrix": (int(rng.integers(2, 5)), int(rng.integers(2, 5)))}[shape]
    if not size:
        return w, b, signed(rng, 0.2, 1.0), draw_away(rng, 0.5, 5.0, AVOID)
    x = uniform_away(rng, -1.0, 1.0, size)
    x.flat[:2] = np.abs(x.flat[:2]) * np.array([1.0, -1.0])  # both signs of x in every draw
    return w, b, x, uniform_away(rng, 0.5, 5.0, size)


# -- part 2: linear regression -----------------------------------------------------------------
def draw_problem(rng: np.random.Generator, n_range: tuple[int, int], d_range: tuple[int, int]):
    """x uniform in [0, 1)^(n, d) as in the notebook, y = x @ w* + b*, with w*
    of both signs and b* of either sign; n and d drawn in the closed ranges."""
    n, d = int(rng.integers(n_range[0], n_range[1] + 1)), int(rng.integers(d_range[0], d_range[1] + 1))
    x = rng.random((n, d))
    w_star, b_star = mixed_signs(rng, d, 0.5, 3.0), signed(rng, 0.3, 2.0)
    return x, x @ w_star + b_star, w_star, b_star


def draw_point(rng: np.random.Generator, d: int) -> tuple[np.ndarray, float]:
    """Where a gradient is evaluated, or where a descent starts: w of both signs, b of either sign."""
    return mixed_signs(rng, d, 0.1, 2.0), signed(rng, 0.1, 2.0)


GRADIENT_SIZES = ((3, 40), (2, 5))  # n, d of the gradient tests
REPLAY_SIZES = ((5, 40), (2, 4))
RECOVERY_SIZES = ((30, 60), (2, 3))
LSTSQ_SIZES = ((10, 50), (2, 5))
LEARNING_RATE_SIZES = {"small": (30, 50), "medium": (200, 799), "large": (1500, 3000)}
RECOVERY_EPOCHS = 3000


def recovery_rate(n: int) -> float:
    """The step of the recovery runs (the reference's learning_rate_for)."""
    return 0.3 / n


def draw_replay(rng: np.random.Generator):
    """A replay of the notebook's descent: the problem, a start, a step and a few epochs."""
    x, y, _, _ = draw_problem(rng, *REPLAY_SIZES)
    w0, b0 = draw_point(rng, x.shape[1])
    learning_rate = 0.3 / len(x) * draw_away(rng, 0.3, 1.0)
    return x, y, w0, b0, learning_rate, int(rng.integers(4, 12))
