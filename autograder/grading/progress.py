"""What a batch shows while it runs, on stderr: a live progress bar (rich)
when stderr is a terminal, else one plain line per submission."""
from __future__ import annotations

import sys
import time
from typing import TextIO

from .results import SubmissionResult


class BatchProgress:
    """Graded/total, submissions with failed tests, submissions that hit a
    limit, and the estimated time left."""

    def __init__(self, total: int, kept: int = 0, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.total, self.done, self.failed, self.limited = total, kept, 0, 0
        self.started = time.monotonic()
        self._live = None
        self._task = None

    def __enter__(self) -> "BatchProgress":
        if self.stream.isatty() and self.total > self.done:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._live = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("[red]{task.fields[failed]} with failed tests"),
                                  TextColumn("[yellow]{task.fields[limited]} hit a limit"),
                                  TextColumn("left:"), TimeRemainingColumn(),
                                  console=Console(file=self.stream), transient=False)
            self._live.start()
            self._task = self._live.add_task("grading", total=self.total, completed=self.done, failed=0, limited=0)
        return self

    def kept(self, result: SubmissionResult) -> None:
        self._line(f"kept {result.student}: {result.score:g}/{result.max_score:g} (already graded)")

    def graded(self, result: SubmissionResult) -> None:
        self.done += 1
        self.failed += any(t.outcome != "passed" for t in result.tests)
        self.limited += bool(result.limits_hit)
        if self._live is not None:
            self._live.update(self._task, completed=self.done, failed=self.failed, limited=self.limited)
        else:
            self._line(f"graded {result.student}: {result.score:g}/{result.max_score:g} "
                       f"({time.monotonic() - self.started:.1f} s so far, {self.done}/{self.total})")

    def _line(self, text: str) -> None:
        if self._live is None:
            print(text, file=self.stream, flush=True)

    def __exit__(self, *exc) -> None:
        if self._live is not None:
            self._live.stop()
