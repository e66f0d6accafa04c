"""`autograder`: release, collect and grade the course's assignments."""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from .errors import CannotRun, GraderFailure, NoSuchPath, ReferenceFailed

EXIT_CANNOT_RUN = 2
EXIT_GRADER_FAILED = 3
EXIT_PATHS_REFUSED = 4  # what could be graded was, but some of the paths named hold no notebook
EXIT_SIMILAR = 5  # `autograder similarity --threshold X`: some pair scores above X
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
    if not course_dir.is_dir():
        raise NoSuchPath(f"no course directory {course_dir} (--course-dir: the nbgrader course folder, where the "
                         "course's secret and calibration are kept)")
    paths, refused = _gradable(args.paths)
    if args.paths:
        submissions = from_paths(paths, assignment.name)
        out = Path(args.output).resolve() if args.output else _one_off_folder(course_dir, assignment.name)
    else:
        submissions = from_course(course_dir, assignment.name)
        out = _output(args, assignment)
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
        _warn(nbgrader and nbgrader.prepare())  # the course's nbgrader config: file modes, late policy
        for result in kept.values():
            store.add(result)
            _warn(nbgrader and nbgrader.publish_kept(result))  # unchanged: published only if it never was
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
    if args.paths and not args.output:
        _warn(f"autograder: a one-off grade, kept apart from the class's batch (whose grades.csv and report are "
              f"untouched), in {out}/ (its own report: autograder report {assignment.name} --output {out})")
    if refused:
        _warn(f"autograder: not graded: {len(refused)} of the {len(args.paths)} paths named (listed above); exit "
              f"status {EXIT_PATHS_REFUSED}")
        return EXIT_PATHS_REFUSED
    return 0


def _gradable(paths: list[str], verb: str = "grade") -> tuple[list[Path], list]:
    """The paths named that hold something to grade (or to `verb`), and the others (each reported
    with the reason); when none is left, nothing is done."""
    from .quarantine import printable
    from .submissions import split_paths

    kept, refused = split_paths([Path(p) for p in paths])
    for record in refused:
        _warn(f"autograder: not {verb}d: {printable(str(record.path))}: {record.reason}")
    if refused and not kept:
        raise NoSuchPath(f"nothing to {verb}: none of the paths named is a notebook or a folder holding one")
    return kept, refused


def _one_off_folder(course_dir: Path, assignment: str) -> Path:
    """A new folder of its own for a one-off grade of notebooks named on the command line:
    reports/<assignment>/adhoc/<UTC time>/, so that the class's batch and report stay as they are."""
    from .grading.results import make_folders

    adhoc = course_dir / "reports" / assignment / "adhoc"
    make_folders(adhoc)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H-%M-%SZ")
    for attempt in range(1, 100):
        folder = adhoc / (stamp if attempt == 1 else f"{stamp}-{attempt}")
        try:
            folder.mkdir()  # a folder no other grade has: two one-off grades in the same second get two
            return folder
        except FileExistsError:
            continue
    raise CannotRun(f"could not make a new folder in {adhoc}: pass --output")


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


def cmd_similarity(args: argparse.Namespace) -> int:
    """Which submissions share code with each other or with the references (evidence, never a penalty)."""
    from .assignments import get_assignment
    from .quarantine import printable
    from .similarity import FLAG_THRESHOLD, compare, write_report
    from .submissions import from_course, from_paths

    assignment = get_assignment(args.assignment)
    course_dir = Path(args.course_dir).resolve()
    submissions = from_paths(_gradable(args.paths, "compare")[0], assignment.name) if args.paths \
        else from_course(course_dir, assignment.name)
    references = from_paths(_gradable(args.reference, "compare")[0], assignment.name) if args.reference else []
    comparison = compare(assignment, submissions, references)
    for refusal in comparison.refused:
        _warn(f"autograder: not compared: {printable(refusal.name)}: {refusal.reason}")
    out = Path(args.output).resolve() if args.output else course_dir / "reports" / assignment.name / "similarity"
    index = write_report(comparison, out, assignment)
    threshold = FLAG_THRESHOLD if args.threshold is None else args.threshold
    above = comparison.above(threshold)
    if args.json:
        json.dump([p.to_json() for p in comparison.listed], sys.stdout, indent=2)
        print()
    else:
        print(f"{len(above)} pairs above {threshold:g} of {comparison.compared} compared; report: {index}")
    if args.threshold is not None and above:
        _warn(f"autograder: {len(above)} pairs score above {args.threshold:g}; exit status {EXIT_SIMILAR}")
        return EXIT_SIMILAR
    return 0


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

    from .gradebook import NbgraderCourse

    assignment = get_assignment(args.assignment)
    _warn(NbgraderCourse(Path(args.course_dir).resolve(), assignment).prepare())  # the course's file modes
    print(f"report: {build_report(assignment, _output(args, assignment))}")
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    """Write every student's feedback page again, with the answers graded by hand so far."""
    from .assignments import get_assignment
    from .gradebook import NbgraderCourse
    from .grading.store import read_batch

    assignment = get_assignment(args.assignment)
    course = NbgraderCourse(Path(args.course_dir).resolve(), assignment)
    out = _output(args, assignment)
    results = read_batch(out).results
    if not results:
        raise NoSuchPath(f"nothing graded yet in {out}: run `autograder grade {assignment.name}` first")
    for result in results:
        _warn(course.publish(result))
    print(f"feedback written for {len(results)} students in {course.course_dir / 'feedback'}/ "
          f"(send it with: nbgrader release_feedback {assignment.name})")
    return 0


def cmd_export_gradescope(args: argparse.Namespace) -> int:
    from .assignments import get_assignment
    from .gradescope import export_zip

    assignment = get_assignment(args.assignment)
    path = export_zip(assignment, Path(args.output or f"{assignment.name}-gradescope.zip"), visibility=args.visibility)
    print(f"Gradescope autograder: {path} ({path.stat().st_size / 1024:.0f} KiB; the tests' details: "
          f"{args.visibility}, the score: visible)")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """A student's own check: the real graders on public draws; exit 0 when every check passed, else 1."""
    from .assignments import get_assignment
    from .check import Progress, render, run_check

    assignment = get_assignment(args.assignment)
    notebook = Path(args.notebook).resolve()
    if not notebook.is_file() or notebook.suffix != ".ipynb":
        raise NoSuchPath(f"{args.notebook} is not a notebook file (.ipynb) here")
    saved = datetime.fromtimestamp(notebook.stat().st_mtime)
    print(f"Checking {notebook.name} ({assignment.name}) with the real graders on public draws...", flush=True)
    progress = Progress(assignment, sys.stdout)
    try:
        run = run_check(assignment, notebook, progress)
    except ReferenceFailed as exc:
        progress.done()
        print(f"autograder check could not check your notebook: the course's reference solution does not pass the "
              f"checks in this environment, so something is broken here, not in your work. Tell your instructor, "
              f"with this message:\n{exc}", file=sys.stderr)
        return EXIT_GRADER_FAILED
    finally:
        progress.done()
    print(render(run, saved), end="")
    return 0 if run.result.full_marks else 1


def cmd_export_check(args: argparse.Namespace) -> int:
    from .assignments import get_assignment
    from .check_package import export_check

    folder = export_check([get_assignment(a) for a in args.assignments], Path(args.output), args.concepts)
    print(f"check package for students: {folder}/ (they install it with: pip install {folder})")
    return 0


def cmd_quiz_import(args: argparse.Namespace) -> int:
    from .quiz.build import import_quiz

    files = import_quiz([Path(p) for p in args.files], args.name, Path(args.course_dir).resolve(), Path(args.graders))
    print(f"quiz {args.name}: {files.notebook} and its graders in {files.graders}/")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    try:
        from .demo import run_demo
    except ModuleNotFoundError:
        raise CannotRun("this is a check package for students (autograder export-check): it has no demo") from None

    return run_demo(Path(args.dir), args.assignments or None)


def _default_limits() -> dict:
    from dataclasses import asdict

    from .sandbox.limits import Limits

    return asdict(Limits())


def _assignment_names() -> list[str]:
    from .assignments import assignment_names

    return assignment_names()


def _assignment(text: str) -> str:
    """argparse type of ASSIGNMENT: one of the assignments this package grades."""
    if text not in _assignment_names():
        raise argparse.ArgumentTypeError(f"unknown assignment {text!r}: the assignments are "
                                         f"{', '.join(_assignment_names())}")
    return text


def _positive(kind: type, zero: str | None = None):
    """argparse type: a finite number above 0, or also 0 when `zero` says what 0 means."""
    what = "a whole number" if kind is int else "a number"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}, not {text!r}") from None
        if not math.isfinite(value) or value < 0 or (value == 0 and zero is None):
            wanted = f"0 ({zero}) or {what} above 0" if zero else f"{what} above 0"
            raise argparse.ArgumentTypeError(f"must be {wanted}, not {text}")
        return value

    return parse


def _fraction(text: str) -> float:
    """argparse type: a number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, not {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, not {text}")
    return value


class _CommandParser(argparse.ArgumentParser):
    """A command's parser: ASSIGNMENT left out, it says which names there are."""

    def error(self, message: str):
        if "required" in message and "ASSIGNMENT" in message:
            names = _assignment_names()
            message = f"name the assignment: one of {', '.join(names)} (for example: {self.prog} {names[0]})"
        super().error(message)


def _add_assignment(cmd: argparse.ArgumentParser, what: str) -> None:
    cmd.add_argument("assignment", type=_assignment, metavar="ASSIGNMENT",
                     help=f"{what}: one of {', '.join(_assignment_names())}")


def _add_course_dir(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--course-dir", default=".", help="the nbgrader course directory (default: %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_CommandParser)

    grade = sub.add_parser("grade", help="grade submissions with the hidden tests",
                           description="Grade nbgrader's submitted/ folder (the class's batch), or the notebooks "
                                       "named (a one-off grade, kept apart from the class).")
    _add_assignment(grade, "the assignment to grade")
    grade.add_argument("paths", nargs="*", default=[], metavar="PATH",
                       help="notebooks, or folders holding them, graded apart from the class; files that are not "
                            "notebooks are refused (default: every submission in COURSE_DIR/submitted/)")
    grade.add_argument("--json", action="store_true", help="print the results as JSON on stdout (default: a table)")
    _add_course_dir(grade)
    grade.add_argument("--output", metavar="FOLDER",
                       help="where to write the results (default: COURSE_DIR/reports/ASSIGNMENT for submitted/; "
                            "with PATHs, a new COURSE_DIR/reports/ASSIGNMENT/adhoc/<UTC time>/)")
    grade.add_argument("--fresh", action="store_true",
                       help="grade everything again (default: keep results already on disk for unchanged notebooks)")
    limits = grade.add_argument_group(
        "limits on each student process",
        "Each test's and cell's CPU-time limit is max(floor, factor x the reference solution's CPU time there), "
        "measured by grading the reference solution first (a fit's tests declare a larger factor).")
    defaults = _default_limits()
    seconds = _positive(float)
    limits.add_argument("--time-floor", metavar="SECONDS", type=seconds, default=defaults["floor_seconds"],
                        help="the smallest limit of a test or cell, in CPU seconds (default: %(default)g)")
    limits.add_argument("--time-factor", metavar="FACTOR", type=_positive(float), default=defaults["factor"],
                        help="each limit is this many times the reference solution's time (default: %(default)g)")
    limits.add_argument("--test-seconds", metavar="SECONDS", type=seconds, default=None,
                        help="one limit for every test, in CPU seconds (default: the calibrated ones)")
    limits.add_argument("--cell-seconds", metavar="SECONDS", type=seconds, default=None,
                        help="one limit for every notebook cell, in CPU seconds (default: the calibrated ones)")
    limits.add_argument("--max-test-seconds", metavar="SECONDS", type=seconds, default=None,
                        help="cap on every test's limit, in CPU seconds (default: no cap)")
    limits.add_argument("--submission-seconds", metavar="SECONDS", type=seconds,
                        default=defaults["submission_seconds"],
                        help="wall-clock limit on all of one submission's tests together, in seconds "
                             "(default: %(default)g)")
    limits.add_argument("--notebook-seconds", metavar="SECONDS", type=seconds, default=defaults["notebook_seconds"],
                        help="wall-clock limit on each run of the notebook from the top, in seconds "
                             "(default: %(default)g)")
    limits.add_argument("--memory-gib", metavar="GIB", type=_positive(float), default=defaults["memory_bytes"] / GIB,
                        help="address space of each student process, in GiB (default: %(default)g)")
    limits.add_argument("--total-memory-gib", metavar="GIB", type=_positive(float, zero="no cap"),
                        default=defaults["total_memory_bytes"] / GIB,
                        help="memory in use by all of a submission's processes together, in GiB, where the grader "
                             "can make cgroups (0: no cap; default: %(default)g)")
    limits.add_argument("--file-mib", metavar="MIB", type=_positive(float),
                        default=defaults["file_bytes"] / 1024**2,
                        help="largest file a student process may write, printed output included, in MiB "
                             "(default: %(default)g)")
    limits.add_argument("--processes", metavar="N", type=_positive(int), default=defaults["processes"],
                        help="processes and threads of a submission (its cgroup, and its user id when the grader "
                             "runs as root) (default: %(default)s)")
    grade.add_argument("--jobs", "-j", metavar="N", type=_positive(int), default=None,
                       help="grader processes working side by side (default: one per CPU)")
    grade.add_argument("--allow-unisolated", action="store_true",
                       help="grade even where student processes cannot get their own filesystem, PID and network "
                            "namespaces, and have every result say so (default: refuse to grade there)")
    grade.set_defaults(func=cmd_grade)

    for name, func, text in (("release", cmd_release, "generate and release an assignment with nbgrader"),
                             ("collect", cmd_collect, "collect submissions with nbgrader")):
        cmd = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        _add_assignment(cmd, f"the assignment to {name}")
        _add_course_dir(cmd)
        cmd.set_defaults(func=func)

    for name, func, text in (("report", cmd_report, "write the class report (HTML page and plots) of a graded batch"),
                             ("feedback", cmd_feedback, "write the students' feedback pages again (after grading "
                                                        "answers by hand in the formgrader)")):
        cmd = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        _add_assignment(cmd, "the assignment graded")
        _add_course_dir(cmd)
        cmd.add_argument("--output", metavar="FOLDER",
                         help="the graded batch's folder (default: COURSE_DIR/reports/ASSIGNMENT, the class's batch)")
        cmd.set_defaults(func=func)
    similar = sub.add_parser("similarity", help="find submissions that share code (evidence, never a penalty)",
                             description="Compare the submissions' own code with each other and with references "
                                         "(copydetect's fingerprints; the released notebook's code never counts), "
                                         "and write a ranked page of pairs with side-by-side views. No student "
                                         f"code is run. Exit status {EXIT_SIMILAR} with --threshold when a pair "
                                         "scores above it.")
    _add_assignment(similar, "the assignment submitted")
    similar.add_argument("paths", nargs="*", default=[], metavar="PATH",
                         help="notebooks, or folders holding them (default: every submission in "
                              "COURSE_DIR/submitted/)")
    _add_course_dir(similar)
    similar.add_argument("--reference", nargs="+", default=[], metavar="PATH",
                         help="notebooks, or folders holding them, compared with every submission (not with each "
                              "other): the published solution, last year's class; put it after the PATHs (default: none)")
    similar.add_argument("--json", action="store_true",
                         help="print the pairs listed on the page as JSON on stdout (default: a summary line)")
    similar.add_argument("--threshold", metavar="X", type=_fraction, default=None,
                         help=f"exit with status {EXIT_SIMILAR} when a pair scores above X, from 0 to 1 "
                              "(default: exit 0)")
    similar.add_argument("--output", metavar="FOLDER",
                         help="where to write index.html and the pair pages (default: "
                              "COURSE_DIR/reports/ASSIGNMENT/similarity)")
    similar.set_defaults(func=cmd_similarity)

    gradescope = sub.add_parser("export-gradescope", help="build a Gradescope autograder zip for an assignment")
    _add_assignment(gradescope, "the assignment to export")
    gradescope.add_argument("-o", "--output", help="the zip to write (default: ASSIGNMENT-gradescope.zip)")
    from .gradescope import VISIBILITIES

    gradescope.add_argument("--visibility", choices=list(VISIBILITIES), default="visible",
                            help="when students see each test's details on Gradescope, in Gradescope's terms "
                                 "(the score is always visible; default: %(default)s)")
    gradescope.set_defaults(func=cmd_export_gradescope)

    check = sub.add_parser("check", help="check your notebook with the real graders before you submit",
                           description="Grade your notebook with the course's graders on public draws: the same "
                                       "checks and messages as the grading, on other values (so passing is strong "
                                       "evidence, not a guarantee). Exit status 0 when every check passed, 1 "
                                       "otherwise.")
    _add_assignment(check, "the assignment your notebook is for")
    check.add_argument("notebook", metavar="NOTEBOOK", help="your notebook, as saved (for example backprop.ipynb)")
    check.set_defaults(func=cmd_check)

    export = sub.add_parser("export-check", help="build the package students install to run `autograder check`",
                            description="Write a folder students can `pip install`: this package without the "
                                        "solutions, the variants or the demo, with the graders of the assignments "
                                        "named (and with --concepts, of those concepts only). The graders' code "
                                        "it ships is readable by students; the course's secret draws are not in it.")
    export.add_argument("assignments", nargs="+", type=_assignment, metavar="ASSIGNMENT",
                        help=f"the assignments students may check, among {', '.join(_assignment_names())}")
    export.add_argument("-o", "--output", required=True, metavar="FOLDER", help="a new folder to write (no default)")
    export.add_argument("--concepts", nargs="+", default=[], metavar="CONCEPT",
                        help="ship only these concepts' tests: ASSIGNMENT:CONCEPT, or CONCEPT when only one of the "
                             "assignments has it (default: every concept; an assignment none of whose concepts is named ships them all)")
    export.set_defaults(func=cmd_export_check)

    quiz = sub.add_parser("quiz", help="make an assignment of mdbook-quiz TOML files").add_subparsers(
        dest="quiz_command", required=True, metavar="QUIZ_COMMAND", help="import: make an assignment of quiz files")
    quiz_import = quiz.add_parser("import", help="write the quiz's source notebook, graders and student version",
                                  description="Write solutions/NAME/NAME.ipynb, the graders in GRADERS/NAME/ "
                                              "and, in an nbgrader course, assignments/NAME/. A question that "
                                              "cannot be graded automatically is refused (exit 2).")
    quiz_import.add_argument("files", nargs="+", metavar="FILE.toml", help="mdbook-quiz files, their questions in order")
    quiz_import.add_argument("--name", required=True, help="the assignment's name, e.g. autodiff_quiz (no default)")
    _add_course_dir(quiz_import)
    quiz_import.add_argument("--graders", default=str(Path(__file__).parent / "graders"), metavar="GRADERS",
                             help="where the grader packages are (default: this package's)")
    quiz_import.set_defaults(func=cmd_quiz_import)

    demo = sub.add_parser("demo", help="release, submit as a simulated class, collect and grade")
    demo.add_argument("assignments", nargs="*", type=_assignment, metavar="ASSIGNMENT",
                      help=f"the assignments to demonstrate, among {', '.join(_assignment_names())} "
                           "(default: all of them)")
    demo.add_argument("--dir", default="demo", help="where to build the demo course (default: ./demo)")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command in ("grade", "similarity") and not any(e.startswith("-") for e in extra):
        args.paths = [*args.paths, *extra]  # paths given after the options
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
