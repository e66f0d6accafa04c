"""A quiz's nbgrader source notebook and its grader package, written from its questions.

The notebook (`solutions/NAME/NAME.ipynb`): each question's prompt as a locked
Markdown cell (choices numbered from 0), then its answer cell (`answer_3 = None  # one
of 0, 1, 2, 3`, the key between nbgrader's solution markers, so the released notebook
has none of it), one locked graded cell for the concept, and the usual "check your work"
cells. The explanations stay out of the notebook: they are in the key, and the feedback
gives them. The grader package (`autograder/graders/NAME/`): `key.json` (the answer
key as data), `__init__.py`, `contract.py` and `test_answers.py` (one case per question)."""
from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..errors import CannotRun
from .markdown import shown_code, to_markdown
from .model import RAISES, MultipleChoice, Question, ShortAnswer, Tracing

NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")
KEY_FILE = "key.json"
CONCEPT = "answers"
# The last two cells of every notebook, as in solutions/backprop/backprop.ipynb.
CHECK_INTRO = ("## Check your work before you submit\n\nIf your course offers `autograder check`, save this notebook "
               "(Ctrl-S), then run the cell below. It grades the notebook as saved with the course's real graders, on "
               "public draws: the hidden grading runs the same checks on other values. It starts with what to fix "
               "first.")
CHECK_CODE = "from autograder.check import check; check()"
NOTEBOOK_METADATA = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}}


@dataclass(frozen=True)
class QuizFiles:
    notebook: Path
    graders: Path


def check_name(name: str, graders: Path) -> None:
    """A new quiz's name, or an existing quiz's (never another assignment's)."""
    if not NAME.fullmatch(name):
        raise CannotRun(f"quiz name {name!r}: use lower-case letters, digits and _ (a Python identifier)")
    folder = graders / name
    if folder.exists() and not (folder / KEY_FILE).is_file():
        raise CannotRun(f"{folder} holds the graders of an assignment that is not a quiz: choose another --name")


def key_entry(number: int, question: Question) -> dict:
    """What the hidden test of one question needs, as JSON."""
    common = {"number": number, "type": type(question).__name__, "context": question.context}
    if isinstance(question, MultipleChoice):
        return {**common, "choices": list(question.choices), "answers": list(question.answers),
                "several": question.several, "code": shown_code(question.prompt)}
    if isinstance(question, ShortAnswer):
        return {**common, "answers": list(question.answers), "code": shown_code(question.prompt)}
    return {**common, "raises": question.raises, "stdout": question.stdout, "line": question.line,
            "code": question.program}


def _cell_id(grade_id: str) -> str:
    return hashlib.sha256(grade_id.encode()).hexdigest()[:8]


def _meta(grade_id: str, *, solution: bool = False, points: float | None = None) -> dict:
    meta = {"grade": points is not None, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _markdown(grade_id: str, text: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text, metadata=_meta(grade_id))
    cell.id = _cell_id(grade_id)
    return cell


def _code(grade_id: str, text: str, **meta) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(text, metadata=_meta(grade_id, **meta))
    cell.id = _cell_id(grade_id)
    return cell


def _prompt(number: int, question: Question) -> str:
    title = f"### Question {number}\n\n"
    if isinstance(question, Tracing):
        return (title + "What does this program print?\n\n```python\n" + question.program + "\n```\n\n"
                f'Answer with its output as a string (one string for several lines), or `"{RAISES}"` if it raises '
                "an exception.")
    text = title + to_markdown(question.prompt)
    if isinstance(question, ShortAnswer):
        return text + "\n\nAnswer with a short string."
    choices = "\n".join(f"{i}. {c}" for i, c in enumerate(question.choices))
    how = ("Several choices are right: answer with the list of the numbers of all of them."
           if question.several else "One choice is right: answer with its number.")
    return f"{text}\n\n{choices}\n\n{how}"


def _answer_cell(number: int, question: Question) -> str:
    name = f"answer_{number}"
    if isinstance(question, MultipleChoice):
        numbers = ", ".join(str(i) for i in range(len(question.choices)))
        stub = f"{name} = None  # " + (f"a list of some of {numbers}" if question.several else f"one of {numbers}")
        key = repr(list(question.answers)) if question.several else repr(question.answers[0])
    elif isinstance(question, ShortAnswer):
        stub, key = f"{name} = None  # a string", repr(question.answers[0])
    else:
        stub = f'{name} = None  # a string: what it prints, or "{RAISES}"'
        key = repr(RAISES if question.raises else question.stdout)
    return f"{stub}\n### BEGIN SOLUTION\n{name} = {key}\n### END SOLUTION"


def notebook(name: str, questions: list[Question]) -> nbformat.NotebookNode:
    total = len(questions)
    intro = (f"# Quiz: {name.replace('_', ' ')}\n\n{total} questions, one point each, graded automatically. Answer "
             "each one in the cell below it, in place of the line `raise NotImplementedError(...)`: for example "
             "`answer_1 = 2`. Leave an answer at `None` to skip it. After grading, your feedback explains each "
             "question you missed.")
    cells = [_markdown("intro", intro)]
    for number, question in enumerate(questions, start=1):
        cells.append(_markdown(f"question_{number}", _prompt(number, question)))
        cells.append(_code(f"answer_{number}", _answer_cell(number, question), solution=True))
    cells.append(_code(f"hidden_tests_{CONCEPT}", f"# Hidden tests ({total} points): one per question.\n"
                                                  "# They run when your notebook is graded; your feedback lists "
                                                  "each of them.", points=total))
    cells += [_markdown("check_intro", CHECK_INTRO), _code("check_with_the_graders", CHECK_CODE)]
    return nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(NOTEBOOK_METADATA))


def grader_init(name: str, sources: list[str], total: int) -> str:
    return f'''"""Hidden graders of the quiz {name}, written by `autograder quiz import` from {", ".join(sources)}:
one test case per question, the key in {KEY_FILE}. Import the quiz again rather than edit these files."""
from autograder.grading.marks import Concept

CONCEPTS = (Concept("{CONCEPT}", "test_answers.py", {total}, "The quiz: {total} questions, one point each"),)
TOTAL_POINTS = {total}
# The student writes answers, not code: nothing to preload beyond what carries an answer across.
STUDENT_MODULES = ("numpy",)
UNITS = {{f"answer_{{n}}": (f"answer_{{n}}",) for n in range(1, TOTAL_POINTS + 1)}}
'''


def grader_contract(entries: list[dict]) -> str:
    lines = [f'    Clause("answer_{e["number"]}", {_clause(e)!r}, ("test_question[{e["number"]}]",)),'
             for e in entries]
    return ('"""The quiz\'s contract: each answer and its test case (written by `autograder quiz import`)."""\n'
            "from autograder.grading.contract import Clause\n\nCONTRACT = (\n" + "\n".join(lines) + "\n)\n")


def _clause(entry: dict) -> str:
    if entry["type"] == "MultipleChoice":
        return "a list of the numbers of the right choices" if entry["several"] else "the number of the right choice"
    return "a short string" if entry["type"] == "ShortAnswer" else f"what the program prints, or {RAISES!r}"


GRADER_TEST = '''"""One hidden test per question of the quiz: the answer read as plain data, checked against the key
(autograder/quiz/answers.py). A wrong answer's message gives the right one and the explanation."""
import json
from pathlib import Path

import pytest

from autograder.grading.marks import points, title
from autograder.quiz.answers import check_answer

KEY = {e["number"]: e for e in json.loads((Path(__file__).parent / "key.json").read_text(encoding="utf-8"))}


@points(1)
@title("Question {number}")
@pytest.mark.parametrize("number", sorted(KEY))
def test_question(student, number):
    check_answer(student, KEY[number])
'''


def write_quiz(name: str, questions: list[Question], sources: list[str], repo: Path, graders: Path) -> QuizFiles:
    """Write the source notebook under repo/solutions and the grader package under graders/ (both replaced)."""
    check_name(name, graders)
    entries = [key_entry(n, q) for n, q in enumerate(questions, start=1)]
    folder = graders / name
    folder.mkdir(parents=True, exist_ok=True)
    files = {KEY_FILE: json.dumps(entries, indent=1, ensure_ascii=False) + "\n",
             "__init__.py": grader_init(name, sources, len(entries)),
             "contract.py": grader_contract(entries),
             "test_answers.py": GRADER_TEST}
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    path = repo / "solutions" / name / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook(name, questions), str(path))
    return QuizFiles(path, folder)


def import_quiz(paths: list[Path], name: str, course_dir: Path, graders: Path) -> QuizFiles:
    """Read every file (refusing what cannot be graded before writing anything), write the quiz, and generate
    the student version with nbgrader when course_dir is an nbgrader course."""
    from ..nbgrader_ops import generate
    from .model import read_quiz

    check_name(name, graders)
    questions = [q for path in paths for q in read_quiz(path)]
    files = write_quiz(name, questions, [Path(p).name for p in paths], course_dir, graders)
    if (course_dir / "nbgrader_config.py").is_file():
        generate(name, course_dir)
    return files
