"""``graft status``: where each vendored package stands against its upstream and its base.

For every manifest entry: its source, the recorded upstream revision, the newest
revision the source offers now (what ``graft sync`` would move to), whether a
sync of it is stopped on conflicts, and your changes against the pristine
snapshot. The facts are gathered once (:func:`gather`), the verdicts are pure
functions of them (:func:`fork_status`), and :mod:`graft.cli.render` formats them, so a
problem with one entry (an unreachable source, say) is reported in its block
instead of hiding the others.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from . import sources, state, vcs
from .changes import LocalChanges, current_base, local_changes
from .errors import UserError
from .snapshot import fingerprint as snapshot_fingerprint
from .snapshot import moved_error, moved_to
from .workspace import load_entries

if t.TYPE_CHECKING:
    from .manifest import Entry
    from .sources import Upstream
    from .state import SyncState


@dataclass(frozen=True)
class Facts:
    """What was found out about one entry; errors are kept as their messages."""

    entry: Entry
    newest: Upstream | None = None
    newest_error: str | None = None
    newest_is_older: bool = False
    """A git source whose newest release is an ancestor of the recorded commit."""
    sync_state: SyncState | None = None
    """The recorded sync, whatever fork it is of (:func:`graft.state.load`)."""
    local: LocalChanges | None = None
    local_error: str | None = None
    snapshot_reachable: bool | None = None
    current_fingerprint: str | None = None
    unmerged: tuple[str, ...] | None = None
    """While a sync of this entry is stopped: the paths the index still has unmerged."""
    merge_committed: bool = False
    """The stopped sync's merge was concluded with a plain ``git commit``."""
    merge_missing: bool = False
    """git is merging the recorded snapshot, but the index does not hold that merge."""
    sync_abandoned: bool = False
    """A stopped sync is recorded, but git no longer merges it (``git merge --abort``)."""


@dataclass(frozen=True)
class ForkStatus:
    """The state of one vendored package, as a value ready to render."""

    name: str
    kind: str
    package: str
    path: str
    source: str
    source_kind: str
    ref: str | None
    revision: str
    label: str
    newest_revision: str | None
    newest_label: str | None
    newest_error: str | None
    behind: bool | None
    """None when the newest revision could not be found out."""
    sync_in_progress: bool
    sync_target: str | None
    conflicts: tuple[str, ...]
    snapshot: str
    snapshot_reachable: bool | None
    rewrite_changed: bool
    """The rewrite settings or engine changed since the snapshot: the next sync re-renders."""
    local: LocalChanges | None
    local_error: str | None
    notes: tuple[str, ...] = field(default=())
    merge_committed: bool = False
    """The sync's merge was committed with ``git commit``; ``--continue`` records it."""
    merge_missing: bool = False
    """git is merging the snapshot but the index does not hold the merge: only
    ``--abort`` is safe (``--continue`` would record a merge that did not happen)."""
    stopped_other: str | None = None
    """While the sync of another package is stopped: that package's name (a new sync of
    this one is refused until it is concluded or aborted)."""
    queued: bool = False
    """This package waits in the stopped run over several: ``--continue`` syncs it."""

    def to_dict(self) -> dict[str, t.Any]:
        data = {key: getattr(self, key) for key in self.__dataclass_fields__ if key != "local"}
        data["conflicts"] = list(self.conflicts)
        data["notes"] = list(self.notes)
        data["local_changes"] = self.local.to_dict() if self.local is not None else None
        return data


def fork_status(facts: Facts) -> ForkStatus:
    """The verdicts for one entry, from its facts alone (no I/O)."""

    entry = facts.entry
    newest = facts.newest
    behind: bool | None = None
    notes: list[str] = []
    if newest is not None:
        behind = sources.is_behind(entry, newest) and not facts.newest_is_older
        if sources.same_version_changed(newest, entry.revision, entry.upstream_tree):
            newest = sources.distinguish(newest, entry.revision, entry.upstream_tree)
            notes.append("files changed since the fork (same version number).")
        if facts.newest_is_older:
            notes.append(
                f"the newest release ({newest.label}) is older than the recorded "
                "revision; pass `graft sync --ref` to move on."
            )
    recorded = facts.sync_state
    in_progress = recorded is not None and recorded.name == entry.name and not facts.sync_abandoned
    if facts.sync_abandoned and recorded is not None:
        notes.append(
            f"the stopped sync of {recorded.label} was ended with git (git merge --abort); "
            "nothing of it is recorded."
        )
    rewrite_changed = (
        facts.current_fingerprint is not None and facts.current_fingerprint != entry.fingerprint
    )
    if rewrite_changed:
        notes.append(
            "the rewrite engine or settings changed since the snapshot; "
            "the next sync renders upstream again."
        )
    if facts.snapshot_reachable is False:
        notes.append(
            "the snapshot commit is not in your history (squash or rebase); "
            "the next sync reconnects it."
        )
    if facts.local is not None and facts.local.base.rebuilt:
        notes.append("the snapshot commit was missing: rebuilt it from the recorded revision.")
    if facts.local is not None and facts.local.base.merging:
        notes.append(
            f"changes are counted against the snapshot of {facts.local.base.merging}, "
            "which the stopped sync is merging."
        )
    return ForkStatus(
        name=entry.name,
        kind=entry.kind,
        package=entry.package,
        path=entry.path,
        source=entry.source,
        source_kind=entry.source_kind,
        ref=entry.ref,
        revision=entry.revision,
        label=sources.entry_label(entry, newest),
        newest_revision=newest.revision if newest is not None else None,
        newest_label=newest.label if newest is not None else None,
        newest_error=facts.newest_error,
        behind=behind,
        sync_in_progress=in_progress,
        sync_target=recorded.label if in_progress and recorded is not None else None,
        # What is still unmerged in the index, not what was when the sync stopped: the user may
        # have resolved and staged some since.
        conflicts=(
            facts.unmerged
            if facts.unmerged is not None
            else recorded.conflicts
            if in_progress and recorded is not None
            else ()
        ),
        merge_committed=in_progress and facts.merge_committed,
        merge_missing=in_progress and facts.merge_missing,
        stopped_other=(
            recorded.name
            if recorded is not None and not in_progress and not facts.sync_abandoned
            else None
        ),
        queued=(recorded is not None and not facts.sync_abandoned and entry.name in recorded.queue),
        snapshot=entry.snapshot,
        snapshot_reachable=facts.snapshot_reachable,
        rewrite_changed=rewrite_changed,
        local=facts.local,
        local_error=facts.local_error,
        notes=tuple(notes),
    )


# -- gathering the facts ------------------------------------------------------------


def gather(
    repo: vcs.Repo,
    entry: Entry,
    *,
    search_path: t.Sequence[str] | None = None,
    committed: bool = False,
    newest: bool = True,
) -> Facts:
    """Find out everything :func:`fork_status` needs about ``entry``; never raises UserError."""

    root = repo.root.resolve()
    values: dict[str, t.Any] = {"entry": entry, "sync_state": state.load(repo)}
    if newest:
        try:
            values["newest"], values["newest_is_older"] = sources.newest_upstream(
                entry, root, search_path=search_path
            )
        except UserError as exc:
            values["newest_error"] = exc.format_message()
    try:
        values["current_fingerprint"] = snapshot_fingerprint(entry.maps)
    except UserError:
        pass
    head = repo.head()
    recorded: SyncState | None = values["sync_state"]
    if recorded is not None and recorded.name == entry.name and recorded.snapshot:
        if recorded.is_merging(repo):
            values["unmerged"] = unmerged = tuple(sorted(repo.unmerged()))
            values["merge_missing"] = not unmerged and not recorded.index_holds_merge(repo)
        elif head is not None and recorded.snapshot in repo.parents(head)[1:]:
            values["merge_committed"] = True
        else:
            values["sync_abandoned"] = True
    elif recorded is not None and recorded.name == entry.name:
        values["sync_abandoned"] = not recorded.is_merging(repo)
    if repo.has_object(entry.snapshot) and head is not None:
        values["snapshot_reachable"] = repo.is_ancestor(entry.snapshot, head)
    try:
        moved = moved_to(repo, entry, head) if head is not None else None
        if moved is not None:  # not "every file deleted": the user moved the fork
            raise moved_error(entry, moved)
        base = current_base(repo, entry, search_path=search_path)
        values["local"] = local_changes(repo, entry, base, committed=committed)
    except UserError as exc:
        values["local_error"] = exc.format_message()
    return Facts(**values)


def collect(
    name: str | None = None,
    *,
    cwd: Path | None = None,
    search_path: t.Sequence[str] | None = None,
    committed: bool = False,
    newest: bool = True,
) -> list[ForkStatus]:
    """The status of fork ``name`` (every recorded one by default).

    :param newest: look up the newest upstream revision (reads the source).
    :raises UserError: not a git work tree, or no (such) entry in the manifest.
    """
    cwd = (cwd or Path.cwd()).resolve()
    repo = vcs.Repo(cwd)
    if repo.bare:
        raise UserError(f"{cwd} is a bare git repository.", hint="Run graft in a work tree.")
    entries = load_entries(repo, cwd, name)
    return [
        fork_status(
            gather(repo, entry, search_path=search_path, committed=committed, newest=newest)
        )
        for entry in entries
    ]


__all__ = [
    "Facts",
    "ForkStatus",
    "collect",
    "fork_status",
    "gather",
]
