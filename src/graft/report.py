"""What fork, patch and sync did, as values.

The library returns these reports and :mod:`graft.cli.render` formats them. Findings
from the rewriter are carried through as they are (``graft.rewrite.Finding``), never
printed from deep code.
"""

from __future__ import annotations

import dataclasses
import typing as t
from dataclasses import dataclass

if t.TYPE_CHECKING:
    from .vcs import Change


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
    script: str | None = None
    """``name = module:function`` added to ``[project.scripts]`` (``--script``), if any."""

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
    queue: tuple[str, ...] = ()
    """In a run over several packages stopped on conflicts here: the packages after this
    one, which ``graft sync --continue`` syncs once this one is concluded."""

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
            "queue": list(self.queue),
        }


Report = ForkReport | SyncReport
"""What ``graft fork``, ``graft patch`` (vendoring) and ``graft sync`` return."""


__all__ = ["ForkReport", "Report", "SyncReport", "SyncStep"]
