"""Part 1: requires_grad on integer tensors, accumulating gradients, the hand gradient."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.grading.compare import assert_close, kind_of, show
from autograder.grading.marks import points, time_limit, title
from autograder.grading.reference import tensor
from autograder.sandbox.codec import TensorArg, TensorArray

pytestmark = time_limit(10)


def simple_example_grads(w: float, b: float, x, y_star) -> tuple[float, float]:
    w_t, b_t = tensor(w, requires_grad=True), tensor(b, requires_grad=True)
    loss = ((torch.exp(w_t * tensor(x) + b_t) - tensor(y_star)) ** 2).sum()
    loss.backward()
    return float(w_t.grad), float(b_t.grad)


def draw_example(rng, shape):
    w, b = float(rng.uniform(-1, 1)), float(rng.uniform(-1, 2))
    size = {"scalar": (), "vector": (int(rng.integers(2, 9)),), "matrix": (3, int(rng.integers(2, 5)))}[shape]
    x = rng.uniform(-1, 1, size) if size else float(rng.uniform(-1, 1))
    y_star = rng.uniform(0.5, 5, size) if size else float(rng.uniform(0.5, 5))
    return w, b, x, y_star


def two_numbers(result, function: str, names: str) -> tuple:
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(f"{function} should return the tuple ({names}), got {kind_of(result)}")
    return result


@points(1)
@title("make_differentiable: a new float64 tensor with the same values, requiring grad; the input unchanged")
def test_make_differentiable(student, sandbox, rng):
    values = rng.integers(-5, 6, size=int(rng.integers(2, 7)))
    given = sandbox.inputs(t=TensorArg(values))
    result = student.make_differentiable(given.t)
    if not isinstance(result, TensorArray):
        raise AssertionError(f"make_differentiable should return a tensor, got {kind_of(result)}")
    assert result.dtype == np.float64, f"make_differentiable should return a float64 tensor, got dtype {result.dtype}"
    assert result.requires_grad, "the tensor returned by make_differentiable does not require grad"
    expected = values.astype(np.float64).view(TensorArray)  # a tensor is what must come back
    assert_close(result, expected, "make_differentiable (values)", f"t = torch.tensor({values.tolist()})")
    given.check_unchanged("make_differentiable")


@points(2)
@title("accumulated_grads: w.grad and b.grad after two backward calls")
def test_gradients_accumulate_over_two_backward_calls(student, rng):
    w, b, x, y_star = draw_example(rng, "scalar")
    result = two_numbers(student.accumulated_grads(w, b, x, y_star), "accumulated_grads", "w.grad, b.grad")
    once = simple_example_grads(w, b, x, y_star)
    inputs = f"w = {w:.4g}, b = {b:.4g}, x = {x:.4g}, y* = {y_star:.4g}"
    assert_close(result[0], 2 * once[0], "w.grad after two backward calls", inputs)
    assert_close(result[1], 2 * once[1], "b.grad after two backward calls", inputs)


@points(2)
@title("manual_gradient: dl/dw and dl/db as numbers, x and y* {shape}",
       shape={"scalar": "numbers", "vector": "vectors", "matrix": "matrices"})
@pytest.mark.parametrize("shape", ["scalar", "vector", "matrix"])
def test_manual_gradient(student, sandbox, rng, shape):
    w, b, x, y_star = draw_example(rng, shape)
    expected = simple_example_grads(w, b, x, y_star)
    inputs = f"w = {w:.4g}, b = {b:.4g}, x = {show(x)}, y* = {show(y_star)}"
    if shape == "scalar":
        result = student.manual_gradient(w, b, x, y_star)
    else:
        given = sandbox.inputs(x=x, y_star=y_star)
        result = student.manual_gradient(w, b, given.x, given.y_star)
        given.check_unchanged("manual_gradient")
    result = two_numbers(result, "manual_gradient", "dl_dw, dl_db")
    # Numbers, as the notebook asks: the gradient of the summed loss, not per-entry arrays.
    assert_close(result[0], expected[0], "manual_gradient dl/dw", inputs)
    assert_close(result[1], expected[1], "manual_gradient dl/db", inputs)

