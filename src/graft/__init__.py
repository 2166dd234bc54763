"""graft: fork a Python package under a new import name and keep it in sync with upstream.

The public API is re-exported here; everything else is internal. The heavy parts
(libcst, GitPython) load on first use of a name that needs them, so ``import graft``
and ``graft --help`` stay fast. The three commands' functions live in modules of the
same name and are imported from there (``from graft.fork import fork``,
``from graft.sync import sync``, ``from graft.patch import patch``): re-exporting them
here would be shadowed by the submodule as soon as it is imported.
"""

from __future__ import annotations

import typing as t

from ._lazy import lazy_getattr
from .errors import (
    ConflictError,
    DirtyWorktreeError,
    InvalidNameError,
    ManifestError,
    RewriteError,
    SourceError,
    ToolError,
    ToolWarning,
    UserError,
    VcsError,
)

__version__ = "0.1.0"

#: public name -> module that defines it, imported on first access
_LAZY: dict[str, str] = {
    "vendor": "vendoring",
    "plan_sync": "sync",
    "Manifest": "manifest",
    "Entry": "manifest",
    "parse_manifest": "manifest",
    "Renames": "rewrite",
    "rewrite_source": "rewrite",
    "rewrite_tree": "rewrite",
    "ForkReport": "report",
    "SyncReport": "report",
}

if t.TYPE_CHECKING:  # pragma: no cover
    from .manifest import Entry, Manifest, parse_manifest
    from .report import ForkReport, SyncReport
    from .rewrite import Renames, rewrite_source, rewrite_tree
    from .sync import plan_sync
    from .vendoring import vendor


__getattr__ = lazy_getattr(__name__, _LAZY, globals())

__all__ = [
    "ConflictError",
    "DirtyWorktreeError",
    "Entry",
    "ForkReport",
    "InvalidNameError",
    "Manifest",
    "ManifestError",
    "Renames",
    "RewriteError",
    "SourceError",
    "SyncReport",
    "ToolError",
    "ToolWarning",
    "UserError",
    "VcsError",
    "__version__",
    "parse_manifest",
    "plan_sync",
    "rewrite_source",
    "rewrite_tree",
    "vendor",
]
