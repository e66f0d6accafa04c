"""Part 1: requires_grad on integer tensors, accumulating gradients, the hand gradient.
Each function is the student's alone (the `units` fixture); a value test accepts the
value in any equivalent type, the contract test asks for the notebook's types."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.grading.compare import assert_close, kind_of, show
from autograder.grading.marks import points, title
from autograder.grading.reference import tensor
from autograder.graders.manual_gradient.draws import EXAMPLE_SHAPES, draw_example, draw_integers
from autograder.graders.manual_gradient.linear import (NUMBER_SHAPES, check_number, computes_something, pair,
                                                       value_of)
from autograder.sandbox.codec import TensorArg, TensorArray



def simple_example_grads(w: float, b: float, x, y_star) -> tuple[float, float]:
    w_t, b_t = tensor(w, requires_grad=True), tensor(b, requires_grad=True)
    loss = ((torch.exp(w_t * tensor(x) + b_t) - tensor(y_star)) ** 2).sum()
    loss.backward()
    return float(w_t.grad), float(b_t.grad)


def example_inputs(w, b, x, y_star) -> str:
    return f"w = {w:.4g}, b = {b:.4g}, x = {show(x)}, y* = {show(y_star)}"


@points(1.5)
@title("make_differentiable: a new float64 tensor with the same values, requiring grad; the input unchanged")
def test_make_differentiable(units, sandbox, rng):
    values = draw_integers(rng)
    given = sandbox.inputs(t=TensorArg(values))
    result = units("make_differentiable").make_differentiable(given.t)
    if not isinstance(result, TensorArray):
        raise AssertionError(f"make_differentiable should return a tensor, got {kind_of(result)}")
    if result.dtype != np.float64:
        raise AssertionError(f"make_differentiable should return a float64 tensor, got dtype {result.dtype}")
    if not result.requires_grad:
        raise AssertionError("the tensor returned by make_differentiable does not require grad")
    expected = values.astype(np.float64).view(TensorArray)  # a tensor is what must come back
    assert_close(result, expected, "make_differentiable (values)", f"t = torch.tensor({values.tolist()})")
    given.check_unchanged("make_differentiable")


@points(2)
@title("accumulated_grads: w.grad and b.grad after two backward calls")
def test_gradients_accumulate_over_two_backward_calls(units, rng):
    w, b, x, y_star = draw_example(rng, "scalar")
    result = pair(units("accumulated_grads").accumulated_grads(w, b, x, y_star), "accumulated_grads",
                  "w.grad, b.grad")
    once = simple_example_grads(w, b, x, y_star)
    inputs = example_inputs(w, b, x, y_star)
    for got, want, name in zip(result, once, ("w.grad", "b.grad")):
        what = f"accumulated_grads: {name} after two backward calls"
        assert_close(value_of(got, f"{what} for {inputs}", NUMBER_SHAPES), np.array([2 * want]), what, inputs)


@points(0.5)
@title("accumulated_grads (contract): returns two floats, not tensors")
def test_accumulated_grads_contract(units, rng):
    own = units("accumulated_grads")
    cases = [draw_example(rng, "scalar") for _ in range(2)]
    results = [pair(own.accumulated_grads(*case), "accumulated_grads", "w.grad, b.grad") for case in cases]
    computes_something(results[0], results[1], "accumulated_grads")
    for case, result in zip(cases, results):
        for got, want, name in zip(result, simple_example_grads(*case), ("w.grad", "b.grad")):
            check_number(got, 2 * want, f"accumulated_grads: {name} for {example_inputs(*case)}")


@points(1.5)
@title("manual_gradient: dl/dw and dl/db of the summed loss, x and y* {shape}",
       shape={"scalar": "numbers", "vector": "vectors", "matrix": "matrices"})
@pytest.mark.parametrize("shape", EXAMPLE_SHAPES)
def test_manual_gradient(units, sandbox, rng, shape):
    w, b, x, y_star = draw_example(rng, shape)
    own = units("manual_gradient")
    if shape == "scalar":
        result = own.manual_gradient(w, b, x, y_star)
    else:
        given = sandbox.inputs(x=x, y_star=y_star)
        result = own.manual_gradient(w, b, given.x, given.y_star)
    result = pair(result, "manual_gradient", "dl_dw, dl_db")
    inputs = example_inputs(w, b, x, y_star)
    # The gradient of the summed loss: one number each (per-entry arrays are not it).
    for got, want, name in zip(result, simple_example_grads(w, b, x, y_star), ("dl/dw", "dl/db")):
        what = f"manual_gradient {name}"
        assert_close(value_of(got, f"{what} for {inputs}", NUMBER_SHAPES), np.array([want]), what, inputs)


@points(0.5)
@title("manual_gradient (contract): numbers out for arrays in, the arrays unchanged")
def test_manual_gradient_contract(units, sandbox, rng):
    own = units("manual_gradient")
    cases = [draw_example(rng, "matrix") for _ in range(2)]
    results = []
    for w, b, x, y_star in cases:
        given = sandbox.inputs(x=x, y_star=y_star)
        results.append(pair(own.manual_gradient(w, b, given.x, given.y_star), "manual_gradient", "dl_dw, dl_db"))
        given.check_unchanged("manual_gradient")
    computes_something(results[0], results[1], "manual_gradient")
    for case, result in zip(cases, results):
        for got, want, name in zip(result, simple_example_grads(*case), ("dl/dw", "dl/db")):
            check_number(got, want, f"manual_gradient {name} for {example_inputs(*case)}")
