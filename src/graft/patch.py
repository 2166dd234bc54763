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

This module decides which maps to apply and what needs a human; locating, vendoring,
recording and syncing are the fork machinery's (:mod:`graft.fork`, :mod:`graft.sources`).
"""

from __future__ import annotations

import ast
import dataclasses
import email.message
import email.parser
import email.policy
import importlib.metadata
import os
import re
import typing as t
from pathlib import Path

from . import __version__, snapshot, sources
from .errors import SourceError, UserError
from .fork import ForkPlan, apply_vendor, find_pyproject, open_clean_repo, plan_vendor, report_plan
from .manifest import Entry, parse_manifest
from .report import ForkReport
from .rewrite import PROFILES, Renames
from .rewrite.result import Finding
from .sources import Upstream
from .wheel import (
    build_wheel,
    check_wheel_dir,
    install_wheel,
    local_version,
    normalize_dist,
    rename_entry_point_groups,
    rewrite_requirements,
    target_requirement,
)

UPSTREAM = "flask"
"""The framework whose extensions graft patches by default."""

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
    """``renames`` followed by ``then`` applied to each target (``flask=vial`` + ``vial=acme`` -> ``flask=acme``)."""
    return Renames({old: then.rename(new) for old, new in renames.mapping.items()})


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
    composed with ``vial=<fork>``; no fork at all means the app runs on the bundled vial
    (the flask-vial profile). An explicit profile is composed with the app's vial fork too,
    so ``--profile flask-vial`` in an app that forked vial targets the fork.

    :raises UserError: the manifest records several forks and ``fork`` picks none, or
        ``fork`` names one it does not record.
    """
    forks = _recorded_forks(app_root)
    if fork is not None:
        chosen = [e for e in forks if e.name == fork]
        if not chosen:
            known = ", ".join(e.name for e in forks) or "none"
            raise UserError(f"No fork named {fork!r} in pyproject.toml (recorded: {known}).",
                            hint="Run `graft fork` first, or give --map OLD=NEW.")
        forks = chosen
    explicit = Renames.parse(maps) if maps else None
    if profile is not None:
        base = profile_renames(profile)
        vial_forks = [e for e in forks if e.package == "vial"]
        if len(vial_forks) == 1:
            base = compose(base, Renames({"vial": vial_forks[0].name}))
        if explicit is not None:
            base = base.merged(explicit)
        return Target(_target_name(base), base, vial_forks[0].name if len(vial_forks) == 1 else None)
    if explicit is not None:
        return Target(_target_name(explicit), explicit)
    if len(forks) > 1:
        names = ", ".join(e.name for e in forks)
        raise UserError(f"Several forks are recorded ({names}).", hint="Pick one with --target NAME.")
    if not forks:  # no fork: the app runs on the vial graft ships
        return Target(sources.BUNDLED, profile_renames(VIAL_PROFILE))
    entry = forks[0]
    if entry.package == UPSTREAM:
        renames = Renames({UPSTREAM: entry.name})
    elif entry.package == "vial":
        renames = compose(profile_renames(VIAL_PROFILE), Renames({"vial": entry.name}))
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
class ExtensionInfo:
    """What an extension's own metadata says: the parts a wheel and the findings need."""

    dist: str
    """Distribution name (``Flask-Login``), or the import name when there is no metadata."""
    version: str
    metadata: email.message.Message | None = None
    entry_points: str | None = None

    @property
    def requires(self) -> list[str]:
        if self.metadata is None:
            return []
        return [str(v) for v in self.metadata.get_all("Requires-Dist") or []]


def _search(search_path: t.Sequence[str] | None) -> list[str]:
    return [*(search_path or []), *sources.search_path_from_env()]


def _find_dist(spec: str, search_path: t.Sequence[str] | None) -> importlib.metadata.Distribution | None:
    """An installed distribution by distribution name or top-level import name."""
    paths = _search(search_path)
    wanted = normalize_dist(spec)
    for where in ([paths] if paths else []) + [None]:
        kwargs: dict[str, t.Any] = {} if where is None else {"path": where}
        for dist in importlib.metadata.distributions(**kwargs):
            tops = (dist.read_text("top_level.txt") or "").split()
            if normalize_dist(dist.metadata["Name"] or "") == wanted or spec in tops:
                return dist
    return None


def extension_info(spec: str, upstream: Upstream, cwd: Path, search_path: t.Sequence[str] | None) -> ExtensionInfo:
    """The metadata behind ``upstream``: installed ``METADATA``, or an sdist's ``PKG-INFO``/pyproject."""
    if upstream.kind == "distribution":
        dist = _find_dist(upstream.source, search_path)
        if dist is not None:
            meta = t.cast(email.message.Message, dist.metadata)
            return ExtensionInfo(meta["Name"] or upstream.source, dist.version, meta,
                                 dist.read_text("entry_points.txt"))
    directory = (cwd / spec).resolve()
    if upstream.kind == "directory" and directory.is_dir():
        pkg_info = directory / "PKG-INFO"
        if pkg_info.is_file():
            meta = email.parser.Parser(policy=email.policy.compat32).parsestr(
                pkg_info.read_text(encoding="utf-8"))
            return ExtensionInfo(meta["Name"] or upstream.package, meta["Version"] or upstream.revision, meta)
        project = _pyproject_project(directory)
        if project:
            meta = email.message.Message()
            meta["Name"] = str(project.get("name") or upstream.package)
            meta["Version"] = str(project.get("version") or upstream.revision)
            if project.get("description"):
                meta["Summary"] = str(project["description"])
            for requirement in project.get("dependencies", []):
                meta["Requires-Dist"] = str(requirement)
            return ExtensionInfo(meta["Name"], meta["Version"], meta)
    return ExtensionInfo(upstream.package, upstream.revision)


def _pyproject_project(directory: Path) -> t.Mapping[str, t.Any]:
    path = directory / "pyproject.toml"
    if not path.is_file():
        return {}
    import tomlkit

    return t.cast(t.Mapping[str, t.Any], tomlkit.parse(path.read_text(encoding="utf-8")).get("project", {}))


def locate_single_module(
    spec: str, *, cwd: Path, search_path: t.Sequence[str] | None
) -> Upstream | None:
    """A one-module extension (``flask_httpauth.py``) as an upstream whose package is that module.

    The fork machinery vendors package directories, so the module becomes the package's
    ``__init__.py``: ``import flask_httpauth`` and every attribute of it behave the same, and
    the vendored copy has the directory layout sync expects. None when ``spec`` is not one.
    """
    dist = None if ("/" in spec or spec.startswith(".")) else _find_dist(spec, search_path)
    if dist is not None:
        root = Path(str(dist.locate_file("")))
        modules = [m for m in (dist.read_text("top_level.txt") or "").split() if (root / f"{m}.py").is_file()]
        if len(modules) != 1:
            return None
        data = (root / f"{modules[0]}.py").read_bytes()
        files = {"__init__.py": data, **_licences(dist)}
        return Upstream("distribution", dist.metadata["Name"] or spec, modules[0], dist.version, None, files)
    directory = (cwd / spec).resolve()
    if not directory.is_dir():
        return None
    project = _pyproject_project(directory)
    name = str(project.get("name") or directory.name)
    guess = re.sub(r"[-.]+", "_", name).lower()
    for base in (directory / "src", directory):
        module = base / f"{guess}.py"
        if module.is_file():
            files = {"__init__.py": module.read_bytes()}
            files.update({p.name: p.read_bytes() for p in sorted(directory.iterdir())
                          if p.is_file() and sources.LICENCE_RE.match(p.name)})
            version = str(project.get("version") or "unversioned")
            return Upstream("directory", spec, guess, version, None, files)
    return None


def _licences(dist: importlib.metadata.Distribution) -> dict[str, bytes]:
    found = {}
    for record in dist.files or ():
        name = str(record).rsplit("/", 1)[-1]
        if ".dist-info/" in str(record) and sources.LICENCE_RE.match(name):
            found[name] = Path(str(dist.locate_file(record))).read_bytes()
    return found


_METADATA_CALLS = {"version", "distribution", "metadata", "requires", "files", "get_distribution", "require"}
_TEXT_LIMIT = 5
"""At most this many lines are reported per non-Python file (a template may say flask often)."""


def find_metadata_lookups(code: str, path: str, dists: t.Iterable[str]) -> list[Finding]:
    """``importlib.metadata``/``pkg_resources`` look-ups of the given distributions in ``code``.

    Distribution names are not import names, so no rewrite touches them. In the patched
    environment a look-up of Flask raises ``PackageNotFoundError`` (Flask is not installed) or
    reports upstream's version, and a vendored copy has no distribution of its own: a human
    decides what the answer should be.
    """
    wanted = {normalize_dist(d) for d in dists}
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        arg = node.args[0]
        if name in _METADATA_CALLS and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            if normalize_dist(re.split(r"[<>=!~ ;\[]", arg.value)[0]) in wanted:
                found.append(Finding(path, node.lineno, "distribution",
                                     f"{name}({arg.value!r}) looks up a distribution the patched "
                                     "copy does not have; decide what it should answer"))
    return found


def find_version_reads(code: str, path: str, roots: t.Iterable[str]) -> list[Finding]:
    """Reads of ``flask.__version__`` left as they are: they read the target's own version."""
    if not roots:
        return []
    names = "|".join(map(re.escape, sorted(roots)))
    pattern = re.compile(rf"(?<![\w.])(?:{names})\.__version__\b")
    return [Finding(path, n, "version", "reads the framework's __version__, which after the patch "
                    "is the target's own version, not a Flask version (vial names the Flask API "
                    "level it follows in __flask_version__)")
            for n, line in enumerate(code.splitlines(), 1) if pattern.search(line)]


def mentions(text: str, names: t.Iterable[str]) -> list[int]:
    """Line numbers where one of ``names`` appears as a whole word (``flask`` not ``flask_login``)."""
    pattern = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, sorted(names))) + r")(?![\w-])")
    return [n for n, line in enumerate(text.splitlines(), 1) if pattern.search(line)]


def find_human_work(upstream: Upstream, info: ExtensionInfo, prefix: str, renames: Renames) -> list[Finding]:
    """What no rewrite can settle, from the raw upstream files and the extension's metadata.

    Non-Python files naming the old package (templates, data, entry points), distribution
    look-ups of the old framework or of the extension itself (a vendored copy has no
    metadata), ``__version__`` reads, and ``Requires-Dist`` on the old framework.
    """
    roots = sorted(renames.roots)
    version_mapped = renames.rename(f"{UPSTREAM}.__version__").endswith(".__flask_version__")
    old_dists = [*roots, info.dist, upstream.source if upstream.kind == "distribution" else info.dist]
    found: list[Finding] = []
    for rel, data in sorted(upstream.files.items()):
        where = f"{prefix}/{rel}"
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if rel.endswith((".py", ".pyi")):
            found += find_metadata_lookups(text, where, old_dists)
            found += find_version_reads(text, where, [r for r in roots if not version_mapped])
            continue
        lines = mentions(text, roots)
        found += [Finding(where, n, "file", f"a non-Python file mentions {' or '.join(roots)}; "
                          "check whether it means the framework") for n in lines[:_TEXT_LIMIT]]
    for requirement in info.requires:
        name = normalize_dist(re.split(r"[<>=!~ ;\[(]", requirement.strip())[0])
        if name in {normalize_dist(r) for r in roots}:
            found.append(Finding(f"{info.dist} metadata", 0, "metadata",
                                 f"Requires-Dist: {requirement}; installing the original from PyPI "
                                 "pulls it in: build the patched wheel with --wheel"))
    groups = re.findall(r"^\[([^\]]+)\]", info.entry_points or "", re.MULTILINE)
    for group in groups:
        if group.partition(".")[0] in roots:
            found.append(Finding(f"{info.dist} entry_points.txt", 0, "entry-point",
                                 f"registers in the [{group}] entry-point group of the old framework; "
                                 f"a --wheel registers it in [{renames.rename(group)}] instead"))
    return found


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
        }


def _finding_dict(finding: t.Any) -> t.Any:
    to_dict = getattr(finding, "to_dict", None)
    return to_dict() if callable(to_dict) else str(finding)


def default_into(root: Path, cwd: Path, target: Target) -> Path:
    """Where patched extensions go: beside the targeted fork, else the app's ``src/`` or ``cwd``."""
    if target.fork is not None:
        pyproject = root / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
        entry = parse_manifest(text).get(target.fork)
        if entry is not None:
            return (root / entry.path).parent
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
        raise UserError(f"{spec!r} is a framework, not an extension.",
                        hint="Use `graft fork` to vendor a framework.")
    single = None
    try:
        upstream = sources.locate(spec, root=root, cwd=cwd, ref=ref, package=package,
                                  search_path=search_path)
    except SourceError:
        # The fork machinery reads package directories only; a one-module extension is
        # read here. Not at a git ref: that would need the module's blob at the ref.
        single = None if ref else locate_single_module(spec, cwd=cwd, search_path=search_path)
        if single is None:
            raise
        upstream = single
    base = (into if into is not None else default_into(root, cwd, target)).resolve()
    path = os.path.relpath(base / upstream.package, cwd)
    options: dict[str, t.Any] = dict(kind="patch", cwd=cwd, path=path, maps=target.renames.to_strings(),
                                     search_path=search_path)
    if single is None:
        plan = plan_vendor(spec, upstream.package, ref=ref, package=package, **options)
    else:
        plan = plan_upstream(single, upstream.package, **options)
    info = extension_info(spec, upstream, cwd, search_path)
    human = find_human_work(upstream, info, plan.entry.path, target.renames)
    human += find_original_installed(info.dist, root)
    return plan, target, info, human


def find_original_installed(dist: str, root: Path) -> list[Finding]:
    """The original distribution installed in the running environment, outside the app.

    Then two copies answer to one import name, and which one wins depends on ``sys.path``
    order (the app's root first only when the app runs from there); the original imports
    Flask. The fix is to replace it with the patched wheel.
    """
    found = []
    for installed in importlib.metadata.distributions(name=dist):
        location = Path(str(installed.locate_file(""))).resolve()
        if location == root or root in location.parents:
            continue
        found.append(Finding(f"{installed.metadata['Name']} {installed.version}", 0, "environment",
                             f"the original is installed in {location}; it shadows the patched copy "
                             "unless the app runs from its root: replace it with --wheel DIR --install"))
    return found


def plan_upstream(upstream: Upstream, name: str, *, kind: str, cwd: Path, path: str,
                  maps: t.Sequence[str], search_path: t.Sequence[str] | None = None) -> ForkPlan:
    """:func:`graft.fork.plan_vendor` for an upstream already read (a single-module extension).

    The fork machinery locates its own sources and reads package directories only; this
    builds the same plan from an :class:`Upstream` this module made, so applying it and
    recording it go through the one shared path.
    """
    repo = open_clean_repo(cwd)
    head = repo.head()
    if head is None:
        raise UserError("the repository has no commits yet.", hint="Commit your app first.")
    full = (cwd / path).resolve()
    prefix = full.relative_to(repo.root.resolve()).as_posix()
    if full.exists() or repo.resolve(f"{head}:{prefix}", "object"):
        raise UserError(f"{prefix} already exists.", hint="Choose another --into, or remove it first.")
    pyproject, text = find_pyproject(repo, cwd)
    if parse_manifest(text).get(name) is not None:
        raise UserError(f"{name} is already recorded in {pyproject}.",
                        hint=f"Run `graft sync {name}` to update it.")
    all_maps = snapshot.load_renames(maps).to_strings()
    rendering = snapshot.render(upstream, all_maps, prefix, repo=repo)
    entry = Entry(
        name=name, kind=kind, source=upstream.source, source_kind=upstream.kind,
        package=upstream.package, path=prefix, maps=tuple(all_maps), revision=upstream.revision,
        upstream_tree=upstream.tree, fingerprint=rendering.fingerprint, snapshot="",
        snapshot_tree=rendering.tree, graft_version=__version__, ref=upstream.ref,
    )
    return ForkPlan(repo.root.resolve(), head, repo.branch(), pyproject, text, entry,
                    upstream.label, rendering)


def _merge_findings(engine: t.Iterable[t.Any], extra: t.Iterable[Finding]) -> list[t.Any]:
    """The rewriter's findings plus ours, without a second report of the same line and kind."""
    merged = list(engine)
    seen = {(getattr(f, "path", None), getattr(f, "line", None), getattr(f, "kind", None)) for f in merged}
    merged += [f for f in extra if (f.path, f.line, f.kind) not in seen]
    return merged


def build_patched_wheel(
    root: Path, entry: Entry, info: ExtensionInfo, target: Target, out_dir: Path
) -> tuple[Path, list[tuple[str, str]]]:
    """Build the wheel of the vendored copy at ``entry.path``; returns it and the swapped requirements."""
    replace = {normalize_dist(r): target_requirement(target.name) for r in target.renames.roots}
    requires, changed = rewrite_requirements(info.requires, replace)
    package_dir = root / entry.path
    path = build_wheel(package_dir.parent, [package_dir.name], out_dir, name=info.dist,
                       version=local_version(info.version, target.name), requires=requires,
                       metadata=info.metadata,
                       entry_points=rename_entry_point_groups(info.entry_points, target.renames))
    return path, changed


def patch(
    spec: str,
    *,
    dry_run: bool = False,
    wheel_dir: Path | None = None,
    install: bool = False,
    **options: t.Any,
) -> PatchReport:
    """``graft patch``: vendor the extension rewritten for the target, record it, maybe build a wheel.

    Options are those of :func:`plan_patch`. Nothing is written on ``dry_run``; a wheel is
    built only after the patch is committed (it is built from the committed copy).
    """
    if wheel_dir is not None:
        check_wheel_dir(wheel_dir)
    plan, target, info, extra = plan_patch(spec, **options)
    human = _merge_findings(plan.rendering.findings, extra)
    if dry_run:
        return PatchReport(report_plan(plan), target.name, info.dist, info.version, tuple(human))
    vendored = apply_vendor(plan)
    entry = plan.entry
    wheel: str | None = None
    changed: list[tuple[str, str]] = []
    installed = False
    if wheel_dir is not None:
        built, changed = build_patched_wheel(plan.root, entry, info, target, wheel_dir.resolve())
        wheel = os.fspath(built)
        if install:
            install_wheel(built)
            installed = True
    return PatchReport(vendored, target.name, info.dist, info.version, tuple(human), wheel,
                       tuple(changed), installed)


__all__ = [
    "ExtensionInfo",
    "PatchReport",
    "Target",
    "build_patched_wheel",
    "compose",
    "find_human_work",
    "find_metadata_lookups",
    "patch",
    "plan_patch",
    "profile_renames",
    "resolve_target",
]
