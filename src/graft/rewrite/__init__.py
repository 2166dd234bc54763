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

import typing as t

from .._lazy import lazy_getattr
from .names import Renames
from .options import ENGINE_VERSION, RewriteOptions
from .profiles import PROFILES
from .result import FileResult, Finding, RewriteResult, Skipped, TreeResult

if t.TYPE_CHECKING:  # pragma: no cover
    from .source import rewrite_source
    from .tree import rewrite_items, rewrite_tree

_ENGINE = {"rewrite_source": "source", "rewrite_items": "tree", "rewrite_tree": "tree"}
__getattr__ = lazy_getattr(__name__, _ENGINE, globals())

__all__ = [
    "ENGINE_VERSION",
    "PROFILES",
    "FileResult",
    "Finding",
    "Renames",
    "RewriteOptions",
    "RewriteResult",
    "Skipped",
    "TreeResult",
    "rewrite_items",
    "rewrite_source",
    "rewrite_tree",
]
