"""The assignments this package grades: one folder of hidden tests each."""
from __future__ import annotations

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


def assignment_names() -> list[str]:
    return sorted(p.name for p in GRADERS.iterdir() if p.is_dir() and any(p.glob("test_*.py")))


def get_assignment(name: str) -> Assignment:
    if name not in assignment_names():
        raise UnknownAssignment(f"unknown assignment {name!r}; known: {', '.join(assignment_names())}")
    return Assignment(name)
