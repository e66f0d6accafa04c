"""Recovering hidden parameters of y = exp(w* cos(p* x) + b*): the student's
fit_challenge1 and fit_challenge2 (each on the reference layers) on data
they have never seen, their contracts, and one end-to-end test: the grader's
multi-start SGD through all of the student's classes together."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import as_number, kind_of
from autograder.grading.marks import points, time_factor, title
from autograder.graders.challenge_data import XX, fit_values, hidden_challenge1, hidden_challenge2, model_output
from autograder.graders.layer_specs import ADD_BIAS, MULTIPLICATION_WEIGHT, MY_COS, MY_EXP, a_number
from autograder.graders.recovery import assert_recovered
from autograder.graders.sgd import check_sgd_path, run_sgd

TOLERANCE = 0.01
MAX_P = 100.0  # a larger |p| aliases on the sampling grid
DRAWS = {"0": 1.0, "1": -1.0, "2": 1.0, "3": -1.0}  # the sign of w* in each draw: both, twice each
DRAW_TITLES = {draw: f"draw {draw}, w* {'>' if sign > 0 else '<'} 0" for draw, sign in DRAWS.items()}
TOGETHER = ("multiplication_weight", "my_exp", "my_composition", "my_cos")
PARAMETERS = {"fit_challenge1": ("w", "b"), "fit_challenge2": ("p", "w", "b")}


def multistart_sgd(student, sandbox, rng, yy: np.ndarray) -> dict[str, float]:
    """Short SGD runs from starts spread over p in [0.2, 2.2] and both signs of
    w, then long runs from the two best; a learning rate per layer (p's
    gradient carries a factor x). Returns the parameters with the lowest loss."""
    rate = 0.05 / np.mean(yy ** 2)

    def run(p, w, b, n_iter, decay):
        layers = [student.multiplication_weight(p), student.my_cos(), student.multiplication_weight(w),
                  student.add_bias(b), student.my_exp()]
        model = student.my_composition(layers)
        steps = [(layers[0], rate / 15), (layers[1], rate), (layers[2], rate), (layers[3], rate), (layers[4], rate)]
        run_sgd(sandbox, model, XX, yy, rng.integers(len(XX), size=n_iter), steps, decay=decay)
        found = {"p": a_number(layers[0].w, "p"), "w": a_number(layers[2].w, "w"), "b": a_number(layers[3].b, "b")}
        loss = np.mean((model_output(found["p"], found["w"], found["b"]) - yy) ** 2)
        return (loss if np.isfinite(loss) else np.inf), found

    coarse = sorted((run(p0, w0, 1.5, 300, 0.0) for p0 in np.arange(0.2, 2.21, 0.1) for w0 in (0.5, -0.5)),
                    key=lambda pair: pair[0])
    refined = [run(f["p"], f["w"], f["b"], 5000, 5.0) for _, f in coarse[:2]]
    found = min(refined, key=lambda pair: pair[0])[1]
    return {"p": abs(found["p"]), "w": found["w"], "b": found["b"]}


@points(4)
@title("END-TO-END, the one test that uses your units together (multiplication_weight, my_cos, my_exp and "
       "my_composition): the grader's multi-start SGD through your classes recovers hidden p*, w* and b*")
def test_end_to_end(units, sandbox, rng):
    truth = hidden_challenge2(rng, 1.0)
    yy = model_output(**truth)
    rate = 0.05 / np.mean(yy ** 2)

    def check(view):
        check_sgd_path(view, sandbox, [(MULTIPLICATION_WEIGHT, 1.0), (MY_COS, None), (MULTIPLICATION_WEIGHT, 0.5),
                                       (ADD_BIAS, 1.5), (MY_EXP, None)], XX, yy, rng, [rate / 15] + [rate] * 4)
        assert_recovered(multistart_sgd(view, sandbox, rng, yy), truth, TOLERANCE,
                         "the grader's multi-start SGD through your my_composition, multiplication_weight, "
                         "my_cos, add_bias and my_exp")

    units.joint(check, TOGETHER)


def _fit(units, name: str, yy: np.ndarray):
    """The student's fit, with the reference layers, on XX and yy."""
    return getattr(units(name), name)(XX, yy)


def _is_number(value) -> bool:
    try:
        as_number(value, "")
    except AssertionError:
        return False
    return True


def _found(name: str, result) -> dict[str, float]:
    found = fit_values(result, PARAMETERS[name], name)
    if "p" in found:
        if abs(found["p"]) > MAX_P:
            raise AssertionError(f"{name} returned p = {found['p']:.5g}: |p| > {MAX_P:g} is not accepted")
        found["p"] = abs(found["p"])  # cos(px) = cos(-px): either sign of p is the same model
    return found


@points(1.5)
@title("fit_challenge1 (on the reference layers) recovers hidden w* and b* of exp(w* cos(x) + b*), "
       "{draw}", draw=DRAW_TITLES)
@pytest.mark.parametrize("draw", list(DRAWS))
def test_fit_challenge1(units, rng, draw):
    truth = hidden_challenge1(rng, DRAWS[draw])
    result = _fit(units, "fit_challenge1", model_output(1.0, **truth))
    assert_recovered(_found("fit_challenge1", result), truth, TOLERANCE, "fit_challenge1 on new data")


@points(2.5)
@time_factor(50)
@title("fit_challenge2 (on the reference layers) recovers hidden p*, w* and b* of exp(w* cos(p* x) + b*), "
       "{draw}", draw=DRAW_TITLES)
@pytest.mark.parametrize("draw", list(DRAWS))
def test_fit_challenge2(units, rng, draw):
    truth = hidden_challenge2(rng, DRAWS[draw])
    result = _fit(units, "fit_challenge2", model_output(**truth))
    assert_recovered(_found("fit_challenge2", result), truth, TOLERANCE, "fit_challenge2 on new data")


@points(0.5)
@time_factor(50)
@title("{name}: the notebook's contract: it returns a tuple of numbers and leaves xx and yy unchanged")
@pytest.mark.parametrize("name", list(PARAMETERS))
def test_fit_contract(units, sandbox, rng, name):
    # The values must be right too (doing nothing earns nothing); a type
    # slip with the right values is charged here only.
    truth = hidden_challenge1(rng, 1.0) if name == "fit_challenge1" else hidden_challenge2(rng, -1.0)
    given = sandbox.inputs(xx=XX, yy=model_output(1.0, **truth) if name == "fit_challenge1"
                           else model_output(**truth))
    result = getattr(units(name), name)(given.xx, given.yy)
    given.check_unchanged(name)
    assert_recovered(_found(name, result), truth, TOLERANCE, f"{name} on new data")
    if not isinstance(result, tuple) or not all(_is_number(v) for v in result):
        raise AssertionError(f"the values are right; the notebook asks for {name} to return the tuple "
                             f"({', '.join(PARAMETERS[name])}) of numbers, got {kind_of(result)}"
                             + (f" holding {sorted({type(v).__name__ for v in result})}"
                                if isinstance(result, (tuple, list)) else ""))
