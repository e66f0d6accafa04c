"""The reverse-mode engine's grading: its student processes have no torch
(not even by path), and a failing random graph is shrunk to a small one."""
from __future__ import annotations

import json

import nbformat
import pytest

from autograder.variants import fill_notebook
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


def test_a_failing_random_graph_is_shrunk_to_a_small_one(grade, make_variant):
    bug = next(b for b in BUGS if b.name == "adjoints_overwritten")
    result = grade("reverse_mode", make_variant("reverse_mode", bug))
    [message] = [t.message for t in result.tests if t.name == "test_engine::test_random_graphs[0]"]
    graph = message.split("for the graph ", 1)[1].split(", leaves")[0]
    assert graph.count(" = ") <= 2, graph  # e.g. "v0 a leaf of shape (3,); v1 = v0 + v0; the output is v1"
