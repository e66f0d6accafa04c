"""`autograder`: release, collect and grade the course's assignments."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .errors import CannotRun, GraderFailure, ReferenceFailed

EXIT_CANNOT_RUN = 2
EXIT_GRADER_FAILED = 3
GIB = 1024**3


def cmd_grade(args: argparse.Namespace) -> int:
    # The warm template starts (in Batch) before this process's heavy imports (pytest, torch).
    from .assignments import get_assignment
    from .grading.batch import Batch, BatchOptions
    from .grading.calibration import CACHE_FOLDER
    from .grading.pool import default_jobs
    from .grading.progress import BatchProgress
    from .grading.results import grade_table
    from .grading.runner import course_secret
    from .gradebook import NbgraderCourse
    from .grading.store import ResultStore
    from .submissions import from_course, from_paths

    assignment = get_assignment(args.assignment)
    course_dir = Path(args.course_dir).resolve()
    if args.paths:
        submissions = from_paths([Path(p) for p in args.paths], assignment.name)
    else:
        submissions = from_course(course_dir, assignment.name)
    out = (Path(args.output) if args.output else course_dir / "reports" / assignment.name).resolve()
    secret = course_secret(course_dir)
    store = ResultStore(out, assignment, secret)
    kept = {} if args.fresh else {s: r for s in submissions if (r := store.previous(s)) is not None}
    todo = [s for s in submissions if s not in kept]
    jobs = max(1, min(args.jobs or default_jobs(), len(todo) + 1))  # the reference solution is graded too
    nbgrader = None if args.paths else NbgraderCourse(course_dir, assignment)  # its gradebook and feedback folder
    cache = Path(os.environ.get("AUTOGRADER_CALIBRATION_CACHE") or course_dir / CACHE_FOLDER)
    options = BatchOptions(_limits(args), jobs, args.allow_unisolated, calibration_cache=cache)
    with Batch(assignment, secret, options) as batch, \
            BatchProgress(len(submissions), len(kept)) as progress:
        for result in kept.values():
            store.add(result)
            _warn(nbgrader and nbgrader.publish(result))
            progress.kept(result)
        for warning in batch.start() if todo else ():
            _warn(warning)
        for submission, result in batch.grade(todo):
            if result.grader_errors:
                store.save_unfinished(result)
                raise GraderFailure(_grader_failure(result))
            store.save(submission, result)  # on disk before anything else happens: nothing graded is lost
            _warn(nbgrader and nbgrader.publish(result))
            progress.graded(result)
    results = store.finish(submissions)
    if args.json:
        json.dump([r.to_json() for r in results], sys.stdout, indent=2)
        print()
    else:
        print(grade_table(results, [] if args.paths else _quarantined(course_dir, assignment.name)))
        print(f"\nScores: {out / 'grades.csv'}\nFeedback: {out / 'feedback'}/")
    return 0


def _quarantined(course_dir: Path, assignment: str) -> list[tuple[str, str, str]]:
    """(student, folder, reason) of each folder `autograder collect` refused (quarantine.py)."""
    from .quarantine import printable, quarantined

    return [(printable(r.student, 60), printable(r.folder), r.reason()) for r in quarantined(course_dir, assignment)]


def _warn(text: str | None) -> None:
    if text:
        print(text if text.startswith("autograder:") else f"autograder: WARNING: {text}", file=sys.stderr)


def _limits(args: argparse.Namespace):
    from .sandbox.limits import Limits

    return Limits(floor_seconds=args.time_floor, factor=args.time_factor, test_seconds=args.test_seconds,
                  max_test_seconds=args.max_test_seconds, submission_seconds=args.submission_seconds,
                  cell_seconds=args.cell_seconds, notebook_seconds=args.notebook_seconds,
                  memory_bytes=int(args.memory_gib * GIB), file_bytes=int(args.file_mib * 1024**2),
                  total_memory_bytes=int(args.total_memory_gib * GIB) if args.total_memory_gib > 0 else None,
                  processes=args.processes)


def _grader_failure(result) -> str:
    lines = [f"the hidden tests failed on their own side while grading {result.student}; no score was kept:"]
    lines += [f"  {t.name}: {t.message}" for t in result.grader_errors[:10]]
    return "\n".join(lines)


def cmd_release(args: argparse.Namespace) -> int:
    from .assignments import get_assignment
    from .nbgrader_ops import release

    release(get_assignment(args.assignment).name, Path(args.course_dir).resolve())
    print(f"released {args.assignment}")
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    from .assignments import get_assignment
    from .nbgrader_ops import collect
    from .quarantine import printable

    collected = collect(get_assignment(args.assignment).name, Path(args.course_dir).resolve())
    for warning in collected.warnings:  # nbgrader's own ("cheating attempt?"), as it logged them
        print(f"nbgrader: {warning}", file=sys.stderr)
    for record in collected.refused:
        _warn(f"autograder: not collected: {printable(record.folder)}: {record.reason()} "
              f"(kept in {printable(record.kept_at) or '-'}: {record.how})")
    refused = f"; {len(collected.refused)} folders refused, see quarantine/" if collected.refused else ""
    print(f"collected {args.assignment} into submitted/{refused}")
    return 0


def _output(args: argparse.Namespace, assignment) -> Path:
    course_dir = Path(args.course_dir).resolve()
    return (Path(args.output) if args.output else course_dir / "reports" / assignment.name).resolve()


def cmd_report(args: argparse.Namespace) -> int:
    from .assignments import get_assignment
    from .report import build_report

    assignment = get_assignment(args.assignment)
    print(f"report: {build_report(assignment, _output(args, assignment))}")
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    """Write every student's feedback page again, with the answers graded by hand so far."""
    from .assignments import get_assignment
    from .gradebook import NbgraderCourse
    from .grading.store import read_batch

    assignment = get_assignment(args.assignment)
    course = NbgraderCourse(Path(args.course_dir).resolve(), assignment)
    results = read_batch(_output(args, assignment)).results
    for result in results:
        _warn(course.publish(result))
    print(f"feedback written for {len(results)} students in {course.course_dir / 'feedback'}/ "
          f"(send it with: nbgrader release_feedback {assignment.name})")
    return 0


def cmd_export_gradescope(args: argparse.Namespace) -> int:
    from .assignments import get_assignment
    from .gradescope import export_zip

    assignment = get_assignment(args.assignment)
    path = export_zip(assignment, Path(args.output or f"{assignment.name}-gradescope.zip"))
    print(f"Gradescope autograder: {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(Path(args.dir), args.assignments or None)


def _default_limits() -> dict:
    from dataclasses import asdict

    from .sandbox.limits import Limits

    return asdict(Limits())


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
    limits = grade.add_argument_group(
        "limits on each student process",
        "Each test's and cell's CPU-time limit is max(floor, factor x the reference solution's CPU time there), "
        "measured by grading the reference solution first (a fit's tests declare a larger factor).")
    defaults = _default_limits()
    limits.add_argument("--time-floor", type=float, default=defaults["floor_seconds"],
                        help="the smallest limit of a test or cell, in CPU seconds (default: %(default)g)")
    limits.add_argument("--time-factor", type=float, default=defaults["factor"],
                        help="each limit is this many times the reference solution's time (default: %(default)g)")
    limits.add_argument("--test-seconds", type=float, default=None,
                        help="one limit for every test instead of the calibrated ones")
    limits.add_argument("--cell-seconds", type=float, default=None,
                        help="one limit for every notebook cell instead of the calibrated ones")
    limits.add_argument("--max-test-seconds", type=float, default=None,
                        help="cap on every test's limit (default: none)")
    limits.add_argument("--submission-seconds", type=float, default=defaults["submission_seconds"])
    limits.add_argument("--notebook-seconds", type=float, default=defaults["notebook_seconds"])
    limits.add_argument("--memory-gib", type=float, default=defaults["memory_bytes"] / GIB,
                        help="address space of each student process")
    limits.add_argument("--total-memory-gib", type=float, default=defaults["total_memory_bytes"] / GIB,
                        help="memory in use by all of a submission's processes together, where the grader can make "
                             "cgroups (0: no cap)")
    limits.add_argument("--file-mib", type=float, default=defaults["file_bytes"] / 1024**2,
                        help="largest file a student process may write, printed output included")
    limits.add_argument("--processes", type=int, default=defaults["processes"],
                        help="processes and threads of a submission (its cgroup, and its user id when the grader "
                             "runs as root)")
    grade.add_argument("--jobs", "-j", type=int, default=None,
                       help="grader processes working side by side (default: one per CPU)")
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

    for name, func, text in (("report", cmd_report, "write the class report (HTML page and plots) of a graded batch"),
                             ("feedback", cmd_feedback, "write the students' feedback pages again (after grading "
                                                        "answers by hand in the formgrader)")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("assignment")
        cmd.add_argument("--course-dir", default=".")
        cmd.add_argument("--output", help="the batch's output folder (default: COURSE_DIR/reports/ASSIGNMENT)")
        cmd.set_defaults(func=func)
    gradescope = sub.add_parser("export-gradescope", help="build a Gradescope autograder zip for an assignment")
    gradescope.add_argument("assignment")
    gradescope.add_argument("-o", "--output", help="the zip to write (default: ASSIGNMENT-gradescope.zip)")
    gradescope.set_defaults(func=cmd_export_gradescope)

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
    except CannotRun as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except ReferenceFailed as exc:
        print(f"autograder: grading stopped: {exc}", file=sys.stderr)
        return EXIT_GRADER_FAILED
    except GraderFailure as exc:
        print(f"autograder: grading stopped: {exc}\nFix the hidden tests, then run the same command again: "
              "what was graded before is kept.", file=sys.stderr)
        return EXIT_GRADER_FAILED


if __name__ == "__main__":
    code = main()
    # Everything is written and every process of the batch has ended: skip the interpreter's teardown
    # (torch's and sympy's take ~0.15 s).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
