"""Student pages use student words: what a student reads (the feedback page, Gradescope's output)
names cells as Jupyter shows them and hand-graded answers by their question's title, and holds no
word of the instructor's (the sandbox, nbgrader's internal grade ids, a count of all cells)."""
from __future__ import annotations

import json
import re
import shutil

import nbformat
import pytest

from autograder.assignments import get_assignment
from autograder.feedback import feedback_html
from autograder.gradebook import manual_grades, open_gradebook
from autograder.gradescope import gradescope_results
from autograder.nbgrader_ops import generate
from autograder.variants import Variant
from autograder.variants.challenge import COS_BACKWARD
from autograder.variants.sweep import released, solution
from conftest import REPO

pytestmark = pytest.mark.slow

ASSIGNMENT = "challenge"  # it has a hand-graded answer ("Your strategy") and visible checks that assert
# my_cos.backward raises: its cell's frame is in the test messages, and the visible check on my_cos fails
RAISES = Variant("cos_backward_raises", ((COS_BACKWARD, "        raise ValueError('my mistake')\n"),))
INSTRUCTOR_TERMS = re.compile(r"namespace|seccomp|cgroup|\buid\b|user id|pivot_root|RLIMIT|zygote|sandbox|isolat"
                              r"|\banswer\d+\b|<cell \d+>|grade.?id", re.IGNORECASE)


def instructor_words(text: str) -> list[str]:
    """Instructor terms in `text`, and the assignment's grade ids that its released Markdown never shows
    (those it shows, such as a function's name, are the student's words too)."""
    ids = {c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(str(solution(ASSIGNMENT)), as_version=4).cells
           if "grade_id" in c.metadata.get("nbgrader", {})}
    shown = " ".join(c.source for c in nbformat.read(str(released(ASSIGNMENT)), as_version=4).cells
                     if c.cell_type == "markdown")
    hidden = [i for i in ids if not re.search(rf"\b{re.escape(i)}\b", shown)]
    return (INSTRUCTOR_TERMS.findall(text)
            + [i for i in hidden if re.search(rf"(?<![\w/.]){re.escape(i)}(?![\w/])", text)])


def code_cell_of(notebook, text: str) -> int:
    """The position among the code cells (as Jupyter counts them) of the cell holding `text`."""
    code = [c for c in nbformat.read(str(notebook), as_version=4).cells if c.cell_type == "code"]
    return next(n for n, c in enumerate(code, start=1) if text in c.source)


@pytest.fixture(scope="module")
def raising(tmp_path_factory, templates, context):
    from autograder.grading.runner import grade_submissions
    from autograder.submissions import Submission
    from autograder.variants import write_variant

    notebook = write_variant(RAISES, released(ASSIGNMENT), solution(ASSIGNMENT),
                             tmp_path_factory.mktemp("words") / f"{ASSIGNMENT}.ipynb")
    [result] = grade_submissions(context(ASSIGNMENT), templates(ASSIGNMENT).client(), [Submission("ana", notebook)])
    assert not result.grader_errors, [(t.name, t.message) for t in result.grader_errors]
    return notebook, result


def test_cells_are_named_as_jupyter_shows_them(raising):
    notebook, result = raising
    check, layer = code_cell_of(notebook, "# Visible check: my_cos"), code_cell_of(
        notebook, "class my_cos")
    assert f'code cell {check} ("# Visible check: my_cos, one case of ...") raised an error' in " ".join(
        result.notes), result.notes
    messages = "\n".join(t.message for t in result.tests if t.outcome != "passed")
    assert f'File "<code cell {layer}>"' in messages and "my mistake" in messages, messages[:2000]


def test_the_feedback_page_holds_no_instructor_word(raising):
    _, result = raising
    page = feedback_html(result, get_assignment(ASSIGNMENT))
    assert '"Your strategy" is graded by hand (2 points)' in page.replace("&#34;", '"'), page
    assert instructor_words(page) == []


def test_gradescope_output_holds_no_instructor_word(raising):
    _, result = raising
    results = gradescope_results(result, get_assignment(ASSIGNMENT), "visible", "Graded: challenge.ipynb.")
    shown = results["output"] + json.dumps([{k: t[k] for k in ("name", "output")} for t in results["tests"]])
    assert "code cell" in shown and instructor_words(shown) == []
    assert results["extra_data"]["isolation"].startswith(("isolated", "NOT isolated"))  # kept for the instructor


def test_the_hand_graded_table_names_the_question(raising, tmp_path):
    """The feedback written from nbgrader's gradebook (as `autograder feedback` does): the hand-graded
    answer under its question's title, the student's notebook never read for it."""
    _, result = raising
    course = tmp_path / "course"
    shutil.copytree(REPO / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
    shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    generate(ASSIGNMENT, course)  # the real nbgrader: the gradebook knows the notebook's grade cells
    with open_gradebook(course) as gradebook:
        gradebook.add_student("ana")
        gradebook.add_submission(ASSIGNMENT, "ana")
    manual = manual_grades(course, get_assignment(ASSIGNMENT), "ana")
    assert [(m.name, m.score, m.max_score) for m in manual] == [("Your strategy", None, 2.0)]
    page = feedback_html(result, get_assignment(ASSIGNMENT), manual)
    assert "<td>Your strategy</td>" in page and instructor_words(page) == []
