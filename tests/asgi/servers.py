"""Real server processes for the ASGI tests: uvicorn, hypercorn and gunicorn on loopback.

Each server is started as a user would start it (``python -m uvicorn module:app``), on a
free port of 127.0.0.1, with ``asgiref`` made unimportable by a ``sitecustomize`` on its
``PYTHONPATH``: the server's copy of vial must not need it (the dev venv has it installed
for Flask's own async views). The process is stopped with SIGTERM, so lifespan shutdown
runs, and killed if it does not stop in time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

APPS = Path(__file__).parent / "apps"
REPO = Path(__file__).resolve().parents[2]

BLOCK_ASGIREF = '''\
"""Written by the ASGI tests: make ``import asgiref`` fail in this server process."""
import sys

sys.modules["asgiref"] = None
'''


def raise_open_files_limit(wanted: int = 4096) -> None:
    """Raise the soft limit of open files (inherited by servers started afterwards)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclasses.dataclass
class Server:
    """A running server process and where it listens."""

    name: str
    process: subprocess.Popen[str]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 10) -> str:
        """SIGTERM, wait, SIGKILL if needed; return the log."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log.read_text()


def command(
    server: str, target: str, port: int, extra: tuple[str, ...] = (), python: str | None = None
) -> list[str]:
    bind = f"127.0.0.1:{port}"
    python = python or sys.executable
    if server == "uvicorn":
        return [
            python,
            "-m",
            "uvicorn",
            target,
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--log-level",
            "warning",
            "--lifespan",
            "on",
            *extra,
        ]
    if server == "hypercorn":
        return [python, "-m", "hypercorn", target, "--bind", bind, *extra]
    if server == "gunicorn":
        return [python, "-m", "gunicorn", target, "--bind", bind, "--threads", "4", *extra]
    raise ValueError(server)


def start(
    server: str,
    target: str,
    workdir: Path,
    *,
    extra: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    path: tuple[Path, ...] = (),
    python: str | None = None,
) -> Server:
    """Start ``server`` serving ``target`` (``module:attr`` found in ``apps/``); wait for it."""
    raise_open_files_limit()
    site = workdir / "site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(BLOCK_ASGIREF)
    port = free_port()
    log = workdir / f"{server}-{port}.log"
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "VIAL_", "FLASK_"))
    }
    full_env["PYTHONPATH"] = os.pathsep.join(
        str(p) for p in (site, *path, APPS, REPO / "framework")
    )
    full_env["PYTHONDONTWRITEBYTECODE"] = "1"
    full_env.update(env or {})
    with log.open("w") as out:
        process = subprocess.Popen(
            command(server, target, port, extra, python),
            cwd=APPS,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    running = Server(server, process, port, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{server} exited ({process.returncode}):\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return running
        time.sleep(0.05)
    running.stop()
    raise RuntimeError(f"{server} did not listen within 30 s:\n{log.read_text()}")


class Events:
    """The lines the served app wrote to its events file."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "events.log"

    def lines(self) -> list[str]:
        return self.path.read_text().splitlines() if self.path.exists() else []

    def wait_for(self, line: str, timeout: float = 10) -> list[str]:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.lines()
            if line in found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{line!r} not recorded; events: {self.lines()}")
