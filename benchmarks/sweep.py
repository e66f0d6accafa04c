"""The fairness sweep over many hidden draws (not a unit test): every correct way of writing each
assignment at full marks on every student id, every bug of the bug tables caught on every id, the
stubs at 0, and, with several secrets, the same code getting the same grade under each.

    .venv/bin/python benchmarks/sweep.py [--assignment NAME ...] [--ids 20] [--secrets s1,s2,s3]

Prints a table per assignment and secret, then every miss; exits 1 if there is one.
CI runs the same sweep on 3 ids (source_tests/test_sweep.py). See autograder/variants/sweep.py.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.assignments import assignment_names  # noqa: E402
from autograder.variants.sweep import Sweep, run  # noqa: E402


def static_problems() -> list[str]:
    """reverse_mode's student processes have no torch: no code cell of its notebooks may use it."""
    import nbformat

    problems = []
    for folder in ("solutions", "assignments"):
        notebook = nbformat.read(str(REPO / folder / "reverse_mode" / "reverse_mode.ipynb"), as_version=4)
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            if cell.cell_type == "code" and not grade_id.startswith("hidden_tests_") and \
                    re.search(r"^\s*(import torch|from torch)|\btorch\.", cell.source, re.MULTILINE):
                problems.append(f"{folder}/reverse_mode: code cell {grade_id} uses torch")
    return problems


def same_grade_table(sweeps: list[Sweep]) -> tuple[str, list[str]]:
    """Each variant's scores under every secret: one value each time, or a miss."""
    lines, misses = [f"{sweeps[0].assignment}: scores under {len(sweeps)} secrets (every id)"], []
    for index, row in enumerate(sweeps[0].rows):
        per_secret = [sorted({round(s, 6) for s in sweep.rows[index].scores.values()}) for sweep in sweeps]
        shown = "  ".join("/".join(f"{v:g}" for v in scores) for scores in per_secret)
        lines.append(f"  {row.variant.name:40s} {shown}")
        if len({v for scores in per_secret for v in scores}) > 1:
            misses.append(f"{sweeps[0].assignment} {row.variant.name}: different scores across ids or secrets: {shown}")
    return "\n".join(lines), misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", action="append", choices=assignment_names(),
                        help="an assignment to sweep (repeat; default: all)")
    parser.add_argument("--ids", type=int, default=20, help="student ids per variant (each its own hidden draws)")
    parser.add_argument("--secrets", default="sweep-secret-1", help="course secrets, comma separated")
    parser.add_argument("--jobs", type=int, default=None, help="grader processes (default: one per CPU)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to write submissions and results")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sweep-"))
    misses = static_problems()
    for assignment in args.assignment or assignment_names():
        sweeps = []
        for secret in args.secrets.split(","):
            started = time.monotonic()
            sweep = run(assignment, args.ids, secret, workdir / secret, args.jobs)
            print(sweep.table())
            print(f"  ({len(sweep.rows) * args.ids} submissions graded in {time.monotonic() - started:.0f} s)\n",
                  flush=True)
            misses += sweep.misses
            sweeps.append(sweep)
        if len(sweeps) > 1:
            table, different = same_grade_table(sweeps)
            print(table + "\n", flush=True)
            misses += different
    print(f"{len(misses)} misses" + (":" if misses else ""))
    for miss in misses:
        print(f"  {miss}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
