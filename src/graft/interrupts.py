"""What an interrupt (Ctrl-C) means at the moment it arrives.

Before a command's point of no return, graft rolls everything back and the CLI exits
130: the repository is as it was. After it (the branch has moved to the fork or merge
commit), the change is complete and only reporting is left, so an interrupt must not
claim failure: a script that retries on 130 would then hit "already recorded". Library
code marks that moment with :func:`mark_completed`; the CLI reads it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import typing as t

_completed: list[tuple[str, int]] = []


def mark_completed(what: str, exit_code: int = 0) -> None:
    """Record that ``what`` (e.g. "the merge commit 1a2b3c") is in place for good.

    :param exit_code: what the command exits with when only its report is cut short
        (3 for a merge that stopped on conflicts: it is the result, not a success).
    """
    _completed.append((what, exit_code))


def completed() -> str | None:
    """The last change recorded by :func:`mark_completed` since :func:`reset`, if any."""
    return _completed[-1][0] if _completed else None


def completed_exit_code() -> int:
    """The exit code that goes with :func:`completed` (0 when nothing was marked)."""
    return _completed[-1][1] if _completed else 0


def reset() -> None:
    """Forget what earlier commands completed (the CLI calls it before each command)."""
    _completed.clear()


@contextlib.contextmanager
def deferred() -> t.Iterator[None]:
    """Hold Ctrl-C back while the block runs; it is raised when the block ends.

    For the steps that must not be cut in two: a ref moved and its record, or a
    rollback. Only on the main thread (signal handlers live there); elsewhere, and
    when SIGINT is not Python's default handler, the block runs as it is.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: object) -> None:
        caught.append(signum)

    signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if caught:
        raise KeyboardInterrupt


__all__ = ["completed", "completed_exit_code", "deferred", "mark_completed", "reset"]
