"""A batch graded the way `autograder grade` does it.

One warm template serves every grader process of the batch; each grader
process has a user id of its own for its student processes (as root). This
process imports what grading needs while the template warms up, probes the
fence (fail closed), then forks its grader processes (`--jobs`), which grade
side by side; results are yielded one at a time, as each submission is
graded.

The reference solution is graded first, by the first worker, with the
default limits (calibration.py): a result is yielded only once it has full
marks, and its times scale the students' limits. With a calibration cached
for this solution, these tests and this machine, the other workers start on
the students at once (their results are held until the reference passes);
without one, they wait for the reference's figures.
"""
from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from ..errors import CannotGrade
from ..assignments import Assignment
from ..sandbox.isolation import UNISOLATED
from ..sandbox.limits import Limits
from ..sandbox.uids import UidLease
from ..sandbox.zygote import Zygote
from ..submissions import Submission
from .results import SubmissionResult
from ..sandbox.budgets import Calibration
from .calibration import CalibrationCache, calibration_of, check_reference, reference_submission
from .pool import GraderPool
from .runner import GradingContext, fence_for, probe_isolation, refuse_message, unisolated_warning


@dataclass(frozen=True)
class BatchOptions:
    limits: Limits
    jobs: int = 1
    allow_unisolated: bool = False
    calibration_cache: Path | None = None  # a folder where calibrations are kept between batches
    calibration: Calibration | None = None  # one made elsewhere (Gradescope's, made at export)


class Batch:
    """`with Batch(...) as batch: warnings = batch.start(); for submission,
    result in batch.grade(todo): ...`"""

    def __init__(self, assignment: Assignment, secret: str, options: BatchOptions):
        self.assignment, self.secret, self.options = assignment, secret, options
        self.jobs = max(1, options.jobs)
        self.leases: list[UidLease] = []
        self.zygote: Zygote | None = None
        self.contexts: list[GradingContext] = []
        self.calibration: Calibration | None = None  # what the students' limits were scaled from, once known

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
        unisolated = any(c.fence.mode == UNISOLATED for c in self.contexts)
        for lease in self.leases:
            lease.release(shared_folders=unisolated)  # with a root of their own, they never wrote to the machine's

    def start(self) -> list[str]:
        """Import what grading needs while the template warms up, then probe the
        fence (fail closed); returns the warnings to show the instructor."""
        import torch  # noqa: PLC0415 (the references: imported once, before the workers are forked)

        _warm_autograd(torch)

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

    def calibrate(self) -> Calibration:
        """Grade the reference solution alone, as every batch does first, and
        return its calibration (raises ReferenceFailed short of full marks)."""
        reference = reference_submission(self.assignment)
        with GraderPool(self.contexts[:1], self.zygote.clients[1:2]) as pool:
            pool.hand_out(0, reference, None)
            _, result = pool.next_result()
        check_reference(self.assignment, result)
        return calibration_of(result)

    def grade(self, submissions: list[Submission]) -> Iterator[tuple[Submission, SubmissionResult]]:
        """Each submission's result, as soon as it is graded (in no fixed order)
        and the reference solution has full marks. Raises ReferenceFailed
        (nothing yielded) when it has not."""
        return self._grade(submissions) if submissions else iter(())

    def _grade(self, submissions: list[Submission]) -> Iterator[tuple[Submission, SubmissionResult]]:
        cache = None if self.options.calibration_cache is None else \
            CalibrationCache(self.options.calibration_cache, self.assignment)
        calibration = self.options.calibration or (cache.load() if cache is not None else None)
        reference = reference_submission(self.assignment)
        queue, held, checked = deque(submissions), [], False
        with GraderPool(self.contexts, self.zygote.clients[1:]) as pool:
            pool.hand_out(0, reference, None)  # the default limits: it is what sets them
            while True:
                while calibration is not None and queue and pool.idle:
                    pool.hand_out(pool.idle[0], queue.popleft(), calibration)
                if not pool.busy:
                    return
                submission, result = pool.next_result()
                if submission is reference:
                    check_reference(self.assignment, result)
                    measured = calibration_of(result)
                    if cache is not None:
                        cache.save(measured)
                    calibration, checked = calibration or measured, True
                    self.calibration = calibration
                    yield from held
                    held = []
                elif checked:
                    yield submission, result
                else:
                    held.append((submission, result))


def _warm_autograd(torch) -> None:
    """A first backward with a given gradient, as the references make: it imports torch.fx's symbolic
    shapes and sympy (~0.3 s), here once, while the template warms up, rather than in each worker's first test."""
    x = torch.ones(2, dtype=torch.float64, requires_grad=True)
    (x * x).backward(torch.ones(2, dtype=torch.float64))
