"""Property-based checks for grader tests: hypothesis examples seeded per
course secret, student and test, shrunk so that a failure shows a small
failing example."""
from __future__ import annotations

from typing import Any, Callable

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import Flaky
from hypothesis.strategies import SearchStrategy

from autograder.sandbox.errors import StudentCrashed, StudentTimeout


def check_examples(strategy: SearchStrategy, seed: int, max_examples: int, check: Callable[[Any], None]) -> None:
    """Run `check` on examples drawn from `strategy`; raise the failure of the
    smallest failing example. A student process that crashes or runs out of
    time ends the search (that failure is raised as it is): nothing to shrink."""
    ended: list[BaseException] = []

    @settings(max_examples=max_examples, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              verbosity=Verbosity.quiet, phases=(Phase.generate, Phase.shrink), report_multiple_bugs=False,
              print_blob=False)
    @given(strategy)
    def run(example):
        if ended:
            return
        try:
            check(example)
        except (StudentCrashed, StudentTimeout) as exc:
            ended.append(exc)

    try:
        hypothesis.seed(seed)(run)()
    except Flaky as exc:
        raise AssertionError("your code gave different results on the same example when it was run again "
                             f"({str(exc).splitlines()[0][:200]})") from None
    if ended:
        raise ended[0]
