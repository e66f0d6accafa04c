"""'Fix this first': the student's functions whose failures explain the most lost points, each with the
failures elsewhere it explains under it. Hand-built results for the ordering and grouping (fast), and a
real grade of a challenge variant with one wrong layer method, through the feedback page and Gradescope's
results (slow)."""
from __future__ import annotations

import re

import pytest

from autograder.assignments import get_assignment
from autograder.feedback import feedback_html
from autograder.fix_first import MISTAKE, NOT_WRITTEN_YET, OTHER, UNATTEMPTED, fix_first, input_size, render_text
from autograder.gradescope import gradescope_results
from autograder.grading.results import SubmissionResult, TestResult
from autograder.variants import write_variant
from autograder.variants.challenge import BUGS
from conftest import released, solution

CHALLENGE = get_assignment("challenge")
END_TO_END = "test_fit::test_end_to_end"
USES = "This test uses your multiplication_weight, my_exp, my_composition, my_cos together; "
BLAMES_COS = USES + "with the reference's my_cos in place of yours this test passes, so the mistake is in your my_cos."
BLAMES_NONE = USES + ("no single one of your units explains it: with any one of them replaced by the reference's, "
                      "it still fails.")
SCALAR = "my_cos.backward (d loss / d x) for my_cos(), x = 4.8, upstream gradient = -1.5: expected -1.4, got 1.4"
VECTOR = ("my_cos.backward (d loss / d x) for my_cos(), x = [1.5, 2.5, 3.5], upstream gradient = [1.0, 1.0, 1.0]: "
          "expected [1, 2, 3], got [-1, -2, -3]")


def failed(name: str, message: str, lost: float = 1.0, concept: str = "layers") -> TestResult:
    return TestResult(name, 0.0, lost, "failed", message, title=f"checks {name}", concept=concept)


def passed(name: str, points: float = 1.0, concept: str = "layers") -> TestResult:
    return TestResult(name, points, points, "passed", title=f"checks {name}", concept=concept)


def result(*tests: TestResult, notes: tuple[str, ...] = ()) -> SubmissionResult:
    return SubmissionResult("ann", "challenge.ipynb", list(tests), list(notes))


def headings(items) -> list[str]:
    return [item.heading for item in items]


# ---------------------------------------------------------------- fast: hand-built results


def test_full_marks_leave_nothing_to_fix():
    items = fix_first(result(passed("test_layers::test_forward[my_cos-scalar]")), CHALLENGE)
    assert items == [] and render_text(items) == ""


def test_the_function_losing_the_most_points_comes_first():
    items = fix_first(result(
        failed("test_layers::test_forward[my_exp-scalar]", "my_exp.forward for x = 1: expected 2.7, got 1"),
        failed("test_layers::test_backward_input_gradient[my_cos-scalar]", SCALAR),
        failed("test_layers::test_backward_input_gradient[my_cos-vector]", VECTOR),
    ), CHALLENGE)
    assert headings(items) == ["my_cos", "my_exp"]
    assert [item.points for item in items] == [2.0, 1.0] and {item.kind for item in items} == {MISTAKE}


def test_a_joint_failure_that_blames_a_function_goes_under_it_and_counts_in_its_points():
    items = fix_first(result(
        failed("test_layers::test_forward[my_exp-scalar]", "my_exp.forward for x = 1: expected 2.7, got 1", 2.0),
        failed("test_layers::test_backward_input_gradient[my_cos-scalar]", SCALAR),
        failed(END_TO_END, f"{BLAMES_COS}\nlayer 0 .w for 20 SGD steps: expected 1, got 2", 4.0, "fit"),
    ), CHALLENGE)
    assert headings(items) == ["my_cos", "my_exp"]  # 1 + 4 points against 2
    [cos, _] = items
    assert cos.points == 5.0 and [lost.title for lost in cos.explained] == [f"checks {END_TO_END}"]
    assert cos.example.title == "checks test_layers::test_backward_input_gradient[my_cos-scalar]"


def test_a_blamed_function_with_no_failure_of_its_own_is_an_item_shown_by_the_joint_failure():
    items = fix_first(result(failed(END_TO_END, f"{BLAMES_COS}\nlayer 0 .w: expected 1, got 2", 4.0, "fit")),
                      CHALLENGE)
    assert headings(items) == ["my_cos"] and items[0].message == "layer 0 .w: expected 1, got 2"


def test_a_joint_failure_blaming_none_goes_under_the_used_function_that_lost_the_most():
    items = fix_first(result(
        failed("test_layers::test_forward[my_exp-scalar]", "my_exp.forward for x = 1: expected 2.7, got 1"),
        failed("test_layers::test_backward_input_gradient[my_cos-scalar]", SCALAR, 3.0),
        failed(END_TO_END, f"{BLAMES_NONE}\nno fit", 4.0, "fit"),
    ), CHALLENGE)
    assert headings(items) == ["my_cos", "my_exp"] and len(items[0].explained) == 1 and not items[1].explained


def test_a_joint_failure_blaming_none_of_functions_that_pass_is_grouped_after_the_functions():
    items = fix_first(result(
        failed("test_fit::test_fit_challenge1[0]", "fit_challenge1 for xx: expected w = 1, got 2", concept="fit"),
        failed(END_TO_END, f"{BLAMES_NONE}\nno fit", 4.0, "fit"),
    ), CHALLENGE)
    assert headings(items) == ["fit_challenge1", "Tests that use several of your units together"]
    assert items[1].kind == OTHER and items[1].points == 4.0


def test_functions_not_written_yet_make_one_item_after_the_mistakes():
    placeholder = "my_cos() raised NotImplementedError"
    items = fix_first(result(
        failed("test_layers::test_forward[my_exp-scalar]", "my_exp.forward for x = 1: expected 2.7, got 1"),
        failed("test_layers::test_forward[my_cos-scalar]", placeholder, 3.0),
        failed("test_fit::test_fit_challenge1[0]", "fit_challenge1(xx, yy) raised NotImplementedError", 5.0, "fit"),
    ), CHALLENGE)
    assert headings(items) == ["my_exp", "Not written yet: my_cos, fit_challenge1"]  # the notebook's order
    assert items[1].kind == NOT_WRITTEN_YET and items[1].points == 8.0 and "start with my_cos" in items[1].advice


def test_failures_of_no_function_come_last_by_concept():
    items = fix_first(result(
        failed("test_composition::test_a_check_of_no_clause", "the chain: expected 1, got 2", concept="composition"),
        failed("test_layers::test_forward[my_exp-scalar]", "my_exp.forward for x = 1: expected 2.7, got 1", 0.5),
    ), CHALLENGE)
    assert headings(items) == ["my_exp", "Other checks of Chains of your layers with cos"]


def test_an_unattempted_notebook_is_one_plain_item():
    items = fix_first(result(
        failed("test_layers::test_forward[my_cos-scalar]", "my_cos() raised NotImplementedError"),
        failed("test_fit::test_fit_challenge1[0]", "fit_challenge1(xx, yy) raised NotImplementedError", 5.0, "fit"),
    ), CHALLENGE)
    assert [(item.kind, item.points) for item in items] == [(UNATTEMPTED, 6.0)]
    assert render_text(items).splitlines()[2:4] == [
        "1. Nothing written yet: 6 points at stake",
        "   Every test failed on the released placeholders: start with multiplication_weight."]


def test_the_example_is_the_smallest_input_else_the_shortest_message():
    items = fix_first(result(
        failed("test_layers::test_backward_input_gradient[my_cos-vector]", VECTOR),
        failed("test_layers::test_backward_input_gradient[my_cos-scalar]", SCALAR),
        failed("test_layers::test_contract[my_cos]", "my_cos.forward returned a list where a number was expected"),
    ), CHALLENGE)
    assert items[0].message == SCALAR and input_size(SCALAR) == 2 and input_size(VECTOR) == 6
    no_inputs = fix_first(result(
        failed("test_layers::test_contract[my_cos]", "my_cos.forward returned a list where a number was expected"),
        failed("test_layers::test_step_without_parameter[my_cos]", "my_cos.step changed x"),
    ), CHALLENGE)
    assert no_inputs[0].message == "my_cos.step changed x"


def test_the_text_is_wrapped_and_a_long_message_cut_short():
    long_message = "\n".join([SCALAR + " and more words" * 10] * 30)
    text = render_text(fix_first(result(failed("test_layers::test_contract[my_cos]", long_message)), CHALLENGE))
    assert text.startswith("Fix this first\n")
    assert max(len(line) for line in text.splitlines()) <= 100, text
    assert "(22 more lines)" in text and text.count("-1.5:") == 8


def test_the_page_escapes_what_the_students_code_said():
    page = feedback_html(result(failed("test_layers::test_contract[my_cos]", "<script>alert(1)</script>")),
                         CHALLENGE)
    fix = page[page.index("<h2>Fix this first</h2>"):page.index("</ol>")]
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in fix


# ---------------------------------------------------------------- slow: one wrong layer method, really graded


@pytest.fixture(scope="module")
def wrong_cos(grade, tmp_path_factory) -> SubmissionResult:
    """The challenge with my_cos.backward's sign wrong, graded by the real graders."""
    [variant] = [bug for bug in BUGS if bug.name == "cos_backward_plus_sin"]
    notebook = write_variant(variant, released("challenge"), solution("challenge"),
                             tmp_path_factory.mktemp("wrong_cos") / "challenge.ipynb")
    return grade("challenge", notebook)


@pytest.mark.slow
def test_one_wrong_layer_method_is_named_first_with_the_end_to_end_failure_under_it(wrong_cos):
    items = fix_first(wrong_cos, CHALLENGE)
    cos = items[0]
    end_to_end = next(t for t in wrong_cos.tests if t.name == END_TO_END)
    assert cos.heading == "my_cos" and cos.kind == MISTAKE, items
    assert [lost.title for lost in cos.explained] == [end_to_end.title] and end_to_end.outcome == "failed"
    lost = wrong_cos.max_score - wrong_cos.score
    assert len(items) == 1 and cos.points == lost, (items, lost)  # every point lost is my_cos's
    assert input_size(cos.message) == 2 and "[" not in cos.message, cos.message  # a number x, not an array


@pytest.mark.slow
def test_the_feedback_page_opens_with_it(wrong_cos):
    page = feedback_html(wrong_cos, CHALLENGE)
    start = page.index("<h2>Fix this first</h2>")
    assert start == page.index("<h2>")  # the first section
    block = page[start:page.index("</ol>", start)]
    assert re.search(r"<strong>my_cos: [\d.]+ points at stake</strong>", block), block
    assert "END-TO-END" in block and "expected" in block


@pytest.mark.slow
def test_gradescope_output_opens_with_it_where_the_details_are_visible(wrong_cos):
    visible = gradescope_results(wrong_cos, CHALLENGE, "visible", "Graded notebook: challenge.ipynb.")["output"]
    assert visible.startswith(render_text(fix_first(wrong_cos, CHALLENGE)) + "\n"), visible[:500]
    assert visible.splitlines()[2].startswith("1. my_cos: ") and "Score: " in visible
    hidden = gradescope_results(wrong_cos, CHALLENGE, "hidden", "Graded notebook: challenge.ipynb.")["output"]
    assert "Fix this first" not in hidden and "END-TO-END" not in hidden


def test_without_the_reference_the_function_tested_first_comes_first_with_advice():
    """A check package has no reference solution: my_composition's tests then use the student's own
    my_cos, so a wrong my_cos fails them too. The function whose tests ran first leads, with a word
    that the later ones may only fail because of it; with the reference, points decide."""
    tests = (failed("test_layers::test_backward_input_gradient[my_cos-scalar]", SCALAR),
             failed("test_composition::test_backward_on_arrays[0]", "my_composition.backward: expected 1, got -1", 3.0,
                    "composition"))
    assert headings(fix_first(result(*tests), CHALLENGE)) == ["my_composition", "my_cos"]
    items = fix_first(result(*tests), CHALLENGE, with_reference=False)
    assert headings(items) == ["my_cos", "my_composition"]
    assert "my_composition may only fail because they use it" in items[0].advice and not items[1].advice


def test_the_example_is_called_an_input_only_when_its_message_names_one():
    [cos] = fix_first(result(failed("test_layers::test_backward_input_gradient[my_cos-scalar]", SCALAR)), CHALLENGE)
    assert cos.example_label == "Smallest failing input" and "Smallest failing input: checks" in render_text([cos])
    [fit] = fix_first(result(failed("test_fit::test_fit_challenge2[0]", "fit_challenge2 on new data: reached p = 0.3",
                                    2.5, "fit")), CHALLENGE)
    assert fit.example_label == "First failing check" and "First failing check: checks" in render_text([fit])
