"""vial served over ASGI against the real alternatives, in one run, over loopback sockets.

Three measurements, each against real server processes started here:

1. **1000 concurrent requests to a view awaiting 100 ms of I/O** (``asyncio.sleep``): vial on
   one uvicorn worker, against Flask's async view under uvicorn through asgiref's
   ``WsgiToAsgi`` and under gunicorn with 4 threads. The client opens every connection
   first, then sends all requests at once; the wall time runs from the first request sent
   to the last response read. The client is its own process (an asyncio script).
2. **Requests per second** of a hello route and a JSON route, vial against Quart, both on
   one uvicorn worker (same uvicorn, same event loop and HTTP parser), measured by ``wrk``
   (Debian's package) when installed, else by a small asyncio client, in its own process;
   rounds interleave vial and Quart, and the median of the rounds is reported.
3. **Memory for 1000 in-flight requests**: the server's resident set while 1000 requests
   wait in a view, minus its resident set at rest (vial and Quart).

Run: ``python benchmarks/bench_asgi.py [--rounds 5] [--seconds 3] [--compare 1000]``.
Needs uvicorn, gunicorn, asgiref, Flask and Quart installed (``pip install quart``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

APPS = {
    "vial_app.py": """
        import asyncio
        from vial import Vial, jsonify

        app = Vial(__name__)

        @app.route("/")
        async def hello():
            return "Hello, World!"

        @app.route("/sync")
        def sync_hello():
            return "Hello, World!"

        @app.route("/json")
        async def data():
            return jsonify(id=42, name="user", tags=["a", "b"])

        @app.route("/io")
        async def io():
            await asyncio.sleep(float(__import__("vial").request.args.get("s", "0.1")))
            return "done"
    """,
    "quart_app.py": """
        import asyncio
        from quart import Quart, jsonify, request

        app = Quart(__name__)

        @app.route("/")
        async def hello():
            return "Hello, World!"

        @app.route("/json")
        async def data():
            return jsonify(id=42, name="user", tags=["a", "b"])

        @app.route("/io")
        async def io():
            await asyncio.sleep(float(request.args.get("s", "0.1")))
            return "done"
    """,
    "flask_app.py": """
        import asyncio
        from asgiref.wsgi import WsgiToAsgi
        from flask import Flask, request

        app = Flask(__name__)

        @app.route("/io")
        async def io():
            await asyncio.sleep(float(request.args.get("s", "0.1")))
            return "done"

        asgi = WsgiToAsgi(app)
    """,
}

CLIENT = r"""
import asyncio, json, resource, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (8192, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
port, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])

async def read_one(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = None
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    if length is not None:
        await reader.readexactly(length)
    else:
        await reader.read()
    return status

async def main():
    conns = await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port) for _ in range(count)))
    request = f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
    start = time.perf_counter()
    for _, writer in conns:
        writer.write(request)
    statuses = await asyncio.gather(*(read_one(reader) for reader, _ in conns))
    elapsed = time.perf_counter() - start
    for _, writer in conns:
        writer.close()
    print(json.dumps({"elapsed": elapsed, "ok": statuses.count(200), "count": count}))

asyncio.run(main())
"""

LOADGEN = r"""
import asyncio, sys, time
port, path, conns, seconds = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
request = f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()

async def worker(deadline, counts):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    done = 0
    while time.perf_counter() < deadline:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        await reader.readexactly(length)
        done += 1
    counts.append(done)
    writer.close()

import re
async def main():
    counts = []
    deadline = time.perf_counter() + seconds
    await asyncio.gather(*(worker(deadline, counts) for _ in range(conns)))
    print(sum(counts) / seconds)

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server process serving one of the apps."""

    def __init__(self, label: str, argv: list[str], workdir: Path, port: int) -> None:
        self.label = label
        self.port = port
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(workdir), str(REPO / "framework")])
        self.log = (workdir / (label.replace("/", "-") + ".log")).open("w")
        self.process = subprocess.Popen(
            argv, cwd=workdir, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), 0.2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()  # a server that did not come up must not outlive the benchmark
        raise RuntimeError(f"{label} did not start; see {self.log.name}")

    def pids(self) -> list[int]:
        """The server's process and its children (gunicorn's worker)."""
        found = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            found += [int(p) for p in children.read_text().split()]
        return found

    def rss_kib(self) -> int:
        total = 0
        for pid in self.pids():
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        return total

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def uvicorn(target: str, workdir: Path, label: str, lifespan: str = "on") -> Server:
    port = free_port()
    argv = [
        sys.executable, "-m", "uvicorn", target, "--port", str(port), "--log-level", "warning",
        "--no-access-log", "--backlog", "4096", "--lifespan", lifespan,
    ]  # fmt: skip
    return Server(label, argv, workdir, port)


def gunicorn(target: str, workdir: Path, label: str) -> Server:
    port = free_port()
    argv = [
        sys.executable, "-m", "gunicorn", target, "--bind", f"127.0.0.1:{port}",
        "--threads", "4", "--workers", "1", "--backlog", "4096",
    ]  # fmt: skip
    return Server(label, argv, workdir, port)


def concurrent_wall(server: Server, count: int, path: str = "/io") -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CLIENT, str(server.port), path, str(count)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    result: dict[str, float] = json.loads(out)
    return result


def requests_per_second(server: Server, path: str, seconds: float) -> float:
    url = f"http://127.0.0.1:{server.port}{path}"
    if shutil.which("wrk"):
        out = subprocess.run(
            ["wrk", "-t1", "-c32", f"-d{max(1, round(seconds))}s", url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        match = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if match is None or "Non-2xx" in out or "Socket errors" in out:
            raise RuntimeError(f"wrk failed against {server.label}:\n{out}")
        return float(match.group(1))
    out = subprocess.run(
        [sys.executable, "-c", LOADGEN, str(server.port), path, "32", str(seconds)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out)


def in_flight_memory(server: Server, count: int) -> float:
    """MiB the server's resident set grows by while ``count`` requests wait in a view (3 s)."""
    idle = server.rss_kib()
    client = subprocess.Popen(
        [sys.executable, "-c", CLIENT, str(server.port), "/io?s=3", str(count)],
        stdout=subprocess.PIPE,
        text=True,
    )
    peak = idle
    # Sampled for as long as the client runs: on a busy machine opening 1000 connections
    # alone can take seconds, and the requests are in flight only after that.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and client.poll() is None:
        peak = max(peak, server.rss_kib())
        time.sleep(0.05)
    result = json.loads(client.communicate(timeout=120)[0])
    if result["ok"] != count:
        raise RuntimeError(f"{server.label}: {result}")
    return (peak - idle) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument(
        "--compare",
        type=int,
        default=1000,
        help="concurrent requests sent to the Flask comparisons (they take far longer)",
    )
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(8192, hard), hard))

    import uvicorn as uvicorn_module

    loops = "uvloop" if _importable("uvloop") else "asyncio"
    parsers = "httptools" if _importable("httptools") else "h11"
    print(
        f"uvicorn {uvicorn_module.__version__} ({loops}, {parsers}), Python {sys.version.split()[0]}"
    )
    print(f"load generator: {'wrk' if shutil.which('wrk') else 'asyncio client'} (own process)")

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name, source in APPS.items():
            (workdir / name).write_text(textwrap.dedent(source))
        vial = uvicorn("vial_app:app", workdir, "vial/uvicorn")
        try:
            quart = uvicorn("quart_app:app", workdir, "quart/uvicorn")
        except BaseException:
            vial.stop()
            raise
        try:
            print(f"\n1. {args.requests} concurrent requests awaiting 100 ms (one worker)")
            walls = []
            for _ in range(args.rounds):
                result = concurrent_wall(vial, args.requests)
                assert result["ok"] == args.requests, result
                walls.append(result["elapsed"])
            print(
                f"   vial, uvicorn:                     median {statistics.median(walls):.2f} s"
                f"  (rounds: {', '.join(f'{w:.2f}' for w in walls)})"
            )
            quart_wall = concurrent_wall(quart, args.requests)
            print(f"   Quart, uvicorn:                    {quart_wall['elapsed']:.2f} s")
            flask_asgi = uvicorn("flask_app:asgi", workdir, "flask/WsgiToAsgi", lifespan="off")
            try:
                result = concurrent_wall(flask_asgi, args.compare)
                print(
                    f"   Flask, uvicorn + WsgiToAsgi:       {result['elapsed']:.2f} s"
                    f" for {args.compare} requests ({result['ok']:.0f} ok)"
                )
            finally:
                flask_asgi.stop()
            flask_wsgi = gunicorn("flask_app:app", workdir, "flask/gunicorn")
            try:
                result = concurrent_wall(flask_wsgi, args.compare)
                print(
                    f"   Flask, gunicorn --threads 4:       {result['elapsed']:.2f} s"
                    f" for {args.compare} requests ({result['ok']:.0f} ok)"
                )
            finally:
                flask_wsgi.stop()

            print(f"\n2. requests per second, one uvicorn worker, {args.rounds} interleaved rounds")
            routes = {"hello": "/", "json": "/json"}
            for server in (vial, quart):  # warm up: imports, pools, first-request setup
                requests_per_second(server, "/", 1)
            found: dict[tuple[str, str], list[float]] = {}
            for index in range(args.rounds):
                order = [vial, quart] if index % 2 == 0 else [quart, vial]
                for route, path in routes.items():
                    for server in order:
                        found.setdefault((server.label, route), []).append(
                            requests_per_second(server, path, args.seconds)
                        )
                found.setdefault((vial.label, "hello, sync view"), []).append(
                    requests_per_second(vial, "/sync", args.seconds)
                )
            for route in [*routes, "hello, sync view"]:
                v = statistics.median(found[(vial.label, route)])
                line = f"   {route:<17} vial {v:8.0f} req/s"
                if (quart.label, route) in found:
                    q = statistics.median(found[(quart.label, route)])
                    line += f"   Quart {q:8.0f} req/s   vial/Quart {v / q:.2f}"
                print(line)

        finally:
            vial.stop()
            quart.stop()
        print(f"\n3. memory for {args.requests} in-flight requests (resident set growth)")
        for target, label in (("vial_app:app", "vial/uvicorn"), ("quart_app:app", "quart/uvicorn")):
            fresh = uvicorn(target, workdir, label + "-memory")
            try:
                concurrent_wall(fresh, 1)  # the first request's one-time setup is not per request
                grown = in_flight_memory(fresh, args.requests)
                print(
                    f"   {label:<14} {grown:6.1f} MiB ({grown * 1024 / args.requests:.1f} KiB each)"
                )
            finally:
                fresh.stop()


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


if __name__ == "__main__":
    main()
