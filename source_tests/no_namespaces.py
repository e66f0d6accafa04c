"""Run a command where namespaces are refused, as in a container with
Docker's default seccomp profile: unshare, mount and pivot_root fail with
EPERM for the command and everything it starts.

    python source_tests/no_namespaces.py COMMAND [ARG ...]
"""
from __future__ import annotations

import os
import sys

from autograder.sandbox.isolation import deny_syscalls, no_new_privileges

if __name__ == "__main__":
    no_new_privileges()
    deny_syscalls(("unshare", "mount", "pivot_root"))
    os.execvp(sys.argv[1], sys.argv[1:])
