"""Where a batch's results live on disk, so that nothing graded is lost.

Each submission's result is written atomically as soon as it is graded, with
a fingerprint of what produced it (the notebook's bytes, the hidden tests'
sources and the course secret). A batch started again, after a crash or a
SIGKILL, reuses every result whose fingerprint still matches and grades only
the rest.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..assignments import Assignment
from ..feedback import feedback_html
from .results import SubmissionResult, csv_text, save_json, write_atomic
from ..notebook import MAX_NOTEBOOK_BYTES
from ..student_files import UnsafeFile, read_student_file
from ..submissions import Submission


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def graders_digest(assignment: Assignment) -> str:
    files = sorted(assignment.tests.parent.rglob("*.py"))  # the shared checks count too
    return _digest(*(f.read_bytes() for f in files))


PLAIN_NAME = re.compile(r"[a-z0-9_][a-z0-9_.-]{0,63}")
SHOWN_CHARS = 40


def safe_name(student: str) -> str:
    """The file name (without suffix) a student's files get on disk, for any
    name a file name can hold. A short, plain name (lower-case ASCII letters,
    digits, `_.-`, at most 64 characters) is kept as it is, so batches graded
    before resume; any other name (long, unicode, upper case, characters
    awkward on disk) becomes a plain prefix of it, `+` and a hash of the whole
    name: at most 57 bytes (`.{name}.fingerprint` and the temporary files of
    write_atomic stay far under 255), apart for names that differ only in
    case (a case-insensitive disk), and never equal to a plain name (those
    have no `+`)."""
    if PLAIN_NAME.fullmatch(student) and student not in (".", ".."):
        return student
    prefix = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in student.lower())
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{prefix[:SHOWN_CHARS].lstrip('.') or 'student'}+{digest}"


class ResultStore:
    def __init__(self, out: Path, assignment: Assignment, secret: str):
        self.out = Path(out)
        self.assignment = assignment
        self.context = _digest(graders_digest(assignment).encode(), secret.encode())
        self.results: list[SubmissionResult] = []

    def fingerprint(self, submission: Submission) -> str:
        try:  # the student's file: never a link followed, a FIFO opened (it would block) or a device read
            notebook = read_student_file(submission.notebook, submission.root, MAX_NOTEBOOK_BYTES)
        except (UnsafeFile, OSError) as exc:
            notebook = f"<not read: {exc}>".encode("utf-8", "surrogatepass")
        return _digest(self.context.encode(), submission.student.encode(), notebook)

    def _paths(self, student: str) -> tuple[Path, Path]:
        name = safe_name(student)
        return self.out / "results" / f"{name}.json", self.out / "results" / f".{name}.fingerprint"

    def previous(self, submission: Submission) -> SubmissionResult | None:
        """The saved result of this very submission graded by these very tests, if any."""
        result_path, print_path = self._paths(submission.student)
        try:
            mark = json.loads(print_path.read_text())
            if mark["fingerprint"] != self.fingerprint(submission):
                return None
            return SubmissionResult.from_json(json.loads(result_path.read_text()), **mark["timing"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, submission: Submission, result: SubmissionResult) -> None:
        result_path, print_path = self._paths(result.student)
        save_json(result_path, result.to_json())
        write_atomic(self.out / "feedback" / f"{safe_name(result.student)}.html",
                     feedback_html(result, self.assignment))
        # Last, the mark that the result is complete, with how long grading took (kept out of the
        # result itself, which is the same whatever the machine and --jobs).
        save_json(print_path, {"fingerprint": self.fingerprint(submission), "timing": result.timing()})
        self.add(result)

    def save_unfinished(self, result: SubmissionResult) -> None:
        """A result the grader itself could not finish: on disk for a look, with
        no fingerprint, so the next run grades the submission again."""
        result_path, print_path = self._paths(result.student)
        print_path.unlink(missing_ok=True)
        save_json(result_path, result.to_json())

    def add(self, result: SubmissionResult) -> None:
        self.results.append(result)
        write_atomic(self.out / "grades.csv", csv_text(self.results))

    def finish(self, order: list[Submission]) -> list[SubmissionResult]:
        """The batch's results in the order of its submissions (workers finish
        in any order), written as results.json and grades.csv."""
        rank = {s.student: i for i, s in enumerate(order)}
        self.results.sort(key=lambda r: rank.get(r.student, len(rank)))
        write_atomic(self.out / "grades.csv", csv_text(self.results))
        save_json(self.out / "results.json", [r.to_json() for r in self.results])
        return self.results


@dataclass
class StoredBatch:
    """What a batch left in its output folder."""

    results: list[SubmissionResult]  # complete: their completion mark was written, last
    unfinished: list[SubmissionResult] = field(default_factory=list)  # the grader failed on them: no mark
    unreadable: list[str] = field(default_factory=list)  # result files that could not be read


def read_batch(out: Path) -> StoredBatch:
    """Every result in `out/results/`, with its timing, in the order of the students' names."""
    batch = StoredBatch([])
    for path in sorted((Path(out) / "results").glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            mark = path.with_name(f".{path.stem}.fingerprint")
            timing = json.loads(mark.read_text())["timing"] if mark.exists() else None
            result = SubmissionResult.from_json(data, **(timing or {}))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            batch.unreadable.append(path.name)
            continue
        (batch.results if timing is not None else batch.unfinished).append(result)
    batch.results.sort(key=lambda r: r.student.lower())
    return batch
