"""Each student's feedback: one self-contained HTML page per assignment,
readable without Jupyter. Each test, grouped by concept, with its points and
its message (what was expected, what came back, on which input); the answers
graded by hand; the cells that failed when the notebook was run from the top;
the limits hit. Never the hidden test code: only outcomes and messages,
which never hold a hidden value."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .assignments import Assignment
from .grading.results import SubmissionResult
from .html import environment


@dataclass(frozen=True)
class ManualGrade:
    """An answer graded by hand in nbgrader's formgrader (score None: not yet)."""

    name: str
    score: float | None
    max_score: float


@dataclass(frozen=True)
class ConceptSection:
    heading: str
    score: float
    max_score: float
    tests: list


def feedback_html(result: SubmissionResult, assignment: Assignment, manual: list[ManualGrade] = ()) -> str:
    scores = result.concept_scores()
    headings = {c.name: c.heading for c in assignment.concepts}
    sections = [ConceptSection(headings.get(name, name), score, max_score,
                               [t for t in result.tests if t.concept == name])
                for name, (score, max_score) in scores.items()]
    graded = sum(m.score for m in manual if m.score is not None)
    notes = [n for n in result.notes if "graded by hand" not in n or not manual]
    isolation = result.isolation[:1].upper() + result.isolation[1:]
    return environment().get_template("feedback.html.j2").render(
        assignment=assignment.name, student=result.student, score=result.score + graded,
        max_score=result.max_score + sum(m.max_score for m in manual), isolation=isolation,
        manual=list(manual), notes=notes, limits=result.limits_hit, concepts=sections)


def nbgrader_feedback_folder(course_dir: Path, student: str, assignment: Assignment) -> Path:
    """Where `nbgrader release_feedback` looks for a student's feedback."""
    return Path(course_dir) / "feedback" / student / assignment.name
