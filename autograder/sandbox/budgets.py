"""How much CPU time each cell and each test may give the student's code.

A limit protects a slow but correct student, and "slow" has a scale: the
reference solution's own CPU time on the same cell or test, on this machine
(its calibration, measured when the batch grades the reference first; see
grading/calibration.py). Each limit is `max(floor, factor x reference)`; a
test whose honest solutions vary widely in speed (a fit) declares a larger
factor with its `time_factor` mark. The instructor's flags override it all.

Every limit carries the sentence that explains it, for the student's feedback.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from .limits import Limits


@dataclass(frozen=True)
class Calibration:
    """The reference solution's CPU seconds per test (by test name) and per
    notebook cell (by grade id), and where the figures come from."""

    tests: Mapping[str, float]
    cells: Mapping[str, float]
    origin: str = "measured on this machine"

    def to_json(self) -> dict:
        return {"tests": dict(self.tests), "cells": dict(self.cells), "origin": self.origin}

    @classmethod
    def from_json(cls, data: dict) -> "Calibration":
        tests = {str(k): float(v) for k, v in dict(data["tests"]).items()}
        cells = {str(k): float(v) for k, v in dict(data["cells"]).items()}
        return cls(tests, cells, str(data.get("origin", "measured on this machine")))

    def scaled(self, factor: float, origin: str) -> "Calibration":
        return Calibration({k: v * factor for k, v in self.tests.items()},
                           {k: v * factor for k, v in self.cells.items()}, origin)

    def merged(self, other: "Calibration") -> "Calibration":
        """The larger figure of the two for each test and cell (noise only ever makes a limit more generous)."""
        def larger(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, float]:
            return {k: max(a.get(k, 0.0), b.get(k, 0.0)) for k in {*a, *b}}
        return Calibration(larger(self.tests, other.tests), larger(self.cells, other.cells), other.origin)


@dataclass(frozen=True)
class Budget:
    """A limit of CPU seconds, and why it is what it is (for the student)."""

    seconds: float
    why: str


@dataclass(frozen=True)
class TimePolicy:
    """The limits of one batch: from the calibration, the instructor's flags
    (`Limits.test_seconds`, `Limits.cell_seconds`) and the floor and factor."""

    limits: Limits = field(default_factory=Limits)
    calibration: Calibration | None = None

    def test(self, name: str, factor: float | None = None, hung: bool = False) -> Budget:
        """The limit of test `name`; `factor` is the test's own (its time_factor mark).
        Once the submission has hit a limit (`hung`), the floor is the lower one."""
        limits = self.limits
        if limits.test_seconds is not None:
            return Budget(limits.test_seconds, f"the limit the instructor set for every test "
                                               f"({limits.test_seconds:g} s)")
        reference = None if self.calibration is None else self.calibration.tests.get(name)
        if reference is None:
            return self._uncalibrated("test")
        return self._scaled(reference, factor or limits.factor, "in this test", self._floor(hung))

    def cell(self, grade_id: str | None, hung: bool = False) -> Budget:
        """The limit of a notebook cell; a cell the reference solution does not
        have (one the student added) gets the limit of its slowest cell. Once
        the submission has hit a limit (`hung`), the floor is the lower one."""
        limits = self.limits
        if limits.cell_seconds is not None:
            return Budget(limits.cell_seconds, f"the limit the instructor set for every cell "
                                               f"({limits.cell_seconds:g} s)")
        if self.calibration is None or not self.calibration.cells:
            return self._uncalibrated("cell")
        floor = self._floor(hung)
        factor = limits.hung_cell_factor if hung else limits.factor
        reference = self.calibration.cells.get(grade_id or "")
        if reference is not None:
            return self._scaled(reference, factor, "in this cell", floor)
        slowest = max(self.calibration.cells.values())
        budget = self._scaled(slowest, factor, "in its slowest cell", floor)
        return Budget(budget.seconds, f"{budget.why}, as for every cell the reference solution does not have")

    def _floor(self, hung: bool) -> tuple[float, str]:
        if hung:
            return self.limits.hung_floor_seconds, "the floor once this submission has run out of time somewhere"
        return self.limits.floor_seconds, "the floor"

    def hung(self, function: str, through: bool = False) -> Budget:
        """The limit of a call of a function that already ran out of time in an
        earlier test (`through`: of any call of a test using the unit it belongs to)."""
        seconds = self.limits.hung_floor_seconds
        calls = "the calls of every test using it" if through else "its calls"
        return Budget(seconds, f"{function} already ran out of time in an earlier test, so {calls} are stopped "
                               f"after {seconds:g} s")

    def _scaled(self, reference: float, factor: float, where: str,
                floor: tuple[float, str] | None = None) -> Budget:
        floor_seconds, floor_name = floor or (self.limits.floor_seconds, "the floor")
        seconds = factor * reference
        origin = "" if self.calibration is None or self.calibration.origin == "measured on this machine" \
            else f", {self.calibration.origin}"
        if seconds <= floor_seconds:
            needs = f"{reference:.2f} s" if reference >= 0.01 else "less than 0.01 s"
            return Budget(floor_seconds, f"the limit is {floor_seconds:g} s, {floor_name}: the reference solution "
                                         f"needs {needs} {where}{origin}")
        return Budget(round(seconds, 2), f"the limit is {factor:g}x the reference solution's {reference:.2f} s "
                                         f"{where}{origin}")

    def _uncalibrated(self, what: str) -> Budget:
        seconds = self.limits.uncalibrated_seconds
        return Budget(seconds, f"the default limit of {seconds:g} s for a {what} (no calibration on the reference "
                               "solution)")
