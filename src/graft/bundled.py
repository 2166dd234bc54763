"""The framework that comes with graft: its import name and the distribution that installs it.

A module of its own, under :mod:`graft.sources`, so that ``graft rewrite``, which needs
these names to map a requirement on Flask, does not import :mod:`graft.sources` and
with it GitPython.
"""

from __future__ import annotations

BUNDLED = "vial"
"""The framework ``graft fork`` copies when no source is given."""

BUNDLED_DISTRIBUTION = "vial-web"
"""The distribution that installs :data:`BUNDLED` (graft-fork depends on it)."""

__all__ = ["BUNDLED", "BUNDLED_DISTRIBUTION"]
