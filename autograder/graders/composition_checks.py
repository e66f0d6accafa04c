"""Checks of my_composition: the loss, and forward, backward and step through
chains of the reference layers, against torch.autograd.

Each test runs the student's my_composition only (`units("my_composition")`):
the layers in its chains are the reference solution's, so a mistake in a
layer is charged to that layer's tests, not here. Shared by every assignment
with a composition class: its test module imports these tests and names its
chains with `pytest_generate_tests(metafunc): parametrize_chains(metafunc, {...}, step_chain)`."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import show
from autograder.grading.marks import points, title
from autograder.graders.layer_specs import (ADD_BIAS, LayerSpec, assert_contract, assert_values, build_chain,
                                             chain_reference, describe_chain, draw_chain, like, summed)

ON = {"scalar": "a number", "vector": "a vector"}
UNIT = "my_composition"


def parametrize_chains(metafunc: pytest.Metafunc, chains: dict[str, list[LayerSpec]], step_chain: str) -> None:
    """`chain` runs over all named chains; `array_chain` over the same chains
    behind a leading add_bias (whose .grad shows d loss / d x); `step_chain`
    is the one step() is checked on."""
    if "chain" in metafunc.fixturenames:
        metafunc.parametrize("chain", [Layers(c) for c in chains.values()], ids=list(chains))
    if "array_chain" in metafunc.fixturenames:
        metafunc.parametrize("array_chain", [Layers([ADD_BIAS] + c) for c in chains.values()], ids=list(chains))
    if "step_chain" in metafunc.fixturenames:
        metafunc.parametrize("step_chain", [Layers(chains[step_chain])], ids=[step_chain])


class Layers(list):
    """A chain of layer classes, shown as "multiplication_weight -> add_bias -> my_exp" in titles."""

    def __str__(self) -> str:
        return " -> ".join(spec.name for spec in self)


def draw_data(rng, shape):
    """An input and a target: numbers, or arrays of 3 to 7 elements."""
    if shape == "scalar":
        return float(rng.uniform(-0.6, 0.6)), float(rng.uniform(0.5, 3.0))
    n = int(rng.integers(3, 8))
    return rng.uniform(-0.6, 0.6, n), rng.uniform(0.5, 3.0, n)


def _run(view, chain, x, target):
    model = view.my_composition(build_chain(view, chain))
    y = model.forward(x)
    loss = model.compute_loss(y, target)
    model.backward()
    return model, y, loss


def _context(chain, x, target=None) -> str:
    text = f"your my_composition of the reference layers {describe_chain(chain)}, x = {show(x)}"
    return text + (f", y_target = {show(target)}" if target is not None else "")


@points(1)
@title("my_composition.compute_loss: the squared error, on {shape}", shape=ON)
@pytest.mark.parametrize("shape", ["scalar", "vector"])
def test_compute_loss_value(units, rng, shape):
    view = units(UNIT)
    y_est, y_target = draw_data(rng, shape)
    model = view.my_composition([view.add_bias(0.0)])
    what = "my_composition.compute_loss"
    loss = model.compute_loss(y_est, y_target)
    # For arrays the summed loss is asked; per-element squared errors (an array like y_est) are accepted too.
    assert_values(summed(loss, np.shape(y_est), what), float(np.sum((np.asarray(y_est) - y_target) ** 2)), what,
                  f"y_est = {show(y_est)}, y_target = {show(y_target)}")


@points(2)
@title("my_composition: the gradient of the loss, 2 (y_est - y_target), starts backward, on {shape}", shape=ON)
@pytest.mark.parametrize("shape", ["scalar", "vector"])
def test_compute_loss_gradient(units, rng, shape):
    # With a single (reference) add_bias layer, the gradient the loss saves is
    # exactly what add_bias.backward stores in its .grad.
    view = units(UNIT)
    x, y_target = draw_data(rng, shape)
    chain = [(ADD_BIAS, float(rng.uniform(0.5, 1.5)))]
    model, _, _ = _run(view, chain, x, y_target)
    reference = chain_reference(chain, x, y_target)
    assert_values(model.layers[0].grad, like(x, reference["dx"]),
                  "gradient of the loss passed to backward (expected 2 * (y_est - y_target))",
                  f"y_est = {show(reference['output'])}, y_target = {show(y_target)}")


@points(1)
@title("my_composition.forward through the reference layers {chain}")
def test_forward_chain(units, rng, chain):
    view = units(UNIT)
    chain = draw_chain(rng, chain)
    x, target = draw_data(rng, "vector")
    model = view.my_composition(build_chain(view, chain))
    assert_values(model.forward(x), chain_reference(chain, x, target)["output"], "my_composition.forward",
                  _context(chain, x))


@points(2)
@title("my_composition.backward: every layer's .grad, through the reference layers {chain}")
def test_backward_parameter_gradients(units, rng, chain):
    view = units(UNIT)
    chain = draw_chain(rng, chain)
    x, target = draw_data(rng, "scalar")
    model, _, _ = _run(view, chain, x, target)
    reference = chain_reference(chain, x, target)
    layers = model.layers
    for index, ((spec, _), expected) in enumerate(zip(chain, reference["dparams"])):
        if spec.param:
            assert_values(layers[index].grad, expected,
                          f"after my_composition.backward(), layer {index} ({spec.name}) .grad",
                          _context(chain, x, target))


@points(1)
@title("my_composition.backward on a vector, through the reference layers {array_chain}")
def test_backward_on_arrays(units, rng, array_chain):
    # The chain starts with an add_bias: its .grad is d loss / d x, element by element.
    view = units(UNIT)
    chain = draw_chain(rng, array_chain)
    x, target = draw_data(rng, "vector")
    model, _, _ = _run(view, chain, x, target)
    reference = chain_reference(chain, x, target)
    context = _context(chain, x, target)
    layers = model.layers
    assert_values(layers[0].grad, reference["dx"],
                  "after my_composition.backward(), d loss / d x (what reaches the first layer, add_bias)", context)
    for index, ((spec, _), expected) in enumerate(zip(chain, reference["dparams"])):
        if spec.param and index > 0:
            what = f"after my_composition.backward(), layer {index} ({spec.name}) .grad, summed over the array"
            assert_values(summed(layers[index].grad, x.shape, what), expected, what, context)


@points(1.5)
@title("my_composition.step updates every layer, through the reference layers {step_chain}")
def test_step_updates_every_layer(units, rng, step_chain):
    view = units(UNIT)
    chain = draw_chain(rng, step_chain)
    x, target = draw_data(rng, "scalar")
    model, _, _ = _run(view, chain, x, target)
    learning_rate = float(rng.uniform(0.01, 0.05))
    model.step(learning_rate)
    reference = chain_reference(chain, x, target)
    layers = model.layers
    for index, ((spec, value), grad) in enumerate(zip(chain, reference["dparams"])):
        if spec.param:
            assert_values(getattr(layers[index], spec.param), value - learning_rate * grad,
                          f"layer {index} ({spec.name}) .{spec.param} after my_composition.step({learning_rate:.4g})",
                          _context(chain, x, target))


@points(0.5)
@title("my_composition: the notebook's contract: forward gives a number for a number and an array of the same "
       "shape for an array, compute_loss on numbers gives a number (through the reference layers {step_chain})")
def test_composition_contract(units, rng, step_chain):
    # The values must be right too (doing nothing earns nothing); a type
    # slip with the right values is charged here only.
    view = units(UNIT)
    chain = draw_chain(rng, step_chain)
    checks = []
    for shape in ("scalar", "vector"):
        x, target = draw_data(rng, shape)
        model = view.my_composition(build_chain(view, chain))
        reference = chain_reference(chain, x, target)
        output = model.forward(x)
        assert_values(output, like(x, reference["output"]), "my_composition.forward", _context(chain, x))
        checks.append((output, like(x, reference["output"]), "my_composition.forward", _context(chain, x)))
    y_est, y_target = draw_data(rng, "scalar")
    loss = view.my_composition(build_chain(view, chain)).compute_loss(y_est, y_target)
    context = f"y_est = {show(y_est)}, y_target = {show(y_target)}"
    assert_values(loss, (y_est - y_target) ** 2, "my_composition.compute_loss", context)
    checks.append((loss, (y_est - y_target) ** 2, "my_composition.compute_loss", context))
    for actual, expected, what, context in checks:
        assert_contract(actual, expected, what, context)
