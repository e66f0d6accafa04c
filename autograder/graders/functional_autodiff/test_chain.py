"""The chain: evaluate_chain and backward_diff_chain, each with the reference VJPs (the student's
function alone), on random chains of the course's functions; then the gradients end to end with all
the student's functions together, against torch.autograd."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import assert_close, kind_of
from autograder.grading.marks import points, title
from autograder.graders.functional_autodiff.chains import (Chain, check_param_grad, check_target_grad, draw_chain,
                                                           forward, reference)
from autograder.grading.reference import tensor

KINDS = ("course", "two_layers", "bias_first")
CHAIN_UNITS = ("add", "dot", "squared_loss", "evaluate_chain", "backward_diff_chain")


def place(view, sandbox, chain: Chain):
    """The chain's x and parameters as copies in the student process, and its functions (the view's)."""
    given = sandbox.inputs(x=chain.x, **{f"p{k}": p for k, p in enumerate(chain.params)})
    params = [getattr(given, f"p{k}") for k in range(len(chain.params))]
    return given, [getattr(view, name) for name in chain.names], params


def expected_values(chain: Chain) -> list[np.ndarray]:
    values = forward(chain.names, tensor(chain.x), [tensor(p) for p in chain.params])
    return [v.numpy() for v in values]


@points(1.5)
@title("evaluate_chain(x, funcs, params, return_all) (yours, with the reference functions): the final value, "
       "and with return_all=True every value from x on, inputs unchanged ({kind})")
@pytest.mark.parametrize("kind", ["course", "two_layers"])
def test_evaluate_chain(units, sandbox, rng, kind):
    chain = draw_chain(rng, kind)
    view = units("evaluate_chain")
    given, funcs, params = place(view, sandbox, chain)
    want = expected_values(chain)
    inputs = chain.describe()
    final = view.evaluate_chain(given.x, funcs, params)
    assert_close(final, want[-1], "evaluate_chain(x, funcs, params), the final value,", inputs)
    every = view.evaluate_chain(given.x, funcs, params, return_all=True)
    if not isinstance(every, (list, tuple)) or len(every) != len(want):
        raise AssertionError(f"evaluate_chain(x, funcs, params, return_all=True) for {inputs} should return the "
                             f"list of {len(want)} values (x, then each function's output), got {kind_of(every)}")
    for k, (got, value) in enumerate(zip(every, want)):
        label = "x itself" if k == 0 else f"the output of {chain.names[k - 1]} (function {k - 1})"
        assert_close(got, value, f"evaluate_chain(..., return_all=True)[{k}], {label},", inputs)
    given.check_unchanged("evaluate_chain")


def check_backward(view, sandbox, chain: Chain, who: str) -> None:
    given, funcs, params = place(view, sandbox, chain)
    result = view.backward_diff_chain(given.x, funcs, params)
    what = f"backward_diff_chain(x, funcs, params){who}"
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise AssertionError(f"{what} should return (value, vjp_x, vjp_params), got {kind_of(result)}")
    value, grad_x, grads = result
    want_value, want_x, summed, per_sample = reference(chain)
    inputs = chain.describe()
    assert_close(value, want_value, f"{what}, the value,", inputs)
    assert_close(grad_x, want_x, f"{what}, vjp_x (the gradient of the loss with respect to x),", inputs)
    if not isinstance(grads, (list, tuple)) or len(grads) != len(chain.names):
        raise AssertionError(f"{what} for {inputs}: vjp_params should hold one gradient per parameter "
                             f"({len(chain.names)}), got {kind_of(grads)}")
    for k, name in enumerate(chain.names):
        label = f"{what}, vjp_params[{k}] (the parameter of {name})"
        if name == "squared_loss":
            check_target_grad(grads[k], chain.params[k], label, inputs)
        else:
            check_param_grad(grads[k], chain.params[k], summed[k], per_sample[k], label, inputs)
    given.check_unchanged("backward_diff_chain")


@points(2)
@title("backward_diff_chain(x, funcs, params) (yours, with the reference VJPs): the value, vjp_x and every "
       "parameter's gradient against torch.autograd, inputs unchanged ({kind})")
@pytest.mark.parametrize("kind", KINDS)
def test_backward_diff_chain(units, sandbox, rng, kind):
    check_backward(units("backward_diff_chain"), sandbox, draw_chain(rng, kind), "")


@points(3)
@title("End to end, your functions together: backward_diff_chain with your evaluate_chain and your VJPs, "
       "against torch.autograd on a chain of two linear layers")
def test_gradients_end_to_end(units, sandbox, rng):
    chain = draw_chain(rng, "two_layers")
    units.joint(lambda view: check_backward(view, sandbox, chain, " with your VJPs"), CHAIN_UNITS)
