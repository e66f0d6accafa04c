"""The fits, each the student's alone with the reference for everything else (fit_numpy
calls the reference `gradient`): replayed against a reference gradient descent (same
start, step and epochs), then, separately, run long enough to recover hidden
parameters; one contract test each for the notebook's types, shapes and untouched
inputs; the closed form; and learning_rate_for on hidden sample sizes. No test uses
several of the student's functions together."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import as_number, as_object, assert_close, kind_of
from autograder.grading.marks import points, time_factor, title
from autograder.graders.manual_gradient.draws import (LEARNING_RATE_SIZES, LSTSQ_SIZES, RECOVERY_EPOCHS,
                                                      RECOVERY_SIZES, draw_problem, draw_replay, recovery_rate)
from autograder.graders.manual_gradient.linear import (NUMBER_SHAPES, as_torch_shapes, check_array, describe,
                                                       pair, reference_descent, value_of, vector_shapes)
from autograder.graders.recovery import assert_recovered
from autograder.sandbox.codec import TensorArg, TensorArray

pytestmark = time_factor(50)
FITS = ["fit_numpy", "fit_autograd", "fit_nn"]


def _run_fit(units, sandbox, name, x, y, w0, b0, learning_rate, epochs):
    """The student's fit (alone) on copies of its inputs, with the types the
    notebook gives: numpy w (d,) and b (1,), or tensors w (d, 1) and b (1, 1).
    Returns what it returned and the inputs, to read back."""
    if name == "fit_numpy":
        given = sandbox.inputs(x=x, y=y, w_init=w0, b_init=np.array([b0]))
        data = (given.x, given.y)
    else:
        given = sandbox.inputs(**{k: TensorArg(v) for k, v in zip(("x_t", "y_t", "w_init", "b_init"),
                                                                   as_torch_shapes(x, y, w0, b0))})
        data = (given.x_t, given.y_t)
    return getattr(units(name), name)(*data, given.w_init, given.b_init, learning_rate, epochs), given


def _module_outputs(result, d: int):
    """What the module returned by fit_nn computes on the probes 0, e_1, ..., e_d."""
    module = as_object(result, "the module returned by fit_nn")
    return module(TensorArg(np.vstack([np.zeros(d), np.eye(d)])))


def _fitted(result, name: str, d: int) -> tuple[np.ndarray, float]:
    """(w, b) as values, from any equivalent shapes (a float b, a flat w, ...)."""
    if name == "fit_nn":  # f(0) = b, f(e_i) = w_i + b
        out = value_of(_module_outputs(result, d), "the module returned by fit_nn, applied to a (d + 1, d) tensor",
                       ((d + 1, 1), (d + 1,)))
        return out[1:] - out[0], float(out[0])
    w, b = pair(result, name, "w, b")
    return (value_of(w, f"w returned by {name}", vector_shapes(d)),
            float(value_of(b, f"b returned by {name}", NUMBER_SHAPES)[0]))


@points(1.5)
@title("{name} follows batch gradient descent step by step (the same start, step and epochs as a reference)")
@pytest.mark.parametrize("name", FITS)
def test_fit_follows_gradient_descent(units, sandbox, rng, name):
    x, y, w0, b0, learning_rate, epochs = draw_replay(rng)
    result, _ = _run_fit(units, sandbox, name, x, y, w0, b0, learning_rate, epochs)
    w, b = _fitted(result, name, x.shape[1])
    want_w, want_b = reference_descent(x, y, w0, b0, learning_rate, epochs)
    inputs = describe(x, w_init=w0, b_init=b0, learning_rate=learning_rate, epochs=epochs)
    assert_close(w, want_w, f"{name}: w after gradient descent", inputs, rtol=1e-7)
    assert_close(b, want_b, f"{name}: b after gradient descent", inputs, rtol=1e-7)


@points(1)
@title("{name} recovers hidden parameters")
@pytest.mark.parametrize("name", FITS)
def test_fit_recovers_hidden_parameters(units, sandbox, rng, name):
    x, y, w_star, b_star = draw_problem(rng, *RECOVERY_SIZES)
    result, _ = _run_fit(units, sandbox, name, x, y, np.zeros(x.shape[1]), 0.0, recovery_rate(len(x)),
                         RECOVERY_EPOCHS)
    w, b = _fitted(result, name, x.shape[1])
    found = {**{f"w[{i}]": float(v) for i, v in enumerate(w)}, "b": b}
    truth = {**{f"w[{i}]": float(v) for i, v in enumerate(w_star)}, "b": b_star}
    assert_recovered(found, truth, 1e-3, f"{name} ({RECOVERY_EPOCHS} epochs from zero)")


@points(0.5)
@title("{name} (contract): returns the types and shapes the notebook states; its inputs unchanged")
@pytest.mark.parametrize("name", FITS)
def test_fit_contract(units, sandbox, rng, name):
    x, y, w0, b0, learning_rate, epochs = draw_replay(rng)
    result, given = _run_fit(units, sandbox, name, x, y, w0, b0, learning_rate, epochs)
    want_w, want_b = reference_descent(x, y, w0, b0, learning_rate, epochs)
    d = x.shape[1]
    if name == "fit_nn":
        out = _module_outputs(result, d)
        want = (np.r_[0.0, want_w] + want_b).reshape(-1, 1)
        check_array(out, want, "the module returned by fit_nn, applied to a (d + 1, d) tensor", tensor=True)
    else:
        w, b = pair(result, name, "w, b")
        tensor = name != "fit_numpy"
        shapes = ((d, 1), (1, 1)) if tensor else ((d,), (1,))
        check_array(w, want_w.reshape(shapes[0]), f"{name}: w", tensor)
        check_array(b, np.full(shapes[1], want_b), f"{name}: b", tensor)
    given.check_unchanged(name)


def _lstsq(units, sandbox, rng):
    x, y, w_star, b_star = draw_problem(rng, *LSTSQ_SIZES)
    x_t, y_t, w_col, b_col = as_torch_shapes(x, y, w_star, b_star)
    given = sandbox.inputs(x_t=TensorArg(x_t), y_t=TensorArg(y_t))
    return pair(units("fit_lstsq").fit_lstsq(given.x_t, given.y_t), "fit_lstsq", "w, b"), w_col, b_col, given, x


@points(1.5)
@title("fit_lstsq: the closed form recovers w and b exactly")
def test_fit_lstsq(units, sandbox, rng):
    (w, b), w_col, b_col, _, x = _lstsq(units, sandbox, rng)
    inputs = describe(x)
    d = x.shape[1]
    assert_close(value_of(w, f"fit_lstsq: w for {inputs}", ((d, 1), (d,))), w_col.reshape(-1), "fit_lstsq: w",
                 inputs, rtol=0, atol=1e-6)
    assert_close(value_of(b, f"fit_lstsq: b for {inputs}", NUMBER_SHAPES), b_col.reshape(-1), "fit_lstsq: b",
                 inputs, rtol=0, atol=1e-6)


@points(0.5)
@title("fit_lstsq (contract): w and b as tensors of shapes (d, 1) and (1, 1); inputs unchanged")
def test_fit_lstsq_contract(units, sandbox, rng):
    (w, b), w_col, b_col, given, x = _lstsq(units, sandbox, rng)
    check_array(w, w_col, f"fit_lstsq: w for {describe(x)}", tensor=True)
    check_array(b, b_col, f"fit_lstsq: b for {describe(x)}", tensor=True)
    given.check_unchanged("fit_lstsq")


@points(1)
@title("learning_rate_for(n): gradient descent on the summed loss converges, {size} n",
       size={"small": "small", "medium": "a medium", "large": "a large"})
@pytest.mark.parametrize("size", list(LEARNING_RATE_SIZES))
def test_learning_rate_for(units, rng, size):
    low, high = LEARNING_RATE_SIZES[size]
    n = int(rng.integers(low, high + 1))
    returned = units("learning_rate_for").learning_rate_for(n)
    if isinstance(returned, TensorArray) or isinstance(returned, np.ndarray) and returned.size == 1:
        returned = float(np.asarray(returned).reshape(-1)[0])  # a one-entry array is the same step
    rate = as_number(returned, f"learning_rate_for({n})")
    if not (np.isfinite(rate) and rate > 0):
        raise AssertionError(f"learning_rate_for({n}) returned {kind_of(returned)}: it should be a positive step")
    x, y, w_star, b_star = draw_problem(rng, (n, n), (2, 2))
    epochs = 2000
    with np.errstate(over="ignore", invalid="ignore"):
        w, b = reference_descent(x, y, np.zeros(2), 0.0, rate, epochs, autograd=False)
    found = {"w[0]": float(w[0]), "w[1]": float(w[1]), "b": float(b)}
    truth = {"w[0]": float(w_star[0]), "w[1]": float(w_star[1]), "b": b_star}
    assert_recovered(found, truth, 1e-3,
                     f"gradient descent on the summed loss of {n} samples with learning_rate_for({n}) = {rate:.4g} "
                     f"for {epochs} epochs (diverged, or too small a step to converge in time?)")
