"""Result values of the rewriter: what changed, what failed, and what was only reported.

Nothing in :mod:`graft.rewrite` prints or raises for bad input code; every outcome is
one of these frozen values, the shape of LibCST's ``TransformSuccess`` /
``TransformFailure``, so callers (``graft rewrite``, ``graft fork``, ``graft sync``)
decide what to show and what exit code it means.
"""

from __future__ import annotations

import difflib
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

Status = t.Literal["changed", "unchanged", "failed"]

CodeT = t.TypeVar("CodeT", str, bytes)


@dataclass(frozen=True, order=True)
class Finding:
    """Something the rewriter saw and deliberately did not rename, with where it is.

    ``kind`` is one of ``string`` (a module path in a position the rewriter cannot
    classify), ``entry-point`` (an entry-point group), ``distribution`` (a distribution
    name lookup), ``dynamic-import`` (an import whose name is computed), ``unbound``
    (a reference that the new names cannot express), ``alias`` (a name kept through an
    ``as`` alias because renaming it would clash), ``file`` (a non-Python file that
    mentions the old name) and ``compiled`` (an extension module that cannot be rewritten).
    """

    path: str
    line: int
    kind: str
    message: str

    def format(self) -> str:
        """``path:line: kind: message``, the form editors can jump to."""
        return f"{self.path}:{self.line}: {self.kind}: {self.message}"

    def to_dict(self) -> dict[str, t.Any]:
        return {"path": self.path, "line": self.line, "kind": self.kind, "message": self.message}


@dataclass(frozen=True)
class RewriteResult(t.Generic[CodeT]):
    """The outcome of :func:`~graft.rewrite.rewrite_source` for one piece of code.

    ``code`` has the type of the input and equals it byte for byte unless ``status``
    is ``"changed"``. ``error`` is set, with ``path:line``, only when ``status`` is
    ``"failed"``.
    """

    status: Status
    code: CodeT
    path: str = "<string>"
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    parsed: bool = False
    """Whether the code had to be parsed (files that never mention an old name are not)."""

    @property
    def changed(self) -> bool:
        return self.status == "changed"


@dataclass(frozen=True)
class FileResult:
    """The outcome for one file of a tree; bytes are kept only for changed files."""

    path: Path
    status: Status
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    old_bytes: bytes | None = None
    new_bytes: bytes | None = None

    def diff(self, *, root: Path | None = None) -> str:
        """A unified diff of this file's change (empty unless it changed)."""
        if self.old_bytes is None or self.new_bytes is None or self.old_bytes == self.new_bytes:
            return ""
        name = _display(self.path, root)
        old = self.old_bytes.decode("utf-8", "surrogateescape").splitlines(keepends=True)
        new = self.new_bytes.decode("utf-8", "surrogateescape").splitlines(keepends=True)
        lines = difflib.unified_diff(old, new, f"a/{name}", f"b/{name}")
        return "".join(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            for line in lines
        )


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return path.as_posix().lstrip("/")


@dataclass(frozen=True)
class Skipped:
    """A directory (or file) the tree walker did not enter, and why.

    ``reason`` is ``virtualenv`` (a folder holding ``pyvenv.cfg``), ``installed
    packages`` (``site-packages``, ``dist-packages``), ``build output`` (``build``,
    ``dist``, ``*.egg-info``), ``cache`` (``__pycache__``, ``node_modules``) or
    ``git-ignored``, or ``vendored fork``/``vendored patch`` (a directory ``graft fork``
    or ``graft patch`` recorded in ``pyproject.toml``, renamed already). Hidden
    directories are always passed over and not listed.
    """

    path: Path
    reason: str

    def to_dict(self) -> dict[str, t.Any]:
        return {"path": str(self.path), "reason": self.reason}


@dataclass(frozen=True)
class TreeResult:
    """The outcome of :func:`~graft.rewrite.rewrite_tree`, files in a stable order."""

    files: tuple[FileResult, ...] = field(default_factory=tuple)
    written: bool = False
    """Whether changed files were written back."""
    skipped: tuple[Skipped, ...] = ()
    """What the walk left out (not the user's source), sorted by path."""

    @property
    def changed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "changed"]

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    @property
    def findings(self) -> list[Finding]:
        return [finding for f in self.files for finding in f.findings]

    def diff(self, *, root: Path | None = None) -> str:
        """Unified diffs of every changed file, concatenated in file order."""
        return "".join(f.diff(root=root) for f in self.files)


__all__ = ["FileResult", "Finding", "RewriteResult", "Skipped", "Status", "TreeResult"]
