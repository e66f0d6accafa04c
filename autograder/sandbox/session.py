"""The grader's side of one submission: its notebook running in a student
process, restarted after a crash or a timeout, reached through handles.

`Sandbox` owns the process; `Student` exposes the notebook's globals
(`student.my_exp()`); `Remote` stands for any object that stays in the
student process (method calls and attribute reads cross the pipe).
"""
from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..notebook import Cell, NotebookError
from .channel import Channel, ChannelClosed, ChannelTimeout, MessageTooLarge
from .codec import DecodeError, TensorArg, decode, encode, encode_tensor
from .errors import StudentCrashed, StudentError, StudentTimeout
from .zygote import Zygote

GIB = 1024**3


@dataclass
class Limits:
    test_seconds: float = 30.0  # default per test; a test's own time_limit mark wins
    max_test_seconds: float | None = None  # caps every test's limit (None: no cap)
    submission_seconds: float = 900.0  # all of one submission's tests together
    cell_seconds: float = 120.0
    notebook_seconds: float = 300.0
    memory_bytes: int | None = 8 * GIB  # address space of a student process
    file_bytes: int | None = 64 * 1024**2  # each file it writes, its printed output included
    processes: int | None = 128  # processes and threads of the student user (root mode only)
    open_files: int | None = 256
    max_message_bytes: int = 256 * 1024**2
    max_restarts: int = 50  # the submission's time budget usually ends it first


@dataclass
class CellReport:
    cell: Cell
    outcome: str  # "ok", "error", "timeout", "crashed", "skipped"
    message: str = ""
    traceback: str = ""
    seconds: float = 0.0


@dataclass
class _Process:
    pid: int
    channel: Channel
    generation: int


class Sandbox:
    def __init__(self, zygote: Zygote, cells: list[Cell], workdir: Path, limits: Limits | None = None,
                 load_error: str | None = None, fence: dict | None = None):
        self.zygote = zygote
        self.load_error = load_error
        self.fence = fence or {}  # isolation.py: folders to hide, user id to run as
        self.isolation_problems: list[str] = []
        self.cells = cells
        self.workdir = Path(workdir)
        self.limits = limits or Limits()
        self.log = self.workdir / "output.log"
        self.cell_reports: list[CellReport] = []
        self.skipped: dict[int, str] = {}  # cell number -> why it is no longer run
        self.process: _Process | None = None
        self.generation = 0
        self.runs = 0  # how often the notebook was (re)started for tests
        self.deadline_seconds: float = self.limits.test_seconds
        # A watchdog thread kills the process group when a time limit runs out,
        # so the pipe itself can block without a timeout on every message.
        self._watchdog: threading.Timer | None = None
        self._expired: set[int] = set()  # generations killed by the watchdog
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

    def _spawn(self) -> None:
        limits = {"memory": self.limits.memory_bytes, "file_size": self.limits.file_bytes,
                  "open_files": self.limits.open_files, "core_file": 0}  # a crash dumps no core
        if self.fence.get("uid") is not None:  # the process cap counts per user: only with a user of our own
            limits["processes"] = self.limits.processes
        pid, sock = self.zygote.spawn(self.workdir, self.log, limits, self.fence)
        self.generation += 1
        self.process = _Process(pid, Channel(sock, self.limits.max_message_bytes), self.generation)
        self._arm(30.0)
        try:
            hello = self._exchange(None)
        finally:
            self._disarm()
        self.isolation_problems = [str(p) for p in hello.get("problems", [])][:10]

    def _run_notebook(self) -> None:
        """Run every cell in order; a cell that hangs or kills the process is
        recorded, skipped, and the notebook is run again without it."""
        started = time.monotonic()
        # The notebook's own limit, within what is left of the submission's budget.
        budget = min(self.limits.notebook_seconds,
                     self.limits.submission_seconds - (started - self.started))
        while True:
            self._spawn()
            reports = []
            restart = False
            for cell in self.cells:
                if cell.number in self.skipped:
                    reports.append(CellReport(cell, "skipped", self.skipped[cell.number]))
                    continue
                left = budget - (time.monotonic() - started)
                seconds = min(self.limits.cell_seconds, max(left, 0.0))
                t0 = time.monotonic()
                self._arm(seconds)
                try:
                    self._exchange({"op": "cell", "name": cell.name, "source": cell.source})
                    reports.append(CellReport(cell, "ok", seconds=time.monotonic() - t0))
                except StudentError as exc:
                    reports.append(CellReport(cell, "error", str(exc), exc.traceback, time.monotonic() - t0))
                except StudentTimeout:
                    why = f"did not finish within {seconds:.0f} s, so it was stopped and skipped"
                    self.skipped[cell.number] = why
                    restart = True
                    break
                except StudentCrashed as exc:
                    self.skipped[cell.number] = f"ended the notebook's process ({exc}), so it was skipped"
                    restart = True
                    break
                finally:
                    self._disarm()
            self.cell_reports = reports
            if not restart:
                return

    def kill(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.fence.get("uid") is not None:
            # Whatever escaped the process group (setsid, double fork) runs as the student user.
            from .isolation import kill_user_processes

            kill_user_processes(int(self.fence["uid"]))
        process.channel.close()

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
    def _arm(self, seconds: float) -> None:
        self._disarm()
        self.deadline_seconds = seconds
        generation = self.process.generation if self.process else self.generation + 1
        self._watchdog = threading.Timer(seconds, self._expire, args=(generation,))
        self._watchdog.daemon = True
        self._watchdog.start()

    def _disarm(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    def _expire(self, generation: int) -> None:
        process = self.process
        if process is not None and process.generation == generation:
            self._expired.add(generation)
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def set_time_limit(self, seconds: float) -> None:
        """Start the clock of one test: at `seconds` the student process is killed.
        The submission's whole budget caps it, so a submission that hangs
        everywhere costs its own grading time only up to that budget."""
        left = self.limits.submission_seconds - (time.monotonic() - self.started)
        if left <= 0:
            raise StudentTimeout(f"the submission used up its {self.limits.submission_seconds:g} s time budget "
                                 "before this test could run")
        if self.limits.max_test_seconds is not None:
            seconds = min(seconds, self.limits.max_test_seconds)
        self.ensure_started()
        self._arm(min(seconds, left))

    def clear_time_limit(self) -> None:
        self._disarm()

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
        except (ChannelTimeout, ChannelClosed):
            self.kill()
            if process.generation in self._expired:
                raise StudentTimeout("did not finish within the time limit") from None
            raise StudentCrashed(self._how_it_ended(process.pid)) from None
        except (DecodeError, MessageTooLarge) as exc:
            self.kill()
            raise StudentCrashed(f"the notebook's process sent back something unreadable: {exc}") from None
        if not reply.get("ok"):
            error = reply.get("error") or {}
            raise StudentError(str(error.get("type", "Error"))[:100], str(error.get("message", ""))[:4000],
                               str(error.get("traceback", ""))[:4000])
        return reply

    def request(self, message: dict, where: str = "") -> Any:
        self.ensure_started()
        generation = self.process.generation
        try:
            reply = self._exchange(message)
        except StudentError as exc:
            exc.where = where
            raise StudentError(exc.kind, exc.message, exc.traceback, where) from None
        except StudentTimeout:
            raise StudentTimeout(
                f"{where or 'your code'} did not finish within the {self.deadline_seconds:g} s time limit") from None
        if reply.get("method"):
            return _METHOD
        try:
            return decode(reply.get("value"), lambda tag: Remote(self, tag, generation))
        except DecodeError as exc:
            raise StudentCrashed(f"{where} returned something that is not plain data: {exc}") from None

    def encode_args(self, args: tuple, kwargs: dict) -> dict:
        def handle_for(value: Any) -> dict:
            if isinstance(value, Remote):
                return value._tag()
            if isinstance(value, Earlier):
                return {"$r": value.index}
            if isinstance(value, TensorArg):
                return encode_tensor(value.values, value.requires_grad)
            raise TypeError(f"cannot send {type(value).__name__} to the student process")
        encoded = {"args": encode(list(args), handle_for)}
        if kwargs:
            encoded["kwargs"] = encode(dict(kwargs), handle_for)
        return encoded

    def call_methods(self, steps: list[tuple["Remote", str, tuple]]) -> list:
        """Run (object, method, args) calls in order in one round trip and return
        their results; `Earlier(i)` in args stands for the result of call i.
        The grader still decides every call: this only saves pipe latency."""
        encoded = [{"target": obj._tag(), "name": name, **self.encode_args(tuple(args), {})}
                   for obj, name, args in steps]
        where = ", ".join(f"{obj._type}.{name}" for obj, name, _ in steps)
        return self.request({"op": "calls", "steps": encoded}, where)

    def put(self, value: Any) -> "Remote":
        """A copy of `value` that lives in the student process (to check it is not mutated)."""
        return self.request({"op": "put", "value": self.encode_args((value,), {})["args"][0]}, "storing an input")

    def fetch(self, remote: "Remote") -> Any:
        """The current value of a plain-data object living in the student process."""
        return self.request({"op": "fetch", "target": remote._tag()}, "reading back an input")

    def close(self) -> None:
        self._disarm()
        self.kill()


_METHOD = object()


class Earlier:
    """In `Sandbox.call_methods`, the result of an earlier call of the same batch."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


class Remote:
    """An object in the student process; attribute reads and calls cross the pipe."""

    __slots__ = ("_sandbox", "_id", "_callable", "_type", "_generation", "_methods")

    def __init__(self, sandbox: Sandbox, tag: dict, generation: int):
        self._sandbox = sandbox
        self._id = tag["$h"]
        self._callable = bool(tag.get("$c"))
        self._type = str(tag.get("$n", "object"))[:80]
        self._generation = generation
        self._methods: set[str] = set()

    def _tag(self) -> dict:
        self._check_generation()
        return {"$h": self._id}

    def _check_generation(self) -> None:
        process = self._sandbox.process
        if process is None or process.generation != self._generation:
            raise StudentCrashed("this object belonged to a run of the notebook that has since ended")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self._methods:
            return _RemoteMethod(self, name)
        value = self._sandbox.request({"op": "getattr", "target": self._tag(), "name": name},
                                      f"reading {self._type}.{name}")
        if value is _METHOD:
            self._methods.add(name)
            return _RemoteMethod(self, name)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name in Remote.__slots__:
            object.__setattr__(self, name, value)
            return
        payload = self._sandbox.encode_args((value,), {})["args"][0]
        self._sandbox.request({"op": "setattr", "target": self._tag(), "name": name, "value": payload},
                              f"setting {self._type}.{name}")

    def __getitem__(self, key: Any) -> Any:
        return self._sandbox.request({"op": "getitem", "target": self._tag(), "key": encode(key)},
                                     f"indexing {self._type}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        message = {"op": "call", "target": self._tag(), **self._sandbox.encode_args(args, kwargs)}
        return self._sandbox.request(message, f"{self._type}()")

    def __repr__(self) -> str:
        return f"<student {self._type} object>"


class _RemoteMethod:
    __slots__ = ("owner", "name")

    def __init__(self, owner: Remote, name: str):
        self.owner = owner
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        sandbox = self.owner._sandbox
        message = {"op": "callmethod", "target": self.owner._tag(), "name": self.name,
                   **sandbox.encode_args(args, kwargs)}
        return sandbox.request(message, f"{self.owner._type}.{self.name}")


class Student:
    """The notebook's global names: `student.my_exp` is the student's `my_exp`."""

    __slots__ = ("_sandbox",)

    def __init__(self, sandbox: Sandbox):
        object.__setattr__(self, "_sandbox", sandbox)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._sandbox.request({"op": "global", "name": name}, f"reading {name}")
        if isinstance(value, Remote) and value._callable:
            value._type = name  # name it as the student wrote it, for messages
        return value
