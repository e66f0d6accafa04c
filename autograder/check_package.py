"""`autograder export-check`: the package students install to run
`autograder check`, without anything that gives the work away.

It is this package minus: the reference solutions (`solutions/` is outside
the package, and never copied), the variants (correct and buggy ways of
writing every exercise, `autograder/variants/`) and the demo that uses
them, the other assignments' graders, and, with `--concepts`, the hidden
test files of every concept not named (a `shipped_concepts.txt` beside them
tells the check which ones it has). What stays is the hidden graders' code
of the concepts shipped: students can read what is checked, never the
course's secret draws nor a solution.
"""
from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from .assignments import GRADERS, SHIPPED_FILE, Assignment
from .errors import CannotRun

PACKAGE = Path(__file__).resolve().parent
QUIZ_KEY = "key.json"  # a quiz's graders hold its answers (autograder/quiz)
LEFT_OUT = ("variants", "demo.py", "__pycache__", "*.pyc")  # what gives the work away, and caches


def _dependencies() -> list[str]:
    pyproject = PACKAGE.parent / "pyproject.toml"
    try:
        return list(tomllib.loads(pyproject.read_text())["project"]["dependencies"])
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise CannotRun(f"could not read the package's dependencies from {pyproject} ({exc})") from None


def _pyproject(name: str) -> str:
    deps = "".join(f'    "{d}",\n' for d in _dependencies() if not d.startswith(("nbgrader", "jupyter")))
    return (f'[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "{name}"\nversion = "0.1.0"\n'
            f'description = "autograder check: the course\'s graders, to check a notebook before submitting it"\n'
            f'requires-python = ">=3.10"\ndependencies = [\n{deps}]\n\n'
            f'[project.scripts]\nautograder = "autograder.cli:main"\n\n'
            f'[tool.setuptools.packages.find]\ninclude = ["autograder*"]\n\n'
            f'[tool.setuptools.package-data]\n"autograder.graders" = ["pytest.ini", "*/{SHIPPED_FILE}"]\n'
            f'"autograder" = ["templates/*.j2"]\n')


def shipped_concepts(assignments: list[Assignment], named: list[str]) -> dict[str, list[str] | None]:
    """Per assignment, the concepts to ship (None: all). A name is `assignment:concept`, or a bare
    concept name when only one of the assignments has it; an assignment none of whose concepts is
    named ships them all."""
    chosen: dict[str, list[str]] = {a.name: [] for a in assignments}
    for name in named:
        where, _, concept = name.rpartition(":")
        owners = [a for a in assignments if (not where or a.name == where) and concept in [c.name for c in a.concepts]]
        if len(owners) != 1:
            known = ", ".join(f"{a.name}:{c.name}" for a in assignments for c in a.concepts)
            why = "is not a concept of the assignments named" if not owners else "is in several: write ASSIGNMENT:CONCEPT"
            raise CannotRun(f"--concepts {name} {why} (their concepts: {known})")
        chosen[owners[0].name].append(concept)
    return {a.name: [c.name for c in a.concepts if c.name in chosen[a.name]] or None for a in assignments}


def export_check(assignments: list[Assignment], output: Path, concepts: list[str] = ()) -> Path:
    """Write the check package to `output` (a new folder), with only the `concepts` named
    (see shipped_concepts) or all of them."""
    output = Path(output)
    if output.exists():
        raise CannotRun(f"{output} already exists: name a new folder")
    quizzes = [a.name for a in assignments if (GRADERS / a.name / QUIZ_KEY).is_file()]
    if quizzes:
        raise CannotRun(f"{', '.join(quizzes)} is a quiz: its graders are its answer key, so a check package "
                        "would hand students the answers")
    shipped = shipped_concepts(assignments, list(concepts))
    target = output / "autograder"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns(*LEFT_OUT))
    for folder in (target / "graders").iterdir():
        if folder.is_dir() and folder.name not in shipped and (GRADERS / folder.name / "__init__.py").is_file():
            shutil.rmtree(folder)
    for assignment in assignments:
        names = shipped[assignment.name]
        if names is None:
            continue
        folder = target / "graders" / assignment.name
        for concept in assignment.concepts:
            if concept.name not in names:
                (folder / concept.file).unlink()
        (folder / SHIPPED_FILE).write_text("\n".join(names) + "\n")
    (output / "pyproject.toml").write_text(_pyproject("autograder-check"))
    (output / "README.md").write_text(
        "# autograder check\n\nInstall with `pip install .` in the course's environment, then run "
        "`autograder check ASSIGNMENT NOTEBOOK.ipynb` (or the last cell of each notebook). It runs the course's "
        f"graders on public draws for: {', '.join(a.name for a in assignments)}.\n")
    return output
