"""The real nbgrader command line, run for the instructor and for simulated students."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .errors import NbgraderError


def run_nbgrader(args: list[str], cwd: Path, exchange: Path | None = None) -> str:
    """Run `nbgrader ARGS` in `cwd` (a course directory or a student's home)."""
    env = dict(os.environ)
    # nbgrader runs `alembic` from the same environment for its gradebook.
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    if exchange is not None:
        env["NBGRADER_EXCHANGE"] = str(exchange)
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise NbgraderError(f"nbgrader {' '.join(args)} failed (exit {proc.returncode}):\n{tail}")
    return proc.stderr + proc.stdout


def generate(assignment: str, course_dir: Path) -> None:
    run_nbgrader(["generate_assignment", assignment, "--force"], course_dir)


def release(assignment: str, course_dir: Path, exchange: Path | None = None) -> None:
    generate(assignment, course_dir)
    run_nbgrader(["release_assignment", assignment, "--force"], course_dir, exchange)


def collect(assignment: str, course_dir: Path, exchange: Path | None = None) -> None:
    run_nbgrader(["collect", assignment, "--update"], course_dir, exchange)


def _student_flags(course_id: str, exchange: Path, cache: Path) -> list[str]:
    return [f"--course={course_id}", f"--Exchange.root={exchange}", f"--Exchange.cache={cache}"]


def fetch_as_student(assignment: str, home: Path, course_id: str, exchange: Path) -> Path:
    """`nbgrader fetch_assignment` in a student's home; returns the fetched folder."""
    home.mkdir(parents=True, exist_ok=True)
    run_nbgrader(["fetch_assignment", assignment, *_student_flags(course_id, exchange, home / ".nbgrader-cache")], home)
    return home / assignment


def submit_as_student(assignment: str, home: Path, student: str, course_id: str, exchange: Path) -> None:
    run_nbgrader(["submit", assignment, f"--student={student}",
                  *_student_flags(course_id, exchange, home / ".nbgrader-cache")], home)


def release_feedback(assignment: str, course_dir: Path, exchange: Path | None = None) -> None:
    run_nbgrader(["release_feedback", assignment], course_dir, exchange)


def fetch_feedback_as_student(assignment: str, home: Path, student: str, course_id: str, exchange: Path) -> Path:
    """`nbgrader fetch_feedback` in a student's home; returns the folder the feedback lands in."""
    run_nbgrader(["fetch_feedback", assignment, f"--student={student}",
                  *_student_flags(course_id, exchange, home / ".nbgrader-cache")], home)
    return home / assignment / "feedback"
