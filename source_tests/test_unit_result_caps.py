"""Size caps on what a student fills in a result, the channel reading past an
oversized message, and student names on disk (fast)."""
from __future__ import annotations

import os
import socket
import threading

import pytest

from autograder.assignments import get_assignment
from autograder.grading.caps import MAX_NOTES, MAX_RESULT_BYTES, capped, encoded_size
from autograder.grading.pool import _result_message
from autograder.grading.results import SubmissionResult, TestResult
from autograder.grading.store import ResultStore, read_batch, safe_name
from autograder.sandbox.channel import Channel, MessageTooLarge
from autograder.submissions import Submission


def _result(student="ana", notes=(), message="") -> SubmissionResult:
    return SubmissionResult(student, f"{student}.ipynb", [
        TestResult("test_a::test_x", 1.0, 1.0, "passed", "", "x works", "a"),
        TestResult("test_a::test_y", 0.0, 2.0, "failed", message, "y works", "a")], list(notes), "isolated")


def test_6000_notes_of_4000_characters_are_capped():
    huge = _result(notes=[f"cell {i} raised: " + "\U0001F600" * 4000 for i in range(6000)])
    assert encoded_size(huge) > 256 * 1024**2  # over the channel's limit, as the attack made it
    result = capped(huge)
    assert len(result.notes) == MAX_NOTES + 1 and result.notes[-1] == f"… ({6000 - MAX_NOTES} more notes cut)"
    assert all(len(note) < 2100 for note in result.notes)
    assert "more characters cut)" in result.notes[0]
    assert encoded_size(result) < MAX_RESULT_BYTES
    assert result.score == 1.0, "capping keeps the score"


def test_messages_are_cut_with_a_marker_and_made_writable():
    result = capped(_result(message="x" * 50_000 + "\ud800"))
    message = result.tests[1].message
    assert message.endswith("(40001 more characters cut)") and len(message) < 10_100, message[-80:]
    lone = capped(_result(message="bad \ud800 text")).tests[1].message
    assert lone == "bad \ufffd text"
    lone.encode("utf-8")  # a feedback page can be written


def test_a_result_too_large_for_the_channel_becomes_the_students_failure():
    message = _result_message(_result(notes=["x" * 1000]), limit=500)
    result = SubmissionResult.from_json(message["result"])
    assert result.score == 0 and result.max_score == 3.0, "the tests stay, at 0 points"
    assert "could not be recorded" in result.notes[0] and "over the 500-byte limit" in result.notes[0]


def test_the_coordinator_reads_past_an_oversized_message():
    ours, theirs = socket.socketpair()
    sender, receiver = Channel(theirs), Channel(ours, max_message=1000, skip_oversized=True)
    writer = threading.Thread(target=lambda: (sender.send({"big": "x" * 100_000}), sender.send({"next": 1})))
    writer.start()
    with pytest.raises(MessageTooLarge):
        receiver.recv(deadline=None)
    assert receiver.recv() == {"next": 1}, "the channel is still in step after an oversized message"
    writer.join()


@pytest.mark.parametrize("name", ["amy", "bo_2", "j.doe-3"])
def test_plain_names_stay_as_they_were(name):
    assert safe_name(name) == name


def test_any_valid_file_name_gets_a_short_distinct_name_on_disk():
    names = ["n" * 249, "é" * 127, "Amy", "amy", "AMY", "a b", "..", ".hidden", "$(rm -rf ~)", "名前", "a\\b",
             "x" * 64 + "+", "con", "nul.txt"]
    on_disk = [safe_name(n) for n in names]
    assert len(set(on_disk)) == len(names)
    assert len({n.lower() for n in on_disk}) == len(names), "names that differ only in case stay apart"
    for name in on_disk:
        assert len(name.encode()) <= 64 + 17 and "/" not in name and not name.startswith("."), name


def test_the_store_saves_and_keeps_a_result_under_a_long_unicode_name(tmp_path):
    store = ResultStore(tmp_path / "out", get_assignment("backprop"), "secret")
    student = "é" * 120  # 240 bytes: `.{name}.fingerprint` would not fit in 255
    notebook = tmp_path / f"{student}.ipynb"
    notebook.write_text("{}")
    submission = Submission(student, notebook)
    store.save(submission, _result(student))
    assert store.previous(submission).student == student
    assert [r.student for r in read_batch(tmp_path / "out").results] == [student]


def test_a_fifo_notebook_does_not_block_its_fingerprint(tmp_path):
    """Reading a FIFO blocks until a writer comes: the test would hang."""
    store = ResultStore(tmp_path / "out", get_assignment("backprop"), "secret")
    os.mkfifo(tmp_path / "eve.ipynb")
    assert store.fingerprint(Submission("eve", tmp_path / "eve.ipynb")), "a fingerprint, without blocking"
