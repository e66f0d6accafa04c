"""The result store: atomic files, fingerprints, what a resumed batch keeps (fast)."""
from __future__ import annotations

import json

import pytest

from autograder.assignments import get_assignment
from autograder.grading.results import SubmissionResult, TestResult, csv_text
from autograder.grading.runner import Submission
from autograder.grading.store import ResultStore


def _result(student: str, score: float = 1.0) -> SubmissionResult:
    return SubmissionResult(student, f"{student}.ipynb", [
        TestResult("test_a::test_x", score, 1.0, "passed" if score else "failed", "", "x works", "a"),
        TestResult("test_a::test_y", 0.0, 2.0, "failed", "expected 1, got 2", "y works", "a")],
        notes=["cell 3 raised"], isolation="isolated", seconds=1.5)


@pytest.fixture
def store(tmp_path):
    return ResultStore(tmp_path / "out", get_assignment("backprop"), "secret")


@pytest.fixture
def submission(tmp_path):
    notebook = tmp_path / "ana.ipynb"
    notebook.write_text("{}")
    return Submission("ana", notebook)


def test_a_saved_result_is_kept_for_the_same_notebook(store, submission):
    store.save(submission, _result("ana"))
    assert store.previous(submission).to_json() == _result("ana").to_json()


def test_a_changed_notebook_or_secret_is_graded_again(store, submission, tmp_path):
    store.save(submission, _result("ana"))
    assert ResultStore(tmp_path / "out", get_assignment("backprop"), "other secret").previous(submission) is None
    submission.notebook.write_text('{"changed": 1}')
    assert store.previous(submission) is None


def test_an_unfinished_result_is_on_disk_but_never_kept(store, submission):
    store.save(submission, _result("ana"))
    store.save_unfinished(_result("ana", 0.0))
    assert json.loads((store.out / "results" / "ana.json").read_text())["score"] == 0.0
    assert store.previous(submission) is None


def test_results_round_trip_through_json():
    data = _result("ana").to_json()
    assert SubmissionResult.from_json(json.loads(json.dumps(data))).to_json() == data
    assert data["score"] == 1.0 and data["max_score"] == 3.0
    assert "seconds" not in data  # a result is the same whatever the machine: timing is kept beside it


def test_the_grading_time_is_kept_beside_the_result(store, submission):
    store.save(submission, _result("ana"))
    assert store.previous(submission).seconds == 1.5


def test_finish_writes_the_batch_in_the_order_of_its_submissions(store, tmp_path):
    order = [Submission(name, tmp_path / f"{name}.ipynb") for name in ("ben", "ana")]
    store.add(_result("ana"))
    store.add(_result("ben"))
    assert [r.student for r in store.finish(order)] == ["ben", "ana"]
    assert [r["student"] for r in json.loads((store.out / "results.json").read_text())] == ["ben", "ana"]


def test_csv_has_one_row_per_student_and_one_column_per_test():
    lines = csv_text([_result("ana"), _result("ben", 0.0)]).splitlines()
    assert lines[0] == "student,submission,score,max_score,test_a::test_x,test_a::test_y"
    assert [line.split(",")[0] for line in lines[1:]] == ["ana", "ben"]


def test_no_temporary_files_are_left_behind(store, submission):
    store.save(submission, _result("ana"))
    assert not [p for p in (store.out / "results").iterdir() if p.name.startswith(".ana.json.")]
