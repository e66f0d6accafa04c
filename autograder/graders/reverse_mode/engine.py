"""The reverse-mode engine as the graders see it: the op classes (one table
feeding the op tests), random computation graphs written once and run both
in the student's engine (through handles) and in torch, and readers for the
student's Tensors."""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from hypothesis import strategies as st

from autograder.grading.compare import kind_of
from autograder.grading.reference import tensor
from autograder.sandbox.handles import Remote


@dataclass(frozen=True)
class OpCase:
    """One op, its parameter, the shapes of its inputs and what torch computes."""

    op: str
    shapes: tuple[tuple[int, ...], ...]
    torch_fn: Callable[..., torch.Tensor]
    param: Any = None  # the constructor's argument (scalar, axes or shape); None: constructed without one
    positive: bool = False  # inputs drawn > 0 (log, fractional powers)
    label: str = ""

    def __str__(self) -> str:
        arg = "" if self.param is None else repr(self.param)
        shapes = " and ".join(str(s) for s in self.shapes)
        return self.label or f"{self.op}({arg}) on {shapes}"

    def draw(self, rng: np.random.Generator) -> list[np.ndarray]:
        """Inputs away from where the op is undefined: a denominator of either
        sign but at least 0.5 in size, positive inputs where asked."""
        values = [rng.uniform(-1.5, 1.5, shape) for shape in self.shapes]
        if self.op == "EWiseDiv":
            values[1] = rng.uniform(0.5, 2.0, self.shapes[1]) * rng.choice([-1.0, 1.0], self.shapes[1])
        elif self.positive:
            values = [rng.uniform(0.5, 2.0, shape) for shape in self.shapes]
        return values

    def build(self, student):
        cls = getattr(student, self.op)
        return cls() if self.param is None else cls(self.param)


def _sum(axes):
    return lambda a: a.sum() if axes is None else a.sum(dim=axes)


def _transpose(axes):
    return lambda a: a.transpose(-1, -2) if axes is None else a.transpose(*axes)


OP_CASES = [
    OpCase("EWiseAdd", ((3, 4), (3, 4)), lambda a, b: a + b),
    OpCase("EWiseMul", ((3, 4), (3, 4)), lambda a, b: a * b),
    OpCase("EWiseDiv", ((3, 4), (3, 4)), lambda a, b: a / b),
    OpCase("AddScalar", ((2, 3),), lambda a: a + 1.7, 1.7),
    OpCase("MulScalar", ((2, 3),), lambda a: a * -2.3, -2.3),
    OpCase("DivScalar", ((2, 3),), lambda a: a / 0.6, 0.6),
    OpCase("PowerScalar", ((4,),), lambda a: a ** 3, 3),
    OpCase("PowerScalar", ((2, 3),), lambda a: a ** 2.5, 2.5, positive=True),
    OpCase("PowerScalar", ((3,),), lambda a: a ** -1.5, -1.5, positive=True),
    OpCase("Negate", ((2, 3),), lambda a: -a),
    OpCase("Exp", ((2, 3),), torch.exp),
    OpCase("Log", ((5,),), torch.log, positive=True),
    OpCase("Cos", ((2, 3),), torch.cos),
    OpCase("Sin", ((2, 3),), torch.sin),
    OpCase("MatMul", ((3, 4), (4, 2)), torch.matmul, label="MatMul() on (3, 4) @ (4, 2)"),
    OpCase("MatMul", ((2, 3, 4), (4, 5)), torch.matmul, label="MatMul() on a stack (2, 3, 4) @ (4, 5)"),
    OpCase("MatMul", ((3, 4), (2, 4, 5)), torch.matmul, label="MatMul() on (3, 4) @ a stack (2, 4, 5)"),
    OpCase("MatMul", ((2, 1, 3, 4), (5, 4, 2)), torch.matmul,
           label="MatMul() with broadcast batch dimensions (2, 1, 3, 4) @ (5, 4, 2)"),
    OpCase("Summation", ((2, 3, 4),), _sum(None), None, label="Summation() of all axes, on (2, 3, 4)"),
    OpCase("Summation", ((2, 3, 4),), _sum(2), 2, label="Summation(2) over the last axis, on (2, 3, 4)"),
    OpCase("Summation", ((2, 3, 4),), _sum(0), 0),
    OpCase("Summation", ((3, 3),), _sum(0), 0, label="Summation(0) on (3, 3), two axes of equal size"),
    OpCase("Summation", ((2, 3, 4),), _sum((0, 2)), (0, 2)),
    OpCase("Summation", ((2, 3, 4),), _sum(-1), -1, label="Summation(-1) on (2, 3, 4), a negative axis"),
    OpCase("Summation", ((2, 3, 4),), _sum((-3, -2)), (-3, -2),
           label="Summation((-3, -2)) on (2, 3, 4), negative axes in a tuple"),
    OpCase("BroadcastTo", ((3,),), lambda a: torch.broadcast_to(a, (2, 3)), (2, 3),
           label="BroadcastTo((2, 3)) of (3,), a new leading axis"),
    OpCase("BroadcastTo", ((3, 1),), lambda a: torch.broadcast_to(a, (3, 4)), (3, 4),
           label="BroadcastTo((3, 4)) of (3, 1), an expanded axis"),
    OpCase("BroadcastTo", ((1, 3),), lambda a: torch.broadcast_to(a, (2, 4, 3)), (2, 4, 3),
           label="BroadcastTo((2, 4, 3)) of (1, 3), a new axis and an expanded one"),
    OpCase("BroadcastTo", ((1, 1),), lambda a: torch.broadcast_to(a, (3, 3)), (3, 3),
           label="BroadcastTo((3, 3)) of (1, 1), two expanded axes"),
    OpCase("BroadcastTo", ((4,),), lambda a: torch.broadcast_to(a, (2, 3, 4)), (2, 3, 4),
           label="BroadcastTo((2, 3, 4)) of (4,), two new leading axes"),
    OpCase("BroadcastTo", ((3, 1, 4),), lambda a: torch.broadcast_to(a, (2, 3, 5, 4)), (2, 3, 5, 4),
           label="BroadcastTo((2, 3, 5, 4)) of (3, 1, 4), a new axis and a size-1 axis in the middle"),
    OpCase("Reshape", ((2, 3, 4),), lambda a: a.reshape(6, 4), (6, 4)),
    OpCase("Reshape", ((6,),), lambda a: a.reshape(2, 3), (2, 3)),
    OpCase("Transpose", ((2, 3, 4),), _transpose(None), None, label="Transpose() of the last two axes, on (2, 3, 4)"),
    OpCase("Transpose", ((2, 3, 4),), _transpose((0, 2)), (0, 2)),
    OpCase("Transpose", ((2, 3, 3),), _transpose((1, 2)), (1, 2),
           label="Transpose((1, 2)) on (2, 3, 3), two axes of equal size"),
]


@dataclass(frozen=True)
class SumToShapeCase:
    """sum_to_shape(t, shape) of a t of shape `source`: the sum over the axes broadcasting added or expanded."""

    source: tuple[int, ...]
    shape: tuple[int, ...]
    label: str

    def __str__(self) -> str:
        return f"sum_to_shape of {self.source} to {self.shape}, {self.label}"

    def expected(self, value: np.ndarray) -> np.ndarray:
        lead = len(self.source) - len(self.shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(self.shape)
                                          if n == 1 and self.source[lead + i] != 1)
        return value.sum(axis=axes).reshape(self.shape)


SUM_TO_SHAPE_CASES = [
    SumToShapeCase((2, 3, 4), (3, 4), "a new leading axis"),
    SumToShapeCase((3, 4), (3, 1), "an expanded last axis"),
    SumToShapeCase((2, 3, 3), (1, 3), "a new axis and an expanded one, of equal sizes"),
    SumToShapeCase((2, 3, 5, 4), (3, 1, 4), "a new axis and a size-1 axis in the middle"),
]


def value_of(t, what: str) -> Any:
    """The numpy value of one of the student's Tensors."""
    if not isinstance(t, Remote):
        raise AssertionError(f"{what} should be a Tensor, got {kind_of(t)}")
    return t.value


def make(student, value: np.ndarray, requires_grad: bool = True):
    return student.Tensor(np.asarray(value, dtype=np.float64), requires_grad=requires_grad)


# -- random computation graphs ---------------------------------------------------
# A graph is drawn as steps, each making one node of the graph's shape from the node before it
# (and, for a binary step, any earlier node: reused nodes and diamonds). Every draw holds every
# kind of step once at least, with its kind of parameter, so that every student meets the same
# kinds of cases; hypothesis draws the order, the extra steps, the inputs and the values.
SHAPES = ((2, 3), (3, 2), (3, 4), (4, 3))  # two distinct sizes >= 2: a transpose or an axis always matters
UNARY = ("neg", "sin", "cos", "scale", "shift", "divide", "sum_int", "sum_tuple", "sum_all", "transpose",
         "swap_axes", "matmul")
BINARY = ("add", "mul", "sub")
REQUIRED = UNARY + BINARY
PARAMS = {"scale": (-2.0, -0.7, 0.5, 1.5), "shift": (-1.5, -0.4, 0.6, 2.0), "divide": (-2.5, -0.8, 0.6, 1.6),
          "sum_int": (0, 1, -1, -2), "sum_tuple": ((0, 1), (0,), (-1,), (0, -1), (-2, 1)),
          "swap_axes": ((0, 1), (1, 0), (-1, -2))}
GRAPH_OPS = ("Negate", "Sin", "Cos", "MulScalar", "AddScalar", "DivScalar", "EWiseAdd", "EWiseMul", "Summation",
             "Reshape", "BroadcastTo", "Transpose", "MatMul")  # the ops every drawn graph uses


@dataclass(frozen=True)
class Graph:
    """A program: `leaves` input tensors of `shape`, then steps (kind, inputs, parameter), each making
    one new node v{k}; the last node is the output."""

    leaves: int
    shape: tuple[int, ...]
    steps: tuple[tuple[str, tuple[int, ...], Any], ...]

    def describe(self) -> str:
        parts = [f"v0..v{self.leaves - 1} leaves of shape {self.shape}" if self.leaves > 1
                 else f"v0 a leaf of shape {self.shape}"]
        for k, (kind, ins, param) in enumerate(self.steps, start=self.leaves):
            a, b = f"v{ins[0]}", f"v{ins[-1]}"
            text = {"neg": f"-{a}", "sin": f"sin({a})", "cos": f"cos({a})", "scale": f"{param} * {a}",
                    "shift": f"{a} + {param}", "divide": f"{a} / {param}",
                    "sum_int": f"broadcast_to(sum({a}, axes={param}) as {kept_shape(self.shape, param)})",
                    "sum_tuple": f"broadcast_to(sum({a}, axes={param}) as {kept_shape(self.shape, param)})",
                    "sum_all": f"broadcast_to(sum({a}) as {kept_shape(self.shape, None)})",
                    "transpose": f"reshape(transpose({a}), {self.shape})",
                    "swap_axes": f"reshape(transpose({a}, {param}), {self.shape})",
                    "matmul": f"{a} @ w{k} (w{k} a leaf of shape {matrix_shape(self.shape)})",
                    "add": f"{a} + {b}", "mul": f"{a} * {b}", "sub": f"{a} - {b}"}[kind]
            parts.append(f"v{k} = {text}")
        return "; ".join(parts) + f"; the output is v{self.leaves + len(self.steps) - 1}"

    def seed(self, base: int) -> int:
        return zlib.crc32(repr((base, self)).encode())


def kept_shape(shape: tuple[int, ...], axes) -> tuple[int, ...]:
    """`shape` with the summed `axes` (None: all; negative ones count from the end) as axes of size 1."""
    summed = range(len(shape)) if axes is None else [a % len(shape) for a in np.atleast_1d(axes)]
    return tuple(1 if i in summed else n for i, n in enumerate(shape))


def matrix_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    return (shape[-1], shape[-1])


@st.composite
def graphs(draw, max_extra: int = 6) -> Graph:
    """Every kind of step once (in a drawn order) and up to `max_extra` more; each step's first input
    is the node before it, so every step reaches the output."""
    leaves = draw(st.integers(1, 3))
    shape = draw(st.sampled_from(SHAPES))
    extra = draw(st.lists(st.sampled_from(REQUIRED), max_size=max_extra))
    steps = []
    for kind in draw(st.permutations(REQUIRED + tuple(extra))):
        count = leaves + len(steps)
        inputs = (count - 1, draw(st.integers(0, count - 1))) if kind in BINARY else (count - 1,)
        param = draw(st.sampled_from(PARAMS[kind])) if kind in PARAMS else None
        steps.append((kind, inputs, param))
    return Graph(leaves, shape, tuple(steps))


@st.composite
def rooted_graphs(draw) -> tuple[Graph, tuple[int, ...]]:
    """A graph and the roots given to find_topo_sort: the output and one or two of its ancestors
    (positions in the graph's program: every node from the last leaf on is one), in a drawn order."""
    graph = draw(graphs(max_extra=3))
    count = len(program(graph))
    inner = draw(st.lists(st.integers(graph.leaves - 1, count - 2), min_size=1, max_size=2, unique=True))
    return graph, tuple(draw(st.permutations([count - 1, *inner])))


@dataclass(frozen=True)
class Node:
    """One node of a graph's program: a leaf (op None) of `shape`, or an op on earlier nodes."""

    op: str | None
    param: Any
    inputs: tuple[int, ...]
    shape: tuple[int, ...]
    step: int  # the graph's node v{step} this node makes, or is made for


def program(graph: Graph) -> list[Node]:
    """The graph as the ops it runs, one node each: what both the student's engine and torch build."""
    shape = graph.shape
    nodes = [Node(None, None, (), shape, k) for k in range(graph.leaves)]
    positions = list(range(graph.leaves))  # the graph's node -> its position in the program

    def add(k: int, op: str | None, param, *inputs: int, leaf_shape=shape) -> int:
        nodes.append(Node(op, param, inputs, leaf_shape, k))
        return len(nodes) - 1

    for k, (kind, ins, param) in enumerate(graph.steps, start=graph.leaves):
        a = positions[ins[0]]
        if kind in ("sum_int", "sum_tuple", "sum_all"):
            summed = add(k, "Summation", param, a)
            last = add(k, "BroadcastTo", shape, add(k, "Reshape", kept_shape(shape, param), summed))
        elif kind in ("transpose", "swap_axes"):
            last = add(k, "Reshape", shape, add(k, "Transpose", param, a))
        elif kind == "matmul":
            last = add(k, "MatMul", None, a, add(k, None, None, leaf_shape=matrix_shape(shape)))
        elif kind == "sub":
            last = add(k, "EWiseAdd", None, a, add(k, "Negate", None, positions[ins[1]]))
        elif kind in BINARY:
            last = add(k, {"add": "EWiseAdd", "mul": "EWiseMul"}[kind], None, a, positions[ins[1]])
        else:
            last = add(k, {"neg": "Negate", "sin": "Sin", "cos": "Cos", "scale": "MulScalar", "shift": "AddScalar",
                           "divide": "DivScalar"}[kind], param, a)
        positions.append(last)
    return nodes


def node_names(graph: Graph, nodes: list[Node]) -> list[str]:
    """How a message names each node of the program: v{k}, w{k}, or an op inside v{k}."""
    last = {node.step: position for position, node in enumerate(nodes)}
    names = []
    for position, node in enumerate(nodes):
        if node.op is None:
            names.append(f"v{node.step}" if node.step < graph.leaves else f"w{node.step}")
        elif last[node.step] == position:
            names.append(f"v{node.step}")
        else:
            names.append(f"the {node.op} node inside v{node.step}")
    return names


def draw_values(graph: Graph, base_seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    """A value for every leaf of the program (matrices scaled to keep values moderate) and an
    upstream gradient, fixed for a given graph and test seed."""
    rng = np.random.default_rng(graph.seed(base_seed))
    values = [rng.uniform(-1.5, 1.5, node.shape) if node.step < graph.leaves
              else rng.uniform(-1.5, 1.5, node.shape) / node.shape[0]
              for node in program(graph) if node.op is None]
    return _moderate(graph, values), rng.normal(0.0, 1.5, graph.shape)


MODERATE = 50.0  # largest |value| of any node: beyond it, sin and cos of a huge number differ with summation order


def _moderate(graph: Graph, leaves: list[np.ndarray]) -> list[np.ndarray]:
    """The leaves halved until no node of the program exceeds MODERATE, so that a correct engine
    agrees with torch on every draw (chains of products can otherwise reach 1e10, where sin and
    cos amplify round-off); the kinds of steps stay the same, only the values shrink."""
    for _ in range(60):
        values, built = iter(leaves), []
        with torch.no_grad():
            for node in program(graph):
                built.append(tensor(next(values)) if node.op is None else
                             TORCH_OPS[node.op](node.param, *[built[i] for i in node.inputs]))
        if max(float(t.abs().max()) for t in built) <= MODERATE:
            return leaves
        leaves = [v / 2 for v in leaves]
    return leaves


TORCH_OPS: dict[str, Callable[..., torch.Tensor]] = {
    "Negate": lambda p, a: -a, "Sin": lambda p, a: torch.sin(a), "Cos": lambda p, a: torch.cos(a),
    "MulScalar": lambda p, a: a * p, "AddScalar": lambda p, a: a + p, "DivScalar": lambda p, a: a / p,
    "EWiseAdd": lambda p, a, b: a + b, "EWiseMul": lambda p, a, b: a * b, "MatMul": lambda p, a, b: a @ b,
    "Summation": lambda p, a: a.sum() if p is None else a.sum(dim=p),
    "Reshape": lambda p, a: a.reshape(p), "BroadcastTo": lambda p, a: torch.broadcast_to(a, p),
    "Transpose": lambda p, a: a.transpose(-1, -2) if p is None else a.transpose(*p),
}


def torch_adjoints(graph: Graph, leaves: list[np.ndarray], upstream: np.ndarray) -> list[np.ndarray | None]:
    """The adjoint of every node of the program (d <upstream, output> / d node) by torch.autograd,
    retain_grad on the inner nodes; None for a node the output does not depend on."""
    values, built = iter(leaves), []
    for node in program(graph):
        if node.op is None:
            built.append(tensor(next(values), requires_grad=True))
        else:
            built.append(TORCH_OPS[node.op](node.param, *[built[i] for i in node.inputs]))
            built[-1].retain_grad()
    built[-1].backward(tensor(upstream))
    return [None if t.grad is None else t.grad.numpy() for t in built]


@dataclass
class StudentGraph:
    """The same program built through the op classes of a view of the student process: `created`
    holds each node, `inputs` their inputs' positions."""

    student: Any
    graph: Graph
    created: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    ops: dict = field(default_factory=dict)

    def _op(self, name: str, param):
        key = (name, repr(param))
        if key not in self.ops:
            cls = getattr(self.student, name)
            self.ops[key] = cls() if param is None else cls(param)
        return self.ops[key]

    def build(self, leaves: list[np.ndarray]) -> "StudentGraph":
        values = iter(leaves)
        for node in program(self.graph):
            if node.op is None:
                self.created.append(make(self.student, next(values)))
            else:
                self.created.append(self._op(node.op, node.param)(*[self.created[i] for i in node.inputs]))
            self.inputs.append(node.inputs)
        return self

    @property
    def output(self):
        return self.created[-1]

    def reachable(self, roots: tuple[int, ...]) -> set[int]:
        """Positions of the nodes the `roots` depend on (the roots included)."""
        found, todo = set(), list(roots)
        while todo:
            position = todo.pop()
            if position not in found:
                found.add(position)
                todo.extend(self.inputs[position])
        return found


def grad_of(node, what: str):
    """The .grad of one of the student's nodes: a Tensor after a backward pass."""
    grad = node.grad
    if grad is None:
        raise AssertionError(f"{what} is None: compute_gradients should set .grad of every node of the graph "
                             "(the leaves and the nodes inside it)")
    return value_of(grad, what)
