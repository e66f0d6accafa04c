"""Checks of my_composition: the loss, and forward, backward and step through
chains of the student's own layers, against torch.autograd.

Shared by every assignment with a composition class: its test module imports
these tests and names its chains with
`pytest_generate_tests(metafunc): parametrize_chains(metafunc, {...}, step_chain)`."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import assert_close, show, total
from autograder.grading.marks import points, time_limit, title
from autograder.graders.layer_specs import (ADD_BIAS, LayerSpec, build_chain, chain_reference, describe_chain,
                                             draw_chain, like)

ON = {"scalar": "a number", "vector": "a vector"}


def parametrize_chains(metafunc: pytest.Metafunc, chains: dict[str, list[LayerSpec]], step_chain: str) -> None:
    """`chain` runs over all named chains; `step_chain` is the one step() is checked on."""
    if "chain" in metafunc.fixturenames:
        metafunc.parametrize("chain", [Layers(c) for c in chains.values()], ids=list(chains))
    if "step_chain" in metafunc.fixturenames:
        metafunc.parametrize("step_chain", [Layers(chains[step_chain])], ids=[step_chain])


class Layers(list):
    """A chain of layer classes, shown as "multiplication_weight -> add_bias -> my_exp" in titles."""

    def __str__(self) -> str:
        return " -> ".join(spec.name for spec in self)


def _draw_data(rng, shape):
    if shape == "scalar":
        return float(rng.uniform(-0.6, 0.6)), float(rng.uniform(0.5, 3.0))
    n = int(rng.integers(3, 8))
    return rng.uniform(-0.6, 0.6, n), rng.uniform(0.5, 3.0, n)


def _run(student, chain, x, target):
    model = student.my_composition(build_chain(student, chain))
    y = model.forward(x)
    loss = model.compute_loss(y, target)
    model.backward()
    return model, y, loss


@points(1)
@time_limit(10)
@title("my_composition.compute_loss: the squared error, on {shape}", shape=ON)
@pytest.mark.parametrize("shape", ["scalar", "vector"])
def test_compute_loss_value(student, rng, shape):
    y_est, y_target = _draw_data(rng, shape)
    model = student.my_composition([student.add_bias(0.0)])
    what = "my_composition.compute_loss"
    loss = model.compute_loss(y_est, y_target)
    # For arrays the summed loss is asked; per-element squared errors (an array like y_est) are accepted too.
    assert_close(total(loss, np.shape(y_est), what), float(np.sum((np.asarray(y_est) - y_target) ** 2)), what,
                 f"y_est = {show(y_est)}, y_target = {show(y_target)}")


@points(2)
@time_limit(10)
@title("my_composition: the gradient of the loss, 2 (y_est - y_target), starts backward, on {shape}", shape=ON)
@pytest.mark.parametrize("shape", ["scalar", "vector"])
def test_compute_loss_gradient(student, rng, shape):
    # With a single add_bias layer, the gradient the loss saves is exactly what
    # add_bias.backward stores in its .grad.
    x, y_target = _draw_data(rng, shape)
    chain = [(ADD_BIAS, float(rng.uniform(0.5, 1.5)))]
    model, _, _ = _run(student, chain, x, y_target)
    reference = chain_reference(chain, x, y_target)
    assert_close(model.layers[0].grad, like(x, reference["dx"]),
                 "gradient of the loss passed to backward (expected 2 * (y_est - y_target))",
                 f"y_est = {show(reference['output'])}, y_target = {show(y_target)}")


@points(1)
@time_limit(10)
@title("my_composition.forward through the chain {chain}")
def test_forward_chain(student, rng, chain):
    chain = draw_chain(rng, chain)
    x, target = _draw_data(rng, "vector")
    model = student.my_composition(build_chain(student, chain))
    result = model.forward(x)
    assert_close(result, chain_reference(chain, x, target)["output"], "my_composition.forward",
                 f"layers {describe_chain(chain)}, x = {show(x)}")


@points(2)
@time_limit(10)
@title("my_composition.backward: every layer's .grad, through the chain {chain}")
def test_backward_parameter_gradients(student, rng, chain):
    chain = draw_chain(rng, chain)
    x, target = _draw_data(rng, "scalar")
    model, _, _ = _run(student, chain, x, target)
    reference = chain_reference(chain, x, target)
    layers = model.layers
    for index, ((spec, _), expected) in enumerate(zip(chain, reference["dparams"])):
        if spec.param:
            assert_close(layers[index].grad, expected,
                         f"after my_composition.backward(), layer {index} ({spec.name}) .grad",
                         f"layers {describe_chain(chain)}, x = {show(x)}, y_target = {show(target)}")


@points(1)
@time_limit(10)
@title("my_composition.backward on a vector, through the chain {chain}")
def test_backward_on_arrays(student, rng, chain):
    # A leading add_bias stores d loss / d x element by element in its .grad.
    chain = draw_chain(rng, [ADD_BIAS] + chain)
    x, target = _draw_data(rng, "vector")
    model, _, _ = _run(student, chain, x, target)
    reference = chain_reference(chain, x, target)
    context = f"layers {describe_chain(chain)}, x = {show(x)}, y_target = {show(target)}"
    layers = model.layers
    assert_close(layers[0].grad, reference["dx"], "d loss / d x (the .grad of the leading add_bias)", context)
    for index, ((spec, _), expected) in enumerate(zip(chain, reference["dparams"])):
        if spec.param and index > 0:
            what = f"layer {index} ({spec.name}) .grad, summed over the array"
            assert_close(total(layers[index].grad, x.shape, what), expected, what, context)


@points(2)
@time_limit(10)
@title("my_composition.step updates every layer, through the chain {step_chain}")
def test_step_updates_every_layer(student, rng, step_chain):
    chain = draw_chain(rng, step_chain)
    x, target = _draw_data(rng, "scalar")
    model, _, _ = _run(student, chain, x, target)
    learning_rate = float(rng.uniform(0.01, 0.05))
    model.step(learning_rate)
    reference = chain_reference(chain, x, target)
    layers = model.layers
    for index, ((spec, value), grad) in enumerate(zip(chain, reference["dparams"])):
        if spec.param:
            assert_close(getattr(layers[index], spec.param), value - learning_rate * grad,
                         f"layer {index} ({spec.name}) .{spec.param} after my_composition.step({learning_rate:.4g})",
                         f"layers {describe_chain(chain)}, x = {show(x)}, y_target = {show(target)}")
