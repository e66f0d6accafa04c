"""Time `autograder similarity` on a generated class (the figure in the README; never a unit test).

    .venv/bin/python benchmarks/similarity_benchmark.py [--students 300] [--assignment backprop] [--work DIR]

The class is made of the variant tables: the reference solution, its bugs (`<a>.BUGS`), the correct
ways written in other styles (`<a>_correct.CORRECT`), the untouched stub, and renamed copies (every
argument and local variable renamed, methods and functions in reverse order, comments and layout
gone: `renamed`), so that both real matches and unrelated pairs are compared. It runs the real CLI
once, with the published solution as a reference, and prints the wall time and the pairs flagged.
"""
from __future__ import annotations

import argparse
import ast
import builtins
import importlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.variants import Variant, fill_notebook, write_variant  # noqa: E402
from autograder.variants.sweep import correct_ways, released, solution  # noqa: E402


class _Renamer(ast.NodeTransformer):
    """Arguments and local variables get other names (self, globals and builtins keep theirs)."""

    def __init__(self, local: set[str]):
        self.local = local

    def _new(self, name: str) -> str:
        return f"{name}_renamed" if name in self.local else name

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self._new(node.arg)
        return node

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self._new(node.id)
        return node


def _locals(tree: ast.Module) -> set[str]:
    """Arguments and names assigned inside functions, except self and builtins."""
    names = set()
    for function in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
        names |= {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
        names |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names - {"self", "cls"} - set(dir(builtins))


def renamed(source: str) -> str:
    """The same code, other names, classes and functions (and each class's methods) in reverse order;
    comments and layout are lost on the way (ast.unparse)."""
    tree = ast.parse(source)
    tree = _Renamer(_locals(tree)).visit(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            node.body.reverse()
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    tree.body = imports + [n for n in tree.body if n not in imports][::-1]
    return ast.unparse(tree) + "\n"


def renamed_copy(assignment: str, variant: Variant, name: str) -> Variant:
    """`variant` with every solution cell renamed and reordered (see `renamed`)."""
    notebook = fill_notebook(nbformat.read(str(released(assignment)), as_version=4),
                             nbformat.read(str(solution(assignment)), as_version=4), variant.edits, variant.cells)
    cells = tuple((c.metadata["nbgrader"]["grade_id"], renamed(c.source)) for c in notebook.cells
                  if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution"))
    return Variant(name, cells=cells, description=f"{variant.name}, renamed and reordered")


def build_class(assignment: str, students: int, course: Path) -> dict[str, str]:
    """submitted/<student>/<assignment>/ for `students` students: student -> what they submitted."""
    module = importlib.import_module(f"autograder.variants.{assignment}")
    ways = [Variant("solution")] + correct_ways(assignment) + list(module.BUGS)
    roster = {}
    for index in range(students):
        student = f"s{index:03d}"
        destination = course / "submitted" / student / assignment / f"{assignment}.ipynb"
        if index % 25 == 24:  # the stub, untouched
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(released(assignment).read_bytes())
            roster[student] = "stub"
            continue
        variant = ways[index % len(ways)]
        if index % 10 == 7:  # a renamed copy of another student's way
            variant = renamed_copy(assignment, variant, f"{variant.name}_renamed")
        write_variant(variant, released(assignment), solution(assignment), destination)
        roster[student] = variant.name
    return roster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--assignment", default="backprop")
    parser.add_argument("--work", type=Path, default=None, help="where to build the class (default: a temp dir)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="similarity-bench-"))
    roster = build_class(args.assignment, args.students, work)
    print(f"class of {len(roster)} in {work} ({sum(v == 'stub' for v in roster.values())} stubs, "
          f"{sum(v.endswith('_renamed') for v in roster.values())} renamed copies)", flush=True)
    command = [sys.executable, "-m", "autograder", "similarity", args.assignment, "--course-dir", str(work),
               "--json", "--reference", str(solution(args.assignment))]
    start = time.perf_counter()
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    listed = json.loads(run.stdout)
    print(f"autograder similarity on {len(roster)} submissions (+1 reference): {seconds:.1f} s wall, "
          f"{len(listed)} pairs listed; report in {work / 'reports' / args.assignment / 'similarity'}")


if __name__ == "__main__":
    main()
