"""Reading a submitted notebook: code cells, magics removed, bad files refused (fast)."""
from __future__ import annotations

import json

import nbformat
import pytest

from pathlib import Path

from autograder.notebook import (NotebookError, answer_titles, load_code_cells, load_notebook, manual_answers,
                                 strip_magics)


REPO = Path(__file__).resolve().parent.parent


def _write(tmp_path, cells, name="n.ipynb"):
    notebook = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / name
    nbformat.write(notebook, str(path))
    return path


def test_code_cells_are_named_as_jupyter_shows_them(tmp_path):
    """Numbered among the code cells (an empty one counts: Jupyter shows it), with their first line,
    cut short and as plain text; compiled under a name the student's traceback shows."""
    long = "\n  def my_exp(x):  # " + "x" * 60 + "\n    return x"
    path = _write(tmp_path, [nbformat.v4.new_markdown_cell("# hi"), nbformat.v4.new_code_cell("x = 1"),
                             nbformat.v4.new_code_cell("   "), nbformat.v4.new_code_cell(long),
                             nbformat.v4.new_code_cell("y = '\u202e\x1b[2J'")])
    cells = load_code_cells(path)
    assert [(c.number, c.source) for c in cells[:2]] == [(1, "x = 1\n"), (3, long + "\n")]
    assert [c.describe() for c in cells] == ['code cell 1 ("x = 1")', f'code cell 3 ("def my_exp(x):  # {"x" * 19}...")',
                                             'code cell 4 ("y = \'??[2J\'")']
    assert cells[1].name == "<code cell 3>"


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


def test_hand_graded_answers_are_titled_by_the_question_above(tmp_path):
    """The nearest heading above each answer, looked for up to the previous answer, never in a
    solution cell (the model answer); an answer without one is named by its place."""
    def answer(grade_id):
        cell = nbformat.v4.new_markdown_cell("YOUR ANSWER HERE")
        cell.metadata["nbgrader"] = {"grade": True, "solution": True, "grade_id": grade_id, "points": 1}
        return cell
    model = nbformat.v4.new_markdown_cell("## The model answer")
    model.metadata["nbgrader"] = {"solution": True, "grade_id": "model"}
    notebook = nbformat.read(str(_write(tmp_path, [
        nbformat.v4.new_markdown_cell("## Part 1\n\n### Why it diverges\n\nExplain."), nbformat.v4.new_code_cell("x = 1"),
        answer("answer300"), model, answer("second"), nbformat.v4.new_markdown_cell("Say why, in a sentence."),
        answer("third")])), 4)
    assert answer_titles(notebook) == {"answer300": "Why it diverges", "third": "Say why, in a sentence."}
    assert [a.named(answer_titles(notebook)) for a in manual_answers(notebook)] == [
        '"Why it diverges"', "the written answer 2", '"Say why, in a sentence."']


@pytest.mark.parametrize("source, skipped", [
    ("from autograder.check import check; check()", True),
    ("# Check your work\nfrom autograder.check import check\ncheck('backprop', 'backprop.ipynb')", True),
    ("from autograder.check import check; check()\nx = 1", False),  # the student's code in it: run
    ("x = 1\nfrom autograder.check import check; check()", False),
    ("from autograder.check import check as c; c()", False),
    ("from autograder.check import check; check(open('/etc/passwd').read())", False),
    ("import autograder.check", False),
])
def test_only_the_check_cell_alone_is_never_run_when_grading(tmp_path, source, skipped):
    """The released notebooks' last cell runs `autograder check` for the student; grading skips it,
    and only when it holds nothing else."""
    path = _write(tmp_path, [nbformat.v4.new_code_cell("y = 2"), nbformat.v4.new_code_cell(source)])
    assert [c.number for c in load_code_cells(path)] == ([1] if skipped else [1, 2])


def test_every_released_notebook_ends_with_the_check_cell():
    from autograder.assignments import assignment_names
    from autograder.notebook import is_check_cell

    for name in assignment_names():
        notebook = load_notebook(REPO / "assignments" / name / f"{name}.ipynb")
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert is_check_cell(code[-1]["source"]), name
