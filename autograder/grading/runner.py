"""Grade submissions: each notebook in its own fenced student process, the
hidden tests in this (grader) process, in one pytest session."""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Generator, Iterable

import pytest

from ..assignments import GRADERS, Assignment
from ..notebook import NotebookError, load_code_cells, load_notebook, manual_answers, reference_answer_titles
from ..student_files import TooLarge, UnsafeFile, copy_student_file
from ..timestamps import timestamp_problem
from .caps import capped
from ..sandbox.isolation import NAMESPACES, Fence
from ..sandbox.budgets import Calibration, TimePolicy
from ..sandbox.limits import Limits
from ..sandbox.session import IsolationFailed, Sandbox, Scratch
from ..sandbox.zygote import ZygoteClient
from ..submissions import Submission, not_this_assignment
from .plugin import GraderFailure, GradingPlugin, SubmissionRun
from .results import SubmissionResult, TestResult
from .units import solutions_folder

SECRET_FILE = ".autograder_secret"
MAX_COPIED_FILE = 64 * 1024**2
MAX_COPIED_TOTAL = 256 * 1024**2
PACKAGE = Path(__file__).resolve().parent.parent
# pytest plugins a grading session does without: terminal output, caching,
# output capture, warning and log capture, and the plugins whose session end
# runs full garbage collections.
PYTEST_ARGS = ["-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:logging", "-p", "no:warnings",
               "-p", "no:faulthandler", "-p", "no:unraisableexception", "-p", "no:threadexception",
               "-p", "no:junitxml", "-p", "no:doctest", "-p", "no:pastebin", "-p", "no:stepwise",
               "--capture=no", "--assert=plain"]


@dataclass(frozen=True)
class GradingContext:
    """Everything a grader process needs to grade any submission of a batch."""

    assignment: Assignment
    secret: str
    fence: Fence
    limits: Limits = field(default_factory=Limits)
    calibration: Calibration | None = None  # the reference solution's times: each limit's scale (budgets.py)
    units_from_reference: bool = True  # False: no reference solution at hand (grading/units.py)

    @property
    def policy(self) -> TimePolicy:
        return TimePolicy(self.limits, self.calibration)


def course_secret(course_dir: Path) -> str:
    """The course's secret seed material: never sent to a student process."""
    if os.environ.get("AUTOGRADER_SECRET"):
        return os.environ["AUTOGRADER_SECRET"]
    path = Path(course_dir) / SECRET_FILE
    if not path.exists():
        path.write_text(secrets.token_hex(32) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def _copy_own_files(submission: Submission, home: Path) -> None:
    """The student's own files (data they read, a module they import), minus
    anything oversized and folders; from a folder shared with other
    submissions, only the notebook. Each is opened without following links
    (student_files): a link, FIFO, device, socket or another's hard link
    among them refuses the whole submission (UnsafeFile), as the notebook would."""
    folder = submission.notebook.parent
    names = [submission.notebook.name] if submission.shared_folder else sorted(os.listdir(folder))
    left = MAX_COPIED_TOTAL
    for name in names:
        if os.path.isdir(folder / name) and not os.path.islink(folder / name):
            continue  # folders are not copied (nor entered)
        try:
            left -= copy_student_file(folder / name, submission.root, home / name, min(MAX_COPIED_FILE, left))
        except TooLarge:
            pass  # an oversized file is left out, as it always was


def _notes(sandbox: Sandbox, load_error: str | None, manual, cells, assignment: str) -> list[str]:
    if load_error:
        return [f"Your notebook could not be graded: {load_error}"]
    foreign = not_this_assignment([cell.source for cell in cells], assignment)
    notes = [foreign] if foreign else []
    for report in sandbox.cell_reports:
        if report.outcome == "error":
            notes.append(f"{report.cell.describe()} raised an error when run from the top: {report.message}")
        elif report.outcome == "skipped":
            notes.append(f"{report.cell.describe()} {report.message}")
    titles = reference_answer_titles(solutions_folder() / assignment / f"{assignment}.ipynb") if manual else {}
    return notes + [f"{a.named(titles)} is graded by hand ({a.points:g} points): not part of this score"
                    for a in manual]


def grade_one(context: GradingContext, zygote: ZygoteClient,
              submission: Submission) -> Generator[SubmissionRun, list[TestResult], SubmissionResult]:
    """Prepare one submission's sandbox, hand it to the test session (yield)
    and turn the test results sent back into the submission's result."""
    started = time.monotonic()
    load_error, cells, manual = None, [], []
    try:
        notebook = load_notebook(submission.notebook, submission.root)
        cells, manual = load_code_cells(submission.notebook, notebook), manual_answers(notebook)
    except NotebookError as exc:
        load_error = str(exc)
    scratch = Scratch.make()
    try:
        if load_error is None:
            try:
                _copy_own_files(submission, scratch.home)
            except (UnsafeFile, OSError) as exc:  # refused, with the reason: 0 points, the batch goes on
                load_error, cells, manual = str(exc), [], []
        sandbox = Sandbox(zygote, cells, scratch, context.fence, context.limits, load_error, context.policy)
        run = SubmissionRun(sandbox, f"{context.secret}|{context.assignment.name}|{submission.student}",
                            context.units_from_reference)
        tests = yield run
    finally:
        scratch.remove()
    notes = _notes(sandbox, load_error, manual, cells, context.assignment.name) + _timestamp_notes(submission)
    return capped(SubmissionResult(submission.student, str(submission.notebook), tests, notes,
                                   context.fence.describe(sandbox.limits_in_force()), time.monotonic() - started,
                                   sandbox.student_cpu, run.test_cpu, sandbox.cell_cpu))


def _timestamp_notes(submission: Submission) -> list[str]:
    """nbgrader's timestamp.txt beside the notebook, when it cannot be read as a time (it is then ignored)."""
    if submission.shared_folder:
        return []
    problem = timestamp_problem(submission.notebook.parent, submission.root)
    return [f"Warning: {problem}"] if problem else []


def run_session(context: GradingContext, jobs: Generator[SubmissionRun, list[TestResult], None],
                on_test: Callable[[str, int, int], None] | None = None) -> None:
    """One pytest session over the hidden tests, grading every job `jobs` yields
    (`on_test(concept, index, total)` as each test starts)."""
    assignment = context.assignment
    plugin = GradingPlugin(assignment, jobs, on_test)
    args = [*map(str, assignment.test_files()), "-c", str(GRADERS / "pytest.ini"), "--rootdir", str(GRADERS),
            *PYTEST_ARGS]
    code = pytest.main(args, plugins=[plugin])
    if plugin.error is not None:
        raise plugin.error
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise GraderFailure(f"the hidden tests of {assignment.name} could not run (pytest exit code {int(code)})"
                            + (": " + "; ".join(plugin.collection_errors) if plugin.collection_errors else ""))


def grade_submissions(context: GradingContext, zygote: ZygoteClient,
                      submissions: Iterable[Submission]) -> list[SubmissionResult]:
    """Grade in this process, one after another (the pool's workers and the
    project's tests use this)."""
    results: list[SubmissionResult] = []

    def jobs():
        for submission in submissions:
            results.append((yield from grade_one(context, zygote, submission)))

    run_session(context, jobs())
    return results


@dataclass(frozen=True)
class Probe:
    error: str | None  # why student processes cannot be fenced in, if they cannot
    warnings: tuple[str, ...] = ()


def probe_isolation(context: GradingContext, zygote: ZygoteClient) -> Probe:
    """Start one empty student process with the context's fence."""
    scratch = Scratch.make()
    sandbox = Sandbox(zygote, [], scratch, context.fence, context.limits)
    try:
        sandbox.ensure_started()
        return Probe(None, tuple(sandbox.warnings))
    except IsolationFailed as exc:
        return Probe(str(exc))
    finally:
        sandbox.close()
        scratch.remove()


def fence_for(assignment: Assignment, uid: int | None, mode: str = NAMESPACES) -> Fence:
    return Fence(mode, uid, assignment.denied_modules)


def unisolated_warning(reason: str) -> str:
    return (f"autograder: WARNING: student processes are NOT isolated ({reason}); grading anyway because of "
            "--allow-unisolated. Every result records it.")


def refuse_message(reason: str) -> str:
    return (f"student processes cannot be fenced in on this machine: {reason}\n"
            "autograder grades only when each student process gets its own filesystem, PID and network "
            "namespaces. Run it as root, or allow unprivileged user namespaces "
            "(sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0; in a container: "
            "--security-opt seccomp=unconfined or a privileged container), or pass --allow-unisolated to grade "
            "with what is left (an own user id when root, file permissions) and have every result say so.")

