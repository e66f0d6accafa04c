"""Which notebooks to grade, whose they are, and whether they are the assignment's."""
from __future__ import annotations

import ast
import functools
import os
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import NoSuchPath

NOTEBOOK_SUFFIX = ".ipynb"
# What is parsed (never run) to see which names a notebook defines: a cell longer than this is
# data, not a definition, and the whole stays small (the grader process parses it).
MAX_PARSED_CELL = 64 * 1024
MAX_PARSED_TOTAL = 512 * 1024


@dataclass(frozen=True)
class Submission:
    student: str
    notebook: Path
    shared_folder: bool = False  # its folder holds other submissions too: only the notebook is its own
    # The trusted folder it was found in (the one the instructor named, or nbgrader's submitted/): every
    # folder below it and the files themselves are student-controlled, opened without following links.
    # None: the notebook's own folder.
    root: Path | None = None


def shown(name: str) -> str:
    """A name from a file name, as it is shown and recorded: as it is, except
    bytes that are not UTF-8 (Python keeps them as lone surrogates, which
    nothing can write or print), which become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _student_of(notebook: Path, assignment: str) -> str:
    """nbgrader's student id for submitted/<student>/<assignment>/..., else the file stem.
    The path is taken as written (abspath, not resolve): a link is never followed to name its owner."""
    parts = Path(os.path.abspath(notebook)).parts
    for i in range(len(parts) - 3, -1, -1):
        if parts[i] == "submitted" and i + 2 < len(parts) and parts[i + 2] == assignment:
            return shown(parts[i + 1])
    return shown(notebook.stem)


def _notebooks_in(folder: Path) -> list[Path]:
    """Every *.ipynb below `folder`, found without entering linked folders (os.walk's default);
    a notebook that is itself a link is listed, and refused with a reason when it is graded."""
    found = []
    for top, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if name != ".ipynb_checkpoints"]
        found += [Path(top) / name for name in files if name.endswith(NOTEBOOK_SUFFIX)]
    return sorted(found)


def _pick(folder: Path, assignment: str) -> Path:
    """The assignment's notebook in a submission folder; a lone renamed one is accepted."""
    expected = folder / f"{assignment}.ipynb"
    if os.path.lexists(expected):  # a link too: it is refused, with a reason, when graded
        return expected
    found = _notebooks_in(folder)
    return found[0] if len(found) == 1 else expected  # a missing file is reported when graded


@dataclass(frozen=True)
class Refused:
    """A path named for grading that holds nothing gradable, and why."""

    path: Path
    reason: str


def refusal(path: Path) -> str | None:
    """Why `path` (a file or folder the instructor named) cannot be graded, or None."""
    if not os.path.lexists(path):
        return "no such file or folder"
    if path.is_dir():
        return None if _notebooks_in(path) else f"a folder with no notebook ({NOTEBOOK_SUFFIX}) in it"
    if path.name.endswith(NOTEBOOK_SUFFIX):
        return None  # its content is checked (safely) when it is graded, and a bad one gets 0 with the reason
    if path.suffix.lower() in (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar"):
        return f"an archive, not a notebook: unpack it and grade the {NOTEBOOK_SUFFIX} files inside"
    return f"not a Jupyter notebook: only {NOTEBOOK_SUFFIX} files (or folders holding them) are graded"


def split_paths(paths: list[Path]) -> tuple[list[Path], list[Refused]]:
    """The paths that hold something to grade, and the others with the reason."""
    reasons = [(path, refusal(path)) for path in paths]
    return [p for p, why in reasons if why is None], [Refused(p, why) for p, why in reasons if why is not None]


def from_paths(paths: list[Path], assignment: str) -> list[Submission]:
    submissions = []
    for path in paths:
        if not path.exists():
            raise NoSuchPath(f"no such file or folder: {path}")
        folder = path.is_dir()
        notebooks = _notebooks_in(path) if folder else [path]
        root = Path(os.path.abspath(path if folder else path.parent))
        submissions += [Submission(_student_of(nb, assignment), nb, root=root) for nb in notebooks]
    return _unique(submissions)


def from_course(course_dir: Path, assignment: str) -> list[Submission]:
    """nbgrader's collected submissions: <course>/submitted/<student>/<assignment>/."""
    submitted = course_dir / "submitted"
    if not submitted.is_dir():
        raise NoSuchPath(f"no submitted/ folder in {course_dir} (run `autograder collect {assignment}` first)")
    folders = sorted(p / assignment for p in submitted.iterdir() if (p / assignment).is_dir())
    if not folders:
        raise NoSuchPath(f"nothing to grade: no submission of {assignment} in {submitted} (run `autograder collect "
                         f"{assignment}` first; the folders it refuses are listed in quarantine/{assignment}/)")
    return _unique([Submission(shown(folder.parent.name), _pick(folder, assignment), root=submitted)
                    for folder in folders])


def _unique(submissions: list[Submission]) -> list[Submission]:
    """Two notebooks with the same stem must not overwrite each other's
    results; notebooks that share a folder do not share its other files."""
    taken: set[str] = set()
    folders = Counter(_folder(sub) for sub in submissions)
    out = []
    for sub in submissions:
        student, count = sub.student, 1
        while student in taken:  # `amy-2` may be a name of its own too
            count += 1
            student = f"{sub.student}-{count}"
        taken.add(student)
        out.append(Submission(student, sub.notebook, folders[_folder(sub)] > 1, sub.root))
    return out


def _folder(submission: Submission) -> str:
    return os.path.dirname(os.path.abspath(submission.notebook))


def defined_names(sources: list[str]) -> set[str]:
    """The global names that code cells define (functions, classes, assignments, imports),
    found by parsing them, never running them; cells that do not parse are skipped."""
    names: set[str] = set()
    budget = MAX_PARSED_TOTAL
    for source in sources:
        if len(source) > min(MAX_PARSED_CELL, budget):
            continue
        budget -= len(source)
        try:
            with warnings.catch_warnings():  # a SyntaxWarning would print the student's code to the terminal
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        names |= _defined(tree.body)
    return names


def _defined(statements: list) -> set[str]:
    """Names bound at the top level of `statements`, entering if/try/with/loops but not functions or classes."""
    names: set[str] = set()
    for node in statements:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.Assign):
            names |= {name for target in node.targets for name in _bound(target)}
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            names |= _bound(node.target)
        for field in ("body", "handlers", "orelse", "finalbody"):
            names |= _defined(getattr(node, field, []))
    return names


def _bound(target: ast.expr) -> set[str]:
    """The names an assignment's target binds: `a`, `a, (b, *c)`; not `a[i]` or `a.b`."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return {name for element in target.elts for name in _bound(element)}
    return _bound(target.value) if isinstance(target, ast.Starred) else set()


@functools.cache
def graded_names() -> dict[str, frozenset[str]]:
    """Each assignment's graded names: the global names its units (UNITS) are made of."""
    from .assignments import Assignment, assignment_names

    return {name: frozenset(n for names in Assignment(name).units.values() for n in names)
            for name in assignment_names()}


def not_this_assignment(sources: list[str], assignment: str) -> str | None:
    """A note for a notebook (its code cells' `sources`) that defines none of `assignment`'s
    graded names, saying which other assignment's names it defines most of, if any."""
    graded, defined = graded_names(), defined_names(sources)
    if not graded.get(assignment) or defined & graded[assignment]:
        return None
    expected = ", ".join(sorted(graded[assignment]))
    note = (f"This notebook defines none of the functions and classes the {assignment} assignment grades "
            f"({expected}): is it the right notebook?")
    matches = {other: len(defined & names) for other, names in graded.items() if other != assignment}
    best = max(matches.values(), default=0)
    if best:
        likely = " or ".join(sorted(other for other, count in matches.items() if count == best))
        note += f" It looks like a notebook of {likely}."
    return note
