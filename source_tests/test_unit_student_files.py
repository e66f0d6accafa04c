"""Student files opened without following anything (fast): links, FIFOs,
devices, sockets, others' hard links, folders on the way; timestamp.txt."""
from __future__ import annotations

import os
import socket
import stat
from datetime import datetime

import pytest

from autograder.student_files import (MissingFile, TooLarge, UnsafeFile, check_student_file, copy_student_file,
                                      read_student_file, read_student_head)
from autograder.timestamps import BadTimestamp, parse_utc, read_timestamp

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chown, mknod)")


@pytest.fixture
def tree(tmp_path):
    """<root>/amy/backprop/ holding a regular notebook, and a secret outside the root."""
    root = tmp_path / "submitted"
    folder = root / "amy" / "backprop"
    folder.mkdir(parents=True)
    (folder / "backprop.ipynb").write_text('{"cells": []}')
    secret = tmp_path / "secret.txt"
    secret.write_text("the solution")
    return root, folder, secret


def test_a_regular_file_is_read(tree):
    root, folder, _ = tree
    assert read_student_file(folder / "backprop.ipynb", root) == b'{"cells": []}'


def test_a_symlinked_file_is_refused(tree):
    root, folder, secret = tree
    (folder / "backprop.ipynb").unlink()
    (folder / "backprop.ipynb").symlink_to(secret)
    with pytest.raises(UnsafeFile, match="symbolic link"):
        read_student_file(folder / "backprop.ipynb", root)


def test_a_symlinked_folder_on_the_way_is_refused(tree, tmp_path):
    root, folder, _ = tree
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "backprop.ipynb").write_text("{}")
    (root / "bo").mkdir()
    (root / "bo" / "backprop").symlink_to(elsewhere)
    with pytest.raises(UnsafeFile, match="symbolic link, not a folder"):
        read_student_file(root / "bo" / "backprop" / "backprop.ipynb", root)


def test_a_fifo_is_refused_without_being_opened(tree):
    """Opening a FIFO for reading blocks until a writer comes: the test would hang."""
    root, folder, _ = tree
    os.mkfifo(folder / "data.txt")
    with pytest.raises(UnsafeFile, match="FIFO"):
        read_student_head(folder / "data.txt", root)


def test_a_socket_is_refused(tree, monkeypatch):
    root, folder, _ = tree
    monkeypatch.chdir(folder)  # a socket's path is limited to 108 bytes: bind a relative one
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("sock")
        with pytest.raises(UnsafeFile, match="socket"):
            check_student_file(folder / "sock", root)


@ROOT_ONLY
def test_a_device_is_refused(tree):
    root, folder, _ = tree
    try:
        os.mknod(folder / "zero", stat.S_IFCHR | 0o644, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("no mknod here")
    with pytest.raises(UnsafeFile, match="character device"):
        read_student_file(folder / "zero", root)


@ROOT_ONLY
def test_a_hard_link_to_a_file_the_student_does_not_own_is_refused(tree):
    root, folder, secret = tree
    os.link(secret, folder / "notes.txt")  # owned by root, like the secret
    os.chown(root / "amy", 4242, 4242)  # the student's folder: uid 4242
    with pytest.raises(UnsafeFile, match="hard link"):
        read_student_file(folder / "notes.txt", root)
    os.chown(folder / "notes.txt", 4242, 4242)  # their own file, linked twice: harmless
    assert read_student_file(folder / "notes.txt", root) == b"the solution"


def test_missing_and_oversized_files(tree):
    root, folder, _ = tree
    with pytest.raises(MissingFile):
        read_student_file(folder / "nothing.ipynb", root)
    with pytest.raises(TooLarge):
        read_student_file(folder / "backprop.ipynb", root, max_bytes=4)
    assert read_student_head(folder / "backprop.ipynb", root, max_bytes=4) == b'{"ce'


def test_a_path_outside_the_root_is_refused(tree):
    root, _, secret = tree
    with pytest.raises(UnsafeFile, match="not inside"):
        read_student_file(secret, root)


def test_a_copy_is_a_new_regular_file(tree, tmp_path):
    root, folder, secret = tree
    home = tmp_path / "home"
    home.mkdir()
    assert copy_student_file(folder / "backprop.ipynb", root, home / "backprop.ipynb", 1024) == 13
    assert (home / "backprop.ipynb").read_text() == '{"cells": []}'
    (folder / "link").symlink_to(secret)
    with pytest.raises(UnsafeFile):
        copy_student_file(folder / "link", root, home / "link", 1024)
    assert not os.path.lexists(home / "link")


@pytest.mark.parametrize("text", ["2024-03-01 12:30:00.000000 UTC", "2024-03-01 14:30:00 +0200",
                                  "2024-03-01T12:30:00", "2024-03-01 12:30:00 Europe/Berlin", "20240301T123000Z"])
def test_timestamps_parse_as_nbgrader_does(text):
    from nbgrader.utils import parse_utc as nbgraders

    assert parse_utc(text) == nbgraders(text)


@pytest.mark.parametrize("text", ["not a date", "2024-03-01 12:00:00 /dev/stdin", "2024-03-01 12:00:00 ../../x",
                                  "9999-12-31 23:59:59 -2359", "\x00" * 10, "2024-13-45 99:99:99"])
def test_timestamps_that_are_not_times_are_refused(text):
    with pytest.raises(BadTimestamp):
        parse_utc(text)


def test_a_bad_timestamp_is_a_warning_and_is_ignored(tree):
    root, folder, _ = tree
    (folder / "timestamp.txt").write_text("not a date" * 10_000)
    when, problem = read_timestamp(folder, root)
    assert when is None and "does not hold a time" in problem and len(problem) < 400, problem
    (folder / "timestamp.txt").unlink()
    os.mkfifo(folder / "timestamp.txt")
    when, problem = read_timestamp(folder, root)
    assert when is None and "FIFO" in problem, problem
    (folder / "timestamp.txt").unlink()
    (folder / "timestamp.txt").write_text("2024-03-01 12:30:00.000000 UTC\n")
    assert read_timestamp(folder, root) == (datetime(2024, 3, 1, 12, 30), None)


def test_submissions_from_paths_keep_odd_names_and_never_enter_linked_folders(tmp_path):
    from autograder.submissions import Submission, _unique, from_paths

    subs = tmp_path / "subs"
    for folder, name in (("a", "amy"), ("b", "amy"), ("c", "amy-2"), ("d", "Ünïcode name")):
        (subs / folder).mkdir(parents=True)
        (subs / folder / f"{name}.ipynb").write_text("{}")
    (subs / "e").mkdir()
    (subs / "e").joinpath(os.fsdecode(b"bad\xffname.ipynb")).write_text("{}")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "solution.ipynb").write_text("{}")
    (subs / "f").symlink_to(outside)  # a linked folder: not entered
    found = from_paths([subs], "backprop")
    assert sorted(s.student for s in found) == ["amy", "amy-2", "amy-2-2", "bad\ufffdname", "Ünïcode name"], found
    assert all(s.root == subs for s in found) and not any("outside" in str(s.notebook) for s in found)
    assert [s.student for s in _unique([Submission("x", subs / "1.ipynb"), Submission("x-2", subs / "2.ipynb"),
                                        Submission("x", subs / "3.ipynb")])] == ["x", "x-2", "x-3"]
