"""Recovering hidden w*, b* of y = exp(w* x + b*) with the student's train.

The train tests run the student's train on the reference layers and
my_composition: recovering the hidden parameters with any correct SGD earns
their points; replaying the notebook's exact run (its seed and its
rng.integers order) is a separate test, and the notebook's types (a list of
floats, xx and yy left unchanged) another. One end-to-end test uses all of
the student's units together (the first SGD steps through their classes
must follow torch's, then their train must recover the parameters) and,
when it fails, names the unit at fault."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import as_numbers, kind_of, show
from autograder.grading.marks import points, title
from autograder.graders.layer_specs import ADD_BIAS, MULTIPLICATION_WEIGHT, MY_EXP, a_number, assert_values
from autograder.graders.recovery import assert_recovered, draw_away
from autograder.graders.sgd import check_sgd_path

TOLERANCE = 0.01
START = (1.0, 1.0)  # the course's starting point; hidden values are drawn away from it
XX = np.arange(0, 1, 0.01)
SIGNS = {"w_positive": 1.0, "w_negative": -1.0}  # both signs of w* are told apart by the model
N_ITER = 6000
TOGETHER = ("multiplication_weight", "my_exp", "my_composition", "train")


def course_sgd(w: float, b: float, xx, yy, indices, learning_rate: float) -> tuple[float, float, list[float]]:
    """SGD on exp(w x + b) from (w, b), one sample per step, in closed form (a
    unit test checks it against torch.autograd): the parameters after the last
    step and the loss before each."""
    losses = []
    for j in indices:
        y = np.exp(w * xx[j] + b)
        losses.append(float((y - yy[j]) ** 2))
        g = 2 * (y - yy[j]) * y
        w, b = w - learning_rate * g * xx[j], b - learning_rate * g
    return float(w), float(b), losses


def hidden_data(rng: np.random.Generator, sign: float) -> tuple[float, float, np.ndarray]:
    """Hidden w* of the given sign (|w*| in [0.25, 1]) and b* in [2.25, 3], and y on the course's grid."""
    w_star = sign * draw_away(rng, 0.25, 1.0, (START[0],))
    b_star = draw_away(rng, 2.25, 3.0)
    return w_star, b_star, np.exp(w_star * XX + b_star)


def training_run(rng: np.random.Generator, yy: np.ndarray) -> tuple[float, int, int]:
    """A learning rate suited to the data (stable on its largest sample), the number of iterations, a seed."""
    return 0.25 / float(np.max(yy)) ** 2, N_ITER, int(rng.integers(1000))


def _course_model(view):
    return view.my_composition([view.multiplication_weight(START[0]), view.add_bias(START[1]), view.my_exp()])


def _parameters(model) -> dict[str, float]:
    layers = model.layers
    return {"w": a_number(layers[0].w, "w (model.layers[0].w)"), "b": a_number(layers[1].b, "b (model.layers[1].b)")}


def _call(learning_rate: float, n_iter: int, seed: int) -> str:
    return f"train(model, xx, yy, {learning_rate:.3g}, {n_iter}, seed={seed}) from w = 1, b = 1"


@points(2)
@title("your train (on the reference layers and my_composition) recovers hidden w* and b*, {sign}",
       sign={"w_positive": "w* > 0", "w_negative": "w* < 0"})
@pytest.mark.parametrize("sign", list(SIGNS))
def test_train_recovers_parameters(units, rng, sign):
    w_star, b_star, yy = hidden_data(rng, SIGNS[sign])
    learning_rate, n_iter, seed = training_run(rng, yy)
    view = units("train")
    model = _course_model(view)
    view.train(model, XX, yy, learning_rate, n_iter, seed)
    assert_recovered(_parameters(model), {"w": w_star, "b": b_star}, TOLERANCE,
                     f"your {_call(learning_rate, n_iter, seed)}, on the reference layers")


@points(1.5)
@title("your train replays the notebook's run: j = rng.integers(len(xx)) at each iteration, with "
       "rng = np.random.default_rng(seed) (on the reference layers and my_composition)")
def test_train_replays_the_notebook_run(units, rng):
    _, _, yy = hidden_data(rng, -1.0)
    learning_rate, n_iter, seed = training_run(rng, yy)
    view = units("train")
    model = _course_model(view)
    losses = view.train(model, XX, yy, learning_rate, n_iter, seed)
    # integers(n, size=k) draws the same k indices as k calls of integers(n).
    w, b, want = course_sgd(*START, XX, yy, np.random.default_rng(seed).integers(len(XX), size=n_iter),
                            learning_rate)
    call = f"your {_call(learning_rate, n_iter, seed)}, on the reference layers"
    assert_values(losses, np.array(want), "the losses train returned (each before its step)", call)
    found = _parameters(model)
    assert_values(found["w"], w, "w after train", call)
    assert_values(found["b"], b, "b after train", call)


@points(0.5)
@title("train: the notebook's contract: it returns a list of n_iter floats and leaves xx and yy unchanged "
       "(on the reference layers and my_composition)")
def test_train_contract(units, sandbox, rng):
    _, _, yy = hidden_data(rng, 1.0)
    learning_rate, _, seed = training_run(rng, yy)
    n_iter = 200
    view = units("train")
    given = sandbox.inputs(xx=XX, yy=yy)
    losses = view.train(_course_model(view), given.xx, given.yy, learning_rate, n_iter, seed)
    given.check_unchanged("train")
    values = as_numbers(losses, "the losses train returned")
    if values.size != n_iter or not np.all(np.isfinite(values)) or not np.all(values >= 0):
        raise AssertionError(f"train should return {n_iter} losses (one per iteration, each a squared error), "
                             f"got {kind_of(losses)}: {show(values)}")
    if not isinstance(losses, list) or not all(isinstance(v, (float, int)) and not isinstance(v, bool)
                                               for v in losses):
        held = f" holding {sorted({type(v).__name__ for v in losses})}" if isinstance(losses, list) else ""
        raise AssertionError(f"the value is right; the notebook asks for a list of floats (one per iteration), "
                             f"got {kind_of(losses)}{held}")


@points(2)
@title("END-TO-END, the one test that uses your units together (multiplication_weight, my_exp, my_composition "
       "and train): the first SGD steps through your classes follow torch's, and your train on your classes "
       "recovers hidden w* and b*")
def test_end_to_end(units, sandbox, rng):
    w_star, b_star, yy = hidden_data(rng, 1.0)
    learning_rate, n_iter, seed = training_run(rng, yy)

    def check(view):
        check_sgd_path(view, sandbox, [(MULTIPLICATION_WEIGHT, START[0]), (ADD_BIAS, START[1]), (MY_EXP, None)],
                       XX, yy, rng, learning_rate)
        model = _course_model(view)
        view.train(model, XX, yy, learning_rate, n_iter, seed)
        assert_recovered(_parameters(model), {"w": w_star, "b": b_star}, TOLERANCE,
                         f"your {_call(learning_rate, n_iter, seed)}, on your layers and my_composition")

    units.joint(check, TOGETHER)
