"""`autograder`: release, collect and grade the course's assignments."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .assignments import UnknownAssignment, get_assignment
from .grading.results import SubmissionResult, csv_text, feedback_markdown, grade_table, save_json, write_atomic
from .grading.runner import course_secret, grade_all
from .nbgrader_ops import NbgraderError, collect, release
from .submissions import NoSuchPath, from_course, from_paths


def _safe_name(student: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in student) or "student"


def cmd_grade(args: argparse.Namespace) -> int:
    assignment = get_assignment(args.assignment)
    course_dir = Path(args.course_dir).resolve()
    if args.paths:
        submissions = from_paths([Path(p) for p in args.paths], assignment.name)
    else:
        submissions = from_course(course_dir, assignment.name)
    out = Path(args.output) if args.output else course_dir / "reports" / assignment.name
    results: list[SubmissionResult] = []
    started = time.monotonic()

    def save(result: SubmissionResult) -> None:
        # Written before the next submission starts: nothing graded is ever lost.
        name = _safe_name(result.student)
        save_json(out / "results" / f"{name}.json", result.to_json())
        write_atomic(out / "feedback" / f"{name}.md", feedback_markdown(result, assignment.name))
        results.append(result)
        write_atomic(out / "grades.csv", csv_text(results))
        print(f"graded {result.student}: {result.score:g}/{result.max_score:g} "
              f"({time.monotonic() - started:.1f} s so far)", file=sys.stderr)

    grade_all(assignment, submissions, course_secret(course_dir), save, zygote_log=None)
    save_json(out / "results.json", [r.to_json() for r in results])
    if args.json:
        json.dump([r.to_json() for r in results], sys.stdout, indent=2)
        print()
    else:
        print(grade_table(results))
        print(f"\nScores: {out / 'grades.csv'}\nFeedback: {out / 'feedback'}/")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    release(get_assignment(args.assignment).name, Path(args.course_dir).resolve())
    print(f"released {args.assignment}")
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    collect(get_assignment(args.assignment).name, Path(args.course_dir).resolve())
    print(f"collected {args.assignment} into submitted/")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(Path(args.dir), args.assignments or None)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    grade = sub.add_parser("grade", help="grade submissions with the hidden tests")
    grade.add_argument("assignment")
    grade.add_argument("paths", nargs="*", help="notebooks or folders (default: nbgrader's submitted/)")
    grade.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    grade.add_argument("--course-dir", default=".", help="the nbgrader course directory (default: .)")
    grade.add_argument("--output", help="where to write results (default: COURSE_DIR/reports/ASSIGNMENT)")
    grade.set_defaults(func=cmd_grade)

    for name, func, text in (("release", cmd_release, "generate and release an assignment with nbgrader"),
                             ("collect", cmd_collect, "collect submissions with nbgrader")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("assignment")
        cmd.add_argument("--course-dir", default=".")
        cmd.set_defaults(func=func)

    demo = sub.add_parser("demo", help="release, submit as a simulated class, collect and grade")
    demo.add_argument("assignments", nargs="*")
    demo.add_argument("--dir", default="demo", help="where to build the demo course (default: ./demo)")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UnknownAssignment, NoSuchPath, NbgraderError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
