"""graft: fork a Python package under a new import name and keep it in sync with upstream.

The public API is re-exported here; everything else is internal.
"""

from __future__ import annotations

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

__all__ = [
    "ConflictError",
    "DirtyWorktreeError",
    "InvalidNameError",
    "ManifestError",
    "RewriteError",
    "SourceError",
    "ToolError",
    "ToolWarning",
    "UserError",
    "VcsError",
    "__version__",
]
