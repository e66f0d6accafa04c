"""The JAX bonus's grading: jax arrays come back from the student process as plain numpy data (never
pickled); a loss that borrows torch's answer finds torch denied
(its other units keep their points)."""
from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from autograder.variants import fill_notebook
from conftest import released, solution

A = "linear_regression_jax"
TORCH_LOSS = '''def loss(params, x, y):
    import torch  # the answer from torch's MSELoss, not written in JAX
    layer = torch.nn.Linear(x.shape[1], 1)
    return torch.nn.MSELoss(reduction="sum")(layer(torch.as_tensor(x)), torch.as_tensor(y)).item()


def loss_and_grad(params, x, y):
    return jax.value_and_grad(lambda p: jnp.sum((x @ p["w"] + p["b"] - y) ** 2))(params)
'''
JAX_VALUES = """
import jax, jax.numpy as jnp, numpy as np
from autograder.sandbox.codec import decode, dumps, encode, loads
from autograder.sandbox.worker import _jax_values
values = _jax_values(jnp.arange(6.0).reshape(2, 3))
assert type(values) is np.ndarray and values.flags.writeable and values.shape == (2, 3)
back = decode(loads(dumps({"v": encode({"w": values})}))["v"])
assert np.array_equal(back["w"], np.arange(6.0).reshape(2, 3))
assert _jax_values(np.ones(2)) is None and _jax_values([1.0]) is None
seen = []
jax.jit(lambda a: seen.append(_jax_values(a)) or a)(jnp.ones(2))  # a traced value has no values to send
assert seen == [None]
"""


def test_jax_arrays_cross_as_plain_numpy():
    # In a process of its own: JAX's backend starts threads, and the test process forks later.
    done = subprocess.run([sys.executable, "-c", JAX_VALUES], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def _notebook(tmp_path, cells: dict[str, str]):
    notebook = fill_notebook(nbformat.read(str(released(A)), as_version=4),
                             nbformat.read(str(solution(A)), as_version=4), cells=tuple(cells.items()))
    path = tmp_path / f"{A}.ipynb"
    nbformat.write(notebook, str(path))
    return path


def _outcomes(result) -> dict[str, tuple[str, str]]:
    return {t.name: (t.outcome, t.message) for t in result.tests}


@pytest.mark.slow
def test_a_loss_that_borrows_torch_finds_it_denied(grade, tmp_path):
    result = grade(A, _notebook(tmp_path, {"loss_fn": TORCH_LOSS}))
    outcomes = _outcomes(result)
    for name in ("test_loss::test_loss_value", "test_loss::test_loss_is_pure"):
        outcome, message = outcomes[name]
        assert outcome == "failed" and "torch is not available in this assignment" in message, (name, message)
    lost = {n for n, (outcome, _) in outcomes.items() if outcome != "passed"}
    assert lost == {"test_loss::test_loss_value", "test_loss::test_loss_is_pure"}, lost
    assert result.score == result.max_score - 3.5

