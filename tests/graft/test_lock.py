"""graft's repository lock, held and fought over by real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graft import lock
from graft.lock import Holder, LockedError

HOLD = """
import sys, time
from pathlib import Path
from graft import lock
held = lock.acquire(Path(sys.argv[1]), "graft sync teabag")
print("held", flush=True)
time.sleep(60)
"""


def start_holder(git_dir: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, os.fspath(git_dir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.communicate()


def test_a_second_command_fails_at_once_naming_the_holder(tmp_path: Path) -> None:
    proc = start_holder(tmp_path)
    try:
        started = time.monotonic()
        with pytest.raises(LockedError) as caught:
            lock.acquire(tmp_path, "graft fork x")
        assert time.monotonic() - started < 1
        message = caught.value.format_message()
        assert "\n" not in message
        assert f"graft sync teabag (pid {proc.pid} on {lock.host_name()}, since " in message
        assert caught.value.exit_code == 1
    finally:
        stop(proc)


def test_a_killed_holder_is_taken_over(tmp_path: Path) -> None:
    proc = start_holder(tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert (tmp_path / lock.LOCK_NAME).exists()  # no handler ran: the file is left
    with lock.acquire(tmp_path, "graft sync") as held:
        assert held.took_over is not None and held.took_over.pid == proc.pid
        assert lock.read_holder(tmp_path) == held.holder
    assert not (tmp_path / lock.LOCK_NAME).exists()


def test_a_lock_left_by_another_host_is_refused_with_the_way_to_break_it(tmp_path: Path) -> None:
    left = Holder("graft sync", 4242, "build-7.example", "2024-05-01T10:00:00+00:00")
    (tmp_path / lock.LOCK_NAME).write_text(left.to_json())
    with pytest.raises(LockedError) as caught:
        lock.acquire(tmp_path, "graft sync")
    message = caught.value.format_message()
    assert "graft sync (pid 4242 on build-7.example" in message
    assert f"delete {tmp_path / lock.LOCK_NAME}" in message
    (tmp_path / lock.LOCK_NAME).unlink()
    with lock.acquire(tmp_path, "graft sync"):
        pass


def test_release_removes_the_file_and_a_new_holder_can_take_it(tmp_path: Path) -> None:
    first = lock.acquire(tmp_path, "graft fork")
    first.release()
    first.release()
    assert not (tmp_path / lock.LOCK_NAME).exists()
    with lock.acquire(tmp_path, "graft sync") as second:
        data = json.loads((tmp_path / lock.LOCK_NAME).read_text())
        assert data["pid"] == os.getpid() and data["command"] == "graft sync"
        assert second.took_over is None


def test_a_forked_child_does_not_keep_the_lock(tmp_path: Path) -> None:
    """A rewrite worker forked while the lock is held must not hold it after graft ends."""
    held = lock.acquire(tmp_path, "graft fork")
    child = os.fork()
    if child == 0:  # pragma: no cover - the child only sleeps
        time.sleep(5)
        os._exit(0)
    try:
        held.release()
        proc = start_holder(tmp_path)  # succeeds while the child still lives
        stop(proc)
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


def test_an_unwritable_git_dir_is_one_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    with pytest.raises(lock.UserError) as caught:
        lock.acquire(missing, "graft sync")
    assert "cannot create graft's lock" in caught.value.format_message()


def test_a_verb_calling_another_nests_the_lock(tmp_path: Path) -> None:
    """Taken again by its holder, the lock is given up only by the outermost release."""
    outer = lock.acquire(tmp_path, "sync")
    inner = lock.acquire(tmp_path, "rewrite")
    assert inner is outer and inner.holder.command == "sync"
    inner.release()
    assert lock.lock_path(tmp_path).exists()
    holder = lock.read_holder(tmp_path)
    assert holder is not None and (holder.command, holder.pid) == ("sync", os.getpid())
    with outer:
        pass  # leaving the block releases the outermost hold
    assert not lock.lock_path(tmp_path).exists()
    assert lock.read_holder(tmp_path) is None
    outer.release()  # again: nothing to do
    again = lock.acquire(tmp_path, "status")
    assert again is not outer and again.holder.command == "status"
    again.release()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        '{"command": "sync"}',
        '{"command": "x", "pid": "many", "host": "h", "since": "s"}',
    ],
)
def test_an_unreadable_lock_file_names_no_holder(tmp_path: Path, text: str) -> None:
    assert Holder.parse(text) is None
    lock.lock_path(tmp_path).write_text(text, encoding="utf-8")
    # Left by no process that can be named: taken without a takeover to report.
    with lock.acquire(tmp_path, "sync") as held:
        assert held.took_over is None
        assert lock.read_holder(tmp_path) == held.holder


def test_holder_round_trip_and_description() -> None:
    holder = Holder("sync", 42, "build-1", "2025-05-01T10:00:00+02:00")
    assert Holder.parse(holder.to_json()) == holder
    assert holder.describe() == "sync (pid 42 on build-1, since 2025-05-01T10:00:00+02:00)"
    assert lock.host_name() == os.uname().nodename


# A holder caught between taking the lock and writing its line: the file is empty, or
# still names the killed process whose lock it takes over.
SLOW_HOLDER = """
import fcntl, json, os, sys, time
from pathlib import Path
path = Path(sys.argv[1]) / "graft.lock"
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(0.1)
os.ftruncate(fd, 0)
os.pwrite(fd, json.dumps({"command": "graft fork brew", "pid": os.getpid(),
    "host": os.uname().nodename, "since": "2025-05-01T10:00:00+00:00"}).encode() + b"\\n", 0)
print("written", flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="the holder uses flock")
@pytest.mark.parametrize("left", ["", "a dead holder's line"])
def test_a_holder_still_writing_its_line_is_named(tmp_path: Path, left: str) -> None:
    if left:
        ended = [sys.executable, "-c", "import os; print(os.getpid())"]
        pid = int(subprocess.run(ended, capture_output=True, text=True, check=True).stdout)
        line = Holder("graft sync teabag", pid, lock.host_name(), "2025-05-01T09:00:00+00:00")
        (tmp_path / lock.LOCK_NAME).write_text(line.to_json() + "\n")
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_HOLDER, os.fspath(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(LockedError) as caught:
            lock.acquire(tmp_path, "graft sync teabag")
        message = caught.value.format_message()
        assert f"locked by graft fork brew (pid {proc.pid} on " in message, message
    finally:
        stop(proc)
