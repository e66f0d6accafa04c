"""Which notebooks to grade, and whose they are."""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import NoSuchPath


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
        found += [Path(top) / name for name in files if name.endswith(".ipynb")]
    return sorted(found)


def _pick(folder: Path, assignment: str) -> Path:
    """The assignment's notebook in a submission folder; a lone renamed one is accepted."""
    expected = folder / f"{assignment}.ipynb"
    if os.path.lexists(expected):  # a link too: it is refused, with a reason, when graded
        return expected
    found = _notebooks_in(folder)
    return found[0] if len(found) == 1 else expected  # a missing file is reported when graded


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
