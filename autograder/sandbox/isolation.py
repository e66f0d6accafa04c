"""What the operating system offers to fence a student process in.

Two modes, chosen by who runs the grader:

- as root: a network namespace of its own (no network at all), and a
  private mount namespace in which the hidden tests, the course
  folder and the results are covered by empty tmpfs mounts, then a drop to
  an unprivileged user id of the grader's own (no other process on the
  machine has it), no new privileges, and a cap on its number of processes;
- as anyone else: an unprivileged user namespace with the same network and
  mount namespaces (the same folders covered), where the kernel allows one; the
  process keeps the grader's user id, so the process cap is not set.

Every step that fails is reported back as a string, never silently skipped.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
SANDBOX_UID_BASE = 61000  # ids the grader uses for student processes

_libc = None


def libc() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def enter_namespaces(as_root: bool) -> None:
    """A private mount namespace and an empty network namespace (no interface
    but a loopback that is down), inside a new user namespace when not root."""
    uid, gid = os.getuid(), os.getgid()
    if as_root:
        _check(libc().unshare(CLONE_NEWNS | CLONE_NEWNET), "unshare(CLONE_NEWNS | CLONE_NEWNET)")
    else:
        _check(libc().unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET),
               "unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET)")
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    # Mounts made here must not leak back to the machine.
    _check(libc().mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")


def hide(paths: list[str]) -> list[str]:
    """Cover each existing folder with an empty read-only tmpfs and each file
    with /dev/null; returns what failed."""
    failures = []
    for path in paths:
        if os.path.isdir(path):
            flags = MS_RDONLY | MS_NOSUID | MS_NODEV
            result = libc().mount(b"tmpfs", path.encode(), b"tmpfs", flags, b"size=4k,mode=555")
        elif os.path.isfile(path):
            result = libc().mount(b"/dev/null", path.encode(), None, MS_BIND, None)
        else:
            continue
        if result != 0:
            failures.append(f"could not hide {path}: {os.strerror(ctypes.get_errno())}")
    return failures


def read_only(paths: list[str]) -> list[str]:
    """Make each existing folder read-only for the student process (a bind mount
    of itself, remounted read-only): the grader's package, the Python
    installation. Returns what failed."""
    failures = []
    for path in paths:
        if not os.path.isdir(path):
            continue
        target = path.encode()
        if (libc().mount(target, target, None, MS_BIND | MS_REC, None) != 0
                or libc().mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY, None) != 0):
            failures.append(f"could not make {path} read-only: {os.strerror(ctypes.get_errno())}")
    return failures


def _blocked_ancestor(path: str) -> str | None:
    """The outermost folder above `path` that other users may not enter, if any."""
    parts = os.path.realpath(path).split(os.sep)[1:]
    current = ""
    for part in parts[:-1]:
        current += os.sep + part
        try:
            if not os.stat(current).st_mode & 0o001:
                return current
        except OSError:
            return None
    return None


def expose(paths: list[str]) -> list[str]:
    """Let an unprivileged user reach `paths` (the Python installation) when a
    private folder above them, such as /root, would stop it: that folder is
    covered with an empty tmpfs and only `paths` are bound back into it.
    Everything else in it stays out of reach. Returns what failed."""
    failures = []
    targets: dict[str, list[str]] = {}
    for path in {os.path.realpath(p) for p in paths if os.path.exists(p)}:
        blocked = _blocked_ancestor(path)
        if blocked:
            targets.setdefault(blocked, []).append(path)
    for blocked, inner in targets.items():
        inner = [p for p in inner if not any(p != q and p.startswith(q + os.sep) for q in inner)]
        handles = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in inner if os.path.isdir(p)}
        if libc().mount(b"tmpfs", blocked.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"size=64k,mode=711") != 0:
            failures.append(f"could not cover {blocked}: {os.strerror(ctypes.get_errno())}")
            continue
        for path, fd in handles.items():
            os.makedirs(path, mode=0o711, exist_ok=True)
            if libc().mount(f"/proc/self/fd/{fd}".encode(), path.encode(), None, MS_BIND | MS_REC, None) != 0:
                failures.append(f"could not expose {path}: {os.strerror(ctypes.get_errno())}")
            os.close(fd)
        # The covering tmpfs itself read-only from now on.
        libc().mount(None, blocked.encode(), None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
    return failures


def python_paths() -> list[str]:
    """What a Python process needs to read to go on importing."""
    import sys

    return [sys.base_prefix, sys.prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable)),
            *(p for p in sys.path if p)]


def drop_privileges(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("privileges were not dropped")


def no_new_privileges() -> None:
    _check(libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")


def die_with_parent() -> None:
    _check(libc().prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")


def free_sandbox_uid() -> int:
    """An id above SANDBOX_UID_BASE that no account and no running process uses."""
    import pwd

    import psutil

    used = {p.info["uids"].real for p in psutil.process_iter(["uids"]) if p.info.get("uids")}
    for uid in range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + 1000):
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        if uid not in used:
            return uid
    raise RuntimeError("no free user id for student processes")


def kill_user_processes(uid: int) -> int:
    """SIGKILL every process running as `uid` (only student processes do); returns how many."""
    import psutil

    victims = []
    for process in psutil.process_iter(["uids"]):
        uids = process.info.get("uids")
        if uids and uid in (uids.real, uids.effective):
            victims.append(process)
    for process in victims:
        try:
            process.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(victims, timeout=2)
    return len(victims)
