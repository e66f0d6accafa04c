"""The real nbgrader command line, run for the instructor and for simulated students."""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
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
    _sticky(exchange_inbound(course_dir, exchange))


def _sticky(inbound: Path) -> None:
    """nbgrader makes inbound/ mode 733: every student may create in it, and also rename or delete
    another student's folder there. With the sticky bit (1733, as /tmp) only a folder's owner may."""
    st = os.lstat(inbound)
    if stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid():
        os.chmod(inbound, stat.S_IMODE(st.st_mode) | stat.S_ISVTX)


@dataclass
class Collected:
    """What `collect` did besides copying: folders refused, and nbgrader's warnings."""
    refused: list  # quarantine.Record
    warnings: list[str]


# nbgrader's log records: "[CollectApp | WARNING] text", continued on the lines that follow.
_LOG_RECORD = re.compile(r"^\[\w+ \| (\w+)\]")
_SHOWN_LEVELS = {"WARNING", "ERROR", "CRITICAL"}
_EXCHANGE_PROBE = """
import json
from nbgrader.apps.collectapp import CollectApp
from nbgrader.exchange.default.collect import ExchangeCollect
app = CollectApp()
app.initialize([])
exchange = ExchangeCollect(coursedir=app.coursedir, authenticator=None, parent=app)
print(json.dumps({"root": exchange.root, "course_id": app.coursedir.course_id}))
"""


def log_warnings(output: str) -> list[str]:
    """nbgrader's log records at WARNING and above (a record may span several lines)."""
    records: list[tuple[str, list[str]]] = []
    for line in output.splitlines():
        match = _LOG_RECORD.match(line)
        if match:
            records.append((match.group(1), [line]))
        elif records and line.strip():
            records[-1][1].append(line)
    return ["\n".join(lines) for level, lines in records if level in _SHOWN_LEVELS]


def exchange_inbound(course_dir: Path, exchange: Path | None = None) -> Path:
    """<exchange>/<course_id>/inbound as nbgrader reads them from the course's configuration."""
    env = dict(os.environ)
    if exchange is not None:
        env["NBGRADER_EXCHANGE"] = str(exchange)
    proc = subprocess.run([sys.executable, "-c", _EXCHANGE_PROBE], cwd=course_dir, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise NbgraderError(f"cannot read nbgrader's configuration in {course_dir}:\n{proc.stderr[-2000:]}")
    where = json.loads(proc.stdout.strip().splitlines()[-1])
    if not where["course_id"]:
        raise NbgraderError("no course id in nbgrader's configuration (CourseDirectory.course_id)")
    return Path(where["root"]) / where["course_id"] / "inbound"


def collect(assignment: str, course_dir: Path, exchange: Path | None = None) -> Collected:
    """`nbgrader collect`, from a checked copy of inbound/ (inbound.py): the folders refused
    are moved to the course's quarantine (quarantine.py) and never reach submitted/."""
    from .inbound import inspect_and_stage
    from .quarantine import quarantine, printable

    inbound = exchange_inbound(course_dir, exchange)
    if not inbound.is_dir():  # nbgrader says what is wrong
        return Collected([], log_warnings(run_nbgrader(["collect", assignment, "--update"], course_dir, exchange)))
    staging = Path(tempfile.mkdtemp(prefix=".autograder-collect-", dir=course_dir))  # mode 0700: ours only
    try:
        staging_inbound = staging / inbound.parent.name / "inbound"
        staging_inbound.mkdir(parents=True)
        checked = inspect_and_stage(inbound, assignment, staging_inbound)
        refused = quarantine(course_dir, assignment, inbound, staging_inbound, checked.refused)
        args = ["collect", assignment, "--update", f"--Exchange.root={staging}"]
        if os.geteuid() != 0:  # the copies are the instructor's: nbgrader would call every one a cheating attempt
            args.append("--ExchangeCollect.check_owner=False")
        output = run_nbgrader(args, course_dir, exchange)
    finally:
        shutil.rmtree(staging)
    # nbgrader names the staged copy: the instructor knows the exchange's own path
    warnings = ["\n".join(printable(line) for line in w.replace(str(staging), str(inbound.parent.parent)).splitlines())
                for w in log_warnings(output)]
    return Collected(refused, warnings)


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
