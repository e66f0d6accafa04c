"""Measured figures for the closing notes (not a test): grading wall time of one
submission per assignment, and the challenge solution's success rate over
many hidden draws.

    .venv/bin/python benchmarks/measure.py [--draws 200] [--sgd-draws 50]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.sandbox.budgets import Budget  # noqa: E402
from autograder.assignments import assignment_names  # noqa: E402
from autograder.graders.challenge.test_fit import TOLERANCE, multistart_sgd  # noqa: E402
from autograder.graders.challenge_data import hidden_challenge1, hidden_challenge2, model_output  # noqa: E402
from autograder.notebook import load_code_cells  # noqa: E402
from autograder.sandbox.isolation import UNISOLATED, Fence  # noqa: E402
from autograder.sandbox.handles import Student
from autograder.sandbox.session import Sandbox, Scratch  # noqa: E402
from autograder.sandbox.zygote import Zygote  # noqa: E402
from autograder.variants import solution_code  # noqa: E402


def grade_wall_time(assignment: str) -> float:
    notebook = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    with tempfile.TemporaryDirectory() as out:
        t0 = time.monotonic()
        subprocess.run([sys.executable, "-m", "autograder.cli", "grade", assignment, str(notebook), "--json",
                        "--output", out], check=True, capture_output=True, cwd=out)
        return time.monotonic() - t0


def solution_namespace() -> dict:
    notebook = nbformat.read(str(REPO / "solutions" / "challenge" / "challenge.ipynb"), as_version=4)
    namespace: dict = {}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id in {"imports", "backprop_layers", "my_cos"} or grade_id.startswith("fit_challenge"):
            exec(solution_code(cell.source), namespace)
    return namespace


def within(found: dict, truth: dict) -> bool:
    return all(abs(found[k] - truth[k]) <= TOLERANCE for k in truth)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--sgd-draws", type=int, default=50)
    args = parser.parse_args()
    for name in assignment_names():
        print(f"autograder grade {name} <solution> (cold, one submission): {grade_wall_time(name):.1f} s", flush=True)
    ns = solution_namespace()
    xx = np.arange(-10, 10, 0.01)
    ok1 = ok2 = 0
    times = []
    for seed in range(args.draws):
        rng = np.random.default_rng(seed)
        t1 = hidden_challenge1(rng)
        w, b = ns["fit_challenge1"](xx, model_output(1.0, **t1))
        ok1 += within({"w": w, "b": b}, t1)
        t2 = hidden_challenge2(rng)
        t0 = time.monotonic()
        p, w, b = ns["fit_challenge2"](xx, model_output(**t2))
        times.append(time.monotonic() - t0)
        ok2 += within({"p": abs(p), "w": w, "b": b}, t2)
    if args.draws:
        print(f"solution fit_challenge1: {ok1}/{args.draws} draws within {TOLERANCE}")
        print(f"solution fit_challenge2: {ok2}/{args.draws} draws within {TOLERANCE} "
              f"(median {np.median(times):.2f} s, max {max(times):.2f} s)", flush=True)
    if not args.sgd_draws:
        return
    ok = 0
    with Zygote() as zygote:
        cells = load_code_cells(REPO / "solutions" / "challenge" / "challenge.ipynb")
        scratch = Scratch.make()
        t0 = time.monotonic()
        for seed in range(args.sgd_draws):
            # The solution is ours: an unisolated process as this user is enough here.
            sandbox = Sandbox(zygote.client(), cells, scratch, Fence(UNISOLATED))
            sandbox.set_time_limit(Budget(300, "this measurement's own limit"))
            rng = np.random.default_rng(10_000 + seed)
            truth = hidden_challenge2(rng)
            ok += within(multistart_sgd(Student(sandbox), sandbox, rng, model_output(**truth)), truth)
            sandbox.close()
        per = (time.monotonic() - t0) / max(args.sgd_draws, 1)
    print(f"grader multi-start SGD through the solution's classes: {ok}/{args.sgd_draws} draws ({per:.1f} s each)")


if __name__ == "__main__":
    main()
