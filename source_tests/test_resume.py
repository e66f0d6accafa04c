"""Nothing is lost: a batch killed with SIGKILL half-way and started again
grades only what is missing, and ends where an uninterrupted run ends."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from autograder.variants import fill_notebook
from autograder.variants.backprop import BUGS
from conftest import SECRET, released, solution

pytestmark = pytest.mark.slow

STUDENTS = {"amy": "solution", "bo": "bug", "cy": "stub", "di": "solution", "ed": "bug", "fay": "solution"}


def _course(tmp_path):
    stub = nbformat.read(str(released("backprop")), as_version=4)
    solved = nbformat.read(str(solution("backprop")), as_version=4)
    for student, kind in STUDENTS.items():
        folder = tmp_path / "course" / "submitted" / student / "backprop"
        folder.mkdir(parents=True)
        notebook = {"stub": stub, "solution": fill_notebook(stub, solved),
                    "bug": fill_notebook(stub, solved, BUGS[3].edits)}[kind]
        nbformat.write(notebook, str(folder / "backprop.ipynb"))
    return tmp_path / "course"


def _grade(course, out, *extra, **popen):
    env = dict(os.environ, AUTOGRADER_SECRET=SECRET)
    args = [sys.executable, "-m", "autograder.cli", "grade", "backprop", "--json", "--course-dir", str(course),
            "--output", str(out), *extra]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def _scores(stdout: str) -> dict:
    return {r["student"]: [(t["name"], t["outcome"], t["score"]) for t in r["tests"]] for r in json.loads(stdout)}


def test_killed_batch_resumes_and_matches_an_uninterrupted_run(tmp_path):
    """Killed with two grader processes busy."""
    jobs = "2"
    course = _course(tmp_path)
    out = tmp_path / "out"
    first = _grade(course, out, "--jobs", jobs, start_new_session=True)
    marks = out / "results"
    deadline = time.monotonic() + 300
    while len(list(marks.glob(".*.fingerprint"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGKILL)  # the grader, its workers, its template and any student process
    first.wait()
    done = sorted(p.name for p in marks.glob(".*.fingerprint"))  # what was finished: kept by the next run
    assert 2 <= len(done) < len(STUDENTS), done
    for path in marks.glob("*.json"):
        json.loads(path.read_text())  # every file on disk is whole

    resumed = _grade(course, out, "--jobs", jobs)
    stdout, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr
    kept = [line for line in stderr.splitlines() if line.startswith("kept ")]
    assert len(kept) == len(done), stderr
    assert stderr.count("graded ") == len(STUDENTS) - len(done), stderr

    uninterrupted = _grade(course, tmp_path / "out2", "--fresh", "--jobs", jobs)
    stdout2, stderr2 = uninterrupted.communicate(timeout=600)
    assert uninterrupted.returncode == 0, stderr2
    assert _scores(stdout) == _scores(stdout2)

    again = _grade(course, out)
    stdout3, stderr3 = again.communicate(timeout=600)
    assert stderr3.count("kept ") == len(STUDENTS) and "graded " not in stderr3
    assert _scores(stdout3) == _scores(stdout)


def test_a_changed_notebook_is_graded_again(tmp_path):
    course = _course(tmp_path)
    out = tmp_path / "out"
    first = _grade(course, out)
    first.communicate(timeout=600)
    notebook = course / "submitted" / "cy" / "backprop" / "backprop.ipynb"
    nbformat.write(fill_notebook(nbformat.read(str(notebook), as_version=4),
                                 nbformat.read(str(solution("backprop")), as_version=4)), str(notebook))
    second = _grade(course, out)
    stdout, stderr = second.communicate(timeout=600)
    assert "graded cy" in stderr and stderr.count("kept ") == len(STUDENTS) - 1
    cy = next(r for r in json.loads(stdout) if r["student"] == "cy")
    assert cy["score"] == cy["max_score"]


@pytest.mark.skipif(os.geteuid() != 0, reason="student processes have a user id of their own only as root")
def test_a_killed_grader_leaves_no_student_process(tmp_path):
    """Even a student process that cleared its own parent-death signal dies
    with the grader: its guard, outside its namespace, kills it."""
    import psutil

    notebook = fill_notebook(nbformat.read(str(released("backprop")), as_version=4),
                             nbformat.read(str(solution("backprop")), as_version=4))
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import ctypes, time\nctypes.CDLL(None).prctl(1, 0, 0, 0, 0)  # no parent-death signal\ntime.sleep(120)"))
    path = tmp_path / "survivor.ipynb"
    nbformat.write(notebook, str(path))
    command = [sys.executable, "-m", "autograder.cli", "grade", "backprop", "--course-dir", str(tmp_path), "--jobs",
               "2", "--output"]
    env = dict(os.environ, AUTOGRADER_SECRET=SECRET)
    # A first batch caches the calibration: the next one grades the student beside the reference, at once.
    subprocess.run([*command, str(tmp_path / "first"), str(solution("backprop"))], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    started = time.time()
    grader = subprocess.Popen([*command, str(tmp_path / "out"), str(path)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def students():
        """This grader's student processes (user ids of their own; other batches may run on the machine)."""
        try:
            tree = psutil.Process(grader.pid).children(recursive=True)
        except psutil.Error:
            return []
        return [p for p in tree if p.uids().real >= 61000 and p.create_time() >= started - 1]

    deadline = time.monotonic() + 120
    while not students() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert students(), "the student process never started"
    time.sleep(3)  # well inside its sleeping cell
    found = students()
    grader.kill()  # the grader alone, not its process group
    grader.wait()

    def alive():
        return [p for p in found if p.is_running()]  # (is_running also checks the pid was not reused)
    deadline = time.monotonic() + 15
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive() == [], [(p.pid, p.uids()) for p in alive()]
