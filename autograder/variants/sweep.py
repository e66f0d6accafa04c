"""The fairness sweep: every correct way at full marks and every bug caught, on many hidden draws.

For one assignment it writes, for each of `ids` student ids, the reference solution, the stub, the
submissions that compute nothing, every correct way of `<a>_correct.CORRECT` and every bug of
`<a>.BUGS`, grades them all in one batch through the real CLI (sandbox, hidden tests, one grader
per CPU) under a course secret, and checks each result against what its kind must get:

- the solution and each correct way: full marks, except the contract tests a correct way names
  in its `targets` (a deviation the notebook's contract forbids, with the maths right), which it
  must fail, and nothing else;
- the stub and the do-nothing submissions: exactly 0 (the stub's cells fail with NotImplementedError,
  or with a NameError where a later cell uses what an earlier one did not define);
- each bug: every test it targets fails, at most `max_other_failures` others, and it loses the same
  points on every id.

It also checks that the solution's notebook runs from the top without an error (its visible checks
pass) and that the stub fails only with NotImplementedError. `benchmarks/sweep.py` is its command
line; `source_tests/test_sweep.py` runs it on 3 ids in CI.
"""
from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..grading.results import SubmissionResult
from . import DO_NOTHING, Variant, do_nothing, write_variant

REPO = Path(__file__).resolve().parents[2]
SOLUTION, STUB = Variant("solution", description="the reference solution"), \
    Variant("stub", description="the released notebook, unchanged")


def released(assignment: str) -> Path:
    return REPO / "assignments" / assignment / f"{assignment}.ipynb"


def solution(assignment: str) -> Path:
    return REPO / "solutions" / assignment / f"{assignment}.ipynb"


def correct_ways(assignment: str) -> list[Variant]:
    try:
        return list(importlib.import_module(f"autograder.variants.{assignment}_correct").CORRECT)
    except ModuleNotFoundError:
        return []


def bugs(assignment: str) -> list[Variant]:
    """The bug table, then real students' wrong notebooks and other wrong ways kept beside the corpus."""
    found = list(importlib.import_module(f"autograder.variants.{assignment}").BUGS)
    try:
        corpus = importlib.import_module(f"autograder.variants.{assignment}_correct")
    except ModuleNotFoundError:
        return found
    return found + list(getattr(corpus, "REAL_BUGS", ())) + list(getattr(corpus, "COUPLED_TO_OWN_LAYERS", ()))


def _local(test_name: str) -> str:
    return test_name.split("::")[-1]


def _targets(target: str, test_name: str) -> bool:
    """A target names a test ('test_step') or one case ('test_fit[fit_nn]')."""
    local = _local(test_name)
    return target in (local, local.split("[")[0])


@dataclass
class Row:
    """One variant over every id: what it should get, and where it did not."""

    variant: Variant
    kind: str  # "solution", "correct", "zero" or "bug"
    scores: dict[str, float] = field(default_factory=dict)  # student id -> score
    results: dict[str, SubmissionResult] = field(default_factory=dict)  # student id -> its result
    misses: list[str] = field(default_factory=list)  # what went against the expectation, per id

    def check(self, student: str, result: SubmissionResult) -> None:
        self.scores[student] = result.score
        self.results[student] = result
        failing = tuple(t.name for t in result.tests if t.outcome != "passed")
        expected = self.variant.targets
        if self.kind in ("solution", "correct"):
            unexpected = [n for n in failing if not any(_targets(t, n) for t in expected)]
            kept = [t for t in expected if not any(_targets(t, n) for n in failing)]
            if unexpected:
                self.misses.append(f"{student}: lost {', '.join(_message(result, n) for n in unexpected)}")
            if kept:
                self.misses.append(f"{student}: passed the contract tests it should fail: {kept}")
            raised = [n for n in result.notes if "graded by hand" not in n]
            if self.kind == "solution" and raised:
                self.misses.append(f"{student}: the notebook did not run clean: {raised}")
        elif self.kind == "zero":
            if result.score != 0:
                self.misses.append(f"{student}: scored {result.score:g}, not 0 "
                                   f"(passed {[t.name for t in result.tests if t.outcome == 'passed']})")
            if self.variant.name == "stub":
                odd = [n for n in result.notes
                       if not any(word in n for word in ("NotImplementedError", "NameError", "graded by hand"))]
                if odd:
                    self.misses.append(f"{student}: the stub fails otherwise than with NotImplementedError: {odd}")
        else:
            missed = [t for t in expected if not any(_targets(t, n) for n in failing)]
            others = [n for n in failing if not any(_targets(t, n) for t in expected)]
            if missed:
                self.misses.append(f"{student}: still passed {missed}")
            if len(others) > self.variant.max_other_failures:
                self.misses.append(f"{student}: {len(others)} tests outside its own unit failed: {others}")
            if not 0 < result.score < result.max_score:
                self.misses.append(f"{student}: scored {result.score:g} of {result.max_score:g}")

    @property
    def ids_as_expected(self) -> int:
        bad = {m.split(":", 1)[0] for m in self.misses}
        return sum(1 for s in self.scores if s not in bad)

    def points_lost(self, max_score: float) -> str:
        lost = sorted({round(max_score - s, 6) for s in self.scores.values()})
        return "–".join(f"{v:g}" for v in (lost if len(lost) < 3 else (lost[0], lost[-1])))

    def same_points_every_id(self) -> bool:
        return len({round(s, 6) for s in self.scores.values()}) <= 1


def _message(result: SubmissionResult, name: str) -> str:
    test = next(t for t in result.tests if t.name == name)
    return f"{_local(name)} ({test.outcome}: {test.message[:300]})"


@dataclass
class Sweep:
    assignment: str
    secret: str
    ids: int
    rows: list[Row]
    max_score: float

    @property
    def misses(self) -> list[str]:
        return [f"{row.variant.name} {miss}" for row in self.rows for miss in row.misses]

    def table(self) -> str:
        width = max(len(r.variant.name) for r in self.rows)
        lines = [f"{self.assignment} (secret {self.secret!r}, {self.ids} ids, out of {self.max_score:g})",
                 f"  {'variant':{width}s}  {'kind':8s}  {'as expected':11s}  points lost"]
        for row in self.rows:
            same = "" if row.kind != "bug" or row.same_points_every_id() else "  (differs between ids)"
            lines.append(f"  {row.variant.name:{width}s}  {row.kind:8s}  "
                         f"{row.ids_as_expected:>3d}/{len(row.scores):<3d}      "
                         f"{row.points_lost(self.max_score)}{same}")
        return "\n".join(lines)


def student_ids(count: int) -> list[str]:
    return [f"id{k:02d}" for k in range(count)]


def rows_for(assignment: str) -> list[Row]:
    zero = [STUB, *(do_nothing(kind, solution(assignment)) for kind in DO_NOTHING)]
    return [Row(SOLUTION, "solution"), *(Row(v, "correct") for v in correct_ways(assignment)),
            *(Row(v, "zero") for v in zero), *(Row(v, "bug") for v in bugs(assignment))]


def run(assignment: str, ids: int, secret: str, workdir: Path, jobs: int | None = None) -> Sweep:
    """Write every variant for every id, grade them in one batch, and check each result."""
    rows = rows_for(assignment)
    folder = workdir / f"{assignment}-submissions"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    owner: dict[str, Row] = {}
    for row in rows:
        for sid in student_ids(ids):
            student = f"{row.variant.name}--{sid}"
            owner[student] = row
            destination = folder / f"{student}.ipynb"
            if row.variant.name == "stub":
                shutil.copy2(released(assignment), destination)
            else:
                write_variant(row.variant, released(assignment), solution(assignment), destination)
    command = [sys.executable, "-m", "autograder.cli", "grade", assignment,
               *map(str, sorted(folder.iterdir())), "--json", "--output", str(workdir / f"{assignment}-out")]
    if jobs:
        command += ["--jobs", str(jobs)]
    done = subprocess.run(command, env=dict(os.environ, AUTOGRADER_SECRET=secret), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"grading the {assignment} sweep failed ({done.returncode}): {done.stderr[-3000:]}")
    results = [SubmissionResult.from_json(r) for r in json.loads(done.stdout)]
    for result in results:
        owner[result.student].check(result.student.rsplit("--", 1)[1], result)
    return Sweep(assignment, secret, ids, rows, results[0].max_score)
