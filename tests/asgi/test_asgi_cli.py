"""``vial run --asgi`` as a user types it: uvicorn with the reloader, hypercorn when uvicorn is
missing, and a one-line error naming the extra to install when neither is. About 10 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import servers

pytestmark = pytest.mark.slow

APP = """\
from vial import Vial

app = Vial(__name__)


@app.route("/")
async def index():
    return "{version}"
"""


def blocker(directory: Path, *names: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["import sys"] + [f"sys.modules[{name!r}] = None" for name in names]
    (directory / "sitecustomize.py").write_text("\n".join(lines) + "\n")
    return directory


def start(
    tmp_path: Path, *args: str, blocked: tuple[str, ...] = ()
) -> tuple[subprocess.Popen[str], int]:
    port = servers.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "VIAL_"))}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(blocker(tmp_path / "site", "asgiref", *blocked)), str(servers.REPO / "framework")]
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "vial", "--app", "app", "run", "--asgi", "--port", str(port), *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return process, port


def wait_for(port: int, expected: str, process: subprocess.Popen[str], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            last = httpx.get(f"http://127.0.0.1:{port}/", timeout=2).text
        except httpx.HTTPError:
            last = None
        if last == expected:
            return
        time.sleep(0.1)
    raise AssertionError(f"never answered {expected!r} (last: {last!r})")


def stop(process: subprocess.Popen[str]) -> str:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        return process.communicate(timeout=10)[0]
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.communicate()[0]


@pytest.mark.parametrize(("blocked", "server"), [((), "uvicorn"), (("uvicorn",), "hypercorn")])
def test_run_asgi_with_the_reloader(tmp_path: Path, blocked: tuple[str, ...], server: str) -> None:
    (tmp_path / "app.py").write_text(APP.format(version="v1"))
    process, port = start(tmp_path, "--reload", blocked=blocked)
    try:
        wait_for(port, "v1", process)
        time.sleep(1.1)  # past the modification time the reloader recorded
        (tmp_path / "app.py").write_text(APP.format(version="v2"))
        wait_for(port, "v2", process)
    finally:
        output = stop(process)
    assert f"ASGI server: {server}" in output


def test_run_asgi_without_an_asgi_server(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP.format(version="v1"))
    process, _ = start(tmp_path, blocked=("uvicorn", "hypercorn"))
    output = process.communicate(timeout=20)[0]
    assert process.returncode == 1
    assert output.strip().splitlines()[-1] == (
        "Error: --asgi needs an ASGI server: pip install 'vial-web[asgi]' (uvicorn) or hypercorn."
    )
    assert "Traceback" not in output


def test_run_asgi_refuses_the_debugger(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP.format(version="v1"))
    process, _ = start(tmp_path, "--debugger")
    output = process.communicate(timeout=20)[0]
    assert process.returncode == 2
    assert "drop --debugger (or --asgi)" in output
