"""Stochastic gradient descent run by the grader through the student's classes.

The grader chooses every sample and every call; only the arithmetic happens in
the student process. Iterations are sent `per_trip` at a time (each one is
forward, compute_loss, backward, then step) to save pipe round trips.
"""
from __future__ import annotations

import numpy as np

from autograder.sandbox.session import Earlier, Remote, Sandbox


def run_sgd(sandbox: Sandbox, model: Remote, xx: np.ndarray, yy: np.ndarray, indices: np.ndarray,
            steps: list[tuple[Remote, float]], per_trip: int = 100, decay: float = 0.0) -> None:
    """One SGD update per index; `steps` lists (object, learning rate) whose
    step() is called after each backward (the model itself, or its layers one
    by one with a learning rate each). The rates shrink by 1 / (1 + decay * k / n)."""
    n = len(indices)
    for start in range(0, n, per_trip):
        calls = []
        for k in range(start, min(start + per_trip, n)):
            j = int(indices[k])
            factor = 1.0 / (1.0 + decay * k / n)
            first = len(calls)
            calls += [(model, "forward", (float(xx[j]),)), (model, "compute_loss", (Earlier(first), float(yy[j]))),
                      (model, "backward", ())]
            calls += [(target, "step", (rate * factor,)) for target, rate in steps]
        sandbox.call_methods(calls)
