"""The rewrite counter on standard error, fed by the engine's progress callback.

The engine (:mod:`graft.rewrite.tree`) only reports :class:`~graft.rewrite.tree.RewriteProgress`
events; this is where they become a line on the terminal. The CLI creates one only
when standard error is a terminal and ``-q`` was not given.
"""

from __future__ import annotations

import sys
import time
import typing as t

if t.TYPE_CHECKING:
    from ..rewrite.tree import RewriteProgress

LARGE_FILE = 1 << 20
"""A file this big (bytes) takes seconds on its own, so progress names it when it starts."""
PROGRESS_DELAY = 0.5
"""Seconds before the counter appears: a quick run prints nothing."""


class ProgressLine:
    """A one-line counter on standard error, redrawn in place, shown only when the run is long.

    The counter appears once the run has taken :data:`PROGRESS_DELAY` seconds; a file
    of :data:`LARGE_FILE` bytes or more is announced as it starts, since one generated
    module can take minutes and the counter would not move meanwhile. One object serves
    several rewrite runs in a row (a sync renders two snapshots): each run starts over.
    """

    def __init__(
        self,
        stream: t.TextIO | None = None,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self._start_run()

    def _start_run(self) -> None:
        self.started = self.clock()
        self.shown = False
        self._last_draw = -1.0
        self._width = 0
        self._running = False

    def __call__(self, event: RewriteProgress) -> None:
        """Take one event from the engine."""
        if not self._running:
            self._start_run()
            self._running = True
        if event.finished:
            if self.shown:
                self.stream.write("\n")
                self.stream.flush()
            self._running = False
        elif event.starting is not None:
            if event.size >= LARGE_FILE:
                self._draw(
                    f"rewriting {event.done}/{event.total} files; {event.starting} is "
                    f"{event.size / (1 << 20):.1f} MB, this takes a while",
                    force=True,
                )
        else:
            self._draw(
                f"rewriting {event.done}/{event.total} files",
                force=event.done == event.total and self.shown,
            )

    def _draw(self, text: str, *, force: bool = False) -> None:
        now = self.clock()
        if not force and (now - self.started < PROGRESS_DELAY or now - self._last_draw < 0.1):
            return
        self._last_draw = now
        self.shown = True
        # Padded rather than erased with an escape code: the old line may be longer.
        self.stream.write(f"\r{text.ljust(self._width)}")
        self._width = len(text)
        self.stream.flush()


def progress_line(quiet: bool) -> ProgressLine | None:
    """A counter for this run, or None when quiet or when standard error is not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None
    return ProgressLine()


__all__ = ["LARGE_FILE", "PROGRESS_DELAY", "ProgressLine", "progress_line"]
