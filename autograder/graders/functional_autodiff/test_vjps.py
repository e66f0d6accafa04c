"""Each function's VJP on its own (the student's function, the reference for everything else),
against torch.autograd in float64: random shapes (a batch and dimensions from 2 to 6, all different, so that a
transposed result never has the right shape by chance), random
upstream gradients of both signs (the loss, the end of the chain, is called with u = None), and
the inputs left as they were."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import assert_close, show
from autograder.grading.marks import points, title
from autograder.graders.functional_autodiff.chains import (check_param_grad, check_target_grad, pair,
                                                           signed_normal, single_vjp)

PARAMETER = {"add": "b", "dot": "W", "squared_loss": "y"}
INPUT = {"add": "x", "dot": "x", "squared_loss": "y_pred"}


def draw(rng: np.random.Generator, name: str, draw_index: int):
    """x, the parameter and the upstream gradient (None for the loss) of one function."""
    n, a, b = (int(v) + 2 for v in rng.permutation(5)[:3])  # three different sizes from 2 to 6
    if name == "add":
        x, param = signed_normal(rng, (n, a)), signed_normal(rng, (a,))
        return x, param, rng.normal(0.0, 1.5, (n, a))
    if name == "dot":
        x, param = signed_normal(rng, (n, a)), signed_normal(rng, (a, b))
        return x, param, rng.normal(0.0, 1.5, (n, b))
    width = 1 if draw_index == 0 else a  # the course's targets have one column
    return signed_normal(rng, (n, width)), signed_normal(rng, (n, width)), None


def run_vjp(view, sandbox, name: str, x, param, upstream):
    """The student's vjp on copies living in the student process, checked unchanged afterwards."""
    given = sandbox.inputs(x=x, param=param, **({} if upstream is None else {"u": upstream}))
    vjp = getattr(view, name).make_vjp(given.x, given.param)
    result = vjp(None if upstream is None else given.u)
    return given, result


def describe(name: str, x, param, upstream) -> str:
    text = f"{INPUT[name]} = {show(x)}, {PARAMETER[name]} = {show(param)}"
    return text + (", u = None" if upstream is None else f", u = {show(upstream)}")


def check_vjp(view, sandbox, name: str, x, param, upstream):
    """The student's vjp against torch's; the inputs it was given read back afterwards."""
    given, result = run_vjp(view, sandbox, name, x, param, upstream)
    what = f"{name}.make_vjp({INPUT[name]}, {PARAMETER[name]})(u)"
    grad_x, grad_param = pair(result, what)
    inputs = describe(name, x, param, upstream)
    want_x, summed, per_sample = single_vjp(name, x, param, upstream)
    assert_close(grad_x, want_x, f"{what}, the gradient of {INPUT[name]},", inputs)
    if name == "squared_loss":
        check_target_grad(grad_param, param, f"{what}, the gradient of the target y,", inputs)
    else:
        check_param_grad(grad_param, param, summed, per_sample, f"{what}, the gradient of {PARAMETER[name]}", inputs)
    return given


@points(1.2)
@title("{name}.make_vjp(x, param)(u): grad_x and grad_param against torch.autograd ({draw_index})")
@pytest.mark.parametrize("draw_index", [0, 1, 2])
@pytest.mark.parametrize("name", ["add", "dot", "squared_loss"])
def test_vjp(units, rng, sandbox, name, draw_index):
    check_vjp(units(name), sandbox, name, *draw(rng, name, draw_index))


@points(0.4)
@title("{name}'s VJP gives the right values and leaves x, its parameter and u as they were")
@pytest.mark.parametrize("name", ["add", "dot", "squared_loss"])
def test_vjp_leaves_inputs_unchanged(units, sandbox, rng, name):
    given = check_vjp(units(name), sandbox, name, *draw(rng, name, 1))
    given.check_unchanged(f"{name}.make_vjp(x, param)(u)")
