"""Results recorded where nbgrader users live: its gradebook, its autograded
folder (what the formgrader shows) and its feedback folder (what
`nbgrader release_feedback` sends to students).

For each submission, as `nbgrader autograde` would: the submission and its
timestamp in the gradebook, each concept's score as the automatic score of the
concept's graded cell (declared in the solution notebook with the concept's
points), zero for the visible checks (worth nothing), the hand-graded answers
left to the formgrader. A manual score given there is never touched: grading
again replaces automatic scores only. The feedback page shows the manual
scores given so far (`autograder feedback` writes the pages again after
grading by hand).
"""
from __future__ import annotations

import os
import shutil
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from .assignments import Assignment
from .autograded import autograded_notebook, trusted_notebook
from .feedback import ManualGrade, feedback_html, nbgrader_feedback_folder
from .formgrader_ids import unsafe_student_id
from .grading.results import SubmissionResult, write_atomic
from .notebook import NotebookError, load_notebook
from .student_files import copy_side_file

if TYPE_CHECKING:
    from nbgrader.api import Gradebook


def gradebook_url(course_dir: Path) -> str:
    return f"sqlite:///{Path(course_dir).resolve() / 'gradebook.db'}"


@contextmanager
def open_gradebook(course_dir: Path) -> Iterator["Gradebook"]:
    """nbgrader's Gradebook, which runs the `alembic` command: the one installed
    beside this Python is used when the environment is not activated.
    SQLAlchemy's warnings about nbgrader's own session handling (its API
    raises them as `nbgrader autograde` does) are not the instructor's business."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    here = os.path.dirname(sys.executable)
    if shutil.which("alembic") is None and shutil.which("alembic", path=here):
        os.environ["PATH"] = here + os.pathsep + os.environ.get("PATH", "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        with Gradebook(gradebook_url(course_dir)) as gradebook:
            yield gradebook


def submission_folder(course_dir: Path, student: str, assignment: Assignment) -> Path:
    return Path(course_dir) / "submitted" / student / assignment.name


class NbgraderCourse:
    """The nbgrader course a batch of its submitted/ folder is published to;
    the first problem (say, the gradebook does not know the assignment) is
    reported once and stops further attempts."""

    def __init__(self, course_dir: Path, assignment: Assignment):
        self.course_dir, self.assignment = Path(course_dir), assignment
        self.problem: str | None = None

    def publish(self, result: SubmissionResult) -> str | None:
        """A warning for the instructor, the first time something cannot be recorded."""
        if (why := unsafe_student_id(result.student)) is not None:  # this student's alone: the others go on
            return f"{result.student!r} was not recorded in nbgrader's gradebook: {why}"
        if self.problem is not None:
            return None
        self.problem = publish(self.course_dir, self.assignment, result)
        return None if self.problem is None else f"not recorded in nbgrader's gradebook: {self.problem}"


def publish(course_dir: Path, assignment: Assignment, result: SubmissionResult) -> str | None:
    """Record one graded submission in nbgrader's gradebook and its autograded
    folder, and write its feedback page where `nbgrader release_feedback`
    looks. Returns why it could not be recorded, or None."""
    problem = record(course_dir, assignment, result)
    if problem is None:
        write_feedback(course_dir, assignment, result)
    return problem


def record(course_dir: Path, assignment: Assignment, result: SubmissionResult) -> str | None:
    from nbgrader.api import MissingEntry

    notebook = assignment.notebook.removesuffix(".ipynb")
    folder = submission_folder(course_dir, result.student, assignment)
    timestamp = _read(folder, Path(course_dir) / "submitted", result.student)
    scores = result.concept_scores()
    with open_gradebook(course_dir) as gradebook:
        try:
            known = gradebook.find_notebook(notebook, assignment.name)
        except MissingEntry:
            return (f"the gradebook does not know {assignment.name}: release it with `autograder release "
                    f"{assignment.name}` (nbgrader generate_assignment) first")
        gradebook.update_or_create_student(result.student)
        extra = {"timestamp": timestamp} if timestamp else {}
        gradebook.update_or_create_submission(assignment.name, result.student, **extra)
        cells = {cell.name: cell for cell in known.grade_cells}
        for concept in assignment.concepts:
            if concept.cell not in cells:
                return f"the solution notebook has no graded cell {concept.cell} for concept {concept.name}"
        for name in cells:
            grade = gradebook.find_grade(name, notebook, assignment.name, result.student)
            concept = next((c for c in assignment.concepts if c.cell == name), None)
            if concept is not None:
                grade.auto_score = scores.get(concept.name, (0.0, 0.0))[0]
            elif cells[name].cell_type == "code":
                grade.auto_score = 0.0  # a visible check, worth nothing
            else:
                grade.auto_score = None  # an answer graded by hand, in the formgrader
            # As nbgrader's SaveAutoGrades: a manual score stays, and is flagged for a look.
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        gradebook.db.commit()
    _write_autograded(course_dir, assignment, result, folder)
    return None


def manual_grades(course_dir: Path, assignment: Assignment, student: str) -> list[ManualGrade]:
    """The answers graded by hand in the formgrader (score None until graded)."""
    notebook = assignment.notebook.removesuffix(".ipynb")
    with open_gradebook(course_dir) as gradebook:
        cells = gradebook.find_notebook(notebook, assignment.name).grade_cells
        return [ManualGrade(cell.name, gradebook.find_grade(cell.name, notebook, assignment.name, student).manual_score,
                            cell.max_score) for cell in cells if cell.cell_type == "markdown"]


def write_feedback(course_dir: Path, assignment: Assignment, result: SubmissionResult) -> Path:
    """The student's page in nbgrader's feedback folder, with what
    `nbgrader release_feedback` needs beside it."""
    folder = nbgrader_feedback_folder(course_dir, result.student, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    submitted = submission_folder(course_dir, result.student, assignment)
    for name in ("timestamp.txt", "submission_secret.txt"):
        copy_side_file(submitted / name, Path(course_dir) / "submitted", folder / name)
    page = folder / f"{assignment.notebook.removesuffix('.ipynb')}.html"
    write_atomic(page, feedback_html(result, assignment, manual_grades(course_dir, assignment, result.student)))
    return page


def _read(folder: Path, root: Path, student: str):
    """The submission's timestamp.txt as a time, or None; one that cannot be read
    (not a time, a link, a FIFO) costs a warning and is ignored, never an error
    inside nbgrader's gradebook (timestamps.py)."""
    from .timestamps import read_timestamp

    timestamp, problem = read_timestamp(folder, root)
    if problem:
        print(f"autograder: WARNING: {student}: {problem}", file=sys.stderr)
    return timestamp


def _write_autograded(course_dir: Path, assignment: Assignment, result: SubmissionResult, folder: Path) -> None:
    """The submitted notebook as the formgrader shows it: each concept's graded
    cell carries, as its output, the concept's tests and what they found; no
    other output, and nothing of the student's that a browser would run
    (autograded.py)."""
    destination = Path(course_dir) / "autograded" / result.student / assignment.name
    destination.mkdir(parents=True, exist_ok=True)
    for name in ("timestamp.txt", "submission_secret.txt"):
        copy_side_file(folder / name, Path(course_dir) / "submitted", destination / name)  # as write_feedback
    page = destination / assignment.notebook
    try:
        # Read as the grader read it: not through a link, and only a regular file of the submission's own.
        submitted = load_notebook(Path(result.submission), Path(course_dir) / "submitted")
    except NotebookError:
        page.unlink(missing_ok=True)  # an unreadable submission: the formgrader has nothing to show either
        return
    notebook = assignment.notebook.removesuffix(".ipynb")
    with open_gradebook(course_dir) as gradebook:
        trusted = trusted_notebook(gradebook, notebook, assignment.name, gradebook_url(course_dir))
    outputs = {c.cell: _concept_output(result, c) for c in assignment.concepts}
    try:
        shown = autograded_notebook(submitted, trusted, outputs)
    except Exception as exc:  # noqa: BLE001 - one submission's notebook never stops the batch
        page.unlink(missing_ok=True)  # never leave an earlier, unsanitized copy for the formgrader
        print(f"autograder: WARNING: {result.student}: no notebook for the formgrader ({type(exc).__name__})",
              file=sys.stderr)
        return
    write_atomic(page, shown)


def _concept_output(result: SubmissionResult, concept) -> str:
    score, max_score = result.concept_scores().get(concept.name, (0.0, 0.0))
    lines = [f"{concept.heading}: {score:g} / {max_score:g}"]
    for test in (t for t in result.tests if t.concept == concept.name):
        mark = "passed" if test.outcome == "passed" else test.outcome.upper()
        lines.append(f"  [{mark}] {test.title} ({test.score:g} / {test.max_score:g})")
        if test.outcome != "passed":
            lines += [f"      {line}" for line in test.message.splitlines()[:6]]
    return "\n".join(lines) + "\n"

