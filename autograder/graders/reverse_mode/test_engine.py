"""The engine: find_topo_sort and compute_gradients on random graphs (reused
nodes, diamonds, long chains) against torch, second derivatives through a
backward of a gradient, and two graphs that do not disturb each other."""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest
import torch

from autograder.grading.compare import assert_close, kind_of, show
from autograder.grading.marks import points, time_limit, title
from autograder.grading.reference import tensor
from autograder.graders.properties import check_examples
from autograder.graders.reverse_mode.engine import (Graph, StudentGraph, draw_values, graphs, make,
                                                     torch_gradients, value_of)
from autograder.sandbox.errors import StudentError


def _seed(rng) -> int:
    return int(rng.integers(2**31))


@contextmanager
def on_graph(graph: Graph):
    """An error raised by the student's code names the graph it happened on."""
    try:
        yield
    except StudentError as exc:
        raise AssertionError(f"on the graph {graph.describe()}: {exc}\n{exc.traceback}".strip()) from None


@points(1)
@time_limit(20)
@title("find_topo_sort: every node once, each after its inputs (random graph {draw})")
@pytest.mark.parametrize("draw", [0, 1, 2])
def test_topo_sort(student, rng, draw):
    base = _seed(rng)

    def check(graph: Graph) -> None:
        leaves, _ = draw_values(graph, base)
        with on_graph(graph):
            built = StudentGraph(student, graph).build(leaves)
            order = student.find_topo_sort([built.nodes[-1]])
        if not isinstance(order, list):
            raise AssertionError(f"find_topo_sort should return a list of Tensors, got {kind_of(order)}")
        ids = {node._id: position for position, (node, _) in enumerate(built.created)}
        try:
            positions = [ids[node._id] for node in order]
        except (AttributeError, KeyError):
            raise AssertionError(f"find_topo_sort returned something that is not a node of the graph "
                                 f"({graph.describe()})") from None
        described = f"for the graph {graph.describe()}, find_topo_sort returned {len(positions)} nodes"
        assert len(set(positions)) == len(positions), f"{described}: a node appears twice"
        assert set(positions) == built.reachable(), f"{described}, not the {len(built.reachable())} it depends on"
        seen = set()
        for position in positions:
            missing = [i for i in built.created[position][1] if i not in seen]
            assert not missing, f"{described}: a node comes before one of its inputs"
            seen.add(position)

    check_examples(graphs(max_steps=14), base, 15, check)


@points(3)
@time_limit(30)
@title("compute_gradients on random graphs (reused nodes, diamonds, chains) against torch.autograd ({draw})")
@pytest.mark.parametrize("draw", [0, 1])
def test_random_graphs(student, rng, draw):
    base = _seed(rng)

    def check(graph: Graph) -> None:
        leaves, upstream = draw_values(graph, base)
        expected = torch_gradients(graph, leaves, upstream)
        with on_graph(graph):
            built = StudentGraph(student, graph).build(leaves)
            built.nodes[-1].backward(make(student, upstream, requires_grad=False))
        for index, want in enumerate(expected):
            if want is None:
                continue
            what = f"v{index}.grad"
            got = value_of(built.nodes[index].grad, f"{what} after backward")
            assert_close(got, want, what, f"the graph {graph.describe()}, leaves {show(np.array(leaves))}, "
                                          f"out_grad = {show(upstream)}")

    check_examples(graphs(), base, 20, check)


SECOND = {  # name: (function written once for torch tensors and the student's Tensors, input shapes, positive)
    "x ** 3 at x = 2 (the course's example)": (lambda x: x ** 3, [()], False),
    "sum(sin(x) * x ** 2)": (lambda x: (x.sin() * x ** 2).sum(), [(4,)], False),
    "sum(exp(x) * y * y)": (lambda x, y: (x.exp() * y * y).sum(), [(3,), (3,)], False),
    "sum(log(x) * cos(x))": (lambda x: (x.log() * x.cos()).sum(), [(5,)], True),
    "sum((x @ w) ** 2)": (lambda x, w: ((x @ w) ** 2).sum(), [(3, 2), (2, 1)], False),
}


@points(1.5)
@time_limit(20)
@title("second derivatives: backward through the gradient of {name}")
@pytest.mark.parametrize("name", SECOND)
def test_second_derivatives(student, rng, name):
    function, shapes, positive = SECOND[name]
    if shapes == [()]:
        values = [np.array(2.0)]
    else:
        values = [rng.uniform(0.5, 2.0, s) if positive else rng.uniform(-1.5, 1.5, s) for s in shapes]
    leaves_t = [tensor(v, requires_grad=True) for v in values]
    (gradient,) = torch.autograd.grad(function(*leaves_t), leaves_t[0], create_graph=True)
    direction = np.ones(()) if shapes == [()] else rng.normal(0.0, 1.5, shapes[0])
    expected = torch.autograd.grad(gradient, leaves_t, tensor(direction))
    leaves = [make(student, v) for v in values]
    function(*leaves).backward()
    first = leaves[0].grad
    value_of(first, "x.grad after the first backward")  # a Tensor, with a graph behind it
    first.backward(make(student, direction, requires_grad=False))
    inputs = ", ".join(f"input {i} = {show(v)}" for i, v in enumerate(values)) + f", direction = {show(direction)}"
    for index, want in enumerate(expected):
        what = f"input {index}.grad after backward through x.grad of {name}"
        assert_close(value_of(leaves[index].grad, what), want.numpy(), what, inputs)


@points(2)
@time_limit(20)
@title("a second backward sets new gradients (not added to the first), and inputs stay unchanged")
def test_independent_graphs(student, sandbox, rng):
    x_value, z_value = rng.uniform(-1.5, 1.5, (2, 3)), rng.uniform(-1.5, 1.5, (3,))
    given = sandbox.inputs(x=x_value, z=z_value)
    x, z = student.Tensor(given.x), student.Tensor(given.z)
    (x * x).sum().backward()
    (z.exp() * 2.0).sum().backward()
    (x.sin() * 3.0).sum().backward()
    context = f"x = {show(x_value)}, z = {show(z_value)}: sum(x * x).backward(), sum(2 * exp(z)).backward(), " \
              f"then sum(3 * sin(x)).backward()"
    assert_close(value_of(x.grad, "x.grad"), 3 * np.cos(x_value), "x.grad after the last backward (only its graph)",
                 context)
    assert_close(value_of(z.grad, "z.grad"), 2 * np.exp(z_value), "z.grad (untouched by the other graphs)", context)
    given.check_unchanged("Tensor(...) and backward")
    assert_close(value_of(x, "x"), x_value, "x.value after the backward calls (a gradient must not change it)",
                 context, rtol=0, atol=0)
