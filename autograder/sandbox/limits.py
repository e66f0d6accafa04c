"""The limits on a student process and the clocks that enforce them: CPU
time (the student's processes, reaped children included), wall clock, and
the watchdog thread that kills the student process when a clock runs out."""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .process import _Process
    from .session import Sandbox

GIB = 1024**3
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Limits:
    # Time limits on the student's CPU time: each cell's and test's is max(floor, factor x the reference
    # solution's time there) (budgets.py); `test_seconds`/`cell_seconds`, when given, override it for all.
    floor_seconds: float = 2.0
    # Once a submission has hit a limit, its later cells and tests have this floor instead (they still get
    # factor x the reference's time where that is more), and calls of the function that hit it stop here.
    hung_floor_seconds: float = 0.5
    # ... and its later cells (whose outcome is only a note, unless they define something) this factor.
    hung_cell_factor: float = 5.0
    factor: float = 20.0
    test_seconds: float | None = None
    cell_seconds: float | None = None
    uncalibrated_seconds: float = 30.0  # where there is no calibration (the reference solution itself)
    max_test_seconds: float | None = None  # caps every test's limit (None: no cap)
    submission_seconds: float = 900.0  # wall clock: all of one submission's tests together
    notebook_seconds: float = 120.0  # wall clock: each run of the notebook from the top
    memory_bytes: int | None = 8 * GIB  # address space of each student process (RLIMIT_AS)
    # Memory in use by all of a submission's processes together (its cgroup's
    # memory.max / memory.limit_in_bytes, swap off; None: no cap). Address space
    # counts what a process mapped, touched or not (torch alone maps over a GiB
    # of libraries), this counts what is resident: so it is lower than
    # `memory_bytes` and is what bounds a submission that spreads over processes.
    total_memory_bytes: int | None = 4 * GIB
    file_bytes: int | None = 64 * 1024**2  # each file it writes, its printed output included
    tmp_bytes: int = 256 * 1024**2  # its /tmp and /dev/shm (each)
    # Processes and threads: of the student's user id (RLIMIT_NPROC, own user id
    # only) and of its cgroup (pids.max), where it has one.
    processes: int | None = 128
    open_files: int | None = 256
    max_message_bytes: int = 64 * 1024**2
    max_restarts: int = 50  # the submission's time budget usually ends it first

    @staticmethod
    def wall_backstop(cpu_seconds: float) -> float:
        """Time limits count the student's CPU time, so a busy machine costs
        nobody points; this wall-clock limit catches code that sleeps or waits."""
        return 3 * cpu_seconds + 5

    def cpu_rlimit(self) -> int:
        """RLIMIT_CPU of every student process: a backstop above any test's
        limit (the kernel counts each process's own CPU over its whole life, all
        its tests together, which the submission's budget bounds)."""
        return int(self.submission_seconds) + 10


def describe_limits(limits: Limits, own_uid: bool, cgroup_version: int | None, no_cgroup: str | None) -> str:
    """One line for results and feedback: the limits that held a submission's
    processes, with its cgroup (`cgroup_version`) or without one (`no_cgroup`: why)."""
    per_process = [] if limits.memory_bytes is None else [f"{limits.memory_bytes / GIB:g} GiB of address space"]
    per_process.append(f"{limits.cpu_rlimit()} s of CPU time over its life (RLIMIT_CPU)")
    if own_uid and limits.processes is not None:
        per_process.append(f"{limits.processes} processes for its user id")
    each = "each process: " + ", ".join(per_process)
    if no_cgroup is not None or cgroup_version is None:
        return (f"limits: time limits count the CPU time of its live processes only, no cap on their total "
                f"memory or number (no cgroup: {no_cgroup}); {each}")
    total = [] if limits.total_memory_bytes is None else [f"{limits.total_memory_bytes / GIB:g} GiB of memory"]
    total += [] if limits.processes is None else [f"{limits.processes} processes"]
    return (f"limits: time limits count the CPU time of all of its processes (cgroup v{cgroup_version}), "
            f"and all of them together had at most {' and '.join(total) or 'no cap'}; {each}")


@dataclass
class Clock:
    """A running limit: `cpu` seconds of the student's CPU time, within `wall`
    seconds; `why` says where the limit comes from (budgets.Budget.why)."""

    cpu: float
    wall: float
    why: str = ""
    started: float = field(default_factory=time.monotonic)


def cpu_seconds(pid: int) -> float:
    """CPU time used by a process and its live descendants, and by the
    children they waited for: the fallback where there is no cgroup. Children
    the kernel reaps by itself (SIGCHLD ignored) are not counted once gone;
    a cgroup counts them (StudentCgroup.cpu_seconds)."""
    total, todo, seen = 0, [pid], set()
    while todo and len(seen) < 4096:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15])  # its threads, and the children it reaped
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(child) for child in handle.read().split())
        except (OSError, IndexError, ValueError):
            continue
    return total / CLOCK_TICK


class Watchdog:
    """Kills the student process when the running clock's CPU or wall limit
    runs out, or when its cgroup's memory cap ended one of its processes, so
    that the pipe itself needs no timeout. One thread per sandbox."""

    def __init__(self, sandbox: Sandbox):
        self._sandbox = sandbox
        self._lock = threading.Condition()
        self._armed: tuple[_Process, Clock, float] | None = None  # (process, clock, cpu at start)
        self._thread: threading.Thread | None = None
        self.expired: dict[int, str] = {}  # generation -> why it was killed

    def arm(self, process: _Process, clock: Clock, cpu_start: float | None = None) -> None:
        """Watch `clock` on `process`, counting its CPU time from now (or from `cpu_start`)."""
        with self._lock:
            self._armed = (process, clock, process.cpu_used() if cpu_start is None else cpu_start)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="sandbox-watchdog")
                self._thread.start()
            self._lock.notify()

    def armed_since(self) -> float | None:
        """The CPU reading the running clock counts from (None: no clock is running)."""
        with self._lock:
            return None if self._armed is None else self._armed[2]

    def disarm(self) -> None:
        with self._lock:
            self._armed = None

    def _run(self) -> None:
        with self._lock:
            while True:
                if self._armed is None:
                    self._lock.wait()
                    continue
                process, clock, cpu_start = self._armed
                generation = process.generation
                elapsed = time.monotonic() - clock.started
                used = process.cpu_used() - cpu_start
                over = process.over_limit()  # the cgroup's memory cap ended one of its processes
                if over:
                    why = over
                elif used >= clock.cpu:
                    why = f"was stopped after {used:.1f} s of CPU time"
                    why += "" if process.cgroup is None else " (all of its processes together)"
                    why += f"; {clock.why}" if clock.why else f"; its limit is {clock.cpu:g} s"
                elif elapsed >= clock.wall:
                    why = (f"did not finish within its time limit of {clock.wall:g} s of wall-clock time (it used "
                           f"{used:.1f} s of CPU time: it was waiting, sleeping or stuck)")
                else:
                    self._lock.wait(min(clock.wall - elapsed, max(clock.cpu - used, 0.02), 1.0))
                    continue
                self._armed = None
                self.expired[generation] = why
                self._sandbox.kill_generation(generation)
