"""Grade submissions: each notebook in its own student process, the hidden
tests in this (grader) process, each result on disk before the next starts."""
from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pytest

from ..assignments import GRADERS, Assignment
from ..sandbox.isolation import free_sandbox_uid
from ..notebook import NotebookError, load_code_cells, load_notebook, manual_answers
from ..sandbox.session import Limits, Sandbox
from ..sandbox.zygote import Zygote
from .plugin import GradingPlugin
from .results import SubmissionResult, TestResult

SECRET_FILE = ".autograder_secret"
MAX_COPIED_FILE = 64 * 1024**2


@dataclass(frozen=True)
class Submission:
    student: str
    notebook: Path


def course_secret(course_dir: Path) -> str:
    """The course's secret seed material: never sent to a student process."""
    if os.environ.get("AUTOGRADER_SECRET"):
        return os.environ["AUTOGRADER_SECRET"]
    path = Path(course_dir) / SECRET_FILE
    if not path.exists():
        path.write_text(secrets.token_hex(32) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


PACKAGE = Path(__file__).resolve().parent.parent


def make_fence(hidden: Iterable[Path] = ()) -> dict:
    """How student processes are fenced in (see sandbox/isolation.py): the
    folders and files they must not see, and, when the grader runs as root,
    an unprivileged user id of their own."""
    fence = {"hide": [str(GRADERS), str(PACKAGE / "variants"), *(str(Path(p).resolve()) for p in hidden)],
             "read_only": [str(PACKAGE), sys.prefix, sys.base_prefix]}
    if os.geteuid() == 0:
        uid = free_sandbox_uid()
        fence.update(uid=uid, gid=uid)
    return fence


def _copy_submission_folder(source: Path, workdir: Path) -> None:
    """The student's own files (data they read), minus anything oversized."""
    for item in source.iterdir():
        if item.is_file() and not item.is_symlink() and item.stat().st_size <= MAX_COPIED_FILE:
            shutil.copy2(item, workdir / item.name)


def _give_to(workdir: Path, uid: int) -> None:
    for path in [workdir, *workdir.rglob("*")]:
        os.chown(path, uid, uid, follow_symlinks=False)


def _notes(sandbox: Sandbox, load_error: str | None) -> list[str]:
    if load_error:
        return [f"Your notebook could not be graded: {load_error}"]
    notes = []
    for report in sandbox.cell_reports:
        if report.outcome == "error":
            notes.append(f"{report.cell.describe()} raised an error when run from the top: {report.message}")
        elif report.outcome == "skipped":
            notes.append(f"{report.cell.describe()} {report.message}")
    return notes


def grade_submission(assignment: Assignment, submission: Submission, zygote: Zygote, secret: str,
                     limits: Limits | None = None, fence: dict | None = None) -> SubmissionResult:
    load_error = None
    manual = []
    try:
        notebook = load_notebook(submission.notebook)
        cells, manual = load_code_cells(submission.notebook, notebook), manual_answers(notebook)
    except NotebookError as exc:
        cells, load_error = [], str(exc)
    result = SubmissionResult(submission.student, str(submission.notebook))
    with tempfile.TemporaryDirectory(prefix="autograder-") as workdir:
        if load_error is None:
            _copy_submission_folder(submission.notebook.parent, Path(workdir))
        if fence and fence.get("uid") is not None:
            _give_to(Path(workdir), int(fence["uid"]))
        sandbox = Sandbox(zygote, cells, Path(workdir), limits, load_error=load_error, fence=fence)
        plugin = GradingPlugin(sandbox, f"{secret}|{assignment.name}|{submission.student}")
        args = [*map(str, assignment.test_files()), "-c", str(GRADERS / "pytest.ini"), "--rootdir", str(GRADERS),
                "-p", "no:cacheprovider", "-p", "no:terminal", "--assert=plain",
                "-W", "ignore::pytest.PytestAssertRewriteWarning"]
        try:
            pytest.main(args, plugins=[plugin])
        finally:
            sandbox.close()
        result.tests = list(plugin.results.values())
        for problem in sandbox.isolation_problems:
            print(f"autograder: warning: student process not fully isolated: {problem}", file=sys.stderr)
        result.notes = _notes(sandbox, load_error) + [
            f"cell {a.number} ({a.grade_id}) is graded by hand ({a.points:g} points): not part of this score"
            for a in manual]
    if not result.tests:
        # The grader itself failed before any test ran: say so rather than lose the submission.
        result.tests = [TestResult("grading", 0.0, 0.0, "error", "the hidden tests could not be collected")]
    return result


def grade_all(assignment: Assignment, submissions: Iterable[Submission], secret: str,
              on_result: Callable[[Submission, SubmissionResult], None], limits: Limits | None = None,
              previous: Callable[[Submission], SubmissionResult | None] | None = None,
              hidden: Iterable[Path] = (), zygote_log: Path | None = None) -> list[SubmissionResult]:
    """Grade one after another from one warm template. `previous` returns a
    result already on disk (then the submission is not graded again);
    `on_result` saves each new one before the next starts."""
    results = []
    fence = make_fence(hidden)
    with Zygote(zygote_log) as zygote:
        for submission in submissions:
            result = previous(submission) if previous else None
            if result is None:
                result = grade_submission(assignment, submission, zygote, secret, limits, fence)
                on_result(submission, result)
            results.append(result)
    return results
