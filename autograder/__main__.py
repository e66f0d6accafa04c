"""`python -m autograder ...`: the same as the `autograder` command (what a notebook's check() runs)."""
import os
import sys

from .cli import main

code = main()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)  # every process of the check has ended: skip torch's and sympy's teardown
