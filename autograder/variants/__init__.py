"""Simulated student work: the solution notebook with realistic bugs put in.

A variant is a list of (old, new) text edits on the solution code. Each edit
must match exactly once, so a variant breaks loudly when the solution changes
instead of silently testing nothing. `targets` names the hidden tests the bug
must fail (the part after "::", without parameters).
"""
from __future__ import annotations

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
