"""The pytest plugin that connects hidden grader tests to one submission.

It provides the fixtures grader tests use (`student`, `sandbox`, `rng`),
starts each test's clock, and turns each test's outcome into points.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pytest

from ..notebook import NotebookError
from ..sandbox.errors import StudentCrashed, StudentError, StudentTimeout
from ..sandbox.session import Sandbox, Student
from .results import TestResult


def classify(excinfo: pytest.ExceptionInfo | None) -> tuple[str, str]:
    """(outcome, message) for a test that raised `excinfo` (None: it passed)."""
    if excinfo is None:
        return "passed", ""
    exc = excinfo.value
    if isinstance(exc, StudentTimeout):
        return "timeout", str(exc)
    if isinstance(exc, StudentError):
        return "failed", f"{exc}\n{exc.traceback}".strip()
    if isinstance(exc, StudentCrashed):
        return "failed", str(exc)
    if isinstance(exc, AssertionError):
        return "failed", str(exc)
    if isinstance(exc, NotebookError):
        return "error", str(exc)
    return "error", f"the grader could not run this test ({type(exc).__name__}: {exc})"


def test_name(item: pytest.Item) -> str:
    path = item.nodeid.split("::", 1)
    module = path[0].rsplit("/", 1)[-1].removesuffix(".py")
    return f"{module}::{path[1]}" if len(path) == 2 else module


class GradingPlugin:
    def __init__(self, sandbox: Sandbox, seed_material: str):
        self._box = sandbox
        self.seed_material = seed_material
        self.results: dict[str, TestResult] = {}

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(value): points a grader test is worth")
        config.addinivalue_line("markers", "time_limit(seconds): limit on the student's code in this test")

    @pytest.fixture
    def student(self, request: pytest.FixtureRequest):
        marker = request.node.get_closest_marker("time_limit")
        seconds = marker.args[0] if marker else self._box.limits.test_seconds
        self._box.set_time_limit(seconds)
        yield Student(self._box)
        self._box.clear_time_limit()

    @pytest.fixture
    def sandbox(self, student: Student) -> Sandbox:
        return self._box

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        """Random draws fixed per course secret, student and test (hidden from students)."""
        digest = hashlib.sha256(f"{self.seed_material}|{request.node.nodeid}".encode()).digest()
        return np.random.default_rng(int.from_bytes(digest[:16], "little"))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        report = outcome.get_result()
        if call.when == "call" or (call.when == "setup" and report.failed):
            kind, message = classify(call.excinfo)
            marker = item.get_closest_marker("points")
            max_score = float(marker.args[0]) if marker else 1.0
            score = max_score if kind == "passed" else 0.0
            self.results[item.nodeid] = TestResult(test_name(item), score, max_score, kind, message)
