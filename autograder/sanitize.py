"""Student Markdown as nbgrader's formgrader shows it to the instructor, made inert.

The formgrader renders a Markdown cell with nbconvert's `markdown2html`, which
lets raw HTML, `javascript:` links and ```` ```mermaid ```` blocks through
unescaped, in the instructor's authenticated Jupyter session. So every cell a
student wrote is rendered here with that same filter, and its HTML is kept only
when it is inert: every tag and attribute on a short list, links and images
to http(s) (and raster images embedded from the cell's own attachments),
no id that the formgrader's own page uses, nothing MathJax would turn into a
link or a style. Otherwise the next of these is used, each checked the same way:

1. the source with its raw HTML escaped by nbconvert's own `SanitizeHTML`
   (bleach), so the instructor reads the tags as text within the answer;
2. the source as typed, in a fenced code block (the instructor reads exactly
   what the student wrote);
3. a fixed notice.

The check is the standard library's HTML parser with an allow list, not a
sanitiser: what is shown is the student's source (at most with its tags
escaped), never a sanitiser's rewrite of their HTML. Every `<` must open an
allowed tag as the parser reads it, and the raw text of every tag is searched
for event handlers and forbidden tag names as well, so that where this parser
and a browser read a fragment differently the check fails rather than passes.
"""
from __future__ import annotations

import base64
import binascii
import functools
import re
from html import unescape
from html.parser import HTMLParser
from typing import Iterable

# Rendering and checking costs about 20 microseconds a character: a cell, and a notebook's student text in all,
# over these sizes is not shown (a notice says so) rather than stall the batch.
MAX_CELL_CHARS = 100_000
MAX_NOTEBOOK_CHARS = 1_000_000
MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024  # an image pasted into an answer; larger ones are dropped
RASTER_TYPES = ("image/png", "image/jpeg", "image/gif")  # images a browser never runs script in

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "b", "i", "u", "s", "del", "sub", "sup",
    "code", "pre", "kbd", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th",
    "td", "a", "img", "span", "div", "abbr", "acronym", "input",
})
# Attributes, per tag ("*": any allowed tag); their values are checked in _attribute_problem.
ALLOWED_ATTRIBUTES = {
    "*": {"class", "title"}, "a": {"href"}, "img": {"src", "alt"}, "ol": {"start"},
    "th": {"style"}, "td": {"style"}, "input": {"type", "disabled", "checked"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
# Classes that markdown2html writes: pygments' token classes, anchors, task lists. Not the formgrader's own
# classes, which its script binds to (a student's `class="full-credit"` link inside an answer would be one).
MARKDOWN_CLASSES = frozenset({"anchor-link", "highlight", "task-list-item", "task-list-item-checkbox"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
RASTER_DATA_URL = re.compile(r"data:image/(?:png|jpeg|gif);base64,[A-Za-z0-9+/]*={0,2}")
TABLE_STYLE = re.compile(r"text-align:\s*(?:left|right|center);?")
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")  # browsers drop these inside a URL before reading its scheme
# MathJax (which the formgrader runs over the page) makes links, classes, styles and ids out of these.
MATHJAX_ACTIVE = re.compile(r"\\(?:href|class|cssId|style|require|unicode|data|html|url)(?![A-Za-z])")
# Inside a tag: a name the allow list never has, or an event handler, whatever the parser made of it.
TAG_TEXT = re.compile(r"<[^>]*>?")
NEVER_IN_A_TAG = re.compile(r"(?i)[\s/\"'=]on[a-z]+\s*=|^</?\s*(?:script|style|iframe|frame|object|embed|svg|math"
                            r"|link|meta|base|form|template|noscript|textarea|xmp|plaintext|applet)\b")

NOTICE = ("*This answer is not shown here: it could not be shown without running part of it. "
          "Read it in the submitted notebook.*")
TOO_LONG = ("*This text is not shown here: {chars} characters, over the {limit} shown for a cell or a notebook. "
            "Read it in the submitted notebook.*")
PREFACE = ("*The student's text as typed, not rendered: rendered, it would put HTML, a script link or one of "
           "this page's own ids into this page.*\n\n")


@functools.lru_cache(maxsize=1)
def _pygments_classes() -> frozenset[str]:
    from pygments.token import STANDARD_TYPES

    return frozenset(name for name in STANDARD_TYPES.values() if name)


def _attribute_problem(tag: str, name: str, value: str | None, forbidden_ids: frozenset[str]) -> str | None:
    allowed = ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(tag, set())
    if name not in allowed:
        return f"attribute {name} on <{tag}>"
    value = value or ""
    if name in ("href", "src") and not _safe_url(value, image=name == "src"):
        return f"{name}={value[:60]!r}"
    if name == "class" and not set(value.split()) <= MARKDOWN_CLASSES | _pygments_classes():
        return f"class={value[:60]!r}"
    if name == "style" and not TABLE_STYLE.fullmatch(value.strip()):
        return f"style={value[:60]!r}"
    if name == "type" and value != "checkbox":
        return f"<input type={value[:20]!r}>"
    if name == "id" and value in forbidden_ids:
        return f"id={value!r}, an id of the formgrader's own page"
    if name == "start" and not value.isdigit():
        return f"start={value[:20]!r}"
    return None


def _safe_url(url: str, image: bool) -> bool:
    """A relative URL, http(s), mailto for a link; for an image, a raster image embedded as data."""
    compact = URL_IGNORED.sub("", url)
    scheme = SCHEME.match(compact)
    if scheme is None:
        return True  # relative: no scheme before the first /, ? or #
    if scheme.group(1).lower() in SAFE_SCHEMES - ({"mailto"} if image else set()):
        return True
    return image and RASTER_DATA_URL.fullmatch(compact) is not None


class _Inspector(HTMLParser):
    """The first reason an HTML fragment is not inert, in `problem`."""

    def __init__(self, forbidden_ids: frozenset[str]):
        super().__init__(convert_charrefs=False)  # a literal '<' in text stays visible to handle_data
        self.forbidden_ids, self.problem, self.code_depth = forbidden_ids, None, 0
        self.text: list[str] = []  # the text outside code, as the browser (and MathJax) reads it

    def _flag(self, problem: str) -> None:
        self.problem = self.problem or problem

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            return self._flag(f"<{tag}>")
        for name, value in attrs:
            self._flag(_attribute_problem(tag, name, value, self.forbidden_ids))
        self.code_depth += tag in ("code", "pre")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.code_depth -= tag in ("code", "pre")

    def handle_endtag(self, tag):
        if tag not in ALLOWED_TAGS:
            return self._flag(f"</{tag}>")
        self.code_depth = max(0, self.code_depth - (tag in ("code", "pre")))

    def handle_data(self, data):
        if "<" in data:
            self._flag("a '<' that is not an allowed tag")
        self._text(data)

    def handle_entityref(self, name):
        self._text(unescape(f"&{name};"))

    def handle_charref(self, name):
        self._text(unescape(f"&#{name};"))

    def _text(self, text: str) -> None:
        if not self.code_depth:
            self.text.append(text)

    def close(self):
        super().close()
        active = MATHJAX_ACTIVE.search("".join(self.text))
        if active:
            self._flag(f"a MathJax command that makes links or styles ({active[0]})")

    def handle_comment(self, data):
        self._flag("an HTML comment")

    def handle_decl(self, decl):
        self._flag("a declaration")

    def handle_pi(self, data):
        self._flag("a processing instruction")

    def unknown_decl(self, data):
        self._flag("a declaration")


def unsafe_html(fragment: str, forbidden_ids: Iterable[str] = ()) -> str | None:
    """Why this HTML fragment would do more than show text, links and images, or None when it is inert."""
    for tag in TAG_TEXT.findall(fragment):
        if NEVER_IN_A_TAG.search(unescape(tag)):
            return f"{tag[:80]!r}"
    inspector = _Inspector(frozenset(forbidden_ids))
    inspector.feed(fragment)
    inspector.close()
    return inspector.problem


def raster_attachments(attachments) -> dict:
    """A Markdown cell's attachments reduced to raster images with well-formed base64 data (no SVG, no
    HTML: the formgrader embeds them in the page); each written again in canonical base64."""
    kept = {}
    for name, bundle in (attachments.items() if isinstance(attachments, dict) else ()):
        if not isinstance(name, str) or not isinstance(bundle, dict):
            continue
        for kind in RASTER_TYPES:
            data = bundle.get(kind)
            data = "".join(data) if isinstance(data, list) and all(isinstance(d, str) for d in data) else data
            if not isinstance(data, str) or len(data) > MAX_ATTACHMENT_BYTES * 4 // 3 + 4:
                continue
            try:
                raw = base64.b64decode(re.sub(r"\s", "", data), validate=True)
            except (binascii.Error, ValueError):
                continue
            kept[name] = {kind: base64.b64encode(raw).decode("ascii")}
            break
    return kept


@functools.lru_cache(maxsize=1)
def _exporter():
    from nbconvert.exporters import HTMLExporter

    return HTMLExporter()


def render_markdown(source: str, attachments: dict) -> str:
    """What the formgrader's page holds for this Markdown cell: nbconvert's markdown2html, as its template
    calls it (the cell's attachments embedded)."""
    return _exporter().markdown2html({"cell": {"attachments": attachments}, "resources": {}}, source)


def fenced(source: str) -> str:
    """The text in a fenced code block whose fence is longer than any run of backticks in it: shown as typed."""
    longest = max((len(run) for run in re.findall(r"`+", source)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{PREFACE}{fence}\n{source}\n{fence}\n"


def _escaped_html(source: str) -> str:
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    return SanitizeHTML().sanitize_html_tags(source)


def _inert(source: str, attachments: dict, forbidden_ids: frozenset[str]) -> bool:
    try:
        rendered = render_markdown(source, attachments)
    except Exception:  # nbconvert raises many kinds (a missing attachment, a lexer error): not shown
        return False
    return unsafe_html(rendered, forbidden_ids) is None


def shown_markdown(source: str, attachments, forbidden_ids: Iterable[str] = (),
                   as_text: bool = False) -> tuple[str, dict]:
    """The student's Markdown (and its attachments) as the formgrader may show it: as written when its
    rendering is inert, else with its HTML escaped, else as typed in a code block, else a notice.
    `as_text`: never rendered as Markdown (a raw cell's text)."""
    if len(source) > MAX_CELL_CHARS:
        return TOO_LONG.format(chars=len(source), limit=MAX_CELL_CHARS), {}
    forbidden, kept = frozenset(forbidden_ids), raster_attachments(attachments)
    candidates = [] if as_text else [lambda: source, lambda: _escaped_html(source)]
    for candidate in (*candidates, lambda: fenced(source)):
        try:
            text = candidate()
        except Exception:  # bleach on text it cannot read: the next way of showing it
            continue
        if _inert(text, kept, forbidden):
            return text, kept if "attachment:" in text else {}
    return NOTICE, {}
