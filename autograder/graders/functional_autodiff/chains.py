"""Chains of the course's functions, drawn at random, and their reference values and gradients from
torch.autograd in float64 (in the grader process: the student's has no torch).

A chain is a list of function names among dot, add and squared_loss (always last); its parameters
are drawn with shapes that fit. Per-sample gradients, the course's convention for parameters, are
the gradients of each sample's own loss (or, for one function, of <u[i], f(x[i], param)>)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from autograder.grading.compare import as_array, assert_close, kind_of, show
from autograder.grading.reference import tensor

CHAINS = {
    "course": ("dot", "add", "squared_loss"),
    "two_layers": ("dot", "add", "dot", "add", "squared_loss"),
    "bias_first": ("add", "dot", "squared_loss"),
}
TORCH = {
    "dot": lambda x, w: x @ w,
    "add": lambda x, b: x + b,
    "squared_loss": lambda y_pred, y: torch.sum((y - y_pred) ** 2).reshape(1),
}


@dataclass(frozen=True)
class Chain:
    names: tuple[str, ...]
    x: np.ndarray
    params: tuple[np.ndarray, ...]

    def describe(self) -> str:
        shapes = ", ".join(f"{n} with a parameter of shape {p.shape}" for n, p in zip(self.names, self.params))
        return f"the chain [{', '.join(self.names)}] on x of shape {self.x.shape} ({shapes})"


def signed_normal(rng: np.random.Generator, shape) -> np.ndarray:
    """Normal draws of both signs, none too close to 0."""
    values = rng.normal(0.0, 1.0, shape)
    return np.where(np.abs(values) < 0.2, np.sign(values + 1e-12) * 0.2 + values, values)


def draw_chain(rng: np.random.Generator, kind: str) -> Chain:
    """A chain of the kind named, n from 2 to 6 samples, every other dimension from 2 to 4 (the
    output of the course's chain, and the targets, have one column)."""
    names = CHAINS[kind]
    n = int(rng.integers(2, 7))
    width = int(rng.integers(2, 5))
    x = signed_normal(rng, (n, width))
    params = []
    for name in names:
        if name == "dot":
            out = 1 if kind == "course" else int(rng.integers(2, 5))
            params.append(signed_normal(rng, (width, out)))
            width = out
        elif name == "add":
            params.append(signed_normal(rng, (width,)))
        else:
            params.append(signed_normal(rng, (n, width)))
    return Chain(names, x, tuple(params))


def forward(names, x, params):
    """torch values of the chain: x first, then each function's output."""
    values = [x]
    for name, p in zip(names, params):
        values.append(TORCH[name](values[-1], p))
    return values


def gradients(chain: Chain, rows=slice(None)):
    """The loss of the chain's samples `rows`, and its gradients with respect to x and each parameter
    (the targets' rows taken with the samples)."""
    x = tensor(chain.x[rows], requires_grad=True)
    params = [tensor(p[rows] if name == "squared_loss" else p, requires_grad=True)
              for name, p in zip(chain.names, chain.params)]
    values = forward(chain.names, x, params)
    values[-1].sum().backward()
    return values[-1].detach().numpy(), x.grad.numpy(), [p.grad.numpy() for p in params]


def reference(chain: Chain):
    """(value, grad_x, summed parameter gradients, per-sample parameter gradients)."""
    value, grad_x, summed = gradients(chain)
    per_sample = [np.stack([gradients(chain, slice(i, i + 1))[2][k] for i in range(len(chain.x))])
                  for k in range(len(chain.names))]
    return value, grad_x, summed, per_sample


def single_vjp(name: str, x: np.ndarray, param: np.ndarray, upstream):
    """torch's VJPs of one function at (x, param) for `upstream` (None: the loss, seeded with 1):
    grad_x, and the parameter's gradient summed and per sample."""
    def one(rows):
        x_t, p_t = tensor(x[rows], requires_grad=True), tensor(param[rows] if name == "squared_loss" else param,
                                                             requires_grad=True)
        out = TORCH[name](x_t, p_t)
        out.backward(tensor(np.ones(1) if upstream is None else upstream[rows]))
        return x_t.grad.numpy(), p_t.grad.numpy()
    grad_x, summed = one(slice(None))
    per_sample = np.stack([one(slice(i, i + 1))[1] for i in range(len(x))])
    return grad_x, summed, per_sample


def check_param_grad(got, param: np.ndarray, summed: np.ndarray, per_sample: np.ndarray, what: str,
                     inputs: str) -> None:
    """A parameter's gradient in the course's convention (per sample, the batch axis first) or summed
    over the batch (the parameter's shape)."""
    if isinstance(got, np.ndarray) and got.shape == per_sample.shape:
        assert_close(got, per_sample, f"{what} (per-sample gradients, shape {per_sample.shape})", inputs)
    elif isinstance(got, np.ndarray) and got.shape == param.shape:
        assert_close(got, summed, f"{what} (summed over the batch, shape {param.shape})", inputs)
    else:
        raise AssertionError(f"{what} for {inputs}: expected an array of shape {per_sample.shape} (per-sample "
                             f"gradients, the course's convention) or {param.shape} (summed over the batch), "
                             f"got {kind_of(got)}")


def check_target_grad(got, y: np.ndarray, what: str, inputs: str) -> None:
    """The target is not a parameter: its gradient is zeros, of y's shape (or summed: y's row shape)."""
    if not (isinstance(got, np.ndarray) and got.shape in (y.shape, y.shape[1:])):
        raise AssertionError(f"{what} for {inputs}: expected np.zeros_like(y), of shape {y.shape}, got {kind_of(got)}")
    values = as_array(got, what, got.shape)
    if np.any(values != 0):
        raise AssertionError(f"{what} for {inputs}: the target y is not a parameter and must not be updated, so "
                             f"its gradient is np.zeros_like(y); got {show(values)}")


def pair(result, what: str):
    """The (grad_x, grad_param) pair a vjp returns."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what} should return the pair (grad_x, grad_param), got {kind_of(result)}")
    return result
