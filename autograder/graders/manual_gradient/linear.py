"""Hidden linear-regression data and the reference gradient descent (float64, in the grader)."""
from __future__ import annotations

import numpy as np

from autograder.grading.reference import tensor


def draw_problem(rng: np.random.Generator, n: int | None = None, d: int | None = None):
    """x uniform in [0, 1)^(n, d) and y = x @ w* + b*, with hidden sizes and parameters."""
    n = int(rng.integers(1, 51)) if n is None else n
    d = int(rng.integers(1, 6)) if d is None else d
    x = rng.random((n, d))
    w_star, b_star = rng.uniform(-3, 3, d), float(rng.uniform(-2, 2))
    return x, x @ w_star + b_star, w_star, b_star


def summed_loss_grads(x, y, w, b) -> tuple[np.ndarray, np.ndarray]:
    """d/dw and d/db of sum((x @ w + b - y)**2) by torch.autograd."""
    w_t, b_t = tensor(w, requires_grad=True), tensor(b, requires_grad=True)
    loss = ((tensor(x) @ w_t + b_t - tensor(y)) ** 2).sum()
    loss.backward()
    return w_t.grad.numpy(), b_t.grad.numpy()


def reference_descent(x, y, w0, b0, learning_rate: float, epochs: int,
                      autograd: bool = True) -> tuple[np.ndarray, float]:
    """Batch gradient descent on the summed squared error, from (w0, b0), with
    torch.autograd's gradient (or, for long runs that only test a step size,
    the same gradient in closed form)."""
    w, b = np.array(w0, dtype=float).reshape(-1), float(np.sum(b0))
    for _ in range(epochs):
        if autograd:
            grad_w, grad_b = summed_loss_grads(x, y, w, b)
        else:
            residual = x @ w + b - y
            grad_w, grad_b = 2 * x.T @ residual, 2 * residual.sum()
        w, b = w - learning_rate * grad_w, b - learning_rate * float(grad_b)
    return w, b


def as_torch_shapes(x, y, w, b):
    """The course's tensor shapes: x (n, d), y (n, 1), w (d, 1), b (1, 1)."""
    return x, np.asarray(y).reshape(-1, 1), np.asarray(w, dtype=float).reshape(-1, 1), np.full((1, 1), float(np.sum(b)))


