"""Each op's gradient(out_grad, node), on its own, against torch.autograd in
float64, with a random upstream gradient."""
from __future__ import annotations

import pytest

from autograder.grading.compare import assert_close, show
from autograder.grading.marks import points, time_limit, title
from autograder.grading.reference import tensor, vjp
from autograder.graders.reverse_mode.engine import OP_CASES, make, value_of


@points(0.5)
@time_limit(10)
@title("{case}: gradient against torch.autograd")
@pytest.mark.parametrize("case", OP_CASES, ids=str)
def test_op_gradient(units, rng, case):
    values = case.draw(rng)
    upstream = rng.normal(0.0, 1.5, tuple(case.torch_fn(*map(tensor, values)).shape))
    _, expected = vjp(case.torch_fn, values, upstream)
    own = units(case.op)  # the student's op, the reference for everything else
    op = case.build(own)
    node = op(*[make(own, v) for v in values])
    grads = op.gradient_as_tuple(make(own, upstream, requires_grad=False), node)
    if not isinstance(grads, tuple) or len(grads) != len(values):
        raise AssertionError(f"{case.op}.gradient_as_tuple should give one Tensor per input, got {show(grads)}")
    inputs = ", ".join(f"input {i} = {show(v)}" for i, v in enumerate(values)) + f", out_grad = {show(upstream)}"
    for index, (grad, want) in enumerate(zip(grads, expected)):
        what = f"{case.op}.gradient, for input {index}"
        assert_close(value_of(grad, what), want, what, inputs)
