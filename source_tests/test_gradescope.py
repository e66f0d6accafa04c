"""The Gradescope route: the zip `autograder export-gradescope` builds, laid
out as Gradescope lays it out, grades the one submitted notebook with the same
hidden graders, writes a results.json in Gradescope's documented format (even
when grading itself fails), and gives the scores `autograder grade` gives."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from conftest import released, solution

pytestmark = pytest.mark.slow
ASSIGNMENT = "backprop"
# Gradescope's autograder specification: the fields of results.json and of each test.
TOP_LEVEL = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
             "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST_FIELDS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
               "visibility", "extra_data"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
REFUSE = [sys.executable, str(Path(__file__).with_name("no_namespaces.py"))]


def _crashing(path: Path) -> Path:
    notebook = nbformat.read(str(solution(ASSIGNMENT)), as_version=4)
    notebook.cells.insert(3, nbformat.v4.new_code_cell("import os\nos._exit(1)  # ends the kernel, every time"))
    nbformat.write(notebook, str(path))
    return path


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gradescope")
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", "export-gradescope", ASSIGNMENT, "-o",
                           str(tmp / "autograder.zip")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return tmp


def _run(exported: Path, name: str, notebooks: list[Path], prefix: list[str] = ()) -> dict:
    """A submission graded the way Gradescope does it, in a layout of its own."""
    root = exported / name
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    with zipfile.ZipFile(exported / "autograder.zip") as archive:
        archive.extractall(root / "source")
    for notebook in notebooks:
        shutil.copy2(notebook, root / "submission" / notebook.name)
    (root / "submission_metadata.json").write_text(json.dumps({"id": 7, "users": [{"email": f"{name}@school.edu"}]}))
    env = dict(os.environ, GRADESCOPE_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable,
               PYTHONPATH=str(Path(__file__).resolve().parent.parent))  # (only no_namespaces.py needs it)
    proc = subprocess.run([*prefix, "bash", str(root / "source" / "run_autograder")], env=env, cwd=root,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((root / "results" / "results.json").read_text())
    _follows_the_format(results)
    return results


def _follows_the_format(results: dict) -> None:
    assert set(results) <= TOP_LEVEL, set(results) - TOP_LEVEL
    assert isinstance(results["score"], (int, float)) and isinstance(results["execution_time"], (int, float))
    assert isinstance(results["output"], str) and results.get("visibility", "visible") in VISIBILITY
    for test in results["tests"]:
        assert set(test) <= TEST_FIELDS, set(test) - TEST_FIELDS
        assert {"name", "score", "max_score"} <= set(test) and test["status"] in {"passed", "failed"}
        assert 0 <= test["score"] <= test["max_score"] and test["visibility"] in VISIBILITY
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))


def _graded_by_the_cli(exported: Path, name: str, notebook: Path) -> dict:
    """`autograder grade` on the same notebook, as the same student, with the zip's secret."""
    student = exported / "cli" / name / f"{name}@school.edu.ipynb"
    student.parent.mkdir(parents=True)
    shutil.copy2(notebook, student)
    with zipfile.ZipFile(exported / "autograder.zip") as archive:
        secret = archive.read("autograder-secret.txt").decode().strip()
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", ASSIGNMENT, str(student), "--json",
                           "--output", str(exported / "cli" / name / "out")], capture_output=True, text=True,
                          env=dict(os.environ, AUTOGRADER_SECRET=secret), timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [result] = json.loads(proc.stdout)
    return result


@pytest.mark.parametrize("name", ["solution", "stub", "crashing"])
def test_gives_the_scores_of_autograder_grade(exported, tmp_path, name):
    notebook = {"solution": solution(ASSIGNMENT), "stub": released(ASSIGNMENT),
                "crashing": _crashing(tmp_path / f"{ASSIGNMENT}.ipynb")}[name]
    results = _run(exported, name, [notebook])
    cli = _graded_by_the_cli(exported, name, notebook)
    assert results["score"] == cli["score"]
    assert [(t["extra_data"]["id"], t["score"]) for t in results["tests"]] == \
           [(t["name"], t["score"]) for t in cli["tests"]]
    assert "isolated:" in results["output"]
    if name == "crashing":
        assert "ended the notebook's process" in results["output"]


def test_says_so_when_it_cannot_grade(exported):
    results = _run(exported, "two_notebooks", [solution(ASSIGNMENT), released("challenge")])
    assert results["score"] == 0 and results["tests"] == []
    assert "could not grade this submission" in results["output"]


def test_where_namespaces_are_refused_the_graders_stay_unreadable(exported, tmp_path):
    notebook = nbformat.read(str(released(ASSIGNMENT)), as_version=4)
    source = exported / "refused" / "source"  # where Gradescope's layout puts the zip's contents
    notebook.cells.append(nbformat.v4.new_code_cell(
        f"found = []\nfor path in ['{source}/autograder-secret.txt', '{source}/autograder/graders/{ASSIGNMENT}/"
        "test_fit.py']:\n    try:\n        found.append(open(path).read()[:20])\n    except OSError:\n"
        "        pass\nraise RuntimeError(f'READ {len(found)} FILES')"))
    path = tmp_path / f"{ASSIGNMENT}.ipynb"
    nbformat.write(notebook, str(path))
    results = _run(exported, "refused", [path], prefix=REFUSE)
    assert "NOT isolated" in results["output"] and results["extra_data"]["isolation"].startswith("NOT isolated")
    assert (source / "autograder-secret.txt").exists() and (source / "autograder" / "graders").is_dir()
    assert "READ 0 FILES" in results["output"] and results["score"] == 0
