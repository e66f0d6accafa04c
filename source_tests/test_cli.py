"""The `autograder grade` command line contract: exit codes, output, files."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from autograder.cli import main


def test_unknown_assignment_exits_non_zero(capsys):
    assert main(["grade", "no_such_assignment", "x.ipynb"]) == 2
    assert "unknown assignment" in capsys.readouterr().err


def test_missing_path_exits_non_zero(tmp_path, capsys):
    assert main(["grade", "backprop", str(tmp_path / "missing.ipynb")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_no_submitted_folder_exits_non_zero(tmp_path, capsys):
    assert main(["grade", "backprop", "--course-dir", str(tmp_path)]) == 2
    assert "submitted" in capsys.readouterr().err


@pytest.mark.slow
def test_unreadable_notebook_is_graded_zero_with_a_reason(tmp_path):
    broken = tmp_path / "zoe.ipynb"
    broken.write_text('{"cells": [')
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "backprop", str(broken), "--json",
                           "--output", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    [result] = json.loads(proc.stdout)
    assert result["student"] == "zoe" and result["score"] == 0 and result["max_score"] > 0
    assert {t["outcome"] for t in result["tests"]} == {"error"}
    assert "not a readable Jupyter notebook" in result["tests"][0]["message"]
    assert (out / "results" / "zoe.json").exists() and (out / "grades.csv").exists()
    assert "could not be graded" in (out / "feedback" / "zoe.html").read_text()


@pytest.mark.slow
def test_readable_table_without_json(tmp_path):
    empty = tmp_path / "empty.ipynb"
    empty.write_text("")
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "backprop", str(empty),
                           "--output", str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    header, row = proc.stdout.splitlines()[:2]
    assert header.split() == ["student", "score", "max", "%", "passed"]
    assert row.split()[:2] == ["empty", "0"]
