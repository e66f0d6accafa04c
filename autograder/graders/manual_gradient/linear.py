"""The reference linear regression (float64, in the grader), and how the graders read
what the student's functions return: values with any equivalent shape in the value
tests, the notebook's exact types and shapes in the one contract test per function."""
from __future__ import annotations

from typing import Any

import numpy as np

from autograder.grading.compare import as_numbers, kind_of, show
from autograder.grading.reference import tensor
from autograder.sandbox.codec import TensorArray


def summed_loss_grads(x, y, w, b) -> tuple[np.ndarray, np.ndarray]:
    """d/dw and d/db of sum((x @ w + b - y)**2) by torch.autograd."""
    w_t, b_t = tensor(w, requires_grad=True), tensor(b, requires_grad=True)
    loss = ((tensor(x) @ w_t + b_t - tensor(y)) ** 2).sum()
    loss.backward()
    return w_t.grad.numpy(), b_t.grad.numpy()


def reference_descent(x, y, w0, b0, learning_rate: float, epochs: int,
                      autograd: bool = True) -> tuple[np.ndarray, float]:
    """Batch gradient descent on the summed squared error, from (w0, b0), with
    torch.autograd's gradient (or, for long runs that only test a step size,
    the same gradient in closed form)."""
    w, b = np.array(w0, dtype=float).reshape(-1), float(np.sum(b0))
    for _ in range(epochs):
        if autograd:
            grad_w, grad_b = summed_loss_grads(x, y, w, b)
        else:
            residual = x @ w + b - y
            grad_w, grad_b = 2 * x.T @ residual, 2 * residual.sum()
        w, b = w - learning_rate * grad_w, b - learning_rate * float(grad_b)
    return w, b


def as_torch_shapes(x, y, w, b):
    """The course's tensor shapes: x (n, d), y (n, 1), w (d, 1), b (1, 1)."""
    return x, np.asarray(y).reshape(-1, 1), np.asarray(w, dtype=float).reshape(-1, 1), np.full((1, 1), float(np.sum(b)))


# Shapes a value test accepts as the same value: a column or a flat vector, a
# number or a one-entry array. A row (1, d) is a transposed vector, not accepted.
def vector_shapes(d: int) -> tuple[tuple[int, ...], ...]:
    return ((d,), (d, 1)) if d > 1 else ((1,), (1, 1), ())


NUMBER_SHAPES = ((), (1,), (1, 1))


def pair(result: Any, function: str, names: str) -> tuple:
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(f"{function} should return the tuple ({names}), got {kind_of(result)}")
    return result


def value_of(value: Any, what: str, shapes: tuple[tuple[int, ...], ...]) -> np.ndarray:
    """The values of a number, array or tensor of one of the `shapes`, flat, as float64."""
    array = as_numbers(value, what)
    if array.shape not in shapes:
        wanted = " or ".join(str(s) for s in shapes)
        transposed = " (a transposed vector)" if len(array.shape) == 2 and array.shape[0] == 1 else ""
        raise AssertionError(f"{what} should have the shape {wanted}, got {kind_of(value)}{transposed}")
    return array.reshape(-1)


def contract_failure(what: str, asked: str, value: Any, right: bool) -> AssertionError:
    """The message of a contract test: what the notebook asks for, what came back, and
    whether the value itself is right (then only this contract test is lost)."""
    verdict = "the value is right; " if right else ""
    return AssertionError(f"{what}: {verdict}the notebook asks for {asked}, got {kind_of(value)}")


def check_number(value: Any, expected: float, what: str) -> None:
    """A Python float (or int, or a 0-d numpy array), as the notebook asks."""
    plain = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (plain or (isinstance(value, np.ndarray) and not isinstance(value, TensorArray) and value.ndim == 0)):
        raise contract_failure(what, "a number (a float)", value, _close(value, expected))


def check_array(value: Any, expected: np.ndarray, what: str, tensor: bool) -> None:
    """An array (a tensor when `tensor`) of exactly the shape of `expected`."""
    noun = "a tensor" if tensor else "a numpy array"
    ok = isinstance(value, np.ndarray) and isinstance(value, TensorArray) == tensor and value.shape == expected.shape
    if not ok:
        raise contract_failure(what, f"{noun} of shape {expected.shape}", value, _close(value, expected))


def _close(value: Any, expected: Any) -> bool:
    try:
        got = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return got.size == np.size(expected) and bool(np.allclose(got.reshape(-1), np.reshape(expected, -1),
                                                              rtol=1e-6, atol=1e-9))


def computes_something(first: Any, second: Any, what: str) -> None:
    """A contract test grades types, not values, but only of a function that computes: its
    results on two different inputs are finite and differ (not NaN, not a constant)."""
    try:
        values = [np.asarray(v, dtype=np.float64) for v in (first, second)]
    except (TypeError, ValueError):
        return  # not numbers: the type checks that follow say so
    if not all(np.all(np.isfinite(v)) for v in values):
        raise AssertionError(f"{what} returned non-finite values ({show(values[0])}, {show(values[1])})")
    if values[0].shape == values[1].shape and np.array_equal(values[0], values[1]):
        raise AssertionError(f"{what} returned {show(values[0])} for two different inputs: it computes nothing")


def describe(x: np.ndarray, **values: Any) -> str:
    """The inputs of a case, for messages: x by its shape, the rest by value."""
    return ", ".join([f"x of shape {x.shape}"] + [f"{k} = {show(v)}" for k, v in values.items()])
