"""Renaming an upstream revision into the pristine renamed snapshot of a fork.

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

import dataclasses
import json
import os
import re
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from . import vcs
from .errors import RewriteError, UserError, VcsError
from .rewrite import distribution
from .rewrite.names import Renames
from .rewrite.options import FORK_OPTIONS
from .rewrite.result import Finding

if t.TYPE_CHECKING:
    from .manifest import Entry
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


Found = tuple[int, str, str]
"""A finding of a cached rewrite without its path: (line, kind, message)."""


@dataclass(frozen=True)
class RenamedTree:
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
    cache_updates: t.Mapping[str, tuple[str, tuple[Found, ...]]] = field(
        default_factory=dict, repr=False
    )
    """``raw blob id:suffix`` -> (rewritten blob id, the rewrite's findings), learned while rendering."""
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
    """The rename map of a fork's recorded maps."""
    return Renames.parse(maps)


def fingerprint(maps: t.Sequence[str]) -> str:
    """The rewrite fingerprint of a vendored package rendered with ``maps``.

    Vendored packages are rendered with :data:`graft.rewrite.options.FORK_OPTIONS` (their
    docstrings' code follows the new name); the distribution lookups they answer follow
    from the upstream itself, so they are not part of it.
    """
    return load_renames(maps).fingerprint(FORK_OPTIONS)


def vendored_files(upstream: Upstream, renames: Renames) -> tuple[dict[str, bytes], set[str]]:
    """The upstream's files as the fork holds them before renaming, and those graft wrote.

    The package answers distribution lookups itself (:mod:`graft.rewrite.distribution`):
    its ``__init__.py`` gets the line that installs the answer, and
    ``_graft_distribution.py`` is written from the upstream's metadata, unless the
    upstream brings its own (vial does). The written module is graft's own text and is
    not rewritten.
    """
    files = dict(upstream.files)
    written: set[str] = set()
    if distribution.FILE in files:
        return files, written
    name = renames.rename(upstream.package).partition(".")[0]
    version = upstream.version
    if version is None:
        # A git revision is a commit: a local version label says which one.
        version = f"0+g{upstream.revision[:10]}" if upstream.kind == "git" else upstream.revision
    if version == "unversioned":
        version = "0+unversioned"
    dist = upstream.distribution or upstream.package
    text = distribution.metadata_for(name, version, upstream.metadata)
    files[distribution.FILE] = distribution.module_source(name, name, dist, text)
    written.add(distribution.FILE)
    if "__init__.py" in files:
        files["__init__.py"] = distribution.add_registration(files["__init__.py"])
    return files, written


def rewrite_options(upstream: Upstream, renames: Renames) -> t.Any:
    """:data:`~graft.rewrite.options.FORK_OPTIONS`, with distribution lookups pointed at who answers.

    Decided by the upstream and the maps alone, so a rendering does not depend on what
    is installed where it runs.
    """
    return fork_options(upstream.package, upstream.distribution, renames)


def fork_options(package: str, distribution: str | None, renames: Renames) -> t.Any:
    """:func:`rewrite_options` from the upstream's import name and distribution name alone.

    ``graft check`` renames a fork's files again with these, where the upstream itself is
    not at hand (the distribution name is the one the fork's ``_graft_distribution.py``
    records).
    """
    name = renames.rename(package).partition(".")[0]
    answers = {dist: name for dist in (package, distribution or package)}
    # Every package graft renames to answers for its own name: a fork graft made, and
    # vial (flask=vial in a patched extension), which answers as the Flask API level.
    for root in sorted(renames.roots):
        answers.setdefault(root, renames.rename(root).partition(".")[0])
    return dataclasses.replace(FORK_OPTIONS, distribution_names=tuple(sorted(answers.items())))


def _cache_path(repo: vcs.Repo, fingerprint: str) -> Path:
    safe = fingerprint.replace(":", "-").replace("/", "_")
    return repo.git_dir / "graft" / "rewrite-cache" / safe


def _load_cache(
    repo: vcs.Repo | None, fingerprint: str
) -> dict[str, tuple[str, tuple[Found, ...]]]:
    """``raw blob id:suffix`` -> (rewritten blob id, findings), one line each: ``key id [json]``.

    The findings are kept with the rewrite so that a sync reports the same whether
    or not this repository rewrote the file before (a fresh clone has no cache). A
    line that does not read is ignored: the file is rewritten again.
    """
    if repo is None:
        return {}
    path = _cache_path(repo, fingerprint)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    cache: dict[str, tuple[str, tuple[Found, ...]]] = {}
    for line in text.splitlines():
        parts = line.split(" ", 2)
        if len(parts) < 2:
            continue
        found: tuple[Found, ...] = ()
        if len(parts) == 3:
            try:
                found = tuple((int(a), str(b), str(c)) for a, b, c in json.loads(parts[2]))
            except (ValueError, TypeError):
                continue
        cache[parts[0]] = (parts[1], found)
    return cache


def build_tree(
    upstream: Upstream,
    maps: t.Sequence[str],
    prefix: str,
    *,
    repo: vcs.Repo | None = None,
    progress: ProgressCallback | None = None,
    object_format: str | None = None,
) -> RenamedTree:
    """Rename ``upstream`` with ``maps`` and lay it out at ``prefix``; writes nothing.

    :param repo: where earlier rewrites may be reused from (its cache and objects).
    :param object_format: how ids are computed (``sha1``, ``sha256``); by default
        ``repo``'s format, or sha1 without a repository.
    :raises RewriteError: some file could not be parsed; nothing was changed.
    """
    if object_format is None:
        object_format = repo.object_format if repo is not None else "sha1"
    renames = load_renames(maps)
    print_ = fingerprint(maps)
    options = rewrite_options(upstream, renames)
    upstream_files, written = vendored_files(upstream, renames)
    roots = [root.encode() for root in sorted(renames.roots)]
    folded = [dist.encode() for dist, _ in options.distribution_names]
    cache = _load_cache(repo, print_)
    files: dict[str, str] = {}
    todo: dict[str, bytes] = {}
    raw_ids: dict[str, str] = {}
    pending: dict[str, bytes] = {}
    hits: dict[str, str] = {}
    reused: dict[str, tuple[Found, ...]] = {}
    modes = upstream.modes
    for rel, data in sorted(upstream_files.items()):
        raw = vcs.hash_blob(data, object_format)
        if (
            rel in written
            or modes.get(rel) == vcs.LINK_MODE
            or not (
                any(root in data for root in roots)
                or (folded and any(name in data.lower() for name in folded))
            )
        ):
            # (A symlink's bytes are its target, not code: kept as upstream has it.)
            files[rel] = raw
            pending[raw] = data
        elif (known := cache.get(_key(raw, rel))) is not None:
            files[rel] = hits[rel] = known[0]
            reused[rel] = known[1]
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
                del files[rel], reused[rel]
                todo[rel] = upstream_files[rel]
                raw_ids[rel] = vcs.hash_blob(todo[rel], object_format)
    learned: dict[str, tuple[str, tuple[Found, ...]]] = {}
    findings: list[t.Any] = []
    if reused:
        # A reused rewrite reports what the rewrite reported: the findings do not depend
        # on whether this repository rendered the file before.
        for rel, found in reused.items():
            findings.extend(Finding(f"{prefix}/{rel}", *item) for item in found)
    if todo:
        # Imported here: a sync whose files are all reused needs no parser (libcst).
        from .rewrite import rewrite_items
        from .rewrite.tree import item_module_names

        # In memory, named as in the repository, so findings and errors need no relocating.
        # The whole package's modules, not only those rewritten now: a string naming one
        # is a module path whether or not its file changed in this release.
        modules = item_module_names(f"{prefix}/{rel}" for rel in upstream_files)
        items = [(f"{prefix}/{rel}", data) for rel, data in todo.items()]
        results = rewrite_items(
            items, renames, progress=progress, options=options, known_modules=modules
        )
        failures = []
        for (rel, data), item in zip(todo.items(), results):
            if item.status == "failed":
                failures.append(item.error or f"{prefix}/{rel}")
                continue
            if item.status == "changed" and item.new_bytes is not None:
                data = item.new_bytes
            sha = vcs.hash_blob(data, object_format)
            files[rel] = sha
            learned[_key(raw_ids[rel], rel)] = (
                sha,
                tuple((f.line, f.kind, f.message) for f in item.findings),
            )
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
    return RenamedTree(
        prefix=prefix,
        files=full,
        tree=vcs.hash_tree(full, full_modes, object_format),
        fingerprint=print_,
        modes=full_modes,
        pending=pending,
        cache_updates=learned,
        findings=tuple(
            sorted(
                findings,
                key=lambda f: (
                    str(getattr(f, "path", "")),
                    getattr(f, "line", 0),
                    getattr(f, "kind", ""),
                    getattr(f, "message", ""),
                ),
            )
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


def store(repo: vcs.Repo, rendering: RenamedTree) -> str:
    """Write the rendering's objects; returns its tree id (checked against the plan).

    Renaming looked up what the repository holds, so this writes without looking
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


def save_cache(repo: vcs.Repo, rendering: RenamedTree) -> None:
    """Remember raw -> rewritten blob ids (and findings) so the next sync skips unchanged files."""
    if not rendering.cache_updates:
        return
    path = _cache_path(repo, rendering.fingerprint)
    path.parent.mkdir(parents=True, exist_ok=True)
    cache = _load_cache(repo, rendering.fingerprint)
    cache.update(rendering.cache_updates)
    lines = []
    for raw, (new, found) in sorted(cache.items()):
        extra = (
            " " + json.dumps([list(item) for item in found], separators=(",", ":")) if found else ""
        )
        lines.append(f"{raw} {new}{extra}\n")
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(lines), "utf-8")
    os.replace(tmp, path)


# -- the snapshot commit's message ---------------------------------------------------

_MESSAGE = re.compile(
    r"graft snapshot: (?P<upstream>.*) as (?P<name>\S+)\n\n"
    r"Pristine upstream (?P=upstream), renamed with (?P<maps>.*?), at (?P<path>.*)/\.\n"
    r"Rewrite fingerprint: (?P<fingerprint>.*)\n"
)


@dataclass(frozen=True)
class SnapshotMessage:
    """What a snapshot commit's message records; written and read only here.

    The message is deterministic (rebuilding a snapshot gives the same commit id), and
    later commands read the fork's path back from it (:func:`snapshot_prefix`).
    """

    upstream: str
    """The upstream revision's label (``flask 3.1.3``, ``v2 (abc1234)``)."""
    name: str
    """The fork's import name."""
    maps: tuple[str, ...]
    """The rename maps, as recorded (``flask=myflask``)."""
    path: str
    """The fork's directory in the repository, when the snapshot was made (posix)."""
    fingerprint: str
    """The rewrite fingerprint the snapshot was rendered with."""

    @classmethod
    def for_entry(cls, entry: Entry, upstream: str) -> SnapshotMessage:
        """The message of a snapshot of ``entry`` at the upstream revision labelled ``upstream``."""
        return cls(upstream, entry.name, tuple(entry.maps), entry.path, entry.fingerprint)

    def text(self) -> str:
        """The commit message itself."""
        return (
            f"graft snapshot: {self.upstream} as {self.name}\n\n"
            f"Pristine upstream {self.upstream}, renamed with {', '.join(self.maps)}, "
            f"at {self.path}/.\n"
            f"Rewrite fingerprint: {self.fingerprint}\n"
            "graft sync merges newer snapshots from here; do not edit or rebase it.\n"
        )

    @classmethod
    def parse(cls, text: str) -> SnapshotMessage | None:
        """The record in a commit message :meth:`text` wrote; None for any other message."""
        match = _MESSAGE.match(text)
        if match is None:
            return None
        maps = tuple(item for item in match["maps"].split(", ") if item)
        return cls(match["upstream"], match["name"], maps, match["path"], match["fingerprint"])


def snapshot_message(entry: Entry, upstream: str) -> str:
    """The message of a snapshot commit of ``entry`` (see :class:`SnapshotMessage`)."""
    return SnapshotMessage.for_entry(entry, upstream).text()


def snapshot_prefix(repo: vcs.Repo, snapshot_commit: str) -> str | None:
    """The directory a snapshot commit holds the fork at (the fork's path when it was made).

    Read from the snapshot's own message; None when the commit is not in the
    repository or its message is not a snapshot's.
    """
    if not repo.has_object(snapshot_commit):
        return None
    record = SnapshotMessage.parse(repo.commit_message(snapshot_commit))
    return record.path if record is not None else None


def moved_to(repo: vcs.Repo, entry: Entry, head: str) -> str | None:
    """Where the fork's files are in ``head`` when its recorded path holds none.

    A user who moved the fork folder (``git mv mypk lib/mypk``) without telling graft
    would otherwise see the fork as deleted, and a sync would drop upstream's new
    files. The new place is the directory under which most of the snapshot's files
    are found again (by path inside the fork); None when the fork is where recorded,
    or cannot be found.
    """
    if repo.ls_tree(head, entry.path):
        return None
    old = snapshot_prefix(repo, entry.snapshot)
    if old is None:
        return None
    rels = {path[len(old) + 1 :] for path in repo.ls_tree(entry.snapshot, old)}
    if not rels:
        return None
    counts: dict[str, int] = {}
    for path in repo.ls_tree(head):
        cut = path.find("/")
        while cut != -1:
            if path[cut + 1 :] in rels:
                counts[path[:cut]] = counts.get(path[:cut], 0) + 1
            cut = path.find("/", cut + 1)
    if not counts:
        return None
    best = max(sorted(counts), key=lambda prefix: counts[prefix])
    return best if counts[best] * 2 >= len(rels) else None


def moved_error(entry: Entry, new: str) -> UserError:
    """The refusal for a fork found at ``new`` instead of its recorded path."""
    return UserError(
        f"the fork {entry.name} is not at {entry.path}/ any more (moved to {new}/?).",
        hint=f'Set path = "{new}" in [tool.graft.packages.{entry.name}] and run graft sync again.',
    )


__all__ = [
    "RenamedTree",
    "SnapshotMessage",
    "build_tree",
    "checkpoint",
    "fork_options",
    "load_renames",
    "moved_error",
    "moved_to",
    "save_cache",
    "set_checkpoint_hook",
    "snapshot_message",
    "snapshot_prefix",
    "store",
]
