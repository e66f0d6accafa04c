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
from autograder.sandbox.session import Limits
from autograder.sandbox.uids import UidLease
from autograder.sandbox.zygote import Zygote
from autograder.variants import Variant, write_variant

REPO = Path(__file__).resolve().parent.parent
SECRET = "source-tests-secret"


def released(assignment: str) -> Path:
    return REPO / "assignments" / assignment / f"{assignment}.ipynb"


def solution(assignment: str) -> Path:
    return REPO / "solutions" / assignment / f"{assignment}.ipynb"


def base_name(test_name: str) -> str:
    """'test_layers::test_step[multiplication_weight]' -> 'test_step'."""
    return test_name.split("::")[-1].split("[")[0]


def not_passed(result: SubmissionResult) -> list[str]:
    return [t.name for t in result.tests if t.outcome != "passed"]


def _targets(target: str, test_name: str) -> bool:
    """A variant's target names a test ('test_step') or one case ('test_fit[fit_nn]')."""
    local = test_name.split("::")[-1]
    return target in (local, base_name(test_name))


def assert_bug_caught(result: SubmissionResult, variant: Variant) -> None:
    """The bug loses the points of every test it targets, and only a bounded number of others."""
    failing = not_passed(result)
    missed = [t for t in variant.targets if not any(_targets(t, name) for name in failing)]
    assert not missed, f"{variant.description}: {missed} still passed"
    others = [n for n in failing if not any(_targets(t, n) for t in variant.targets)]
    assert len(others) <= variant.max_other_failures, (
        f"{variant.description}: {len(others)} untargeted tests failed: {others}")
    assert 0 < result.score < result.max_score, (result.score, result.max_score)


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
