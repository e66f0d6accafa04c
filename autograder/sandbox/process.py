"""A student process as the grader holds it, and the folder it works in:
`Scratch` (the submission's private temporary folder), `_Process` (the
forked process, its guard, pidfds and cgroup) and `CellReport`."""
from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..notebook import Cell
from .cgroups import StudentCgroup
from .channel import Channel
from .limits import GIB, cpu_seconds


@dataclass(frozen=True)
class Scratch:
    """A submission's temporary folder on the grader's side, private to the
    grader: `home` (a copy of the submission's own files; a fenced student
    process gets a copy of them in a home of its own, an unisolated one works
    here), `mountpoint` (where its root filesystem is built) and the log of
    what it printed (outside its reach)."""

    root: Path

    @classmethod
    def make(cls) -> "Scratch":
        scratch = cls(Path(tempfile.mkdtemp(prefix="autograder-")))  # mode 0700
        scratch.home.mkdir()
        scratch.mountpoint.mkdir()
        return scratch

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def mountpoint(self) -> Path:
        return self.root / "root"

    @property
    def log(self) -> Path:
        return self.root / "output.log"

    def open_to(self, uid: int | None) -> None:
        """For an unisolated student process, which works in `home` itself:
        reachable, and owned by its user id when it has one (again before
        every start: the last run may have changed it)."""
        os.chmod(self.root, 0o711)
        os.chmod(self.home, 0o755, follow_symlinks=False)
        if uid is not None:
            for path in [self.home, *self.home.iterdir()]:
                os.chown(path, uid, uid, follow_symlinks=False)

    def remove(self) -> None:
        """Delete it, whatever a student left in it (a tree too deep for
        shutil's recursion, odd modes): a failure here never stops grading."""
        try:
            shutil.rmtree(self.root)
        except (OSError, RecursionError):
            subprocess.run(["rm", "-rf", "--one-file-system", "--", str(self.root)], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@dataclass
class CellReport:
    cell: Cell
    outcome: str  # "ok", "error", "timeout", "crashed", "skipped"
    message: str = ""
    traceback: str = ""
    seconds: float = 0.0


@dataclass
class _Process:
    pid: int  # the outer process (forked from the template), the student's guard
    student_pid: int  # the student process itself, as the grader sees it
    channel: Channel
    generation: int
    # Signals go through pidfds: a pid the template has reaped may already be another process's.
    pidfds: tuple[int, ...] = ()
    cgroup: StudentCgroup | None = None  # the group all its processes are in, where there is one

    def cpu_used(self) -> float:
        """CPU seconds its processes used: all that were ever in its cgroup,
        or, without one, those alive now and the children they reaped."""
        if self.cgroup is not None:
            return self.cgroup.cpu_seconds()
        return cpu_seconds(self.student_pid)

    def over_limit(self) -> str | None:
        """Why it must end, if the cgroup's memory cap already ended one of its processes."""
        if self.cgroup is None or self.cgroup.memory_bytes is None or not self.cgroup.oom_kills():
            return None
        return (f"used more than its memory limit of {self.cgroup.memory_bytes / GIB:g} GiB for all of its "
                "processes together (the kernel ended one of them)")

    def kill(self, group: bool) -> None:
        """SIGKILL the student and its guard (and, without a PID namespace, the
        guard's process group while the guard still lives)."""
        for fd in self.pidfds:
            try:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
            except OSError:
                pass
        if group:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except OSError:
                pass
        if self.cgroup is not None:  # every process it started, wherever it went
            self.cgroup.kill()

    def wait_ended(self, seconds: float) -> bool:
        """Wait until the guard and the student have exited (whoever reaps them:
        the guard reaps the student when it exits by itself)."""
        poller = select.poll()
        for fd in self.pidfds:
            poller.register(fd, select.POLLIN)
        deadline = time.monotonic() + seconds
        pending = set(self.pidfds)
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            for fd, _ in poller.poll(left * 1000):
                pending.discard(fd)
                poller.unregister(fd)
        return True

    def release(self) -> None:
        for fd in self.pidfds:
            os.close(fd)
        self.pidfds = ()
        self.channel.close()
        if self.cgroup is not None:  # (kept: a removed group reads as empty; the watchdog may still look)
            self.cgroup.remove()  # a group the kernel keeps busy is swept by the next grader


def _discard(cgroup: StudentCgroup | None) -> None:
    if cgroup is not None:
        cgroup.remove()


def _pidfds(*pids: int) -> tuple[int, ...]:
    fds = []
    for pid in pids:
        try:
            fds.append(os.pidfd_open(pid))
        except OSError:  # already gone (and reaped): nothing to signal
            pass
    return tuple(fds)
