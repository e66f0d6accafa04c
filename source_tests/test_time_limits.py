"""Time limits scaled from the reference solution (calibration.py, budgets.py):
a hang costs its own tests and a few seconds, a slow but correct solution
keeps full marks."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.sandbox.limits import Limits
from autograder.variants import write_variant
from autograder.variants.timing import broken, released, slowed, solution

pytestmark = pytest.mark.slow
ASSIGNMENTS = ("backprop", "manual_gradient", "challenge", "reverse_mode")


def _grade(tmp_path, assignment: str, variant, student: str) -> tuple[dict, dict, dict]:
    """(result, its timing, the calibration the batch cached) of one variant graded through the CLI."""
    folder = tmp_path / "in" / student
    write_variant(variant, released(assignment), solution(assignment), folder / f"{assignment}.ipynb")
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", assignment, str(folder), "--json",
                           "--output", str(tmp_path / "out"), "--course-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, AUTOGRADER_SECRET="limits"))
    assert proc.returncode == 0, proc.stderr
    [result] = json.loads(proc.stdout)
    timing = json.loads((tmp_path / "out" / "results" / f".{result['student']}.fingerprint").read_text())["timing"]
    cache = Path(os.environ.get("AUTOGRADER_CALIBRATION_CACHE") or tmp_path / ".autograder_calibration")
    calibration = json.loads((cache / f"{assignment}.json").read_text())
    return result, timing, calibration["calibration"]


def test_a_method_that_hangs_costs_its_own_tests_and_a_few_seconds(tmp_path):
    """my_exp.backward loops forever: only the tests that call it (directly, or
    through the student's units together) are lost, each as a timeout, and the
    whole submission's wall time stays under a bound made of the calibration."""
    result, timing, calibration = _grade(tmp_path, "backprop", broken("backprop", "hang"), "hanger")
    lost = [t for t in result["tests"] if t["outcome"] != "passed"]
    assert lost, "the hang must cost something"
    for test in lost:
        assert test["outcome"] == "timeout", test
        assert "my_exp" in test["name"] or "END-TO-END" in test["title"], test
    kept = {t["name"] for t in result["tests"] if t["outcome"] == "passed"}
    assert any("multiplication_weight" in name for name in kept) and any("train" in name for name in kept)
    assert all(t["name"] in kept for t in result["tests"] if "my_exp" not in t["name"] and "end_to_end" not in
               t["name"]), lost
    limits = Limits()
    # The first hang costs the floor; every later cell and test at most the lower floor or its scaled limit.
    bound = (limits.floor_seconds
             + sum(max(limits.hung_floor_seconds, limits.hung_cell_factor * s) for s in calibration["cells"].values())
             + sum(max(limits.hung_floor_seconds, limits.factor * calibration["tests"][t["name"]]) for t in lost)
             + 0.3 * (len(lost) + len(calibration["cells"])))  # a restart of the notebook after each
    # The limits count CPU time: that is what the bound holds exactly; the wall clock, on a busy machine, twice over.
    assert timing["student_seconds"] <= bound and timing["seconds"] <= 2 * bound, (timing, bound)
    assert any("already ran out of time" in t["message"] or "the floor once" in t["message"] for t in lost), lost


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_correct_solution_five_times_slower_keeps_full_marks(tmp_path, assignment):
    result, _, _ = _grade(tmp_path, assignment, slowed(assignment, 5.0), "slowpoke")
    failed = [(t["name"], t["message"][:300]) for t in result["tests"] if t["outcome"] != "passed"]
    assert not failed and result["score"] == result["max_score"], failed
    assert not [n for n in result["notes"] if "limit" in n], result["notes"]
