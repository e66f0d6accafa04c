"""The Gradescope route: the zip `autograder export-gradescope` builds (this
assignment's graders only), laid out as Gradescope lays it out, grades the
submitted notebook (the one named after the assignment, among several) with the
same hidden graders, writes a results.json in Gradescope's documented format
(even when grading itself fails, or when there is nothing to grade), with the
tests' visibility chosen at export, and gives the scores `autograder grade` gives."""
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
CHOSEN = "after_due_date"  # the visibility of the tests' details the zip is exported with
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
                           str(tmp / "autograder.zip"), "--visibility", CHOSEN], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return tmp


def _run(exported: Path, name: str, notebooks: list[Path], prefix: list[str] = (), remove: str = "") -> dict:
    """A submission graded the way Gradescope does it, in a layout of its own
    (without the zip's file `remove`, if given)."""
    root = exported / name
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    with zipfile.ZipFile(exported / "autograder.zip") as archive:
        archive.extractall(root / "source")
    if remove:
        (root / "source" / remove).unlink()
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
    assert isinstance(results["output"], str) and results["visibility"] == "visible"  # the score: always
    for test in results["tests"]:
        assert set(test) <= TEST_FIELDS, set(test) - TEST_FIELDS
        assert {"name", "score", "max_score"} <= set(test) and test["status"] in {"passed", "failed"}
        assert 0 <= test["score"] <= test["max_score"] and test["visibility"] == CHOSEN
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
    assert "isolated" not in results["output"] and results["extra_data"]["isolation"].startswith("isolated:")
    assert f"Graded notebook: {ASSIGNMENT}.ipynb." in results["output"]
    if name == "crashing":
        assert "ended the notebook's process" in results["output"]


def test_of_two_notebooks_grades_the_one_named_after_the_assignment_and_says_so(exported, tmp_path):
    """A backup copy (the untouched stub) beside the notebook: the notebook is graded, with full
    marks; the student is told which was graded; the tests' details wait for the due date, and
    the score is visible now."""
    notebooks = [tmp_path / f"{ASSIGNMENT}.ipynb", tmp_path / f"{ASSIGNMENT}-backup.ipynb"]
    shutil.copy2(solution(ASSIGNMENT), notebooks[0])
    shutil.copy2(released(ASSIGNMENT), notebooks[1])
    results = _run(exported, "backup_copy", notebooks)
    assert results["tests"] and results["score"] == results["extra_data"]["max_score"] > 0
    assert (f"Graded notebook: {ASSIGNMENT}.ipynb. Not graded (only {ASSIGNMENT}.ipynb is): "
            f"{ASSIGNMENT}-backup.ipynb.") in results["output"]
    assert f"Score: {results['score']:g} / {results['score']:g}." in results["output"]
    assert "The details of each test are shown after the due date." in results["output"]
    assert {test["visibility"] for test in results["tests"]} == {CHOSEN} and results["visibility"] == "visible"


@pytest.mark.parametrize("files", [["notes.txt", f"{ASSIGNMENT}.py"], ["mine.ipynb", "backup.ipynb"]],
                         ids=["no notebook", "none named after the assignment"])
def test_tells_the_student_what_to_submit(exported, tmp_path, files):
    for name in files:
        shutil.copy2(solution(ASSIGNMENT), tmp_path / name)
    results = _run(exported, f"submit_{len(files)}_{files[0]}", [tmp_path / name for name in files])
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("No notebook was graded: your submission holds ")
    assert f"Submit your completed {ASSIGNMENT}.ipynb" in results["output"]
    assert "could not grade" not in results["output"] and "not a judgement" not in results["output"]
    notebooks = [name for name in files if name.endswith(".ipynb")]
    assert all(name in results["output"] for name in notebooks)
    assert ("no notebook (.ipynb file)" in results["output"]) == (not notebooks)


def test_says_so_when_it_cannot_grade(exported):
    """The grader's own failure (here a zip without its secret) is not the student's."""
    results = _run(exported, "no_secret", [solution(ASSIGNMENT)], remove="autograder-secret.txt")
    assert results["score"] == 0 and results["tests"] == []
    assert "could not grade this submission" in results["output"] and "not a judgement" in results["output"]


def test_the_zip_holds_this_assignments_graders_only(exported, tmp_path):
    with zipfile.ZipFile(exported / "autograder.zip") as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path)
        setup = archive.read("setup.sh").decode()
        settings = json.loads(archive.read("gradescope.json"))
    assert {name.split("/")[2] for name in names if name.startswith("autograder/graders/")
            and name.count("/") > 2} == {ASSIGNMENT}
    assert not any(name.startswith("autograder/variants/") for name in names)
    assert "autograder/graders/layer_specs.py" in names  # shared, imported by backprop's tests
    assert "autograder/graders/challenge_data.py" not in names  # shared, but by other assignments only
    assert {name.split("/")[1] for name in names if name.startswith("solutions/")} == {ASSIGNMENT}
    assert settings == {"visibility": CHOSEN}
    assert 0 <= setup.index("apt-get update") < setup.index("apt-get install")
    # Every hidden test module imports from the zip's own package, nothing missing (the round trips grade with it).
    check = ("import importlib, autograder\nfrom autograder.assignments import get_assignment\n"
             f"for path in get_assignment({ASSIGNMENT!r}).test_files():\n"
             f"    importlib.import_module(f'autograder.graders.{ASSIGNMENT}.{{path.stem}}')\n"
             "print(autograder.__file__)")
    proc = subprocess.run([sys.executable, "-c", check], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == str(tmp_path / "autograder" / "__init__.py")


def test_export_refuses_a_visibility_gradescope_does_not_know(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", "export-gradescope", ASSIGNMENT, "-o",
                           str(tmp_path / "autograder.zip"), "--visibility", "never"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "invalid choice: 'never'" in proc.stderr
    assert all(f"'{visibility}'" in proc.stderr for visibility in VISIBILITY)  # Gradescope's four, listed
    assert not (tmp_path / "autograder.zip").exists()


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
    # How it ran is for the instructor (extra_data, which Gradescope does not show students), not the student's output.
    assert "isolated" not in results["output"] and results["extra_data"]["isolation"].startswith("NOT isolated")
    assert (source / "autograder-secret.txt").exists() and (source / "autograder" / "graders").is_dir()
    assert "READ 0 FILES" in results["output"] and results["score"] == 0
