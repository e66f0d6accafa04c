"""Reading a submitted notebook: code cells, magics removed, bad files refused (fast)."""
from __future__ import annotations

import json

import nbformat
import pytest

from autograder.notebook import NotebookError, load_code_cells, load_notebook, manual_answers, strip_magics


def _write(tmp_path, cells, name="n.ipynb"):
    notebook = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / name
    nbformat.write(notebook, str(path))
    return path


def test_code_cells_are_numbered_among_all_cells(tmp_path):
    path = _write(tmp_path, [nbformat.v4.new_markdown_cell("# hi"), nbformat.v4.new_code_cell("x = 1"),
                             nbformat.v4.new_code_cell("   "), nbformat.v4.new_code_cell("y = x")])
    assert [(c.number, c.source) for c in load_code_cells(path)] == [(2, "x = 1\n"), (4, "y = x\n")]


@pytest.mark.parametrize("source, expected", [
    ("%time x = 1\ny = 2", "pass  # IPython magic or shell line removed\ny = 2\n"),
    ("!rm -rf /", "pass  # IPython magic or shell line removed\n"),
    ("files = !ls", "pass  # IPython magic or shell line removed\n"),
    ("if True:\n    %matplotlib inline\n    x = 1", "if True:\n    pass  # IPython magic or shell line removed\n    x = 1\n"),
    ("%%bash\nrm -rf /", None),
    ("%%time\nx = 1", "x = 1\n"),
])
def test_magics_and_shell_lines_are_removed_never_run(source, expected):
    assert strip_magics(source) == expected


@pytest.mark.parametrize("content, reason", [(b"", "empty"), (b"not json", "not a readable"),
                                             (b'{"cells": [', "not a readable")])
def test_broken_files_are_refused_with_a_reason(tmp_path, content, reason):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    with pytest.raises(NotebookError, match=reason):
        load_notebook(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(NotebookError, match="no notebook"):
        load_notebook(tmp_path / "missing.ipynb")


def test_an_old_format_is_converted(tmp_path):
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [
        {"cells": [{"cell_type": "code", "input": "x = 1", "language": "python", "outputs": []}]}]}))
    assert [c.source for c in load_code_cells(path)] == ["x = 1\n"]


def test_hand_graded_answers_are_found(tmp_path):
    cell = nbformat.v4.new_markdown_cell("my answer")
    cell.metadata["nbgrader"] = {"grade": True, "solution": True, "grade_id": "why", "points": 2}
    assert [(a.grade_id, a.points) for a in manual_answers(nbformat.read(str(_write(tmp_path, [cell])), 4))] == \
        [("why", 2.0)]
