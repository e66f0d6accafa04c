"""The reference solution, graded first in every batch: the batch's health
check and the scale of its time limits.

Before any student's grade is trusted, the batch grades the assignment's
reference solution (`solutions/<a>/<a>.ipynb`, solution regions in place) in
the same sandbox as a student. Anything short of full marks stops the batch:
a broken environment or a broken grader is found in seconds, not after every
student got zeros. Its CPU time per test and per cell is the calibration the
limits are scaled from (sandbox/budgets.py).

A calibration is cached per assignment, keyed by the solution notebook, the
hidden tests and the machine, so that the next batch can grade its first
students while the reference is graded again beside them (their results
are held until it has full marks). Gradescope's zip carries one made at
export, scaled by a speed probe of the machine it runs on.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from ..assignments import Assignment
from ..errors import ReferenceFailed
from ..sandbox.budgets import Calibration
from ..submissions import Submission
from .results import SubmissionResult, save_json
from .store import graders_digest
from .units import solutions_folder

REFERENCE_STUDENT = "the reference solution"
CACHE_FOLDER = ".autograder_calibration"


def reference_notebook(assignment: Assignment) -> Path:
    return solutions_folder() / assignment.name / assignment.notebook


def reference_submission(assignment: Assignment) -> Submission:
    notebook = reference_notebook(assignment)
    if not notebook.is_file():
        raise ReferenceFailed(f"the reference solution {notebook} is missing: every batch grades it first, as its "
                              "health check and the scale of its time limits (set AUTOGRADER_SOLUTIONS to the "
                              "folder that holds <assignment>/<assignment>.ipynb)")
    return Submission(REFERENCE_STUDENT, notebook, shared_folder=True)


def check_reference(assignment: Assignment, result: SubmissionResult) -> None:
    """Raise ReferenceFailed, naming the tests, unless the reference got full marks."""
    if result.full_marks and not result.grader_errors:
        return
    failed = [t for t in result.tests if t.outcome != "passed"]
    lines = [f"the reference solution ({reference_notebook(assignment)}) did not get full marks "
             f"({result.score:g}/{result.max_score:g}), so no submission was graded. The environment or the hidden "
             "tests are broken: fix them, then run the same command again."]
    lines += [f"  {t.name}: {t.outcome}: {t.message.splitlines()[0][:300] if t.message else ''}" for t in failed[:10]]
    if len(failed) > 10:
        lines.append(f"  ... and {len(failed) - 10} more tests")
    lines += [f"  notebook: {note[:300]}" for note in result.notes if "graded by hand" not in note][:5]
    if not result.tests:
        lines.append("  no test ran")
    raise ReferenceFailed("\n".join(lines))


def calibration_of(result: SubmissionResult, origin: str = "measured on this machine") -> Calibration:
    return Calibration(dict(result.test_cpu), dict(result.cell_cpu), origin)


def machine() -> str:
    """What makes CPU times comparable: the processor, how many, and the software that runs the code."""
    model = platform.processor()
    try:
        with open("/proc/cpuinfo") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), model)
    except OSError:
        pass
    import torch  # noqa: PLC0415 (imported by then: the graders' references)

    return f"{model} x{len(os.sched_getaffinity(0))}|python {sys.version.split()[0]}|numpy {np.__version__}|" \
           f"torch {torch.__version__}"


def cache_key(assignment: Assignment) -> str:
    digest = hashlib.sha256()
    for part in (reference_notebook(assignment).read_bytes(), graders_digest(assignment).encode(), machine().encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


class CalibrationCache:
    """One file per assignment in `folder`: the calibration and the key it is valid for."""

    def __init__(self, folder: Path, assignment: Assignment):
        self.path = Path(folder) / f"{assignment.name}.json"
        self.assignment = assignment
        self._key: str | None = None

    @property
    def key(self) -> str:
        if self._key is None:
            self._key = cache_key(self.assignment)
        return self._key

    def load(self) -> Calibration | None:
        try:
            data = json.loads(self.path.read_text())
            if data.get("key") != self.key:
                return None
            return Calibration.from_json(data["calibration"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, calibration: Calibration) -> None:
        previous = self.load()
        kept = calibration if previous is None else previous.merged(calibration)
        try:
            save_json(self.path, {"key": self.key, "calibration": kept.to_json()})
        except OSError:
            pass  # a cache: the next batch measures again


def speed_probe() -> float:
    """CPU seconds of a fixed workload like students' code (Python loops over
    small numpy arrays): the best of three, to compare two machines."""
    x = np.linspace(-1.0, 1.0, 8)
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        total = 0.0
        for i in range(4000):
            y = np.exp(x * 0.5) * (i % 7) + x
            total += float(y.sum()) * 1e-9
        best = min(best, time.process_time() - start)
    return best


def scaled_for_this_machine(calibration: Calibration, probe_then: float) -> Calibration:
    """A calibration made on another machine (probe time `probe_then`), scaled by this machine's speed
    (never below the original: a faster machine keeps the more generous limits)."""
    ratio = max(1.0, speed_probe() / probe_then) if probe_then > 0 else 1.0
    return calibration.scaled(ratio, f"measured when the autograder was exported, scaled x{ratio:.2f} by this "
                                     "machine's speed")
