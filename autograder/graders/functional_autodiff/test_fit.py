"""optim_SGD on per-sample gradients, and train: the course's training loop, each graded with the
reference for everything else. train is replayed step by step against gradient descent with
torch.autograd's gradients (on the course's chain and on a chain of two linear layers, which a
hand-written formula for the course's model cannot follow), recovers hidden parameters, and must
get every epoch's gradients from backward_diff_chain (its calls are counted)."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import as_numbers, assert_close, kind_of, show
from autograder.grading.marks import points, time_factor, title
from autograder.grading.reference import tensor
from autograder.graders.functional_autodiff.chains import Chain, draw_chain, forward, signed_normal
from autograder.graders.recovery import assert_recovered, draw_away

RECOVERY_SIGNS = ((1, -1), (-1, 1))  # signs of (W*[0], b*) in the two recovery draws; W*[1:] draw their own


@points(1)
@title("optim_SGD(grads, learning_rate) sums each per-sample gradient over axis 0 and returns "
       "-learning_rate times it, grads unchanged ({draw_index})")
@pytest.mark.parametrize("draw_index", [0, 1])
def test_optim_SGD(units, sandbox, rng, draw_index):
    n, a, b = (int(v) for v in rng.integers(2, 6, 3))
    grads = [rng.normal(0.0, 1.5, shape) for shape in ((n, a, b), (n, b), (n, b))]
    learning_rate = float(rng.uniform(0.005, 0.2))
    given = sandbox.inputs(**{f"g{k}": g for k, g in enumerate(grads)})
    args = [[given.g0, given.g1, given.g2]]
    view = units("optim_SGD")
    updates = view.optim_SGD(*args, learning_rate) if draw_index == 0 else view.optim_SGD(*args)
    rate = learning_rate if draw_index == 0 else 1e-2
    call = f"optim_SGD(grads, {rate:g})" if draw_index == 0 else "optim_SGD(grads) (the default learning rate)"
    inputs = "per-sample grads of shapes " + ", ".join(str(g.shape) for g in grads)
    if not isinstance(updates, (list, tuple)) or len(updates) != len(grads):
        raise AssertionError(f"{call} for {inputs} should return one update per gradient, got {kind_of(updates)}")
    for k, (got, g) in enumerate(zip(updates, grads)):
        assert_close(got, -rate * g.sum(axis=0), f"{call}[{k}]", f"{inputs}, grads[{k}] = {show(g)}")
    given.check_unchanged("optim_SGD")


def reference_training(chain: Chain, epochs: int, learning_rate: float):
    """Gradient descent on the chain's loss with torch.autograd's gradients: the parameters after
    `epochs` steps (the target left as it is) and the loss before each step."""
    params = [np.array(p) for p in chain.params]
    losses = []
    for _ in range(epochs):
        leaves = [tensor(p, requires_grad=name != "squared_loss") for name, p in zip(chain.names, params)]
        loss = forward(chain.names, tensor(chain.x), leaves)[-1].sum()
        loss.backward()
        losses.append(loss.item())
        params = [p if leaf.grad is None else p - learning_rate * leaf.grad.numpy() for p, leaf in zip(params, leaves)]
    return params, np.array(losses)


def descends(losses: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(losses)) and np.all(np.diff(losses) < 0))


def run_train(units, sandbox, chain: Chain, epochs: int, learning_rate: float):
    """The student's train (reference for the rest) on copies of the chain's arrays, its calls of
    backward_diff_chain counted; its parameters and losses checked for shape and count."""
    view = units("train", counted=("backward_diff_chain",))
    given = sandbox.inputs(x=chain.x, **{f"p{k}": p for k, p in enumerate(chain.params)})
    before = view._graded_calls["backward_diff_chain"]
    result = view.train(given.x, [getattr(view, n) for n in chain.names],
                        [getattr(given, f"p{k}") for k in range(len(chain.params))], epochs, learning_rate)
    calls = view._graded_calls["backward_diff_chain"] - before
    given.check_unchanged("train")
    call = f"train(x, funcs, params, {epochs}, {learning_rate:.4g})"
    if calls < epochs:
        raise AssertionError(f"{call} called backward_diff_chain {calls} times in {epochs} epochs: each epoch's "
                             "gradients must come from the VJPs, through backward_diff_chain, not from a formula")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{call} should return (params, losses), got {kind_of(result)}")
    params, losses = result
    if not isinstance(params, (list, tuple)) or len(params) != len(chain.params):
        raise AssertionError(f"{call}: params should be the list of the {len(chain.params)} parameters, "
                             f"got {kind_of(params)}")
    if not isinstance(losses, (list, tuple, np.ndarray)) or len(losses) != epochs:
        raise AssertionError(f"{call} should return {epochs} losses (one per epoch), got {kind_of(losses)}")
    values = [as_numbers(v, f"each loss returned by {call}") for v in losses]
    if any(v.size != 1 for v in values):
        raise AssertionError(f"{call}: each loss should be one number")
    return call, params, np.array([float(v.reshape(-1)[0]) for v in values])


@points(2)
@time_factor(50)
@title("train(x, funcs, params, epochs, learning_rate) (yours, with the reference functions) follows gradient "
       "descent step by step, losses included, gradients from backward_diff_chain, inputs unchanged ({kind})")
@pytest.mark.parametrize("kind", ["course", "two_layers"])
def test_train_follows_gradient_descent(units, sandbox, rng, kind):
    chain = draw_chain(rng, kind)
    epochs, learning_rate = int(rng.integers(3, 9)), float(rng.uniform(0.01, 0.02))
    want_params, want_losses = reference_training(chain, epochs, learning_rate)
    while not descends(want_losses):  # a step small enough for these draws: the replay stays finite
        learning_rate /= 2
        want_params, want_losses = reference_training(chain, epochs, learning_rate)
    call, params, losses = run_train(units, sandbox, chain, epochs, learning_rate)
    inputs = chain.describe()
    assert_close(losses, want_losses, f"{call}, the losses (each before its step),", inputs, rtol=1e-7)
    for k, (got, want) in enumerate(zip(params, want_params)):
        assert_close(got, want, f"{call}, the parameter of {chain.names[k]} (params[{k}]),", inputs, rtol=1e-7)


def draw_recovery(rng: np.random.Generator, draw_index: int) -> tuple[Chain, np.ndarray, float]:
    """The course's chain on x uniform in [-1, 1)^(n, d) (centred: a few hundred epochs suffice),
    y = x @ W* + b*: hidden W* and b* of magnitudes
    0.4 to 3, W*[0] and b* of the signs of this draw; the start drawn at random."""
    n, d = int(rng.integers(30, 61)), int(rng.integers(2, 5))
    w_sign, b_sign = RECOVERY_SIGNS[draw_index]
    w_star = np.array([[(w_sign if i == 0 else rng.choice((-1, 1))) * draw_away(rng, 0.4, 3.0, (1.0,), 0.1)]
                       for i in range(d)])
    b_star = b_sign * draw_away(rng, 0.4, 2.0, (1.0,), 0.1)
    x = rng.uniform(-1.0, 1.0, (n, d))
    y = x @ w_star + b_star
    chain = Chain(("dot", "add", "squared_loss"), x, (signed_normal(rng, (d, 1)), signed_normal(rng, (1,)), y))
    return chain, w_star, b_star


@points(2)
@time_factor(50)
@title("train (yours, with the reference functions) recovers hidden W* and b*, 300 epochs at 0.3 / n, "
       "gradients from backward_diff_chain ({draw_index})")
@pytest.mark.parametrize("draw_index", [0, 1])
def test_train_recovers_hidden_parameters(units, sandbox, rng, draw_index):
    chain, w_star, b_star = draw_recovery(rng, draw_index)
    n = len(chain.x)
    call, params, _ = run_train(units, sandbox, chain, 300, 0.3 / n)
    w = as_numbers(params[0], f"{call}: W")
    b = as_numbers(params[1], f"{call}: b")
    if w.size != w_star.size or b.size != 1:
        raise AssertionError(f"{call}: W should keep the shape {w_star.shape} and b the shape (1,), got "
                             f"{kind_of(params[0])} and {kind_of(params[1])}")
    found = {**{f"W[{i}]": float(v) for i, v in enumerate(w.reshape(-1))}, "b": float(b.reshape(-1)[0])}
    truth = {**{f"W[{i}]": float(v) for i, v in enumerate(w_star.reshape(-1))}, "b": float(b_star)}
    assert_recovered(found, truth, 1e-3, f"train on the course's chain with x of shape {chain.x.shape}")
