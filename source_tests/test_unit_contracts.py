"""Every clause of each notebook's contract has hidden test cases, and every case it names exists (fast)."""
from __future__ import annotations

import importlib

import pytest

from autograder.assignments import assignment_names, get_assignment


class _Collector:
    def __init__(self):
        self.names: list[str] = []

    def pytest_collection_modifyitems(self, items):
        self.names.extend(item.name for item in items)


@pytest.fixture(scope="module")
def collected() -> dict[str, list[str]]:
    found = {}
    for name in assignment_names():
        collector = _Collector()
        code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                            *map(str, get_assignment(name).test_files())], plugins=[collector])
        assert code == 0, f"collecting the graders of {name} failed ({code})"
        found[name] = collector.names
    return found


def _matches(reference: str, names: list[str]) -> bool:
    if "[" not in reference:
        return any(n.split("[")[0] == reference for n in names)
    return any(n.startswith(reference) for n in names)


@pytest.mark.parametrize("assignment", assignment_names())
def test_every_clause_has_a_case(collected, assignment):
    contract = importlib.import_module(f"autograder.graders.{assignment}.contract").CONTRACT
    units = get_assignment(assignment).units
    assert len(contract) >= 5, f"{assignment}: the contract table has only {len(contract)} clauses"
    for clause in contract:
        assert clause.tests, f"{assignment}: no hidden case checks {clause.unit}: {clause.text!r}"
        assert clause.unit in units, f"{assignment}: {clause.unit!r} is not a declared unit ({sorted(units)})"
        missing = [t for t in clause.tests if not _matches(t, collected[assignment])]
        assert not missing, f"{assignment}: {clause.unit}: {clause.text!r} names cases that do not exist: {missing}"


@pytest.mark.parametrize("assignment", assignment_names())
def test_every_unit_has_a_clause(assignment):
    contract = importlib.import_module(f"autograder.graders.{assignment}.contract").CONTRACT
    without = set(get_assignment(assignment).units) - {c.unit for c in contract}
    assert not without, f"{assignment}: units without a clause in the contract table: {sorted(without)}"
