"""``graft sync``: merge a newer upstream release into a fork with a real ``git merge``.

The new upstream is renamed with the recorded maps and committed as a snapshot
whose parent is the previous snapshot; that commit is merged into the user's
branch, so git's merge base is the previous pristine snapshot and the merge is a
true three-way merge (old upstream renamed, new upstream renamed, your fork).
The manifest moves in the merge commit itself. Conflicts are git's own; the
state needed by ``--continue`` and ``--abort`` is kept in ``.git/graft/``
(:mod:`graft.state`); :func:`continue_sync` and :func:`abort_sync` are here.

:func:`plan_sync` computes a :class:`SyncPlan` and writes nothing; :func:`apply`
performs it. Any error or interruption during :func:`apply` puts the repository
back exactly as it was; a conflict leaves git's ordinary merge state.
"""

from __future__ import annotations

import dataclasses
import os
import re
import typing as t
from dataclasses import dataclass
from pathlib import Path

from . import __version__, interrupts, journal, manifest, snapshot, sources, state, vcs
from .errors import EXIT_CONFLICTS, SourceError, UserError, VcsError
from .report import SyncReport, SyncStep
from .snapshot import moved_error, moved_to, snapshot_message, snapshot_prefix
from .state import SyncState
from .workspace import (
    check_entry,
    check_writable,
    find_pyproject,
    load_entries,
    open_clean_repo,
    reopen_clean_repo,
)

if t.TYPE_CHECKING:
    from .manifest import Entry
    from .rewrite.tree import ProgressCallback
    from .snapshot import RenamedTree
    from .sources import Upstream


@dataclass(frozen=True)
class Target:
    """One upstream revision to merge, rendered."""

    upstream: Upstream
    rendering: RenamedTree
    entry: Entry
    """The entry as it will be recorded after this merge (``snapshot`` set when applied)."""
    changes: tuple[vcs.Change, ...]
    """Upstream's changes since the previous step, as computed from the renderings."""


@dataclass(frozen=True)
class SyncPlan:
    """A sync, decided: which fork, which base, which upstream revisions, in order."""

    root: Path
    head: str
    branch: str | None
    pyproject: str
    entry: Entry
    base: str | None
    """The previous snapshot commit, or None when it must be rebuilt (see ``base_rendering``)."""
    base_rendering: RenamedTree | None
    base_label: str
    relink: bool
    """The base is not reachable from HEAD (squash or rebase): reconnect it before merging."""
    targets: tuple[Target, ...]
    local_changes: tuple[str, ...]
    search_path: tuple[str, ...] = ()
    index: str | None = None
    """The index's stamp when planned, so :func:`apply` need not rerun ``git status``."""
    pyproject_text: str = ""
    """The manifest file as planned (graft edits it in the work tree, outside git's merge)."""
    notes: tuple[str, ...] = ()
    """What a dry run wants the user to know (a dirty work tree the real sync refuses)."""
    reroot: str | None = None
    """Where the base snapshot holds the fork, when the user moved it since (its recorded
    path was updated): the base is then re-rooted at the new path first, so git sees no rename."""
    queue: tuple[str, ...] = ()
    """In a run over several packages: those to sync after this one (kept if it stops)."""
    queue_step: bool = False
    """Whether that run merges each release in between."""

    @property
    def is_up_to_date(self) -> bool:
        return not self.targets


# -- planning ---------------------------------------------------------------------


def _changes(old: t.Mapping[str, str], new: t.Mapping[str, str]) -> tuple[vcs.Change, ...]:
    changes = [vcs.Change("D", p) for p in old if p not in new]
    changes += [vcs.Change("A", p) for p in new if p not in old]
    changes += [vcs.Change("M", p) for p in new if p in old and old[p] != new[p]]
    return tuple(sorted(changes, key=lambda c: c.path))


def plan_sync(
    name: str | None = None,
    *,
    cwd: Path | None = None,
    ref: str | None = None,
    source: str | None = None,
    step: bool = False,
    search_path: t.Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    refs: t.Sequence[str] | None = None,
    dry_run: bool = False,
) -> SyncPlan:
    """Decide what a sync of fork ``name`` does; writes nothing.

    :param step: merge each release (git tag) between the recorded and the target revision.
    :param refs: explicit revisions to merge in order (used by ``--continue`` for the
        steps left); overrides ``ref`` and ``step``.
    :param dry_run: only to be rendered: a dirty work tree is noted, not refused, so the plan
        can still be shown.
    :raises UserError: a precondition failed (dirty tree, unknown fork, missing source...).
    """
    cwd = (cwd or Path.cwd()).resolve()
    repo = vcs.Repo(cwd)
    recorded = state.load(repo)
    if recorded is not None:
        if recorded.is_merging(repo):
            raise UserError(
                f"a sync of {recorded.name} is in progress.",
                hint="Run `graft sync --continue` or `graft sync --abort`.",
            )
        state.clear(repo)  # a merge finished or aborted by git itself: nothing left to do
    notes: list[str] = []
    repo = open_clean_repo(cwd, notes=notes if dry_run else None, what="sync")
    index = repo.index_stamp()
    head = repo.head()
    if head is None:
        raise VcsError("the repository has no commits yet.")
    root = repo.root.resolve()
    pyproject, text = find_pyproject(repo, cwd)
    if not text and not (root / pyproject).exists():
        raise manifest.manifest_error(
            "no pyproject.toml here: nothing is recorded (run graft fork first)."
        )
    entry = manifest.parse_manifest(text).select(name)
    check_entry(repo, entry, head)
    if not dry_run:
        check_writable(repo, pyproject)
    moved = moved_to(repo, entry, head)
    if moved is not None:
        raise moved_error(entry, moved)

    plans: list[str | None]
    if refs is not None:
        plans = list(refs)
    else:
        plans = [ref]
    requested = plans[0]
    first = sources.locate_upstream(
        entry, root, ref=requested, source=source, cwd=cwd, search_path=search_path
    )
    if (
        refs is None
        and not step
        and first.revision == entry.revision
        and first.tree == entry.upstream_tree
        and first.source == entry.source
        and _same_settings(entry)
    ):
        return SyncPlan(
            root,
            head,
            repo.branch(),
            pyproject,
            entry,
            entry.snapshot,
            None,
            first.label,
            False,
            (),
            (),
            tuple(search_path or ()),
            index,
            text,
            tuple(notes),
        )
    _refuse_downgrade(repo, entry, first, root)
    first = sources.distinguish(first, entry.revision, entry.upstream_tree)
    if refs is None and step and first.kind == "git":
        between = sources.releases_between(
            first.source, root=root, since=entry.revision, until=first.revision
        )
        if between and repo_resolve_equal(between[-1], first):
            plans = list(between)
        else:
            plans = [*between, first.ref or first.revision]

    # The base: the recorded snapshot, or a rebuild of it checked against the recorded tree.
    base: str | None = entry.snapshot
    base_rendering = None
    base_label = sources.entry_label(entry, first)
    if repo.resolve(entry.snapshot, "tree") != entry.snapshot_tree:  # None: no such commit
        old = sources.recorded_upstream(entry, root, search_path=search_path)
        base_rendering = snapshot.build_tree(
            old, entry.maps, entry.path, repo=repo, progress=progress
        )
        if base_rendering.tree != entry.snapshot_tree:
            raise manifest.manifest_error(
                f"rebuilding the snapshot of {entry.name} at {entry.revision} gives tree "
                f"{base_rendering.tree}, not the recorded {entry.snapshot_tree}.",
                hint="The rewrite settings or engine changed; re-fork or restore the snapshot commit.",
            )
        base = None
    relink = base is None or not repo.is_ancestor(base, head)
    reroot = None
    if base is not None:
        old_prefix = snapshot_prefix(repo, base)
        if old_prefix is not None and old_prefix != entry.path:
            reroot, relink = old_prefix, True
    base_files: t.Mapping[str, str]
    if reroot is not None:
        # The fork moved (and its path was updated): the base is the snapshot at the new
        # path, so git merges file by file instead of seeing the whole tree renamed.
        base_files = {
            f"{entry.path}{p[len(reroot) :]}": sha
            for p, sha in repo.ls_tree(t.cast(str, base), reroot).items()
        }
    else:
        base_files = (
            base_rendering.files
            if base_rendering is not None
            else repo.ls_tree(t.cast(str, base), entry.path)
        )
    ours = repo.ls_tree(head, entry.path)
    local = tuple(
        sorted(p for p in set(base_files) | set(ours) if base_files.get(p) != ours.get(p))
    )

    targets: list[Target] = []
    previous = base_files
    current = entry
    for i, target_ref in enumerate(plans):
        same = (i == 0 and target_ref == requested) or (
            first.ref is not None and target_ref == first.ref
        )
        upstream = (
            first
            if same
            else sources.locate_upstream(
                entry, root, ref=target_ref, source=source, cwd=cwd, search_path=search_path
            )
        )
        rendering = snapshot.build_tree(
            upstream, entry.maps, entry.path, repo=repo, progress=progress
        )
        if rendering.tree == current.snapshot_tree and upstream.revision == current.revision:
            continue
        current = current.replace(
            source=upstream.source,
            source_kind=upstream.kind,
            revision=upstream.revision,
            ref=upstream.ref,
            upstream_tree=upstream.tree,
            fingerprint=rendering.fingerprint,
            snapshot="",
            snapshot_tree=rendering.tree,
            graft_version=__version__,
        )
        targets.append(Target(upstream, rendering, current, _changes(previous, rendering.files)))
        previous = rendering.files
    return SyncPlan(
        root,
        head,
        repo.branch(),
        pyproject,
        entry,
        base,
        base_rendering,
        base_label,
        relink,
        tuple(targets),
        local,
        tuple(search_path or ()),
        index,
        text,
        tuple(notes),
        reroot,
    )


def _version_key(version: str) -> tuple[int, ...] | None:
    parts = version.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None


def _refuse_downgrade(repo: vcs.Repo, entry: Entry, upstream: Upstream, root: Path) -> None:
    """A sync moves forward: merging an older upstream would revert upstream's fixes."""
    older = False
    source_repo: vcs.Repo | None = None
    if upstream.kind == "git" and entry.source_kind == "git" and upstream.source == entry.source:
        if upstream.revision != entry.revision:
            location = upstream.source
            if "://" not in location and not location.startswith("git@"):
                location = os.fspath((root / location).resolve())
            source_repo = sources.open_git(location)
            older = source_repo.is_ancestor(upstream.revision, entry.revision)
    else:
        new, old = _version_key(upstream.revision), _version_key(entry.revision)
        older = new is not None and old is not None and new < old
    if older:
        shown_old, shown_new = entry.revision[:10], upstream.revision[:10]
        if source_repo is not None:  # tags say more than commit ids
            shown_old = _tag_name(source_repo, entry.revision) or shown_old
            shown_new = _tag_name(source_repo, upstream.revision) or shown_new
        raise SourceError(
            f"the sync would downgrade {entry.package} from {shown_old} to {shown_new}.",
            hint="Point the sync at a newer revision (--ref, --search-path), or fork again.",
        )


def _tag_name(repo: vcs.Repo, commit: str) -> str | None:
    """The newest tag pointing at ``commit``, if any."""
    tags = repo.tags_at(commit)
    return tags[-1] if tags else None


def _same_settings(entry: Entry) -> bool:
    """Whether rendering now would use the recorded rewrite settings.

    The same graft release and the same maps give the same fingerprint, so a no-op sync
    need not import the rewrite engine (libcst costs more than the rest of the check).
    """
    if entry.graft_version == __version__:
        return True
    return snapshot.fingerprint(entry.maps) == entry.fingerprint


def repo_resolve_equal(tag: str, upstream: Upstream) -> bool:
    """Whether the last release tag is the target itself (so it is not merged twice)."""
    return upstream.ref == tag


# -- applying ---------------------------------------------------------------------


def _merge_message(entry: Entry, old_label: str, new_label: str, snap: str, base: str) -> str:
    return (
        f"graft sync {entry.name}: {old_label} -> {new_label}\n\n"
        f"Merges the pristine renamed snapshot of {new_label} ({snap[:10]}) into "
        f"{entry.path}/; merge base: the snapshot of {old_label} ({base[:10]}).\n"
        f"Records the new revision under [tool.graft.packages.{entry.name}].\n"
    )


def apply(plan: SyncPlan) -> SyncReport:
    """Perform the plan: one merge commit per target, stopping at the first conflict.

    Holds the repository lock. On conflicts the repository is in git's merge state (exit
    code 3 in the CLI) and ``.git/graft/sync.json`` remembers what ``--continue`` and
    ``--abort`` need. On any other error or interruption exactly what this sync changed
    is taken back (:mod:`graft.journal`): the merge it started, the commits it moved
    the branch to; a process killed meanwhile leaves that to the next graft command.
    """
    entry = plan.entry
    if plan.is_up_to_date:
        step = SyncStep(entry.revision, entry.revision, plan.base_label, "up-to-date")
        return SyncReport(entry.name, "sync", (step,))
    command = f"graft sync {entry.name}"
    with journal.exclusive(vcs.Repo(plan.root), command):
        repo = reopen_clean_repo(
            plan.root, plan.head, plan.index, plan.pyproject, plan.pyproject_text, what="sync"
        )
        steps: list[SyncStep] = []
        findings: list[t.Any] = []
        operation = journal.begin(
            repo,
            "sync",
            entry.name,
            command,
            pre_head=plan.head,  # where reopen_clean_repo just found HEAD
            branch=repo.branch(),
            merge_from=plan.head,
            final=False,
            paths=(entry.path, plan.pyproject),
        )
        try:
            base = plan.base
            current = plan.head
            snapshot.checkpoint("planned")
            if base is None:
                assert plan.base_rendering is not None
                tree = snapshot.store(repo, plan.base_rendering)
                base = repo.commit_tree(
                    tree, [], snapshot_message(entry, plan.base_label), snapshot=True
                )
            if plan.reroot is not None:
                # By graft's fixed identity and date: the same move gives the same commit.
                tree = repo.reroot_tree(f"{base}:{plan.reroot}", entry.path)
                base = repo.commit_tree(
                    tree,
                    [base],
                    snapshot_message(entry, plan.base_label)
                    + f"Re-rooted from {plan.reroot}/, where the fork was when this snapshot "
                    "was made.\n",
                    snapshot=True,
                )
            if plan.relink:
                link = _reconnect(repo, plan, base)
                operation = journal.update(repo, operation, created=(link,), merge_from=link)
                repo.move_head(plan.head, link, f"graft sync: reconnect {entry.name}")
                current = link
                snapshot.checkpoint("relinked")
            old_label = plan.base_label
            for index, target in enumerate(plan.targets):
                step, operation = _merge_one(
                    repo,
                    plan,
                    target,
                    base,
                    old_label,
                    index,
                    current,
                    operation,
                    regenerated=plan.base_rendering is not None and index == 0,
                    relinked=plan.relink and index == 0,
                )
                steps.append(step)
                findings.extend(_new_findings(target))
                if step.status == "conflicts":
                    break
                base, old_label = t.cast(str, step.snapshot), target.upstream.label
                current = t.cast(str, step.commit)
        except BaseException as exc:
            latest = journal.load(repo)  # the record as of the last step taken
            if latest is not None:  # not complete: its record is still there
                journal.undo(repo, latest, exc)
            raise
        for target in plan.targets[: len(steps)]:
            snapshot.save_cache(repo, target.rendering)
    return SyncReport(
        entry.name, "sync", tuple(steps), findings=_unique(findings), queue=plan.queue
    )


def _reconnect(repo: vcs.Repo, plan: SyncPlan, base: str) -> str:
    """The commit that makes ``base`` an ancestor again: HEAD's tree, parents HEAD and base."""
    entry = plan.entry
    head_tree = t.cast(str, repo.resolve(plan.head, "tree"))
    return repo.commit_tree(
        head_tree,
        [plan.head, base],
        f"graft: reconnect the upstream snapshot of {entry.name}\n\n"
        + (
            f"The snapshot of {plan.base_label} ({base[:10]}) is no longer in this history "
            "(squash or rebase); "
            if plan.reroot is None
            else f"The fork moved from {plan.reroot}/ to {entry.path}/; the snapshot of "
            f"{plan.base_label} re-rooted there ({base[:10]}) is the base now; "
        )
        + "this commit changes no file and makes it the merge base again.\n",
    )


def _completed_text(step: SyncStep) -> str:
    """What a sync step left in place, for "Interrupted while reporting; ... was completed."."""
    if step.status == "conflicts":
        return "the merge, stopped on conflicts"
    return f"the merge commit {(step.commit or '')[:10]}"


def _merge_one(
    repo: vcs.Repo,
    plan: SyncPlan,
    target: Target,
    base: str,
    old_label: str,
    index: int,
    current: str,
    operation: journal.Operation,
    *,
    regenerated: bool,
    relinked: bool,
) -> tuple[SyncStep, journal.Operation]:
    """Store the target's snapshot and merge it into ``current`` (HEAD now)."""
    label = target.upstream.label
    tree = snapshot.store(repo, target.rendering)
    snap = repo.commit_tree(tree, [base], snapshot_message(target.entry, label), snapshot=True)
    entry = target.entry.replace(snapshot=snap)
    message = _merge_message(entry, old_label, label, snap, base)
    changes = tuple(repo.diff_trees(base, snap))
    snapshot.checkpoint("snapshot")
    remaining = [t_.upstream.ref or t_.upstream.revision for t_ in plan.targets[index + 1 :]]
    final = index == len(plan.targets) - 1
    recorded = SyncState(
        name=entry.name,
        pre_head=plan.head,
        branch=plan.branch,
        label=label,
        merge_from=current,
        snapshot=snap,
        base=base,
        message=message,
        entry=entry,
        pyproject=plan.pyproject,
        old_label=old_label,
        old_revision=plan.targets[index - 1].entry.revision if index else plan.entry.revision,
        remaining=tuple(remaining),
        search_path=tuple(plan.search_path),
        regenerated=regenerated,
        relinked=relinked,
        queue=plan.queue,
        queue_step=plan.queue_step,
    )
    marker = _marker_label(target.upstream)
    operation = journal.update(
        repo,
        operation,
        merge_from=current,
        snapshot=snap,
        final=final,
        temp_ref=f"refs/graft/{marker}",
    )
    snapshot.checkpoint("state")
    repo.enable_rerere()  # unless the user chose: so a plain `git commit` records resolutions
    merged = repo.merge(snap, message, label=marker)
    snapshot.checkpoint("merged")
    operation = record_manifest(repo, plan.pyproject, entry, operation)
    unmerged = repo.unmerged()
    kept = sorted(p for p, stages in unmerged.items() if 2 not in stages and 3 in stages)
    repo.unstage_deleted(kept)
    conflicts = tuple(sorted(p for p in unmerged if p not in kept))
    snapshot.checkpoint("recorded")
    common = dict(
        old_revision=recorded.old_revision,
        new_revision=entry.revision,
        upstream=label,
        upstream_changes=changes,
        local_changes=plan.local_changes if index == 0 else (),
        kept_deleted=tuple(kept),
        snapshot=snap,
        regenerated=regenerated,
        relinked=relinked,
    )
    reused = tuple(p for p in merged.reused if p not in conflicts)
    if conflicts or reused:
        # A resolution rerere replayed is still a conflict: the user reviews it and
        # concludes with --continue, never a merge commit made behind their back.
        step = SyncStep(status="conflicts", conflicts=conflicts, reused=reused, **common)  # type: ignore[arg-type]
        with interrupts.deferred():
            # The stopped merge is this command's result once its record is written.
            state.save(
                repo,
                dataclasses.replace(
                    recorded,
                    conflicts=tuple(sorted({*conflicts, *reused})),
                    kept_deleted=tuple(kept),
                    reused=reused,
                ),
            )
            interrupts.mark_completed(_completed_text(step), EXIT_CONFLICTS)
            journal.clear(repo)
        return step, operation
    if not final:
        commit = repo.commit_merge(message)
        snapshot.checkpoint("committed")
        operation = journal.update(
            repo, operation, created=(*operation.created, commit), temp_ref=None, written=()
        )
        return SyncStep(status="merged", commit=commit, **common), operation  # type: ignore[arg-type]
    with interrupts.deferred():
        # The point of no return: the last merge commit. A Ctrl-C from here on cuts only
        # the report.
        commit = repo.commit_merge(message)
        step = SyncStep(status="merged", commit=commit, **common)  # type: ignore[arg-type]
        interrupts.mark_completed(_completed_text(step))
        state.clear(repo)
        journal.clear(repo)
    snapshot.checkpoint("committed")
    return step, operation


def _marker_label(upstream: Upstream) -> str:
    """How conflict markers name upstream's side: ``kettle-v2.0-upstream-snapshot``.

    (A ref name, so no spaces: git takes the marker label from the name it merges.)
    """
    version = upstream.ref or (
        upstream.revision[:10]
        if upstream.kind == "git"
        else upstream.revision + upstream.label_suffix
    )
    name = re.sub(r"[^A-Za-z0-9._+-]+", "-", f"{upstream.package}-{version}").strip("-.")
    return f"{name.replace('..', '.')}-upstream-snapshot"


def sync(
    name: str | None = None,
    *,
    cwd: Path | None = None,
    ref: str | None = None,
    source: str | None = None,
    step: bool = False,
    search_path: t.Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    refs: t.Sequence[str] | None = None,
    dry_run: bool = False,
) -> SyncReport:
    """Plan and (unless ``dry_run``) apply a sync; the parameters are those of :func:`plan_sync`.

    A real sync holds the repository lock from planning to the end, so no other graft
    command can move HEAD in between; a dry run, which changes nothing, takes none.
    """

    def plan() -> SyncPlan:
        return plan_sync(
            name, cwd=cwd, ref=ref, source=source, step=step, search_path=search_path,
            progress=progress, refs=refs, dry_run=dry_run,
        )  # fmt: skip

    if dry_run:
        return report_plan(plan())
    command = f"graft sync {name}" if name else "graft sync"
    with journal.exclusive(vcs.Repo((cwd or Path.cwd()).resolve()), command):
        return apply(plan())


def sync_order(entries: t.Sequence[Entry]) -> tuple[Entry, ...]:
    """The order in which a run over several packages syncs them.

    Forks first, since other packages are renamed to them; then the patched packages.
    A package whose maps rename to another recorded package comes after that one; ties
    go by name, so the order is the same on every run and machine.
    """
    names = {entry.name for entry in entries}

    def needs(entry: Entry) -> set[str]:
        targets = {m.partition("=")[2].partition(".")[0] for m in entry.maps}
        return (targets & names) - {entry.name}

    left = sorted(entries, key=lambda e: (e.kind != "fork", e.name))
    done: list[Entry] = []
    while left:
        synced = {entry.name for entry in done}
        # A cycle of maps cannot be ordered: it is broken at the first package left.
        ready = next((e for e in left if needs(e) <= synced), left[0])
        done.append(ready)
        left.remove(ready)
    return tuple(done)


def recorded_order(*, cwd: Path | None = None) -> tuple[str, ...]:
    """The names of every recorded package, in :func:`sync_order`.

    :raises ManifestError: nothing is recorded.
    """
    root = (cwd or Path.cwd()).resolve()
    return tuple(e.name for e in sync_order(load_entries(vcs.Repo(root), root)))


def sync_all(
    names: t.Sequence[str] | None = None,
    *,
    cwd: Path | None = None,
    step: bool = False,
    search_path: t.Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    dry_run: bool = False,
) -> tuple[SyncReport, ...]:
    """Sync every recorded package (or ``names``, in that order), one after the other.

    The order is :func:`sync_order`'s. Each package's sync is the one :func:`sync` does
    (one merge commit per release); the run stops at the first conflict, whose stopped
    state remembers the packages left so that ``graft sync --continue`` syncs them. The
    lock is held for the whole run. A dry run plans every package against the current
    HEAD and changes nothing.
    """
    root = (cwd or Path.cwd()).resolve()
    order = tuple(names) if names is not None else recorded_order(cwd=root)

    def plan(name: str) -> SyncPlan:
        return plan_sync(
            name, cwd=root, step=step, search_path=search_path, progress=progress,
            dry_run=dry_run,
        )  # fmt: skip

    if dry_run:
        return tuple(report_plan(plan(name)) for name in order)
    reports: list[SyncReport] = []
    with journal.exclusive(vcs.Repo(root), "graft sync --all"):
        for index, name in enumerate(order):
            planned = dataclasses.replace(plan(name), queue=order[index + 1 :], queue_step=step)
            reports.append(apply(planned))
            if reports[-1].status == "conflicts":
                break
    return tuple(reports)


def report_plan(plan: SyncPlan) -> SyncReport:
    """The report of a plan that is not applied (``--dry-run``)."""
    entry = plan.entry
    if plan.is_up_to_date:
        return SyncReport(
            entry.name,
            "sync",
            (SyncStep(entry.revision, entry.revision, plan.base_label, "up-to-date"),),
            True,
            notes=plan.notes,
        )
    steps = []
    old = entry.revision
    for i, target in enumerate(plan.targets):
        touched = {c.path for c in target.changes}
        steps.append(
            SyncStep(
                old,
                target.entry.revision,
                target.upstream.label,
                "planned",
                upstream_changes=target.changes,
                local_changes=plan.local_changes if i == 0 else (),
                overlapping=tuple(sorted(touched & set(plan.local_changes))),
                regenerated=plan.base_rendering is not None and i == 0,
                relinked=plan.relink and i == 0,
            )
        )
        old = target.entry.revision
    findings = _unique(f for target in plan.targets for f in _new_findings(target))
    return SyncReport(entry.name, "sync", tuple(steps), True, findings, notes=plan.notes)


def _new_findings(target: Target) -> list[t.Any]:
    """The findings in the files this release changes, added or renames.

    The others were reported when they came in. Which files changed follows from the
    renderings alone, and a rendering's findings do not depend on the rewrite cache,
    so a fresh clone reports exactly what the repository that forked reports.
    """
    changed = {c.new_path or c.path for c in target.changes if c.status != "D"}
    return [f for f in target.rendering.findings if getattr(f, "path", None) in changed]


def _unique(findings: t.Iterable[t.Any]) -> tuple[t.Any, ...]:
    """Findings once each: a file rendered for several releases reports the same string."""
    return tuple(dict.fromkeys(findings))


# -- stopping and resuming ---------------------------------------------------------

MARKERS = (b"<<<<<<< ", b">>>>>>> ")
"""Conflict markers ``--continue`` refuses to record."""


@t.overload
def record_manifest(
    repo: vcs.Repo, pyproject: str, entry: Entry, operation: journal.Operation
) -> journal.Operation: ...


@t.overload
def record_manifest(
    repo: vcs.Repo, pyproject: str, entry: Entry, operation: None = None
) -> None: ...


def record_manifest(
    repo: vcs.Repo, pyproject: str, entry: Entry, operation: journal.Operation | None = None
) -> journal.Operation | None:
    """Write the entry into the work tree's pyproject.toml and stage it (part of the merge).

    With ``operation``, what is written is recorded there first, so that undoing the
    sync can tell the manifest graft wrote from one the user edited since; returns the
    updated record.

    :raises ManifestError: the file cannot be written (the caller takes the merge back).
    """
    path = repo.root / pyproject
    try:
        text = path.read_bytes().decode("utf-8") if path.exists() else ""
        data = manifest.set_entry(text, entry).encode("utf-8")
        if operation is not None:
            written = (pyproject, vcs.hash_blob(data, repo.object_format))
            operation = journal.update(repo, operation, written=(written,))
        path.write_bytes(data)
    except OSError as exc:
        raise manifest.manifest_error(
            f"cannot write {pyproject} ({exc.strerror}); graft records the sync in it.",
            hint=f"Make it writable (chmod u+w {pyproject}, or chattr -i {pyproject}) and retry.",
        ) from None
    repo.stage([pyproject])
    return operation


# -- --continue and --abort ---------------------------------------------------------


def _require_state(repo: vcs.Repo) -> SyncState:
    recorded = state.load(repo)
    if recorded is None:
        raise UserError("no graft sync is in progress.", hint="Run `graft sync` to start one.")
    return recorded


def continue_sync(
    *, cwd: Path | None = None, progress: ProgressCallback | None = None
) -> SyncReport:
    """Conclude a sync stopped on conflicts, after the user resolved and staged them.

    Refuses, changing nothing, unless the stopped merge really is this sync's: git is
    merging the recorded snapshot, and the index holds that merge (upstream's changes
    that git merged without conflict are staged). Holds the repository lock.
    """
    repo = vcs.Repo((cwd or Path.cwd()).resolve())
    with journal.exclusive(repo, "graft sync --continue"):
        stopped = _require_state(repo)
        if stopped.snapshot is None or stopped.entry is None or stopped.base is None:
            raise UserError(
                "the sync was interrupted before its merge started.",
                hint="Run `graft sync --abort`, then `graft sync` again.",
            )
        entry = stopped.entry
        if not stopped.is_merging(repo):
            head = repo.head()
            if head is None or stopped.snapshot not in repo.parents(head)[1:]:
                state.clear(repo)
                raise UserError(
                    f"the merge of {stopped.label} is no longer in progress "
                    "(aborted with git directly); nothing was recorded.",
                    hint="Run `graft sync` to start again.",
                )
            commit = head  # concluded with `git commit`: the staged manifest went with it
            state.clear(repo)
        else:
            commit = _conclude(repo, stopped, entry)
        changes = tuple(repo.diff_trees(stopped.base, stopped.snapshot))
        steps = [
            SyncStep(
                stopped.old_revision,
                entry.revision,
                stopped.label,
                "merged",
                upstream_changes=changes,
                kept_deleted=stopped.kept_deleted,
                snapshot=stopped.snapshot,
                commit=commit,
            )
        ]
        findings: tuple[t.Any, ...] = ()
        if stopped.remaining:
            plan = plan_sync(
                entry.name,
                cwd=repo.root,
                refs=stopped.remaining,
                search_path=stopped.search_path or None,
                progress=progress,
            )
            plan = dataclasses.replace(plan, queue=stopped.queue, queue_step=stopped.queue_step)
            more = apply(plan)
            steps.extend(s for s in more.steps if s.status != "up-to-date")
            findings = more.findings
    return SyncReport(entry.name, "continue", tuple(steps), findings=findings, queue=stopped.queue)


def continue_run(
    *, cwd: Path | None = None, progress: ProgressCallback | None = None
) -> tuple[SyncReport, ...]:
    """:func:`continue_sync`, then the packages a stopped ``graft sync --all`` had still to
    sync, in its order (stopping again at the next conflict). Holds the lock throughout."""
    repo = vcs.Repo((cwd or Path.cwd()).resolve())
    with journal.exclusive(repo, "graft sync --continue"):
        stopped = state.load(repo)
        first = continue_sync(cwd=repo.root, progress=progress)
        if first.status == "conflicts" or not first.queue or stopped is None:
            return (first,)
        rest = sync_all(
            first.queue,
            cwd=repo.root,
            step=stopped.queue_step,
            search_path=stopped.search_path or None,
            progress=progress,
        )
        return (first, *rest)


def _conclude(repo: vcs.Repo, stopped: SyncState, entry: Entry) -> str:
    """Commit the resolved merge, refusing while conflicts or markers remain."""
    left = sorted(repo.unmerged())
    if left:
        raise UserError(
            f"{len(left)} file(s) still have conflicts: {', '.join(left[:5])}.",
            hint="Resolve them, `git add` them, then run `graft sync --continue`.",
        )
    if not stopped.index_holds_merge(repo):
        raise UserError(
            f"git is merging {stopped.label}, but the index does not hold that merge: none of "
            "upstream's changes that merged without conflict are staged (the merge failed "
            "or was undone); nothing was recorded.",
            hint="Run `graft sync --abort`, then `graft sync` again.",
        )
    marked = [
        p
        for p in stopped.conflicts
        if (repo.root / p).is_file() and any(m in (repo.root / p).read_bytes() for m in MARKERS)
    ]
    if marked:
        raise UserError(
            f"conflict markers are left in {', '.join(marked[:5])}.",
            hint="Remove them, `git add` the files, then run `graft sync --continue`.",
        )
    head = repo.head()
    assert head is not None and stopped.snapshot is not None
    journal.begin(
        repo,
        "continue",
        entry.name,
        "graft sync --continue",
        merge_from=head,
        snapshot=stopped.snapshot,
    )
    try:
        record_manifest(repo, stopped.pyproject, entry)
        snapshot.checkpoint("continue-recorded")
        with interrupts.deferred():
            # The point of no return: the merge commit. A Ctrl-C from here on cuts only
            # the report.
            commit = repo.commit_merge(stopped.message)
            interrupts.mark_completed(f"the merge commit {commit[:10]}")
            state.clear(repo)
            journal.clear(repo)
    except BaseException:
        if repo.head() == head:  # nothing of the continue is visible before its commit
            journal.clear(repo)
        raise
    snapshot.checkpoint("continue-committed")
    return commit


def abort_sync(*, cwd: Path | None = None) -> SyncReport:
    """Give up a sync stopped on conflicts: back to exactly the state before it began.

    Only what the sync made is taken back, by identity: the merge git is in if it is the
    recorded snapshot's, and the branch if it is at a commit the sync made (a reconnect
    commit, an earlier ``--step`` merge). Holds the repository lock.
    """
    repo = vcs.Repo((cwd or Path.cwd()).resolve())
    with journal.exclusive(repo, "graft sync --abort"):
        stopped = _require_state(repo)
        merging = stopped.snapshot is not None and stopped.is_merging(repo)
        head = repo.head()
        if not merging and head not in (stopped.pre_head, stopped.merge_from):
            state.clear(repo)  # never throw away commits made after the merge was concluded
            raise UserError(
                f"the merge of {stopped.label} was already concluded; nothing to abort.",
                hint="Undo it with git (revert or reset) if you need to.",
            )
        created = (head,) if head is not None and head != stopped.pre_head else ()
        operation = journal.begin(
            repo,
            "abort",
            stopped.name,
            "graft sync --abort",
            pre_head=stopped.pre_head,
            branch=stopped.branch,
            snapshot=stopped.snapshot,
            created=created,
        )
        with interrupts.deferred():
            journal.restore(repo, operation)
            state.clear(repo)
            interrupts.mark_completed("the abort of the sync")
            journal.clear(repo)
    notes: tuple[str, ...] = ()
    if stopped.queue:
        notes = (
            f"not synced: {', '.join(stopped.queue)}, the rest of the run over several "
            f"packages; the packages it merged before {stopped.name} stay merged "
            "(`graft sync --all` syncs what is still behind).",
        )
    return SyncReport(stopped.name, "abort", notes=notes)


__all__ = [
    "SyncPlan",
    "Target",
    "abort_sync",
    "apply",
    "continue_run",
    "continue_sync",
    "plan_sync",
    "recorded_order",
    "report_plan",
    "record_manifest",
    "sync",
    "sync_all",
    "sync_order",
]
