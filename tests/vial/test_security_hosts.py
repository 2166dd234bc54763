"""TRUSTED_HOSTS: an untrusted Host header is refused with a 400 before any view runs."""

from __future__ import annotations

import pytest

import vial
from vial import Vial


@pytest.fixture
def hosts_app(app: Vial) -> Vial:
    app.config["TRUSTED_HOSTS"] = ["example.test", ".trusted.test", "localhost:8080"]
    calls = []

    @app.before_request
    def before():
        calls.append(vial.request.host)

    @app.route("/")
    def index():
        return vial.request.host

    app.calls = calls  # type: ignore[attr-defined]
    return app


@pytest.mark.parametrize(
    "host",
    # Werkzeug compares host names only: the port of a trusted entry is not checked
    ["example.test", "example.test:5000", "trusted.test", "api.trusted.test", "localhost:9999"],
)
def test_trusted_hosts_are_served(hosts_app: Vial, host: str) -> None:
    rv = hosts_app.test_client().get("/", headers={"Host": host})
    assert rv.status_code == 200
    assert rv.data == host.encode()


@pytest.mark.parametrize(
    "host",
    [
        "evil.test",
        "example.test.evil.test",
        "evilexample.test",
        "nottrusted.test",
        "example.test@evil.test",
        "EVIL.test",
        "<script>.test",
    ],
)
def test_untrusted_host_refused(hosts_app: Vial, host: str) -> None:
    rv = hosts_app.test_client().get("/", headers={"Host": host})
    assert rv.status_code == 400
    assert b"is not trusted" in rv.data  # Werkzeug's SecurityError body, host escaped
    assert b"<script" not in rv.data
    assert hosts_app.calls == []  # type: ignore[attr-defined]


def test_untrusted_host_refused_with_error_handler(hosts_app: Vial) -> None:
    hosts_app.register_error_handler(400, lambda e: ("bad host", 400))
    rv = hosts_app.test_client().get("/", headers={"Host": "evil.test"})
    assert (rv.status_code, rv.data) == (400, b"bad host")


def test_forwarded_host_is_not_trusted_blindly(hosts_app: Vial) -> None:
    rv = hosts_app.test_client().get(
        "/", headers={"Host": "evil.test", "X-Forwarded-Host": "example.test"}
    )
    assert rv.status_code == 400


def test_no_trusted_hosts_serves_any(app: Vial, client) -> None:
    app.add_url_rule("/", "i", lambda: vial.request.host)
    assert client.get("/", headers={"Host": "anything.test"}).data == b"anything.test"


def test_trusted_hosts_in_test_request_context(hosts_app: Vial) -> None:
    with hosts_app.test_request_context("/", base_url="http://evil.test"):
        assert vial.request.routing_exception is not None
        assert vial.request.routing_exception.code == 400
    with hosts_app.test_request_context("/", base_url="http://example.test"):
        assert vial.request.routing_exception is None
        assert vial.request.trusted_hosts == hosts_app.config["TRUSTED_HOSTS"]
