"""Rewrite worker processes that never outlive the process that started them.

A process pool's workers wait on a pipe that their siblings also hold open, so when
graft is killed (SIGKILL, an out-of-memory kill, a cancelled CI job) they never see
end-of-file and wait forever, reparented to init. Each worker therefore ties its life
to its parent's in two ways:

* on Linux, the kernel sends it SIGKILL the moment the parent dies
  (``prctl(PR_SET_PDEATHSIG)``); the kernel ties that signal to the *thread* that
  created the worker, so it is asked for only when the pool was created on the main
  thread, which lives as long as the process;
* everywhere, a daemon thread checks once every :data:`POLL_SECONDS` that the parent
  is still its parent, and ends the worker when it is not.

Workers also ignore SIGINT: Ctrl-C in a terminal reaches the whole process group, and
the parent, which owns the pool, stops it; a worker interrupted in the middle of
reading its queue would only print a traceback, and one interrupted while starting
would break the pool. So SIGINT is blocked while workers start (:func:`spawning`):
they inherit the blocked mask, ignore the signal, then unblock it; the parent gets a
Ctrl-C that arrived meanwhile as soon as the workers are started.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
import typing as t

POLL_SECONDS = 0.25
"""How often a worker checks that its parent is alive (the portable fallback)."""

_PR_SET_PDEATHSIG = 1
"""From ``<linux/prctl.h>``."""


def _request_death_signal() -> bool:
    """Ask the Linux kernel for SIGKILL when the parent dies; False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while True:
        time.sleep(POLL_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


_BLOCKABLE = hasattr(signal, "pthread_sigmask")


@contextlib.contextmanager
def spawning() -> t.Iterator[None]:
    """Hold SIGINT back in this thread while worker processes are started in it."""
    if not _BLOCKABLE:
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def bind_to_parent(parent: int, *, death_signal: bool) -> None:
    """Make the calling worker process end when process ``parent`` does.

    Call it first thing in a pool's initializer. ``death_signal`` says whether the pool
    was created on the parent's main thread (see the module docstring).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _BLOCKABLE:  # blocked by spawning() in the parent, and inherited
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if death_signal:
        _request_death_signal()
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="graft-lifeline", daemon=True).start()


__all__ = ["POLL_SECONDS", "bind_to_parent", "spawning"]
