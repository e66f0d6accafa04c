"""The instructor's day through the real nbgrader and the real CLI: release,
three students fetch and submit (each with its own cache), collect, grade."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.nbgrader_ops import fetch_as_student, run_nbgrader, submit_as_student
from autograder.variants import write_variant
from autograder.variants.backprop import BUGS, SOLUTION
from conftest import REPO

pytestmark = pytest.mark.slow

COURSE_ID = "autodiff"


def autograder(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("roundtrip")
    course, exchange = root / "course", root / "exchange"
    exchange.mkdir()
    (course / "solutions").mkdir(parents=True)
    import shutil

    shutil.copytree(REPO / "solutions" / "backprop", course / "solutions" / "backprop")
    shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    env = dict(os.environ, NBGRADER_EXCHANGE=str(exchange), AUTOGRADER_SECRET="round-trip")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    released = autograder("release", "backprop", "--course-dir", str(course), cwd=course, env=env)
    assert released.returncode == 0, released.stderr
    class_ = {"ana": SOLUTION, "ben": None, "cleo": BUGS[4]}  # None: submits the stub untouched
    for student, variant in class_.items():
        home = root / "home" / student
        notebook = fetch_as_student("backprop", home, COURSE_ID, exchange) / "backprop.ipynb"
        if variant is not None:
            write_variant(variant, notebook, course / "solutions" / "backprop" / "backprop.ipynb", notebook)
        submit_as_student("backprop", home, student, COURSE_ID, exchange)
    collected = autograder("collect", "backprop", "--course-dir", str(course), cwd=course, env=env)
    assert collected.returncode == 0, collected.stderr
    graded = autograder("grade", "backprop", "--json", cwd=course, env=env)
    assert graded.returncode == 0, graded.stderr
    return {"dir": course, "root": root, "env": env, "results": json.loads(graded.stdout)}


def test_each_student_is_collected_and_graded(course):
    by_student = {r["student"]: r for r in course["results"]}
    assert sorted(by_student) == ["ana", "ben", "cleo"]
    assert by_student["ana"]["score"] == by_student["ana"]["max_score"] > 0
    assert by_student["ben"]["score"] == 0
    assert 0 < by_student["cleo"]["score"] < by_student["cleo"]["max_score"]
    for result in course["results"]:
        assert Path(result["submission"]).parts[-4:-1] == ("submitted", result["student"], "backprop")


def test_json_follows_the_contract(course):
    for result in course["results"]:
        assert set(result) == {"student", "submission", "score", "max_score", "tests", "notes", "isolation"}
        assert result["score"] == pytest.approx(sum(t["score"] for t in result["tests"]))
        assert result["isolation"].startswith("isolated:")
        for test in result["tests"]:
            assert set(test) == {"name", "score", "max_score", "outcome", "message", "title", "concept"}
            assert test["outcome"] in {"passed", "failed", "error", "timeout"}
            assert 0 <= test["score"] <= test["max_score"]


def test_scores_csv_and_feedback_are_written(course):
    reports = course["dir"] / "reports" / "backprop"
    csv_lines = (reports / "grades.csv").read_text().splitlines()
    assert csv_lines[0].startswith("student,submission,score,max_score,")
    assert sorted(line.split(",")[0] for line in csv_lines[1:]) == ["ana", "ben", "cleo"]
    feedback = (reports / "feedback" / "cleo.md").read_text()
    assert "my_composition.backward: every layer's .grad" in feedback and "failed" in feedback
    # Feedback shows outcomes and messages, never the hidden test code.
    for hidden in ("def test_", "assert_close(", "rng.uniform", "import "):
        assert hidden not in feedback


def test_plain_nbgrader_still_works_in_the_course(course):
    listing = run_nbgrader(["list", "--inbound", f"--course={COURSE_ID}"], course["dir"],
                           Path(course["env"]["NBGRADER_EXCHANGE"]))
    for student in ("ana", "ben", "cleo"):
        assert f"{student} backprop" in listing or student in listing
