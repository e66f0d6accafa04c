"""Part 1: requires_grad on integer tensors, accumulating gradients, the hand gradient."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.grading.compare import assert_close, assert_unchanged, show
from autograder.grading.marks import points, time_limit
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


@points(1)
def test_make_differentiable(student, sandbox, rng):
    values = rng.integers(-5, 6, size=int(rng.integers(2, 7)))
    original = sandbox.put(TensorArg(values))
    result = student.make_differentiable(original)
    assert isinstance(result, TensorArray), f"make_differentiable should return a tensor, got {show(result)}"
    assert result.dtype == np.float64, f"make_differentiable should return a float64 tensor, got dtype {result.dtype}"
    assert result.requires_grad, "the tensor returned by make_differentiable does not require grad"
    assert_close(result, values, "make_differentiable (values)", f"t = torch.tensor({values.tolist()})")
    after = sandbox.fetch(original)
    assert after.dtype == np.int64 and not after.requires_grad and np.array_equal(after, values), \
        "make_differentiable changed the tensor it was given"


@points(2)
def test_gradients_accumulate_over_two_backward_calls(student, rng):
    w, b, x, y_star = draw_example(rng, "scalar")
    result = student.accumulated_grads(w, b, x, y_star)
    assert isinstance(result, (tuple, list)) and len(result) == 2, f"accumulated_grads should return (w.grad, b.grad), got {show(result)}"
    once = simple_example_grads(w, b, x, y_star)
    inputs = f"w = {w:.4g}, b = {b:.4g}, x = {x:.4g}, y* = {y_star:.4g}"
    assert_close(result[0], 2 * once[0], "w.grad after two backward calls", inputs)
    assert_close(result[1], 2 * once[1], "b.grad after two backward calls", inputs)


@points(2)
@pytest.mark.parametrize("shape", ["scalar", "vector", "matrix"])
def test_manual_gradient(student, sandbox, rng, shape):
    w, b, x, y_star = draw_example(rng, shape)
    args = (w, b, sandbox.put(x), sandbox.put(y_star)) if shape != "scalar" else (w, b, x, y_star)
    result = student.manual_gradient(*args)
    assert isinstance(result, (tuple, list)) and len(result) == 2, f"manual_gradient should return (dl_dw, dl_db), got {show(result)}"
    expected = simple_example_grads(w, b, x, y_star)
    inputs = f"w = {w:.4g}, b = {b:.4g}, x = {show(x)}, y* = {show(y_star)}"
    assert_close(np.sum(result[0]), expected[0], "manual_gradient dl/dw", inputs)
    assert_close(np.sum(result[1]), expected[1], "manual_gradient dl/db", inputs)
    if shape != "scalar":
        assert_unchanged(sandbox.fetch(args[2]), x, "manual_gradient (x)")
        assert_unchanged(sandbox.fetch(args[3]), y_star, "manual_gradient (y_star)")
