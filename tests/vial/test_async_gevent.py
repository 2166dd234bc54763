"""Async views in a gevent worker, under a real ``gunicorn -k gevent``.

gevent's monkeypatching turns asgiref's helper threads into greenlets, so with a plain
``async_to_sync`` concurrent requests' event loops share one OS thread and all but one fail
(Flask 3.1.3 fails 198 of 200 such requests). vial runs each coroutine on gevent's native
pool threads instead. Slow (marker ``slow``): about 10 seconds, plus installing gevent and
gunicorn into a cached overlay (``.cache/servers/``) the first time.
"""

from __future__ import annotations

import collections
import concurrent.futures
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVERS = ["gevent==26.9.0", "zope.event==6.2", "zope.interface==8.7", "gunicorn==23.0.0"]


def _overlay() -> Path:
    """gevent and gunicorn, installed once into a cached overlay (tests/suite_runner.py)."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import suite_runner
    finally:
        sys.path.pop(0)
    cache = suite_runner.cache_dir("servers", "GRAFT_SERVERS_CACHE")
    return suite_runner.ensure_overlay(cache, SERVERS, kind="gevent")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return str(r.read().decode())
    except OSError as e:
        return f"error {e}"


@pytest.mark.slow
def test_concurrent_async_views_under_gunicorn_gevent(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIAL_"))}
    paths = [_overlay(), ROOT / "framework", Path(__file__).parent / "apps"]
    env["PYTHONPATH"] = os.pathsep.join(map(str, paths))
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1",
         "--worker-connections", "1000", "-b", f"127.0.0.1:{port}", "async_views:app"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while _get(port, "/sync") != "sync":
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        with concurrent.futures.ThreadPoolExecutor(200) as pool:
            bodies = list(pool.map(lambda i: _get(port, f"/async?i={i}"), range(200)))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    outcomes = collections.Counter(
        "ok" if body == f"async {i} {i}" else body for i, body in enumerate(bodies)
    )
    assert outcomes == {"ok": 200}, (tmp_path / "gunicorn.log").read_text()[-3000:]
