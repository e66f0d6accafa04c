"""`autograder check`: a student's notebook graded by the real graders, on
public draws, before they submit.

The same hidden tests as the grading, in the same fenced student process,
with the same messages; only the random draws differ. They come from a
public seed instead of the course's secret, so the check reveals nothing of
the values the grading uses (the challenge's hidden parameters among them):
passing it is strong evidence, not a guarantee.

Where the reference solution is at hand (`solutions/`, as on an
instructor's machine), it is graded first, as in every batch: it sets the
time limits and stands in for the student's other functions while each one
is checked. A package exported for students (`autograder export-check`)
has no solution: each function is then checked together with the student's
others, and the time limits are the uncalibrated defaults.

From a notebook, the last cell of each released notebook runs `check()`:
it finds the notebook, runs `python -m autograder check` on the file as last
saved, and shows its output as it comes. The loader never runs that cell
when grading (notebook.py).
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TextIO

from .assignments import Assignment
from .errors import NoSuchPath
from .grading.results import SubmissionResult, TestResult
from .submissions import Submission

PUBLIC_SEED = "autograder check: public draws, not the course's"
CHECK_STUDENT = "check"
PROGRESS_ENV = "AUTOGRADER_CHECK_PROGRESS"  # "cr": one progress line rewritten in place (a notebook's output)
WIDTH = 100
MESSAGE_LINES = 16  # of each failing check's message


@dataclass(frozen=True)
class CheckRun:
    """One check: the result on public draws and how it was made."""

    result: SubmissionResult
    assignment: Assignment
    with_reference: bool  # the reference solution was at hand (time limits and the other functions)
    isolated: bool  # the student process was fenced in as in the grading


# ---------------------------------------------------------------- running it


class Progress:
    """One line on `stream` per concept, or a line rewritten in place (a terminal, a notebook)."""

    def __init__(self, assignment: Assignment, stream: TextIO):
        self.headings = {c.name: c.heading for c in assignment.concepts}
        self.stream = stream
        self.in_place = stream.isatty() or os.environ.get(PROGRESS_ENV) == "cr"
        self.concept: str | None = None

    def __call__(self, concept: str, index: int, total: int) -> None:
        heading = self.headings.get(concept, concept)
        if self.in_place:
            self.stream.write(f"\r  checking {index + 1}/{total}: {heading[:60]:<60}")
        elif concept != self.concept:
            self.stream.write(f"  checking {heading} (from check {index + 1} of {total})\n")
        self.concept = concept
        self.stream.flush()

    def phase(self, text: str) -> None:
        """A new stage: what is checked next."""
        self.done()
        self.stream.write(f"{text}\n")
        self.stream.flush()
        self.concept = None

    def done(self) -> None:
        if self.in_place:
            self.stream.write("\r" + " " * 80 + "\r")
            self.stream.flush()


def calibration_cache() -> Path:
    base = os.environ.get("AUTOGRADER_CALIBRATION_CACHE") or \
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "autograder" / "calibration"
    return Path(base)


def run_check(assignment: Assignment, notebook: Path, progress: Progress, limits=None) -> CheckRun:
    """Grade `notebook` with the hidden tests on public draws (raises ReferenceFailed when the
    reference solution at hand does not pass: the environment is broken, not the student's work)."""
    from .grading.batch import Batch, BatchOptions
    from .grading.calibration import (CalibrationCache, calibration_of, check_reference, reference_notebook,
                                      reference_submission)
    from .grading.runner import grade_one, run_session
    from .sandbox.isolation import UNISOLATED
    from .sandbox.limits import Limits

    with_reference = reference_notebook(assignment).is_file()
    options = BatchOptions(limits or Limits(), jobs=1, allow_unisolated=True)
    submission = Submission(CHECK_STUDENT, notebook, root=notebook.parent)
    with Batch(assignment, PUBLIC_SEED, options) as batch:
        batch.start()
        context = replace(batch.contexts[0], units_from_reference=with_reference)
        client = batch.zygote.clients[1]
        cache = CalibrationCache(calibration_cache(), assignment) if with_reference else None
        results: list[SubmissionResult] = []

        def jobs():
            calibration = cache.load() if cache is not None else None
            if cache is not None and calibration is None:  # the reference first: it sets the limits
                progress.phase("First the course's reference solution, which sets the time limits (once on this "
                               "machine):")
                reference = yield from grade_one(context, client, reference_submission(assignment))
                check_reference(assignment, reference)
                calibration = calibration_of(reference)
                cache.save(calibration)
                progress.phase("Then your notebook:")
            results.append((yield from grade_one(replace(context, calibration=calibration), client, submission)))

        run_session(context, jobs(), progress)
        isolated = batch.contexts[0].fence.mode != UNISOLATED
    return CheckRun(results[0], assignment, with_reference, isolated)


# ---------------------------------------------------------------- what the student reads


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def _message(test: TestResult, indent: str) -> str:
    lines = (test.message or "(no message)").splitlines()
    shown = lines[:MESSAGE_LINES] + ([f"... ({len(lines) - MESSAGE_LINES} more lines)"]
                                     if len(lines) > MESSAGE_LINES else [])
    return "\n".join(indent + line for line in shown)


def _concept_section(heading: str, score: float, max_score: float, tests: list[TestResult]) -> list[str]:
    passed = [t for t in tests if t.outcome == "passed"]
    lines = [f"{heading}: {score:g} / {max_score:g}"]
    if passed:
        lines.append(f"  passed: {len(passed)} of {len(tests)} checks")
    for t in tests:
        if t.outcome == "passed":
            continue
        word = "TIMED OUT" if t.outcome == "timeout" else "FAILED"
        lines.append(f"  {word}: {t.title or t.name} ({t.max_score:g} point{'s' if t.max_score != 1 else ''})")
        lines.append(_message(t, "      "))
    return lines


def render(run: CheckRun, saved: datetime | None = None) -> str:
    """The check's report: what to fix first, then each concept's checks with the messages of
    the failing ones, then the total; never the hidden tests' code."""
    from .fix_first import fix_first, render_text

    result, assignment = run.result, run.assignment
    when = f" as saved at {saved:%Y-%m-%d %H:%M:%S}" if saved else ""
    out = [f"autograder check: {Path(result.submission).name}{when}",
           _wrap("These are the real graders on public draws. The hidden grading runs the same checks on other "
                 "values, so passing here is strong evidence, not a guarantee of full marks.", "")]
    shipped = assignment.shipped_concepts
    if shipped is not None:
        out.append(_wrap("Your course ships only some of the graded parts for checking; the others are graded "
                         "after the deadline only.", ""))
    if not run.with_reference:
        out.append(_wrap("Each function is checked together with your other functions here (the grading puts the "
                         "reference solution in their place), so one mistake can show up in several checks.", ""))
    if not run.isolated:
        out.append(_wrap("Note: this machine does not let the check fence your code in as the grading does; it "
                         "ran as an ordinary process of yours. The checks are the same.", ""))
    items = fix_first(result, assignment, run.with_reference)
    if items:
        out += ["", render_text(items)]
    if result.notes:
        out += ["", "Your notebook, run from the top"] + [_wrap(note, "  ") for note in result.notes]
    if result.limits_hit:
        out += ["", "Limits your code ran into"] + [_wrap(item, "  - ") for item in result.limits_hit]
    headings = {c.name: c.heading for c in assignment.concepts}
    for name, (score, max_score) in result.concept_scores().items():
        out += [""] + _concept_section(headings.get(name, name), score, max_score,
                                       [t for t in result.tests if t.concept == name])
    failed = sum(t.outcome != "passed" for t in result.tests)
    verdict = "every check passed" if not failed else f"{failed} of {len(result.tests)} checks did not pass"
    out += ["", f"Total on these draws: {result.score:g} / {result.max_score:g}: {verdict}."]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- from a notebook


def _this_notebook(assignment: str | None) -> Path:
    """The notebook a kernel runs: what Jupyter Server (JPY_SESSION_NAME) or VS Code says, else the
    assignment's notebook in the working folder."""
    for candidate in (os.environ.get("JPY_SESSION_NAME"), _vscode_notebook()):
        if candidate and candidate.endswith(".ipynb") and Path(candidate).is_file():
            return Path(candidate).resolve()
    if assignment:
        path = Path.cwd() / f"{assignment}.ipynb"
        if path.is_file():
            return path
    found = sorted(Path.cwd().glob("*.ipynb"))
    if len(found) == 1:
        return found[0]
    raise NoSuchPath("could not tell which notebook this is: call check(\"ASSIGNMENT\", \"path/to/notebook.ipynb\")")


def _vscode_notebook() -> str | None:
    main = sys.modules.get("__main__")
    return getattr(main, "__vsc_ipynb_file__", None)


def check(assignment: str | None = None, notebook: str | None = None) -> None:
    """Check this notebook, as last saved, with the real graders on public draws (save it first)."""
    path = Path(notebook).resolve() if notebook else _this_notebook(assignment)
    name = assignment or path.stem
    saved = datetime.fromtimestamp(path.stat().st_mtime)
    if time.time() - path.stat().st_mtime > 60:
        print(f"Checking {path.name} as last saved, at {saved:%H:%M:%S}: save the notebook first (Ctrl-S) "
              "if you changed it since.", flush=True)
    env = {**os.environ, PROGRESS_ENV: "cr", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "autograder", "check", name, str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    while chunk := os.read(process.stdout.fileno(), 4096):
        print(chunk.decode("utf-8", "replace"), end="", flush=True)
    process.wait()
