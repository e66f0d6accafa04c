"""The reverse_mode draws (fast, no sandbox): every random graph holds every kind of step and every op,
with sizes >= 2 wherever an axis matters; op cases and second-derivative draws are of fixed kinds."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.graders.properties import check_examples
from autograder.graders.reverse_mode.engine import (GRAPH_OPS, OP_CASES, PARAMS, REQUIRED, SHAPES, draw_values,
                                                     graphs, program, rooted_graphs, torch_adjoints)

DRAWS = 1000


def _check_graph(graph) -> None:
    kinds = {kind for kind, _, _ in graph.steps}
    assert kinds == set(REQUIRED), f"a draw misses steps {set(REQUIRED) - kinds}: {graph.describe()}"
    nodes = program(graph)
    ops = {node.op for node in nodes if node.op is not None}
    assert ops == set(GRAPH_OPS), f"a draw misses ops {set(GRAPH_OPS) - ops}: {graph.describe()}"
    params = {node.param.__class__ for node in nodes if node.op == "Summation"}
    assert params == {int, tuple, type(None)}, f"Summation without an int, a tuple or None axes: {graph.describe()}"
    assert all(min(node.shape) >= 2 for node in nodes if node.op is None), graph.describe()
    assert min(graph.shape) >= 2 and len(set(graph.shape)) == 2, graph.describe()
    for kind, _, param in graph.steps:
        if kind in ("scale", "shift", "divide"):
            assert param not in (0, 1, -1), f"a {kind} step by {param}"


def test_every_graph_draw_holds_every_op():
    check_examples(graphs(), 12345, DRAWS, _check_graph)


def test_several_roots_include_an_ancestor_of_another():
    def check(example) -> None:
        graph, roots = example
        _check_graph(graph)
        nodes = program(graph)
        output = len(nodes) - 1
        assert output in roots and len(roots) >= 2 and len(set(roots)) == len(roots), roots
        ancestors, todo = set(), [output]
        while todo:
            position = todo.pop()
            if position not in ancestors:
                ancestors.add(position)
                todo.extend(nodes[position].inputs)
        assert set(roots) <= ancestors, f"roots {roots} are not all ancestors of the output: {graph.describe()}"

    check_examples(rooted_graphs(), 54321, DRAWS, check)


def test_graph_values_are_finite_and_not_trivial():
    def check(graph) -> None:
        leaves, upstream = draw_values(graph, 7)
        assert all(np.all(np.abs(v) > 0) for v in leaves) and np.all(upstream != 0)
        adjoints = torch_adjoints(graph, leaves, upstream)
        assert all(a is None or np.all(np.isfinite(a)) for a in adjoints), graph.describe()

    check_examples(graphs(), 999, 200, check)


def test_params_and_shapes_cover_both_signs_and_distinct_sizes():
    assert all(len(set(s)) == len(s) and min(s) >= 2 for s in SHAPES)
    for kind in ("scale", "shift", "divide"):
        assert min(PARAMS[kind]) < 0 < max(PARAMS[kind])
    assert any(isinstance(a, int) and a < 0 for a in PARAMS["sum_int"])
    assert any(min(a) < 0 for a in PARAMS["sum_tuple"])


@pytest.mark.parametrize("case", OP_CASES, ids=str)
def test_op_cases_draw_nonzero_inputs(case):
    for seed in range(20):
        for value in case.draw(np.random.default_rng(seed)):
            assert np.all(value != 0) and value.size >= 1
