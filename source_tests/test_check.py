"""`autograder check`, as a student runs it: the real graders on public draws,
in the same sandbox, through the real command; and the package students
install to run it (`autograder export-check`)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.assignments import get_assignment
from autograder.check import CHECK_STUDENT, CheckRun, render
from autograder.graders.challenge.test_fit import DRAWS
from autograder.graders.challenge_data import hidden_challenge2
from autograder.grading.plugin import draws
from conftest import SECRET
from autograder.variants import Variant, write_variant
from autograder.variants.challenge import BUGS
from autograder.variants.sweep import released, solution

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
COS_BUG = next(v for v in BUGS if v.name == "cos_backward_plus_sin")
FIT_BUG = next(v for v in BUGS if v.name == "fit2_returns_public_example")
FIT2_RETURN = "    return abs(float(layers[0].w)), float(layers[2].w), float(layers[3].b)\n"
NUMBER = re.compile(r"-?\d+\.\d{3,}")  # the drawn values messages show (inputs, gradients, parameters)


def run(*args: str, cwd: Path = REPO, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(cwd)})


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("check")
    return {v.name: write_variant(v, released("challenge"), solution("challenge"),
                                  folder / v.name / "challenge.ipynb") for v in (COS_BUG, FIT_BUG)}


@pytest.fixture(scope="module")
def cos_check(notebooks) -> subprocess.CompletedProcess:
    return run("check", "challenge", str(notebooks[COS_BUG.name]))


def test_the_reference_solution_passes_every_check():
    done = run("check", "challenge", str(solution("challenge")))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every check passed" in done.stdout
    assert "Total on these draws: 60 / 60" in done.stdout
    assert "Fix this first" not in done.stdout


def test_a_wrong_layer_method_fails_the_check_naming_the_concept_and_the_function(cos_check):
    out = cos_check.stdout
    assert cos_check.returncode == 1, out + cos_check.stderr
    fix = out.split("Fix this first", 1)[1]
    assert fix.split("\n1. ", 1)[1].startswith("my_cos"), fix[:400]
    layers = get_assignment("challenge").concepts[0].heading
    assert re.search(rf"^{re.escape(layers)}: [\d.]+ / 23$", out, re.M), out
    assert "FAILED: my_cos.backward" in out
    assert "public draws" in out and "not a guarantee" in out
    assert "checking " in out  # the progress line


def _solution_lines(notebook: Path) -> list[str]:
    """The lines of the solution regions (what students write) longer than 25 characters."""
    lines, inside = [], False
    for cell in json.loads(notebook.read_text())["cells"]:
        for line in "".join(cell["source"]).splitlines():
            inside = (inside or "### BEGIN SOLUTION" in line) and "### END SOLUTION" not in line
            if inside and len(line.strip()) > 25 and "BEGIN SOLUTION" not in line:
                lines.append(line)
    return lines


def _shown(text: str) -> set[str]:
    """Every number in `text`, as `show` prints values (6 significant digits)."""
    return {f"{float(n):.6g}" for n in NUMBER.findall(text)}


def test_the_check_shows_no_hidden_draw_nor_hidden_test_code(cos_check, notebooks, grade, tmp_path):
    """None of the values the course-secret grading draws is in the check's output: the inputs
    and upstream gradients its messages show (the same notebook graded with the secret), nor the
    hidden parameters of the fits (drawn as the graders draw them). No line of the hidden tests'
    code is in it either."""
    secret = grade("challenge", notebooks[COS_BUG.name], student=CHECK_STUDENT)
    drawn = {n for t in secret.tests if t.outcome != "passed" for n in _shown(t.message)}
    assert len(drawn) > 20, "the secret grading's messages show too few drawn values to compare"
    fit_check = run("check", "challenge", str(notebooks[FIT_BUG.name])).stdout
    seed = f"{SECRET}|challenge|{CHECK_STUDENT}"
    truths = {draw: hidden_challenge2(draws(seed, f"challenge/test_fit.py::test_fit_challenge2[{draw}]"), sign)
              for draw, sign in DRAWS.items()}
    hidden = {f"{v:.6g}" for truth in truths.values() for v in truth.values()}
    assert len(_shown(cos_check.stdout)) > 5, "the check shows too few values to compare"
    for out in (cos_check.stdout, fit_check):
        assert not (drawn | hidden) & _shown(out), f"hidden draws in the check's output: {(drawn | hidden) & _shown(out)}"
    # These are the values the grading draws: a fit returning draw 0's passes that draw's test.
    knows = Variant("returns_draw_0", ((FIT2_RETURN, "    return {p!r}, {w!r}, {b!r}\n".format(**truths["0"])),),
                    (), "returns the hidden values of draw 0")
    notebook = write_variant(knows, released("challenge"), solution("challenge"), tmp_path / "knows" / "challenge.ipynb")
    outcomes = {t.name: t.outcome for t in grade("challenge", notebook, student=CHECK_STUDENT).tests}
    assert outcomes["test_fit::test_fit_challenge2[0]"] == "passed"
    assert outcomes["test_fit::test_fit_challenge2[1]"] == "failed"
    code = {line.strip() for f in get_assignment("challenge").tests.glob("*.py")
            for line in f.read_text().splitlines() if len(line.strip()) > 30}
    leaked = [line for line in code if line in cos_check.stdout or line in fit_check]
    assert not leaked, leaked[:3]


def test_a_file_that_is_not_a_notebook_is_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    done = run("check", "challenge", str(text))
    assert done.returncode == 2 and "not a notebook" in done.stderr


def test_the_exported_package_has_no_solution_and_checks_only_the_concepts_shipped(tmp_path, notebooks):
    out = tmp_path / "check-package"
    done = run("export-check", "challenge", "backprop", "--concepts", "challenge:layers", "-o", str(out))
    assert done.returncode == 0, done.stderr
    package = out / "autograder"
    assert not (package / "variants").exists() and not (package / "demo.py").exists()
    assert not (out / "solutions").exists()
    assert sorted(p.name for p in (package / "graders" / "challenge").glob("test_*.py")) == ["test_layers.py"]
    assert (package / "graders" / "backprop" / "test_fit.py").is_file()  # backprop: all of its concepts
    assert not (package / "graders" / "manual_gradient").exists()
    source = "".join(p.read_text() for p in package.rglob("*.py"))
    graders = "".join(p.read_text() for p in (REPO / "autograder" / "graders").rglob("*.py"))
    answers = {line.strip() for a in ("challenge", "backprop") for line in _solution_lines(solution(a))
               if line.strip() not in graders}  # a line such as `rng = np.random.default_rng(seed)` is common
    assert len(answers) > 20 and not [line for line in answers if line in source]

    checked = run("check", "challenge", str(notebooks[COS_BUG.name]), cwd=out)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "only some of the graded parts" in checked.stdout
    assert "Total on these draws: 18.5 / 23" in checked.stdout, checked.stdout[-600:]
    assert "Recovering hidden" not in checked.stdout  # the fit concept is not shipped

    refused = run("export-check", "challenge", "--concepts", "nothing", "-o", str(tmp_path / "other"))
    assert refused.returncode == 2 and "challenge:layers" in refused.stderr


def test_render_says_so_when_the_process_was_not_fenced(grade):
    result = grade("challenge", solution("challenge"))
    text = render(CheckRun(result, get_assignment("challenge"), with_reference=True, isolated=False))
    assert "does not let the check fence your code in" in text
    assert "every check passed" in text


def test_the_notebooks_last_cell_checks_the_notebook_in_a_real_kernel(notebooks):
    """As a student does it: the released notebook, filled in, run from the top in a Jupyter kernel;
    its last cell finds the notebook (the only one in its folder) and prints the check."""
    import nbclient
    import nbformat

    path = notebooks[COS_BUG.name]
    notebook = nbformat.read(str(path), 4)
    assert notebook.cells[-1].source == "from autograder.check import check; check()"
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    assert "Fix this first" in printed and "\n1. my_cos:" in printed, printed[-2000:]
    assert "Total on these draws: 51.5 / 60" in printed


def test_a_quiz_is_never_exported_for_checking(tmp_path):
    """A quiz's graders are its answer key."""
    done = run("export-check", "autodiff_quiz", "-o", str(tmp_path / "quiz"))
    assert done.returncode == 2 and "answer key" in done.stderr and not (tmp_path / "quiz").exists()
