"""What an upstream says about its distribution: name, version and metadata text.

A fork answers ``importlib.metadata`` lookups with its upstream's metadata
(:mod:`graft.rewrite.distribution`), and a directory or git source is labelled with
its version. Both come from the files a project ships, read in the order the
packaging tools themselves trust them: the ``PKG-INFO`` of an sdist (or of an
``*.egg-info``), an installed ``*.dist-info/METADATA`` next to the package, the static
``[project]`` table of ``pyproject.toml`` (or ``[metadata]`` of ``setup.cfg``), then a
version module (``__version__.py``, ``_version.py``, ``version.py``) or ``__version__``
in the package's ``__init__.py``. Nothing is imported or executed.
"""

from __future__ import annotations

import ast
import configparser
import re
import typing as t
from dataclasses import dataclass
from pathlib import Path

from .errors import SourceError

VERSION_MODULES = ("__version__.py", "_version.py", "version.py", "__about__.py")
"""Modules a package keeps its version in, looked at in this order before ``__init__.py``."""
_VERSION_NAMES = ("__version__", "version", "VERSION")


@dataclass(frozen=True)
class DistInfo:
    """A distribution's name, version and metadata as an upstream ships them (each may be unknown)."""

    name: str | None = None
    version: str | None = None
    metadata: str | None = None
    """The ``METADATA``/``PKG-INFO`` text, when the source has one."""

    def merged(self, other: DistInfo) -> DistInfo:
        """This, with what it does not know taken from ``other``."""
        return DistInfo(
            self.name or other.name,
            self.version or other.version,
            self.metadata or other.metadata,
        )


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def parse_metadata(text: str) -> DistInfo:
    """Name and version from a ``METADATA``/``PKG-INFO`` text (the text kept with them)."""
    name = version = None
    for line in text.splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if not sep:
            continue
        if key.strip().lower() == "name" and name is None:
            name = value.strip()
        elif key.strip().lower() == "version" and version is None:
            version = value.strip()
    return DistInfo(name, version, text if name or version else None)


def from_pyproject(text: str) -> DistInfo:
    """The static name and version of ``[project]`` (a dynamic version is not known here)."""
    import tomlkit
    import tomlkit.exceptions

    try:
        project = tomlkit.parse(text).get("project")
    except tomlkit.exceptions.TOMLKitError:
        return DistInfo()
    if not isinstance(project, dict):
        return DistInfo()
    name, version = project.get("name"), project.get("version")
    return DistInfo(
        str(name) if isinstance(name, str) else None,
        str(version) if isinstance(version, str) else None,
    )


def from_setup_cfg(text: str) -> DistInfo:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return DistInfo()
    if not parser.has_section("metadata"):
        return DistInfo()
    name = parser.get("metadata", "name", fallback=None)
    version = parser.get("metadata", "version", fallback=None)
    if version is not None and not re.fullmatch(r"[\w.+!-]+", version):
        version = None  # "attr: pkg.__version__" and the like: read the module instead
    return DistInfo(name, version)


def version_in_source(data: bytes) -> str | None:
    """A string constant assigned to ``__version__`` (or ``version``/``VERSION``) at module level."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        for target in targets:
            if (
                isinstance(target, ast.Name)
                and target.id in _VERSION_NAMES
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                return value.value
    return None


def from_package_files(files: t.Mapping[str, bytes]) -> DistInfo:
    """The version a package's own files state: a version module, then ``__init__.py``."""
    for name in (*VERSION_MODULES, "__init__.py"):
        data = files.get(name)
        if data is not None:
            version = version_in_source(data)
            if version is not None:
                return DistInfo(version=version)
    return DistInfo()


def from_project_files(files: t.Mapping[str, bytes]) -> DistInfo:
    """Name and version from a project's top-level files (``PKG-INFO``, ``pyproject.toml``, ``setup.cfg``)."""
    info = DistInfo()
    if "PKG-INFO" in files:
        info = info.merged(parse_metadata(files["PKG-INFO"].decode("utf-8", "replace")))
    if "pyproject.toml" in files:
        info = info.merged(from_pyproject(files["pyproject.toml"].decode("utf-8", "replace")))
    if "setup.cfg" in files:
        info = info.merged(from_setup_cfg(files["setup.cfg"].decode("utf-8", "replace")))
    return info


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def installed_metadata(folder: Path, package: str) -> DistInfo:
    """The ``*.dist-info``/``*.egg-info`` in ``folder`` that provides ``package``, if exactly one does.

    :raises SourceError: two of them provide it (an upgrade with ``pip install --target``
        leaves the old one behind): which one is meant cannot be told, so it is said.
    """
    found: list[tuple[Path, DistInfo]] = []
    for info_dir in sorted([*folder.glob("*.dist-info"), *folder.glob("*.egg-info")]):
        if not info_dir.is_dir():
            continue
        text = _read(info_dir / "METADATA") or _read(info_dir / "PKG-INFO")
        if text is None:
            continue
        parsed = parse_metadata(text.decode("utf-8", "replace"))
        if _provides(info_dir, parsed, package):
            found.append((info_dir, parsed))
    return _single(found, folder, package)


def _provides(info_dir: Path, parsed: DistInfo, package: str) -> bool:
    top = _read(info_dir / "top_level.txt")
    if top is not None:
        return package in top.decode("utf-8", "replace").split()
    record = _read(info_dir / "RECORD")
    if record is not None:
        return any(
            line.split(",", 1)[0].startswith((f"{package}/", f"{package}.py"))
            for line in record.decode("utf-8", "replace").splitlines()
        )
    return parsed.name is not None and _normalize(parsed.name) == _normalize(package)


def _single(found: list[tuple[Path, DistInfo]], folder: Path, package: str) -> DistInfo:
    if not found:
        return DistInfo()
    names = {_normalize(info.name or "") for _, info in found}
    if len(found) > 1 and len(names) == 1:
        listed = ", ".join(path.name for path, _ in found)
        raise SourceError(
            f"{folder} holds {len(found)} installations of {found[0][1].name} ({listed}); "
            "graft cannot tell which one the files belong to.",
            hint="Remove the stale one (pip leaves it behind when upgrading with --target), then retry.",
        )
    return found[0][1]


def same_folder_duplicates(dists: t.Sequence[t.Any]) -> list[t.Any]:
    """The distributions of ``dists`` (one name) that sit in the same folder as the first one."""
    if len(dists) < 2:
        return []
    where = [str(dist.locate_file("")) for dist in dists]
    return [dist for dist, place in zip(dists, where) if place == where[0]]


def from_directory(package_dir: Path, project_root: Path | None) -> DistInfo:
    """Everything a source directory states about its distribution, best source first."""
    info = DistInfo()
    if project_root is not None:
        top = {
            name: data
            for name in ("PKG-INFO", "pyproject.toml", "setup.cfg")
            if (data := _read(project_root / name)) is not None
        }
        egg = sorted([*project_root.glob("*.egg-info"), *(project_root / "src").glob("*.egg-info")])
        if "PKG-INFO" not in top:
            for info_dir in egg:
                data = _read(info_dir / "PKG-INFO")
                if data is not None:
                    top["PKG-INFO"] = data
                    break
        info = from_project_files(top)
    package = package_dir.stem if package_dir.suffix == ".py" else package_dir.name
    info = info.merged(installed_metadata(package_dir.parent, package))
    if package_dir.is_dir():
        own = {
            name: data
            for name in (*VERSION_MODULES, "__init__.py")
            if (data := _read(package_dir / name))
        }
    else:
        own = {"__init__.py": _read(package_dir) or b""}
    return info.merged(from_package_files(own))


__all__ = [
    "DistInfo",
    "from_directory",
    "from_package_files",
    "from_project_files",
    "installed_metadata",
    "parse_metadata",
    "same_folder_duplicates",
    "version_in_source",
]
