"""Patch a Flask extension so that it runs on a renamed framework (vial, or a fork).

Flask's docs name the price of forking: extensions break because the framework has a
different import name. ``graft patch`` removes it with the same engine that made the fork:
the extension's files are copied into the app's tree and only its references to the
framework are rewritten (``flask_sqlalchemy`` stays unless mapped).

How the patched copy is imported, and why it keeps its name: the copy is vendored into the
directory that holds the app's top-level packages (next to the fork), under the extension's
*own* import name. The app, its tests, and other extensions that import it
(``import flask_login``, flask-wtf's tests importing ``flask_babel``) keep working
unchanged, and ``graft sync`` merges its later releases like a fork's (the entry is recorded
with ``kind = "patch"``). It stays out of the way of the original because the original is
not installed beside it: in an environment the patched copy is installed as a wheel
(:mod:`graft.wheel`) that *replaces* the original distribution (same name, local version
``+<target>``) and requires the target framework instead of Flask; beside the app's tree,
the vendored directory comes first on ``sys.path`` when the app runs from its root.

This module decides which maps to apply (a profile, the fork the manifest records, or
both composed) and puts the steps together; what the extension itself says and what in it
needs a human are :mod:`graft.extensions`'; locating, vendoring, recording and syncing are
the fork machinery's (:mod:`graft.fork`, :mod:`graft.sources`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import typing as t
from pathlib import Path

from . import interrupts, journal, sources, vcs
from .closure import Dependent, find_dependents
from .errors import SourceError, UserError
from .extensions import (
    UPSTREAM,
    ExtensionInfo,
    extension_info,
    find_human_work,
    find_original_installed,
    find_version_reads,
    locate_single_module,
)
from .manifest import Entry, parse_manifest
from .report import ForkReport
from .rewrite import PROFILES, Renames
from .rewrite.result import Finding
from .surface import TargetFacts, rewrite_facts
from .vendoring import ForkPlan, apply_vendor, plan_vendor, report_plan
from .wheel import (
    build_wheel,
    check_wheel_dir,
    install_wheel,
    local_version,
    normalize_dist,
    rewrite_entry_points,
    rewrite_requirements,
)
from .workspace import open_clean_repo

VIAL_PROFILE = "flask-vial"
"""The built-in profile that moves Flask code to vial."""


def profile_renames(name: str) -> Renames:
    """The maps of a built-in profile (``flask-vial``), owned by the rewrite engine.

    :raises UserError: no profile of that name.
    """
    if name not in PROFILES:
        known = ", ".join(sorted(PROFILES))
        raise UserError(f"Unknown profile {name!r}.", hint=f"Known profiles: {known}.")
    return PROFILES[name]


def compose(renames: Renames, then: Renames) -> Renames:
    """``renames`` followed by ``then`` applied to each target (``flask=vial`` + ``vial=acme`` -> ``flask=acme``).

    Kept for callers of ``graft.patch``; the map itself does it (:meth:`Renames.compose`).
    """
    return renames.compose(then)


@dataclasses.dataclass(frozen=True)
class Target:
    """The framework a patch points an extension at, and the maps that get it there."""

    name: str
    """Import name of the target framework (``vial``, ``acme_web``)."""
    renames: Renames
    """What is rewritten in the extension (never the extension's own name: it keeps it)."""
    fork: str | None = None
    """The manifest entry of the fork targeted, when the maps came from the manifest."""


def resolve_target(
    app_root: Path | None,
    *,
    maps: t.Sequence[str] = (),
    profile: str | None = None,
    fork: str | None = None,
) -> Target:
    """Decide the maps: explicit ``--map``/``--profile``, else the fork the app's manifest records.

    A fork of Flask gives ``flask=<fork>``; a fork of vial gives the flask-vial profile
    redirected from ``vial`` to the fork (:meth:`Renames.redirect`, as ``graft rewrite
    --target`` does); no fork at all means the app runs on the bundled vial (the
    flask-vial profile). An explicit profile is redirected to the app's vial fork too, so
    ``--profile flask-vial`` in an app that forked vial targets the fork.

    :raises UserError: the manifest records several forks and ``fork`` picks none, or
        ``fork`` names one it does not record.
    """
    forks = _recorded_forks(app_root)
    if fork is not None:
        chosen = [e for e in forks if e.name == fork]
        if not chosen:
            known = ", ".join(e.name for e in forks) or "none"
            raise UserError(
                f"No fork named {fork!r} in pyproject.toml (recorded: {known}).",
                hint="Run `graft fork` first, or give --map OLD=NEW.",
            )
        forks = chosen
    explicit = Renames.parse(maps) if maps else None
    if profile is not None:
        base = profile_renames(profile)
        vial_forks = [e for e in forks if e.package == "vial"]
        if len(vial_forks) == 1:
            base = base.redirect("vial", vial_forks[0].name)
        if explicit is not None:
            base = base.merged(explicit)
        return Target(
            _target_name(base), base, vial_forks[0].name if len(vial_forks) == 1 else None
        )
    if explicit is not None:
        return Target(_target_name(explicit), explicit)
    if len(forks) > 1:
        names = ", ".join(e.name for e in forks)
        raise UserError(
            f"Several forks are recorded ({names}).", hint="Pick one with --target NAME."
        )
    if not forks:  # no fork: the app runs on the vial graft ships
        return Target(sources.BUNDLED, profile_renames(VIAL_PROFILE))
    entry = forks[0]
    if entry.package == UPSTREAM:
        renames = Renames({UPSTREAM: entry.name})
    elif entry.package == "vial":
        renames = profile_renames(VIAL_PROFILE).redirect("vial", entry.name)
    else:
        raise UserError(
            f"The fork {entry.name!r} comes from {entry.package!r}, not from flask or vial.",
            hint="Give the maps with --map flask=NEW.",
        )
    return Target(entry.name, renames, entry.name)


def _recorded_forks(app_root: Path | None) -> list[Entry]:
    if app_root is None or not (app_root / "pyproject.toml").is_file():
        return []
    text = (app_root / "pyproject.toml").read_text(encoding="utf-8")
    return [e for e in parse_manifest(text).entries if e.kind == "fork"]


def _target_name(renames: Renames) -> str:
    new = renames.mapping.get(UPSTREAM) or next(iter(renames.mapping.values()))
    return new.partition(".")[0]


@dataclasses.dataclass(frozen=True)
class PatchReport:
    """The outcome of ``graft patch``: the vendoring, what needs a human, the wheel."""

    vendored: ForkReport
    target: str
    """Import name of the framework the extension now uses."""
    dist: str
    version: str
    human: tuple[Finding, ...] = ()
    """Everything that needs a human: the rewriter's findings, then :func:`find_human_work`'s."""
    wheel: str | None = None
    requirements: tuple[tuple[str, str], ...] = ()
    """``(old, new)`` for each ``Requires-Dist`` the wheel rewrote."""
    installed: bool = False
    along: tuple[PatchReport, ...] = ()
    """The distributions of the requirement closure patched with this one (or, on a dry
    run, that would be), each with its own report: they import the old name too."""
    reason: Dependent | None = None
    """Why this distribution was patched along with another (set on the reports in ``along``)."""
    left: tuple[Dependent, ...] = ()
    """Dependencies that import the old name but were not patched (``--no-deps``)."""

    def to_dict(self) -> dict[str, t.Any]:
        return {
            **self.vendored.to_dict(),
            "target": self.target,
            "dist": self.dist,
            "version": self.version,
            "human": [_finding_dict(f) for f in self.human],
            "wheel": self.wheel,
            "requirements": [list(pair) for pair in self.requirements],
            "installed": self.installed,
            "along": [report.to_dict() for report in self.along],
            "reason": None if self.reason is None else dataclasses.asdict(self.reason),
            "left": [dataclasses.asdict(d) for d in self.left],
        }


def _finding_dict(finding: t.Any) -> t.Any:
    to_dict = getattr(finding, "to_dict", None)
    return to_dict() if callable(to_dict) else str(finding)


def fork_directory(root: Path, target: Target) -> Path | None:
    """The directory of the fork the patch targets, when the app records it."""
    if target.fork is None:
        return None
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
    entry = parse_manifest(text).get(target.fork)
    return None if entry is None else root / entry.path


def target_facts(root: Path, target: Target) -> TargetFacts:
    """What the extension's requirements and entry-point groups become for ``target``.

    The same rules ``graft rewrite`` applies to packaging metadata: a fork the app
    records ships with the app (requirements on Flask are dropped) and its code says
    which groups it reads; the bundled vial is installed by vial-web.
    """
    directory = fork_directory(root, target)
    recorded = [(directory, target.name)] if directory is not None else []
    return rewrite_facts(target.renames, recorded)


def default_into(root: Path, cwd: Path, target: Target) -> Path:
    """Where patched extensions go: beside the targeted fork, else the app's ``src/`` or ``cwd``."""
    directory = fork_directory(root, target)
    if directory is not None:
        return directory.parent
    src = cwd / "src"
    return src if src.is_dir() else cwd


def plan_patch(
    spec: str,
    *,
    cwd: Path | None = None,
    maps: t.Sequence[str] = (),
    profile: str | None = None,
    fork: str | None = None,
    into: Path | None = None,
    ref: str | None = None,
    package: str | None = None,
    search_path: t.Sequence[str] | None = None,
) -> tuple[ForkPlan, Target, ExtensionInfo, list[Finding]]:
    """Plan the patch without writing anything: the vendoring plan, the target, the findings.

    :raises UserError: dirty tree, unknown extension, unusable maps, already recorded, ...
    """
    cwd = (cwd or Path.cwd()).resolve()
    repo = open_clean_repo(cwd)
    root = repo.root.resolve()
    target = resolve_target(root, maps=maps, profile=profile, fork=fork)
    if spec in (target.name, UPSTREAM, sources.BUNDLED):
        raise UserError(
            f"{spec!r} is a framework, not an extension.",
            hint="Use `graft fork` to vendor a framework.",
        )
    try:
        upstream = sources.locate(
            spec, root=root, cwd=cwd, ref=ref, package=package, search_path=search_path
        )
    except SourceError:
        # The fork machinery reads package directories only; a one-module extension is
        # read here. Not at a git ref: that would need the module's blob at the ref.
        single = None if ref else locate_single_module(spec, cwd=cwd, search_path=search_path)
        if single is None:
            raise
        upstream = single
    base = (into if into is not None else default_into(root, cwd, target)).resolve()
    plan = plan_vendor(
        spec,
        upstream.package,
        kind="patch",
        cwd=cwd,
        path=os.path.relpath(base / upstream.package, cwd),
        maps=target.renames.to_strings(),
        upstream=upstream,
    )
    info = extension_info(spec, upstream, cwd, search_path)
    human = find_human_work(
        upstream, info, plan.entry.path, target.renames, target_facts(root, target)
    )
    human += find_original_installed(info.dist, root)
    return plan, target, info, human


def _merge_findings(engine: t.Iterable[t.Any], extra: t.Iterable[Finding]) -> list[t.Any]:
    """The rewriter's findings plus ours, without a second report of the same line and kind."""
    merged = list(engine)
    seen = {
        (getattr(f, "path", None), getattr(f, "line", None), getattr(f, "kind", None))
        for f in merged
    }
    merged += [f for f in extra if (f.path, f.line, f.kind) not in seen]
    return merged


def build_patched_wheel(
    root: Path, entry: Entry, info: ExtensionInfo, target: Target, out_dir: Path
) -> tuple[Path, list[tuple[str, str]]]:
    """Build the wheel of the vendored copy at ``entry.path``; returns it and the swapped requirements."""
    # A fork recorded in this app ships inside the app, and the app is what installs the
    # wheel: requiring the app's own distribution would be circular (and most apps are not
    # distributions). Whatever else provides the target (vial-web for vial) is required.
    rules, groups = target_facts(root, target)
    requires, changed = rewrite_requirements(info.requires, target.renames, rules)
    package_dir = root / entry.path
    path = build_wheel(
        package_dir.parent,
        [package_dir.name],
        out_dir,
        name=info.dist,
        version=local_version(info.version, target.name),
        requires=requires,
        metadata=info.metadata,
        entry_points=rewrite_entry_points(info.entry_points, target.renames, groups),
    )
    return path, changed


def patch(
    spec: str,
    *,
    dry_run: bool = False,
    wheel_dir: Path | None = None,
    install: bool = False,
    dependencies: bool = True,
    cwd: Path | None = None,
    maps: t.Sequence[str] = (),
    profile: str | None = None,
    fork: str | None = None,
    into: Path | None = None,
    ref: str | None = None,
    package: str | None = None,
    search_path: t.Sequence[str] | None = None,
) -> PatchReport:
    """``graft patch``: vendor the extension rewritten for the target, record it, maybe build a wheel.

    ``cwd`` to ``search_path`` are the parameters of :func:`plan_patch`. With ``dependencies`` (the default), every
    installed distribution of the extension's requirement closure that imports the old
    name (:func:`graft.closure.find_dependents`) is patched with it, one commit and one
    manifest entry each, so ``graft sync`` merges their releases the same way; one that the
    manifest already records is left as it is. All or nothing: if any of them fails (or
    is interrupted), HEAD, index and work tree are as before the first. Nothing is written
    on ``dry_run``; wheels are built only after every patch is committed (from the
    committed copies).
    """
    if wheel_dir is not None:
        check_wheel_dir(wheel_dir)
    with contextlib.ExitStack() as held:
        if not dry_run:  # the repository lock from planning the first patch to the last commit
            where = vcs.Repo((cwd or Path.cwd()).resolve())
            held.enter_context(journal.exclusive(where, f"graft patch {spec}"))
        first = _Planned(
            *plan_patch(
                spec, cwd=cwd, maps=maps, profile=profile, fork=fork, into=into, ref=ref,
                package=package, search_path=search_path,
            )
        )  # fmt: skip
        found = find_dependents(
            first.info.requires, first.info.dist, first.target.renames.roots, search_path
        )
        recorded = _recorded_dists(first.plan.pyproject_text)
        found = [d for d in found if normalize_dist(d.dist) not in recorded]
        if not dependencies:
            left, found = tuple(found), []
        else:
            left = ()

        def plan_dependent(dependent: Dependent) -> _Planned:
            # Located like the extension, but at no ref, and by the package found importing.
            planned = plan_patch(
                dependent.dist, cwd=cwd, maps=maps, profile=profile, fork=fork, into=into,
                package=dependent.package, search_path=search_path,
            )  # fmt: skip
            return _Planned(*planned, reason=dependent)

        if dry_run:  # each planned against today's HEAD: what it would vendor and find
            along = tuple(plan_dependent(d).report(report_plan) for d in found)
            return dataclasses.replace(first.report(report_plan), along=along, left=left)
        repo = vcs.Repo(first.plan.root)
        done: list[tuple[_Planned, PatchReport]] = []
        try:
            done.append((first, first.report(apply_vendor)))
            for dependent in found:
                planned = plan_dependent(dependent)
                done.append((planned, planned.report(apply_vendor)))
        except BaseException:
            if repo.head() != first.plan.head:
                repo.restore(first.plan.head, first.plan.branch)
                interrupts.reset()  # the commits made before are undone: nothing was completed
            raise
        if wheel_dir is not None:
            done = [(p, p.with_wheel(r, wheel_dir.resolve(), install)) for p, r in done]
        reports = [report for _, report in done]
        return dataclasses.replace(reports[0], along=tuple(reports[1:]), left=left)


@dataclasses.dataclass(frozen=True)
class _Planned:
    """One distribution's planned patch, with what its report and wheel need."""

    plan: ForkPlan
    target: Target
    info: ExtensionInfo
    extra: list[Finding]
    reason: Dependent | None = None

    def report(self, vendor: t.Callable[[ForkPlan], ForkReport]) -> PatchReport:
        """The report after ``vendor`` (``apply_vendor``, or ``report_plan`` for a dry run)."""
        return PatchReport(
            vendor(self.plan),
            self.target.name,
            self.info.dist,
            self.info.version,
            tuple(_merge_findings(self.plan.rendering.findings, self.extra)),
            reason=self.reason,
        )

    def with_wheel(self, report: PatchReport, wheel_dir: Path, install: bool) -> PatchReport:
        """``report`` once the wheel of the committed copy is built (and maybe installed)."""
        built, changed = build_patched_wheel(
            self.plan.root, self.plan.entry, self.info, self.target, wheel_dir
        )
        if install:
            install_wheel(built)
        return dataclasses.replace(
            report, wheel=os.fspath(built), requirements=tuple(changed), installed=install
        )


def _recorded_dists(pyproject_text: str) -> set[str]:
    """The distributions the manifest already records, normalized (patched before, or a fork)."""
    return {normalize_dist(entry.source) for entry in parse_manifest(pyproject_text).entries}


__all__ = [
    "Dependent",
    "ExtensionInfo",
    "PatchReport",
    "Target",
    "build_patched_wheel",
    "compose",
    "find_human_work",
    "find_version_reads",
    "patch",
    "plan_patch",
    "profile_renames",
    "resolve_target",
]
