"""What a class's failures say about what it misunderstands.

Read from the results alone (what `autograder grade` saved; no notebook is
opened again): which submissions were not attempted, which student function
each failure belongs to and what kind of failure it is, and what a wrong
function costs further on.

- **Unattempted.** The released notebook's placeholders raise
  NotImplementedError. A submission is unattempted when no test passed and
  every test failed on a placeholder: its message names NotImplementedError,
  or says a name is not defined while a note says a cell raised
  NotImplementedError when the notebook ran from the top (a placeholder at a
  cell's top level leaves its names undefined). A notebook with any written
  function that runs (right or wrong) is attempted.
- **The function at fault.** A test's own function is the unit of the
  contract clause that names it (`autograder/graders/<a>/contract.py`). A
  test that uses several of the student's units together (`Units.joint`)
  names the one at fault in its message ("so the mistake is in your X"); when
  none is, the failure belongs to them all together.
- **The kind.** timeout, over a limit, not written (a placeholder), the
  exception raised, could not run, the notebook's contract, or a wrong value.
"""
from __future__ import annotations

import importlib
import re
from collections import Counter
from dataclasses import dataclass, field

from .grading.contract import Clause
from .grading.results import SubmissionResult, TestResult

PLACEHOLDER = "NotImplementedError"
UNDEFINED = "is not defined"
JOINT = "This test uses your "
USES = re.compile(r"^This test uses your (.+?) together;")
BLAME = re.compile(r"so the mistake is in your (.+?)\.$")
RAISED = re.compile(r"\braised ([\w.]*[A-Z]\w*)")
TOGETHER = "several of your units together"
NOT_WRITTEN = "not written"


def first_line(message: str) -> str:
    return next((line.strip() for line in message.splitlines() if line.strip()), "")


def _on_placeholder(test: TestResult, placeholder_cell: bool) -> bool:
    return PLACEHOLDER in test.message or (placeholder_cell and UNDEFINED in test.message)


def unattempted(result: SubmissionResult) -> bool:
    """No test passed and every one failed on a placeholder of the released notebook."""
    if not result.tests or any(t.outcome == "passed" for t in result.tests):
        return False
    placeholder_cell = any(PLACEHOLDER in note for note in result.notes)
    return all(_on_placeholder(t, placeholder_cell) for t in result.tests)


def contract(assignment: str) -> tuple[Clause, ...]:
    """The assignment's contract clauses (none when its graders declare no contract)."""
    try:
        module = importlib.import_module(f"autograder.graders.{assignment}.contract")
    except ModuleNotFoundError:
        return ()
    return tuple(module.CONTRACT)


def _case(name: str) -> str:
    return name.split("::")[-1]


def own_unit(test_name: str, clauses: tuple[Clause, ...]) -> str | None:
    """The unit whose contract clause names this test (a function name, or a case-id prefix)."""
    case = _case(test_name)
    for clause in clauses:
        for ref in clause.tests:
            if case.startswith(ref) if "[" in ref else case.split("[")[0] == ref:
                return clause.unit
    return None


def is_joint(test: TestResult) -> bool:
    return test.message.startswith(JOINT)


def blamed(test: TestResult) -> tuple[str, ...]:
    """The units a joint test found at fault (one, or alternatives), none when no single one explains it."""
    found = BLAME.search(first_line(test.message)) if is_joint(test) else None
    return tuple(found.group(1).split(" or ")) if found else ()


def used(test: TestResult, declared: tuple[str, ...]) -> tuple[str, ...]:
    """The units a failed joint test used together (all declared ones when its message only counts them)."""
    found = USES.match(test.message)
    names = tuple(found.group(1).split(", ")) if found else ()
    return names if names and all(n in declared for n in names) else declared


def detail(test: TestResult) -> str:
    """The message without a joint test's first line (which only says who is at fault)."""
    return test.message.split("\n", 1)[1] if is_joint(test) and "\n" in test.message else test.message


def failure_kind(test: TestResult) -> str:
    if test.outcome == "timeout":
        return "timeout"
    text = first_line(detail(test))
    if "limit" in text:
        return "over a limit"
    if PLACEHOLDER in text:
        return NOT_WRITTEN
    raised = RAISED.search(text)
    if raised:
        return f"raises {raised.group(1)}"
    if test.outcome == "error":
        return "could not run"
    if "contract" in _case(test.name).split("[")[0]:
        return "contract"
    return "wrong value"


@dataclass(frozen=True)
class Failure:
    student: str
    test: TestResult
    units: tuple[str, ...]  # at fault; () when unknown or several together
    kind: str
    joint: bool

    @property
    def lost(self) -> float:
        return self.test.max_score - self.test.score

    @property
    def unit(self) -> str:
        if self.units:
            return " or ".join(self.units)
        return TOGETHER if self.joint else (self.test.concept or "(no unit)")


def failures(results: list[SubmissionResult], clauses: tuple[Clause, ...]) -> list[Failure]:
    """Every test that did not pass, with the unit at fault and the kind of failure."""
    out = []
    for result in results:
        for t in result.tests:
            if t.outcome == "passed":
                continue
            joint, own = is_joint(t), own_unit(t.name, clauses)
            units = blamed(t) if joint else (own,) if own else ()
            out.append(Failure(result.student, t, units, failure_kind(t), joint))
    return out


# ---------------------------------------------------------------- failures by function and kind


@dataclass
class KindGroup:
    unit: str
    kind: str
    students: list[str] = field(default_factory=list)  # each once, in the order they failed
    failures: int = 0
    lost: float = 0.0
    tests: Counter = field(default_factory=Counter)  # test title -> failures
    messages: Counter = field(default_factory=Counter)  # normalised first line -> failures
    example: str = ""


def kind_groups(found: list[Failure], normalise) -> list[KindGroup]:
    """Failures grouped by the function at fault and the kind of failure, the most students first."""
    groups: dict[tuple[str, str], KindGroup] = {}
    for f in found:
        group = groups.setdefault((f.unit, f.kind), KindGroup(f.unit, f.kind, example=f.test.message.strip()))
        if f.student not in group.students:
            group.students.append(f.student)
        group.failures += 1
        group.lost += f.lost
        group.tests[f.test.title or f.test.name] += 1
        group.messages[normalise(detail(f.test))] += 1
    return sorted(groups.values(), key=lambda g: (-len(g.students), -g.lost))


# ---------------------------------------------------------------- root causes


@dataclass
class RootCause:
    unit: str
    students: list[str] = field(default_factory=list)  # failing its own tests, or blamed by a joint test
    not_written: list[str] = field(default_factory=list)  # its tests fail on the placeholder only
    own_lost: float = 0.0  # points lost on its own tests by those students
    downstream_lost: float = 0.0  # points lost on joint tests that blame it, or that used it and blame no one
    downstream_tests: Counter = field(default_factory=Counter)  # title -> failures

    @property
    def lost(self) -> float:
        return self.own_lost + self.downstream_lost


def _failing(found: list[Failure], unit: str) -> list[str]:
    students = []
    for f in found:
        if unit in f.units and f.kind != NOT_WRITTEN and f.student not in students:
            students.append(f.student)
    return students


def _not_written(found: list[Failure], unit: str, failing: list[str]) -> list[str]:
    students = []
    for f in found:
        if (not f.joint and f.units == (unit,) and f.kind == NOT_WRITTEN and f.student not in failing
                and f.student not in students):
            students.append(f.student)
    return students


def root_causes(found: list[Failure], declared: tuple[str, ...]) -> list[RootCause]:
    """For each declared unit some student got wrong: who, and the points it cost, the most first."""
    rows = []
    for unit in declared:
        row = RootCause(unit, _failing(found, unit))
        row.not_written = _not_written(found, unit, row.students)
        for f in found:
            if f.student not in row.students:
                continue
            if not f.joint and f.units == (unit,):
                row.own_lost += f.lost
            elif f.joint and (unit in f.units or (not f.units and unit in used(f.test, declared))):
                row.downstream_lost += f.lost
                row.downstream_tests[f.test.title or f.test.name] += 1
        if row.students or row.not_written:
            rows.append(row)
    return sorted(rows, key=lambda r: (-len(r.students), -r.lost))


# ---------------------------------------------------------------- each student's functions


def joint_names(found: list[Failure]) -> set[str]:
    """The tests that used several units together, as their failures show."""
    return {f.test.name for f in found if f.joint}


def unit_shares(result: SubmissionResult, clauses: tuple[Clause, ...], declared: tuple[str, ...],
                joint: set[str]) -> list[float | None]:
    """Per declared unit, the share of its own tests' points this student got (joint tests aside);
    None where it has no test here or every one of them failed on the placeholder."""
    own = [(own_unit(t.name, clauses), t) for t in result.tests if t.name not in joint]
    shares = []
    for unit in declared:
        tests = [t for u, t in own if u == unit]
        maximum = sum(t.max_score for t in tests)
        written = [t for t in tests if t.outcome == "passed" or failure_kind(t) != NOT_WRITTEN]
        shares.append(sum(t.score for t in tests) / maximum if written and maximum else None)
    return shares
