"""A notebook's contract, clause by clause, and the hidden test cases that check each one.

Each assignment's grader package has a `contract.py` with `CONTRACT`, a tuple
of `Clause`s: a sentence of the notebook (what the student is told a
function must do) and the tests that check it, each named as the test
function ("test_topo_sort") or one of its cases ("test_op_gradient[Summation(-1)"
matches every case whose id starts so). `source_tests/test_unit_contracts.py`
fails when a clause has no case, or names a case that does not exist.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clause:
    unit: str  # the student's function or class the clause is about
    text: str  # the notebook's words (or a faithful summary of them)
    tests: tuple[str, ...]  # test names or case-id prefixes that check it
