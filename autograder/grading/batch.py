"""A batch graded the way `autograder grade` does it.

One warm template serves every grader process of the batch; each grader
process has a user id of its own for its student processes (as root). This
process imports what grading needs while the template warms up, probes the
fence (fail closed), then forks its grader processes (`--jobs`), which grade
side by side; results are yielded one at a time, as each submission is
graded.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Iterator

from ..errors import CannotGrade
from ..assignments import Assignment
from ..sandbox.isolation import UNISOLATED
from ..sandbox.limits import Limits
from ..sandbox.uids import UidLease
from ..sandbox.zygote import Zygote
from ..submissions import Submission
from .results import SubmissionResult
from .pool import grade_pool
from .runner import GradingContext, fence_for, probe_isolation, refuse_message, unisolated_warning


@dataclass(frozen=True)
class BatchOptions:
    limits: Limits
    jobs: int = 1
    allow_unisolated: bool = False


class Batch:
    """`with Batch(...) as batch: warnings = batch.start(); for submission,
    result in batch.grade(todo): ...`"""

    def __init__(self, assignment: Assignment, secret: str, options: BatchOptions):
        self.assignment, self.secret, self.options = assignment, secret, options
        self.jobs = max(1, options.jobs)
        self.leases: list[UidLease] = []
        self.zygote: Zygote | None = None
        self.contexts: list[GradingContext] = []

    def __enter__(self) -> "Batch":
        # The template first: it imports numpy, matplotlib (and torch) while this process does its own imports.
        self.zygote = Zygote(clients=self.jobs + 1, preload=self.assignment.student_modules,  # one for the probe
                             deny=self.assignment.denied_modules)
        self.zygote.launch()
        if os.geteuid() == 0:
            self.leases = [UidLease() for _ in range(self.jobs)]  # each cleared of what a killed run left
        uids = [lease.uid for lease in self.leases] or [None] * self.jobs
        self.contexts = [GradingContext(self.assignment, self.secret, fence_for(self.assignment, uid),
                                        self.options.limits) for uid in uids]
        return self

    def __exit__(self, *exc) -> None:
        if self.zygote is not None:
            self.zygote.stop()
        for lease in self.leases:
            lease.release()

    def start(self) -> list[str]:
        """Import what grading needs while the template warms up, then probe the
        fence (fail closed); returns the warnings to show the instructor."""
        import torch  # noqa: F401,PLC0415 (the references: imported once, before the workers are forked)

        probe = probe_isolation(self.contexts[0], self.zygote.clients[0])
        warnings = []
        if probe.error is not None:
            if not self.options.allow_unisolated:
                raise CannotGrade(refuse_message(probe.error))
            warnings.append(unisolated_warning(probe.error))
            self.contexts = [replace(c, fence=fence_for(self.assignment, c.fence.uid, UNISOLATED))
                             for c in self.contexts]
            probe = probe_isolation(self.contexts[0], self.zygote.clients[0])
            if probe.error is not None:
                raise CannotGrade(f"student processes cannot even be started unisolated: {probe.error}")
        return warnings + [f"autograder: WARNING: {w}" for w in probe.warnings]

    def grade(self, submissions: list[Submission]) -> Iterator[tuple[Submission, SubmissionResult]]:
        """Each submission's result, as soon as it is graded (in no fixed order)."""
        return grade_pool(self.contexts, self.zygote.clients[1:], submissions) if submissions else iter(())
