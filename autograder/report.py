"""The class report of a graded batch: one HTML page with a few plots beside it.

It reads what `autograder grade` left in its output folder (one result per
student in `results/`, with the timing kept in the fingerprint mark beside
it; `results.json` is not needed, so an interrupted batch can be reported on)
and shows what the class struggles with: the scores, the pass rate of each
concept and test, the most common failures, the submissions that hit a limit
or could not be graded, the slowest ones, and every student's marks.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the backend
import numpy as np
from matplotlib.ticker import MaxNLocator

from .assignments import Assignment
from .errors import NoSuchPath
from .grading.marks import Concept
from .grading.results import SubmissionResult, write_atomic
from .grading.store import StoredBatch, read_batch
from .html import environment

TOP_GROUPS = 20  # failure groups shown
SLOWEST = 10  # submissions in the "slowest" table
PATTERN_CHARS = 160  # a normalised message is cut there
EXAMPLE_CHARS = 1200  # an example message is cut there
STUDENTS_PER_GROUP = 8  # names listed with a failure group
LABEL_CHARS = 80  # test titles on the chart's axis are cut there
EPSILON = 1e-6

# A number: an integer, a decimal, scientific notation, with its sign; not the digits of a name (float64, w1).
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
SPACES = re.compile(r"\s+")


# ---------------------------------------------------------------- figures of the class


def first_line(message: str) -> str:
    return next((line.strip() for line in message.splitlines() if line.strip()), "")


def normalise(message: str) -> str:
    """What a failure message says whatever the random inputs: its first line,
    numbers replaced by #, whitespace collapsed, cut at PATTERN_CHARS."""
    return _cut(SPACES.sub(" ", NUMBER.sub("#", first_line(message))).strip() or "(no message)", PATTERN_CHARS)


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars - 1] + "…"


def ungradable_reason(result: SubmissionResult) -> str | None:
    """Why a submission could not be graded at all (its notebook's note, or every
    test ended with an error), if it could not."""
    for note in result.notes:
        if "could not be graded" in note:
            return note
    if not result.tests:
        return "could not be graded: no test ran"
    if all(t.outcome == "error" for t in result.tests):
        first = first_line(result.tests[0].message) or "(no message)"
        return f"could not be graded: every test ended with an error; the first: {first}"
    return None


@dataclass(frozen=True)
class Summary:
    submissions: int
    total: float
    mean: float
    median: float
    full_marks: int
    zero: int
    unfinished: int


def summarise(batch: StoredBatch, total: float) -> Summary:
    scores = [r.score for r in batch.results]
    return Summary(len(scores), total, statistics.fmean(scores), statistics.median(scores),
                   sum(s >= total - EPSILON for s in scores), sum(s <= EPSILON for s in scores),
                   len(batch.unfinished))


@dataclass(frozen=True)
class ConceptRow:
    name: str
    heading: str
    points: float
    mean: float
    mean_share: float  # mean score / points
    passed_share: float  # tests passed / tests run
    full_share: float  # submissions with full marks on it


def concept_rows(results: list[SubmissionResult], concepts: tuple[Concept, ...]) -> list[ConceptRow]:
    rows = []
    for concept in concepts:
        scores = [r.concept_scores().get(concept.name, (0.0, concept.points))[0] for r in results]
        outcomes = [t.outcome for r in results for t in r.tests if t.concept == concept.name]
        mean = statistics.fmean(scores)
        rows.append(ConceptRow(concept.name, concept.heading, concept.points, mean,
                               mean / concept.points if concept.points else 0.0,
                               outcomes.count("passed") / len(outcomes) if outcomes else 0.0,
                               sum(s >= concept.points - EPSILON for s in scores) / len(scores)))
    return rows


@dataclass(frozen=True)
class PerTestRow:
    name: str
    title: str
    concept: str
    points: float
    runs: int
    outcomes: Counter

    @property
    def pass_rate(self) -> float:
        return self.outcomes["passed"] / self.runs if self.runs else 0.0


def per_test_rows(results: list[SubmissionResult]) -> list[PerTestRow]:
    """Every test of the class, from the lowest pass rate up (ties in the order they ran)."""
    tests: dict[str, tuple] = {}
    outcomes: dict[str, Counter] = {}
    for result in results:
        for t in result.tests:
            tests.setdefault(t.name, (t.title or t.name, t.concept, t.max_score))
            outcomes.setdefault(t.name, Counter())[t.outcome] += 1
    rows = [PerTestRow(name, *tests[name], sum(outcomes[name].values()), outcomes[name]) for name in tests]
    return sorted(rows, key=lambda row: row.pass_rate)  # stable: ties keep the order they ran


@dataclass
class FailureGroup:
    test: str
    title: str
    concept: str
    pattern: str
    example: str
    students: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.students)


def failure_groups(results: list[SubmissionResult]) -> list[FailureGroup]:
    """Failures grouped by test and normalised message, the most common first;
    the same mistake on different random inputs lands in one group."""
    groups: dict[tuple[str, str], FailureGroup] = {}
    for result in results:
        for t in result.tests:
            if t.outcome == "passed":
                continue
            key = (t.name, normalise(t.message))
            group = groups.setdefault(key, FailureGroup(t.name, t.title or t.name, t.concept, key[1],
                                                        _cut(t.message.strip() or "(no message)", EXAMPLE_CHARS)))
            group.students.append(result.student)
    return sorted(groups.values(), key=lambda g: -g.count)  # stable: ties keep the order the tests ran


@dataclass(frozen=True)
class Trouble:
    student: str
    score: str
    what: list[str]


def _limit_items(result: SubmissionResult) -> list[str]:
    """result.limits_hit, each test with what its message says."""
    by_title = {t.title or t.name: t for t in result.tests}
    items = []
    for hit in result.limits_hit:
        test = by_title.get(hit)
        items.append(f"{hit} ({test.outcome}): {first_line(test.message)}" if test else hit)
    return items


def trouble_rows(batch: StoredBatch) -> list[Trouble]:
    """Submissions that hit a limit or could not be graded, and results the grader did not finish."""
    rows = []
    for result in batch.results:
        reason = ungradable_reason(result)
        what = ([reason] if reason else []) + _limit_items(result)
        if what:
            rows.append(Trouble(result.student, f"{result.score:g} / {result.max_score:g}", what))
    unfinished = ("the grader itself failed on this submission (no score may be given): "
                  "it is graded again by the next `autograder grade`")
    rows += [Trouble(r.student, "not counted", [unfinished]) for r in batch.unfinished]
    rows += [Trouble(Path(name).stem, "not counted", [f"results/{name} could not be read"])
             for name in batch.unreadable]
    return rows


@dataclass(frozen=True)
class StudentRow:
    student: str
    score: float
    max_score: float
    percent: float
    passed: int
    tests: int
    concepts: list[tuple[float, float]]  # (score, max) per declared concept
    seconds: float
    student_seconds: float


def student_rows(results: list[SubmissionResult], concepts: tuple[Concept, ...]) -> list[StudentRow]:
    rows = []
    for r in results:
        by_concept = r.concept_scores()
        rows.append(StudentRow(r.student, r.score, r.max_score, 100 * r.score / r.max_score if r.max_score else 0.0,
                               sum(t.outcome == "passed" for t in r.tests), len(r.tests),
                               [by_concept.get(c.name, (0.0, c.points)) for c in concepts], r.seconds,
                               r.student_seconds))
    return rows


def slowest(rows: list[StudentRow], count: int = SLOWEST) -> list[StudentRow]:
    return sorted(rows, key=lambda row: -row.seconds)[:count]


# ---------------------------------------------------------------- plots


def _save(fig, path: Path) -> str:
    try:
        fig.tight_layout()
        fig.savefig(path, dpi=100, format="png")
    finally:
        plt.close(fig)
    return path.name


def _plain(text: str) -> str:
    """A label matplotlib shows as is ($ would start mathtext)."""
    return text.replace("$", r"\$")


def plot_scores(scores: list[float], total: float, path: Path) -> str:
    fig, ax = plt.subplots(figsize=(8, 3.5))
    bins = np.linspace(0, total, 21) if total > 0 else 20
    ax.hist(scores, bins=bins, color="#4c72b0", edgecolor="white")
    ax.axvline(statistics.fmean(scores), color="#dd8452", label=f"mean {statistics.fmean(scores):.1f}")
    ax.axvline(statistics.median(scores), color="#55a868", linestyle="--",
               label=f"median {statistics.median(scores):.1f}")
    ax.set_xlim(0, total if total > 0 else None)
    ax.set_xlabel(f"score out of {total:g}")
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="best")
    return _save(fig, path)


def plot_concepts(rows: list[ConceptRow], path: Path) -> str:
    fig, ax = plt.subplots(figsize=(8, 3.5))
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [100 * r.mean_share for r in rows], 0.4, label="mean score, % of its points", color="#4c72b0")
    ax.bar(x + 0.2, [100 * r.full_share for r in rows], 0.4, label="% of submissions at full marks", color="#55a868")
    ax.set_xticks(x, [_plain(r.name) for r in rows])
    ax.set_ylim(0, 118)  # room for the legend above the bars
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("%")
    ax.legend(loc="upper center", ncol=2, fontsize="small")
    return _save(fig, path)


def plot_tests(rows: list[PerTestRow], path: Path) -> str:
    fig, ax = plt.subplots(figsize=(11, max(2.5, 0.28 * len(rows) + 1.2)))
    y = np.arange(len(rows))
    ax.barh(y, [100 * r.pass_rate for r in rows], color="#4c72b0")
    ax.set_yticks(y, [_plain(_cut(r.title, LABEL_CHARS)) for r in rows], fontsize=8)
    ax.invert_yaxis()  # the lowest pass rate at the top
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of submissions that passed")
    return _save(fig, path)


# ---------------------------------------------------------------- the page


def build_report(assignment: Assignment, out: Path, destination: Path | None = None) -> Path:
    """Write the class report of the batch graded into `out` (default
    `out/report/index.html`, its plots beside it) and return the page's path."""
    out = Path(out)
    batch = read_batch(out)
    if not batch.results:
        raise NoSuchPath(f"no graded submissions in {out / 'results'} (run `autograder grade {assignment.name}` first)")
    page = Path(destination) if destination else out / "report" / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    total, concepts = assignment.total_points, assignment.concepts
    concepts_table, tests_table = concept_rows(batch.results, concepts), per_test_rows(batch.results)
    gradable = [r for r in batch.results if ungradable_reason(r) is None]
    groups = failure_groups(gradable)
    students = student_rows(batch.results, concepts)
    html = environment().get_template("report.html.j2").render(
        assignment=assignment.name, out=str(out), summary=summarise(batch, total), concepts=concepts,
        scores_png=plot_scores([r.score for r in batch.results], total, page.parent / "scores.png"),
        concepts_png=plot_concepts(concepts_table, page.parent / "concepts.png"),
        tests_png=plot_tests(tests_table, page.parent / "tests.png"),
        concept_rows=concepts_table, test_rows=tests_table, groups=groups[:TOP_GROUPS],
        failures=sum(g.count for g in groups), group_count=len(groups),
        left_out=len(batch.results) - len(gradable), students_per_group=STUDENTS_PER_GROUP,
        troubles=trouble_rows(batch), slowest=slowest(students), students=students)
    write_atomic(page, html)
    return page
