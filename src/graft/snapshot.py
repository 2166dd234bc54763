"""Rendering an upstream revision into the pristine renamed snapshot of a fork.

``graft fork`` and ``graft sync`` both need the same thing: the upstream files,
renamed with the recorded maps, laid out at the fork's path, as a git tree. The
tree id is computed here without writing anything, so planning and ``--dry-run``
leave the repository untouched; :func:`store` writes the objects when a plan is
applied.

Files are rewritten only when they must be: a file that never mentions an old
top-level name is copied as is, and a file whose raw bytes were rewritten before
under the same settings reuses the earlier result from a small cache in
``.git/graft/``. That keeps a no-op sync of a 1000-file fork well under a second.
Nothing goes through scratch files: the rewriter gets the bytes in memory, and git
gets the new objects on its standard input (the temporary trees cost more
than the rest of a sync with changes, outside the rewrite itself).
Determinism is a requirement: rendering one revision twice gives the same tree.
"""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from . import vcs
from .errors import RewriteError, VcsError

if t.TYPE_CHECKING:
    from .rewrite.names import Renames
    from .rewrite.tree import ProgressCallback
    from .sources import Upstream

_hook: t.Callable[[str], None] | None = None


def set_checkpoint_hook(hook: t.Callable[[str], None] | None) -> None:
    """Install a function called between the steps of fork and sync (tests raise in it)."""
    global _hook
    _hook = hook


def checkpoint(step: str) -> None:
    """Mark a point where an interruption must leave the repository recoverable."""
    if _hook is not None:
        _hook(step)


@dataclass(frozen=True)
class Rendering:
    """A renamed upstream at a path in the repository, as blob ids and one tree id."""

    prefix: str
    """The fork's path, relative to the repository root (posix)."""
    files: t.Mapping[str, str]
    """Blob id by full posix path (``prefix/rel``)."""
    tree: str
    """The tree holding exactly ``files``; what the snapshot commit records."""
    fingerprint: str
    modes: t.Mapping[str, str] = field(default_factory=dict)
    """Modes of the files that are not plain 100644 (executables, symlinks), by full path."""
    pending: t.Mapping[str, bytes] = field(default_factory=dict, repr=False)
    """Bytes by blob id for every file rendered this time (reused blobs are already stored)."""
    cache_updates: t.Mapping[str, str] = field(default_factory=dict, repr=False)
    """``raw blob id:suffix`` -> rewritten blob id, learned while rendering."""
    findings: tuple[t.Any, ...] = ()
    """The rewriter's findings (``graft.rewrite.Finding``), with paths in the fork."""
    rewritten: int = 0
    """Files that went through the rewriter this time (the rest were copied or reused)."""
    unstored: frozenset[str] | None = field(default=None, repr=False)
    """Ids in ``pending`` that the repository may lack: those it lacked when rendered plus
    every newly rewritten one; None when rendered without a repository (unknown)."""
    object_format: str = "sha1"
    """The object format every id here is in: the repository's (``sha1`` or ``sha256``)."""


def load_renames(maps: t.Sequence[str]) -> Renames:
    """The rename map of a fork's recorded maps (imported late: ``graft.rewrite`` is heavy)."""
    from .rewrite.names import Renames

    return Renames.parse(maps)


def _cache_path(repo: vcs.Repo, fingerprint: str) -> Path:
    safe = fingerprint.replace(":", "-").replace("/", "_")
    return repo.git_dir / "graft" / "rewrite-cache" / safe


def _load_cache(repo: vcs.Repo | None, fingerprint: str) -> dict[str, str]:
    if repo is None:
        return {}
    path = _cache_path(repo, fingerprint)
    try:
        lines = path.read_text("ascii").split()
    except OSError:
        return {}
    return dict(zip(lines[::2], lines[1::2]))


def render(
    upstream: Upstream,
    maps: t.Sequence[str],
    prefix: str,
    *,
    repo: vcs.Repo | None = None,
    progress: ProgressCallback | None = None,
    object_format: str | None = None,
) -> Rendering:
    """Rename ``upstream`` with ``maps`` and lay it out at ``prefix``; writes nothing.

    :param repo: where earlier rewrites may be reused from (its cache and objects).
    :param object_format: how ids are computed (``sha1``, ``sha256``); by default
        ``repo``'s format, or sha1 without a repository.
    :raises RewriteError: some file could not be parsed; nothing was changed.
    """
    if object_format is None:
        object_format = repo.object_format if repo is not None else "sha1"
    renames = load_renames(maps)
    fingerprint = renames.fingerprint()
    roots = [root.encode() for root in sorted(renames.roots)]
    cache = _load_cache(repo, fingerprint)
    files: dict[str, str] = {}
    todo: dict[str, bytes] = {}
    raw_ids: dict[str, str] = {}
    pending: dict[str, bytes] = {}
    hits: dict[str, str] = {}
    modes = upstream.modes
    for rel, data in sorted(upstream.files.items()):
        raw = vcs.hash_blob(data, object_format)
        if not any(root in data for root in roots) or modes.get(rel) == vcs.LINK_MODE:
            # (A symlink's bytes are its target, not code: kept as upstream has it.)
            files[rel] = raw
            pending[raw] = data
        elif (known := cache.get(_key(raw, rel))) is not None:
            files[rel] = hits[rel] = known
        else:
            todo[rel] = data
            raw_ids[rel] = raw
    unstored: set[str] | None = None
    if repo is not None:
        # The one existence check of a sync: reused rewrites must still be there, and
        # copied files already stored need not be written again.
        missing = repo.missing_objects([*hits.values(), *pending])
        unstored = missing & pending.keys()
        for rel, sha in hits.items():
            if sha in missing:  # a stale cache (objects pruned): render the file again
                del files[rel]
                todo[rel] = upstream.files[rel]
                raw_ids[rel] = vcs.hash_blob(todo[rel], object_format)
    learned: dict[str, str] = {}
    findings: list[t.Any] = []
    if todo:
        # Imported here: a sync whose files are all reused needs no parser (libcst).
        from .rewrite import rewrite_items

        # In memory, named as in the repository, so findings and errors need no relocating.
        items = [(f"{prefix}/{rel}", data) for rel, data in todo.items()]
        results = rewrite_items(items, renames, progress=progress)
        failures = []
        for (rel, data), item in zip(todo.items(), results):
            if item.status == "failed":
                failures.append(item.error or f"{prefix}/{rel}")
                continue
            if item.status == "changed" and item.new_bytes is not None:
                data = item.new_bytes
            sha = vcs.hash_blob(data, object_format)
            files[rel] = sha
            learned[_key(raw_ids[rel], rel)] = sha
            pending[sha] = data
            if unstored is not None:
                unstored.add(sha)  # not looked up: written again at worst, which git ignores
            findings.extend(item.findings)
        if failures:
            raise RewriteError(
                f"cannot rewrite {len(failures)} file(s) of {upstream.label}: {failures[0]}",
                hint="Fix or exclude the file upstream; nothing was changed.",
            )
    full = {f"{prefix}/{rel}": sha for rel, sha in sorted(files.items())}
    full_modes = {f"{prefix}/{rel}": mode for rel, mode in sorted(modes.items()) if rel in files}
    return Rendering(
        prefix=prefix,
        files=full,
        tree=vcs.hash_tree(full, full_modes, object_format),
        fingerprint=fingerprint,
        modes=full_modes,
        pending=pending,
        cache_updates=learned,
        findings=tuple(
            sorted(findings, key=lambda f: (str(getattr(f, "path", "")), getattr(f, "line", 0)))
        ),
        rewritten=len(todo),
        unstored=frozenset(unstored) if unstored is not None else None,
        object_format=object_format,
    )


def _key(raw: str, rel: str) -> str:
    """Cache key: the raw bytes and the file's suffix (the rewriter treats kinds differently).

    The suffix is ``PurePosixPath(rel).suffix``, spelled out: this runs for every file
    of every sync, and pathlib's parsing was a measurable part of a no-change render.
    """
    name = rel.rpartition("/")[2]
    dot = name.rfind(".")
    suffix = name[dot:] if 0 < dot < len(name) - 1 else ""
    return f"{raw}:{suffix}"


def store(repo: vcs.Repo, rendering: Rendering) -> str:
    """Write the rendering's objects; returns its tree id (checked against the plan).

    Rendering looked up what the repository holds, so this writes without looking
    again: the blobs it may lack in one ``git fast-import`` stream, then every tree in
    one ``git mktree --batch``, which checks that each entry's object exists (trees
    already stored cost nothing). A rendering made without a repository is looked up
    here first.

    :raises RewriteError: an object of the snapshot went missing since it was planned.
    """
    if rendering.object_format != repo.object_format:
        raise RewriteError(
            f"the snapshot was rendered with {rendering.object_format} ids for a "
            f"{repo.object_format} repository."
        )
    trees = vcs.tree_objects(rendering.files, rendering.modes, rendering.object_format)
    if trees[-1].sha != rendering.tree:
        raise RewriteError(
            f"the snapshot's files give tree {trees[-1].sha}, expected {rendering.tree}."
        )
    unstored = rendering.unstored
    if unstored is None:
        unstored = frozenset(repo.missing_objects(rendering.pending))
    absent = sorted(unstored)
    if repo.write_blob_data(rendering.pending[sha] for sha in absent) != absent:
        raise RewriteError("git stored the rendered files under unexpected ids.")
    try:
        repo.write_trees(trees)
    except VcsError as exc:  # a reused rewrite whose blob was pruned since the plan
        raise RewriteError(
            f"some files of the snapshot are missing from git's object database ({exc.message}).",
            hint="Run the command again.",
        ) from None
    return rendering.tree


def save_cache(repo: vcs.Repo, rendering: Rendering) -> None:
    """Remember raw -> rewritten blob ids so the next sync skips unchanged files."""
    if not rendering.cache_updates:
        return
    path = _cache_path(repo, rendering.fingerprint)
    path.parent.mkdir(parents=True, exist_ok=True)
    cache = _load_cache(repo, rendering.fingerprint)
    cache.update(rendering.cache_updates)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(f"{raw} {new}\n" for raw, new in sorted(cache.items())), "ascii")
    os.replace(tmp, path)


__all__ = [
    "Rendering",
    "checkpoint",
    "load_renames",
    "render",
    "save_cache",
    "set_checkpoint_hook",
    "store",
]
