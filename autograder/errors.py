"""Why a command could not do its job: what `autograder` reports to the
instructor (exit 2: it could not start; exit 3: the hidden tests failed on
their own side). Kept apart so that the command line imports nothing heavy
before it needs to."""
from __future__ import annotations


class CannotRun(Exception):
    """The command cannot start here; the message says why and what to do (exit 2)."""


class UnknownAssignment(CannotRun, LookupError):
    pass


class NoSuchPath(CannotRun, FileNotFoundError):
    pass


class NbgraderError(CannotRun, RuntimeError):
    pass


class CannotGrade(CannotRun, RuntimeError):
    """Student processes cannot be fenced in (and no opt-in), or not even started."""


class ZygoteError(CannotRun, RuntimeError):
    """The template process could not be started or stopped answering."""


class GraderFailure(RuntimeError):
    """The hidden tests failed on their own side: no score may be given (exit 3)."""


class ReferenceFailed(GraderFailure):
    """The reference solution, graded first in every batch, did not get full
    marks: the environment or the hidden tests are broken, nobody is graded (exit 3)."""
