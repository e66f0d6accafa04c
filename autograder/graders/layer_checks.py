"""Checks of each layer a student writes, on its own, against torch.autograd.

Shared by every assignment with layer classes: an assignment's test module
imports these tests and says which layers they run on with
`pytest_generate_tests(metafunc): parametrize_layers(metafunc, [...])`.
`spec` runs over all its layers, `param_spec` over those with a parameter,
`free_spec` over those without. Each test runs the student's class of its
layer only (`units(spec.name)`): a mistake in another class costs nothing
here. The value tests accept equivalent shapes; `test_contract` checks the
notebook's types (a number in gives a number out, an array in gives an array
of the same shape out) and that the arrays received are left unchanged."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import ATOL, RTOL, as_numbers, show
from autograder.grading.marks import points, title
from autograder.grading.reference import vjp
from autograder.graders.layer_specs import (LayerSpec, a_number, assert_contract, assert_values, draw_input,
                                             draw_parameter, draw_upstream, like, summed)

SHAPES = ["scalar", "vector", "matrix"]
ON = {"scalar": "a number", "vector": "a vector", "matrix": "a matrix"}  # for titles


def parametrize_layers(metafunc: pytest.Metafunc, layers: list[LayerSpec]) -> None:
    groups = {"spec": layers, "param_spec": [s for s in layers if s.param],
              "free_spec": [s for s in layers if not s.param]}
    for name, specs in groups.items():
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, specs, ids=str)


def _setup(units, rng, spec, shape):
    """The student's layer (and nothing else of theirs), a parameter, an input and an upstream gradient."""
    param = draw_parameter(rng) if spec.param else None
    x = draw_input(rng, spec, shape)
    upstream = draw_upstream(rng, x)
    return spec.build(units(spec.name), param), param, x, upstream


def _reference(spec, param, x, upstream):
    """torch's output, d loss / d x and d loss / d parameter (summed over an array)."""
    output, (dx, dparam) = vjp(spec.torch_fn, [x, param or 0.0], upstream)
    return like(x, output), like(x, dx), float(dparam)


def _describe(spec, param, x, upstream=None):
    text = f"{spec.name}({show(param) if param is not None else ''}), x = {show(x)}"
    return text + (f", upstream gradient = {show(upstream)}" if upstream is not None else "")


@points(1)
@title("{spec}.forward, on {shape}", shape=ON)
@pytest.mark.parametrize("shape", ["scalar", "vector"])
def test_forward(units, rng, spec, shape):
    layer, param, x, upstream = _setup(units, rng, spec, shape)
    expected, _, _ = _reference(spec, param, x, upstream)
    assert_values(layer.forward(x), expected, f"{spec.name}.forward", _describe(spec, param, x))


@points(1)
@title("{spec}.backward: d loss / d x, on {shape}", shape=ON)
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_input_gradient(units, rng, spec, shape):
    layer, param, x, upstream = _setup(units, rng, spec, shape)
    layer.forward(x)
    _, expected, _ = _reference(spec, param, x, upstream)
    assert_values(layer.backward(upstream), expected, f"{spec.name}.backward (d loss / d x)",
                  _describe(spec, param, x, upstream))


def _backpropagated(units, rng, spec, shape):
    """A layer after forward(x) and backward(upstream), with torch's d loss / d parameter."""
    layer, param, x, upstream = _setup(units, rng, spec, shape)
    layer.forward(x)
    layer.backward(upstream)
    _, _, param_grad = _reference(spec, param, x, upstream)
    return layer, param, x, upstream, param_grad


@points(2)
@title("{param_spec}.grad: d loss / d parameter, on a number")
def test_parameter_gradient(units, rng, param_spec):
    spec = param_spec
    layer, param, x, upstream, expected = _backpropagated(units, rng, spec, "scalar")
    assert_values(layer.grad, expected, f"{spec.name}.grad (d loss / d {spec.param})",
                  _describe(spec, param, x, upstream))


@points(1)
@title("{param_spec}.grad: d loss / d parameter, on a vector")
def test_parameter_gradient_on_array(units, rng, param_spec):
    spec = param_spec
    # For an array the gradient of the summed loss is asked (a number); the
    # per-element gradients (an array like x, as the course's solution
    # stores them) are accepted too, summed here.
    layer, param, x, upstream, expected = _backpropagated(units, rng, spec, "vector")
    what = f"{spec.name}.grad (d loss / d {spec.param}, summed over the array)"
    assert_values(summed(layer.grad, x.shape, what), expected, what, _describe(spec, param, x, upstream))


@points(1)
@title("{param_spec}.step: parameter - learning_rate * your .grad")
def test_step(units, rng, param_spec):
    # step is checked against the layer's own .grad, whatever backward stored:
    # a mistake in backward is charged to backward's tests, not here.
    spec = param_spec
    layer, param, x, upstream, _ = _backpropagated(units, rng, spec, "scalar")
    grad = a_number(layer.grad, f"{spec.name}.grad after backward on a number (step uses it)")
    if grad == 0:
        raise AssertionError(f"{spec.name}.step cannot be checked: your .grad after backward is 0 for "
                             f"{_describe(spec, param, x, upstream)}")
    learning_rate = float(rng.uniform(0.05, 0.3))
    layer.step(learning_rate)
    assert_values(getattr(layer, spec.param), param - learning_rate * grad,
                  f"{spec.name}.{spec.param} after step({learning_rate:.4g})",
                  f"{spec.name}({show(param)}) whose .grad is {show(grad)} "
                  f"(expected {spec.param} - learning_rate * .grad)")


@points(0.5)
@title("{free_spec}.step changes nothing (and forward and backward are right)")
def test_step_without_parameter(units, rng, free_spec):
    # Doing nothing earns nothing: the layer must also compute the right values.
    spec = free_spec
    layer, _, x, upstream = _setup(units, rng, spec, "vector")
    expected, expected_dx, _ = _reference(spec, None, x, upstream)
    context = _describe(spec, None, x, upstream)
    assert_values(layer.forward(x), expected, f"{spec.name}.forward", context)
    assert_values(layer.backward(upstream), expected_dx, f"{spec.name}.backward (d loss / d x)", context)
    layer.step(0.1)
    assert_values(layer.forward(x), expected, f"{spec.name}.forward after step ({spec.name} has no parameter)",
                  context)


def _right(value, expected: float) -> bool:
    try:
        return bool(np.allclose(as_numbers(value, ""), expected, rtol=RTOL, atol=ATOL))
    except AssertionError:
        return False


@points(1)
@title("{spec}: the notebook's contract: a number in gives a number out, an array in gives an array of the same "
       "shape out, and the arrays received are left unchanged")
def test_contract(units, sandbox, rng, spec):
    # The values must be right too (doing nothing earns nothing); a type
    # slip with the right values is charged here only.
    checks = []
    for shape in ("scalar", "vector"):
        layer, param, x, upstream = _setup(units, rng, spec, shape)
        expected, expected_dx, expected_grad = _reference(spec, param, x, upstream)
        given = sandbox.inputs(x=x, upstream=upstream) if shape == "vector" else None
        context = _describe(spec, param, x, upstream)
        output = layer.forward(given.x if given else x)
        assert_values(output, expected, f"{spec.name}.forward", context)
        dx = layer.backward(given.upstream if given else upstream)
        assert_values(dx, expected_dx, f"{spec.name}.backward (d loss / d x)", context)
        if given:
            given.check_unchanged(f"{spec.name}.forward/backward")
        checks += [(output, expected, f"{spec.name}.forward", context),
                   (dx, expected_dx, f"{spec.name}.backward (d loss / d x)", context)]
        if spec.param and shape == "scalar" and _right(layer.grad, expected_grad):  # else test_parameter_gradient
            checks.append((layer.grad, expected_grad, f"{spec.name}.grad after backward on a number", context))
    for actual, expected, what, context in checks:
        assert_contract(actual, expected, what, context)
