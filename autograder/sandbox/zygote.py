"""The warm template: a process that imported numpy, matplotlib and (for most
assignments) torch once, and forks a fresh student process for each request
(milliseconds instead of a 2 s cold import).

It is started from a clean environment, before the grader holds any hidden
parameter, so a forked student process inherits nothing secret. Each
grader process talks to it over a SOCK_SEQPACKET socket of its own: one
JSON request, one reply, and with each spawn reply the grader's end of the
new student's socket. It can serve several grader processes (a pool).

A spawn makes two processes. The outer one (forked from the template) enters
new namespaces and forks the student process, which is PID 1 of its own PID
namespace, builds its filesystem (isolation.py) and runs the notebook. The
outer one reports the student's pid, then waits and ends as the student
ended, so its exit status tells the grader what happened. Killing the outer
one kills the student (parent-death signal), and with it, by the kernel,
every process of its PID namespace.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import os
import resource
import selectors
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from ..errors import ZygoteError
from . import cgroups, isolation
from .channel import Channel
from .codec import dumps, loads
from .isolation import NAMESPACES, Fence
from .worker import Worker  # loaded before the student's filesystem is built

DEFAULT_PRELOAD = ("numpy", "matplotlib", "torch")
# Standard modules a notebook or its libraries commonly import later: imported
# once here, they cost the student nothing (and need no file access then).
STDLIB_PRELOAD = ("secrets", "random", "pickle", "copy", "json", "math", "statistics", "itertools", "functools",
                  "collections", "re", "time", "datetime", "decimal", "fractions", "typing", "dataclasses", "heapq",
                  "bisect", "textwrap", "pprint", "warnings", "contextlib", "io", "pathlib", "csv", "hashlib",
                  "struct", "array", "weakref", "inspect", "traceback", "numbers", "string", "enum", "glob",
                  "shutil", "tempfile", "base64", "zlib", "queue", "threading", "timeit", "unittest", "doctest")
# Environment variables the template keeps; a fenced student gets its own.
KEPT_ENV = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PYTHONPATH")
THREADS_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
READY_TIMEOUT = 120.0
SPAWN_FAILED = 70
RLIMITS = {
    "memory": resource.RLIMIT_AS,
    "file_size": resource.RLIMIT_FSIZE,
    "processes": resource.RLIMIT_NPROC,
    "cpu": resource.RLIMIT_CPU,
    "open_files": resource.RLIMIT_NOFILE,
    "core_file": resource.RLIMIT_CORE,
}


@dataclass
class _Template:
    """What the template knows once warm (a module-level singleton would be
    mutable state; this is passed down instead)."""

    plan: isolation.RootPlan
    exit_statuses: dict


# -- inside the template process -----------------------------------------
def _warm_up(preload: tuple[str, ...]) -> None:
    for name in STDLIB_PRELOAD:
        importlib.import_module(name)
    if "matplotlib" in preload:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.font_manager  # noqa: F401 (its font list is built now, not in the student's process)
        import matplotlib.pyplot  # noqa: F401
    for name in preload:
        importlib.import_module(name)
    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(1)
        torch.ones(2, dtype=torch.float64).sum()  # the first call initialises more than the import
    isolation.libc()  # found now: looking it up later would run ldconfig in the student process


def _student_env(fence: Fence, home: str) -> dict[str, str]:
    if fence.mode == NAMESPACES:
        bin_dir = os.path.dirname(sys.executable)
        env = {"PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "HOME": home, "USER": isolation.STUDENT_NAME,
               "LOGNAME": isolation.STUDENT_NAME, "TMPDIR": "/tmp", "LANG": "C.UTF-8"}
    else:
        env = {k: v for k, v in os.environ.items() if k in KEPT_ENV and k != "PYTHONPATH"}
        env.update(HOME=home, TMPDIR=home)
    env.update(THREADS_ENV, MPLBACKEND="Agg", MPLCONFIGDIR=os.path.join(env["TMPDIR"], "matplotlib"),
               PYTHONDONTWRITEBYTECODE="1")
    return env


def _close_other_fds(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _become_student(template: _Template, request: dict, channel: Channel) -> None:
    """PID 1 of its own namespace: build the fence, then serve the grader."""
    fence = Fence.from_json(request["fence"])
    as_root = os.geteuid() == 0
    uid = fence.uid if fence.uid is not None else os.getuid()
    gid = fence.uid if fence.uid is not None else os.getgid()
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    if fence.mode == NAMESPACES:
        isolation.build_root(template.plan, request["mountpoint"], request["scratch"], uid, gid,
                             int(request["tmp_bytes"]))
        home = isolation.HOME
    else:
        home = request["scratch"]
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    for name, value in request.get("limits", {}).items():
        if value is not None and name in RLIMITS:
            # CPU: SIGXCPU at the soft limit (reported as the CPU limit), SIGKILL a second later.
            hard = int(value) + 1 if name == "cpu" else int(value)
            resource.setrlimit(RLIMITS[name], (int(value), hard))
    if fence.uid is not None and as_root:
        isolation.drop_privileges(uid, gid)
    elif fence.mode == NAMESPACES:
        isolation.drop_capabilities()
    isolation.no_new_privileges()
    isolation.deny_syscalls(isolation.STUDENT_DENIED_SYSCALLS)
    isolation.die_with_parent()
    os.chdir(home)
    os.environ.clear()
    os.environ.update(_student_env(fence, home))
    _close_other_fds({0, 1, 2, channel.fileno()})
    if fence.mode == NAMESPACES:
        isolation.verify_fenced(template.plan)
    if fence.deny:
        sys.meta_path.insert(0, isolation.DeniedModules(fence.deny))


def _unisolated_warnings(request: dict) -> list[str]:
    """What an unisolated student process lacks that a notebook may notice."""
    stdlib = os.path.dirname(os.__file__)
    if Fence.from_json(request["fence"]).mode == NAMESPACES or os.access(stdlib, os.R_OK | os.X_OK):
        return []
    return [f"the Python installation ({stdlib}) is not readable by the student's user id: only modules the "
            "template imported in advance can be imported"]


def _mirror_exit(pid: int) -> None:
    """Wait for the student process and end the same way."""
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except ChildProcessError:
            os._exit(SPAWN_FAILED)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _outer(template: _Template, request: dict, child_end: socket.socket) -> None:
    """The process forked from the template: new namespaces, then the student.
    It stays, not running student code, as the student's guard: when the
    template dies it is told (SIGTERM) and kills the student, whatever the
    student did to its own parent-death signal."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-long write fails instead of killing
    os.setsid()
    student: list[int] = []

    def guard(signum, frame) -> None:
        for pid in student:
            os.kill(pid, signal.SIGKILL)
        os._exit(0)

    signal.signal(signal.SIGTERM, guard)
    isolation.die_with_parent(signal.SIGTERM)
    channel = Channel(child_end)
    fence = Fence.from_json(request["fence"])
    try:  # into the student's cgroup before the student exists: all it starts is counted there
        cgroups.join(request.get("cgroup", []))
    except OSError as exc:
        channel.send({"ok": False, "fence_error": f"could not join the student's cgroup: {exc}"})
        os._exit(0)
    if fence.mode == NAMESPACES:
        try:
            isolation.enter_namespaces(os.geteuid() == 0)
        except OSError as exc:
            channel.send({"ok": False, "fence_error": str(exc)})
            os._exit(0)
    go_read, go_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        isolation.die_with_parent()
        os.close(go_write)
        if os.read(go_read, 1) != b"x":  # the grader learns this process's pid first; no go: the guard died
            os._exit(0)
        os.close(go_read)
        try:
            _become_student(template, request, channel)
        except BaseException as exc:  # fail closed: no student code runs unfenced
            try:
                channel.send({"ok": False, "fence_error": f"{type(exc).__name__}: {exc}"})
            finally:
                os._exit(0)
        channel.send({"ok": True, "ready": True, "uid": os.getuid(), "warnings": _unisolated_warnings(request)})
        Worker(channel).serve()
        os._exit(0)
    student.append(pid)
    os.close(go_read)
    channel.send({"ok": True, "student_pid": pid})
    os.write(go_write, b"x")
    os.close(go_write)
    channel.close()
    _mirror_exit(pid)


def _spawn(template: _Template, control: socket.socket, controls: list[socket.socket], request: dict) -> None:
    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        try:
            for sock in controls:
                sock.close()
            parent_end.close()
            _outer(template, request, child_end)
        finally:
            os._exit(SPAWN_FAILED)
    child_end.close()
    socket.send_fds(control, [dumps({"pid": pid})], [parent_end.fileno()])
    parent_end.close()


def _reaper(statuses: dict):
    def reap(signum, frame) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            statuses[pid] = status
            if len(statuses) > 4096:
                statuses.pop(next(iter(statuses)))
    return reap


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fds", required=True)
    parser.add_argument("--preload", default=",".join(DEFAULT_PRELOAD))
    parser.add_argument("--deny", default="")
    args = parser.parse_args(argv)
    controls = [socket.socket(fileno=int(fd)) for fd in args.fds.split(",")]
    isolation.die_with_parent()  # the grader that started it
    _warm_up(tuple(filter(None, args.preload.split(","))))
    deny = tuple(filter(None, args.deny.split(",")))
    template = _Template(isolation.plan_root(deny), {})
    gc.freeze()  # student processes never collect what was imported here
    isolation.become_subreaper()  # orphaned student processes are reaped here, with their status
    signal.signal(signal.SIGCHLD, _reaper(template.exit_statuses))
    selector = selectors.DefaultSelector()
    for control in controls:
        control.send(dumps({"ready": True, "pid": os.getpid()}))
        selector.register(control, selectors.EVENT_READ)
    while selector.get_map():
        for key, _ in selector.select():
            control = key.fileobj
            try:
                raw = control.recv(1 << 20)
            except OSError:
                raw = b""
            if not raw:
                selector.unregister(control)
                control.close()
                continue
            request = loads(raw)
            if request.get("op") == "spawn":
                _spawn(template, control, controls, request)
            elif request.get("op") == "status":
                control.send(dumps({"status": template.exit_statuses.get(request.get("pid"))}))


# -- in the grader ----------------------------------------------------------
def clean_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in KEPT_ENV}
    env.update(THREADS_ENV, MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    return env


class Zygote:
    """Starts the template process (without waiting for its warm-up) and hands
    out one client per grader process that will use it."""

    def __init__(self, clients: int = 1, preload: tuple[str, ...] = DEFAULT_PRELOAD, deny: tuple[str, ...] = (),
                 log_path=None):
        self.preload, self.deny, self.log_path = tuple(preload), tuple(deny), log_path
        self.process: subprocess.Popen | None = None
        self.clients = [ZygoteClient(self) for _ in range(clients)]

    def launch(self) -> None:
        """Start the template; it imports numpy, matplotlib and torch while the
        grader does its own imports."""
        if self.process is not None:
            return
        pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET) for _ in self.clients]
        theirs = [pair[1].fileno() for pair in pairs]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "autograder.sandbox.zygote", "--fds", ",".join(map(str, theirs)),
                 "--preload", ",".join(self.preload), "--deny", ",".join(self.deny)],
                pass_fds=theirs, env=clean_environment(), cwd="/",
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            )
        finally:
            for _, sock in pairs:
                sock.close()
            if log is not subprocess.DEVNULL:
                log.close()
        for client, (ours, _) in zip(self.clients, pairs):
            client.attach(ours)

    def client(self, index: int = 0) -> "ZygoteClient":
        self.launch()
        return self.clients[index]

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        if self.process is not None:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def __enter__(self) -> "Zygote":
        self.launch()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class ZygoteClient:
    """One grader process's line to the template."""

    def __init__(self, zygote: Zygote):
        self.zygote = zygote
        self.control: socket.socket | None = None
        self.ready = False

    def attach(self, control: socket.socket) -> None:
        self.control, self.ready = control, False

    def close(self) -> None:
        if self.control is not None:
            self.control.close()
            self.control = None

    def wait_ready(self) -> None:
        if self.ready:
            return
        if self.control is None:
            raise ZygoteError("the template process is not running")
        self.control.settimeout(READY_TIMEOUT)
        try:
            ready = loads(self.control.recv(4096) or b"{}")
        except (socket.timeout, OSError, ValueError) as exc:
            raise ZygoteError(f"the template process did not start: {exc}") from None
        if not ready.get("ready"):
            raise ZygoteError("the template process did not start (see its log)")
        self.ready = True

    def spawn(self, request: dict) -> tuple[int, socket.socket]:
        """Fork a student process; returns the outer pid and the grader's socket to it."""
        self.wait_ready()
        try:
            self.control.settimeout(30)
            self.control.send(dumps({"op": "spawn", **request}))
            raw, fds, _flags, _addr = socket.recv_fds(self.control, 4096, 1)
            if not raw or len(fds) != 1:
                raise OSError("no student socket in the reply")
            return loads(raw)["pid"], socket.socket(fileno=fds[0])
        except (OSError, ValueError) as exc:
            raise ZygoteError(f"the template process stopped answering ({exc})") from None

    def exit_status(self, pid: int, wait: float = 0.5) -> int | None:
        """How a process forked by the template ended (a waitpid status), once it has."""
        deadline = time.monotonic() + wait
        while self.control is not None:
            try:
                self.control.settimeout(5)
                self.control.send(dumps({"op": "status", "pid": pid}))
                status = loads(self.control.recv(4096) or b"{}").get("status")
            except (OSError, ValueError):
                return None
            if status is not None or time.monotonic() > deadline:
                return status
            time.sleep(0.005)
        return None


if __name__ == "__main__":
    main()
    # Nothing is left to do once every grader has hung up: skip the interpreter's teardown (torch's takes
    # ~0.15 s, which the grader waits for in Zygote.stop). Its student processes end with it as before.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
