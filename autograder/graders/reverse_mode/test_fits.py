"""The practical with an engine: fit_linear and fit_challenge, each graded with
the reference engine and ops (the student's fit alone), plus one end-to-end
fit that uses all the student's units together.

fit_linear is replayed against a reference batch gradient descent (a separate
test from recovering hidden parameters); fit_challenge recovers hidden
parameters; each fit is checked to call the engine; the types and shapes the
notebook asks for cost one small contract test per fit."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import as_numbers, assert_close, kind_of, show
from autograder.grading.marks import points, time_factor, title
from autograder.graders.challenge_data import XX, fit_values, hidden_challenge2, model_output
from autograder.graders.recovery import assert_recovered, draw_away
from autograder.graders.reverse_mode import UNITS

TOLERANCE = 0.01
LINEAR_SIGNS = ((1, -1), (-1, 1))  # signs of (w*[0], b*) in the two recovery draws; w*[1:] draw their own
CHALLENGE_SIGNS = ((-1, 1), (1, -1), (-1, -1))  # signs of (w*, b*) in the three challenge draws (p* > 0: cos is even)
ENGINE_UNITS = tuple(name for name in UNITS if name not in ("fit_challenge", "fit_linear"))


# --- draws (importable: source_tests/test_unit_draws_reverse_mode_fits.py checks them over many ids) ---

def signed(rng: np.random.Generator, low: float, high: float, sign: int = 0) -> float:
    """A magnitude in [low, high] away from 1, with the given sign (random when 0)."""
    sign = sign or (1 if rng.random() < 0.5 else -1)
    return sign * draw_away(rng, low, high, (1.0,), margin=0.1)


def draw_linear_problem(rng: np.random.Generator, n: int, d: int, signs: tuple[int, int] = (0, 0)):
    """x uniform in [0, 1)^(n, d), y = x @ w* + b*, hidden w* and b* of magnitudes
    0.4 to 3, w*[0] and b* of the given signs, the other entries of w* of random signs."""
    x = rng.random((n, d))
    w_star = np.array([signed(rng, 0.4, 3.0, signs[0] if i == 0 else 0) for i in range(d)])
    b_star = signed(rng, 0.4, 2.0, signs[1])
    return x, x @ w_star + b_star, w_star, b_star


def draw_linear_replay(rng: np.random.Generator):
    """A short run of fit_linear to replay: d from 2 to 4, a start of both signs, never 0 or 1."""
    n, d = int(rng.integers(5, 40)), int(rng.integers(2, 5))
    x, y, _, _ = draw_linear_problem(rng, n, d)
    w0 = np.array([signed(rng, 0.2, 0.9) for _ in range(d)])
    b0 = np.array([signed(rng, 0.2, 0.9)])
    learning_rate, epochs = 0.3 / n * float(rng.uniform(0.3, 0.9)), int(rng.integers(4, 12))
    return x, y, w0, b0, learning_rate, epochs


def draw_linear_recovery(rng: np.random.Generator, draw: int):
    """A problem to recover from zero in 2000 epochs at the step 0.3 / n: d from 2 to 4."""
    return draw_linear_problem(rng, int(rng.integers(30, 60)), int(rng.integers(2, 5)), LINEAR_SIGNS[draw])


def draw_challenge(rng: np.random.Generator, draw: int) -> dict[str, float]:
    """Hidden p*, w*, b* of the challenge, w* and b* of the signs of this draw."""
    w_sign, b_sign = CHALLENGE_SIGNS[draw]
    truth = hidden_challenge2(rng, sign=w_sign)
    return {"p": abs(truth["p"]), "w": truth["w"], "b": b_sign * abs(truth["b"])}


# --- the reference run and the calls ---

def reference_descent(x, y, w0, b0, learning_rate: float, epochs: int):
    """Batch gradient descent on the summed squared error, with the loss before each step."""
    w, b, losses = np.array(w0, dtype=float), float(np.sum(b0)), []
    for _ in range(epochs):
        residual = x @ w + b - y
        losses.append(float(np.sum(residual ** 2)))
        w, b = w - learning_rate * 2 * x.T @ residual, b - learning_rate * 2 * np.sum(residual)
    return w, b, np.array(losses)


def run_fit_linear(view, sandbox, x, y, w0, b0, learning_rate, epochs):
    """fit_linear on copies of its inputs (read back afterwards); its result as it came back."""
    given = sandbox.inputs(x=x, y=y, w_init=w0, b_init=b0)
    result = view.fit_linear(given.x, given.y, given.w_init, given.b_init, learning_rate, epochs)
    given.check_unchanged("fit_linear")
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise AssertionError(f"fit_linear should return the tuple (w, b, losses), got {kind_of(result)}")
    return result


def linear_values(result, d: int, epochs: int):
    """w, b and the losses as values, whatever equivalent shapes they came in."""
    w, b, losses = result
    w = as_numbers(w, "w returned by fit_linear")
    b = as_numbers(b, "b returned by fit_linear")
    if w.size != d or b.size != 1:
        raise AssertionError(f"fit_linear should return w with {d} entries and b with one, "
                             f"got {kind_of(result[0])} and {kind_of(result[1])}")
    if not isinstance(losses, (list, tuple, np.ndarray)) or len(losses) != epochs:
        raise AssertionError(f"fit_linear should return {epochs} losses (one per epoch), got {kind_of(losses)}")
    values = [as_numbers(v, "each loss returned by fit_linear") for v in losses]
    if any(v.size != 1 for v in values):
        raise AssertionError("fit_linear: each loss should be one number")
    return w.reshape(d), float(b.reshape(-1)[0]), np.array([float(v.reshape(-1)[0]) for v in values])


def check_replay(view, sandbox, x, y, w0, b0, learning_rate, epochs) -> None:
    result = run_fit_linear(view, sandbox, x, y, w0, b0, learning_rate, epochs)
    w, b, losses = linear_values(result, x.shape[1], epochs)
    want_w, want_b, want_losses = reference_descent(x, y, w0, b0, learning_rate, epochs)
    inputs = f"x of shape {x.shape}, w_init = {show(w0)}, b_init = {show(b0)}, learning_rate = {learning_rate:.4g}, " \
             f"epochs = {epochs}"
    assert_close(w, want_w, "fit_linear: w after gradient descent", inputs, rtol=1e-7)
    assert_close(b, want_b, "fit_linear: b after gradient descent", inputs, rtol=1e-7)
    assert_close(losses, want_losses, "fit_linear: the losses (each before its step)", inputs, rtol=1e-7)


def challenge_values(result) -> dict[str, float]:
    """p, w and b as numbers, whatever equivalent container and shapes they came in."""
    return fit_values(result, ("p", "w", "b"), "fit_challenge")


def run_fit_challenge(view, sandbox, truth: dict[str, float]):
    given = sandbox.inputs(xx=XX, yy=model_output(**truth))
    result = view.fit_challenge(given.xx, given.yy)
    given.check_unchanged("fit_challenge")
    return result


# --- fit_linear ---

@points(1.5)
@time_factor(50)
@title("fit_linear (yours, with the reference engine) follows batch gradient descent step by step, "
       "losses included, inputs unchanged ({draw})")
@pytest.mark.parametrize("draw", [0, 1])
def test_fit_linear(units, sandbox, rng, draw):
    check_replay(units("fit_linear"), sandbox, *draw_linear_replay(rng))


@points(1)
@time_factor(50)
@title("fit_linear (yours, with the reference engine) recovers hidden parameters, 2000 epochs from zero ({draw})")
@pytest.mark.parametrize("draw", [0, 1])
def test_fit_linear_recovers_hidden_parameters(units, sandbox, rng, draw):
    x, y, w_star, b_star = draw_linear_recovery(rng, draw)
    result = run_fit_linear(units("fit_linear"), sandbox, x, y, np.zeros(x.shape[1]), np.zeros(1),
                            0.3 / len(x), 2000)
    w, b, _ = linear_values(result, x.shape[1], 2000)
    found = {**{f"w[{i}]": float(v) for i, v in enumerate(w)}, "b": b}
    truth = {**{f"w[{i}]": float(v) for i, v in enumerate(w_star)}, "b": b_star}
    assert_recovered(found, truth, 1e-3, f"fit_linear on x of shape {x.shape}")


def _linear_value_right(result, x, y, w0, b0, learning_rate, epochs) -> bool:
    try:
        w, b, losses = linear_values(result, x.shape[1], epochs)
    except AssertionError:
        return False
    want_w, want_b, want_losses = reference_descent(x, y, w0, b0, learning_rate, epochs)
    return bool(np.allclose(w, want_w, rtol=1e-7) and np.isclose(b, want_b, rtol=1e-7)
                and np.allclose(losses, want_losses, rtol=1e-7))


def _right(value_right: bool) -> str:
    return "the value is right; " if value_right else ""


@points(0.5)
@time_factor(50)
@title("fit_linear returns what the notebook asks: w and b as arrays of the shapes of w_init and b_init "
       "(b a number when b_init is one), the losses as a list of floats")
def test_fit_linear_contract(units, sandbox, rng):
    x, y, w0, b0, learning_rate, epochs = draw_linear_replay(rng)
    view = units("fit_linear")
    for b_init, b_shape, asked in ((b0, (1,), "an array of shape (1,) like b_init"),
                                   (float(b0[0]), (), "a number (or a 0-d array), like b_init")):
        w, b, losses = result = run_fit_linear(view, sandbox, x, y, w0, b_init, learning_rate, epochs)
        problems = []
        if not isinstance(w, np.ndarray) or w.shape != w0.shape:
            problems.append(f"w as an array of shape {w0.shape} like w_init, got {kind_of(w)}")
        if np.shape(b) != b_shape or not isinstance(b, (np.ndarray, float, int)):
            problems.append(f"b as {asked}, got {kind_of(b)}")
        if not isinstance(losses, list) or not all(isinstance(v, (float, int)) for v in losses):
            items = f" with items such as {kind_of(losses[0])}" if isinstance(losses, list) and losses else ""
            problems.append(f"the losses as a list of floats, got {kind_of(losses)}{items}")
        if problems:
            right = _linear_value_right(result, x, y, w0, b_init, learning_rate, epochs)
            raise AssertionError(f"fit_linear with b_init = {show(b_init)}: {_right(right)}the notebook asks "
                                 f"for {'; '.join(problems)}")


# --- fit_challenge ---

@points(2)
@time_factor(50)
@title("fit_challenge (yours, with the reference engine) recovers hidden p*, w* and b* of "
       "exp(w* cos(p* x) + b*) ({draw})")
@pytest.mark.parametrize("draw", [0, 1, 2])
def test_fit_challenge(units, sandbox, rng, draw):
    truth = draw_challenge(rng, draw)
    found = challenge_values(run_fit_challenge(units("fit_challenge"), sandbox, truth))
    found["p"] = abs(found["p"])  # cos(px) = cos(-px): p and -p are the same model
    assert_recovered(found, truth, TOLERANCE, "fit_challenge on new data")


@points(0.5)
@time_factor(50)
@title("fit_challenge returns what the notebook asks: the tuple (p, w, b) of numbers")
def test_fit_challenge_contract(units, sandbox, rng):
    truth = draw_challenge(rng, 0)
    result = run_fit_challenge(units("fit_challenge"), sandbox, truth)
    numbers = isinstance(result, tuple) and all(
        isinstance(v, (float, int)) or (isinstance(v, np.ndarray) and v.ndim == 0) for v in result)
    if not numbers:
        try:
            found = challenge_values(result)
            found["p"] = abs(found["p"])
            right = all(abs(found[k] - truth[k]) <= TOLERANCE for k in truth)
        except AssertionError:
            right = False
        parts = f" of {', '.join(kind_of(v) for v in result)}" if isinstance(result, (tuple, list)) else ""
        raise AssertionError(f"fit_challenge: {_right(right)}the notebook asks for the tuple (p, w, b) of "
                             f"numbers, got {kind_of(result)}{parts}")


# --- both fits call the engine ---

@points(0.5)
@time_factor(50)
@title("{fit} (yours) computes its gradients with the engine: it calls compute_gradients (through backward)")
@pytest.mark.parametrize("fit", ["fit_linear", "fit_challenge"])
def test_fit_uses_the_engine(units, sandbox, rng, fit):
    view = units(fit, counted=("compute_gradients",))
    before = view._graded_calls["compute_gradients"]
    if fit == "fit_linear":
        x, y, w0, b0, learning_rate, epochs = draw_linear_replay(rng)
        run_fit_linear(view, sandbox, x, y, w0, b0, learning_rate, epochs)
        needed, what = epochs, f"{epochs} epochs, one backward each"
    else:
        run_fit_challenge(view, sandbox, draw_challenge(rng, 0))
        needed, what = 1, "its gradient descent"
    calls = view._graded_calls["compute_gradients"] - before
    if calls < needed:
        raise AssertionError(f"{fit} called compute_gradients {calls} times for {what}: the notebook asks for "
                             "gradients from your engine (loss.backward()), not by hand or without gradients")


# --- end to end: the student's units together ---

@points(2)
@time_factor(50)
@title("End to end, your units together: fit_linear with your engine and your ops follows batch gradient descent")
def test_fit_linear_with_your_engine(units, sandbox, rng):
    problem = draw_linear_replay(rng)
    units.joint(lambda view: check_replay(view, sandbox, *problem), ENGINE_UNITS + ("fit_linear",))
