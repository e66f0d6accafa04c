"""The same hidden graders on Gradescope.

`autograder export-gradescope ASSIGNMENT` builds the autograder zip:
`setup.sh` (installs the pinned dependencies into /opt/autograder-venv on
Gradescope's Ubuntu image), `run_autograder`, the `autograder` package with
its hidden graders, the course secret, and the reference solution's
calibration (its CPU time per test and cell, measured at export, with a speed
probe of the exporting machine; on Gradescope it is scaled by the probe there,
and the reference is graded again beside the student, the batch's health
check, before the grade is given). On Gradescope each submission runs
as root in a container of its own, where namespaces may be refused; there,
`run_autograder` grades unisolated, with the student process under a user id
of its own that cannot read the hidden graders (the source folder is made
private first), and results.json says which protection was in force.

`GRADESCOPE_ROOT` moves the /autograder root, so that a test can lay out a
temporary folder the way Gradescope does and run `run_autograder` there.
"""
from __future__ import annotations

import json
import os
import secrets
import sys
import time
import traceback
import zipfile
from pathlib import Path

from .assignments import Assignment, get_assignment
from .grading.units import solutions_folder
from .sandbox.budgets import Calibration
from .sandbox.limits import Limits

CALIBRATION = "calibration.json"

PACKAGE = Path(__file__).resolve().parent
VENV = "/opt/autograder-venv"
PINNED = ["numpy>=1.24", "matplotlib>=3.7", "torch==2.13.0", "pytest>=8,<10", "psutil>=5.9", "hypothesis>=6.100",
          "rich>=13", "jinja2>=3", "nbformat>=5.9"]
SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
apt-get install -y python3 python3-venv python3-pip
python3 -m venv {venv}
chmod -R a+rX {venv}
{venv}/bin/pip install --upgrade pip
# The CPU build of torch (the default wheel is a multi-GB CUDA build).
{venv}/bin/pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
{venv}/bin/pip install {packages}
"""
RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission, as root, in /autograder.
ROOT="${{GRADESCOPE_ROOT:-/autograder}}"
export PYTHONPATH="$ROOT/source"
exec "${{AUTOGRADER_PYTHON:-{venv}/bin/python}}" -m autograder.gradescope run {assignment}
"""


def export_zip(assignment: Assignment, destination: Path, calibration: Calibration | None = None) -> Path:
    """The autograder zip for Gradescope: setup.sh and run_autograder at its root,
    and the reference solution's calibration made here (measured now unless
    given) with this machine's speed probe, to scale it on Gradescope's."""
    from .grading.calibration import speed_probe

    calibration = calibration or measure_calibration(assignment)
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_text(archive, "setup.sh", SETUP.format(venv=VENV, packages=" ".join(f"'{p}'" for p in PINNED)))
        _add_text(archive, "run_autograder", RUN.format(venv=VENV, assignment=assignment.name))
        _add_text(archive, "autograder-secret.txt", secrets.token_hex(32) + "\n", mode=0o600)
        _add_text(archive, CALIBRATION, json.dumps({"calibration": calibration.to_json(),
                                                    "probe_seconds": speed_probe()}, indent=1), mode=0o600)
        for path in sorted(PACKAGE.rglob("*")):
            relative = path.relative_to(PACKAGE.parent)
            if path.is_file() and "__pycache__" not in path.parts and "variants" not in relative.parts:
                archive.write(path, str(relative))
        # The reference solution: each unit is graded with the reference for the others (grading/units.py).
        reference = solutions_folder() / assignment.name / assignment.notebook
        archive.write(reference, f"solutions/{assignment.name}/{assignment.notebook}")
    return destination


def measure_calibration(assignment: Assignment) -> Calibration:
    """Grade the reference solution here, as a batch does first (our own code: unisolated is enough)."""
    from .grading.batch import Batch, BatchOptions

    with Batch(assignment, "export", BatchOptions(Limits(), 1, allow_unisolated=True)) as batch:
        batch.start()
        return batch.calibrate()


def _zip_calibration(source: Path) -> Calibration | None:
    """The zip's calibration, scaled by this machine's speed against the exporting machine's."""
    from .grading.calibration import scaled_for_this_machine

    try:
        data = json.loads((source / CALIBRATION).read_text())
        return scaled_for_this_machine(Calibration.from_json(data["calibration"]), float(data["probe_seconds"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # the reference, graded first, measures one


def _add_text(archive: zipfile.ZipFile, name: str, text: str, mode: int = 0o755) -> None:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)


# -- on Gradescope -----------------------------------------------------------------
def run(assignment_name: str, root: Path) -> dict:
    """Grade the one notebook in root/submission and write root/results/results.json;
    whatever happens, a valid results.json is written, saying what went wrong."""
    started = time.monotonic()
    results_path = root / "results" / "results.json"
    results_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        results = _grade(get_assignment(assignment_name), root)
    except Exception as exc:  # the grader's own failure: the student must still get an answer
        traceback.print_exc()  # to root/results/stdout, for the instructor
        results = {"score": 0, "tests": [], "output": (
            "The autograder could not grade this submission: "
            f"{type(exc).__name__}: {str(exc)[:1000]}. This is not a judgement of your work: your instructor "
            "can see what happened and will grade it again.")}
    results["execution_time"] = round(time.monotonic() - started, 1)
    results.setdefault("stdout_visibility", "hidden")
    results_path.write_text(json.dumps(results, indent=1))
    return results


def _grade(assignment: Assignment, root: Path) -> dict:
    from .errors import GraderFailure
    from .grading.batch import Batch, BatchOptions
    from .submissions import from_paths

    _make_private(root / "source")
    secret = (root / "source" / "autograder-secret.txt").read_text().strip()
    submissions = from_paths([root / "submission"], assignment.name)
    if len(submissions) != 1:
        raise ValueError(f"expected one notebook in the submission, found {len(submissions)}: submit only "
                         f"{assignment.notebook}")
    student = _student(root)
    submission = type(submissions[0])(student, submissions[0].notebook)
    warnings = []
    # Two grader processes: the reference solution (the health check) is graded beside the student.
    options = BatchOptions(Limits(), 2, allow_unisolated=True, calibration=_zip_calibration(root / "source"))
    with Batch(assignment, secret, options) as batch:
        warnings += batch.start()
        [(_, result)] = list(batch.grade([submission]))
    if result.grader_errors:
        raise GraderFailure("; ".join(f"{t.name}: {t.message}" for t in result.grader_errors[:5]))
    for warning in warnings:
        print(warning)  # to root/results/stdout
    return gradescope_results(result)


def gradescope_results(result) -> dict:
    """A graded submission in Gradescope's results format."""
    notes = "\n".join(f"- {note}" for note in result.notes)
    output = f"Graded by the hidden tests ({result.isolation}).\n" + (f"Your notebook:\n{notes}\n" if notes else "")
    tests = [{"name": t.title or t.name, "score": t.score, "max_score": t.max_score,
              "status": "passed" if t.outcome == "passed" else "failed",
              "output": t.message or "passed", "visibility": "visible", "tags": [t.concept],
              "extra_data": {"id": t.name, "outcome": t.outcome}} for t in result.tests]
    return {"score": result.score, "output": output, "visibility": "visible", "tests": tests,
            "extra_data": {"isolation": result.isolation, "max_score": result.max_score}}


def _student(root: Path) -> str:
    """The submitter, for the seed of the hidden draws (Gradescope's metadata, else its submission id)."""
    try:
        metadata = json.loads((root / "submission_metadata.json").read_text())
        users = metadata.get("users") or [{}]
        return str(users[0].get("email") or users[0].get("name") or metadata.get("id") or "student")
    except (OSError, ValueError, AttributeError):
        return "student"


def _make_private(source: Path) -> None:
    """The hidden graders and the secret readable by root only: an unisolated
    student process, under a user id of its own, cannot read them."""
    if os.geteuid() == 0:
        for path in [source, *source.rglob("*")]:
            os.chmod(path, 0o700 if path.is_dir() else 0o600, follow_symlinks=False)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] != "run":
        print("usage: python -m autograder.gradescope run ASSIGNMENT", file=sys.stderr)
        return 2
    root = Path(os.environ.get("GRADESCOPE_ROOT", "/autograder"))
    results = run(argv[1], root)
    print(f"score: {results['score']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

