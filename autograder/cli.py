"""`autograder`: release, collect and grade the course's assignments."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .assignments import UnknownAssignment, get_assignment
from .grading.plugin import GraderFailure
from .grading.results import SubmissionResult, grade_table
from .grading.runner import (GradingContext, course_secret, fence_for, grade_one,
                             probe_isolation, refuse_message, run_session, unisolated_warning)
from .grading.store import ResultStore
from .nbgrader_ops import NbgraderError, collect, release
from .sandbox.isolation import UNISOLATED, kill_all_of
from .sandbox.session import GIB, Limits
from .sandbox.uids import UidLease
from .sandbox.zygote import Zygote, ZygoteError
from .submissions import NoSuchPath, from_course, from_paths

EXIT_CANNOT_RUN = 2
EXIT_GRADER_FAILED = 3


class CannotGrade(RuntimeError):
    """Grading cannot start here (the message says why and what to do)."""


def _limits(args: argparse.Namespace) -> Limits:
    defaults = Limits()
    return Limits(
        test_seconds=defaults.test_seconds,
        max_test_seconds=args.max_test_seconds,
        submission_seconds=args.submission_seconds,
        cell_seconds=args.cell_seconds,
        notebook_seconds=args.notebook_seconds,
        memory_bytes=int(args.memory_gib * GIB),
        file_bytes=int(args.file_mib * 1024**2),
        processes=args.processes,
    )


def cmd_grade(args: argparse.Namespace) -> int:
    assignment = get_assignment(args.assignment)
    course_dir = Path(args.course_dir).resolve()
    if args.paths:
        submissions = from_paths([Path(p) for p in args.paths], assignment.name)
    else:
        submissions = from_course(course_dir, assignment.name)
    out = (Path(args.output) if args.output else course_dir / "reports" / assignment.name).resolve()
    secret = course_secret(course_dir)
    store = ResultStore(out, assignment, secret)
    todo = []
    for submission in submissions:
        result = None if args.fresh else store.previous(submission)
        if result is None:
            todo.append(submission)
        else:
            store.add(result)
            print(f"kept {result.student}: {result.score:g}/{result.max_score:g} (already graded)", file=sys.stderr)
    started = time.monotonic()
    lease = UidLease() if os.geteuid() == 0 else None
    if lease is not None:
        kill_all_of(lease.uid)  # anything an earlier run, killed itself, left under this id
    try:
        with Zygote(preload=assignment.student_modules, deny=assignment.denied_modules) as zygote:
            client = zygote.client()
            context = GradingContext(assignment, secret, fence_for(assignment, lease and lease.uid), _limits(args))
            probe = probe_isolation(context, client) if todo else None
            if probe is not None and probe.error is not None:
                if not args.allow_unisolated:
                    raise CannotGrade(refuse_message(probe.error))
                print(unisolated_warning(probe.error), file=sys.stderr)
                context = GradingContext(assignment, secret, fence_for(assignment, lease and lease.uid, UNISOLATED),
                                         context.limits)
                probe = probe_isolation(context, client)
                if probe.error is not None:
                    raise CannotGrade(f"student processes cannot even be started unisolated: {probe.error}")
            for warning in probe.warnings if probe else ():
                print(f"autograder: WARNING: {warning}", file=sys.stderr)

            def jobs():
                for submission in todo:
                    result = yield from grade_one(context, client, submission)
                    if result.grader_errors:
                        store.save_unfinished(result)
                        raise GraderFailure(_grader_failure(result))
                    # On disk before the next submission starts: nothing graded is ever lost.
                    store.save(submission, result)
                    print(f"graded {result.student}: {result.score:g}/{result.max_score:g} "
                          f"({time.monotonic() - started:.1f} s so far)", file=sys.stderr)

            if todo:
                run_session(context, jobs())
    finally:
        if lease is not None:
            lease.release()
    store.finish()
    results = store.results
    if args.json:
        json.dump([r.to_json() for r in results], sys.stdout, indent=2)
        print()
    else:
        print(grade_table(results))
        print(f"\nScores: {out / 'grades.csv'}\nFeedback: {out / 'feedback'}/")
    return 0


def _grader_failure(result: SubmissionResult) -> str:
    lines = [f"the hidden tests failed on their own side while grading {result.student}; no score was kept:"]
    lines += [f"  {t.name}: {t.message}" for t in result.grader_errors[:10]]
    return "\n".join(lines)


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
    grade.add_argument("--fresh", action="store_true",
                       help="grade everything again (default: keep results already on disk for unchanged notebooks)")
    limits = grade.add_argument_group("limits on each student process")
    defaults = Limits()
    limits.add_argument("--max-test-seconds", type=float, default=None,
                        help="cap on every test's own time limit (default: the tests' limits)")
    limits.add_argument("--submission-seconds", type=float, default=defaults.submission_seconds)
    limits.add_argument("--cell-seconds", type=float, default=defaults.cell_seconds)
    limits.add_argument("--notebook-seconds", type=float, default=defaults.notebook_seconds)
    limits.add_argument("--memory-gib", type=float, default=defaults.memory_bytes / GIB)
    limits.add_argument("--file-mib", type=float, default=defaults.file_bytes / 1024**2,
                        help="largest file a student process may write, printed output included")
    limits.add_argument("--processes", type=int, default=defaults.processes,
                        help="processes and threads (when the grader runs as root)")
    grade.add_argument("--allow-unisolated", action="store_true",
                       help="grade even where student processes cannot get their own filesystem, PID and network "
                            "namespaces (every result then says it was graded without isolation)")
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
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command == "grade" and not any(e.startswith("-") for e in extra):
        args.paths += extra  # paths given after the options
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args)
    except (UnknownAssignment, NoSuchPath, NbgraderError, CannotGrade, ZygoteError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except GraderFailure as exc:
        print(f"autograder: grading stopped: {exc}\nFix the hidden tests, then run the same command again: "
              "what was graded before is kept.", file=sys.stderr)
        return EXIT_GRADER_FAILED


if __name__ == "__main__":
    sys.exit(main())
