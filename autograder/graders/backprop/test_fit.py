"""Recovering hidden w*, b* of y = exp(w* x + b*): once with an SGD loop run by
the grader through the student's classes, once with the student's own train."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import as_numbers, as_scalar, assert_unchanged, show
from autograder.graders.recovery import assert_recovered
from autograder.grading.marks import points, time_limit
from autograder.graders.sgd import run_sgd

TOLERANCE = 0.01
START = (1.0, 1.0)  # the course's starting point; hidden values are drawn away from it
DRAWS = [0, 1]


def hidden_data(rng: np.random.Generator):
    w_star, b_star = rng.uniform(0.25, 1.0), rng.uniform(2.25, 3.0)
    xx = np.arange(0, 1, 0.01)
    return w_star, b_star, xx, np.exp(w_star * xx + b_star)


@points(2)
@time_limit(60)
@pytest.mark.parametrize("draw", DRAWS)
def test_sgd_through_your_classes(student, sandbox, rng, draw):
    w_star, b_star, xx, yy = hidden_data(rng)
    model = student.my_composition([student.multiplication_weight(START[0]), student.add_bias(START[1]),
                                    student.my_exp()])
    learning_rate, n_iter = 2e-4, 2500
    run_sgd(sandbox, model, xx, yy, rng.integers(len(xx), size=n_iter), [(model, learning_rate)])
    layers = model.layers
    found = {"w": as_scalar(layers[0].w, "w"), "b": as_scalar(layers[1].b, "b")}
    assert_recovered(found, {"w": w_star, "b": b_star}, TOLERANCE,
                     f"grader's SGD loop ({n_iter} samples, learning rate {learning_rate:g}) through your classes")


@points(2)
@time_limit(60)
@pytest.mark.parametrize("draw", DRAWS)
def test_train_recovers_parameters(student, sandbox, rng, draw):
    w_star, b_star, xx, yy = hidden_data(rng)
    model = student.my_composition([student.multiplication_weight(START[0]), student.add_bias(START[1]),
                                    student.my_exp()])
    xx_remote, yy_remote = sandbox.put(xx), sandbox.put(yy)
    n_iter, seed = 6000, int(rng.integers(1000))
    losses = student.train(model, xx_remote, yy_remote, 1e-4, n_iter, seed)
    assert_unchanged(sandbox.fetch(xx_remote), xx, "train (xx)")
    assert_unchanged(sandbox.fetch(yy_remote), yy, "train (yy)")
    losses = as_numbers(losses, "the value returned by train")
    assert losses.shape == (n_iter,), f"train should return {n_iter} losses (one per iteration), got shape {losses.shape}"
    assert np.all(np.isfinite(losses)), f"train returned non-finite losses: {show(losses)}"
    layers = model.layers
    found = {"w": as_scalar(layers[0].w, "w"), "b": as_scalar(layers[1].b, "b")}
    assert_recovered(found, {"w": w_star, "b": b_star}, TOLERANCE,
                     f"train(model, xx, yy, 1e-4, {n_iter}, seed={seed}) from w = 1, b = 1")
