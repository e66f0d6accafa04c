"""The modes of what the autograder writes (nbgrader's: 0644 and 0755, or
0664 and 2775 in a groupshared course, whatever the umask), the course's
nbgrader configuration read as nbgrader reads it, and the late-submission
section of a feedback page."""
from __future__ import annotations

import datetime
import os
import stat
from pathlib import Path

import pytest

from autograder.assignments import get_assignment
from autograder.errors import NbgraderError
from autograder.feedback import Late, feedback_html
from autograder.gradebook import course_config, course_file_modes
from autograder.grading.results import (GROUP_SHARED, FileModes, SubmissionResult, TestResult, use_file_modes,
                                        write_atomic)


@pytest.fixture
def strict_umask():
    """A umask that would make every new file and folder private, and the default modes back afterwards."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)
        use_file_modes(FileModes())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_and_new_folders_get_nbgraders_modes_whatever_the_umask(tmp_path, strict_umask):
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o700)
    write_atomic(existing / "new" / "deeper" / "grades.csv", "a,b\n")
    assert mode(existing / "new" / "deeper" / "grades.csv") == 0o644
    assert mode(existing / "new") == mode(existing / "new" / "deeper") == 0o755
    assert mode(existing) == 0o700  # not ours to change
    write_atomic(existing / "plot.png", b"\x89PNG")
    assert mode(existing / "plot.png") == 0o644 and (existing / "plot.png").read_bytes() == b"\x89PNG"


def test_a_groupshared_course_gets_group_writable_files_and_folders_that_pass_their_group_on(tmp_path, strict_umask):
    use_file_modes(GROUP_SHARED)
    write_atomic(tmp_path / "report" / "index.html", "<p>")
    assert mode(tmp_path / "report" / "index.html") == 0o664
    assert mode(tmp_path / "report") == 0o2775


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path, strict_umask):
    page = tmp_path / "page.html"
    write_atomic(page, "old")
    with pytest.raises(TypeError):
        write_atomic(page, 12)  # neither text nor bytes: fails after the temporary file is made
    assert page.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


def course(folder: Path, *lines: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "nbgrader_config.py").write_text("\n".join(["c = get_config()", *lines]) + "\n")
    return folder


def test_the_modes_follow_the_courses_groupshared_setting(tmp_path):
    shared = course_config(course(tmp_path / "shared", "c.CourseDirectory.groupshared = True"))
    assert course_file_modes(shared) == GROUP_SHARED
    assert course_file_modes(course_config(course(tmp_path / "plain"))) == FileModes(0o644, 0o755)


def test_a_configuration_nbgrader_cannot_read_is_an_error_that_says_so(tmp_path):
    with pytest.raises(NbgraderError, match="cannot read the configuration"):
        course_config(course(tmp_path, "c.CourseDirectory.groupshared = 'perhaps'"))


def late_page(late: Late | None) -> str:
    assignment = get_assignment("manual_gradient")
    concept = assignment.concepts[0]
    result = SubmissionResult("ana", "ana.ipynb", [TestResult("t", 4.0, 4.0, "passed", concept=concept.name)])
    return feedback_html(result, assignment, late=late)


def test_the_feedback_says_how_late_and_what_it_cost():
    due = datetime.datetime(2026, 12, 1, 17, 0)
    page = late_page(Late(seconds=26 * 3600 + 5 * 60 + 1, penalty=1.5, duedate=due, extension=True))
    assert "Submitted late" in page and "1 day, 2 hours and 6 minutes" in page  # to the minute, rounded up
    assert "2026-12-01 17:00 UTC, your extension included" in page
    assert "took off <strong>1.5 points</strong>" in page and "4 before the penalty, 2.5 after it" in page
    assert "Score: <strong>2.5 / 4</strong>" in page


def test_a_late_submission_without_a_penalty_says_so_and_an_early_one_says_nothing():
    page = late_page(Late(seconds=3600, penalty=0.0, duedate=datetime.datetime(2026, 12, 1), extension=False))
    assert "<strong>1 hour</strong>" in page and "No points were taken off" in page
    assert "Score: <strong>4 / 4</strong>" in page
    assert "Submitted late" not in late_page(None)
