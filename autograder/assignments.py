"""The assignments this package grades: one folder of hidden tests each,
whose `__init__.py` declares the concepts, their points and the total."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from .errors import UnknownAssignment
from .grading.marks import Concept, check_declared

GRADERS = Path(__file__).parent / "graders"
# Only in a check package exported for students (`autograder export-check --concepts`): the concepts
# whose hidden tests it ships. Without it, every declared concept is graded.
SHIPPED_FILE = "shipped_concepts.txt"
DEFAULT_STUDENT_MODULES = ("numpy", "matplotlib", "torch")


@dataclass(frozen=True)
class Assignment:
    name: str

    @property
    def notebook(self) -> str:
        return f"{self.name}.ipynb"

    @property
    def tests(self) -> Path:
        return GRADERS / self.name

    def _declared(self, attribute: str, default=None):
        module = importlib.import_module(f"autograder.graders.{self.name}")
        if default is None and not hasattr(module, attribute):
            raise AttributeError(f"autograder/graders/{self.name}/__init__.py does not declare {attribute}")
        return getattr(module, attribute, default)

    @property
    def concepts(self) -> tuple[Concept, ...]:
        declared = tuple(self._declared("CONCEPTS"))
        shipped = self.shipped_concepts
        return declared if shipped is None else tuple(c for c in declared if c.name in shipped)

    @property
    def shipped_concepts(self) -> frozenset[str] | None:
        """The concepts a check package exported for students ships (None: all of them)."""
        path = self.tests / SHIPPED_FILE
        return frozenset(path.read_text().split()) if path.is_file() else None

    @property
    def total_points(self) -> float:
        if self.shipped_concepts is not None:
            return round(sum(c.points for c in self.concepts), 6)
        total = float(self._declared("TOTAL_POINTS"))
        check_declared(self.concepts, total)
        return total

    @property
    def student_modules(self) -> tuple[str, ...]:
        """What the warm template imports for this assignment's student processes."""
        return tuple(self._declared("STUDENT_MODULES", DEFAULT_STUDENT_MODULES))

    @property
    def denied_modules(self) -> tuple[str, ...]:
        """Modules whose files are not in this assignment's student filesystem at all."""
        return tuple(self._declared("DENIED_MODULES", ()))

    @property
    def program(self) -> tuple[str, ...]:
        """Grade ids of the solution cells that make the reference program (see grading/units.py)."""
        return tuple(self._declared("PROGRAM", ()))

    @property
    def units(self) -> dict[str, tuple[str, ...]]:
        """The units a student writes: each unit's name and the global names it defines."""
        return {name: tuple(names) for name, names in self._declared("UNITS", {}).items()}

    def concept_of(self, path: Path) -> Concept:
        for concept in self.concepts:
            if concept.file == Path(path).name:
                return concept
        raise LookupError(f"{path} belongs to no concept of {self.name}")

    def test_files(self) -> list[Path]:
        """The hidden test files, in the order the concepts are declared."""
        return [self.tests / c.file for c in self.concepts]


def assignment_names() -> list[str]:
    return sorted(p.name for p in GRADERS.iterdir() if p.is_dir() and any(p.glob("test_*.py")))


def get_assignment(name: str) -> Assignment:
    if name not in assignment_names():
        raise UnknownAssignment(f"unknown assignment {name!r}; known: {', '.join(assignment_names())}")
    return Assignment(name)
