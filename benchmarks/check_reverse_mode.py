"""Validation of the reverse_mode assignment against torch (not a test, not a grader).

    .venv/bin/python benchmarks/check_reverse_mode.py [--draws 30] [--examples 300]
                                                     [--bug-draws 3] [--bug-examples 60]

Needs torch (float64 references) and hypothesis (`.venv/bin/pip install hypothesis`).

1. Notebooks. Runs every code cell of the solution notebook and of the released stub notebook
   top to bottom in a subprocess where `import torch` fails (as in the assignment's student
   process) with matplotlib's Agg backend: the solution must run clean, every visible check must
   pass, and the stub may fail only with NotImplementedError. No code cell may mention torch (the locked
   `hidden_tests_*` cells, comments saying what the hidden tests check, aside).

2. The solution. Execs the definition cells of the solution notebook (solution markers removed,
   as `autograder.variants.solution_code` does) in a namespace of their own, then checks:
   - ops:         every op's gradient (`gradient_as_tuple`) against `torch.autograd.grad` on random
                  inputs and random upstream gradients: each element-wise and scalar op, PowerScalar
                  with integer, fractional and negative exponents, Log on positive inputs, every kind
                  of broadcast_to, sums over one, several or all axes (int or tuple, negative ones),
                  Reshape, Transpose with and without axes, MatMul on matrices, square ones and
                  stacks with broadcast batch dimensions; shapes and values;
   - operators:   the Tensor operators with numbers on either side (number - t, number / t, ...),
                  requires_grad propagation, and the ValueError for unequal shapes;
   - graphs:      random computation graphs (hypothesis) with reused nodes, every op, a random
                  upstream gradient: `.grad` of every node of the program against torch (retain_grad);
   - topo:        find_topo_sort on the same random graphs: every reachable node once, each after its
                  inputs; several outputs sharing nodes, duplicates in node_list;
   - second:      second derivatives through `.grad` (the course's x ** 3 at 2, random points of
                  scalar functions, Hessian-vector products on matrices) against torch's double backward;
   - independent: a second backward (same graph or another graph on the same leaf) gives that
                  backward's gradients alone; another graph's leaves keep their .grad;
   - inputs:      no op, backward or fit modifies the arrays or Tensors it receives;
   - fit_linear:  the steps of batch gradient descent on the summed squared error (w, b, losses,
                  shapes) against a numpy reference, then recovery of random hidden w, b from zero
                  (3000 epochs, learning rate 0.3 / n, tolerance 1e-3), with success counts and times;
   - fit_chall:   recovery of random hidden (p, w, b), p in [0.4, 2], w in [0.3, 1], b in [1, 2],
                  on xx = arange(-10, 10, .01), tolerance 0.01 (|p| accepted), count and times.

3. The bugs. For every variant of `autograder.variants.reverse_mode.BUGS`, builds the notebook a
   student with that bug would submit (the released notebook with the solution written in and the
   variant's edits applied, as the demo does), runs the same checks with fewer draws and the
   visible checks of the notebook, and prints which check catches it.

Prints a summary table; exits 1 if the solution fails anything or a bug escapes the checks its
description implies (EXPECTED below).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import subprocess
import sys
import textwrap
import time
import traceback
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

try:
    from hypothesis import HealthCheck, Phase, given, settings, strategies as st  # noqa: E402
except ImportError:  # pragma: no cover
    sys.exit("hypothesis is missing: .venv/bin/pip install hypothesis")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.variants import fill_notebook, solution_code  # noqa: E402
from autograder.variants.reverse_mode import BUGS  # noqa: E402

SOLUTION_NB = REPO / "solutions" / "reverse_mode" / "reverse_mode.ipynb"
RELEASED_NB = REPO / "assignments" / "reverse_mode" / "reverse_mode.ipynb"
GIVEN_DEFINITIONS = {"imports", "tensor", "draw_graph", "helpers"}  # locked cells that define names

RTOL, ATOL = 1e-9, 1e-11
CHECKS = ["ops", "operators", "graphs", "topo", "second", "independent", "inputs", "fit_linear", "fit_chall"]

# The checks each bug must fail (from its description).
EXPECTED = {
    "adjoints_overwritten": {"graphs"},
    "topo_sort_pre_order": {"topo", "graphs"},
    "broadcast_to_no_sum": {"ops"},
    "summation_axes_not_restored": {"ops"},
    "matmul_transposed_wrong_way": {"ops"},
    "matmul_batch_not_summed": {"ops"},
    "gradients_from_numpy_values": {"second"},
    "transpose_axes_ignored": {"ops"},
    "log_ignores_upstream": {"ops"},
    "div_denominator_sign": {"ops"},
    "grad_accumulated_across_backwards": {"independent", "second"},
    "fit_linear_mean_loss": {"fit_linear"},
    "fit_challenge_returns_course_values": {"fit_chall"},
}


class CheckFailed(AssertionError):
    pass


# ---------------------------------------------------------------------------- loading the code
def code_cells(notebook) -> list[tuple[str, str, dict]]:
    return [(c.metadata.get("nbgrader", {}).get("grade_id", ""), solution_code(c.source), c.metadata.get("nbgrader", {}))
            for c in notebook.cells if c.cell_type == "code"]


def load_namespace(notebook) -> dict:
    """Exec the definition cells (given definitions and solution cells) in a fresh namespace."""
    namespace: dict = {"__name__": "reverse_mode_notebook"}
    for grade_id, source, meta in code_cells(notebook):
        if grade_id in GIVEN_DEFINITIONS or meta.get("solution"):
            exec(compile(source, f"<cell {grade_id}>", "exec"), namespace)
    return namespace


def variant_notebook(variant):
    return fill_notebook(nbformat.read(str(RELEASED_NB), as_version=4), nbformat.read(str(SOLUTION_NB), as_version=4),
                         variant.edits, variant.cells)


def visible_checks_failing(notebook) -> list[str]:
    """Run every code cell in order (plots on Agg), return the visible checks that fail."""
    namespace: dict = {"__name__": "reverse_mode_notebook"}
    failing = []
    for grade_id, source, meta in code_cells(notebook):
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source, f"<cell {grade_id}>", "exec"), namespace)
        except Exception:
            if meta.get("grade"):
                failing.append(grade_id.removeprefix("check_"))
    matplotlib.pyplot.close("all")
    return failing


# ---------------------------------------------------------------------------- comparisons
def assert_close(got, want, what: str) -> None:
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    if got.shape != want.shape:
        raise CheckFailed(f"{what}: shape {got.shape}, expected {want.shape}")
    if not np.allclose(got, want, rtol=RTOL, atol=ATOL * max(1.0, float(np.max(np.abs(want), initial=0)))):
        worst = float(np.max(np.abs(got - want)))
        raise CheckFailed(f"{what}: values differ (max abs error {worst:.3g})")


def value_of(t) -> np.ndarray:
    return np.asarray(t.value, dtype=float)


def grad_value(t, what: str) -> np.ndarray:
    if t.grad is None:
        raise CheckFailed(f"{what}: .grad is None")
    return value_of(t.grad)


def tt(a: np.ndarray, requires_grad=True) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=requires_grad)


# ---------------------------------------------------------------------------- op cases
def draw_input(rng, shape, domain):
    if domain == "positive":
        return rng.uniform(0.3, 2.5, size=shape)
    if domain == "away_from_zero":
        return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return rng.normal(size=shape)


def torch_transpose(axes):
    return (lambda a: a.transpose(-1, -2)) if axes is None else (lambda a: a.transpose(*axes))


def torch_sum(axes):
    return (lambda a: a.sum()) if axes is None else (lambda a: a.sum(dim=axes))


def op_cases(rng) -> list[tuple[str, callable, list, list, callable]]:
    """(label, make_op(ns), input shapes, input domains, torch function)."""
    cases = []
    ew_shapes = [(), (5,), (2, 3), (2, 3, 4), (1, 4)]
    for shape in ew_shapes:
        cases += [
            (f"EWiseAdd {shape}", lambda ns: ns["EWiseAdd"](), [shape, shape], ["any", "any"], lambda a, b: a + b),
            (f"EWiseMul {shape}", lambda ns: ns["EWiseMul"](), [shape, shape], ["any", "any"], lambda a, b: a * b),
            (f"EWiseDiv {shape}", lambda ns: ns["EWiseDiv"](), [shape, shape], ["any", "away_from_zero"],
             lambda a, b: a / b),
            (f"Negate {shape}", lambda ns: ns["Negate"](), [shape], ["any"], lambda a: -a),
            (f"Exp {shape}", lambda ns: ns["Exp"](), [shape], ["any"], torch.exp),
            (f"Log {shape}", lambda ns: ns["Log"](), [shape], ["positive"], torch.log),
            (f"Cos {shape}", lambda ns: ns["Cos"](), [shape], ["any"], torch.cos),
            (f"Sin {shape}", lambda ns: ns["Sin"](), [shape], ["any"], torch.sin),
        ]
        s = float(rng.uniform(0.5, 3.0) * rng.choice([-1, 1]))
        cases += [
            (f"AddScalar({s:.3g}) {shape}", lambda ns, s=s: ns["AddScalar"](s), [shape], ["any"], lambda a, s=s: a + s),
            (f"MulScalar({s:.3g}) {shape}", lambda ns, s=s: ns["MulScalar"](s), [shape], ["any"], lambda a, s=s: a * s),
            (f"DivScalar({s:.3g}) {shape}", lambda ns, s=s: ns["DivScalar"](s), [shape], ["any"], lambda a, s=s: a / s),
        ]
        for k, domain in [(2, "any"), (3, "any"), (1, "any"), (0.5, "positive"), (-1.5, "positive"),
                          (2.7, "positive"), (-2, "away_from_zero"), (-1, "positive")]:
            cases.append((f"PowerScalar({k}) {shape}", lambda ns, k=k: ns["PowerScalar"](k), [shape], [domain],
                          lambda a, k=k: a ** k))
    for shape, axes in [((2, 3, 4), None), ((2, 3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), 2), ((2, 3, 4), -1),
                        ((2, 3, 4), (0,)), ((2, 3, 4), (2,)), ((2, 3, 4), (0, 2)), ((2, 3, 4), (1, 2)),
                        ((2, 3, 4), (0, 1, 2)), ((2, 3, 4), (2, 0)), ((3, 4), 1), ((3, 4), 0), ((3, 4), None),
                        ((3, 3), 1), ((5,), 0), ((5,), None), ((4, 1, 3), (1,)), ((2, 3, 4, 2), (1, 3))]:
        cases.append((f"Summation({axes}) {shape}", lambda ns, a=axes: ns["Summation"](a), [shape], ["any"],
                      torch_sum(axes)))
    for shape, target in [((3,), (2, 3)), ((1, 3), (4, 3)), ((3, 1), (3, 4)), ((2, 1, 4), (5, 2, 3, 4)),
                          ((), (2, 3)), ((1,), (3,)), ((1, 1), (2, 3)), ((3,), (2, 4, 3)), ((2, 3), (2, 3)),
                          ((3, 1), (2, 3, 3)), ((3,), (3, 3)), ((1, 3, 1), (2, 3, 4))]:
        cases.append((f"BroadcastTo({target}) {shape}", lambda ns, t=target: ns["BroadcastTo"](t), [shape], ["any"],
                      lambda a, t=target: a.broadcast_to(t)))
    for shape, target in [((2, 3, 4), (4, 6)), ((6,), (2, 3)), ((2, 3), (6,)), ((2, 3), (3, 2)), ((), (1, 1)),
                          ((1, 1), ()), ((2, 3, 4), (24,)), ((4, 6), (2, 3, 4))]:
        cases.append((f"Reshape({target}) {shape}", lambda ns, t=target: ns["Reshape"](t), [shape], ["any"],
                      lambda a, t=target: a.reshape(t)))
    for shape, axes in [((3, 4), None), ((2, 3, 4), None), ((2, 3, 4), (0, 1)), ((2, 3, 4), (0, 2)),
                        ((2, 3, 4, 5), (1, 2)), ((3, 4), (1, 0)), ((2, 3, 4), (0, -1)), ((3, 3), None),
                        ((2, 2, 2), (0, 1))]:
        cases.append((f"Transpose({axes}) {shape}", lambda ns, a=axes: ns["Transpose"](a), [shape], ["any"],
                      torch_transpose(axes)))
    for sa, sb in [((3, 4), (4, 5)), ((4, 4), (4, 4)), ((1, 3), (3, 1)), ((5, 1), (1, 2)), ((2, 3, 4), (2, 4, 5)),
                   ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((1, 3, 4), (2, 4, 5)),
                   ((2, 3, 3), (3, 3))]:
        cases.append((f"MatMul {sa} @ {sb}", lambda ns: ns["MatMul"](), [sa, sb], ["any", "any"], lambda a, b: a @ b))
    return cases


def check_ops(ns, rng, draws: int, failures: list[str]) -> None:
    Tensor = ns["Tensor"]
    for label, make_op, shapes, domains, torch_fn in op_cases(rng):
        for _ in range(draws):
            values = [draw_input(rng, s, d) for s, d in zip(shapes, domains)]
            kept = [v.copy() for v in values]
            try:
                op = make_op(ns)
                leaves = [Tensor(v) for v in values]
                node = op(*leaves)
                inputs_t = [tt(v) for v in values]
                out_t = torch_fn(*inputs_t)
                assert_close(value_of(node), out_t.detach().numpy(), f"{label} forward")
                upstream = rng.normal(size=out_t.shape)
                up = Tensor(upstream, requires_grad=False)
                grads = op.gradient_as_tuple(up, node)
                want = torch.autograd.grad(out_t, inputs_t, tt(upstream, False))
                for i, (g, w) in enumerate(zip(grads, want)):
                    if not isinstance(g, Tensor):
                        raise CheckFailed(f"gradient {i} is a {type(g).__name__}, not a Tensor")
                    assert_close(value_of(g), w.numpy(), f"gradient of input {i}")
                for v, k in zip(values, kept):
                    if not np.array_equal(v, k):
                        raise CheckFailed("an input array was modified")
                if not np.array_equal(value_of(up), upstream):
                    raise CheckFailed("the upstream gradient was modified")
            except Exception as exc:  # noqa: BLE001 - any error is a failure of this case
                failures.append(f"{label}: {describe(exc)}")
                break


def describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if not isinstance(exc, CheckFailed) else str(exc)
    return text.splitlines()[0][:160] if text else type(exc).__name__


# ---------------------------------------------------------------------------- operators
def check_operators(ns, rng) -> None:
    Tensor = ns["Tensor"]
    for _ in range(5):
        a, c = rng.uniform(0.5, 2.0, size=(2, 3)), rng.normal(size=(2, 3))
        n1, n2 = float(rng.uniform(0.5, 3)), int(rng.integers(2, 5))
        ours_a, ours_c = Tensor(a), Tensor(c)
        t_a, t_c = tt(a), tt(c)
        exprs = [
            ("n - t", lambda x, y: n1 - x), ("n / t", lambda x, y: n1 / x), ("t - n", lambda x, y: x - n1),
            ("t / n", lambda x, y: x / n1), ("n * t", lambda x, y: n1 * x), ("n + t", lambda x, y: n1 + x),
            ("int - t", lambda x, y: n2 - x), ("int / t", lambda x, y: n2 / x), ("-t", lambda x, y: -x),
            ("t ** k", lambda x, y: x ** 2.5), ("t - s", lambda x, y: x - y), ("s / t", lambda x, y: y / x),
            ("t @ s^T", lambda x, y: x @ (y.transpose() if isinstance(y, Tensor) else y.transpose(-1, -2))),
            ("np scalar * t", lambda x, y: np.float64(n1) * x), ("t * np int", lambda x, y: x * np.int64(n2)),
        ]
        for name, fn in exprs:
            ours = fn(ours_a, ours_c)
            ref = fn(t_a, t_c)
            assert_close(value_of(ours), ref.detach().numpy(), f"{name}: value")
            upstream = rng.normal(size=ref.shape)
            ours.backward(Tensor(upstream, requires_grad=False))
            want = torch.autograd.grad(ref, [t_a, t_c], tt(upstream, False), allow_unused=True)
            assert_close(grad_value(ours_a, name), want[0].numpy(), f"{name}: gradient of t")
            if want[1] is not None:
                assert_close(grad_value(ours_c, name), want[1].numpy(), f"{name}: gradient of s")
    # requires_grad propagation and explicit broadcasting
    x, k = Tensor([1.0, 2.0]), Tensor([3.0, 4.0], requires_grad=False)
    if not (x * k).requires_grad or (k * 2).requires_grad or x.op is not None or x.inputs != ():
        raise CheckFailed("requires_grad should propagate from the inputs; a leaf has op None and no inputs")
    if Tensor(3).value.dtype != np.float64:
        raise CheckFailed("Tensor(3).value should be float64")
    for bad in (lambda: Tensor(np.ones((2, 3))) + Tensor(np.ones(3)), lambda: Tensor(np.ones((2, 1))) * Tensor(np.ones(2))):
        try:
            bad()
        except ValueError as exc:
            if "broadcast_to" not in str(exc):
                raise CheckFailed(f"the shape error should mention broadcast_to: {exc}") from None
        else:
            raise CheckFailed("element-wise ops of unequal shapes should raise ValueError")


# ---------------------------------------------------------------------------- random graphs
# One program step per name, written once for our Tensor and for torch: step(a, b, c, k, ops) where
# `ops` gives the two calls that differ (tr: NEEDLE's transpose, bcast: broadcast_to).
BINARY_STEPS = {
    "add": lambda a, b, c, k, ops: a + b,
    "sub": lambda a, b, c, k, ops: a - b,
    "mul": lambda a, b, c, k, ops: a * b,
    "div": lambda a, b, c, k, ops: a / (b * b + 1),
    "matmul": lambda a, b, c, k, ops: a @ b,
    # a batch of 2 copies of a, matmul with b broadcast over the batch, summed back
    "stack_matmul": lambda a, b, c, k, ops: (ops.bcast(a.reshape((1, k, k)), (2, k, k)) @ b).sum(0),
}
UNARY_STEPS = {
    "neg": lambda a, b, c, k, ops: -a,
    "exp": lambda a, b, c, k, ops: a.exp(),
    "log": lambda a, b, c, k, ops: (a * a + 1).log(),
    "cos": lambda a, b, c, k, ops: a.cos(),
    "sin": lambda a, b, c, k, ops: a.sin(),
    "pow2": lambda a, b, c, k, ops: a ** 2,
    "pow3": lambda a, b, c, k, ops: a ** 3,
    "pow_neg": lambda a, b, c, k, ops: (a * a + 1) ** -1.5,
    "pow_half": lambda a, b, c, k, ops: (a * a + 1) ** 0.5,
    "radd": lambda a, b, c, k, ops: c + a,
    "rsub": lambda a, b, c, k, ops: c - a,
    "rmul": lambda a, b, c, k, ops: c * a,
    "rdiv": lambda a, b, c, k, ops: c / (a * a + 1),
    "divs": lambda a, b, c, k, ops: a / c,
    "subs": lambda a, b, c, k, ops: a - c,
    "sum_axis0": lambda a, b, c, k, ops: ops.bcast(a.sum(0), (k, k)),
    "sum_axis1": lambda a, b, c, k, ops: ops.bcast(a.sum(1).reshape((k, 1)), (k, k)),
    "sum_all": lambda a, b, c, k, ops: ops.bcast(a.sum(), (k, k)),
    "sum_tuple": lambda a, b, c, k, ops: ops.bcast(a.sum((0, 1)).reshape((1, 1)), (k, k)),
    "transpose": lambda a, b, c, k, ops: ops.tr(a),
    "transpose01": lambda a, b, c, k, ops: ops.tr(a, (0, 1)),
    "reshape": lambda a, b, c, k, ops: a.reshape((1, k * k)).reshape((k, k)),
}
STEPS = {**UNARY_STEPS, **BINARY_STEPS}


class _OursOps:
    @staticmethod
    def tr(t, axes=None):
        return t.transpose(axes)

    @staticmethod
    def bcast(t, shape):
        return t.broadcast_to(shape)


class _TorchOps:
    @staticmethod
    def tr(t, axes=None):
        return t.transpose(-1, -2) if axes is None else t.transpose(*axes)

    @staticmethod
    def bcast(t, shape):
        return t.broadcast_to(shape)


def apply_step(kind: str, a, b, c: float, k: int, is_torch: bool):
    """One program step, written once for our Tensor and for torch."""
    return STEPS[kind](a, b, c, k, _TorchOps if is_torch else _OursOps)


steps_strategy = st.lists(
    st.tuples(st.sampled_from(list(UNARY_STEPS) + list(BINARY_STEPS)), st.integers(0, 10 ** 6), st.integers(0, 10 ** 6),
              st.floats(0.5, 3.0) | st.floats(-3.0, -0.5)),
    min_size=1, max_size=14)
graph_strategy = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(0, 2 ** 32 - 1), steps_strategy)


def build_graph(ns, spec):
    """Our program nodes, torch's, the leaves' arrays and the upstream gradient."""
    Tensor = ns["Tensor"]
    n_leaves, k, seed, steps = spec
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1.5, 1.5, size=(k, k)) for _ in range(n_leaves)]
    ours = [Tensor(v) for v in arrays]
    theirs = [tt(v) for v in arrays]
    for kind, i, j, c in steps:
        i, j = i % len(ours), j % len(ours)
        ours.append(apply_step(kind, ours[i], ours[j], c, k, False))
        node = apply_step(kind, theirs[i], theirs[j], c, k, True)
        node.retain_grad()
        theirs.append(node)
    upstream = rng.normal(size=(k, k))
    return ours, theirs, arrays, upstream


def reachable(output) -> list:
    seen, stack, found = set(), [output], []
    while stack:
        t = stack.pop()
        if id(t) not in seen:
            seen.add(id(t))
            found.append(t)
            stack.extend(t.inputs)
    return found


def finite_and_moderate(theirs) -> bool:
    return all(torch.isfinite(t).all() and t.abs().max() < 1e6 for t in theirs)


SHRINK = True  # shrink failing examples to a minimal one (off for the bug variants: it is slow)


def run_hypothesis(test, examples: int) -> None:
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if SHRINK else [])
    configured = settings(max_examples=examples, derandomize=True, database=None, deadline=None, phases=phases,
                          suppress_health_check=list(HealthCheck), print_blob=False)(test)
    try:
        configured()
    except Exception as exc:
        notes = " | ".join(getattr(exc, "__notes__", []))
        raise CheckFailed(f"{describe(exc)} [{notes[:300]}]") from None


def check_graphs(ns, examples: int) -> None:
    Tensor = ns["Tensor"]

    @given(graph_strategy)
    def test(spec):
        ours, theirs, arrays, upstream = build_graph(ns, spec)
        if not finite_and_moderate(theirs):
            return
        out, out_t = ours[-1], theirs[-1]
        out.backward(Tensor(upstream, requires_grad=False))
        torch.autograd.backward(out_t, tt(upstream, False))
        in_graph = {id(t) for t in reachable(out)}
        for index, (node, ref) in enumerate(zip(ours, theirs)):
            if id(node) in in_graph:
                if ref.grad is None:
                    continue
                assert_close(grad_value(node, f"node {index}"), ref.grad.numpy(), f"node {index}'s .grad")
        for v, leaf in zip(arrays, ours):
            if not np.array_equal(value_of(leaf), v):
                raise CheckFailed("a leaf's value changed during backward")

    run_hypothesis(test, examples)


def check_topo(ns, examples: int) -> None:
    find_topo_sort = ns["find_topo_sort"]
    Tensor = ns["Tensor"]

    def assert_topological(order, roots, what):
        expected = {}
        for r in roots:
            for t in reachable(r):
                expected[id(t)] = t
        ids = [id(t) for t in order]
        if len(ids) != len(set(ids)):
            raise CheckFailed(f"{what}: a node appears twice")
        if set(ids) != set(expected):
            raise CheckFailed(f"{what}: {len(set(ids))} nodes, expected the {len(expected)} reachable ones")
        position = {i: p for p, i in enumerate(ids)}
        for t in order:
            for i in t.inputs:
                if position[id(i)] > position[id(t)]:
                    raise CheckFailed(f"{what}: a node comes before one of its inputs")

    @given(graph_strategy, st.integers(0, 10 ** 6))
    def test(spec, pick):
        ours, _, _, _ = build_graph(ns, spec)
        out = ours[-1]
        assert_topological(find_topo_sort([out]), [out], "one output")
        other = ours[pick % len(ours)]
        assert_topological(find_topo_sort([out, other]), [out, other], "two outputs")
        assert_topological(find_topo_sort([other, out, other]), [out, other], "duplicates in node_list")

    run_hypothesis(test, examples)
    leaf = Tensor(1.0)
    order = find_topo_sort([leaf])
    if len(order) != 1 or order[0] is not leaf:
        raise CheckFailed("find_topo_sort([leaf]) should be [leaf]")


# ---------------------------------------------------------------------------- second derivatives
SCALAR_FUNCTIONS = [
    ("x ** 3", lambda x: x ** 3, "any"),
    ("sin(x) * x ** 2", lambda x: x.sin() * x ** 2, "any"),
    ("exp(x cos x)", lambda x: (x * x.cos()).exp(), "any"),
    ("log(x x + 1)", lambda x: (x * x + 1).log(), "any"),
    ("x / (x x + 1)", lambda x: x / (x * x + 1), "any"),
    ("(2 - x) ** 4", lambda x: (2 - x) ** 4, "any"),
    ("1 / x", lambda x: 1 / x, "positive"),
    ("x ** 2.5", lambda x: x ** 2.5, "positive"),
    ("cos(3 x) / 2", lambda x: (3 * x).cos() / 2, "any"),
]


def check_second(ns, rng, draws: int) -> None:
    Tensor = ns["Tensor"]
    x = Tensor(2.0)
    (x ** 3).backward()
    g = x.grad
    g.backward()
    if not np.isclose(float(value_of(x.grad)), 12.0):
        raise CheckFailed(f"d2/dx2 x ** 3 at 2: got {float(value_of(x.grad)):.6g}, expected 12")
    for name, f, domain in SCALAR_FUNCTIONS:
        for _ in range(draws):
            v = float(rng.uniform(0.4, 2.0) if domain == "positive" else rng.uniform(-1.5, 1.5))
            x = Tensor(v)
            f(x).backward()
            x.grad.backward()
            x_t = tt(v)
            (d1,) = torch.autograd.grad(f(x_t), x_t, create_graph=True)
            (d2,) = torch.autograd.grad(d1, x_t)
            assert_close(grad_value(x, name), d2.numpy(), f"d2/dx2 {name} at {v:.4g}")
    for _ in range(draws):  # Hessian-vector products on matrices, with matmul, sum, broadcast, division
        a, xv, v = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
        bias = rng.normal(size=(2,))

        def f(X, A, B):
            z = A @ X + B.reshape((1, 2)).broadcast_to((4, 2))
            return (z.sin() * z).sum((0, 1)) + ((X * X + 1) ** -0.5).sum(0).sum(0) + (z.exp() / (X.sum(0) ** 2 + 1).broadcast_to((4, 2))).sum()

        X, A, B = Tensor(xv), Tensor(a, requires_grad=False), Tensor(bias)
        f(X, A, B).backward()
        (X.grad * Tensor(v, requires_grad=False)).sum().backward()
        X_t, A_t, B_t = tt(xv), tt(a, False), tt(bias)
        (gx,) = torch.autograd.grad(f(X_t, A_t, B_t), X_t, create_graph=True)
        hv_x, hv_b = torch.autograd.grad((gx * tt(v, False)).sum(), [X_t, B_t])
        assert_close(grad_value(X, "Hv"), hv_x.numpy(), "Hessian-vector product (X)")
        assert_close(grad_value(B, "Hv"), hv_b.numpy(), "mixed second derivative (bias)")


# ---------------------------------------------------------------------------- independent graphs
def check_independent(ns, rng) -> None:
    Tensor = ns["Tensor"]
    v = rng.normal(size=(3, 2))
    z = Tensor(v)
    f1 = (z * z).sum()
    f1.backward()
    assert_close(grad_value(z, "first graph"), 2 * v, "first graph")
    f1.backward()
    assert_close(grad_value(z, "same graph again"), 2 * v, "the same backward twice: .grad")
    (z.sin()).sum().backward()
    assert_close(grad_value(z, "second graph"), np.cos(v), "another graph on the same leaf: .grad")
    x, y = Tensor(rng.normal(size=4)), Tensor(rng.normal(size=4))
    fx = (x.exp() * x).sum()
    fx.backward()
    gx = grad_value(x, "graph of x").copy()
    fy = (y.cos() * 2).sum()
    fy.backward()
    assert_close(grad_value(x, "graph of x"), gx, "x.grad after a backward on an unrelated graph")
    assert_close(grad_value(y, "graph of y"), -2 * np.sin(value_of(y)), "y.grad")
    m = Tensor(rng.normal(size=(2, 2)))
    out = m @ m
    out.backward()
    first = grad_value(m, "m").copy()
    (m @ m).backward()
    assert_close(grad_value(m, "m"), first, "a new graph of the same expression")


# ---------------------------------------------------------------------------- inputs
def check_inputs(ns, rng) -> None:
    Tensor = ns["Tensor"]
    arr = rng.normal(size=(3, 3))
    kept = arr.copy()
    t = Tensor(arr)
    out = ((t @ t).transpose().reshape((9,)).sum() + t.exp().sum((0,)).sum()) * 2
    out.backward()
    if not np.array_equal(arr, kept) or not np.array_equal(value_of(t), kept):
        raise CheckFailed("backward changed a leaf or its array")
    x, y, w0, b0 = rng.random((20, 3)), rng.random(20), rng.normal(size=3), rng.normal(size=1)
    copies = [a.copy() for a in (x, y, w0, b0)]
    ns["fit_linear"](x, y, w0, b0, 0.01, 5)
    if not all(np.array_equal(a, c) for a, c in zip((x, y, w0, b0), copies)):
        raise CheckFailed("fit_linear modified one of its inputs")
    xx = np.arange(-10, 10, 0.01)
    yy = np.exp(0.7 * np.cos(1.3 * xx) + 1.4)
    xx_kept, yy_kept = xx.copy(), yy.copy()
    ns["fit_challenge"](xx, yy)
    if not (np.array_equal(xx, xx_kept) and np.array_equal(yy, yy_kept)):
        raise CheckFailed("fit_challenge modified xx or yy")


# ---------------------------------------------------------------------------- fits
def reference_descent(x, y, w0, b0, learning_rate, epochs):
    w, b = np.array(w0, dtype=float), np.array(b0, dtype=float)
    losses = []
    for _ in range(epochs):
        residual = x @ w + b - y
        losses.append(float(np.sum(residual ** 2)))
        w, b = w - learning_rate * 2 * x.T @ residual, b - learning_rate * 2 * np.sum(residual)
    return w, b, losses


def draw_linear(rng, n, d):
    x = rng.random((n, d))
    w_star, b_star = rng.uniform(-3, 3, d), float(rng.uniform(-2, 2))
    return x, x @ w_star + b_star, w_star, b_star


def check_fit_linear(ns, rng, draws: int, stats: dict) -> None:
    fit_linear = ns["fit_linear"]
    for _ in range(max(3, draws // 3)):  # the steps of gradient descent
        n, d = int(rng.integers(1, 51)), int(rng.integers(1, 6))
        x, y, _, _ = draw_linear(rng, n, d)
        w0 = rng.uniform(-1, 1, d)
        b0 = np.array([rng.uniform(-1, 1)]) if rng.random() < 0.7 else float(rng.uniform(-1, 1))
        lr, epochs = 0.3 / n * float(rng.uniform(0.3, 1.0)), int(rng.integers(1, 12))
        w, b, losses = fit_linear(x, y, w0, b0, lr, epochs)
        want_w, want_b, want_losses = reference_descent(x, y, w0, b0, lr, epochs)
        assert_close(w, want_w, f"w after {epochs} steps (n={n}, d={d})")
        assert_close(b, want_b, f"b after {epochs} steps (n={n}, d={d})")
        if len(losses) != epochs or not all(isinstance(v, float) for v in losses):
            raise CheckFailed(f"losses should be a list of {epochs} floats, got {losses!r:.80}")
        assert_close(losses, want_losses, "losses")
    successes, times = 0, []
    for _ in range(draws):  # recovery from zero, as manual_gradient's graders do
        n, d = int(rng.integers(30, 60)), int(rng.integers(1, 4))
        x, y, w_star, b_star = draw_linear(rng, n, d)
        t0 = time.perf_counter()
        w, b, _ = fit_linear(x, y, np.zeros(d), np.zeros(1), 0.3 / n, 3000)
        times.append(time.perf_counter() - t0)
        if np.all(np.abs(np.asarray(w) - w_star) <= 1e-3) and abs(float(np.sum(b)) - b_star) <= 1e-3:
            successes += 1
    stats["fit_linear"] = (successes, draws, times)
    if successes < draws:
        raise CheckFailed(f"fit_linear recovered {successes}/{draws} hidden (w, b)")


def check_fit_challenge(ns, rng, draws: int, stats: dict) -> None:
    xx = np.arange(-10, 10, 0.01)
    successes, times, worst = 0, [], 0.0
    for _ in range(draws):
        p, w, b = rng.uniform(0.4, 2.0), rng.uniform(0.3, 1.0), rng.uniform(1.0, 2.0)
        yy = np.exp(w * np.cos(p * xx) + b)
        t0 = time.perf_counter()
        result = ns["fit_challenge"](xx, yy)
        times.append(time.perf_counter() - t0)
        found = [float(np.sum(v)) for v in result]
        error = max(abs(abs(found[0]) - p), abs(found[1] - w), abs(found[2] - b))
        worst = max(worst, error)
        successes += error <= 0.01
    stats["fit_challenge"] = (successes, draws, times, worst)
    if successes < draws:
        raise CheckFailed(f"fit_challenge recovered {successes}/{draws} hidden (p, w, b)")


# ---------------------------------------------------------------------------- running
def run_checks(ns, draws: int, examples: int, fit_draws: int, stats: dict) -> dict[str, str | None]:
    """Each check's failure message, or None when it passes."""
    results: dict[str, str | None] = {}
    op_failures: list[str] = []

    def attempt(name, fn):
        t0 = time.perf_counter()
        try:
            fn()
            results[name] = None
        except Exception as exc:  # noqa: BLE001
            results[name] = describe(exc)
        stats.setdefault("seconds", {})[name] = time.perf_counter() - t0

    def ops():
        check_ops(ns, np.random.default_rng(1), draws, op_failures)
        if op_failures:
            raise CheckFailed(f"{len(op_failures)} op case(s) failed, e.g. {op_failures[0]}")

    attempt("ops", ops)
    stats["op_failures"] = op_failures
    attempt("operators", lambda: check_operators(ns, np.random.default_rng(2)))
    attempt("graphs", lambda: check_graphs(ns, examples))
    attempt("topo", lambda: check_topo(ns, examples))
    attempt("second", lambda: check_second(ns, np.random.default_rng(3), draws))
    attempt("independent", lambda: check_independent(ns, np.random.default_rng(4)))
    attempt("inputs", lambda: check_inputs(ns, np.random.default_rng(5)))
    attempt("fit_linear", lambda: check_fit_linear(ns, np.random.default_rng(6), fit_draws, stats))
    attempt("fit_chall", lambda: check_fit_challenge(ns, np.random.default_rng(7), fit_draws, stats))
    return results


NOTEBOOK_RUNNER = r"""
import sys, time, json
sys.modules["torch"] = None          # `import torch` raises ImportError, as in the student process
import matplotlib
matplotlib.use("Agg")
import nbformat
sys.path.insert(0, sys.argv[2])
from autograder.variants import solution_code
notebook = nbformat.read(sys.argv[1], as_version=4)
namespace = {"__name__": "__main__"}
rows = []
for cell in notebook.cells:
    if cell.cell_type != "code":
        continue
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
    t0 = time.perf_counter()
    try:
        exec(compile(solution_code(cell.source), grade_id, "exec"), namespace)
        outcome = "ok"
    except BaseException as exc:
        outcome = type(exc).__name__ + ": " + str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__
    rows.append((grade_id, round(time.perf_counter() - t0, 3), outcome))
print(json.dumps(rows))
"""


def run_notebook_without_torch(path: Path) -> list[tuple[str, float, str]]:
    done = subprocess.run([sys.executable, "-c", NOTEBOOK_RUNNER, str(path), str(REPO)], capture_output=True,
                          text=True, timeout=600, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return [tuple(row) for row in json.loads(done.stdout.strip().splitlines()[-1])]


def notebooks_section() -> list[str]:
    problems = []
    for label, path in (("solution", SOLUTION_NB), ("released", RELEASED_NB)):
        notebook = nbformat.read(str(path), as_version=4)
        for cell in notebook.cells:
            concept_cell = cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith("hidden_tests_")
            if cell.cell_type == "code" and not concept_cell and re.search(r"\btorch\b", cell.source):
                problems.append(f"{label}: code cell {cell.metadata.nbgrader.grade_id} mentions torch")
        text = path.read_text()
        if label == "released" and ("BEGIN SOLUTION" in text or "END SOLUTION" in text
                                    or "NotImplementedError" not in text):
            problems.append("released: solution markers left, or no NotImplementedError stub")
        rows = run_notebook_without_torch(path)
        print(f"\n{label} notebook, top to bottom, without torch ({path.relative_to(REPO)}):")
        for grade_id, seconds, outcome in rows:
            print(f"  {grade_id:26s} {seconds:6.2f} s  {outcome}")
            if label == "solution" and outcome != "ok":
                problems.append(f"solution: cell {grade_id}: {outcome}")
            if label == "released" and outcome != "ok" and not outcome.startswith("NotImplementedError"):
                problems.append(f"released: cell {grade_id} fails with {outcome} (only NotImplementedError expected)")
        slow = [(g, s) for g, s, _ in rows if s > 2.0]
        if slow:
            problems.append(f"{label}: cells slower than 2 s: {slow}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=30, help="hidden-parameter draws per fit for the solution")
    parser.add_argument("--op-draws", type=int, default=4, help="random draws per op case")
    parser.add_argument("--examples", type=int, default=300, help="hypothesis examples (random graphs)")
    parser.add_argument("--bug-draws", type=int, default=3, help="fit draws for each bug variant")
    parser.add_argument("--bug-examples", type=int, default=60, help="hypothesis examples for each bug variant")
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    failures: list[str] = []

    print("== 1. notebooks")
    failures += notebooks_section()

    print("\n== 2. the solution")
    solution_nb = nbformat.read(str(SOLUTION_NB), as_version=4)
    stats: dict = {}
    t0 = time.perf_counter()
    results = run_checks(load_namespace(solution_nb), args.op_draws, args.examples, args.draws, stats)
    print(f"({len(op_cases(np.random.default_rng(1)))} op cases x {args.op_draws} draws, {args.examples} random graphs, "
          f"{time.perf_counter() - t0:.1f} s)")
    for name in CHECKS:
        print(f"  {name:12s} {'pass' if results[name] is None else 'FAIL: ' + results[name]}"
              f"   ({stats['seconds'][name]:.2f} s)")
        if results[name] is not None:
            failures.append(f"solution fails {name}: {results[name]}")
    if "fit_linear" in stats:
        ok, n, times = stats["fit_linear"]
        print(f"  fit_linear recovery (3000 epochs from zero, tolerance 1e-3): {ok}/{n} draws, "
              f"{np.median(times):.2f} s median, {max(times):.2f} s max per call")
    if "fit_challenge" in stats:
        ok, n, times, worst = stats["fit_challenge"]
        print(f"  fit_challenge recovery (tolerance 0.01): {ok}/{n} draws, worst error {worst:.2g}, "
              f"{np.median(times):.2f} s median, {max(times):.2f} s max per call")

    print("\n== 3. the bug variants")
    global SHRINK
    SHRINK = False
    table = []
    for variant in BUGS:
        t0 = time.perf_counter()
        notebook = variant_notebook(variant)
        bug_stats: dict = {}
        try:
            bug_results = run_checks(load_namespace(notebook), 2, args.bug_examples, args.bug_draws, bug_stats)
        except Exception:  # noqa: BLE001 - the variant's code does not even load
            traceback.print_exc()
            bug_results = {name: "the notebook's definitions do not run" for name in CHECKS}
        visible = visible_checks_failing(notebook)
        caught = {name for name, message in bug_results.items() if message is not None}
        expected = EXPECTED.get(variant.name, set())
        ok = expected <= caught and bool(expected)
        table.append((variant, bug_results, visible, ok))
        if not ok:
            failures.append(f"{variant.name}: expected to fail {sorted(expected)}, failed {sorted(caught)}")
        print(f"\n{variant.name}: {variant.description} ({time.perf_counter() - t0:.1f} s)")
        for name in CHECKS:
            if bug_results[name] is not None:
                print(f"    {name:12s} {bug_results[name]}")
        if bug_stats.get("op_failures"):
            cases = [f.split(":")[0] for f in bug_stats["op_failures"]]
            print(f"    failing op cases ({len(cases)}): " + textwrap.shorten(", ".join(cases), 400))
        print(f"    visible checks failing: {', '.join(visible) or 'none'}")

    print("\n== summary (x = the check fails; a bug must fail the checks marked in 'expected')\n")
    header = f"{'variant':38s} " + " ".join(f"{n[:11]:>11s}" for n in CHECKS) + "  caught  visible checks failing"
    print(header)
    print("-" * len(header))
    row = " ".join(f"{'pass' if results[n] is None else 'FAIL':>11s}" for n in CHECKS)
    print(f"{'solution':38s} {row}  {'-':6s}  -")
    for variant, bug_results, visible, ok in table:
        expected = EXPECTED.get(variant.name, set())
        cells = []
        for name in CHECKS:
            mark = "x" if bug_results[name] is not None else "."
            cells.append(f"{(mark + '*') if name in expected else mark:>11s}")
        print(f"{variant.name:38s} {' '.join(cells)}  {'yes' if ok else 'NO':6s}  {', '.join(visible) or 'none'}")
    print("\n(* = expected to fail for this bug)")
    if failures:
        print("\nPROBLEMS:")
        for f in failures:
            print("  - " + f)
        return 1
    print("\nAll good: the solution passes every check and every bug is caught by its expected checks.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
