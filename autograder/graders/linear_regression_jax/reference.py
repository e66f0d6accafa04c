"""The PyTorch run the course's notebook compares with (float64, in the grader), the hidden draws, and how
the graders read what the student's JAX code returned (it crosses as plain numpy data)."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from autograder.grading.compare import kind_of
from autograder.graders.manual_gradient.draws import draw_point, draw_problem
from autograder.graders.manual_gradient.linear import value_of

SIZES = ((5, 30), (2, 4))  # n, d: a transposed w or a vmap over the wrong axis cannot pass
RECOVERY_SIZES = ((30, 60), (2, 3))
RECOVERY_EPOCHS = 1000  # 2,000 draws: the worst error after 1000 steps is 3e-5 (600: 2e-3)


def draw_case(rng: np.random.Generator, sizes=SIZES):
    """x (n, d) uniform in [0, 1), y = x @ w* + b*, and a point (w, b), both of both signs."""
    x, y, _, _ = draw_problem(rng, *sizes)
    w, b = draw_point(rng, x.shape[1])
    return x, y, w, b


def linear(d: int, w: np.ndarray, b: float) -> torch.nn.Linear:
    layer = torch.nn.Linear(d, 1).to(torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(np.asarray(w, dtype=np.float64)).reshape(1, d))
        layer.bias.fill_(float(b))
    return layer


def torch_loss_and_grad(x, y, w, b) -> tuple[float, np.ndarray, float]:
    """The summed squared error of nn.Linear and its gradient by torch.autograd."""
    layer = linear(x.shape[1], w, b)
    value = torch.nn.MSELoss(reduction="sum")(layer(torch.from_numpy(x)), torch.from_numpy(y).reshape(-1, 1))
    value.backward()
    return value.item(), layer.weight.grad.numpy().reshape(-1).copy(), layer.bias.grad.item()


def torch_trajectory(x, y, w0, b0, learning_rate: float, epochs: int):
    """The course's PyTorch loop: nn.Linear + MSELoss(reduction='sum') + optim.SGD from (w0, b0).
    (ws (epochs + 1, d), bs (epochs + 1,), losses (epochs,)): the start, then after every step."""
    layer = linear(x.shape[1], w0, b0)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(layer.parameters(), lr=learning_rate)
    x_t, y_t = torch.from_numpy(x), torch.from_numpy(y).reshape(-1, 1)
    ws, bs, losses = [np.asarray(w0, dtype=float).copy()], [float(b0)], []
    for _ in range(epochs):
        optimizer.zero_grad()
        value = loss_fn(layer(x_t), y_t)
        value.backward()
        optimizer.step()
        losses.append(value.item())
        ws.append(layer.weight.detach().numpy().reshape(-1).copy())
        bs.append(layer.bias.item())
    return np.array(ws), np.array(bs), np.array(losses)


def torch_per_sample(x, y, w, b) -> tuple[np.ndarray, np.ndarray]:
    """The gradient of each sample's term, by torch.autograd, one sample at a time."""
    rows = [torch_loss_and_grad(x[t:t + 1], y[t:t + 1], w, b) for t in range(len(x))]
    return np.array([r[1] for r in rows]), np.array([r[2] for r in rows])


def read_params(value: Any, what: str, d: int, batch: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(w, b) of a dict {"w": ..., "b": ...} as the notebook's params (with a leading axis of `batch` rows
    for per-sample gradients): w of shape (d,) and b 0-d, a column (d, 1) and a b of shape (1,) too."""
    if not isinstance(value, dict) or set(value) != {"w", "b"}:
        raise AssertionError(f"{what} should be a dict with the keys 'w' and 'b', like params, got {kind_of(value)}")
    lead = () if batch is None else (batch,)
    w = value_of(value["w"], f"{what}['w']", (lead + (d,), lead + (d, 1)))
    b = value_of(value["b"], f"{what}['b']", (lead, lead + (1,)))
    return (w if batch is None else w.reshape(batch, d)), b
