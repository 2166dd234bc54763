"""Code inside docstrings: doctests, code blocks and module paths, apart from prose.

A fork's docstrings document the fork: ``>>> import flask`` there is an example that
fails under the new name (and doctest runs it), ``:mod:`flask.json``` links nowhere.
With ``docstrings="code"`` (what ``graft fork`` renders with) the code in a docstring
follows the rename and its prose does not:

* doctest examples (``>>>`` and ``...`` lines), read together as one program, since
  doctest runs a docstring's examples in one namespace; their expected output is prose;
* code blocks: reST literal blocks after ``::``, ``.. code-block::``/``.. code::``/
  ``.. sourcecode::`` directives for Python (or with no language), Markdown fences;
* in the prose around them, dotted module paths (``flask.json.dumps``) and names
  marked as code (````flask````, ``:mod:`flask```), but not a bare word ("flask is a
  microframework"), a URL (``flask.palletsprojects.com``) or a file name.

Code goes through :func:`graft.rewrite.code.rewrite_code`, so a block that imports
the package has its uses renamed with the same scoping rules as a file.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from .code import CodeFinding, Engine, rewrite_code
from .literals import Edit

if t.TYPE_CHECKING:
    from .names import Renames
    from .options import RewriteOptions

_PROMPT = re.compile(r"^([ \t]*)(>>>|\.\.\.)( |$)")
_DIRECTIVE = re.compile(
    r"^([ \t]*)\.\.[ \t]+(?:code-block|code|sourcecode|testcode|doctest)::[ \t]*(\w*)[ \t]*$"
)
_FENCE = re.compile(r"^([ \t]*)(```|~~~)[ \t]*(\w*)[ \t]*$")
_PYTHON = frozenset({"", "python", "python3", "py", "py3", "pycon", "pyi", "default"})
_IDENT = r"[^\W\d]\w*"
_DOTTED_PATH = re.compile(rf"(?<![\w.:/@\-]){_IDENT}(?:\.{_IDENT})+(?![\w/@]|\.\w)")
_MARKED = re.compile(
    rf"``~?({_IDENT}(?:\.{_IDENT})*)(?:\(\))?``|:[\w:]+:`[!~]?(?:[^`<]*<)?~?({_IDENT}(?:\.{_IDENT})*)(?:\(\))?>?`"
)
_FILE_ENDINGS = frozenset(
    {"py", "pyi", "pyc", "cfg", "ini", "toml", "txt", "rst", "md", "html", "htm", "json", "yaml",
     "yml", "js", "css", "com", "org", "net"}
)  # fmt: skip


@dataclass
class _Extract:
    """A text taken from the docstring, with where each of its characters stands there."""

    text: str
    positions: list[int]

    def to_value(self, edit: Edit) -> Edit | None:
        start, end, new = edit
        if start == end:
            at = self.positions[start] if start < len(self.positions) else self.positions[-1] + 1
            return at, at, new
        first, last = self.positions[start], self.positions[end - 1]
        if last - first != end - start - 1:
            return None  # the change would cross a prompt or an indent taken out
        return first, last + 1, new


def _lines(value: str) -> list[tuple[int, str]]:
    """(offset, line without its newline) for each line of ``value``."""
    out = []
    offset = 0
    for line in value.splitlines(keepends=True):
        out.append((offset, line.rstrip("\r\n")))
        offset += len(line)
    return out


def _doctest(lines: list[tuple[int, str]], used: set[int]) -> _Extract | None:
    """Every ``>>>``/``...`` line's code, joined into one program."""
    text: list[str] = []
    positions: list[int] = []
    inside = False
    for index, (offset, line) in enumerate(lines):
        match = _PROMPT.match(line)
        if match is None or (match.group(2) == "..." and not inside):
            inside = False
            continue
        inside = True
        used.add(index)
        start = match.end()
        text.append(line[start:] + "\n")
        positions.extend(range(offset + start, offset + len(line) + 1))
    if not text:
        return None
    return _Extract("".join(text), positions)


def _block(lines: list[tuple[int, str]], first: int, used: set[int], floor: int) -> _Extract | None:
    """The indented block starting after line ``first`` (blank lines allowed), dedented."""
    body: list[int] = []
    indent: int | None = None
    index = first + 1
    while index < len(lines):
        line = lines[index][1]
        if line.strip():
            width = len(line) - len(line.lstrip())
            if width <= floor:
                break
            indent = width if indent is None else min(indent, width)
        body.append(index)
        index += 1
    while body and not lines[body[-1]][1].strip():
        body.pop()
    if not body or indent is None:
        return None
    text: list[str] = []
    positions: list[int] = []
    for k in body:
        offset, line = lines[k]
        used.add(k)
        cut = min(indent, len(line))
        text.append(line[cut:] + "\n")
        positions.extend(range(offset + cut, offset + len(line) + 1))
    return _Extract("".join(text), positions)


def _fenced(
    lines: list[tuple[int, str]], first: int, marker: str, used: set[int]
) -> _Extract | None:
    text: list[str] = []
    positions: list[int] = []
    indent = len(lines[first][1]) - len(lines[first][1].lstrip())
    for k in range(first + 1, len(lines)):
        offset, line = lines[k]
        if line.strip().startswith(marker):
            used.update(range(first, k + 1))
            return _Extract("".join(text), positions) if text else None
        cut = min(indent, len(line) - len(line.lstrip()))
        text.append(line[cut:] + "\n")
        positions.extend(range(offset + cut, offset + len(line) + 1))
    return None


def _code_blocks(lines: list[tuple[int, str]], used: set[int]) -> list[_Extract]:
    blocks: list[_Extract] = []
    index = 0
    while index < len(lines):
        if index in used:
            index += 1
            continue
        line = lines[index][1]
        floor = len(line) - len(line.lstrip())
        found: _Extract | None = None
        directive = _DIRECTIVE.match(line)
        fence = _FENCE.match(line)
        if directive is not None:
            used.add(index)
            if directive.group(2).lower() in _PYTHON:
                found = _block(lines, index, used, floor)
        elif fence is not None:
            language = fence.group(3).lower()
            extract = _fenced(lines, index, fence.group(2), used)
            if language in _PYTHON:
                found = extract
        elif line.rstrip().endswith("::") and not line.lstrip().startswith(".."):
            found = _block(lines, index, used, floor)
        if found is not None and not _PROMPT.match(found.text):
            blocks.append(found)
        index += 1
    return blocks


def docstring_edits(
    value: str,
    renames: Renames,
    options: RewriteOptions,
    known_modules: t.AbstractSet[str] = frozenset(),
    *,
    engine: Engine,
) -> tuple[list[Edit], list[CodeFinding]]:
    """Edits of a docstring's value that rename its code and module paths, not its prose."""
    lines = _lines(value)
    used: set[int] = set()
    programs: list[_Extract] = []
    doctest = _doctest(lines, used)
    if doctest is not None:
        programs.append(doctest)
    programs.extend(_code_blocks(lines, used))
    edits: list[Edit] = []
    findings: list[CodeFinding] = []
    covered: set[int] = set()
    for program in programs:
        covered.update(program.positions)
        result = rewrite_code(program.text, renames, options, known_modules, engine=engine)
        if result is None:
            continue
        mapped = [program.to_value(edit) for edit in result.edits]
        if any(edit is None for edit in mapped):
            findings.append(
                CodeFinding(
                    program.positions[0],
                    "string",
                    "code in a docstring could not be renamed in place; update it by hand",
                )
            )
            continue
        edits.extend(t.cast(list[Edit], mapped))
        findings.extend(
            CodeFinding(
                program.positions[min(f.offset, len(program.positions) - 1)], f.kind, f.message
            )
            for f in result.findings
        )
    edits.extend(_prose_paths(value, renames, covered))
    return sorted(set(edits)), findings


def _prose_paths(value: str, renames: Renames, covered: set[int]) -> list[Edit]:
    """Dotted module paths and names marked as code, outside the code already handled."""
    roots = renames.roots
    edits: list[Edit] = []
    taken: set[int] = set()
    for match in _MARKED.finditer(value):
        group = 1 if match.group(1) is not None else 2
        dotted = match.group(group)
        start = match.start(group)
        if start in covered or dotted.partition(".")[0] not in roots:
            continue
        new = renames.rename(dotted)
        taken.add(start)
        if new != dotted:
            edits.append((start, start + len(dotted), new))
    for match in _DOTTED_PATH.finditer(value):
        dotted, start = match.group(0), match.start()
        if start in covered or start in taken or dotted.partition(".")[0] not in roots:
            continue
        if dotted.rpartition(".")[2].lower() in _FILE_ENDINGS:
            continue
        new = renames.rename(dotted)
        if new != dotted:
            edits.append((start, start + len(dotted), new))
    return edits


__all__ = ["docstring_edits"]
