"""The nbgrader baseline: grade a class with the real `nbgrader autograde`, the
way an nbgrader user would, with the hidden tests written as nbgrader hidden
test cells (never a unit test; benchmarks/class_benchmark.py compares it with
`autograder grade`).

    .venv/bin/python benchmarks/nbgrader_baseline.py [ASSIGNMENT] [--keep] [--timeout 120]

The course is a throw-away nbgrader course folder: the source notebook is our
instructor notebook (solutions/<a>/<a>.ipynb) plus one hidden test cell per
concept (nbgrader autograder-test cells: grade, locked, points, with the test
code between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`), placed after
the cell they test. The hidden cells run in the student's kernel, as
everything does under nbgrader: they import torch there and compare the
student's gradients with torch.autograd in float64 on random inputs with
random upstream gradients (numpy's generator with a fixed seed: every student
gets the same draws), and check fits on hidden parameters. Each cell is worth
the points of the matching concept of our graders (autograder/graders/<a>/
__init__.py), so both grade out of the same total; a cell is all or nothing,
as nbgrader scores a test cell (an error, or anything printed to stderr, and
it is 0).

How nbgrader 0.9 treats hidden test cells of a submission: `autograde`
restores the source of a locked cell that the submission has (its checksum
differs: the released copy has the hidden region cut out), but by default it
does not add a grade cell that the submission lacks: that cell is not run, its
grade stays empty (0, flagged for grading by hand). `OverwriteCells.add_missing_cells`
(off by default) is meant to add such cells back, but in nbgrader 0.9.6 it stops
the whole notebook with KeyError 'grade_id' on our notebooks (cells with nbgrader
metadata that the gradebook does not record lose their grade_id first, then
add_missing_task_cells reads it). A real student's notebook has the hidden cells, with
their hidden part cut out, because it is a copy of nbgrader's release; the
notebooks we grade are copies of assignments/<a>/<a>.ipynb, which has none.
So `submit` puts each missing hidden cell in exactly as this course's release
has it (same place, metadata and cut-down source), and `autograde` then
restores the hidden code from the gradebook like for any nbgrader student.
"""
from __future__ import annotations

import argparse
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ("backprop", "challenge", "manual_gradient", "reverse_mode")
COURSE_ID = "autodiff-nbgrader-baseline"

# The course's nbgrader configuration: the stub text matches the repository's
# nbgrader_config.py, so that this course's release is assignments/<a>/<a>.ipynb
# plus the hidden test cells (hand-graded answers left as released score 0).
CONFIG = '''\
import os

c = get_config()  # noqa: F821 (provided by nbgrader)
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "{course_id}"
c.ClearSolutions.code_stub = {{
    "python": '# YOUR CODE HERE\\nraise NotImplementedError("not written yet: replace this line with your code")'
}}
'''


@dataclass(frozen=True)
class HiddenTest:
    grade_id: str
    after: str  # grade_id of the cell it follows in the source notebook
    points: float  # the points of the matching concept of our graders
    title: str
    code: str  # the hidden part

    def source(self) -> str:
        return (f"# Hidden tests: {self.title} ({self.points:g} points, run when your notebook is graded)\n"
                f"### BEGIN HIDDEN TESTS\n{self.code.strip()}\n### END HIDDEN TESTS")


# --- the hidden tests, as a course instructor would write them -----------------------------------------------
# Helpers are repeated in every cell that uses them, so that each cell stands on its own.

TORCH_HELPERS = '''
import torch

def hidden_vjp(f, inputs, upstream):
    # torch.autograd in float64: f(*inputs), and the gradient of sum(upstream * f(*inputs)) for each input
    leaves = [torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in inputs]
    out = f(*leaves)
    out.backward(torch.tensor(np.asarray(upstream, dtype=np.float64)))
    return out.detach().numpy(), [np.zeros(tuple(t.shape)) if t.grad is None else t.grad.numpy() for t in leaves]

def hidden_close(got, want, what):
    # a number for a number, an array of the same shape for an array, and the same values
    assert np.shape(got) == np.shape(want), f"{what}: expected shape {np.shape(want)}, got {np.shape(got)}"
    assert np.allclose(got, want, rtol=1e-6, atol=1e-9), f"{what}: expected {want}, got {got}"
'''

PARAM_HELPER = '''
def hidden_param():
    # a parameter of either sign, away from 0 and from 1 (1 would hide a missing factor)
    size = hidden_rng.uniform(0.3, 0.8) if hidden_rng.random() < 0.5 else hidden_rng.uniform(1.25, 2.5)
    return float(size * hidden_rng.choice([-1, 1]))
'''

LAYERS = '''
hidden_rng = np.random.default_rng({seed})
{param_helper}
hidden_specs = [  # (class, torch function of (x, parameter), name of the parameter, inputs in [-x_max, x_max])
{specs}
]
for layer_class, torch_fn, param_name, x_max in hidden_specs:
    name = layer_class.__name__
    for shape in [(), (5,), (3, 4)]:
        for trial in range(2):
            x_h = hidden_rng.uniform(-x_max, x_max, shape)
            up_h = hidden_rng.normal(0.0, 1.5, shape)  # a random upstream gradient, not ones
            if shape == ():
                x_h, up_h = float(x_h), float(up_h)
            p_h = hidden_param() if param_name else 0.0
            x_copy, up_copy = np.copy(x_h), np.copy(up_h)
            out_h, (dx_h, dp_h) = hidden_vjp(torch_fn, [x_h, p_h], up_h)
            layer_h = layer_class(p_h) if param_name else layer_class()
            hidden_close(layer_h.forward(x_h), out_h, f"{{name}}.forward")
            hidden_close(layer_h.backward(up_h), dx_h, f"{{name}}.backward (d loss / d x)")
            assert np.array_equal(x_h, x_copy) and np.array_equal(up_h, up_copy), f"{{name}} modified its input"
            if param_name:
                # for an array, the gradient of the summed loss (per-element gradients, summed, are accepted)
                assert np.isclose(np.sum(layer_h.grad), dp_h), f"{{name}}.grad: wrong d loss / d {{param_name}}"
                if shape == ():
                    layer_h.step(0.1)
                    assert np.isclose(getattr(layer_h, param_name), p_h - 0.1 * dp_h), f"{{name}}.step"
            else:
                layer_h.step(0.1)
                hidden_close(layer_h.forward(x_h), out_h, f"{{name}}.forward after step (it has no parameter)")
print("Hidden layer tests passed.")
'''

MULTIPLICATION_SPEC = '    (multiplication_weight, lambda x_, p_: x_ * p_, "w", 2.0),'
EXP_SPEC = '    (my_exp, lambda x_, p_: torch.exp(x_), None, 2.0),'
COS_SPEC = '    (my_cos, lambda x_, p_: torch.cos(x_), None, 6.0),'

COMPOSITION = '''
hidden_rng = np.random.default_rng({seed})
{param_helper}
hidden_classes = {{{classes}}}
hidden_chains = {chains}
hidden_step_chain = {step_chain}

def hidden_chain_reference(kinds, params, x, target):
    # output, summed squared error, d loss / d x and d loss / d each parameter, by torch.autograd
    x_t = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    p_t = [None if p is None else torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    y_t = x_t
    for kind, p in zip(kinds, p_t):
        if kind == "mul":
            y_t = y_t * p
        elif kind == "add":
            y_t = y_t + p
        elif kind == "exp":
            y_t = torch.exp(y_t)
        else:
            y_t = torch.cos(y_t)
    loss = ((y_t - torch.tensor(np.asarray(target, dtype=np.float64))) ** 2).sum()
    loss.backward()
    return y_t.detach().numpy(), loss.item(), x_t.grad.numpy(), [None if p is None else p.grad.item() for p in p_t]

def hidden_model(kinds, params):
    return my_composition([hidden_classes[k]() if p is None else hidden_classes[k](p) for k, p in zip(kinds, params)])

def hidden_params(kinds):
    return [hidden_param() if k in ("mul", "add") else None for k in kinds]

def hidden_data(vector):
    if vector:
        n = int(hidden_rng.integers(3, 8))
        return hidden_rng.uniform(-0.6, 0.6, n), hidden_rng.uniform(0.5, 3.0, n)
    return float(hidden_rng.uniform(-0.6, 0.6)), float(hidden_rng.uniform(0.5, 3.0))

# the loss, and its gradient 2 (y_est - y_target) that starts backward (a lone add_bias stores it in .grad)
for vector in (False, True):
    y_est_h, y_target_h = hidden_data(vector)
    loss_h = my_composition([add_bias(0.0)]).compute_loss(y_est_h, y_target_h)
    assert np.isclose(np.sum(loss_h), np.sum((np.asarray(y_est_h) - y_target_h) ** 2)), "compute_loss: wrong value"
    x_h, target_h = hidden_data(vector)
    b_h = float(hidden_rng.uniform(0.5, 1.5))
    _, _, dx_h, _ = hidden_chain_reference(["add"], [b_h], x_h, target_h)
    model_h = hidden_model(["add"], [b_h])
    model_h.compute_loss(model_h.forward(x_h), target_h)
    model_h.backward()
    hidden_close(model_h.layers[0].grad, dx_h, "the gradient of the loss passed to backward")

for kinds in hidden_chains:
    # a number through the chain: its output, the loss, and every layer's .grad
    params = hidden_params(kinds)
    x_h, target_h = hidden_data(False)
    out_h, loss_ref, _, dparams = hidden_chain_reference(kinds, params, x_h, target_h)
    model_h = hidden_model(kinds, params)
    y_h = model_h.forward(x_h)
    hidden_close(y_h, out_h, f"my_composition.forward through {{kinds}}")
    assert np.isclose(np.sum(model_h.compute_loss(y_h, target_h)), loss_ref), f"compute_loss through {{kinds}}"
    model_h.backward()
    for i, (kind, g) in enumerate(zip(kinds, dparams)):
        if g is not None:
            assert np.isclose(model_h.layers[i].grad, g), \\
                f"layer {{i}} ({{kind}}) .grad after backward through {{kinds}}"
    # a vector through add_bias and the chain: d loss / d x entry by entry, the parameters' gradients summed
    kinds_v = ["add"] + kinds
    params_v = hidden_params(kinds_v)
    x_h, target_h = hidden_data(True)
    out_h, _, dx_h, dparams = hidden_chain_reference(kinds_v, params_v, x_h, target_h)
    model_h = hidden_model(kinds_v, params_v)
    y_h = model_h.forward(x_h)
    hidden_close(y_h, out_h, f"my_composition.forward of a vector through {{kinds_v}}")
    model_h.compute_loss(y_h, target_h)
    model_h.backward()
    hidden_close(model_h.layers[0].grad, dx_h, f"d loss / d x of a vector through {{kinds_v}}")
    for i, (kind, g) in enumerate(zip(kinds_v, dparams)):
        if g is not None and i > 0:
            assert np.isclose(np.sum(model_h.layers[i].grad), g), f"layer {{i}} ({{kind}}) .grad on a vector"

# step updates every layer
params = hidden_params(hidden_step_chain)
x_h, target_h = hidden_data(False)
_, _, _, dparams = hidden_chain_reference(hidden_step_chain, params, x_h, target_h)
model_h = hidden_model(hidden_step_chain, params)
model_h.compute_loss(model_h.forward(x_h), target_h)
model_h.backward()
rate_h = float(hidden_rng.uniform(0.01, 0.05))
model_h.step(rate_h)
for i, (kind, p, g) in enumerate(zip(hidden_step_chain, params, dparams)):
    if g is not None:
        value = model_h.layers[i].w if kind == "mul" else model_h.layers[i].b
        assert np.isclose(value, p - rate_h * g), f"layer {{i}} ({{kind}}) after my_composition.step"
print("Hidden composition tests passed.")
'''

BACKPROP_FIT = '''
hidden_rng = np.random.default_rng(20240703)
xx_h = np.arange(0, 1, 0.01)
for draw in range(2):
    w_star, b_star = hidden_rng.uniform(0.25, 1.0), hidden_rng.uniform(2.25, 3.0)
    yy_h = np.exp(w_star * xx_h + b_star)
    xx_copy, yy_copy = xx_h.copy(), yy_h.copy()

    # the student's train, from the course's start w = b = 1
    seed_h = int(hidden_rng.integers(1000))
    model_h = my_composition([multiplication_weight(1.0), add_bias(1.0), my_exp()])
    losses_h = train(model_h, xx_h, yy_h, 1e-4, 6000, seed_h)
    assert isinstance(losses_h, list) and len(losses_h) == 6000, "train should return a list of 6000 losses"
    assert np.array_equal(xx_h, xx_copy) and np.array_equal(yy_h, yy_copy), "train modified xx or yy"
    # the very run the notebook describes, in closed form
    w_ref, b_ref, sampler, ref_losses = 1.0, 1.0, np.random.default_rng(seed_h), []
    for _ in range(6000):
        j = sampler.integers(len(xx_h))
        y_ref = np.exp(w_ref * xx_h[j] + b_ref)
        ref_losses.append((y_ref - yy_h[j]) ** 2)
        g_ref = 2 * (y_ref - yy_h[j]) * y_ref
        w_ref, b_ref = w_ref - 1e-4 * g_ref * xx_h[j], b_ref - 1e-4 * g_ref
    assert np.allclose(losses_h, ref_losses), "train: the losses are not those of the SGD the notebook describes"
    w_fit, b_fit = model_h.layers[0].w, model_h.layers[1].b
    assert np.isclose(w_fit, w_ref) and np.isclose(b_fit, b_ref), "train: not the SGD the notebook describes"
    assert abs(w_fit - w_star) < 0.01 and abs(b_fit - b_star) < 0.01, f"train reached w = {w_fit}, b = {b_fit}"

    # our own SGD loop through the student's classes
    model_h = my_composition([multiplication_weight(1.0), add_bias(1.0), my_exp()])
    for j in hidden_rng.integers(len(xx_h), size=2500):
        model_h.compute_loss(model_h.forward(xx_h[j]), yy_h[j])
        model_h.backward()
        model_h.step(2e-4)
    w_fit, b_fit = model_h.layers[0].w, model_h.layers[1].b
    assert abs(w_fit - w_star) < 0.01 and abs(b_fit - b_star) < 0.01, \\
        f"SGD through your classes reached w = {w_fit}, b = {b_fit}"
print("Hidden fit tests passed.")
'''

CHALLENGE_FIT = '''
import time
hidden_rng = np.random.default_rng(20240704)
xx_h = np.arange(-10, 10, 0.01)

def hidden_draw(low, high):
    # uniform in [low, high], away from the course's own values
    while True:
        value = float(hidden_rng.uniform(low, high))
        if all(abs(value - c) >= 0.05 for c in (0.3, 0.5, 1.0, 1.2, 2.0)):
            return value

def hidden_output(p, w, b):
    return np.exp(w * np.cos(p * xx_h) + b)

def hidden_multistart(yy):
    # short SGD runs through the student's classes from starts spread over p and both signs of w,
    # then long runs from the two best; p gets a smaller step (its gradient carries a factor x)
    rate = 0.05 / np.mean(yy ** 2)
    def run(p, w, b, n_iter, decay):
        layers = [multiplication_weight(p), my_cos(), multiplication_weight(w), add_bias(b), my_exp()]
        model = my_composition(layers)
        for k, j in enumerate(hidden_rng.integers(len(xx_h), size=n_iter)):
            factor = 1.0 / (1.0 + decay * k / n_iter)
            model.compute_loss(model.forward(xx_h[j]), yy[j])
            model.backward()
            layers[0].step(rate * factor / 15)
            for layer in layers[1:]:
                layer.step(rate * factor)
        found = (float(layers[0].w), float(layers[2].w), float(layers[3].b))
        loss = np.mean((hidden_output(*found) - yy) ** 2)
        return (loss if np.isfinite(loss) else np.inf), found
    with np.errstate(all="ignore"):  # bad starts overflow: no warning on stderr
        coarse = sorted((run(p0, w0, 1.5, 300, 0.0) for p0 in np.arange(0.2, 2.21, 0.1) for w0 in (0.5, -0.5)),
                        key=lambda pair: pair[0])
        p, w, b = min((run(*found, 5000, 5.0) for _, found in coarse[:2]), key=lambda pair: pair[0])[1]
    return abs(p), w, b

for draw in range(2):
    p_star, w_star, b_star = hidden_draw(0.4, 2.0), hidden_draw(0.3, 1.0), hidden_draw(1.0, 2.0)
    yy_h = hidden_output(p_star, w_star, b_star)
    # the first SGD steps through your classes, against the gradient of exp(w cos(p x) + b) by hand
    rate = 0.05 / np.mean(yy_h ** 2)
    layers = [multiplication_weight(1.0), my_cos(), multiplication_weight(0.5), add_bias(1.5), my_exp()]
    model = my_composition(layers)
    p_ref, w_ref, b_ref = 1.0, 0.5, 1.5
    for j in hidden_rng.integers(len(xx_h), size=20):
        model.compute_loss(model.forward(xx_h[j]), yy_h[j])
        model.backward()
        layers[0].step(rate / 15)
        for layer in layers[1:]:
            layer.step(rate)
        y_ref = np.exp(w_ref * np.cos(p_ref * xx_h[j]) + b_ref)
        g_ref = 2 * (y_ref - yy_h[j]) * y_ref
        p_ref, w_ref, b_ref = (p_ref + rate / 15 * g_ref * w_ref * np.sin(p_ref * xx_h[j]) * xx_h[j],
                               w_ref - rate * g_ref * np.cos(p_ref * xx_h[j]), b_ref - rate * g_ref)
    assert np.allclose([layers[0].w, layers[2].w, layers[3].b], [p_ref, w_ref, b_ref]), \\
        "the first SGD steps through your classes are not those of SGD on exp(w cos(p x) + b)"
    # then the multi-start SGD recovers the hidden parameters
    p_fit, w_fit, b_fit = hidden_multistart(yy_h)
    assert abs(p_fit - p_star) < 0.01 and abs(w_fit - w_star) < 0.01 and abs(b_fit - b_star) < 0.01, \\
        f"multi-start SGD through your classes reached p = {p_fit}, w = {w_fit}, b = {b_fit}"

for draw in range(3):
    w_star = hidden_draw(0.25, 1.0) * hidden_rng.choice([-1, 1])
    b_star = hidden_draw(1.75, 2.75)
    yy_h = hidden_output(1.0, w_star, b_star)
    xx_copy, yy_copy = xx_h.copy(), yy_h.copy()
    started = time.process_time()
    result = fit_challenge1(xx_h, yy_h)
    assert isinstance(result, tuple) and len(result) == 2, "fit_challenge1 should return the tuple (w, b)"
    w_fit, b_fit = result
    assert time.process_time() - started < 10, "fit_challenge1 took more than 10 s"
    assert np.array_equal(xx_h, xx_copy) and np.array_equal(yy_h, yy_copy), "fit_challenge1 modified xx or yy"
    assert abs(w_fit - w_star) < 0.01 and abs(b_fit - b_star) < 0.01, f"fit_challenge1 reached w = {w_fit}, b = {b_fit}"

for draw in range(3):
    p_star, w_star, b_star = hidden_draw(0.4, 2.0), hidden_draw(0.3, 1.0), hidden_draw(1.0, 2.0)
    yy_h = hidden_output(p_star, w_star, b_star)
    xx_copy, yy_copy = xx_h.copy(), yy_h.copy()
    started = time.process_time()
    result = fit_challenge2(xx_h, yy_h)
    assert isinstance(result, tuple) and len(result) == 3, "fit_challenge2 should return the tuple (p, w, b)"
    p_fit, w_fit, b_fit = result
    assert time.process_time() - started < 60, "fit_challenge2 took more than 60 s"
    assert np.array_equal(xx_h, xx_copy) and np.array_equal(yy_h, yy_copy), "fit_challenge2 modified xx or yy"
    assert abs(p_fit) <= 100, f"fit_challenge2 returned p = {p_fit}: |p| > 100 is not accepted"
    assert abs(abs(p_fit) - p_star) < 0.01 and abs(w_fit - w_star) < 0.01 and abs(b_fit - b_star) < 0.01, \\
        f"fit_challenge2 reached p = {p_fit}, w = {w_fit}, b = {b_fit}"
print("Hidden fit tests passed.")
'''

LINEAR_HELPERS = '''
def hidden_problem(n=None, d=None):
    # x uniform in [0, 1)^(n, d) and y = x @ w* + b*, with hidden sizes and parameters
    n = int(hidden_rng.integers(1, 51)) if n is None else n
    d = int(hidden_rng.integers(1, 6)) if d is None else d
    x_ = hidden_rng.random((n, d))
    w_star, b_star = hidden_rng.uniform(-3, 3, d), float(hidden_rng.uniform(-2, 2))
    return x_, x_ @ w_star + b_star, w_star, b_star

def hidden_descent(x_, y_, w0, b0, learning_rate, epochs):
    # batch gradient descent on the summed squared error: (w, b, the loss before each step)
    w_, b_, losses_ = np.array(w0, dtype=float), np.array(b0, dtype=float), []
    for _ in range(epochs):
        residual = x_ @ w_ + b_ - y_
        losses_.append(float(np.sum(residual ** 2)))
        w_, b_ = w_ - learning_rate * 2 * x_.T @ residual, b_ - learning_rate * 2 * np.sum(residual)
    return w_, b_, losses_
'''

MANUAL_BASICS = '''
import torch
hidden_rng = np.random.default_rng(20240705)

def hidden_grads(w_, b_, x_, y_):
    # d/dw and d/db of sum((exp(w x + b) - y*)^2), by torch.autograd
    w_t = torch.tensor(float(w_), dtype=torch.float64, requires_grad=True)
    b_t = torch.tensor(float(b_), dtype=torch.float64, requires_grad=True)
    x_t = torch.tensor(np.asarray(x_, dtype=np.float64))
    loss = ((torch.exp(w_t * x_t + b_t) - torch.tensor(np.asarray(y_, dtype=np.float64))) ** 2).sum()
    loss.backward()
    return w_t.grad.item(), b_t.grad.item()

# make_differentiable: a new float64 tensor with the same values, requiring grad; the input unchanged
values_h = hidden_rng.integers(-5, 6, size=6)
t_h = torch.tensor(values_h)
made_h = make_differentiable(t_h)
assert isinstance(made_h, torch.Tensor), "make_differentiable should return a tensor"
assert made_h.dtype == torch.float64 and made_h.requires_grad, "make_differentiable: float64, requiring grad"
assert np.array_equal(made_h.detach().numpy(), values_h.astype(np.float64)), "make_differentiable: wrong values"
assert t_h.dtype == torch.int64 and not t_h.requires_grad and np.array_equal(t_h.numpy(), values_h), \\
    "make_differentiable modified its input"

# accumulated_grads: twice the gradient after two backward calls
for trial in range(3):
    w_h, b_h = float(hidden_rng.uniform(-1, 1)), float(hidden_rng.uniform(-1, 2))
    x_h, y_h = float(hidden_rng.uniform(-1, 1)), float(hidden_rng.uniform(0.5, 5))
    g_w, g_b = accumulated_grads(w_h, b_h, x_h, y_h)
    assert not isinstance(g_w, torch.Tensor) and not isinstance(g_b, torch.Tensor), \\
        "accumulated_grads should return numbers, not tensors (.item())"
    e_w, e_b = hidden_grads(w_h, b_h, x_h, y_h)
    assert np.isclose(g_w, 2 * e_w) and np.isclose(g_b, 2 * e_b), "accumulated_grads: wrong gradients"

# manual_gradient: numbers out, for numbers, vectors and matrices in
for size in [(), (6,), (3, 4)]:
    w_h, b_h = float(hidden_rng.uniform(-1, 1)), float(hidden_rng.uniform(-1, 2))
    x_h, y_h = hidden_rng.uniform(-1, 1, size), hidden_rng.uniform(0.5, 5, size)
    if size == ():
        x_h, y_h = float(x_h), float(y_h)
    x_copy, y_copy = np.copy(x_h), np.copy(y_h)
    dl_dw, dl_db = manual_gradient(w_h, b_h, x_h, y_h)
    assert np.ndim(dl_dw) == 0 and np.ndim(dl_db) == 0, "manual_gradient should return two numbers"
    assert np.allclose([dl_dw, dl_db], hidden_grads(w_h, b_h, x_h, y_h)), f"manual_gradient on shape {size}"
    assert np.array_equal(x_h, x_copy) and np.array_equal(y_h, y_copy), "manual_gradient modified its input"
print("Hidden autograd basics tests passed.")
'''

MANUAL_GRADIENTS = '''
import torch
hidden_rng = np.random.default_rng(20240706)
''' + LINEAR_HELPERS + '''
def hidden_summed_grads(x_, y_, w_, b_):
    # d/dw and d/db of sum((x @ w + b - y)^2), by torch.autograd
    w_t = torch.tensor(np.asarray(w_, dtype=np.float64), requires_grad=True)
    b_t = torch.tensor(np.asarray(b_, dtype=np.float64), requires_grad=True)
    loss = ((torch.tensor(x_) @ w_t + b_t - torch.tensor(y_)) ** 2).sum()
    loss.backward()
    return w_t.grad.numpy(), b_t.grad.numpy()

# gradient (numpy), b a float or an array of shape (1,)
for bias in ["float", "array", "float", "array"]:
    x_h, y_h, _, _ = hidden_problem()
    w_h = hidden_rng.uniform(-2, 2, x_h.shape[1])
    b_h = float(hidden_rng.uniform(-2, 2))
    if bias == "array":
        b_h = np.array([b_h])
    copies = [np.copy(v) for v in (x_h, y_h, w_h, b_h)]
    g_w, g_b = gradient(x_h, y_h, w_h, b_h)
    e_w, e_b = hidden_summed_grads(x_h, y_h, w_h, b_h)
    assert np.shape(g_w) == np.shape(w_h) and np.allclose(g_w, e_w), "gradient: wrong grad_w"
    assert np.shape(g_b) == np.shape(b_h) and np.allclose(g_b, e_b), f"gradient: wrong grad_b (b {bias})"
    assert all(np.array_equal(v, c) for v, c in zip((x_h, y_h, w_h, b_h), copies)), "gradient modified its input"

# gradient_t (torch, by hand): tensors of the shapes of w_t and b_t, nothing requiring grad
for trial in range(2):
    x_h, y_h, _, _ = hidden_problem()
    d_h = x_h.shape[1]
    w_h, b_h = hidden_rng.uniform(-2, 2, d_h), float(hidden_rng.uniform(-2, 2))
    args_h = [torch.tensor(x_h), torch.tensor(y_h).reshape(-1, 1), torch.tensor(w_h).reshape(-1, 1),
              torch.full((1, 1), b_h, dtype=torch.float64)]
    copies = [a.clone() for a in args_h]
    g_w, g_b = gradient_t(*args_h)
    e_w, e_b = hidden_summed_grads(x_h, y_h, w_h, b_h)
    assert isinstance(g_w, torch.Tensor) and isinstance(g_b, torch.Tensor), "gradient_t should return tensors"
    assert tuple(g_w.shape) == (d_h, 1) and tuple(g_b.shape) == (1, 1), "gradient_t: wrong shapes"
    assert not g_w.requires_grad and not g_b.requires_grad, "gradient_t: compute it by hand, without autograd"
    assert np.allclose(g_w.numpy().ravel(), e_w) and np.allclose(g_b.numpy().ravel(), e_b), "gradient_t: wrong values"
    assert all(torch.equal(a, c) and not a.requires_grad for a, c in zip(args_h, copies)), \\
        "gradient_t modified its input"
print("Hidden gradient tests passed.")
'''

MANUAL_FITS = '''
import torch
hidden_rng = np.random.default_rng(20240707)
''' + LINEAR_HELPERS + '''
def hidden_fit(name, x_, y_, w0, b0, learning_rate, epochs):
    # the student's fit on copies of its inputs, checked unchanged after; (w, b) as a flat array and a float
    d_ = x_.shape[1]
    if name == "fit_numpy":
        args = [x_.copy(), y_.copy(), np.array(w0, dtype=float), np.array([b0], dtype=float)]
        copies = [a.copy() for a in args]
        w_, b_ = fit_numpy(*args, learning_rate, epochs)
        assert np.shape(w_) == (d_,) and np.shape(b_) == (1,), "fit_numpy: w and b keep the shapes of w_init and b_init"
        assert all(np.array_equal(a, c) for a, c in zip(args, copies)), "fit_numpy modified its input"
        return np.asarray(w_, dtype=float), float(np.asarray(b_)[0])
    args = [torch.tensor(x_), torch.tensor(y_).reshape(-1, 1), torch.tensor(np.array(w0, dtype=float)).reshape(-1, 1),
            torch.full((1, 1), float(b0), dtype=torch.float64)]
    copies = [a.clone() for a in args]
    if name == "fit_autograd":
        w_, b_ = fit_autograd(*args, learning_rate, epochs)
        assert tuple(w_.shape) == (d_, 1) and tuple(b_.shape) == (1, 1), "fit_autograd: wrong shapes"
        w_, b_ = w_.detach().numpy().ravel(), float(b_.detach().reshape(()))
    else:
        module = fit_nn(*args, learning_rate, epochs)
        with torch.no_grad():  # read the trained module through what it computes: f(0) = b, f(e_i) = w_i + b
            out = module(torch.cat([torch.zeros(1, d_, dtype=torch.float64), torch.eye(d_, dtype=torch.float64)]))
        out = out.numpy().ravel()
        w_, b_ = out[1:] - out[0], float(out[0])
    assert all(torch.equal(a, c) and not a.requires_grad for a, c in zip(args, copies)), f"{name} modified its input"
    return w_, b_

for name in ["fit_numpy", "fit_autograd", "fit_nn"]:
    # a few steps, exactly those of batch gradient descent
    x_h, y_h, _, _ = hidden_problem()
    w0_h, b0_h = hidden_rng.uniform(-1, 1, x_h.shape[1]), float(hidden_rng.uniform(-1, 1))
    rate_h, epochs_h = 0.3 / len(x_h) * float(hidden_rng.uniform(0.3, 1.0)), int(hidden_rng.integers(4, 12))
    w_fit, b_fit = hidden_fit(name, x_h, y_h, w0_h, b0_h, rate_h, epochs_h)
    w_ref, b_ref, _ = hidden_descent(x_h, y_h, w0_h, b0_h, rate_h, epochs_h)
    assert np.allclose(w_fit, w_ref, rtol=1e-7) and np.isclose(b_fit, b_ref, rtol=1e-7), f"{name}: not gradient descent"
    # long enough to recover hidden parameters
    x_h, y_h, w_star, b_star = hidden_problem(n=int(hidden_rng.integers(30, 60)), d=int(hidden_rng.integers(1, 4)))
    w_fit, b_fit = hidden_fit(name, x_h, y_h, np.zeros(x_h.shape[1]), 0.0, 0.3 / len(x_h), 3000)
    assert np.allclose(w_fit, w_star, rtol=0, atol=1e-3) and abs(b_fit - b_star) < 1e-3, \\
        f"{name} did not recover w*, b*"

# fit_lstsq: the closed form
x_h, y_h, w_star, b_star = hidden_problem(n=int(hidden_rng.integers(10, 50)))
x_t_h, y_t_h = torch.tensor(x_h), torch.tensor(y_h).reshape(-1, 1)
copies = [x_t_h.clone(), y_t_h.clone()]
w_fit, b_fit = fit_lstsq(x_t_h, y_t_h)
assert tuple(w_fit.shape) == (x_h.shape[1], 1) and tuple(b_fit.shape) == (1, 1), "fit_lstsq: wrong shapes"
assert np.allclose(w_fit.detach().numpy().ravel(), w_star, rtol=0, atol=1e-6), "fit_lstsq: wrong w"
assert np.isclose(float(b_fit.detach().reshape(())), b_star, rtol=0, atol=1e-6), "fit_lstsq: wrong b"
assert torch.equal(x_t_h, copies[0]) and torch.equal(y_t_h, copies[1]), "fit_lstsq modified its input"

# learning_rate_for(n): gradient descent on the summed loss converges for small, medium and large n
for low, high in [(30, 100), (200, 800), (1500, 3001)]:
    n_h = int(hidden_rng.integers(low, high))
    rate_h = float(learning_rate_for(n_h))
    assert np.isfinite(rate_h) and rate_h > 0, f"learning_rate_for({n_h}) should be a positive step"
    x_h, y_h, w_star, b_star = hidden_problem(n=n_h, d=2)
    with np.errstate(over="ignore", invalid="ignore"):
        w_fit, b_fit, _ = hidden_descent(x_h, y_h, np.zeros(2), 0.0, rate_h, 2000)
    assert np.allclose(w_fit, w_star, rtol=0, atol=1e-3) and abs(b_fit - b_star) < 1e-3, \\
        f"gradient descent with learning_rate_for({n_h}) = {rate_h} does not converge in 2000 epochs"
print("Hidden fit tests passed.")
'''

REVERSE_OPS = '''
import torch
hidden_rng = np.random.default_rng(20240708)

hidden_cases = [  # (op, input shapes, torch function, inputs > 0)
    (EWiseAdd(), [(3, 4), (3, 4)], lambda a, b: a + b, False),
    (EWiseMul(), [(3, 4), (3, 4)], lambda a, b: a * b, False),
    (EWiseDiv(), [(3, 4), (3, 4)], lambda a, b: a / b, False),
    (AddScalar(1.7), [(2, 3)], lambda a: a + 1.7, False),
    (MulScalar(-2.3), [(2, 3)], lambda a: a * -2.3, False),
    (DivScalar(0.6), [(2, 3)], lambda a: a / 0.6, False),
    (PowerScalar(3), [(4,)], lambda a: a ** 3, False),
    (PowerScalar(2.5), [(2, 3)], lambda a: a ** 2.5, True),
    (PowerScalar(-1.5), [(3,)], lambda a: a ** -1.5, True),
    (Negate(), [(2, 3)], lambda a: -a, False),
    (Exp(), [(2, 3)], torch.exp, False),
    (Log(), [(5,)], torch.log, True),
    (Cos(), [(2, 3)], torch.cos, False),
    (Sin(), [(2, 3)], torch.sin, False),
    (MatMul(), [(3, 4), (4, 2)], torch.matmul, False),
    (MatMul(), [(2, 3, 4), (4, 5)], torch.matmul, False),
    (MatMul(), [(3, 4), (2, 4, 5)], torch.matmul, False),
    (MatMul(), [(2, 1, 3, 4), (5, 4, 2)], torch.matmul, False),
    (Summation(), [(2, 3, 4)], lambda a: a.sum(), False),
    (Summation((0, 1, 2)), [(2, 3, 4)], lambda a: a.sum(dim=(0, 1, 2)), False),
    (Summation(2), [(2, 3, 4)], lambda a: a.sum(dim=2), False),
    (Summation(0), [(2, 3, 4)], lambda a: a.sum(dim=0), False),
    (Summation(1), [(3, 5)], lambda a: a.sum(dim=1), False),
    (Summation((0, 2)), [(2, 3, 4)], lambda a: a.sum(dim=(0, 2)), False),
    (BroadcastTo((2, 3)), [(3,)], lambda a: torch.broadcast_to(a, (2, 3)), False),
    (BroadcastTo((3, 4)), [(3, 1)], lambda a: torch.broadcast_to(a, (3, 4)), False),
    (BroadcastTo((2, 4, 3)), [(1, 3)], lambda a: torch.broadcast_to(a, (2, 4, 3)), False),
    (Reshape((6, 4)), [(2, 3, 4)], lambda a: a.reshape(6, 4), False),
    (Reshape((2, 3)), [(6,)], lambda a: a.reshape(2, 3), False),
    (Transpose(), [(2, 3, 4)], lambda a: a.transpose(-1, -2), False),
    (Transpose(), [(3, 5)], lambda a: a.transpose(-1, -2), False),
    (Transpose((0, 2)), [(2, 3, 4)], lambda a: a.transpose(0, 2), False),
]
for op, shapes, torch_fn, positive in hidden_cases:
    name = type(op).__name__
    for trial in range(2):
        if positive:
            values = [hidden_rng.uniform(0.5, 2.0, s) for s in shapes]
        else:
            values = [hidden_rng.uniform(-1.5, 1.5, s) for s in shapes]
        if name == "EWiseDiv":  # a denominator of either sign, away from 0
            values[1] = hidden_rng.uniform(0.5, 2.0, shapes[1]) * hidden_rng.choice([-1.0, 1.0], shapes[1])
        leaves = [torch.tensor(v, requires_grad=True) for v in values]
        out = torch_fn(*leaves)
        upstream = hidden_rng.normal(0.0, 1.5, tuple(out.shape))  # a random upstream gradient
        out.backward(torch.tensor(upstream))
        node = op(*[Tensor(v) for v in values])
        grads = op.gradient_as_tuple(Tensor(upstream, requires_grad=False), node)
        for i, (grad, leaf) in enumerate(zip(grads, leaves)):
            assert np.allclose(grad.value, leaf.grad.numpy()), \\
                f"{name}.gradient for input {i}, inputs of shapes {shapes}: " \\
                f"expected {leaf.grad.numpy()}, got {grad.value}"
print("Hidden op tests passed.")
'''

REVERSE_ENGINE = '''
import torch
hidden_rng = np.random.default_rng(20240709)

def hidden_graph():
    # a random program: 1 to 3 leaves, then up to 12 steps that reuse earlier nodes (diamonds, chains)
    leaves = int(hidden_rng.integers(1, 4))
    shape = [(3,), (2, 3)][int(hidden_rng.integers(2))]
    steps = []
    for _ in range(int(hidden_rng.integers(1, 13))):
        count = leaves + len(steps)
        op = ["neg", "sin", "cos", "scale", "shift", "sum_back", "add", "mul", "sub"][int(hidden_rng.integers(9))]
        steps.append((op, int(hidden_rng.integers(count)), int(hidden_rng.integers(count)),
                      [0.5, -1.5, 2.0][int(hidden_rng.integers(3))]))
    return leaves, shape, steps

def hidden_run(nodes, shape, steps, on_torch):
    # the program on torch tensors or on the student's Tensors: every node, the output last
    nodes = list(nodes)
    for op, i, j, param in steps:
        a, b = nodes[i], nodes[j]
        if op == "neg":
            v = -a
        elif op == "sin":
            v = a.sin()
        elif op == "cos":
            v = a.cos()
        elif op == "scale":
            v = a * param
        elif op == "shift":
            v = a + param
        elif op == "add":
            v = a + b
        elif op == "mul":
            v = a * b
        elif op == "sub":
            v = a - b
        elif on_torch:  # sum over the last axis, broadcast back
            v = torch.broadcast_to(a.sum(dim=-1, keepdim=True), shape)
        else:
            v = a.sum(len(shape) - 1).reshape(shape[:-1] + (1,)).broadcast_to(shape)
        nodes.append(v)
    return nodes

for trial in range(30):
    leaves, shape, steps = hidden_graph()
    values = [hidden_rng.uniform(-1.5, 1.5, shape) for _ in range(leaves)]
    upstream = hidden_rng.normal(0.0, 1.5, shape)
    leaves_t = [torch.tensor(v, requires_grad=True) for v in values]
    out_t = hidden_run(leaves_t, shape, steps, True)[-1]
    expected = torch.autograd.grad(out_t, leaves_t, torch.tensor(upstream), allow_unused=True)
    mine = [Tensor(v) for v in values]
    out = hidden_run(mine, shape, steps, False)[-1]

    # find_topo_sort: every node the output depends on, once, each after its inputs
    reachable, todo = {}, [out]
    while todo:
        node = todo.pop()
        if id(node) not in reachable:
            reachable[id(node)] = node
            todo.extend(node.inputs)
    order = find_topo_sort([out])
    assert isinstance(order, list), "find_topo_sort should return a list"
    assert len(order) == len(reachable) and {id(t) for t in order} == set(reachable), \\
        f"find_topo_sort: {len(order)} nodes for a graph of {len(reachable)} (each exactly once)"
    position = {id(t): k for k, t in enumerate(order)}
    assert all(position[id(i)] < position[id(t)] for t in order for i in t.inputs), \\
        "find_topo_sort: a node comes before one of its inputs"

    # compute_gradients: every leaf's .grad against torch.autograd
    out.backward(Tensor(upstream, requires_grad=False))
    assert np.allclose(out.grad.value, upstream), "the output's .grad should be out_grad"
    for k, (leaf, want) in enumerate(zip(mine, expected)):
        if want is not None:
            assert np.allclose(leaf.grad.value, want.numpy()), f"leaf {k}'s .grad on a random graph ({steps})"

# second derivatives: backward through a gradient, against torch.autograd.grad(..., create_graph=True)
hidden_second = [  # (function for torch tensors and the student's Tensors, input shapes, inputs > 0)
    (lambda x: x ** 3, [()], False),
    (lambda x: (x.sin() * x ** 2).sum(), [(4,)], False),
    (lambda x, y: (x.exp() * y * y).sum(), [(3,), (3,)], False),
    (lambda x: (x.log() * x.cos()).sum(), [(5,)], True),
    (lambda x, w: ((x @ w) ** 2).sum(), [(3, 2), (2, 1)], False),
]
for function, shapes, positive in hidden_second:
    values = [hidden_rng.uniform(0.5, 2.0, s) if positive else hidden_rng.uniform(-1.5, 1.5, s) for s in shapes]
    direction = hidden_rng.normal(0.0, 1.5, shapes[0])
    leaves_t = [torch.tensor(v, requires_grad=True) for v in values]
    (first_t,) = torch.autograd.grad(function(*leaves_t), leaves_t[0], create_graph=True)
    expected = torch.autograd.grad(first_t, leaves_t, torch.tensor(direction))
    mine = [Tensor(v) for v in values]
    function(*mine).backward()
    mine[0].grad.backward(Tensor(direction, requires_grad=False))
    for k, (leaf, want) in enumerate(zip(mine, expected)):
        assert np.allclose(leaf.grad.value, want.numpy()), f"second derivative, input {k}, on shapes {shapes}"

# a second backward sets new gradients, and other graphs and the inputs stay as they are
x_value, z_value = hidden_rng.uniform(-1.5, 1.5, (2, 3)), hidden_rng.uniform(-1.5, 1.5, 3)
x_copy, z_copy = x_value.copy(), z_value.copy()
x_h, z_h = Tensor(x_value), Tensor(z_value)
(x_h * x_h).sum().backward()
(z_h.exp() * 2.0).sum().backward()
(x_h.sin() * 3.0).sum().backward()
assert np.allclose(x_h.grad.value, 3 * np.cos(x_value)), "x.grad after the last backward should be of its graph only"
assert np.allclose(z_h.grad.value, 2 * np.exp(z_value)), "z.grad should not change with other graphs"
assert np.array_equal(x_h.value, x_value) and np.array_equal(x_value, x_copy) and np.array_equal(z_value, z_copy), \\
    "backward changed a value"
print("Hidden engine tests passed.")
'''

REVERSE_FITS = '''
hidden_rng = np.random.default_rng(20240710)
''' + LINEAR_HELPERS + '''
def hidden_draw(low, high):
    # uniform in [low, high], away from the course's own values
    while True:
        value = float(hidden_rng.uniform(low, high))
        if all(abs(value - c) >= 0.05 for c in (0.3, 0.5, 1.0, 1.2, 2.0)):
            return value

# fit_linear: batch gradient descent step by step, losses included, inputs unchanged
for draw in range(2):
    x_h, y_h, _, _ = hidden_problem()
    w0_h, b0_h = hidden_rng.uniform(-1, 1, x_h.shape[1]), hidden_rng.uniform(-1, 1, 1)
    rate_h, epochs_h = 0.3 / len(x_h) * float(hidden_rng.uniform(0.3, 1.0)), int(hidden_rng.integers(4, 12))
    copies = [np.copy(v) for v in (x_h, y_h, w0_h, b0_h)]
    result = fit_linear(x_h, y_h, w0_h, b0_h, rate_h, epochs_h)
    assert isinstance(result, tuple) and len(result) == 3, "fit_linear should return (w, b, losses)"
    w_fit, b_fit, losses_h = result
    assert np.shape(w_fit) == np.shape(w0_h) and np.shape(b_fit) == (1,), "fit_linear: wrong shapes"
    assert isinstance(losses_h, list) and len(losses_h) == epochs_h, "fit_linear: one loss per epoch"
    w_ref, b_ref, losses_ref = hidden_descent(x_h, y_h, w0_h, b0_h, rate_h, epochs_h)
    assert np.allclose(w_fit, w_ref, rtol=1e-7) and np.allclose(b_fit, b_ref, rtol=1e-7), \\
        "fit_linear: not gradient descent"
    assert np.allclose(losses_h, losses_ref, rtol=1e-7), "fit_linear: wrong losses (each before its step)"
    assert all(np.array_equal(v, c) for v, c in zip((x_h, y_h, w0_h, b0_h), copies)), "fit_linear modified its input"

# fit_linear recovers hidden parameters
x_h, y_h, w_star, b_star = hidden_problem(n=int(hidden_rng.integers(30, 60)), d=int(hidden_rng.integers(1, 4)))
w_fit, b_fit, _ = fit_linear(x_h, y_h, np.zeros(x_h.shape[1]), np.zeros(1), 0.3 / len(x_h), 2000)
assert np.allclose(w_fit, w_star, rtol=0, atol=1e-3) and abs(b_fit[0] - b_star) < 1e-3, \\
    "fit_linear did not recover w*, b*"

# fit_challenge on data from hidden parameters
xx_h = np.arange(-10, 10, 0.01)
for draw in range(3):
    p_star, w_star, b_star = hidden_draw(0.4, 2.0), hidden_draw(0.3, 1.0), hidden_draw(1.0, 2.0)
    yy_h = np.exp(w_star * np.cos(p_star * xx_h) + b_star)
    xx_copy, yy_copy = xx_h.copy(), yy_h.copy()
    result = fit_challenge(xx_h, yy_h)
    assert isinstance(result, tuple) and len(result) == 3, "fit_challenge should return the tuple (p, w, b)"
    p_fit, w_fit, b_fit = result
    assert np.array_equal(xx_h, xx_copy) and np.array_equal(yy_h, yy_copy), "fit_challenge modified xx or yy"
    assert abs(abs(p_fit) - p_star) < 0.01 and abs(w_fit - w_star) < 0.01 and abs(b_fit - b_star) < 0.01, \\
        f"fit_challenge reached p = {p_fit}, w = {w_fit}, b = {b_fit}"
print("Hidden fit tests passed.")
'''


def _layers(seed: int, specs: list[str]) -> str:
    return TORCH_HELPERS + LAYERS.format(seed=seed, param_helper=PARAM_HELPER, specs="\n".join(specs))


def _composition(seed: int, classes: dict[str, str], chains: list[list[str]], step_chain: list[str]) -> str:
    return TORCH_HELPERS + COMPOSITION.format(
        seed=seed, param_helper=PARAM_HELPER, classes=", ".join(f'"{k}": {v}' for k, v in classes.items()),
        chains=repr(chains), step_chain=repr(step_chain))


BACKPROP_CLASSES = {"mul": "multiplication_weight", "add": "add_bias", "exp": "my_exp"}

HIDDEN_TESTS: dict[str, tuple[HiddenTest, ...]] = {
    "backprop": (
        HiddenTest("hidden_layers", "check_layers", 16.5, "your layers on their own, against torch.autograd",
                   _layers(20240701, [MULTIPLICATION_SPEC, EXP_SPEC])),
        HiddenTest("hidden_composition", "check_composition", 20, "my_composition: the loss, chains of your layers",
                   _composition(20240702, BACKPROP_CLASSES,
                                [["mul", "add", "exp"], ["mul", "add", "mul", "add", "exp"],
                                 ["mul", "exp", "mul", "add"]], ["mul", "add", "mul", "add", "exp"])),
        HiddenTest("hidden_fit", "check_train", 8, "recovering hidden w* and b*", BACKPROP_FIT),
    ),
    "challenge": (
        HiddenTest("hidden_layers", "check_cos", 23, "your layers on their own, my_cos included",
                   _layers(20240711, [COS_SPEC, MULTIPLICATION_SPEC, EXP_SPEC])),
        HiddenTest("hidden_composition", "hidden_layers", 16, "chains of your layers with cos",
                   _composition(20240712, {**BACKPROP_CLASSES, "cos": "my_cos"},
                                [["mul", "cos", "mul", "add", "exp"], ["cos", "mul", "cos", "add", "exp"]],
                                ["mul", "cos", "mul", "add", "exp"])),
        HiddenTest("hidden_fit", "check_fit2", 21, "recovering hidden p*, w* and b*", CHALLENGE_FIT),
    ),
    "manual_gradient": (
        HiddenTest("hidden_autograd_basics", "check_part1", 9,
                   "requires_grad, accumulated gradients, the gradient by hand", MANUAL_BASICS),
        HiddenTest("hidden_gradients", "check_part2", 6, "the linear-regression gradient, numpy and torch by hand",
                   MANUAL_GRADIENTS),
        HiddenTest("hidden_fits", "learning_rate_for", 14, "gradient descent four ways, the closed form, a step size",
                   MANUAL_FITS),
    ),
    "reverse_mode": (
        HiddenTest("hidden_ops", "check_ops_matmul", 16, "each op's gradient against torch.autograd", REVERSE_OPS),
        HiddenTest("hidden_engine", "check_second_derivatives", 18.5,
                   "topological order, random graphs, second derivatives, independent graphs", REVERSE_ENGINE),
        HiddenTest("hidden_fits", "check_fit_linear", 15, "linear regression and the challenge with your engine",
                   REVERSE_FITS),
    ),
}


# --- the course ------------------------------------------------------------------------------------------------

def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _env() -> dict:
    """nbgrader (and its alembic) from the Python environment running this module."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], check=False, cwd=course, env=_env(),
                          capture_output=True, text=True)


def source_notebook(assignment: str) -> nbformat.NotebookNode:
    """Our instructor notebook with the hidden test cells put in."""
    if assignment not in HIDDEN_TESTS:
        raise ValueError(f"unknown assignment {assignment!r}: one of {', '.join(ASSIGNMENTS)}")
    notebook = nbformat.read(str(REPO / "solutions" / assignment / f"{assignment}.ipynb"), as_version=4)
    # Our notebooks' graded cells for the concepts of `autograder grade` stand for its hidden pytest
    # tests: here the hidden test cells below take their place.
    notebook.cells = [c for c in notebook.cells if not (_grade_id(c) or "").startswith("hidden_tests_")]
    for test in HIDDEN_TESTS[assignment]:
        positions = [i for i, cell in enumerate(notebook.cells) if _grade_id(cell) == test.after]
        if len(positions) != 1:
            raise ValueError(f"{assignment}: no single cell {test.after!r} to put {test.grade_id!r} after")
        cell = nbformat.v4.new_code_cell(test.source(), metadata={
            "nbgrader": {"grade": True, "grade_id": test.grade_id, "locked": True, "points": test.points,
                         "schema_version": 3, "solution": False, "task": False}})
        cell["id"] = test.grade_id.replace("_", "-")
        notebook.cells.insert(positions[0] + 1, cell)
    return notebook


def build_course(assignment: str, course: Path) -> None:
    """Make an nbgrader course folder at `course` (created; it must not exist) for `assignment`:
    nbgrader_config.py, source/<a>/<a>.ipynb (our instructor notebook plus the hidden test cells),
    then `nbgrader generate_assignment <a> --force`, which records the assignment, its cells and
    their checksums in the course's gradebook and writes release/<a>/<a>.ipynb."""
    course = Path(course)
    notebook = source_notebook(assignment)
    course.mkdir(parents=True)  # FileExistsError if it exists
    (course / "nbgrader_config.py").write_text(CONFIG.format(course_id=COURSE_ID))
    (course / "source" / assignment).mkdir(parents=True)
    nbformat.write(notebook, str(course / "source" / assignment / f"{assignment}.ipynb"))
    done = _nbgrader(course, "generate_assignment", assignment, "--force")
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n{done.stdout}{done.stderr}")
    # The release must be our students' notebook plus the hidden cells (the layout submit relies on).
    released = nbformat.read(str(course / "release" / assignment / f"{assignment}.ipynb"), as_version=4)
    ours = nbformat.read(str(REPO / "assignments" / assignment / f"{assignment}.ipynb"), as_version=4)
    hidden = {t.grade_id for t in HIDDEN_TESTS[assignment]}
    if [(_grade_id(c), c.source) for c in released.cells if _grade_id(c) not in hidden] != \
            [(_grade_id(c), c.source) for c in ours.cells if not (_grade_id(c) or "").startswith("hidden_tests_")]:
        print(f"warning: {course}/release/{assignment} differs from assignments/{assignment} beyond the hidden cells "
              "(solutions/ and assignments/ out of sync?)", file=sys.stderr)


def _with_hidden_cells(notebook: nbformat.NotebookNode, released: nbformat.NotebookNode,
                       hidden: set[str]) -> nbformat.NotebookNode:
    """The student's notebook with each hidden test cell it lacks put in as the release has it,
    after the cell that comes before it in the release."""
    notebook = copy.deepcopy(notebook)
    present = {_grade_id(c) for c in notebook.cells}
    anchor = -1  # position in `notebook` of the last released cell found there
    for cell in released.cells:
        grade_id = _grade_id(cell)
        if grade_id in hidden and grade_id not in present:
            anchor += 1
            notebook.cells.insert(anchor, copy.deepcopy(cell))
            continue
        found = [i for i, c in enumerate(notebook.cells) if grade_id is not None and _grade_id(c) == grade_id]
        if found:
            anchor = found[0]
    return notebook


def submit(assignment: str, course: Path, student: str, notebook: Path) -> None:
    """Put a student's notebook (a filled-in copy of assignments/<a>/<a>.ipynb) where `nbgrader
    autograde` expects it: course/submitted/<student>/<a>/<a>.ipynb.

    nbgrader 0.9 does not add grade cells missing from a submission (its add_missing_cells option
    fails on these notebooks: see the module's docstring), so the hidden test cells that our
    students' notebooks lack are put in exactly as nbgrader's release has them (after the same
    cell, with their metadata and the hidden region cut out, as a student who fetched this course's
    release would submit them);
    autograde then restores their hidden code from the gradebook, as for any locked cell. A file that
    is not a notebook is copied as it is (nbgrader fails on it, as it would for that student)."""
    course = Path(course)
    destination = course / "submitted" / student / assignment / f"{assignment}.ipynb"
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        submitted = nbformat.read(str(notebook), as_version=4)
    except (ValueError, KeyError, TypeError, AttributeError):  # not a notebook: nbgrader will say so
        shutil.copyfile(notebook, destination)
        return
    released = nbformat.read(str(course / "release" / assignment / f"{assignment}.ipynb"), as_version=4)
    hidden = {t.grade_id for t in HIDDEN_TESTS[assignment]}
    # Our concept cells are not in this course (its hidden test cells stand in their place).
    submitted.cells = [c for c in submitted.cells if not (_grade_id(c) or "").startswith("hidden_tests_")]
    nbformat.write(_with_hidden_cells(submitted, released, hidden), str(destination))


def _read_gradebook(assignment: str, course: Path, students: list[str]) -> dict:
    from nbgrader.api import Gradebook, MissingEntry

    scores, tests, hand_max = {}, {}, 0.0
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gradebook:
        auto_max = 0.0
        for notebook in gradebook.find_assignment(assignment).notebooks:
            for cell in notebook.grade_cells:
                if cell.cell_type == "code":
                    auto_max += cell.max_score
                else:
                    hand_max += cell.max_score
        for student in students:
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                scores[student], tests[student] = None, {}
                continue
            total, per_test = 0.0, {}
            for submitted in submission.notebooks:
                for grade in submitted.grades:
                    if grade.cell.cell_type == "code":  # autograded test cells (hand-graded answers apart)
                        score = float(grade.score or 0.0)
                        total += score
                        if grade.max_score:
                            per_test[grade.cell.name] = score
            scores[student], tests[student] = total, per_test
    return {"scores": scores, "max_score": auto_max, "tests": tests, "hand_graded_max_score": hand_max}


def autograde(assignment: str, course: Path, timeout: int = 120) -> dict:
    """`nbgrader autograde <a> --force --ExecutePreprocessor.timeout=<timeout>` for every submitted
    student in one call. Returns {"seconds": its wall time, "scores": {student: score}, "max_score":
    ...} read from nbgrader's gradebook (nbgrader.api.Gradebook): the autograded points (the test
    cells), out of their total; answers graded by hand are left out (like `autograder grade`), their
    total is "hand_graded_max_score". Also "tests" ({student: {grade_id: score}}), "failed" (the
    students whose notebook nbgrader gave up on, e.g. its kernel died: the gradebook scores them 0),
    "returncode" (1 when some failed) and "log" (nbgrader's output). A student missing from the
    gradebook altogether scores None."""
    course = Path(course)
    students = sorted(p.name for p in (course / "submitted").iterdir()
                      if (p / assignment / f"{assignment}.ipynb").exists())
    started = time.monotonic()
    done = _nbgrader(course, "autograde", assignment, "--force", f"--ExecutePreprocessor.timeout={int(timeout)}")
    seconds = time.monotonic() - started
    log = done.stdout + done.stderr
    pattern = rf"error processing assignment '{re.escape(assignment)}' for student '([^']+)'"
    failed = sorted(set(re.findall(pattern, log)))
    return {"seconds": seconds, **_read_gradebook(assignment, course, students), "failed": failed,
            "returncode": done.returncode, "log": log}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment", nargs="?", default="backprop", choices=ASSIGNMENTS)
    parser.add_argument("--keep", action="store_true", help="keep the course folder and say where it is")
    parser.add_argument("--timeout", type=int, default=120, help="nbgrader's time limit per cell, in seconds")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from autograder.variants import write_variant
    from autograder.variants.backprop import SOLUTION

    assignment = args.assignment
    released = REPO / "assignments" / assignment / f"{assignment}.ipynb"
    solution = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    work = Path(tempfile.mkdtemp(prefix=f"nbgrader-baseline-{assignment}-"))
    try:
        course = work / "course"
        build_course(assignment, course)
        write_variant(SOLUTION, released, solution, work / "solution.ipynb")
        submit(assignment, course, "solution", work / "solution.ipynb")
        submit(assignment, course, "stub", released)  # the released notebook, untouched
        graded = autograde(assignment, course, args.timeout)
        print(f"{assignment}: nbgrader autograde of 2 submissions in {graded['seconds']:.1f} s "
              f"(nbgrader exit code {graded['returncode']})")
        for student, score in graded["scores"].items():
            detail = ", ".join(f"{k} {v:g}" for k, v in graded["tests"][student].items())
            print(f"  {student:10s} {score if score is None else format(score, 'g')} / {graded['max_score']:g}   "
                  f"({detail})")
        ok = graded["scores"].get("solution") == graded["max_score"] and graded["scores"].get("stub") == 0
        if not ok:
            print(graded["log"][-6000:], file=sys.stderr)
            print("FAILED: the solution should score the maximum and the stub 0", file=sys.stderr)
        if args.keep:
            print(f"course kept in {course}")
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
