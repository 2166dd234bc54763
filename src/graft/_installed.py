"""Which installed distributions provide a top-level import name, and where: standard library only.

:mod:`graft.clashes` imports this module to ask graft's own interpreter, and runs this
source with ``python -c`` (plus a line printing :func:`providers` as JSON) to ask another one:
the app's, given with ``graft check --python``. So it imports nothing of graft.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    # Run with ``python -c``, the current directory (the app's root) comes first on
    # sys.path: the question is about the environment, and the app's own files (the
    # fork among them) must not answer it, nor shadow the modules imported below.
    del sys.path[0]

import importlib.metadata
import importlib.util
import typing as t
from pathlib import Path, PurePosixPath


def providers(names: t.Iterable[str]) -> dict[str, list[dict[str, str | None]]]:
    """For each name, the installed distributions whose top level holds it.

    Each as ``{"dist", "version", "location"}``: ``location`` is the package directory
    (or module file) the distribution installed, or, for an editable install that lists
    no such file, where the import system finds the name; None when neither says.
    """
    mapping = importlib.metadata.packages_distributions()
    found: dict[str, list[dict[str, str | None]]] = {}
    for name in names:
        rows = []
        for dist_name in sorted(set(mapping.get(name, ()))):
            for dist in importlib.metadata.distributions(name=dist_name):
                rows.append(
                    {
                        "dist": dist.metadata["Name"] or dist_name,
                        "version": dist.version,
                        "location": _location(dist, name),
                    }
                )
        found[name] = rows
    return found


def _location(dist: importlib.metadata.Distribution, name: str) -> str | None:
    for file in dist.files or ():
        head = PurePosixPath(str(file)).parts[:1]
        if head and head[0] in (name, f"{name}.py"):
            return str(Path(str(dist.locate_file(head[0]))).resolve())
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return str(Path(next(iter(spec.submodule_search_locations))).resolve())
    return str(Path(spec.origin).resolve()) if spec.origin else None
