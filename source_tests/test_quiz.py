"""Quizzes from mdbook-quiz TOML files (autograder/quiz/): the import, its refusals, the shipped
autodiff_quiz's key against torch, and the grading of answered, wrong, blank and hostile notebooks
through the real sandbox and graders."""
from __future__ import annotations

import json
import nbformat
import pytest

from autograder.cli import main
from autograder.diagnosis import unattempted
from autograder.quiz.model import MultipleChoice, ShortAnswer, Tracing, read_quiz
from autograder.quiz.verify import disagreement, run_shown_code
from autograder.variants import Variant
from autograder.variants.autodiff_quiz import BUGS
from conftest import REPO, released, solution

QUIZ = "autodiff_quiz"
SOURCE = REPO / "quizzes" / f"{QUIZ}.toml"
GRADERS = REPO / "autograder" / "graders" / QUIZ
KEY = json.loads((GRADERS / "key.json").read_text())

# Today's mdbook-quiz format (prompt.distractors, the answer's text, answerIndex, sortAnswers, alternatives,
# Tracing's lineNumber), as in the repository's example/mdbook/src/quiz-example.toml, with Python programs.
MODERN = '''
[[questions]]
id = "18ea4c61-c7c3-433f-add5-d3d3156e3e71"
type = "MultipleChoice"
prompt.prompt = """
<pre><code>$ x = torch.ones(2, requires_grad=True)
$ y = (x * x).sum()
1 + 1 &lt; 3</code></pre>
What is `y.grad_fn`'s class?
"""
prompt.distractors = ["`MulBackward0`", "`None`", "`AddBackward0`"]
answer.answer = "`SumBackward0`"
context = "The last operation recorded is the sum."

[[questions]]
type = "MultipleChoice"
prompt.prompt = "Which are leaves?"
prompt.distractors = ["`x * 2`"]
answer.answer = ["`torch.ones(2)`", "`torch.ones(2, requires_grad=True)`"]
prompt.sortAnswers = true
context = "Tensors that no recorded operation made."

[[questions]]
type = "MultipleChoice"
prompt.prompt = "Where does autograd start?"
prompt.distractors = ["at the inputs", "anywhere"]
answer.answer = "at the output"
prompt.answerIndex = 1

[[questions]]
type = "ShortAnswer"
prompt.prompt = "What is the keyword that turns off recording? `with torch.____():`"
answer.answer = "no_grad"
answer.alternatives = ["inference_mode"]
context = "Both turn off recording."

[[questions]]
type = "Tracing"
prompt.program = """
import torch
x = torch.ones(2)
x.sum().backward()
"""
answer.doesCompile = false
answer.lineNumber = 3
context = "Nothing requires grad."
'''


def _quiz_file(tmp_path, text: str, name: str = "quiz.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


# -- the import -----------------------------------------------------------------------------------

def test_modern_format_reads_into_typed_questions(tmp_path):
    first, several, placed, short, trace = read_quiz(_quiz_file(tmp_path, MODERN))
    assert isinstance(first, MultipleChoice) and not first.several
    assert first.choices[first.answers[0]] == "`SumBackward0`" and len(first.choices) == 4
    assert read_quiz(_quiz_file(tmp_path, MODERN, "again.toml"))[0].choices == first.choices  # a fixed order
    assert several.several and several.choices == tuple(sorted(several.choices))
    assert [several.choices[i] for i in several.answers] == ["`torch.ones(2)`", "`torch.ones(2, requires_grad=True)`"]
    assert placed.choices == ("at the inputs", "at the output", "anywhere") and placed.answers == (1,)
    assert isinstance(short, ShortAnswer) and short.answers == ("no_grad", "inference_mode")
    assert isinstance(trace, Tracing) and trace.raises and trace.line == 3


def test_import_of_the_modern_format_writes_notebook_and_key(tmp_path):
    graders = tmp_path / "graders"
    assert main(["quiz", "import", str(_quiz_file(tmp_path, MODERN)), "--name", "modern", "--course-dir",
                 str(tmp_path), "--graders", str(graders)]) == 0
    key = json.loads((graders / "modern" / "key.json").read_text())
    assert [e["type"] for e in key] == ["MultipleChoice"] * 3 + ["ShortAnswer", "Tracing"]
    notebook = nbformat.read(str(tmp_path / "solutions" / "modern" / "modern.ipynb"), as_version=4)
    text = "\n".join(c.source for c in notebook.cells)
    assert "```python\nx = torch.ones(2, requires_grad=True)\ny = (x * x).sum()\n# 1 + 1 < 3\n```" in text
    assert "<pre>" not in text and "$ " not in text
    for entry in key:  # the explanations are in the key, never in the notebook
        assert entry["context"] == "" or entry["context"] not in text
    right = key[0]["answers"][0]
    assert f"answer_1 = None  # one of 0, 1, 2, 3\n### BEGIN SOLUTION\nanswer_1 = {right}\n### END SOLUTION" in text
    assert key[0]["code"] == "x = torch.ones(2, requires_grad=True)\ny = (x * x).sum()"


def test_the_shipped_quiz_is_the_import_of_its_toml(tmp_path):
    """solutions/ and the graders of autodiff_quiz are what `autograder quiz import` writes from
    quizzes/autodiff_quiz.toml (the course's format: prompt.choices, <pre><code> with $ lines); assignments/
    is nbgrader's generate of solutions/ (test_assignments_in_sync.py)."""
    assert main(["quiz", "import", str(SOURCE), "--name", QUIZ, "--course-dir", str(tmp_path),
                 "--graders", str(tmp_path / "graders")]) == 0
    for file in ("key.json", "__init__.py", "contract.py", "test_answers.py"):
        assert (tmp_path / "graders" / QUIZ / file).read_text() == (GRADERS / file).read_text(), file
    fresh = tmp_path / "solutions" / QUIZ / f"{QUIZ}.ipynb"
    assert fresh.read_text() == (REPO / "solutions" / QUIZ / f"{QUIZ}.ipynb").read_text()


def test_the_shipped_quiz_has_every_question_type():
    kinds = {(e["type"], e.get("several")) for e in KEY}
    assert kinds >= {("MultipleChoice", False), ("MultipleChoice", True), ("ShortAnswer", None), ("Tracing", None)}
    assert 10 <= len(KEY) <= 12
    text = (REPO / "assignments" / QUIZ / f"{QUIZ}.ipynb").read_text()
    leaked = [e["number"] for e in KEY if e["context"][:60] in text or e["context"][-60:] in text]
    assert leaked == [], f"explanations in the released notebook: questions {leaked}"


REFUSED = [
    ('[[questions]]\ntype = "Informational"\nprompt.prompt = "x"\nanswer.answer = "y"\n', 1, "type 'Informational'"),
    ('[[questions]]\ntype = "ShortAnswer"\nprompt.prompt = "x"\nanswer.answer = "y"\n'
     '[[questions]]\ntype = "ShortAnswer"\nprompt.prompt = "Explain"\nprompt.response = "long"\nanswer.answer = "y"\n',
     2, "cannot be graded automatically"),
    ('[[questions]]\ntype = "MultipleChoice"\nprompt.prompt = "x"\nprompt.choices = ["a", "b"]\nanswer.answer = 2\n', 1,
     "must be an index of prompt.choices"),
    ('[[questions]]\ntype = "MultipleChoice"\nprompt.prompt = "x"\nprompt.choices = ["a", "b"]\nanswer.answer = "a"\n',
     1, "must be an index of prompt.choices"),
    ('[[questions]]\ntype = "Tracing"\nprompt.program = "print(1)"\nanswer.stdout = "1"\n', 1, "answer.doesCompile"),
    ('[[questions]]\ntype = "ShortAnswer"\nmultipart = "a"\nprompt.prompt = "x"\nanswer.answer = "y"\n', 1,
     "multipart"),
    ('[[questions]]\ntype = "MultipleChoice"\nprompt.prompt = "x"\nprompt.distractors = ["a"]\nanswer.answer = "a"\n',
     1, "also a distractor"),
]


@pytest.mark.parametrize("text, number, reason", REFUSED, ids=[r[2].split()[0] for r in REFUSED])
def test_what_cannot_be_graded_is_refused_with_file_question_and_reason(tmp_path, capsys, text, number, reason):
    path = _quiz_file(tmp_path, text, "bad.toml")
    code = main(["quiz", "import", str(path), "--name", "bad", "--course-dir", str(tmp_path),
                 "--graders", str(tmp_path / "graders")])
    error = capsys.readouterr().err
    assert code == 2 and f"bad.toml, question {number}: " in error and reason in error, error
    assert not (tmp_path / "graders").exists() and not (tmp_path / "solutions").exists()  # nothing written


@pytest.mark.parametrize("text, reason", [("not = [toml", "is not valid TOML"), ("title = 'x'\n", "no [[questions]]")])
def test_a_file_that_is_no_quiz_is_refused(tmp_path, capsys, text, reason):
    code = main(["quiz", "import", str(_quiz_file(tmp_path, text)), "--name", "bad", "--graders",
                 str(tmp_path / "graders"), "--course-dir", str(tmp_path)])
    assert code == 2 and reason in capsys.readouterr().err


def test_an_assignment_that_is_not_a_quiz_is_never_overwritten(tmp_path, capsys):
    code = main(["quiz", "import", str(SOURCE), "--name", "backprop", "--course-dir", str(tmp_path)])
    assert code == 2 and "not a quiz" in capsys.readouterr().err


# -- the key against torch ------------------------------------------------------------------------

SHOWING_CODE = [e for e in KEY if e["code"]]


@pytest.mark.parametrize("entry", SHOWING_CODE, ids=[f"question_{e['number']}" for e in SHOWING_CODE])
def test_the_key_says_what_the_shown_code_prints_or_raises(entry):
    outcome = run_shown_code(entry["code"])
    assert disagreement(entry, outcome) is None, disagreement(entry, outcome)


def test_a_wrong_key_is_caught():
    """The check above can fail: each kind of question with its key changed disagrees with torch."""
    wrong = {1: {"answers": [0]}, 2: {"stdout": "tensor([0., 0., 0.])"}, 5: {"raises": False, "stdout": "x"},
             6: {"answers": [0]}, 11: {"answers": ["6.0"]}}
    for number, change in wrong.items():
        entry = {**KEY[number - 1], **change}
        assert disagreement(entry, run_shown_code(entry["code"])) is not None, number
    assert disagreement({**KEY[4], "line": 4}, run_shown_code(KEY[4]["code"])) is not None


def test_the_questions_without_code_are_true_of_torch():
    """Questions 7 (detach) and 12 (zeroing gradients) show no program: their key, checked here."""
    import torch

    b = torch.tensor([1., 2.], requires_grad=True)
    d = b.detach()
    d[0] = 5.
    assert not d.requires_grad and b[0].item() == 5. and KEY[6]["answers"] == [1, 3]
    assert "detach" in KEY[6]["choices"][1] + KEY[6]["context"]
    def resets(choice: int) -> bool:
        """After one step's backward, this choice then the next step's backward: one gradient, not two."""
        w = torch.tensor([1., 2.], requires_grad=True)
        optimizer = torch.optim.SGD([w], lr=0.1)
        (w ** 2).sum().backward()
        reset = {0: lambda: w.grad.zero_(), 1: lambda: w.grad * 0, 2: optimizer.zero_grad,
                 3: lambda: w.requires_grad_(False), 4: lambda: setattr(w, "grad", None)}
        reset[choice]()
        try:
            (w ** 2).sum().backward()
        except RuntimeError:  # nothing requires grad any more
            return False
        return torch.equal(w.grad, 2 * w.detach())

    assert len(KEY[11]["choices"]) == 5
    assert [c for c in range(5) if resets(c)] == KEY[11]["answers"] == [0, 2, 4]


# -- grading through the real sandbox ------------------------------------------------------------

def _wrong_everywhere() -> Variant:
    """One realistic wrong answer for every question."""
    first = {}
    for bug in BUGS:
        number = bug.targets[0]
        first.setdefault(number, bug)
    assert len(first) == len(KEY)
    return Variant("wrong", tuple(edit for bug in first.values() for edit in bug.edits))


@pytest.mark.slow
def test_right_wrong_and_blank_notebooks(grade, make_variant):
    right = grade(QUIZ, solution(QUIZ))
    assert right.score == right.max_score == len(KEY)
    wrong = grade(QUIZ, make_variant(QUIZ, _wrong_everywhere()))
    assert wrong.score == 0 and all(t.outcome == "failed" for t in wrong.tests)
    for test, entry in zip(wrong.tests, KEY):
        assert f"Question {entry['number']}: answer_{entry['number']}: " in test.message, test.message
        assert "The right answer: " in test.message and f"Why: {entry['context'][:40]}" in test.message
    six = wrong.tests[5].message
    assert "you chose 0" in six and "The right answer: 2 (It raises a `RuntimeError`" in six, six
    blank = grade(QUIZ, released(QUIZ))
    assert blank.score == 0 and all("is not answered: it is None" in t.message for t in blank.tests)
    assert unattempted(blank) and not unattempted(wrong)


HOSTILE = {
    1: "class _Any:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
       "answer_1 = _Any()",
    3: "class _Int(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
       "answer_3 = _Int(0)",
    7: "class set:  # a fake set that holds everything\n    def issuperset(self, other):\n        return True\n"
       "    def issubset(self, other):\n        return True\nanswer_7 = set()",
    11: "class _Str(str):\n    def __eq__(self, other):\n        return True\n    __hash__ = str.__hash__\n"
        "answer_11 = _Str('x')",
    12: "class _Liar(list):\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
        "answer_12 = _Liar([0])",
    4: "answer_4 = True  # a bool is not the choice 1",
    9: "answer_9 = {3: 3}",
}


@pytest.mark.slow
def test_hostile_answers_earn_nothing(grade, make_variant):
    """Answers that claim to equal anything, or to hold every choice, are not plain data: 0 points."""
    result = grade(QUIZ, make_variant(QUIZ, Variant("hostile", cells=tuple((f"answer_{n}", code)
                                                                           for n, code in HOSTILE.items()))))
    by_number = {int(t.name.split("[")[1].rstrip("]")): t for t in result.tests}
    assert [n for n in HOSTILE if by_number[n].score > 0] == []
    assert result.score == len(KEY) - len(HOSTILE)
    assert "your set holds" not in by_number[7].message and "you chose [0, 1, 2, 3]" in by_number[7].message
