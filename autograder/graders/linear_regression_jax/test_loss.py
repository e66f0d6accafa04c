"""loss and loss_and_grad, each the student's alone, against torch (nn.Linear, MSELoss(reduction='sum'),
autograd) on hidden data: n >= 5, d >= 2, parameters of both signs."""
from __future__ import annotations

import numpy as np

from autograder.grading.compare import assert_close
from autograder.grading.marks import points, title
from autograder.graders.linear_regression_jax.reference import draw_case, read_params, torch_loss_and_grad
from autograder.graders.manual_gradient.linear import computes_something, describe, pair, value_of


def _given(sandbox, x, y, w, b):
    given = sandbox.inputs(x=x, y=y, w=w, b=np.array(b))
    return given, {"w": given.w, "b": given.b}


def _loss_value(value, what: str) -> float:
    return float(value_of(value, what, ((), (1,)))[0])


@points(2)
@title("loss: the summed squared error of x @ w + b, as torch's MSELoss(reduction='sum') of nn.Linear")
def test_loss_value(units, sandbox, rng):
    x, y, w, b = draw_case(rng)
    given, params = _given(sandbox, x, y, w, b)
    got = units("loss").loss(params, given.x, given.y)
    inputs = describe(x, w=w, b=b)
    assert_close(_loss_value(got, f"loss for {inputs}"), torch_loss_and_grad(x, y, w, b)[0], "loss", inputs)


@points(1.5)
@title("loss is pure: the same value for the same inputs, whatever was called in between; inputs unchanged")
def test_loss_is_pure(units, sandbox, rng):
    (x, y, w, b), (x2, y2, w2, b2) = draw_case(rng), draw_case(rng)
    given, params = _given(sandbox, x, y, w, b)
    other, other_params = _given(sandbox, x2, y2, w2, b2)
    student = units("loss")
    first = _loss_value(student.loss(params, given.x, given.y), "loss")
    computes_something(first, _loss_value(student.loss(other_params, other.x, other.y), "loss"), "loss")
    again = _loss_value(student.loss(params, given.x, given.y), "loss")
    if first != again:
        raise AssertionError(f"loss is not pure: for {describe(x, w=w, b=b)} it returned {first!r}, then, after a "
                             f"call on other data, {again!r} (no global variable, no state kept between calls)")
    given.check_unchanged("loss")
    other.check_unchanged("loss")


@points(2.5)
@title("loss_and_grad: (value, grads) by jax.value_and_grad, against torch.autograd")
def test_loss_and_grad(units, sandbox, rng):
    x, y, w, b = draw_case(rng)
    given, params = _given(sandbox, x, y, w, b)
    value, grads = pair(units("loss_and_grad").loss_and_grad(params, given.x, given.y), "loss_and_grad",
                        "value, grads")
    want_value, want_w, want_b = torch_loss_and_grad(x, y, w, b)
    inputs = describe(x, w=w, b=b)
    assert_close(_loss_value(value, f"loss_and_grad: value for {inputs}"), want_value, "loss_and_grad: value", inputs)
    grad_w, grad_b = read_params(grads, f"loss_and_grad: grads for {inputs}", x.shape[1])
    assert_close(grad_w, want_w, "loss_and_grad: grads['w']", inputs)
    assert_close(grad_b, np.array([want_b]), "loss_and_grad: grads['b']", inputs)
    given.check_unchanged("loss_and_grad")
