"""The distributions under an extension that import the framework it is patched away from.

An extension is rarely the only code between an app and Flask: flask-smorest parses
arguments with webargs, whose ``webargs.flaskparser`` does ``import flask``; webargs is
not a Flask extension and no ``flask_*`` name gives it away. Patching flask-smorest alone
leaves an app that crashes on its first import. :func:`find_dependents` walks the
extension's requirement closure (``Requires-Dist``, recursively, markers and requested
extras evaluated for this interpreter) through the installed distributions and returns
each one whose code imports an old name, so ``graft patch`` can patch them with it.

Only import statements count, wherever they are (inside ``try``, a function, an ``if``):
an optional ``try: import flask`` still runs when Flask is absent and the framework is
present under another name, and then silently takes the fallback. What is not installed
is not followed (there is nothing to patch; an extra nobody asked for is not installed).
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.metadata
import typing as t
from pathlib import PurePosixPath

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement

from .extensions import find_distribution
from .wheel import normalize_dist


@dataclasses.dataclass(frozen=True)
class Dependent:
    """An installed distribution in an extension's requirement closure that imports an old name."""

    dist: str
    """Distribution name as its metadata spells it (``webargs``)."""
    version: str
    package: str
    """The top-level package (or module) that imports the old name: what gets vendored."""
    required_by: str
    """The distribution whose ``Requires-Dist`` brought it in (the extension, or another one)."""
    where: str
    """``path:line`` of its first import of an old name, inside the distribution."""

    def describe(self) -> str:
        """One line for the report: what, why, and the evidence."""
        return (
            f"{self.dist} {self.version} ({self.package}/, required by {self.required_by})"
            f" imports the framework at {self.where}"
        )


def find_dependents(
    requires: t.Iterable[str],
    required_by: str,
    old_roots: t.Iterable[str],
    search_path: t.Sequence[str] | None = None,
) -> list[Dependent]:
    """The distributions of the closure of ``requires`` whose code imports one of ``old_roots``.

    Breadth first, in ``Requires-Dist`` order, each distribution once. Distributions named
    like an old root (Flask itself) are neither returned nor followed: they are what the
    patch moves away from. Requirements that do not parse are skipped, as pip would refuse
    them too.

    :param requires: the extension's ``Requires-Dist`` strings.
    :param required_by: the extension's distribution name (for the report).
    :param old_roots: the top-level import names being renamed (``flask``).
    :param search_path: searched before the running environment, as for the extension.
    """
    roots = frozenset(old_roots)
    skip = {normalize_dist(root) for root in roots}
    seen = set(skip) | {normalize_dist(required_by)}
    queue: list[tuple[str, str, frozenset[str]]] = [(r, required_by, frozenset()) for r in requires]
    found: list[Dependent] = []
    while queue:
        text, parent, extras = queue.pop(0)
        requirement = _parse(text)
        if requirement is None or not _applies(requirement, extras):
            continue
        name = normalize_dist(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        dist = find_distribution(requirement.name, search_path)
        if dist is None:
            continue
        dist_name = dist.metadata["Name"] or requirement.name
        queue += [(r, dist_name, frozenset(requirement.extras)) for r in dist.requires or ()]
        for package, where in _importers(dist, roots):
            found.append(Dependent(dist_name, dist.version, package, parent, where))
    return found


def _parse(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def _applies(requirement: Requirement, extras: frozenset[str]) -> bool:
    """Whether the requirement holds here, for the base install or one of the requested extras."""
    if requirement.marker is None:
        return True
    environment = t.cast(dict[str, str], default_environment())
    return any(
        requirement.marker.evaluate({**environment, "extra": extra})
        for extra in ("", *sorted(extras))
    )


def _importers(
    dist: importlib.metadata.Distribution, roots: frozenset[str]
) -> list[tuple[str, str]]:
    """``(top-level package, first import location)`` per package of ``dist`` importing a root."""
    by_package: dict[str, list[PurePosixPath]] = {}
    for record in dist.files or ():
        path = PurePosixPath(str(record).replace("\\", "/"))
        if path.suffix != ".py" or path.parts[0] in ("..", "") or ".dist-info" in path.parts[0]:
            continue
        top = path.parts[0][: -len(".py")] if len(path.parts) == 1 else path.parts[0]
        if top.isidentifier():
            by_package.setdefault(top, []).append(path)
    found = []
    for package in sorted(by_package):
        for path in sorted(by_package[package]):
            line = _first_import(str(dist.locate_file(str(path))), roots)
            if line is not None:
                found.append((package, f"{path}:{line}"))
                break
    return found


def _first_import(filename: str, roots: frozenset[str]) -> int | None:
    """The line of the first absolute import of a root in ``filename`` (None if none/unreadable)."""
    try:
        with open(filename, "rb") as handle:
            tree = ast.parse(handle.read(), filename)
    except (OSError, SyntaxError, ValueError):
        return None
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(alias.name.partition(".")[0] in roots for alias in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.partition(".")[0] in roots:
                lines.append(node.lineno)
    return min(lines) if lines else None


__all__ = ["Dependent", "find_dependents"]
