"""gradient (numpy) and gradient_t (torch, by hand) against torch.autograd on hidden sizes."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import assert_close, kind_of, show
from autograder.grading.marks import points, time_limit, title
from autograder.graders.manual_gradient.linear import as_torch_shapes, draw_problem, summed_loss_grads
from autograder.sandbox.codec import TensorArg, TensorArray

pytestmark = time_limit(10)


def _current_point(rng, d):
    return rng.uniform(-2, 2, d), float(rng.uniform(-2, 2))


def _pair(result, function: str) -> tuple:
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(f"{function} should return the tuple (grad_w, grad_b), got {kind_of(result)}")
    return result


@points(2)
@title("gradient: grad_w and grad_b of the summed squared error, with b {bias}",
       bias={"float": "a float", "array": "an array of shape (1,)"})
@pytest.mark.parametrize("bias", ["float", "array"])
def test_gradient(student, sandbox, rng, bias):
    x, y, _, _ = draw_problem(rng)
    w, b_value = _current_point(rng, x.shape[1])
    b = b_value if bias == "float" else np.array([b_value])
    given = sandbox.inputs(x=x, y=y, w=w, **({"b": b} if bias == "array" else {}))
    result = _pair(student.gradient(given.x, given.y, given.w, b if bias == "float" else given.b), "gradient")
    expected_w, expected_b = summed_loss_grads(x, y, w, b)
    inputs = f"x of shape {x.shape}, w = {show(w)}, b = {show(b)}"
    assert_close(result[0], expected_w, "gradient: grad_w", inputs)
    assert_close(result[1], float(expected_b) if bias == "float" else expected_b,
                 f"gradient: grad_b (b is {kind_of(b)}: grad_b has its type and shape)", inputs)
    given.check_unchanged("gradient")


@points(2)
@title("gradient_t: grad_w and grad_b as tensors, by hand (nothing requires grad)")
def test_gradient_t(student, sandbox, rng):
    x, y, _, _ = draw_problem(rng)
    w, b = _current_point(rng, x.shape[1])
    values = as_torch_shapes(x, y, w, b)
    given = sandbox.inputs(**{name: TensorArg(v) for name, v in zip(("x_t", "y_t", "w_t", "b_t"), values)})
    result = _pair(student.gradient_t(given.x_t, given.y_t, given.w_t, given.b_t), "gradient_t")
    expected_w, expected_b = summed_loss_grads(*values)
    inputs = f"x_t of shape {x.shape}, w_t = {show(values[2].ravel())}, b_t = {b:.4g}"
    for got, want, name in ((result[0], expected_w, "grad_w"), (result[1], expected_b, "grad_b")):
        assert_close(got, want.view(TensorArray), f"gradient_t: {name}", inputs)
        assert not got.requires_grad, f"gradient_t: {name} requires grad; compute it by hand, without autograd"
    given.check_unchanged("gradient_t")
