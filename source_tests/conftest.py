"""Shared fixtures: one warm template for the session, and helpers that grade
real notebooks through the real sandbox and hidden tests."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from autograder.assignments import get_assignment
from autograder.grading.results import SubmissionResult
from autograder.grading.runner import Submission, grade_submission, make_fence
from autograder.sandbox.session import Limits
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
def zygote():
    with Zygote() as template:
        yield template


@pytest.fixture(scope="session")
def fence() -> dict:
    """Student processes fenced in as `autograder grade` does it (hidden folders, own user id as root)."""
    return make_fence([REPO / "solutions"])


@pytest.fixture(scope="session")
def grade(zygote, fence) -> Callable[..., SubmissionResult]:
    def _grade(assignment: str, notebook: Path, student: str = "student",
               limits: Limits | None = None) -> SubmissionResult:
        return grade_submission(get_assignment(assignment), Submission(student, Path(notebook)),
                                zygote, SECRET, limits, fence)
    return _grade


@pytest.fixture
def make_variant(tmp_path) -> Callable[[str, Variant], Path]:
    def _make(assignment: str, variant: Variant) -> Path:
        destination = tmp_path / variant.name / f"{assignment}.ipynb"
        return write_variant(variant, released(assignment), solution(assignment), destination)
    return _make
