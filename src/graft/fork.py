"""``graft fork``: copy a package into the app under a new import name.

The work is :func:`graft.vendoring.vendor` (shared with ``graft patch``); this verb
records the copy as a ``fork``, the kind ``graft sync`` keeps up to date with upstream.
"""

from __future__ import annotations

import typing as t

from .vendoring import vendor

if t.TYPE_CHECKING:
    from .report import ForkReport


def fork(
    source: str | None, new_name: str, *, dry_run: bool = False, **options: t.Any
) -> ForkReport:
    """``graft fork``: vendor ``source`` (default: the bundled vial) under ``new_name``."""
    return vendor(source, new_name, dry_run=dry_run, kind="fork", **options)


__all__ = ["fork"]
