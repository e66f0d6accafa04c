"""The class report of a graded batch, from results saved by the result store (fast: no notebook is graded)."""
from __future__ import annotations

import re

import matplotlib.image
import pytest
from markupsafe import escape

from autograder import report
from autograder.assignments import get_assignment
from autograder.errors import NoSuchPath
from autograder.grading.results import SubmissionResult, TestResult
from autograder.grading.store import ResultStore
from autograder.submissions import Submission

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# (name, title, concept, points): a small backprop class whose concepts add up to the declared 44.5
TESTS = (
    ("test_layers::test_forward[my_exp-vector]", "my_exp.forward, on a vector", "layers", 5.5),
    ("test_layers::test_backward_input_gradient[my_exp-vector]", "my_exp.backward: d loss / d x, on a vector",
     "layers", 5.5),
    ("test_layers::test_step[multiplication_weight]", "multiplication_weight.step: parameter - learning_rate * grad",
     "layers", 5.5),
    ("test_composition::test_loss[vector]", "my_composition.compute_loss: the squared error, on a vector",
     "composition", 10),
    ("test_composition::test_backward_grads[exp-mul]",
     "my_composition.backward: every layer's .grad, through the chain my_exp -> multiplication_weight",
     "composition", 10),
    ("test_fit::test_sgd_through_your_classes[0]",
     "SGD run by the grader through your classes recovers hidden w* and b* (draw 0)", "fit", 4),
    ("test_fit::test_train_recovers_parameters[0]",
     "your train runs the SGD the notebook describes and recovers hidden w* and b* (draw 0)", "fit", 4),
)
BACKWARD = TESTS[1]
TRAIN = TESTS[6]
XSS = "<script>alert('pwned')</script>"


def _result(student: str, problems: dict | None = None, default: tuple[str, str] | None = None,
            notes: tuple[str, ...] = (), seconds: float = 10.0, student_seconds: float = 4.0) -> SubmissionResult:
    """Every test passes, but those in `problems` (name -> (outcome, message)), or all with `default`."""
    problems = problems or {}
    tests = []
    for name, title, concept, points in TESTS:
        outcome, message = problems.get(name, default or ("passed", ""))
        tests.append(TestResult(name, points if outcome == "passed" else 0.0, points, outcome, message, title,
                                concept))
    return SubmissionResult(student, f"submitted/{student}/backprop/backprop.ipynb", tests, list(notes),
                            "isolated", seconds, student_seconds)


def _backward_wrong(x: float, expected: float, got: float) -> tuple[str, str]:
    return "failed", f"my_exp.backward: expected {expected}, got {got}\nx = {x}, upstream gradient = {x * 3:.4f}"


CLASS = (
    _result("ana", seconds=12.5),
    _result("ben", default=("failed", "my_exp.forward raised NotImplementedError: replace this with your code"),
            seconds=3.0, student_seconds=0.5),
    _result("cleo", {BACKWARD[0]: _backward_wrong(0.31, 1.3634, 0.31)}, seconds=14.0),
    _result("dan", {BACKWARD[0]: _backward_wrong(-1.7, 0.18268, -1.7)}, seconds=11.0),
    _result("eve", {BACKWARD[0]: _backward_wrong(2.25, 9.487736, 2.25),
                    TESTS[3][0]: ("failed", "compute_loss: expected 0.25, got 0.5")}, seconds=13.0),
    _result("fay", {TRAIN[0]: ("timeout", "did not finish within its time limit of 10 s of CPU time")},
            notes=("cell 9 (train) did not finish within its time limit of 30 s of CPU time: skipped",),
            seconds=95.0, student_seconds=40.0),
    _result("gus", default=("error", "the notebook could not be run: it is not valid JSON"),
            notes=("Your notebook could not be graded: not a valid notebook (line 1, column 1)",), seconds=1.0),
    _result("hal", {TESTS[2][0]: ("failed", f"multiplication_weight.step printed {XSS}\nexpected 0.5, got 1")},
            seconds=20.0),
    _result("ivy", default=("error", "AttributeError: module has no attribute 'MyExp'"),
            notes=("cell 2 (imports) raised an error when run from the top: ModuleNotFoundError",), seconds=2.0),
)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A graded backprop batch on disk, as `autograder grade` leaves it when interrupted (no results.json)."""
    root = tmp_path_factory.mktemp("course")
    store = ResultStore(root / "reports" / "backprop", get_assignment("backprop"), "secret")
    for result in CLASS:
        notebook = root / f"{result.student}.ipynb"
        notebook.write_text("{}")
        store.save(Submission(result.student, notebook), result)
    store.save_unfinished(_result("jo", default=("error", "the hidden test did not report an outcome")))
    return store.out


@pytest.fixture(scope="module")
def page(batch):
    return report.build_report(get_assignment("backprop"), batch)


@pytest.fixture(scope="module")
def html(page):
    return page.read_text(encoding="utf-8")


def _section(html: str, name: str) -> str:
    return re.search(rf'<section id="{name}">(.*?)</section>', html, re.DOTALL).group(1)


def _students(section: str) -> list[str]:
    return re.findall(r'<td class="student">(.*?)</td>', section)


def test_the_page_is_written_in_the_report_folder(batch, page):
    assert page == batch / "report" / "index.html" and page.is_file()
    assert not (batch / "results.json").exists()  # read from the per-student files


def test_the_sections_come_in_order(html):
    ids = re.findall(r'<section id="(\w+)">', html)
    assert ids == ["summary", "scores", "concepts", "tests", "failures", "trouble", "slowest", "students"]


def test_the_summary_counts_the_class(html):
    summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", _section(html, "summary")))
    scores = sorted(r.score for r in CLASS)
    mean, median = sum(scores) / len(scores), scores[len(scores) // 2]
    assert "9 submissions" in summary
    assert f"mean {round(mean, 2):g} / 44.5" in summary and f"median {median:g} / 44.5" in summary
    assert "1 at full marks" in summary and "3 at zero" in summary  # ana; ben, gus, ivy
    assert "1 more not counted" in summary  # jo, unfinished


def test_every_test_title_concept_heading_and_student_is_shown(html):
    for _, title, _, _ in TESTS:
        assert str(escape(title)) in html
    for concept in get_assignment("backprop").concepts:
        assert str(escape(concept.heading)) in html
    assert _students(_section(html, "students")) == [r.student for r in CLASS]


def test_the_tests_are_listed_from_the_lowest_pass_rate(html):
    table = _section(html, "tests")
    first = re.search(r"<td title=\"[^\"]*\">(.*?)</td>", table).group(1)
    assert first == str(escape(BACKWARD[1]))  # cleo, dan, eve, and the three without a passing test


def test_failures_differing_only_by_numbers_are_grouped(html):
    rows = re.findall(r'<tr class="group">\s*<td class="num count">(\d+)</td>\s*<td class="test"[^>]*>(.*?)<br>',
                      _section(html, "failures"))
    backward = [int(count) for count, title in rows if title == str(escape(BACKWARD[1]))]
    assert backward == [3, 1]  # cleo, dan, eve on different inputs; then ben's stub
    assert "gus" not in _section(html, "failures")  # an ungradable notebook is listed with those, not here


def test_normalise_sets_numbers_aside_but_not_names():
    assert report.normalise("expected  1.5e-03, got -2\nx = 7") == "expected #, got #"
    assert report.normalise("float64 array w1 of shape (3, 4)") == "float64 array w1 of shape (#, #)"
    assert report.normalise("x" * 500).endswith("…") and len(report.normalise("x" * 500)) == 160


def test_limits_and_ungradable_submissions_are_listed(html):
    trouble = _section(html, "trouble")
    assert _students(trouble) == ["fay", "gus", "ivy", "jo"]
    assert "did not finish within its time limit of 10 s" in trouble and "could not be graded" in trouble


def test_the_slowest_come_first_with_their_cpu_time(html):
    slowest = _section(html, "slowest")
    assert _students(slowest)[:3] == ["fay", "hal", "cleo"]
    assert "95.0" in slowest and "40.0" in slowest


def test_the_plots_are_valid_pngs_beside_the_page(page, html):
    images = re.findall(r'<img src="([^"]+)"', html)
    assert images == ["scores.png", "concepts.png", "tests.png"]
    for name in images:
        path = page.parent / name
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        assert matplotlib.image.imread(path).ndim == 3


def test_student_text_is_escaped(html):
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_a_folder_with_nothing_graded_is_refused(tmp_path):
    with pytest.raises(NoSuchPath):
        report.build_report(get_assignment("backprop"), tmp_path / "nothing graded")
