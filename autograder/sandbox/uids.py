"""User ids for student processes, leased so that no two grader processes
on the machine use the same one at the same time.

A lease is an abstract Unix socket named after the id, bound by the
process that holds it: the kernel refuses a second bind of the same name
and frees it when the holder exits, however it exits (even SIGKILL). No
file is left behind.

Ids are drawn at random from 1879048192..2147352575, a range that systemd's
"Users, Groups, UIDs and GIDs on systemd Systems" leaves unused (below it:
container ranges of systemd-nspawn, 524288..1879048191; above it: mountfsd's
foreign range and the ids that tools read as negative). An id is skipped when
it has an account or a group, falls in a range of /etc/subuid or /etc/subgid
(rootless containers), or a process already runs as it. So a later batch
almost never gets the id of an earlier one; and whatever a student could have
left under the id is cleared when it is leased and when it is released
(leftovers.py), so it does not matter when it does.

`AUTOGRADER_TEST_UID` (the project's own tests only; no command-line option)
forces the id, so that a test can grade two batches under the same one.
"""
from __future__ import annotations

import grp
import os
import pwd
import secrets
import socket

from .leftovers import clear_user, processes_of

RANGE = (1879048192, 2147352575)  # first, last
FALLBACK = (61000, 65533)  # where the namespace maps none of RANGE (a container's 0..65535)
TRIES = 256
FORCE_ENV = "AUTOGRADER_TEST_UID"


class NoFreeUid(RuntimeError):
    pass


class UidLease:
    """Holds one user id until `release()` (or until this process ends).
    `first`/`count` lease the first free id of that range instead of a random one."""

    def __init__(self, first: int | None = None, count: int = 1):
        chosen = first is not None or bool(os.environ.get(FORCE_ENV))
        if first is not None:
            candidates, where = list(range(first, first + count)), f"{first}..{first + count - 1}"
        elif chosen:
            candidates, where = [int(os.environ[FORCE_ENV])], f"{FORCE_ENV}={os.environ[FORCE_ENV]}"
        else:
            candidates, where = _random_candidates(), "the ranges this namespace maps"
        for uid in candidates:
            # A chosen id may still run what an earlier run left: clearing it is the lease's work.
            if _has_account(uid) or _subordinate(uid) or (not chosen and _has_process(uid)):
                continue
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.bind(f"\0autograder-student-uid-{uid}")
            except OSError:
                sock.close()
                continue
            sock.set_inheritable(False)
            self.uid, self._sock = uid, sock
            self._clear()  # what a run that ended before its release left under this id
            return
        raise NoFreeUid(f"no free user id for student processes in {where}")

    def release(self, shared_folders: bool = True) -> None:
        """Clear the id and give it back; `shared_folders=False` when its student
        processes never saw the machine's folders (each had a root of its own)."""
        if self._sock is not None:
            try:
                self._clear(shared_folders)
            finally:
                self._sock.close()
                self._sock = None

    def _clear(self, shared_folders: bool = True) -> None:
        """Every process of the id, its keyrings, its IPC objects and its files in
        the machine's shared folders (leftovers.py). Only root can, and only root
        leases ids for student processes."""
        if os.geteuid() == 0:
            clear_user(self.uid, shared_folders)

    def __enter__(self) -> "UidLease":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _mapped() -> list[tuple[int, int]]:
    """The ids this user namespace maps, in both the uid and the gid map (a
    student's group id is its user id), as (first, last) ranges."""
    def read(path: str) -> list[tuple[int, int]]:
        try:
            with open(path) as handle:
                rows = [line.split() for line in handle if line.strip()]
        except OSError:
            return [(0, 2**32 - 2)]
        return [(int(inside), int(inside) + int(count) - 1) for inside, _outside, count in rows]
    users, groups = read("/proc/self/uid_map"), read("/proc/self/gid_map")
    return [(max(a, c), min(b, d)) for a, b in users for c, d in groups if max(a, c) <= min(b, d)]


def _clip(ranges: list[tuple[int, int]], first: int, last: int) -> list[tuple[int, int]]:
    return [(max(a, first), min(b, last)) for a, b in ranges if max(a, first) <= min(b, last)]


def _random_candidates() -> list[int]:
    mapped = _mapped()
    ranges = _clip(mapped, *RANGE) or _clip(mapped, *FALLBACK)
    sizes = [b - a + 1 for a, b in ranges]
    if not ranges:
        return []
    picks = []
    for _ in range(TRIES):
        index = secrets.randbelow(sum(sizes))
        for (a, _b), size in zip(ranges, sizes):
            if index < size:
                picks.append(a + index)
                break
            index -= size
    return picks


def _has_account(uid: int) -> bool:
    """A user or a group with this id (the student's group id is its user id)."""
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(uid)
            return True
        except KeyError:
            pass
    return False


def _subordinate(uid: int) -> bool:
    """Inside a range that /etc/subuid or /etc/subgid gives a user's containers."""
    for path in ("/etc/subuid", "/etc/subgid"):
        try:
            with open(path) as handle:
                for line in handle:
                    parts = line.strip().split(":")
                    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                        if int(parts[1]) <= uid < int(parts[1]) + int(parts[2]):
                            return True
        except OSError:
            pass
    return False


def _has_process(uid: int) -> bool:
    """A process this namespace can see runs as `uid`."""
    return bool(processes_of(uid))
