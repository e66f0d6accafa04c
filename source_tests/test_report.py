"""The class report of a graded batch, from results saved by the result store (fast: no notebook is graded)."""
from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import quote, unquote

import matplotlib.image
import matplotlib.pyplot as plt
import pytest
from markupsafe import escape

from autograder import report
from autograder.assignments import get_assignment
from autograder.errors import NoSuchPath
from autograder.grading.results import SubmissionResult, TestResult
from autograder.grading.store import ResultStore, safe_name
from autograder.submissions import Submission

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# (name, title, concept, points): a small backprop class whose concepts add up to the declared 44.5; the
# names are the graders' own, so the contract (graders/backprop/contract.py) gives each its function
TESTS = (
    ("test_layers::test_forward[my_exp-vector]", "my_exp.forward, on a vector", "layers", 5.5),
    ("test_layers::test_backward_input_gradient[my_exp-vector]", "my_exp.backward: d loss / d x, on a vector",
     "layers", 5.5),
    ("test_layers::test_step[multiplication_weight]", "multiplication_weight.step: parameter - learning_rate * grad",
     "layers", 5.5),
    ("test_composition::test_compute_loss_value[vector]", "my_composition.compute_loss: the squared error, on a "
     "vector", "composition", 10),
    ("test_composition::test_backward_parameter_gradients[exp-mul]",
     "my_composition.backward: every layer's .grad, through the chain my_exp -> multiplication_weight",
     "composition", 10),
    ("test_fit::test_end_to_end", "END-TO-END, the one test that uses your units together (multiplication_weight, "
     "my_exp, my_composition and train): your train on your classes recovers hidden w* and b*", "fit", 4),
    ("test_fit::test_train_recovers_parameters[0]",
     "your train runs the SGD the notebook describes and recovers hidden w* and b* (draw 0)", "fit", 4),
)
FORWARD, BACKWARD, STEP, LOSS, CHAIN, END_TO_END, TRAIN = TESTS
XSS = "<script>alert('pwned')</script>"
ODD_NAME = 'Zoë "<b>" & co ..%2F'  # a name a student controls (no slash: it names a file)
STUB = "raised NotImplementedError: not written yet: replace this line with your code"
USES = "This test uses your multiplication_weight, my_exp, my_composition, train together; "


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


def _backward_wrong(x: float, expected: float, got: float) -> dict:
    """my_exp.backward returns the upstream gradient: its own test fails, and the end-to-end test blames it."""
    return {BACKWARD[0]: ("failed", f"my_exp.backward: expected {expected}, got {got}\n"
                                    f"x = {x}, upstream gradient = {x * 3:.4f}"),
            END_TO_END[0]: ("failed", f"{USES}with the reference's my_exp in place of yours this test passes, so "
                                      f"the mistake is in your my_exp.\nlayer 0 (multiplication_weight) .w after "
                                      f"the first SGD steps: expected {expected * 2}, got {got * 2}")}


def _not_written(*tests: tuple) -> dict:
    return {name: ("failed", f"the function {STUB}") for name, *_ in tests}


CLASS = (
    _result("ana", seconds=12.5),
    # the released notebook as it is: every unit raises NotImplementedError
    _result("ben", default=("failed", f"my_exp.forward {STUB}"), seconds=3.0, student_seconds=0.5),
    _result("cleo", _backward_wrong(0.31, 1.3634, 0.31), seconds=14.0),
    _result("dan", _backward_wrong(-1.7, 0.18268, -1.7), seconds=11.0),
    _result("eve", {**_backward_wrong(2.25, 9.487736, 2.25),
                    LOSS[0]: ("failed", "compute_loss: expected 0.25, got 0.5")}, seconds=13.0),
    _result("fay", {TRAIN[0]: ("timeout", "did not finish within its time limit of 10 s of CPU time"),
                    END_TO_END[0]: ("timeout", "did not finish within its time limit of 10 s of CPU time")},
            notes=("cell 9 (train) did not finish within its time limit of 30 s of CPU time: skipped",),
            seconds=95.0, student_seconds=40.0),
    _result("gus", default=("error", "the notebook could not be run: it is not valid JSON"),
            notes=("Your notebook could not be graded: not a valid notebook (line 1, column 1)",), seconds=1.0),
    _result("hal", {STEP[0]: ("failed", f"multiplication_weight.step printed {XSS}\nexpected 0.5, got 1")},
            seconds=20.0),
    _result("ivy", default=("error", "AttributeError: module has no attribute 'MyExp'"),
            notes=("cell 2 (imports) raised an error when run from the top: ModuleNotFoundError",), seconds=2.0),
    # the released notebook where a placeholder at a cell's top level leaves the names undefined
    _result("kim", default=("failed", "reading my_exp raised NameError: name 'my_exp' is not defined in the notebook"),
            notes=(f"cell 9 (layers) raised an error when run from the top: your code {STUB}",)),
    # my_exp written (and right), the rest left as released
    _result("lee", {**_not_written(STEP, LOSS, CHAIN, TRAIN),
                    END_TO_END[0]: ("failed", f"{USES}no single one of your units explains it: with any one of "
                                              f"them replaced by the reference's, it still fails.\n"
                                              f"multiplication_weight() {STUB}")}),
    _result(ODD_NAME),
)
UNATTEMPTED = ("ben", "kim")
ATTEMPTED = [r for r in CLASS if r.student not in UNATTEMPTED]


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


class _Sections(HTMLParser):
    """Each section's table rows: for each cell its text, its class and the links in it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: dict[str, list[list[dict]]] = {}
        self.text: dict[str, str] = {}
        self._section = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self._section = attrs["id"]
            self.rows[self._section], self.text[self._section] = [], ""
        elif tag == "tr" and self._section:
            self.rows[self._section].append([])
        elif tag in ("td", "th") and self._section:
            self.rows[self._section][-1].append({"tag": tag, "text": "", "class": attrs.get("class", ""),
                                                 "links": []})
        elif tag == "a" and self._section and self.rows[self._section] and self.rows[self._section][-1]:
            self.rows[self._section][-1][-1]["links"].append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "section":
            self._section = None

    def handle_data(self, data):
        if self._section:
            self.text[self._section] += data
            row = self.rows[self._section]
            if row and row[-1]:
                row[-1][-1]["text"] += data


@pytest.fixture(scope="module")
def sections(html) -> _Sections:
    parsed = _Sections()
    parsed.feed(html)
    parsed.close()
    return parsed


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _column(sections: _Sections, section: str, css: str) -> list[str]:
    return [_words(cell["text"]) for row in sections.rows[section] for cell in row if css in cell["class"].split()]


def _rows(sections: _Sections, section: str) -> list[list[dict]]:
    """A section's rows of data cells (<td>; the header rows left out)."""
    return [row for row in sections.rows[section] if row and all(cell["tag"] == "td" for cell in row)]


def test_the_page_is_written_in_the_report_folder(batch, page):
    assert page == batch / "report" / "index.html" and page.is_file()
    assert not (batch / "results.json").exists()  # read from the per-student files


def test_the_sections_come_in_order(html):
    ids = re.findall(r'<section id="(\w+)">', html)
    assert ids == ["summary", "scores", "concepts", "tests", "causes", "failures", "heatmap", "trouble", "slowest",
                   "students"]


def test_unattempted_notebooks_are_counted_and_set_aside(sections):
    summary = _words(sections.text["summary"])
    scores = sorted(r.score for r in ATTEMPTED)
    mean, median = sum(scores) / len(scores), (scores[4] + scores[5]) / 2
    assert "12 submissions, 2 of them unattempted" in summary
    assert f"Of the 10 attempted: mean {round(mean, 2):g} / 44.5, median {round(median, 2):g} / 44.5" in summary
    assert "2 at full marks" in summary and "2 at zero" in summary  # ana, Zoë; gus and ivy (not ben, kim)
    assert "1 more not counted" in summary  # jo, unfinished
    assert "Unattempted: ben, kim." in summary
    for section in ("tests", "causes", "failures", "heatmap"):
        text = sections.text[section]
        assert "ben" not in text and "kim" not in text, f"an unattempted notebook is counted in {section}"


def test_every_test_title_concept_heading_and_student_is_shown(html, sections):
    for _, title, _, _ in TESTS:
        assert str(escape(title)) in html
    for concept in get_assignment("backprop").concepts:
        assert str(escape(concept.heading)) in html
    students = _column(sections, "students", "student")
    assert students == [r.student + (" (unattempted)" if r.student in UNATTEMPTED else "")
                        for r in sorted(CLASS, key=lambda r: r.student.lower())]


def test_the_pass_rate_of_a_test_counts_the_attempted_only(sections):
    rows = [[_words(c["text"]) for c in row] for row in _rows(sections, "tests")]
    assert rows[0][0] == END_TO_END[1] and rows[0][3] == "30%"  # ana, hal, Zoë of the 10 attempted
    backward = next(row for row in rows if row[0] == BACKWARD[1])
    assert backward[3] == "50%"  # not cleo, dan, eve, gus, ivy; ben and kim are not counted


def test_the_root_causes_table_blames_the_function_and_counts_what_it_costs(sections):
    causes = {row[0]: row[1:5] for row in ([_words(c["text"]) for c in r] for r in _rows(sections, "causes"))}
    assert list(causes) == ["my_exp", "my_composition", "train", "multiplication_weight"]
    # cleo, dan and eve: my_exp's own test (5.5 each), and the end-to-end test that blames it (4 each)
    assert causes["my_exp"] == ["3", "0", "16.5", "12"]
    assert causes["my_composition"] == ["1", "1", "10", "0"]  # eve; lee left it as released
    assert causes["train"] == ["1", "1", "8", "0"]  # fay's two timeouts; lee
    assert causes["multiplication_weight"] == ["1", "1", "5.5", "0"]  # hal; lee
    first = _rows(sections, "causes")[0]
    assert END_TO_END[1] in first[5]["text"] and "(3)" in first[5]["text"]


def test_failures_are_grouped_by_function_and_kind(sections):
    groups = [[_words(c["text"]) for c in row] for row in _rows(sections, "failures")]
    first = groups[0]
    assert first[:5] == ["3", "my_exp", "wrong value", "6", "28.5"]  # its own test and the end-to-end test
    assert f"{BACKWARD[1]} (3)" in first[5] and f"{END_TO_END[1]} (3)" in first[5]
    assert "my_exp.backward: expected #, got # (3)" in first[6]  # the same mistake on different inputs
    kinds = {(g[1], g[2]): g[0] for g in groups}
    assert kinds[("train", "timeout")] == "1" and kinds[("multiplication_weight", "wrong value")] == "1"
    assert kinds[("my_composition", "not written")] == "1"  # lee
    assert kinds[("several of your units together", "not written")] == "1"  # lee's end-to-end test
    text = sections.text["failures"]
    assert "gus" not in text and "ivy" not in text  # could not be graded: listed with those, not here


def test_the_heatmap_links_each_student_to_their_feedback_page(page, sections):
    rows = _rows(sections, "heatmap")
    names = [_words(row[0]["text"]) for row in rows]
    assert names == [r.student for r in sorted(ATTEMPTED, key=lambda r: r.student.lower())]
    for row, name in zip(rows, names):
        (link,) = row[0]["links"]
        assert link == "../feedback/" + quote(f"{safe_name(name)}.html")
        assert (page.parent / unquote(link)).is_file(), f"{name}'s link leads nowhere: {link}"
    odd = dict(zip(names, rows))[ODD_NAME][0]["links"][0]
    assert not set(odd) & set(' "<>&'), odd  # quoted: the name cannot leave the attribute or the path


def test_the_heatmap_shows_each_concept_and_function(sections):
    units = list(get_assignment("backprop").units)
    concepts = [c.name for c in get_assignment("backprop").concepts]
    cells = {_words(row[0]["text"]): [_words(c["text"]) for c in row[2:]] for row in _rows(sections, "heatmap")}
    columns = dict(zip(concepts + units, zip(*cells.values())))
    by_student = {name: dict(zip(concepts + units, values)) for name, values in cells.items()}
    assert columns["my_exp"][0] == by_student["ana"]["my_exp"] == "100"
    assert by_student["hal"]["layers"] == "67" and by_student["hal"]["multiplication_weight"] == "0"
    assert by_student["cleo"]["my_exp"] == "50"  # forward right, backward wrong
    assert by_student["lee"]["my_exp"] == "100" and by_student["lee"]["train"] == "not written"
    assert by_student["fay"]["train"] == "0"


def test_normalise_sets_free_standing_numbers_aside_but_not_names():
    assert report.normalise("expected  1.5e-03, got -2\nx = 7") == "expected #, got #"
    assert report.normalise("float64 array w1 of shape (3, 4)") == "float64 array w1 of shape (#, #)"
    assert report.normalise("the gradient of input 0.grad, x ** 2 and x**3: got 0.") == \
        "the gradient of input 0.grad, x ** 2 and x**3: got #."
    assert report.normalise("x" * 500).endswith("…") and len(report.normalise("x" * 500)) == 160


def test_limits_and_ungradable_submissions_are_listed(sections):
    assert _column(sections, "trouble", "student") == ["fay", "gus", "ivy", "jo"]
    trouble = sections.text["trouble"]
    assert "did not finish within its time limit of 10 s" in trouble and "could not be graded" in trouble


def test_the_slowest_come_first_with_their_cpu_time(sections):
    assert _column(sections, "slowest", "student")[:3] == ["fay", "hal", "cleo"]
    assert "95.0" in sections.text["slowest"] and "40.0" in sections.text["slowest"]


def test_the_plots_are_valid_pngs_beside_the_page(page, html):
    images = re.findall(r'<img src="([^"]+)"', html)
    assert images == ["scores.png", "concepts.png", "tests.png"]
    for name in images:
        path = page.parent / name
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        assert matplotlib.image.imread(path).ndim == 3


def _drawn(fig):
    fig.canvas.draw()
    return fig.axes[0], fig.canvas.get_renderer()


@pytest.mark.parametrize("scores", [[44.5] * 9 + [0.0], [20.0, 21.0, 44.5, 44.5, 44.5]])
def test_the_histogram_legend_covers_no_bar_and_the_full_marks_bar_is_whole(scores):
    fig = report.scores_figure(scores, 44.5)
    try:
        ax, renderer = _drawn(fig)
        legend = ax.get_legend().get_window_extent(renderer)
        bars = [p.get_window_extent(renderer) for p in ax.patches if p.get_height() > 0]
        assert bars and not any(legend.overlaps(bar) for bar in bars)
        full = max(bars, key=lambda bar: bar.x1)
        assert full.x1 < ax.bbox.x1 and full.y1 < ax.bbox.y1  # inside the frame, not on its edge
    finally:
        plt.close(fig)


def test_long_test_titles_wrap_and_are_never_cut():
    title = "my_composition.backward: every layer's .grad, through the reference layers " * 3
    rows = [report.PerTestRow(f"t{i}", f"{title}{i}", "composition", 1.0, 1, Counter(passed=1))
            for i in range(2)]
    fig = report.tests_figure(rows)
    try:
        ax, _ = _drawn(fig)
        labels = [label.get_text() for label in ax.get_yticklabels()]
        assert [_words(label) for label in labels] == [_words(r.title) for r in rows]  # every word kept
        assert all(len(line) <= report.LABEL_WIDTH for label in labels for line in label.splitlines())
        assert labels[0] != labels[1]
    finally:
        plt.close(fig)


def test_student_text_is_escaped(html):
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<b>"' not in html


def test_a_class_where_nobody_attempted_gets_a_report_that_says_so(tmp_path):
    store = ResultStore(tmp_path / "out", get_assignment("backprop"), "secret")
    for result in (CLASS[1], CLASS[9]):
        notebook = tmp_path / f"{result.student}.ipynb"
        notebook.write_text("{}")
        store.save(Submission(result.student, notebook), result)
    text = report.build_report(get_assignment("backprop"), store.out).read_text()
    assert "None was attempted." in text and "<img" not in text


def test_a_folder_with_nothing_graded_is_refused(tmp_path):
    with pytest.raises(NoSuchPath):
        report.build_report(get_assignment("backprop"), tmp_path / "nothing graded")
