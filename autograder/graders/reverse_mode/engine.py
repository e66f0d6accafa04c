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

from autograder.grading.compare import as_object
from autograder.grading.reference import tensor


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
    OpCase("MatMul", ((2, 3, 4), (4, 5)), torch.matmul, label="MatMul() on a stack: (2, 3, 4) @ (4, 5)"),
    OpCase("MatMul", ((3, 4), (2, 4, 5)), torch.matmul, label="MatMul() on (3, 4) @ a stack (2, 4, 5)"),
    OpCase("MatMul", ((2, 1, 3, 4), (5, 4, 2)), torch.matmul,
           label="MatMul() with broadcast batch dimensions: (2, 1, 3, 4) @ (5, 4, 2)"),
    OpCase("Summation", ((2, 3, 4),), _sum(None), None, label="Summation() of all axes, on (2, 3, 4)"),
    OpCase("Summation", ((2, 3, 4),), _sum((0, 1, 2)), (0, 1, 2)),
    OpCase("Summation", ((2, 3, 4),), _sum(2), 2, label="Summation(2) over the last axis, on (2, 3, 4)"),
    OpCase("Summation", ((2, 3, 4),), _sum(0), 0),
    OpCase("Summation", ((3, 5),), _sum(1), 1),
    OpCase("Summation", ((2, 3, 4),), _sum((0, 2)), (0, 2)),
    OpCase("BroadcastTo", ((3,),), lambda a: torch.broadcast_to(a, (2, 3)), (2, 3),
           label="BroadcastTo((2, 3)) of (3,): a new leading axis"),
    OpCase("BroadcastTo", ((3, 1),), lambda a: torch.broadcast_to(a, (3, 4)), (3, 4),
           label="BroadcastTo((3, 4)) of (3, 1): an expanded axis"),
    OpCase("BroadcastTo", ((1, 3),), lambda a: torch.broadcast_to(a, (2, 4, 3)), (2, 4, 3),
           label="BroadcastTo((2, 4, 3)) of (1, 3): a new axis and an expanded one"),
    OpCase("Reshape", ((2, 3, 4),), lambda a: a.reshape(6, 4), (6, 4)),
    OpCase("Reshape", ((6,),), lambda a: a.reshape(2, 3), (2, 3)),
    OpCase("Transpose", ((2, 3, 4),), _transpose(None), None, label="Transpose() of the last two axes, on (2, 3, 4)"),
    OpCase("Transpose", ((3, 5),), _transpose(None), None, label="Transpose() on (3, 5)"),
    OpCase("Transpose", ((2, 3, 4),), _transpose((0, 2)), (0, 2)),
]


def value_of(t, what: str) -> Any:
    """The numpy value of one of the student's Tensors."""
    return as_object(t, what).value


def make(student, value: np.ndarray, requires_grad: bool = True):
    return student.Tensor(np.asarray(value, dtype=np.float64), requires_grad=requires_grad)


# -- random computation graphs ---------------------------------------------------
UNARY = ("neg", "sin", "cos", "scale", "shift", "sum_back")
BINARY = ("add", "mul", "sub")
SHAPES = ((3,), (2, 3))


@dataclass(frozen=True)
class Graph:
    """A program: `leaves` input tensors of `shape`, then steps (op, inputs,
    parameter), each making one new node; the last node is the output."""

    leaves: int
    shape: tuple[int, ...]
    steps: tuple[tuple[str, tuple[int, ...], float], ...]

    def describe(self) -> str:
        parts = [f"v0..v{self.leaves - 1} leaves of shape {self.shape}" if self.leaves > 1
                 else f"v0 a leaf of shape {self.shape}"]
        for k, (op, ins, param) in enumerate(self.steps, start=self.leaves):
            a = f"v{ins[0]}"
            text = {"neg": f"-{a}", "sin": f"sin({a})", "cos": f"cos({a})", "scale": f"{param:g} * {a}",
                    "shift": f"{a} + {param:g}", "sum_back": f"broadcast_to(sum({a}, last axis))",
                    "add": f"{a} + v{ins[-1]}", "mul": f"{a} * v{ins[-1]}", "sub": f"{a} - v{ins[-1]}"}[op]
            parts.append(f"v{k} = {text}")
        return "; ".join(parts) + f"; the output is v{self.node_count - 1}"

    @property
    def node_count(self) -> int:
        return self.leaves + len(self.steps)

    def pruned(self) -> "Graph":
        """The same graph without the steps the output does not depend on (so
        that a shrunk failing example shows only what matters)."""
        needed, todo = set(), [self.node_count - 1]
        while todo:
            node = todo.pop()
            if node not in needed:
                needed.add(node)
                if node >= self.leaves:
                    todo.extend(self.steps[node - self.leaves][1])
        kept = [k for k in range(self.leaves, self.node_count) if k in needed]
        index = {k: k for k in range(self.leaves)} | {k: self.leaves + i for i, k in enumerate(kept)}
        steps = tuple((op, tuple(index[i] for i in ins), param)
                      for op, ins, param in (self.steps[k - self.leaves] for k in kept))
        return Graph(self.leaves, self.shape, steps)

    def seed(self, base: int) -> int:
        return zlib.crc32(repr((base, self)).encode())


@st.composite
def graphs(draw, max_steps: int = 12) -> Graph:
    leaves = draw(st.integers(1, 3))
    shape = draw(st.sampled_from(SHAPES))
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        count = leaves + len(steps)
        op = draw(st.sampled_from(UNARY + BINARY))
        first = draw(st.integers(0, count - 1))
        inputs = (first, draw(st.integers(0, count - 1))) if op in BINARY else (first,)
        param = draw(st.sampled_from([0.5, -1.5, 2.0])) if op in ("scale", "shift") else 0.0
        steps.append((op, inputs, param))
    return Graph(leaves, shape, tuple(steps)).pruned()


def _apply_torch(op: str, args: list, param: float, shape) -> torch.Tensor:
    a = args[0]
    if op == "sum_back":
        return torch.broadcast_to(a.sum(dim=-1, keepdim=True), shape)
    return {"neg": lambda: -a, "sin": lambda: torch.sin(a), "cos": lambda: torch.cos(a),
            "scale": lambda: a * param, "shift": lambda: a + param, "add": lambda: a + args[-1],
            "mul": lambda: a * args[-1], "sub": lambda: a - args[-1]}[op]()


def torch_gradients(graph: Graph, leaves: list[np.ndarray], upstream: np.ndarray) -> list[np.ndarray | None]:
    """d <upstream, output> / d leaf by torch.autograd (None for a leaf the output does not use)."""
    nodes = [tensor(v, requires_grad=True) for v in leaves]
    for op, ins, param in graph.steps:
        nodes.append(_apply_torch(op, [nodes[i] for i in ins], param, graph.shape))
    grads = torch.autograd.grad(nodes[-1], nodes[:graph.leaves], tensor(upstream), allow_unused=True)
    return [None if g is None else g.numpy() for g in grads]


@dataclass
class StudentGraph:
    """The same program built in the student's engine through the op classes.
    `nodes` are the program's nodes; `created` is every node made, each with
    the positions of its inputs in `created` (a step such as a - b makes two)."""

    student: Any
    graph: Graph
    nodes: list = field(default_factory=list)
    created: list = field(default_factory=list)  # (node, input positions)
    ops: dict = field(default_factory=dict)

    def _apply(self, name: str, param, *inputs: int) -> int:
        key = (name, param)
        if key not in self.ops:
            cls = getattr(self.student, name)
            self.ops[key] = cls() if param is None else cls(param)
        self.created.append((self.ops[key](*[self.created[i][0] for i in inputs]), inputs))
        return len(self.created) - 1

    def build(self, leaves: list[np.ndarray]) -> "StudentGraph":
        shape = self.graph.shape
        for value in leaves:
            self.created.append((make(self.student, value), ()))
        positions = list(range(len(leaves)))  # program node -> position in `created`
        for op, ins, param in self.graph.steps:
            a = positions[ins[0]]
            if op == "sum_back":
                summed = self._apply("Summation", len(shape) - 1, a)
                kept = self._apply("Reshape", shape[:-1] + (1,), summed)
                position = self._apply("BroadcastTo", shape, kept)
            elif op in BINARY:
                b = positions[ins[1]]
                if op == "sub":
                    b = self._apply("Negate", None, b)
                position = self._apply("EWiseAdd" if op in ("add", "sub") else "EWiseMul", None, a, b)
            else:
                name, arg = {"neg": ("Negate", None), "sin": ("Sin", None), "cos": ("Cos", None),
                             "scale": ("MulScalar", param), "shift": ("AddScalar", param)}[op]
                position = self._apply(name, arg, a)
            positions.append(position)
        self.nodes = [self.created[p][0] for p in positions]
        return self

    def reachable(self) -> set[int]:
        """Positions in `created` that the output depends on."""
        found, todo = set(), [len(self.created) - 1]
        while todo:
            position = todo.pop()
            if position not in found:
                found.add(position)
                todo.extend(self.created[position][1])
        return found


def draw_values(graph: Graph, base_seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Leaf values and an upstream gradient, fixed for a given graph and test seed."""
    rng = np.random.default_rng(graph.seed(base_seed))
    return ([rng.uniform(-1.5, 1.5, graph.shape) for _ in range(graph.leaves)],
            rng.normal(0.0, 1.5, graph.shape))

