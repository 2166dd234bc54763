"""Rendering a :class:`~graft.rewrite.TreeResult` for people (text) and programs (JSON).

Kept apart from :mod:`graft.rewrite.tree` so that the engine never prints, and apart
from the project-wide ``graft.report`` (fork and sync reports) so that ``graft
rewrite`` stays importable without the rest of the tool.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

if t.TYPE_CHECKING:
    from .result import TreeResult

JSON_VERSION = 1
"""Bumped when a key of the JSON report changes meaning or disappears."""


def summary(tree: TreeResult, *, mode: str) -> str:
    """One line: what happened to how many files (``mode`` is ``write``, ``check`` or ``dry-run``)."""
    changed, failed, findings = len(tree.changed), len(tree.failed), len(tree.findings)
    verb = "rewrote" if mode == "write" else "would rewrite"
    parts = [f"{verb} {changed} file{'s' if changed != 1 else ''}", f"{len(tree.files)} checked"]
    if failed:
        parts.append(f"{failed} failed")
    if findings:
        parts.append(f"{findings} finding{'s' if findings != 1 else ''} to review")
    if tree.skipped:
        parts.append(f"{len(tree.skipped)} skipped (not source; -v lists them)")
    return ", ".join(parts) + "."


def render_text(tree: TreeResult, *, mode: str, findings: bool = True) -> str:
    """The changed files, then the findings as ``path:line: kind: message`` lines."""
    verb = "rewrote" if mode == "write" else "would rewrite"
    lines = [f"{verb} {f.path}" for f in tree.changed]
    if findings:
        lines.extend(finding.format() for finding in tree.findings)
    return "\n".join(lines) + ("\n" if lines else "")


def render_json(
    tree: TreeResult, *, mode: str, diffs: bool = False, root: Path | None = None
) -> str:
    """A stable, machine-readable report of changes, failures and findings (and diffs on request)."""
    payload: dict[str, t.Any] = {
        "version": JSON_VERSION,
        "mode": mode,
        "written": tree.written,
        "checked": len(tree.files),
        "changed": [str(f.path) for f in tree.changed],
        "failed": [{"path": str(f.path), "error": f.error} for f in tree.failed],
        "findings": [finding.to_dict() for finding in tree.findings],
        "skipped": [skipped.to_dict() for skipped in tree.skipped],
    }
    if diffs:
        payload["diffs"] = {str(f.path): f.diff(root=root) for f in tree.changed}
    return json.dumps(payload, indent=2, sort_keys=True)


__all__ = ["JSON_VERSION", "render_json", "render_text", "summary"]
