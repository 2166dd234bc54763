"""Templates that generate Python: Alembic's ``script.py.mako``, ``*.py.j2`` and the like.

A migration template is Python with markup in it: ``${up_revision}`` expressions,
``<% from flask import current_app %>`` blocks that run while rendering, ``% for``
control lines. Both the text it generates and the code its blocks run can import the
old package, and neither is a file the Python rewriter can parse.

Here the markup is blanked out (replaced by spaces, so every offset stays), the
Python inside Mako's ``<% %>``/``<%! %>`` blocks is kept, and what remains is read
line by line as Python tokens (:func:`graft.rewrite.code.line_tokens`): import
statements of the old package are renamed, with the names they bind, exactly as in a
code-generating string. A line that still mentions the old name afterwards is
reported for a human, as for any other text file.
"""

from __future__ import annotations

import re
import typing as t

from .code import line_tokens, rewrite_fragments
from .result import Finding

if t.TYPE_CHECKING:
    from .names import Renames

TEMPLATE_SUFFIXES = (".mako", ".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".template")
"""A file named ``*.py`` plus one of these is a template that renders a Python module."""

_MAKO_EXPRESSION = re.compile(r"\$\{(?:[^{}]|\{[^{}]*\})*\}")
_MAKO_TAG = re.compile(r"</?%(?!!|\s|>)[^>]*>")
_MAKO_DOC = re.compile(r"<%doc>.*?</%doc>", re.DOTALL)
_MAKO_LINE = re.compile(r"(?m)^[ \t]*(?:%(?!>)|##).*$")
_MAKO_BLOCK_OPEN = re.compile(r"<%!?")
_MAKO_BLOCK_CLOSE = re.compile(r"%>")
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_JINJA_LINE = re.compile(
    r"(?m)^[ \t]*#[ \t]*(?:if|for|endif|endfor|else|elif|set|macro|endmacro)\b.*$"
)


def is_template(name: str) -> bool:
    """Whether a file name is a template of a Python module (``script.py.mako``, ``models.py.j2``)."""
    for suffix in TEMPLATE_SUFFIXES:
        if name.endswith(".py" + suffix) or name.endswith(".pyi" + suffix):
            return True
    return False


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def mask(text: str, name: str) -> str:
    """``text`` with its template markup replaced by spaces, same length, lines kept."""
    if name.endswith(".mako"):
        text = _blank(text, _MAKO_DOC)
        text = _blank(text, _MAKO_EXPRESSION)
        text = _blank(text, _MAKO_TAG)
        text = _blank(text, _MAKO_LINE)
        text = _blank(text, _MAKO_BLOCK_OPEN)
        return _blank(text, _MAKO_BLOCK_CLOSE)
    text = _blank(text, _JINJA)
    return _blank(text, _JINJA_LINE)


def rewrite_template(
    data: bytes, renames: Renames, path: str
) -> tuple[bytes | None, tuple[Finding, ...]]:
    """The renamed template (None if unchanged) and what still needs a human.

    Only UTF-8 text is rewritten; anything else is reported line by line untouched.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, tuple(_leftovers(data.decode("utf-8", "replace"), renames, path))
    masked = mask(text, path)
    result = rewrite_fragments(masked, renames, line_tokens(masked))
    new = text
    findings: list[Finding] = []
    if result is not None:
        for start, end, replacement in sorted(result.edits, reverse=True):
            new = new[:start] + replacement + new[end:]
        for finding in result.findings:
            line = text.count("\n", 0, finding.offset) + 1
            findings.append(Finding(path, line, finding.kind, finding.message))
    findings.extend(_leftovers(new, renames, path))
    findings.sort(key=lambda f: (f.line, f.kind, f.message))
    return (new.encode("utf-8") if new != text else None), tuple(findings)


def _leftovers(text: str, renames: Renames, path: str) -> list[Finding]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if renames.mentions(line):
            shown = line.strip()
            if len(shown) > 80:
                shown = shown[:77] + "..."
            found.append(
                Finding(
                    path,
                    number,
                    "file",
                    f"a template of Python code mentions the old name outside an import; update by hand: {shown}",
                )
            )
    return found


__all__ = ["TEMPLATE_SUFFIXES", "is_template", "mask", "rewrite_template"]
