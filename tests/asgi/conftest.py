"""Fixtures of the ASGI tests: one real server process per server kind and module.

``asgi_server`` is parametrized over uvicorn and hypercorn and serves ``served:app``; every
test using it runs against both. Events the app records after the fact (teardown after a
disconnect, lifespan shutdown) go to a file in the server's work directory.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import servers

ASGI_SERVERS = ("uvicorn", "hypercorn")


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


@pytest.fixture(scope="module", params=ASGI_SERVERS)
def asgi_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[servers.Server]:
    name = str(request.param)
    workdir = tmp_path_factory.mktemp(name)
    running = servers.start(name, "served:app", workdir, env={"ASGI_TEST_EVENTS": str(workdir)})
    yield running
    running.stop()


@pytest.fixture
def events(asgi_server: servers.Server) -> Events:
    return Events(asgi_server.log.parent)
