"""One cgroup per student process tree: exact CPU time (children the kernel
reaped included), a cap on the total memory of all the student's processes
and on their number.

The grader makes the group before the student process starts; the template's
process for the student (its guard) moves itself into it before it forks the
student, so every process the student starts is in it too. Afterwards the
group's processes are killed and the group removed. Groups are named
`autograder-<grader pid>-<n>` under one parent `autograder`, so that a later
grader removes the ones a killed grader left behind.

cgroup v2 (one hierarchy with the `cpu`, `memory` and `pids` controllers) is
used where it has them, else cgroup v1 (one group in each of the `cpuacct`,
`memory` and `pids` hierarchies). Plain file writes into cgroupfs, as
nsjail's cgroup.cc / cgroup2.cc do: no library needed (python's cgroup
libraries wrap the same files and none handles both versions and
`cgroup.kill`). Where no group can be made, `find()` says why and the
grader keeps the per-process limits only.
"""
from __future__ import annotations

import errno
import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PARENT = "autograder"
DISABLE_ENV = "AUTOGRADER_NO_CGROUPS"  # set (to anything but "") to grade without cgroups
V1_CONTROLLERS = ("cpuacct", "memory", "pids")
V2_CONTROLLERS = ("cpu", "memory", "pids")
_NAME = re.compile(rf"^{PARENT}-(\d+)-(\d+)$")


class CgroupUnavailable(OSError):
    """No cgroup can be made for a student process tree here."""


def _write(path: Path, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _read(path: Path) -> str:
    with open(path) as handle:
        return handle.read()


def _keyed(text: str) -> dict[str, int]:
    """A flat keyed file ('oom_kill 2' per line: memory.events, cpu.stat, pids.events)."""
    values = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            values[key] = int(value)
    return values


def _mounts() -> dict[str, Path]:
    """cgroup mount points: 'unified' for cgroup2, else each v1 controller's name."""
    found: dict[str, Path] = {}
    for line in _read(Path("/proc/self/mounts")).splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        point = Path(fields[1].replace("\\040", " "))
        if fields[2] == "cgroup2":
            found.setdefault("unified", point)
        elif fields[2] == "cgroup":
            for option in fields[3].split(","):
                if option in V1_CONTROLLERS:
                    found.setdefault(option, point)
    return found


def _own_paths() -> dict[str, str]:
    """This process's cgroup in each hierarchy ('unified' for v2), from /proc/self/cgroup."""
    own = {}
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            own["unified"] = path
        for controller in controllers.split(","):
            own[controller] = path
    return own


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class StudentCgroup:
    """The cgroup(s) of one student process tree: one directory (v2) or one
    per controller (v1: cpuacct, memory, pids)."""

    version: int
    dirs: dict[str, Path]  # controller -> its group's directory (v2: one path for all three)
    memory_bytes: int | None
    processes: int | None
    # Files read on every request or watchdog tick, kept open (a pread costs a
    # tenth of an open and read): file name -> descriptor.
    _open: dict[str, int] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # the watchdog reads them too

    def _counter(self, controller: str, name: str) -> str:
        """The text of one of its files, '' once the group is gone."""
        with self._lock:
            try:
                if name not in self._open:
                    self._open[name] = os.open(self.dirs[controller] / name, os.O_RDONLY | os.O_CLOEXEC)
                return os.pread(self._open[name], 65536, 0).decode()
            except (OSError, KeyError):
                return ""

    def close(self) -> None:
        with self._lock:
            for fd in self._open.values():
                os.close(fd)
            self._open.clear()

    @property
    def procs_files(self) -> list[str]:
        """Where a process writes its pid to join (once per hierarchy)."""
        return sorted({str(d / "cgroup.procs") for d in self.dirs.values()})

    def cpu_seconds(self) -> float:
        """CPU time of every process that was ever in the group, reaped or not."""
        if self.version == 2:
            return _keyed(self._counter("cpu", "cpu.stat")).get("usage_usec", 0) / 1e6
        usage = self._counter("cpuacct", "cpuacct.usage").strip()
        return int(usage) / 1e9 if usage.isdigit() else 0.0

    def oom_kills(self) -> int:
        """How many of its processes the kernel killed for the group's memory limit."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        return _keyed(self._counter("memory", name)).get("oom_kill", 0)

    def pids(self) -> set[int]:
        found: set[int] = set()
        for procs in self.procs_files:
            try:
                found.update(int(p) for p in _read(Path(procs)).split())
            except (OSError, ValueError):
                pass
        return found

    def kill(self) -> None:
        """SIGKILL every process in the group: `cgroup.kill` (v2, Linux 5.14)
        kills the whole tree at once, forks in flight included; elsewhere the
        pids are killed a few rounds over, until none is left (a fork bomb
        cannot grow past pids.max meanwhile)."""
        if self.version == 2:
            try:
                _write(self.dirs["memory"] / "cgroup.kill", "1")
                return
            except OSError:
                pass
        for _ in range(50):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.002)

    def remove(self, seconds: float = 2.0) -> bool:
        """Kill what is left and delete the group; True once it is gone. The
        kernel refuses (EBUSY) until the killed processes are reaped."""
        self.close()
        self.kill()
        deadline = time.monotonic() + seconds
        left = set(self.dirs.values())
        while left:
            for path in list(left):
                try:
                    path.rmdir()
                    left.discard(path)
                except FileNotFoundError:
                    left.discard(path)
                except OSError as exc:
                    if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                        return False
            if left:
                self.kill()
                time.sleep(0.005)
        return True


class Cgroups:
    """Where this grader makes its students' groups: the parent `autograder`
    folder in each hierarchy, found once per grader process."""

    def __init__(self, version: int, parents: dict[str, Path]):
        self.version = version
        self.parents = parents  # controller -> parent folder
        self.count = 0

    @classmethod
    def find(cls) -> "Cgroups":
        """The hierarchy to use, old groups swept (once per process, before it
        makes any: see `available`); raises CgroupUnavailable with the reason."""
        if os.environ.get(DISABLE_ENV):
            raise CgroupUnavailable(f"cgroups turned off ({DISABLE_ENV} is set)")
        try:
            mounts, own = _mounts(), _own_paths()
        except (OSError, ValueError) as exc:
            raise CgroupUnavailable(f"cannot read the cgroup mounts: {exc}") from None
        reasons = []
        for attempt in (cls._v2, cls._v1):
            try:
                found = attempt(mounts, own)
            except OSError as exc:
                reasons.append(str(exc))
                continue
            found.sweep()
            return found
        raise CgroupUnavailable("; ".join(reasons))

    @classmethod
    def _v2(cls, mounts: dict[str, Path], own: dict[str, str]) -> "Cgroups":
        if "unified" not in mounts:
            raise CgroupUnavailable("no cgroup2 hierarchy is mounted")
        root = mounts["unified"]
        available = _read(root / "cgroup.controllers").split()
        if not set(V2_CONTROLLERS) <= set(available):
            raise CgroupUnavailable(f"the cgroup2 hierarchy at {root} lacks the controllers "
                                    f"{', '.join(sorted(set(V2_CONTROLLERS) - set(available)))} (they are "
                                    "bound to cgroup v1)")
        # The top of the hierarchy when we may write there (root): it may hold
        # processes and still hand controllers down. Else a delegated subtree:
        # our own group, if it is ours to write (systemd-run --user --scope -p Delegate=yes).
        delegated = not os.access(root / "cgroup.subtree_control", os.W_OK)
        base = root / own.get("unified", "/").lstrip("/") if delegated else root
        parent = base / PARENT
        enable = " ".join(f"+{c}" for c in V2_CONTROLLERS)
        try:
            try:
                _write(base / "cgroup.subtree_control", enable)
            except OSError as exc:
                # A group that holds processes hands no controller down (cgroup2's
                # "no internal processes" rule; only the real root is exempt): in
                # a delegated group, or a container's root, move its processes (the
                # grader's own) into a leaf first, as systemd asks and nsjail does.
                if exc.errno != errno.EBUSY:
                    raise
                leaf = base / f"{PARENT}-grader"
                leaf.mkdir(exist_ok=True)
                for pid in _read(base / "cgroup.procs").split():
                    _write(leaf / "cgroup.procs", pid)
                _write(base / "cgroup.subtree_control", enable)
            parent.mkdir(exist_ok=True)
            _write(parent / "cgroup.subtree_control", enable)
        except OSError as exc:
            raise CgroupUnavailable(f"cannot make cgroup2 groups under {base} ({exc.strerror}; "
                                    + ("not root, and not a delegated subtree of our own)" if delegated else "root)")
                                    ) from None
        return cls(2, {c: parent for c in V2_CONTROLLERS})

    @classmethod
    def _v1(cls, mounts: dict[str, Path], own: dict[str, str]) -> "Cgroups":
        missing = [c for c in V1_CONTROLLERS if c not in mounts]
        if missing:
            raise CgroupUnavailable(f"no cgroup v1 hierarchy for {', '.join(missing)}")
        parents = {}
        for controller in V1_CONTROLLERS:
            # Nested in our own group, so that limits set on the grader hold for its students too.
            parent = mounts[controller] / own.get(controller, "/").lstrip("/") / PARENT
            try:
                parent.mkdir(exist_ok=True)
                if controller == "memory":
                    _write(parent / "memory.use_hierarchy", "1")
            except OSError as exc:
                if not (controller == "memory" and exc.errno in (errno.EBUSY, errno.EINVAL)):
                    raise CgroupUnavailable(f"cannot make cgroup v1 groups in {parent.parent} "
                                            f"({exc.strerror})") from None
            if not os.access(parent / "cgroup.procs", os.W_OK):
                raise CgroupUnavailable(f"cannot move processes into cgroup v1 groups under {parent}")
            parents[controller] = parent
        return cls(1, parents)

    def sweep(self) -> None:
        """Remove the groups of graders that are no longer running (killed
        before they could remove their own), with whatever still runs in them;
        and any named after this process (a dead grader's pid, reused), which
        has made none yet."""
        for parent in set(self.parents.values()):
            try:
                names = os.listdir(parent)
            except OSError:
                continue
            for name in names:
                match = _NAME.match(name)
                if match and (int(match.group(1)) == os.getpid() or not _alive(int(match.group(1)))):
                    dirs = {c: p / name for c, p in self.parents.items() if p == parent}
                    StudentCgroup(self.version, dirs, None, None).remove(seconds=0.5)

    def create(self, memory_bytes: int | None, processes: int | None) -> StudentCgroup:
        """A new, empty group with its limits set (raises OSError if it cannot)."""
        self.count += 1
        name = f"{PARENT}-{os.getpid()}-{self.count}"
        dirs = {c: p / name for c, p in self.parents.items()}
        group = StudentCgroup(self.version, dirs, memory_bytes, processes)
        try:
            for path in set(dirs.values()):
                path.mkdir()
            self._set_limits(group)
        except OSError:
            group.remove(seconds=0.1)
            raise
        return group

    def _set_limits(self, group: StudentCgroup) -> None:
        memory, pids = group.dirs["memory"], group.dirs["pids"]
        if group.processes is not None:
            _write(pids / "pids.max", str(int(group.processes)))
        if group.memory_bytes is None:
            return
        if self.version == 2:
            _write(memory / "memory.max", str(int(group.memory_bytes)))
            if (memory / "memory.swap.max").exists():  # no swap: the cap is on memory, not RAM
                _write(memory / "memory.swap.max", "0")
            if (memory / "memory.oom.group").exists():
                _write(memory / "memory.oom.group", "1")  # an OOM kill ends the whole tree, as the grader would
            return
        _write(memory / "memory.limit_in_bytes", str(int(group.memory_bytes)))
        if (memory / "memory.memsw.limit_in_bytes").exists():  # memory + swap: swap off for the group
            _write(memory / "memory.memsw.limit_in_bytes", str(int(group.memory_bytes)))
        if (memory / "memory.swappiness").exists():
            try:
                _write(memory / "memory.swappiness", "0")
            except OSError:
                pass


def join(procs_files: list[str]) -> None:
    """Move the calling process into a student's group (in the template's
    process for the student, before it forks the student)."""
    for procs in procs_files:
        _write(Path(procs), str(os.getpid()))


_found: dict[int, Cgroups | CgroupUnavailable] = {}  # per process: a forked grader process looks again


def available() -> Cgroups:
    """This grader process's cgroups (found, and old groups swept, on first
    use); raises CgroupUnavailable with the reason where there are none."""
    if os.environ.get(DISABLE_ENV):
        raise CgroupUnavailable(f"cgroups turned off ({DISABLE_ENV} is set)")
    pid = os.getpid()
    if pid not in _found:
        try:
            _found[pid] = Cgroups.find()
        except CgroupUnavailable as exc:
            _found[pid] = exc
    found = _found[pid]
    if isinstance(found, CgroupUnavailable):
        raise found
    return found
