"""`autograder similarity` on a class built from the backprop variants, through the real CLI (nothing is
graded or run: a few seconds)."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.assignments import get_assignment
from autograder.similarity import FLAG_THRESHOLD, MAX_CELL_CHARS, _fingerprint, compare, segments, write_report
from autograder.submissions import from_course, from_paths
from autograder.variants import Variant, solution_code, write_variant
from autograder.variants.backprop_correct import CORRECT
from autograder.variants.sweep import released, solution

REPO = Path(__file__).resolve().parent.parent
A = "backprop"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_COMMENT = "# </script><script>alert('owned')</script>"
EXIT_SIMILAR = 5


def _benchmark():
    spec = importlib.util.spec_from_file_location("similarity_benchmark", REPO / "benchmarks" / "similarity_benchmark.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _way(name: str) -> Variant:
    return next(v for v in CORRECT if v.name == name)


def _submit(course: Path, student: str, variant: Variant | None) -> Path:
    notebook = course / "submitted" / student / A / f"{A}.ipynb"
    if variant is None:
        notebook.parent.mkdir(parents=True)
        notebook.write_bytes(released(A).read_bytes())
        return notebook
    return write_variant(variant, released(A), solution(A), notebook)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """copier and renamer: one correct way, and the same renamed and reordered; published: the reference
    solution; independent: another style, written apart; two untouched stubs; a hostile name and comment;
    a notebook that is a link."""
    course = tmp_path_factory.mktemp("course")
    copied = _way("recompute_exp_reduce")
    _submit(course, "copier", copied)
    _submit(course, "renamer", _benchmark().renamed_copy(A, copied, "renamed"))
    _submit(course, "published", Variant("solution"))
    _submit(course, "independent", _way("loops_python_floats"))
    _submit(course, "stub1", None)
    _submit(course, "stub2", None)
    hostile = _way("per_element_gradients")
    layers = dict(hostile.cells)["layers"]
    _submit(course, HOSTILE_NAME, Variant("hostile", cells=(("layers", f"{HOSTILE_COMMENT}\n{layers}"),
                                                             *hostile.cells[1:])))
    link = course / "submitted" / "linker" / A / f"{A}.ipynb"
    link.parent.mkdir(parents=True)
    link.symlink_to(solution(A))
    return course


def _cli(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "autograder", "similarity", A, "--course-dir", str(course), *args],
                          capture_output=True, text=True, env=env, timeout=120)


def _scores(pairs: list[dict]) -> dict[frozenset, float]:
    return {frozenset((p["a"], Path(p["b"]).name if p["b_is_reference"] else p["b"])): p["score"] for p in pairs}


def test_the_renamed_copy_is_the_top_pair_and_the_rest_is_not_flagged(course):
    run = _cli(course, "--json", "--threshold", "0.95", "--output", str(course / "plain"))
    assert run.returncode == 0, run.stderr  # no pair above 0.95: the copy scores below 1 (boundaries move)
    pairs = json.loads(run.stdout)
    assert {pairs[0]["a"], pairs[0]["b"]} == {"copier", "renamer"} and pairs[0]["score"] > FLAG_THRESHOLD
    scores = _scores(pairs)
    assert all(s <= FLAG_THRESHOLD for pair, s in scores.items() if "independent" in pair), scores
    assert not any({"stub1", "stub2"} & pair for pair in scores), "a stub shares code with someone"
    assert "linker" in run.stderr and "link" in run.stderr.split("linker", 1)[1]


def test_a_copy_of_the_reference_is_flagged_and_the_page_says_what_a_score_is(course):
    out = course / "with-reference"
    run = _cli(course, "--json", "--threshold", str(FLAG_THRESHOLD), "--output", str(out),
               "--reference", str(solution(A)))
    assert run.returncode == EXIT_SIMILAR, run.stderr
    pairs = json.loads(run.stdout)
    to_reference = [p for p in pairs if p["b_is_reference"]]
    assert to_reference and all(p["b"] == str(solution(A)) for p in to_reference)  # named by its file
    top = max(to_reference, key=lambda p: p["score"])
    assert top["a"] == "published" and top["score"] > FLAG_THRESHOLD
    assert top["units"] == {unit: 1.0 for unit in get_assignment(A).units}
    assert all(p["score"] <= FLAG_THRESHOLD for p in to_reference if p["a"] == "independent")
    index = (out / "index.html").read_text()
    assert "evidence for a person to look at, never an automatic penalty" in index
    assert "linker" in index and "link" in index.split("linker", 1)[1]  # refused, with the reason


def test_student_names_and_code_are_escaped(course):
    out = course / "hostile"
    run = _cli(course, "--output", str(out), "--reference", str(solution(A)))
    assert run.returncode == 0, run.stderr
    pages = [out / "index.html", *sorted((out / "pairs").glob("pair-*.html"))]
    texts = {page.name: page.read_text() for page in pages}
    shown = [name for name, text in texts.items() if "&lt;img src=x onerror=alert(1)&gt;" in text]
    assert "index.html" in shown and len(shown) > 1, "the hostile student is in no pair page"
    assert any("&lt;/script&gt;&lt;script&gt;alert(" in text for text in texts.values())
    for name, text in texts.items():
        assert "<img" not in text and "</script>" not in text, name
    assert any("<mark>" in text for text in texts.values()), "no matching region is highlighted"


def test_an_unchanged_stub_shares_nothing_even_with_another_stub(course):
    submissions = [s for s in from_course(course, A) if s.student.startswith("stub")]
    comparison = compare(get_assignment(A), submissions, [])
    assert comparison.compared == 1 and comparison.pairs == []


def _half_done(layers: str, keep: str) -> str:
    """The solution's layers cell with one class written and the other left as released."""
    stub = [c for c in _cells(released(A)) if "class my_exp" in c][0]
    written = layers.split("\nclass my_exp")[0] if keep == "multiplication_weight" else \
        "class my_exp" + layers.split("\nclass my_exp")[1]
    given = "class my_exp" + stub.split("\nclass my_exp")[1] if keep == "multiplication_weight" else \
        stub.split("\nclass my_exp")[0]
    return f"{written}\n\n{given}" if keep == "multiplication_weight" else f"{given}\n\n{written}"


def _cells(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def test_the_stub_left_around_written_code_never_counts_and_a_missing_unit_is_none(tmp_path):
    """Two students each wrote a different class of the same cell and left the other as released: the
    given code they share is boilerplate, so they share almost nothing. One deleted train: "—" (None)."""
    layers = solution_code(next(c for c in _cells(solution(A)) if "class my_exp" in c))
    given = (("composition", None), ("train", None))  # left as released
    _submit(tmp_path, "first", Variant("first", cells=(("layers", _half_done(layers, "multiplication_weight")),
                                                        *given)))
    _submit(tmp_path, "second", Variant("second", cells=(("layers", _half_done(layers, "my_exp")), *given)))
    _submit(tmp_path, "no_train", Variant("no_train", cells=(("train", "# I gave up\n"),)))
    comparison = compare(get_assignment(A), from_course(tmp_path, A), [])
    scores = {frozenset((p.a.name, p.b.name)): p for p in comparison.pairs}
    halves = scores.get(frozenset(("first", "second")))
    assert halves is None or halves.score < 0.2, halves.score
    listed = [p for p in comparison.listed if "no_train" in (p.a.name, p.b.name)]
    assert listed and all(p.units["train"] is None and p.units["my_exp"] is not None for p in listed)


def test_each_name_maps_back_to_where_it_is_written():
    """copydetect maps a place in its tokenised code back to the code (compare_files); 0.5.0's own map
    is off after each class name, which shifts the highlighted regions: ours is right at every name."""
    code = "import numpy as np\n\nclass Layer(object):  # a layer\n    def forward(self, x):\n" \
           "        return np.exp(x)\n\n\nclass Other:\n    value = 'text'\n"
    fingerprint = _fingerprint("x", code, np.array([]), highlighted=True)
    offsets = fingerprint.offsets
    raw = [i + offsets[:, 1][np.searchsorted(offsets[:, 0], i)] for i, c in enumerate(fingerprint.filtered_code)
           if c in "OVFS"]
    assert [code[i] for i in raw] == list("LfxnexOvt"), raw


def test_the_highlighted_regions_are_the_copied_code(course):
    """A copy of the reference: each line the student wrote is highlighted whole, on both sides
    (copydetect 0.5.0's own map back to the code is shifted after every class statement)."""
    published = [s for s in from_course(course, A) if s.student == "published"]
    pair = compare(get_assignment(A), published, from_paths([solution(A)], A)).pairs[0]
    for source, slices in ((pair.a, pair.slices[0]), (pair.b, pair.slices[1])):
        marked = "".join(text for text, matched in segments(source.code, slices) if matched)
        for line in ("self.grad = np.sum(grad * self.x)", "return grad * self.w", "self.w -= learning_rate * self.grad",
                     "for layer in reversed(self.layers):", "losses.append(float(model.compute_loss(y_est, yy[j])))"):
            assert line in marked, (source.name, line)


def test_a_huge_cell_is_cut_and_the_page_says_so(tmp_path):
    data = "data = [" + ", ".join(str(i) for i in range(20_000)) + "]\n"
    train = solution_code(next(c for c in _cells(solution(A)) if c.startswith("def train")))
    _submit(tmp_path, "big", Variant("big", cells=(("train", data + train),)))
    _submit(tmp_path, "other", Variant("solution"))
    comparison = compare(get_assignment(A), from_course(tmp_path, A), [])
    [big] = [s for s in comparison.sources if s.name == "big"]
    assert all(len(source) <= MAX_CELL_CHARS + 1 for _, source in big.cells) and len(data) > MAX_CELL_CHARS
    assert any(f"cut to its first {MAX_CELL_CHARS:,} characters" in note for note in big.notes), big.notes
    index = write_report(comparison, tmp_path / "out", get_assignment(A)).read_text()
    assert "Notebooks compared in part" in index and f"cut to its first {MAX_CELL_CHARS:,}" in index
