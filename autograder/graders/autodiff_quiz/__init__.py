"""Hidden graders of the quiz autodiff_quiz, written by `autograder quiz import` from autodiff_quiz.toml:
one test case per question, the key in key.json. Import the quiz again rather than edit these files."""
from autograder.grading.marks import Concept

CONCEPTS = (Concept("answers", "test_answers.py", 12, "The quiz: 12 questions, one point each"),)
TOTAL_POINTS = 12
# The student writes answers, not code: nothing to preload beyond what carries an answer across.
STUDENT_MODULES = ("numpy",)
UNITS = {f"answer_{n}": (f"answer_{n}",) for n in range(1, TOTAL_POINTS + 1)}
