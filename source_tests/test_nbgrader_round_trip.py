"""The instructor's day through the real nbgrader and the real CLI: release,
three students fetch and submit (each with its own cache), collect, grade
(into nbgrader's gradebook), nbgrader export, a hand grade in the gradebook
that survives a regrade (unchanged submissions are not published again) and a
fresh regrade, and is flagged for a look after a resubmission, a due date with an extension and
two late policies (nbgrader's "zero", a course's per-hour plugin), feedback
released and fetched by each student (one under another user id), the class
report, and the modes of every file written."""
from __future__ import annotations

import csv
import datetime
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.assignments import get_assignment
from autograder.gradebook import open_gradebook
from autograder.nbgrader_ops import fetch_as_student, fetch_feedback_as_student, run_nbgrader, submit_as_student
from autograder.timestamps import parse_utc
from autograder.variants import write_variant
from autograder.variants.manual_gradient import BUGS, SOLUTION
from conftest import REPO

pytestmark = pytest.mark.slow
COURSE_ID = "autodiff"
ASSIGNMENT = "manual_gradient"
HAND_GRADE = 1.5  # given in the formgrader (here, through nbgrader's API) to ana's written answer
FIRST_CELL = get_assignment(ASSIGNMENT).concepts[0].cell  # a concept's graded cell
LATE = datetime.timedelta(hours=2, minutes=30)  # the earliest submission, after the due date set below
OTHER_UID = 65534  # the student who fetches feedback as a user of their own (nobody)
PER_HOUR = 0.5  # points the course's own late policy takes off per started hour
POLICY = f"""
import math

from nbgrader.plugins import LateSubmissionPlugin


class PerHour(LateSubmissionPlugin):
    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return {PER_HOUR} * math.ceil(total_seconds_late / 3600)
"""


def autograder(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def export_rows(course: Path, env: dict) -> dict[str, dict[str, float]]:
    """Each student's raw score, late penalty and score as `nbgrader export` gives them."""
    run_nbgrader(["export", "--to", str(course / "export.csv")], course, Path(env["NBGRADER_EXCHANGE"]))
    with open(course / "export.csv") as handle:
        return {row["student_id"]: {key: float(row[key]) for key in ("raw_score", "late_submission_penalty", "score")}
                for row in csv.DictReader(handle) if row["assignment"] == ASSIGNMENT}


def exported(course: Path, env: dict) -> dict[str, float]:
    """Each student's total as `nbgrader export` gives it."""
    return {student: row["raw_score"] for student, row in export_rows(course, env).items()}


def ours(course: Path) -> dict[str, float]:
    with open(course / "reports" / ASSIGNMENT / "grades.csv") as handle:
        return {row["student"]: float(row["score"]) for row in csv.DictReader(handle)}


def submit_again(course: Path, student: str) -> None:
    """The same notebook submitted again, a minute later (what collect leaves for a new submission)."""
    stamp = course / "submitted" / student / ASSIGNMENT / "timestamp.txt"
    later = parse_utc(stamp.read_text()) + datetime.timedelta(minutes=1)
    stamp.write_text(f"{later:%Y-%m-%d %H:%M:%S.%f} UTC")


def hand_grade(course: Path, student: str, score: float) -> None:
    """As the formgrader saves a hand grade: the score, and the answer no longer needs grading."""
    with open_gradebook(course) as gradebook:
        grade = gradebook.find_grade("answer300", ASSIGNMENT, ASSIGNMENT, student)
        grade.manual_score = score
        grade.needs_manual_grade = False
        gradebook.db.commit()


def set_auto_score(course: Path, student: str, score: float) -> None:
    """A gradebook row that is not what the grading found (tampered, or from an older batch)."""
    with open_gradebook(course) as gradebook:
        gradebook.find_grade(FIRST_CELL, ASSIGNMENT, ASSIGNMENT, student).auto_score = score
        gradebook.db.commit()


def gradebook_rows(course: Path) -> dict:
    """Every row a publication writes: each grade, each penalty, each timestamp."""
    rows = {}
    with open_gradebook(course) as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            student = submission.student.id
            rows[student, "timestamp"] = submission.timestamp
            for notebook in submission.notebooks:
                rows[student, "late"] = notebook.late_submission_penalty
                for grade in notebook.grades:
                    rows[student, grade.name] = (grade.auto_score, grade.manual_score, grade.needs_manual_grade)
    return rows


def published_files(course: Path, student: str) -> dict[str, tuple[int, bytes]]:
    """The student's feedback page and autograded notebook: (mtime, bytes)."""
    files = (course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html",
             course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    return {str(path): (path.stat().st_mtime_ns, path.read_bytes()) for path in files}


def set_due_date(course: Path, before_earliest: datetime.timedelta, extension_for: str) -> None:
    """The due date `before_earliest` before the first submission; `extension_for` gets an hour more than that."""
    with open_gradebook(course) as gradebook:
        earliest = min(s.timestamp for s in gradebook.assignment_submissions(ASSIGNMENT))
        gradebook.update_or_create_assignment(ASSIGNMENT, duedate=earliest - before_earliest)
        gradebook.grant_extension(ASSIGNMENT, extension_for, minutes=before_earliest.total_seconds() / 60 + 60)


def configure(course: Path, line: str) -> None:
    with open(course / "nbgrader_config.py", "a") as handle:
        handle.write(f"\n{line}\n")


def read_as_other_user(path: Path) -> subprocess.CompletedProcess:
    """The file read by a user of their own (nobody), as a student's `nbgrader fetch_feedback` reads it."""
    def become_student() -> None:
        os.setgroups([])
        os.setgid(OTHER_UID)
        os.setuid(OTHER_UID)
    return subprocess.run(["cat", str(path)], preexec_fn=become_student, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def course():
    # Outside pytest's private (0700) folders: a user of another id reaches the exchange.
    root = Path(tempfile.mkdtemp(prefix="roundtrip-"))
    root.chmod(0o755)
    try:
        yield build_course(root)
    finally:
        shutil.rmtree(root)


def build_course(root: Path) -> dict:
    course, exchange, policies = root / "course", root / "exchange", root / "policies"
    exchange.mkdir()
    exchange.chmod(0o1777)  # as an nbgrader exchange is set up: every user writes in it
    policies.mkdir()
    (policies / "late_per_hour.py").write_text(POLICY)
    (course / "solutions").mkdir(parents=True)
    shutil.copytree(REPO / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
    shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    env = dict(os.environ, NBGRADER_EXCHANGE=str(exchange), AUTOGRADER_SECRET="round-trip",
               PYTHONPATH=os.pathsep.join(filter(None, [str(policies), os.environ.get("PYTHONPATH")])))
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
    set_auto_score(course, "ben", 0.25)  # ben's row is not his result: the next batch records it again
    state["rows_before_kept"], state["files_before_kept"] = gradebook_rows(course), {
        s: published_files(course, s) for s in ("ana", "cleo")}
    autograder("grade", ASSIGNMENT, cwd=course, env=env)  # grading again: every result is kept
    state["rows_after_kept"], state["files_after_kept"] = gradebook_rows(course), {
        s: published_files(course, s) for s in ("ana", "cleo")}
    set_due_date(course, LATE, extension_for="cleo")
    configure(course, 'c.LateSubmissionPlugin.penalty_method = "zero"')
    set_auto_score(course, "cleo", 99.0)
    autograder("grade", ASSIGNMENT, "--fresh", cwd=course, env=env)  # grading everything again
    state["export_regraded"] = exported(course, env)
    state["export_zero"], state["rows_after_fresh"] = export_rows(course, env), gradebook_rows(course)
    configure(course, 'c.AssignLatePenalties.plugin_class = "late_per_hour.PerHour"')
    autograder("feedback", ASSIGNMENT, cwd=course, env=env)  # the pages again, with the new late policy
    state["export_per_hour"] = export_rows(course, env)
    run_nbgrader(["release_feedback", ASSIGNMENT], course, exchange)
    state["released"] = sorted((exchange / COURSE_ID / "feedback").glob("*.html"))
    state["read_by_another_user"] = [read_as_other_user(page) for page in state["released"]]
    with ThreadPoolExecutor() as pool:
        state["fetched"] = dict(zip(class_, pool.map(
            lambda s: fetch_feedback_as_student(ASSIGNMENT, root / "home" / s, s, COURSE_ID, exchange), class_)))
    autograder("report", ASSIGNMENT, cwd=course, env=env)
    hand_grade(course, "cleo", HAND_GRADE)
    submit_again(course, "cleo")
    autograder("grade", ASSIGNMENT, cwd=course, env=env)  # the notebook is unchanged: the result is kept
    state["rows_after_resubmission"] = gradebook_rows(course)
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


def test_a_hand_graded_answer_stays_graded_after_a_regrade_and_a_fresh_one(course):
    for rows in ("rows_before_kept", "rows_after_kept", "rows_after_fresh"):
        assert course[rows]["ana", "answer300"][1:] == (HAND_GRADE, False), rows
    assert course["rows_after_fresh"]["ben", "answer300"][1:] == (None, True)  # never graded by hand: still to do


def test_a_hand_grade_is_flagged_for_a_look_when_the_student_submits_again(course):
    before, after = course["rows_after_fresh"], course["rows_after_resubmission"]
    assert after["cleo", "answer300"][1:] == (HAND_GRADE, True)
    assert after["cleo", "timestamp"] - before["cleo", "timestamp"] == datetime.timedelta(minutes=1)
    assert after["ana", "answer300"][1:] == (HAND_GRADE, False)


def test_an_unchanged_submission_is_not_published_again(course):
    before, after = course["rows_before_kept"], course["rows_after_kept"]
    assert {k: v for k, v in after.items() if k[0] != "ben"} == {k: v for k, v in before.items() if k[0] != "ben"}
    assert course["files_after_kept"] == course["files_before_kept"]
    # ben's row did not hold his result: it is recorded again, from the kept result
    assert before["ben", FIRST_CELL][0] == 0.25 and after["ben", FIRST_CELL][0] == 0.0


def test_a_fresh_regrade_replaces_the_automatic_scores(course):
    graded = {r["student"]: r for r in course["results"]}["cleo"]
    concept = get_assignment(ASSIGNMENT).concepts[0].name
    expected = sum(t["score"] for t in graded["tests"] if t["concept"] == concept)
    assert course["rows_after_fresh"]["cleo", FIRST_CELL][0] == pytest.approx(expected) != 99.0


def test_a_late_submission_gets_the_courses_zero_penalty(course):
    export = course["export_zero"]
    ana = export["ana"]
    assert ana["raw_score"] > 0 and ana["late_submission_penalty"] == pytest.approx(ana["raw_score"])
    assert ana["score"] == 0
    cleo = export["cleo"]  # as late, with an extension that covers it
    assert cleo["late_submission_penalty"] == 0 and cleo["raw_score"] > 0
    assert cleo["score"] == pytest.approx(cleo["raw_score"])
    assert export["ben"]["score"] == export["ben"]["late_submission_penalty"] == 0


def test_a_late_submission_gets_the_courses_own_per_hour_penalty(course):
    export = course["export_per_hour"]
    hours = 3  # two and a half, and the few seconds between the submissions: three started hours
    ana = export["ana"]
    assert ana["late_submission_penalty"] == pytest.approx(PER_HOUR * hours)
    assert ana["score"] == pytest.approx(ana["raw_score"] - PER_HOUR * hours)
    assert export["cleo"]["late_submission_penalty"] == 0
    assert export["ben"]["late_submission_penalty"] == 0  # nbgrader's cap: never more than the score (0)


def test_the_feedback_says_how_late_and_what_it_cost(course):
    ana = next(course["fetched"]["ana"].rglob("*.html")).read_text()
    assert "Submitted late" in ana and "2 hours and 3" in ana  # 2 h 30 min, and the seconds after the earliest
    assert f"took off <strong>{PER_HOUR * 3:g} points</strong>" in ana
    cleo = next(course["fetched"]["cleo"].rglob("*.html")).read_text()
    assert "Submitted late" not in cleo


def test_released_feedback_is_read_by_a_student_of_another_user_id(course):
    reads = course["read_by_another_user"]
    assert len(reads) == 3 and all(read.returncode == 0 for read in reads), [read.stderr for read in reads]
    assert sorted(s for s in ("ana", "ben", "cleo") for read in reads if f"Student: {s}." in read.stdout) == \
        ["ana", "ben", "cleo"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in course["released"])


def test_every_file_written_has_nbgraders_modes(course):
    folders = [course["dir"] / "reports" / ASSIGNMENT, *(course["dir"] / "feedback").glob("*/" + ASSIGNMENT),
               *(course["dir"] / "autograded").glob("*/" + ASSIGNMENT)]
    side_files = {"timestamp.txt", "submission_secret.txt"}  # copied with the mode nbgrader gave them
    modes = {str(path): stat.S_IMODE(path.stat().st_mode)
             for folder in folders for path in [folder, *folder.rglob("*")] if path.name not in side_files}
    assert len(modes) > 20
    assert {path: mode for path, mode in modes.items() if mode != (0o755 if Path(path).is_dir() else 0o644)} == {}


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
