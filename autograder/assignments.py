"""The assignments this package grades: one folder of hidden tests each."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

GRADERS = Path(__file__).parent / "graders"


class UnknownAssignment(LookupError):
    pass


@dataclass(frozen=True)
class Assignment:
    name: str

    @property
    def notebook(self) -> str:
        return f"{self.name}.ipynb"

    @property
    def tests(self) -> Path:
        return GRADERS / self.name

    def test_files(self) -> list[Path]:
        """The hidden test files, in the order the assignment's package lists them."""
        order = getattr(importlib.import_module(f"autograder.graders.{self.name}"), "TEST_FILES", None)
        files = [self.tests / f for f in order] if order else sorted(self.tests.glob("test_*.py"))
        return files


def assignment_names() -> list[str]:
    return sorted(p.name for p in GRADERS.iterdir() if p.is_dir() and any(p.glob("test_*.py")))


def get_assignment(name: str) -> Assignment:
    if name not in assignment_names():
        raise UnknownAssignment(f"unknown assignment {name!r}; known: {', '.join(assignment_names())}")
    return Assignment(name)
