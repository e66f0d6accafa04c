"""One quiz answer, read from the student process as plain data and checked
against the key. The hidden test of each question calls `check_answer`.

What counts as an answer: for one right choice, an int (a numpy integer crosses
as an int); for several, a list, tuple or 1-d integer array of choice numbers in
any order, or a set (asked, element by element, whether it holds each choice:
the set answers with booleans, so an object that claims to equal anything gains
nothing); for a short answer or a trace, a string, compared without regard to
case, surrounding backquotes, a final full stop and runs of spaces. Anything
else (a float, a bool, an object of the student's) is not an answer."""
from __future__ import annotations

import numpy as np

from ..grading.compare import kind_of
from ..sandbox.errors import StudentError
from ..sandbox.handles import Remote
from .model import RAISES


def normalized(text: str) -> str:
    """A short answer or a program's output as compared: case, spacing, backquotes and a final "." ignored."""
    return " ".join(text.casefold().split()).strip("`").strip().removesuffix(".").strip()


def check_answer(student, entry: dict) -> None:
    """Raise an AssertionError that gives the right answer and the explanation, unless answered right."""
    name = f"answer_{entry['number']}"
    try:
        value = getattr(student, name)
    except StudentError as exc:
        _wrong(entry, f"{name} could not be read ({str(exc).splitlines()[0][:200]})")
    if value is None:
        # The words of a placeholder (autograder/diagnosis.py): the report counts it as not written.
        _wrong(entry, f"{name} is not answered: it is None, as released (remove the line that raises "
                      "NotImplementedError and set your answer)")
    check = {"MultipleChoice": _choices, "ShortAnswer": _short, "Tracing": _trace}[entry["type"]]
    problem = check(value, entry)
    if problem:
        _wrong(entry, f"{name}: {problem}")


def _wrong(entry: dict, problem: str) -> None:
    why = f"\nWhy: {entry['context']}" if entry.get("context") else ""
    raise AssertionError(f"Question {entry['number']}: {problem}.\nThe right answer: {right_answer(entry)}.{why}")


def right_answer(entry: dict) -> str:
    if entry["type"] == "MultipleChoice":
        picked = [f"{i} ({entry['choices'][i]})" for i in entry["answers"]]
        return f"[{', '.join(str(i) for i in entry['answers'])}], that is " + " and ".join(picked) \
            if entry["several"] else picked[0]
    if entry["type"] == "ShortAnswer":
        return repr(entry["answers"][0])
    if entry["raises"]:
        where = f" (at line {entry['line']})" if entry.get("line") else ""
        return f"{RAISES!r}: the program raises an exception{where}"
    return repr(entry["stdout"])


def _choices(value, entry: dict) -> str | None:
    count = len(entry["choices"])
    if not entry["several"]:
        if type(value) is not int:
            return f"should be the number of one choice, 0 to {count - 1}, got {_kind(value)}"
        return None if [value] == entry["answers"] else f"you chose {value}"
    chosen = _chosen(value, count)
    if isinstance(chosen, str):
        return chosen
    return None if sorted(chosen) == entry["answers"] else f"you chose {sorted(chosen)}"


def _chosen(value, count: int) -> set[int] | str:
    """The choice numbers of a several-answers question, or why `value` is not such an answer."""
    asked = f"should be a list of choice numbers (0 to {count - 1})"
    if isinstance(value, Remote):
        return _set_members(value, count, asked)
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iu":
        value = value.tolist()
    if type(value) not in (list, tuple) or any(type(v) is not int for v in value):
        return f"{asked}, got {_kind(value)}"
    if any(not 0 <= v < count for v in value):
        return f"{asked}, got {sorted(value)}"
    if len(set(value)) != len(value):
        return f"{asked}, each once, got {list(value)}"
    return set(value)


def _kind(value) -> str:
    if type(value) is float:
        return f"the float {value!r} (a choice's number is an int)"
    if type(value) in (list, tuple) and any(type(v) is not int for v in value):
        return f"a {type(value).__name__} holding {', '.join(sorted({_kind(v) for v in value if type(v) is not int}))}"
    return kind_of(value)


def _set_members(value: Remote, count: int, asked: str) -> set[int] | str:
    """A set stays in the student process: ask it, with plain data, whether it holds each choice."""
    if value._type not in ("set", "frozenset"):
        return f"{asked}, got {kind_of(value)}"
    everything = list(range(count))
    members = {i for i in everything if value.issuperset([i]) is True}
    if value.issubset(everything) is not True:
        return f"{asked}: your set holds something else"
    return members


def _short(value, entry: dict) -> str | None:
    if type(value) is not str:
        return f"should be a string, got {kind_of(value)}"
    accepted = {normalized(a) for a in entry["answers"]}
    return None if normalized(value) in accepted else f"you answered {value[:200]!r}"


def _trace(value, entry: dict) -> str | None:
    if type(value) is not str:
        return f"should be a string (what the program prints, or {RAISES!r}), got {kind_of(value)}"
    expected = RAISES if entry["raises"] else entry["stdout"]
    return None if normalized(value) == normalized(expected) else f"you answered {value[:200]!r}"
