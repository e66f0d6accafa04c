"""make_step and fit, each the student's alone, against the course's PyTorch loop (nn.Linear +
MSELoss(reduction='sum') + optim.SGD) from the same initial values, step by step; and a long fit that
recovers hidden parameters."""
from __future__ import annotations

import numpy as np

from autograder.grading.compare import as_object, assert_close, kind_of
from autograder.grading.marks import points, time_factor, title
from autograder.graders.linear_regression_jax.reference import (RECOVERY_EPOCHS, RECOVERY_SIZES, draw_case,
                                                                 read_params, torch_trajectory)
from autograder.graders.manual_gradient.draws import draw_problem, recovery_rate
from autograder.graders.manual_gradient.linear import describe, pair, value_of
from autograder.graders.recovery import assert_recovered, draw_away

pytestmark = time_factor(50)


def _triple(result, what: str, names: str) -> tuple:
    if not isinstance(result, tuple) or len(result) != 3:
        raise AssertionError(f"{what} should return the tuple ({names}), got {kind_of(result)}")
    return result


@points(3)
@title("make_step: two jitted optax SGD steps (the second from the returned state) as torch's optim.SGD")
def test_step(units, sandbox, rng):
    x, y, w, b = draw_case(rng)
    learning_rate = 0.3 / len(x) * draw_away(rng, 0.3, 1.0)
    given = sandbox.inputs(x=x, y=y, w=w, b=np.array(b))
    optimizer, step = pair(units("make_step").make_step(learning_rate), "make_step", "optimizer, step")
    params = {"w": given.w, "b": given.b}
    state = as_object(optimizer, "the optimizer returned by make_step").init(params)
    want_ws, want_bs, want_losses = torch_trajectory(x, y, w, b, learning_rate, 2)
    inputs = describe(x, w=w, b=b, learning_rate=learning_rate)
    for t in range(2):
        params, state, value = _triple(as_object(step, "the step returned by make_step")(params, state, given.x,
                                                                                         given.y),
                                       "step", "new_params, new_opt_state, value")
        got_w, got_b = read_params(params, f"step {t + 1}: new_params for {inputs}", x.shape[1])
        assert_close(float(value_of(value, f"step {t + 1}: value", ((), (1,)))[0]), want_losses[t],
                     f"step {t + 1}: the loss before the step", inputs)
        assert_close(got_w, want_ws[t + 1], f"step {t + 1}: w after the step", inputs, rtol=1e-7)
        assert_close(got_b, want_bs[t + 1:t + 2], f"step {t + 1}: b after the step", inputs, rtol=1e-7)
    given.check_unchanged("step")


def _fit(units, sandbox, x, y, w0, b0, learning_rate, epochs):
    given = sandbox.inputs(x=x, y=y, w_init=w0, b_init=np.array(b0))
    result = _triple(units("fit").fit(given.x, given.y, given.w_init, given.b_init, learning_rate, epochs), "fit",
                     "ws, bs, losses")
    d, what = x.shape[1], describe(x, w_init=w0, b_init=b0, learning_rate=learning_rate, epochs=epochs)
    ws = value_of(result[0], f"fit: ws for {what}", ((epochs + 1, d),)).reshape(epochs + 1, d)
    bs = value_of(result[1], f"fit: bs for {what}", ((epochs + 1,), (epochs + 1, 1)))
    losses = value_of(result[2], f"fit: losses for {what}", ((epochs,), (epochs, 1)))
    return ws, bs, losses, given, what


@points(3.5)
@title("fit: the parameters and losses of every step, as torch's nn.Linear + MSELoss(reduction='sum') + optim.SGD "
       "from the same initial values")
def test_fit_follows_torch(units, sandbox, rng):
    x, y, w0, b0 = draw_case(rng)
    learning_rate, epochs = 0.3 / len(x) * draw_away(rng, 0.3, 1.0), int(rng.integers(3, 9))
    ws, bs, losses, given, inputs = _fit(units, sandbox, x, y, w0, b0, learning_rate, epochs)
    want_ws, want_bs, want_losses = torch_trajectory(x, y, w0, b0, learning_rate, epochs)
    for t in range(epochs):
        assert_close(losses[t], want_losses[t], f"fit: losses[{t}] (the loss at the start of step {t + 1})", inputs)
        assert_close(ws[t + 1], want_ws[t + 1], f"fit: ws[{t + 1}] (w after step {t + 1})", inputs, rtol=1e-7)
        assert_close(bs[t + 1], want_bs[t + 1], f"fit: bs[{t + 1}] (b after step {t + 1})", inputs, rtol=1e-7)
    assert_close(ws[0], w0, "fit: ws[0] (the initial w)", inputs)
    given.check_unchanged("fit")


@points(2.5)
@title("fit recovers hidden parameters (from zero, step 0.3 / n)")
def test_fit_recovers_hidden_parameters(units, sandbox, rng):
    x, y, w_star, b_star = draw_problem(rng, *RECOVERY_SIZES)
    ws, bs, _, _, _ = _fit(units, sandbox, x, y, np.zeros(x.shape[1]), 0.0, recovery_rate(len(x)), RECOVERY_EPOCHS)
    found = {**{f"w[{i}]": float(v) for i, v in enumerate(ws[-1])}, "b": float(bs[-1])}
    truth = {**{f"w[{i}]": float(v) for i, v in enumerate(w_star)}, "b": float(b_star)}
    assert_recovered(found, truth, 1e-3, f"fit ({RECOVERY_EPOCHS} epochs from zero)")
