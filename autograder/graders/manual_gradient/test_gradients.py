"""gradient (numpy) and gradient_t (torch, by hand), each the student's alone, against
torch.autograd on hidden sizes (d >= 2: a transposed gradient cannot pass)."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import assert_close, kind_of
from autograder.grading.marks import points, title
from autograder.graders.manual_gradient.draws import GRADIENT_SIZES, draw_point, draw_problem
from autograder.graders.manual_gradient.linear import (NUMBER_SHAPES, as_torch_shapes, check_array, check_number,
                                                       describe, pair, summed_loss_grads, value_of, vector_shapes)
from autograder.sandbox.codec import TensorArg

BIAS = {"float": "a float", "array": "an array of shape (1,)"}


def _gradient_case(rng, bias: str):
    x, y, _, _ = draw_problem(rng, *GRADIENT_SIZES)
    w, b_value = draw_point(rng, x.shape[1])
    return x, y, w, (b_value if bias == "float" else np.array([b_value]))


def _call_gradient(units, sandbox, x, y, w, b):
    given = sandbox.inputs(x=x, y=y, w=w, **({"b": b} if isinstance(b, np.ndarray) else {}))
    b_arg = given.b if isinstance(b, np.ndarray) else b
    return pair(units("gradient").gradient(given.x, given.y, given.w, b_arg), "gradient", "grad_w, grad_b"), given


@points(1.5)
@title("gradient: grad_w and grad_b of the summed squared error, with b {bias}", bias=BIAS)
@pytest.mark.parametrize("bias", list(BIAS))
def test_gradient(units, sandbox, rng, bias):
    x, y, w, b = _gradient_case(rng, bias)
    (grad_w, grad_b), _ = _call_gradient(units, sandbox, x, y, w, b)
    want_w, want_b = summed_loss_grads(x, y, w, b)
    inputs = describe(x, w=w, b=b)
    assert_close(value_of(grad_w, f"gradient: grad_w for {inputs}", vector_shapes(x.shape[1])), want_w,
                 "gradient: grad_w", inputs)
    assert_close(value_of(grad_b, f"gradient: grad_b for {inputs}", NUMBER_SHAPES), np.reshape(want_b, 1),
                 "gradient: grad_b", inputs)


@points(0.5)
@title("gradient (contract): grad_w and grad_b with the shapes of w and b (a float b, then b of shape (1,)); "
       "inputs unchanged")
def test_gradient_contract(units, sandbox, rng):
    for bias in BIAS:
        x, y, w, b = _gradient_case(rng, bias)
        (grad_w, grad_b), given = _call_gradient(units, sandbox, x, y, w, b)
        want_w, want_b = summed_loss_grads(x, y, w, b)
        inputs = describe(x, w=w, b=b)
        check_array(grad_w, want_w, f"gradient: grad_w for {inputs}", tensor=False)
        if bias == "float":
            check_number(grad_b, float(want_b), f"gradient: grad_b for {inputs} (b a float)")
        else:
            check_array(grad_b, want_b, f"gradient: grad_b for {inputs} (b of shape (1,))", tensor=False)
        given.check_unchanged("gradient")


def _gradient_t_case(units, sandbox, rng):
    x, y, _, _ = draw_problem(rng, *GRADIENT_SIZES)
    values = as_torch_shapes(x, y, *draw_point(rng, x.shape[1]))
    given = sandbox.inputs(**{name: TensorArg(v) for name, v in zip(("x_t", "y_t", "w_t", "b_t"), values)})
    result = pair(units("gradient_t").gradient_t(given.x_t, given.y_t, given.w_t, given.b_t), "gradient_t",
                  "grad_w, grad_b")
    return result, summed_loss_grads(*values), describe(x, w_t=values[2].ravel(), b_t=values[3].ravel()), given


@points(2)
@title("gradient_t: grad_w (d, 1) and grad_b of the summed squared error, by hand, d >= 2")
def test_gradient_t(units, sandbox, rng):
    (grad_w, grad_b), (want_w, want_b), inputs, _ = _gradient_t_case(units, sandbox, rng)
    d = want_w.shape[0]
    # A column (d, 1) or a flat (d,) is the same gradient; a row (1, d) is transposed.
    assert_close(value_of(grad_w, f"gradient_t: grad_w for {inputs}", ((d, 1), (d,))), want_w.reshape(-1),
                 "gradient_t: grad_w", inputs)
    assert_close(value_of(grad_b, f"gradient_t: grad_b for {inputs}", NUMBER_SHAPES), want_b.reshape(-1),
                 "gradient_t: grad_b", inputs)


@points(0.5)
@title("gradient_t (contract): tensors of the shapes of w_t (d, 1) and b_t (1, 1), not requiring grad; "
       "inputs unchanged")
def test_gradient_t_contract(units, sandbox, rng):
    (grad_w, grad_b), (want_w, want_b), inputs, given = _gradient_t_case(units, sandbox, rng)
    for got, want, name in ((grad_w, want_w, "grad_w"), (grad_b, want_b, "grad_b")):
        check_array(got, want, f"gradient_t: {name} for {inputs}", tensor=True)
        if got.requires_grad:
            raise AssertionError(f"gradient_t: {name} requires grad; the notebook asks for it by hand, without "
                                 f"autograd (got {kind_of(got)} with requires_grad=True)")
    given.check_unchanged("gradient_t")
