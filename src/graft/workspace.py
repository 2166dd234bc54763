"""The user's repository as graft finds it: the preconditions and where forks are recorded.

Every command that changes the repository first checks it here (a work tree, no git
operation half done, no uncommitted changes: :func:`open_clean_repo`), and finds the
app's ``pyproject.toml`` and its ``[tool.graft]`` record the same way
(:func:`find_pyproject`, :func:`load_manifest`, :func:`project_manifest`).

GitPython is imported only by the functions that open a repository: ``graft rewrite``
reads the record (:func:`project_manifest`, :func:`vendored_directories`) without git, and
learns the modules of the packages it renames (:func:`target_modules`) from it.
"""

from __future__ import annotations

import importlib.util
import os
import time
import typing as t
from pathlib import Path, PurePosixPath

from . import manifest, state
from .errors import DirtyWorktreeError, ManifestError, VcsError
from .import_names import is_stdlib_module
from .manifest import Manifest, parse_manifest
from .rewrite import distribution

if t.TYPE_CHECKING:
    from . import vcs
    from .manifest import Entry
    from .rewrite.names import Renames

PYPROJECT = "pyproject.toml"
"""The file that records forks, under ``[tool.graft]``."""
INDEX_LOCK_WAIT_STEP = 0.05
INDEX_LOCK_WAIT_STEPS = 20
"""How long a locked git index is waited for before graft refuses to start (1 s)."""


def open_clean_repo(cwd: Path, *, notes: list[str] | None = None, what: str = "") -> vcs.Repo:
    """The user's repository, refusing a bare one, an unfinished operation or tracked changes.

    :param notes: for a dry run, which changes nothing: tracked changes are then not
        refused but noted here ("the real ``what`` needs a clean work tree"), so a
        dry run still shows the plan.
    """
    from . import vcs

    repo = vcs.Repo(cwd)
    if repo.bare:
        raise VcsError(f"{cwd} is a bare git repository.", hint="Run graft in a work tree.")
    refuse_locked_index(repo)
    operation = repo.operation_in_progress()
    if operation is not None:
        raise DirtyWorktreeError(
            f"a git {operation} is in progress.", hint=f"Finish or abort the {operation} first."
        )
    dirty = repo.dirty_paths()
    if dirty and notes is not None:
        shown = ", ".join(dirty[:5]) + (", ..." if len(dirty) > 5 else "")
        notes.append(f"the real {what} needs a clean work tree (uncommitted: {shown}).")
    elif dirty:
        shown = ", ".join(dirty[:5]) + (", ..." if len(dirty) > 5 else "")
        raise DirtyWorktreeError(
            f"the work tree has uncommitted changes ({shown}).",
            hint="Please commit or stash your local changes and retry.",
        )
    return repo


def reopen_clean_repo(
    root: Path, head: str, index: str | None, pyproject: str, text: str, *, what: str
) -> vcs.Repo:
    """The repository a plan was made in, refusing when HEAD moved since.

    Planning ran :func:`open_clean_repo`; ``git status`` over the whole work tree is
    the dearest part of that check, so it is not repeated when nothing it looks at
    can have changed: HEAD, the index (``index``, its stamp at planning time), no git
    operation started, and the manifest file graft edits outside git still reads
    ``text``. Other work-tree edits made since are safe: git's merge and read-tree
    refuse to overwrite them and never stage them. If anything differs, or ``index``
    is None, the full check runs again.

    :param what: what was planned, for the message ("sync", "fork").
    :raises VcsError: HEAD moved.
    :raises DirtyWorktreeError: the full check found changes.
    """
    from . import vcs

    repo = vcs.Repo(root)
    if repo.head() != head:
        raise VcsError(f"HEAD moved since the {what} was planned.", hint="Run the command again.")
    refuse_locked_index(repo)
    if (
        index is None
        or repo.bare
        or repo.index_stamp() != index
        or repo.operation_in_progress() is not None
        or _read_bytes(repo.root / pyproject) != text.encode("utf-8")
    ):
        repo = open_clean_repo(root)
    return repo


def refuse_locked_index(repo: vcs.Repo) -> None:
    """Refuse to start while git's index is locked: every step graft takes would fail.

    git leaves ``index.lock`` while it runs and, if it crashed, for good; a merge begun
    meanwhile stops half-way. Checked first, so nothing is started.
    """
    lock = repo.git_dir / "index.lock"
    # A git command that is running holds it for milliseconds (an editor's `git status`):
    # wait that long; one that crashed left it for good.
    for _ in range(INDEX_LOCK_WAIT_STEPS):
        if not lock.exists():
            return
        time.sleep(INDEX_LOCK_WAIT_STEP)
    if lock.exists():
        raise VcsError(
            f"git's index is locked ({lock} exists): another git process is using this "
            "repository, or one crashed.",
            hint=f"If no git process is running, delete {lock} and retry; nothing was changed.",
        )


def check_writable(repo: vcs.Repo, rel: str) -> None:
    """Refuse when graft could not write the manifest ``rel``: nothing is started then.

    A read-only or immutable file is found by opening it for writing (as root, modes
    do not stop writes but ``chattr +i`` does).
    """
    path = repo.root / rel
    if not path.exists():
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    except OSError as exc:
        raise ManifestError(
            f"cannot write {rel} ({exc.strerror}); graft records the fork in it.",
            hint=f"Make it writable (chmod u+w {rel}, or chattr -i {rel}) and retry; "
            "nothing was changed.",
        ) from None
    os.close(fd)


def _read_bytes(path: Path) -> bytes:
    """A file's bytes; b"" when it does not exist (as :func:`find_pyproject` reads it)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def find_pyproject(repo: vcs.Repo, cwd: Path) -> tuple[str, str]:
    """(repository-relative path, text) of the app's pyproject.toml; text is "" if absent.

    The nearest one from ``cwd`` up to the repository root; the root's if there is none.
    """
    root = repo.root.resolve()
    here = cwd.resolve()
    while True:
        if (here / PYPROJECT).is_file():
            break
        if here == root or here.parent == here:
            here = root
            break
        here = here.parent
    rel = PurePosixPath(Path(os.path.relpath(here / PYPROJECT, root))).as_posix()
    path = root / rel
    if not path.exists():
        return rel, ""
    if not repo.is_tracked(rel):
        raise DirtyWorktreeError(
            f"{rel} is not committed; graft records forks in it.",
            hint=f"Commit it (git add {rel} && git commit) and retry.",
        )
    return rel, path.read_bytes().decode("utf-8")


def load_manifest(repo: vcs.Repo, cwd: Path) -> tuple[str, manifest.Manifest]:
    """(pyproject path, manifest): the work tree's record, or HEAD's during a graft sync.

    While a sync is stopped on conflicts the work tree already records the new
    revision; the recorded state is still HEAD's until the merge is committed.
    """
    rel, text = find_pyproject(repo, cwd)
    if not text and not (repo.root / rel).exists():
        raise manifest.manifest_error(
            "no pyproject.toml here: nothing is recorded (run graft fork first)."
        )
    if state.stopped_sync(repo) is not None:  # the record is still HEAD's
        committed = repo.read_file("HEAD", rel)
        text = committed.decode("utf-8") if committed is not None else ""
    return rel, manifest.parse_manifest(text)


def load_entries(repo: vcs.Repo, cwd: Path, name: str | None = None) -> list[Entry]:
    """Entry ``name``, or every recorded entry; raises ManifestError if there is none."""
    rel, recorded = load_manifest(repo, cwd)
    if name is not None:
        entries = [recorded.select(name)]
    elif not recorded.entries:
        raise manifest.manifest_error(
            f"{rel} records no vendored package under [tool.graft.packages].",
            hint="Run `graft fork` first.",
        )
    else:
        entries = list(recorded.entries)
    head = repo.head()
    for entry in entries:
        check_entry(repo, entry, head)
    return entries


def repository_boundary(repo: vcs.Repo, head: str | None, path: str) -> str | None:
    """The submodule (or nested repository) holding ``path``, if any, else None.

    ``path`` is repository-relative (posix). A submodule is a gitlink (mode 160000) in
    HEAD at one of its parent directories; a nested repository not registered as one is
    a parent directory with its own ``.git``. Files there belong to the other repository.
    """
    parts = PurePosixPath(path).parts
    parents = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    for parent in parents:
        if (repo.root / parent / ".git").exists():
            return parent
    # Without .gitmodules no submodule is registered (a nested repository that is checked
    # out was found above), so the common case costs no git process.
    if head is not None and parents and (repo.root / ".gitmodules").exists():
        out = repo.out("ls-tree", "-z", head, "--", *parents, strip=False)
        for record in out.split("\0"):
            meta, _, name = record.partition("\t")
            if meta.startswith("160000 ") and name in parents:
                return name
    return None


def check_entry(repo: vcs.Repo, entry: Entry, head: str | None) -> None:
    """What :meth:`Entry.validate` cannot see from the text alone, checked in the repository.

    The fork's directory must be in this work tree once symbolic links are followed,
    not in a submodule, and a fork's name must not be a built-in module (which always
    wins the import). A distribution installed under the fork's name is no error: which
    copy runs depends on how the app is started, and ``graft fork``, ``status`` and
    ``check`` say so (:mod:`graft.clashes`).

    :raises ManifestError: naming the key and what to do.
    """
    import importlib.util

    where = f"[tool.graft.packages.{entry.name}] in pyproject.toml"
    root = repo.root.resolve()
    real = (root / entry.path).resolve()
    if real != root and root not in real.parents:
        raise manifest.manifest_error(
            f"{where}: 'path' {entry.path!r} leads out of the work tree (to {real}).",
            hint="Point it at the fork's directory in this repository.",
        )
    inner = repository_boundary(repo, head, entry.path)
    if inner is not None:
        raise manifest.manifest_error(
            f"{where}: 'path' {entry.path!r} is inside the submodule {inner}.",
            hint="Point it at the fork's directory in this repository "
            "(git log -p pyproject.toml shows what it was).",
        )
    if entry.kind != "fork":
        return  # a patched extension replaces the installed original on purpose
    if is_stdlib_module(entry.name):
        raise manifest.manifest_error(
            f"{where}: the fork's name {entry.name!r} is a standard-library module's; "
            "`import` finds only one of them.",
            hint="Rename the fork (git log -p pyproject.toml shows what it was).",
        )
    try:
        spec = importlib.util.find_spec(entry.name)
    except (ImportError, ValueError):
        spec = None
    origin = spec.origin if spec is not None else None
    if origin is None and spec is not None and spec.submodule_search_locations:
        origin = next(iter(spec.submodule_search_locations), None)
    if spec is not None and (origin is None or origin in ("built-in", "frozen")):
        raise manifest.manifest_error(
            f"{where}: the fork's name {entry.name!r} is a built-in module.",
            hint="Rename the fork; a built-in module always wins the import.",
        )


def project_manifest(start: Path) -> tuple[Path, Manifest] | None:
    """The repository root above ``start`` whose ``pyproject.toml`` records vendored packages, and its record.

    Found by climbing from ``start`` to the nearest ``pyproject.toml`` with a
    ``[tool.graft.packages]`` table, stopping at the top of a git work tree; read as
    text, so no git is needed. An unreadable or malformed record counts as none: the
    rewrite must not fail on what ``graft status`` is there to report.
    """
    start = start.resolve()
    for directory in (start, *start.parents):
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            try:
                manifest = parse_manifest(pyproject.read_text(encoding="utf-8"))
            except (ManifestError, OSError, UnicodeDecodeError):
                manifest = None
            if manifest is not None and manifest.entries:
                return directory, manifest
        if (directory / ".git").exists():
            break
    return None


def vendored_directories(paths: t.Sequence[Path]) -> dict[Path, str]:
    """The fork and patch directories recorded for the project(s) of ``paths`` (and of the current directory).

    ``graft fork``/``graft patch`` renamed them already; walking them again re-reports
    their findings and may rename names the fork keeps on purpose.
    """
    found: dict[Path, str] = {}
    starts = [Path.cwd(), *(path if path.is_dir() else path.parent for path in paths)]
    roots: set[Path] = set()
    for start in starts:
        project = project_manifest(start)
        if project is None or project[0] in roots:
            continue
        root, manifest = project
        roots.add(root)
        for entry in manifest.entries:
            found[(root / entry.path).resolve()] = f"vendored {entry.kind}"
    return found


def _recorded_targets(paths: t.Sequence[Path], renames: Renames) -> list[tuple[Path, str]]:
    """(directory, name) of each fork or patch recorded for the project that the map renames to."""
    news = {renames.rename(root).partition(".")[0] for root in renames.roots}
    found: list[tuple[Path, str]] = []
    starts = [Path.cwd(), *(path if path.is_dir() else path.parent for path in paths)]
    seen: set[Path] = set()
    for start in starts:
        project = project_manifest(start)
        if project is None or project[0] in seen:
            continue
        root, manifest = project
        seen.add(root)
        found.extend((root / e.path, e.name) for e in manifest.entries if e.name in news)
    return found


def target_modules(paths: t.Sequence[Path], renames: Renames) -> frozenset[str]:
    """The modules of the packages the map renames from and to, as far as they can be found.

    A recorded fork or patch of the project (under its new name), and the installed
    original or target (found without importing it). Client code that names one of
    these modules in a string names a module, not a key or a logger.
    """
    from .rewrite.tree import package_modules  # loads libcst: only graft rewrite needs it

    olds = renames.roots
    news = {renames.rename(root).partition(".")[0] for root in olds}
    found: set[str] = set()
    for directory, name in _recorded_targets(paths, renames):
        found |= package_modules(directory, name)
    for name in sorted(olds | news):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        if spec.submodule_search_locations:
            for location in spec.submodule_search_locations:
                found |= package_modules(Path(location), name)
        else:
            found.add(name)
    return frozenset(found)


def target_distributions(paths: t.Sequence[Path], renames: Renames) -> tuple[tuple[str, str], ...]:
    """Distribution lookups a recorded fork answers: (its upstream's distribution, its name).

    ``graft fork`` wrote the upstream's name into the fork's ``_graft_distribution.py``;
    client code asking for that distribution is pointed at the fork's name.
    """
    found = []
    for directory, name in _recorded_targets(paths, renames):
        upstream = distribution.recorded_upstream(directory)
        if upstream is not None:
            found.append((upstream, name))
    return tuple(found)


__all__ = [
    "PYPROJECT",
    "check_entry",
    "check_writable",
    "find_pyproject",
    "load_entries",
    "load_manifest",
    "open_clean_repo",
    "project_manifest",
    "refuse_locked_index",
    "reopen_clean_repo",
    "repository_boundary",
    "target_distributions",
    "target_modules",
    "vendored_directories",
]
