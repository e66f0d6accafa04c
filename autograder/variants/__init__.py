"""Simulated student work: the solution notebook with realistic bugs put in.

A variant is a list of (old, new) text edits on the solution code. Each edit
must match exactly once, so a variant breaks loudly when the solution changes
instead of silently testing nothing. `targets` names the hidden tests the bug
must fail (the part after "::", without parameters).
"""
from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


@dataclass(frozen=True)
class Variant:
    name: str
    edits: tuple[tuple[str, str], ...] = ()
    targets: tuple[str, ...] = ()
    description: str = ""
    max_other_failures: int = 8
    cells: tuple[tuple[str, str | None], ...] = ()  # (grade_id, new source; None keeps the stub)
    whole_notebook: str | None = None  # raw text to submit instead of a notebook (bad input)


def solution_code(source: str) -> str:
    """What a student who solved the cell would have: the solution without markers."""
    return SOLUTION_MARKER.sub("", source)


def fill_notebook(released: nbformat.NotebookNode, solution: nbformat.NotebookNode,
                  edits: tuple[tuple[str, str], ...] = (),
                  cells: tuple[tuple[str, str | None], ...] = ()) -> nbformat.NotebookNode:
    """The released (stub) notebook with its solution cells written in, whole
    cells replaced by `cells`, then `edits` applied."""
    answers = {c.metadata["nbgrader"]["grade_id"]: solution_code(c.source) for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    replaced = dict(cells)
    notebook = copy.deepcopy(released)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in replaced:
            if replaced[grade_id] is not None:
                cell.source = replaced[grade_id]
        elif cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    for old, new in edits:
        hits = [c for c in notebook.cells if c.cell_type == "code" and old in c.source]
        count = sum(c.source.count(old) for c in hits)
        if count != 1:
            raise ValueError(f"edit {old!r} matches {count} places, not exactly one")
        hits[0].source = hits[0].source.replace(old, new)
    return notebook


def write_variant(variant: Variant, released: Path, solution: Path, destination: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    if variant.whole_notebook is not None:
        destination.write_text(variant.whole_notebook)
        return destination
    notebook = fill_notebook(nbformat.read(str(released), as_version=4),
                             nbformat.read(str(solution), as_version=4), variant.edits, variant.cells)
    nbformat.write(notebook, str(destination))
    return destination


# Submissions that compute nothing and must score exactly zero: every function
# and method the student writes returns NaN, a constant, or an object that
# lies about its value (equal to anything); constructors still store what
# they are given.
DO_NOTHING = ("nan", "constant", "liar")
_DO_NOTHING_HELPERS = {
    "nan": "def _do_nothing(x=None):\n    return float('nan') if _np.ndim(x) == 0 else _np.full(_np.shape(x), _np.nan)\n",
    "constant": "def _do_nothing(x=None):\n    return 1.0 if _np.ndim(x) == 0 else _np.ones(_np.shape(x))\n",
    "liar": ("class _Liar:\n"
             "    __eq__ = lambda s, o: True\n    __ne__ = lambda s, o: False\n    __lt__ = __le__ = __gt__ = __ge__ = __eq__\n"
             "    __float__ = lambda s: 0.0\n    __int__ = lambda s: 0\n    __index__ = lambda s: 0\n"
             "    __len__ = lambda s: 2\n    __bool__ = lambda s: True\n"
             "    __array__ = lambda s, *a, **k: _np.zeros(1)\n    __getitem__ = lambda s, i: s\n"
             "    __iter__ = lambda s: iter((s, s))\n    __call__ = lambda s, *a, **k: s\n"
             "    __getattr__ = lambda s, name: s\n"
             "    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __call__\n"
             "def _do_nothing(x=None):\n    return _Liar()\n"),
}


def _returned_arity(function: ast.FunctionDef) -> int | None:
    """How many values the function returns (None: it returns nothing)."""
    arity = None
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and node.value is not None:
            arity = max(arity or 1, len(node.value.elts) if isinstance(node.value, ast.Tuple) else 1)
    return arity


def _solution_regions(source: str) -> list[tuple[int, int]]:
    """Line ranges (from 1) between BEGIN and END SOLUTION markers."""
    regions, start = [], None
    for number, line in enumerate(source.splitlines(), start=1):
        if "### BEGIN SOLUTION" in line:
            start = number
        elif "### END SOLUTION" in line and start is not None:
            regions.append((start, number))
            start = None
    return regions


class _ComputeNothing(ast.NodeTransformer):
    """Every function the student writes (one that holds or lies in a
    solution region) returns a do-nothing value; given code stays."""

    def __init__(self, regions: list[tuple[int, int]]):
        self.regions = regions

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        written = any(start <= node.end_lineno and node.lineno <= end for start, end in self.regions)
        if node.name == "__init__" or not written:
            return node
        names = [a.arg for a in node.args.args if a.arg not in ("self", "cls")]
        arity = _returned_arity(node)
        value = f"_do_nothing({names[0] if names else ''})"
        body = "return None" if arity is None else f"return {value}" if arity == 1 else \
            f"return ({', '.join([value] * arity)})"
        node.body = ast.parse(body).body
        node.decorator_list = []
        return node

    def visit_Assign(self, node: ast.Assign) -> ast.Assign:
        """A quiz's answer (`answer_3 = 2`, autograder/quiz/) written by the student: a do-nothing value."""
        written = any(start <= node.lineno <= end for start, end in self.regions)
        if written and all(isinstance(t, ast.Name) and re.fullmatch(r"answer_\d+", t.id) for t in node.targets):
            node.value = ast.parse("_do_nothing()", mode="eval").body
        return node


def do_nothing_cells(solution: nbformat.NotebookNode, kind: str) -> tuple[tuple[str, str], ...]:
    """The solution's code cells rewritten so that nothing is computed."""
    cells = []
    for cell in solution.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            tree = _ComputeNothing(_solution_regions(cell.source)).visit(ast.parse(cell.source))
            code = "import numpy as _np\n" + _DO_NOTHING_HELPERS[kind] + ast.unparse(tree) + "\n"
            cells.append((meta["grade_id"], code))
    return tuple(cells)


def do_nothing(kind: str, solution: Path) -> Variant:
    return Variant(f"does_nothing_{kind}", cells=do_nothing_cells(nbformat.read(str(solution), as_version=4), kind),
                   description=f"every function returns {kind} values")
