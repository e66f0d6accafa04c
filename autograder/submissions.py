"""Which notebooks to grade, and whose they are."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import NoSuchPath


@dataclass(frozen=True)
class Submission:
    student: str
    notebook: Path
    shared_folder: bool = False  # its folder holds other submissions too: only the notebook is its own


def _student_of(notebook: Path, assignment: str) -> str:
    """nbgrader's student id for submitted/<student>/<assignment>/..., else the file stem."""
    parts = notebook.resolve().parts
    for i in range(len(parts) - 3, -1, -1):
        if parts[i] == "submitted" and i + 2 < len(parts) and parts[i + 2] == assignment:
            return parts[i + 1]
    return notebook.stem


def _notebooks_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _pick(folder: Path, assignment: str) -> Path:
    """The assignment's notebook in a submission folder; a lone renamed one is accepted."""
    expected = folder / f"{assignment}.ipynb"
    if expected.exists():
        return expected
    found = _notebooks_in(folder)
    return found[0] if len(found) == 1 else expected  # a missing file is reported when graded


def from_paths(paths: list[Path], assignment: str) -> list[Submission]:
    submissions = []
    for path in paths:
        if not path.exists():
            raise NoSuchPath(f"no such file or folder: {path}")
        notebooks = [path] if path.is_file() else _notebooks_in(path)
        submissions += [Submission(_student_of(nb, assignment), nb) for nb in notebooks]
    return _unique(submissions)


def from_course(course_dir: Path, assignment: str) -> list[Submission]:
    """nbgrader's collected submissions: <course>/submitted/<student>/<assignment>/."""
    submitted = course_dir / "submitted"
    if not submitted.is_dir():
        raise NoSuchPath(f"no submitted/ folder in {course_dir} (run `autograder collect {assignment}` first)")
    folders = sorted(p / assignment for p in submitted.iterdir() if (p / assignment).is_dir())
    return [Submission(folder.parent.name, _pick(folder, assignment)) for folder in folders]


def _unique(submissions: list[Submission]) -> list[Submission]:
    """Two notebooks with the same stem must not overwrite each other's
    results; notebooks that share a folder do not share its other files."""
    seen: dict[str, int] = {}
    folders = Counter(sub.notebook.resolve().parent for sub in submissions)
    out = []
    for sub in submissions:
        count = seen.get(sub.student, 0)
        seen[sub.student] = count + 1
        student = sub.student if count == 0 else f"{sub.student}-{count + 1}"
        out.append(Submission(student, sub.notebook, folders[sub.notebook.resolve().parent] > 1))
    return out
