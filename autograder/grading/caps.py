"""Size caps on every part of a result that a student's code can fill.

A notebook of 6,000 cells that each raise a 4,000-character error would
otherwise make a result of hundreds of megabytes: over the limit of the
channel it crosses from the grader process, in every file written from it and
in the instructor's browser. Each note and message is cut with a marker that
says how much was cut, the number of notes is capped, text the student chose
is made writable as UTF-8 (a lone surrogate from an exception message
would stop the writing of the feedback page), and a result whose JSON is
still too large becomes that student's failure, with the reason.
"""
from __future__ import annotations

import json
from dataclasses import replace

from .results import SubmissionResult, TestResult

MAX_NOTE_CHARS = 2_000
MAX_NOTES = 50
MAX_MESSAGE_CHARS = 10_000  # a test's message: the student's error and its traceback (4,000 each) fit
MAX_TITLE_CHARS = 500
MAX_RESULT_BYTES = 16 * 1024**2  # the result's JSON; far under the channel's own limit


def cut(text: str, limit: int) -> str:
    """`text`, at most `limit` characters of it and a marker saying how many more were cut."""
    text = writable(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters cut)"


def writable(text: str) -> str:
    """`text` with what UTF-8 cannot encode (lone surrogates) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        # Through UTF-16 with surrogatepass: pairs join into their character, lone ones decode as U+FFFD.
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _capped_test(test: TestResult) -> TestResult:
    return replace(test, message=cut(test.message, MAX_MESSAGE_CHARS), title=cut(test.title, MAX_TITLE_CHARS),
                   name=cut(test.name, MAX_TITLE_CHARS), concept=cut(test.concept, MAX_TITLE_CHARS))


def capped_notes(notes: list[str]) -> list[str]:
    kept = [cut(note, MAX_NOTE_CHARS) for note in notes[:MAX_NOTES]]
    if len(notes) > MAX_NOTES:
        kept.append(f"… ({len(notes) - MAX_NOTES} more notes cut)")
    return kept


def capped(result: SubmissionResult) -> SubmissionResult:
    """The result with every student-filled field within its cap; a failure
    result (0 points, the reason in its notes) when its JSON is still too large."""
    result = replace(result, student=writable(result.student), submission=writable(result.submission),
                     tests=[_capped_test(t) for t in result.tests], notes=capped_notes(result.notes),
                     isolation=cut(result.isolation, MAX_NOTE_CHARS))
    size = encoded_size(result)
    return result if size <= MAX_RESULT_BYTES else too_large(result, size)


def encoded_size(result: SubmissionResult) -> int:
    return len(json.dumps(result.to_json(), separators=(",", ":")).encode("utf-8"))


def too_large(result: SubmissionResult, size: int, limit: int = MAX_RESULT_BYTES) -> SubmissionResult:
    """What is recorded for a result too large to keep: every test at 0 points, and why."""
    reason = (f"Your result could not be recorded: at {size} bytes it is over the {limit}-byte limit "
              "(your notebook's messages or output are too large). No test counts.")
    tests = [TestResult(t.name, 0.0, t.max_score, "error", "not recorded: the result was too large", t.title,
                        t.concept, t.grader_error) for t in result.tests]
    return replace(result, tests=tests, notes=[reason])
