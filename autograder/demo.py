"""The main job, end to end: release with nbgrader, a simulated class fetches
and submits through nbgrader, the instructor collects and grades."""
from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .assignments import assignment_names, get_assignment
from .nbgrader_ops import fetch_as_student, release, submit_as_student
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


def _instructor(command: list[str], course: Path, exchange: Path) -> int:
    """`autograder COMMAND` as the instructor types it, in the course directory."""
    env = dict(os.environ, NBGRADER_EXCHANGE=str(exchange))
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")  # nbgrader's alembic
    return subprocess.run([sys.executable, "-m", "autograder.cli", *command, "--course-dir", str(course)],
                          cwd=course, env=env).returncode


def run_demo(root: Path, assignments: list[str] | None = None) -> int:
    names = assignments or assignment_names()
    root = root.resolve()
    _fresh(root)
    course, exchange = root / "course", root / "exchange"
    exchange.mkdir()
    course.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    with open(course / "nbgrader_config.py", "a") as config:  # one user plays every student here
        config.write("\n# The demo's simulated students all submit as the user who runs the demo.\n"
                     "c.ExchangeCollect.check_owner = False\n")
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
        print(f"\n== {name} ==", flush=True)
        for command in (["collect", name], ["grade", name], ["report", name]):
            code = _instructor(command, course, exchange)
            if code != 0:
                return code
            if command[0] == "collect":
                _log(f"[{name}] collected into {course / 'submitted'} ({time.monotonic() - t0:.1f} s)")
    print(f"\nnbgrader's gradebook: {course / 'gradebook.db'} (nbgrader export, the formgrader); feedback pages in "
          f"{course / 'feedback'}/ (nbgrader release_feedback ASSIGNMENT)")
    return 0
