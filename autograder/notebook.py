"""Read a submitted notebook into the code cells a student process will run.

Reading is parsing only: nothing from the notebook executes here. IPython
magics and shell escapes are removed, never run.
"""
from __future__ import annotations

import ast
import functools
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


FIRST_LINE_CHARS = 40
# The file name a student's cell is compiled under. Tracebacks keep the frames of files named so
# (sandbox/worker.py), and reference code is compiled under other names (sandbox/units.py).
CELL_FILE_PREFIX = "<code cell "


def first_line(source: str) -> str:
    """A cell's first non-blank line, cut short, as plain text (characters that do not print,
    such as controls and direction overrides, become "?"): how a student finds the cell in Jupyter."""
    line = next((line.strip() for line in source.splitlines() if line.strip()), "")
    line = "".join(c if c.isprintable() else "?" for c in line[:FIRST_LINE_CHARS + 1])
    return line if len(line) <= FIRST_LINE_CHARS else line[:FIRST_LINE_CHARS - 3] + "..."


@dataclass(frozen=True)
class Cell:
    number: int  # position among the notebook's code cells, from 1: as a student counts them in Jupyter
    source: str
    grade_id: str | None = None  # nbgrader's internal id: for the graders, never shown to the student
    # One of nbgrader's visible checks (a locked grade cell with no solution): it asserts and defines
    # nothing the graders use, so it runs in the notebook's first run only (its outcome is feedback).
    visible_check: bool = False
    first_line: str = ""

    @property
    def name(self) -> str:
        return f"{CELL_FILE_PREFIX}{self.number}>"

    def describe(self) -> str:
        """`code cell 5 ("def my_exp(x):")`: the cell as the student sees it."""
        return f"code cell {self.number}" + (f' ("{self.first_line}")' if self.first_line else "")


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
    grade_id: str  # from the student's notebook: looked up among the instructor's titles, never shown
    points: float
    fallback: str  # "the written answer 2", "the answer in code cell 7": as the student counts them

    def named(self, titles: dict[str, str]) -> str:
        """The question's title (from the instructor's notebook, see answer_titles), else its place."""
        title = titles.get(self.grade_id)
        return f'"{title}"' if title else self.fallback


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


def _hand_graded(cell: dict) -> bool:
    meta = cell["metadata"].get("nbgrader") or {}
    return bool(meta.get("grade") and meta.get("solution"))


def manual_answers(notebook: dict) -> list[ManualAnswer]:
    """Answers nbgrader marks as graded by hand (grade and solution cells that are not auto-gradable)."""
    answers, code, written = [], 0, 0
    for cell in notebook.get("cells", []):
        code += cell["cell_type"] == "code"
        if not _hand_graded(cell):
            continue
        meta = cell["metadata"]["nbgrader"]
        points = meta.get("points", 0)
        points = float(points) if isinstance(points, (int, float)) and not isinstance(points, bool) else 0.0
        written += cell["cell_type"] != "code"
        where = f"the answer in code cell {code}" if cell["cell_type"] == "code" else f"the written answer {written}"
        answers.append(ManualAnswer(str(meta.get("grade_id", ""))[:100], points, where))
    return answers


def answer_titles(notebook: dict) -> dict[str, str]:
    """grade id -> the title of the question each hand-graded answer answers: the nearest Markdown
    heading above it (else the first line of the Markdown cell right above it), looked for up to the
    previous hand-graded answer. For the instructor's notebook only (the reference solution): a
    student's notebook is theirs to rewrite. Solution cells are never read, so no model answer shows."""
    titles, cells = {}, notebook.get("cells", [])
    for index, cell in enumerate(cells):
        grade_id = (cell["metadata"].get("nbgrader") or {}).get("grade_id")
        if _hand_graded(cell) and isinstance(grade_id, str):
            title = _title_above(cells[:index])
            if title:
                titles[grade_id] = title
    return titles


def _title_above(cells: list[dict]) -> str:
    above = []
    for cell in reversed(cells):
        if _hand_graded(cell):
            break
        if cell["cell_type"] == "markdown" and not (cell["metadata"].get("nbgrader") or {}).get("solution"):
            above.append(cell["source"])
    for source in above:
        headings = [line.lstrip("#").strip() for line in source.splitlines() if line.startswith("#")]
        if any(headings):
            return first_line([h for h in headings if h][-1])  # the heading nearest the answer
    return first_line(above[0]) if above else ""


@functools.cache
def reference_answer_titles(path: Path) -> dict[str, str]:
    """answer_titles of the reference notebook at `path` ({} when it cannot be read: each answer is
    then named by its place)."""
    try:
        return answer_titles(parse_notebook(Path(path).read_bytes()))
    except (OSError, NotebookError):
        return {}


def is_check_cell(source: str) -> bool:
    """The released notebooks' last cell, `from autograder.check import check; check()`: a student's
    own check (check.py), never run when grading. Only a cell holding nothing else is skipped, so
    skipping it can leave out no code of the student's."""
    if "autograder.check" not in source:
        return False
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    imports = [s for s in body if isinstance(s, ast.ImportFrom) and s.module == "autograder.check"
               and [(a.name, a.asname) for a in s.names] == [("check", None)]]
    calls = [s for s in body if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
             and isinstance(s.value.func, ast.Name) and s.value.func.id == "check" and not s.value.keywords
             and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in s.value.args)]
    return len(imports) == 1 and len(calls) == 1 and len(body) == 2 and body[0] in imports


def load_code_cells(path: Path, notebook: dict | None = None) -> list[Cell]:
    notebook = notebook if notebook is not None else load_notebook(path)
    cells = []
    code = [cell for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"]
    for number, cell in enumerate(code, start=1):
        source = cell.get("source", "")
        if not isinstance(source, str):
            raise NotebookError(f"code cell {number} has a malformed source")
        python = strip_magics(source)
        if python is None or not python.strip() or is_check_cell(python):
            continue
        meta = cell["metadata"].get("nbgrader") or {}
        grade_id = str(meta["grade_id"])[:100] if meta.get("grade_id") is not None else None
        check = meta.get("grade") is True and meta.get("locked") is True and not meta.get("solution")
        cells.append(Cell(number, python, grade_id, check, first_line(source)))
    return cells
