"""The training loops replayed against a reference gradient descent (same start,
step and epochs), then run long enough to recover hidden parameters; the
closed form; and learning_rate_for on hidden sample sizes."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import as_array, as_number, as_object, assert_close, kind_of, show
from autograder.grading.marks import points, time_limit, title
from autograder.graders.manual_gradient.linear import as_torch_shapes, draw_problem, reference_descent
from autograder.graders.recovery import assert_recovered
from autograder.sandbox.codec import TensorArg

pytestmark = time_limit(30)
FITS = ["fit_numpy", "fit_autograd", "fit_nn"]


def _pair(result, function: str) -> tuple:
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(f"{function} should return the tuple (w, b), got {kind_of(result)}")
    return result


def _fit(student, sandbox, name, x, y, w0, b0, learning_rate, epochs) -> tuple[np.ndarray, float]:
    """Call the student's fit on copies of its inputs (read back afterwards)
    and read (w, b) from what it returns, with the types the notebook states."""
    d = x.shape[1]
    if name == "fit_numpy":
        given = sandbox.inputs(x=x, y=y, w_init=w0, b_init=np.array([b0]))
    else:
        given = sandbox.inputs(**{k: TensorArg(v) for k, v in zip(("x_t", "y_t", "w_init", "b_init"),
                                                                   as_torch_shapes(x, y, w0, b0))})
    args = [getattr(given, k) for k in (("x", "y") if name == "fit_numpy" else ("x_t", "y_t"))]
    result = getattr(student, name)(*args, given.w_init, given.b_init, learning_rate, epochs)
    given.check_unchanged(name)
    if name == "fit_nn":
        # Read the trained module through what it computes: f(0) = b, f(e_i) = w_i + b.
        probes = np.vstack([np.zeros(d), np.eye(d)])
        module = as_object(result, "the module returned by fit_nn")
        out = as_array(module(TensorArg(probes)), "the module returned by fit_nn, applied to a (d + 1, d) tensor",
                       (d + 1, 1), tensor=True).reshape(-1)
        return out[1:] - out[0], float(out[0])
    w, b = _pair(result, name)
    tensor = name != "fit_numpy"
    w_shape, b_shape = ((d, 1), (1, 1)) if tensor else ((d,), (1,))
    return (as_array(w, f"w returned by {name}", w_shape, tensor).reshape(-1),
            float(as_array(b, f"b returned by {name}", b_shape, tensor).reshape(())))


@points(2)
@title("{name} follows batch gradient descent step by step, inputs unchanged")
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
@title("{name} recovers hidden parameters")
@pytest.mark.parametrize("name", FITS)
def test_fit_recovers_hidden_parameters(student, sandbox, rng, name):
    x, y, w_star, b_star = draw_problem(rng, n=int(rng.integers(30, 60)), d=int(rng.integers(1, 4)))
    w, b = _fit(student, sandbox, name, x, y, np.zeros(x.shape[1]), 0.0, 0.3 / len(x), 3000)
    found = {**{f"w[{i}]": float(v) for i, v in enumerate(w)}, "b": b}
    truth = {**{f"w[{i}]": float(v) for i, v in enumerate(w_star)}, "b": b_star}
    assert_recovered(found, truth, 1e-3, f"{name} (3000 epochs from zero)")


@points(2)
@title("fit_lstsq: the closed form, w and b as tensors of shapes (d, 1) and (1, 1), inputs unchanged")
def test_fit_lstsq(student, sandbox, rng):
    x, y, w_star, b_star = draw_problem(rng, n=int(rng.integers(10, 50)))
    x_t, y_t, _, _ = as_torch_shapes(x, y, w_star, b_star)
    given = sandbox.inputs(x_t=TensorArg(x_t), y_t=TensorArg(y_t))
    w, b = _pair(student.fit_lstsq(given.x_t, given.y_t), "fit_lstsq")
    given.check_unchanged("fit_lstsq")
    d = x.shape[1]
    assert_close(as_array(w, "fit_lstsq: w", (d, 1), tensor=True), w_star.reshape(-1, 1), "fit_lstsq: w",
                 f"x of shape {x.shape}", rtol=0, atol=1e-6)
    assert_close(as_array(b, "fit_lstsq: b", (1, 1), tensor=True), np.full((1, 1), b_star), "fit_lstsq: b",
                 f"x of shape {x.shape}", rtol=0, atol=1e-6)


@points(1)
@title("learning_rate_for(n): gradient descent on the summed loss converges, {size} n",
       size={"small": "small", "medium": "a medium", "large": "a large"})
@pytest.mark.parametrize("size", ["small", "medium", "large"])
def test_learning_rate_for(student, rng, size):
    low, high = {"small": (30, 100), "medium": (200, 800), "large": (1500, 3001)}[size]
    n = int(rng.integers(low, high))
    rate = as_number(student.learning_rate_for(n), f"learning_rate_for({n})")
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
