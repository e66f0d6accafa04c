"""The instructor's day through the real nbgrader and the real CLI: release,
three students fetch and submit (each with its own cache), collect, grade
(into nbgrader's gradebook), nbgrader export, a hand grade in the gradebook
that survives a regrade, feedback released and fetched by each student, the
class report."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.gradebook import open_gradebook
from autograder.nbgrader_ops import fetch_as_student, fetch_feedback_as_student, run_nbgrader, submit_as_student
from autograder.variants import write_variant
from autograder.variants.manual_gradient import BUGS, SOLUTION
from conftest import REPO

pytestmark = pytest.mark.slow
COURSE_ID = "autodiff"
ASSIGNMENT = "manual_gradient"
HAND_GRADE = 1.5  # given in the formgrader (here, through nbgrader's API) to ana's written answer


def autograder(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def exported(course: Path, env: dict) -> dict[str, float]:
    """Each student's total as `nbgrader export` gives it."""
    run_nbgrader(["export", "--to", str(course / "export.csv")], course, Path(env["NBGRADER_EXCHANGE"]))
    with open(course / "export.csv") as handle:
        return {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)
                if row["assignment"] == ASSIGNMENT}


def ours(course: Path) -> dict[str, float]:
    with open(course / "reports" / ASSIGNMENT / "grades.csv") as handle:
        return {row["student"]: float(row["score"]) for row in csv.DictReader(handle)}


def hand_grade(course: Path, student: str, score: float) -> None:
    with open_gradebook(course) as gradebook:
        grade = gradebook.find_grade("answer300", ASSIGNMENT, ASSIGNMENT, student)
        grade.manual_score = score
        gradebook.db.commit()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("roundtrip")
    course, exchange = root / "course", root / "exchange"
    exchange.mkdir()
    (course / "solutions").mkdir(parents=True)
    shutil.copytree(REPO / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
    shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    env = dict(os.environ, NBGRADER_EXCHANGE=str(exchange), AUTOGRADER_SECRET="round-trip")
    # The instructor runs the environment's autograder without activating it (nbgrader's gradebook still works).
    venv_bin = os.path.realpath(os.path.dirname(sys.executable))
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if os.path.realpath(p) != venv_bin)
    autograder("release", ASSIGNMENT, "--course-dir", str(course), cwd=course, env=env)
    class_ = {"ana": SOLUTION, "ben": None, "cleo": BUGS[0]}  # None: submits the stub untouched

    def work(student: str) -> None:
        home = root / "home" / student
        notebook = fetch_as_student(ASSIGNMENT, home, COURSE_ID, exchange) / f"{ASSIGNMENT}.ipynb"
        if class_[student] is not None:
            write_variant(class_[student], notebook, course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                          notebook)
        submit_as_student(ASSIGNMENT, home, student, COURSE_ID, exchange)
    with ThreadPoolExecutor() as pool:  # the students work at the same time, each in a home of their own
        list(pool.map(work, class_))
    autograder("collect", ASSIGNMENT, "--course-dir", str(course), cwd=course, env=env)
    graded = autograder("grade", ASSIGNMENT, "--json", cwd=course, env=env)
    state = {"dir": course, "root": root, "env": env, "results": json.loads(graded.stdout), "graded": graded,
             "export": exported(course, env)}
    hand_grade(course, "ana", HAND_GRADE)
    state["export_hand_graded"] = exported(course, env)
    autograder("grade", ASSIGNMENT, "--fresh", cwd=course, env=env)  # grading again
    state["export_regraded"] = exported(course, env)
    autograder("feedback", ASSIGNMENT, cwd=course, env=env)  # the pages again, with the hand grade
    run_nbgrader(["release_feedback", ASSIGNMENT], course, exchange)
    with ThreadPoolExecutor() as pool:
        state["fetched"] = dict(zip(class_, pool.map(
            lambda s: fetch_feedback_as_student(ASSIGNMENT, root / "home" / s, s, COURSE_ID, exchange), class_)))
    autograder("report", ASSIGNMENT, cwd=course, env=env)
    return state


def test_each_student_is_collected_and_graded(course):
    by_student = {r["student"]: r for r in course["results"]}
    assert sorted(by_student) == ["ana", "ben", "cleo"]
    assert by_student["ana"]["score"] == by_student["ana"]["max_score"] > 0
    assert by_student["ben"]["score"] == 0
    assert 0 < by_student["cleo"]["score"] < by_student["cleo"]["max_score"]
    for result in course["results"]:
        assert Path(result["submission"]).parts[-4:-1] == ("submitted", result["student"], ASSIGNMENT)


def test_json_follows_the_contract(course):
    for result in course["results"]:
        assert set(result) == {"student", "submission", "score", "max_score", "tests", "notes", "isolation"}
        assert result["score"] == pytest.approx(sum(t["score"] for t in result["tests"]))
        assert result["isolation"].startswith("isolated:")
        for test in result["tests"]:
            assert set(test) == {"name", "score", "max_score", "outcome", "message", "title", "concept"}
            assert test["outcome"] in {"passed", "failed", "error", "timeout"}
            assert 0 <= test["score"] <= test["max_score"]


def test_nbgrader_export_gives_our_totals(course):
    assert course["export"] == pytest.approx(ours(course["dir"])) and set(course["export"]) == {"ana", "ben", "cleo"}


def test_a_hand_grade_adds_to_the_total_and_survives_a_regrade(course):
    expected = dict(ours(course["dir"]), ana=ours(course["dir"])["ana"] + HAND_GRADE)
    assert course["export_hand_graded"] == pytest.approx(expected)
    assert course["export_regraded"] == pytest.approx(expected)


def test_the_formgrader_has_the_autograded_notebooks(course):
    for student in ("ana", "ben", "cleo"):
        notebook = course["dir"] / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        cells = {(c.get("metadata", {}).get("nbgrader") or {}).get("grade_id"): c
                 for c in json.loads(notebook.read_text())["cells"]}
        assert "Gradient descent four ways" in cells["hidden_tests_fits"]["outputs"][0]["text"]


def test_each_student_fetches_their_own_feedback_and_no_one_elses(course):
    for student, folder in course["fetched"].items():
        pages = list(folder.rglob("*.html"))
        assert len(pages) == 1, pages
        page = pages[0].read_text()
        assert f"Student: {student}." in page
        assert all(f"Student: {other}." not in page for other in course["fetched"] if other != student)
        for hidden in ("def test_", "assert_close(", "rng.uniform", "hidden_data("):
            assert hidden not in page
    ana = next(course["fetched"]["ana"].rglob("*.html")).read_text()
    assert "Graded by hand" in ana and "1.5" in ana


def test_feedback_reads_as_sentences_by_concept(course):
    page = (course["dir"] / "reports" / ASSIGNMENT / "feedback" / "cleo.html").read_text()
    assert "Autograd basics" in page and "manual_gradient dl/dw" in page and "failed" in page
    assert "test_autograd_basics::" not in page  # titles, not pytest ids


def test_the_class_report_is_written(course):
    report = course["dir"] / "reports" / ASSIGNMENT / "report" / "index.html"
    text = report.read_text()
    assert all(name in text for name in ("ana", "ben", "cleo"))
    assert (report.parent / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plain_nbgrader_still_works_in_the_course(course):
    listing = run_nbgrader(["list", "--inbound", f"--course={COURSE_ID}"], course["dir"],
                           Path(course["env"]["NBGRADER_EXCHANGE"]))
    for student in ("ana", "ben", "cleo"):
        assert student in listing
