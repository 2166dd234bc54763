"""What in a vendored package still names the package it replaces, found by renaming it again.

A fork's files went through the rename engine when they were forked or synced; since then
a merge, a hand edit or a new upstream line may have brought the old name back. Renaming
the files again, in memory, with the fork's own maps and options answers the question
with the engine's own rules (no second scanner to drift from them): whatever the engine
would still change is code that names the original, and whatever it reports is code it
cannot rename. :func:`scan_package` returns both as :class:`Leftover` values, each marked
whether it runs (a leak) or is only reported (an entry-point group kept on purpose, a
message quoting code, a computed import that names no original, an example in a
docstring, packaging metadata).
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import typing as t
from dataclasses import dataclass
from pathlib import Path

from . import snapshot
from .rewrite import distribution
from .rewrite.projectfiles import is_carrier
from .rewrite.setup_py import is_setup_script
from .rewrite.tree import item_module_names, rewrite_items

if t.TYPE_CHECKING:
    from .manifest import Entry
    from .rewrite import Finding

RUNNING_KINDS = frozenset({"string", "unbound", "dynamic-import", "distribution", "entry-point"})
"""Finding kinds that can be code naming an original that runs (see :func:`is_leak`)."""

NOT_RUN = (
    "looks like a module path but is not used as one here",
    "nothing says it is a module name",
    "(a name, not an import",
    "an f-string builds what looks like a module path",
    "(it is shown, not run)",
    "(an import guard); kept on purpose",
    "with a computed module name cannot be renamed",
    "gives None:",
    "entry-point group ",
)
"""Parts of the engine's messages for findings of those kinds that are not known to be such
code: a string that only looks like a module path, or whose computed name only starts like
one (a comparison with the old name, an environ key: listed, not failed); a logger's or
context variable's name built with an f-string; a message that quotes code; an import
guard; a computed import that names no original; a ``files()`` lookup of the fork itself;
an entry-point group kept on purpose. (Packaging metadata never runs: see
:func:`is_packaging`.) ``tests/graft/test_check_isolation.py`` pins each one to the engine's output, so a
reworded message fails there rather than here."""


@dataclass(frozen=True)
class Leftover:
    """One place in a vendored package that names an original, or that the engine reports."""

    path: str
    """Posix path relative to the repository root."""
    line: int
    kind: str
    """``rename`` (the engine would still rename it) or the engine's finding kind."""
    message: str
    leak: bool
    """Whether it is code that reaches the original when it runs."""

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "path": self.path,
            "line": self.line,
            "kind": self.kind,
            "message": self.message,
            "leak": self.leak,
        }


@dataclass(frozen=True)
class Scan:
    """What renaming one vendored package again would change or report."""

    leftovers: tuple[Leftover, ...] = ()
    errors: tuple[str, ...] = ()
    """Files the engine could not read (``path:line: why``)."""
    files: int = 0
    """How many files were looked at."""


def is_leak(finding: Finding) -> bool:
    """Whether the engine's ``finding`` is code naming an original that runs as it stands."""
    return finding.kind in RUNNING_KINDS and not any(part in finding.message for part in NOT_RUN)


def scan_package(entry: Entry, root: Path, files: t.Sequence[Path]) -> Scan:
    """Rename ``files`` (the package's, below ``root``) again with ``entry``'s maps, in memory.

    :raises UserError: the engine's worker processes died (nothing is written either way).
    """
    directory = root / entry.path
    renames = snapshot.load_renames(entry.maps)
    upstream = distribution.recorded_upstream(directory)
    options = snapshot.fork_options(entry.package, upstream, renames)
    written = directory / distribution.FILE if upstream is not None else None
    items = [
        (path.relative_to(root).as_posix(), path.read_bytes())
        for path in files
        if path != written and path.is_file() and not path.is_symlink()
    ]
    known = item_module_names(name for name, _ in items)
    results = rewrite_items(items, renames, options=options, known_modules=known)
    leftovers: list[Leftover] = []
    errors: list[str] = []
    for (name, data), result in zip(items, results):
        if result.status == "failed":
            errors.append(result.error or name)
            continue
        found: list[Leftover] = []
        if result.status == "changed" and result.new_bytes is not None:
            found += _changes(name, data, result.new_bytes)
        found += [
            Leftover(name, finding.line, finding.kind, finding.message, is_leak(finding))
            for finding in result.findings
        ]
        if is_packaging(name):
            found = [dataclasses.replace(item, leak=False) for item in found]
        elif any(item.leak for item in found) and name.endswith(".py"):
            shown = prose_lines(data)
            found = [
                item if item.line not in shown else dataclasses.replace(item, leak=False)
                for item in found
            ]
        leftovers += found
    leftovers.sort(key=lambda item: (item.path, item.line, item.kind, item.message))
    return Scan(tuple(leftovers), tuple(errors), len(items))


def is_packaging(name: str) -> bool:
    """Whether ``name`` is packaging metadata (``setup.py``, ``pyproject.toml``, ``METADATA``,
    ...): installers read it, the package never runs it, so what names the original there
    is listed, not failed."""
    return is_carrier(name) or is_setup_script(name)


def prose_lines(source: bytes) -> frozenset[int]:
    """The lines of string statements (docstrings): code there is shown, never run.

    Empty when the source does not parse (the engine reports such a file).
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return frozenset()
    lines: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, (str, bytes))
        ):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return frozenset(lines)


def _changes(name: str, old: bytes, new: bytes) -> list[Leftover]:
    """One leftover per changed block: the line as it is, and as the rename writes it."""
    before = old.decode("utf-8", "replace").splitlines()
    after = new.decode("utf-8", "replace").splitlines()
    found = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        was = before[i1].strip() if i1 < i2 else ""
        becomes = after[j1].strip() if j1 < j2 else ""
        found.append(
            Leftover(
                name,
                i1 + 1,
                "rename",
                f"still names the original: `{_short(was)}`; renamed, it reads `{_short(becomes)}`",
                True,
            )
        )
    return found


def _short(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


__all__ = [
    "NOT_RUN",
    "RUNNING_KINDS",
    "Leftover",
    "Scan",
    "is_leak",
    "is_packaging",
    "prose_lines",
    "scan_package",
]
