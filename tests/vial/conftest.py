"""Flask-style fixtures for the framework's tests.

Each test builds what it needs on the ``app`` fixture (or its own app inline). Two autouse
fixtures keep tests independent: the environment variables the framework reads are reset,
and a test that leaves an app or request context pushed fails.
"""

from __future__ import annotations

import os
import typing as t

import pytest

from vial import Vial
from vial.globals import _cv_app, _cv_request

_ENV_VARS = (
    "VIAL_APP",
    "VIAL_DEBUG",
    "VIAL_ENV_FILE",
    "VIAL_RUN_FROM_CLI",
    "VIAL_SKIP_DOTENV",
    "WERKZEUG_RUN_MAIN",
    "NO_COLOR",
    "FORCE_COLOR",
)


@pytest.fixture(autouse=True)
def _reset_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove the variables that change the framework's behaviour (restored afterwards)."""
    for key in _ENV_VARS:
        monkeypatch.delenv(key, raising=False)


@pytest.fixture(autouse=True)
def leak_detector() -> t.Iterator[None]:
    """Fail a test that leaves a request or app context pushed, and clean up after it."""
    yield
    leaks: list[object] = []
    while (req_ctx := _cv_request.get(None)) is not None:
        leaks.append(req_ctx)
        req_ctx.pop()
    while (app_ctx := _cv_app.get(None)) is not None:
        leaks.append(app_ctx)
        app_ctx.pop()
    assert leaks == [], f"contexts left pushed: {leaks}"


@pytest.fixture
def app() -> Vial:
    """A testing app rooted in this folder, with a secret key."""
    app = Vial("vial_test", root_path=os.path.dirname(__file__))
    app.config.update(TESTING=True, SECRET_KEY="test key")
    return app


@pytest.fixture
def app_ctx(app: Vial) -> t.Iterator[t.Any]:
    with app.app_context() as ctx:
        yield ctx


@pytest.fixture
def req_ctx(app: Vial) -> t.Iterator[t.Any]:
    with app.test_request_context() as ctx:
        yield ctx


@pytest.fixture
def client(app: Vial) -> t.Any:
    return app.test_client()
