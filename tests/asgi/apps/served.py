"""The apps the ASGI tests serve with real uvicorn, hypercorn and gunicorn processes.

``app`` exercises the request path (concurrency, context isolation, bodies, streaming,
disconnects, lifespan, errors, WebSockets); ``proxied`` is the same kind of app behind
Werkzeug's ``ProxyFix`` with ``TRUSTED_HOSTS``, served by both kinds of server for parity.
The server processes run with ``asgiref`` blocked (see ``conftest.py``), so everything here
proves it works without it. Each route reports what the test needs to check, as JSON.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from werkzeug.middleware.proxy_fix import ProxyFix

from vial import (
    Blueprint,
    Vial,
    abort,
    current_app,
    g,
    request,
    send_file,
    session,
    stream_with_context,
)
from vial.asgi import request_body_chunks, stream_request_body
from vial.websockets import WebSocketClosedError, websocket

EVENTS = Path(os.environ.get("ASGI_TEST_EVENTS", tempfile.gettempdir())) / "events.log"
"""Where teardown and lifespan events are written, for the test to read after the fact."""


def record(event: str) -> None:
    with EVENTS.open("a") as f:
        f.write(event + "\n")


app = Vial(__name__)
app.config.update(SECRET_KEY="asgi tests", MAX_CONTENT_LENGTH=1_000_000, ASGI_THREADS=8)

FILE = Path(tempfile.mkdtemp()) / "payload.bin"
FILE.write_bytes(os.urandom(300_000))

serving: dict[str, object] = {}


@app.before_serving
async def open_pool() -> None:
    await asyncio.sleep(0.01)
    serving["pool"] = "open"
    serving["app"] = current_app.name
    record("startup async")


@app.before_serving
def open_sync() -> None:
    serving["sync"] = True
    record("startup sync")


@app.after_serving
async def close_pool() -> None:
    serving["pool"] = "closed"
    record("shutdown async")


@app.after_serving
def close_sync() -> None:
    record("shutdown sync")


@app.before_request
def mark() -> None:
    g.hook = threading.current_thread().name


@app.teardown_request
def teardown(exc: BaseException | None) -> None:
    token = request.args.get("token")
    if token:
        record(f"teardown {token} {type(exc).__name__ if exc is not None else None}")


@app.route("/")
def hello() -> str:
    return "hello"


@app.route("/lifespan")
def lifespan_state() -> dict[str, object]:
    return serving


@app.route("/asgiref")
def asgiref_state() -> dict[str, object]:
    try:
        import asgiref  # noqa: F401
    except ImportError:
        importable = False
    else:
        importable = True
    return {"importable": importable, "imported": sys.modules.get("asgiref") is not None}


@app.route("/ctx/<int:n>")
async def ctx_async(n: int) -> dict[str, object]:
    """Context isolation: what this task set must still be its own after awaiting."""
    g.n = n
    session["n"] = n
    await asyncio.sleep(0.05 + (n % 7) / 100)
    return {
        "n": n,
        "g": g.n,
        "arg": request.view_args["n"] if request.view_args else None,
        "query": request.args.get("q"),
        "session": session["n"],
        "app": current_app.name,
        "thread": threading.current_thread().name,
        "hook": g.hook,
    }


@app.route("/sync-ctx/<int:n>")
def ctx_sync(n: int) -> dict[str, object]:
    g.n = n
    time.sleep(0.01)
    return {
        "n": n,
        "g": g.n,
        "query": request.args.get("q"),
        "thread": threading.current_thread().name,
    }


@app.route("/sleep")
async def sleep() -> dict[str, object]:
    await asyncio.sleep(float(request.args.get("s", "0.1")))
    return {"thread": threading.current_thread().name}


@app.route("/sync-sleep")
def sync_sleep() -> dict[str, object]:
    time.sleep(float(request.args.get("s", "0.1")))
    return {"thread": threading.current_thread().name}


@app.route("/echo", methods=["POST"])
def echo() -> dict[str, object]:
    data = request.get_data()
    return {"size": len(data), "sha": hashlib.sha256(data).hexdigest()}


@app.route("/async-echo", methods=["POST"])
async def async_echo() -> dict[str, object]:
    data = request.get_data()
    return {"size": len(data), "sha": hashlib.sha256(data).hexdigest(), "json": request.is_json}


@app.route("/form", methods=["POST"])
def form() -> dict[str, object]:
    upload = request.files.get("upload")
    return {
        "name": request.form.get("name"),
        "upload": len(upload.read()) if upload is not None else None,
    }


@app.route("/ignore-body", methods=["POST"])
def ignore_body() -> str:
    return "not read"


@app.route("/stream-in", methods=["POST"])
@stream_request_body
async def stream_in() -> dict[str, object]:
    digest = hashlib.sha256()
    sizes = []
    async for chunk in request_body_chunks(limit=None):
        digest.update(chunk)
        sizes.append(len(chunk))
    return {"size": sum(sizes), "chunks": len(sizes), "sha": digest.hexdigest()}


@app.route("/stream-out")
def stream_out() -> object:
    count = int(request.args.get("n", "4"))
    delay = float(request.args.get("delay", "0.2"))

    @stream_with_context
    def chunks() -> object:
        for i in range(count):
            yield f"{i} {request.args.get('tag')}\n"
            time.sleep(delay)

    return chunks()


@app.route("/astream-out")
async def astream_out() -> object:
    count = int(request.args.get("n", "4"))
    delay = float(request.args.get("delay", "0.2"))

    async def chunks() -> object:
        for i in range(count):
            yield f"a{i}\n"
            await asyncio.sleep(delay)

    return chunks()


@app.route("/stream-forever")
def stream_forever() -> object:
    token = request.args["token"]

    def chunks() -> object:
        try:
            while True:
                yield b"x" * 1024
                time.sleep(0.02)
        finally:
            record(f"generator closed {token}")

    return chunks()


@app.route("/hang")
async def hang() -> str:
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        record(f"cancelled {request.args.get('token')}")
        raise
    return "woke up"


@app.route("/file")
def file() -> object:
    return send_file(FILE, mimetype="application/octet-stream")


@app.route("/boom")
def boom() -> str:
    raise RuntimeError("a secret in the traceback")


@app.route("/async-boom")
async def async_boom() -> str:
    await asyncio.sleep(0)
    raise RuntimeError("a secret in the traceback")


@app.route("/login")
def login() -> str:
    session["user"] = request.args["user"]
    return "ok"


clients: set[object] = set()


@app.websocket("/ws/echo/<name>")
async def ws_echo(name: str) -> None:
    async for message in websocket:
        if isinstance(message, bytes):
            await websocket.send(message[::-1])
        elif message == "json":
            await websocket.send_json({"name": name, "user": session.get("user"), "g": g.hook})
        elif message == "close":
            await websocket.close(4001, "asked to")
            return
        else:
            await websocket.send(f"{name}: {message}")


@app.websocket("/ws/chat")
async def ws_chat() -> None:
    connection = websocket._get_current_object()  # type: ignore[attr-defined]
    clients.add(connection)
    try:
        await websocket.send_json({"joined": len(clients)})
        while True:
            message = await websocket.receive_json()
            for other in list(clients):
                try:
                    await other.send_json(message)  # type: ignore[attr-defined]
                except WebSocketClosedError:
                    clients.discard(other)
    finally:
        clients.discard(connection)


@app.websocket("/ws/private")
async def ws_private() -> None:
    if "user" not in session:
        abort(403)
    await websocket.send(f"hello {session['user']}")


@app.websocket("/ws/fail")
async def ws_fail() -> None:
    await websocket.accept()
    raise RuntimeError("a secret in the traceback")


@app.websocket("/ws/refuse")
async def ws_refuse() -> object:
    return "go away", 401


rooms = Blueprint("rooms", __name__, url_prefix="/rooms")


@rooms.websocket("/<room>")
async def room(room: str) -> None:
    await websocket.accept(
        subprotocol=websocket.subprotocols[0] if websocket.subprotocols else None
    )
    await websocket.send(f"room {room} via {request.blueprint}")


app.register_blueprint(rooms)


def whoami() -> dict[str, object]:
    return {
        "remote_addr": request.remote_addr,
        "scheme": request.scheme,
        "host": request.host,
        "url_root": request.url_root,
        "script_root": request.script_root,
        "path": request.path,
        "full_path": request.full_path,
        "url": request.url,
        "is_secure": request.is_secure,
    }


def make_parity_app(proxy: bool) -> Vial:
    """The app served by both gunicorn and ASGI servers, whose answers must agree."""
    parity = Vial(__name__ + (".proxied" if proxy else ".plain"))
    parity.config.update(MAX_CONTENT_LENGTH=1000)
    if proxy:
        parity.config["TRUSTED_HOSTS"] = ["example.org", ".example.com", "127.0.0.1"]
        parity.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            parity.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1
        )
    parity.add_url_rule("/whoami", view_func=whoami)
    parity.add_url_rule("/prefix/whoami", endpoint="prefixed", view_func=whoami)

    @parity.route("/async-whoami")
    async def async_whoami() -> dict[str, object]:
        return whoami()

    @parity.route("/upload", methods=["POST"])
    def upload() -> dict[str, object]:
        return {"size": len(request.get_data())}

    @parity.route("/async-upload", methods=["POST"])
    async def async_upload() -> dict[str, object]:
        return {"size": len(request.get_data())}

    @parity.route("/form", methods=["POST"])
    def form() -> dict[str, object]:
        return {"fields": len(request.form)}

    return parity


plain = make_parity_app(proxy=False)
proxied = make_parity_app(proxy=True)
