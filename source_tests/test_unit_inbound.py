"""The inbound/ check, quarantine and grade-table rows on their own (fast; no nbgrader run, no root).
The same attacks through the real exchange, by a student of another uid: test_collect_attacks.py."""
from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from autograder.grading.results import SubmissionResult, TestResult, grade_table
from autograder.inbound import inspect_and_stage, read_name, submission_names
from autograder.nbgrader_ops import log_warnings
from autograder.quarantine import printable, quarantine, quarantined

TS = "2026-01-05 10:00:00.000000 UTC"


@pytest.fixture
def exchange(tmp_path, monkeypatch):
    """An inbound/ with one clean folder and one of each hostile kind (single owner: no ownership rules)."""
    inbound, staging, course = tmp_path / "inbound", tmp_path / "staging", tmp_path / "course"
    for path in (inbound, staging, course):
        path.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("the-secret")

    def folder(name: str) -> Path:
        path = inbound / name
        path.mkdir()
        (path / "a.ipynb").write_text("{}")
        return path
    clean = folder(f"zz-ana+a+{TS}+rnd")
    (clean / "data").mkdir()
    (clean / "data" / "x.csv").write_text("1,2")
    os.symlink(secret, folder(f"zz-bob+a+{TS}") / "a2.ipynb")
    os.mkfifo(folder(f"zz-cy+a+{TS}") / "pipe")
    os.link(secret, folder(f"zz-di+a+{TS}") / "notes.txt")
    monkeypatch.chdir(folder(f"zz-eve+a+{TS}"))
    socket.socket(socket.AF_UNIX).bind("s")  # a relative name: socket paths are short
    monkeypatch.undo()
    os.symlink(secret, folder(f"zz-fay+a+{TS}") / "data")  # a link where a folder would be
    folder("zz-gil+a+not a date")
    (folder(f"zz-gus+a+{TS}") / "timestamp.txt").write_text("not a date either")
    os.symlink(clean, inbound / f"zz-hal+a+{TS}")  # the folder itself a link to another's
    folder(f".zz-hidden+a+{TS}")  # nbgrader's glob skips it
    folder(f"zz-ivy+other+{TS}")  # another assignment
    return {"inbound": inbound, "staging": staging, "course": course, "clean": clean}


def test_only_clean_folders_are_staged_and_each_other_has_its_reason(exchange):
    checked = inspect_and_stage(exchange["inbound"], "a", exchange["staging"])
    assert [f.student for f in checked.staged] == ["zz-ana"], checked
    reasons = {f.student: "; ".join(f.reasons) for f in checked.refused}
    assert reasons == {
        "zz-bob": f"a symbolic link: a2.ipynb -> {exchange['inbound'].parent / 'secret.txt'}",
        "zz-cy": "a FIFO: pipe",
        "zz-di": "a hard link: notes.txt (a file with 2 names, owned by uid %d)" % os.getuid(),
        "zz-eve": "a socket: s",
        "zz-fay": f"a symbolic link: data -> {exchange['inbound'].parent / 'secret.txt'}",
        "zz-gil": "its name holds no date nbgrader can read",
        "zz-gus": "timestamp.txt holds no date nbgrader can read",
        "zz-hal": f"the folder itself is a symbolic link to {exchange['clean']}",
    }, reasons
    staged = exchange["staging"] / exchange["clean"].name
    assert (staged / "data" / "x.csv").read_text() == "1,2", "a clean folder is copied whole"
    for path in exchange["staging"].rglob("*"):
        assert not path.is_symlink() and (path.is_dir() or path.is_file()), f"{path}: only files and folders staged"
        assert path.is_dir() or b"the-secret" not in path.read_bytes(), f"{path}: a refused entry was copied"


def test_refused_folders_leave_inbound_for_the_quarantine_and_its_manifest(exchange):
    checked = inspect_and_stage(exchange["inbound"], "a", exchange["staging"])
    records = quarantine(exchange["course"], "a", exchange["inbound"], exchange["staging"], checked.refused)
    assert sorted(os.listdir(exchange["inbound"])) == sorted(
        [exchange["clean"].name, f".zz-hidden+a+{TS}", f"zz-ivy+other+{TS}"]), "only refused folders are moved"
    assert all(r.how == "moved out of inbound/" for r in records), records
    qdir = exchange["course"] / "quarantine" / "a"
    assert os.stat(qdir).st_mode & 0o777 == 0o700, "students never read the quarantine"
    assert os.path.islink(qdir / f"zz-bob+a+{TS}" / "a2.ipynb"), "moved by rename: the link is still a link"
    assert os.path.islink(qdir / f"zz-hal+a+{TS}"), "a folder that is a link is moved as the link"
    saved = json.loads((qdir / "manifest.json").read_text())
    assert [r["folder"] for r in saved] == [r.folder for r in records] == [r.folder for r in quarantined(
        exchange["course"], "a")]
    assert os.listdir(exchange["staging"]) == [exchange["clean"].name], "partial copies removed"


def test_a_folder_on_another_filesystem_is_copied_without_its_refused_entries(exchange):
    """inbound/ on another filesystem than the course (here tmpfs): rename(2) fails with EXDEV, so the
    quarantine keeps the copy made without following anything, and the original leaves inbound/."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)) or os.stat(shm).st_dev == os.stat(exchange["course"]).st_dev:
        pytest.skip("no writable tmpfs on another filesystem than the course")
    inbound = Path(tempfile.mkdtemp(dir=shm))
    try:
        name = f"zz-bob+a+{TS}"
        shutil.move(exchange["inbound"] / name, inbound / name)
        checked = inspect_and_stage(inbound, "a", exchange["staging"])
        [record] = quarantine(exchange["course"], "a", inbound, exchange["staging"], checked.refused)
        assert record.how == "copied without following links, refused entries left out; removed from inbound/"
        kept = exchange["course"] / record.kept_at
        assert sorted(os.listdir(kept)) == ["a.ipynb"], "the link is named in the manifest, not copied"
        assert os.listdir(inbound) == [] and os.listdir(exchange["staging"]) == []
    finally:
        shutil.rmtree(inbound)


def test_nbgrader_names_are_read_as_nbgrader_reads_them():
    assert read_name(f"ana+a+{TS}+abc") == ("ana", TS)
    assert read_name(f"ana+a+{TS}") == ("ana", TS)
    assert submission_names([f"ana+a+{TS}", f".x+a+{TS}", f"b+ab+{TS}", "junk"], "a") == [f"ana+a+{TS}"]


def test_the_grade_table_lists_refused_students_as_not_graded():
    honest = SubmissionResult("ana", "x", [TestResult("t", 1.0, 1.0, "passed")])
    table = grade_table([honest], [("mal", "mal+a+1", "a FIFO: pipe"), ("mal", "mal+a+2", "a socket: s"),
                                   ("ana", "ana+a+3", "owned by uid 7, not by ana")])
    lines = table.splitlines()
    assert lines[1].split()[:2] == ["ana", "1"], table
    assert lines[2].split(None, 1) == ["mal", "not graded: a socket: s"], "the last refused folder's reason"
    assert "not collected: mal+a+1: a FIFO: pipe" in lines and "not collected: ana+a+3: owned by uid 7, not by ana" \
        in lines, table


def test_nbgraders_warnings_are_kept_and_its_info_dropped():
    log = ("[CollectApp | INFO] Collecting submission: ana a\n[CollectApp | WARNING] \n"
           "    /x/ana+a+t claims to be submitted by ana but is owned by root; cheating attempt?\n"
           "[CollectApp | ERROR] something\n")
    assert log_warnings(log) == ["[CollectApp | WARNING] \n    /x/ana+a+t claims to be submitted by ana but is owned "
                                 "by root; cheating attempt?", "[CollectApp | ERROR] something"]


def test_student_names_reach_the_terminal_without_escape_sequences():
    assert printable("a\x1b[2Jb\udcffc") == "a\\x1b[2Jb\\udcffc"
    assert len(printable("x" * 1000)) == 300


@pytest.mark.parametrize("timestamp", [TS, "2026-01-05 10:00:00.5 +0100", "2026-01-05 10:00:00 Europe/Paris",
                                       "not a date", "2026-01-05 10:00:00 +99999999", "9999-12-31 23:59:59 -2300",
                                       "", "1 2 3", "2026-13-45"])
def test_timestamps_are_judged_as_nbgrader_judges_them(timestamp):
    from nbgrader.utils import parse_utc as nbgraders

    from autograder.inbound import timestamp_problem

    try:
        nbgraders(timestamp)
        fails = False
    except Exception:  # whatever it raises stops `nbgrader collect`
        fails = True
    assert (timestamp_problem(timestamp) is not None) == fails, timestamp
