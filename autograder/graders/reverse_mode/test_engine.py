"""The engine: find_topo_sort (one root and several) and compute_gradients on
random graphs against torch, each with the reference ops; second derivatives,
the only tests here that use the student's ops and compute_gradients together;
and two graphs that do not disturb each other."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
import torch

from autograder.grading.compare import assert_close, kind_of, show
from autograder.grading.marks import points, title
from autograder.grading.reference import tensor
from autograder.graders.properties import check_examples
from autograder.graders.reverse_mode.engine import (Graph, StudentGraph, draw_values, grad_of, graphs, make,
                                                     node_names, program, rooted_graphs, torch_adjoints,
                                                     value_of)
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


def _check_order(view, graph: Graph, roots: tuple[int, ...], base: int) -> None:
    """find_topo_sort of the nodes at `roots`: every node they depend on, once, each after its inputs."""
    leaves, _ = draw_values(graph, base)
    names = node_names(graph, program(graph))
    call = f"find_topo_sort([{', '.join(names[r] for r in roots)}])"
    with on_graph(graph):
        built = StudentGraph(view, graph).build(leaves)
        order = view.find_topo_sort([built.created[r] for r in roots])
    if not isinstance(order, list):
        raise AssertionError(f"{call} should return a list of Tensors, got {kind_of(order)}")
    ids = {node._id: position for position, node in enumerate(built.created)}
    try:
        positions = [ids[node._id] for node in order]
    except (AttributeError, KeyError):
        raise AssertionError(f"{call} returned something that is not a node of the graph "
                             f"({graph.describe()})") from None
    described = f"on the graph {graph.describe()}, {call} returned {len(positions)} nodes"
    repeated = sorted({names[p] for p in positions if positions.count(p) > 1})
    if repeated:
        raise AssertionError(f"{described}: {', '.join(repeated)} more than once (each node should appear once)")
    wanted = built.reachable(roots)
    if set(positions) != wanted:
        missing = [names[p] for p in sorted(wanted - set(positions))]
        raise AssertionError(f"{described}, not the {len(wanted)} the roots depend on"
                             + (f" (missing: {', '.join(missing)})" if missing else ""))
    seen = set()
    for position in positions:
        early = [names[i] for i in built.inputs[position] if i not in seen]
        if early:
            raise AssertionError(f"{described}: {names[position]} comes before its input {early[0]}")
        seen.add(position)


@points(1)
@title("your find_topo_sort on random graphs, from their output: every node once, each after its inputs "
       "(reference ops; draw {draw})")
@pytest.mark.parametrize("draw", [0, 1])
def test_topo_sort(units, rng, draw):
    base, own = _seed(rng), units("find_topo_sort")
    check_examples(graphs(max_extra=3), base, 6,
                   lambda graph: _check_order(own, graph, (len(program(graph)) - 1,), base))


@points(1)
@title("your find_topo_sort with several roots, one an ancestor of another: every node once, "
       "each after its inputs (reference ops)")
def test_topo_sort_several_roots(units, rng):
    base, own = _seed(rng), units("find_topo_sort")
    check_examples(rooted_graphs(), base, 6, lambda example: _check_order(own, *example, base))


@points(3)
@title("your compute_gradients on random graphs (every op, reused nodes, diamonds, chains): the .grad of every "
       "node against torch.autograd (reference ops and find_topo_sort; draw {draw})")
@pytest.mark.parametrize("draw", [0, 1])
def test_random_graphs(units, rng, draw):
    base, own = _seed(rng), units("compute_gradients")

    def check(graph: Graph) -> None:
        leaves, upstream = draw_values(graph, base)
        expected = torch_adjoints(graph, leaves, upstream)
        names = node_names(graph, program(graph))
        with on_graph(graph):
            built = StudentGraph(own, graph).build(leaves)
            built.output.backward(make(own, upstream, requires_grad=False))
        context = (f"the graph {graph.describe()}, leaves {', '.join(show(v) for v in leaves)}, "
                   f"out_grad = {show(upstream)}")
        for position, want in enumerate(expected):
            if want is not None:
                what = f"{names[position]}.grad after backward"
                assert_close(grad_of(built.created[position], what), want, what, context)

    check_examples(graphs(), base, 6, check)


@dataclass(frozen=True)
class Second:
    """A function written once for torch tensors and the student's Tensors, its input shapes and the ops it uses."""

    function: Callable
    shapes: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]
    names: tuple[str, ...] = ("x", "y")
    positive: bool = False


SECOND = {  # no final sum: the first backward takes a random upstream gradient of the output's shape
    "sin(x) * exp(x) * y * y": Second(lambda x, y: x.sin() * x.exp() * y * y, ((4,), (4,)), ("Sin", "Exp", "EWiseMul")),
    "log(x) * cos(x)": Second(lambda x: x.log() * x.cos(), ((5,),), ("Log", "Cos", "EWiseMul"), positive=True),
    "(broadcast_to(x, (3, 4)) * y) ** 2": Second(lambda x, y: (x.broadcast_to((3, 4)) * y) ** 2, ((4,), (3, 4)),
                                                 ("BroadcastTo", "EWiseMul", "PowerScalar")),
    "sum(reshape(x, (3, 2)) @ w, -1) ** 3": Second(lambda x, w: (x.reshape((3, 2)) @ w).sum(-1) ** 3,
                                                   ((6,), (2, 4)), ("Reshape", "MatMul", "Summation", "PowerScalar"),
                                                   names=("x", "w")),
    "sum(x * x, (0, -1)) ** 2": Second(lambda x: (x * x).sum((0, -1)) ** 2, ((2, 3, 4),),
                                       ("EWiseMul", "Summation", "PowerScalar")),
}
JOINT = "uses your ops and compute_gradients together"


@points(1.25)
@title("second derivatives: backward through x.grad of {name}, random upstream and direction ("
       + JOINT + ")")
@pytest.mark.parametrize("name", SECOND)
def test_second_derivatives(units, rng, name):
    spec = SECOND[name]
    values = [rng.uniform(0.5, 2.0, s) if spec.positive else rng.uniform(-1.5, 1.5, s) for s in spec.shapes]
    leaves_t = [tensor(v, requires_grad=True) for v in values]
    output = spec.function(*leaves_t)
    upstream, direction = rng.normal(0.0, 1.5, tuple(output.shape)), rng.normal(0.0, 1.5, spec.shapes[0])
    (gradient,) = torch.autograd.grad(output, leaves_t[0], tensor(upstream), create_graph=True)
    expected = torch.autograd.grad(gradient, leaves_t, tensor(direction), allow_unused=True)
    inputs = ", ".join(f"{n} = {show(v)}" for n, v in zip(spec.names, values)) + \
        f", out_grad = {show(upstream)}, then x.grad.backward({show(direction)})"

    def check(view) -> None:
        leaves = [make(view, v) for v in values]
        spec.function(*leaves).backward(make(view, upstream, requires_grad=False))
        grad_of(leaves[0], "x.grad after the first backward")  # a Tensor, with a graph behind it
        leaves[0].grad.backward(make(view, direction, requires_grad=False))
        for leaf_name, leaf, want in zip(spec.names, leaves, expected):
            if want is not None:
                what = f"{leaf_name}.grad after backward through x.grad of {name}"
                assert_close(grad_of(leaf, what), want.numpy(), what, inputs)

    units.joint(check, spec.ops + ("compute_gradients",))


@points(1.25)
@title("the course's example x ** 3 at a drawn x (not 2, where f' = f''): its first, second and third derivatives, "
       "random upstream gradients (" + JOINT + ")")
def test_cube_derivatives(units, rng):
    x_value = float(rng.uniform(0.4, 1.6) * rng.choice([-1.0, 1.0]))
    u, d, e = (float(rng.uniform(0.5, 1.5) * rng.choice([-1.0, 1.0])) for _ in range(3))
    steps = (("x.grad after (x ** 3).backward(u)", 3 * x_value ** 2 * u, u),
             ("x.grad after backward(d) through that x.grad", 6 * x_value * u * d, d),
             ("x.grad after backward(e) through that x.grad (the third derivative)", 6 * u * d * e, e))
    inputs = f"x = {x_value:.6g}, u = {u:.6g}, d = {d:.6g}, e = {e:.6g}"

    def check(view) -> None:
        x = make(view, np.array(x_value))
        node = x ** 3
        for what, want, upstream in steps:
            node.backward(make(view, np.array(upstream), requires_grad=False))
            assert_close(grad_of(x, what), np.array(want), what, inputs)
            node = x.grad

    units.joint(check, ("PowerScalar", "compute_gradients"))


@points(2)
@title("your compute_gradients: a second backward sets new gradients (not added to the first), and inputs "
       "stay unchanged (reference ops)")
def test_independent_graphs(units, sandbox, rng):
    own = units("compute_gradients")
    x_value, z_value = rng.uniform(-1.5, 1.5, (2, 3)), rng.uniform(-1.5, 1.5, (3,))
    given = sandbox.inputs(x=x_value, z=z_value)
    x, z = own.Tensor(given.x), own.Tensor(given.z)
    (x * x).sum().backward()
    (z.exp() * 2.0).sum().backward()
    (x.sin() * 3.0).sum().backward()
    context = f"x = {show(x_value)}, z = {show(z_value)}: sum(x * x).backward(), sum(2 * exp(z)).backward(), " \
              f"then sum(3 * sin(x)).backward()"
    assert_close(grad_of(x, "x.grad"), 3 * np.cos(x_value), "x.grad after the last backward (only its graph)",
                 context)
    assert_close(grad_of(z, "z.grad"), 2 * np.exp(z_value), "z.grad (untouched by the other graphs)", context)
    given.check_unchanged("Tensor(...) and backward")
    assert_close(value_of(x, "x"), x_value, "x.value after the backward calls (a gradient must not change it)",
                 context, rtol=0, atol=0)
