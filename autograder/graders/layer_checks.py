"""Checks of each layer a student writes, on its own, against torch.autograd.

Shared by every assignment with layer classes: an assignment's test module
imports these tests and says which layers they run on with
`pytest_generate_tests(metafunc): parametrize_layers(metafunc, [...])`.
`spec` runs over all its layers, `param_spec` over those with a parameter,
`free_spec` over those without."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import assert_close, assert_unchanged, show, total
from autograder.grading.marks import points, time_limit
from autograder.grading.reference import vjp
from autograder.graders.layer_specs import LayerSpec, draw_input, draw_parameter, draw_upstream

SHAPES = ["scalar", "vector", "matrix"]


def parametrize_layers(metafunc: pytest.Metafunc, layers: list[LayerSpec]) -> None:
    groups = {"spec": layers, "param_spec": [s for s in layers if s.param],
              "free_spec": [s for s in layers if not s.param]}
    for name, specs in groups.items():
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, specs, ids=str)


def _setup(student, rng, spec, shape):
    param = draw_parameter(rng) if spec.param else None
    x = draw_input(rng, spec, shape)
    upstream = draw_upstream(rng, x)
    return spec.build(student, param), param, x, upstream


def _backpropagated(student, rng, spec, shape):
    """A layer after forward(x) and backward(upstream), with torch's d loss / d parameter."""
    layer, param, x, upstream = _setup(student, rng, spec, shape)
    layer.forward(x)
    layer.backward(upstream)
    _, (_, param_grad) = vjp(spec.torch_fn, [x, param], upstream)
    return layer, param, x, upstream, param_grad


def _describe(spec, param, x, upstream=None):
    text = f"{spec.name}({show(param) if param is not None else ''}), x = {show(x)}"
    return text + (f", upstream gradient = {show(upstream)}" if upstream is not None else "")


@points(1)
@time_limit(10)
@pytest.mark.parametrize("shape", ["scalar", "vector"])
def test_forward(student, rng, spec, shape):
    layer, param, x, _ = _setup(student, rng, spec, shape)
    result = layer.forward(x)
    expected, _ = vjp(lambda x_, p_: spec.torch_fn(x_, p_), [x, param or 0.0], np.ones(np.shape(x)))
    assert_close(result, expected, f"{spec.name}.forward", _describe(spec, param, x))


@points(1)
@time_limit(10)
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_input_gradient(student, rng, spec, shape):
    layer, param, x, upstream = _setup(student, rng, spec, shape)
    layer.forward(x)
    result = layer.backward(upstream)
    _, (expected, _) = vjp(spec.torch_fn, [x, param or 0.0], upstream)
    assert_close(result, expected, f"{spec.name}.backward (d loss / d x)", _describe(spec, param, x, upstream))


@points(2)
@time_limit(10)
def test_parameter_gradient(student, rng, param_spec):
    spec = param_spec
    layer, param, x, upstream, expected = _backpropagated(student, rng, spec, "scalar")
    assert_close(layer.grad, expected, f"{spec.name}.grad (d loss / d {spec.param})",
                 _describe(spec, param, x, upstream))


@points(1)
@time_limit(10)
def test_parameter_gradient_on_array(student, rng, param_spec):
    spec = param_spec
    # For an array the gradient of the summed loss is asked; storing the
    # per-element gradients (as the course's own solution does) is accepted too.
    layer, param, x, upstream, expected = _backpropagated(student, rng, spec, "vector")
    assert_close(total(layer.grad), expected, f"{spec.name}.grad (d loss / d {spec.param}, summed over the array)",
                 _describe(spec, param, x, upstream))


@points(1)
@time_limit(10)
def test_step(student, rng, param_spec):
    spec = param_spec
    layer, param, x, upstream, grad = _backpropagated(student, rng, spec, "scalar")
    learning_rate = float(rng.uniform(0.05, 0.3))
    layer.step(learning_rate)
    assert_close(getattr(layer, spec.param), param - learning_rate * grad,
                 f"{spec.name}.{spec.param} after step({learning_rate:.4g})",
                 _describe(spec, param, x, upstream) + f" (expected {spec.param} - learning_rate * grad)")


@points(0.5)
@time_limit(10)
def test_step_without_parameter(student, rng, free_spec):
    spec = free_spec
    layer = spec.build(student)
    x = draw_input(rng, spec, "vector")
    before = layer.forward(x)
    layer.backward(draw_upstream(rng, x))
    layer.step(0.1)
    assert_close(layer.forward(x), before, f"{spec.name}.forward after step ({spec.name} has no parameter)",
                 f"x = {show(x)}")


@points(1)
@time_limit(10)
def test_inputs_not_modified(student, sandbox, rng, spec):
    layer, param, x, upstream = _setup(student, rng, spec, "vector")
    x_remote, upstream_remote = sandbox.put(x), sandbox.put(upstream)
    layer.forward(x_remote)
    layer.backward(upstream_remote)
    assert_unchanged(sandbox.fetch(x_remote), x, f"{spec.name}.forward")
    assert_unchanged(sandbox.fetch(upstream_remote), upstream, f"{spec.name}.backward")
