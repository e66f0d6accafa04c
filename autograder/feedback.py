"""Each student's feedback: one self-contained HTML page per assignment,
readable without Jupyter. First what to fix first (autograder/fix_first.py);
then each test, grouped by concept, with its points and
its message (what was expected, what came back, on which input); the answers
graded by hand; the cells that failed when the notebook was run from the top;
the limits hit; how late the submission was and what it cost. Never the
hidden test code: only outcomes and messages, which never hold a hidden
value."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .assignments import Assignment
from .fix_first import fix_first
from .grading.results import SubmissionResult
from .html import environment


@dataclass(frozen=True)
class ManualGrade:
    """An answer graded by hand in nbgrader's formgrader (score None: not yet)."""

    name: str
    score: float | None
    max_score: float


@dataclass(frozen=True)
class Late:
    """A submission after its due date, as nbgrader's gradebook has it."""

    seconds: float  # after the due date (the student's extension included)
    penalty: float  # points taken off by the course's late-submission policy
    duedate: datetime  # naive UTC, the extension included
    extension: bool  # the student had one

    @property
    def how_late(self) -> str:
        """'2 days, 3 hours and 5 minutes', to the minute (rounded up)."""
        minutes = -int(-self.seconds // 60)
        days, rest = divmod(minutes, 24 * 60)
        parts = [f"{n} {unit}{'s' if n != 1 else ''}"
                 for n, unit in ((days, "day"), (rest // 60, "hour"), (rest % 60, "minute")) if n]
        return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


@dataclass(frozen=True)
class ConceptSection:
    heading: str
    score: float
    max_score: float
    tests: list


def feedback_html(result: SubmissionResult, assignment: Assignment, manual: list[ManualGrade] = (),
                  late: Late | None = None) -> str:
    scores = result.concept_scores()
    headings = {c.name: c.heading for c in assignment.concepts}
    sections = [ConceptSection(headings.get(name, name), score, max_score,
                               [t for t in result.tests if t.concept == name])
                for name, (score, max_score) in scores.items()]
    graded = sum(m.score for m in manual if m.score is not None)
    notes = [n for n in result.notes if "graded by hand" not in n or not manual]
    raw = result.score + graded
    penalty = late.penalty if late else 0.0
    return environment().get_template("feedback.html.j2").render(
        assignment=assignment.name, student=result.student, score=max(0.0, raw - penalty), raw_score=raw,
        max_score=result.max_score + sum(m.max_score for m in manual),
        manual=list(manual), late=late, notes=notes, limits=result.limits_hit, concepts=sections,
        fix=fix_first(result, assignment))


def nbgrader_feedback_folder(course_dir: Path, student: str, assignment: Assignment) -> Path:
    """Where `nbgrader release_feedback` looks for a student's feedback."""
    return Path(course_dir) / "feedback" / student / assignment.name
