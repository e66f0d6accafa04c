"""Open a file a student controls without following anything they may have planted.

The grader runs as root: a submitted `backprop.ipynb` that is a symbolic link
to the instructor's solution, a folder on the way that links elsewhere, a FIFO
(reading it blocks for ever), a device or a hard link to somebody else's file
would otherwise be read with root's rights. Below a trusted folder (the one the
instructor named, or nbgrader's `submitted/`), every folder on the way is
opened relative to the last one with O_NOFOLLOW, and the file itself only once
`lstat` has shown a regular file; the opened descriptor is then checked to be
that very file (nothing swapped in between). The standard library's `os.open`
with `dir_fd` does this directly: no library adds anything here.
"""
from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

# O_NOFOLLOW: a symbolic link as the last component fails with ELOOP instead of being followed.
# O_NONBLOCK: opening a FIFO never waits for a writer (lstat refuses FIFOs first; this covers a swap).
# O_NOCTTY: a terminal device never becomes the grader's controlling terminal (also refused by lstat first).
# O_CLOEXEC: no student file stays open in a process the grader starts.
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class UnsafeFile(ValueError):
    """A file that is not opened: not a regular file of the submission's own (the message says why)."""


class MissingFile(UnsafeFile):
    """There is no such file."""


class TooLarge(UnsafeFile):
    """The file is over the size limit."""

    def __init__(self, name: str, size: int, limit: int):
        super().__init__(f"{name} is {size} bytes, over the {limit}-byte limit")
        self.size, self.limit = size, limit


@dataclass(frozen=True)
class Opened:
    fd: int
    stat: os.stat_result


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
             (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISDIR, "a folder"))
    return next((text for test, text in kinds if test(mode)), "not a regular file")


def _parts(path: Path, root: Path) -> tuple[str, ...]:
    """The components of `path` below `root`, both taken as given (abspath: nothing is resolved)."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    parts = Path(relative).parts
    if not parts or parts[0] == ".." or os.path.isabs(relative):
        raise UnsafeFile(f"{path} is not inside {root}")
    return parts


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _open_folder(fd: int, name: str, shown: str) -> int:
    """The folder `name` inside the open folder `fd`, refused when it is a link or anything but a folder."""
    try:
        seen = os.lstat(name, dir_fd=fd)  # lstat: a symbolic link is seen as one, never followed
    except FileNotFoundError:
        raise MissingFile(f"no folder {shown}") from None
    if not stat.S_ISDIR(seen.st_mode):
        raise UnsafeFile(f"{shown} is {_kind(seen.st_mode)}, not a folder: not opened")
    sub = os.open(name, FOLDER_FLAGS, dir_fd=fd)
    if not _same(os.fstat(sub), seen):
        os.close(sub)
        raise UnsafeFile(f"{shown} changed while it was being opened: not opened")
    return sub


@contextmanager
def open_student_file(path: Path, root: Path | None = None) -> Iterator[Opened]:
    """An open descriptor of `path`, a regular file of the submission's own
    below `root` (default: the file's own folder). Raises UnsafeFile with a
    reason a student can read."""
    path = Path(path)
    root = Path(root) if root is not None else path.parent
    parts = _parts(path, root)
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)  # the trusted folder: as the instructor gave it
    except FileNotFoundError:
        raise MissingFile(f"no folder {root}") from None
    except OSError as exc:
        raise UnsafeFile(f"the folder {root} could not be opened ({exc.strerror or exc})") from None
    try:
        owner = os.fstat(fd).st_uid
        for depth, name in enumerate(parts[:-1]):
            sub = _open_folder(fd, name, os.path.join(*parts[:depth + 1]))
            os.close(fd)
            fd = sub
            if depth == 0:
                owner = os.fstat(fd).st_uid  # the student's own folder: whose files these are
        opened = _open_file(fd, parts[-1], str(Path(*parts)), owner)
    except OSError as exc:  # ELOOP, ENAMETOOLONG, EACCES, ...: the file is not graded, the batch goes on
        raise UnsafeFile(f"{Path(*parts)} could not be opened safely ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    try:
        yield opened
    finally:
        os.close(opened.fd)


def _open_file(folder: int, name: str, shown: str, owner: int) -> Opened:
    try:
        seen = os.lstat(name, dir_fd=folder)
    except FileNotFoundError:
        raise MissingFile(f"no file {shown}") from None
    if not stat.S_ISREG(seen.st_mode):  # before any open: a FIFO must never be opened for reading
        raise UnsafeFile(f"{shown} is {_kind(seen.st_mode)}: not opened (a submission may hold only its own files)")
    if seen.st_nlink > 1 and seen.st_uid != owner:
        # A hard link to a file the student does not own (the solution, another student's work): only its
        # owner differs from the student's folder; a student's own hard links are harmless.
        raise UnsafeFile(f"{shown} is a hard link to a file owned by someone else (uid {seen.st_uid}): not opened")
    fd = os.open(name, FILE_FLAGS, dir_fd=folder)
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode) or not _same(opened, seen):  # swapped after the lstat
        os.close(fd)
        raise UnsafeFile(f"{shown} changed while it was being opened: not opened")
    return Opened(fd, opened)


def read_student_file(path: Path, root: Path | None = None, max_bytes: int = 64 * 1024**2) -> bytes:
    """The file's bytes; UnsafeFile when it is unsafe or over `max_bytes`."""
    with open_student_file(path, root) as opened:
        if opened.stat.st_size > max_bytes:
            raise TooLarge(Path(path).name, opened.stat.st_size, max_bytes)
        return _read_all(opened.fd, max_bytes)


def read_student_head(path: Path, root: Path | None = None, max_bytes: int = 1024) -> bytes:
    """At most the first `max_bytes` of the file (a small file such as timestamp.txt)."""
    with open_student_file(path, root) as opened:
        return _read_all(opened.fd, max_bytes, truncate=True)


def _read_all(fd: int, max_bytes: int, truncate: bool = False) -> bytes:
    chunks, size = [], 0
    while size <= max_bytes:
        chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        if not truncate:
            raise TooLarge("the file (it grew while it was read)", len(data), max_bytes)
        data = data[:max_bytes]
    return data


def copy_student_file(path: Path, root: Path | None, destination: Path, max_bytes: int) -> int:
    """Copy a student's regular file (its bytes and permission bits, never
    set-id bits) to `destination`, a new file; returns the bytes copied."""
    with open_student_file(path, root) as opened:
        if opened.stat.st_size > max_bytes:
            raise TooLarge(Path(path).name, opened.stat.st_size, max_bytes)
        data = _read_all(opened.fd, max_bytes)
        # O_EXCL|O_NOFOLLOW: the destination is made here, never an existing file or link.
        out = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                      stat.S_IMODE(opened.stat.st_mode) & 0o777)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(out, view):]
        finally:
            os.close(out)
        os.utime(destination, ns=(opened.stat.st_atime_ns, opened.stat.st_mtime_ns), follow_symlinks=False)
        return len(data)


def check_student_file(path: Path, root: Path | None = None) -> None:
    """Raises UnsafeFile unless `path` is a regular file of the submission's own."""
    with open_student_file(path, root):
        pass


def copy_side_file(path: Path, root: Path | None, destination: Path, max_bytes: int = 64 * 1024) -> bool:
    """Copy a small file nbgrader keeps beside a submission (timestamp.txt,
    submission_secret.txt) when it is a regular file of the student's own;
    anything else is left out. Returns whether it was copied."""
    try:
        Path(destination).unlink(missing_ok=True)
        copy_student_file(path, root, destination, max_bytes)
        return True
    except UnsafeFile:
        return False
