"""Rename a Python package's import name in source code, byte for byte.

The pure core is :func:`rewrite_source` (code in, :class:`RewriteResult` out, never
raising); :func:`rewrite_tree` is the only part that touches the file system
(:func:`rewrite_items` does the same for files held in memory). Nothing
here imports git.
"""

from __future__ import annotations

from .names import Renames
from .options import ENGINE_VERSION, RewriteOptions
from .profiles import PROFILES
from .result import FileResult, Finding, RewriteResult, TreeResult
from .source import rewrite_source
from .tree import rewrite_items, rewrite_tree

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
