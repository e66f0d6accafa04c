"""The warm template: a process that imported numpy, matplotlib and torch once
and forks a fresh student process for each request (about 13 ms instead of a
2.5 s cold import).

It is started from a clean environment, before the grader holds any hidden
parameter, so a forked student process inherits nothing secret. The grader
talks to it over a SOCK_SEQPACKET socket: one JSON request, one reply, and
with each spawn reply the grader's end of the new student's socket.
"""
from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import isolation
from .channel import Channel
from .codec import dumps, loads
from .worker import Worker  # loaded before any folder is hidden from the student

# Environment variables a student process may see; everything else is dropped.
KEPT_ENV = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PYTHONPATH", "USER", "LOGNAME")
READY_TIMEOUT = 120.0
RLIMITS = {
    "memory": resource.RLIMIT_AS,
    "file_size": resource.RLIMIT_FSIZE,
    "processes": resource.RLIMIT_NPROC,
    "cpu": resource.RLIMIT_CPU,
    "open_files": resource.RLIMIT_NOFILE,
    "core_file": resource.RLIMIT_CORE,
}


class ZygoteError(RuntimeError):
    """The template process could not be started or stopped answering."""


# -- inside the template process -----------------------------------------
_exit_statuses: dict[int, int] = {}  # pid -> wait status, for the grader's questions


def _reap(signum: int, frame) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _exit_statuses[pid] = status
        if len(_exit_statuses) > 4096:
            _exit_statuses.pop(next(iter(_exit_statuses)))


def _warm_up() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    import torch

    torch.set_num_threads(1)
    isolation.libc()  # found now: looking it up later would run ldconfig in the student process


def _enter_student(request: dict, child_end: socket.socket) -> None:
    """Become a student process: own session, fenced in as far as the system
    allows (see isolation.py), own folder, own output log, limits."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-long write fails instead of killing
    os.setsid()
    problems = []
    fence = request.get("isolation") or {}
    if fence:
        as_root = os.geteuid() == 0
        try:
            isolation.enter_namespaces(as_root)
            problems += isolation.hide(fence.get("hide", []))
            if fence.get("uid") is not None:
                problems += isolation.expose(isolation.python_paths())
            problems += isolation.read_only(fence.get("read_only", []))
        except OSError as exc:
            problems.append(f"no private mount namespace: {exc}")
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    for name, value in request.get("limits", {}).items():
        if value is not None and name in RLIMITS:
            resource.setrlimit(RLIMITS[name], (int(value), int(value)))
    if fence.get("uid") is not None:
        isolation.drop_privileges(int(fence["uid"]), int(fence["gid"]))
    if fence:
        isolation.no_new_privileges()
        isolation.die_with_parent()
    os.chdir(request["workdir"])
    channel = Channel(child_end)
    channel.send({"ok": True, "ready": True, "uid": os.getuid(), "problems": problems})
    Worker(channel).serve()


def _spawn(control: socket.socket, request: dict) -> None:
    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            control.close()
            parent_end.close()
            _enter_student(request, child_end)
        except BaseException:
            code = 70
        finally:
            os._exit(code)
    child_end.close()
    socket.send_fds(control, [dumps({"pid": pid})], [parent_end.fileno()])
    parent_end.close()


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    _warm_up()
    signal.signal(signal.SIGCHLD, _reap)
    control.send(dumps({"ready": True, "pid": os.getpid()}))
    while True:
        try:
            raw = control.recv(1 << 16)
        except OSError:
            return
        if not raw:
            return
        request = loads(raw)
        if request.get("op") == "spawn":
            _spawn(control, request)
        elif request.get("op") == "status":
            control.send(dumps({"status": _exit_statuses.get(request.get("pid"))}))
        elif request.get("op") == "exit":
            return


# -- in the grader ----------------------------------------------------------
def clean_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in KEPT_ENV}
    env.update(MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONDONTWRITEBYTECODE="1")
    return env


class Zygote:
    """Grader-side client of the template process; restarts it if it died."""

    def __init__(self, log_path: Path | None = None):
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self.ready = False

    def launch(self) -> None:
        """Start the template process without waiting for it: it imports torch
        while the grader does its own imports."""
        if self.process is not None:
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "autograder.sandbox.zygote", str(theirs.fileno())],
                pass_fds=[theirs.fileno()], env=clean_environment(), cwd="/",
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            )
        finally:
            theirs.close()
            if log is not subprocess.DEVNULL:
                log.close()
        self.control = ours
        self.ready = False

    def start(self) -> None:
        """Start the template process (if needed) and wait until it is warm."""
        self.launch()
        if self.ready:
            return
        self.control.settimeout(READY_TIMEOUT)
        try:
            ready = loads(self.control.recv(4096) or b"{}")
        except (socket.timeout, OSError) as exc:
            self.stop()
            raise ZygoteError(f"the template process did not start: {exc}") from None
        if not ready.get("ready"):
            self.stop()
            raise ZygoteError("the template process did not start")
        self.ready = True

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def spawn(self, workdir: Path, log: Path, limits: dict | None = None,
              fence: dict | None = None) -> tuple[int, socket.socket]:
        """Fork a student process; returns its pid and the grader's socket to it."""
        request = {"op": "spawn", "workdir": str(workdir), "log": str(log), "limits": limits or {},
                   "isolation": fence or {}}
        for attempt in range(2):
            if self.process is not None and not self.alive():
                self.stop()
            self.start()
            try:
                self.control.settimeout(30)
                self.control.send(dumps(request))
                raw, fds, _flags, _addr = socket.recv_fds(self.control, 4096, 1)
                if not raw or len(fds) != 1:
                    raise OSError("no student socket in the reply")
                return loads(raw)["pid"], socket.socket(fileno=fds[0])
            except (OSError, socket.timeout, ValueError):
                self.stop()
                if attempt:
                    raise ZygoteError("the template process stopped answering") from None
        raise AssertionError("unreachable")

    def exit_status(self, pid: int, wait: float = 0.5) -> int | None:
        """How a student process ended (a waitpid status), if the template saw it end."""
        deadline = time.monotonic() + wait
        while self.alive() and self.control is not None:
            try:
                self.control.settimeout(5)
                self.control.send(dumps({"op": "status", "pid": pid}))
                status = loads(self.control.recv(4096) or b"{}").get("status")
            except (OSError, ValueError):
                return None
            if status is not None or time.monotonic() > deadline:
                return status
            time.sleep(0.02)
        return None

    def stop(self) -> None:
        if self.control is not None:
            try:
                self.control.send(dumps({"op": "exit"}))
            except OSError:
                pass
            self.control.close()
            self.control = None
        if self.process is not None:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        self.ready = False

    def __enter__(self) -> "Zygote":
        self.launch()  # warms up in the background; the first spawn waits for it
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":
    main()
