"""Submission folders refused at collect (inbound.py): kept for the instructor to look at, never collected.

In the course directory, readable by its owner only (mode 0700):

    quarantine/<assignment>/<folder name>/   the folder as the student left it, moved out of inbound/
                                             by rename (links stay links: nothing is opened or followed);
                                             where it cannot be moved (inbound/ on another filesystem),
                                             the copy made without following anything, refused entries
                                             left out (each is named in the manifest)
    quarantine/<assignment>/manifest.json    one record per refused folder: its name, the student it
                                             names, its owner's uid, the reasons, where it is kept, when

`autograder grade` lists each record in its grade table (quarantined()).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .grading.results import write_atomic
from .inbound import Folder

QUARANTINE = "quarantine"
MANIFEST = "manifest.json"
MAX_SHOWN = 300  # characters of a student-controlled text on the instructor's terminal


@dataclass
class Record:
    folder: str
    student: str
    owner_uid: int
    reasons: list[str] = field(default_factory=list)
    kept_at: str = ""  # relative to the course directory
    how: str = ""
    when: str = ""

    def reason(self) -> str:
        return printable("; ".join(self.reasons))


def printable(text: str, limit: int = MAX_SHOWN) -> str:
    """A student-controlled name for a terminal: control characters (escape sequences) and
    undecodable bytes written as escapes, and a length cap."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii")
                    for c in text)
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


def folder_of(course_dir: Path, assignment: str) -> Path:
    return Path(course_dir) / QUARANTINE / assignment


def _private_folder(path: Path) -> None:
    for folder in (path.parent, path):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # also when it existed: students never read the quarantine


def _destination(qdir: Path, name: str) -> Path:
    """The folder's own name, or (taken already) a short hash of it with a number."""
    if not os.path.lexists(qdir / name):
        return qdir / name
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    n = 2
    while os.path.lexists(qdir / f"{digest}~{n}"):
        n += 1
    return qdir / f"{digest}~{n}"


def _remove(path: Path) -> None:
    """Remove an entry of inbound/ without following it (rmtree works on file descriptors)."""
    if stat.S_ISDIR(os.lstat(path).st_mode):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _move(inbound: Path, staging_inbound: Path, name: str, dest: Path) -> str:
    staged = staging_inbound / name
    try:
        os.rename(inbound / name, dest)  # rename(2) moves the entry itself: a link is not followed
    except OSError:
        pass
    else:
        if os.path.lexists(staged):
            shutil.rmtree(staged)
        return "moved out of inbound/"
    if os.path.lexists(staged):
        os.rename(staged, dest)  # the staging folder is ours, in the course directory
        how = "copied without following links, refused entries left out"
    else:
        how = "not copied"
    try:
        _remove(inbound / name)
    except OSError as exc:
        return f"{how}; left in inbound/ ({exc.strerror or exc}), where `autograder collect` never collects it"
    return f"{how}; removed from inbound/"


def quarantine(course_dir: Path, assignment: str, inbound: Path, staging_inbound: Path,
               folders: list[Folder]) -> list[Record]:
    """Move each refused folder out of inbound/ into the quarantine, and record it in the manifest."""
    if not folders:
        return []
    qdir = folder_of(course_dir, assignment)
    _private_folder(qdir)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    records = []
    for folder in folders:
        dest = _destination(qdir, folder.name)
        how = _move(inbound, staging_inbound, folder.name, dest)
        kept = str(dest.relative_to(course_dir)) if os.path.lexists(dest) else ""
        records.append(Record(folder.name, folder.student, folder.owner_uid, list(folder.reasons), kept, how, now))
    write_atomic(qdir / MANIFEST, json.dumps([asdict(r) for r in quarantined(course_dir, assignment) + records],
                                             indent=2) + "\n")
    return records


def quarantined(course_dir: Path, assignment: str) -> list[Record]:
    """Every folder refused so far for this assignment, from the manifest."""
    path = folder_of(course_dir, assignment) / MANIFEST
    if not path.is_file():
        return []
    fields = set(Record.__dataclass_fields__)
    return [Record(**{k: v for k, v in item.items() if k in fields}) for item in json.loads(path.read_text())]
