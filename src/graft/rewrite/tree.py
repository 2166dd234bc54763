"""``rewrite_tree``: run the rewriter over files and directories, the only part that does I/O.

Files are visited in sorted order and the result lists them in that order whatever
the number of worker processes, so two runs over the same tree give the same report
and the same bytes. Files whose bytes never mention an old name are settled in the
parent process without parsing; only the rest are shipped to workers, and only when
there are enough of them to pay for starting processes.

The walk stays out of what is not the user's source (virtualenvs, installed
packages, build output, caches, and, in a git work tree, whatever git ignores):
a rewrite there damages files the user cannot restore from the repository. Writing
comes last and is all or nothing: every result is computed first, each file is
replaced atomically, and an interruption or error while writing puts back the
files already written before it propagates.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import re
import stat
import tempfile
import threading
import typing as t
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path, PurePosixPath

from ..errors import RewriteError
from . import env
from .carriers import mentions_distribution
from .commands import folded_needles, needles
from .ignored import git_ignored
from .lifeline import bind_to_parent, spawning
from .options import RewriteOptions
from .projectfiles import is_carrier, rewrite_carrier
from .result import FileResult, Finding, Skipped, Status, TreeResult
from .setup_py import is_setup_script
from .source import rewrite_source
from .templates import is_template, rewrite_template

if t.TYPE_CHECKING:
    from .names import Renames

PYTHON_SUFFIXES = frozenset({".py", ".pyi"})
"""Rewritten like source code (case 27)."""
COMPILED_SUFFIXES = frozenset({".so", ".pyd", ".dylib"})
"""Extension modules: cannot be renamed by rewriting source (case 30)."""
REPORTED_SUFFIXES = frozenset(
    {
        ".toml",
        ".cfg",
        ".ini",
        ".html",
        ".htm",
        ".jinja",
        ".jinja2",
        ".j2",
        ".json",
        ".yaml",
        ".yml",
        ".in",
        ".mako",
    }
)
"""Configuration and template files whose mentions of the old name are reported (case 31)."""
REPORTED_NAMES = frozenset(
    {
        ".coveragerc",
        ".flaskenv",
        "setup.cfg",
        "pytest.ini",
        "tox.ini",
        "MANIFEST.in",
        "METADATA",
        "PKG-INFO",
        "entry_points.txt",
    }
)
DEPLOYMENT_SUFFIXES = frozenset({".txt", ".sh", ".env", ".service"})
"""Further files ``graft rewrite`` reports, where deployments set the framework's variables."""
DEPLOYMENT_NAMES = frozenset({"Dockerfile", "Containerfile", "Procfile", "Makefile", ".env"})
_DOT_ENV = re.compile(r"\.\w+env")
"""``.flaskenv``, ``.vialenv``: the dotenv file a framework's CLI loads."""
SKIPPED_DIRS: t.Mapping[str, str] = {
    "__pycache__": "cache",
    "node_modules": "cache",
    "site-packages": "installed packages",
    "dist-packages": "installed packages",
}
"""Directory names never walked into, with the reason reported."""
BUILD_DIRS = frozenset({"build", "dist"})
"""Build output, skipped unless the directory is itself a package (``build/__init__.py``)."""

PARALLEL_THRESHOLD = 48
"""Below this many files to parse, one process is faster than starting workers."""


def iter_files(paths: t.Sequence[Path], *, include_ignored: bool = False) -> list[Path]:
    """Every file under ``paths`` in a stable order; :func:`walk` without the skipped list."""
    return walk(paths, include_ignored=include_ignored)[0]


def walk(
    paths: t.Sequence[Path],
    *,
    include_ignored: bool = False,
    excluded: t.Mapping[Path, str] | None = None,
) -> tuple[list[Path], list[Skipped]]:
    """Every file under ``paths`` in a stable order, and what was left out.

    Hidden directories are passed over; so are virtualenvs, ``site-packages``,
    ``build``/``dist`` output, ``*.egg-info``, caches, the directories in ``excluded``
    (resolved paths, with the reason to list) and (unless ``include_ignored``)
    whatever git ignores, each listed in the second value. A path given explicitly is
    always included, even if hidden or ignored: the user named it.
    """
    outside = {Path(os.path.realpath(path)): reason for path, reason in (excluded or {}).items()}
    found: list[Path] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    for root in paths:
        if not root.is_dir():
            if root not in seen:
                seen.add(root)
                found.append(root)
            continue
        ignored = None if include_ignored else git_ignored(root)
        for directory, dirnames, filenames in os.walk(root):
            relative = Path(directory).relative_to(root).as_posix()
            prefix = "" if relative == "." else relative + "/"
            kept = []
            for name in sorted(dirnames):
                if name.startswith("."):
                    continue
                reason = _skip_reason(Path(directory, name))
                if reason is None and outside:
                    reason = outside.get(Path(os.path.realpath(Path(directory, name))))
                if reason is None and ignored and f"{prefix}{name}/" in ignored:
                    reason = "git-ignored"
                if reason is None:
                    kept.append(name)
                else:
                    skipped.append(Skipped(Path(directory, name), reason))
            dirnames[:] = kept
            for name in sorted(filenames):
                path = Path(directory, name)
                if ignored and f"{prefix}{name}" in ignored:
                    skipped.append(Skipped(path, "git-ignored"))
                elif path not in seen:
                    seen.add(path)
                    found.append(path)
    return found, sorted(skipped, key=lambda s: s.path)


def _skip_reason(directory: Path) -> str | None:
    """Why the walk must not enter ``directory`` (None: it may)."""
    name = directory.name
    reason = SKIPPED_DIRS.get(name)
    if reason is not None:
        return reason
    if (directory / "pyvenv.cfg").is_file():
        return "virtualenv"
    if name.endswith(".egg-info"):
        return "build output"
    if name in BUILD_DIRS and not (directory / "__init__.py").is_file():
        return "build output"
    return None


def _kind(path: Path, *, deployment: bool = False) -> str | None:
    """``python``, ``template`` (of Python code), ``compiled``, ``metadata`` (packaging metadata:
    entry points and requirements), ``text`` (reported) or None (passed over).

    ``deployment`` adds the files where a deployment sets the framework's variables
    (``Dockerfile``, ``Procfile``, ``.flaskenv``, ``*.sh``, ...): ``graft rewrite`` reports
    them; ``graft fork`` renders a package, where they are not the user's concern.
    """
    suffix = path.suffix
    if suffix in PYTHON_SUFFIXES:
        return "python"
    if is_template(path.name):
        return "template"
    if suffix in COMPILED_SUFFIXES:
        return "compiled"
    name = path.name
    if is_carrier(path.as_posix()):
        return "metadata"
    if name in REPORTED_NAMES or suffix in REPORTED_SUFFIXES or name.startswith("requirements"):
        return "text"
    if deployment and (
        name in DEPLOYMENT_NAMES
        or suffix in DEPLOYMENT_SUFFIXES
        or _DOT_ENV.fullmatch(name)
        or name.partition(".")[0] in ("Dockerfile", "Containerfile")
        or name.endswith((".dockerfile", ".containerfile"))
    ):
        return "text"
    return None


@dataclasses.dataclass(frozen=True)
class RewriteProgress:
    """Where a rewrite of many files stands, passed to a ``progress`` callback.

    The engine only reports; drawing a counter is the caller's business (the CLI draws
    one on a terminal). Sent before a file is rewritten (``starting`` names it, with its
    ``size`` in bytes), after each file (``done`` counts up to ``total``), and once at the
    end with ``finished``. With worker processes every file is announced first.
    """

    done: int
    total: int
    starting: str | None = None
    size: int = 0
    finished: bool = False


ProgressCallback = t.Callable[[RewriteProgress], None]
"""What ``rewrite_tree``/``rewrite_items`` call with each :class:`RewriteProgress`."""


def rewrite_tree(
    paths: t.Sequence[Path],
    renames: Renames,
    *,
    write: bool = True,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    options: RewriteOptions | None = None,
    include_ignored: bool = False,
    environment: bool = False,
    excluded: t.Mapping[Path, str] | None = None,
    target_modules: t.AbstractSet[str] = frozenset(),
) -> TreeResult:
    """Rewrite every ``.py``/``.pyi`` file under ``paths``; report other files that name the package.

    With ``environment`` (``graft rewrite`` sets it; :func:`rewrite_items` has no such
    option, so without it the two agree file for file) the environment variables of the old package
    (``FLASK_APP``, ``from_prefixed_env()``), ``setup.py`` requirements naming it and
    the deployment files that set them (``.flaskenv``, ``Dockerfile``, ``Procfile``,
    ``*.sh``) are reported too (:mod:`graft.rewrite.env`); nothing of it is renamed.

    With ``write`` the changed files are written back in place, all or nothing, once
    every file has been rewritten in memory (failed files are never touched; see
    :func:`write_changes`). Directories that are not the user's source are not
    entered (:func:`walk`; git-ignored ones only without ``include_ignored``).
    ``excluded`` maps directories not to enter (``graft rewrite`` passes the vendored
    forks and patches recorded in ``pyproject.toml``, which ``graft fork`` already
    renamed) to the reason listed in ``skipped``. ``jobs`` is the number of
    processes (default: all cores, once there are enough files to parse).
    ``progress`` is called as files are rewritten (see :class:`RewriteProgress`).

    :raises FileNotFoundError: a path does not exist.
    :raises RewriteError: a file could not be written (the files are as they were).
    :raises KeyboardInterrupt: interrupted; the files are as they were.
    """
    opts = options if options is not None else RewriteOptions()
    for root in paths:
        if not root.exists():
            raise FileNotFoundError(str(root))
    results: dict[Path, FileResult] = {}
    work: list[tuple[str, bytes]] = []
    extra: dict[Path, tuple[Finding, ...]] = {}
    files, skipped = walk(
        [Path(p) for p in paths], include_ignored=include_ignored, excluded=excluded
    )
    for path in files:
        kind = _kind(path, deployment=environment)
        if kind is None:
            continue
        if kind == "compiled":
            results[path] = _compiled(path, renames)
            continue
        data = path.read_bytes()
        variables = environment and (
            env.mentions_variables(data, renames) or env.dotenv_file(path, renames) is not None
        )
        if kind == "python" and environment:
            found = env.python_findings(str(path), data, renames, dict(opts.env_prefixes))
            if found:
                extra[path] = found
        if not _needs_work(path, kind, data, renames, opts) and not (
            kind in ("text", "metadata") and variables
        ):
            results[path] = FileResult(path, "unchanged")
        elif kind == "template":
            results[path] = _template(path, data, renames)
        elif kind == "text":
            results[path] = FileResult(
                path,
                "unchanged",
                _text_findings(
                    path, data, renames, environment=environment, known=dict(opts.env_prefixes)
                ),
            )
        elif kind == "metadata":
            results[path] = _metadata(
                path, data, renames, opts, environment=environment, known=dict(opts.env_prefixes)
            )
        else:
            work.append((str(path), data))
    # The tree's modules tell which computed names (f"pkg.sub.{x}") are module paths.
    known = (module_names(files) | target_modules) if work else frozenset()
    for path_text, data, outcome in _run(work, renames, opts, known, jobs, progress):
        path = Path(path_text)
        status, new, findings, error = outcome
        if status == "changed":
            results[path] = FileResult(path, status, findings, error, data, new)
        else:
            results[path] = FileResult(path, status, findings, error)
    for path, found in extra.items():
        merged = sorted(
            set(results[path].findings) | set(found), key=lambda f: (f.line, f.kind, f.message)
        )
        results[path] = dataclasses.replace(results[path], findings=tuple(merged))
    ordered = tuple(results[path] for path in files if path in results)
    tree = TreeResult(ordered, written=write, skipped=tuple(skipped))
    if write:
        write_changes(tree.changed)
    return tree


_write_hook: t.Callable[[Path], None] | None = None


def set_write_hook(hook: t.Callable[[Path], None] | None) -> None:
    """Install a function called before each file is written (tests raise in it)."""
    global _write_hook
    _write_hook = hook


def write_changes(changed: t.Sequence[FileResult]) -> None:
    """Write the new bytes of every changed file: all of them, or none.

    Each file is replaced atomically (a temporary file in its directory, then
    ``os.replace``), keeping its permission bits; a symbolic link is written through,
    so it stays a link. If anything interrupts the loop (Ctrl-C, a full disk, a
    read-only directory), the files already replaced get their original bytes back
    before the exception propagates, so a rewrite never leaves a half-renamed tree.

    :raises RewriteError: a file could not be written; the others are restored.
    :raises KeyboardInterrupt: interrupted; the files written so far are restored.
    """
    written: list[tuple[Path, bytes]] = []
    current: Path | None = None
    try:
        for result in changed:
            assert result.old_bytes is not None and result.new_bytes is not None
            current = result.path
            if _write_hook is not None:
                _write_hook(result.path)
            target = Path(os.path.realpath(result.path))
            # Recorded before the replace: restoring a file that was not replaced is harmless,
            # missing one that was is not.
            written.append((target, result.old_bytes))
            _replace(target, result.new_bytes)
    except OSError as exc:
        _restore(written)
        raise RewriteError(
            f"Could not write {current}: {exc.strerror or exc}; no file was changed.",
            hint="Check that the files and their folders are writable, then run the command again.",
        ) from exc
    except BaseException:
        _restore(written)
        raise


def _replace(target: Path, data: bytes) -> None:
    """Put ``data`` at ``target`` in one step, with the mode ``target`` has now."""
    mode = stat.S_IMODE(os.stat(target).st_mode)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".graft")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _restore(written: t.Sequence[tuple[Path, bytes]]) -> None:
    """Give files their original bytes back; a second Ctrl-C does not cut the restore short.

    :raises RewriteError: a file could not be restored (its name is in the message).
    """
    lost: list[str] = []
    interrupted = False
    for target, original in reversed(written):
        while True:
            try:
                _replace(target, original)
            except KeyboardInterrupt:
                interrupted = True
                continue
            except OSError as exc:
                lost.append(f"{target} ({exc.strerror or exc})")
            break
    if lost:
        raise RewriteError(
            f"Could not restore {', '.join(lost)} after a failed write; those files hold the rewritten code.",
            hint="Restore them from version control or a backup.",
        )
    if interrupted:
        raise KeyboardInterrupt


def rewrite_items(
    items: t.Iterable[tuple[str, bytes]],
    renames: Renames,
    *,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    options: RewriteOptions | None = None,
    known_modules: t.AbstractSet[str] | None = None,
) -> list[FileResult]:
    """Rewrite files held in memory, as ``(path, bytes)`` pairs; touches no file system.

    For callers that already have the bytes (``graft sync`` reads upstreams from git and
    would otherwise write them to a scratch directory for :func:`rewrite_tree` and read
    them back). Each item is treated exactly as :func:`rewrite_tree` treats a file at
    ``path`` (its kind comes from the name), so the same bytes give the same result;
    paths are only names here, used for the kind and in findings and errors.

    Returns one :class:`FileResult` per item, in the order given: files of a kind the
    tree walker passes over are ``unchanged`` with no findings. ``known_modules`` are
    the modules of the tree being rewritten (a computed ``f"pkg.sub.{x}"`` under one is
    a module name, and ``unknown_strings="rename-known"`` may rename them); by default,
    the modules among the items. A caller rewriting only some files of a tree must
    pass the whole tree's, or the result would depend on which files it passed.
    """
    opts = options if options is not None else RewriteOptions()
    pairs = list(items)
    results: dict[int, FileResult] = {}
    work: list[tuple[str, bytes]] = []
    slots: list[int] = []
    for index, (name, data) in enumerate(pairs):
        path = Path(name)
        kind = _kind(path)
        if kind is None:
            results[index] = FileResult(path, "unchanged")
        elif kind == "compiled":
            results[index] = _compiled(path, renames)
        elif not _needs_work(path, kind, data, renames, opts):
            results[index] = FileResult(path, "unchanged")
        elif kind == "template":
            results[index] = _template(path, data, renames)
        elif kind == "text":
            results[index] = FileResult(path, "unchanged", _text_findings(path, data, renames))
        elif kind == "metadata":
            results[index] = _metadata(path, data, renames, opts)
        else:
            work.append((name, data))
            slots.append(index)
    known: frozenset[str] = frozenset()
    if work:
        known = (
            frozenset(known_modules)
            if known_modules is not None
            else item_module_names(name for name, _ in pairs)
        )
    # The generator first: zip stops at the shorter input, and only a generator run to its
    # end sends the final progress event.
    for (name, data, outcome), index in zip(
        _run(work, renames, opts, known, jobs, progress), slots
    ):
        status, new, findings, error = outcome
        if status == "changed":
            results[index] = FileResult(Path(name), status, findings, error, data, new)
        else:
            results[index] = FileResult(Path(name), status, findings, error)
    return [results[index] for index in range(len(pairs))]


def item_module_names(names: t.Iterable[str]) -> frozenset[str]:
    """:func:`module_names` for paths that exist only as names: packages are the items' own."""
    paths = [PurePosixPath(name) for name in names]
    present = {str(path) for path in paths}
    found = set()
    for path in paths:
        if path.suffix not in PYTHON_SUFFIXES:
            continue
        parts = [] if path.stem == "__init__" else [path.stem]
        directory = path.parent
        while (
            str(directory / "__init__.py") in present or str(directory / "__init__.pyi") in present
        ):
            parts.insert(0, directory.name)
            directory = directory.parent
        if parts:
            found.add(".".join(parts))
    return frozenset(found)


Outcome = tuple[Status, bytes | None, tuple[Finding, ...], str | None]

_WORKER_STATE: tuple[Renames, RewriteOptions, frozenset[str]] | None = None


def _init_worker(
    renames: Renames,
    options: RewriteOptions,
    known: frozenset[str],
    parent: int,
    death_signal: bool,
) -> None:
    global _WORKER_STATE
    bind_to_parent(parent, death_signal=death_signal)
    _WORKER_STATE = (renames, options, known)


def _rewrite_item(item: tuple[str, bytes]) -> Outcome:
    assert _WORKER_STATE is not None
    return _rewrite_one(item, *_WORKER_STATE)


def _rewrite_one(
    item: tuple[str, bytes], renames: Renames, options: RewriteOptions, known: frozenset[str]
) -> Outcome:
    path, data = item
    result = rewrite_source(data, renames, path=path, options=options, known_modules=known)
    new = result.code if result.status == "changed" else None
    return result.status, new, result.findings, result.error


def _run(
    work: list[tuple[str, bytes]],
    renames: Renames,
    options: RewriteOptions,
    known: frozenset[str],
    jobs: int | None,
    progress: ProgressCallback | None,
) -> t.Iterator[tuple[str, bytes, Outcome]]:
    count = len(work)
    if jobs is None:
        jobs = (os.cpu_count() or 1) if count >= PARALLEL_THRESHOLD else 1
    jobs = max(1, min(jobs, count))
    done = 0
    show = progress if count else None
    if jobs == 1:
        for item in work:
            if show:
                show(RewriteProgress(done, count, item[0], len(item[1])))
            outcome = _rewrite_one(item, renames, options, known)
            done += 1
            if show:
                show(RewriteProgress(done, count))
            yield item[0], item[1], outcome
    else:
        if show:
            for name, data in work:
                show(RewriteProgress(done, count, name, len(data)))
        method = (
            "fork"
            if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
            else "spawn"
        )
        context = multiprocessing.get_context(method)
        chunk = max(1, count // (jobs * 8))
        # Workers die with this process however it dies (lifeline.py); on an error or
        # Ctrl-C here, the files not yet started are dropped instead of waited for.
        main_thread = threading.current_thread() is threading.main_thread()
        pool = ProcessPoolExecutor(
            jobs,
            mp_context=context,
            initializer=_init_worker,
            initargs=(renames, options, known, os.getpid(), main_thread),
        )
        try:
            with spawning():  # workers start with Ctrl-C held back until they ignore it
                outcomes = pool.map(_rewrite_item, work, chunksize=chunk)
            for item, outcome in zip(work, outcomes):
                done += 1
                if show:
                    show(RewriteProgress(done, count))
                yield item[0], item[1], outcome
        except BrokenProcessPool:
            raise RewriteError(
                "a rewrite worker process ended abruptly (killed, or out of memory).",
                hint="Nothing was changed; free some memory and retry.",
            ) from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    if show:
        show(RewriteProgress(done, count, finished=True))


def package_modules(directory: Path, name: str) -> frozenset[str]:
    """Dotted names of a package's modules, ``name`` for its directory: ``name.sub.mod``.

    For a single-module package (a ``.py`` file) only ``name`` itself.
    """
    if not directory.is_dir():
        return frozenset({name})
    found = {name}
    for path in directory.rglob("*.py*"):
        if path.suffix not in PYTHON_SUFFIXES or "__pycache__" in path.parts:
            continue
        parts = path.relative_to(directory).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if all(part.isidentifier() for part in parts):
            found.add(".".join((name, *parts)))
    return frozenset(found)


def module_names(files: t.Iterable[Path]) -> frozenset[str]:
    """Dotted module names of the Python files, found by climbing ``__init__.py`` packages."""
    names = set()
    packages: dict[Path, bool] = {}

    def is_package(directory: Path) -> bool:
        known = packages.get(directory)
        if known is None:
            known = (directory / "__init__.py").exists() or (directory / "__init__.pyi").exists()
            packages[directory] = known
        return known

    for path in files:
        if path.suffix not in PYTHON_SUFFIXES:
            continue
        parts = [] if path.stem == "__init__" else [path.stem]
        directory = path.parent
        while is_package(directory):
            parts.insert(0, directory.name)
            directory = directory.parent
        if parts:
            names.add(".".join(parts))
    return frozenset(names)


_TABLE_HEADER = re.compile(rb"\s*\[\[?([\w.\-\"' ]+)\]\]?\s*(?:#.*)?")


def _graft_lines(path: Path, data: bytes) -> set[int]:
    """Line numbers of a ``pyproject.toml``'s ``[tool.graft...]`` tables (empty for other files).

    They are graft's own record of each fork (``source = "vial"``, ``maps =
    ["vial=acme_web"]``), which must keep the upstream name: reporting them as "update
    by hand" invites an edit that breaks ``graft sync``.
    """
    if path.name != "pyproject.toml" or b"graft" not in data:
        return set()
    lines = set()
    inside = False
    for number, line in enumerate(data.splitlines(), start=1):
        header = _TABLE_HEADER.fullmatch(line.rstrip(b"\r"))
        if header is not None:
            name = re.sub(rb"[\s\"']", b"", header.group(1))
            inside = name == b"tool.graft" or name.startswith(b"tool.graft.")
        if inside:
            lines.add(number)
    return lines


def _text_findings(
    path: Path,
    data: bytes,
    renames: Renames,
    *,
    environment: bool = False,
    known: t.Mapping[str, str] | None = None,
    settled: t.AbstractSet[int] = frozenset(),
) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    graft_lines = _graft_lines(path, data) | set(settled)
    if environment:
        dotenv = env.dotenv_file(path, renames, known or {})
        if dotenv is not None:
            findings.append(Finding(str(path), 0, "env", dotenv))
    for number, line in enumerate(data.splitlines(), start=1):
        if number in graft_lines:
            continue
        if environment:
            variables = env.text_line_findings(
                str(path), number, line.decode("utf-8", "replace"), renames, known or {}
            )
            if variables:
                findings.extend(variables)
                continue
        # Distribution names are case-insensitive: "Requires-Dist: Flask" names flask.
        if renames.mentions(line) or renames.mentions(line.lower()):
            text = line.decode("utf-8", "replace").strip()
            if len(text) > 80:
                text = text[:77] + "..."
            findings.append(
                Finding(str(path), number, "file", f"mentions the old name, update by hand: {text}")
            )
    return tuple(findings)


def _needs_work(
    path: Path, kind: str, data: bytes, renames: Renames, options: RewriteOptions
) -> bool:
    """Whether a file of ``kind`` may need the rewriter or the report at all."""
    if _mentions(data, renames, options):
        return True
    if kind in ("text", "metadata"):
        # Distribution names are case-insensitive: "Requires-Dist: Flask" names flask.
        return renames.mentions(data.lower()) or (
            kind == "metadata" and mentions_distribution(data, renames, options)
        )
    return (
        kind == "python"
        and is_setup_script(path.name)
        and mentions_distribution(data, renames, options)
    )


def _metadata(
    path: Path,
    data: bytes,
    renames: Renames,
    options: RewriteOptions,
    *,
    environment: bool = False,
    known: t.Mapping[str, str] | None = None,
) -> FileResult:
    """A packaging metadata file: its entry points and requirements rewritten, the rest reported."""
    result = rewrite_carrier(str(path), data, renames, options)
    new = data if result.new is None else result.new
    leftovers = _text_findings(
        path, new, renames, environment=environment, known=known, settled=result.settled
    )
    findings = tuple(
        sorted(set(result.findings) | set(leftovers), key=lambda f: (f.line, f.kind, f.message))
    )
    if result.new is None:
        return FileResult(path, "unchanged", findings)
    return FileResult(path, "changed", findings, old_bytes=data, new_bytes=result.new)


def _mentions(data: bytes, renames: Renames, options: RewriteOptions) -> bool:
    """Whether a file may need the rewriter: it names an old package, command or prefix."""
    if renames.mentions(data) or any(word.encode() in data for word in needles(options)):
        return True
    folded = folded_needles(options)
    return bool(folded) and any(word.encode() in data.lower() for word in folded)


def _template(path: Path, data: bytes, renames: Renames) -> FileResult:
    new, findings = rewrite_template(data, renames, str(path))
    if new is None:
        return FileResult(path, "unchanged", findings)
    return FileResult(path, "changed", findings, old_bytes=data, new_bytes=new)


def _compiled(path: Path, renames: Renames) -> FileResult:
    finding = Finding(
        str(path), 0, "compiled", "compiled extension module: cannot be renamed by rewriting source"
    )
    return FileResult(path, "unchanged", (finding,))


__all__ = [
    "item_module_names",
    "package_modules",
    "iter_files",
    "module_names",
    "rewrite_items",
    "rewrite_tree",
    "set_write_hook",
    "walk",
    "write_changes",
]
