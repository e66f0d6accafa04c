"""Grading results and the files written from them (JSON, CSV, feedback)."""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

OUTCOMES = ("passed", "failed", "error", "timeout")


@dataclass
class TestResult:
    name: str
    score: float
    max_score: float
    outcome: str
    message: str = ""


@dataclass
class SubmissionResult:
    student: str
    submission: str
    tests: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. cells that raised; feedback only

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests), 6)

    def to_json(self) -> dict:
        """Exactly the documented contract of `autograder grade --json`."""
        return {"student": self.student, "submission": self.submission, "score": self.score,
                "max_score": self.max_score, "tests": [asdict(t) for t in self.tests]}

    @classmethod
    def from_json(cls, data: dict, notes: list[str] | None = None) -> "SubmissionResult":
        return cls(data["student"], data["submission"], [TestResult(**t) for t in data["tests"]], notes or [])


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
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


def feedback_markdown(result: SubmissionResult, assignment: str) -> str:
    """Per-student feedback: each test's outcome and message, never the test code."""
    lines = [f"# Feedback: {assignment}", "", f"Student: `{result.student}`  ",
             f"Score: **{result.score:g} / {result.max_score:g}**", ""]
    if result.notes:
        lines += ["## Your notebook", ""] + [f"- {note}" for note in result.notes] + [""]
    lines += ["## Tests", "", "| test | outcome | points |", "|---|---|---|"]
    for t in result.tests:
        lines.append(f"| `{t.name}` | {t.outcome} | {t.score:g} / {t.max_score:g} |")
    problems = [t for t in result.tests if t.outcome != "passed"]
    if problems:
        lines += ["", "## What went wrong", ""]
        for t in problems:
            lines += [f"### `{t.name}` ({t.outcome})", "", "```", t.message.strip() or "(no message)", "```", ""]
    return "\n".join(lines) + "\n"


def grade_table(results: list[SubmissionResult]) -> str:
    width = max([len("student")] + [len(r.student) for r in results])
    rows = [f"{'student':<{width}}  {'score':>7}  {'max':>5}  {'%':>5}  passed"]
    for r in results:
        passed = sum(t.outcome == "passed" for t in r.tests)
        pct = 100 * r.score / r.max_score if r.max_score else 0.0
        rows.append(f"{r.student:<{width}}  {r.score:>7g}  {r.max_score:>5g}  {pct:>5.1f}  {passed}/{len(r.tests)}")
    return "\n".join(rows)


def save_json(path: Path, data) -> None:
    write_atomic(path, json.dumps(data, indent=2) + "\n")
