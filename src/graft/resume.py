"""Stopping and resuming a sync: the state in ``.git/graft/``, ``--continue`` and ``--abort``.

A sync that stops on conflicts leaves git's ordinary merge state plus one JSON file,
``.git/graft/sync.json``, with what git does not know: the commit the sync started
from (``--abort`` goes back there, undoing a reconnect commit or earlier ``--step``
merges), the manifest entry to record, and the releases still to merge. Finishing with
plain ``git commit`` is fine too: the manifest was staged with the merge.
"""

from __future__ import annotations

import json
import os
import typing as t
from pathlib import Path

from . import interrupts, manifest, vcs
from .errors import UserError
from .report import SyncReport, SyncStep
from .snapshot import checkpoint

if t.TYPE_CHECKING:
    from .manifest import Entry
    from .rewrite.tree import ProgressCallback

STATE = "graft/sync.json"
MARKERS = (b"<<<<<<< ", b">>>>>>> ")


def state_path(repo: vcs.Repo) -> Path:
    return repo.git_dir / STATE


def read_state(repo: vcs.Repo) -> dict[str, t.Any] | None:
    """The in-progress sync recorded in ``.git/graft/``, if any (for ``graft status``)."""
    try:
        return t.cast("dict[str, t.Any]", json.loads(state_path(repo).read_text("utf-8")))
    except (OSError, ValueError):
        return None


def write_state(repo: vcs.Repo, state: t.Mapping[str, t.Any]) -> None:
    """Record a sync in progress, atomically."""
    path = state_path(repo)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True), "utf-8")
    os.replace(tmp, path)


def clear_state(repo: vcs.Repo) -> None:
    """Forget the sync in progress (idempotent)."""
    try:
        state_path(repo).unlink()
    except FileNotFoundError:
        pass


def is_sync_in_progress(repo: vcs.Repo) -> bool:
    """Whether a sync stopped (on conflicts, or killed mid-way) and awaits --continue/--abort."""
    state = read_state(repo)
    return state is not None and repo.merge_head() == state.get("snapshot")  # None: killed early


def record_manifest(repo: vcs.Repo, pyproject: str, entry: Entry) -> None:
    """Write the entry into the work tree's pyproject.toml and stage it (part of the merge)."""
    path = repo.root / pyproject
    text = path.read_bytes().decode("utf-8") if path.exists() else ""
    path.write_bytes(manifest.set_entry(text, entry).encode("utf-8"))
    repo.stage([pyproject])


def rollback(repo: vcs.Repo, head: str, branch: str | None) -> None:
    """Undo a merge in progress and any commit made since ``head``; forget the state."""
    if repo.merge_head() is not None:
        repo.merge_abort()
    if repo.head() != head:
        repo.restore(head, branch)
    clear_state(repo)


# -- --continue and --abort ---------------------------------------------------------


def _require_state(repo: vcs.Repo) -> dict[str, t.Any]:
    state = read_state(repo)
    if state is None:
        raise UserError("no graft sync is in progress.", hint="Run `graft sync` to start one.")
    return state


def continue_sync(
    *, cwd: Path | None = None, progress: ProgressCallback | None = None
) -> SyncReport:
    """Conclude a sync stopped on conflicts, after the user resolved and staged them."""
    repo = vcs.Repo((cwd or Path.cwd()).resolve())
    state = _require_state(repo)
    if state.get("snapshot") is None:
        raise UserError(
            "the sync was interrupted before its merge started.",
            hint="Run `graft sync --abort`, then `graft sync` again.",
        )
    entry = manifest.Entry.from_table(state["name"], state["entry"])
    if repo.merge_head() != state["snapshot"]:
        clear_state(repo)
        head = repo.head()
        if head is None or state["snapshot"] not in repo.parents(head)[1:]:
            raise UserError(
                f"the merge of {state['label']} is no longer in progress "
                "(aborted with git directly).",
                hint="Run `graft sync` to start again.",
            )
        commit = head  # concluded with `git commit`: the staged manifest went with it
    else:
        commit = _conclude(repo, state, entry)
    interrupts.mark_completed(f"the merge commit {commit[:10]}")
    changes = tuple(repo.diff_trees(state["base"], state["snapshot"]))
    steps = [
        SyncStep(
            state["old_revision"],
            entry.revision,
            state["label"],
            "merged",
            upstream_changes=changes,
            kept_deleted=tuple(state.get("kept_deleted", ())),
            snapshot=state["snapshot"],
            commit=commit,
        )
    ]
    findings: tuple[t.Any, ...] = ()
    if state.get("remaining"):
        from .sync import apply, plan_sync

        plan = plan_sync(
            entry.name,
            cwd=repo.root,
            refs=state["remaining"],
            search_path=state.get("search_path") or None,
            progress=progress,
        )
        more = apply(plan)
        steps.extend(s for s in more.steps if s.status != "up-to-date")
        findings = more.findings
    return SyncReport(entry.name, "continue", tuple(steps), findings=findings)


def _conclude(repo: vcs.Repo, state: t.Mapping[str, t.Any], entry: Entry) -> str:
    """Commit the resolved merge, refusing while conflicts or markers remain."""
    left = sorted(repo.unmerged())
    if left:
        raise UserError(
            f"{len(left)} file(s) still have conflicts: {', '.join(left[:5])}.",
            hint="Resolve them, `git add` them, then run `graft sync --continue`.",
        )
    marked = [
        p
        for p in state.get("conflicts", ())
        if (repo.root / p).is_file() and any(m in (repo.root / p).read_bytes() for m in MARKERS)
    ]
    if marked:
        raise UserError(
            f"conflict markers are left in {', '.join(marked[:5])}.",
            hint="Remove them, `git add` the files, then run `graft sync --continue`.",
        )
    record_manifest(repo, state["pyproject"], entry)
    checkpoint("continue-recorded")
    commit = repo.commit_merge(state["message"])
    checkpoint("continue-committed")
    clear_state(repo)
    return commit


def abort_sync(*, cwd: Path | None = None) -> SyncReport:
    """Give up a sync stopped on conflicts: back to exactly the state before it began."""
    repo = vcs.Repo((cwd or Path.cwd()).resolve())
    state = _require_state(repo)
    stopped = state["snapshot"] is not None and repo.merge_head() == state["snapshot"]
    if not stopped and repo.head() not in (state["pre_head"], state.get("merge_from")):
        clear_state(repo)  # never throw away commits made after the merge was concluded
        raise UserError(
            f"the merge of {state['label']} was already concluded; nothing to abort.",
            hint="Undo it with git (revert or reset) if you need to.",
        )
    rollback(repo, state["pre_head"], state.get("branch"))
    interrupts.mark_completed("the abort of the sync")
    return SyncReport(state["name"], "abort")


__all__ = [
    "MARKERS",
    "STATE",
    "abort_sync",
    "clear_state",
    "continue_sync",
    "is_sync_in_progress",
    "read_state",
    "record_manifest",
    "rollback",
    "state_path",
    "write_state",
]
