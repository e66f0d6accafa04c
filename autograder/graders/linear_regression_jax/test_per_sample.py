"""per_sample_grads, the student's alone, against torch.autograd one sample at a time (n > d >= 2, so that
a vmap over the wrong axis cannot pass)."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import assert_close
from autograder.grading.marks import points, title
from autograder.graders.linear_regression_jax.reference import draw_case, read_params, torch_per_sample
from autograder.graders.manual_gradient.linear import describe

SIZES = {"small": ((5, 8), (2, 3)), "course": ((25, 40), (2, 4))}


@points(2)
@title("per_sample_grads: row t is the gradient of sample t's term, as torch.autograd on that sample alone "
       "({size} n)", size={"small": "a small", "course": "the course's"})
@pytest.mark.parametrize("size", list(SIZES))
def test_per_sample_grads(units, sandbox, rng, size):
    x, y, w, b = draw_case(rng, SIZES[size])
    given = sandbox.inputs(x=x, y=y, w=w, b=np.array(b))
    got = units("per_sample_grads").per_sample_grads({"w": given.w, "b": given.b}, given.x, given.y)
    inputs = describe(x, w=w, b=b)
    grad_w, grad_b = read_params(got, f"per_sample_grads for {inputs}", x.shape[1], batch=len(x))
    want_w, want_b = torch_per_sample(x, y, w, b)
    assert_close(grad_w, want_w, "per_sample_grads: ['w'], one row per sample", inputs)
    assert_close(grad_b, want_b, "per_sample_grads: ['b'], one entry per sample", inputs)
    given.check_unchanged("per_sample_grads")
