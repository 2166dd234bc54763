"""``graft check``: what CI should refuse about the vendored packages of an app.

Six questions, the first five answered per manifest entry: is the fork behind its
source; does re-running the rewrite on the recorded upstream revision still give the
recorded snapshot (else the next sync's merge base cannot be rebuilt); are conflict
markers left in the fork; does every module of the fork import with the original
packages unimportable (:mod:`graft.isolation`); does renaming the fork's files again
still change or report code that names an original (:mod:`graft.leftovers`); and does
importing the app load the original package (``flask`` next to ``myflask`` means two
frameworks, two sets of globals). Imports run in subprocesses, so nothing of the app
leaks into graft's process; nothing is written in the repository.

Every finding is a :class:`Problem`; a check that could not run is a note, not a
problem. Exit codes: 0 clean, 4 only "behind" problems, 1 any other problem.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing as t
from dataclasses import dataclass
from pathlib import Path

import tomlkit
import tomlkit.exceptions

from . import isolation, leftovers, snapshot, sources, state, vcs
from .clashes import clash_notes
from .errors import EXIT_BEHIND, EXIT_ERROR, EXIT_OK, UserError
from .rewrite import distribution
from .rewrite.tree import walk
from .workspace import load_manifest

if t.TYPE_CHECKING:
    from .manifest import Entry

CHECKS = ("behind", "reproduce", "markers", "isolation", "leftovers", "imports")
"""The names ``--skip`` accepts."""
MARKER_SIZE = 7
"""git's default conflict-marker length (``merge.conflictMarkerSize``)."""
SKIP_DIRS = frozenset({"__pycache__", ".git", ".mypy_cache", ".pytest_cache"})
IMPORT_TIMEOUT = 120.0

_IMPORT_PROBE = """\
import importlib, inspect, json, os, sys, types
root, spec, olds = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path.insert(0, root)

def old_root(name):
    return next((o for o in olds if name == o or name.startswith(o + ".")), None)

first = {}
_skip = {os.path.normcase(os.path.abspath(importlib.__file__))}

class FirstImporter:
    # Placed first on sys.meta_path: it finds nothing, it only notes the file and line
    # of the code that first asked for each old package, past importlib's own frames.
    def find_spec(self, name, path=None, target=None):
        key = old_root(name)
        if key is not None and key not in first:
            frame = sys._getframe(1)
            while frame is not None and (
                    frame.f_code.co_filename.startswith("<frozen importlib")
                    or os.path.normcase(frame.f_code.co_filename) in _skip):
                frame = frame.f_back
            if frame is not None:
                first[key] = [frame.f_code.co_filename, frame.f_lineno]
        return None

sys.meta_path.insert(0, FirstImporter())

def call_factory(factory, name):
    try:
        inspect.signature(factory).bind()
    except TypeError:
        sys.exit(f"{name}() needs arguments, so it cannot be called; point --app at "
                 "an app object or at a factory that takes none")
    except ValueError:
        pass
    return factory()

module, _, attr = spec.partition(":")
obj = importlib.import_module(module)
if attr:
    call = attr.endswith("()")
    name = attr[:-2] if call else attr
    obj = getattr(obj, name)
    if call or inspect.isfunction(obj):
        obj = call_factory(obj, name)
elif not any(not isinstance(getattr(obj, n, None), (type(None), types.ModuleType))
             for n in ("app", "application")):
    for name in ("create_app", "make_app"):
        factory = getattr(obj, name, None)
        if inspect.isfunction(factory):
            obj = call_factory(factory, name)
            break
loaded = sorted(m for m, v in list(sys.modules.items())
                if v is not None and old_root(m) is not None)
print("\\n" + json.dumps({"loaded": loaded, "first": first}))
"""


@dataclass(frozen=True)
class Problem:
    """One thing CI should fail on, printable as one line."""

    kind: str
    """``behind``, ``source``, ``irreproducible``, ``conflict-markers``, ``leak`` (importing
    a module of the fork reaches an original), ``old-name`` (code in the fork that names
    an original), ``old-import``, ``import-failed`` or ``sync-in-progress``."""
    name: str | None
    message: str
    path: str | None = None
    line: int | None = None
    modules: tuple[str, ...] = ()
    """For ``old-import``: every module of the original package that was loaded; for
    ``leak``: every module of the fork whose import reached the same line."""

    def format(self) -> str:
        """``path:line: kind: message`` (editors jump to it), or ``name: kind: message``."""
        where = f"{self.path}:{self.line}" if self.path and self.line else (self.path or self.name)
        return f"{where}: {self.kind}: {self.message}" if where else f"{self.kind}: {self.message}"

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "modules": list(self.modules),
        }


@dataclass(frozen=True)
class CheckReport:
    """Everything ``graft check`` found, and which checks could not run."""

    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()
    checked: tuple[str, ...] = ()
    """The entries looked at."""
    modules: tuple[isolation.ModuleResult, ...] = ()
    """What importing each module of the forks did (the ``isolation`` check)."""
    findings: tuple[leftovers.Leftover, ...] = ()
    """What the rename engine reports in the forks but does not run (the ``leftovers``
    check): entry-point groups kept, computed imports that name no original, ..."""

    @property
    def exit_code(self) -> int:
        """0 clean; 4 when every problem is "behind"; 1 when any other problem is found."""
        if not self.problems:
            return EXIT_OK
        return EXIT_BEHIND if all(p.kind == "behind" for p in self.problems) else EXIT_ERROR

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "problems": [p.to_dict() for p in self.problems],
            "notes": list(self.notes),
            "checked": list(self.checked),
            "modules": [result.to_dict() for result in self.modules],
            "findings": [finding.to_dict() for finding in self.findings],
            "exit_code": self.exit_code,
        }


# -- the pure parts -----------------------------------------------------------------


def conflict_marker_lines(data: bytes) -> list[int]:
    """Line numbers (1-based) where a conflict block starts: ``<<<<<<<`` later closed by ``>>>>>>>``."""
    if b"\0" in data[:8000]:
        return []  # binary: git leaves no text markers there
    opening, closing = b"<" * MARKER_SIZE, b">" * MARKER_SIZE
    found: list[int] = []
    start: int | None = None
    for number, line in enumerate(data.splitlines(), start=1):
        if _is_marker(line, opening):
            start = number
        elif _is_marker(line, closing) and start is not None:
            found.append(start)
            start = None
    return found


def _is_marker(line: bytes, marker: bytes) -> bool:
    return line.startswith(marker) and (len(line) == len(marker) or line[len(marker)] in b" \t\r")


def old_roots(entries: t.Sequence[Entry]) -> dict[str, str]:
    """The top-level names the vendored packages replace, and the name replacing each.

    ``{"kettle": "teabag"}`` for ``kettle=teabag``; an extension patched under its own
    name with ``flask=acme_web`` gives ``{"flask": "acme_web"}``. Names that are
    entries themselves are not old names.
    """
    names = {entry.name for entry in entries}
    roots: dict[str, str] = {}
    for entry in entries:
        renames = snapshot.load_renames(entry.maps)
        for root in sorted(renames.roots - names):
            new = renames.rename(root)
            roots.setdefault(root, new.partition(".")[0] if new != root else entry.name)
    return roots


def app_from_pyproject(text: str) -> str | None:
    """``[tool.graft] app = "MODULE"``: the module ``graft check`` imports, if set."""
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError:
        return None
    value = doc.get("tool", {}).get("graft", {}).get("app")
    return str(value) if isinstance(value, str) and value else None


# -- the checks ---------------------------------------------------------------------


def check_behind(entry: Entry, root: Path, search_path: t.Sequence[str] | None) -> list[Problem]:
    try:
        newest, older = sources.newest_upstream(entry, root, search_path=search_path)
    except UserError as exc:
        return [
            Problem(
                "source", entry.name, f"cannot tell whether it is behind: {exc.format_message()}"
            )
        ]
    if older or not sources.is_behind(entry, newest):
        return []
    same = sources.same_version_changed(newest, entry.revision, entry.upstream_tree)
    newest = sources.distinguish(newest, entry.revision, entry.upstream_tree)
    why = " (files changed since the fork, same version number)" if same else ""
    return [
        Problem(
            "behind",
            entry.name,
            f"{newest.label} is available{why}, the fork is at "
            f"{sources.entry_label(entry, newest)}; run `graft sync {entry.name}`.",
        )
    ]


def check_reproducible(
    repo: vcs.Repo, entry: Entry, search_path: t.Sequence[str] | None
) -> tuple[list[Problem], list[str]]:
    """Re-run the rewrite (no cache) on the recorded revision and compare with the record."""

    problems: list[Problem] = []
    if repo.has_object(entry.snapshot):
        tree = repo.resolve(entry.snapshot, "tree")
        if tree != entry.snapshot_tree:
            problems.append(
                Problem(
                    "irreproducible",
                    entry.name,
                    f"snapshot commit {entry.snapshot[:10]} has tree {tree}, "
                    f"the manifest records {entry.snapshot_tree}.",
                )
            )
    try:
        upstream = sources.recorded_upstream(entry, repo.root.resolve(), search_path=search_path)
    except UserError as exc:
        return problems, [f"{entry.name}: snapshot not verified: {exc.format_message()}"]
    try:
        rendering = snapshot.build_tree(
            upstream, entry.maps, entry.path, repo=None, object_format=repo.object_format
        )
    except UserError as exc:
        return problems + [
            Problem(
                "irreproducible",
                entry.name,
                f"the rewrite of the recorded revision fails: {exc.format_message()}",
            )
        ], []
    if rendering.tree != entry.snapshot_tree:
        problems.append(
            Problem(
                "irreproducible",
                entry.name,
                f"re-running the rewrite on {sources.entry_label(entry)} gives tree {rendering.tree}, not the "
                f"recorded {entry.snapshot_tree}; the next sync cannot rebuild its base if the "
                "snapshot commit is lost (rewrite engine or settings changed).",
            )
        )
    return problems, []


def check_markers(repo: vcs.Repo, entry: Entry) -> list[Problem]:
    """Conflict blocks left in any file under the fork's directory (tracked or not)."""
    problems = []
    top = repo.root / entry.path
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            full = Path(dirpath, name)
            if full.is_symlink() or not full.is_file():
                continue
            rel = full.relative_to(repo.root).as_posix()
            for line in conflict_marker_lines(full.read_bytes()):
                problems.append(
                    Problem(
                        "conflict-markers",
                        entry.name,
                        "a conflict block is left here; resolve it and commit.",
                        rel,
                        line,
                    )
                )
    return problems


def package_files(root: Path, entry: Entry) -> list[Path]:
    """The files of the vendored package ``entry`` in the work tree, as ``graft rewrite`` walks
    them (caches, build output and what git ignores left out)."""
    directory = root / entry.path
    if not directory.is_dir():
        return []
    return walk([directory])[0]


def blocked_distributions(entries: t.Sequence[Entry], root: Path) -> set[str]:
    """The distributions the vendored packages replace (normalized): the original import
    names, and each fork's upstream distribution (``attrs`` for ``attr``) as its
    ``_graft_distribution.py`` records it. The vendored packages' own names are not."""
    names = {distribution.normalize(entry.name) for entry in entries}
    found = {distribution.normalize(name) for name in old_roots(entries)}
    for entry in entries:
        if entry.kind != "fork":
            continue
        upstream = distribution.recorded_upstream(root / entry.path)
        if upstream is not None:
            found.add(distribution.normalize(upstream))
    return found - names


def check_leftovers(
    entry: Entry, root: Path, files: t.Sequence[Path]
) -> tuple[list[Problem], list[leftovers.Leftover], list[str]]:
    """Code in the fork that still names an original: problems, reported findings, notes."""
    try:
        scan = leftovers.scan_package(entry, root, files)
    except UserError as exc:
        return [], [], [f"{entry.name}: leftovers: not checked: {exc.format_message()}"]
    problems = [
        Problem("old-name", entry.name, item.message, item.path, item.line)
        for item in scan.leftovers
        if item.leak
    ]
    notes = [f"{entry.name}: leftovers: cannot read {error}" for error in scan.errors]
    return problems, [item for item in scan.leftovers if not item.leak], notes


def check_isolation(
    entries: t.Sequence[Entry],
    root: Path,
    files: t.Mapping[str, t.Sequence[Path]],
    blocked: t.Collection[str],
    distributions: t.Collection[str],
    *,
    python: str | None = None,
) -> tuple[list[Problem], list[str], isolation.IsolationRun]:
    """Import every module of ``entries`` with the ``blocked`` names unimportable.

    A leak (an import of an original, a lookup of its distribution) is a problem, one per
    line of code that reached it; a module that needs a dependency or a platform the
    interpreter lacks, or that fails or crashes for another reason, is a note.
    """
    packages = [
        isolation.package_modules(entry.name, root / entry.path, files[entry.name])
        for entry in entries
    ]
    run = isolation.import_modules(
        packages, sorted(blocked), sorted(distributions), python=python, relative_to=root
    )
    interpreter = python or sys.executable
    if run.error is not None:
        return [Problem("import-failed", None, f"isolation: {run.error}")], [], run
    fork_of = {entry.name: old for old, entry in _replaced(entries).items()}
    return _leaks(run.results, fork_of), _isolation_notes(run.results, interpreter), run


def _replaced(entries: t.Sequence[Entry]) -> dict[str, Entry]:
    """Each original top-level name, and the first entry that replaces it."""
    by_name = {entry.name: entry for entry in entries}
    found: dict[str, Entry] = {}
    for old, new in old_roots(entries).items():
        if new in by_name:
            found.setdefault(old, by_name[new])
    return found


def _leaks(results: t.Sequence[isolation.ModuleResult], fork_of: dict[str, str]) -> list[Problem]:
    """One problem per line of code that reached an original, naming every module it broke."""
    sites: dict[
        tuple[str | None, int | None, str, str, str | None], list[isolation.ModuleResult]
    ] = {}
    for result in results:
        for reach in result.reached:
            key = (reach.path, reach.line, reach.kind, reach.name, reach.by)
            sites.setdefault(key, []).append(result)
    problems = []
    for (path, line, kind, name, by), modules in sites.items():
        first = modules[0]
        root = name.partition(".")[0]
        if kind == "distribution":
            what = (
                f"asks for the metadata of the {name} distribution: PackageNotFoundError "
                f"once {name} is uninstalled, the original's metadata while it is installed"
            )
        else:
            how = "imports" if kind == "import" else "looks up (importlib.util.find_spec)"
            failed = any(
                failure.module is not None and failure.module.partition(".")[0] == root
                for failure in first.failures
            )
            what = (
                f"{how} {name}: "
                + (
                    "ModuleNotFoundError once it is uninstalled"
                    if failed
                    else "it goes on without it"
                )
                + f", and while it is installed the original loads next to {first.package}"
            )
        if by is not None:
            what += f" (asked by {by}, which this line runs)"
        others = len(modules) - 1
        also = f" (and {others} other module{'s' if others != 1 else ''} that import it)"
        problems.append(
            Problem(
                "leak",
                first.package,
                f"importing {first.module} {what}{also if others else ''}.",
                path,
                line,
                modules=tuple(m.module for m in modules),
            )
        )
    return problems


def _isolation_notes(results: t.Sequence[isolation.ModuleResult], interpreter: str) -> list[str]:
    """What kept modules from being imported, other than an original: one line per cause."""
    needs: dict[tuple[str, str, bool], list[str]] = {}
    errors: dict[tuple[str, str | None, int | None], list[str]] = {}
    notes: list[str] = []
    for result in results:
        verdict = result.verdict
        if verdict in ("needs", "platform"):
            missing = result.missing
            assert missing is not None and missing.module is not None
            key = (result.package, missing.module.partition(".")[0], verdict == "platform")
            needs.setdefault(key, []).append(result.module)
        elif verdict == "error":
            # The root cause, where it was raised: modules importing a broken one share it.
            failure = result.failures[-1]
            errors.setdefault((failure.text(), failure.path, failure.line), []).append(
                result.module
            )
        elif verdict in ("crashed", "timeout"):
            notes.append(
                f"{result.module}: not imported (not a leak): {result.detail}; "
                "the other modules were imported in a new interpreter"
            )
    for (text, path, line), modules in errors.items():
        where = f"{path}:{line}: " if path and line else ""
        count = "1 module" if len(modules) == 1 else f"{len(modules)} modules"
        notes.append(f"{where}{count} not imported (not a leak): {text}: {_listed(modules)}")
    for (package, module, platform), modules in sorted(needs.items()):
        why = (
            "a standard-library module this platform lacks"
            if platform
            else f"a dependency {interpreter} cannot import"
        )
        count = "1 module that needs" if len(modules) == 1 else f"{len(modules)} modules that need"
        notes.append(f"{package}: skipped {count} {module} ({why}; not a leak): {_listed(modules)}")
    return notes


def _listed(modules: t.Sequence[str]) -> str:
    return ", ".join(modules[:3]) + (f", ... ({len(modules) - 3} more)" if len(modules) > 3 else "")


def check_imports(
    app: str, directory: Path, olds: t.Mapping[str, str], *, python: str | None = None
) -> list[Problem]:
    """Import ``app`` in a fresh interpreter run in ``directory`` and report, once per
    original package, the ``OLD``/``OLD.*`` modules it loaded and where the first
    import of it came from.

    ``app`` is found as ``flask --app`` finds it, since that is how the app is started:
    ``module:factory()`` is called; ``module:name`` is called when ``name`` is a
    function (a factory); a bare ``module`` without an ``app``/``application`` object
    has its ``create_app``/``make_app`` factory called. Factories often import lazily,
    so not calling them would let the check pass on an app that loads the old package.
    """
    command = [
        python or sys.executable,
        "-c",
        _IMPORT_PROBE,
        os.fspath(directory),
        app,
        json.dumps(sorted(olds)),
    ]
    try:
        proc = subprocess.run(
            command,
            cwd=directory,
            env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),  # read-only: no __pycache__
            capture_output=True,
            text=True,
            timeout=IMPORT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [Problem("import-failed", None, f"cannot import {app}: {exc}")]
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        detail = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        return [Problem("import-failed", None, f"importing {app} fails: {detail}")]
    found = json.loads(lines[-1])
    by_root: dict[str, list[str]] = {}
    for module in found["loaded"]:
        by_root.setdefault(module.partition(".")[0], []).append(module)
    problems = []
    for root, modules in by_root.items():
        owner = olds[root]
        listed = (
            root
            if len(modules) == 1
            else (
                f"{root} ({len(modules)} modules: {', '.join(modules[:3])}"
                f"{', ...' if len(modules) > 3 else ''})"
            )
        )
        where = _where(found["first"].get(root), directory)
        problems.append(
            Problem(
                "old-import",
                owner,
                f"importing {app} loads {listed}, which {owner} replaces"
                f"{f'; first imported from {where}' if where else ''}; import {owner} instead "
                "(or `graft patch` the extension that imports it).",
                modules=tuple(modules),
            )
        )
    return problems


def _where(first: list[t.Any] | None, directory: Path) -> str | None:
    """``file:line`` of the first importer, relative to the app's directory when inside it."""
    if not first:
        return None
    filename, line = str(first[0]), int(first[1])
    try:
        filename = Path(filename).resolve().relative_to(directory.resolve()).as_posix()
    except (ValueError, OSError):
        pass
    return f"{filename}:{line}"


def run_checks(
    name: str | None = None,
    *,
    cwd: Path | None = None,
    app: str | None = None,
    python: str | None = None,
    skip: t.Collection[str] = (),
    search_path: t.Sequence[str] | None = None,
) -> CheckReport:
    """Run every check not in ``skip`` on entry ``name`` (all entries by default).

    :raises UserError: not a git work tree, or no (such) entry in the manifest.
    """

    cwd = (cwd or Path.cwd()).resolve()
    repo = vcs.Repo(cwd)
    rel, recorded = load_manifest(repo, cwd)
    entries = [recorded.select(name)] if name is not None else list(recorded.entries)
    if not entries:
        raise UserError(
            f"{rel} records no vendored package under [tool.graft.packages].",
            hint="Run `graft fork` first.",
        )
    root = repo.root.resolve()
    problems: list[Problem] = []
    notes: list[str] = []
    stopped = state.stopped_sync(repo)
    if stopped is not None:
        problems.append(
            Problem(
                "sync-in-progress",
                stopped.name,
                f"a sync to {stopped.label} is stopped on conflicts; "
                "finish it with `graft sync --continue` or `--abort`.",
            )
        )
    files = (
        {entry.name: package_files(root, entry) for entry in entries}
        if not {"isolation", "leftovers"} <= set(skip)
        else {}
    )
    findings: list[leftovers.Leftover] = []
    # An installed distribution answering to a fork's name: which copy runs depends on sys.path.
    notes += clash_notes(entries, root, python=python)
    for entry in entries:
        if "behind" not in skip:
            problems += check_behind(entry, root, search_path)
        if "reproduce" not in skip:
            found, skipped = check_reproducible(repo, entry, search_path)
            problems += found
            notes += skipped
        if "markers" not in skip:
            problems += check_markers(repo, entry)
        if "leftovers" not in skip:
            found, reported, skipped = check_leftovers(entry, root, files[entry.name])
            problems += found
            findings += reported
            notes += skipped
    modules: tuple[isolation.ModuleResult, ...] = ()
    if "isolation" not in skip:
        found, skipped, run = check_isolation(
            entries,
            root,
            files,
            old_roots(recorded.entries),
            blocked_distributions(recorded.entries, root),
            python=python,
        )
        problems += found
        notes += skipped
        modules = run.results
    if "imports" not in skip:
        directory = (root / rel).parent
        module = app or app_from_pyproject(
            (root / rel).read_text("utf-8") if (root / rel).is_file() else ""
        )
        if module is None:
            notes.append(
                "imports: not checked; pass --app MODULE or set "
                f'[tool.graft] app = "MODULE" in {rel}.'
            )
        else:
            problems += check_imports(module, directory, old_roots(recorded.entries), python=python)
    return CheckReport(
        tuple(problems),
        tuple(notes),
        tuple(e.name for e in entries),
        modules,
        tuple(findings),
    )


__all__ = [
    "CHECKS",
    "CheckReport",
    "Problem",
    "app_from_pyproject",
    "blocked_distributions",
    "check_behind",
    "check_imports",
    "check_isolation",
    "check_leftovers",
    "check_markers",
    "check_reproducible",
    "conflict_marker_lines",
    "old_roots",
    "package_files",
    "run_checks",
]
