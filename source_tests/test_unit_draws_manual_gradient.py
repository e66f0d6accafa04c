"""The manual gradient graders' hidden draws over 1,000 ids (fast, no sandbox): no size-1-only
case where a transpose could hide, both signs of every hidden parameter vector, no value at
0 or +-1, and the recovery and step-size runs able to converge on every draw."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.graders.manual_gradient import draws
from autograder.graders.manual_gradient.draws import (EXAMPLE_SHAPES, GRADIENT_SIZES, LEARNING_RATE_SIZES,
                                                      LSTSQ_SIZES, RECOVERY_EPOCHS, RECOVERY_SIZES, draw_example,
                                                      draw_integers, draw_point, draw_problem, draw_replay,
                                                      recovery_rate)

IDS = range(1000)


def rngs():
    return (np.random.default_rng([7, i]) for i in IDS)


def away_from_0_and_1(values, what: str) -> None:
    values = np.abs(np.ravel(values))
    assert np.all(values >= 0.05) and np.all(np.abs(values - 1) >= 0.05), f"{what}: a value at 0 or +-1: {values}"


def curvatures(x: np.ndarray) -> np.ndarray:
    design = np.c_[x, np.ones(len(x))]
    return np.linalg.eigvalsh(2 * design.T @ design)


def test_integers_given_to_make_differentiable():
    for rng in rngs():
        values = draw_integers(rng)
        assert len(values) >= 2 and not np.isin(values, (0, 1)).any(), values


@pytest.mark.parametrize("shape", EXAMPLE_SHAPES)
def test_simple_example(shape):
    signs_w, signs_b = set(), set()
    for rng in rngs():
        w, b, x, y_star = draw_example(rng, shape)
        away_from_0_and_1(np.r_[w, b, np.ravel(x), np.ravel(y_star)], f"draw_example({shape})")
        signs_w.add(np.sign(w))
        signs_b.add(np.sign(b))
        if shape != "scalar":
            assert min(np.shape(x)) >= 2 and np.shape(x) == np.shape(y_star), np.shape(x)
            assert (np.ravel(x) > 0).any() and (np.ravel(x) < 0).any(), x
    assert signs_w == signs_b == {-1.0, 1.0}


@pytest.mark.parametrize("sizes", [GRADIENT_SIZES, RECOVERY_SIZES, LSTSQ_SIZES], ids=["gradient", "recovery", "lstsq"])
def test_problems(sizes):
    signs_b, ds = set(), set()
    for rng in rngs():
        x, y, w_star, b_star = draw_problem(rng, *sizes)
        n, d = x.shape
        ds.add(d)
        assert d >= 2 and n >= 2, x.shape
        assert (w_star > 0).any() and (w_star < 0).any(), f"w* of one sign: {w_star}"
        away_from_0_and_1(np.r_[w_star, b_star], "the hidden parameters")
        signs_b.add(np.sign(b_star))
        assert np.allclose(y, x @ w_star + b_star)
        if sizes is not GRADIENT_SIZES:  # fits must be able to find the hidden parameters
            assert np.linalg.matrix_rank(np.c_[x, np.ones(n)]) == d + 1, "the hidden parameters are not identifiable"
    assert signs_b == {-1.0, 1.0} and len(ds) >= 2, (signs_b, ds)


def test_points_where_gradients_are_taken():
    for rng in rngs():
        d = int(rng.integers(2, 6))
        w, b = draw_point(rng, d)
        assert (w > 0).any() and (w < 0).any(), w
        away_from_0_and_1(np.r_[w, b], "draw_point")


def test_replays_are_stable_and_not_trivial():
    for rng in rngs():
        x, y, w0, b0, learning_rate, epochs = draw_replay(rng)
        assert x.shape[1] >= 2 and epochs >= 4
        assert learning_rate * curvatures(x).max() < 2, "a replay whose reference descent diverges"
        away_from_0_and_1(np.r_[w0, b0], "the replay's start")


def test_recovery_converges_on_every_draw():
    """3000 epochs from zero with the recovery step get within 1e-4 of the hidden parameters (the test asks 1e-3)."""
    for rng in rngs():
        x, y, w_star, b_star = draw_problem(rng, *RECOVERY_SIZES)
        eig = curvatures(x) * recovery_rate(len(x))
        contraction = max(abs(1 - eig.min()), abs(1 - eig.max()))
        assert contraction ** RECOVERY_EPOCHS * np.linalg.norm(np.r_[w_star, b_star]) < 1e-4, contraction


@pytest.mark.parametrize("size", list(LEARNING_RATE_SIZES))
def test_learning_rate_sizes(size):
    """Steps c / n with c from 0.1 to 1/3 (the reference's and the correct corpus's) converge within the test's
    tolerance on every draw, from any start within the hidden range; the course's fixed 1e-2 converges on every small n
    and diverges on every medium and large n (so that bug loses the same points on every id)."""
    low, high = LEARNING_RATE_SIZES[size]
    for rng in rngs():
        n = int(rng.integers(low, high + 1))
        x, _, w_star, b_star = draw_problem(rng, (n, n), (2, 2))
        eig = curvatures(x)
        for scale in (0.1, 0.2, 0.25, 0.3, 1 / 3):  # the reference's 0.3 / n and other valid steps of the corpus
            rate = scale / n
            assert max(abs(1 - rate * eig.min()), abs(1 - rate * eig.max())) ** 2000 * 5 < 1e-3, (size, n, scale)
        assert (1e-2 * eig.max() < 2) == (size == "small"), (size, n, eig.max())


def test_draws_module_has_no_fixed_size_one():
    assert all(low >= 2 for low in (GRADIENT_SIZES[1][0], RECOVERY_SIZES[1][0], LSTSQ_SIZES[1][0],
                                    draws.REPLAY_SIZES[1][0]))
