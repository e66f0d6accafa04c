"""The system calls a student process may not make: a seccomp filter.

The filter is a classic BPF program that the kernel runs on every system
call of the process and of everything it starts (it cannot be removed, and
`no_new_privs` must be set first). It is written here by hand because it is
a dozen instructions: libseccomp would generate the same program, but its
Python binding is not on PyPI (only in distribution packages), and the
grader must also run where only Python is installed (Gradescope's image).

What it checks, in order (each line is one rule below):

1. The architecture of the call. A 64-bit x86 process can also enter the
   kernel as an i386 process (`int 0x80`, with the i386 numbers: 286 is
   `add_key` there, 248 on x86_64), and an arm64 process as a 32-bit arm one.
   A filter that only compares numbers lets every such call through, which
   is how a student reached the kernel keyrings before. Like nsjail's
   compiler (kafel) and libseccomp's default "bad arch" action, a call from
   any architecture but the native one kills the process.
2. The x32 ABI: x86_64 calls whose number has bit 30 set
   (`__X32_SYSCALL_BIT`) run the x32 version of the call, with the native
   architecture in the audit field, so step 1 does not see them. As in the
   example of seccomp(2) and in libseccomp's x86_64 filters, any number from
   that bit up kills the process. (Most kernels are built without x32, or
   with it off; where it is on, this matters.)
3. The calls named in the deny list fail with EPERM, as flatpak denies
   them: the student sees a PermissionError and the grader goes on.
4. Everything else is allowed; the rest of the fence (namespaces, user id,
   limits) is not the filter's work.
"""
from __future__ import annotations

import ctypes
import os
import platform

PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_KILL_PROCESS = 0x80000000  # the whole process, not only the thread (Linux 4.14)
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000
EPERM = 1
X32_SYSCALL_BIT = 0x40000000
# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6];
NR_OFFSET, ARCH_OFFSET = 0, 4
BPF_LD_W_ABS, BPF_JEQ_K, BPF_JGE_K, BPF_RET_K = 0x20, 0x15, 0x35, 0x06

# The native architecture of each machine this runs on: its audit value, whether
# x32 numbers must be refused, and the numbers of the calls a deny list may name.
SYSCALLS = {
    "x86_64": (0xC000003E, True, {
        "add_key": 248, "request_key": 249, "keyctl": 250,
        "shmget": 29, "semget": 64, "msgget": 68, "mq_open": 240,
        "unshare": 272, "mount": 165, "pivot_root": 155}),
    "aarch64": (0xC00000B7, False, {
        "add_key": 217, "request_key": 218, "keyctl": 219,
        "shmget": 194, "semget": 190, "msgget": 186, "mq_open": 180,
        "unshare": 97, "mount": 40, "pivot_root": 41}),
}

# What a student process may never call, whatever the fence's mode:
STUDENT_DENIED_SYSCALLS = (
    # Kernel keyrings belong to a user id (its user and user-session keyrings, its
    # persistent keyring) or to the session the grader was started in, not to any
    # namespace the student gets: a key added here is read by the next process of
    # the same user id, in this batch or a later one. No notebook needs them
    # (Docker's default profile refuses them too: "the kernel keyring is not namespaced").
    "add_key", "request_key", "keyctl",
    # System V shared memory, semaphores and message queues, and POSIX message
    # queues, outlive their process. Under namespaces they live in the student's
    # own IPC namespace and die with it; unisolated they live in the machine's,
    # where the next submission finds them. Refused in every mode: nothing of
    # numpy, matplotlib or torch uses them (POSIX shared memory and semaphores
    # are files in /dev/shm, which is private or swept, see leftovers.py).
    # Only the get calls create one (IPC_PRIVATE included); the other calls act on
    # objects that already exist, and those of the student's id are removed at release.
    "shmget", "semget", "msgget", "mq_open",
)


class SeccompError(OSError):
    """The filter could not be installed (the process must then not run student code)."""


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def native() -> tuple[int, bool, dict[str, int]]:
    """This machine's architecture: (audit value, refuses x32, {call: number})."""
    machine = platform.machine()
    if machine not in SYSCALLS:
        raise SeccompError(f"no system call table for {machine}: student processes cannot be filtered here")
    return SYSCALLS[machine]


def program(names: tuple[str, ...]) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jump if true, jump if false, k) instructions; a
    jump is the number of instructions to skip."""
    arch, refuse_x32, table = native()
    unknown = [name for name in names if name not in table]
    if unknown:
        raise SeccompError(f"no system call number for {', '.join(unknown)}")
    numbers = sorted({table[name] for name in names})
    # The three verdicts close the program: ALLOW, then DENY (EPERM), then KILL.
    body: list[tuple[int, str | int, str | int, int]] = [
        (BPF_LD_W_ABS, 0, 0, ARCH_OFFSET),
        (BPF_JEQ_K, 0, "kill", arch),  # 1. a foreign architecture: killed
        (BPF_LD_W_ABS, 0, 0, NR_OFFSET),
    ]
    if refuse_x32:
        body.append((BPF_JGE_K, "kill", 0, X32_SYSCALL_BIT))  # 2. the x32 ABI: killed
    body += [(BPF_JEQ_K, "deny", 0, number) for number in numbers]  # 3. denied: EPERM
    verdicts = {"allow": len(body), "deny": len(body) + 1, "kill": len(body) + 2}

    def skip(index: int, target: str | int) -> int:
        return target if isinstance(target, int) else verdicts[target] - index - 1

    resolved = [(code, skip(i, jt), skip(i, jf), k) for i, (code, jt, jf, k) in enumerate(body)]
    return resolved + [(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),  # 4. everything else
                       (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM),
                       (BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS)]


def deny_syscalls(names: tuple[str, ...]) -> None:
    """Install the filter: `names` fail with EPERM, foreign architectures and
    x32 calls kill the process, for this process and everything it starts."""
    instructions = program(names)
    filters = (_SockFilter * len(instructions))(*(_SockFilter(*i) for i in instructions))
    fprog = _SockFprog(len(instructions), filters)
    libc = ctypes.CDLL(None, use_errno=True)  # the process's own C library (no lookup, no ldconfig)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        errno = ctypes.get_errno()
        raise SeccompError(errno, f"seccomp filter: {os.strerror(errno)}")
