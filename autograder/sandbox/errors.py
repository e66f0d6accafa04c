"""What can go wrong with a student's code, as the grader sees it."""
from __future__ import annotations


class StudentProblem(Exception):
    """Base class: the student's code, not the grader, is at fault."""


class StudentError(StudentProblem):
    """Student code raised an exception (the message is safe to show the student)."""

    def __init__(self, kind: str, message: str, traceback: str = "", where: str = ""):
        self.kind = kind
        self.message = message
        self.traceback = traceback
        self.where = where
        prefix = f"{where} raised" if where else "your code raised"
        super().__init__(f"{prefix} {kind}: {message}" if message else f"{prefix} {kind}")


class StudentTimeout(StudentProblem):
    """Student code did not answer before the time limit; its process was killed."""


class StudentCrashed(StudentProblem):
    """The student process ended (os._exit, a crash, a kill or a limit) or misbehaved."""
