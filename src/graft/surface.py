"""What a rename's new package is, as packaging metadata needs to know it.

The rewriter renames an entry point's group only where the new package reads the
renamed group, and turns a requirement on the original distribution into one on the
distribution that provides the new package (:mod:`graft.rewrite.projectfiles`). Both
are facts about the new package, not about the file being rewritten; this module finds
them, for ``graft rewrite`` (the forks the app records, the bundled vial, an installed
package) and for the wheels ``graft patch`` builds (:mod:`graft.wheel`), so the two give
the same answer:

* **entry-point groups**: the ``entry_points(group=...)`` reads in the new package's
  own code (:func:`graft.rewrite.entrypoints.groups_read`), each with the file and line;
* **requirements**: the bundled vial is provided by ``vial-web``, whose bounds map
  through the Flask release each vial-web release follows (:data:`VIAL_RELEASES`); a
  fork the app ships itself needs no requirement (dropped); a package an installed
  distribution provides is required by that distribution's name (no version bound can
  be mapped, and the finding says so); anything else gets no rule and is reported.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import typing as t
from pathlib import Path

from .bundled import BUNDLED, BUNDLED_DISTRIBUTION
from .rewrite.entrypoints import GroupReads, groups_read
from .rewrite.options import RequirementRule
from .workspace import project_manifest

if t.TYPE_CHECKING:
    from .rewrite import Renames

VIAL_RELEASES: tuple[tuple[str, str], ...] = (("0.1.0", "3.1.3"),)
"""Each vial-web release and the Flask release whose API it follows (``vial.__flask_version__``),
oldest first. A requirement ``Flask>=2.2`` admits the vial-web releases that follow a Flask
it admits: ``vial-web>=0.1.0``. The newest entry is vial's own (a test holds them together);
add one with every vial-web release."""


def package_directory(name: str) -> Path | None:
    """Where the installed top-level package ``name`` lives (found without importing it)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            return Path(location)
        return None
    return Path(spec.origin) if spec.origin and spec.origin.endswith(".py") else None


def entry_point_groups(location: Path, package: str) -> GroupReads:
    """The entry-point groups the package at ``location`` (a directory, or one module) reads.

    Each with where: ``package/relative/path.py:line``, or the file itself for a lone module.
    """
    files = (
        sorted(p for p in location.rglob("*.py") if "__pycache__" not in p.parts)
        if location.is_dir()
        else [location]
    )
    found: list[tuple[str, str]] = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if b"entry_points" not in data:
            continue
        if location.is_dir():
            parts = path.relative_to(location).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            module = ".".join((package, *(parts[:-1] if is_package else parts)))
            shown = f"{package}/{path.relative_to(location).as_posix()}"
        else:
            module, is_package, shown = package, False, path.name
        for group, line in groups_read(data, module, is_package=is_package):
            found.append((group, f"{shown}:{line}"))
    return tuple(sorted(set(found)))


def vial_rule(distribution: str) -> RequirementRule:
    """``Flask>=2.2`` -> ``vial-web>=0.1.0``: the bundled vial's distribution, bounds mapped."""
    return RequirementRule(
        distribution,
        BUNDLED_DISTRIBUTION,
        VIAL_RELEASES,
        _extras(BUNDLED_DISTRIBUTION),
        f"{BUNDLED_DISTRIBUTION} installs {BUNDLED}",
    )


def requirement_rule(distribution: str, target: str, *, app_ships: bool) -> RequirementRule | None:
    """What a requirement on ``distribution`` becomes once its package is renamed to ``target``.

    ``app_ships``: the app records ``target`` as a fork of its own (``graft fork``), so
    nothing needs to install it. None: nothing known provides ``target``; the
    requirement is kept and reported.
    """
    if app_ships:
        return RequirementRule(distribution, reason=f"the app ships {target} itself")
    if target == BUNDLED:
        return vial_rule(distribution)
    providers = importlib.metadata.packages_distributions().get(target) or []
    if len(providers) != 1:
        return None
    return RequirementRule(
        distribution,
        providers[0],
        (),
        _extras(providers[0]),
        f"{providers[0]} installs {target}",
    )


def _extras(distribution: str) -> tuple[str, ...] | None:
    try:
        metadata = importlib.metadata.metadata(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    return tuple(metadata.get_all("Provides-Extra") or ())


def recorded_targets(paths: t.Sequence[Path], renames: Renames) -> list[tuple[Path, str]]:
    """``(directory, name)`` of each fork or patch recorded for the projects of ``paths`` that the map renames to."""
    news = {renames.rename(root).partition(".")[0] for root in renames.roots}
    found: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for start in [Path.cwd(), *(path if path.is_dir() else path.parent for path in paths)]:
        project = project_manifest(start)
        if project is None or project[0] in seen:
            continue
        root, manifest = project
        seen.add(root)
        found.extend((root / e.path, e.name) for e in manifest.entries if e.name in news)
    return found


TargetFacts = tuple[tuple[RequirementRule, ...], GroupReads | None]
"""The requirement rules, and the entry-point groups the new packages read (None: unknown)."""


def rewrite_facts(
    renames: Renames,
    recorded: t.Sequence[tuple[Path, str]],
    distributions: t.Sequence[tuple[str, str]] = (),
) -> TargetFacts:
    """The requirement rules and entry-point group reads for ``graft rewrite`` with ``renames``.

    ``recorded`` are the ``(directory, name)`` of the forks and patches the app records
    that the map renames to; ``distributions`` the ``(upstream distribution, name)`` pairs
    they answer for (:func:`graft.workspace.target_distributions`). The groups are None
    when the code of none of the new packages is at hand.
    """
    shipped = {name: directory for directory, name in recorded}
    rules: dict[str, RequirementRule] = {}
    reads: list[tuple[str, str]] = []
    seen_code = False
    for root in sorted(renames.roots):
        new = renames.rename(root).partition(".")[0]
        if new == root:
            continue
        directory = shipped.get(new) or package_directory(new)
        if directory is not None:
            seen_code = True
            reads.extend(entry_point_groups(directory, new))
        names = [old for old, target in distributions if target == new] or [root]
        for name in names:
            rule = requirement_rule(name, new, app_ships=new in shipped)
            if rule is not None:
                rules.setdefault(rule.distribution, rule)
    groups = tuple(sorted(set(reads))) if seen_code else None
    return tuple(rules[name] for name in sorted(rules)), groups


__all__ = [
    "VIAL_RELEASES",
    "TargetFacts",
    "entry_point_groups",
    "package_directory",
    "recorded_targets",
    "requirement_rule",
    "rewrite_facts",
    "vial_rule",
]
