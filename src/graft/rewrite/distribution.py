"""Distribution metadata for a package that is not installed: a fork or a vendored patch.

``importlib.metadata.version("werkzeug")`` inside a fork of werkzeug, or in code
rewritten to use it, asks for a distribution that the fork is not: the call raises
``PackageNotFoundError`` once the original is gone, or, worse, answers with the
original's installed version. So every vendored package carries a module,
``_graft_distribution.py``, written when graft renders the upstream (and again on
every ``graft sync``), that holds the upstream's metadata as released (its ``Version``,
``Requires-Dist``, summary, URLs) under the package's own import name, and adds a
finder to ``sys.meta_path`` when the package is imported. The rewriter turns the
lookups of the old distribution into lookups of that name
(``version("werkzeug")`` -> ``version("mywerk")``), in the fork and in its clients.

The finder answers ``importlib.metadata`` (and the ``importlib_metadata`` backport,
which asks finders the same way) for exactly that name, after every real finder, so
an installed distribution of the same name always wins; ``pkg_resources`` learns the
distribution when it is, or gets, imported. Files and entry points cannot be
answered (nothing is installed): ``files(...)`` gives None and the rewriter reports
such calls.

A package may bring its own answer: vial ships a ``_graft_distribution.py`` that
answers with the Flask release whose API it follows (``vial.__flask_version__``), so
that code asking for Flask's version keeps meaning the API level. graft then leaves
the upstream's module as it is.
"""

from __future__ import annotations

import ast
import re
import typing as t

MODULE = "_graft_distribution"
"""The module's name inside the package (``NEW/_graft_distribution.py``)."""
FILE = MODULE + ".py"
REGISTRATION = (
    f"from . import {MODULE}  # noqa: F401  (graft: importlib.metadata answers for this package)"
)
"""The line added to the package's ``__init__.py`` so the finder is in place before any lookup."""

_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):[ \t]?(.*)$")


def normalize(name: str) -> str:
    """A distribution name as ``importlib.metadata`` compares it (PEP 503, with underscores)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def metadata_headers(text: str) -> list[tuple[str, str]]:
    """The header fields of a ``METADATA``/``PKG-INFO`` text, continuation lines joined, body dropped."""
    fields: list[tuple[str, str]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            break  # the body (the long description) starts after the first empty line
        if line[:1] in (" ", "\t") and fields:
            key, value = fields[-1]
            fields[-1] = (key, value + "\n" + line.strip())
            continue
        match = _HEADER.match(line)
        if match is not None:
            fields.append((match.group(1), match.group(2).rstrip()))
    return fields


def metadata_for(name: str, version: str, text: str | None) -> str:
    """The metadata the package answers with: the upstream's header fields, named ``name``.

    The long description is left out (nothing reads it through a lookup, and it would
    make every release's module differ). Without upstream metadata (a git checkout),
    the minimal form: name and version.
    """
    headers = metadata_headers(text) if text else []
    if not headers:
        headers = [("Metadata-Version", "2.1"), ("Name", name)]
    out: list[str] = []
    for key, value in headers:
        if key.lower() == "name":
            value = name
        out.append(f"{key}: {value}".replace("\n", "\n        "))
        if key.lower() == "name" and not any(k.lower() == "version" for k, _ in headers):
            out.append(f"Version: {version}")
    return "\n".join(out) + "\n"


def version_of(metadata: str) -> str:
    for key, value in metadata_headers(metadata):
        if key.lower() == "version":
            return value
    return "0"


def module_source(name: str, package: str, upstream: str, metadata: str) -> bytes:
    """The source of ``_graft_distribution.py`` for a package importable as ``package``.

    ``name`` is the distribution name lookups use (normally ``package`` itself).
    Deterministic: the same arguments give the same bytes.
    """
    version = version_of(metadata)
    return _TEMPLATE.format(
        name=name,
        package=package,
        upstream=upstream or name,
        version=version,
        name_literal=repr(name),
        upstream_literal=repr(upstream or name),
        version_literal=repr(version),
        metadata_literal=_literal(metadata),
    ).encode("utf-8")


def _literal(text: str) -> str:
    """A triple-quoted literal of ``text`` that reads like the metadata file itself."""
    if (
        '"""' in text
        or "\\" in text
        or not text.isprintable()
        and any(not c.isprintable() and c != "\n" for c in text)
    ):
        return repr(text)
    return '"""\\\n' + text + '"""'


_UPSTREAM_LINE = re.compile(r"^UPSTREAM = ['\"]([^'\"]+)['\"]", re.MULTILINE)


def recorded_upstream(package_dir: t.Any) -> str | None:
    """The upstream distribution a vendored package's ``_graft_distribution.py`` names, if any."""
    from pathlib import Path

    try:
        text = (Path(package_dir) / FILE).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    match = _UPSTREAM_LINE.search(text)
    return match.group(1) if match is not None else None


def has_registration(init: bytes) -> bool:
    return f"from . import {MODULE}".encode() in init


def remove_registration(init: bytes) -> bytes:
    """``init`` without the line :func:`add_registration` adds: the upstream's own bytes."""
    line = REGISTRATION.encode()
    for newline in (b"\r\n", b"\n"):
        if line + newline in init:
            return init.replace(line + newline, b"", 1)
    return init.replace(line, b"", 1)


def add_registration(init: bytes) -> bytes:
    """``init`` (a package's ``__init__.py``) with :data:`REGISTRATION` after its docstring
    and ``from __future__`` imports, so the finder is in place before the package's own code
    runs; unchanged if the line is there. Line endings follow the file's own.
    """
    if has_registration(init):
        return init
    newline = b"\r\n" if b"\r\n" in init else b"\n"
    line = REGISTRATION.encode() + newline
    try:
        tree = ast.parse(init)
    except (SyntaxError, ValueError):
        return init  # the rewriter reports the file; nothing to add to
    after = 0
    for index, node in enumerate(tree.body):
        is_docstring = (
            index == 0
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        )
        is_future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        if not (is_docstring or is_future):
            break
        after = t.cast(int, node.end_lineno)
    lines = init.splitlines(keepends=True)
    if after == 0:
        # Before the first statement, after leading comments (a shebang, a coding cookie).
        head = 0
        while head < len(lines) and (lines[head].startswith(b"#") or not lines[head].strip()):
            head += 1
        if head == len(lines):
            return init + (b"" if not init or init.endswith(b"\n") else newline) + line
        return b"".join(lines[:head]) + line + b"".join(lines[head:])
    rest = b"".join(lines[after:])
    before = b"".join(lines[:after])
    if not before.endswith(b"\n"):
        before += newline
    return before + line + rest


# vial ships a filled-in copy of this module (framework/vial/_graft_distribution.py), kept
# by graft when it forks vial: vial answers with the Flask API level, read from the package
# at lookup time under whatever name the package has, which no metadata written in here can
# do. Its finder (_normalize, locate_file, _Finder's lookups, the guard against a second
# registration) must stay this one, part for part; tests/graft/test_rewrite_distribution.py
# compares the two, so change both together.
_TEMPLATE = '''\
"""What ``importlib.metadata`` answers for {package}: the upstream {upstream} {version}.

Written by graft, which vendored {upstream} here as ``{package}``, and written again on
every ``graft sync``: do not edit. {package} is not an installed distribution, so
``importlib.metadata.version({name_literal})`` (what graft rewrote the lookups of
{upstream} to) would find nothing; ``__init__.py`` imports this module, which adds a
finder that answers for {name_literal} with the metadata below, after every installed
distribution (one of the same name wins). ``pkg_resources`` learns it too. Files and
entry points are not answered: nothing of {package} is installed.
"""

from __future__ import annotations

import sys
import typing as t

NAME = {name_literal}
"""The distribution name lookups use."""
UPSTREAM = {upstream_literal}
"""The distribution this package was made from."""
VERSION = {version_literal}
METADATA = {metadata_literal}


def _normalize(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "_", name).lower()


def _distribution() -> t.Any:
    import importlib.metadata
    import pathlib

    class VendoredDistribution(importlib.metadata.Distribution):
        """The upstream's metadata, answered for a package that is not installed."""

        def read_text(self, filename: str) -> str | None:
            if filename in ("METADATA", "PKG-INFO"):
                return METADATA
            if filename == "top_level.txt":
                return __name__.rpartition(".")[0].partition(".")[0] + "\\n"
            return None

        def locate_file(self, path: t.Any) -> pathlib.Path:
            return pathlib.Path(__file__).parent.parent / str(path)

    return VendoredDistribution()


class _Finder:
    """A ``sys.meta_path`` entry that answers distribution lookups for NAME and imports nothing."""

    graft_distribution = NAME

    @staticmethod
    def find_spec(fullname: str, path: t.Any = None, target: t.Any = None) -> None:
        return None

    @staticmethod
    def find_distributions(context: t.Any = None) -> t.Iterator[t.Any]:
        name = getattr(context, "name", None)
        if name is None or _normalize(name) == _normalize(NAME):
            yield _distribution()

    @staticmethod
    def add_to_pkg_resources(pkg_resources: t.Any) -> None:
        _add_to_pkg_resources(pkg_resources)


class _PkgResourcesHook:
    """On the import of ``pkg_resources``, adds every vendored package's distribution to it.

    One hook per process, whichever vendored package installed it: it asks each finder
    of this kind on ``sys.meta_path`` to add its own.
    """

    graft_pkg_resources_hook = True

    def find_spec(self, fullname: str, path: t.Any = None, target: t.Any = None) -> t.Any:
        if fullname != "pkg_resources":
            return None
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module: t.Any) -> None:
            run(module)
            for finder in list(sys.meta_path):
                add = getattr(finder, "add_to_pkg_resources", None)
                if add is not None and getattr(finder, "graft_distribution", None):
                    add(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _add_to_pkg_resources(pkg_resources: t.Any) -> None:
    working_set = getattr(pkg_resources, "working_set", None)
    if working_set is None or working_set.by_key.get(_normalize(NAME).replace("_", "-")):
        return
    import pathlib

    location = str(pathlib.Path(__file__).parent.parent)
    working_set.add(
        pkg_resources.Distribution(project_name=NAME, version=VERSION, location=location),
        replace=False,
    )


def _register() -> None:
    if any(getattr(f, "graft_distribution", None) == NAME for f in sys.meta_path):
        return
    sys.meta_path.append(_Finder)
    if "pkg_resources" in sys.modules:
        _add_to_pkg_resources(sys.modules["pkg_resources"])
    elif not any(getattr(f, "graft_pkg_resources_hook", False) for f in sys.meta_path):
        sys.meta_path.insert(0, _PkgResourcesHook())


_register()
'''

__all__ = [
    "FILE",
    "MODULE",
    "REGISTRATION",
    "add_registration",
    "has_registration",
    "metadata_for",
    "metadata_headers",
    "recorded_upstream",
    "remove_registration",
    "module_source",
    "normalize",
]
