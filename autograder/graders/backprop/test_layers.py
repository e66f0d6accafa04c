"""Each layer the student writes, on its own, against torch.autograd."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import assert_close, assert_unchanged, show
from autograder.grading.marks import points, time_limit
from autograder.grading.reference import vjp
from autograder.graders.layer_specs import (MULTIPLICATION_WEIGHT, MY_EXP, draw_input, draw_parameter,
                                             draw_upstream)

STUDENT_LAYERS = [MULTIPLICATION_WEIGHT, MY_EXP]
PARAMETRIZED = [MULTIPLICATION_WEIGHT]
SHAPES = ["scalar", "vector", "matrix"]
pytestmark = time_limit(10)


def _setup(student, rng, spec, shape):
    param = draw_parameter(rng) if spec.param else None
    x = draw_input(rng, spec, shape)
    upstream = draw_upstream(rng, x)
    return spec.build(student, param), param, x, upstream


def _describe(spec, param, x, upstream=None):
    text = f"{spec.name}({show(param) if param is not None else ''}), x = {show(x)}"
    return text + (f", upstream gradient = {show(upstream)}" if upstream is not None else "")


@points(1)
@pytest.mark.parametrize("spec", STUDENT_LAYERS, ids=str)
@pytest.mark.parametrize("shape", ["scalar", "vector"])
def test_forward(student, rng, spec, shape):
    layer, param, x, _ = _setup(student, rng, spec, shape)
    result = layer.forward(x)
    expected, _ = vjp(lambda x_, p_: spec.torch_fn(x_, p_), [x, param or 0.0], np.ones(np.shape(x)))
    assert_close(result, expected, f"{spec.name}.forward", _describe(spec, param, x))


@points(1)
@pytest.mark.parametrize("spec", STUDENT_LAYERS, ids=str)
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_input_gradient(student, rng, spec, shape):
    layer, param, x, upstream = _setup(student, rng, spec, shape)
    layer.forward(x)
    result = layer.backward(upstream)
    _, (expected, _) = vjp(spec.torch_fn, [x, param or 0.0], upstream)
    assert_close(result, expected, f"{spec.name}.backward (d loss / d x)", _describe(spec, param, x, upstream))


@points(2)
@pytest.mark.parametrize("spec", PARAMETRIZED, ids=str)
def test_parameter_gradient(student, rng, spec):
    layer, param, x, upstream = _setup(student, rng, spec, "scalar")
    layer.forward(x)
    layer.backward(upstream)
    _, (_, expected) = vjp(spec.torch_fn, [x, param], upstream)
    assert_close(layer.grad, expected, f"{spec.name}.grad (d loss / d {spec.param})",
                 _describe(spec, param, x, upstream))


@points(1)
@pytest.mark.parametrize("spec", PARAMETRIZED, ids=str)
def test_parameter_gradient_on_array(student, rng, spec):
    # For an array the gradient of the summed loss is asked; storing the
    # per-element gradients (as the course's own solution does) is accepted too.
    layer, param, x, upstream = _setup(student, rng, spec, "vector")
    layer.forward(x)
    layer.backward(upstream)
    _, (_, expected) = vjp(spec.torch_fn, [x, param], upstream)
    stored = layer.grad
    summed = np.sum(stored) if isinstance(stored, np.ndarray) else stored
    assert_close(summed, expected, f"{spec.name}.grad (d loss / d {spec.param}, summed over the array)",
                 _describe(spec, param, x, upstream))


@points(1)
@pytest.mark.parametrize("spec", PARAMETRIZED, ids=str)
def test_step(student, rng, spec):
    layer, param, x, upstream = _setup(student, rng, spec, "scalar")
    layer.forward(x)
    layer.backward(upstream)
    learning_rate = float(rng.uniform(0.05, 0.3))
    layer.step(learning_rate)
    _, (_, grad) = vjp(spec.torch_fn, [x, param], upstream)
    assert_close(getattr(layer, spec.param), param - learning_rate * grad,
                 f"{spec.name}.{spec.param} after step({learning_rate:.4g})",
                 _describe(spec, param, x, upstream) + f" (expected {spec.param} - learning_rate * grad)")


@points(0.5)
def test_exp_step_changes_nothing(student, rng):
    layer = MY_EXP.build(student)
    x = draw_input(rng, MY_EXP, "vector")
    before = layer.forward(x)
    layer.backward(draw_upstream(rng, x))
    layer.step(0.1)
    assert_close(layer.forward(x), before, "my_exp.forward after step (my_exp has no parameter)", f"x = {show(x)}")


@points(1)
@pytest.mark.parametrize("spec", STUDENT_LAYERS, ids=str)
def test_inputs_not_modified(student, sandbox, rng, spec):
    layer, param, x, upstream = _setup(student, rng, spec, "vector")
    x_remote, upstream_remote = sandbox.put(x), sandbox.put(upstream)
    layer.forward(x_remote)
    layer.backward(upstream_remote)
    assert_unchanged(sandbox.fetch(x_remote), x, f"{spec.name}.forward")
    assert_unchanged(sandbox.fetch(upstream_remote), upstream, f"{spec.name}.backward")
