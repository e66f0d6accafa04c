"""Which submissions share code with each other, or with references the instructor names: evidence for
a person to look at (`autograder similarity`), never a grade or a penalty.

copydetect (winnowing fingerprints, as MOSS) does the comparing, on this machine: it tokenises with
pygments (names become V/F/O, strings S, comments and whitespace dropped), so renamed variables and
changed comments do not hide a copy; a notebook's code cells are concatenated and fingerprints are a
set, so reordered functions and split or merged cells do not either. The released stub's code is
boilerplate: its fingerprints never count, and a cell left as released is not compared at all.

Notebooks are read with the grader's safe loader (no links followed, sizes capped) and parsed, never run.
"""
from __future__ import annotations

import ast
import functools
import io
import itertools
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from copydetect import CodeFingerprint, compare_files, defaults
from pygments import lexers, token

from .assignments import Assignment
from .errors import CannotRun
from .grading.units import PACKAGE_ROOT
from .notebook import NotebookError, load_code_cells, load_notebook
from .submissions import Submission, shown

# A match is at least K characters of tokenised code (copydetect's noise threshold, 25 by default). The
# backprop functions are short and tokenising erases names, so at 25 independent solutions share a lot
# of generic runs (`defF(self,V):self.V=V.V(V`); measured on the variants, 35 halves what an independent
# solution shares (0.30 -> 0.15 with the reference) and keeps a renamed, reordered copy at 0.90.
K = 35
WINDOW = defaults.GUARANTEE_THRESHOLD - defaults.NOISE_THRESHOLD + 1  # copydetect's window (1: every k-gram)
MAX_CELL_CHARS = 20_000  # a longer cell is cut to its first MAX_CELL_CHARS characters (data, not code)
MAX_CODE_CHARS = 200_000  # a notebook's code compared: cells past this total are left out
# Above this a pair is flagged on the page. Measured on the backprop variants: independent correct
# solutions share 0.1 to 0.5 (the code is short and names are erased), a renamed and reordered copy 0.9.
FLAG_THRESHOLD = 0.6
DISPLAY_THRESHOLD = 0.2  # pairs below this are counted, not listed
MAX_LISTED = 200  # pairs listed (and given a side-by-side page), highest first
_NAMES = {token.Name, token.Name.Variable, token.Name.Attribute}  # what copydetect's tokeniser turns into V


@dataclass
class Source:
    """One notebook's own code: a student's submission, or a reference the instructor named."""

    name: str
    cells: list[tuple[int, str]]  # (number, source) of the code cells compared, each cut to MAX_CELL_CHARS
    reference: bool = False
    notes: list[str] = field(default_factory=list)  # what was cut, for the page
    fingerprint: CodeFingerprint | None = None
    units: dict[str, CodeFingerprint | None] = field(default_factory=dict)  # unit -> its definitions'

    @functools.cached_property
    def code(self) -> str:
        """The cells compared, each after a `# code cell N` line (a comment: the tokeniser drops it)."""
        return "\n".join(f"# code cell {number}\n{source.rstrip()}\n" for number, source in self.cells)


@dataclass(frozen=True)
class Refusal:
    name: str
    reason: str


@dataclass
class Pair:
    a: Source
    b: Source
    similarity: tuple[float, float]  # the share of a's compared code found in b, and of b's in a
    slices: tuple[np.ndarray, np.ndarray]  # matching regions: (starts, ends) in a.code and b.code
    units: dict[str, float | None] = field(default_factory=dict)  # None: the unit is missing on a side

    @property
    def score(self) -> float:
        """The mean of the two directions: a short notebook (a few lines written, the rest the stub) is
        contained in every complete one, and the max would rank it 1 against all of them."""
        return float(np.mean(self.similarity))

    def to_json(self) -> dict:
        return {"a": self.a.name, "b": self.b.name, "b_is_reference": self.b.reference,
                "score": round(self.score, 3), "similarity_a_in_b": round(float(self.similarity[0]), 3),
                "similarity_b_in_a": round(float(self.similarity[1]), 3),
                "units": {u: None if s is None else round(s, 3) for u, s in self.units.items()}}


@dataclass
class Comparison:
    assignment: str
    sources: list[Source]
    refused: list[Refusal]
    pairs: list[Pair]  # every pair with shared code, highest score first
    compared: int  # pairs compared (submission-submission and submission-reference)

    @property
    def listed(self) -> list[Pair]:
        return [p for p in self.pairs if p.score >= DISPLAY_THRESHOLD][:MAX_LISTED]

    def above(self, threshold: float) -> list[Pair]:
        return [p for p in self.pairs if p.score > threshold]


def released_notebook(assignment: Assignment) -> Path:
    """The notebook students were given (generated from solutions/, kept in sync by the tests)."""
    return PACKAGE_ROOT / "assignments" / assignment.name / assignment.notebook


def _cells(path: Path, root: Path | None) -> list[tuple[int, str]]:
    """(number, source) of a notebook's code cells, read with the grader's loader."""
    return [(cell.number, cell.source) for cell in load_code_cells(path, load_notebook(path, root))]


def _own_cells(cells: list[tuple[int, str]], stub: set[str]) -> tuple[list[tuple[int, str]], list[str]]:
    """The cells not left as released, each cut to MAX_CELL_CHARS, up to MAX_CODE_CHARS in all."""
    parts, notes, total = [], [], 0
    for number, source in cells:
        if source.strip() in stub:
            continue
        if len(source) > MAX_CELL_CHARS:
            source = source[:MAX_CELL_CHARS] + "\n"
            notes.append(f"code cell {number} is cut to its first {MAX_CELL_CHARS:,} characters")
        if total + len(source) > MAX_CODE_CHARS:
            notes.append(f"code cells from {number} on are left out: over {MAX_CODE_CHARS:,} characters in all")
            break
        total += len(source)
        parts.append((number, source))
    return parts, notes


def _fingerprint(name: str, code: str, boilerplate: np.ndarray, highlighted: bool = False) -> CodeFingerprint:
    """copydetect's fingerprint of `code`; `highlighted`: its matching regions are shown on a page."""
    fingerprint = CodeFingerprint(name, K, WINDOW, boilerplate=boilerplate, fp=io.StringIO(code), language="python")
    if highlighted:
        fingerprint.offsets = _offsets(code)
    return fingerprint


def _offsets(code: str) -> np.ndarray:
    """copydetect's map from the tokenised code back to `code` (filter_code's `offsets`: at each place
    where text was dropped, how much was dropped before it), made again because copydetect 0.5.0 records
    the length of a class's name there instead of the running count, which shifts every highlighted
    region after a class statement. The rules are filter_code's."""
    offsets, offset, length = [[0, 0]], 0, 0
    for kind, text in lexers.get_lexer_by_name("python").get_tokens(code):
        if kind in _NAMES or kind in token.Name.Function or kind in token.Name.Class \
                or kind in (token.Comment.Preproc, token.Comment.Hashbang) \
                or (kind in token.Literal.String and text not in ("'", '"')):
            length += 1  # a name or string becomes one character
            offsets.append([length - 1, offset])
            offset += len(text) - 1
        elif kind in token.Text or kind in token.Comment:
            offsets.append([length - 1, offset])
            offset += len(text)
        else:
            length += len(text)
    return np.array(offsets)


def _definitions(cells: list[tuple[int, str]], names: tuple[str, ...]) -> str | None:
    """The source of the top-level definitions of `names` in the cells (each parsed on its own; the
    last definition of a name wins, as when the notebook runs), or None when none is defined."""
    found: dict[str, str] = {}
    for _, source in cells:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in tree.body:
            defined = _names_of(node)
            for name in defined & set(names):
                found[name] = ast.get_source_segment(source, node) or ""
    return "\n".join(found[n] for n in names if n in found) if found else None


def _names_of(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    return set()


def load_sources(assignment: Assignment, submissions: list[Submission], references: list[Submission],
                 ) -> tuple[list[Source], list[Refusal]]:
    """Each notebook's own code, fingerprinted; notebooks that cannot be read, with the reason."""
    try:
        stub_cells = _cells(released_notebook(assignment), None)
    except NotebookError as exc:
        raise CannotRun(f"the released notebook, whose code never counts, cannot be read: {exc}") from None
    stub = {source.strip() for _, source in stub_cells}
    boilerplate = _fingerprint("stub", "\n".join(s for _, s in stub_cells), np.array([])).hashes
    boilerplate = np.unique(np.array(sorted(boilerplate)))
    sources, refused = [], []
    for submission, reference in [(s, False) for s in submissions] + [(r, True) for r in references]:
        name = shown(str(submission.notebook)) if reference else submission.student
        try:
            cells, notes = _own_cells(_cells(submission.notebook, submission.root), stub)
        except NotebookError as exc:
            refused.append(Refusal(name, str(exc)))
            continue
        source = Source(name, cells, reference, notes)
        source.fingerprint = _fingerprint(name, source.code, boilerplate, highlighted=True)
        for unit, names in assignment.units.items():
            definition = _definitions(cells, names)
            source.units[unit] = None if definition is None else _fingerprint(unit, definition, boilerplate)
        sources.append(source)
    return sources, refused


def _similar(a: CodeFingerprint, b: CodeFingerprint) -> tuple[tuple[float, float], tuple]:
    if not a.hashes & b.hashes:  # most pairs of a class share nothing: skip copydetect's work
        return (0.0, 0.0), (np.array([[], []]), np.array([[], []]))
    _, similarity, slices = compare_files(a, b)
    return (float(similarity[0]), float(similarity[1])), slices


def _unit_scores(a: Source, b: Source) -> dict[str, float | None]:
    scores = {}
    for unit, fa in a.units.items():
        fb = b.units.get(unit)
        scores[unit] = None if fa is None or fb is None else float(np.mean(_similar(fa, fb)[0]))
    return scores


def compare(assignment: Assignment, submissions: list[Submission], references: list[Submission]) -> Comparison:
    """Every submission against every other and against every reference (references not against each other)."""
    sources, refused = load_sources(assignment, submissions, references)
    students = [s for s in sources if not s.reference]
    pairs_to_compare = list(itertools.combinations(students, 2))
    pairs_to_compare += [(s, r) for s in students for r in sources if r.reference]
    pairs = []
    for a, b in pairs_to_compare:
        similarity, slices = _similar(a.fingerprint, b.fingerprint)
        if max(similarity) > 0:
            pairs.append(Pair(a, b, similarity, slices))
    pairs.sort(key=lambda p: (-p.score, p.a.name, p.b.name))
    comparison = Comparison(assignment.name, sources, refused, pairs, len(pairs_to_compare))
    for pair in comparison.listed:
        pair.units = _unit_scores(pair.a, pair.b)
    return comparison


def segments(code: str, slices: np.ndarray) -> list[tuple[str, bool]]:
    """`code` cut into (text, matched) runs at copydetect's slices (starts, ends in the unfiltered code):
    plain text for the template to escape, never HTML."""
    out, at = [], 0
    if slices.size:
        for start, end in sorted(zip(slices[0].tolist(), slices[1].tolist())):
            start, end = _word_start(code, max(int(start), at)), _word_end(code, min(int(end), len(code)))
            start = max(start, at)
            if start >= end:
                continue
            if start > at:
                out.append((code[at:start], False))
            out.append((code[start:end], True))
            at = end
    if at < len(code):
        out.append((code[at:], False))
    return out


PAIRS_FOLDER = "pairs"


def pair_page(rank: int) -> str:
    """A pair's page, named by its rank (never by a student's name)."""
    return f"{PAIRS_FOLDER}/pair-{rank:04d}.html"


def write_report(comparison: Comparison, folder: Path, assignment: Assignment) -> Path:
    """index.html (the ranked pairs) and one side-by-side page per pair listed, in `folder`."""
    from .grading.results import make_folders, write_atomic
    from .html import environment

    env = environment()
    make_folders(folder / PAIRS_FOLDER)
    for old in (folder / PAIRS_FOLDER).glob("pair-*.html"):
        old.unlink()  # the pages of an earlier run: their ranks are not this run's
    listed = comparison.listed
    for rank, pair in enumerate(listed, start=1):
        write_atomic(folder / pair_page(rank), env.get_template("similarity_pair.html.j2").render(
            assignment=comparison.assignment, pair=pair, rank=rank, flag=FLAG_THRESHOLD,
            left=segments(pair.a.code, pair.slices[0]), right=segments(pair.b.code, pair.slices[1])))
    index = folder / "index.html"
    students = [s for s in comparison.sources if not s.reference]
    write_atomic(index, env.get_template("similarity.html.j2").render(
        assignment=comparison.assignment, listed=listed, pages=[pair_page(r) for r in range(1, len(listed) + 1)],
        units=list(assignment.units), students=students, references=[s for s in comparison.sources if s.reference],
        refused=comparison.refused, compared=comparison.compared, sharing=len(comparison.pairs),
        flagged=len(comparison.above(FLAG_THRESHOLD)), flag=FLAG_THRESHOLD, display=DISPLAY_THRESHOLD,
        cap=MAX_LISTED, unlisted=len([p for p in comparison.pairs if p.score >= DISPLAY_THRESHOLD]) - len(listed),
        cut=[(s.name, note) for s in comparison.sources for note in s.notes], k=K,
        max_cell=MAX_CELL_CHARS, max_code=MAX_CODE_CHARS))
    return index


def _word_start(code: str, at: int) -> int:
    """Matches are found on characters: a region that starts inside a word starts with the word."""
    while 0 < at < len(code) and _word(code[at - 1]) and _word(code[at]):
        at -= 1
    return at


def _word_end(code: str, at: int) -> int:
    while 0 < at < len(code) and _word(code[at - 1]) and _word(code[at]):
        at += 1
    return at


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"
