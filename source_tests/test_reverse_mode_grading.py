"""The reverse-mode engine's grading: its student processes have no torch
(not even by path), and a failing random graph is shrunk to a small one."""
from __future__ import annotations

import json

import nbformat
import pytest

from autograder.variants import fill_notebook
from autograder.graders.reverse_mode.engine import REQUIRED
from autograder.variants.reverse_mode import BUGS
from conftest import released, solution

pytestmark = pytest.mark.slow
TORCH_ESCAPE = '''
import importlib.util, json, os, sys
import numpy
report = {}
try:
    import torch
except ImportError as exc:
    report["with_hook"] = str(exc)
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "DeniedModules"]
sys.modules.pop("torch", None)
try:
    import torch
    report["imported"] = True
except ImportError as exc:
    report["without_hook"] = str(exc)
folder = os.path.join(os.path.dirname(os.path.dirname(numpy.__file__)), "torch")
report["files"] = sorted(os.listdir(folder)) if os.path.isdir(folder) else None
try:
    spec = importlib.util.spec_from_file_location("torch", os.path.join(folder, "__init__.py"))
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    report["loaded_by_path"] = True
except (ImportError, OSError, AttributeError) as exc:
    report["by_path"] = str(exc)
raise RuntimeError("TORCH REPORT " + json.dumps(report))
'''


def test_torch_is_not_there_at_all(grade, tmp_path):
    notebook = fill_notebook(nbformat.read(str(released("reverse_mode")), as_version=4),
                             nbformat.read(str(solution("reverse_mode")), as_version=4))
    notebook.cells.insert(2, nbformat.v4.new_code_cell(TORCH_ESCAPE))
    path = tmp_path / "reverse_mode.ipynb"
    nbformat.write(notebook, str(path))
    result = grade("reverse_mode", path)
    [note] = [n for n in result.notes if "TORCH REPORT" in n]
    report = json.loads(note.split("TORCH REPORT ", 1)[1].splitlines()[0])
    assert "not available in this assignment" in report["with_hook"], report
    # Without the hook: its folder is a mask whose only file says the same.
    assert "not available" in report["without_hook"] and "imported" not in report, report
    assert report["files"] == ["__init__.py"] and "not available" in report["by_path"], report
    assert result.score == result.max_score  # the engine itself never needed torch


def _bug(name: str):
    return next(b for b in BUGS if b.name == name)


def test_a_failing_random_graph_is_shrunk_to_a_small_one(grade, make_variant):
    result = grade("reverse_mode", make_variant("reverse_mode", _bug("adjoints_overwritten")))
    [message] = [t.message for t in result.tests if t.name == "test_engine::test_random_graphs[0]"]
    graph = message.split("for the graph ", 1)[1].split(", leaves")[0]
    # every draw holds every kind of step once; shrinking drops the extra ones
    assert graph.count(" = ") <= len(REQUIRED) + 2, graph


def test_every_node_gets_its_grad_and_the_message_names_the_node(grade, make_variant):
    result = grade("reverse_mode", make_variant("reverse_mode", _bug("grad_on_leaves_only")))
    failed = {t.name: t for t in result.tests if t.outcome != "passed"}
    assert set(failed) == {"test_engine::test_random_graphs[0]", "test_engine::test_random_graphs[1]"}, failed
    message = failed["test_engine::test_random_graphs[0]"].message
    assert ".grad after backward is None: compute_gradients should set .grad of every node" in message, message
    assert "your compute_gradients" in failed["test_engine::test_random_graphs[0]"].title


def test_a_joint_test_names_the_unit_at_fault_once(grade, make_variant):
    result = grade("reverse_mode", make_variant("reverse_mode", _bug("summation_gradient_cut_from_graph")))
    failed = {t.name: t for t in result.tests if t.outcome != "passed"}
    assert set(failed) == {"test_engine::test_second_derivatives[sum(reshape(x, (3, 2)) @ w, -1) ** 3]",
                           "test_engine::test_second_derivatives[sum(x * x, (0, -1)) ** 2]"}, set(failed)
    for test in failed.values():
        assert "uses your ops and compute_gradients together" in test.title, test.title
        assert "the mistake is in your Summation." in test.message, test.message


def test_op_messages_say_each_thing_once(grade, make_variant):
    result = grade("reverse_mode", make_variant("reverse_mode", _bug("div_denominator_sign")))
    messages = [t.message for t in result.tests if t.outcome != "passed" and "test_op_gradient" in t.name]
    assert messages and all(m.startswith("EWiseDiv.gradient, the adjoint of b, for a = ") for m in messages), messages
    assert all(m.count(" for ") == 1 for m in messages), messages
