"""The same hidden graders on Gradescope.

`autograder export-gradescope ASSIGNMENT` builds the autograder zip:
`setup.sh` (installs the pinned dependencies into /opt/autograder-venv on
Gradescope's Ubuntu image), `run_autograder`, the `autograder` package with
this assignment's hidden graders (and the shared modules of graders/ they
import, no other assignment's), the course secret, the visibility chosen for
the tests' details (gradescope.json), and the reference solution's
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

import ast
import json
import os
import secrets
import sys
import time
import traceback
import zipfile
from pathlib import Path

from .assignments import Assignment, get_assignment
from .fix_first import fix_first, render_text
from .grading.results import SubmissionResult
from .sandbox.budgets import Calibration
from .sandbox.limits import Limits
from .submissions import Submission, from_paths, shown

CALIBRATION = "calibration.json"
SETTINGS = "gradescope.json"  # the instructor's choices made at export: {"visibility": ...}
# Gradescope's visibilities of a test (its autograder specification), and what the student is told of each.
VISIBILITIES = {"visible": "", "after_due_date": "The details of each test are shown after the due date.",
                "after_published": "The details of each test are shown when your instructor publishes the grades.",
                "hidden": "The details of each test are not shown to students."}
SHOWN_NAMES = 5  # a student's file names listed in a message, each cut to NAME_CHARS
NAME_CHARS = 80

PACKAGE = Path(__file__).resolve().parent
VENV = "/opt/autograder-venv"
PINNED = ["numpy>=1.24", "matplotlib>=3.7", "torch==2.13.0", "pytest>=8,<10", "psutil>=5.9", "hypothesis>=6.100",
          "rich>=13", "jinja2>=3", "nbformat>=5.9"]
SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
apt-get update
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


def export_zip(assignment: Assignment, destination: Path, calibration: Calibration | None = None,
               visibility: str = "visible") -> Path:
    """The autograder zip for Gradescope: setup.sh and run_autograder at its root,
    the visibility of the tests' details on Gradescope (the score is always
    visible), and the reference solution's calibration made here (measured now
    unless given) with this machine's speed probe, to scale it on Gradescope's."""
    from .grading.calibration import reference_notebook, speed_probe

    if visibility not in VISIBILITIES:
        raise ValueError(f"unknown visibility {visibility!r}: Gradescope's are {', '.join(VISIBILITIES)}")
    calibration = calibration or measure_calibration(assignment)
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_text(archive, "setup.sh", SETUP.format(venv=VENV, packages=" ".join(f"'{p}'" for p in PINNED)))
        _add_text(archive, "run_autograder", RUN.format(venv=VENV, assignment=assignment.name))
        _add_text(archive, "autograder-secret.txt", secrets.token_hex(32) + "\n", mode=0o600)
        _add_text(archive, CALIBRATION, json.dumps({"calibration": calibration.to_json(),
                                                    "probe_seconds": speed_probe()}, indent=1), mode=0o600)
        _add_text(archive, SETTINGS, json.dumps({"visibility": visibility}) + "\n", mode=0o600)
        for path in _package_files(assignment):
            archive.write(path, str(path.relative_to(PACKAGE.parent)))
        # The reference solution: each unit is graded with the reference for the others (grading/units.py).
        reference = reference_notebook(assignment)
        archive.write(reference, f"solutions/{assignment.name}/{assignment.notebook}")
    return destination


def _package_files(assignment: Assignment) -> list[Path]:
    """The package without the variants and without other assignments' graders."""
    graders = assignment.tests.parent
    files = {path for path in PACKAGE.rglob("*") if path.is_file() and "__pycache__" not in path.parts
             and not path.is_relative_to(PACKAGE / "variants") and not path.is_relative_to(graders)}
    return sorted(files | _grader_files(assignment))


def _grader_files(assignment: Assignment) -> set[Path]:
    """The assignment's hidden tests, the files of graders/ itself (its __init__.py, pytest.ini), and the
    shared modules of graders/ the tests import, directly or through one another."""
    graders = assignment.tests.parent
    files = {path for path in assignment.tests.rglob("*") if path.is_file() and "__pycache__" not in path.parts}
    files |= {path for path in graders.iterdir() if path.is_file() and path.suffix != ".py"}
    files.add(graders / "__init__.py")
    pending = [path for path in files if path.suffix == ".py"]
    while pending:
        for name in _shared_imports(pending.pop()):
            shared = graders / f"{name}.py"
            if shared.is_file() and shared not in files:
                files.add(shared)
                pending.append(shared)
    return files


def _shared_imports(path: Path) -> set[str]:
    """The names X of the `autograder.graders.X` modules a module imports (absolute imports, as graders/ uses)."""
    modules = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return {module.split(".")[2] for module in modules if module.startswith("autograder.graders.")}


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
class NothingToGrade(Exception):
    """The submission holds no notebook the autograder can tell is the student's work; the message,
    shown to the student, says what to submit."""


def run(assignment_name: str, root: Path) -> dict:
    """Grade the student's notebook in root/submission and write root/results/results.json;
    whatever happens, a valid results.json is written, saying what went wrong."""
    started = time.monotonic()
    results_path = root / "results" / "results.json"
    results_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        results = _grade(get_assignment(assignment_name), root)
    except NothingToGrade as exc:  # the student's to fix
        results = {"score": 0, "tests": [], "output": str(exc)}
    except Exception as exc:  # the grader's own failure: the student must still get an answer
        traceback.print_exc()  # to root/results/stdout, for the instructor
        results = {"score": 0, "tests": [], "output": (
            "The autograder could not grade this submission: "
            f"{type(exc).__name__}: {str(exc)[:1000]}. This is not a judgement of your work: your instructor "
            "can see what happened and will grade it again.")}
    results["execution_time"] = round(time.monotonic() - started, 1)
    # The score and this output always visible (a test's own visibility is the instructor's choice);
    # plain text: file names and messages from the student's notebook are never rendered as HTML.
    results.update(visibility="visible", output_format="text", stdout_visibility="hidden")
    results_path.write_text(json.dumps(results, indent=1))
    return results


def _grade(assignment: Assignment, root: Path) -> dict:
    from .errors import GraderFailure
    from .grading.batch import Batch, BatchOptions

    _make_private(root / "source")
    secret = (root / "source" / "autograder-secret.txt").read_text().strip()
    visibility = _visibility(root / "source")
    chosen, graded = _pick_notebook(root / "submission", assignment)
    # The folder is the student's own, whatever else is in it: their other files are copied beside the notebook.
    submission = Submission(_student(root), chosen.notebook, root=chosen.root)
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
    return gradescope_results(result, assignment, visibility, graded)


def _visibility(source: Path) -> str:
    """The visibility of the tests' details chosen at export."""
    visibility = json.loads((source / SETTINGS).read_text())["visibility"]
    if visibility not in VISIBILITIES:
        raise ValueError(f"{SETTINGS} in the autograder zip holds an unknown visibility {visibility!r}")
    return visibility


def _pick_notebook(folder: Path, assignment: Assignment) -> tuple[Submission, str]:
    """The notebook to grade, and a sentence telling the student which it is: the only notebook,
    else the one named after the assignment (the shallowest, if a copy sits in a subfolder)."""
    found = from_paths([folder], assignment.name)
    named = sorted((s for s in found if s.notebook.name == assignment.notebook),
                   key=lambda s: len(s.notebook.parts))
    if len(found) == 1:
        chosen = found[0]
    elif len(named) == 1 or (named and len(named[0].notebook.parts) < len(named[1].notebook.parts)):
        chosen = named[0]
    else:
        raise NothingToGrade(_what_to_submit(folder, assignment, [s.notebook for s in found],
                                             [s.notebook for s in named]))
    others = [s.notebook for s in found if s is not chosen]
    graded = f"Graded notebook: {_names(folder, [chosen.notebook])}."
    if others:
        graded += f" Not graded (only {assignment.notebook} is): {_names(folder, others)}."
    return chosen, graded


def _what_to_submit(folder: Path, assignment: Assignment, notebooks: list[Path], named: list[Path]) -> str:
    ask = (f"Submit your completed {assignment.notebook} (the notebook you were given, with your answers in it, "
           "under that name); other files may stay beside it. This submission got no score.")
    if not notebooks:
        return f"No notebook was graded: your submission holds no notebook (.ipynb file). {ask}"
    if named:
        return (f"No notebook was graded: your submission holds {len(named)} notebooks named {assignment.notebook} "
                f"({_names(folder, named)}), so the autograder cannot tell which one is your work. Submit "
                f"only one {assignment.notebook}. This submission got no score.")
    return (f"No notebook was graded: your submission holds {len(notebooks)} notebooks ({_names(folder, notebooks)}) "
            f"and none is named {assignment.notebook}, so the autograder cannot tell which one is your work. {ask}")


def _names(folder: Path, notebooks: list[Path]) -> str:
    """Student-chosen file names, as shown: relative to the submission, each cut short, at most a few."""
    names = []
    for notebook in notebooks[:SHOWN_NAMES]:
        name = shown(str(notebook.relative_to(folder)))
        names.append(name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 3] + "...")
    more = len(notebooks) - SHOWN_NAMES
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def gradescope_results(result: SubmissionResult, assignment: Assignment, visibility: str, graded: str) -> dict:
    """A graded submission in Gradescope's results format: each test's details with the
    visibility chosen at export; the top-level output, which is always visible, opens with
    what to fix first (as the feedback page does) when the details are visible, and says the
    score and which notebook was graded. Plain text (output_format "text", set in `run`): the
    messages quote what the student's code printed, never to be read as Markdown or HTML."""
    notes = "\n".join(f"- {note}" for note in result.notes)
    lines = [graded, f"Score: {result.score:g} / {result.max_score:g}.", VISIBILITIES[visibility]]
    output = "\n".join(line for line in lines if line) + "\n" + (f"Your notebook:\n{notes}\n" if notes else "")
    # It names failed tests and shows their messages: only where the tests' details are visible.
    fix = render_text(fix_first(result, assignment)) if visibility == "visible" else ""
    output = f"{fix}\n{output}" if fix else output
    tests = [{"name": t.title or t.name, "score": t.score, "max_score": t.max_score,
              "status": "passed" if t.outcome == "passed" else "failed",
              "output": t.message or "passed", "visibility": visibility, "tags": [t.concept],
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

