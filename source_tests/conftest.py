"""Shared fixtures: one warm template for the session, and helpers that grade
real notebooks through the real sandbox and hidden tests."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

from autograder.assignments import get_assignment
from autograder.grading.results import SubmissionResult
from autograder.grading.runner import GradingContext, Submission, fence_for, grade_submissions
from autograder.sandbox.limits import Limits
from autograder.sandbox.uids import UidLease
from autograder.sandbox.zygote import Zygote
from autograder.variants import Variant, write_variant
from autograder.variants.sweep import Sweep, released, run as sweep_run, solution, student_ids

REPO = Path(__file__).resolve().parent.parent
SECRET = "source-tests-secret"
SWEEP_IDS = 2  # student ids per variant in CI's sample of the fairness sweep (benchmarks/sweep.py runs 20)


@pytest.fixture(scope="session", autouse=True)
def shared_calibrations(tmp_path_factory):
    """One calibration cache for every batch the tests start (each in a course folder of its own), as
    one course keeps it: after a batch per assignment, the reference is graded beside the students."""
    os.environ.setdefault("AUTOGRADER_CALIBRATION_CACHE", str(tmp_path_factory.mktemp("calibrations")))


def base_name(test_name: str) -> str:
    """'test_layers::test_step[multiplication_weight]' -> 'test_step'."""
    return test_name.split("::")[-1].split("[")[0]


def not_passed(result: SubmissionResult) -> list[str]:
    return [t.name for t in result.tests if t.outcome != "passed"]


@pytest.fixture(scope="session")
def uid():
    """A user id of its own for student processes, as `autograder grade` leases one (root only)."""
    if os.geteuid() != 0:
        yield None
        return
    with UidLease() as lease:
        yield lease.uid


@pytest.fixture(scope="session")
def templates():
    """One warm template per kind of student process (with or without torch), started on first use."""
    started: dict[tuple, Zygote] = {}

    def get(assignment: str) -> Zygote:
        a = get_assignment(assignment)
        key = (a.student_modules, a.denied_modules)
        if key not in started:
            started[key] = Zygote(preload=a.student_modules, deny=a.denied_modules).__enter__()
        return started[key]
    yield get
    for template in started.values():
        template.stop()


@pytest.fixture(scope="session")
def context(uid) -> Callable[..., GradingContext]:
    """What `autograder grade` would grade with: the real fence."""
    def make(assignment: str, limits: Limits | None = None) -> GradingContext:
        a = get_assignment(assignment)
        return GradingContext(a, SECRET, fence_for(a, uid), limits or Limits())
    return make


@pytest.fixture(scope="session")
def grade(templates, context) -> Callable[..., SubmissionResult]:
    def _grade(assignment: str, notebook: Path, student: str = "student",
               limits: Limits | None = None) -> SubmissionResult:
        [result] = grade_submissions(context(assignment, limits), templates(assignment).client(),
                                     [Submission(student, Path(notebook))])
        assert not result.grader_errors, [(t.name, t.message) for t in result.grader_errors]
        return result
    return _grade


@pytest.fixture
def make_variant(tmp_path) -> Callable[[str, Variant], Path]:
    def _make(assignment: str, variant: Variant) -> Path:
        destination = tmp_path / variant.name / f"{assignment}.ipynb"
        return write_variant(variant, released(assignment), solution(assignment), destination)
    return _make


@pytest.fixture(scope="session")
def swept(tmp_path_factory) -> Callable[[str], Sweep]:
    """The fairness sweep of an assignment on 3 student ids, graded in one batch through the real
    CLI, a grader process per CPU: the instructor's solution, every correct way of the corpus, the
    released stub, the submissions that compute nothing, and every bug of the variant table."""
    cache: dict[str, Sweep] = {}

    def get(assignment: str) -> Sweep:
        if assignment not in cache:
            cache[assignment] = sweep_run(assignment, SWEEP_IDS, SECRET, tmp_path_factory.mktemp(f"sweep-{assignment}"))
        return cache[assignment]
    return get


@pytest.fixture(scope="session")
def graded_class(swept) -> Callable[[str], dict[str, SubmissionResult]]:
    """Each variant's result on the sweep's first student id, by variant name."""
    return lambda assignment: {row.variant.name: row.results[student_ids(1)[0]] for row in swept(assignment).rows}
