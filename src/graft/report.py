"""What fork and sync did, as values, and every way of printing them.

All printing decisions live here: the library returns these reports, and the
CLI only picks :func:`render_text` or :func:`render_json`. Findings from the
rewriter are carried through as they are (``graft.rewrite.Finding``), never
printed from deep code.
"""

from __future__ import annotations

import dataclasses
import json
import typing as t
from dataclasses import dataclass

if t.TYPE_CHECKING:
    from .vcs import Change


def _finding_text(finding: t.Any) -> str:
    fmt = getattr(finding, "format", None)
    return str(fmt()) if callable(fmt) else str(finding)


def _finding_dict(finding: t.Any) -> t.Any:
    to_dict = getattr(finding, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if dataclasses.is_dataclass(finding) and not isinstance(finding, type):
        return dataclasses.asdict(finding)
    return str(finding)


@dataclass(frozen=True)
class ForkReport:
    """The outcome of ``graft fork`` (or of vendoring an extension with ``graft patch``)."""

    name: str
    kind: str
    package: str
    upstream: str
    """Human label of the upstream revision, e.g. ``flask 3.0.3``."""
    source: str
    source_kind: str
    revision: str
    path: str
    pyproject: str
    maps: tuple[str, ...]
    files: tuple[str, ...]
    rewritten: int
    findings: tuple[t.Any, ...] = ()
    snapshot: str | None = None
    commit: str | None = None
    dry_run: bool = False
    notes: tuple[str, ...] = ()
    """Things to know, e.g. that the real fork needs a clean work tree (dry run)."""

    def to_dict(self) -> dict[str, t.Any]:
        data = dataclasses.asdict(self)
        data["notes"] = list(self.notes)
        data["findings"] = [_finding_dict(f) for f in self.findings]
        data["files"] = list(self.files)
        data["maps"] = list(self.maps)
        return data


@dataclass(frozen=True)
class SyncStep:
    """One merge of one upstream revision into the fork."""

    old_revision: str
    new_revision: str
    upstream: str
    """Human label of the new upstream revision."""
    status: str
    """``up-to-date``, ``planned`` (dry run), ``merged``, ``conflicts`` or ``aborted``."""
    upstream_changes: tuple[Change, ...] = ()
    """What upstream changed between the two snapshots, as paths in the repository."""
    local_changes: tuple[str, ...] = ()
    """Files of the fork you changed since the previous snapshot."""
    overlapping: tuple[str, ...] = ()
    """Files both sides changed: git merges them line by line (where conflicts come from)."""
    conflicts: tuple[str, ...] = ()
    """Files left unmerged, for the user to resolve."""
    reused: tuple[str, ...] = ()
    """Conflicts git rerere resolved (and staged) from an earlier resolution: to review."""
    kept_deleted: tuple[str, ...] = ()
    """Files you deleted that upstream changed: they stay deleted."""
    snapshot: str | None = None
    commit: str | None = None
    regenerated: bool = False
    """The previous snapshot was rebuilt from the manifest (missing commit)."""
    relinked: bool = False
    """The previous snapshot was not reachable from HEAD (squash or rebase) and was reconnected."""

    def to_dict(self) -> dict[str, t.Any]:
        data = dataclasses.asdict(self)
        data["upstream_changes"] = [dataclasses.asdict(c) for c in self.upstream_changes]
        for key in ("local_changes", "overlapping", "conflicts", "reused", "kept_deleted"):
            data[key] = list(data[key])
        return data


@dataclass(frozen=True)
class SyncReport:
    """The outcome of ``graft sync`` (including ``--continue`` and ``--abort``)."""

    name: str
    action: str
    """``sync``, ``continue`` or ``abort``."""
    steps: tuple[SyncStep, ...] = ()
    dry_run: bool = False
    findings: tuple[t.Any, ...] = ()
    notes: tuple[str, ...] = ()
    """Things to know, e.g. that the real sync needs a clean work tree (dry run)."""

    @property
    def status(self) -> str:
        """The overall outcome: the last step's status (``up-to-date`` when there was none)."""
        return self.steps[-1].status if self.steps else "up-to-date"

    @property
    def conflicts(self) -> tuple[str, ...]:
        return self.steps[-1].conflicts if self.steps else ()

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "name": self.name,
            "action": self.action,
            "status": self.status,
            "dry_run": self.dry_run,
            "steps": [step.to_dict() for step in self.steps],
            "findings": [_finding_dict(f) for f in self.findings],
            "notes": list(self.notes),
        }


Report = ForkReport | SyncReport


def render_json(report: Report) -> str:
    """A stable, machine-readable rendering (``--format json``)."""
    return json.dumps(report.to_dict(), indent=2, sort_keys=True)


def render_text(report: Report) -> str:
    """The human rendering: what happened, then what to do next."""
    if isinstance(report, ForkReport):
        return _fork_text(report)
    return _sync_text(report)


def _fork_text(report: ForkReport) -> str:
    verb = "Would fork" if report.dry_run else ("Forked" if report.kind == "fork" else "Vendored")
    lines = [
        f"{verb} {report.upstream} into {report.path}/ as {report.name} "
        f"({len(report.files)} files, {report.rewritten} rewritten; maps: {', '.join(report.maps)}).",
    ]
    if report.dry_run:
        lines += [f"  + {path}" for path in report.files]
        lines.append(f"Would record [tool.graft.packages.{report.name}] in {report.pyproject}.")
    else:
        lines.append(
            f"Recorded [tool.graft.packages.{report.name}] in {report.pyproject}; "
            f"commit {report.commit and report.commit[:10]} "
            f"(snapshot {report.snapshot and report.snapshot[:10]})."
        )
    if report.findings:
        lines.append(f"{len(report.findings)} finding(s) the rewriter left for you to check:")
        lines += [f"  {_finding_text(f)}" for f in report.findings]
    lines += [f"Note: {note}" for note in report.notes]
    return "\n".join(lines)


def _short(revision: str) -> str:
    """Commit ids shortened as git shows them; versions as they are."""
    if len(revision) == 40 and all(c in "0123456789abcdef" for c in revision):
        return revision[:10]
    return revision


_STATUS_LETTER = {
    "A": "added",
    "D": "deleted",
    "M": "changed",
    "R": "renamed",
    "C": "copied",
    "T": "type changed",
}


def _sync_text(report: SyncReport) -> str:
    lines: list[str] = []
    if report.action == "abort":
        return f"Aborted the sync of {report.name}; the repository is back where it was."
    if not report.steps:
        return "\n".join(
            [f"{report.name} is already up to date.", *(f"Note: {note}" for note in report.notes)]
        )
    for step in report.steps:
        if step.status == "up-to-date":
            lines.append(f"{report.name} is already up to date with {step.upstream}.")
            continue
        head = {
            "planned": "Would merge",
            "merged": "Merged",
            "conflicts": "Merging",
            "aborted": "Aborted merging",
        }.get(step.status, step.status)
        lines.append(
            f"{head} {step.upstream} into {report.name} (from {_short(step.old_revision)})."
        )
        if step.regenerated:
            lines.append(
                "  The previous snapshot commit was missing: rebuilt it and verified its tree."
            )
        if step.relinked:
            lines.append(
                "  The previous snapshot was not in your history (squash or rebase): "
                "reconnected it as the merge base."
            )
        for change in step.upstream_changes:
            what = _STATUS_LETTER.get(change.status, change.status)
            target = f" -> {change.new_path}" if change.new_path else ""
            lines.append(f"  upstream {what}: {change.path}{target}")
        if step.status == "planned" and step.overlapping:
            lines.append("  changed on both sides (git will merge them; conflicts possible):")
            lines += [f"    {path}" for path in step.overlapping]
        renamed_to = {c.new_path: c.path for c in step.upstream_changes if c.new_path}
        for path in step.kept_deleted:
            if path in renamed_to:  # git stages a rename/delete conflict at the new name
                lines.append(
                    f"  kept deleted: {renamed_to[path]} (you deleted it; upstream "
                    f"renamed it to {path})"
                )
            else:
                lines.append(f"  kept deleted: {path} (you deleted it; upstream changed it)")
        if step.status == "merged" and step.commit:
            lines.append(f"  merge commit {step.commit[:10]}.")
        if step.status == "conflicts" and step.reused:
            lines.append(
                f"  {len(step.reused)} conflict(s) resolved from your earlier resolution "
                "(git rerere):"
            )
            lines += [f"    {path}" for path in step.reused]
        if step.status == "conflicts" and step.conflicts:
            lines.append(f"  {len(step.conflicts)} conflicted file(s):")
            lines += [f"    {path}" for path in step.conflicts]
            lines.append(
                "  Resolve them, `git add` them, then run `graft sync --continue` "
                "(or `graft sync --abort`)."
            )
        elif step.status == "conflicts":
            lines.append(
                "  Review them, then run `graft sync --continue` (or `graft sync --abort`)."
            )
    if report.findings:
        lines.append(f"{len(report.findings)} finding(s) the rewriter left for you to check:")
        lines += [f"  {_finding_text(f)}" for f in report.findings]
    lines += [f"Note: {note}" for note in report.notes]
    return "\n".join(lines)


__all__ = ["ForkReport", "SyncReport", "SyncStep", "render_json", "render_text"]
