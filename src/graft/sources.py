"""Where an upstream package comes from, and which of its files a fork copies.

Four kinds of source give the same thing, an :class:`Upstream`: the package's
raw files (bytes, keyed by their path inside the fork directory) plus the
revision they belong to. ``bundled`` is the vial framework shipped with graft;
``distribution`` an installed distribution or import name (files through
``importlib.metadata``, optionally from another search path, so a test or a
user can point at a ``pip install --target`` directory); ``directory`` a
package directory or a project root; ``git`` a repository path or URL at a ref.
A new kind of source touches only this module.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import re
import sys
import typing as t
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from . import vcs
from .bundled import BUNDLED, BUNDLED_DISTRIBUTION
from .distinfo import (
    VERSION_MODULES,
    from_directory,
    from_package_files,
    from_project_files,
    same_folder_duplicates,
)
from .errors import SourceError, VcsError

if t.TYPE_CHECKING:
    from .manifest import Entry

SKIP_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn", ".mypy_cache", ".pytest_cache"})
SKIP_SUFFIXES = (".pyc", ".pyo")
COMPILED_SUFFIXES = (".so", ".pyd")
NOT_PACKAGES = frozenset(
    {
        "tests",
        "test",
        "testing",
        "docs",
        "doc",
        "examples",
        "example",
        "benchmarks",
        "scripts",
        "tools",
        "build",
        "dist",
    }
)
LICENCE_RE = re.compile(r"^(licen[cs]e|copying|notice|authors)([.-].*)?$", re.IGNORECASE)
SEARCH_PATH_ENV = "GRAFT_SEARCH_PATH"
"""Extra directories (``os.pathsep``-separated) searched for distributions before sys.path."""
CACHE_ENV = "GRAFT_CACHE_DIR"
MODULE_INIT = "__init__.py"
"""Where a single-module upstream (``flask_httpauth.py``) goes: the vendored package's init,
so ``import flask_httpauth`` behaves the same (the layout ``graft patch`` vendors)."""


@dataclass(frozen=True)
class Upstream:
    """One revision of an upstream package, with its raw files in memory."""

    kind: str
    """bundled | distribution | directory | git"""
    source: str
    """How the manifest names the source (relative paths are relative to the repo root)."""
    package: str
    """The import name upstream."""
    revision: str
    """A version, or a commit id for git sources."""
    ref: str | None = None
    files: t.Mapping[str, bytes] = field(default_factory=dict, compare=False, repr=False)
    """Raw bytes by posix path relative to the package directory (licences at its top)."""
    modes: t.Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """git modes of the files that are not plain (``100755`` executable, ``120000`` symlink,
    whose bytes are the link target), by the same paths as ``files``: a fork keeps them as they are."""
    label_suffix: str = field(default="", compare=False)
    """Appended to :attr:`label`: ``+digest`` when the version number alone would not tell
    this revision from the recorded one (see :func:`distinguish`)."""
    distribution: str | None = field(default=None, compare=False)
    """The upstream's distribution name (``attrs`` for ``attr``, ``Flask``), when known."""
    metadata: str | None = field(default=None, compare=False, repr=False)
    """Its ``METADATA``/``PKG-INFO`` text, when the source ships one: what the fork answers
    ``importlib.metadata`` lookups with (:mod:`graft.rewrite.distribution`)."""
    version: str | None = field(default=None, compare=False)
    """The release version, when known (for git sources :attr:`revision` is a commit)."""

    @property
    def label(self) -> str:
        """How messages name this revision: ``flask 3.0.3`` or ``upstream v2 (1a2b3c4d5e)``."""
        if self.kind == "git":
            shown = f"{self.ref} ({self.revision[:10]})" if self.ref else self.revision[:10]
            return f"{self.package} {shown}"
        return f"{self.package} {self.revision}{self.label_suffix}"

    @property
    def tree(self) -> str:
        """The git tree id of the raw files: a content digest needing no repository."""
        ids = self.files.blob_ids() if isinstance(self.files, _GitFiles) else None
        if ids is None:
            ids = {path: vcs.hash_blob(data) for path, data in self.files.items()}
        return vcs.hash_tree(ids, self.modes)


class _GitFiles(t.Mapping[str, bytes]):
    """A git source's files by path, their bytes read from the repository when first wanted.

    A sync that finds nothing new needs the files' ids (for the digest, :attr:`Upstream.tree`)
    and a version module, not every file's bytes; the first access to any other file reads
    all those not read yet, in one ``git cat-file``.
    """

    def __init__(
        self, repo: vcs.Repo, ids: t.Mapping[str, str], read: t.Mapping[str, bytes]
    ) -> None:
        self._repo = repo
        self._ids = dict(ids)
        self._data = dict(read)

    def __getitem__(self, path: str) -> bytes:
        data = self._data.get(path)
        if data is None:
            if path not in self._ids:
                raise KeyError(path)
            missing = {p: sha for p, sha in self._ids.items() if p not in self._data}
            blobs = self._repo.read_blobs(missing.values())
            self._data.update((p, blobs[sha]) for p, sha in missing.items())
            data = self._data[path]
        return data

    def __iter__(self) -> t.Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, path: object) -> bool:
        return path in self._ids

    def blob_ids(self) -> dict[str, str] | None:
        """The files' blob ids as :func:`graft.vcs.hash_blob` gives them, if git has them.

        Those of a sha1 repository; a sha256 one names its blobs otherwise.
        """
        return dict(self._ids) if self._repo.object_format == "sha1" else None


def same_version_changed(upstream: Upstream, revision: str, tree: str) -> bool:
    """Whether ``upstream`` has the recorded version number but other files.

    Editable installs and development builds change without a new version; only a
    content digest tells such revisions apart.
    """
    return upstream.kind != "git" and upstream.revision == revision and upstream.tree != tree


def distinguish(upstream: Upstream, revision: str, tree: str) -> Upstream:
    """``upstream``, labelled ``vial 0.1.0+964bcdb9df`` if it is the recorded version with other files."""
    if same_version_changed(upstream, revision, tree):
        return replace(upstream, label_suffix=f"+{upstream.tree[:10]}")
    return upstream


def search_path_from_env() -> list[str]:
    value = os.environ.get(SEARCH_PATH_ENV, "")
    return [part for part in value.split(os.pathsep) if part]


def console_scripts(
    upstream: Upstream, search_path: t.Sequence[str] | None = None
) -> dict[str, str]:
    """The upstream's own console scripts that run its package: ``{"vial": "vial.cli:main"}``.

    Read from the installed distribution's entry points, so only bundled and distribution
    sources have any; a directory or git source gives an empty mapping.
    """
    if upstream.kind == "bundled":
        name = BUNDLED_DISTRIBUTION
    elif upstream.kind == "distribution":
        name = upstream.source
    else:
        return {}
    paths = [*(search_path or []), *search_path_from_env(), *sys.path]
    for dist in importlib.metadata.distributions(name=name, path=paths):
        return {
            point.name: point.value
            for point in dist.entry_points
            if point.group == "console_scripts"
            and re.match(rf"{re.escape(upstream.package)}(\.|:|$)", point.value)
        }
    return {}


def _looks_like_url(source: str) -> bool:
    return "://" in source or bool(re.match(r"^[\w.-]+@[\w.-]+:", source))


def _looks_like_path(source: str) -> bool:
    return (
        os.sep in source or "/" in source or source.startswith((".", "~")) or os.path.isabs(source)
    )


def locate(
    source: str,
    *,
    root: Path,
    cwd: Path | None = None,
    ref: str | None = None,
    package: str | None = None,
    search_path: t.Sequence[str] | None = None,
    kind: str | None = None,
) -> Upstream:
    """Find ``source`` and read the package from it; raises SourceError with a fix.

    :param root: the app's repository root; recorded local paths are relative to it.
    :param cwd: where a path given on the command line is relative to (default ``root``).
    :param kind: force a kind (as recorded in the manifest) instead of guessing.
    """
    cwd = cwd or root
    if kind is None:
        kind = _guess_kind(source, cwd, search_path)
    if kind == "bundled":
        return _check_ref(_bundled(source, package), ref)
    if kind == "distribution":
        return _check_ref(_distribution(source, package, search_path), ref)
    path = source
    if kind in ("directory", "git") and not _looks_like_url(source):
        full = (cwd / os.path.expanduser(source)).resolve()
        path = os.fspath(full)
        source = _record_path(full, root)
    if kind == "directory":
        return _check_ref(_directory(Path(path), source, package), ref)
    if kind == "git":
        return _git(path, source, ref, package)
    raise SourceError(f"unknown source kind {kind!r}.")


def _check_ref(upstream: Upstream, ref: str | None) -> Upstream:
    """Refuse ``--ref`` on a source that has one version only.

    Such a source cannot go to another revision, and silently forking or syncing
    what is there instead of what was asked for is the worst outcome. Naming the
    version that is there is allowed.
    """
    if ref is None or ref == upstream.revision:
        return upstream
    what = {
        "bundled": "graft's bundled framework",
        "distribution": "an installed distribution",
        "directory": "a directory",
    }[upstream.kind]
    if upstream.kind == "distribution":
        hint = f"Install the version you want (pip install {upstream.source}=={ref}) or pass a git repository."
    elif upstream.kind == "directory":
        hint = "Put the version you want in the directory, or pass a git repository."
    else:
        hint = "Pass a git repository or a directory holding the version you want."
    raise SourceError(
        f"--ref applies to git sources only; {upstream.source} is {what} at {upstream.revision}.",
        hint=hint,
    )


def _guess_kind(source: str, cwd: Path, search_path: t.Sequence[str] | None) -> str:
    if _looks_like_url(source):
        return "git"
    if not _looks_like_path(source):
        if source == BUNDLED:
            return "bundled"
        if _find_distribution(source, search_path) is not None:
            return "distribution"
    path = cwd / os.path.expanduser(source)
    if path.is_dir():
        return "git" if vcs.is_repository_root(path) else "directory"
    raise SourceError(
        f"unknown source {source!r}: not an installed distribution or import name, "
        "not a directory, not a git URL.",
        hint="Install it, or give a path or git URL.",
    )


def _record_path(path: Path, root: Path) -> str:
    try:
        return PurePosixPath(Path(os.path.relpath(path, root))).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


# -- reading a package directory ---------------------------------------------


def read_package_dir(directory: Path, modes: dict[str, str] | None = None) -> dict[str, bytes]:
    """Every file a fork copies from a package directory; refuses compiled extensions.

    :param modes: when given, filled as :attr:`Upstream.modes`: a symlink (to a file or a
        directory) is kept as a link, its bytes the target, and executables are marked.
    """
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(directory):
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and d not in links)
        for name in sorted([*filenames, *(links if modes is not None else ())]):
            full = Path(dirpath, name)
            rel = full.relative_to(directory).as_posix()
            _check_file(rel)
            if name.endswith(SKIP_SUFFIXES):
                continue
            if modes is not None and full.is_symlink():
                files[rel] = os.fsencode(os.readlink(full))
                modes[rel] = vcs.LINK_MODE
                continue
            files[rel] = full.read_bytes()
            if modes is not None and full.stat().st_mode & 0o100:
                modes[rel] = vcs.EXEC_MODE
    return files


def _check_file(rel: str) -> None:
    name = rel.rsplit("/", 1)[-1]
    if name.endswith(COMPILED_SUFFIXES) or ".cpython-" in name:
        if name.endswith(SKIP_SUFFIXES):
            return
        raise SourceError(
            f"the package contains a compiled extension module ({rel}); graft can only fork "
            "pure-Python packages.",
            hint="Fork a pure-Python build of it, or keep depending on it.",
        )


def _add_licences(files: dict[str, bytes], licences: t.Iterable[tuple[str, bytes]]) -> None:
    for name, data in licences:
        files.setdefault(name, data)


def _find_package(top: Path, package: str | None, what: str) -> Path:
    """The package directory in a project root (``src/OLD`` or ``OLD``), or top itself."""
    if package is None and (top / "__init__.py").is_file():
        return top
    if package is not None:
        for candidate in (top / "src" / package, top / package):
            if candidate.is_dir():
                return candidate
        if top.name == package and top.is_dir():
            return top
        raise SourceError(
            f"no package {package!r} in {what} (looked for src/{package} and {package}/).",
            hint="Check --package.",
        )
    found = [
        d
        for base in (top / "src", top)
        if base.is_dir()
        for d in sorted(base.iterdir())
        if d.is_dir() and (d / "__init__.py").is_file() and d.name not in NOT_PACKAGES
    ]
    if len(found) == 1:
        return found[0]
    if not found:
        raise SourceError(
            f"no Python package found in {what}.",
            hint="Give the package directory itself, or --package NAME.",
        )
    names = ", ".join(sorted({d.name for d in found}))
    raise SourceError(f"several packages in {what} ({names}).", hint="Choose one with --package.")


NOT_MODULES = frozenset({"setup", "conftest", "noxfile", "fabfile", "tasks", "manage", "docs"})
"""Top-level scripts of a project that are not its importable module."""


def _is_lone_module_name(stem: str) -> bool:
    return (
        stem.isidentifier()
        and stem not in NOT_MODULES
        and stem not in NOT_PACKAGES
        and not stem.startswith(("_", "test_"))
    )


def _find_module(top: Path, package: str | None) -> Path | None:
    """A single-module project (``src/OLD.py`` or ``OLD.py``) when no package directory exists.

    Without ``package``: the lone module of a project root that holds no package (an
    extension that is one ``flask_hello.py``), as for installed distributions.
    """
    if package is None:
        if (top / "__init__.py").is_file():
            return None
        bases = [base for base in (top / "src", top) if base.is_dir()]
        if any(
            (d / "__init__.py").is_file() and d.name not in NOT_PACKAGES
            for base in bases
            for d in base.iterdir()
            if d.is_dir()
        ):
            return None
        lone = [
            p
            for base in bases
            for p in sorted(base.glob("*.py"))
            if p.is_file() and _is_lone_module_name(p.stem)
        ]
        return lone[0] if len(lone) == 1 else None
    for candidate in (top / "src" / package, top / package):
        if candidate.is_dir():
            return None
    for candidate in (top / "src" / f"{package}.py", top / f"{package}.py"):
        if candidate.is_file():
            return candidate
    return None


# -- the four kinds ----------------------------------------------------------


def _bundled(source: str, package: str | None) -> Upstream:
    spec = importlib.util.find_spec(BUNDLED)
    if spec is None or not spec.submodule_search_locations:
        raise SourceError(
            f"the bundled {BUNDLED} framework is not installed.",
            hint=f"Install {BUNDLED_DISTRIBUTION} (pip install {BUNDLED_DISTRIBUTION}).",
        )
    directory = Path(next(iter(spec.submodule_search_locations)))
    files = read_package_dir(directory)
    version = from_package_files(files).version or importlib.metadata.version(BUNDLED_DISTRIBUTION)
    return Upstream("bundled", BUNDLED, BUNDLED, version, None, files)


def _find_distribution(
    name: str, search_path: t.Sequence[str] | None
) -> tuple[importlib.metadata.Distribution, str | None] | None:
    """A distribution by distribution name or import name, searching ``search_path`` first."""
    paths = [*(search_path or []), *search_path_from_env()]
    for where in ([paths] if paths else []) + [None]:
        kwargs: dict[str, t.Any] = {} if where is None else {"path": where}
        dists = list(importlib.metadata.distributions(name=name, **kwargs))
        if dists:
            return only_installation(dists, name), None
        providing = [d for d in importlib.metadata.distributions(**kwargs) if name in _top_level(d)]
        if providing:
            first = providing[0].metadata["Name"] or ""
            same = [d for d in providing if _normal(d.metadata["Name"] or "") == _normal(first)]
            return only_installation(same, name), name
    return None


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def only_installation(
    dists: list[importlib.metadata.Distribution], name: str
) -> importlib.metadata.Distribution:
    """The first of a distribution's installations on the search path, unless its folder holds two.

    Two ``*.dist-info`` of one distribution in one folder (``pip install --target`` leaves
    the old one on upgrade) make the choice a matter of file-system order: refused, with
    both named.
    """
    twins = same_folder_duplicates(dists)
    if len(twins) > 1:
        folder = Path(str(twins[0].locate_file("")))
        listed = ", ".join(sorted(f"{d.metadata['Name']} {d.version}" for d in twins))
        raise SourceError(
            f"{folder} holds {len(twins)} installations of {name} ({listed}); "
            "graft cannot tell which one is meant.",
            hint="Remove the stale one (pip leaves it behind when upgrading with --target), then retry.",
        )
    return dists[0]


def _top_level(dist: importlib.metadata.Distribution) -> set[str]:
    text = dist.read_text("top_level.txt")
    if text:
        return {line.strip() for line in text.splitlines() if line.strip()}
    return {
        PurePosixPath(str(f)).parts[0]
        for f in dist.files or ()
        if len(PurePosixPath(str(f)).parts) > 1
        and str(f).endswith("/__init__.py")
        and not str(f).startswith("..")
    } or _editable_top_level(dist)


def _editable_top_level(dist: importlib.metadata.Distribution) -> set[str]:
    """The packages an editable install exposes through the directories its ``.pth`` adds.

    Its RECORD lists only the ``.pth`` file, and the import name need not match the
    distribution name (``vial-web`` provides ``vial``), so the directories are looked into.
    """
    names: set[str] = set()
    for record in dist.files or ():
        if not str(record).endswith(".pth") or len(PurePosixPath(str(record)).parts) != 1:
            continue
        try:
            lines = Path(str(dist.locate_file(record))).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            line = line.strip()
            # Lines starting with "import" are executed by site.py, not added to sys.path.
            if not line or line.startswith(("#", "import ", "import\t")):
                continue
            root = Path(line)
            if root.is_dir():
                names.update(
                    child.name
                    for child in root.iterdir()
                    if child.name.isidentifier() and (child / "__init__.py").is_file()
                )
    return names


def _distribution(
    source: str, package: str | None, search_path: t.Sequence[str] | None
) -> Upstream:
    found = _find_distribution(source, search_path)
    if found is None:
        raise SourceError(
            f"no installed distribution or import name {source!r}.",
            hint=f"Install it, or add its site directory to ${SEARCH_PATH_ENV}.",
        )
    dist, import_name = found
    dist_name = dist.metadata["Name"] or source
    package = package or import_name
    if package is None:
        tops = sorted(n for n in _top_level(dist) if not n.startswith("_") and n.isidentifier())
        normal = re.sub(r"[-_.]+", "_", dist_name).lower()
        if normal in tops or (not tops and not search_path and _import_location(normal)):
            package = normal
        elif len(tops) == 1:
            package = tops[0]
        else:
            raise SourceError(
                f"{dist_name} provides several packages ({', '.join(tops) or 'none'}).",
                hint="Choose one with --package.",
            )
    files: dict[str, bytes] = {}
    licences: list[tuple[str, bytes]] = []
    prefix = package + "/"
    for record in dist.files or ():
        name = str(record).replace(os.sep, "/")
        if name.startswith(prefix):
            rel = name[len(prefix) :]
            if any(part in SKIP_DIRS for part in rel.split("/")):
                continue
            _check_file(rel)
            if rel.endswith(SKIP_SUFFIXES):
                continue
            files[rel] = Path(str(dist.locate_file(record))).read_bytes()
        elif ".dist-info/" in name and LICENCE_RE.match(name.rsplit("/", 1)[-1]):
            licences.append(
                (name.rsplit("/", 1)[-1], Path(str(dist.locate_file(record))).read_bytes())
            )
    # An editable install's RECORD lists a .pth and, at most, data files copied into the
    # site directory (hatchling's force-include): the package is read where it is imported from.
    is_editable = any(
        str(record).endswith(".pth") and len(PurePosixPath(str(record)).parts) == 1
        for record in dist.files or ()
    )
    if is_editable and "__init__.py" not in files:
        files = {}
    if not files:
        located = Path(str(dist.locate_file(package)))
        module = Path(str(dist.locate_file(f"{package}.py")))
        editable = _import_location(package) if not search_path else None
        if located.is_dir() and not (is_editable and editable is not None):
            files = read_package_dir(located)
        elif module.is_file():
            files = {MODULE_INIT: module.read_bytes()}
        elif editable is not None:  # an editable install: RECORD lists a .pth, not the files
            files = read_package_dir(editable)
        else:
            raise SourceError(
                f"distribution {dist_name} has no package {package!r}.", hint="Check --package."
            )
    _add_licences(files, sorted(licences))
    metadata = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
    return Upstream(
        "distribution",
        dist_name,
        package,
        dist.version,
        None,
        files,
        distribution=dist_name,
        metadata=metadata,
        version=dist.version,
    )


def _import_location(package: str) -> Path | None:
    """The directory ``import package`` would load, without importing it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _directory(path: Path, source: str, package: str | None) -> Upstream:
    modes: dict[str, str] = {}
    if not path.is_dir():
        raise SourceError(f"source directory {source} does not exist.")
    module = _find_module(path, package)
    project_root: Path | None
    if module is not None:
        package_dir, project_root = module, path
        files = {MODULE_INIT: module.read_bytes()}
    else:
        package_dir = _find_package(path, package, f"directory {source}")
        project_root = None if package_dir == path else path
        files = read_package_dir(package_dir, modes)
    if project_root is not None:
        _add_licences(
            files,
            sorted(
                (p.name, p.read_bytes())
                for p in project_root.iterdir()
                if p.is_file() and LICENCE_RE.match(p.name)
            ),
        )
    info = from_directory(package_dir, project_root)
    version = info.version or "unversioned"
    name = package_dir.stem if module is not None else package_dir.name
    return Upstream(
        "directory",
        source,
        name,
        version,
        None,
        files,
        modes,
        distribution=info.name,
        metadata=info.metadata,
        version=info.version,
    )


def open_git(location: str) -> vcs.Repo:
    """The repository behind a git source: a local path, or a cached mirror of a URL."""
    if _looks_like_url(location):
        cache = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "graft") / "git"
        key = hashlib.sha1(location.encode(), usedforsecurity=False).hexdigest()[:16]
        return vcs.mirror(location, cache / key)
    return vcs.Repo(location, search_parents=False)


def _git(location: str, source: str, ref: str | None, package: str | None) -> Upstream:
    try:
        repo = open_git(location)
    except SourceError:
        raise
    except VcsError as exc:
        raise SourceError(
            f"cannot open git source {source}: {exc.message}", hint=exc.hint
        ) from None
    except Exception as exc:
        raise SourceError(f"cannot open git source {source}: {exc}") from None
    commit = repo.resolve(ref or "HEAD")
    if commit is None:
        raise SourceError(
            f"unknown ref {ref or 'HEAD'!r} in git source {source}.",
            hint=f"Known tags: {', '.join(repo.tags()[-5:]) or 'none'}.",
        )
    all_modes: dict[str, str] = {}
    everything = repo.ls_tree(commit, modes=all_modes)
    import_name, directory = _git_package(everything, package, source)
    prefix = "" if directory == "" else directory + "/"
    chosen: dict[str, str] = {}
    if directory.endswith(".py"):  # a single-module project: the module becomes the package
        chosen[MODULE_INIT] = everything[directory]
        prefix = "/"  # nothing else is under it; licences are still added below
    for path, sha in everything.items():
        if not path.startswith(prefix):
            continue
        rel = path[len(prefix) :]
        if any(part in SKIP_DIRS for part in rel.split("/")):
            continue
        _check_file(rel)
        if not rel.endswith(SKIP_SUFFIXES):
            chosen[rel] = sha
    licences = {
        p: s for p, s in everything.items() if prefix and "/" not in p and LICENCE_RE.match(p)
    }
    ids = dict(chosen)
    for path, sha in sorted(licences.items()):
        ids.setdefault(path, sha)  # a file of the package wins over a licence of that name
    modes = {rel: all_modes[prefix + rel] for rel in chosen if prefix + rel in all_modes}
    project = {
        p: s for p, s in everything.items() if p in ("PKG-INFO", "pyproject.toml", "setup.cfg")
    }
    # Read now only what states the version; the other files when first wanted.
    early = [name for name in (*VERSION_MODULES, "__init__.py") if name in ids]
    blobs = repo.read_blobs([*project.values(), *(ids[name] for name in early)])
    files = _GitFiles(repo, ids, {name: blobs[ids[name]] for name in early})
    info = from_project_files({p: blobs[s] for p, s in project.items()}).merged(
        from_package_files(files)
    )
    return Upstream(
        "git",
        source,
        import_name,
        commit,
        ref,
        files,
        modes,
        distribution=info.name,
        metadata=info.metadata,
        version=info.version,
    )


def _git_package(
    everything: t.Mapping[str, str], package: str | None, source: str
) -> tuple[str, str]:
    """(import name, directory in the tree) of the package in a git source."""
    dirs = {p.rsplit("/", 1)[0] for p in everything if p.endswith("/__init__.py")}
    if package is not None:
        for candidate in (f"src/{package}", package):
            if candidate in dirs or any(p.startswith(candidate + "/") for p in everything):
                return package, candidate
        for candidate in (f"src/{package}.py", f"{package}.py"):
            if candidate in everything:
                return package, candidate
        raise SourceError(
            f"no package {package!r} in git source {source}.", hint="Check --package."
        )
    found = sorted(
        {d for d in dirs if d.count("/") == 0 or (d.startswith("src/") and d.count("/") == 1)}
        - {d for d in dirs if d.rsplit("/", 1)[-1] in NOT_PACKAGES}
    )
    if len(found) == 1:
        return found[0].rsplit("/", 1)[-1], found[0]
    if not found:
        lone = [
            p
            for p in everything
            if p.endswith(".py")
            and "/" not in p.removeprefix("src/")
            and _is_lone_module_name(p.rsplit("/", 1)[-1][:-3])
        ]
        if len(lone) == 1:  # a single-module project (one ``flask_hello.py``)
            return lone[0].rsplit("/", 1)[-1][:-3], lone[0]
        raise SourceError(
            f"no Python package found in git source {source}.", hint="Choose one with --package."
        )
    names = ", ".join(d.rsplit("/", 1)[-1] for d in found)
    raise SourceError(
        f"several packages in git source {source} ({names}).", hint="Choose one with --package."
    )


def releases_between(source: str, *, root: Path, since: str, until: str) -> list[str]:
    """Tags of a git source after commit ``since`` up to and including commit ``until``.

    Oldest first: ``graft sync --step`` merges them one at a time.
    """
    location = source if _looks_like_url(source) else os.fspath((root / source).resolve())
    repo = open_git(location)
    steps: list[str] = []
    seen: set[str] = set()
    for tag in repo.tags():
        commit = repo.resolve(tag)
        if commit is None or commit in seen or commit == since:
            continue
        if repo.is_ancestor(since, commit) and repo.is_ancestor(commit, until):
            steps.append(tag)
            seen.add(commit)
    return steps


def default_ref(source: str, *, root: Path, recorded_ref: str | None) -> str:
    """The ref a sync moves to when none is given: the recorded branch, else the newest tag."""
    location = source if _looks_like_url(source) else os.fspath((root / source).resolve())
    repo = open_git(location)
    if recorded_ref and recorded_ref in repo.branches():
        return recorded_ref
    tags = repo.tags()
    return tags[-1] if tags else "HEAD"


# -- a recorded entry's upstream -------------------------------------------------------


def locate_upstream(
    entry: Entry,
    root: Path,
    *,
    ref: str | None = None,
    source: str | None = None,
    cwd: Path | None = None,
    search_path: t.Sequence[str] | None = None,
) -> Upstream:
    """The upstream an entry syncs from: its recorded source (or ``source``) at ``ref``.

    Without ``ref``, git sources move to the recorded branch or the newest tag, other
    sources to what is installed or on disk now.
    """
    if source is not None:
        return locate(
            source,
            root=root,
            cwd=cwd or root,
            ref=ref,
            package=entry.package,
            search_path=search_path,
        )
    if entry.source_kind == "git" and ref is None:
        ref = default_ref(entry.source, root=root, recorded_ref=entry.ref)
    return _locate_recorded(entry, root, ref, search_path)


def recorded_upstream(
    entry: Entry, root: Path, *, search_path: t.Sequence[str] | None = None
) -> Upstream:
    """The upstream at the recorded revision, verified against the recorded digest.

    Used to rebuild a missing snapshot and by ``graft check``. Raises SourceError when
    the source no longer offers that revision (an upgraded distribution, say).
    """
    ref = entry.revision if entry.source_kind == "git" else None
    upstream = _locate_recorded(entry, root, ref, search_path)
    if upstream.tree != entry.upstream_tree:
        found = (
            f"its files differ from those recorded (digest {upstream.tree[:10]}, "
            f"recorded {entry.upstream_tree[:10]})"
            if upstream.revision == entry.revision
            else f"found {upstream.label}"
        )
        raise SourceError(
            f"{entry.source} no longer provides {entry.package} {entry.revision} as recorded "
            f"({found}).",
            hint="Install or check out the recorded revision (or pass --search-path) and retry.",
        )
    return upstream


def _locate_recorded(
    entry: Entry, root: Path, ref: str | None, search_path: t.Sequence[str] | None
) -> Upstream:
    """The entry's recorded source at ``ref``, read as the kind of source it was recorded as."""
    return locate(
        entry.source,
        root=root,
        ref=ref,
        package=entry.package,
        search_path=search_path,
        kind=entry.source_kind,
    )


def is_behind(entry: Entry, newest: Upstream) -> bool:
    """Whether the source offers something other than what the fork was last synced to."""
    return newest.revision != entry.revision or newest.tree != entry.upstream_tree


def newest_upstream(
    entry: Entry, root: Path, *, search_path: t.Sequence[str] | None = None
) -> tuple[Upstream, bool]:
    """What a sync without options would move to, and whether it is older than the record.

    :raises UserError: the source cannot be read.
    """
    newest = locate_upstream(entry, root, search_path=search_path)
    older = False
    if (
        entry.source_kind == "git"
        and newest.revision != entry.revision
        and "://" not in entry.source
        and (root / entry.source).is_dir()
    ):
        source_repo = vcs.Repo(root / entry.source, search_parents=False)
        older = source_repo.is_ancestor(newest.revision, entry.revision)
    return newest, older


def entry_label(entry: Entry, newest: Upstream | None = None) -> str:
    """How messages name the recorded revision, the way :attr:`Upstream.label` does.

    With ``newest`` of the same version number but other files, the label carries the
    recorded files' digest (``vial 0.1.0+1a2b3c4d5e``), so the two can be told apart.
    """
    if entry.source_kind != "git":
        if newest is not None and same_version_changed(newest, entry.revision, entry.upstream_tree):
            return f"{entry.package} {entry.revision}+{entry.upstream_tree[:10]}"
        return f"{entry.package} {entry.revision}"
    shown = f"{entry.ref} ({entry.revision[:10]})" if entry.ref else entry.revision[:10]
    return f"{entry.package} {shown}"


__all__ = [
    "BUNDLED",
    "BUNDLED_DISTRIBUTION",
    "only_installation",
    "SEARCH_PATH_ENV",
    "Upstream",
    "console_scripts",
    "default_ref",
    "distinguish",
    "entry_label",
    "is_behind",
    "locate",
    "locate_upstream",
    "newest_upstream",
    "open_git",
    "same_version_changed",
    "read_package_dir",
    "recorded_upstream",
    "releases_between",
    "search_path_from_env",
]
