"""One hidden test per question of the quiz: the answer read as plain data, checked against the key
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
