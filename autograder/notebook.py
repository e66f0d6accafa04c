"""Read a submitted notebook into the code cells a student process will run.

Reading is parsing only: nothing from the notebook executes here. IPython
magics and shell escapes are removed, never run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

MAX_NOTEBOOK_BYTES = 256 * 1024 * 1024
# Cell magics whose body is Python and may run as plain code once the magic line is gone.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
LINE_MAGIC = re.compile(r"^(\s*)(%|!)")
ASSIGNED_SHELL = re.compile(r"^(\s*)[\w.,\s]+=\s*[!%]")


class NotebookError(ValueError):
    """The file is not a notebook that can be graded (the message says why)."""


@dataclass(frozen=True)
class Cell:
    number: int  # position among all cells of the notebook, from 1
    source: str
    grade_id: str | None = None

    @property
    def name(self) -> str:
        return f"<cell {self.number}>"

    def describe(self) -> str:
        return f"cell {self.number}" + (f" ({self.grade_id})" if self.grade_id else "")


def strip_magics(source: str) -> str | None:
    """Plain Python for a cell, or None when the whole cell is not Python."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split()[0] if lines[0].strip() != "%%" else ""
        if magic not in PYTHON_CELL_MAGICS:
            return None
        lines = lines[1:]
    out = []
    for line in lines:
        match = LINE_MAGIC.match(line) or ASSIGNED_SHELL.match(line)
        if match:
            # Keep the indentation so the block around it stays valid.
            out.append(f"{match.group(1)}pass  # IPython magic or shell line removed")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class ManualAnswer:
    number: int
    grade_id: str
    points: float


def load_notebook(path: Path) -> nbformat.NotebookNode:
    path = Path(path)
    if not path.is_file():
        raise NotebookError(f"no notebook at {path}")
    size = path.stat().st_size
    if size == 0:
        raise NotebookError("the notebook file is empty")
    if size > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"the notebook is {size / 2**20:.0f} MiB, over the {MAX_NOTEBOOK_BYTES // 2**20} MiB limit")
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises many kinds for broken files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise NotebookError(f"the file is not a readable Jupyter notebook: {reason[:300]}") from None
    return notebook


def manual_answers(notebook: nbformat.NotebookNode) -> list[ManualAnswer]:
    """Answers nbgrader marks as graded by hand (grade and solution cells that are not auto-gradable)."""
    answers = []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        if meta.get("grade") and meta.get("solution"):
            answers.append(ManualAnswer(number, str(meta.get("grade_id", "")), float(meta.get("points", 0) or 0)))
    return answers


def load_code_cells(path: Path, notebook: nbformat.NotebookNode | None = None) -> list[Cell]:
    notebook = notebook if notebook is not None else load_notebook(path)
    cells = []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if not isinstance(source, str):
            raise NotebookError(f"cell {number} has a malformed source")
        python = strip_magics(source)
        if python is None or not python.strip():
            continue
        grade_id = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
        cells.append(Cell(number, python, grade_id))
    return cells
