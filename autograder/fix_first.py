"""What one student should fix first: the functions of theirs whose failures explain the most lost points.

Read from one submission's results (`autograder/diagnosis.py` says which function each failure belongs to):

- **A function with a mistake** is one item: the points at stake (its own failed tests, and the tests
  using it with the student's other functions that put the mistake on it: "so the mistake is in your
  X"), its failed test with the smallest input and that test's message, and under it the failures
  elsewhere that it explains. A test that uses several functions and blames none goes under the one
  of them that lost the most points on its own tests (else under "your functions together").
  These items come first, the most points first.
- **Functions not written yet** (their tests fail on the released placeholder) make one item after them.
- **Failures of no function** come last, one item per concept.
- **An unattempted notebook** is one plain item: nothing written yet, start with the first function.

The smallest input is the failed test whose message names the fewest numbers between " for " and
": expected" (the graders' "WHAT for INPUTS: expected E, got G"); a message without that shape comes
after those with it, and among equals the shortest message, then the first in test order.
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, replace

from .assignments import Assignment
from .diagnosis import NOT_WRITTEN, TOGETHER, Failure, contract, detail, failures, unattempted, used
from .grading.results import SubmissionResult

MISTAKE, NOT_WRITTEN_YET, OTHER, UNATTEMPTED = "mistake", "not written", "other", "unattempted"
MESSAGE_LINES = 8  # of a shown message, each cut to MESSAGE_CHARS
MESSAGE_CHARS = 400
WIDTH = 100
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _points(value: float) -> str:
    points = f"{round(value, 2):g}"
    return f"{points} point" if points == "1" else f"{points} points"


@dataclass(frozen=True)
class Lost:
    """A failed test: what it checks, and the points it lost."""

    title: str
    points: float

    def __str__(self) -> str:
        return f"{self.title} ({_points(self.points)})"


@dataclass(frozen=True)
class FixItem:
    """One thing to fix: a function of the student's, or a group of failures that belong to none."""

    kind: str  # MISTAKE, NOT_WRITTEN_YET, OTHER or UNATTEMPTED
    heading: str  # the function's name, or what the group's failures have in common
    points: float  # at stake: its own failed tests and the failures it explains
    example: Lost | None = None  # its failed test with the smallest input
    message: str = ""  # that test's message, cut short
    own: tuple[Lost, ...] = ()  # its own failed tests, the example among them
    explained: tuple[Lost, ...] = ()  # failed tests that use it with other functions, which it explains
    advice: str = ""  # a plain sentence, where there is no message to show

    @property
    def example_label(self) -> str:
        """'Smallest failing input' when the example's message names its input, else 'First failing check'
        (a quiz's answer, a notebook-level check)."""
        return "Smallest failing input" if input_size(self.message) is not None else "First failing check"

    @property
    def headline(self) -> str:
        return f"{self.heading}: {_points(self.points)} at stake"

    @property
    def other_own(self) -> str:
        """What the example leaves out of its own failures, as a sentence ('' when nothing)."""
        rest = [lost for lost in self.own if lost != self.example]
        if not rest:
            return ""
        return f"{len(rest)} more of its own tests failed ({_points(sum(lost.points for lost in rest))})."

    @property
    def explained_intro(self) -> str:
        return "It also explains these failures of tests that use it with your other functions:"


# ---------------------------------------------------------------- which failures go together


def input_size(message: str) -> int | None:
    """How many numbers the failed test's input holds, when its message has the graders' usual shape."""
    head, found, _ = message.partition(": expected")
    _, has_input, inputs = head.partition(" for ")
    return len(NUMBER.findall(inputs)) if found and has_input else None


def smallest(found: list[Failure]) -> Failure:
    """The failure with the smallest input (see the module's docstring), the first one among equals."""
    def key(f: Failure) -> tuple:
        size = input_size(detail(f.test))
        return size is None, size or 0, len(f.test.message)
    return min(found, key=key)


def cut(message: str) -> str:
    """A message cut to a few lines of a few hundred characters each."""
    lines = message.strip().splitlines() or ["(no message)"]
    shown = [line if len(line) <= MESSAGE_CHARS else line[:MESSAGE_CHARS - 3] + "..." for line in lines]
    more = len(lines) - MESSAGE_LINES
    return "\n".join(shown[:MESSAGE_LINES] + ([f"... ({more} more lines)"] if more > 0 else []))


def _lost(f: Failure) -> Lost:
    return Lost(f.test.title or f.test.name, f.lost)


@dataclass
class _Unit:
    own: list[Failure]
    explained: list[Failure]

    @property
    def own_lost(self) -> float:
        return sum(f.lost for f in self.own)


def _home(f: Failure, units: dict[str, _Unit], declared: tuple[str, ...]) -> str | None:
    """The function a failure of a test using several functions goes under; None: under none of them."""
    if f.units:
        return next((u for u in f.units if units.get(u) and units[u].own), " or ".join(f.units))
    candidates = [u for u in used(f.test, declared) if units.get(u) and units[u].own]
    return max(candidates, key=lambda u: units[u].own_lost) if candidates else None


def _by_unit(found: list[Failure], declared: tuple[str, ...]) -> tuple[dict[str, _Unit], list[Failure]]:
    """Failures by the function they go under, and those that go under none."""
    units: dict[str, _Unit] = {}
    for f in found:
        if not f.joint and f.units:
            units.setdefault(f.units[0], _Unit([], [])).own.append(f)
    loose = []
    for f in found:
        if f.joint and (home := _home(f, units, declared)):
            units.setdefault(home, _Unit([], [])).explained.append(f)
        elif f.joint or not f.units:
            loose.append(f)
    return units, loose


# ---------------------------------------------------------------- the items


def _mistake(name: str, unit: _Unit) -> FixItem:
    written = [f for f in unit.own if f.kind != NOT_WRITTEN] or unit.explained
    example = smallest(written)
    return FixItem(MISTAKE, name, unit.own_lost + sum(f.lost for f in unit.explained), _lost(example),
                   cut(detail(example.test)), tuple(_lost(f) for f in unit.own),
                   tuple(_lost(f) for f in unit.explained))


def _not_written(names: list[str], units: dict[str, _Unit]) -> FixItem:
    own = [f for name in names for f in units[name].own]
    explained = [f for name in names for f in units[name].explained]
    return FixItem(NOT_WRITTEN_YET, f"Not written yet: {', '.join(names)}",
                   sum(f.lost for f in own + explained), own=tuple(_lost(f) for f in own),
                   explained=tuple(_lost(f) for f in explained),
                   advice=f"These still raise NotImplementedError, as released: start with {names[0]}.")


def _group(heading: str, found: list[Failure]) -> FixItem:
    example = smallest(found)
    return FixItem(OTHER, heading, sum(f.lost for f in found), _lost(example), cut(detail(example.test)),
                   tuple(_lost(f) for f in found))


def _others(loose: list[Failure], assignment: Assignment) -> list[FixItem]:
    """The failures of no single function: those of tests using several, then the rest by concept."""
    items = []
    together = [f for f in loose if f.joint]
    if together:
        items.append(_group(f"Tests that use {TOGETHER}", together))
    for concept in assignment.concepts:
        found = [f for f in loose if not f.joint and f.test.concept == concept.name]
        if found:
            items.append(_group(f"Other checks of {concept.heading}", found))
    rest = [f for f in loose if not f.joint and f.test.concept not in {c.name for c in assignment.concepts}]
    return items + ([_group("Other checks", rest)] if rest else [])


def fix_first(result: SubmissionResult, assignment: Assignment, with_reference: bool = True) -> list[FixItem]:
    """What to fix first, in order (none when every test passed). Without the reference solution
    (`with_reference=False`: a check package for students), each function was tested with the
    student's others, so a mistake shows up in the functions that use it too: the functions with a
    mistake then come in the order their first failed test ran (the graders check the building
    blocks, such as layers, before what is built from them)."""
    declared = tuple(assignment.units)
    if unattempted(result):
        start = declared[0] if declared else "the first exercise"
        return [FixItem(UNATTEMPTED, "Nothing written yet", result.max_score - result.score,
                        advice=f"Every test failed on the released placeholders: start with {start}.")]
    units, loose = _by_unit(failures([result], contract(assignment.name)), declared)
    order = {name: i for i, name in enumerate(declared)}
    ranked = sorted(units, key=lambda name: order.get(name, len(order)))
    placeholders = [n for n in ranked if units[n].own and all(f.kind == NOT_WRITTEN for f in units[n].own)]
    mistakes = [_mistake(n, units[n]) for n in ranked if n not in placeholders]
    if with_reference:
        mistakes.sort(key=lambda i: -i.points)
    else:
        ran = {t.name: i for i, t in enumerate(result.tests)}
        first = {n: min(ran[f.test.name] for f in units[n].own + units[n].explained) for n in ranked}
        mistakes.sort(key=lambda i: first[i.heading])
    if not with_reference and len(mistakes) > 1:
        later = ", ".join(i.heading for i in mistakes[1:])
        mistakes[0] = replace(mistakes[0], advice=f"Fix this one first: {later} may only fail because they use it "
                                                  "(checked here with your own functions, not the reference's).")
    return mistakes + ([_not_written(placeholders, units)] if placeholders else []) + _others(loose, assignment)


# ---------------------------------------------------------------- as text


def _wrapped(text: str, indent: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False) or [indent.rstrip()]


def _item_lines(number: int, item: FixItem, width: int) -> list[str]:
    lines = _wrapped(f"{number}. {item.headline}", "", width)
    if item.advice:
        lines += _wrapped(item.advice, "   ", width)
    if item.example:
        lines += _wrapped(f"{item.example_label}: {item.example}", "   ", width)
        for line in item.message.splitlines():
            lines += _wrapped(line, "     ", width)
    if item.other_own:
        lines += _wrapped(item.other_own, "   ", width)
    if item.explained:
        lines += _wrapped(item.explained_intro, "   ", width)
        for lost in item.explained:
            lines += _wrapped(f"- {lost}", "     ", width)
    return lines


def render_text(items: list[FixItem], width: int = WIDTH) -> str:
    """The 'Fix this first' block as plain text wrapped to `width` columns ('' when there is nothing to fix)."""
    if not items:
        return ""
    lines = ["Fix this first", "=============="]
    for number, item in enumerate(items, 1):
        lines += _item_lines(number, item, width) + [""]
    return "\n".join(lines)
