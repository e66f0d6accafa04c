"""The mdbook-quiz question types this package grades, read from TOML.

Both shapes of MultipleChoice that mdbook-quiz has used are read:
- the course's (mdbook-quiz before 0.2): `prompt.choices` and `answer.answer`, an index
  or a list of indices (several answers);
- today's: `prompt.distractors` and `answer.answer`, the text of the right answer or a
  list of texts; the choices are then put in a fixed order (`prompt.answerIndex` and
  `prompt.sortAnswers` are honoured, otherwise a shuffle seeded by the prompt), as a
  notebook needs numbered choices that do not move.
ShortAnswer: `answer.answer` and `answer.alternatives`. Tracing, adapted to Python:
`prompt.program` is Python; `answer.doesCompile = true` with `answer.stdout` (what it
prints), or `false` (it raises; `answer.lineNumber`, if given, where)."""
from __future__ import annotations

import hashlib
import random
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CannotRun

TYPES = ("MultipleChoice", "ShortAnswer", "Tracing")
RAISES = "error"  # the answer to a Tracing question whose program raises


class QuizError(CannotRun, ValueError):
    """A quiz file this package cannot grade: the file, the question number and why (exit 2)."""

    def __init__(self, path: Path | str, number: int | None, reason: str):
        where = f"{path}" if number is None else f"{path}, question {number}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class MultipleChoice:
    prompt: str
    choices: tuple[str, ...]
    answers: tuple[int, ...]  # indices into choices; one, or several (then all of them must be chosen)
    several: bool
    context: str


@dataclass(frozen=True)
class ShortAnswer:
    prompt: str
    answers: tuple[str, ...]  # the answer, then the alternatives
    context: str


@dataclass(frozen=True)
class Tracing:
    program: str
    raises: bool
    stdout: str  # "" when it raises
    line: int | None  # where it raises, if the file says
    context: str


Question = MultipleChoice | ShortAnswer | Tracing


def read_quiz(path: Path) -> list[Question]:
    """Every question of an mdbook-quiz file, or a QuizError."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise QuizError(path, None, f"cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise QuizError(path, None, f"is not valid TOML ({exc})") from None
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        raise QuizError(path, None, "has no [[questions]]")
    return [_question(path, number, q) for number, q in enumerate(questions, start=1)]


def _question(path: Path, number: int, raw: Any) -> Question:
    def fail(reason: str):
        raise QuizError(path, number, reason)

    if not isinstance(raw, dict):
        fail("is not a table")
    kind = raw.get("type")
    if kind not in TYPES:
        fail(f"type {kind!r} is not supported (supported: {', '.join(TYPES)})")
    if raw.get("multipart") is not None:
        fail("multipart questions are not supported")
    prompt, answer = raw.get("prompt"), raw.get("answer")
    if not isinstance(prompt, dict) or not isinstance(answer, dict):
        fail("needs a prompt table and an answer table (prompt.prompt = ..., answer.answer = ...)")
    context = raw.get("context", "")
    if not isinstance(context, str):
        fail("context must be a string")
    if kind == "MultipleChoice":
        return _multiple_choice(prompt, answer, context.strip(), fail)
    if kind == "ShortAnswer":
        return _short_answer(prompt, answer, context.strip(), fail)
    return _tracing(prompt, answer, context.strip(), fail)


def _text(value: Any, what: str, fail) -> str:
    if not isinstance(value, str) or not value.strip():
        fail(f"{what} must be a non-empty string")
    return value.strip()


def _multiple_choice(prompt: dict, answer: dict, context: str, fail) -> MultipleChoice:
    text = _text(prompt.get("prompt"), "prompt.prompt", fail)
    given = answer.get("answer")
    if "choices" in prompt:
        if "distractors" in prompt:
            fail("has both prompt.choices and prompt.distractors")
        choices = _texts(prompt["choices"], "prompt.choices", fail)
        several = isinstance(given, list)
        indices = given if several else [given]
        if not indices or any(type(i) is not int or not 0 <= i < len(choices) for i in indices):
            fail(f"answer.answer must be an index of prompt.choices (0 to {len(choices) - 1}) or a list of them, "
                 f"got {given!r}")
        if len(set(indices)) != len(indices):
            fail("answer.answer repeats an index")
        return MultipleChoice(text, choices, tuple(sorted(indices)), several, context)
    if "distractors" not in prompt:
        fail("a MultipleChoice question needs prompt.choices (with an index as answer.answer) or "
             "prompt.distractors (with the answer's text as answer.answer)")
    distractors = _texts(prompt["distractors"], "prompt.distractors", fail)
    several = isinstance(given, list)
    right = _texts(given if several else [given], "answer.answer", fail)
    choices = _ordered(text, right, distractors, prompt, fail)
    return MultipleChoice(text, choices, tuple(sorted(choices.index(r) for r in right)), several, context)


def _texts(value: Any, what: str, fail) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        fail(f"{what} must be a non-empty list of strings")
    texts = tuple(_text(v, f"each of {what}", fail) for v in value)
    if len(set(texts)) != len(texts):
        fail(f"{what} has the same text twice")
    return texts


def _ordered(prompt_text: str, right: tuple[str, ...], distractors: tuple[str, ...], prompt: dict,
             fail) -> tuple[str, ...]:
    """Today's format: the choices in a fixed order."""
    if set(right) & set(distractors):
        fail("an answer is also a distractor")
    if prompt.get("sortAnswers"):
        return tuple(sorted(right + distractors))
    index = prompt.get("answerIndex")
    if index is not None:
        if len(right) != 1 or type(index) is not int or not 0 <= index <= len(distractors):
            fail(f"prompt.answerIndex {index!r} does not fit one answer among {len(distractors) + 1} choices")
        return distractors[:index] + right + distractors[index:]
    choices = list(right + distractors)
    random.Random(hashlib.sha256(prompt_text.encode()).digest()).shuffle(choices)
    return tuple(choices)


def _short_answer(prompt: dict, answer: dict, context: str, fail) -> ShortAnswer:
    text = _text(prompt.get("prompt"), "prompt.prompt", fail)
    if prompt.get("response", "short") != "short":
        fail(f"prompt.response {prompt['response']!r} cannot be graded automatically (only short answers)")
    alternatives = answer.get("alternatives", [])
    main = _text(answer.get("answer"), "answer.answer", fail)
    extra = _texts(alternatives, "answer.alternatives", fail) if alternatives else ()
    return ShortAnswer(text, (main, *extra), context)


def _tracing(prompt: dict, answer: dict, context: str, fail) -> Tracing:
    program = prompt.get("program")
    if not isinstance(program, str) or not program.strip():
        fail("prompt.program must be a non-empty string (a Python program)")
    compiles = answer.get("doesCompile")
    if type(compiles) is not bool:
        fail("answer.doesCompile must be true (it runs: give answer.stdout) or false (it raises)")
    if compiles:
        stdout = answer.get("stdout")
        if not isinstance(stdout, str) or not stdout.strip():
            fail("answer.stdout must say what the program prints")
        return Tracing(program.strip("\n"), False, stdout.strip("\n"), None, context)
    line = answer.get("lineNumber")
    if line is not None and (type(line) is not int or not 1 <= line <= len(program.strip("\n").splitlines())):
        fail(f"answer.lineNumber {line!r} is not a line of the program")
    return Tracing(program.strip("\n"), True, "", line, context)
