"""A sync stopped on conflicts: what graft remembers in ``.git/graft/sync.json``.

A sync that stops on conflicts leaves git's ordinary merge state plus this record of
what git does not know: the commit the sync started from (``--abort`` goes back there,
undoing a reconnect commit or earlier ``--step`` merges), the manifest entry to record,
and the releases still to merge. :func:`load`, :func:`save` and :func:`clear` are the
only code that reads or writes the file; :func:`stopped_sync` is the one test of
whether a sync awaits ``--continue``/``--abort``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import typing as t
from dataclasses import dataclass
from pathlib import Path

from .manifest import Entry

if t.TYPE_CHECKING:
    from . import vcs

STATE = "graft/sync.json"
"""The record's place under the repository's git directory."""


@dataclass(frozen=True)
class SyncState:
    """One sync in flight: written before git is asked to merge, removed once it is done."""

    name: str
    """The fork being synced."""
    pre_head: str
    """HEAD before the sync: ``--abort`` goes back to it."""
    branch: str | None
    """The branch HEAD was on (None: detached)."""
    label: str
    """The upstream revision being merged, as people read it (``kettle v2.0``)."""
    merge_from: str | None = None
    """The commit the merge starts from (a reconnect commit, or an earlier step's merge)."""
    snapshot: str | None = None
    """The snapshot commit being merged; None while only a reconnect commit was made."""
    base: str | None = None
    """The previous snapshot, the merge base."""
    message: str = ""
    """The merge commit's message, for ``--continue``."""
    entry: Entry | None = None
    """The manifest entry to record once the merge is committed."""
    pyproject: str = ""
    """Repository-relative path of the ``pyproject.toml`` holding the entry."""
    old_label: str = ""
    old_revision: str = ""
    remaining: tuple[str, ...] = ()
    """Revisions still to merge after this one (``--step``)."""
    search_path: tuple[str, ...] = ()
    regenerated: bool = False
    relinked: bool = False
    conflicts: tuple[str, ...] = ()
    """Files left to resolve when the sync stopped (git rerere's included)."""
    kept_deleted: tuple[str, ...] = ()
    reused: tuple[str, ...] = ()
    """Conflicts git rerere resolved, for the user to review."""
    queue: tuple[str, ...] = ()
    """Packages a run over several (``graft sync --all``) still has to sync after this one."""
    queue_step: bool = False
    """Whether that run merges each release in between (``--step``)."""

    def is_merging(self, repo: vcs.Repo) -> bool:
        """Whether git's merge state is still this sync's (or, with no snapshot yet, none).

        A state whose merge git no longer has was concluded or aborted with git itself.
        """
        return repo.merge_head() == self.snapshot

    def index_holds_merge(self, repo: vcs.Repo) -> bool:
        """Whether the index holds git's merge of the snapshot, not just the commit merged into.

        Upstream's changes to files the fork left as they were merge without conflict,
        so git stages them. When there are such changes and none of them is staged, git
        wrote MERGE_HEAD but the merge itself did not happen (it failed on a locked
        index, say) or was undone: recording it would drop upstream's changes. Files the
        user resolved or deliberately edited do not count either way.
        """
        if self.snapshot is None or self.base is None or self.merge_from is None:
            return True
        prefix = self.entry.path if self.entry is not None else None
        base = repo.ls_tree(self.base, prefix)
        theirs = repo.ls_tree(self.snapshot, prefix)
        ours = repo.ls_tree(self.merge_from, prefix)
        settled = {*self.conflicts, *self.kept_deleted, *self.reused}
        clean = [
            path
            for path in set(base) | set(theirs)
            if base.get(path) != theirs.get(path)
            and ours.get(path) == base.get(path)
            and path not in settled
        ]
        if not clean:
            return True
        staged = repo.index_entries(prefix)
        return any(staged.get(path) == theirs.get(path) for path in clean)

    def to_json(self) -> dict[str, t.Any]:
        """The record as stored: plain JSON values, the entry as its manifest table."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        data["entry"] = self.entry.to_table() if self.entry is not None else None
        return data

    @classmethod
    def from_json(cls, data: t.Mapping[str, t.Any]) -> SyncState:
        """The record read back; unknown keys are ignored, missing ones take their defaults."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        for key in ("remaining", "search_path", "conflicts", "kept_deleted", "reused", "queue"):
            if key in values:
                values[key] = tuple(values[key] or ())
        table = values.get("entry")
        values["entry"] = Entry.from_table(values["name"], table) if table else None
        return cls(**values)


def state_path(repo: vcs.Repo) -> Path:
    return repo.git_dir / STATE


def load(repo: vcs.Repo) -> SyncState | None:
    """The recorded sync, if any (a stopped one, or one killed mid-way)."""
    try:
        data = json.loads(state_path(repo).read_text("utf-8"))
        return SyncState.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(repo: vcs.Repo, state: SyncState) -> None:
    """Record a sync in flight, atomically."""
    path = state_path(repo)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state.to_json(), indent=2, sort_keys=True), "utf-8")
    os.replace(tmp, path)


def clear(repo: vcs.Repo) -> None:
    """Forget the recorded sync (idempotent)."""
    try:
        state_path(repo).unlink()
    except FileNotFoundError:
        pass


def stopped_sync(repo: vcs.Repo) -> SyncState | None:
    """The sync that stopped (on conflicts, or killed mid-way) and awaits --continue/--abort."""
    state = load(repo)
    return state if state is not None and state.is_merging(repo) else None


__all__ = ["STATE", "SyncState", "clear", "load", "save", "state_path", "stopped_sync"]
