"""The layer classes students write, described once for every grader that
checks them: how to build one, what torch computes for it, where its
parameter lives, and which inputs are sensible."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch


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
