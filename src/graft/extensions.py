"""A Flask extension as ``graft patch`` reads it: its metadata, its layout, what needs a human.

The rewrite engine settles import names; this module covers the rest of what an
extension carries. Its metadata (``METADATA``, an sdist's ``PKG-INFO`` or pyproject)
names the distribution, version, requirements and entry points a patched wheel must
restate. A one-module extension (``flask_httpauth.py``) is read as a package, since the
fork machinery vendors package directories. And what no rewrite can settle, such as a
template naming ``flask``, a look-up of Flask's distribution, or the original still
installed, is reported as :class:`~graft.rewrite.result.Finding` values for a human.
"""

from __future__ import annotations

import dataclasses
import email.message
import email.parser
import email.policy
import importlib.metadata
import re
import typing as t
from pathlib import Path

from . import sources
from .rewrite.carriers import Carriers
from .rewrite.options import RewriteOptions
from .rewrite.result import Finding
from .sources import Upstream
from .wheel import normalize_dist

if t.TYPE_CHECKING:
    from .rewrite import Renames
    from .surface import TargetFacts

UPSTREAM = "flask"
"""The framework whose extensions graft patches by default."""


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


def find_distribution(
    spec: str, search_path: t.Sequence[str] | None
) -> importlib.metadata.Distribution | None:
    """An installed distribution by distribution name or top-level import name.

    :raises SourceError: its folder holds two installations of it (``pip install
        --target`` leaves the old ``*.dist-info`` behind on upgrade): which one is meant
        cannot be told, so both are named (:func:`graft.sources.only_installation`).
    """
    paths = _search(search_path)
    wanted = normalize_dist(spec)
    for where in ([paths] if paths else []) + [None]:
        kwargs: dict[str, t.Any] = {} if where is None else {"path": where}
        found = [
            dist
            for dist in importlib.metadata.distributions(**kwargs)
            if normalize_dist(dist.metadata["Name"] or "") == wanted
            or spec in (dist.read_text("top_level.txt") or "").split()
        ]
        if found:
            first = normalize_dist(found[0].metadata["Name"] or "")
            same = [d for d in found if normalize_dist(d.metadata["Name"] or "") == first]
            return sources.only_installation(same, spec)
    return None


def extension_info(
    spec: str, upstream: Upstream, cwd: Path, search_path: t.Sequence[str] | None
) -> ExtensionInfo:
    """The metadata behind ``upstream``: installed ``METADATA``, or an sdist's ``PKG-INFO``/pyproject."""
    if upstream.kind == "distribution":
        dist = find_distribution(upstream.source, search_path)
        if dist is not None:
            meta = t.cast(email.message.Message, dist.metadata)
            return ExtensionInfo(
                meta["Name"] or upstream.source,
                dist.version,
                meta,
                dist.read_text("entry_points.txt"),
            )
    directory = (cwd / spec).resolve()
    if upstream.kind == "directory" and directory.is_dir():
        pkg_info = directory / "PKG-INFO"
        if pkg_info.is_file():
            meta = email.parser.Parser(policy=email.policy.compat32).parsestr(
                pkg_info.read_text(encoding="utf-8")
            )
            return ExtensionInfo(
                meta["Name"] or upstream.package, meta["Version"] or upstream.revision, meta
            )
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

    return t.cast(
        t.Mapping[str, t.Any], tomlkit.parse(path.read_text(encoding="utf-8")).get("project", {})
    )


def locate_single_module(
    spec: str, *, cwd: Path, search_path: t.Sequence[str] | None
) -> Upstream | None:
    """A one-module extension (``flask_httpauth.py``) as an upstream whose package is that module.

    The fork machinery vendors package directories, so the module becomes the package's
    ``__init__.py``: ``import flask_httpauth`` and every attribute of it behave the same, and
    the vendored copy has the directory layout sync expects. None when ``spec`` is not one.
    """
    dist = None if ("/" in spec or spec.startswith(".")) else find_distribution(spec, search_path)
    if dist is not None:
        root = Path(str(dist.locate_file("")))
        modules = [
            m
            for m in (dist.read_text("top_level.txt") or "").split()
            if (root / f"{m}.py").is_file()
        ]
        if len(modules) != 1:
            return None
        data = (root / f"{modules[0]}.py").read_bytes()
        files = {"__init__.py": data, **_licences(dist)}
        return Upstream(
            "distribution", dist.metadata["Name"] or spec, modules[0], dist.version, None, files
        )
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
            files.update(
                {
                    p.name: p.read_bytes()
                    for p in sorted(directory.iterdir())
                    if p.is_file() and sources.LICENCE_RE.match(p.name)
                }
            )
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


_TEXT_LIMIT = 5
"""At most this many lines are reported per non-Python file (a template may say flask often)."""


def find_version_reads(code: str, path: str, roots: t.Iterable[str]) -> list[Finding]:
    """Reads of ``flask.__version__`` left as they are: they read the target's own version."""
    if not roots:
        return []
    names = "|".join(map(re.escape, sorted(roots)))
    pattern = re.compile(rf"(?<![\w.])(?:{names})\.__version__\b")
    return [
        Finding(
            path,
            n,
            "version",
            "reads the framework's __version__, which after the patch "
            "is the target's own version, not a Flask version (vial names the Flask API "
            "level it follows in __flask_version__)",
        )
        for n, line in enumerate(code.splitlines(), 1)
        if pattern.search(line)
    ]


def mentions(text: str, names: t.Iterable[str]) -> list[int]:
    """Line numbers where one of ``names`` appears as a whole word (``flask`` not ``flask_login``)."""
    pattern = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, sorted(names))) + r")(?![\w-])")
    return [n for n, line in enumerate(text.splitlines(), 1) if pattern.search(line)]


def find_human_work(
    upstream: Upstream,
    info: ExtensionInfo,
    prefix: str,
    renames: Renames,
    facts: TargetFacts = ((), None),
) -> list[Finding]:
    """What no rewrite can settle, from the raw upstream files and the extension's metadata.

    Non-Python files naming the old package (templates, data), ``__version__`` reads,
    ``Requires-Dist`` on the old framework (installing the original pulls it in; the
    wheel ``--wheel`` builds says what it requires instead) and entry points in a group
    of the old framework (moved, or kept with what will fail). ``facts`` are the
    requirement rules and the groups the target reads (:func:`graft.patch.target_facts`).
    (Distribution look-ups of the old framework and of the extension itself are
    answered: the rewrite points them at the target and at the patched copy, which
    carry the answers; the rewriter reports those it cannot point anywhere.)
    """
    roots = sorted(renames.roots)
    version_mapped = renames.rename(f"{UPSTREAM}.__version__").endswith(".__flask_version__")
    found: list[Finding] = []
    for rel, data in sorted(upstream.files.items()):
        where = f"{prefix}/{rel}"
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if rel.endswith((".py", ".pyi")):
            found += find_version_reads(text, where, [r for r in roots if not version_mapped])
            continue
        lines = mentions(text, roots)
        found += [
            Finding(
                where,
                n,
                "file",
                f"a non-Python file mentions {' or '.join(roots)}; "
                "check whether it means the framework",
            )
            for n in lines[:_TEXT_LIMIT]
        ]
    rules, groups = facts
    carriers = Carriers(renames, RewriteOptions(requirements=rules, entry_point_groups=groups))
    for requirement in info.requires:
        edit = carriers.requirement(requirement)
        if edit.new is None and edit.message is None:
            continue
        if edit.dropped:
            wheel = "a --wheel drops it (the app ships the framework itself)"
        elif edit.new is not None:
            wheel = f"a --wheel requires {edit.new} instead"
        else:
            wheel = "a --wheel keeps it"
        found.append(
            Finding(
                f"{info.dist} metadata",
                0,
                "metadata",
                f"Requires-Dist: {requirement}; installing the original from PyPI pulls it in: "
                f"{wheel}" + (f" ({edit.message})" if edit.message else ""),
            )
        )
    declared = re.findall(r"^\s*\[([^\]]+)\]", info.entry_points or "", re.MULTILINE)
    for group in (g.strip() for g in declared):
        decision = carriers.group(group)
        if decision is None or (decision.new is None and decision.message is None):
            continue  # not the old framework's, or the target reads it as it is
        where = f"{info.dist} entry_points.txt"
        if decision.new is not None:
            message = (
                f"registers in the [{group}] entry-point group of the old framework; "
                f"a --wheel registers it in [{decision.new}] instead, the group the target reads"
            )
        else:
            message = f"registers in the [{group}] entry-point group: {decision.message}"
        found.append(Finding(where, 0, "entry-point", message))
    return found


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
        found.append(
            Finding(
                f"{installed.metadata['Name']} {installed.version}",
                0,
                "environment",
                f"the original is installed in {location}; it shadows the patched copy "
                "unless the app runs from its root: replace it with --wheel DIR --install",
            )
        )
    return found


__all__ = [
    "UPSTREAM",
    "ExtensionInfo",
    "extension_info",
    "find_distribution",
    "find_human_work",
    "find_original_installed",
    "find_version_reads",
    "locate_single_module",
    "mentions",
]
