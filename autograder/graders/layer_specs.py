"""The layer classes students write, described once for every grader that
checks them: how to build one, what torch computes for it, where its
parameter lives, and which inputs are sensible."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from autograder.grading.compare import as_like, as_numbers, assert_close, kind_of, show


@dataclass(frozen=True)
class LayerSpec:
    name: str  # the class name in the notebook
    torch_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (x, parameter) -> output
    param: str | None  # attribute that holds the parameter, None for a parameter-free layer
    x_range: tuple[float, float] = (-2.0, 2.0)

    def build(self, student, value: float | None = None):
        cls = getattr(student, self.name)
        return cls(value) if self.param else cls()

    def __str__(self) -> str:  # pytest ids
        return self.name


MULTIPLICATION_WEIGHT = LayerSpec("multiplication_weight", lambda x, p: x * p, "w")
ADD_BIAS = LayerSpec("add_bias", lambda x, p: x + p, "b")
MY_EXP = LayerSpec("my_exp", lambda x, p: torch.exp(x), None, (-2.0, 2.0))
MY_COS = LayerSpec("my_cos", lambda x, p: torch.cos(x), None, (-6.0, 6.0))


def like(x, value) -> float | np.ndarray:
    """A reference value as the student should return it: a number for a number, else an array."""
    value = np.asarray(value, dtype=np.float64)
    return float(value) if np.ndim(x) == 0 else value


def _context(what: str, inputs: str) -> str:
    return f"{what} for {inputs}" if inputs else what


def assert_values(actual, expected, what: str, inputs: str = "") -> None:
    """The values only: equivalent shapes are accepted (a 0-d array or an
    array of one element for a number, an array whose shape differs only by
    axes of size 1). The types are the contract tests' business."""
    want = np.asarray(expected, dtype=np.float64)
    got = as_numbers(actual, _context(what, inputs))
    if got.size != want.size or np.squeeze(got).shape != np.squeeze(want).shape:
        raise AssertionError(f"{_context(what, inputs)}: expected {show(want)}, got {kind_of(actual)}")
    assert_close(float(got.reshape(())) if want.ndim == 0 else got.reshape(want.shape), expected, what, inputs)


def summed(value, shape: tuple[int, ...], what: str) -> float:
    """A gradient or loss on an array, given summed (a number) or per element
    (like the array; equivalent shapes accepted), as the notebooks allow."""
    array = as_numbers(value, what)
    if array.size == 1:
        return float(array.reshape(()))
    if np.squeeze(array).shape != np.squeeze(np.zeros(shape)).shape:
        raise AssertionError(f"{what} should be a number (the sum) or an array of shape {shape}, got {kind_of(value)}")
    return float(np.sum(array))


def a_number(value, what: str) -> float:
    """A number, or an array of one element (the value tests accept both)."""
    array = as_numbers(value, what)
    if array.size != 1:
        raise AssertionError(f"{what} should be a number, got {kind_of(value)}")
    return float(array.reshape(()))


def assert_contract(actual, expected, what: str, inputs: str = "") -> None:
    """After the value was found right: the type the notebook asks for (a
    number for a number, an array of the same shape for an array)."""
    try:
        as_like(actual, expected, what)
    except AssertionError:
        asked = (f"an array of shape {np.shape(expected)} (an array in gives an array of the same shape out)"
                 if np.ndim(expected) else "a number (a number in gives a number out)")
        raise AssertionError(f"{_context(what, inputs)}: the value is right; the notebook asks for {asked}, "
                             f"got {kind_of(actual)}") from None


def draw_parameter(rng: np.random.Generator) -> float:
    """A parameter away from 0 and from 1, of either sign (1 would hide a missing factor)."""
    magnitude = rng.uniform(0.3, 0.8) if rng.random() < 0.5 else rng.uniform(1.25, 2.5)
    return float(magnitude if rng.random() < 0.5 else -magnitude)


def draw_input(rng: np.random.Generator, spec: LayerSpec, shape: str):
    """A float (shape "scalar") or a float64 array of a random size."""
    low, high = spec.x_range
    if shape == "scalar":
        return float(rng.uniform(low, high))
    size = (int(rng.integers(3, 8)),) if shape == "vector" else (int(rng.integers(2, 5)), int(rng.integers(2, 5)))
    return rng.uniform(low, high, size=size)


def draw_upstream(rng: np.random.Generator, like) -> float | np.ndarray:
    """A random upstream gradient (never all ones: that hides a missing chain-rule factor)."""
    if np.ndim(like) == 0:
        return float(rng.choice([-1, 1]) * rng.uniform(0.5, 2.0))
    return rng.normal(0.0, 1.5, size=np.shape(like))


Chain = list  # of (LayerSpec, parameter or None)


def draw_chain(rng: np.random.Generator, specs: list[LayerSpec]) -> Chain:
    return [(spec, draw_parameter(rng) if spec.param else None) for spec in specs]


def build_chain(student, chain: Chain) -> list:
    return [spec.build(student, value) for spec, value in chain]


def describe_chain(chain: Chain) -> str:
    return " -> ".join(f"{s.name}({'' if v is None else format(v, '.4g')})" for s, v in chain)


def chain_reference(chain: Chain, x, target) -> dict:
    """Output, summed squared-error loss and its gradients (input, each parameter) by torch.autograd."""
    from autograder.grading.reference import tensor

    x_t = tensor(x, requires_grad=True)
    params = [tensor(v, requires_grad=True) if spec.param else None for spec, v in chain]
    y = x_t
    for (spec, _), p in zip(chain, params):
        y = spec.torch_fn(y, p)
    loss = ((y - tensor(target)) ** 2).sum()
    loss.backward()
    return {"output": y.detach().numpy(), "loss": float(loss.detach()), "dx": x_t.grad.numpy(),
            "dparams": [None if p is None else float(p.grad) for p in params]}
