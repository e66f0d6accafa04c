"""No submission can stop a batch, or reach outside its own files (issue 14).

Through the real CLI, each attack beside honest submissions that keep full
marks: a submitted notebook that is a symbolic link to the solution, 6,000
cells that each raise a 4,000-character error, a file name of 249 bytes, a
FIFO, a timestamp.txt that is not a date (through nbgrader's own gradebook,
graded twice); then a hypothesis-built batch of hostile folders (names,
timestamps, file kinds, sizes, cell counts, unicode) graded in one run.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from autograder.nbgrader_ops import generate
from conftest import REPO, solution

pytestmark = pytest.mark.slow
FULL = 44.5
SOLUTION = solution("backprop")
SECRET = "hostile-batch-secret"


def _grade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, AUTOGRADER_SECRET=SECRET)
    # A FIFO read by the old code blocks for ever: the timeout turns that into a failure.
    return subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "backprop", "--json", "--jobs", "2",
                           *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _results(proc: subprocess.CompletedProcess) -> dict[str, dict]:
    assert proc.returncode == 0, f"the batch stopped (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    return {r["student"]: r for r in json.loads(proc.stdout)}


def _private_solution(tmp_path: Path) -> Path:
    """The instructor's solution, somewhere a student may name in a link."""
    target = tmp_path / "instructor" / "solutions" / "backprop.ipynb"
    target.parent.mkdir(parents=True)
    shutil.copy2(SOLUTION, target)
    return target


def _many_errors_notebook(path: Path, cells: int = 6000, chars: int = 4000) -> None:
    notebook = json.loads(SOLUTION.read_text())
    code = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    notebook["cells"].append(dict(code, source=f"M = '\\U0001F600' * {chars}\n"))
    notebook["cells"] += [dict(code, source="raise ValueError(M)\n") for _ in range(cells)]
    path.write_text(json.dumps(notebook))


def _refused(result: dict, reason: str) -> bool:
    return result["score"] == 0 and any(reason in note for note in result["notes"])


def test_table_rows_grade_to_zero_beside_honest_work_and_again_on_a_rerun(tmp_path):
    subs = tmp_path / "subs"
    for name in ("amy", "bo"):
        (subs / name).mkdir(parents=True)
        shutil.copy2(SOLUTION, subs / name / "backprop.ipynb")
    secret = _private_solution(tmp_path)
    (subs / "linked").mkdir()
    (subs / "linked" / "backprop.ipynb").symlink_to(secret)
    (subs / "flood").mkdir()
    _many_errors_notebook(subs / "flood" / "backprop.ipynb")
    long_name = "n" * 243  # + ".ipynb": 249 bytes
    (subs / "long").mkdir()
    shutil.copy2(SOLUTION, subs / "long" / f"{long_name}.ipynb")
    (subs / "bytes").mkdir()
    shutil.copy2(SOLUTION, os.fsencode(subs / "bytes") + b"/bad\xff\xfename.ipynb")  # not UTF-8
    (subs / "pipe").mkdir()
    os.mkfifo(subs / "pipe" / "fifo.ipynb")
    (subs / "side").mkdir()
    shutil.copy2(SOLUTION, subs / "side" / "sidelink.ipynb")
    (subs / "side" / "data.npy").symlink_to(secret)  # a side file copied into the student's home

    first = _results(_grade(str(subs), "--output", str(tmp_path / "out"), cwd=tmp_path))
    # Every notebook stem is a student (submissions from paths): the 249-byte name is kept for display.
    assert set(first) == {"backprop", "backprop-2", "backprop-3", "backprop-4", long_name, "fifo", "sidelink",
                          "bad\ufffd\ufffdname"}, sorted(first)
    by_folder = {Path(r["submission"]).parent.name: r for r in first.values()}
    assert by_folder["amy"]["score"] == FULL and by_folder["bo"]["score"] == FULL, "honest work keeps full marks"
    assert by_folder["long"]["score"] == FULL, "an honest notebook with a 249-byte name keeps full marks"
    assert by_folder["bytes"]["score"] == FULL, "an honest notebook whose name is not UTF-8 keeps full marks"
    assert _refused(by_folder["linked"], "symbolic link"), by_folder["linked"]["notes"]
    assert _refused(by_folder["pipe"], "FIFO"), by_folder["pipe"]["notes"]
    assert _refused(by_folder["side"], "data.npy is a symbolic link"), by_folder["side"]["notes"]
    flood = by_folder["flood"]
    assert len(flood["notes"]) <= 51 and "more notes cut" in flood["notes"][-1], flood["notes"][-1]
    assert len(json.dumps(flood)) < 16 * 1024**2
    on_disk = os.listdir(tmp_path / "out" / "results")
    assert all(len(name.encode()) < 120 for name in on_disk), on_disk

    again = _grade(str(subs), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert _results(again) == first
    assert again.stderr.count("kept ") == len(first) and "graded " not in again.stderr, again.stderr[-2000:]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """An nbgrader course with the backprop assignment in its gradebook (nbgrader generate_assignment)."""
    course = tmp_path_factory.mktemp("hostile-course") / "course"
    (course / "solutions").mkdir(parents=True)
    shutil.copytree(REPO / "solutions" / "backprop", course / "solutions" / "backprop")
    shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    generate("backprop", course)
    return course


def _submit(course: Path, student: str, timestamp: str | None) -> Path:
    folder = course / "submitted" / student / "backprop"
    folder.mkdir(parents=True)
    shutil.copy2(SOLUTION, folder / "backprop.ipynb")
    if timestamp is not None:
        (folder / "timestamp.txt").write_text(timestamp)
    return folder


def test_a_timestamp_that_is_not_a_date_and_a_linked_notebook_in_nbgraders_layout(course, tmp_path):
    from autograder.gradebook import open_gradebook

    _submit(course, "amy", "2024-03-01 12:30:00.000000 UTC")
    _submit(course, "badtime", "not a date")
    _submit(course, "zonepath", "2024-03-01 12:30:00 /dev/stdin")  # dateutil would open the path as a zone file
    mallory = _submit(course, "mallory", "2024-03-01 12:30:00.000000 UTC")
    (mallory / "backprop.ipynb").unlink()
    (mallory / "backprop.ipynb").symlink_to(course / "solutions" / "backprop" / "backprop.ipynb")
    for run in ("first", "rerun"):  # the rerun publishes the saved results again first
        proc = _grade("--course-dir", str(course), cwd=course)
        results = _results(proc)
        assert results["amy"]["score"] == FULL and results["badtime"]["score"] == FULL, run
        assert results["zonepath"]["score"] == FULL, run
        assert _refused(results["mallory"], "backprop.ipynb is a symbolic link"), results["mallory"]["notes"]
        for student in ("badtime", "zonepath"):
            assert any("timestamp.txt does not hold a time" in n for n in results[student]["notes"]), student
            assert f"autograder: WARNING: {student}: timestamp.txt" in proc.stderr, (run, proc.stderr[-2000:])
        assert "not recorded in nbgrader's gradebook" not in proc.stderr, proc.stderr[-2000:]
    with open_gradebook(course) as gradebook:
        stamps = {s.student.id: s.timestamp for s in gradebook.find_assignment("backprop").submissions}
        assert str(stamps["amy"]) == "2024-03-01 12:30:00" and stamps["badtime"] is None, stamps
        assert gradebook.find_submission("backprop", "badtime").score == FULL


# ---- a hypothesis-built batch: one run of `autograder grade` over hostile folders ----

NAME_CHARS = st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",))
KINDS = ("regular", "symlink", "fifo", "hardlink", "device", "linked_folder")
REFUSED = {"symlink": "symbolic link", "fifo": "FIFO", "hardlink": "hard link", "device": "device",
           "linked_folder": "symbolic link"}


def _stem(text: str) -> str:
    """At most 249 bytes, so that `<stem>.ipynb` is a valid file name."""
    while len(text.encode()) > 249:
        text = text[:-1]
    return text if text not in ("", ".", "..") else "x" + text


hostile = st.fixed_dictionaries({
    "name": st.one_of(st.text(NAME_CHARS, min_size=1, max_size=30),
                      st.text(NAME_CHARS, min_size=100, max_size=250)).map(_stem),
    "kind": st.sampled_from(("regular",) * 4 + KINDS),  # graded notebooks carry the unicode cells
    "side": st.sampled_from(["none", "data", "symlink", "fifo"]),
    "timestamp": st.one_of(st.none(), st.text(max_size=300), st.binary(max_size=2000),
                           st.just("2024-03-01 12:30:00 ../../../../etc/passwd")),
    "cells": st.lists(st.tuples(st.sampled_from(["raise", "print", "comment", "surrogate"]),
                                st.text(max_size=50), st.integers(1, 3000)), max_size=40),
})


def _build(folder: Path, spec: dict, secret: Path) -> Path:
    folder.mkdir(parents=True)
    notebook = folder / f"{spec['name']}.ipynb"
    if spec["kind"] == "regular":
        data = json.loads(SOLUTION.read_text())
        for kind, text, repeat in spec["cells"]:
            source = {"raise": f"raise ValueError({text!r} * {repeat})", "print": f"print({text!r} * {repeat})",
                      "comment": "# " + text.replace("\n", " ").replace("\r", " "),
                      "surrogate": "raise ValueError('\\ud800' + " + repr(text) + ")"}[kind]
            data["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                  "source": source})
        notebook.write_text(json.dumps(data))
    elif spec["kind"] == "symlink":
        notebook.symlink_to(secret)
    elif spec["kind"] == "fifo":
        os.mkfifo(notebook)
    elif spec["kind"] == "hardlink":
        os.link(secret, notebook)
        os.chown(folder, 54321, 54321)  # the student's folder: another owner than the linked file's
    elif spec["kind"] == "device":
        try:
            os.mknod(notebook, stat.S_IFCHR | 0o644, os.makedev(1, 5))  # /dev/zero
        except PermissionError:
            notebook.symlink_to("/dev/zero")
            spec["kind"] = "symlink"
    elif spec["kind"] == "linked_folder":
        shutil.rmtree(folder)
        folder.symlink_to(secret.parent)  # the folder itself links to the instructor's solutions
        return folder / secret.name
    if spec["side"] == "data":
        (folder / "data.txt").write_text("some data")
    elif spec["side"] == "symlink":
        (folder / "data.txt").symlink_to(secret)
    elif spec["side"] == "fifo":
        os.mkfifo(folder / "data.txt")
    if spec["timestamp"] is not None:
        stamp = spec["timestamp"]
        (folder / "timestamp.txt").write_bytes(stamp if isinstance(stamp, bytes) else stamp.encode("utf-8"))
    return notebook


def _draw(count: int) -> list[dict]:
    """`count` hostile folders drawn by hypothesis, the same on every run (derandomize): each example
    is only collected here, and all are graded in one batch (a batch per example would take minutes)."""
    drawn: list[dict] = []

    @settings(max_examples=6 * count, derandomize=True, deadline=None, phases=[Phase.generate], database=None,
              suppress_health_check=list(HealthCheck))
    @given(hostile)
    def collect(spec):
        drawn.append(spec)

    collect()
    unique: dict[str, dict] = {}
    for spec in drawn:  # hypothesis tries close variants of an example too: one folder per name
        unique.setdefault(spec["name"], spec)
    return list(unique.values())[:count]


@pytest.mark.skipif(os.geteuid() != 0, reason="hard links and devices of another owner need root")
def test_a_hypothesis_built_batch_of_hostile_folders_is_graded_whole(tmp_path):
    specs = _draw(18)
    for index, kind in enumerate(KINDS):  # every file kind at least once, whatever the draw
        specs[-1 - index]["kind"] = kind
    tmp = tmp_path
    subs = tmp / "subs"
    secret = _private_solution(tmp)
    for name in ("amy", "bo"):
        (subs / name).mkdir(parents=True)
        shutil.copy2(SOLUTION, subs / name / f"{name}.ipynb")
    built = [(_build(subs / f"h{i:02d}", spec, secret), spec) for i, spec in enumerate(specs)]
    assert {spec["kind"] for _, spec in built} >= {"regular", "symlink", "fifo", "hardlink"}, \
        "the draw covers the file kinds"
    results = _results(_grade(str(subs), "--output", str(tmp / "out"), cwd=tmp))
    assert results["amy"]["score"] == FULL and results["bo"]["score"] == FULL, "honest work keeps full marks"
    by_notebook = {r["submission"]: r for r in results.values()}
    # A folder that is a link is not entered (its notebook is not the student's): every other one has a result.
    graded = [(notebook, spec) for notebook, spec in built if spec["kind"] != "linked_folder"]
    assert len(results) == len(graded) + 2, "every hostile folder has a result"
    for notebook, spec in graded:
        result = by_notebook[os.path.abspath(notebook)]
        name = spec["name"]
        assert result["student"] == name or result["student"].startswith(f"{name}-"), (result["student"], name)
        refused = REFUSED.get(spec["kind"]) or {"symlink": "symbolic link", "fifo": "FIFO"}.get(spec["side"])
        if refused:
            assert _refused(result, refused), (spec["kind"], spec["side"], result["notes"])
        assert len(json.dumps(result)) < 16 * 1024**2
    feedback = os.listdir(tmp / "out" / "feedback")
    assert len(feedback) == len(results), "one feedback page per student, whatever their names"
