"""nbgrader's `timestamp.txt`: when a submission was handed in, as the student's own file says.

The file is in the student's folder, so it is hostile: anything but a time
nbgrader can read is ignored, with a warning, instead of failing inside
nbgrader's gradebook (which parses it with `nbgrader.utils.parse_utc` and lets
the error through, on every run after). Only its first KiB is read, without
following links (student_files). The parsing mirrors `parse_utc` with
dateutil (what nbgrader itself uses; importing nbgrader.utils costs seconds),
except that a time zone name is looked up only when it looks like one:
dateutil's `gettz` opens any path it is given, `/dev/stdin` or a FIFO included.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from .student_files import MissingFile, UnsafeFile, read_student_head

NAME = "timestamp.txt"
MAX_TIMESTAMP_BYTES = 1024
ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,30}(/[A-Za-z0-9_+-]{1,30}){0,2}")  # UTC, Europe/Berlin; no path


class BadTimestamp(ValueError):
    """The text is not a time nbgrader can read."""


def parse_utc(text: str) -> datetime:
    """nbgrader.utils.parse_utc for a string: naive UTC; BadTimestamp when it is not a time."""
    import dateutil.parser
    import dateutil.tz

    try:
        parts = text.split(" ")
        if len(parts) == 3:
            zone: object = parts[2]
            try:
                zone = int(parts[2])
            except ValueError:
                if not ZONE_NAME.fullmatch(parts[2]):
                    raise BadTimestamp(f"{parts[2][:40]!r} is not a time zone") from None
                zone = dateutil.tz.gettz(parts[2])
            stamp = dateutil.parser.parse(" ".join(parts[:2] + ["TZ"]), tzinfos={"TZ": zone})
        else:
            stamp = dateutil.parser.parse(text)
        if stamp.tzinfo is not None:
            stamp = (stamp - stamp.utcoffset()).replace(tzinfo=None)
        return stamp
    except (ValueError, OverflowError, TypeError, LookupError) as exc:  # dateutil's ParserError is a ValueError
        raise BadTimestamp(str(exc)[:200] or type(exc).__name__) from None


def read_timestamp(folder: Path, root: Path | None = None) -> tuple[datetime | None, str | None]:
    """(the time in `folder`'s timestamp.txt, or None; why it was ignored, or None)."""
    try:
        raw = read_student_head(Path(folder) / NAME, root, MAX_TIMESTAMP_BYTES)
    except MissingFile:
        return None, None
    except UnsafeFile as exc:
        return None, f"{NAME} was ignored: {exc}"
    text = raw.decode("utf-8", "replace").strip()
    if not text:
        return None, None
    try:
        return parse_utc(text), None
    except BadTimestamp as exc:
        shown = text[:60] + ("…" if len(text) > 60 else "")
        return None, f"{NAME} does not hold a time nbgrader can read ({shown!r}: {exc}); it was ignored"


def timestamp_problem(folder: Path, root: Path | None = None) -> str | None:
    return read_timestamp(folder, root)[1]
