"""The practical with the student's engine: fit_linear replayed against a
reference gradient descent and run long enough to recover hidden
parameters; fit_challenge on data from hidden parameters."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import as_array, as_number, assert_close, kind_of, show
from autograder.grading.marks import points, time_limit, title
from autograder.graders.challenge_data import call_fit, hidden_challenge2, model_output
from autograder.graders.manual_gradient.linear import draw_problem
from autograder.graders.recovery import assert_recovered

TOLERANCE = 0.01


def reference_descent(x, y, w0, b0, learning_rate: float, epochs: int):
    """Batch gradient descent on the summed squared error, with the loss before each step."""
    w, b, losses = np.array(w0, dtype=float), np.array(b0, dtype=float), []
    for _ in range(epochs):
        residual = x @ w + b - y
        losses.append(float(np.sum(residual ** 2)))
        w, b = w - learning_rate * 2 * x.T @ residual, b - learning_rate * 2 * np.sum(residual)
    return w, b, losses


def _fit_linear(student, sandbox, x, y, w0, b0, learning_rate, epochs):
    given = sandbox.inputs(x=x, y=y, w_init=w0, b_init=b0)
    result = student.fit_linear(given.x, given.y, given.w_init, given.b_init, learning_rate, epochs)
    given.check_unchanged("fit_linear")
    if not isinstance(result, tuple) or len(result) != 3:
        raise AssertionError(f"fit_linear should return the tuple (w, b, losses), got {kind_of(result)}")
    w, b, losses = result
    if not isinstance(losses, list) or len(losses) != epochs:
        raise AssertionError(f"fit_linear should return a list of {epochs} losses (one per epoch), "
                             f"got {kind_of(losses)}")
    return (as_array(w, "w returned by fit_linear", w0.shape), as_array(b, "b returned by fit_linear", (1,)),
            np.array([as_number(v, "each loss returned by fit_linear") for v in losses]))


@points(2)
@time_limit(30)
@title("fit_linear follows batch gradient descent step by step, losses included, inputs unchanged ({draw})")
@pytest.mark.parametrize("draw", [0, 1])
def test_fit_linear(student, sandbox, rng, draw):
    x, y, _, _ = draw_problem(rng)
    w0, b0 = rng.uniform(-1, 1, x.shape[1]), rng.uniform(-1, 1, 1)
    learning_rate, epochs = 0.3 / len(x) * float(rng.uniform(0.3, 1.0)), int(rng.integers(4, 12))
    w, b, losses = _fit_linear(student, sandbox, x, y, w0, b0, learning_rate, epochs)
    want_w, want_b, want_losses = reference_descent(x, y, w0, b0, learning_rate, epochs)
    inputs = f"x of shape {x.shape}, w_init = {show(w0)}, b_init = {show(b0)}, learning_rate = {learning_rate:.4g}, " \
             f"epochs = {epochs}"
    assert_close(w, want_w, "fit_linear: w after gradient descent", inputs, rtol=1e-7)
    assert_close(b, want_b, "fit_linear: b after gradient descent", inputs, rtol=1e-7)
    assert_close(losses, np.array(want_losses), "fit_linear: the losses (each before its step)", inputs, rtol=1e-7)


@points(2)
@time_limit(60)
@title("fit_linear recovers hidden parameters")
def test_fit_linear_recovers_hidden_parameters(student, sandbox, rng):
    x, y, w_star, b_star = draw_problem(rng, n=int(rng.integers(30, 60)), d=int(rng.integers(1, 4)))
    w, b, _ = _fit_linear(student, sandbox, x, y, np.zeros(x.shape[1]), np.zeros(1), 0.3 / len(x), 2000)
    found = {**{f"w[{i}]": float(v) for i, v in enumerate(w)}, "b": float(b[0])}
    truth = {**{f"w[{i}]": float(v) for i, v in enumerate(w_star)}, "b": b_star}
    assert_recovered(found, truth, 1e-3, "fit_linear (2000 epochs from zero)")


@points(3)
@time_limit(60)
@title("fit_challenge recovers hidden p*, w* and b* of exp(w* cos(p* x) + b*) with your engine (draw {draw})")
@pytest.mark.parametrize("draw", [0, 1, 2])
def test_fit_challenge(student, sandbox, rng, draw):
    truth = hidden_challenge2(rng)
    found = call_fit(student, sandbox, "fit_challenge", model_output(**truth), ("p", "w", "b"))
    found["p"] = abs(found["p"])  # cos(px) = cos(-px)
    assert_recovered(found, truth, TOLERANCE, "fit_challenge on new data")


