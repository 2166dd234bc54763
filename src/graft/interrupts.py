"""What an interrupt (Ctrl-C) means at the moment it arrives.

Before a command's point of no return, graft rolls everything back and the CLI exits
130: the repository is as it was. After it (the branch has moved to the fork or merge
commit), the change is complete and only reporting is left, so an interrupt must not
claim failure: a script that retries on 130 would then hit "already recorded". Library
code marks that moment with :func:`mark_completed`; the CLI reads it.
"""

from __future__ import annotations

_completed: list[str] = []


def mark_completed(what: str) -> None:
    """Record that ``what`` (e.g. "the merge commit 1a2b3c") is in place for good."""
    _completed.append(what)


def completed() -> str | None:
    """The last change recorded by :func:`mark_completed` since :func:`reset`, if any."""
    return _completed[-1] if _completed else None


def reset() -> None:
    """Forget what earlier commands completed (the CLI calls it before each command)."""
    _completed.clear()


__all__ = ["completed", "mark_completed", "reset"]
