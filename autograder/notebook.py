"""Read a submitted notebook into the code cells a student process will run.

Reading is parsing only: nothing from the notebook executes here. IPython
magics and shell escapes are removed, never run.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .student_files import MissingFile, TooLarge, UnsafeFile, read_student_file

MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024
MAX_JSON_CONTAINERS = 1_000_000  # lists and objects: bounds what parsing a notebook may cost
# Cell magics whose body is Python and may run as plain code once the magic line is gone.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
LINE_MAGIC = re.compile(r"^(\s*)(%|!)")
ASSIGNED = re.compile(r"[\w.,\s]+")  # the targets of `files = !ls` (matched without backtracking)


class NotebookError(ValueError):
    """The file is not a notebook that can be graded (the message says why)."""


@dataclass(frozen=True)
class Cell:
    number: int  # position among all cells of the notebook, from 1
    source: str
    grade_id: str | None = None
    # One of nbgrader's visible checks (a locked grade cell with no solution): it asserts and defines
    # nothing the graders use, so it runs in the notebook's first run only (its outcome is feedback).
    visible_check: bool = False

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
        if LINE_MAGIC.match(line) or _assigned_shell(line):
            # Keep the indentation so the block around it stays valid.
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f"{indent}pass  # IPython magic or shell line removed")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def _assigned_shell(line: str) -> bool:
    """`files = !ls` or `x = %time f()`, in time linear in the line's length."""
    target, equals, value = line.partition("=")
    return bool(equals) and value.lstrip()[:1] in ("!", "%") and ASSIGNED.fullmatch(target) is not None


@dataclass(frozen=True)
class ManualAnswer:
    number: int
    grade_id: str
    points: float


def load_notebook(path: Path, root: Path | None = None) -> dict:
    """The notebook as plain JSON data (format 4; older formats converted).
    Read with `json`, not nbformat: nbformat's validator costs seconds to import.
    The file is the student's: opened without following links below `root`
    (default: its own folder), and only when it is a regular file of their own."""
    try:
        raw = read_student_file(Path(path), root, MAX_NOTEBOOK_BYTES)
    except MissingFile:
        raise NotebookError(f"no notebook at {path}") from None
    except TooLarge as exc:
        raise NotebookError(f"the notebook is {exc.size / 2**20:.0f} MiB, over the {MAX_NOTEBOOK_BYTES // 2**20} MiB "
                            "limit") from None
    except UnsafeFile as exc:
        raise NotebookError(str(exc)) from None
    return parse_notebook(raw)


def parse_notebook(raw: bytes) -> dict:
    """A notebook from its bytes (see load_notebook)."""
    size = len(raw)
    if size == 0:
        raise NotebookError("the notebook file is empty")
    if size > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"the notebook is {size / 2**20:.0f} MiB, over the {MAX_NOTEBOOK_BYTES // 2**20} MiB limit")
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_CONTAINERS:
        raise NotebookError(f"the notebook holds more than {MAX_JSON_CONTAINERS} JSON lists and objects")
    try:
        notebook = json.loads(raw)
        if not isinstance(notebook, dict):
            raise ValueError("not a JSON object")
        if notebook.get("nbformat") != 4:
            notebook = _converted(notebook)
        return _checked(notebook)
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise NotebookError(f"the file is not a readable Jupyter notebook: {reason[:300]}") from None


def _converted(notebook: dict) -> dict:
    import nbformat  # only for old formats: slow to import

    try:
        return json.loads(nbformat.writes(nbformat.reads(json.dumps(notebook), as_version=4)))
    except Exception as exc:  # nbformat raises many kinds for broken files
        raise ValueError(str(exc) or type(exc).__name__) from None


def _checked(notebook: dict) -> dict:
    """The structure the grader reads: a list of cells, each with a type and a source."""
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise ValueError("no list of cells")
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise ValueError(f"cell {number} is malformed")
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            cell["source"] = "".join(source)
        elif not isinstance(source, str):
            raise ValueError(f"cell {number} has a malformed source")
        metadata = cell.setdefault("metadata", {})
        if not isinstance(metadata, dict):
            raise ValueError(f"cell {number} has malformed metadata")
        if not isinstance(metadata.get("nbgrader", {}), dict):
            metadata["nbgrader"] = {}  # nbgrader's marks are ours to read: broken ones count as none
    return notebook


def manual_answers(notebook: dict) -> list[ManualAnswer]:
    """Answers nbgrader marks as graded by hand (grade and solution cells that are not auto-gradable)."""
    answers = []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        meta = cell["metadata"].get("nbgrader") or {}
        if meta.get("grade") and meta.get("solution"):
            points = meta.get("points", 0)
            points = float(points) if isinstance(points, (int, float)) and not isinstance(points, bool) else 0.0
            answers.append(ManualAnswer(number, str(meta.get("grade_id", ""))[:100], points))
    return answers


def load_code_cells(path: Path, notebook: dict | None = None) -> list[Cell]:
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
        meta = cell["metadata"].get("nbgrader") or {}
        grade_id = str(meta["grade_id"])[:100] if meta.get("grade_id") is not None else None
        check = meta.get("grade") is True and meta.get("locked") is True and not meta.get("solution")
        cells.append(Cell(number, python, grade_id, check))
    return cells
