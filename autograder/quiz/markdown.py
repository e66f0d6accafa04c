"""A quiz prompt as notebook Markdown: mdbook-quiz's `<pre><code>` blocks, whose
lines that start with `$ ` are code (the others, what it shows), become fenced
Python; the code the prompt shows can also be taken out to be run."""
from __future__ import annotations

import html
import re

PRE = re.compile(r"<pre>\s*<code[^>]*>(.*?)</code>\s*</pre>", re.DOTALL)
FENCE = re.compile(r"^```[ \t]*(?:python|py)?[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
PROMPT = "$ "


def _block_lines(raw: str) -> list[tuple[bool, str]]:
    """(is code, text) for each line of a <pre><code> block."""
    lines = html.unescape(raw).strip("\n").splitlines()
    return [(line.startswith(PROMPT) or line == "$", line[len(PROMPT):] if line.startswith(PROMPT) else
             ("" if line == "$" else line)) for line in lines]


def _fenced(raw: str) -> str:
    lines = [text if code else f"# {text}" for code, text in _block_lines(raw)]
    return "\n```python\n" + "\n".join(lines) + "\n```\n"


def to_markdown(prompt: str) -> str:
    """The prompt with each <pre><code> block as a fenced Python block (shown output as comments)."""
    return PRE.sub(lambda m: _fenced(m.group(1)), prompt).strip()


def shown_code(prompt: str) -> str:
    """The Python code the prompt shows, in order ("" if none): the `$ ` lines of its
    <pre><code> blocks and its fenced Python blocks."""
    parts = ["\n".join(text for code, text in _block_lines(m.group(1)) if code) for m in PRE.finditer(prompt)]
    parts += [m.group(1).rstrip("\n") for m in FENCE.finditer(prompt)]
    return "\n".join(p for p in parts if p.strip())
