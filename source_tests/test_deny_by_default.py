"""Deny by default, attacked: a submission that walks the whole filesystem
and one that reads every process's command line and environment find
nothing that is not theirs (no solution, no hidden test, no other
submission, no course secret) and earn nothing, in both layouts an
instructor uses: a course folder copied from the repository (as `make demo`
builds one) and explicit paths to several students' folders. Honest
submissions in the same batch keep their scores."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.variants import fill_notebook
from autograder.variants.backprop import BUGS
from conftest import REPO, released, solution

pytestmark = pytest.mark.slow

SECRET = "deny-by-default-course-secret-4711"
# The attacks build their search strings at run time, so that their own
# notebook does not contain them; each looks for:
SEARCH = '''
import json, os, time
MARKERS = {
    "solution notebook": [b"BEGIN" + b" SOLUTION", b"multiplication" + b"_weight"],
    "hidden test code": [b"def test_sgd_through" + b"_your_classes"],
    "another submission": [b"honest-" + b"marker-"],
    "course secret file": [b"deny-by-default-" + b"course-secret"],
}
OWN = b"attacker-" + b"own-marker"
report = {"files_read": 0, "own_marker_found": False, "findings": [], "copied": None}

def inspect(path, data):
    if OWN in data:
        report["own_marker_found"] = True
    for what, needles in MARKERS.items():
        if all(n in data for n in needles) and len(report["findings"]) < 20:
            report["findings"].append([what, path])
            if what == "another submission" and report["copied"] is None and path.endswith(".ipynb"):
                try:  # use it: run the other student's code here
                    for cell in json.loads(data)["cells"]:
                        if cell["cell_type"] == "code":
                            exec("".join(cell["source"]), globals())
                    report["copied"] = path
                except Exception:
                    pass
'''
FILESYSTEM_WALK = SEARCH + '''
import sys
started = time.monotonic()
# The walk must not depend on where the machine keeps Python: its own folder
# first (the positive control), then everything else, the large runtime last.
here = os.getcwd()
runtime = sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})

def read_tree(top, skip):
    for folder, dirs, files in os.walk(top, followlinks=False):
        dirs[:] = sorted(d for d in dirs if os.path.join(folder, d) not in skip)
        for name in files:
            if time.monotonic() - started > 25 or report["files_read"] > 30000:
                return
            path = os.path.join(folder, name)
            try:
                if os.path.islink(path) or os.path.getsize(path) > 2**20:
                    continue
                with open(path, "rb") as handle:
                    inspect(path, handle.read())
                report["files_read"] += 1
            except OSError:
                pass

read_tree(here, set())
read_tree("/", {"/proc", "/sys", "/dev", here, *runtime})
for top in runtime:
    read_tree(top, {r for r in runtime if r != top})
raise RuntimeError("ATTACK REPORT " + json.dumps(report))
'''
PROC_WALK = SEARCH + '''
report["processes"] = 0
report["environment"] = []
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    report["processes"] += 1
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            args = handle.read().split(b"\\0")
        with open(f"/proc/{pid}/environ", "rb") as handle:
            environ = handle.read()
    except OSError:
        continue
    if b"deny-by-default-" + b"course-secret" in environ or b"AUTOGRADER_SECRET" in environ:
        report["environment"].append(pid)
    for arg in args:
        path = arg.decode(errors="replace")
        candidates = [path] if path.endswith(".ipynb") else []
        if os.path.isdir(path):
            for folder, _, files in os.walk(path):
                candidates += [os.path.join(folder, f) for f in files if f.endswith(".ipynb")]
        for candidate in candidates[:50]:
            try:
                with open(candidate, "rb") as handle:
                    inspect(candidate, handle.read())
                report["files_read"] += 1
            except OSError:
                pass
with open("/proc/self/cmdline", "rb") as handle:
    report["own_cmdline"] = handle.read().decode(errors="replace")[:200]
for name in os.listdir("."):  # its own folder: the positive control
    with open(name, "rb") as handle:
        inspect(name, handle.read())
    report["files_read"] += 1
raise RuntimeError("ATTACK REPORT " + json.dumps(report))
'''
LIMITS = ["--cell-seconds", "60", "--notebook-seconds", "120", "--max-test-seconds", "5",
          "--submission-seconds", "200"]


def _notebook(kind: str, extra: str = "") -> nbformat.NotebookNode:
    stub = nbformat.read(str(released("backprop")), as_version=4)
    solved = nbformat.read(str(solution("backprop")), as_version=4)
    notebook = {"stub": stub, "solution": fill_notebook(stub, solved),
                "buggy": fill_notebook(stub, solved, BUGS[3].edits)}[kind]
    if extra:
        notebook.cells.append(nbformat.v4.new_code_cell(extra))
    return notebook


CLASS = {
    "honest_ana": ("solution", "# honest-marker-ana: my own work\n"),
    "honest_ben": ("buggy", "# honest-marker-ben: my own work\n"),
    "mallory_files": ("stub", "# attacker-own-marker\n" + FILESYSTEM_WALK),
    "mallory_procs": ("stub", "# attacker-own-marker\n" + PROC_WALK),
}


def _grade(args: list[str], cwd, env) -> dict:
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "backprop", "--json", *args, *LIMITS],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {r["student"]: r for r in json.loads(proc.stdout)}


def _course_copy(tmp, env):
    """A course folder copied from the repository, with the class submitted in it."""
    course = tmp / "course"
    shutil.copytree(REPO, course, ignore=shutil.ignore_patterns(".venv", ".git", "demo", "reports", "__pycache__"))
    (course / ".autograder_secret").write_text(SECRET + "\n")
    for student, (kind, extra) in CLASS.items():
        folder = course / "submitted" / student / "backprop"
        folder.mkdir(parents=True)
        nbformat.write(_notebook(kind, extra), str(folder / "backprop.ipynb"))
    return _grade(["--course-dir", str(course)], course, env), course / "reports" / "backprop"


def _explicit_paths(tmp, env):
    """Several students' folders named on the command line."""
    folders = []
    for student, (kind, extra) in CLASS.items():
        folder = tmp / "class" / student
        folder.mkdir(parents=True)
        nbformat.write(_notebook(kind, extra), str(folder / f"{student}.ipynb"))
        folders.append(str(folder))
    out = tmp / "out"
    return _grade([*folders, "--output", str(out)], tmp, env), out


@pytest.fixture(scope="module", params=["course_copy", "explicit_paths"])
def graded(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    env = dict(os.environ, AUTOGRADER_SECRET=SECRET)  # in the grader's environment too, for the /proc attack
    results, out = {"course_copy": _course_copy, "explicit_paths": _explicit_paths}[request.param](tmp, env)
    return results, out


def _report(result: dict) -> dict:
    [note] = [n for n in result["notes"] if "ATTACK REPORT" in n]
    return json.loads(note.split("ATTACK REPORT ", 1)[1].splitlines()[0])


@pytest.mark.parametrize("attacker", ["mallory_files", "mallory_procs"])
def test_attacks_find_nothing_and_earn_nothing(graded, attacker):
    results, _ = graded
    report = _report(results[attacker])
    assert report["own_marker_found"], f"the attack did not even find its own notebook: {report}"
    assert report["findings"] == [] and report["copied"] is None, report
    assert results[attacker]["score"] == 0


def test_the_filesystem_walk_really_walked(graded):
    report = _report(graded[0]["mallory_files"])
    assert report["files_read"] > 1000, report  # the Python runtime is there to read, and nothing else


def test_no_other_process_and_no_grader_environment_is_visible(graded):
    report = _report(graded[0]["mallory_procs"])
    assert report["processes"] == 1 and report["environment"] == [], report
    assert "autograder.sandbox.zygote" in report["own_cmdline"]  # it read its own: the walk worked


def test_honest_submissions_keep_their_scores(graded):
    results, _ = graded
    assert results["honest_ana"]["score"] == results["honest_ana"]["max_score"]
    assert 0 < results["honest_ben"]["score"] < results["honest_ben"]["max_score"]
    assert all("isolated:" in r["isolation"] for r in results.values())


def test_the_secret_is_nowhere_in_the_results(graded):
    results, out = graded
    written = json.dumps(results) + "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    assert SECRET not in written
