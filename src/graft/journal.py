"""An operation in flight: what a graft command changes, so it can be undone or finished.

``graft fork``, ``patch``, ``sync``, ``sync --continue`` and ``--abort`` record an
:class:`Operation` in ``.git/graft/operation.json`` before their first visible change,
and update it before each further one. It names by identity everything the command
changes: the commit HEAD was at, the commits it moves the branch to, the snapshot
whose merge it starts, a temporary ref. Nothing else is ever touched on the way back:
not a merge git is in that is not the recorded snapshot's, not a branch that moved
to a commit this command did not make, not a file whose bytes are not the ones the
command wrote.

On an error or Ctrl-C the command itself undoes its operation (:func:`restore`).
After a SIGKILL no handler runs, so the next graft command, holding the repository
lock (proof that the recorded process is gone), calls :func:`recover`: an operation
that got past its point of no return (the branch moved to the fork commit, the final
merge commit made, the conflicts of a stopped merge recorded) is completed; any other
is restored. Either way the record is removed and a :class:`Recovery` says what
happened, for the command to tell the user.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import typing as t
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from . import interrupts, lock, state, vcs
from .errors import LockedError, UserError, VcsError

RECORD = "graft/operation.json"
"""The record's place under the work tree's git dir (next to the stopped-sync record)."""

KINDS = ("fork", "patch", "sync", "continue", "abort")


@dataclass(frozen=True)
class Operation:
    """One graft command changing the repository, as recorded before each visible step."""

    kind: str
    """fork, patch, sync, continue or abort."""
    name: str
    """The vendored package it works on."""
    command: str
    """As the user would type it (``graft sync teabag``), for messages."""
    pid: int
    host: str
    pre_head: str
    """HEAD before the command: what restoring goes back to."""
    branch: str | None
    """The branch HEAD was on (None: detached)."""
    target: str | None = None
    """fork/patch: the commit the branch is moved to (its point of no return)."""
    paths: tuple[str, ...] = ()
    """fork/patch: the paths the checkout of ``target`` writes (the fork's directory and
    the manifest), the only files restoring may touch."""
    merge_from: str | None = None
    """sync/continue: HEAD when the current merge started."""
    snapshot: str | None = None
    """sync/continue: the snapshot commit whose merge this command started."""
    final: bool = True
    """sync: the current merge is the last one (its commit is the point of no return)."""
    created: tuple[str, ...] = ()
    """Commits this command moved the branch to so far (a reconnect, earlier steps)."""
    temp_ref: str | None = None
    """A ref this command created for the current merge (the conflict-marker label)."""
    written: tuple[tuple[str, str], ...] = ()
    """Files this command wrote itself, outside git (the manifest), as (path, blob id)."""

    def to_json(self) -> dict[str, t.Any]:
        data = dataclasses.asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data

    @classmethod
    def from_json(cls, data: t.Mapping[str, t.Any]) -> Operation:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        for key in ("paths", "created"):
            values[key] = tuple(values.get(key) or ())
        values["written"] = tuple(tuple(pair) for pair in values.get("written") or ())
        return cls(**values)


@dataclass(frozen=True)
class Recovery:
    """What :func:`recover` did about an operation a killed graft left unfinished."""

    operation: Operation
    outcome: str
    """``completed`` (it had passed its point of no return) or ``restored``."""
    detail: str
    """What is in place now, in words (``the merge commit 1a2b3c4d5e``)."""
    left: tuple[str, ...] = ()
    """What was not graft's to undo and was left as it is (paths, a moved branch)."""

    def describe(self) -> str:
        op = self.operation
        who = f"`{op.command}` (pid {op.pid}) was interrupted"
        if self.outcome == "completed":
            text = f"{who} after its point of no return; completed it: {self.detail}."
        else:
            text = f"{who}; undid it: {self.detail}."
        if self.left:
            text += f" Left as found (not graft's to undo): {', '.join(self.left[:5])}."
        return text


# -- the record -------------------------------------------------------------------------


def record_path(repo: vcs.Repo) -> Path:
    return repo.git_dir / RECORD


def load(repo: vcs.Repo) -> Operation | None:
    """The recorded operation, if any (an unreadable record counts as none)."""
    try:
        return Operation.from_json(json.loads(record_path(repo).read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(repo: vcs.Repo, operation: Operation) -> None:
    """Record ``operation`` (atomically: a reader sees the old record or the new one)."""
    path = record_path(repo)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(operation.to_json(), indent=1, sort_keys=True), "utf-8")
    os.replace(tmp, path)


def clear(repo: vcs.Repo) -> None:
    """The operation is over: forget it (idempotent)."""
    with contextlib.suppress(FileNotFoundError):
        record_path(repo).unlink()


def begin(
    repo: vcs.Repo,
    kind: str,
    name: str,
    command: str,
    *,
    pre_head: str | None = None,
    branch: str | None = None,
    **fields: t.Any,
) -> Operation:
    """Record a new operation of this process before its first visible change.

    ``pre_head`` and ``branch`` default to where HEAD is now (an abort goes back further).
    """
    if pre_head is None:
        pre_head = repo.head()
        branch = repo.branch()
    assert pre_head is not None
    operation = Operation(
        kind, name, command, os.getpid(), lock.host_name(), pre_head, branch, **fields
    )
    save(repo, operation)
    return operation


def update(repo: vcs.Repo, operation: Operation, **changes: t.Any) -> Operation:
    """Record the next step of ``operation`` before taking it."""
    operation = dataclasses.replace(operation, **changes)
    save(repo, operation)
    return operation


# -- undoing ----------------------------------------------------------------------------


def _is_ours(repo: vcs.Repo, operation: Operation, commit: str | None) -> bool:
    """Whether ``commit`` is one this operation made (and so may be taken back)."""
    if commit is None or commit == operation.pre_head:
        return False
    if commit == operation.target or commit in operation.created:
        return True
    # A merge commit made just before the record could name it: known by its parents.
    return (
        operation.kind == "sync"
        and operation.snapshot is not None
        and operation.merge_from is not None
        and repo.parents(commit) == [operation.merge_from, operation.snapshot]
    )


def restore(repo: vcs.Repo, operation: Operation) -> tuple[str, ...]:
    """Undo what ``operation`` changed, verified by identity; returns what was left alone.

    Idempotent: each step checks the state first, so a restore interrupted (or killed)
    half-way is finished by running it again.
    """
    left: list[str] = []
    if operation.temp_ref and operation.snapshot:
        # Deleted only while it still names our snapshot.
        repo.run("update-ref", "-d", operation.temp_ref, operation.snapshot, check=False)
    merging = repo.merge_head()
    if (
        merging is not None
        and merging == operation.snapshot
        and operation.kind in ("sync", "abort")
    ):
        repo.merge_abort()
    left += _undo_writes(repo, operation)
    head = repo.head()
    if _is_ours(repo, operation, head):
        assert head is not None
        repo.checkout_tree(head, operation.pre_head)
        ref = operation.branch or "HEAD"
        args = ["update-ref", "-m", f"graft: undo {operation.command}"]
        if operation.branch is None:
            args.append("--no-deref")
        repo.run(*args, ref, operation.pre_head, head)
    elif head == operation.pre_head and operation.target is not None:
        left += _undo_checkout(repo, operation.pre_head, operation.target, operation.paths)
    elif head != operation.pre_head:
        left.append(f"HEAD, now at {str(head)[:10]}")
    if (
        operation.kind == "sync"
        and merging is None
        and operation.snapshot is not None
        and operation.merge_from is not None
        and repo.head() == operation.pre_head
    ):
        # A merge that failed half-way (a file it could not replace) leaves no merge
        # state to abort, but the files it had written already.
        left += _undo_merge_files(repo, operation)
    recorded = state.load(repo)
    if recorded is not None and operation.kind in ("sync", "abort"):
        if recorded.pre_head == operation.pre_head or recorded.snapshot == operation.snapshot:
            state.clear(repo)
    return tuple(left)


def _undo_checkout(repo: vcs.Repo, before: str, after: str, paths: t.Sequence[str]) -> list[str]:
    """Put back the files a checkout from ``before`` to ``after`` may have written.

    HEAD never moved, but ``git read-tree -m -u`` may have run (whole, or cut by a
    signal). A file is put back only when it holds ``after``'s bytes (graft wrote it);
    the index only when it is exactly ``before``'s or ``after``'s tree.
    """
    left: list[str] = []
    changed = [c for c in repo.diff_trees(before, after) if _under(c.path, paths)]
    names = sorted({c.path for c in changed} | {c.new_path for c in changed if c.new_path})
    old = {p: repo.lookup(before, p) for p in names}
    new = {p: repo.lookup(after, p) for p in names}
    for path in names:
        current = vcs.worktree_blob(repo, path)
        if current == old[path]:
            continue
        if current is not None and current != new[path]:
            left.append(path)
            continue
        full = repo.root / path
        wanted = old[path]
        if wanted is None:
            with contextlib.suppress(FileNotFoundError):
                full.unlink()
            _prune_empty(repo.root, full.parent)
        else:
            full.parent.mkdir(parents=True, exist_ok=True)
            full.write_bytes(repo.read_blob(wanted))
    status, index_tree, _ = repo.run("write-tree", check=False)
    trees = {repo.resolve(before, "tree"), repo.resolve(after, "tree")}
    if status != 0 or index_tree.strip() not in trees:
        left.append("the index")
    else:
        repo.run("read-tree", "--reset", before)
    return left


def _undo_writes(repo: vcs.Repo, operation: Operation) -> list[str]:
    """Put back the files this operation wrote itself, where they still hold its bytes.

    git's merge abort leaves a file it did not merge as it finds it, so the manifest
    graft edited is put back here: to HEAD's version (where the operation started), in
    the work tree and the index.
    """
    left = []
    for path, blob in operation.written:
        current = vcs.worktree_blob(repo, path)
        original = repo.lookup(operation.pre_head, path)
        if current == original:
            continue
        if current != blob:
            left.append(path)
            continue
        full = repo.root / path
        if original is None:
            full.unlink()
        else:
            full.write_bytes(repo.read_blob(original))
        repo.run("reset", "-q", operation.pre_head, "--", path, check=False)
    return left


def _undo_merge_files(repo: vcs.Repo, operation: Operation) -> list[str]:
    """Put back the files a merge of ``operation.snapshot`` that stopped half-way wrote.

    A file is put back to the commit the merge started from only when it holds what
    the merge would have written there: upstream's new bytes, or git's merge of both
    sides (``git merge-tree``); anything else is the user's and stays.
    """
    ours_commit, theirs_commit = operation.merge_from, operation.snapshot
    assert ours_commit is not None and theirs_commit is not None
    prefixes = operation.paths[:1]
    if not prefixes:
        return []
    ours = repo.ls_tree(ours_commit, prefixes[0])
    theirs = repo.ls_tree(theirs_commit, prefixes[0])
    merged: dict[str, str] = {}
    status, out, _ = repo.run(
        "merge-tree", "--write-tree", "--no-messages", ours_commit, theirs_commit, check=False
    )
    if status in (0, 1) and out.strip():
        merged = repo.ls_tree(out.split()[0], prefixes[0])
    left: list[str] = []
    touched = False
    for path in sorted(set(ours) | set(theirs) | set(merged)):
        current = vcs.worktree_blob(repo, path)
        wanted = ours.get(path)
        if current == wanted:
            continue
        wrote = {theirs.get(path), merged.get(path)}
        if current is not None and current not in wrote:
            left.append(path)
            continue
        if current is None and wanted is not None and None not in wrote:
            left.append(path)  # gone, but not by this merge
            continue
        full = repo.root / path
        touched = True
        if wanted is None:
            with contextlib.suppress(FileNotFoundError):
                full.unlink()
            _prune_empty(repo.root, full.parent)
        else:
            full.parent.mkdir(parents=True, exist_ok=True)
            full.write_bytes(repo.read_blob(wanted))
    if touched:
        status, index_tree, _ = repo.run("write-tree", check=False)
        if status != 0 or index_tree.strip() != repo.resolve(ours_commit, "tree"):
            left.append("the index")
    return left


def _under(path: str, prefixes: t.Sequence[str]) -> bool:
    return not prefixes or any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def _prune_empty(root: Path, directory: Path) -> None:
    """Remove ``directory`` and its parents up to ``root`` while they are empty."""
    root = root.resolve()
    here = directory
    while here.resolve() != root and root in here.resolve().parents:
        try:
            here.rmdir()
        except OSError:
            return
        here = here.parent


def undo(repo: vcs.Repo, operation: Operation, cause: BaseException) -> None:
    """Take back what ``operation`` changed after ``cause`` stopped it (Ctrl-C held off).

    If undoing fails too (git's index locked by another process, say), the record stays
    for the next graft command, and the error says both things.
    """
    try:
        with interrupts.deferred():
            restore(repo, operation)
            clear(repo)
    except UserError as failed:
        first = cause.format_message() if isinstance(cause, UserError) else "interrupted"
        raise VcsError(
            f"{first.rstrip('.')}; undoing it failed too: {failed.message}",
            hint=(failed.hint + " " if failed.hint else "")
            + "Then run `graft status`: it finishes undoing it.",
        ) from None


# -- recovering ---------------------------------------------------------------------------


def _completed(repo: vcs.Repo, operation: Operation) -> str | None:
    """What is in place if ``operation`` got past its point of no return, else None."""
    head = repo.head()
    if operation.kind in ("fork", "patch"):
        if head is not None and head == operation.target:
            return f"the {operation.kind} commit {head[:10]}"
        return None
    if operation.kind in ("sync", "continue") and operation.final and operation.snapshot:
        if (
            head is not None
            and operation.merge_from is not None
            and repo.parents(head) == [operation.merge_from, operation.snapshot]
        ):
            return f"the merge commit {head[:10]}"
        recorded = state.load(repo)
        if (
            operation.kind == "sync"
            and recorded is not None
            and recorded.snapshot == operation.snapshot
            and (recorded.conflicts or recorded.reused)
            and repo.merge_head() == operation.snapshot
        ):
            return "the merge, stopped on conflicts (resolve them, then `graft sync --continue`)"
    return None


def _finish(repo: vcs.Repo, operation: Operation, detail: str) -> None:
    """The tail of a completed operation: what the command did after its point of no return."""
    if operation.temp_ref and operation.snapshot:
        repo.run("update-ref", "-d", operation.temp_ref, operation.snapshot, check=False)
    if operation.kind in ("sync", "continue") and detail.startswith("the merge commit"):
        recorded = state.load(repo)
        if recorded is not None and recorded.snapshot == operation.snapshot:
            state.clear(repo)
    if operation.kind in ("fork", "patch"):
        repo.enable_rerere()


def recover(repo: vcs.Repo) -> Recovery | None:
    """Restore or complete the operation a killed graft left; the caller holds the lock.

    :raises VcsError: the record is there but cannot be read (it is left for the user).
    """
    operation = load(repo)
    if operation is None:
        path = record_path(repo)
        if path.exists():
            raise VcsError(
                f"graft's record of an interrupted command, {path}, cannot be read.",
                hint="Check the repository with `git status` and `git log`, then delete the file.",
            )
        return None
    if operation.kind == "continue":
        done = _completed(repo, operation)
        if done is not None:
            _finish(repo, operation, done)
            clear(repo)
            return Recovery(operation, "completed", done)
        clear(repo)  # nothing of a --continue is visible before its commit
        return Recovery(
            operation, "restored", "the sync is still stopped; run `graft sync --continue` again"
        )
    done = None if operation.kind == "abort" else _completed(repo, operation)
    if done is not None:
        _finish(repo, operation, done)
        clear(repo)
        return Recovery(operation, "completed", done)
    left = restore(repo, operation)
    clear(repo)
    detail = (
        "the sync is aborted, back at the commit it started from"
        if operation.kind == "abort"
        else f"the repository is as it was before (HEAD {operation.pre_head[:10]})"
    )
    return Recovery(operation, "restored", detail, left)


@contextlib.contextmanager
def exclusive(repo: vcs.Repo, command: str) -> t.Iterator[Recovery | None]:
    """Hold the repository lock for ``command``, first recovering what a killed graft left.

    :raises graft.errors.LockedError: another graft command holds the lock.
    """
    with lock.acquire(repo.common_dir, command):
        yield recover(repo)


def find_git_dir(start: Path) -> Path | None:
    """The git dir of the work tree holding ``start``, found without running git."""
    here = start.resolve()
    for directory in (here, *here.parents):
        dot_git = directory / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            try:
                text = dot_git.read_text("utf-8").strip()
            except (OSError, UnicodeDecodeError):
                return None
            if text.startswith("gitdir:"):
                target = Path(text[len("gitdir:") :].strip())
                return target if target.is_absolute() else (directory / target)
            return None
    return None


def _common_dir(git_dir: Path) -> Path:
    """The common git dir of a work tree's git dir (itself, but for linked work trees)."""
    try:
        text = (git_dir / "commondir").read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return git_dir
    return Path(text) if Path(text).is_absolute() else git_dir / text


def has_unfinished(start: Path) -> bool:
    """Whether a killed graft may have left something in the work tree holding ``start``.

    Its operation record, or its lock file (free, but left: removing it needs the lock).
    Cheap: a few ``stat`` calls, no git process.
    """
    git_dir = find_git_dir(start)
    if git_dir is None:
        return False
    return (git_dir / PurePosixPath(RECORD)).exists() or lock.lock_path(
        _common_dir(git_dir)
    ).exists()


def recover_at(start: Path) -> Recovery | None:
    """For commands that do not take the lock: recover a killed graft's operation, if any.

    Never waits: when another graft holds the lock, its operation is not unfinished but
    running, and is left to it; so is a lock left from another host.
    """
    if not has_unfinished(start):
        return None
    repo = vcs.Repo(start)
    try:
        with lock.acquire(repo.common_dir, "graft (recovery)"):
            return recover(repo)
    except LockedError:
        return None


__all__ = [
    "KINDS",
    "RECORD",
    "Operation",
    "Recovery",
    "begin",
    "clear",
    "exclusive",
    "find_git_dir",
    "has_unfinished",
    "load",
    "recover",
    "recover_at",
    "restore",
    "save",
    "undo",
    "update",
]
