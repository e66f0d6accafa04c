"""`autograder collect` against a student who writes into the exchange's inbound/
as their own uid, as on a shared JupyterHub (nbgrader makes inbound/ mode 733),
beside an honest student who keeps full marks. Through the real nbgrader
exchange and the real CLI; root only (it creates two users, ag-honest and
ag-mallory, and writes as mallory through setuid). The honest student's folder
is made by `nbgrader submit` run as root (the venv lives in root's home, which
other users cannot enter) and then given to ag-honest's uid, as it would be had
they run it themselves.

The attacks: folders of symbolic links to the course's secret, a solution, a
hidden grader file and another student's folder; a newer folder in the honest
student's name; a hard link to a file mallory does not own, a FIFO, a device
and a socket. Each one of them reached submitted/ before inbound/ was checked.
"""
from __future__ import annotations

import csv
import datetime
import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Callable

import pytest

from autograder.nbgrader_ops import fetch_as_student, submit_as_student
from conftest import REPO

ASSIGNMENT = "backprop"
COURSE_ID = "autodiff"
HONEST, MALLORY, CAROL = "ag-honest", "ag-mallory", "ag-carol"  # carol: submitted by the instructor, no account
SOLUTION = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
GRADER = REPO / "autograder" / "graders" / ASSIGNMENT / "test_layers.py"
GRADER_LINE = b"parametrize_layers(metafunc, [MULTIPLICATION_WEIGHT, MY_EXP])"  # in no student's notebook

# Through the real nbgrader exchange: release, submit and collect take about 30 s, grading one batch more.
pytestmark = pytest.mark.slow


def user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True,
                       capture_output=True)
        return pwd.getpwnam(name)


def as_user(account: pwd.struct_passwd, action: Callable[[], None]) -> None:
    """Run `action` in a child process with the student's uid and gid only: the kernel checks
    every write into inbound/ as it would for that student."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setgid(account.pw_gid)
            os.setuid(account.pw_uid)
            action()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, f"{account.pw_name}'s action failed"


def stamp(minutes: float) -> str:
    """A timestamp as `nbgrader submit` writes it, `minutes` from now."""
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
    return when.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def autograder(*args: str, env: dict) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", *args], env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, f"autograder {args[0]} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return proc


def submit(student: str, root: Path, exchange: Path, notebook: Path) -> Path:
    """`nbgrader fetch_assignment` and `nbgrader submit` (as root, the venv lives in root's home),
    the result then given to the student's uid, as if they had run nbgrader themselves. Returns it."""
    inbound = exchange / COURSE_ID / "inbound"
    before = set(os.listdir(inbound))
    home = root / "home" / student
    fetched = fetch_as_student(ASSIGNMENT, home, COURSE_ID, exchange) / notebook.name
    shutil.copy(notebook, fetched)
    submit_as_student(ASSIGNMENT, home, student, COURSE_ID, exchange)
    [name] = set(os.listdir(inbound)) - before
    return inbound / name


def chown_tree(path: Path, account: pwd.struct_passwd) -> None:
    for folder, _, files in os.walk(path):
        os.chown(folder, account.pw_uid, account.pw_gid)
        for name in files:
            os.chown(os.path.join(folder, name), account.pw_uid, account.pw_gid)


def hostile_folder(account: pwd.struct_passwd, inbound: Path, named: str, minutes: float,
                   fill: Callable[[Path], None]) -> Path:
    """Mallory makes a submission folder of her own in inbound/, as herself."""
    folder = inbound / f"{named}+{ASSIGNMENT}+{stamp(minutes)}"

    def action() -> None:
        folder.mkdir()
        (folder / "timestamp.txt").write_text(folder.name.split("+")[2])
        fill(folder)
    as_user(account, action)
    return folder


@pytest.fixture(scope="module")
def course(request):
    if os.geteuid() != 0:
        pytest.skip("needs root: creates two users and writes into inbound/ as one of them")
    honest, mallory = user(HONEST), user(MALLORY)
    # The exchange where students can reach it (pytest's own tmp folders are root's only); the course is root's.
    root = Path(tempfile.mkdtemp(prefix="ag-collect-"))
    request.addfinalizer(lambda: shutil.rmtree(root))
    os.chmod(root, 0o755)
    course, exchange = root / "course", root / "exchange"
    exchange.mkdir(mode=0o755)
    course.mkdir(mode=0o700)
    shutil.copytree(REPO / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
    shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    secret = "collect-attacks-secret-" + os.urandom(8).hex()
    (course / ".autograder_secret").write_text(secret + "\n")
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_SECRET"}
    env.update(NBGRADER_EXCHANGE=str(exchange), PYTHONPATH=str(REPO))
    autograder("release", ASSIGNMENT, "--course-dir", str(course), env=env)
    inbound = exchange / COURSE_ID / "inbound"
    mode = os.stat(inbound).st_mode
    assert mode & 0o777 == 0o733, "nbgrader makes inbound/ writable by every student"
    assert mode & stat.S_ISVTX, "release leaves inbound/ without the sticky bit: students may move each other's work"

    honest_folder = submit(HONEST, root, exchange, SOLUTION)
    chown_tree(honest_folder, honest)
    released = REPO / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    submit(CAROL, root, exchange, released)  # the stub, left as root's (the instructor's) folder
    stub = released.read_bytes()

    def links(folder: Path) -> None:  # attack 1
        os.symlink(course / "solutions" / ASSIGNMENT / SOLUTION.name, folder / SOLUTION.name)
        os.symlink(course / ".autograder_secret", folder / "secret.txt")
        os.symlink(GRADER, folder / "test_layers.py")
        os.symlink(honest_folder, folder / "honest")

    def forged(folder: Path) -> None:  # attack 2, in the honest student's name
        (folder / SOLUTION.name).write_bytes(stub)

    def fifo(folder: Path) -> None:  # attack 3
        (folder / SOLUTION.name).write_bytes(stub)
        os.mkfifo(folder / "pipe")

    def sock(folder: Path) -> None:
        (folder / SOLUTION.name).write_bytes(stub)
        os.chdir(folder)  # a relative name: socket paths are short
        socket.socket(socket.AF_UNIX).bind("sock")

    def plain(folder: Path) -> None:
        (folder / SOLUTION.name).write_bytes(stub)

    def move_honest() -> None:  # the sticky bit: another student's folder cannot be renamed or removed
        try:
            os.rename(honest_folder, inbound / f"{MALLORY}+{ASSIGNMENT}+{stamp(7)}")
        except PermissionError:
            return
        raise AssertionError("mallory renamed the honest student's folder in inbound/")
    as_user(mallory, move_honest)
    hostile_folder(mallory, inbound, MALLORY, 1, fifo)
    hostile_folder(mallory, inbound, HONEST, 2, forged)
    hostile_folder(mallory, inbound, MALLORY, 3, sock)
    hard_link = hostile_folder(mallory, inbound, MALLORY, 4, plain)
    device = hostile_folder(mallory, inbound, MALLORY, 5, plain)
    hostile_folder(mallory, inbound, MALLORY, 6, links)  # her latest: what nbgrader alone would collect
    # fs.protected_hardlinks stops mallory linking root's secret herself; root does it on her behalf (as
    # where that sysctl is off), and makes the device node she could not make (CAP_MKNOD).
    os.link(course / ".autograder_secret", hard_link / "notes.txt")
    try:
        os.mknod(device / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        os.chown(device / "null", mallory.pw_uid, mallory.pw_gid, follow_symlinks=False)
        has_device = True
    except OSError:
        shutil.rmtree(device)  # no CAP_MKNOD here: the device case is left out
        has_device = False
    collected = autograder("collect", ASSIGNMENT, "--course-dir", str(course), env=env)
    manifest_path = course / "quarantine" / ASSIGNMENT / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else []
    return {"course": course, "inbound": inbound, "env": env, "secret": secret, "collected": collected,
           "manifest": {m["folder"]: m for m in manifest}, "honest": honest_folder,
           "hard_link": hard_link.name, "device": device.name if has_device else None, "mallory": mallory}


def reasons_of(course: dict, name: str) -> str:
    assert name in course["manifest"], f"{name} is not in the quarantine's manifest"
    return "; ".join(course["manifest"][name]["reasons"])


def test_only_the_honest_folders_reach_submitted(course):
    submitted = course["course"] / "submitted"
    assert sorted(os.listdir(submitted)) == [CAROL, HONEST], "mallory's folders must not be collected"
    kept = (submitted / HONEST / ASSIGNMENT / "timestamp.txt").read_text().strip()
    assert kept == course["honest"].name.split("+")[2], "the honest student's own submission is kept, not mallory's"
    assert (submitted / HONEST / ASSIGNMENT / SOLUTION.name).read_bytes() == SOLUTION.read_bytes()


def test_symbolic_links_are_quarantined_without_being_followed(course):
    [name] = [n for n, m in course["manifest"].items() if "a symbolic link: secret.txt" in "; ".join(m["reasons"])]
    reasons = reasons_of(course, name)
    for link in ("backprop.ipynb ->", "secret.txt ->", "test_layers.py ->", "honest ->"):
        assert f"a symbolic link: {link}" in reasons, (link, reasons)
    kept = course["course"] / course["manifest"][name]["kept_at"]
    assert os.path.islink(kept / "secret.txt"), "the quarantine keeps links as links (moved, not copied)"
    assert not os.path.lexists(course["inbound"] / name), "a refused folder leaves inbound/"
    assert f"not collected: {name}" in course["collected"].stderr


def test_a_newer_folder_in_another_students_name_is_refused(course):
    [name] = [n for n in course["manifest"] if n.startswith(HONEST + "+")]
    reasons = reasons_of(course, name)
    assert f"owned by uid {course['mallory'].pw_uid}, not by {HONEST}" in reasons, reasons


def test_hard_links_fifos_devices_and_sockets_are_quarantined(course):
    expected = {course["hard_link"]: "a hard link: notes.txt", course["device"]: "a device: null"}
    fifo = [n for n in course["manifest"] if "a FIFO: pipe" in reasons_of(course, n)]
    sock = [n for n in course["manifest"] if "a socket: sock" in reasons_of(course, n)]
    assert len(fifo) == 1 and len(sock) == 1, course["manifest"]
    for name, reason in expected.items():
        if name is not None:
            assert reason in reasons_of(course, name), (name, reasons_of(course, name))
    assert "uid 0" in reasons_of(course, course["hard_link"]), "the linked file is root's, not mallory's"


def test_the_secret_and_the_grader_reach_no_collected_file(course):
    for folder in ("submitted", "reports", "autograded", "feedback"):
        for path in (course["course"] / folder).rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                assert course["secret"].encode() not in data, f"the course secret leaked into {path}"
                assert GRADER_LINE not in data, f"the hidden grader's source leaked into {path}"
        assert not list((course["course"] / folder).glob(f"**/*{MALLORY}*")), f"nothing of mallory's in {folder}/"


def test_nbgraders_warnings_reach_the_instructor(course):
    # carol's folder was submitted by the instructor (root) in her name: nbgrader's own owner check speaks
    assert "cheating attempt?" in course["collected"].stderr, course["collected"].stderr
    assert f"claims to be submitted by {CAROL}" in course["collected"].stderr


@pytest.fixture(scope="module")
def graded(course):
    proc = autograder("grade", ASSIGNMENT, "--course-dir", str(course["course"]), env=course["env"])
    with open(course["course"] / "reports" / ASSIGNMENT / "grades.csv") as handle:
        scores = {row["student"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(handle)}
    return {"table": proc.stdout, "scores": scores}


def test_the_honest_student_keeps_full_marks_and_mallory_is_not_graded(course, graded):
    score, max_score = graded["scores"][HONEST]
    assert score == max_score > 0, graded["scores"]
    assert MALLORY not in graded["scores"], "mallory has no submission of her own to grade"
    row = next(line for line in graded["table"].splitlines() if line.startswith(MALLORY))
    assert "not graded:" in row and "a symbolic link" in row, graded["table"]
    assert f"not collected: {HONEST}+{ASSIGNMENT}+" in graded["table"], "the forged folder is listed"
    # grading has written reports/, autograded/ and feedback/ since: none of them holds a leak either
    test_the_secret_and_the_grader_reach_no_collected_file(course)
