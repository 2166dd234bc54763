"""The rewrite counter: the engine reports progress events, the CLI draws them."""

from __future__ import annotations

import io

from graft.cli.progress import LARGE_FILE, ProgressLine
from graft.rewrite import Renames
from graft.rewrite.tree import RewriteProgress, rewrite_items


class _Clock:
    """A clock the test moves by hand, so no assertion depends on how fast the machine is."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _run(line: ProgressLine, sizes: dict[str, int], clock: _Clock, pause: float = 0) -> None:
    """Feed ``line`` what the engine sends for one run over files of ``sizes``."""
    total = len(sizes)
    for done, (name, size) in enumerate(sizes.items()):
        line(RewriteProgress(done, total, name, size))
        clock.now += pause
        line(RewriteProgress(done + 1, total))
    line(RewriteProgress(total, total, finished=True))


def test_engine_reports_each_file_and_the_end() -> None:
    events: list[RewriteProgress] = []
    items = [("a.py", b"import flask\n"), ("b.py", b"import flask.json\n"), ("c.txt", b"x")]
    rewrite_items(items, Renames.parse(["flask=myflask"]), jobs=1, progress=events.append)
    # c.txt never mentions flask: settled without the engine, so only two files count.
    assert events == [
        RewriteProgress(0, 2, "a.py", 13),
        RewriteProgress(1, 2),
        RewriteProgress(1, 2, "b.py", 18),
        RewriteProgress(2, 2),
        RewriteProgress(2, 2, finished=True),
    ]


def test_engine_reports_nothing_when_there_is_nothing_to_parse() -> None:
    events: list[RewriteProgress] = []
    rewrite_items(
        [("a.py", b"import json\n")], Renames.parse(["flask=myflask"]), progress=events.append
    )
    assert events == []


def test_progress_stays_quiet_on_a_quick_run_and_names_a_large_file() -> None:
    """A 200,000-line file once ran for minutes with nothing on the terminal."""
    clock, stream = _Clock(), io.StringIO()
    _run(ProgressLine(stream, clock), {"a.py": 1, "b.py": 2, "c.py": 3}, clock)
    assert stream.getvalue() == ""

    clock, stream = _Clock(), io.StringIO()
    slow = ProgressLine(stream, clock)
    slow(RewriteProgress(0, 2, "small.py", 100))
    slow(RewriteProgress(1, 2))
    slow(RewriteProgress(1, 2, "generated.py", 8 * LARGE_FILE))
    announcement = "rewriting 1/2 files; generated.py is 8.0 MB, this takes a while"
    assert stream.getvalue() == "\r" + announcement
    clock.now += 60
    slow(RewriteProgress(2, 2))
    slow(RewriteProgress(2, 2, finished=True))
    assert (
        stream.getvalue()
        == "\r" + announcement + "\r" + "rewriting 2/2 files".ljust(len(announcement)) + "\n"
    )


def test_progress_counter_appears_once_the_run_is_long() -> None:
    clock, stream = _Clock(), io.StringIO()
    line = ProgressLine(stream, clock)
    line(RewriteProgress(1, 100))
    assert stream.getvalue() == ""
    clock.now += 1
    line(RewriteProgress(2, 100))
    assert stream.getvalue() == "\rrewriting 2/100 files"


def test_each_run_starts_over() -> None:
    """A sync renders two snapshots with one counter: the second run waits its own delay."""
    clock, stream = _Clock(), io.StringIO()
    line = ProgressLine(stream, clock)
    _run(line, {f"{i}.py": 1 for i in range(3)}, clock, pause=1)
    first = stream.getvalue()
    assert first.endswith("rewriting 3/3 files\n")
    _run(line, {"a.py": 1}, clock)
    assert stream.getvalue() == first
