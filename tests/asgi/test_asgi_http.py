"""HTTP over ASGI against real uvicorn and hypercorn processes (loopback sockets).

Covers: asgiref absent, where views run, concurrency of async views, a bounded pool for
sync ones, context isolation across 500 concurrent tasks, request bodies (buffered,
spooled, streamed, 413s), streamed responses, files, disconnects, errors. About 25 s for
both servers on an idle 2-core machine.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import time

import httpx
import pytest
import rawhttp
import servers
from servers import Events

pytestmark = pytest.mark.slow


def client(server: servers.Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30)


def test_asgiref_is_neither_importable_nor_imported(asgi_server: servers.Server) -> None:
    with client(asgi_server) as c:
        assert c.get("/asgiref").json() == {"importable": False, "imported": False}


def test_async_views_run_on_the_loop_and_sync_views_in_the_pool(
    asgi_server: servers.Server,
) -> None:
    with client(asgi_server) as c:
        on_loop = c.get("/ctx/1").json()
        in_pool = c.get("/sync-ctx/1").json()
    assert on_loop["thread"] == on_loop["hook"] == "MainThread"
    assert in_pool["thread"].startswith("served-asgi")


def test_500_concurrent_tasks_keep_their_own_context(asgi_server: servers.Server) -> None:
    """request, g, session and current_app stay each task's own while all are in flight."""

    async def run() -> list[dict[str, object]]:
        return await asyncio.gather(
            *(
                rawhttp.get_json(asgi_server.port, f"/ctx/{n}?q=q{n}")
                if n % 10
                else rawhttp.get_json(asgi_server.port, f"/sync-ctx/{n}?q=q{n}")
                for n in range(500)
            )
        )

    started = time.perf_counter()
    results = asyncio.run(run())
    elapsed = time.perf_counter() - started
    for n, result in enumerate(results):
        assert result["n"] == result["g"] == n
        assert result["query"] == f"q{n}"
        if n % 10:
            assert result["arg"] == result["session"] == n
            assert result["app"] == "served"
    # 450 async views each sleeping 50-110 ms: concurrent, so far below the 36 s in series.
    assert elapsed < 30, elapsed


def test_async_views_wait_concurrently(asgi_server: servers.Server) -> None:
    async def run() -> list[tuple[int, bytes]]:
        return await asyncio.gather(
            *(rawhttp.get(asgi_server.port, "/sleep?s=0.5") for _ in range(200))
        )

    started = time.perf_counter()
    results = asyncio.run(run())
    elapsed = time.perf_counter() - started
    assert {status for status, _ in results} == {200}
    assert elapsed < 20, elapsed  # 100 s one after the other


def test_sync_views_share_a_bounded_pool(asgi_server: servers.Server) -> None:
    """ASGI_THREADS=8: 16 sync views sleeping 0.4 s need two rounds, on at most 8 threads."""

    async def run() -> list[dict[str, object]]:
        return await asyncio.gather(
            *(rawhttp.get_json(asgi_server.port, "/sync-sleep?s=0.4") for _ in range(16))
        )

    started = time.perf_counter()
    results = asyncio.run(run())
    elapsed = time.perf_counter() - started
    assert len({r["thread"] for r in results}) <= 8
    assert elapsed >= 0.8, elapsed


@pytest.mark.parametrize("size", [0, 10, 300_000, 900_000])
@pytest.mark.parametrize("path", ["/echo", "/async-echo"])
def test_request_bodies_arrive_whole(asgi_server: servers.Server, path: str, size: int) -> None:
    """900 kB is past the in-memory part, so it is read back from a temporary file."""
    data = os.urandom(size)
    with client(asgi_server) as c:
        answer = c.post(path, content=data).json()
        chunked = c.post(path, content=iter([data[: size // 2], data[size // 2 :]])).json()
    expected = {"size": size, "sha": hashlib.sha256(data).hexdigest()}
    assert {k: answer[k] for k in expected} == expected
    assert {k: chunked[k] for k in expected} == expected


def test_multipart_form_with_a_file(asgi_server: servers.Server) -> None:
    with client(asgi_server) as c:
        response = c.post("/form", data={"name": "ada"}, files={"upload": b"u" * 50_000})
    assert response.json() == {"name": "ada", "upload": 50_000}


def test_413_past_max_content_length(asgi_server: servers.Server) -> None:
    big = b"x" * 1_000_001

    def post(path: str, content: object) -> httpx.Response:
        # A fresh connection each time: a server may close one whose body it did not read.
        with client(asgi_server) as c:
            return c.post(path, content=content, headers={"Connection": "close"})  # type: ignore[arg-type]

    assert post("/echo", big).status_code == 413
    assert post("/async-echo", big).status_code == 413
    assert post("/echo", iter([big[:600_000], big[600_000:]])).status_code == 413
    # As under WSGI: a view that never reads the body is not refused.
    assert post("/ignore-body", big).text == "not read"
    assert post("/echo", big[:-1]).status_code == 200


def test_async_view_streams_the_request_body(asgi_server: servers.Server) -> None:
    """Past MAX_CONTENT_LENGTH (1 MB) too: the view sets its own limit, and reads as it comes."""
    pieces = [os.urandom(256 * 1024) for _ in range(12)]
    with client(asgi_server) as c:
        answer = c.post("/stream-in", content=iter(pieces)).json()
    assert answer["size"] == 12 * 256 * 1024
    assert answer["chunks"] > 1
    assert answer["sha"] == hashlib.sha256(b"".join(pieces)).hexdigest()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/stream-out?n=4&delay=0.3&tag=t", ["0 t\n", "1 t\n", "2 t\n", "3 t\n"]),
        ("/astream-out?n=4&delay=0.3", ["a0\n", "a1\n", "a2\n", "a3\n"]),
    ],
)
def test_responses_stream_chunk_by_chunk(
    asgi_server: servers.Server, path: str, expected: list[str]
) -> None:
    arrivals = []
    chunks = []
    with client(asgi_server) as c, c.stream("GET", path) as response:
        started = time.perf_counter()
        for chunk in response.iter_text():
            arrivals.append(time.perf_counter() - started)
            chunks.append(chunk)
    assert "".join(chunks) == "".join(expected)
    assert len(chunks) == 4
    # The first chunk arrives as soon as it is made, not with the last one.
    assert arrivals[-1] >= 0.8 and arrivals[-1] - arrivals[0] >= 0.6, arrivals


def test_send_file(asgi_server: servers.Server) -> None:
    expected = (servers.APPS / "served.py").exists()  # the payload is made by the app itself
    with client(asgi_server) as c:
        response = c.get("/file")
        head = c.head("/file")
        ranged = c.get("/file", headers={"Range": "bytes=100-199"})
    assert expected and response.status_code == 200
    assert len(response.content) == 300_000
    assert head.headers["content-length"] == "300000" and head.content == b""
    assert ranged.status_code == 206 and ranged.content == response.content[100:200]


def test_disconnect_cancels_an_async_view_and_runs_teardown(
    asgi_server: servers.Server, events: Events
) -> None:
    token = f"hang-{asgi_server.name}"
    with socket.create_connection(("127.0.0.1", asgi_server.port)) as sock:
        sock.sendall(f"GET /hang?token={token} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        time.sleep(0.5)
    found = events.wait_for(f"teardown {token} CancelledError")
    assert f"cancelled {token}" in found


def test_disconnect_closes_a_streamed_response(asgi_server: servers.Server, events: Events) -> None:
    token = f"forever-{asgi_server.name}"
    with socket.create_connection(("127.0.0.1", asgi_server.port)) as sock:
        sock.sendall(f"GET /stream-forever?token={token} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        received = b""
        while len(received) < 4096:
            received += sock.recv(65536)
    events.wait_for(f"generator closed {token}")


@pytest.mark.parametrize("path", ["/boom", "/async-boom"])
def test_an_error_is_a_500_page_without_the_traceback(
    asgi_server: servers.Server, path: str
) -> None:
    with client(asgi_server) as c:
        response = c.get(path)
    assert response.status_code == 500
    assert "Internal Server Error" in response.text
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "a secret in the traceback" in asgi_server.log.read_text()  # logged, not sent


def test_lifespan_hooks_run_at_startup(asgi_server: servers.Server) -> None:
    with client(asgi_server) as c:
        assert c.get("/lifespan").json() == {"pool": "open", "app": "served", "sync": True}


@pytest.mark.parametrize("name", ["uvicorn", "hypercorn"])
def test_lifespan_shutdown_runs_after_serving_hooks(
    name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    workdir = tmp_path_factory.mktemp(f"lifespan-{name}")
    running = servers.start(name, "served:app", workdir, env={"ASGI_TEST_EVENTS": str(workdir)})
    with client(running) as c:
        assert c.get("/").text == "hello"
    running.stop()
    assert Events(workdir).lines() == [
        "startup async",
        "startup sync",
        "shutdown async",
        "shutdown sync",
    ]


def test_gunicorn_with_uvicorn_workers(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Several processes, each an event loop: ``gunicorn -k uvicorn.workers.UvicornWorker``."""
    workdir = tmp_path_factory.mktemp("gunicorn-uvicorn")
    running = servers.start(
        "gunicorn",
        "served:app",
        workdir,
        extra=("-k", "uvicorn.workers.UvicornWorker", "--workers", "2"),
        env={"ASGI_TEST_EVENTS": str(workdir)},
    )
    try:

        async def run() -> list[dict[str, object]]:
            return await asyncio.gather(
                *(rawhttp.get_json(running.port, f"/ctx/{n}") for n in range(100))
            )

        started = time.perf_counter()
        results = asyncio.run(run())
        elapsed = time.perf_counter() - started
        assert [r["n"] for r in results] == list(range(100))
        assert elapsed < 10, elapsed  # 100 views of 50-110 ms each, awaited together
        with client(running) as c:
            assert c.get("/lifespan").json()["pool"] == "open"
    finally:
        running.stop()
    assert Events(workdir).lines().count("startup async") == 2  # one lifespan per worker
