"""Rename a Python package's import name in source code, byte for byte.

The pure core is :func:`rewrite_source` (code in, :class:`RewriteResult` out, never
raising); :func:`rewrite_tree` is the only part that touches the file system
(:func:`rewrite_items` does the same for files held in memory). Nothing
here imports git.

The engine itself (libcst) loads on first use of :func:`rewrite_source`,
:func:`rewrite_tree` or :func:`rewrite_items`: the map, options and result types are
all a no-op ``graft sync`` needs, and importing libcst costs about half a second.
"""

from __future__ import annotations

import importlib
import typing as t

from .names import Renames
from .options import ENGINE_VERSION, RewriteOptions
from .profiles import PROFILES
from .result import FileResult, Finding, RewriteResult, TreeResult

if t.TYPE_CHECKING:  # pragma: no cover
    from .source import rewrite_source
    from .tree import rewrite_items, rewrite_tree

_ENGINE = {"rewrite_source": "source", "rewrite_items": "tree", "rewrite_tree": "tree"}


def __getattr__(name: str) -> t.Any:
    module = _ENGINE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value

__all__ = [
    "ENGINE_VERSION",
    "PROFILES",
    "FileResult",
    "Finding",
    "Renames",
    "RewriteOptions",
    "RewriteResult",
    "TreeResult",
    "rewrite_items",
    "rewrite_source",
    "rewrite_tree",
]
