"""Fencing a student process in: deny by default.

A student process starts in a filesystem made for it (a private mount
namespace whose root, after `pivot_root`, is an empty tmpfs) that holds
only:

- the Python runtime and the packages a notebook may import, read-only
  (the system's program folders `/usr`, `/lib*`, `/bin`, the Python
  installation and its site-packages; the grader's own package and any
  module the assignment denies, such as torch, are covered by empty mounts);
- a few files of `/etc` that the dynamic loader and the C library read, and
  a made-up `passwd`/`group`/`hosts`;
- `/home/student`, its working directory: a tmpfs of its own with a copy of
  its submission folder's files; a private `/tmp` and `/dev/shm`; the usual
  device nodes (`null`, `zero`, `full`, `random`, `urandom`, `tty`);
- `/proc` of its own PID namespace, which shows its own processes only.

It also has a network namespace of its own (a loopback that is down).
Nothing else of the machine is there: no repository, no course folder, no
home folder, no other submission, no grader process. When the grader runs
as root, the student process then drops to a user id of its own (see
`uids.py`); otherwise everything happens in an unprivileged user namespace,
where the kernel allows one, and the process gives up every capability.

This is built inside the forked student process with the kernel's calls
(as bubblewrap does), so the warm template's fork is kept. Any step that
fails is an error: the process refuses to run student code (fail closed).
The `UNISOLATED` mode, an explicit opt-in for machines that refuse
namespaces, keeps only what needs no namespace: its own session, limits,
no new privileges and, as root, a user id of its own.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import site
import sys
from dataclasses import dataclass

# The system calls a student process may not make (re-exported for the zygote):
from .seccomp import STUDENT_DENIED_SYSCALLS, deny_syscalls  # noqa: F401

NAMESPACES = "namespaces"
UNISOLATED = "unisolated"

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_NOATIME = 0x400
MS_NODIRATIME = 0x800
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MS_RELATIME = 0x200000
MNT_DETACH = 2
ST_RELATIME = 0x1000
PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
PR_SET_CHILD_SUBREAPER = 36
LINUX_CAPABILITY_VERSION_3 = 0x20080522

HOME = "/home/student"
STUDENT_NAME = "student"
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What the dynamic loader and the C library read; nothing about users or the network.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives")
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
ROOT_TMPFS = "size=4m,mode=755"
DENIED_PACKAGE = ('raise ImportError("{name} is not available in this assignment (its files are not in your '
                  'filesystem): the graders compare your work with it outside your notebook", name="{name}")\n')

_libc = None


class FenceError(OSError):
    """The student process could not be fenced in as required."""


def libc() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise FenceError(errno, f"{what}: {os.strerror(errno)}")


@dataclass(frozen=True)
class Fence:
    """How a student process is fenced in; crosses to the template as JSON."""

    mode: str = NAMESPACES
    uid: int | None = None  # a user id of its own (only when the grader is root)
    deny: tuple[str, ...] = ()  # top-level modules whose files must not be there (e.g. torch)

    def to_json(self) -> dict:
        return {"mode": self.mode, "uid": self.uid, "deny": list(self.deny)}

    @classmethod
    def from_json(cls, data: dict) -> "Fence":
        uid = data.get("uid")
        return cls(str(data.get("mode", NAMESPACES)), None if uid is None else int(uid),
                   tuple(str(m) for m in data.get("deny", ())))

    def describe(self, limits: str = "") -> str:
        """One line for results and feedback: what protected this submission
        (and `limits`: which limits were in force, see Sandbox.limits_in_force)."""
        who = "a user id of its own" if self.uid is not None else "the grader's user id"
        tail = f"; {limits}" if limits else ""
        if self.mode == NAMESPACES:
            inside = " inside an unprivileged user namespace" if self.uid is None else ""
            return (f"isolated: own filesystem (runtime read-only, own home folder), own PID, IPC and network "
                    f"namespaces{inside}, {who}{tail}")
        return (f"NOT isolated (--allow-unisolated): no private filesystem, PID or network namespace; "
                f"ran as {who} and could read every file that user can read{tail}")


# -- the student's root filesystem, planned in the template -------------------
@dataclass(frozen=True)
class RootPlan:
    """What the student's root holds: read-only binds, symlinks and masks,
    each a host path. Computed once in the template from what it imported."""

    binds: tuple[str, ...]
    symlinks: tuple[tuple[str, str], ...]  # (path, target)
    masks: tuple[str, ...]  # paths inside binds to cover with something empty
    etc: tuple[str, ...]
    denied: tuple[tuple[str, str], ...] = ()  # (package folder, module) of denied modules, among the masks


def _nested(path: str, parents: list[str]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in parents)


def _module_dirs(name: str) -> list[str]:
    """The folders and files of an installed top-level module (and its
    distribution's other top-level folders), found without importing it."""
    import importlib.metadata
    import importlib.util

    found = []
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        found += list(spec.submodule_search_locations or []) or ([spec.origin] if spec.origin else [])
    try:
        dist = importlib.metadata.distribution(name)
        base = str(dist.locate_file(""))
        tops = {str(f).split("/")[0] for f in (dist.files or []) if not str(f).startswith("..")}
        found += [os.path.join(base, top) for top in tops if top and not top.endswith((".py", ".pth"))]
    except importlib.metadata.PackageNotFoundError:
        pass
    return sorted({os.path.realpath(p) for p in found if os.path.exists(p)})


def plan_root(deny: tuple[str, ...] = ()) -> RootPlan:
    """The runtime a student needs: the system's program folders and this
    Python with its packages. The grader's own package and the denied
    modules are masked wherever they fall inside what is bound."""
    binds: list[str] = []
    symlinks: list[tuple[str, str]] = []
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            symlinks.append((path, os.readlink(path)))
        elif os.path.isdir(path):
            binds.append(path)
    python = [sys.base_prefix, sys.prefix, sys.exec_prefix, sys.base_exec_prefix,
              os.path.dirname(os.path.realpath(sys.executable)), *site.getsitepackages()]
    user_site = site.getusersitepackages()
    if user_site in sys.path:
        python.append(user_site)
    for path in sorted({os.path.realpath(p) for p in python if p and os.path.isdir(p)}, key=len):
        if not _nested(path, binds):
            binds.append(path)
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # the grader's package
    denied = [(d, name) for name in deny for d in _module_dirs(name) if os.path.isfile(os.path.join(d, "__init__.py"))]
    masks = [p for p in [package, *(d for name in deny for d in _module_dirs(name))] if _nested(p, binds)]
    etc = tuple(name for name in ETC_FILES if os.path.exists(os.path.join("/etc", name)))
    return RootPlan(tuple(binds), tuple(symlinks), tuple(sorted(set(masks))), etc,
                    tuple((d, name) for d, name in denied if d in masks))


# -- inside the student process -------------------------------------------
def enter_namespaces(as_root: bool) -> None:
    """New mount, network, PID and IPC namespaces (inside a new user
    namespace when not root). The caller forks next: its child is PID 1 of the new
    PID namespace and builds the filesystem."""
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC
    if as_root:
        _check(libc().unshare(flags), "unshare(mount, network, PID, IPC namespaces)")
        return
    uid, gid = os.getuid(), os.getgid()
    _check(libc().unshare(flags | CLONE_NEWUSER), "unshare(user, mount, network, PID, IPC namespaces)")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None, what: str) -> None:
    _check(libc().mount(source.encode() if source else None, target.encode(),
                        fstype.encode() if fstype else None, flags, data.encode() if data else None), what)


def _kept_flags(path: str) -> int:
    """The flags of the mount at `path` that a read-only remount must keep
    (in a user namespace the kernel refuses to drop them)."""
    flags = os.statvfs(path).f_flag
    kept = flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME)
    return kept | (MS_RELATIME if flags & ST_RELATIME else 0)


def _submounts(path: str) -> list[str]:
    prefix = path.rstrip("/") + "/"
    found = []
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            mount_point = line.split()[4].encode().decode("unicode_escape")
            if mount_point.startswith(prefix):
                found.append(mount_point)
    return found


def _bind_read_only(source: str, target: str) -> None:
    _mount(source, target, None, MS_BIND | MS_REC, None, f"bind {source}")
    for mount_point in [target, *_submounts(target)]:
        _mount(None, mount_point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV
               | _kept_flags(mount_point), None, f"make {mount_point} read-only")


def _make_like(source: str, target: str) -> None:
    if os.path.isdir(source):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if not os.path.exists(target):
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o444))


def _write(path: str, text: str, mode: int = 0o644) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def build_root(plan: RootPlan, mountpoint: str, files: str, uid: int, gid: int, tmp_bytes: int) -> None:
    """Build the student's filesystem on an empty tmpfs at `mountpoint` and
    make it the root (pivot_root); the machine's own root is detached.
    `files` (the submission's own files) are copied into its home."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None, "make / private")
    root = mountpoint.rstrip("/")
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, ROOT_TMPFS, "root tmpfs")
    # What is made for the student first: the runtime may live under /tmp (a
    # clone in /tmp with its virtual environment), never under the others.
    _build_etc(root, plan, uid, gid)
    _build_dev(root, tmp_bytes)
    os.makedirs(root + "/proc", mode=0o555)
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None, "mount /proc")
    _bind_read_only(root + "/proc/sys", root + "/proc/sys")
    os.makedirs(root + "/tmp")
    _mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_bytes},mode=1777", "mount /tmp")
    _build_home(root + HOME, files, uid, gid, tmp_bytes)
    for path, target in plan.symlinks:
        os.symlink(target, root + path)
    for path in plan.binds:
        if _nested(path, ["/etc", "/dev", "/proc", HOME]):
            raise FenceError(f"the Python runtime at {path} would be hidden by the student's own {path}")
        _make_like(path, root + path)
        _bind_read_only(path, root + path)
    denied = dict(plan.denied)
    for path in plan.masks:
        if os.path.isdir(root + path):
            _mount("tmpfs", root + path, "tmpfs", MS_NOSUID | MS_NODEV, "size=16k,mode=755", f"mask {path}")
            if path in denied:  # an empty folder would still import, as a namespace package
                _write(root + path + "/__init__.py", DENIED_PACKAGE.format(name=denied[path]))
            _mount(None, root + path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None, f"mask {path}")
        elif os.path.exists(root + path):
            _mount("/dev/null", root + path, None, MS_BIND, None, f"mask {path}")
    os.chdir(root)
    _check(libc().pivot_root(b".", b"."), "pivot_root")
    _check(libc().umount2(b".", MNT_DETACH), "detach the machine's root")
    os.chdir("/")
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None, "make / read-only")


def _build_home(home: str, files: str, uid: int, gid: int, tmp_bytes: int) -> None:
    """The student's home: a tmpfs of its own (nothing it writes reaches the
    machine's disk or outlives the process) holding a copy of `files`."""
    names = [n for n in os.listdir(files) if os.path.isfile(os.path.join(files, n))]
    size = tmp_bytes + sum(os.path.getsize(os.path.join(files, n)) for n in names)
    os.makedirs(home, mode=0o755)
    _mount("tmpfs", home, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=755", "mount the home folder")
    for name in names:
        target = os.path.join(home, name)
        shutil.copyfile(os.path.join(files, name), target)
        os.chown(target, uid, gid)
    os.chown(home, uid, gid)


def _build_etc(root: str, plan: RootPlan, uid: int, gid: int) -> None:
    etc = root + "/etc"
    os.makedirs(etc, mode=0o755, exist_ok=True)
    _write(etc + "/passwd", f"root:x:0:0:root:/root:/usr/sbin/nologin\n"
                            f"{STUDENT_NAME}:x:{uid}:{gid}:student:{HOME}:/usr/sbin/nologin\n")
    _write(etc + "/group", f"root:x:0:\n{STUDENT_NAME}:x:{gid}:\n")
    _write(etc + "/hosts", "127.0.0.1 localhost\n")
    _write(etc + "/hostname", "sandbox\n")
    for name in plan.etc:
        source = os.path.join("/etc", name)
        _make_like(source, etc + "/" + name)
        _bind_read_only(source, etc + "/" + name)


def _build_dev(root: str, tmp_bytes: int) -> None:
    dev = root + "/dev"
    os.makedirs(dev)
    _mount("tmpfs", dev, "tmpfs", MS_NOSUID, "size=64k,mode=755", "mount /dev")
    for name in DEVICES:
        if os.path.exists("/dev/" + name):
            _make_like("/dev/" + name, f"{dev}/{name}")
            _mount("/dev/" + name, f"{dev}/{name}", None, MS_BIND, None, f"bind /dev/{name}")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    os.makedirs(dev + "/shm")
    _mount("tmpfs", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_bytes},mode=1777", "mount /dev/shm")


def verify_fenced(plan: RootPlan) -> None:
    """Deny by default, checked from inside before any student code runs:
    every folder built around the read-only runtime holds only what was put
    there, every mask is empty, and no process but this one is visible. (No
    host path is needed for this: nothing private ever reaches the process.)"""
    expected: dict[str, set[str]] = {"/": {"etc", "dev", "proc", "tmp", "home"}, "/home": {"student"},
                                     "/etc": {"passwd", "group", "hosts", "hostname", *plan.etc},
                                     "/dev": {*DEVICES, "fd", "stdin", "stdout", "stderr", "shm"},
                                     "/tmp": set(), "/dev/shm": set()}
    for path in [*plan.binds, *(p for p, _ in plan.symlinks)]:
        parts = path.strip("/").split("/")
        for depth in range(len(parts)):
            expected.setdefault("/" + "/".join(parts[:depth]), set()).add(parts[depth])
    for folder, names in expected.items():
        extra = set(os.listdir(folder)) - names
        if extra:
            raise FenceError(f"{folder} holds {sorted(extra)[:5]}, which the student's filesystem should not")
    denied = dict(plan.denied)
    for path in plan.masks:
        left = set(os.listdir(path)) if os.path.isdir(path) else set()
        if left - ({"__init__.py"} if path in denied else set()) or os.path.isfile(path) and os.path.getsize(path):
            raise FenceError(f"{path} is not masked")
    others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
    if os.getpid() != 1 or others:
        raise FenceError("the student process can see other processes")


def kill_all_of(uid: int) -> None:
    """SIGKILL every process of `uid` (unisolated mode, as root): a helper
    process takes that user id and signals everything it may signal."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, 9)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def drop_capabilities() -> None:
    """Give up every capability (in a user namespace the process holds them
    all until now): it can no longer mount, unmount or change its fence."""
    for cap in range(64):
        if libc().prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break
    libc().prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    _check(libc().capset(ctypes.byref(Header(LINUX_CAPABILITY_VERSION_3, 0)), (Data * 2)()), "capset")


def drop_privileges(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
        raise FenceError("privileges were not dropped")


def no_new_privileges() -> None:
    _check(libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")


def die_with_parent(signal_number: int = 9) -> None:
    """Receive `signal_number` (SIGKILL unless said) when the parent thread ends."""
    _check(libc().prctl(PR_SET_PDEATHSIG, int(signal_number), 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")


def become_subreaper() -> None:
    """Orphaned student processes are re-parented to (and reaped by) the caller."""
    _check(libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl(PR_SET_CHILD_SUBREAPER)")


class DeniedModules:
    """An import hook for modules an assignment denies. Their files are not
    in the student's filesystem either: this only gives the reason."""

    def __init__(self, names: tuple[str, ...]):
        self.names = set(names)

    def find_spec(self, name: str, path=None, target=None):
        if name.split(".")[0] in self.names:
            raise ImportError(f"{name} is not available in this assignment: the graders compare your work with "
                              f"{name} outside your notebook", name=name)
        return None
