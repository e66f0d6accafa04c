"""Results recorded where nbgrader users live: its gradebook, its autograded
folder (what the formgrader shows) and its feedback folder (what
`nbgrader release_feedback` sends to students).

For each submission, as `nbgrader autograde` would: the submission and its
timestamp in the gradebook, each concept's score as the automatic score of the
concept's graded cell (declared in the solution notebook with the concept's
points), zero for the visible checks (worth nothing), the hand-graded answers
left to the formgrader, and the course's late-submission policy applied
with nbgrader's own AssignLatePenalties (the due date, the student's
extension, the configured LateSubmissionPlugin). A manual score given there
is never touched: grading again replaces automatic scores only, and an answer
graded by hand stays graded (unless the student submitted again since). A
result kept from an earlier batch is not published again. The feedback page
shows the manual scores given so far and the late penalty (`autograder
feedback` writes the pages again after grading by hand, or after a change of
due date or extension). Every file is written with the modes nbgrader gives
its own, group-writable when the course sets `CourseDirectory.groupshared`.
"""
from __future__ import annotations

import io
import logging
import os
import shutil
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from .assignments import Assignment
from .autograded import autograded_notebook, trusted_notebook
from .feedback import Late, ManualGrade, feedback_html, nbgrader_feedback_folder
from .formgrader_ids import unsafe_student_id
from .grading.results import GROUP_SHARED, FileModes, SubmissionResult, make_folders, use_file_modes, write_atomic
from .grading.units import solutions_folder
from .notebook import NotebookError, load_notebook, reference_answer_titles
from .student_files import copy_side_file

if TYPE_CHECKING:
    from nbgrader.api import Gradebook
    from traitlets.config import Config

_QUIET = logging.getLogger("autograder.nbgrader")  # nbgrader's log lines about each late submission
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


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


def course_config(course_dir: Path) -> "Config":
    """The course's nbgrader configuration, loaded as an nbgrader command run
    in the course directory loads it (its nbgrader_config.py, Jupyter's config
    folders, the course directory on sys.path for a plugin kept there).
    Raises NbgraderError when nbgrader cannot read it."""
    from nbgrader.apps.baseapp import NbGrader
    from nbgrader.utils import chdir

    from .errors import NbgraderError

    said = logging.StreamHandler(io.StringIO())  # why nbgrader gives up, which it logs
    _QUIET.addHandler(said)
    path = list(sys.path)
    try:
        with chdir(str(course_dir)):
            app = NbGrader(log=_QUIET)
            app.initialize([])
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - nbgrader exits on a bad configuration
        reason = said.stream.getvalue().strip() or f"{type(exc).__name__}: {exc}"
        raise NbgraderError(f"nbgrader cannot read the configuration of {course_dir}: {reason}") from exc
    finally:
        _QUIET.removeHandler(said)
        # nbgrader puts the course directory first on sys.path; last here, a plugin kept there is
        # still found, and nothing in the course directory shadows a module the graders import.
        sys.path[:] = path + [entry for entry in sys.path if entry not in path]
    return app.config


def course_file_modes(config: "Config") -> FileModes:
    """nbgrader's modes for the course (CourseDirectory.groupshared)."""
    from nbgrader.coursedir import CourseDirectory

    return GROUP_SHARED if CourseDirectory(config=config).groupshared else FileModes()


class NbgraderCourse:
    """The nbgrader course a batch of its submitted/ folder is published to;
    the first problem (say, the gradebook does not know the assignment) is
    reported once and stops further attempts."""

    def __init__(self, course_dir: Path, assignment: Assignment):
        self.course_dir, self.assignment = Path(course_dir), assignment
        self.problem: str | None = None
        self.config: "Config | None" = None

    def prepare(self) -> str | None:
        """Read the course's nbgrader configuration (once): every file written
        from now on gets the course's modes. Returns a warning, or None."""
        from .errors import NbgraderError

        if self.config is None and self.problem is None:
            try:
                self.config = course_config(self.course_dir)
            except NbgraderError as exc:
                self.problem = str(exc)
                return f"not recorded in nbgrader's gradebook: {self.problem}"
            use_file_modes(course_file_modes(self.config))
        return None

    def publish(self, result: SubmissionResult) -> str | None:
        """A warning for the instructor, the first time something cannot be recorded."""
        if (why := unsafe_student_id(result.student)) is not None:  # this student's alone: the others go on
            return f"{result.student!r} was not recorded in nbgrader's gradebook: {why}"
        if (warning := self.prepare()) is not None or self.problem is not None:
            return warning
        self.problem = publish(self.course_dir, self.assignment, result, self.config)
        return None if self.problem is None else f"not recorded in nbgrader's gradebook: {self.problem}"

    def publish_kept(self, result: SubmissionResult) -> str | None:
        """A result kept from an earlier batch: published only if the gradebook
        does not hold it yet (that batch stopped before it was recorded);
        otherwise its gradebook rows and feedback page are left untouched."""
        if unsafe_student_id(result.student) is None and self.prepare() is None and self.problem is None \
                and is_published(self.course_dir, self.assignment, result):
            return None
        return self.publish(result)


def publish(course_dir: Path, assignment: Assignment, result: SubmissionResult, config: "Config") -> str | None:
    """Record one graded submission in nbgrader's gradebook and its autograded
    folder, with the course's late penalty, and write its feedback page where
    `nbgrader release_feedback` looks. Returns why it could not be recorded, or None."""
    problem = record(course_dir, assignment, result) or assign_late_penalty(course_dir, assignment, result, config)
    if problem is None:
        write_feedback(course_dir, assignment, result)
    return problem


def is_published(course_dir: Path, assignment: Assignment, result: SubmissionResult) -> bool:
    """Whether the gradebook holds this very result (its submission's timestamp,
    each concept's automatic score) and its feedback page is written."""
    from nbgrader.api import MissingEntry

    if not feedback_page(course_dir, assignment, result.student).is_file():
        return False
    notebook = assignment.notebook.removesuffix(".ipynb")
    timestamp = _read(submission_folder(course_dir, result.student, assignment), Path(course_dir) / "submitted",
                      result.student)  # a timestamp that cannot be read is said again, as in every batch
    scores = result.concept_scores()
    with open_gradebook(course_dir) as gradebook:
        try:
            submission = gradebook.find_submission(assignment.name, result.student)
            recorded = [(gradebook.find_grade(c.cell, notebook, assignment.name, result.student).auto_score,
                         scores.get(c.name, (0.0, 0.0))[0]) for c in assignment.concepts]
        except MissingEntry:
            return False
        return submission.timestamp == timestamp and all(
            auto is not None and abs(auto - score) < 1e-9 for auto, score in recorded)


def assign_late_penalty(course_dir: Path, assignment: Assignment, result: SubmissionResult,
                        config: "Config") -> str | None:
    """nbgrader's AssignLatePenalties, as `nbgrader autograde` runs it after
    saving the scores: the submission's lateness (its timestamp, the due date,
    the student's extension) and the configured LateSubmissionPlugin
    (`penalty_method`, or a `plugin_class` of the course's) give the
    notebook's late_submission_penalty. Returns why it failed, or None."""
    from nbformat.v4 import new_notebook
    from nbgrader.preprocessors import AssignLatePenalties
    from sqlalchemy.exc import SAWarning

    try:
        late = AssignLatePenalties(config=config, log=_QUIET)
        if not late.enabled:
            return None
        resources = {"nbgrader": {"notebook": assignment.notebook.removesuffix(".ipynb"),
                                  "assignment": assignment.name, "student": result.student,
                                  "db_url": gradebook_url(course_dir)}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            late.preprocess(new_notebook(), resources)
    except Exception as exc:  # noqa: BLE001 - the course's own plugin: say what it did
        return f"the course's late-submission penalty could not be applied: {type(exc).__name__}: {exc}"
    return None


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
        cells = {cell.name: cell for cell in known.grade_cells}
        for concept in assignment.concepts:
            if concept.cell not in cells:
                return f"the solution notebook has no graded cell {concept.cell} for concept {concept.name}"
        gradebook.update_or_create_student(result.student)
        resubmitted = _timestamp_of(gradebook, assignment, result.student) != timestamp
        extra = {"timestamp": timestamp} if timestamp else {}
        gradebook.update_or_create_submission(assignment.name, result.student, **extra)
        for name in cells:
            grade = gradebook.find_grade(name, notebook, assignment.name, result.student)
            concept = next((c for c in assignment.concepts if c.cell == name), None)
            if concept is not None:
                grade.auto_score = scores.get(concept.name, (0.0, 0.0))[0]
            elif cells[name].cell_type == "code":
                grade.auto_score = 0.0  # a visible check, worth nothing
            else:
                grade.auto_score = None  # an answer graded by hand, in the formgrader
            grade.needs_manual_grade = _needs_a_look(grade, resubmitted)
        gradebook.db.commit()
    _write_autograded(course_dir, assignment, result, folder)
    return None


def _timestamp_of(gradebook: "Gradebook", assignment: Assignment, student: str):
    """The submission's timestamp in the gradebook; None when it has none (or no submission)."""
    from nbgrader.api import MissingEntry

    try:
        return gradebook.find_submission(assignment.name, student).timestamp
    except MissingEntry:
        return None


def _needs_a_look(grade, resubmitted: bool) -> bool:
    """An answer not graded by hand yet needs it; one graded by hand stays as
    the grader left it when the same submission is graded again, and is
    flagged for a look (as nbgrader's SaveAutoGrades does) when the student
    has submitted again since."""
    if grade.manual_score is None:
        return grade.auto_score is None
    return bool(grade.needs_manual_grade) or resubmitted


def manual_grades(course_dir: Path, assignment: Assignment, student: str) -> list[ManualGrade]:
    """The answers graded by hand in the formgrader (score None until graded), each named by its
    question's title in the reference notebook (else "the written answer N"), never by its grade id."""
    notebook = assignment.notebook.removesuffix(".ipynb")
    titles = reference_answer_titles(solutions_folder() / assignment.name / assignment.notebook)
    with open_gradebook(course_dir) as gradebook:
        cells = [c for c in gradebook.find_notebook(notebook, assignment.name).grade_cells if c.cell_type == "markdown"]
        return [ManualGrade(titles.get(cell.name) or f"the written answer {n}",
                            gradebook.find_grade(cell.name, notebook, assignment.name, student).manual_score,
                            cell.max_score) for n, cell in enumerate(cells, start=1)]


def lateness(course_dir: Path, assignment: Assignment, student: str) -> Late | None:
    """How late the submission is, as the gradebook has it (the student's
    extension included), and the penalty it cost; None when on time."""
    notebook = assignment.notebook.removesuffix(".ipynb")
    with open_gradebook(course_dir) as gradebook:
        submission = gradebook.find_submission(assignment.name, student)
        if not submission.total_seconds_late:
            return None
        penalty = gradebook.find_submission_notebook(notebook, assignment.name, student).late_submission_penalty
        return Late(submission.total_seconds_late, penalty or 0.0, submission.duedate,
                    submission.extension is not None)


def feedback_page(course_dir: Path, assignment: Assignment, student: str) -> Path:
    """The student's page in nbgrader's feedback folder."""
    name = assignment.notebook.removesuffix(".ipynb")
    return nbgrader_feedback_folder(course_dir, student, assignment) / f"{name}.html"


def write_feedback(course_dir: Path, assignment: Assignment, result: SubmissionResult) -> Path:
    """The student's page in nbgrader's feedback folder, with what
    `nbgrader release_feedback` needs beside it."""
    page = feedback_page(course_dir, assignment, result.student)
    make_folders(page.parent)
    submitted = submission_folder(course_dir, result.student, assignment)
    for name in ("timestamp.txt", "submission_secret.txt"):
        copy_side_file(submitted / name, Path(course_dir) / "submitted", page.parent / name)
    write_atomic(page, feedback_html(result, assignment, manual_grades(course_dir, assignment, result.student),
                                     lateness(course_dir, assignment, result.student)))
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
    make_folders(destination)
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

