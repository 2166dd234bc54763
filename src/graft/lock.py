"""One graft command at a time changes a repository: the lock in its git dir.

Every command that changes a repository (fork, sync, ``sync --continue``/``--abort``,
patch) holds ``graft.lock`` in the repository's common git dir from before it plans
until it has finished; a second one fails at once, naming the holder. Commands that
only read (status, diff, check, dry runs) never take it and never wait for it.

The lock is an exclusive ``flock`` on that file (a byte-range lock on Windows), so the
kernel releases it whenever its holder ends, even by SIGKILL: a lock whose process is gone on this host is simply
taken over. The file also says who holds it (command, pid, host, since), for the
message a second command prints. It is removed on release; a file found on a lock
that nobody holds was left by a process that did not release it. From this host, that
process is gone, and the lock is taken over. From another host (a repository on a
network file system), graft cannot tell whether it still runs, so it refuses and says
how to break the lock: delete the file once no graft runs on that host.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import LockedError, UserError

LOCK_NAME = "graft.lock"


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) the lock."""

    command: str
    """What it runs, as the user typed it (``graft sync acme_web``)."""
    pid: int
    host: str
    since: str
    """When it took the lock: local time, ISO 8601 to the second."""

    def describe(self) -> str:
        return f"{self.command} (pid {self.pid} on {self.host}, since {self.since})"

    def to_json(self) -> str:
        return json.dumps(
            {"command": self.command, "pid": self.pid, "host": self.host, "since": self.since},
            sort_keys=True,
        )

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        """The holder a lock file names; None when it is empty or unreadable."""
        try:
            data = json.loads(text)
            return cls(
                str(data["command"]), int(data["pid"]), str(data["host"]), str(data["since"])
            )
        except (ValueError, KeyError, TypeError):
            return None


def host_name() -> str:
    """This machine's name, as ``hostname`` prints it."""
    if hasattr(os, "uname"):  # no need to load the socket module for it
        return os.uname().nodename or "localhost"
    import socket

    return socket.gethostname() or "localhost"


def _now() -> str:
    """Local time, ISO 8601 to the second with the UTC offset (``2025-05-01T10:00:00+02:00``)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return f"{stamp[:-2]}:{stamp[-2:]}"


def lock_path(common_git_dir: Path) -> Path:
    return common_git_dir / LOCK_NAME


def read_holder(common_git_dir: Path) -> Holder | None:
    """Who the lock file names, if there is one (for ``graft status``; takes no lock)."""
    try:
        return Holder.parse(lock_path(common_git_dir).read_text("utf-8"))
    except OSError:
        return None


def _flock(fd: int) -> bool:
    """Take the exclusive lock without waiting; False when another process holds it.

    ``flock`` on POSIX; on Windows, a lock on the file's first byte (``msvcrt``), which
    the system also releases when the process ends.
    """
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


_held: list[int] = []
"""File descriptors of locks this process holds (closed in forked children)."""
_active: dict[str, RepositoryLock] = {}
"""The locks this process holds, by path: taking one again nests."""


def _close_in_child() -> None:
    # A forked child (a rewrite worker) inherits the descriptor and with it the lock,
    # which would then outlive graft as long as the child does.
    for fd in _held:
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()
    _active.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)


class RepositoryLock:
    """The held lock of one repository; release it with :meth:`release` (or ``with``)."""

    def __init__(self, path: Path, fd: int, holder: Holder, took_over: Holder | None) -> None:
        self.path = path
        self._fd: int | None = fd
        self._depth = 1
        self.holder = holder
        self.took_over = took_over
        """The holder named by a lock file its process had left behind, if any."""

    def release(self) -> None:
        """Give the lock up (idempotent). The file goes first, then the lock itself.

        A lock taken again by the process that holds it (a verb calling another) is
        given up when the outermost holder releases it.
        """
        fd = self._fd
        if fd is None:
            return
        self._depth -= 1
        if self._depth > 0:
            return
        self._fd = None
        _active.pop(os.fspath(self.path), None)
        with contextlib.suppress(OSError):
            self.path.unlink()
        if fd in _held:
            _held.remove(fd)
        with contextlib.suppress(OSError):
            os.close(fd)

    def __enter__(self) -> RepositoryLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(common_git_dir: Path, command: str) -> RepositoryLock:
    """Take the repository's lock for ``command``, or raise at once naming the holder.

    :raises LockedError: another process holds it, or a process on another host left it.
    :raises UserError: the lock file cannot be created (a read-only git dir, say).
    """
    path = lock_path(common_git_dir)
    nested = _active.get(os.fspath(path))
    if nested is not None and nested._fd is not None:
        nested._depth += 1
        return nested
    me = Holder(
        command,
        os.getpid(),
        host_name(),
        _now(),
    )
    for _ in range(20):  # another process may remove the file between our open and lock
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            raise UserError(
                f"cannot create graft's lock {path}: {exc.strerror}.",
                hint="graft needs to write in the repository's git dir; check its permissions.",
            ) from None
        try:
            if not _flock(fd):
                raise _locked(path, _holder(fd, me.host), held=True)
            if not _same_file(fd, path):
                os.close(fd)
                continue
            left = Holder.parse(_read(fd))
            if left is not None and left.host != me.host:
                raise _locked(path, left, held=False)
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, me.to_json().encode("utf-8") + b"\n")
        except OSError as exc:
            os.close(fd)
            raise UserError(
                f"cannot write graft's lock {path}: {exc.strerror}.",
                hint="graft needs to write in the repository's git dir; check its permissions.",
            ) from None
        except BaseException:
            os.close(fd)
            raise
        _held.append(fd)
        held = RepositoryLock(path, fd, me, left)
        _active[os.fspath(path)] = held
        return held
    raise LockedError(
        f"cannot take graft's lock {path}: other processes keep replacing it.",
        hint="Wait for the other graft commands to finish and retry.",
    )


HOLDER_WAIT_STEP = 0.01
HOLDER_WAIT_STEPS = 30
"""How long a second command waits for the holder's line (0.3 s at most)."""


def _holder(fd: int, host: str) -> Holder | None:
    """Who holds the lock, as its file says once the holder has written it.

    The holder writes its line just after taking the lock, so a command that finds the
    lock taken may read an empty file, or the line of a process that ended and whose
    lock is being taken over; it reads again for a moment until the file names a live
    holder.
    """
    holder = None
    for _ in range(HOLDER_WAIT_STEPS):
        holder = Holder.parse(_read(fd))
        if holder is not None and (holder.host != host or _is_alive(holder.pid)):
            return holder
        time.sleep(HOLDER_WAIT_STEP)
    return holder


def _is_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this host (assumed so where that cannot be asked)."""
    if sys.platform == "win32":  # os.kill would end the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, under another user
        return True
    return True


def _read(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 4096).decode("utf-8", "replace")
    except OSError:
        return ""


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


def _locked(path: Path, holder: Holder | None, *, held: bool) -> LockedError:
    who = holder.describe() if holder is not None else "another graft command"
    if held:
        return LockedError(
            f"the repository is locked by {who}.",
            hint="Wait for it to finish; graft changes a repository one command at a time.",
        )
    assert holder is not None
    return LockedError(
        f"the repository is locked by {who}, from another host.",
        hint=f"If no graft runs on {holder.host} any more, delete {path} and retry.",
    )


__all__ = [
    "LOCK_NAME",
    "Holder",
    "LockedError",
    "RepositoryLock",
    "acquire",
    "host_name",
    "lock_path",
    "read_holder",
]
