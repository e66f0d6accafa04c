"""gradient (numpy) and gradient_t (torch, by hand) against torch.autograd on hidden sizes."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import assert_close, assert_unchanged, show
from autograder.grading.marks import points, time_limit
from autograder.graders.manual_gradient.linear import as_torch_shapes, draw_problem, summed_loss_grads
from autograder.sandbox.codec import TensorArg, TensorArray

pytestmark = time_limit(10)


def _current_point(rng, d):
    return rng.uniform(-2, 2, d), float(rng.uniform(-2, 2))


@points(2)
@pytest.mark.parametrize("bias", ["float", "array"])
def test_gradient(student, sandbox, rng, bias):
    x, y, _, _ = draw_problem(rng)
    w, b_value = _current_point(rng, x.shape[1])
    b = b_value if bias == "float" else np.array([b_value])
    remote = [sandbox.put(v) for v in (x, y, w)]
    result = student.gradient(*remote, b if bias == "float" else sandbox.put(b))
    assert isinstance(result, (tuple, list)) and len(result) == 2, f"gradient should return (grad_w, grad_b), got {show(result)}"
    expected_w, expected_b = summed_loss_grads(x, y, w, b)
    inputs = f"x of shape {x.shape}, w = {show(w)}, b = {show(b)}"
    assert_close(result[0], expected_w, "gradient: grad_w", inputs, same_shape=True)
    assert_close(result[1], expected_b, f"gradient: grad_b (shape of b: {np.shape(b)})", inputs, same_shape=True)
    for name, value, before in zip("xyw", remote, (x, y, w)):
        assert_unchanged(sandbox.fetch(value), before, f"gradient ({name})")


@points(2)
def test_gradient_t(student, sandbox, rng):
    x, y, _, _ = draw_problem(rng)
    w, b = _current_point(rng, x.shape[1])
    values = as_torch_shapes(x, y, w, b)
    remote = [sandbox.put(TensorArg(v)) for v in values]
    result = student.gradient_t(*remote)
    assert isinstance(result, (tuple, list)) and len(result) == 2, f"gradient_t should return (grad_w, grad_b), got {show(result)}"
    expected_w, expected_b = summed_loss_grads(*values)
    inputs = f"x_t of shape {x.shape}, w_t = {show(values[2].ravel())}, b_t = {b:.4g}"
    for got, want, name in ((result[0], expected_w, "grad_w"), (result[1], expected_b, "grad_b")):
        assert isinstance(got, TensorArray), f"gradient_t: {name} should be a torch tensor, got {show(got)}"
        assert not got.requires_grad, f"gradient_t: {name} requires grad; compute it by hand, without autograd"
        assert_close(got, want, f"gradient_t: {name}", inputs, same_shape=True)
    for name, value, before in zip(("x_t", "y_t", "w_t", "b_t"), remote, values):
        after = sandbox.fetch(value)
        assert not after.requires_grad, f"gradient_t left {name} requiring grad"
        assert_unchanged(after, before, f"gradient_t ({name})")
