"""Stochastic gradient descent run by the grader through the student's classes.

The grader chooses every sample and every learning rate; only the arithmetic
happens in the student process. Iterations are sent thousands at a time (each
one is forward, compute_loss, backward, then step) to save pipe round trips.

A fit that lands on hidden parameters proves little by itself (a `step`
could fit the data its own way), so the path is checked too: the first
steps must be those of SGD with torch.autograd's gradients.
"""
from __future__ import annotations

import numpy as np

from autograder.grading.compare import show
from autograder.grading.plugin import StudentProcess
from autograder.graders.layer_specs import Chain, a_number, assert_values, build_chain, chain_reference, describe_chain
from autograder.sandbox.handles import Remote

PATH_STEPS = 20


def run_sgd(sandbox: StudentProcess, model: Remote, xx: np.ndarray, yy: np.ndarray, indices: np.ndarray,
            steps: list[tuple[Remote, float]], per_trip: int = 2500, decay: float = 0.0) -> None:
    """One SGD update per index (forward, compute_loss, backward, then step on
    each of `steps`: (object, learning rate), the model itself or its layers
    one by one). The rates shrink by 1 / (1 + decay * k / n)."""
    n = len(indices)
    factors = 1.0 / (1.0 + decay * np.arange(n) / n)
    for start in range(0, n, per_trip):
        chosen = indices[start:start + per_trip]
        sandbox.sgd(model, xx[chosen].tolist(), yy[chosen].tolist(), steps, factors[start:start + per_trip].tolist())


def reference_sgd(chain: Chain, xx: np.ndarray, yy: np.ndarray, indices, rates: list[float]) -> list:
    """The chain's parameters after SGD on the samples `indices`, layer i's
    parameter updated with rates[i] and torch.autograd's gradient."""
    params = [value for _, value in chain]
    specs = [spec for spec, _ in chain]
    for j in indices:
        grads = chain_reference(list(zip(specs, params)), float(xx[j]), float(yy[j]))["dparams"]
        params = [p if p is None else p - rate * g for p, rate, g in zip(params, rates, grads)]
    return params


def check_sgd_path(student, sandbox: StudentProcess, chain: Chain, xx, yy, rng: np.random.Generator,
                   rates: list[float] | float) -> None:
    """PATH_STEPS SGD steps through a fresh model of the student's classes
    must follow torch's: `rates` is one learning rate for model.step, or a
    rate per layer for each layer's step."""
    layers = build_chain(student, chain)
    model = student.my_composition(layers)
    indices = rng.integers(len(xx), size=PATH_STEPS)
    per_layer = isinstance(rates, list)
    steps = list(zip(layers, rates)) if per_layer else [(model, rates)]
    run_sgd(sandbox, model, xx, yy, indices, steps)
    expected = reference_sgd(chain, xx, yy, indices, rates if per_layer else [rates] * len(chain))
    context = (f"{PATH_STEPS} SGD steps through {describe_chain(chain)} on samples x = {show(xx[indices[:4]])}..., "
               f"learning rate {'per layer ' + show(np.array(rates)) if per_layer else format(rates, 'g')}")
    for index, ((spec, _), want) in enumerate(zip(chain, expected)):
        if spec.param:
            got = a_number(getattr(layers[index], spec.param), f"layer {index} ({spec.name}) .{spec.param}")
            assert_values(got, want, f"layer {index} ({spec.name}) .{spec.param} after the first SGD steps", context)
