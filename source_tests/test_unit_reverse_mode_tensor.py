"""The reverse_mode notebook's given Tensor class, with the reference ops: its operators with a
number on either side, requires_grad, float64 values and the shape errors (fast; this is the part of
the old benchmarks/check_reverse_mode.py that no grader covers, because it checks given code)."""
from __future__ import annotations

import builtins

import numpy as np
import pytest
import torch

from autograder.assignments import get_assignment
from autograder.grading.units import reference_program

N, K = 1.7, 3
EXPRESSIONS = {  # written once for the notebook's Tensors and torch's
    "n - t": lambda t, s: N - t, "n / t": lambda t, s: N / t, "t - n": lambda t, s: t - N,
    "t / n": lambda t, s: t / N, "n * t": lambda t, s: N * t, "n + t": lambda t, s: N + t,
    "int - t": lambda t, s: K - t, "int / t": lambda t, s: K / t, "-t": lambda t, s: -t,
    "t ** 2.5": lambda t, s: t ** 2.5, "t - s": lambda t, s: t - s, "s / t": lambda t, s: s / t,
    "numpy float * t": lambda t, s: np.float64(N) * t, "t * numpy int": lambda t, s: t * np.int64(K),
}


@pytest.fixture(scope="module")
def notebook() -> dict:
    a = get_assignment("reverse_mode")
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    for name, source in reference_program(a.name, a.program):
        exec(compile(source, name, "exec"), namespace)
    return namespace


@pytest.mark.parametrize("name", EXPRESSIONS)
def test_operator_value_and_gradients(notebook, name):
    rng = np.random.default_rng(len(name))
    a, c, upstream = rng.uniform(0.5, 2.0, (2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    fn = EXPRESSIONS[name]
    t, s = notebook["Tensor"](a), notebook["Tensor"](c)
    ours = fn(t, s)
    t_a, t_c = (torch.tensor(v, requires_grad=True) for v in (a, c))
    want = fn(t_a, t_c)
    np.testing.assert_allclose(ours.value, want.detach().numpy(), rtol=1e-12, err_msg=f"{name}: value")
    ours.backward(notebook["Tensor"](upstream, requires_grad=False))
    grads = torch.autograd.grad(want, [t_a, t_c], torch.tensor(upstream), allow_unused=True)
    np.testing.assert_allclose(t.grad.value, grads[0].numpy(), rtol=1e-12, err_msg=f"{name}: gradient of t")
    if grads[1] is not None:
        np.testing.assert_allclose(s.grad.value, grads[1].numpy(), rtol=1e-12, err_msg=f"{name}: gradient of s")


def test_requires_grad_dtype_and_shape_errors(notebook):
    Tensor = notebook["Tensor"]
    x, k = Tensor([1.0, 2.0]), Tensor([3.0, 4.0], requires_grad=False)
    assert (x * k).requires_grad and not (k * 2).requires_grad, "requires_grad comes from the inputs"
    assert x.op is None and x.inputs == (), "a leaf has no op and no inputs"
    assert Tensor(3).value.dtype == np.float64
    for bad in (lambda: Tensor(np.ones((2, 3))) + Tensor(np.ones(3)), lambda: Tensor(np.ones((2, 1))) * Tensor(np.ones(2))):
        with pytest.raises(ValueError, match="broadcast_to"):
            bad()
