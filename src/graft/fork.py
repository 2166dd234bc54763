"""``graft fork``: copy a package into the app under a new import name.

The work is :func:`graft.vendoring.vendor` (shared with ``graft patch``); this verb
records the copy as a ``fork``, the kind ``graft sync`` keeps up to date with upstream.
"""

from __future__ import annotations

import typing as t

from .vendoring import vendor

if t.TYPE_CHECKING:
    from pathlib import Path

    from .report import ForkReport
    from .rewrite.tree import ProgressCallback


def fork(
    source: str | None,
    new_name: str,
    *,
    cwd: Path | None = None,
    path: str | None = None,
    ref: str | None = None,
    package: str | None = None,
    maps: t.Sequence[str] = (),
    force: bool = False,
    search_path: t.Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    dry_run: bool = False,
    script: str | None = None,
) -> ForkReport:
    """``graft fork``: vendor ``source`` (default: the bundled vial) under ``new_name``.

    The parameters are those of :func:`graft.vendoring.plan_vendor`.
    """
    return vendor(
        source, new_name, kind="fork", cwd=cwd, path=path, ref=ref, package=package, maps=maps,
        force=force, search_path=search_path, progress=progress, dry_run=dry_run, script=script,
    )  # fmt: skip


__all__ = ["fork"]
