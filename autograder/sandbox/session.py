"""The grader's side of one submission: its notebook running in a student
process, restarted after a crash or a timeout, reached through handles.

`Sandbox` owns the process (process.py) and answers the handles' requests
(handles.py: `Student`, `Remote`).
"""
from __future__ import annotations

import os
import signal
import time
from typing import Any

from ..notebook import Cell, NotebookError
from .channel import Channel, ChannelClosed, MessageTooLarge
from .codec import DecodeError, TensorArg, decode, encode, encode_tensor
from .errors import StudentCrashed, StudentError, StudentTimeout
from .handles import _METHOD, Remote, Student
from .isolation import UNISOLATED, Fence, kill_all_of
from .leftovers import clear_user
from .process import CellReport, Scratch, _discard, _pidfds, _Process
from .cgroups import CgroupUnavailable, StudentCgroup, available
from .budgets import Budget, TimePolicy
from .limits import Clock, Limits, Watchdog, describe_limits
from .zygote import ZygoteClient


class IsolationFailed(RuntimeError):
    """The student process could not be fenced in: nothing of the student ran.
    The grader's problem, not the student's: grading must stop."""


class Sandbox:
    def __init__(self, zygote: ZygoteClient, cells: list[Cell], scratch: Scratch, fence: Fence,
                 limits: Limits | None = None, load_error: str | None = None, policy: TimePolicy | None = None):
        self.zygote = zygote
        self.load_error = load_error
        self.fence = fence
        self.cells = cells
        self.scratch = scratch
        self.limits = limits or Limits()
        self.policy = policy or TimePolicy(self.limits)
        self.cell_reports: list[CellReport] = []
        self.skipped: dict[int, str] = {}  # cell number -> why it is no longer run
        self.process: _Process | None = None
        self.generation = 0
        self.runs = 0  # how often the notebook was (re)started for tests
        self.watchdog = Watchdog(self)
        self.warnings: list[str] = []  # what the student process reported missing (unisolated mode)
        self.no_cgroup: str | None = None  # why its processes have no cgroup, once known
        self.cgroup_version: int | None = None  # or the version of the cgroups they have
        self.student_cpu = 0.0  # CPU seconds its processes used, as they end
        self.timeouts = 0  # cells and tests that ran out of time
        # Functions (as the grader called them: "my_exp.backward") that ran out of time in a test:
        # later calls of each are stopped at the floor, so one hang costs its own tests only.
        self.hung: set[str] = set()
        self.cell_cpu: dict[str, float] = {}  # grade id -> CPU seconds its last run used (for the calibration)
        self._test_cpu_start = 0.0
        self._tainted: str | None = None  # a hung function this test reaches through the student's units
        # What the current run of the notebook has shown, so that it is asked once:
        self.known_globals: dict[str, Remote] = {}  # its classes and functions, by name
        self.known_methods: set[tuple[Any, str]] = set()  # (type, name) of the methods found
        self._test_clock: Clock | None = None
        self.started = time.monotonic()

    # -- lifecycle ------------------------------------------------------
    def ensure_started(self) -> None:
        if self.process is not None:
            return
        if self.load_error is not None:
            raise NotebookError(self.load_error)
        if self.runs > self.limits.max_restarts:
            raise StudentCrashed(
                f"gave up after restarting the notebook {self.limits.max_restarts} times "
                "(it keeps crashing or timing out)")
        self.runs += 1
        self._run_notebook()
        if self._test_clock is not None:  # restarted inside a test: its clock goes on
            self.watchdog.arm(self.process, self._test_clock)

    def _spawn(self) -> None:
        limits = {"memory": self.limits.memory_bytes, "file_size": self.limits.file_bytes,
                  "open_files": self.limits.open_files, "core_file": 0,  # a crash dumps no core
                  "cpu": self.limits.cpu_rlimit()}  # a backstop; the watchdog enforces each test's limit
        if self.fence.uid is not None:  # the process cap counts per user: only with a user of our own
            limits["processes"] = self.limits.processes
        if self.fence.mode == UNISOLATED:
            self.scratch.open_to(self.fence.uid)
        request = {"scratch": str(self.scratch.home), "mountpoint": str(self.scratch.mountpoint),
                   "log": str(self.scratch.log), "limits": limits, "fence": self.fence.to_json(),
                   "tmp_bytes": self.limits.tmp_bytes}
        cgroup = self._make_cgroup()
        if cgroup is not None:
            request["cgroup"] = cgroup.procs_files  # joined by its guard before the student is forked
        try:
            pid, sock = self.zygote.spawn(request)
        except BaseException:
            _discard(cgroup)
            raise
        channel = Channel(sock, self.limits.max_message_bytes)
        try:
            sock.settimeout(30)
            first = channel.recv()
            hello = first if "fence_error" in first else channel.recv()
            sock.settimeout(None)
        except (OSError, ChannelClosed, DecodeError, MessageTooLarge) as exc:
            channel.close()
            _discard(cgroup)
            raise IsolationFailed(f"the student process did not start ({exc})") from None
        if not hello.get("ok"):
            channel.close()
            _discard(cgroup)
            raise IsolationFailed(f"the student process could not be fenced in: {hello.get('fence_error')}")
        self.generation += 1
        self.known_globals, self.known_methods = {}, set()
        student_pid = int(first["student_pid"])
        self.process = _Process(pid, student_pid, channel, self.generation, _pidfds(pid, student_pid), cgroup)
        self.warnings = [str(w)[:500] for w in hello.get("warnings", [])][:5]

    def _make_cgroup(self) -> StudentCgroup | None:
        """A new cgroup for the process tree about to start, or None (the reason
        kept for the result) where this grader can make none."""
        try:
            cgroup = available().create(self.limits.total_memory_bytes, self.limits.processes)
        except (CgroupUnavailable, OSError) as exc:
            self.no_cgroup, self.cgroup_version = str(exc), None
            return None
        self.no_cgroup, self.cgroup_version = None, cgroup.version
        return cgroup

    def limits_in_force(self) -> str:
        """One line for the result: which limits held its processes."""
        if self.no_cgroup is None and self.cgroup_version is None:  # never started: what it would have had
            try:
                self.cgroup_version = available().version
            except CgroupUnavailable as exc:
                self.no_cgroup = str(exc)
        return describe_limits(self.limits, self.fence.uid is not None, self.cgroup_version, self.no_cgroup)

    def _run_notebook(self) -> None:
        """Run every cell in order; a cell that hangs or kills the process is
        recorded, skipped, and the notebook is run again without it. Each run
        has the notebook's time budget: the cells that are left when it runs
        out are not run (what they define is missing), but are not skipped for
        good. Runs after the first (a test's restart) leave out the visible
        checks, which define nothing the graders use: their outcome stays the
        first run's."""
        while True:
            started = time.monotonic()
            left_in_submission = self.limits.submission_seconds - (started - self.started)
            if left_in_submission <= 0:
                raise StudentTimeout(f"the submission used up its {self.limits.submission_seconds:g} s time budget "
                                     "before its notebook could run again")
            budget = min(self.limits.notebook_seconds, left_in_submission)
            self._spawn()
            earlier = {report.cell.number: report for report in self.cell_reports}
            reports = []
            restart = False
            for cell in self.cells:
                if cell.number in self.skipped:
                    reports.append(CellReport(cell, "skipped", self.skipped[cell.number]))
                    continue
                if cell.visible_check and self.runs > 1 and cell.number in earlier:
                    reports.append(earlier[cell.number])  # it ran in the first run: that outcome stands
                    continue
                left = budget - (time.monotonic() - started)
                if left <= 0:
                    reports.append(CellReport(cell, "skipped", f"not run: the notebook used up its {budget:g} s "
                                                               "of time before this cell"))
                    continue
                t0, cpu0 = time.monotonic(), self.cpu_total()
                self.watchdog.arm(self.process, self._cell_clock(left, cell))
                try:
                    self._exchange({"op": "cell", "name": cell.name, "source": cell.source})
                    reports.append(CellReport(cell, "ok", seconds=time.monotonic() - t0))
                    if cell.grade_id:
                        self.cell_cpu[cell.grade_id] = self.cpu_total() - cpu0
                except StudentError as exc:
                    reports.append(CellReport(cell, "error", str(exc), exc.traceback, time.monotonic() - t0))
                except StudentTimeout as exc:
                    self.timeouts += 1
                    self.skipped[cell.number] = f"{exc}, and was skipped"
                    restart = True
                    break
                except StudentCrashed as exc:
                    self.skipped[cell.number] = f"ended the notebook's process ({exc}), so it was skipped"
                    restart = True
                    break
                finally:
                    self.watchdog.disarm()
            self.cell_reports = reports
            if not restart:
                return

    def _cell_clock(self, left: float, cell: Cell) -> Clock:
        """A cell's limit (budgets.py), within what is left of the notebook's budget."""
        budget = self.policy.cell(cell.grade_id, hung=self.timeouts > 0)
        cpu = min(budget.seconds, left)
        return Clock(cpu, min(Limits.wall_backstop(cpu), left), budget.why)

    def cpu_total(self) -> float:
        """CPU seconds the student's processes used so far, ended ones included."""
        process = self.process
        return self.student_cpu + (0.0 if process is None else process.cpu_used())

    def kill_generation(self, generation: int) -> None:
        process = self.process
        if process is not None and process.generation == generation:
            process.kill(group=self.fence.mode == UNISOLATED)

    def kill(self) -> None:
        """End the student process and, with it, every process it started."""
        process, self.process = self.process, None
        if process is None:
            return
        self.student_cpu += process.cpu_used()  # what its code cost, for the benchmark
        process.kill(group=self.fence.mode == UNISOLATED)
        if self.fence.mode == UNISOLATED and self.fence.uid is not None:
            kill_all_of(self.fence.uid)  # no PID namespace: whatever escaped runs as the student's user id
        elif self.fence.mode != UNISOLATED:
            # The student process is PID 1 of its namespace: once it has exited,
            # the kernel has ended every process that namespace held.
            process.wait_ended(2.0)
        process.release()

    def _how_it_ended(self, pid: int) -> str:
        status = self.zygote.exit_status(pid)
        if status is None:
            return "the notebook's process ended unexpectedly"
        if os.WIFEXITED(status):
            return f"the notebook's process exited with code {os.WEXITSTATUS(status)} (os._exit or exit)"
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
            hint = {"SIGSEGV": "a crash, for instance recursion too deep for the C stack",
                    "SIGABRT": "an abort, for instance memory exhausted inside a library",
                    "SIGXCPU": "the CPU time limit", "SIGXFSZ": "the file size limit",
                    "SIGKILL": "killed, by a limit or by the code itself"}.get(name, "a signal")
            return f"the notebook's process was ended by {name} ({hint})"
        return "the notebook's process ended unexpectedly"

    # -- time limits ----------------------------------------------------
    def set_time_limit(self, budget: Budget) -> None:
        """Start the clock of one test: once the student's code has used
        `budget.seconds` of CPU time, or a wall-clock backstop has passed, the
        student process is killed. The submission's whole budget caps it."""
        left = self.limits.submission_seconds - (time.monotonic() - self.started)
        if left <= 0:
            raise StudentTimeout(f"the submission used up its {self.limits.submission_seconds:g} s time budget "
                                 "before this test could run")
        seconds, why = budget.seconds, budget.why
        if self.limits.max_test_seconds is not None and seconds > self.limits.max_test_seconds:
            seconds, why = self.limits.max_test_seconds, f"the instructor's cap of {self.limits.max_test_seconds:g} s"
        self.ensure_started()
        self._test_cpu_start = self.cpu_total()
        self._tainted = None
        self._test_clock = Clock(min(seconds, left), min(Limits.wall_backstop(seconds), left), why)
        self.watchdog.arm(self.process, self._test_clock)

    def test_budget(self, name: str, factor: float | None) -> Budget:
        """Test `name`'s limit (budgets.py); `factor`: the test's own, if it declares one."""
        return self.policy.test(name, factor, hung=self.timeouts > 0)

    def clear_time_limit(self) -> float:
        """Stop the test's clock; returns the CPU seconds the student's code used in the test."""
        self._test_clock = None
        self.watchdog.disarm()
        return self.cpu_total() - self._test_cpu_start

    def _floored(self, where: str) -> Clock | None:
        """For a call of a function that already ran out of time in a test: a
        clock stopping this call at the floor (None: the test's clock goes on)."""
        clock = self._test_clock
        if clock is None or self.process is None or (where not in self.hung and self._tainted is None):
            return None
        budget = self.policy.hung(where) if where in self.hung else self.policy.hung(self._tainted, through=True)
        if clock.cpu <= budget.seconds:
            return None
        return Clock(budget.seconds, Limits.wall_backstop(budget.seconds), budget.why)

    # -- requests -------------------------------------------------------
    def _exchange(self, message: dict | None) -> dict:
        """Send `message` (None: only read) and return the reply."""
        process = self.process
        if process is None:
            raise StudentCrashed("the notebook's process is not running")
        try:
            if message is not None:
                process.channel.send(message)
            reply = process.channel.recv()
        except ChannelClosed:
            why = self.watchdog.expired.pop(process.generation, None)
            memory = process.over_limit()
            how = None if why is not None else self._how_it_ended(process.pid)  # before killing what is left
            self.kill()
            if memory is not None:
                raise StudentCrashed(memory) from None
            if why is not None:
                raise StudentTimeout(why) from None
            raise StudentCrashed(how) from None
        except (DecodeError, MessageTooLarge) as exc:
            self.kill()
            raise StudentCrashed(f"the notebook's process sent back something unreadable: {exc}") from None
        memory = process.over_limit()
        if memory is not None:  # a process of its tree was ended for memory: the whole tree ends
            self.kill()
            raise StudentCrashed(memory)
        if reply.get("ok") is True:
            return reply
        error = reply.get("error")
        if reply.get("ok") is not False or not isinstance(error, dict):
            self.kill()
            raise StudentCrashed("the notebook's process sent back something that is not a reply")
        raise StudentError(str(error.get("type", "Error"))[:100], str(error.get("message", ""))[:4000],
                           str(error.get("traceback", ""))[:4000])

    def request(self, message: dict, where: str = "") -> Any:
        self.ensure_started()
        generation = self.process.generation
        floored = self._floored(where)
        test_clock, test_start = self._test_clock, self.watchdog.armed_since()
        if floored is not None:
            self.watchdog.arm(self.process, floored)
        try:
            reply = self._exchange(message)
        except StudentError as exc:
            raise StudentError(exc.kind, exc.message, exc.traceback, where) from None
        except StudentTimeout as exc:
            if test_clock is not None:
                self.timeouts += 1
                self.hung.add(where)
            raise StudentTimeout(f"{where or 'your code'} {exc}") from None
        finally:
            if floored is not None and self.process is not None and self.process.generation == generation:
                self.watchdog.arm(self.process, test_clock, test_start)  # the call returned: the test's clock goes on
        if reply.get("method"):
            return _METHOD
        try:
            return decode(reply.get("value"), lambda tag: Remote(self, tag, generation))
        except (DecodeError, ValueError, TypeError, KeyError) as exc:
            raise StudentCrashed(f"{where} returned something that is not plain data: {exc}") from None

    def encode_args(self, args: tuple, kwargs: dict) -> dict:
        def handle_for(value: Any) -> dict:
            if isinstance(value, Remote):
                return value._tag()
            if isinstance(value, TensorArg):
                return encode_tensor(value.values, value.requires_grad)
            raise TypeError(f"cannot send {type(value).__name__} to the student process")
        encoded = {"args": encode(list(args), handle_for)}
        if kwargs:
            encoded["kwargs"] = encode(dict(kwargs), handle_for)
        return encoded

    def sgd(self, model: "Remote", xs: list[float], ys: list[float], steps: list[tuple["Remote", float]],
            factors: list[float]) -> None:
        """Run SGD iterations chosen by the grader in one round trip (see Worker.op_sgd)."""
        message = {"op": "sgd", "model": model._tag(), "x": xs, "y": ys, "factor": factors,
                   "steps": [[target._tag(), float(rate)] for target, rate in steps]}
        where = ", ".join([f"{model._type}.forward/compute_loss/backward"] + [f"{t._type}.step" for t, _ in steps])
        self.request(message, where)

    def units(self, key: str, reference: list[tuple[str, str]], units: list[str],
              counted: tuple[str, ...] = ()) -> "Student":
        """The student's `units` (global names) with the `reference` program for
        everything else, in the student process (built once per key and run);
        calls of the `counted` names are counted in its `_graded_calls`. When
        one of these units has a function that already ran out of time, the
        rest of the test's calls are stopped at the lower floor."""
        hung = sorted(where for where in self.hung if where.split(".")[0].removesuffix("()") in units)
        if hung and self._test_clock is not None:
            self._tainted = hung[0]
        self.request({"op": "units", "key": key, "reference": [list(c) for c in reference], "units": list(units),
                      "counted": list(counted)}, "preparing the reference for the other units")
        return Student(self, key)

    def put(self, value: Any) -> "Remote":
        """A copy of `value` that lives in the student process (to check it is not mutated)."""
        return self.request({"op": "put", "value": self.encode_args((value,), {})["args"][0]}, "storing an input")

    def fetch(self, remote: "Remote") -> Any:
        """The current value of a plain-data object living in the student process."""
        return self.request({"op": "fetch", "target": remote._tag()}, "reading back an input")

    def close(self) -> None:
        self.clear_time_limit()
        self.kill()
        if self.fence.uid is not None:  # the next submission gets the same id: nothing of this one may be left
            clear_user(self.fence.uid, shared_folders=self.fence.mode == UNISOLATED)


