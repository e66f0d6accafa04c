"""The training loops replayed against a reference gradient descent (same start,
step and epochs), then run long enough to recover hidden parameters; the
closed form; and learning_rate_for on hidden sample sizes."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import as_numbers, as_scalar, assert_close, show
from autograder.grading.marks import points, time_limit
from autograder.graders.manual_gradient.linear import as_torch_shapes, draw_problem, reference_descent
from autograder.graders.recovery import assert_recovered
from autograder.sandbox.codec import TensorArg

pytestmark = time_limit(30)
FITS = ["fit_numpy", "fit_autograd", "fit_nn"]


def _fit(student, sandbox, name, x, y, w0, b0, learning_rate, epochs) -> tuple[np.ndarray, float]:
    """Call the student's fit and read back (w, b) whatever it returns."""
    if name == "fit_numpy":
        result = student.fit_numpy(sandbox.put(x), sandbox.put(y), sandbox.put(w0), sandbox.put(np.array([b0])),
                                   learning_rate, epochs)
    else:
        x_t, y_t, w_t, b_t = (TensorArg(v) for v in as_torch_shapes(x, y, w0, b0))
        result = getattr(student, name)(x_t, y_t, w_t, b_t, learning_rate, epochs)
    if name == "fit_nn":
        # Read the trained module through what it computes: f(0) = b, f(e_i) = w_i + b.
        probes = np.vstack([np.zeros(x.shape[1]), np.eye(x.shape[1])])
        out = as_numbers(result(TensorArg(probes)), "the module returned by fit_nn, applied to inputs").reshape(-1)
        assert out.shape == (len(probes),), f"the module returned by fit_nn should map (n, d) to (n, 1), got {show(out)}"
        return out[1:] - out[0], float(out[0])
    assert isinstance(result, (tuple, list)) and len(result) == 2, f"{name} should return (w, b), got {show(result)}"
    return as_numbers(result[0], f"w returned by {name}").reshape(-1), as_scalar(result[1], f"b returned by {name}")


@points(2)
@pytest.mark.parametrize("name", FITS)
def test_fit_follows_gradient_descent(student, sandbox, rng, name):
    x, y, _, _ = draw_problem(rng)
    w0, b0 = rng.uniform(-1, 1, x.shape[1]), float(rng.uniform(-1, 1))
    learning_rate, epochs = 0.3 / len(x) * float(rng.uniform(0.3, 1.0)), int(rng.integers(4, 12))
    w, b = _fit(student, sandbox, name, x, y, w0, b0, learning_rate, epochs)
    want_w, want_b = reference_descent(x, y, w0, b0, learning_rate, epochs)
    inputs = (f"x of shape {x.shape}, w_init = {show(w0)}, b_init = {b0:.4g}, "
              f"learning_rate = {learning_rate:.4g}, epochs = {epochs}")
    assert_close(w, want_w, f"{name}: w after gradient descent", inputs, rtol=1e-7)
    assert_close(b, want_b, f"{name}: b after gradient descent", inputs, rtol=1e-7)


@points(1)
@pytest.mark.parametrize("name", FITS)
def test_fit_recovers_hidden_parameters(student, sandbox, rng, name):
    x, y, w_star, b_star = draw_problem(rng, n=int(rng.integers(30, 60)), d=int(rng.integers(1, 4)))
    w, b = _fit(student, sandbox, name, x, y, np.zeros(x.shape[1]), 0.0, 0.3 / len(x), 3000)
    found = {**{f"w[{i}]": float(v) for i, v in enumerate(w)}, "b": b}
    truth = {**{f"w[{i}]": float(v) for i, v in enumerate(w_star)}, "b": b_star}
    assert_recovered(found, truth, 1e-3, f"{name} (3000 epochs from zero)")


@points(2)
def test_fit_lstsq(student, rng):
    x, y, w_star, b_star = draw_problem(rng, n=int(rng.integers(10, 50)))
    x_t, y_t, _, _ = as_torch_shapes(x, y, w_star, b_star)
    result = student.fit_lstsq(TensorArg(x_t), TensorArg(y_t))
    assert isinstance(result, (tuple, list)) and len(result) == 2, f"fit_lstsq should return (w, b), got {show(result)}"
    assert_close(result[0], w_star.reshape(-1, 1), "fit_lstsq: w", f"x of shape {x.shape}", rtol=0, atol=1e-6,
                 same_shape=True)
    assert_close(result[1], np.full((1, 1), b_star), "fit_lstsq: b", f"x of shape {x.shape}", rtol=0, atol=1e-6,
                 same_shape=True)


@points(1)
@pytest.mark.parametrize("size", ["small", "medium", "large"])
def test_learning_rate_for(student, rng, size):
    low, high = {"small": (30, 100), "medium": (200, 800), "large": (1500, 3001)}[size]
    n = int(rng.integers(low, high))
    rate = as_scalar(student.learning_rate_for(n), f"learning_rate_for({n})")
    assert np.isfinite(rate) and rate > 0, f"learning_rate_for({n}) returned {rate:g}: it should be a positive step"
    x, y, w_star, b_star = draw_problem(rng, n=n, d=2)
    epochs = 2000
    with np.errstate(over="ignore", invalid="ignore"):
        w, b = reference_descent(x, y, np.zeros(2), 0.0, rate, epochs, autograd=False)
    found = {"w[0]": float(w[0]), "w[1]": float(w[1]), "b": float(b)}
    truth = {"w[0]": float(w_star[0]), "w[1]": float(w_star[1]), "b": b_star}
    assert_recovered(found, truth, 1e-3,
                     f"gradient descent on the summed loss of {n} samples with learning_rate_for({n}) = {rate:.4g} "
                     f"for {epochs} epochs (diverged, or too small a step to converge in time?)")
