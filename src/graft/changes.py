"""Your changes to a fork, measured against its pristine snapshot (the merge base).

``graft status`` counts them, ``graft diff`` prints them as a patch, and with
``--upstream`` the same patch is turned back into upstream's names so it can be
sent to the upstream project as a contribution: both sides of every changed file
are rewritten with the reversed maps (``teabag`` back to ``kettle``) and the paths
are moved from the fork's directory to the package directory of the upstream
project. Reading only: the one write is when a pruned snapshot has to be rebuilt,
and then only git objects that no ref points at, exactly as ``graft sync`` does.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
import typing as t
from dataclasses import dataclass
from pathlib import Path

from . import snapshot, sources, state, vcs
from .errors import RewriteError, UserError
from .manifest import manifest_error
from .rewrite.distribution import remove_registration

if t.TYPE_CHECKING:
    from .manifest import Entry
    from .rewrite import Renames

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class Base:
    """The tree-ish a fork's changes are measured against."""

    treeish: str
    """The snapshot commit, or the tree of a rebuilt snapshot."""
    rebuilt: bool = False
    """The snapshot commit was gone (squash and gc): rebuilt from the recorded revision."""
    merging: str | None = None
    """While a sync of the fork is stopped on conflicts: the label of the upstream being
    merged, whose snapshot is then the base (it is the base once the merge is done)."""


@dataclass(frozen=True)
class LocalChanges:
    """The files of a fork that differ from its pristine snapshot."""

    base: Base
    files: tuple[vcs.FileStat, ...]

    @property
    def added(self) -> int:
        """Lines added over all text files."""
        return sum(f.added or 0 for f in self.files)

    @property
    def removed(self) -> int:
        """Lines removed over all text files."""
        return sum(f.removed or 0 for f in self.files)

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "base": self.base.treeish,
            "rebuilt": self.base.rebuilt,
            "merging": self.base.merging,
            "files": [file_dict(f) for f in self.files],
            "lines_added": self.added,
            "lines_removed": self.removed,
        }


def file_dict(stat: vcs.FileStat) -> dict[str, t.Any]:
    """A JSON-ready form of one changed file."""
    return {
        "status": stat.status,
        "path": stat.path,
        "new_path": stat.new_path,
        "added": stat.added,
        "removed": stat.removed,
    }


def pristine_base(
    repo: vcs.Repo, entry: Entry, *, search_path: t.Sequence[str] | None = None
) -> Base:
    """The snapshot to compare with: the recorded commit, or a verified rebuild of it.

    :raises UserError: the commit is gone and the recorded revision cannot be had
        again (SourceError), or rebuilding it gives another tree (ManifestError).
    """
    if (
        repo.has_object(entry.snapshot)
        and repo.resolve(entry.snapshot, "tree") == entry.snapshot_tree
    ):
        old = snapshot.snapshot_prefix(repo, entry.snapshot)
        if old is not None and old != entry.path:  # the fork was moved, and its path updated
            return Base(repo.reroot_tree(f"{entry.snapshot}:{old}", entry.path))
        return Base(entry.snapshot)

    upstream = sources.recorded_upstream(entry, repo.root.resolve(), search_path=search_path)
    rendering = snapshot.build_tree(upstream, entry.maps, entry.path, repo=repo)
    if rendering.tree != entry.snapshot_tree:
        raise manifest_error(
            f"the snapshot commit of {entry.name} is gone and rebuilding it from "
            f"{entry.revision} gives tree {rendering.tree}, not the recorded {entry.snapshot_tree}.",
            hint="Restore the snapshot commit (e.g. from a clone that has it), or fork again.",
        )
    return Base(snapshot.store(repo, rendering), rebuilt=True)


def current_base(
    repo: vcs.Repo, entry: Entry, *, search_path: t.Sequence[str] | None = None
) -> Base:
    """The base to measure changes against now: the snapshot being merged during a stopped
    sync of this fork (what your changes are relative to once it is done), else
    :func:`pristine_base`."""
    stopped = state.stopped_sync(repo)
    if stopped is not None and stopped.name == entry.name and stopped.snapshot is not None:
        return Base(stopped.snapshot, merging=stopped.label)
    return pristine_base(repo, entry, search_path=search_path)


def local_changes(
    repo: vcs.Repo, entry: Entry, base: Base, *, committed: bool = False
) -> LocalChanges:
    """The fork's files that differ from ``base``: in the work tree, or at HEAD if ``committed``.

    Work-tree changes count tracked files only, like ``git diff``; a new file counts
    once it is staged (``git add -N`` is enough).
    """
    stats = vcs.diff_stats(repo, base.treeish, "HEAD" if committed else None, entry.path)
    return LocalChanges(base, tuple(stats))


def fork_patch(repo: vcs.Repo, entry: Entry, base: Base, *, committed: bool = False) -> str:
    """Your changes to the fork as a patch against the snapshot, paths as in the app."""
    return vcs.diff_patch(repo, base.treeish, "HEAD" if committed else None, entry.path)


def upstream_dir(entry: Entry, root: Path, *, search_path: t.Sequence[str] | None = None) -> str:
    """Where the package lives in the upstream project: ``src/OLD``, ``OLD`` or ``""``.

    A single-module upstream (``bottle.py``, forked into ``mybottle/__init__.py``) gives
    the module's path instead, ``OLD.py`` or ``src/OLD.py``: the fork's ``__init__.py``
    goes back to it, and the files beside it to the module's folder.

    Local git and directory sources are looked at, and for an installed distribution
    whether it installed a module or a package; otherwise (a git URL, a distribution no
    longer installed) the project layout is unknown and ``OLD`` is assumed: pass
    ``--upstream-dir`` (or ``git apply --directory=src``) for a ``src`` layout.
    """
    package = entry.package
    candidates = (f"src/{package}", package)
    modules = (f"src/{package}.py", f"{package}.py")
    if entry.source_kind == "git" and "://" not in entry.source:
        location = (root / entry.source).resolve()
        if location.is_dir():
            try:
                source_repo = vcs.Repo(location, search_parents=False)
            except UserError:
                return package
            for candidate in (*candidates, *modules):
                if source_repo.lookup(entry.revision, candidate):
                    return candidate
    elif entry.source_kind == "directory":
        location = (root / entry.source).resolve()
        for candidate in candidates:
            if (location / candidate).is_dir():
                return candidate
        for module in modules:
            if (location / module).is_file():
                return module
        if (location / "__init__.py").is_file():
            return location.name
        if location.suffix == ".py" and location.is_file():
            return location.name
    elif entry.source_kind == "distribution" and _installed_as_module(entry, search_path):
        return f"{package}.py"
    return package


def _installed_as_module(entry: Entry, search_path: t.Sequence[str] | None) -> bool:
    """Whether the installed distribution holds ``package.py`` (one module), not a package."""
    paths = [*(search_path or []), *sources.search_path_from_env(), *sys.path]
    module, prefix = f"{entry.package}.py", f"{entry.package}/"
    for dist in importlib.metadata.distributions(name=entry.source, path=paths):
        names = [str(file) for file in dist.files or ()]
        if module in names:
            return True
        if any(name.startswith(prefix) for name in names):
            return False
    return False


def reverse_renames(entry: Entry) -> Renames:
    """The fork's maps undone (``kettle=teabag`` becomes ``teabag=kettle``)."""
    return snapshot.load_renames(entry.maps).reverse()


def rename_back(data: bytes, path: str, renames: Renames) -> bytes:
    """One file's bytes in upstream's names (Python files only; others are as they are).

    The line graft adds to a vendored package's ``__init__.py`` (it installs the answer
    to distribution lookups) is graft's, not the user's: it is left out.
    """
    if not path.endswith(PYTHON_SUFFIXES):
        return data
    from .rewrite import rewrite_source

    if path.endswith("/__init__.py") or path == "__init__.py":
        data = remove_registration(data)
    result = rewrite_source(data, renames, path=path)
    if result.status == "failed":
        raise RewriteError(
            f"cannot rename {path} back to upstream's names: {result.error}",
            hint="Fix the syntax error in the file, or diff without --upstream.",
        )
    return result.code


def _upstream_path(path: str, entry: Entry, directory: str) -> str:
    """``path`` in the fork at its place upstream; ``directory`` may name a single module."""
    rel = path[len(entry.path) + 1 :] if path.startswith(entry.path + "/") else path
    directory = directory.strip("/")
    if directory.endswith(".py"):
        if rel == sources.MODULE_INIT:
            return directory
        directory = directory.rpartition("/")[0]  # the module's siblings
    return f"{directory}/{rel}" if directory else rel


def upstream_stats(entry: Entry, changes: LocalChanges, directory: str) -> list[vcs.FileStat]:
    """The changed files at upstream's paths (line counts as in the fork: renaming keeps lines)."""
    return [
        vcs.FileStat(
            s.status,
            _upstream_path(s.path, entry, directory),
            None if s.new_path is None else _upstream_path(s.new_path, entry, directory),
            s.added,
            s.removed,
        )
        for s in changes.files
    ]


def upstream_sides(
    repo: vcs.Repo, entry: Entry, changes: LocalChanges, directory: str, *, committed: bool = False
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Both sides of every changed file, renamed back and placed at upstream's paths."""
    renames = reverse_renames(entry)
    old: dict[str, bytes] = {}
    new: dict[str, bytes] = {}
    for stat in changes.files:
        before, after = stat.path, stat.new_path or stat.path
        if stat.status != "A":
            data = repo.read_file(changes.base.treeish, before)
            if data is not None:
                old[_upstream_path(before, entry, directory)] = rename_back(data, before, renames)
        if stat.status != "D":
            data = _current(repo, after, committed)
            if data is not None:
                new[_upstream_path(after, entry, directory)] = rename_back(data, after, renames)
    return old, new


def _current(repo: vcs.Repo, path: str, committed: bool) -> bytes | None:
    if committed:
        return repo.read_file("HEAD", path)
    full = repo.root / path
    if full.is_symlink():
        return os.readlink(full).encode()
    return full.read_bytes() if full.is_file() else None


def upstream_patch(
    repo: vcs.Repo, entry: Entry, changes: LocalChanges, directory: str, *, committed: bool = False
) -> str:
    """The patch of ``changes`` in upstream's names and layout, for ``git apply`` upstream."""
    old, new = upstream_sides(repo, entry, changes, directory, committed=committed)
    return vcs.diff_contents(repo, old, new)


@dataclass(frozen=True)
class PackageDiff:
    """What ``graft diff`` shows for one recorded package."""

    entry: Entry
    local: LocalChanges
    stats: tuple[vcs.FileStat, ...]
    """The changed files, at upstream's paths when ``directory`` is set."""
    patch: str
    directory: str | None = None
    """With ``--upstream``: the package directory in the upstream project."""

    @property
    def label(self) -> str:
        """The upstream revision the changes are measured against (``vial 0.2.0``)."""
        return self.local.base.merging or sources.entry_label(self.entry)

    def to_dict(self, *, with_patch: bool = True) -> dict[str, t.Any]:
        base = self.local.base
        return {
            "name": self.entry.name,
            "base": base.treeish,
            "rebuilt": base.rebuilt,
            "merging": base.merging,
            "upstream": self.directory is not None,
            "directory": self.directory,
            "files": [file_dict(s) for s in self.stats],
            "lines_added": self.local.added,
            "lines_removed": self.local.removed,
            "patch": self.patch if with_patch else None,
        }


def package_diff(
    repo: vcs.Repo,
    entry: Entry,
    *,
    upstream: bool = False,
    directory: str | None = None,
    committed: bool = False,
    search_path: t.Sequence[str] | None = None,
) -> PackageDiff:
    """Your changes to ``entry`` as a patch: in the app's paths, or with ``upstream`` renamed
    back and placed in ``directory`` (default: found by :func:`upstream_dir`)."""
    base = current_base(repo, entry, search_path=search_path)
    local = local_changes(repo, entry, base, committed=committed)
    if not upstream:
        patch = fork_patch(repo, entry, base, committed=committed) if local.files else ""
        return PackageDiff(entry, local, local.files, patch)
    if directory is None:
        directory = upstream_dir(entry, repo.root, search_path=search_path)
    patch = (
        upstream_patch(repo, entry, local, directory, committed=committed) if local.files else ""
    )
    stats = tuple(upstream_stats(entry, local, directory))
    return PackageDiff(entry, local, stats, patch, directory)


__all__ = [
    "Base",
    "LocalChanges",
    "PackageDiff",
    "current_base",
    "file_dict",
    "fork_patch",
    "local_changes",
    "package_diff",
    "pristine_base",
    "rename_back",
    "reverse_renames",
    "upstream_dir",
    "upstream_patch",
    "upstream_sides",
    "upstream_stats",
]
