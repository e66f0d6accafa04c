"""Grading results and the files written from them (JSON, CSV, feedback)."""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

OUTCOMES = ("passed", "failed", "error", "timeout")


@dataclass
class TestResult:
    __test__ = False  # not a test class, whatever pytest thinks of the name

    name: str  # the test's id (module::function[parameters]): stable, for tools
    score: float
    max_score: float
    outcome: str
    message: str = ""
    title: str = ""  # what it checks, as a sentence for the student
    concept: str = ""
    grader_error: bool = False  # the grader itself failed (not in the JSON: such a result is never kept)

    def to_json(self) -> dict:
        return {"name": self.name, "score": self.score, "max_score": self.max_score, "outcome": self.outcome,
                "message": self.message, "title": self.title or self.name, "concept": self.concept}

    @classmethod
    def from_json(cls, data: dict) -> "TestResult":
        return cls(str(data["name"]), float(data["score"]), float(data["max_score"]), str(data["outcome"]),
                   str(data.get("message", "")), str(data.get("title", "")), str(data.get("concept", "")))


@dataclass
class SubmissionResult:
    student: str
    submission: str
    tests: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the notebook: cells that raised, hand-graded parts
    isolation: str = ""  # what protected the student process (isolation.Fence.describe)
    # Not in the JSON (a result is the same whatever the machine): grading wall time, and the
    # CPU time its student processes used (the notebook's cells and the calls the tests made).
    seconds: float = 0.0
    student_seconds: float = 0.0
    # The student's CPU seconds in each test (by name) and each cell (by grade id): what a
    # calibration is made of when this is the reference solution's result (grading/calibration.py).
    test_cpu: dict[str, float] = field(default_factory=dict)
    cell_cpu: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests), 6)

    @property
    def grader_errors(self) -> list[TestResult]:
        return [t for t in self.tests if t.grader_error]

    @property
    def full_marks(self) -> bool:
        return bool(self.tests) and all(t.outcome == "passed" for t in self.tests)

    @property
    def limits_hit(self) -> list[str]:
        """The tests and cells that ran into a limit (time, memory, output, processes)."""
        return ([t.title or t.name for t in self.tests if t.outcome == "timeout" or "limit" in t.message]
                + [note for note in self.notes if "limit" in note])

    def concept_scores(self) -> dict[str, tuple[float, float]]:
        """concept -> (score, max_score), in the order the tests ran."""
        out: dict[str, tuple[float, float]] = {}
        for t in self.tests:
            score, max_score = out.get(t.concept, (0.0, 0.0))
            out[t.concept] = (round(score + t.score, 6), round(max_score + t.max_score, 6))
        return out

    def to_json(self) -> dict:
        """The documented contract of `autograder grade --json`."""
        return {"student": self.student, "submission": self.submission, "score": self.score,
                "max_score": self.max_score, "tests": [t.to_json() for t in self.tests], "notes": list(self.notes),
                "isolation": self.isolation}

    @classmethod
    def from_json(cls, data: dict, seconds: float = 0.0, student_seconds: float = 0.0) -> "SubmissionResult":
        return cls(str(data["student"]), str(data["submission"]), [TestResult.from_json(t) for t in data["tests"]],
                   [str(n) for n in data.get("notes", [])], str(data.get("isolation", "")), seconds, student_seconds)

    def timing(self) -> dict:
        return {"seconds": round(self.seconds, 3), "student_seconds": round(self.student_seconds, 3)}


@dataclass(frozen=True)
class FileModes:
    """The modes of the files and folders written here, as nbgrader gives its own:
    0644 and 0755, or 0664 and 2775 (the group may write, and a folder passes its
    group on) in a course whose configuration sets `CourseDirectory.groupshared`."""

    file: int = 0o644
    folder: int = 0o755


GROUP_SHARED = FileModes(0o664, 0o2775)
_modes = FileModes()  # the course's, once its configuration is read (gradebook.course_file_modes)


def use_file_modes(modes: FileModes) -> None:
    """The modes of every file and folder written from now on in this process."""
    global _modes
    _modes = modes


def make_folders(folder: Path) -> None:
    """`folder` and its missing parents, each new one with the folder mode
    (whatever the umask); folders that exist are left as they are."""
    missing = []
    while not os.path.lexists(folder):
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        try:
            new.mkdir()
        except FileExistsError:  # made meanwhile by another process: not ours to change
            continue
        os.chmod(new, _modes.folder)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write via a temporary file and rename, so a reader never sees half a
    file; the file has its mode (mkstemp makes 0600) before the rename."""
    path = Path(path)
    make_folders(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fchmod(handle.fileno(), _modes.file)
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def csv_text(results: list[SubmissionResult]) -> str:
    names = []
    for result in results:
        names.extend(t.name for t in result.tests if t.name not in names)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["student", "submission", "score", "max_score", *names])
    for result in results:
        by_name = {t.name: t.score for t in result.tests}
        writer.writerow([result.student, result.submission, result.score, result.max_score,
                         *(by_name.get(n, "") for n in names)])
    return out.getvalue()


def grade_table(results: list[SubmissionResult], refused: list[tuple[str, str, str]] = ()) -> str:
    """One row per result; `refused`: (student, folder, reason) of the submission folders that
    collect refused, oldest first. A student with no result is listed as not graded, with the
    reason their last refused folder was refused; every other refused folder is listed below the table."""
    graded = {r.student for r in results}
    latest = {student: (folder, reason) for student, folder, reason in refused if student not in graded}
    not_graded = {student: reason for student, (_, reason) in latest.items()}  # the last one refused
    shown = {folder for folder, _ in latest.values()}
    width = max([len("student")] + [len(r.student) for r in results] + [len(s) for s in not_graded])
    rows = [f"{'student':<{width}}  {'score':>7}  {'max':>5}  {'%':>5}  passed"]
    for r in results:
        passed = sum(t.outcome == "passed" for t in r.tests)
        pct = 100 * r.score / r.max_score if r.max_score else 0.0
        rows.append(f"{r.student:<{width}}  {r.score:>7g}  {r.max_score:>5g}  {pct:>5.1f}  {passed}/{len(r.tests)}")
    rows += [f"{student:<{width}}  not graded: {reason}" for student, reason in not_graded.items()]
    rows += [f"not collected: {folder}: {reason}" for _, folder, reason in refused if folder not in shown]
    return "\n".join(rows)


def save_json(path: Path, data) -> None:
    write_atomic(path, json.dumps(data, indent=2) + "\n")
