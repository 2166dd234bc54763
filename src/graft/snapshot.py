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
Determinism is a requirement: rendering one revision twice gives the same tree.
"""

from __future__ import annotations

import os
import tempfile
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from . import vcs
from .errors import RewriteError

if t.TYPE_CHECKING:
    from .rewrite import Renames
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
    pending: t.Mapping[str, bytes] = field(default_factory=dict, repr=False)
    """Bytes by blob id for every file rendered this time (reused blobs are already stored)."""
    cache_updates: t.Mapping[str, str] = field(default_factory=dict, repr=False)
    """raw blob id -> rewritten blob id, learned while rendering."""
    findings: tuple[t.Any, ...] = ()
    """The rewriter's findings (``graft.rewrite.Finding``), with paths in the fork."""
    rewritten: int = 0
    """Files that went through the rewriter this time (the rest were copied or reused)."""


def load_renames(maps: t.Sequence[str]) -> Renames:
    from .rewrite import Renames

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
    progress: bool = False,
) -> Rendering:
    """Rename ``upstream`` with ``maps`` and lay it out at ``prefix``; writes nothing.

    :param repo: where earlier rewrites may be reused from (its cache and objects).
    :raises RewriteError: some file could not be parsed; nothing was changed.
    """
    from .rewrite import rewrite_tree

    renames = load_renames(maps)
    fingerprint = renames.fingerprint()
    roots = [root.encode() for root in sorted(renames.roots)]
    cache = _load_cache(repo, fingerprint)
    files: dict[str, str] = {}
    todo: dict[str, bytes] = {}
    raw_ids: dict[str, str] = {}
    pending: dict[str, bytes] = {}
    hits: dict[str, str] = {}
    for rel, data in sorted(upstream.files.items()):
        raw = vcs.hash_blob(data)
        if not any(root in data for root in roots):
            files[rel] = raw
            pending[raw] = data
        elif _key(raw, rel) in cache:
            files[rel] = hits[rel] = cache[_key(raw, rel)]
        else:
            todo[rel] = data
            raw_ids[rel] = raw
    if repo is not None and hits:
        missing = repo.missing_objects(hits.values())
        for rel, sha in hits.items():
            if sha in missing:  # a stale cache (objects pruned): render the file again
                del files[rel]
                todo[rel] = upstream.files[rel]
                raw_ids[rel] = vcs.hash_blob(todo[rel])
    learned: dict[str, str] = {}
    findings: list[t.Any] = []
    if todo:
        with tempfile.TemporaryDirectory(prefix="graft-render-") as scratch:
            base = Path(scratch)
            real_base = os.path.realpath(base)
            paths = []
            for rel, data in todo.items():
                target = base / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                paths.append(target)
            result = rewrite_tree(paths, renames, write=False, progress=progress)
            failures = []
            for item in result.files:
                rel = Path(os.path.relpath(os.path.realpath(item.path), real_base)).as_posix()
                if item.status == "failed":
                    failures.append(f"{rel}: {item.error}")
                    continue
                data = item.new_bytes if item.status == "changed" and item.new_bytes is not None \
                    else todo[rel]
                sha = vcs.hash_blob(data)
                files[rel] = sha
                learned[_key(raw_ids[rel], rel)] = sha
                pending[sha] = data
                findings.extend(_relocate(f, base, prefix) for f in item.findings)
            for rel in todo:
                if rel not in files and not any(x.startswith(rel + ":") for x in failures):
                    files[rel] = raw_ids[rel]  # the rewriter passed over it
                    pending[raw_ids[rel]] = todo[rel]
                    learned[_key(raw_ids[rel], rel)] = raw_ids[rel]
            if failures:
                raise RewriteError(
                    f"cannot rewrite {len(failures)} file(s) of {upstream.label}: {failures[0]}",
                    hint="Fix or exclude the file upstream; nothing was changed.",
                )
    full = {f"{prefix}/{rel}": sha for rel, sha in sorted(files.items())}
    return Rendering(
        prefix=prefix,
        files=full,
        tree=vcs.hash_tree(full),
        fingerprint=fingerprint,
        pending=pending,
        cache_updates=learned,
        findings=tuple(sorted(findings, key=lambda f: (str(getattr(f, "path", "")),
                                                        getattr(f, "line", 0)))),
        rewritten=len(todo),
    )


def _key(raw: str, rel: str) -> str:
    """Cache key: the raw bytes and the file's suffix (the rewriter treats kinds differently)."""
    return f"{raw}:{Path(rel).suffix}"


def _relocate(finding: t.Any, base: Path, prefix: str) -> t.Any:
    """The finding with its path made relative to the repository root."""
    path = getattr(finding, "path", None)
    if path is None:
        return finding
    rel = Path(os.path.relpath(os.path.realpath(path), os.path.realpath(base))).as_posix()
    if rel.startswith(".."):
        return finding
    import dataclasses

    return dataclasses.replace(finding, path=f"{prefix}/{rel}")


def store(repo: vcs.Repo, rendering: Rendering) -> str:
    """Write the rendering's objects; returns its tree id (checked against the plan)."""
    absent = sorted(repo.missing_objects(rendering.pending))
    if absent:
        with tempfile.TemporaryDirectory(prefix="graft-blobs-") as scratch:
            paths = []
            for i, sha in enumerate(absent):
                path = Path(scratch, str(i))
                path.write_bytes(rendering.pending[sha])
                paths.append(path)
            written = repo.write_blobs(paths)
        if written != absent:
            raise RewriteError("git stored the rendered files under unexpected ids.")
    missing = repo.missing_objects(rendering.files.values())
    if missing:
        raise RewriteError(f"{len(missing)} file(s) of the snapshot are missing from git's "
                           "object database.", hint="Run the command again.")
    tree = repo.write_tree(rendering.files)
    if tree != rendering.tree:
        raise RewriteError(f"git computed tree {tree} for the snapshot, expected {rendering.tree}.")
    return tree


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


__all__ = ["Rendering", "checkpoint", "load_renames", "render", "save_cache", "set_checkpoint_hook",
           "store"]
