"""A quiz whose key is wrong does not ship: the code a question shows is run under
torch, and the key must say what it prints or raises. Used by the tests of every
quiz this package ships (source_tests/test_quiz.py)."""
from __future__ import annotations

import contextlib
import io
import traceback
from dataclasses import dataclass

from .answers import normalized

FILENAME = "<quiz program>"


@dataclass(frozen=True)
class Outcome:
    stdout: str
    raised: str | None  # the exception's class name
    line: int | None  # the program's line that raised


def run_shown_code(code: str) -> Outcome:
    """Run a question's code in this process, `torch` already imported, and say what came of it."""
    import torch

    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, FILENAME, "exec"), {"torch": torch, "__name__": "__quiz__"})  # noqa: S102 (our own quiz)
    except Exception as exc:  # noqa: BLE001 (what it raises is the point)
        lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == FILENAME]
        return Outcome(out.getvalue(), type(exc).__name__, lines[-1] if lines else None)
    return Outcome(out.getvalue(), None, None)


def disagreement(entry: dict, outcome: Outcome) -> str | None:
    """Why the key of a question (an entry of key.json) does not match what its code did, or None."""
    kind = entry["type"]
    if kind == "Tracing":
        if entry["raises"] != (outcome.raised is not None):
            return f"the key says it {'raises' if entry['raises'] else 'runs'}, but it {_did(outcome)}"
        if entry["raises"] and entry["line"] and entry["line"] != outcome.line:
            return f"the key says line {entry['line']} raises, but line {outcome.line} does"
        if not entry["raises"] and normalized(outcome.stdout) != normalized(entry["stdout"]):
            return f"the key says it prints {entry['stdout']!r}, but it prints {outcome.stdout!r}"
        return None
    if kind == "ShortAnswer":
        truth = outcome.raised or normalized(outcome.stdout)
        ok = any((outcome.raised or "\0") in a for a in entry["answers"]) if outcome.raised else \
            truth in {normalized(a) for a in entry["answers"]}
        return None if ok else f"the key says {entry['answers'][0]!r}, but it {_did(outcome)}"
    if entry["several"]:
        return "a question with several answers that shows code cannot be checked against it"
    matching = [i for i, c in enumerate(entry["choices"]) if _matches(c, outcome)]
    if matching != entry["answers"]:
        return f"the choices that say what it does are {matching}, the key says {entry['answers']}: it {_did(outcome)}"
    return None


def _matches(choice: str, outcome: Outcome) -> bool:
    if outcome.raised:
        return outcome.raised in choice and "raise" in choice.casefold()
    return normalized(choice) == normalized(outcome.stdout)


def _did(outcome: Outcome) -> str:
    return f"raises {outcome.raised} at line {outcome.line}" if outcome.raised else f"prints {outcome.stdout!r}"
