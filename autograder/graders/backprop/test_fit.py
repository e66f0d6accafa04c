"""Recovering hidden w*, b* of y = exp(w* x + b*): once with an SGD loop run by
the grader through the student's classes, once with the student's own train."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import as_number, assert_close, kind_of
from autograder.grading.marks import points, time_limit, title
from autograder.graders.layer_specs import ADD_BIAS, MULTIPLICATION_WEIGHT, MY_EXP
from autograder.graders.recovery import assert_recovered
from autograder.graders.sgd import check_sgd_path, run_sgd

TOLERANCE = 0.01
START = (1.0, 1.0)  # the course's starting point; hidden values are drawn away from it
DRAWS = [0, 1]


def course_sgd(w: float, b: float, xx, yy, indices, learning_rate: float) -> tuple[float, float, list[float]]:
    """SGD on exp(w x + b) from (w, b), one sample per step, in closed form (a
    unit test checks it against torch.autograd): the parameters after the last
    step and the loss before each."""
    losses = []
    for j in indices:
        y = np.exp(w * xx[j] + b)
        losses.append(float((y - yy[j]) ** 2))
        g = 2 * (y - yy[j]) * y
        w, b = w - learning_rate * g * xx[j], b - learning_rate * g
    return float(w), float(b), losses


def hidden_data(rng: np.random.Generator):
    w_star, b_star = rng.uniform(0.25, 1.0), rng.uniform(2.25, 3.0)
    xx = np.arange(0, 1, 0.01)
    return w_star, b_star, xx, np.exp(w_star * xx + b_star)


@points(2)
@time_limit(60)
@title("SGD run by the grader through your classes recovers hidden w* and b* (draw {draw})")
@pytest.mark.parametrize("draw", DRAWS)
def test_sgd_through_your_classes(student, sandbox, rng, draw):
    w_star, b_star, xx, yy = hidden_data(rng)
    learning_rate, n_iter = 2e-4, 2500
    check_sgd_path(student, sandbox, [(MULTIPLICATION_WEIGHT, START[0]), (ADD_BIAS, START[1]), (MY_EXP, None)],
                   xx, yy, rng, learning_rate)
    model = student.my_composition([student.multiplication_weight(START[0]), student.add_bias(START[1]),
                                    student.my_exp()])
    run_sgd(sandbox, model, xx, yy, rng.integers(len(xx), size=n_iter), [(model, learning_rate)])
    layers = model.layers
    found = {"w": as_number(layers[0].w, "w"), "b": as_number(layers[1].b, "b")}
    assert_recovered(found, {"w": w_star, "b": b_star}, TOLERANCE,
                     f"grader's SGD loop ({n_iter} samples, learning rate {learning_rate:g}) through your classes")


@points(2)
@time_limit(60)
@title("your train runs the SGD the notebook describes, recovers hidden w* and b*, and leaves xx and yy "
       "unchanged (draw {draw})")
@pytest.mark.parametrize("draw", DRAWS)
def test_train_recovers_parameters(student, sandbox, rng, draw):
    w_star, b_star, xx, yy = hidden_data(rng)
    model = student.my_composition([student.multiplication_weight(START[0]), student.add_bias(START[1]),
                                    student.my_exp()])
    given = sandbox.inputs(xx=xx, yy=yy)
    learning_rate, n_iter, seed = 1e-4, 6000, int(rng.integers(1000))
    losses = student.train(model, given.xx, given.yy, learning_rate, n_iter, seed)
    given.check_unchanged("train")
    if not isinstance(losses, list) or not {type(v) for v in losses} <= {float, int}:
        raise AssertionError(f"train should return a list of floats (one loss per iteration), got {kind_of(losses)}"
                             + (f" holding {sorted({type(v).__name__ for v in losses})}" if isinstance(losses, list)
                                else ""))
    assert len(losses) == n_iter, f"train should return {n_iter} losses (one per iteration), got {len(losses)}"
    losses = np.array(losses, dtype=np.float64)
    layers = model.layers
    found = {"w": as_number(layers[0].w, "w"), "b": as_number(layers[1].b, "b")}
    call = f"train(model, xx, yy, {learning_rate:g}, {n_iter}, seed={seed}) from w = 1, b = 1"
    # The very run the notebook describes: j = rng.integers(len(xx)) with rng = np.random.default_rng(seed).
    # (integers(n, size=k) draws the same k indices as k calls of integers(n).)
    w, b, want_losses = course_sgd(*START, xx, yy, np.random.default_rng(seed).integers(len(xx), size=n_iter),
                                   learning_rate)
    assert_close(losses, np.array(want_losses), "the losses train returned (each before its step)", call)
    assert_close(found["w"], w, "w after train", call)
    assert_close(found["b"], b, "b after train", call)
    assert_recovered(found, {"w": w_star, "b": b_star}, TOLERANCE, call)
