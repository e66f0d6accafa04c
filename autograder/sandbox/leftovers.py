"""What a student's user id can leave behind after its processes end, and
clearing it: after every submission graded under a leased id, and when the
id is leased and released (uids.py).

Kernel state that belongs to a user id, or to the machine, rather than to a
namespace the student process gets, and that outlives the process:

- kernel keyrings: the user keyring (`_uid.N`), the user-session keyring
  (`_uid_ses.N`) and the persistent keyring (`_persistent.N`) of the id, and
  keys it links into the session keyring it inherited from the grader.
  The seccomp filter refuses every keyring call (seccomp.py); what an older
  run left is cleared here, as the user: each of those keyrings is emptied
  and every other key the id owns is invalidated.
- processes: unisolated, a process can leave its session and outlive the
  submission; under namespaces the kernel ends every process of the PID
  namespace with the student. Every process of the id is killed here.
- System V shared memory, semaphores and message queues, and POSIX message
  queues: in the student's own IPC namespace, and gone with it, under
  namespaces; in the machine's unisolated. The filter refuses creating them;
  objects the id owns or created are removed here. (POSIX queues can only be
  listed where the mqueue filesystem is mounted, /dev/mqueue: swept below.)
- files in the machine's world-writable folders (/tmp, /var/tmp, /dev/shm,
  /run/lock, ...), unisolated only (under namespaces the student's /tmp and
  /dev/shm are its own tmpfs and its root is read-only): everything the id
  owns in them is deleted.

Per-user counters (inotify instances, locked memory, pending signals, user
namespaces, the keyring quota) count live objects only and end with the
processes; the filesystem the student can see under namespaces is its own.
"""
from __future__ import annotations

import ctypes
import os
import platform
import shutil
import signal
import stat
import subprocess
import time

from .seccomp import SYSCALLS

SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/run/shm", "/dev/mqueue", "/run/lock", "/var/lock", "/var/crash")
MAX_DEPTH = 64  # folders of other users nested deeper than this are not entered
KEYCTL_GET_KEYRING_ID, KEYCTL_SETPERM, KEYCTL_CLEAR, KEYCTL_READ, KEYCTL_INVALIDATE = 0, 5, 7, 11, 21
KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_SESSION_KEYRING = -3, -5
ALL_TO_OWNER = 0x3F3F0000  # possessor and user: every permission
IPC_RMID = 0
HELPER_TRIES = 3
WAIT_SECONDS = 5.0  # for killed processes to end

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class LeftoversError(RuntimeError):
    """What a user id left could not be cleared: its next user must not start."""


def clear_user(uid: int, shared_folders: bool = True) -> None:
    """Kill every process of `uid` and clear its keyrings, its System V IPC
    objects and (`shared_folders`) its files in the machine's shared folders.
    Root only; the id must not be the grader's own."""
    if uid == os.geteuid() or uid == 0:
        raise LeftoversError(f"refusing to clear user id {uid}: it is the grader's own")
    _as_user(uid, _own_session_keyring())
    _wait_gone(uid)
    remove_ipc(uid)
    if shared_folders:
        remove_files(uid)


# -- as the user: its processes and keyrings ----------------------------------------
def _own_session_keyring() -> bool:
    """Whether this process has a session keyring of its own (a login's or a
    container's), which its helper inherits, rather than its user's default."""
    return _keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) != _keyctl(
        KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_SESSION_KEYRING, 0)


def _as_user(uid: int, session: bool) -> None:
    """A helper process takes the id, kills every process of it (kill(-1)
    spares only the helper; a fork racing it fails, its parent being killed)
    and then clears its keyrings. Repeated if something killed the helper."""
    for _ in range(HELPER_TRIES):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                _clear_keyrings(uid, session)
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            return
    raise LeftoversError(f"the processes and keyrings of user id {uid} could not be cleared")


def processes_of(uid: int) -> list[int]:
    """The processes this namespace can see that run as `uid` (their /proc
    folder is owned by it), dying ones and zombies included."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid:
                    found.append(int(name))
            except OSError:
                pass
    return found


def _wait_gone(uid: int) -> None:
    """Wait until the killed processes have ended (the kernel tears a large
    process down in a while; a zombie waits for its parent): what outlives
    this wait is reported by no one, but holds nothing it could pass on."""
    deadline = time.monotonic() + WAIT_SECONDS
    while processes_of(uid) and time.monotonic() < deadline:
        time.sleep(0.02)


def _keyctl(*args: int) -> int:
    number = SYSCALLS.get(platform.machine(), (0, False, {}))[2].get("keyctl")
    if number is None:  # a machine without a table: student processes cannot start there (seccomp.py)
        return -1
    return _libc.syscall(ctypes.c_long(number), *(ctypes.c_long(a) for a in args))


def _own_keys(uid: int) -> list[tuple[int, str, str]]:
    """(serial, type, description) of the keys `uid` owns that it can see."""
    found = []
    try:
        with open("/proc/keys") as handle:
            for line in handle:
                fields = line.split(None, 8)
                if len(fields) == 9 and fields[5] == str(uid):
                    found.append((int(fields[0], 16), fields[7], fields[8].split(":")[0]))
    except (OSError, ValueError):
        pass
    return found


def _linked(keyring: int) -> list[int]:
    """The serials a keyring links (as far as it may be read)."""
    buffer = ctypes.create_string_buffer(65536)
    size = _keyctl(KEYCTL_READ, keyring, ctypes.addressof(buffer), len(buffer))
    return [int.from_bytes(buffer.raw[i:i + 4], "little") for i in range(0, max(min(size, len(buffer)), 0) - 3, 4)]


def _clear_keyrings(uid: int, session: bool) -> None:
    """Empty the id's own keyrings (user, user-session, persistent) and
    invalidate every other key it owns: in /proc/keys, and linked into the
    session keyring inherited from the grader, if the grader has one of its
    own (possessed, so listed, even where its owner hid it from /proc/keys).
    Nothing is created: the id's keyrings are only touched where they exist.
    Where keyring calls are refused (a container's seccomp profile) there is
    nothing to clear."""
    own = {f"_uid.{uid}", f"_uid_ses.{uid}", f"_persistent.{uid}"}
    serials = {serial: (kind, description) for serial, kind, description in _own_keys(uid)}
    for serial in _linked(KEY_SPEC_SESSION_KEYRING) if session else ():
        serials.setdefault(serial, ("", ""))
    for serial, (kind, description) in serials.items():
        if _keyctl(KEYCTL_SETPERM, serial, ALL_TO_OWNER) != 0:  # the owner may; no one else
            continue
        if kind == "keyring" and description in own:
            _keyctl(KEYCTL_CLEAR, serial)
        else:
            _keyctl(KEYCTL_INVALIDATE, serial)


# -- as root: System V IPC and files ------------------------------------------------
def remove_ipc(uid: int) -> int:
    """Remove the System V shared memory segments, message queues and
    semaphore sets (of this IPC namespace, the machine's) that `uid` owns or
    created. Returns how many."""
    removed = 0
    for kind, remove in (("shm", lambda i: _libc.shmctl(i, IPC_RMID, None)),
                         ("msg", lambda i: _libc.msgctl(i, IPC_RMID, None)),
                         ("sem", lambda i: _libc.semctl(i, 0, IPC_RMID))):
        for ident in _ipc_ids(kind, uid):
            removed += remove(ident) == 0
    return removed


def _ipc_ids(kind: str, uid: int) -> list[int]:
    try:
        with open(f"/proc/sysvipc/{kind}") as handle:
            header, *rows = [line.split() for line in handle if line.strip()]
    except (OSError, ValueError):
        return []
    column = {name: index for index, name in enumerate(header)}
    ident = column["shmid" if kind == "shm" else "msqid" if kind == "msg" else "semid"]
    return [int(row[ident]) for row in rows
            if str(uid) in (row[column["uid"]], row[column["cuid"]])]


def remove_files(uid: int, folders: tuple[str, ...] = SHARED_FOLDERS) -> int:
    """Delete everything `uid` owns in the machine's shared folders, at any
    depth it could reach: folders of others are entered where anyone may
    traverse them (a student has no group but its own), on the same
    filesystem. Nothing is followed: every step opens relative to its
    parent's descriptor with O_NOFOLLOW. Returns how many entries were removed."""
    removed, seen = 0, set()
    for folder in folders:
        path = os.path.realpath(folder)  # /var/lock -> /run/lock: links of the system, not of students
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            info = os.fstat(fd)
            if (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                removed += _sweep(fd, uid, info.st_dev, 0)
        finally:
            os.close(fd)
    return removed


def _sweep(fd: int, uid: int, device: int, depth: int) -> int:
    removed = 0
    try:
        with os.scandir(fd) as entries:
            names = [entry.name for entry in entries]
    except OSError:
        return 0
    for name in names:
        try:
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except OSError:
            continue
        if info.st_uid == uid:
            removed += _remove(fd, name, stat.S_ISDIR(info.st_mode))
        elif (stat.S_ISDIR(info.st_mode) and info.st_dev == device and info.st_mode & stat.S_IXOTH
              and depth < MAX_DEPTH):
            try:
                inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            except OSError:
                continue
            try:
                if os.fstat(inner).st_ino == info.st_ino:
                    removed += _sweep(inner, uid, device, depth + 1)
            finally:
                os.close(inner)
    return removed


def _remove(fd: int, name: str, folder: bool) -> int:
    """Delete an entry of the folder open at `fd`, a whole tree if it is a folder."""
    try:
        if not folder:
            os.unlink(name, dir_fd=fd)
            return 1
        try:
            shutil.rmtree(name, dir_fd=fd)  # Python 3.11+: descriptor-based, follows nothing
            return 1
        except (TypeError, RecursionError, OSError):
            pass
        # Python 3.10, or a tree too deep for shutil's recursion: rm opens each
        # level relative to the last and follows nothing either.
        subprocess.run(["rm", "-rf", "--one-file-system", "--", f"/proc/self/fd/{fd}/{name}"], pass_fds=(fd,),
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return int(not _exists(fd, name))
    except OSError:
        return 0


def _exists(fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=fd, follow_symlinks=False)
        return True
    except OSError:
        return False
