"""The instructor's browser sees no student HTML.

Fast: the check that decides whether a student's Markdown may be shown as it
renders (sanitize.unsafe_html) against known ways of running script, and the
Markdown a student may write shown unchanged when it is inert.

Slow, through the real CLI and nbgrader's real gradebook: one batch with an
honest submission (full marks) and two hostile ones, one of them under a
hostile name. The autograded/ notebook of the hostile one is rendered with the
formgrader's own exporter (nbgrader's `formgrade` template, configured as
nbgrader's FormgradeExtension configures it) and holds nothing active that the
honest one's page does not; the feedback pages and the class report hold no
student tag, script or event handler, while the hostile text is still there
for the instructor to read.
"""
from __future__ import annotations

import base64
import copy
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from autograder.sanitize import render_markdown, shown_markdown, unsafe_html
from autograder.variants import fill_notebook
from conftest import REPO

ASSIGNMENT = "manual_gradient"
HOSTILE_NAME = "\"><img src=x onerror=alert('name')><script>alert('name')"
MESSAGE = "</script><script>alert('message')</script>"
PNG = base64.b64encode(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                                     "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a3f5e1d9"
                                     "0000000049454e44ae426082")).decode()
SVG = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(\'svg\')"><script>alert(\'svg\')</script></svg>'
# What the browser would run; each one carries a marker the assertions look for.
ACTIVE_TAGS = {"script", "iframe", "frame", "object", "embed", "svg", "math", "base", "form", "meta", "link", "style",
               "template", "applet"}


# ---------------------------------------------------------------- fast: the check itself

@pytest.mark.parametrize("fragment", [
    "<img src=x onerror=alert(1)>",
    "<img src=x/onerror=alert(1)>",
    '<img src="x"/onerror=alert(1)>',
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</script>",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"java\tscript:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\" JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"vbscript:x\">x</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
    "<img src='data:image/svg+xml;base64,x\" onerror=\"alert(1)'>",
    "<iframe src=https://example.org></iframe>",
    "<object data=x></object>",
    "<embed src=x>",
    "<form action=x><button>go</button></form>",
    "<details open ontoggle=alert(1)>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<a class=\"full-credit\">x</a>",
    "<h2 id=\"answer300\">x</h2>",
    "<!-- <img src=x onerror=alert(1)> -->",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<base href=\"https://evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<p>$\\href{javascript:alert(1)}{click}$</p>",
    "<p>$\\h&#114;ef{javascript:alert(1)}{click}$</p>",
    "<img src=x onerror=alert(1)",  # unterminated
    "<div class=\"jp-Mermaid\"><pre class=\"mermaid\">graph TD; A--&gt;B</pre></div>",
    "<input type=\"text\" value=\"x\">",
])
def test_the_check_finds_what_would_run(fragment):
    assert unsafe_html(fragment, {"answer300"}) is not None, f"{fragment!r} was taken for inert"


HONEST_MARKDOWN = [
    "The learning rate must shrink as $n$ grows: $\\eta < 2 / \\lambda_{max}$, since `a < b` and **x > y**.",
    "# My answer\n\n1. first\n2. second\n\n> a quote\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n",
    "See [the docs](https://pytorch.org/docs) and ![a plot](https://example.org/p.png).\n\n"
    "```python\nfor i in range(3):\n    print(i < 2)\n```\n",
    "- [x] done\n- [ ] not yet\n\nTerm\n: its definition\n\n~~old~~ new <br> <b>bold</b> <sub>2</sub>",
]


@pytest.mark.parametrize("source", HONEST_MARKDOWN)
def test_honest_markdown_is_shown_as_written(source):
    shown, _ = shown_markdown(source, {})
    assert shown == source, f"an honest answer was changed:\n{shown}"


@pytest.mark.parametrize("source, readable", [
    ("My answer <img src=x onerror=alert(1)> ends here", "onerror=alert(1)"),
    ("<script>alert(1)</script> then text", "alert(1)"),
    ("[click](javascript:alert(1))", "javascript:alert(1)"),
    ("```mermaid\n<img src=x onerror=alert(1)>\n```", "onerror=alert(1)"),
    ("$\\href{javascript:alert(1)}{x}$", "\\href"),
    ("# answer300\n\nmy heading takes the formgrader's id", "my heading"),
    ("````\n```\n<script>alert(1)</script>", "alert(1)"),
])
def test_hostile_markdown_is_shown_inert_and_readable(source, readable):
    shown, attachments = shown_markdown(source, {}, {"answer300"})
    rendered = render_markdown(shown, attachments)
    assert unsafe_html(rendered, {"answer300"}) is None, rendered
    assert readable in _text_of(rendered), f"the instructor cannot read {readable!r} in {rendered}"


def test_attachments_keep_only_raster_images():
    attachments = {"ok.png": {"image/png": PNG}, "evil.svg": {"image/svg+xml": base64.b64encode(SVG.encode()).decode()},
                   "page.html": {"text/html": "<script>alert(1)</script>"},
                   "broken.png": {"image/png": 'x" onerror="alert(1)'}}
    shown, kept = shown_markdown("![p](attachment:ok.png)", attachments)
    assert kept == {"ok.png": {"image/png": PNG}}, kept
    assert "data:image/png;base64," in render_markdown(shown, kept)
    shown, kept = shown_markdown("![p](attachment:evil.svg)", attachments)
    rendered = render_markdown(shown, kept)
    assert "svg" not in str(kept) and unsafe_html(rendered) is None, rendered


# ---------------------------------------------------------------- what a page holds


class _Page(HTMLParser):
    """Everything in a page that could run: active tags, event handlers, script URLs, script text, MathJax
    commands outside code; and the visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.active: set[str] = set()
        self.text: list[str] = []
        self.tags: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ACTIVE_TAGS:
            self.active.add(f"<{tag} {sorted((k, v or '') for k, v in attrs)}>")
        for name, value in attrs:
            compact = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on") or compact.startswith(("javascript:", "vbscript:", "data:text")):
                self.active.add(f"<{tag} {name}={value}>")
        if tag not in ("img", "br", "hr", "input", "meta", "link"):
            self._in.append(tag)

    def handle_endtag(self, tag):
        if tag in self._in:
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag):]

    def handle_data(self, data):
        if "script" in self._in:
            self.active.add(f"script text: {data.strip()[:200]}")
        elif "code" not in self._in and "pre" not in self._in and re.search(r"\\(href|class|style|cssId)\b", data):
            self.active.add(f"MathJax: {data.strip()[:200]}")
        self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _text_of(html: str) -> str:
    return "".join(_parse(html).text)


# ---------------------------------------------------------------- slow: a batch through the real CLI


def _autograder(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, f"autograder {' '.join(args)}: exit {proc.returncode}\n{proc.stderr[-3000:]}"
    return proc


def _hostile(honest: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The honest notebook, with every place a student controls filled with something a browser would run."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_output, new_raw_cell

    nb = copy.deepcopy(honest)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    by_id["make_differentiable"].source = f"def make_differentiable(t):\n    raise ValueError({MESSAGE!r})\n"
    answer = by_id["answer300"]
    answer.metadata["nbgrader"]["points"] = "many"  # nbgrader's own OverwriteCells fails on it
    answer.source = ("The rate must shrink as n grows. <img src=x onerror=alert('md-img')> "
                     "<script>alert('md-script')</script> ![plot](attachment:ok.png)")
    answer.attachments = {"ok.png": {"image/png": PNG},
                          "evil.svg": {"image/svg+xml": base64.b64encode(SVG.encode()).decode()},
                          "page.html": {"text/html": "<script>alert('attachment')</script>"}}
    outputs = [new_output("display_data", data={"text/html": "<script>alert('out-html')</script><b>out</b>",
                                                "application/javascript": "alert('out-js')",
                                                "image/svg+xml": SVG.replace("svg'", "out-svg'"),
                                                "text/plain": "out"}),
               new_output("stream", name="stdout", text=MESSAGE),
               new_output("error", ename="ValueError", evalue=MESSAGE, traceback=[MESSAGE])]
    shown = new_code_cell(f"print({MESSAGE!r})", outputs=outputs, execution_count=7)
    crash = new_code_cell(f"raise RuntimeError(\"<img src=x onerror=alert('note')>{MESSAGE}\")")
    fake_intro = new_markdown_cell("<script>alert('fake-intro')</script>",
                                   metadata={"nbgrader": dict(by_id["intro"].metadata["nbgrader"])})
    injected = new_code_cell("x = 1", metadata={"nbgrader": {
        "grade_id": "x\" onmouseover=\"alert('meta')\" data-x=\"", "grade": True, "solution": True, "locked": False,
        "points": 1, "schema_version": 3}})
    extra = [new_markdown_cell("[click](javascript:alert('md-link'))\n\n$\\href{javascript:alert('mathjax')}{x}$\n\n"
                               "```mermaid\n<img src=x onerror=alert('mermaid')>\n```"),
             new_markdown_cell("# answer300\n\nA heading that takes the id of the score box."),
             new_raw_cell("<script>alert('raw')</script>"), shown, crash, fake_intro, injected]
    nb.cells[2:2] = extra
    nb.metadata["kernelspec"]["display_name"] = "<script>alert('kernelspec')</script>"
    nb.metadata["title"] = "<script>alert('title')</script>"
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("instructor_html")
    course = root / "course"
    (course / "solutions").mkdir(parents=True)
    shutil.copytree(REPO / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
    shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    (root / "exchange").mkdir()
    env = dict(os.environ, NBGRADER_EXCHANGE=str(root / "exchange"), AUTOGRADER_SECRET="instructor-html")
    _autograder("release", ASSIGNMENT, "--course-dir", str(course), cwd=course, env=env)
    honest = fill_notebook(nbformat.read(course / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4),
                           nbformat.read(course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4))
    for student, notebook in (("ana", honest), ("mallory", _hostile(honest)), (HOSTILE_NAME, _hostile(honest))):
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
        (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    graded = _autograder("grade", ASSIGNMENT, "--json", "--jobs", "2", "--course-dir", str(course), cwd=course, env=env)
    _autograder("report", ASSIGNMENT, "--course-dir", str(course), cwd=course, env=env)
    return {"dir": course, "results": {r["student"]: r for r in json.loads(graded.stdout)}, "stderr": graded.stderr}


def _formgrader_page(course: Path, student: str) -> str:
    """The page nbgrader's formgrader serves for this submission: its exporter, configured as
    FormgradeExtension configures it, over autograded/<student>/, with the resources SubmissionHandler gives."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension

    exporter = HTMLExporter(config=FormgradeExtension().build_extra_config())
    path = course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    resources = {"assignment_id": ASSIGNMENT, "notebook_id": ASSIGNMENT, "submission_id": "1", "index": 0,
                 "total": 3, "base_url": "", "student": student, "last_name": None, "first_name": None,
                 "notebook_path": f"autograded/{student}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"}
    html, _ = exporter.from_filename(str(path), resources=resources)
    return html


@pytest.mark.slow
def test_the_honest_submission_keeps_full_marks(course):
    ana = course["results"]["ana"]
    assert ana["score"] == ana["max_score"] > 0, f"ana: {ana['score']} / {ana['max_score']}"
    for student in ("mallory", HOSTILE_NAME):
        assert student in course["results"], f"{student!r} was not graded: {list(course['results'])}"


@pytest.mark.slow
def test_a_student_id_the_formgrader_would_run_is_kept_out_of_the_gradebook(course):
    from autograder.gradebook import open_gradebook

    with open_gradebook(course["dir"]) as gradebook:
        ids = {student.id for student in gradebook.students}
    assert {"ana", "mallory"} <= ids and HOSTILE_NAME not in ids, f"the gradebook holds {ids}"
    assert not (course["dir"] / "autograded" / HOSTILE_NAME).exists(), "the formgrader would show it"
    assert "was not recorded in nbgrader's gradebook" in course["stderr"], course["stderr"][-2000:]


@pytest.mark.slow
def test_the_formgrader_page_runs_nothing_of_the_student(course):
    honest, hostile = _parse(_formgrader_page(course["dir"], "ana")), _parse(_formgrader_page(course["dir"], "mallory"))
    added = hostile.active - honest.active
    assert not added, "the student's notebook adds to the formgrader's page:\n" + "\n".join(sorted(added))
    text = "".join(hostile.text)
    for marker in ("out-html", "out-js", "out-svg", "fake-intro", "attachment'", "meta'", "kernelspec", "title'"):
        assert marker not in text, f"{marker} reached the formgrader's page"
    for readable in ("onerror=alert('md-img')", "alert('md-script')", "javascript:alert('md-link')", "alert('raw')",
                     "The rate must shrink"):
        assert readable in text, f"the instructor cannot read {readable!r} of the student's answers"
    assert "data:image/png;base64," in _formgrader_page(course["dir"], "mallory"), "the pasted PNG is gone"


@pytest.mark.slow
def test_the_formgrader_page_keeps_the_grading_boxes_and_the_tests_found(course):
    page = _formgrader_page(course["dir"], "mallory")
    assert page.count('id="answer300"') == 1, "the answer's score box is not the only element with its id"
    assert 'class="score tabbable" id="answer300"' in page, "the hand-graded answer lost its score box"
    assert "make_differentiable" in page and "ValueError" in page, "the concept's tests are not shown"


def _our_pages(course: Path) -> list[Path]:
    pages = sorted((course / "feedback").rglob("*.html")) + sorted((course / "reports").rglob("*.html"))
    # each student's page in reports/, the nbgrader copy of the two the gradebook took, and the report
    assert len(pages) >= 6, f"expected five feedback pages and the report, found {pages}"
    return pages


@pytest.mark.slow
def test_feedback_and_report_hold_no_student_markup(course):
    for path in _our_pages(course["dir"]):
        html = path.read_text()
        page = _parse(html)
        ours = {"<meta [('charset', 'utf-8')]>", "<style []>"}  # the template's own: no script, no handler
        assert not page.active - ours, f"{path}: " + "\n".join(sorted(page.active - ours))
        unexpected = set(page.tags) - {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "strong",
                                       "span", "table", "tr", "th", "td", "pre", "ul", "ol", "li", "code", "section",
                                       "img", "br", "a", "div"}  # a: the report links each student to their page
        assert not unexpected, f"{path}: tags no page of ours writes: {unexpected}"
        assert "onerror" not in html or "onerror=alert" in "".join(page.text), f"{path}: onerror outside the text"


@pytest.mark.slow
def test_the_hostile_name_and_messages_are_there_as_text(course):
    report = (course["dir"] / "reports" / ASSIGNMENT / "report" / "index.html").read_text()
    assert HOSTILE_NAME in _text_of(report), "the report does not name the student as their folder is named"
    pages = [p for p in (course["dir"] / "feedback").rglob("*.html") if "mallory" in str(p)]
    assert pages, "mallory has no feedback page"
    text = _text_of(pages[0].read_text())
    assert MESSAGE in text, "the student's exception message is not shown as text in their feedback"


def test_sizes_are_capped():
    from autograder.autograded import TrustedNotebook, autograded_notebook
    from autograder.sanitize import MAX_CELL_CHARS, MAX_NOTEBOOK_CHARS
    from nbformat.v4 import new_markdown_cell, new_notebook

    shown, _ = shown_markdown("x" * (MAX_CELL_CHARS + 1), {})
    assert "not shown here" in shown and len(shown) < 300, shown[:300]
    cells = [new_markdown_cell("y" * (MAX_CELL_CHARS - 10)) for _ in range(MAX_NOTEBOOK_CHARS // MAX_CELL_CHARS + 2)]
    notebook = json.loads(autograded_notebook(json.loads(nbformat.writes(new_notebook(cells=cells))),
                                              TrustedNotebook({}, None, {}), {}))
    notices = [c for c in notebook["cells"] if "not shown here" in c["source"]]
    assert len(notices) == 2, f"{len(notices)} cells over the notebook's budget, expected 2"


@pytest.mark.parametrize("student, unsafe", [
    ("ana", False), ("jane.doe@uni.example", False), ("müller-2", False), ("Ana Lima", False),
    (HOSTILE_NAME, True), ("a\"b", True), ("x'onmouseover", True), ("a&lt;b", True), ("tab\there", True), ("", True),
])
def test_student_ids_the_formgrader_would_write_as_html_are_told_apart(student, unsafe):
    from autograder.formgrader_ids import unsafe_student_id

    assert (unsafe_student_id(student) is not None) == unsafe, (student, unsafe_student_id(student))
