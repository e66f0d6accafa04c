"""Each unit of a notebook graded on its own.

An assignment's grader package declares its units (`UNITS`: a unit's name
and the global names the student writes for it) and the cells of its
reference program (`PROGRAM`: grade ids of the solution notebook's cells
that define things). A test of one unit asks for `units("my_exp")`: a view
of the student process where `my_exp` is the student's and every other name
the reference's, so a mistake elsewhere cannot cost this test its points.

The few tests that use the student's units together (`joint`) name the unit
at fault when they fail: the check is run again with each of the student's
units swapped for the reference's, and a unit whose swap makes it pass is
the one to blame.
"""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Callable, Iterable, Mapping

from ..errors import GraderFailure
from ..sandbox.errors import StudentCrashed, StudentError, StudentTimeout

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
SOLUTION_MARKER_LINES = ("### BEGIN SOLUTION", "### END SOLUTION")


def solutions_folder() -> Path:
    """Where the reference notebooks are: $AUTOGRADER_SOLUTIONS, else `solutions/` beside the package."""
    return Path(os.environ.get("AUTOGRADER_SOLUTIONS", PACKAGE_ROOT / "solutions"))


@functools.cache
def reference_program(assignment: str, program: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(grade id, source) of the solution notebook's cells named in `program`, in notebook order."""
    if not program:
        return ()
    path = solutions_folder() / assignment / f"{assignment}.ipynb"
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))  # not nbformat: its validator takes ~1 s to import
    except (OSError, ValueError) as exc:
        raise GraderFailure(f"the reference solution {path} could not be read ({exc}); the graders run each unit "
                            "with the reference for the others") from None
    cells = {}
    for cell in notebook.get("cells", []):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.get("cell_type") == "code" and grade_id in program:
            text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            source = "\n".join(line for line in text.splitlines() if line.strip() not in SOLUTION_MARKER_LINES)
            cells[grade_id] = source
    missing = [name for name in program if name not in cells]
    if missing:
        raise GraderFailure(f"the reference solution {path} has no cell {', '.join(missing)}")
    return tuple((name, cells[name]) for name in program)


class Units:
    """What the `units` fixture gives a test: `units("a", "b")` is a view of
    the student process with the student's units a and b, the reference for
    the rest; `units()` is the reference alone."""

    def __init__(self, sandbox, assignment: str, program: tuple[str, ...], declared: Mapping[str, tuple[str, ...]]):
        self._sandbox = sandbox
        self._assignment = assignment
        self._program = program
        self.declared = declared

    def __call__(self, *names: str, counted: tuple[str, ...] = ()):
        """A view with the student's units `names`; `view._graded_calls` is a
        dict of how often each of the `counted` global functions was called."""
        unknown = [n for n in names if n not in self.declared]
        if unknown:
            raise GraderFailure(f"the grader asked for units {unknown} that are not declared")
        if not self._program:  # no reference program: every unit is the student's
            names = tuple(self.declared)
        globals_ = sorted({g for n in names for g in self.declared[n]})
        key = "+".join(sorted(names)) or "reference"
        if counted:
            key += "|counted:" + ",".join(counted)
        return self._sandbox.units(key, list(reference_program(self._assignment, self._program)), globals_,
                                   tuple(counted))

    def joint(self, check: Callable[[object], None], names: Iterable[str]) -> None:
        """Run `check` on the student's units `names` together. If it fails,
        find the units at fault by swapping each for the reference's, and
        say so in the message."""
        names = tuple(names)
        if not self._program:  # no reference to swap in: the failure is theirs together
            check(self(*names))
            return
        try:
            check(self(*names))
            return
        except StudentTimeout:
            raise
        except (AssertionError, StudentError, StudentCrashed) as exc:
            first = exc
        at_fault = []
        for name in names:
            try:
                check(self(*(n for n in names if n != name)))
            except StudentTimeout:
                raise
            except (AssertionError, StudentError, StudentCrashed):
                continue
            at_fault.append(name)
        if at_fault:
            blame = (f"with the reference's {' and '.join(at_fault)} in place of yours this test passes, so the "
                     f"mistake is in your {' or '.join(at_fault)}")
        else:
            blame = "no single one of your units explains it: with any one of them replaced by the reference's, " \
                    "it still fails"
        detail = f"{first}\n{first.traceback}".strip() if isinstance(first, StudentError) else str(first)
        used = ", ".join(names) if len(names) <= 4 else f"{len(names)} units"
        raise AssertionError(f"This test uses your {used} together; {blame}.\n{detail}") from None
