"""Vendoring a package into an app: the operation under ``graft fork`` and ``graft patch``.

One operation does both: copy package OLD from SOURCE at a revision into PATH
as import name NEW, rewritten with MAPS, recorded as manifest entry NEW of kind
``fork`` or ``patch``. It is planned first (:func:`plan_vendor`, which writes
nothing) and then applied (:func:`apply_vendor`).

In git, the pristine renamed snapshot becomes a root commit whose tree holds
only the package's path, by graft's fixed identity. The user's branch gets one
merge commit, by the user, whose parents are the old HEAD and the snapshot and
whose tree adds the package and the manifest entry. So the snapshot is
reachable from the branch (a fresh clone can sync), and ``graft sync`` merges
later snapshots with that commit as the base. Until HEAD moves, only
unreachable objects have been written; if anything fails after, HEAD, index
and work tree are put back.
"""

from __future__ import annotations

import ast
import typing as t
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from . import __version__, interrupts, journal, manifest, snapshot, sources, vcs
from .errors import InvalidNameError, UserError, VcsError
from .import_names import validate_import_name
from .report import ForkReport
from .workspace import (
    check_writable,
    find_pyproject,
    open_clean_repo,
    reopen_clean_repo,
    repository_boundary,
)

if t.TYPE_CHECKING:
    from .manifest import Entry
    from .rewrite.tree import ProgressCallback
    from .snapshot import RenamedTree
    from .sources import Upstream


@dataclass(frozen=True)
class ForkPlan:
    """Everything :func:`apply_vendor` will do, computed without changing the repository."""

    root: Path
    head: str
    branch: str | None
    pyproject: str
    """Repository-relative path of the ``pyproject.toml`` that records the entry."""
    pyproject_text: str
    entry: Entry
    """The entry to record; ``snapshot`` is filled in when the plan is applied."""
    upstream: str
    rendering: RenamedTree
    index: str | None = None
    """The index's stamp when planned (:meth:`graft.vcs.Repo.index_stamp`); None: check all again."""
    notes: tuple[str, ...] = ()
    """What a dry run wants the user to know (a dirty work tree the real fork refuses)."""
    script: tuple[str, str] | None = None
    """``(name, "module:function")`` to add to ``[project.scripts]`` (``--script``)."""


def _target(repo: vcs.Repo, cwd: Path, path: str | None, name: str, head: str) -> str:
    root = repo.root.resolve()
    full = (cwd / (path or name)).resolve()
    try:
        rel = full.relative_to(root)
    except ValueError:
        raise UserError(f"--path {full} is outside the repository ({root}).") from None
    posix = rel.as_posix()
    if posix in ("", ".") or rel.parts[0] == ".git":
        raise UserError(f"--path {path!r} cannot hold a package.", hint="Give a subdirectory.")
    if full.exists() or full.is_symlink() or repo.lookup(head, posix):
        raise UserError(
            f"{posix} already exists.", hint="Choose another --path, or remove it first."
        )
    inner = repository_boundary(repo, head, posix)
    if inner is not None:
        raise UserError(
            f"--path {posix} is inside {inner}, another git repository (a submodule); "
            "its files would not be committed here.",
            hint="Choose a --path outside it.",
        )
    return posix


# -- the core ------------------------------------------------------------------


def plan_vendor(
    source: str | None,
    name: str,
    *,
    kind: str = "fork",
    cwd: Path | None = None,
    path: str | None = None,
    ref: str | None = None,
    package: str | None = None,
    maps: t.Sequence[str] = (),
    force: bool = False,
    search_path: t.Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    upstream: Upstream | None = None,
    dry_run: bool = False,
    script: str | None = None,
) -> ForkPlan:
    """Plan vendoring package OLD from ``source`` as import name ``name``; writes nothing.

    :param kind: ``fork`` (a renamed copy: the map OLD=NAME is implied) or ``patch``
        (an extension kept under its own name, ``name == OLD``, rewritten with ``maps``).
    :param maps: extra rewrite maps (``flask=myflask``) on top of the implied one.
    :param force: allow NAME to shadow a standard-library or installed module
        (a ``patch`` shadows the installed extension on purpose and never needs it).
    :param upstream: an upstream already read (``source``, ``ref``, ``package`` and
        ``search_path`` are then ignored); :func:`graft.sources.locate_upstream` must find
        the same files again from the recorded source for syncs to work.
    :param dry_run: only to be rendered: a dirty work tree is noted, not refused.
    :param script: ``NAME`` or ``NAME=MODULE:FUNCTION``: a console script running the fork,
        added to the app's ``[project.scripts]`` and recorded in the entry (forks only).
        ``NAME`` alone runs what upstream's own console script runs, renamed.
    :raises UserError: one of its subclasses, before anything was written.
    """
    cwd = (cwd or Path.cwd()).resolve()
    notes: list[str] = []
    repo = open_clean_repo(cwd, notes=notes if dry_run else None, what=kind)
    index = repo.index_stamp()
    head = repo.head()
    if head is None:
        raise VcsError(
            "the repository has no commits yet.",
            hint="Commit your app first (git commit --allow-empty -m init is enough).",
        )
    if kind not in manifest.KINDS:
        raise UserError(f"unknown kind {kind!r}.")
    pyproject, text = find_pyproject(repo, cwd)
    recorded = manifest.parse_manifest(text)
    if not dry_run:
        check_writable(repo, pyproject)
    if recorded.get(name) is not None:  # first: the fork's own directory shadows nothing
        raise UserError(
            f"{name} is already recorded in {pyproject}.",
            hint=f"Run `graft sync {name}` to update it.",
        )
    validate_import_name(name, force=force or kind == "patch")
    prefix = _target(repo, cwd, path, name, head)
    if PurePosixPath(prefix).name != name and not force:
        # Python imports a package by its directory's name, so any other name is unimportable.
        raise InvalidNameError(
            f"the package directory must be named {name} to be importable as {name} (got {path}).",
            hint=f"Use --path {PurePosixPath(prefix).parent / name}, or --force to keep it.",
        )
    for other in recorded.entries:
        if prefix.startswith(other.path + "/") or other.path.startswith(prefix + "/"):
            raise UserError(f"{prefix} overlaps {other.name} at {other.path}.")
    if upstream is None:
        upstream = sources.locate(
            source or sources.BUNDLED,
            root=repo.root.resolve(),
            cwd=cwd,
            ref=ref,
            package=package,
            search_path=search_path,
        )
    if kind == "fork" and upstream.package == name:
        raise InvalidNameError(
            f"NEW_NAME {name!r} is the upstream's own name.",
            hint="A fork needs a new import name (e.g. acme_web).",
        )
    if kind == "patch" and upstream.package != name:
        raise InvalidNameError(
            f"a patched extension keeps its name: expected {upstream.package!r}."
        )
    implied = [f"{upstream.package}={name}"] if upstream.package != name else []
    all_maps = snapshot.load_renames([*implied, *maps]).to_strings()
    rendering = snapshot.build_tree(upstream, all_maps, prefix, repo=repo, progress=progress)
    console = None
    if script is not None:
        if kind != "fork":
            raise UserError("--script is for forks: an extension keeps its own scripts.")
        console = _console_script(script, name, upstream, search_path)
        manifest.set_console_script(text, *console)  # refuses a clash now, before any write
    entry = manifest.Entry(
        name=name,
        kind=kind,
        source=upstream.source,
        source_kind=upstream.kind,
        package=upstream.package,
        path=prefix,
        maps=tuple(all_maps),
        revision=upstream.revision,
        upstream_tree=upstream.tree,
        fingerprint=rendering.fingerprint,
        snapshot="",
        snapshot_tree=rendering.tree,
        graft_version=__version__,
        ref=upstream.ref,
        script=console[0] if console else None,
    )
    return ForkPlan(
        repo.root.resolve(),
        head,
        repo.branch(),
        pyproject,
        text,
        entry,
        upstream.label,
        rendering,
        index,
        tuple(notes),
        console,
    )


def _console_script(
    spec: str, name: str, upstream: Upstream, search_path: t.Sequence[str] | None
) -> tuple[str, str]:
    """``--script NAME[=MODULE:FUNCTION]`` as ``(NAME, "MODULE:FUNCTION")``, checked.

    Without a target, upstream's own console script is renamed (vial's ``vial.cli:main``
    becomes ``acme_web.cli:main``). The target must be a module of the fork that defines
    the function at its top level, or the installed script would fail when first run.
    """
    script, given, target = (part.strip() for part in spec.partition("="))
    if not manifest.is_script_name(script):
        raise UserError(
            f"--script {script!r} is not a console script name.",
            hint="Use letters, digits, '.', '_' and '-', e.g. --script acme-web.",
        )
    if not given:
        own = sources.console_scripts(upstream, search_path)
        if len(own) != 1:
            found = ", ".join(f"{k} = {v}" for k, v in sorted(own.items()))
            what = f"console scripts {found}" if own else "no console script"
            raise UserError(
                f"{upstream.label} declares {what}, so graft cannot tell what {script} runs.",
                hint=f"Name it: --script {script}={name}.MODULE:FUNCTION.",
            )
        (target,) = own.values()
        target = name + target[len(upstream.package) :]
    module, colon, function = target.partition(":")
    if not colon or not all(part.isidentifier() for part in function.split(".")):
        raise UserError(
            f"--script {script}={target}: the target must be MODULE:FUNCTION.",
            hint=f"For example --script {script}={name}.cli:main.",
        )
    if module != name and not module.startswith(name + "."):
        raise UserError(
            f"--script {script}={target} does not run the fork {name}.",
            hint=f"Give a module of {name}, e.g. {name}.cli:main.",
        )
    inner = module[len(name) :].lstrip(".").replace(".", "/")
    candidates = [f"{inner}.py", f"{inner}/__init__.py"] if inner else ["__init__.py"]
    found_file = next((c for c in candidates if c in upstream.files), None)
    if found_file is None:
        raise UserError(
            f"--script {script}={target}: the fork has no module {module}.",
            hint=f"Give a module of {name} that exists, e.g. {name}.cli:main.",
        )
    if not _defines(upstream.files[found_file], function.split(".")[0]):
        raise UserError(
            f"--script {script}={target}: {module} defines no {function.split('.')[0]}.",
            hint="Give a function the module defines at its top level.",
        )
    return script, target


def _defines(source: bytes, attr: str) -> bool:
    """Whether a module binds ``attr`` at its top level (a module that will not parse: assume so)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return True
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == attr:
                return True
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((a.asname or a.name.split(".")[0]) == attr for a in node.names):
                return True
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(x, ast.Name) and x.id == attr for x in targets):
                return True
    return False


def apply_vendor(plan: ForkPlan) -> ForkReport:
    """Write the snapshot and the merge commit, then move the branch to it.

    Holds the repository lock. If anything fails or is interrupted before the branch
    moved, HEAD, index and work tree are as before (the files the checkout wrote are
    taken back by identity); once it moved, the fork is complete. A process killed in
    between leaves its record for the next graft command (:mod:`graft.journal`).
    """
    verb = "fork" if plan.entry.kind == "fork" else "patch"
    command = f"graft {verb} {plan.entry.name}"
    with journal.exclusive(vcs.Repo(plan.root), command):
        repo = reopen_clean_repo(
            plan.root, plan.head, plan.index, plan.pyproject, plan.pyproject_text, what=verb
        )
        entry = plan.entry
        snapshot.checkpoint("planned")
        tree = snapshot.store(repo, plan.rendering)
        snap = repo.commit_tree(
            tree, [], snapshot.snapshot_message(entry, plan.upstream), snapshot=True
        )
        snapshot.checkpoint("snapshot")
        entry = entry.replace(snapshot=snap)
        text = manifest.set_entry(plan.pyproject_text, entry)
        if plan.script is not None:
            text = manifest.set_console_script(text, *plan.script)
        blob = repo.write_blob(text.encode("utf-8"))
        merged = repo.write_tree(
            {**plan.rendering.files, plan.pyproject: blob},
            base=plan.head,
            modes=plan.rendering.modes,
        )
        message = (
            f"graft {verb}: {plan.upstream} as {entry.name} in {entry.path}/\n\n"
            f"Adds {plan.upstream} ({entry.source_kind} source {entry.source}) at {entry.path}/, "
            f"renamed with {', '.join(entry.maps)}, and records it under "
            f"[tool.graft.packages.{entry.name}] in {plan.pyproject}.\n"
            + (
                f"Adds the console script {plan.script[0]} = {plan.script[1]} to "
                f"[project.scripts].\n"
                if plan.script
                else ""
            )
            + f"The second parent is the pristine renamed snapshot {snap[:10]}; "
            "graft sync uses it as the merge base.\n"
        )
        commit = repo.commit_tree(merged, [plan.head, snap], message)
        snapshot.checkpoint("commit")
        # Recorded before the first visible change: what the checkout may write, and
        # the commit whose presence on the branch means the fork is complete.
        operation = journal.begin(
            repo,
            verb,
            entry.name,
            command,
            pre_head=plan.head,  # where reopen_clean_repo found HEAD
            branch=repo.branch(),
            target=commit,
            paths=(entry.path, plan.pyproject),
        )
        moved = False
        try:
            repo.checkout_tree(plan.head, commit)
            snapshot.checkpoint("checkout")
            with interrupts.deferred():
                # The point of no return: a Ctrl-C from here on cuts only the report.
                repo.set_ref("HEAD", commit, plan.head, f"graft {verb}: {entry.name}")
                moved = True
                interrupts.mark_completed(f"the {verb} commit {commit[:10]}")
                journal.clear(repo)
        except BaseException as exc:
            if not moved:
                journal.undo(repo, operation, exc)
            raise
        repo.enable_rerere()  # so the next sync reuses resolutions (an explicit setting stays)
        snapshot.save_cache(repo, plan.rendering)
    return _report(plan, entry, snap, commit)


def _report(plan: ForkPlan, entry: Entry, snap: str | None, commit: str | None) -> ForkReport:
    prefix = entry.path + "/"
    return ForkReport(
        name=entry.name,
        kind=entry.kind,
        package=entry.package,
        upstream=plan.upstream,
        source=entry.source,
        source_kind=entry.source_kind,
        revision=entry.revision,
        path=entry.path,
        pyproject=plan.pyproject,
        maps=entry.maps,
        files=tuple(p[len(prefix) :] for p in plan.rendering.files),
        rewritten=plan.rendering.rewritten,
        findings=plan.rendering.findings,
        snapshot=snap,
        commit=commit,
        dry_run=commit is None,
        notes=plan.notes if commit is None else (),
        script=f"{plan.script[0]} = {plan.script[1]}" if plan.script else None,
    )


def report_plan(plan: ForkPlan) -> ForkReport:
    """The report of a plan that was not applied (``--dry-run``)."""
    return _report(plan, plan.entry, None, None)


def vendor(
    source: str | None,
    name: str,
    *,
    kind: str = "fork",
    cwd: Path | None = None,
    path: str | None = None,
    ref: str | None = None,
    package: str | None = None,
    maps: t.Sequence[str] = (),
    force: bool = False,
    search_path: t.Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    upstream: Upstream | None = None,
    dry_run: bool = False,
    script: str | None = None,
) -> ForkReport:
    """Plan, then apply unless ``dry_run``; the parameters are those of :func:`plan_vendor`.

    A real run holds the repository lock from planning to the end; a dry run, which
    changes nothing, takes no lock.
    """

    def plan() -> ForkPlan:
        return plan_vendor(
            source, name, kind=kind, cwd=cwd, path=path, ref=ref, package=package, maps=maps,
            force=force, search_path=search_path, progress=progress, upstream=upstream,
            dry_run=dry_run, script=script,
        )  # fmt: skip

    if dry_run:
        return report_plan(plan())
    with journal.exclusive(vcs.Repo((cwd or Path.cwd()).resolve()), f"graft {kind} {name}"):
        return apply_vendor(plan())


__all__ = [
    "ForkPlan",
    "apply_vendor",
    "plan_vendor",
    "report_plan",
    "vendor",
]
