"""Each op's gradient(out_grad, node), on its own, against torch.autograd in
float64, with a random upstream gradient; and sum_to_shape against numpy.
Each test runs the student's op (or sum_to_shape) with the reference for
everything else."""
from __future__ import annotations

import pytest

from autograder.grading.compare import assert_close, show
from autograder.grading.marks import points, title
from autograder.grading.reference import tensor, vjp
from autograder.graders.reverse_mode.engine import OP_CASES, SUM_TO_SHAPE_CASES, make, value_of

INPUT_NAMES = ("a", "b")


@points(0.4)
@title("{case}: your op's gradient against torch.autograd")
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
    inputs = ", ".join(f"{n} = {show(v)}" for n, v in zip(INPUT_NAMES, values)) + f", out_grad = {show(upstream)}"
    for name, grad, want in zip(INPUT_NAMES, grads, expected):
        what = f"{case.op}.gradient, the adjoint of {name},"
        assert_close(value_of(grad, what), want, what, inputs)


@points(0.4)
@title("{case}: your sum_to_shape against numpy")
@pytest.mark.parametrize("case", SUM_TO_SHAPE_CASES, ids=str)
def test_sum_to_shape(units, rng, case):
    value = rng.uniform(-1.5, 1.5, case.source)
    own = units("sum_to_shape")
    result = own.sum_to_shape(make(own, value), case.shape)
    what = f"sum_to_shape(t, {case.shape})"
    assert_close(value_of(result, what), case.expected(value), what, f"t = {show(value)}")
