"""The `autograder` command line contract: exit codes, output, files, and its manners (help, refused values)."""
from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

from autograder.assignments import assignment_names
from autograder.cli import EXIT_PATHS_REFUSED, build_parser, main
from autograder.notebook import load_code_cells
from autograder.submissions import MAX_PARSED_CELL, not_this_assignment
from autograder.variants.sweep import released, solution

NAMES = assignment_names()


def cli(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def test_unknown_assignment_is_refused_with_the_names(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["grade", "no_such_assignment", "x.ipynb"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "unknown assignment 'no_such_assignment'" in err and all(name in err for name in NAMES), err


def test_missing_path_exits_non_zero(tmp_path, capsys):
    assert main(["grade", "backprop", str(tmp_path / "missing.ipynb")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_options_may_come_before_the_assignment_and_paths_after_options(tmp_path, capsys):
    first, second = tmp_path / "first.ipynb", tmp_path / "second.ipynb"  # neither exists
    assert main(["grade", "--jobs", "1", "--fresh", "backprop", str(first), "--json", str(second)]) == 2
    err = capsys.readouterr().err
    assert f"not graded: {first}: no such file" in err and f"not graded: {second}: no such file" in err, err


def test_no_submitted_folder_exits_non_zero(tmp_path, capsys):
    assert main(["grade", "backprop", "--course-dir", str(tmp_path)]) == 2
    assert "submitted" in capsys.readouterr().err


def test_an_empty_submitted_folder_says_to_collect_first(tmp_path):
    (tmp_path / "submitted" / "ana" / "challenge").mkdir(parents=True)  # another assignment's submission only
    proc = cli("grade", "backprop", "--course-dir", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "no submission of backprop" in proc.stderr and "autograder collect backprop" in proc.stderr
    assert not (tmp_path / "reports").exists()


def _options(parser: argparse.ArgumentParser):
    """(command, action) for every option and positional of every command."""
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for name, command in commands.choices.items():
        for action in command._actions:
            if not isinstance(action, argparse._HelpAction):
                yield name, action


def test_every_option_has_help_with_its_default_and_assignment_lists_the_names():
    seen = 0
    for command, action in _options(build_parser()):
        seen += 1
        where = f"autograder {command} {action.option_strings or action.metavar}"
        assert action.help, f"{where} has no help"
        if action.metavar == "ASSIGNMENT":
            assert all(name in action.help for name in NAMES), where
        if action.option_strings or action.nargs == "*":
            assert "default" in action.help, f"{where} does not say its default: {action.help!r}"
    assert seen > 25  # every command's options were walked


def test_help_shows_defaults_and_names(tmp_path):
    proc = cli("grade", "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())  # argparse wraps lines
    assert "(default: 20)" in text and "(default: 900)" in text and "(default: one per CPU)" in text, text
    assert "one of " + ", ".join(NAMES) in text, text


def test_bare_grade_names_what_it_needs(tmp_path):
    proc = cli("grade", cwd=tmp_path)
    assert proc.returncode == 2
    assert "name the assignment: one of " + ", ".join(NAMES) in proc.stderr, proc.stderr
    assert "paths" not in proc.stderr and "PATH" not in proc.stderr.splitlines()[-1], proc.stderr


@pytest.mark.parametrize(("option", "value", "reason"), [
    ("--jobs", "0", "must be a whole number above 0, not 0"),
    ("--jobs", "two", "must be a whole number, not 'two'"),
    ("--memory-gib", "-1", "must be a number above 0, not -1"),
    ("--file-mib", "0", "must be a number above 0, not 0"),
    ("--total-memory-gib", "-1", "must be 0 (no cap) or a number above 0, not -1"),
    ("--time-factor", "0", "must be a number above 0, not 0"),
    ("--time-floor", "nan", "must be a number above 0, not nan"),
    ("--submission-seconds", "-5", "must be a number above 0, not -5"),
    ("--cell-seconds", "0", "must be a number above 0, not 0"),
    ("--processes", "0", "must be a whole number above 0, not 0"),
])
def test_invalid_values_are_refused_with_the_reason(tmp_path, option, value, reason):
    proc = cli("grade", "backprop", str(solution("backprop")), f"{option}={value}", cwd=tmp_path)
    assert proc.returncode == 2
    assert f"argument {option}" in proc.stderr and reason in proc.stderr, proc.stderr
    assert not (tmp_path / "reports").exists(), "nothing is graded"


def test_zero_total_memory_means_no_cap_and_is_accepted():
    args = build_parser().parse_args(["grade", "backprop", "--total-memory-gib", "0", "--jobs", "3"])
    assert args.total_memory_gib == 0 and args.jobs == 3


@pytest.mark.parametrize("command", ["report", "feedback"])
def test_nothing_graded_yet_says_what_to_run_first(tmp_path, command):
    proc = cli(command, "backprop", "--course-dir", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout
    assert "run `autograder grade backprop` first" in proc.stderr, proc.stderr
    assert "written for 0 students" not in proc.stdout


def test_files_that_are_not_notebooks_are_refused(tmp_path):
    (tmp_path / "gs.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    (tmp_path / "notes.txt").write_text("my answers")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.md").write_text("no notebook here")
    proc = cli("grade", "backprop", "gs.zip", "notes.txt", "empty", "gone.ipynb", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert "autograder: not graded: gs.zip: an archive, not a notebook: unpack it and grade the .ipynb files inside" \
        in lines, proc.stderr
    assert "autograder: not graded: notes.txt: not a Jupyter notebook: only .ipynb files (or folders holding them) " \
           "are graded" in lines, proc.stderr
    assert "autograder: not graded: empty: a folder with no notebook (.ipynb) in it" in lines, proc.stderr
    assert "autograder: not graded: gone.ipynb: no such file or folder" in lines, proc.stderr
    assert "nothing to grade" in lines[-1], proc.stderr
    assert not (tmp_path / "reports").exists(), "nothing was graded or written"


def _cells(path: Path) -> list[str]:
    return [cell.source for cell in load_code_cells(path)]


@pytest.mark.parametrize("assignment", NAMES)
def test_solutions_and_released_notebooks_are_their_own_assignments(assignment):
    assert not_this_assignment(_cells(solution(assignment)), assignment) is None
    assert not_this_assignment(_cells(released(assignment)), assignment) is None


def test_another_assignments_notebook_gets_a_note_naming_it():
    note = not_this_assignment(_cells(solution("manual_gradient")), "backprop")
    assert note is not None and note.startswith("This notebook defines none of the functions and classes the "
                                                "backprop assignment grades (multiplication_weight, my_composition,"
                                                " my_exp, train): is it the right notebook?"), note
    assert note.endswith("It looks like a notebook of manual_gradient."), note


def test_names_only_count_where_they_are_defined_globally():
    nothing = ["print('my_exp')", "def helper():\n    def my_exp(x):\n        return x\n", "'''\ndef train():\n'''",
               "class Model:\n    my_composition = 1\n", "weights[my_exp] = 1\n", "def broken(:\n"]
    note = not_this_assignment(nothing, "backprop")
    assert note is not None and "looks like" not in note, note
    for defined in ("if True:\n    def my_exp(x):\n        return x\n", "try:\n    pass\nexcept Exception:\n"
                    "    train = None\n", "from mine import my_composition as my_composition\n",
                    "a, (b, *multiplication_weight) = 1, (2, 3)\n"):
        assert not_this_assignment(["def broken(:\n", defined], "backprop") is None, defined


def test_parsing_a_notebook_prints_no_warning_of_its_code():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compile("pattern = '\\d'\n", "<probe>", "exec", flags=ast.PyCF_ONLY_AST)
        assert caught, "this Python warns of an invalid escape while parsing: the probe below means something"
        caught.clear()
        assert not_this_assignment(["pattern = '\\d'\n"], "backprop") is not None
    assert not caught, [str(w.message) for w in caught]


def test_a_huge_cell_is_not_parsed():
    assert not_this_assignment(["my_exp = 1\n" + "#" * MAX_PARSED_CELL], "backprop") is not None
    assert not_this_assignment(["my_exp = 1\n" + "#" * (MAX_PARSED_CELL // 2)], "backprop") is None


@pytest.mark.slow
def test_one_off_grade_leaves_the_class_alone_refuses_non_notebooks_and_notes_a_stranger(tmp_path):
    course = tmp_path / "course"
    class_batch = course / "reports" / "backprop"
    (class_batch / "results").mkdir(parents=True)
    (class_batch / "grades.csv").write_text("student,score,max_score\nclass,1,44.5\n")
    before = {p: p.read_bytes() for p in class_batch.rglob("*") if p.is_file()}
    (course / "ana.ipynb").write_bytes(solution("backprop").read_bytes())
    stranger = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "def make_differentiable(f):\n    return f\n\ndef fit_nn(x, y):\n    return None\n")])
    nbformat.write(stranger, str(course / "mg.ipynb"))
    (course / "notes.txt").write_text("my answers")
    env = dict(os.environ, AUTOGRADER_SECRET="one-off")
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "backprop", "ana.ipynb", "notes.txt",
                           "mg.ipynb", "--json", "--jobs", "1"], cwd=course, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == EXIT_PATHS_REFUSED, proc.stderr[-3000:]
    results = {r["student"]: r for r in json.loads(proc.stdout)}
    assert sorted(results) == ["ana", "mg"]
    assert results["ana"]["score"] == results["ana"]["max_score"] > 0
    assert not any("defines none" in note for note in results["ana"]["notes"]), results["ana"]["notes"]
    assert results["mg"]["score"] == 0
    assert any("defines none of the functions and classes the backprop assignment grades" in note
               and note.endswith("It looks like a notebook of manual_gradient.") for note in results["mg"]["notes"])
    assert "autograder: not graded: notes.txt: not a Jupyter notebook" in proc.stderr, proc.stderr[-3000:]

    [adhoc] = (class_batch / "adhoc").iterdir()
    assert "a one-off grade, kept apart from the class's batch" in proc.stderr and str(adhoc) in proc.stderr
    assert sorted(p.name for p in (adhoc / "results").glob("*.json")) == ["ana.json", "mg.json"]
    with open(adhoc / "grades.csv", newline="") as handle:
        assert sorted(row["student"] for row in csv.DictReader(handle)) == ["ana", "mg"]
    after = {p: p.read_bytes() for p in class_batch.rglob("*") if p.is_file() and "adhoc" not in p.parts}
    assert after == before, "the class's batch was touched"

    # The class report reads the class's batch only: it has nothing graded, whatever the one-off holds.
    report = subprocess.run([sys.executable, "-m", "autograder.cli", "report", "backprop"], cwd=course, env=env,
                            capture_output=True, text=True, timeout=300)
    assert report.returncode == 2 and "run `autograder grade backprop` first" in report.stderr, report.stderr
    again = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "backprop", "mg.ipynb", "--json"],
                           cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(list((class_batch / "adhoc").iterdir())) == 2, "each one-off grade has a folder of its own"


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


def test_a_course_directory_that_does_not_exist_is_named(tmp_path):
    proc = cli("grade", "backprop", str(solution("backprop")),
               "--course-dir", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert proc.returncode == 2 and "no course directory" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
