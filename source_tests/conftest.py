"""Shared fixtures: one warm template for the session, and helpers that grade
real notebooks through the real sandbox and hidden tests."""
from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from autograder.assignments import get_assignment
from autograder.grading.results import SubmissionResult
from autograder.grading.runner import GradingContext, Submission, fence_for, grade_submissions
from autograder.sandbox.limits import Limits
from autograder.sandbox.uids import UidLease
from autograder.sandbox.zygote import Zygote
from autograder.variants import DO_NOTHING, Variant, do_nothing, write_variant

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


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory) -> Callable[[str], dict[str, SubmissionResult]]:
    """A whole class per assignment graded in one batch through the real CLI,
    a grader process per CPU: the instructor's solution, the released stub,
    the submissions that compute nothing, and every bug of the variant table
    (a student each, named after it)."""
    cache: dict[str, dict[str, SubmissionResult]] = {}

    def get(assignment: str) -> dict[str, SubmissionResult]:
        if assignment not in cache:
            folder = tmp_path_factory.mktemp(f"class-{assignment}")
            variants = [*(do_nothing(kind, solution(assignment)) for kind in DO_NOTHING),
                        *importlib.import_module(f"autograder.variants.{assignment}").BUGS]
            for variant in variants:
                write_variant(variant, released(assignment), solution(assignment),
                              folder / variant.name / f"{variant.name}.ipynb")
            for name, notebook in (("solution", solution(assignment)), ("stub", released(assignment))):
                (folder / name).mkdir()
                shutil.copy2(notebook, folder / name / f"{name}.ipynb")
            proc = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", assignment,
                                   *map(str, sorted(p for p in folder.iterdir() if p.is_dir())), "--json",
                                   "--output", str(folder.parent / f"{folder.name}-out")],
                                  env=dict(os.environ, AUTOGRADER_SECRET=SECRET), capture_output=True, text=True,
                                  timeout=1800)
            assert proc.returncode == 0, proc.stderr[-3000:]
            cache[assignment] = {r["student"]: SubmissionResult.from_json(r) for r in json.loads(proc.stdout)}
        return cache[assignment]
    return get
