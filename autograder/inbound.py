"""nbgrader's exchange `inbound/` folder, checked before anything is collected from it.

Every student can write into `inbound/` (nbgrader makes it mode 733), and
`nbgrader collect` copies what it finds there as the instructor (root, on a
shared JupyterHub) with `shutil.copytree`, which follows symbolic links. So
nothing is collected from `inbound/` itself. Each submission folder of the
assignment is copied, through file descriptors and without following anything,
into a private staging exchange (mode 0700, in the course directory), and
`nbgrader collect` then collects from that copy, which no student can change
any more (no window between the check and the copy). A folder is refused
instead of staged when:

- it, or anything in it, is a symbolic link, a device, a FIFO or a socket;
- it holds a hard link (a regular file with more than one name) to a file its
  student does not own (any hard link, where the student has no account here:
  `nbgrader submit` makes fresh files, so an honest submission never has one);
- on an exchange with per-user owners (its entries belong to more than one uid,
  or the student's name is a user of this machine), it is owned by another user
  than the student it names, or holds an entry owned by another user than the
  folder's owner. Folders owned by root or by the instructor running collect
  are accepted: no student can make a file owned by them;
- its name, or its timestamp.txt, holds no date nbgrader can read (`nbgrader
  collect` would stop for everyone: at once for the name, at the next
  `collect --update` for the file), it is not a folder, it is unreadable, or it
  is too large or too deep.

Refused folders go to the quarantine (quarantine.py). Only the standard
library is used: `os.open` with `dir_fd` and O_NOFOLLOW is exactly the
primitive needed, and no maintained library offers a copy that never follows.
"""
from __future__ import annotations

import fnmatch
import os
import pwd
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .timestamps import BadTimestamp, parse_utc

# O_NOFOLLOW: a symbolic link as the last component fails with ELOOP instead of being followed.
# O_DIRECTORY: a folder opened as such is a folder (not a file swapped in since lstat).
# O_NONBLOCK: opening a FIFO swapped in after lstat never waits for a writer.
# O_NOCTTY: a terminal device swapped in never becomes our controlling terminal.
# O_CLOEXEC: nothing of the student's stays open in nbgrader's process.
FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
# O_EXCL with O_CREAT: the copy is a new file, never an existing one (nor a link) written through.
NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC

MAX_ENTRIES = 10_000  # files and folders in one submission
MAX_DEPTH = 32  # folders inside folders
MAX_BYTES = 100_000_000  # nbgrader's own default max_dir_size (100,000 kB)
MAX_REASONS = 10  # reasons kept per folder (each names a student-controlled path)
CHUNK = 1 << 20


@dataclass
class Folder:
    """One submission folder of the assignment in inbound/, as nbgrader would name it."""
    name: str
    student: str  # nbgrader's reading of the name: <student>+<assignment>+<timestamp>[+<random>]
    timestamp: str
    owner_uid: int
    reasons: list[str] = field(default_factory=list)

    def refuse(self, reason: str) -> None:
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append(reason)
        elif len(self.reasons) == MAX_REASONS:
            self.reasons.append("and more")


def submission_names(names: list[str], assignment: str) -> list[str]:
    """The entries `nbgrader collect` picks up: its glob `*+<assignment>+*`, which skips hidden names."""
    return sorted(n for n in names if not n.startswith(".") and fnmatch.fnmatchcase(n, f"*+{assignment}+*"))


def read_name(name: str) -> tuple[str, str]:
    """(student, timestamp) exactly as nbgrader's ExchangeCollect._path_to_record splits the name."""
    parts = name.rsplit("+", 3)
    return parts[0], parts[2]


def timestamp_problem(timestamp: str) -> str | None:
    """nbgrader parses the name's timestamp while listing, before collecting anyone: one bad name stops all."""
    try:
        parse_utc(timestamp)
    except BadTimestamp:  # what nbgrader would raise here stops its collect for everyone
        return "its name holds no date nbgrader can read"
    return None


def user_uid(student: str) -> int | None:
    """The uid of the machine's user of that name (a shared JupyterHub), or None."""
    try:
        return pwd.getpwnam(student).pw_uid
    except (KeyError, ValueError):  # ValueError: a NUL in the name
        return None


def trusted_uids() -> set[int]:
    """Owners no student can impersonate: root and the instructor running collect (chown needs CAP_CHOWN)."""
    return {0, os.geteuid()}


@dataclass
class Rules:
    """What a folder's entries must be, for one folder."""
    folder: Folder
    per_user: bool  # the exchange has per-user owners: ownership is checked
    student_uid: int | None  # the student's own uid, where the name is a user here

    def owner_problem(self) -> str | None:
        uid = self.folder.owner_uid
        if not self.per_user or uid in trusted_uids() or uid == self.student_uid:
            return None
        return f"owned by uid {uid}, not by {self.folder.student}"

    def entry_owner_problem(self, rel: str, uid: int) -> str | None:
        if not self.per_user or uid == self.folder.owner_uid:
            return None
        return f"{rel} is owned by uid {uid}, not by {self.folder.student}"

    def hard_link_problem(self, rel: str, st: os.stat_result) -> str | None:
        if not stat.S_ISREG(st.st_mode) or st.st_nlink <= 1:
            return None
        if self.student_uid is not None and st.st_uid == self.student_uid:
            return None  # their own file under two names: nothing of anyone else's
        return f"a hard link: {rel} (a file with {st.st_nlink} names, owned by uid {st.st_uid})"


def kind_problem(rel: str, mode: int) -> str | None:
    """Anything but a folder or a regular file is refused, and never opened."""
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return f"a device: {rel}"
    if stat.S_ISFIFO(mode):
        return f"a FIFO: {rel}"
    if stat.S_ISSOCK(mode):
        return f"a socket: {rel}"
    return f"not a regular file: {rel}"


@dataclass
class Budget:
    entries: int = 0
    bytes: int = 0


class Copier:
    """Copies one folder by file descriptors, never following a link, and
    notes on the Folder every entry it refuses (refused entries are not copied).
    `owners`: give the copies the owners of the originals (root only), so that
    nbgrader's own owner check sees what it would have seen in inbound/."""

    def __init__(self, rules: Rules, owners: bool):
        self.rules, self.owners, self.budget = rules, owners, Budget()

    def copy(self, parent_fd: int, name: str, dest_parent_fd: int, checked: os.stat_result) -> None:
        """`checked`: the folder's lstat, on which its owner was checked."""
        src = os.open(name, FOLDER_FLAGS, dir_fd=parent_fd)
        try:
            st = os.fstat(src)
            if not _same(st, checked):  # swapped for another folder since its owner was checked
                self.rules.folder.refuse("changed while being read")
                return
            os.mkdir(name, 0o700, dir_fd=dest_parent_fd)
            dest = os.open(name, FOLDER_FLAGS, dir_fd=dest_parent_fd)
            try:
                self._copy_dir(src, dest, "", 0)
                self._own(dest, st, 0o755)
            finally:
                os.close(dest)
        finally:
            os.close(src)

    def _own(self, fd: int, st: os.stat_result, mode: int) -> None:
        os.fchmod(fd, mode)
        if self.owners:
            os.fchown(fd, st.st_uid, st.st_gid)

    def _copy_dir(self, src: int, dest: int, rel: str, depth: int) -> None:
        folder = self.rules.folder
        with os.scandir(src) as entries:  # one at a time: a folder of millions of names stops at the cap
            for entry in entries:
                path = f"{rel}/{entry.name}" if rel else entry.name
                self.budget.entries += 1
                if self.budget.entries > MAX_ENTRIES:
                    folder.refuse(f"more than {MAX_ENTRIES} files and folders")
                    return
                try:
                    self._copy_entry(src, dest, entry.name, path, depth)
                except OSError as exc:
                    folder.refuse(f"unreadable: {path} ({exc.strerror or exc})")

    def _copy_entry(self, src: int, dest: int, name: str, path: str, depth: int) -> None:
        folder = self.rules.folder
        st = os.stat(name, dir_fd=src, follow_symlinks=False)  # lstat: the entry itself, never what it names
        if stat.S_ISLNK(st.st_mode):
            folder.refuse(f"a symbolic link: {path} -> {os.readlink(name, dir_fd=src)}")
            return
        problem = (kind_problem(path, st.st_mode) or self.rules.hard_link_problem(path, st)
                   or self.rules.entry_owner_problem(path, st.st_uid))
        if problem:
            folder.refuse(problem)
        elif stat.S_ISDIR(st.st_mode):
            if depth + 1 > MAX_DEPTH:
                folder.refuse(f"folders nested more than {MAX_DEPTH} deep: {path}")
                return
            self._copy_subdir(src, dest, name, path, depth + 1, st)
        else:
            self._copy_file(src, dest, name, path, st)

    def _copy_subdir(self, src: int, dest: int, name: str, path: str, depth: int, st: os.stat_result) -> None:
        sub = os.open(name, FOLDER_FLAGS, dir_fd=src)
        try:
            if not _same(os.fstat(sub), st):
                self.rules.folder.refuse(f"changed while being read: {path}")
                return
            os.mkdir(name, 0o700, dir_fd=dest)
            out = os.open(name, FOLDER_FLAGS, dir_fd=dest)
            try:
                self._copy_dir(sub, out, path, depth)
                self._own(out, st, 0o755)
            finally:
                os.close(out)
        finally:
            os.close(sub)

    def _copy_file(self, src: int, dest: int, name: str, path: str, st: os.stat_result) -> None:
        fd = os.open(name, FILE_FLAGS, dir_fd=src)
        try:
            opened = os.fstat(fd)  # the rules again on what was opened: nothing swapped in since lstat
            problem = (None if stat.S_ISREG(opened.st_mode) and _same(opened, st)
                       else f"changed while being read: {path}") or self.rules.hard_link_problem(path, opened)
            if problem:
                self.rules.folder.refuse(problem)
                return
            if self.budget.bytes + opened.st_size > MAX_BYTES:
                self.rules.folder.refuse(f"larger than {MAX_BYTES // 1_000_000} MB")
                return
            out = os.open(name, NEW_FILE_FLAGS, 0o600, dir_fd=dest)
            try:
                self.budget.bytes += _copy_bytes(fd, out, MAX_BYTES - self.budget.bytes)
                self._own(out, opened, 0o644)
            finally:
                os.close(out)
        finally:
            os.close(fd)


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _copy_bytes(src: int, dest: int, limit: int) -> int:
    """At most `limit` bytes (a file that grows while it is read stops there)."""
    done = 0
    while done < limit:
        chunk = os.read(src, min(CHUNK, limit - done))
        if not chunk:
            break
        os.write(dest, chunk)
        done += len(chunk)
    return done


@dataclass
class Inspection:
    staged: list[Folder] = field(default_factory=list)
    refused: list[Folder] = field(default_factory=list)


def per_user_exchange(inbound_fd: int) -> bool:
    """Entries owned by more than one uid: students write as themselves (a shared JupyterHub)."""
    owners = set()
    for name in os.listdir(inbound_fd):
        try:
            owners.add(os.stat(name, dir_fd=inbound_fd, follow_symlinks=False).st_uid)
        except FileNotFoundError:
            continue
    return len(owners) > 1


def inspect_and_stage(inbound: Path, assignment: str, staging_inbound: Path) -> Inspection:
    """Copy each acceptable submission folder of `assignment` into `staging_inbound`; list the others."""
    result = Inspection()
    inbound_fd = os.open(inbound, FOLDER_FLAGS)
    staging_fd = os.open(staging_inbound, FOLDER_FLAGS)
    try:
        per_user = per_user_exchange(inbound_fd)
        for name in submission_names(os.listdir(inbound_fd), assignment):
            folder = _stage_one(inbound_fd, name, staging_fd, per_user)
            if folder is not None:
                (result.refused if folder.reasons else result.staged).append(folder)
    finally:
        os.close(inbound_fd)
        os.close(staging_fd)
    return result


def _stage_one(inbound_fd: int, name: str, staging_fd: int, per_user: bool) -> Folder | None:
    try:
        st = os.stat(name, dir_fd=inbound_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None  # gone since the listing
    student, timestamp = read_name(name)
    folder = Folder(name, student, timestamp, st.st_uid)
    student_uid = user_uid(student)
    rules = Rules(folder, per_user or student_uid is not None, student_uid)
    for problem in (timestamp_problem(timestamp), rules.owner_problem()):
        if problem:
            folder.refuse(problem)
    if stat.S_ISLNK(st.st_mode):
        folder.refuse(f"the folder itself is a symbolic link to {os.readlink(name, dir_fd=inbound_fd)}")
    elif not stat.S_ISDIR(st.st_mode):
        folder.refuse(kind_problem(".", st.st_mode) or "not a folder")
    else:
        try:
            Copier(rules, owners=os.geteuid() == 0).copy(inbound_fd, name, staging_fd, st)
        except OSError as exc:
            folder.refuse(f"unreadable ({exc.strerror or exc})")
        else:
            problem = timestamp_file_problem(staging_fd, name)
            if problem:
                folder.refuse(problem)
    return folder


def timestamp_file_problem(staging_fd: int, name: str) -> str | None:
    """The folder's timestamp.txt (read from our own copy): once in submitted/, nbgrader reads it at every
    later `collect --update` and stops the whole collect on one it cannot parse."""
    try:
        fd = os.open(f"{name}/timestamp.txt", FILE_FLAGS, dir_fd=staging_fd)
    except FileNotFoundError:
        return None
    try:
        text = os.read(fd, 1000).decode("utf-8", "replace").strip()
    finally:
        os.close(fd)
    if text and timestamp_problem(text):
        return "timestamp.txt holds no date nbgrader can read"
    return None
