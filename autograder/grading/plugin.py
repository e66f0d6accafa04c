"""The pytest plugin that runs an assignment's hidden tests on a stream of
submissions, in one pytest session per grader process.

The session collects the tests once. For each submission its `jobs`
generator yields a `SubmissionRun` (the submission's sandbox, ready to
start); every test runs against it, the last one tearing down fixtures of
every scope, so nothing of one submission reaches the next; the test
results are sent back into the generator. Reports pytest would build for
its terminal are skipped: only outcomes and messages are kept.

The plugin also gives grader tests their fixtures (`student`, `sandbox`,
`rng`), starts each test's clock and turns outcomes into points.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Generator

import numpy as np
import pytest
from _pytest.runner import runtestprotocol

from ..errors import GraderFailure
from ..assignments import Assignment
from ..notebook import NotebookError
from ..sandbox.errors import StudentCrashed, StudentError, StudentTimeout
from ..sandbox.handles import Remote, Student
from ..sandbox.session import Sandbox
from .compare import assert_unchanged, show
from .results import TestResult
from .units import Units


@dataclass
class SubmissionRun:
    """One submission as the hidden tests see it."""

    sandbox: Sandbox
    seed_material: str  # course secret | assignment | student
    # False: each unit's tests use every one of the student's units (no reference solution at hand, as in
    # a student's `autograder check` without the solutions)
    units_from_reference: bool = True
    results: dict[str, TestResult] = field(default_factory=dict)
    test_cpu: dict[str, float] = field(default_factory=dict)  # test name -> the student's CPU seconds in it


# In a test's body, these come from handling what the student's code returned
# (calling a number, indexing an object, ...): the student's failure. Any
# other exception there, and any exception in a fixture or at collection,
# is the grader's own: the batch stops rather than hand out zeros.
STUDENT_DATA_ERRORS = (TypeError, AttributeError, IndexError, KeyError, ValueError, OverflowError)


def classify(excinfo: pytest.ExceptionInfo | None, when: str = "call") -> tuple[str, str, bool]:
    """(outcome, message, the grader's own fault) for a test phase that raised
    `excinfo` (None: it passed)."""
    if excinfo is None:
        return "passed", "", False
    exc = excinfo.value
    if isinstance(exc, StudentTimeout):
        return "timeout", str(exc), False
    if isinstance(exc, StudentError):
        return "failed", f"{exc}\n{exc.traceback}".strip(), False
    if isinstance(exc, (StudentCrashed, AssertionError)):
        return "failed", str(exc), False
    if isinstance(exc, NotebookError):
        return "error", str(exc), False
    if isinstance(exc, pytest.skip.Exception):
        return "error", f"the hidden test was skipped ({exc})", True
    if when == "call" and isinstance(exc, STUDENT_DATA_ERRORS):
        return "failed", f"what your code returned could not be used as the notebook says ({type(exc).__name__}: " \
                         f"{str(exc)[:300]})", False
    return "error", f"the grader could not run this test ({type(exc).__name__}: {exc})", True


def draws(seed_material: str, nodeid: str) -> np.random.Generator:
    """The random draws of one test (`rng`) for one submission: fixed by the course secret, the
    assignment, the student and the test."""
    digest = hashlib.sha256(f"{seed_material}|{nodeid}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def test_title(item: pytest.Item) -> str:
    """The test's `title` mark filled with its parameters, else its id."""
    marker = item.get_closest_marker("title")
    params = getattr(getattr(item, "callspec", None), "params", {})
    if marker is None:
        return item.name
    words = {k: str(marker.kwargs[k].get(v, v) if k in marker.kwargs else v) for k, v in params.items()}
    try:
        return marker.args[0].format(**words)
    except (KeyError, IndexError, ValueError):
        return marker.args[0]


def test_name(item: pytest.Item) -> str:
    path = item.nodeid.split("::", 1)
    module = path[0].rsplit("/", 1)[-1].removesuffix(".py")
    return f"{module}::{path[1]}" if len(path) == 2 else module


def points_of(item: pytest.Item) -> float:
    marker = item.get_closest_marker("points")
    return float(marker.args[0]) if marker else 1.0


class Inputs:
    """Copies of the grader's inputs placed in the student process, to pass
    to the student's function and read back afterwards: a function must not
    change what it is given. Tensors are compared on values, dtype and
    requires_grad."""

    def __init__(self, sandbox: Sandbox, values: dict[str, Any]):
        self._sandbox = sandbox
        self._originals = values
        self._remotes = {name: sandbox.put(value) for name, value in values.items()}

    def __getattr__(self, name: str) -> Remote:
        try:
            return self._remotes[name]
        except KeyError:
            raise AttributeError(name) from None

    def check_unchanged(self, function: str) -> None:
        from ..sandbox.codec import TensorArg, TensorArray

        for name, original in self._originals.items():
            after = self._sandbox.fetch(self._remotes[name])
            what = f"{function} ({name})"
            if isinstance(original, TensorArg):
                if not isinstance(after, TensorArray):
                    raise AssertionError(f"{what} replaced the tensor it was given by {show(after)}")
                if after.requires_grad != original.requires_grad:
                    raise AssertionError(f"{what} changed requires_grad of the tensor it was given to "
                                         f"{after.requires_grad}: work on a copy (.clone().detach())")
                if after.dtype != original.values.dtype:
                    raise AssertionError(f"{what} changed the dtype of the tensor it was given to {after.dtype}")
                assert_unchanged(after, original.values, what)
            else:
                assert_unchanged(after, np.asarray(original), what)


class StudentProcess:
    """What the `sandbox` fixture gives a grader test: inputs to place in the
    student process and read back, and SGD iterations in one round trip."""

    def __init__(self, sandbox: Sandbox):
        self._sandbox = sandbox

    def inputs(self, **values: Any) -> Inputs:
        return Inputs(self._sandbox, values)

    def put(self, value: Any) -> Remote:
        return self._sandbox.put(value)

    def fetch(self, remote: Remote) -> Any:
        return self._sandbox.fetch(remote)

    def sgd(self, model: Remote, xs: list[float], ys: list[float], steps: list, factors: list[float]) -> None:
        self._sandbox.sgd(model, xs, ys, steps, factors)


class GradingPlugin:
    def __init__(self, assignment: Assignment, jobs: Generator[SubmissionRun, list[TestResult], None],
                 on_test: Callable[[str, int, int], None] | None = None):
        self.assignment = assignment
        self.jobs = jobs
        self.on_test = on_test  # called with (concept, index, total) as each test starts (a progress line)
        self.run: SubmissionRun | None = None
        self.collection_errors: list[str] = []
        self.error: BaseException | None = None  # raised again once pytest.main returns

    # -- collection ------------------------------------------------------
    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(value): points a grader test is worth")
        config.addinivalue_line("markers", "time_factor(factor): this test's limit is factor x the reference "
                                           "solution's CPU time in it (default: Limits.factor)")
        config.addinivalue_line("markers", "title(text): what the test checks, for the student")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            text = str(report.longrepr).strip().splitlines()
            self.collection_errors.append(f"collecting {report.nodeid or 'the tests'} failed: "
                                          + " | ".join(text[-3:]))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not session.items:
            self.collection_errors.append("no hidden test was collected")
        try:
            declared = {c.name: c.points for c in self.assignment.concepts}
            self.assignment.total_points  # noqa: B018 (checks the concepts against the total)
            found = dict.fromkeys(declared, 0.0)
            for item in session.items:
                concept = self.assignment.concept_of(item.path).name
                found[concept] = round(found[concept] + points_of(item), 6)
            for name, points in declared.items():
                if found[name] != round(points, 6):
                    self.collection_errors.append(f"the tests of concept {name!r} add up to {found[name]:g} points, "
                                                  f"but it is declared as {points:g}")
        except (AttributeError, LookupError, ValueError) as exc:
            self.collection_errors.append(str(exc))

    # -- the loop over submissions -----------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        """Grade every submission the jobs generator yields. What goes wrong
        here is kept for the caller of pytest.main (pytest would swallow it)."""
        try:
            if self.collection_errors:
                raise GraderFailure("; ".join(self.collection_errors))
            run = next(self.jobs)
            while True:
                run = self.jobs.send(self._grade(session, run))
        except StopIteration:
            pass
        except BaseException as exc:
            self.error = exc
        finally:
            self.jobs.close()
        return True

    def _grade(self, session: pytest.Session, run: SubmissionRun) -> list[TestResult]:
        self.run = run
        items = session.items
        try:
            for index, item in enumerate(items):
                if self.on_test is not None:
                    self.on_test(self.assignment.concept_of(item.path).name, index, len(items))
                # nextitem=None after the last test tears down fixtures of every scope.
                runtestprotocol(item, log=False, nextitem=items[index + 1] if index + 1 < len(items) else None)
        finally:
            self.run = None
            run.sandbox.close()
        for item in items:
            if item.nodeid not in run.results:
                self._record(run, item, "error", "the hidden test did not report an outcome", True)
        return [run.results[item.nodeid] for item in items]

    def _record(self, run: SubmissionRun, item: pytest.Item, outcome: str, message: str, grader_error: bool) -> None:
        max_score = points_of(item)
        concept = self.assignment.concept_of(item.path).name
        run.results[item.nodeid] = TestResult(test_name(item), max_score if outcome == "passed" else 0.0, max_score,
                                              outcome, message, test_title(item), concept, grader_error)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport | None:
        """Record the outcome and return a bare report (no traceback formatting)."""
        run = self.run
        if run is None:
            return None
        excinfo = call.excinfo
        if call.when == "call" or (excinfo is not None and item.nodeid not in run.results):
            self._record(run, item, *classify(excinfo, call.when))
        outcome = "passed" if excinfo is None else "failed"
        return pytest.TestReport(item.nodeid, item.location, {}, outcome, None, call.when,
                                 duration=call.duration, start=call.start, stop=call.stop)

    # -- fixtures for grader tests -----------------------------------------
    @pytest.fixture
    def student(self, request: pytest.FixtureRequest):
        run, name = self.run, test_name(request.node)
        box = run.sandbox
        marker = request.node.get_closest_marker("time_factor")
        box.set_time_limit(box.test_budget(name, marker.args[0] if marker else None))
        yield Student(box)
        run.test_cpu[name] = round(box.clear_time_limit(), 4)

    @pytest.fixture
    def units(self, student: Student) -> Units:
        """Views of the student process with some of the student's units and the reference for the rest."""
        a = self.assignment
        return Units(self.run.sandbox, a.name, a.program if self.run.units_from_reference else (), a.units)

    @pytest.fixture
    def sandbox(self, student: Student) -> StudentProcess:
        return StudentProcess(self.run.sandbox)

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        """Random draws fixed per course secret, student and test (hidden from students)."""
        return draws(self.run.seed_material, request.node.nodeid)

