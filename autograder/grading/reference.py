"""Reference values from torch.autograd, computed in the grader in float64."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch


def tensor(value, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(np.asarray(value, dtype=np.float64), dtype=torch.float64, requires_grad=requires_grad)


def vjp(fn: Callable[..., torch.Tensor], inputs: Sequence, upstream) -> tuple[np.ndarray, list[np.ndarray]]:
    """`fn(*inputs)` and the gradient of <upstream, fn(*inputs)> with respect to each input."""
    leaves = [tensor(v, requires_grad=True) for v in inputs]
    out = fn(*leaves)
    out.backward(tensor(upstream))
    grads = [leaf.grad.numpy() if leaf.grad is not None else np.zeros(leaf.shape) for leaf in leaves]
    return out.detach().numpy(), grads
