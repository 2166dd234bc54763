"""The same app answers the same under gunicorn (WSGI) and under uvicorn and hypercorn (ASGI).

``served:proxied`` wraps ``app.wsgi_app`` in Werkzeug's ``ProxyFix`` and sets
``TRUSTED_HOSTS``: under ASGI the middleware must be honoured, never bypassed. Every
request below goes to all three servers and the JSON answers must be equal: remote
address, scheme, host, root path from ``X-Forwarded-*``, refused hosts, 413s. The mount
point (``SCRIPT_NAME`` for gunicorn, ``--root-path`` for the ASGI servers) is compared the
same way. About 15 s.
"""

from __future__ import annotations

import json
import typing as t

import httpx
import pytest
import servers

pytestmark = pytest.mark.slow

SERVERS = ("gunicorn", "uvicorn", "hypercorn")


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[dict[str, servers.Server]]:
    running = {
        name: servers.start(name, "served:proxied", tmp_path_factory.mktemp(f"parity-{name}"))
        for name in SERVERS
    }
    yield running
    for server in running.values():
        server.stop()


def answers(
    running: dict[str, servers.Server],
    method: str,
    path: str | dict[str, str],
    **kwargs: t.Any,
) -> dict[str, tuple[int, object]]:
    """Each server's ``(status, JSON body or status)``, its own port replaced by ``PORT``.

    ``chunks=[...]`` sends the body chunked (a fresh iterator for each server).
    """
    found = {}
    chunks = kwargs.pop("chunks", None)
    for name, server in running.items():
        if chunks is not None:
            kwargs["content"] = iter(chunks)
        with httpx.Client(base_url=server.url, timeout=30) as c:
            response = c.request(method, path if isinstance(path, str) else path[name], **kwargs)
        body: object = response.status_code
        if response.headers.get("content-type") == "application/json":
            body = json.loads(response.text.replace(str(server.port), "PORT"))
        found[name] = (response.status_code, body)
    return found


def assert_same(found: dict[str, tuple[int, object]]) -> tuple[int, object]:
    wsgi = found["gunicorn"]
    for name in ("uvicorn", "hypercorn"):
        assert found[name] == wsgi, (name, found[name], wsgi)
    return wsgi


FORWARDED = {
    "X-Forwarded-For": "203.0.113.7, 10.0.0.1",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "shop.example.com",
    "X-Forwarded-Prefix": "/store",
}


@pytest.mark.parametrize("path", ["/whoami", "/async-whoami"])
@pytest.mark.parametrize(
    "headers",
    [
        {},
        FORWARDED,
        {"X-Forwarded-For": "198.51.100.2"},
        {"X-Forwarded-Proto": "https", "Host": "example.org"},
    ],
    ids=["direct", "forwarded", "for-only", "proto-and-host"],
)
def test_proxy_fix_is_honoured(
    proxied: dict[str, servers.Server], path: str, headers: dict[str, str]
) -> None:
    status, body = assert_same(answers(proxied, "GET", f"{path}?a=1", headers=headers))
    assert status == 200
    assert isinstance(body, dict)
    if headers is FORWARDED:
        assert body["remote_addr"] == "10.0.0.1"  # x_for=1: the last proxy's client
        assert body["url_root"] == "https://shop.example.com/store/"
    else:
        assert body["remote_addr"] == headers.get("X-Forwarded-For", "127.0.0.1")


@pytest.mark.parametrize("host", ["evil.example.net", "shop.example.com.evil.net", "127.0.0.1:1"])
def test_trusted_hosts(proxied: dict[str, servers.Server], host: str) -> None:
    for path in ("/whoami", "/async-whoami"):
        found = answers(proxied, "GET", path, headers={"X-Forwarded-Host": host})
        status, _ = assert_same(found)
        assert status == (200 if host == "127.0.0.1:1" else 400)


def test_413s(proxied: dict[str, servers.Server]) -> None:
    for path in ("/upload", "/async-upload"):
        assert assert_same(answers(proxied, "POST", path, content=b"x" * 1000)) == (
            200,
            {"size": 1000},
        )
        assert assert_same(answers(proxied, "POST", path, content=b"x" * 1001))[0] == 413
    fields = "&".join(f"f{i}=v" for i in range(2000)).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert_same(answers(proxied, "POST", "/form", content=fields, headers=form))
    chunked = answers(proxied, "POST", "/form", chunks=[fields], headers=form)
    assert chunked["gunicorn"] == (200, {"fields": 159})  # cut at 1000 bytes: see below
    assert chunked["uvicorn"][0] == chunked["hypercorn"][0] == 413


def test_chunked_body_past_the_limit(proxied: dict[str, servers.Server]) -> None:
    """Under gunicorn Werkzeug reads a chunked body up to MAX_CONTENT_LENGTH and stops:
    the view gets the first 1000 bytes of 1001 as if that were all. vial under ASGI
    answers 413 instead, as it does for a body with a Content-Length."""
    found = answers(proxied, "POST", "/upload", chunks=[b"x" * 600, b"x" * 401])
    assert found["gunicorn"] == (200, {"size": 1000})
    assert found["uvicorn"][0] == found["hypercorn"][0] == 413


@pytest.fixture(scope="module")
def mounted(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[dict[str, servers.Server]]:
    def start(name: str) -> servers.Server:
        workdir = tmp_path_factory.mktemp(f"mounted-{name}")
        if name == "gunicorn":
            return servers.start(name, "served:plain", workdir, env={"SCRIPT_NAME": "/mount"})
        return servers.start(name, "served:plain", workdir, extra=("--root-path", "/mount"))

    running = {name: start(name) for name in SERVERS}
    yield running
    for server in running.values():
        server.stop()


def test_root_path_is_script_name(mounted: dict[str, servers.Server]) -> None:
    """The app sees SCRIPT_NAME /mount and path /whoami under every server.

    What the client asks for differs by server: uvicorn takes ``--root-path`` as a prefix a
    proxy in front of it removed (the client asks for /whoami), gunicorn and hypercorn
    expect it in the request (/mount/whoami).
    """
    paths = {
        "gunicorn": "/mount/whoami?x=%C3%A9",
        "uvicorn": "/whoami?x=%C3%A9",
        "hypercorn": "/mount/whoami?x=%C3%A9",
    }
    status, body = assert_same(answers(mounted, "GET", paths))
    assert status == 200
    assert isinstance(body, dict)
    assert (body["script_root"], body["path"], body["full_path"]) == (
        "/mount",
        "/whoami",
        "/whoami?x=%C3%A9",
    )
    assert body["url"] == "http://127.0.0.1:PORT/mount/whoami?x=é"  # request.url is an IRI
