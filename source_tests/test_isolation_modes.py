"""Where the fence can and cannot be built: fail closed where namespaces are
refused (as in a container with Docker's default seccomp profile), grade
unisolated only on request and say so, and fence students in an
unprivileged user namespace when the grader is not root."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import released, solution
from test_deny_by_default import FILESYSTEM_WALK

pytestmark = pytest.mark.slow
REFUSE = [sys.executable, str(Path(__file__).with_name("no_namespaces.py"))]


def _class(tmp_path, attacker: bool = True) -> list[Path]:
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy2(solution("backprop"), folder / "ana.ipynb")
    shutil.copy2(released("backprop"), folder / "ben.ipynb")
    if attacker:
        notebook = nbformat.read(str(released("backprop")), as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell("# attacker-own-marker\n" + FILESYSTEM_WALK))
        nbformat.write(notebook, str(folder / "mallory.ipynb"))
    return sorted(folder.iterdir())


def _grade(tmp_path, prefix: list[str], *extra: str, attacker: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, AUTOGRADER_SECRET="isolation-modes")
    return subprocess.run([*prefix, sys.executable, "-m", "autograder.cli", "grade", "backprop", "--json",
                           "--output", str(tmp_path / "out"), "--cell-seconds", "60", *extra,
                           *map(str, _class(tmp_path, attacker))], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=900)


def _attack_report(result: dict) -> dict:
    [note] = [n for n in result["notes"] if "ATTACK REPORT" in n]
    return json.loads(note.split("ATTACK REPORT ", 1)[1].splitlines()[0])


def test_refuses_to_grade_where_namespaces_are_refused(tmp_path):
    proc = _grade(tmp_path, REFUSE)
    assert proc.returncode == 2, proc.stderr
    assert "cannot be fenced in" in proc.stderr and "--allow-unisolated" in proc.stderr
    assert proc.stdout == "" and not (tmp_path / "out" / "results").exists()


def test_grades_unisolated_only_on_request_and_says_so(tmp_path):
    # No attacker here: unisolated, its walk would read the whole machine for its 25 s on every restart
    # (about 2 minutes); what it finds unisolated is not what this test is about.
    proc = _grade(tmp_path, REFUSE, "--allow-unisolated", attacker=False)
    assert proc.returncode == 0, proc.stderr
    assert "NOT isolated" in proc.stderr
    results = {r["student"]: r for r in json.loads(proc.stdout)}
    assert results["ana"]["score"] == results["ana"]["max_score"] and results["ben"]["score"] == 0
    for student, result in results.items():
        assert result["isolation"].startswith("NOT isolated"), result["isolation"]
        # How it ran is the instructor's to read (results, report), not the student's page.
        assert "isolated" not in (tmp_path / "out" / "feedback" / f"{student}.html").read_text()
    assert sorted(results) == ["ana", "ben"]


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux unshare")
def test_an_unprivileged_grader_fences_students_in_a_user_namespace(tmp_path):
    # The grader itself runs as user 1000 in a user namespace: not root, no capabilities.
    proc = _grade(tmp_path, ["unshare", "--user", "--map-user=1000", "--map-group=1000"])
    assert proc.returncode == 0, proc.stderr
    results = {r["student"]: r for r in json.loads(proc.stdout)}
    assert results["ana"]["score"] == results["ana"]["max_score"] and results["ben"]["score"] == 0
    assert all("unprivileged user namespace" in r["isolation"] for r in results.values())
    report = _attack_report(results["mallory"])
    assert report["own_marker_found"] and report["findings"] == [] and report["files_read"] > 1000, report
    assert results["mallory"]["score"] == 0
