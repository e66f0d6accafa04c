"""The main job, end to end: release with nbgrader, a simulated class fetches
and submits through nbgrader, the instructor collects and grades."""
from __future__ import annotations

import importlib
import shutil
import sys
import time
from pathlib import Path

from .assignments import assignment_names, get_assignment
from .nbgrader_ops import collect, fetch_as_student, release, submit_as_student
from .variants import write_variant

REPO = Path(__file__).resolve().parent.parent
MARKER = ".autograder-demo"
COURSE_ID = "autodiff"


def _fresh(root: Path) -> None:
    if root.exists():
        if not (root / MARKER).exists():
            raise SystemExit(f"refusing to wipe {root}: it is not a demo folder made by `autograder demo`")
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / MARKER).write_text("made by `autograder demo`; wiped on the next run\n")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_demo(root: Path, assignments: list[str] | None = None) -> int:
    from .cli import main as cli_main

    names = assignments or assignment_names()
    root = root.resolve()
    _fresh(root)
    course, exchange = root / "course", root / "exchange"
    exchange.mkdir()
    course.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    for name in names:
        assignment = get_assignment(name)
        t0 = time.monotonic()
        shutil.copytree(REPO / "solutions" / name, course / "solutions" / name)
        release(name, course, exchange)
        _log(f"[{name}] released through nbgrader")
        demo_class = importlib.import_module(f"autograder.variants.{name}").DEMO_CLASS
        for student, variant in demo_class.items():
            home = root / "students" / student
            fetched = fetch_as_student(name, home, COURSE_ID, exchange) / assignment.notebook
            if variant.name != "stub":
                write_variant(variant, fetched, course / "solutions" / name / assignment.notebook, fetched)
            submit_as_student(name, home, student, COURSE_ID, exchange)
            _log(f"[{name}] {student} fetched and submitted ({variant.description})")
        collect(name, course, exchange)
        _log(f"[{name}] collected into {course / 'submitted'} ({time.monotonic() - t0:.1f} s)")
        print(f"\n== {name} ==", flush=True)
        for command in (["grade", name, "--course-dir", str(course)], ["report", name, "--course-dir", str(course)]):
            code = cli_main(command)
            if code != 0:
                return code
    print(f"\nnbgrader's gradebook: {course / 'gradebook.db'} (nbgrader export, the formgrader); feedback pages in "
          f"{course / 'feedback'}/ (nbgrader release_feedback ASSIGNMENT)")
    return 0
