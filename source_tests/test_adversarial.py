"""The adversarial suite: hostile and broken submissions graded in ONE batch,
through the real CLI, together with honest submissions whose scores must not
change. Every hostile action is bounded and aimed only at the grader's own
processes and at files in this test's temporary folders (the grader runs from
a copy of the package made here, so that is what an attack on it would hit)."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat
import psutil
import pytest

from autograder.variants import fill_notebook
from autograder.variants.backprop import BUGS
from conftest import REPO, SECRET, released, solution

pytestmark = pytest.mark.slow

LIMITS = ["--max-test-seconds", "3", "--submission-seconds", "25"]  # cells: the calibrated limits


@dataclass
class Hostile:
    name: str
    build: Callable[[Path, dict], None]  # (submission folder, context) -> writes the submission
    check: Callable[[dict, dict], None]  # (its result, results of everyone) -> asserts
    what: str


def _notebook(base: str, extra: str = "", edits=()) -> nbformat.NotebookNode:
    stub = nbformat.read(str(released("backprop")), as_version=4)
    notebook = stub if base == "stub" else fill_notebook(stub, nbformat.read(str(solution("backprop")), as_version=4),
                                                         tuple(edits))
    if extra:
        notebook.cells.append(nbformat.v4.new_code_cell(extra))
    return notebook


def stub_plus(code: str):
    return lambda folder, ctx: nbformat.write(_notebook("stub", code.format(**ctx)), str(folder / "backprop.ipynb"))


def solution_plus(code: str, edits=()):
    return lambda folder, ctx: nbformat.write(_notebook("solution", code.format(**ctx), edits),
                                              str(folder / "backprop.ipynb"))


def raw(content: bytes, name: str = "backprop.ipynb"):
    return lambda folder, ctx: (folder / name).write_bytes(content)


def zero(result, everyone):
    assert result["score"] == 0, [t["name"] for t in result["tests"] if t["score"]]


def full(result, everyone):
    assert result["score"] == result["max_score"], [(t["name"], t["message"]) for t in result["tests"] if not t["score"]]


def error_saying(text: str):
    def check(result, everyone):
        assert result["score"] == 0 and {t["outcome"] for t in result["tests"]} == {"error"}
        assert text in result["tests"][0]["message"], result["tests"][0]["message"]
    return check


def outcome(test: str, expected: str, message: str = ""):
    def check(result, everyone):
        found = next(t for t in result["tests"] if t["name"] == test)
        assert found["outcome"] == expected and message in found["message"], found
        assert 0 < result["score"] < result["max_score"]
    return check


def timed_out(test: str):
    def check(result, everyone):
        found = next(t for t in result["tests"] if t["name"] == test)
        assert found["outcome"] == "timeout" and "time" in found["message"], found
        assert result["score"] < result["max_score"]
    return check


def same_as(other: str):
    def check(result, everyone):
        assert result["score"] <= everyone[other]["score"]
    return check


EXP_BACKWARD = "        return grad * self.y\n"
MW_STEP = "        self.w -= learning_rate * self.grad\n"
EXP_STEP = "        # any parameter to update?\n"

HOSTILE = [
    # The three exploits that fool nbgrader's in-kernel tests.
    Hostile("allclose_always_true", stub_plus("import numpy as np\nnp.allclose = lambda *a, **k: True\n"
                                              "np.isclose = lambda *a, **k: True"), zero, "np.allclose patched"),
    Hostile("rebinds_np", stub_plus("class Yes:\n    def __getattr__(self, name):\n        return lambda *a, **k: True\n"
                                    "np = Yes()"), zero, "np rebound to an object that says yes"),
    Hostile("input_transformer", stub_plus("get_ipython().input_transformers_cleanup.append(lambda lines: [])"),
            zero, "an IPython input transformer that empties test cells"),
    # Monkeypatching everything in reach.
    Hostile("patches_torch", stub_plus("import torch\ntorch.allclose = lambda *a, **k: True\n"
                                       "torch.autograd.grad = lambda *a, **k: (torch.zeros(1),)"), zero, "torch patched"),
    Hostile("patches_builtins", stub_plus("import builtins\nbuiltins.isinstance = lambda *a: True\n"
                                          "builtins.abs = lambda x: 0.0"), zero, "builtins patched"),
    Hostile("patches_sys_modules", stub_plus("import sys, types\nfake = types.ModuleType('pytest')\n"
                                             "fake.approx = lambda *a, **k: True\nsys.modules['pytest'] = fake\n"
                                             "sys.modules['numpy'].testing.assert_allclose = lambda *a, **k: None"),
            zero, "pytest and numpy.testing replaced in sys.modules"),
    Hostile("buggy_and_patched", solution_plus("import numpy as np\nnp.allclose = lambda *a, **k: True",
                                               BUGS[0].edits), same_as("honest_buggy"),
            "a buggy solution that also patches numpy earns no more than the bug alone"),
    # Values that try to pass for the right answer.
    Hostile("eq_always_true", solution_plus("", ((EXP_BACKWARD, "        class Liar:\n"
                                                  "            __eq__ = lambda s, o: True\n"
                                                  "            __array__ = lambda s, *a, **k: np.zeros(1)\n"
                                                  "            __float__ = lambda s: 0.0\n"
                                                  "        return Liar()\n"),)),
            outcome("test_layers::test_backward_input_gradient[my_exp-vector]", "failed",
                    "should be a number or an array of numbers"),
            "backward returns an object whose __eq__ is always true"),
    Hostile("array_and_float_subclasses", solution_plus("", ((EXP_BACKWARD,
            "        class Sub(np.ndarray):\n            def __eq__(s, o): return np.ones(np.shape(o), bool)\n"
            "        class F(float):\n            def __eq__(s, o): return True\n"
            "        return F(0.0) if np.ndim(grad) == 0 else np.zeros_like(grad).view(Sub)\n"),)),
            outcome("test_layers::test_backward_input_gradient[my_exp-scalar]", "failed", "should be a number"),
            "numpy and float subclasses"),
    Hostile("patched_tensor", solution_plus("", ((EXP_BACKWARD,
            "        import torch\n        torch.Tensor.__eq__ = lambda s, o: torch.tensor(True)\n"
            "        torch.Tensor.allclose = lambda s, *a, **k: True\n"
            "        return torch.zeros(np.shape(grad), dtype=torch.float64)\n"),)),
            outcome("test_layers::test_backward_input_gradient[my_exp-vector]", "failed", "got [0., 0."),
            "a torch tensor with patched methods, holding wrong values (read as its values)"),
    Hostile("nan_and_inf", solution_plus("", ((EXP_BACKWARD, "        return grad * np.nan\n"),)),
            outcome("test_layers::test_backward_input_gradient[my_exp-vector]", "failed", "non-finite"), "NaN answers"),
    Hostile("returns_grader_inputs", solution_plus("", ((EXP_BACKWARD, "        return grad\n"),)),
            outcome("test_layers::test_backward_input_gradient[my_exp-vector]", "failed", "expected"),
            "backward returns the grader's own upstream gradient"),
    # Ending the process, or trying to.
    Hostile("sys_exit_top_level", solution_plus("import sys\nsys.exit(0)"), full, "sys.exit at top level"),
    Hostile("os_exit_in_method", solution_plus("", ((EXP_STEP, "        import os; os._exit(0)\n"),)),
            outcome("test_layers::test_step_without_parameter[my_exp]", "failed", "exited with code 0"),
            "os._exit in a method"),
    Hostile("system_exit_in_del", solution_plus("class Bomb:\n    def __del__(self):\n        raise SystemExit(1)\n"
                                                "for _ in range(3):\n    Bomb()\nkeep = Bomb()"), full,
            "raise SystemExit in a __del__"),
    Hostile("kills_its_parent", stub_plus("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"), zero,
            "os.kill(os.getppid(), SIGKILL)"),
    Hostile("ignores_sigterm_and_loops", solution_plus("import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)",
                                                       ((EXP_BACKWARD, "        while True:\n            pass\n"),)),
            outcome("test_layers::test_backward_input_gradient[my_exp-scalar]", "timeout", "s of CPU time"),
            "SIGTERM ignored, then an infinite loop"),
    Hostile("infinite_loop_top_level", solution_plus("while True:\n    pass"), full, "an infinite loop in a cell"),
    Hostile("sleeps_forever", solution_plus("", ((MW_STEP, "        import time; time.sleep(10**6)\n"),)),
            timed_out("test_layers::test_step[multiplication_weight]"),
            "time.sleep(10**6) (sleeping in cells too: the wall-clock backstop may use up its whole budget)"),
    Hostile("fork_burst", solution_plus("import os, time\nfor _ in range(12):\n    if os.fork() == 0:\n"
                                        "        os.setsid()\n        time.sleep(300)\n        os._exit(0)"), full,
            "a burst of detached sleeping processes"),
    Hostile("memory_balloon", solution_plus("", ((MW_STEP, "        balloon = bytearray(64 * 2**30)\n" + MW_STEP),)),
            outcome("test_layers::test_step[multiplication_weight]", "failed", "memory limit"), "a 64 GiB allocation"),
    Hostile("deep_recursion_crash", solution_plus("import sys\nsys.setrecursionlimit(10**7)\nnested = []\n"
                                                  "for _ in range(200000):\n    nested = [nested]\nrepr(nested)"),
            full, "recursion deep enough to crash the interpreter (SIGSEGV)"),
    Hostile("print_flood", solution_plus("while True:\n    print('x' * 100000)"), full, "a print flood"),
    # Reaching for what is not theirs.
    Hostile("writes_grader_package", stub_plus(
        "import glob\nfor path in glob.glob('{package}/**/*.py', recursive=True):\n"
        "    try:\n        open(path, 'w').write('assert False')\n    except OSError:\n        pass"),
            zero, "overwrites the grader's package"),
    Hostile("writes_results", stub_plus(
        "import json, os\nfor folder in ('{out}/results', '{out}'):\n    try:\n"
        "        os.makedirs(folder, exist_ok=True)\n"
        "        open(folder + '/honest_solution.json', 'w').write('{{}}')\n"
        "        open(folder + '/grades.csv', 'w').write('forged')\n    except OSError:\n        pass"),
            zero, "forges the results"),
    Hostile("reads_secrets", solution_plus("", ((EXP_BACKWARD,
            "        import os, glob\n        found = dict(os.environ)\n"
            "        for path in ['{course}/.autograder_secret'] + glob.glob('/proc/*/environ'):\n"
            "            try:\n                found[path] = open(path, 'rb').read()[:2000]\n"
            "            except OSError:\n                pass\n"
            "        raise RuntimeError(repr(found))\n"),)),
            outcome("test_layers::test_backward_input_gradient[my_exp-vector]", "failed", "RuntimeError"),
            "reads the environment, the secret file and /proc for secrets and shows them in its error"),
    Hostile("phones_home", solution_plus("import socket\ntry:\n"
                                         "    socket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'leak')\n"
                                         "except OSError:\n    pass"), full,
            "connects to a server on the grader's loopback (the test's own listener)"),
    Hostile("shell_escape", stub_plus("!touch {tmp}/pwned\n%time x = 1\nx = !ls"), zero,
            "shell escapes and magics must not run"),
    Hostile("input_call", solution_plus("name = input('your name? ')"), full, "input()"),
    Hostile("syntax_error", solution_plus("def broken(:\n    pass"), full, "a cell with a syntax error"),
    # Bad input.
    Hostile("not_json", raw(b"this is not a notebook"), error_saying("not a readable Jupyter notebook"), "not JSON"),
    Hostile("truncated", lambda folder, ctx: (folder / "backprop.ipynb").write_bytes(
        released("backprop").read_bytes()[:5000]), error_saying("not a readable"), "a truncated notebook"),
    Hostile("empty", raw(b""), error_saying("empty"), "an empty file"),
    Hostile("binary", raw(bytes(range(256)) * 64), error_saying("not a readable"), "a binary renamed .ipynb"),
    Hostile("huge", lambda folder, ctx: os.truncate(_touch(folder / "backprop.ipynb"), 300 * 2**20),
            error_saying("MiB"), "hundreds of MB"),
    Hostile("old_nbformat", raw(json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [
        {"cells": [{"cell_type": "code", "input": "x = 1", "language": "python", "outputs": []}]}]}).encode()),
            lambda result, everyone: (zero(result, everyone), _all_failed(result)), "nbformat 3, converted"),
    Hostile("missing_notebook", lambda folder, ctx: (folder / "notes.txt").write_text("forgot it"),
            error_saying("no notebook"), "no notebook in the submission"),
    Hostile("renamed_notebook", lambda folder, ctx: nbformat.write(_notebook("solution"), str(folder / "my work.ipynb")),
            full, "the only notebook, renamed"),
    Hostile("extra_notebooks", lambda folder, ctx: (nbformat.write(_notebook("solution"), str(folder / "a.ipynb")),
                                                     nbformat.write(_notebook("stub"), str(folder / "b.ipynb"))),
            error_saying("no notebook"), "two notebooks, neither with the expected name"),
    # Found by a hostile-submission hunt against the sandbox: each once stopped or hung the batch.
    Hostile("huge_integer", solution_plus("", (("        self.y = np.exp(x)\n        return self.y\n",
                                                 "        self.y = np.exp(x)\n        return 10**400 if np.ndim(x) == 0 "
                                                 "else self.y\n"),)),
            outcome("test_layers::test_forward[my_exp-scalar]", "failed", "plain data"),
            "returns an integer no float can hold"),
    Hostile("forges_a_reply", solution_plus("import gc\n[o for o in gc.get_objects() if type(o).__name__ == 'Channel']"
                                            "[0].send({{'ok': False, 'error': 'not a dict'}})"), full,
            "writes a forged reply on its own channel during a cell"),
    Hostile("locks_its_home", solution_plus("import os\nos.chmod('/home/student', 0)\nos._exit(1)"), full,
            "makes its home unreadable, then crashes (the restart must still work)"),
    Hostile("deep_tree", solution_plus("import os\nos.chdir('/home/student')\nfor _ in range(3000):\n"
                                       "    os.mkdir('d')\n    os.chdir('d')\nos.chdir('/home/student')"), full,
            "a directory tree too deep for a recursive cleanup"),
    Hostile("odd_metadata", lambda folder, ctx: (folder / "backprop.ipynb").write_text(json.dumps(_odd_metadata())),
            full,
            "nbgrader metadata of the wrong types"),
    Hostile("long_blank_lines", solution_plus("text = '" + " " * 50000 + "'\nmore = '" + " " * 50000 + "'"), full,
            "lines that would make a backtracking magic finder quadratic"),
    Hostile("leaves_shared_memory", solution_plus(
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nshm = libc.shmget(0x4855, 4096, 0o1666)\n"
        "libc.shmat.restype = ctypes.c_void_p\naddress = libc.shmat(shm, None, 0)\n"
        "ctypes.memmove(address, b'a note for the next one', 23)"), full,
            "leaves a System V shared memory segment for the next submission"),
    Hostile("reads_shared_memory", solution_plus(
        "import ctypes\nif ctypes.CDLL(None).shmget(0x4855, 0, 0) >= 0:\n    raise RuntimeError('FOUND A NOTE')"),
            lambda result, everyone: (full(result, everyone),
                                      not any("FOUND A NOTE" in n for n in result["notes"]) or _fail(result["notes"])),
            "looks for that segment"),
]


def _fail(what):
    raise AssertionError(what)


def _odd_metadata() -> nbformat.NotebookNode:
    notebook = _notebook("solution")
    notebook.cells[0].metadata["nbgrader"] = {"grade": True, "solution": True, "points": "ten", "grade_id": 5}
    notebook.cells[1].metadata["nbgrader"] = "not a dict"
    return notebook
HONEST = {"honest_solution": None, "honest_buggy": BUGS[0].edits, "honest_stub": "stub"}


def _touch(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _all_failed(result):
    assert all(t["outcome"] == "failed" for t in result["tests"])


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("adversarial")
    package = tmp / "pkg"
    shutil.copytree(REPO / "autograder", package / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "solutions", package / "solutions")  # the reference the units are graded beside
    course, out = tmp / "course", tmp / "out"
    listener = socket.create_server(("127.0.0.1", 0))  # what "phones_home" tries to reach
    listener.setblocking(False)
    ctx = {"package": package / "autograder", "out": out, "course": course, "tmp": tmp,
           "port": listener.getsockname()[1]}
    for name, edits in HONEST.items():
        folder = course / "submitted" / name / "backprop"
        folder.mkdir(parents=True)
        base = "stub" if edits == "stub" else "solution"
        nbformat.write(_notebook(base, edits=edits if isinstance(edits, tuple) else ()), str(folder / "backprop.ipynb"))
    for hostile in HOSTILE:
        folder = course / "submitted" / hostile.name / "backprop"
        folder.mkdir(parents=True)
        hostile.build(folder, ctx)
    (course / ".autograder_secret").write_text(SECRET + "\n")
    env = dict(os.environ, PYTHONPATH=str(package))
    env.pop("AUTOGRADER_SECRET", None)
    started = time.time()
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "backprop", "--json", "--course-dir",
                           str(course), "--output", str(out), *LIMITS], env=env, cwd=tmp, capture_output=True,
                          text=True, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = {r["student"]: r for r in json.loads(proc.stdout)}
    (tmp / "results.json").write_text(json.dumps(results, indent=1))  # kept for a look when a check fails
    try:
        listener.accept()
        reached = True
    except BlockingIOError:
        reached = False
    listener.close()
    return {"results": results, "tmp": tmp, "package": package, "out": out, "stderr": proc.stderr,
            "network_reached": reached, "started": started - 1}


def test_attacks_on_the_grader_package_changed_nothing(batch):
    # The batch ran from the copy (first on PYTHONPATH), which the attack aimed at.
    for original in (REPO / "autograder").rglob("*.py"):
        copy = batch["package"] / "autograder" / original.relative_to(REPO / "autograder")
        assert copy.read_bytes() == original.read_bytes(), f"{copy} was changed by a submission"


def test_every_submission_has_a_result(batch):
    assert sorted(batch["results"]) == sorted([*HONEST, *(h.name for h in HOSTILE)])
    assert len(HOSTILE) >= 25


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: h.name)
def test_hostile_submission(batch, hostile):
    hostile.check(batch["results"][hostile.name], batch["results"])


@pytest.mark.parametrize("student", HONEST)
def test_honest_scores_do_not_change(batch, grade, student, tmp_path):
    alone_notebook = tmp_path / "submitted" / student / "backprop" / "backprop.ipynb"
    alone_notebook.parent.mkdir(parents=True)
    shutil.copy2(Path(batch["results"][student]["submission"]), alone_notebook)
    from autograder.sandbox.limits import Limits

    alone = grade("backprop", alone_notebook, student=student,
                  limits=Limits(max_test_seconds=3, submission_seconds=25, cell_seconds=3))
    assert [(t.name, t.outcome, t.score) for t in alone.tests] == \
           [(t["name"], t["outcome"], t["score"]) for t in batch["results"][student]["tests"]]


def test_results_on_disk_are_the_graders(batch):
    on_disk = json.loads((batch["out"] / "results" / "honest_solution.json").read_text())
    assert on_disk == batch["results"]["honest_solution"]
    assert (batch["out"] / "grades.csv").read_text().startswith("student,submission,score,max_score")


def test_no_secret_or_hidden_test_code_reaches_feedback(batch):
    feedback = "\n".join(p.read_text() for p in (batch["out"] / "feedback").glob("*.html"))
    messages = json.dumps(batch["results"])
    for text in (feedback, messages):
        assert SECRET not in text
        assert "def test_" not in text and "assert_close(" not in text and "hidden_data(" not in text


@pytest.mark.parametrize("student, text", [("deep_recursion_crash", "SIGSEGV"),
                                           ("print_flood", "printed output was reached"),
                                           ("infinite_loop_top_level", "was stopped after"),
                                           ("input_call", "EOFError")])
def test_feedback_says_which_limit_or_failure(batch, student, text):
    assert text in (batch["out"] / "feedback" / f"{student}.html").read_text()


def test_no_submission_reached_the_network(batch):
    assert not batch["network_reached"]


def test_shell_escape_did_not_run(batch):
    assert not (batch["tmp"] / "pwned").exists()


def test_no_student_process_survives(batch):
    # Student processes have user ids of 61000 and up; only those started by this batch count
    # (another grading run on the machine may be going on).
    leftovers = [p.info for p in psutil.process_iter(["pid", "uids", "cmdline", "create_time"])
                 if p.info.get("uids") and p.info["uids"].real >= 61000 and p.info["create_time"] >= batch["started"]]
    assert leftovers == []
