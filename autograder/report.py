"""The class report of a graded batch: one HTML page with a few plots beside it.

It reads what `autograder grade` left in its output folder (one result per
student in `results/`, with the timing kept in the fingerprint mark beside
it; `results.json` is not needed, so an interrupted batch can be reported on)
and shows what the class struggles with. Unattempted submissions (the
released notebook with nothing written; see diagnosis.py) are counted and set
aside; of the rest: the scores, the pass rate of each concept and test, the
root causes (each student function got wrong, by how many, and what it cost
further on), the failures grouped by the function at fault and the kind of
failure, a student x concept and function heatmap linking each student's
feedback page, the submissions that hit a limit or could not be graded, the
slowest ones, and every student's marks.
"""
from __future__ import annotations

import io
import os
import re
import statistics
import textwrap
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the backend
import numpy as np
from matplotlib.colors import to_hex
from matplotlib.ticker import MaxNLocator

from .assignments import Assignment
from .diagnosis import (KindGroup, contract, failures, first_line, joint_names, kind_groups, root_causes,
                        unattempted, unit_shares)
from .errors import NoSuchPath
from .grading.marks import Concept
from .grading.results import SubmissionResult, write_atomic
from .grading.store import StoredBatch, read_batch, safe_name
from .html import environment

TOP_GROUPS = 20  # failure groups shown
SLOWEST = 10  # submissions in the "slowest" table
PATTERN_CHARS = 160  # a normalised message is cut there
EXAMPLE_CHARS = 1200  # an example message is cut there
STUDENTS_PER_GROUP = 8  # names listed with a failure group
TESTS_PER_GROUP = 4  # test titles listed with a failure group
LABEL_WIDTH = 90  # test titles on the chart's axis wrap there
EPSILON = 1e-6
RUN_WAYS = 4  # distinct ways of running submissions listed (sandbox and limits)

# A free-standing number (an integer, a decimal, scientific notation, with its sign), not the digits of
# a name (float64, w1, input 0.grad: no word character or `.name` right after, no word character or
# `.` right before) nor an exponent in a formula (x**2, x ** 2: the expression's own, not an input).
NUMBER = re.compile(r"(?<![\w.*^])(?<!\*\* )[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?(?!\w|\.\w)")
SPACES = re.compile(r"\s+")


# ---------------------------------------------------------------- figures of the class


def normalise(message: str) -> str:
    """What a failure message says whatever the random inputs: its first line,
    free-standing numbers replaced by #, whitespace collapsed, cut at PATTERN_CHARS."""
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
    unattempted: int
    total: float
    mean: float | None  # of the attempted submissions (None: there is none)
    median: float | None
    full_marks: int
    zero: int
    unfinished: int


def summarise(batch: StoredBatch, attempted: list[SubmissionResult], total: float) -> Summary:
    scores = [r.score for r in attempted]
    return Summary(len(batch.results), len(batch.results) - len(attempted), total,
                   statistics.fmean(scores) if scores else None, statistics.median(scores) if scores else None,
                   sum(s >= total - EPSILON for s in scores), sum(s <= EPSILON for s in scores),
                   len(batch.unfinished))


@dataclass(frozen=True)
class RunWays:
    """How the submissions were run (the sandbox and the limits in force), for the instructor's eyes:
    the student's page does not say it. Most common first, with the number of submissions each."""

    ways: list[tuple[str, int]]
    more: int  # further distinct ways, not listed


def run_ways(results: list[SubmissionResult]) -> RunWays:
    counts = Counter(_cut(r.isolation, PATTERN_CHARS * 3) for r in results)
    return RunWays(counts.most_common(RUN_WAYS), max(0, len(counts) - RUN_WAYS))


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
    unattempted: bool


def student_rows(results: list[SubmissionResult], concepts: tuple[Concept, ...]) -> list[StudentRow]:
    rows = []
    for r in results:
        by_concept = r.concept_scores()
        rows.append(StudentRow(r.student, r.score, r.max_score, 100 * r.score / r.max_score if r.max_score else 0.0,
                               sum(t.outcome == "passed" for t in r.tests), len(r.tests),
                               [by_concept.get(c.name, (0.0, c.points)) for c in concepts], r.seconds,
                               r.student_seconds, unattempted(r)))
    return rows


def slowest(rows: list[StudentRow], count: int = SLOWEST) -> list[StudentRow]:
    return sorted(rows, key=lambda row: -row.seconds)[:count]


# ---------------------------------------------------------------- what the class misunderstands


@dataclass(frozen=True)
class ShownGroup:
    """A failure group as the page shows it."""

    unit: str
    kind: str
    students: list[str]
    failures: int
    lost: float
    tests: list[tuple[str, int]]  # the most failed titles first, (title, failures)
    more_tests: int
    message: str  # the most common first line, numbers as #
    message_count: int
    example: str


def shown_groups(groups: list[KindGroup]) -> list[ShownGroup]:
    shown = []
    for g in groups[:TOP_GROUPS]:
        tests = g.tests.most_common()
        message, count = g.messages.most_common(1)[0]
        shown.append(ShownGroup(g.unit, g.kind, g.students, g.failures, g.lost, tests[:TESTS_PER_GROUP],
                                len(tests) - TESTS_PER_GROUP if len(tests) > TESTS_PER_GROUP else 0,
                                message, count, _cut(g.example or "(no message)", EXAMPLE_CHARS)))
    return shown


@dataclass(frozen=True)
class HeatRow:
    student: str
    score: float
    cells: list[tuple[str, str]]  # (text, background colour): each concept, then each unit


HEAT = matplotlib.colormaps["RdYlGn"]
NOT_WRITTEN_COLOUR = "#e0e0e0"


def _heat(share: float | None) -> tuple[str, str]:
    if share is None:
        return "not written", NOT_WRITTEN_COLOUR
    return f"{100 * share:.0f}", to_hex(HEAT(0.1 + 0.8 * share))


def heat_rows(results: list[SubmissionResult], concepts: tuple[Concept, ...], clauses, declared: tuple[str, ...],
              joint: set[str]) -> list[HeatRow]:
    """Each attempted student's share of the points of each concept and of each unit's own tests."""
    rows = []
    for r in results:
        by_concept = r.concept_scores()
        shares = [score / top if top else 0.0 for score, top in (by_concept.get(c.name, (0.0, c.points))
                                                                  for c in concepts)]
        cells = [_heat(s) for s in shares] + [_heat(s) for s in unit_shares(r, clauses, declared, joint)]
        rows.append(HeatRow(r.student, r.score, cells))
    return rows


def feedback_links(results: list[SubmissionResult], out: Path, page: Path) -> dict[str, str]:
    """Each student's feedback page (as `autograder grade` names it), relative to the report, URL-quoted."""
    folder = os.path.relpath(out / "feedback", page.parent)
    return {r.student: quote(f"{folder}/{safe_name(r.student)}.html") for r in results}


# ---------------------------------------------------------------- plots


def _save(fig, path: Path) -> str:
    """The figure as a PNG, written as every page is (atomically, with the course's file mode);
    bbox_inches="tight" keeps a legend above the axes and a long label whole."""
    image = io.BytesIO()
    try:
        fig.tight_layout()
        fig.savefig(image, dpi=100, format="png", bbox_inches="tight", pad_inches=0.15)
    finally:
        plt.close(fig)
    write_atomic(path, image.getvalue())
    return path.name


def _plain(text: str) -> str:
    """A label matplotlib shows as is ($ would start mathtext)."""
    return text.replace("$", r"\$")


def _legend_above(ax) -> None:
    """The legend over the axes, outside them: it never covers a bar."""
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncol=2, frameon=False, fontsize="small", borderaxespad=0)


def scores_figure(scores: list[float], total: float):
    fig, ax = plt.subplots(figsize=(8, 3.5))
    bins = np.linspace(0, total, 21) if total > 0 else 20
    ax.hist(scores, bins=bins, color="#4c72b0", edgecolor="white")
    ax.axvline(statistics.fmean(scores), color="#dd8452", label=f"mean {statistics.fmean(scores):.1f}")
    ax.axvline(statistics.median(scores), color="#55a868", linestyle="--",
               label=f"median {statistics.median(scores):.1f}")
    if total > 0:
        ax.set_xlim(-0.02 * total, 1.03 * total)  # the full-marks bar whole, off the frame
    ax.set_xlabel(f"score out of {total:g}")
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend_above(ax)
    return fig


def concepts_figure(rows: list[ConceptRow]):
    fig, ax = plt.subplots(figsize=(8, 3.5))
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [100 * r.mean_share for r in rows], 0.4, label="mean score, % of its points", color="#4c72b0")
    ax.bar(x + 0.2, [100 * r.full_share for r in rows], 0.4, label="% of submissions at full marks", color="#55a868")
    ax.set_xticks(x, [_plain(textwrap.fill(r.name, 20)) for r in rows])
    ax.set_ylim(0, 105)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("%")
    _legend_above(ax)
    return fig


def _wrapped(title: str) -> str:
    return "\n".join(textwrap.wrap(title, LABEL_WIDTH, break_long_words=True)) or " "


def tests_figure(rows: list[PerTestRow]):
    """The pass rate of each test, its title wrapped (never cut) beside its bar."""
    labels = [_plain(_wrapped(r.title)) for r in rows]
    lines = max((label.count("\n") + 1 for label in labels), default=1)  # every row is as tall as the tallest
    fig, ax = plt.subplots(figsize=(12, max(2.5, (0.14 * lines + 0.1) * len(rows) + 1.0)))
    y = np.arange(len(rows))
    ax.barh(y, [100 * r.pass_rate for r in rows], color="#4c72b0")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # the lowest pass rate at the top
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of submissions that passed")
    return fig


# ---------------------------------------------------------------- the page


def build_report(assignment: Assignment, out: Path, destination: Path | None = None) -> Path:
    """Write the class report of the batch graded into `out` (default
    `out/report/index.html`, its plots beside it) and return the page's path."""
    out = Path(out)
    batch = read_batch(out)
    if not batch.results:
        raise NoSuchPath(f"no graded submissions in {out / 'results'} (run `autograder grade {assignment.name}` first)")
    page = Path(destination) if destination else out / "report" / "index.html"
    attempted = [r for r in batch.results if not unattempted(r)]
    students = student_rows(batch.results, assignment.concepts)
    html = environment().get_template("report.html.j2").render(
        assignment=assignment.name, out=str(out), summary=summarise(batch, attempted, assignment.total_points),
        concepts=assignment.concepts, units=tuple(assignment.units), run=run_ways(batch.results),
        unattempted=[r.student for r in batch.results if unattempted(r)],
        links=feedback_links(batch.results, out, page), students_per_group=STUDENTS_PER_GROUP,
        troubles=trouble_rows(batch), students=students, slowest=slowest(students),
        **(_class_figures(assignment, attempted, page.parent) if attempted else {}))
    write_atomic(page, html)
    return page


def _class_figures(assignment: Assignment, attempted: list[SubmissionResult], folder: Path) -> dict:
    """What the page shows of the attempted submissions: plots, pass rates, root causes, groups, heatmap."""
    concepts, clauses, declared = assignment.concepts, contract(assignment.name), tuple(assignment.units)
    concepts_table, tests_table = concept_rows(attempted, concepts), per_test_rows(attempted)
    gradable = [r for r in attempted if ungradable_reason(r) is None]
    found = failures(gradable, clauses)
    groups = kind_groups(found, normalise)
    return dict(
        scores_png=_save(scores_figure([r.score for r in attempted], assignment.total_points), folder / "scores.png"),
        concepts_png=_save(concepts_figure(concepts_table), folder / "concepts.png"),
        tests_png=_save(tests_figure(tests_table), folder / "tests.png"),
        concept_rows=concepts_table, test_rows=tests_table, causes=root_causes(found, declared),
        groups=shown_groups(groups), failures=len(found), group_count=len(groups),
        left_out=len(attempted) - len(gradable),
        heat=heat_rows(attempted, concepts, clauses, declared, joint_names(found)))
