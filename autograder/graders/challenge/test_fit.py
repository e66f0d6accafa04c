"""Recovering hidden parameters of y = exp(w* cos(p* x) + b*): with the
grader's own multi-start SGD through the student's classes, and with the
student's fit_challenge1 and fit_challenge2 on data they have never seen."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.compare import as_number
from autograder.grading.marks import points, time_limit, title
from autograder.graders.challenge_data import XX, call_fit, hidden_challenge1, hidden_challenge2, model_output
from autograder.graders.recovery import assert_recovered
from autograder.graders.layer_specs import ADD_BIAS, MULTIPLICATION_WEIGHT, MY_COS, MY_EXP
from autograder.graders.sgd import check_sgd_path, run_sgd

TOLERANCE = 0.01
MAX_P = 100.0  # a larger |p| aliases on the sampling grid


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
        found = {"p": as_number(layers[0].w, "p"), "w": as_number(layers[2].w, "w"), "b": as_number(layers[3].b, "b")}
        loss = np.mean((model_output(found["p"], found["w"], found["b"]) - yy) ** 2)
        return (loss if np.isfinite(loss) else np.inf), found

    coarse = sorted((run(p0, w0, 1.5, 300, 0.0) for p0 in np.arange(0.2, 2.21, 0.1) for w0 in (0.5, -0.5)),
                    key=lambda pair: pair[0])
    refined = [run(f["p"], f["w"], f["b"], 5000, 5.0) for _, f in coarse[:2]]
    found = min(refined, key=lambda pair: pair[0])[1]
    return {"p": abs(found["p"]), "w": found["w"], "b": found["b"]}


@points(3)
@time_limit(90)
@title("multi-start SGD run by the grader through your classes recovers hidden p*, w* and b* (draw {draw})")
@pytest.mark.parametrize("draw", [0, 1])
def test_multistart_sgd_through_your_classes(student, sandbox, rng, draw):
    truth = hidden_challenge2(rng)
    yy = model_output(**truth)
    rate = 0.05 / np.mean(yy ** 2)
    check_sgd_path(student, sandbox, [(MULTIPLICATION_WEIGHT, 1.0), (MY_COS, None), (MULTIPLICATION_WEIGHT, 0.5),
                                      (ADD_BIAS, 1.5), (MY_EXP, None)], XX, yy, rng, [rate / 15] + [rate] * 4)
    found = multistart_sgd(student, sandbox, rng, yy)
    assert_recovered(found, truth, TOLERANCE,
                     "the grader's multi-start SGD through your my_composition, multiplication_weight, "
                     "my_cos, add_bias and my_exp")


@points(2)
@time_limit(10)
@title("fit_challenge1 recovers hidden w* and b* of exp(w* cos(x) + b*) (draw {draw})")
@pytest.mark.parametrize("draw", [0, 1, 2])
def test_fit_challenge1(student, sandbox, rng, draw):
    truth = hidden_challenge1(rng)
    found = call_fit(student, sandbox, "fit_challenge1", model_output(1.0, **truth), ("w", "b"))
    assert_recovered(found, truth, TOLERANCE, "fit_challenge1 on new data")


@points(3)
@time_limit(60)
@title("fit_challenge2 recovers hidden p*, w* and b* of exp(w* cos(p* x) + b*) (draw {draw})")
@pytest.mark.parametrize("draw", [0, 1, 2])
def test_fit_challenge2(student, sandbox, rng, draw):
    truth = hidden_challenge2(rng)
    found = call_fit(student, sandbox, "fit_challenge2", model_output(**truth), ("p", "w", "b"))
    assert abs(found["p"]) <= MAX_P, f"fit_challenge2 returned p = {found['p']:.5g}: |p| > {MAX_P:g} is not accepted"
    found["p"] = abs(found["p"])  # cos(px) = cos(-px)
    assert_recovered(found, truth, TOLERANCE, "fit_challenge2 on new data")
