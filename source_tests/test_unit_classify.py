"""Whose fault a failing test is: the student's (scored) or the grader's
(the batch stops), by exception and phase (fast)."""
from __future__ import annotations

import pytest

from autograder.grading.plugin import classify
from autograder.notebook import NotebookError
from autograder.sandbox.errors import StudentCrashed, StudentError, StudentTimeout


def _raised(exc: BaseException) -> pytest.ExceptionInfo:
    try:
        raise exc
    except BaseException:
        return pytest.ExceptionInfo.from_current()


@pytest.mark.parametrize("exc, outcome", [
    (AssertionError("expected 1, got 2"), "failed"), (StudentError("ValueError", "bad"), "failed"),
    (StudentCrashed("exited with code 3"), "failed"), (StudentTimeout("did not finish"), "timeout"),
    (NotebookError("not a notebook"), "error"), (TypeError("'float' object is not callable"), "failed"),
    (AttributeError("'list' object has no attribute 'grad'"), "failed"), (IndexError("tuple index"), "failed")])
def test_what_the_student_causes_is_scored(exc, outcome):
    found, message, grader_fault = classify(_raised(exc), "call")
    assert (found, grader_fault) == (outcome, False) and message


@pytest.mark.parametrize("exc, when", [(NameError("helper"), "call"), (ImportError("scipy"), "call"),
                                      (RuntimeError("torch"), "call"), (KeyError("table"), "setup"),
                                      (TypeError("fixture"), "setup")])
def test_what_the_grader_causes_stops_the_batch(exc, when):
    outcome, message, grader_fault = classify(_raised(exc), when)
    assert outcome == "error" and grader_fault and type(exc).__name__ in message


def test_a_pass_is_a_pass():
    assert classify(None) == ("passed", "", False)
