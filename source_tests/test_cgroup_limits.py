"""Exact CPU, memory and process limits per student: each student process
tree runs in a cgroup of its own (autograder/sandbox/cgroups.py). Attacks
that per-process limits miss, graded through the real sandbox beside an
honest submission; and the fallback where no cgroup can be made."""
from __future__ import annotations

import glob
import os
import re
import subprocess
import sys

import nbformat
import pytest

from autograder.assignments import get_assignment
from autograder.grading.runner import GradingContext, Submission, fence_for, grade_submissions
from autograder.sandbox import cgroups
from autograder.sandbox.limits import GIB, Limits
from autograder.variants import Variant, write_variant
from conftest import SECRET, released, solution

pytestmark = pytest.mark.slow
# Small limits keep the batch quick: 2 s of CPU per cell and 4 s per test, 15 s
# per submission, 1 GiB for all of a submission's processes together, 40 processes.
LIMITS = Limits(cell_seconds=2, max_test_seconds=4, submission_seconds=15, total_memory_bytes=GIB, processes=40)
TARGET = "        return grad * self.y\n"  # Exp.backward, called by several hidden tests

# Ignore SIGCHLD, so the kernel reaps the children at once, and burn CPU in
# short-lived children (about five at a time): /proc never shows them long
# enough to be counted.
SIGCHLD_ATTACK = """        import os, signal, time
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if os.fork() == 0:
                started = time.process_time()
                while time.process_time() - started < 0.1:
                    pass
                os._exit(0)
            time.sleep(0.02)
        return grad * self.y
"""
# Three processes of 2.8 GiB each, every page touched (one write per 4 KiB page
# makes it resident at little CPU cost): per-process limits (8 GiB of address
# space each) let all three through.
MEMORY_ATTACK = """        import os, time, numpy
        def hold():
            held = numpy.zeros(int(2.8 * 2**30), dtype=numpy.uint8)
            held[::4096] = 1
            return held
        children = []
        for _ in range(2):
            pid = os.fork()
            if pid == 0:
                held = hold()
                time.sleep(20)
                os._exit(0)
            children.append(pid)
        held = hold()
        time.sleep(3)
        for pid in children:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        return grad * self.y
"""
# Processes that stay: as many as it can start, up to 200 (a bomb that doubles
# would do the same to the cap, and far worse to a machine without one).
FORK_ATTACK = """        import os, time
        started = 0
        try:
            while started < 200:
                if os.fork() == 0:
                    time.sleep(30)
                    os._exit(0)
                started += 1
        except OSError as exc:
            raise RuntimeError(f"FORKED {started} then {type(exc).__name__}") from None
        raise RuntimeError(f"FORKED {started} without a refusal")
"""
# A grader that makes a student's group, starts a process in it, and is killed
# before it can clean up (the process stays: nothing ties it to the grader).
KILLED_GRADER = """
import os, signal, subprocess
from autograder.sandbox import cgroups
group = cgroups.available().create(2**30, 10)
child = subprocess.Popen(["sleep", "60"], preexec_fn=lambda: cgroups.join(group.procs_files),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(child.pid, *sorted(map(str, group.dirs.values())), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""
READ_LIMITS = ("cpu = [line for line in open('/proc/self/limits') if line.startswith('Max cpu time')]\n"
               "raise RuntimeError('LIMITS ' + ' '.join(cpu[0].split()))\n")


def _cgroups_or_skip() -> cgroups.Cgroups:
    try:
        return cgroups.available()
    except cgroups.CgroupUnavailable as exc:
        pytest.skip(f"no cgroups here ({exc}): the attacks would use the machine's memory")


def _attack(tmp, name: str, code: str):
    return write_variant(Variant(name, ((TARGET, code),)), released("backprop"), solution("backprop"),
                         tmp / name / "backprop.ipynb")


def _messages(result) -> str:
    """What the student's feedback says about each test, and its notes on the notebook's cells."""
    return "\n".join([f"{t.name}: {t.outcome}: {t.message}" for t in result.tests] + result.notes)


def _our_groups() -> list[str]:
    """Groups this process made (named autograder-<pid>-<n>) still on any cgroup mount."""
    return glob.glob(f"/sys/fs/cgroup/**/{cgroups.PARENT}-{os.getpid()}-*", recursive=True)


@pytest.fixture(scope="module")
def batch(tmp_path_factory, templates, context):
    found = _cgroups_or_skip()
    tmp = tmp_path_factory.mktemp("cgroups")
    submissions = [Submission("sigchld", _attack(tmp, "sigchld", SIGCHLD_ATTACK)),
                   Submission("memory", _attack(tmp, "memory", MEMORY_ATTACK)),
                   Submission("honest", solution("backprop"))]
    made = found.count
    results = grade_submissions(context("backprop", LIMITS), templates("backprop").client(), submissions)
    assert found.count > made, "the batch made no cgroup"
    return {r.student: r for r in results}


def test_honest_submission_keeps_full_marks(batch):
    honest = batch["honest"]
    assert honest.score == honest.max_score, _messages(honest)
    assert "cgroup v" in honest.isolation and "at most 1 GiB of memory" in honest.isolation, honest.isolation


def test_cpu_of_reaped_children_counts(batch):
    """The children's CPU is the cgroup's: the cells and tests that run the
    attack are stopped at their CPU limit, not by the wall-clock backstop
    (which is all that /proc accounting ever sees of this attack)."""
    result = batch["sigchld"]
    stopped = re.findall(r"was stopped after [\d.]+ s of CPU time \(all of its processes together\)", _messages(result))
    assert stopped, _messages(result)
    assert result.score < result.max_score


def test_total_memory_is_capped(batch):
    result = batch["memory"]
    capped = [t for t in result.tests if "memory limit of 1 GiB for all of its processes" in t.message]
    assert capped and all(t.outcome != "passed" for t in capped), _messages(result)
    assert result.score < result.max_score


def test_groups_are_removed(batch):
    assert not _our_groups(), _our_groups()


def test_fork_bomb_stopped_by_pids_max(tmp_path, templates):
    """Without a user id of its own (no RLIMIT_NPROC), only the cgroup's
    pids.max caps the student's processes."""
    _cgroups_or_skip()
    assignment = get_assignment("backprop")
    context = GradingContext(assignment, SECRET, fence_for(assignment, None), LIMITS)
    [result] = grade_submissions(context, templates("backprop").client(),
                                 [Submission("forks", _attack(tmp_path, "forks", FORK_ATTACK))])
    counts = [int(n) for n in re.findall(r"FORKED (\d+) then BlockingIOError", _messages(result))]
    assert counts and max(counts) < LIMITS.processes, _messages(result)
    assert not _our_groups(), _our_groups()


def test_without_cgroups_rlimit_cpu_and_the_result_says_so(tmp_path, templates, context, monkeypatch):
    monkeypatch.setenv(cgroups.DISABLE_ENV, "1")
    notebook = nbformat.read(str(solution("backprop")), as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(READ_LIMITS))
    (tmp_path / "limits").mkdir()
    nbformat.write(notebook, str(tmp_path / "limits" / "backprop.ipynb"))
    [result] = grade_submissions(context("backprop", LIMITS), templates("backprop").client(),
                                 [Submission("limits", tmp_path / "limits" / "backprop.ipynb")])
    assert result.score == result.max_score, _messages(result)
    cpu = LIMITS.cpu_rlimit()
    assert any(f"LIMITS Max cpu time {cpu} {cpu + 1} seconds" in note for note in result.notes), result.notes
    assert "no cgroup: cgroups turned off" in result.isolation, result.isolation
    assert "RLIMIT_CPU" in result.isolation, result.isolation
    assert not _our_groups(), "a cgroup was made although cgroups were turned off"


def test_groups_of_a_killed_grader_are_removed_at_the_next_start():
    _cgroups_or_skip()
    killed = subprocess.run([sys.executable, "-c", KILLED_GRADER], capture_output=True, text=True, timeout=60)
    assert killed.returncode == -9, killed.stderr
    pid, *dirs = killed.stdout.split()
    assert all(os.path.isdir(d) for d in dirs) and os.path.exists(f"/proc/{pid}"), "nothing was left to sweep"
    cgroups.Cgroups.find()  # what the next grader does first
    assert not any(os.path.exists(d) for d in dirs), dirs
    assert not os.path.exists(f"/proc/{pid}/cmdline") or "sleep" not in open(f"/proc/{pid}/cmdline").read(), \
        "the process left in the group still runs"
