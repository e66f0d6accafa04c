"""Grade a realistic class and compare with nbgrader: the benchmark behind the
speed figures of the README and the closing notes (never a unit test).

    .venv/bin/python benchmarks/class_benchmark.py [--students 100] [--assignments backprop ...]
                                                   [--no-nbgrader] [--work DIR]

For each assignment it builds a class of N submissions (mostly correct, a
realistic mix of the variant tables' bugs, a few that hang or crash), then, in
one run on this machine, grades it with `autograder grade --jobs 1`, with
`autograder grade` at its default (one job per CPU), and with
`nbgrader autograde` (hidden test cells doing the work nbgrader users write:
torch.autograd checks and a fit on hidden parameters; benchmarks/nbgrader_baseline.py).
It prints wall time, submissions per second, peak memory (the proportional set
size summed over the grader's processes, sampled), the per-submission
overhead and the ratios, and times one submission end to end from a cold start.

The per-submission overhead is a submission's grading time minus what its
student processes used (their CPU time: the notebook's cells and the calls
the tests made) minus the torch references' time (measured once per
assignment by profiling an in-process grading of the solution: the time spent
in torch functions the graders call), in a batch with --jobs 1, median over the
class.
"""
from __future__ import annotations

import argparse
import cProfile
import importlib
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from autograder.assignments import assignment_names, get_assignment  # noqa: E402
from autograder.variants import write_variant  # noqa: E402
from autograder.variants.timing import broken, released, solution  # noqa: E402

SECRET = "benchmark-secret"
# The graders' functions that compute references (torch.autograd, or closed forms checked against it).
REFERENCES = {"vjp", "tensor", "chain_reference", "summed_loss_grads", "reference_descent", "simple_example_grads",
              "torch_adjoints", "reference_sgd", "course_sgd"}


def build_class(assignment: str, students: int, folder: Path) -> list[tuple[str, str]]:
    """70 % correct, a mix of the table's bugs, one in twenty hanging or crashing."""
    module = importlib.import_module(f"autograder.variants.{assignment}")
    roster = []
    for index in range(students):
        if index % 20 == 19:
            variant = broken(assignment, "hang" if index % 40 == 39 else "crash")
        elif index % 10 in (3, 6, 9):
            variant = module.BUGS[(index // 10 * 3 + index % 10 // 3) % len(module.BUGS)]
        else:
            variant = module.SOLUTION
        student = f"s{index:03d}"
        write_variant(variant, released(assignment), solution(assignment),
                      folder / "submitted" / student / assignment / f"{assignment}.ipynb")
        roster.append((student, variant.name))
    return roster


class PeakMemory:
    """Sampled peak of the proportional set size summed over a process and its descendants."""

    def __init__(self, pid: int, every: float = 0.5):
        self.pid, self.every, self.peak = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                root = psutil.Process(self.pid)
                processes = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            total = 0
            for process in processes:
                try:
                    total += process.memory_full_info().pss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_measured(args: list[str], cwd: Path) -> tuple[float, int, subprocess.CompletedProcess]:
    env = dict(os.environ, AUTOGRADER_SECRET=SECRET, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    started = time.monotonic()
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakMemory(process.pid) as memory:
        stdout, stderr = process.communicate()
    seconds = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:6])}... failed: {stderr[-2000:]}")
    return seconds, memory.peak, subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


def grade_with_autograder(assignment: str, course: Path, out: Path, jobs: int | None) -> dict:
    args = [sys.executable, "-m", "autograder.cli", "grade", assignment, "--course-dir", str(course), "--json",
            "--output", str(out), "--fresh"] + (["--jobs", str(jobs)] if jobs else [])
    seconds, peak, proc = run_measured(args, course)
    results = json.loads(proc.stdout)
    marks = {p.name[1:-len(".fingerprint")]: json.loads(p.read_text())["timing"]
             for p in (out / "results").glob(".*.fingerprint")}
    return {"seconds": seconds, "peak": peak, "scores": {r["student"]: r["score"] for r in results},
            "max_score": max(r["max_score"] for r in results),
            "per_submission": {student: m["seconds"] for student, m in marks.items()},
            "student": {student: m["student_seconds"] for student, m in marks.items()}}


def kind_of(variant: str) -> str:
    return variant if variant in ("solution", "hang", "crash") else "bug"


def check_baseline(roster: list[tuple[str, str]], scores: dict[str, float], max_score: float) -> None:
    """The nbgrader baseline must grade: the correct submissions get full marks."""
    wrong = [s for s, variant in roster if variant == "solution" and abs(scores.get(s, 0) - max_score) > 1e-9]
    if wrong:
        raise RuntimeError(f"the nbgrader baseline did not give the correct submissions full marks ({len(wrong)} "
                           f"of them, e.g. {wrong[0]}: {scores.get(wrong[0])}); its figures would mean nothing")


def reference_seconds(assignment: str) -> float:
    """Torch time per submission: an in-process grading of the solution, profiled;
    the time inside torch functions that the graders (not torch itself) call."""
    from autograder.grading.runner import GradingContext, fence_for, grade_submissions
    from autograder.sandbox.uids import UidLease
    from autograder.sandbox.zygote import Zygote
    from autograder.submissions import Submission

    a = get_assignment(assignment)
    submissions = [Submission("solution", solution(assignment))]
    with UidLease() as lease, Zygote(preload=a.student_modules, deny=a.denied_modules) as zygote:
        context = GradingContext(a, SECRET, fence_for(a, lease.uid if os.geteuid() == 0 else None))
        grade_submissions(context, zygote.client(), submissions)  # imports and first calls: not what is measured
        profile = cProfile.Profile()
        profile.enable()
        grade_submissions(context, zygote.client(), submissions)
        profile.disable()
    ours = str(REPO / "autograder")

    def is_reference(file: str, name: str) -> bool:
        return "/torch/" in file or (file.startswith(ours) and name in REFERENCES)

    total = 0.0
    for (file, _, name), (_, _, _, _, callers) in pstats.Stats(profile).stats.items():
        if is_reference(file, name):  # count calls into references from grader code that is not one
            total += sum(edge[3] for (caller, _, caller_name), edge in callers.items()
                         if caller.startswith(ours) and not is_reference(caller, caller_name))
    return total


def cold_start(assignment: str, work: Path, repeats: int = 3) -> tuple[float, float]:
    """One submission graded from a cold start: (the first on this machine, with no calibration cached, so
    the reference solution is graded before the student; the median of `repeats` more, with the calibration
    cached, so the reference is graded beside the student)."""
    folder = work / f"cold-{assignment}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    times = []
    for attempt in range(repeats + 1):
        seconds, _, _ = run_measured([sys.executable, "-m", "autograder.cli", "grade", assignment,
                                      str(solution(assignment)), "--json", "--output", str(folder / f"out-{attempt}")],
                                     folder)
        times.append(seconds)
    return times[0], statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--assignments", nargs="*", default=assignment_names())
    parser.add_argument("--no-nbgrader", action="store_true", help="skip the nbgrader autograde baseline")
    parser.add_argument("--work", help="where to build the classes (default: a temporary folder)")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="autograder-benchmark-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for assignment in args.assignments:
        course = work / assignment
        shutil.rmtree(course, ignore_errors=True)
        roster = build_class(assignment, args.students, course)
        one = grade_with_autograder(assignment, course, work / f"{assignment}-jobs1", 1)
        many = grade_with_autograder(assignment, course, work / f"{assignment}-jobsN", None)
        assert one["scores"] == many["scores"], "scores depend on --jobs"
        references = reference_seconds(assignment)
        overhead = statistics.median(one["per_submission"][s] - one["student"][s] for s in one["student"]) - references
        row = {"assignment": assignment, "students": len(roster), "roster": dict(roster), "jobs1": one, "jobsN": many,
               "references": references, "overhead": overhead, "cold": cold_start(assignment, work)}
        if not args.no_nbgrader:
            import nbgrader_baseline

            nb_course = work / f"{assignment}-nbgrader"
            shutil.rmtree(nb_course, ignore_errors=True)
            nbgrader_baseline.build_course(assignment, nb_course)
            for student, _ in roster:
                nbgrader_baseline.submit(assignment, nb_course, student,
                                         course / "submitted" / student / assignment / f"{assignment}.ipynb")
            started = time.monotonic()
            with PeakMemory(os.getpid()) as memory:
                graded = nbgrader_baseline.autograde(assignment, nb_course, timeout=30)  # nbgrader's default
            check_baseline(roster, graded["scores"], graded["max_score"])
            row["nbgrader"] = {"seconds": time.monotonic() - started, "peak": memory.peak,
                               "scores": graded["scores"]}
        rows.append(row)
        print_row(row, flush=True)
    (work / "benchmark.json").write_text(json.dumps(rows, indent=1))
    print(f"\nclasses and raw figures in {work}")


def print_row(row: dict, flush: bool = False) -> None:
    n = row["students"]
    print(f"\n== {row['assignment']}: {n} submissions ==")
    print(f"{'':28s} {'wall s':>8s} {'subm./s':>8s} {'peak MiB':>9s} {'ratio':>7s}")
    base = row.get("nbgrader", {}).get("seconds")
    entries = [("autograder grade --jobs 1", row["jobs1"]), ("autograder grade (default)", row["jobsN"])]
    if "nbgrader" in row:
        entries.append(("nbgrader autograde", row["nbgrader"]))
    for name, figures in entries:
        ratio = f"{base / figures['seconds']:.1f}x" if base else "-"
        print(f"{name:28s} {figures['seconds']:8.1f} {n / figures['seconds']:8.2f} {figures['peak'] / 2**20:9.0f} "
              f"{ratio:>7s}")
    per = statistics.median(row["jobs1"]["per_submission"].values())
    student = statistics.median(row["jobs1"]["student"].values())
    print(f"per submission (--jobs 1, median): {per * 1000:.0f} ms = student code {student * 1000:.0f} ms + "
          f"torch references {row['references'] * 1000:.0f} ms + overhead {row['overhead'] * 1000:.0f} ms")
    kinds: dict[str, list[float]] = {}
    for student, seconds in row["jobs1"]["per_submission"].items():
        kinds.setdefault(kind_of(row["roster"][student]), []).append(seconds)
    print("where --jobs 1 spent its time: " + ", ".join(
        f"{kind} {len(times)} x {statistics.median(times):.2f} s = {sum(times):.0f} s"
        for kind, times in sorted(kinds.items(), key=lambda item: -sum(item[1]))))
    print(f"one submission, end to end from a cold start: {row['cold'][1]:.2f} s with the calibration cached "
          f"(the first on this machine: {row['cold'][0]:.2f} s)", flush=flush)


if __name__ == "__main__":
    main()
