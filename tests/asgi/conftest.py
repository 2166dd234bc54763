"""Fixtures of the ASGI tests: one real server process per server kind and module.

``asgi_server`` is parametrized over uvicorn and hypercorn and serves ``served:app``; every
test using it runs against both. Events the app records after the fact (teardown after a
disconnect, lifespan shutdown) go to a file in the server's work directory.
"""

from __future__ import annotations

import typing as t

import pytest
import servers
from servers import Events

ASGI_SERVERS = ("uvicorn", "hypercorn")


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
