"""Grading side by side: the same class gives the same results files whatever
--jobs is, and two runs going at once on one machine (as root, two
assignments) each give the scores they give alone."""
from __future__ import annotations

import filecmp
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.variants import do_nothing, write_variant
from autograder.variants import backprop, manual_gradient
from conftest import SECRET, released, solution

pytestmark = pytest.mark.slow


def _class(tmp_path: Path, assignment: str, module) -> Path:
    """A class folder: the solution, the stub, realistic bugs, one that computes nothing."""
    folder = tmp_path / assignment
    variants = [module.SOLUTION, *module.BUGS[:4], do_nothing("nan", solution(assignment))]
    for variant in variants:
        write_variant(variant, released(assignment), solution(assignment), folder / variant.name / f"{variant.name}.ipynb")
    (folder / "stub").mkdir(parents=True)
    (folder / "stub" / "stub.ipynb").write_bytes(released(assignment).read_bytes())
    return folder


def _start(assignment: str, folder: Path, out: Path, jobs: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", assignment, *map(str, sorted(folder.iterdir())),
                             "--json", "--output", str(out), "--jobs", jobs],
                            env=dict(os.environ, AUTOGRADER_SECRET=SECRET), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen) -> list:
    stdout, stderr = proc.communicate(timeout=900)
    assert proc.returncode == 0, stderr[-3000:]
    return json.loads(stdout)


def _same_files(one: Path, other: Path) -> None:
    """Every results file, byte for byte (the completion marks, which hold timings, aside)."""
    names = sorted(str(p.relative_to(one)) for p in one.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert names == sorted(str(p.relative_to(other)) for p in other.rglob("*")
                           if p.is_file() and not p.name.startswith("."))
    _, mismatch, errors = filecmp.cmpfiles(one, other, names, shallow=False)
    assert mismatch == [] and errors == [], mismatch + errors


@pytest.fixture(scope="module")
def alone(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pool")
    classes = {"backprop": _class(tmp, "backprop", backprop), "manual_gradient": _class(tmp, "manual_gradient",
                                                                                         manual_gradient)}
    results = {name: _finish(_start(name, folder, tmp / f"{name}-jobs1", "1")) for name, folder in classes.items()}
    return tmp, classes, results


def test_the_same_results_files_whatever_jobs_is(alone):
    tmp, classes, results = alone
    assert _finish(_start("backprop", classes["backprop"], tmp / "backprop-jobs2", "2")) == results["backprop"]
    _same_files(tmp / "backprop-jobs1", tmp / "backprop-jobs2")
    assert len(results["backprop"]) == 7 and len({r["score"] for r in results["backprop"]}) > 3


def test_two_runs_at_once_give_the_scores_each_gives_alone(alone):
    tmp, classes, results = alone
    running = {name: _start(name, folder, tmp / f"{name}-together", "2") for name, folder in classes.items()}
    together = {name: _finish(proc) for name, proc in running.items()}
    for name in classes:
        assert together[name] == results[name], name
        _same_files(tmp / f"{name}-jobs1", tmp / f"{name}-together")
