"""The submitted notebook as nbgrader's formgrader shows it to the instructor
(`autograded/<student>/<assignment>/`), with nothing in it that a browser would run.

First what `nbgrader autograde` does before running a notebook, with nbgrader's
own preprocessors: outputs cleared (ClearOutput), a grade id used twice kept
once (DeduplicateIds), the kernelspec and the instructor's locked cells taken
from the gradebook (OverwriteKernelspec, OverwriteCells). Then each cell is
built again from what is trusted, never from what the submission says about
itself:

- its nbgrader metadata (which the formgrade template writes into the page:
  grade ids into `id` attributes, unescaped) is the gradebook's for that grade
  id, or none; every other metadata key is dropped, and the notebook's too
  (only the gradebook's kernelspec is kept);
- code cells keep their source (the formgrader highlights it: escaped) and no
  output, except a concept's graded cell, which shows, as plain text, its
  tests and what they found;
- a Markdown cell is the instructor's, shown as it is, only when the gradebook
  has a locked cell of that grade id with exactly that source; any other
  Markdown and any raw cell (the formgrader writes raw cells into the page as
  HTML) is the student's, and shown as `sanitize.shown_markdown` allows;
  attachments are kept only as raster images.
"""
from __future__ import annotations

import copy
import json
import logging
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .sanitize import MAX_NOTEBOOK_CHARS, TOO_LONG, raster_attachments, render_markdown, shown_markdown

if TYPE_CHECKING:
    from nbgrader.api import Gradebook

# ids the formgrade page gives its own elements; its script finds them with $("#" + id)
PAGE_IDS = ("notebook", "notebook-container", "statusmessage")
_QUIET = logging.getLogger("autograder.nbgrader_preprocessors")  # nbgrader's "cell changed" warnings: not shown
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


@dataclass(frozen=True)
class SourceCell:
    cell_type: str
    locked: bool
    source: str
    metadata: dict  # the nbgrader metadata the released notebook gives this cell


@dataclass(frozen=True)
class TrustedNotebook:
    """What nbgrader's gradebook knows of the released notebook (filled by `nbgrader generate_assignment`)."""

    cells: dict[str, SourceCell]
    kernelspec: dict | None
    resources: dict = field(default_factory=dict)  # what nbgrader's preprocessors read: notebook, assignment, db

    @property
    def forbidden_ids(self) -> frozenset[str]:
        """Element ids of the formgrade page: a student's heading with one of them would capture its buttons."""
        ids = set(PAGE_IDS)
        for name in self.cells:
            ids |= {name, f"{name}-comment", f"{name}_extra_credit"}
        return frozenset(ids)


def trusted_notebook(gradebook: "Gradebook", notebook: str, assignment: str, db_url: str) -> TrustedNotebook:
    known = gradebook.find_notebook(notebook, assignment)
    points = {c.name: c.max_score for c in known.grade_cells}
    tasks = {c.name: c.max_score for c in known.task_cells}
    solutions = {c.name for c in known.solution_cells}
    cells = {}
    for cell in known.source_cells:
        meta = {"grade": cell.name in points, "grade_id": cell.name, "locked": bool(cell.locked),
                "schema_version": 3, "solution": cell.name in solutions, "task": cell.name in tasks,
                "cell_type": cell.cell_type, "checksum": cell.checksum}
        if cell.name in points or cell.name in tasks:
            meta["points"] = float(points.get(cell.name, tasks.get(cell.name)))
        cells[cell.name] = SourceCell(cell.cell_type, bool(cell.locked), cell.source or "", meta)
    kernelspec = json.loads(known.kernelspec) if known.kernelspec else None
    return TrustedNotebook(cells, kernelspec if isinstance(kernelspec, dict) else None,
                           {"nbgrader": {"notebook": notebook, "assignment": assignment, "db_url": db_url}})


def _as_autograded_by_nbgrader(notebook, trusted: TrustedNotebook):
    """The notebook after nbgrader autograde's sanitizing preprocessors, or None when they fail on it."""
    from nbconvert.exporters.exporter import ResourcesDict
    from nbgrader.preprocessors import ClearOutput, DeduplicateIds, OverwriteCells, OverwriteKernelspec
    from sqlalchemy.exc import SAWarning

    resources = ResourcesDict()
    resources.update(copy.deepcopy(trusted.resources))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            for step in (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells):
                notebook, resources = step(log=_QUIET).preprocess(notebook, resources)
    except Exception:  # nbgrader's preprocessors raise many kinds on hostile metadata
        return None
    return notebook


def _text(value) -> str:
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(value)
    return value if isinstance(value, str) else ""


def _grade_id(cell, trusted: TrustedNotebook) -> str | None:
    """The cell's grade id when the gradebook has it for a cell of the same type."""
    meta = cell.get("metadata", {}).get("nbgrader") if isinstance(cell.get("metadata"), dict) else None
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    known = trusted.cells.get(grade_id) if isinstance(grade_id, str) else None
    return grade_id if known is not None and known.cell_type == cell.get("cell_type") else None


class _Budget:
    """Characters of student text left to render for one notebook (sanitize.MAX_NOTEBOOK_CHARS)."""

    def __init__(self, chars: int = MAX_NOTEBOOK_CHARS):
        self.left = chars

    def take(self, text: str) -> bool:
        self.left -= len(text)
        return self.left >= 0


def _shown_cell(cell, index: int, trusted: TrustedNotebook, outputs: dict[str, str], budget: _Budget):
    from nbformat.v4 import new_code_cell, new_output, new_raw_cell

    grade_id = _grade_id(cell, trusted)
    metadata = {"nbgrader": dict(trusted.cells[grade_id].metadata)} if grade_id else {}
    source, kind = _text(cell.get("source")), cell.get("cell_type")
    instructors = grade_id is not None and trusted.cells[grade_id].locked and source == trusted.cells[grade_id].source
    if kind == "code":
        shown = new_code_cell(source, metadata=metadata)
        if grade_id in outputs:
            shown.outputs = [new_output("stream", name="stdout", text=outputs[grade_id])]
    elif kind == "raw" and instructors:
        shown = new_raw_cell(source, metadata=metadata)
    else:
        shown = _shown_text(cell, source, metadata if kind == "markdown" else {}, instructors, trusted, budget)
    shown.id = f"cell-{index}"  # not the submission's ids
    return shown


def _shown_text(cell, source: str, metadata: dict, instructors: bool, trusted: TrustedNotebook, budget: _Budget):
    """A Markdown cell (a raw cell's text, or a cell of an unknown type, becomes one, shown as text)."""
    from nbformat.v4 import new_markdown_cell

    if cell.get("cell_type") == "markdown" and instructors:
        text, attachments = _instructors_markdown(source, cell.get("attachments"), trusted)
    elif not budget.take(source):
        text, attachments = TOO_LONG.format(chars=len(source), limit=MAX_NOTEBOOK_CHARS), {}
    else:
        text, attachments = shown_markdown(source, cell.get("attachments"), trusted.forbidden_ids,
                                           as_text=cell.get("cell_type") != "markdown")
    shown = new_markdown_cell(text, metadata=metadata)
    if attachments:
        shown.attachments = attachments
    return shown


def _instructors_markdown(source: str, attachments, trusted: TrustedNotebook) -> tuple[str, dict]:
    """The instructor's Markdown as it is; only its attachments are the student's (kept as raster images).
    One it refers to and that the student removed would stop the formgrader's page: then it is shown as text."""
    kept = raster_attachments(attachments)
    if "attachment:" not in source:
        return source, {}
    try:
        render_markdown(source, kept)
    except Exception:  # nbconvert's "missing attachment" among others
        return shown_markdown(source, {}, trusted.forbidden_ids, as_text=True)
    return source, kept


def _with_trusted_metadata(submitted: dict, trusted: TrustedNotebook):
    """The submission with each cell's metadata replaced by the gradebook's for its grade id, or none."""
    import nbformat

    notebook = nbformat.from_dict(copy.deepcopy(submitted))
    for cell in notebook.get("cells", []):
        if isinstance(cell, dict):
            grade_id = _grade_id(cell, trusted)
            cell["metadata"] = {"nbgrader": dict(trusted.cells[grade_id].metadata)} if grade_id else {}
    return notebook


def autograded_notebook(submitted: dict, trusted: TrustedNotebook, outputs: dict[str, str]) -> str:
    """The notebook for autograded/, as JSON text. `outputs`: the text each concept's graded cell shows."""
    import nbformat
    from nbformat.v4 import new_notebook

    sanitized = _as_autograded_by_nbgrader(nbformat.from_dict(copy.deepcopy(submitted)), trusted)
    if sanitized is None:  # nbgrader failed on the submission's metadata: again, with the gradebook's
        sanitized = _as_autograded_by_nbgrader(_with_trusted_metadata(submitted, trusted), trusted)
    if sanitized is None:
        trusted = TrustedNotebook({}, trusted.kernelspec, trusted.resources)  # no cell is the instructor's
        sanitized = nbformat.from_dict(copy.deepcopy(submitted))
    budget = _Budget()
    cells = [_shown_cell(cell, index, trusted, outputs, budget)
             for index, cell in enumerate(sanitized.get("cells", [])) if isinstance(cell, dict)]
    kernelspec = trusted.kernelspec or {"display_name": "Python 3", "language": "python", "name": "python3"}
    shown = new_notebook(cells=cells, metadata={"kernelspec": kernelspec,
                                                "language_info": {"name": str(kernelspec.get("language", "python"))}})
    nbformat.validate(shown)
    return nbformat.writes(shown, split_lines=False)  # texts as single strings, as the notebook was written before
