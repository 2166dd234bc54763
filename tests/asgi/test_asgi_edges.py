"""Edge cases of the ASGI side, driven in this process by a scripted ASGI server.

The socket-level behaviour is tested against real servers in the other modules; this one
plays the server's half of the protocol itself (a real event loop, real messages) to reach
what a well-behaved client rarely does: a client gone mid-body, messages out of order, a
handler misusing the connection, hooks that fail at startup. Under a second.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import typing as t

import pytest
from werkzeug.exceptions import ClientDisconnected

from vial import Blueprint, Vial, g, request, stream_with_context
from vial._asgi_http import environ_from_scope
from vial.asgi import ServerEntry, request_body_chunks, stream_request_body
from vial.views import MethodView, View
from vial.websockets import WebSocketClosedError, has_websocket_context, websocket

Message = dict[str, t.Any]


def http_scope(path: str = "/", method: str = "GET", **extra: t.Any) -> dict[str, t.Any]:
    scope: dict[str, t.Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
    }
    scope.update(extra)
    return scope


class Exchange:
    """One ASGI call: what the server feeds in, what the app sent back."""

    def __init__(self, app: t.Any, scope: dict[str, t.Any]) -> None:
        self.app = app
        self.scope = scope
        self.incoming: asyncio.Queue[Message] = asyncio.Queue()
        self.sent: list[Message] = []
        self.sent_event = asyncio.Event()

    async def receive(self) -> Message:
        return await self.incoming.get()

    async def send(self, message: Message) -> None:
        self.sent.append(message)
        self.sent_event.set()

    def feed(self, *messages: Message) -> Exchange:
        for message in messages:
            self.incoming.put_nowait(message)
        return self

    async def run(self) -> list[Message]:
        await self.app(self.scope, self.receive, self.send)
        return self.sent

    async def next_sent(self, count: int) -> list[Message]:
        while len(self.sent) < count:
            self.sent_event.clear()
            await asyncio.wait_for(self.sent_event.wait(), 5)
        return self.sent

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")


def call(app: Vial, scope: dict[str, t.Any], *messages: Message) -> Exchange:
    exchange = Exchange(app, scope)
    exchange.feed(*messages)

    async def go() -> None:
        await asyncio.wait_for(exchange.run(), 10)

    asyncio.run(go())
    return exchange


def body(data: bytes, more: bool = False) -> Message:
    return {"type": "http.request", "body": data, "more_body": more}


DISCONNECT: Message = {"type": "http.disconnect"}


@pytest.fixture
def app() -> Vial:
    app = Vial("edges")
    app.config["SECRET_KEY"] = "edges"
    return app


def test_environ_from_a_minimal_scope() -> None:
    environ = environ_from_scope(
        {
            "type": "http",
            "path": "/caf\u00e9",
            "headers": [
                (b"cookie", b"a=1"),
                (b"cookie", b"b=2"),
                (b"accept", b"text/html"),
                (b"accept", b"*/*"),
                (b"x_forwarded_for", b"10.0.0.9"),
                (b"content-type", b"text/plain"),
            ],
        },
        None,
    )
    assert environ["PATH_INFO"] == "/caf\u00e9".encode().decode("latin-1")
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("localhost", "80")
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["HTTP_ACCEPT"] == "text/html,*/*"
    assert "HTTP_X_FORWARDED_FOR" not in environ  # an underscore header is dropped
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert "REMOTE_ADDR" not in environ


def test_the_entry_point_reports_itself(app: Vial) -> None:
    entry = app.__call__
    assert isinstance(entry, ServerEntry)
    assert "edges" in repr(entry)
    from vial.asgi import ASGIApp

    descriptor = ASGIApp.__dict__["__call__"]
    assert descriptor.__get__(None, Vial) is descriptor


def test_unknown_scope_type(app: Vial) -> None:
    with pytest.raises(ValueError, match="Unsupported ASGI scope type 'telepathy'"):
        call(app, {"type": "telepathy"})


def test_large_body_spills_to_a_file_and_a_sync_view_reads_it(app: Vial) -> None:
    @app.post("/size")
    def size() -> str:
        return str(len(request.get_data()))

    chunk = b"x" * 300_000
    exchange = call(
        app,
        http_scope("/size", "POST", headers=[(b"transfer-encoding", b"chunked")]),
        body(chunk, True),
        body(chunk, True),
        body(b"", False),
    )
    assert exchange.body == b"600000"


def test_streaming_view_with_a_sync_hook_reading_the_body(app: Vial) -> None:
    """A sync hook on the loop receives the body as it reads; the view gets the rest."""

    @app.before_request
    def peek() -> None:
        g.first = request.stream.read(3)

    @app.post("/rest")
    @stream_request_body
    async def rest() -> dict[str, object]:
        chunks = [chunk async for chunk in request_body_chunks()]
        return {"first": g.first.decode(), "rest": b"".join(chunks).decode()}

    exchange = call(
        app,
        http_scope("/rest", "POST", headers=[(b"content-length", b"9")]),
        body(b"abcdef", True),
        body(b"ghi", False),
    )
    assert json.loads(exchange.body) == {"first": "abc", "rest": "defghi"}


def test_streamed_body_past_its_limit_and_a_client_gone_mid_body(app: Vial) -> None:
    @app.post("/limited")
    @stream_request_body
    async def limited() -> str:
        try:
            return str(sum([len(c) async for c in request_body_chunks(limit=4)]))
        except ClientDisconnected:
            return "gone"

    headers = [(b"transfer-encoding", b"chunked")]
    too_big = call(
        app,
        http_scope("/limited", "POST", headers=headers),
        body(b"abc", True),
        body(b"def", False),
    )
    assert too_big.status == 413
    gone = call(app, http_scope("/limited", "POST", headers=headers), body(b"ab", True), DISCONNECT)
    assert gone.body == b"gone"


def test_client_gone_while_a_sync_view_waits_for_its_body(app: Vial) -> None:
    @app.post("/echo")
    def echo() -> str:
        return str(len(request.get_data()))

    exchange = call(
        app,
        http_scope("/echo", "POST", headers=[(b"content-length", b"10")]),
        body(b"abc", True),
        DISCONNECT,
    )
    assert exchange.status == 400  # ClientDisconnected, as under a WSGI server


def test_request_body_chunks_under_wsgi(app: Vial) -> None:
    @app.post("/count")
    @stream_request_body
    async def count() -> str:
        return str(sum([len(c) async for c in request_body_chunks()]))

    assert app.test_client().post("/count", data=b"x" * 70_000).text == "70000"


def test_async_generator_response_under_wsgi(app: Vial) -> None:
    @app.route("/agen")
    async def agen() -> object:
        async def chunks() -> t.AsyncIterator[str]:
            yield "a"
            yield "b"

        return chunks()

    @app.route("/agen-cut")
    async def agen_cut() -> object:
        async def chunks() -> t.AsyncIterator[bytes]:
            yield b"first"
            yield b"second"

        return chunks()

    client = app.test_client()
    assert client.get("/agen").text == "ab"
    response = client.get("/agen-cut", buffered=False)
    assert next(iter(response.response)) == b"first"
    response.close()  # the iterator's own loop is closed with it


def test_async_hooks_of_a_sync_view_run_on_the_loop(app: Vial) -> None:
    loop_thread = threading.get_ident()

    @app.before_request
    async def before() -> None:
        g.hook_thread = threading.get_ident()

    @app.route("/sync")
    def sync() -> dict[str, object]:
        return {
            "hook_on_loop": g.hook_thread == loop_thread,
            "view_on_loop": threading.get_ident() == loop_thread,
        }

    exchange = call(app, http_scope("/sync"))
    assert json.loads(exchange.body) == {"hook_on_loop": True, "view_on_loop": False}


def test_ensure_sync_from_a_coroutine_is_refused(app: Vial) -> None:
    async def helper() -> int:
        return 1

    @app.route("/misuse")
    async def misuse() -> str:
        try:
            app.ensure_sync(helper)()
        except RuntimeError as e:
            return str(e)
        return "ran"

    exchange = call(app, http_scope("/misuse"))
    assert b"'await' the coroutine function directly" in exchange.body


def test_class_based_views_choose_where_they_run(app: Vial) -> None:
    class Things(MethodView):
        async def get(self) -> str:
            return f"get on loop: {threading.current_thread() is threading.main_thread()}"

        def post(self) -> str:
            return f"post on loop: {threading.current_thread() is threading.main_thread()}"

    class Plain(View):
        async def dispatch_request(self) -> str:
            return "plain async"

    app.add_url_rule("/things", view_func=Things.as_view("things"))
    app.add_url_rule("/plain", view_func=Plain.as_view("plain"))
    assert call(app, http_scope("/things")).body == b"get on loop: True"
    assert call(app, http_scope("/things", "HEAD")).status == 200
    assert call(app, http_scope("/things", "POST")).body == b"post on loop: False"
    assert call(app, http_scope("/plain")).body == b"plain async"


def test_legacy_write_callable_and_a_missing_start_response(app: Vial) -> None:
    def writes(environ: t.Any, start_response: t.Any) -> list[bytes]:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written ")
        return [b"returned"]

    app.wsgi_app = writes  # type: ignore[method-assign]
    assert call(app, http_scope()).body == b"written returned"

    app.wsgi_app = lambda environ, start_response: [b"no headers"]  # type: ignore[method-assign]
    assert call(app, http_scope()).status == 500


def test_an_error_propagated_by_the_app_becomes_a_plain_500(app: Vial) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.route("/raise")
    async def raises() -> str:
        raise KeyError("hidden")

    exchange = call(app, http_scope("/raise"))
    assert exchange.status == 500
    assert b"hidden" not in exchange.body


def test_error_after_the_response_started_ends_the_stream(app: Vial) -> None:
    @app.route("/half")
    def half() -> object:
        def chunks() -> t.Iterator[bytes]:
            yield b"start"
            raise RuntimeError("mid-stream")

        return chunks()

    exchange = call(app, http_scope("/half"))
    assert exchange.status == 200
    assert exchange.body == b"start"
    assert not any(m.get("more_body") is False for m in exchange.sent[1:])


def test_a_server_cancelling_the_task_is_not_swallowed(app: Vial) -> None:
    @app.route("/slow")
    async def slow() -> str:
        await asyncio.sleep(10)
        return "late"

    async def go() -> None:
        exchange = Exchange(app, http_scope("/slow"))
        task = asyncio.ensure_future(exchange.run())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(go())


def test_disconnect_cancels_a_streaming_sync_generator(app: Vial) -> None:
    closed = threading.Event()

    @app.route("/forever")
    def forever() -> object:
        @stream_with_context
        def chunks() -> t.Iterator[bytes]:
            try:
                while True:
                    yield request.path.encode()
            finally:
                closed.set()

        return chunks()

    async def go() -> None:
        exchange = Exchange(app, http_scope("/forever"))
        task = asyncio.ensure_future(exchange.run())
        await exchange.next_sent(3)
        exchange.feed(DISCONNECT)
        await asyncio.wait_for(task, 5)

    asyncio.run(go())
    assert closed.wait(5)


def test_lifespan_failures_are_reported_to_the_server(app: Vial) -> None:
    @app.before_serving
    def broken() -> None:
        raise RuntimeError("no database")

    startup = call(app, {"type": "lifespan"}, {"type": "lifespan.startup"})
    assert startup.sent == [
        {"type": "lifespan.startup.failed", "message": "RuntimeError: no database"}
    ]

    other = Vial("other")

    @other.after_serving
    async def broken_close() -> None:
        raise OSError("already closed")

    cycle = call(
        other, {"type": "lifespan"}, {"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}
    )
    assert cycle.sent == [
        {"type": "lifespan.startup.complete"},
        {"type": "lifespan.shutdown.failed", "message": "OSError: already closed"},
    ]


def test_startup_refused_without_greenlet(app: Vial, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "greenlet", None)
    startup = call(app, {"type": "lifespan"}, {"type": "lifespan.startup"})
    assert startup.sent[0]["type"] == "lifespan.startup.failed"
    assert "pip install 'vial-web[asgi]'" in startup.sent[0]["message"]


def test_serving_hooks_without_lifespan_are_reported(
    app: Vial, caplog: pytest.LogCaptureFixture
) -> None:
    app.before_serving(lambda: None)
    app.route("/")(lambda: "hi")
    assert call(app, http_scope()).body == b"hi"
    assert "did not run the lifespan protocol" in caplog.text


# -- WebSockets -------------------------------------------------------------------------


def ws_scope(path: str, **extra: t.Any) -> dict[str, t.Any]:
    scope = http_scope(path, scheme="ws", subprotocols=[], extensions={})
    scope["type"] = "websocket"
    scope.update(extra)
    return scope


CONNECT: Message = {"type": "websocket.connect"}


def test_websocket_message_kinds_and_misuse(app: Vial) -> None:
    seen: list[object] = []

    @app.websocket("/kinds")
    async def kinds() -> None:
        await websocket.accept(headers={"X-Room": "1"})
        await websocket.accept()  # accepting twice is harmless
        seen.append(has_websocket_context())
        seen.append(await websocket.receive_json())
        seen.append(await websocket.receive_bytes())
        for wrong in (websocket.receive_bytes, websocket.receive_text):
            try:
                await wrong()
            except TypeError as e:
                seen.append(str(e))
        try:
            await websocket.send(12)  # type: ignore[arg-type]
        except TypeError as e:
            seen.append(str(e))
        await websocket.send(b"\x00")
        await websocket.close(4000)
        await websocket.close()  # already closed: nothing more is sent
        try:
            await websocket.send("late")
        except WebSocketClosedError as e:
            seen.append(str(e))

    exchange = call(
        app,
        ws_scope("/kinds"),
        CONNECT,
        {"type": "websocket.receive", "text": '{"a": 1}'},
        {"type": "websocket.receive", "bytes": b"\x01"},
        {"type": "websocket.receive", "text": "text"},
        {"type": "websocket.receive", "bytes": b"\x02"},
    )
    assert exchange.sent == [
        {"type": "websocket.accept", "headers": [(b"x-room", b"1")]},
        {"type": "websocket.send", "bytes": b"\x00"},
        {"type": "websocket.close", "code": 4000, "reason": ""},
    ]
    assert seen[:3] == [True, {"a": 1}, b"\x01"]
    assert "text WebSocket message" not in seen[3] and "binary" in str(seen[3:5])
    assert "use send_json()" in str(seen[5])
    assert seen[6] == "WebSocket closed with code 4000"
    assert not has_websocket_context()


def test_websocket_refusals_without_the_response_extension(app: Vial) -> None:
    @app.websocket("/silent")
    async def silent() -> None:
        pass  # neither accepts nor answers

    @app.websocket("/early-close")
    async def early_close() -> None:
        await websocket.close(1008)

    exchange = call(app, ws_scope("/silent"), CONNECT)
    assert exchange.sent == [{"type": "websocket.close", "code": 1008}]
    exchange = call(app, ws_scope("/early-close"), CONNECT)
    assert exchange.sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]


def test_websocket_client_leaving(app: Vial) -> None:
    events: list[str] = []

    @app.websocket("/idle")
    async def idle() -> None:
        await websocket.accept()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            events.append("cancelled while idle")
            raise

    @app.websocket("/listening")
    async def listening() -> None:
        try:
            await websocket.receive()
        except WebSocketClosedError as e:
            events.append(f"closed {e.code} {e.reason}")
            await websocket.receive_text()  # reading again after the close raises too

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append(f"teardown {type(exc).__name__}")

    call(app, ws_scope("/idle"), CONNECT, {"type": "websocket.disconnect", "code": 1001})
    call(
        app,
        ws_scope("/listening"),
        CONNECT,
        {"type": "websocket.disconnect", "code": 1000, "reason": "bye"},
    )
    left = call(app, ws_scope("/idle"), {"type": "websocket.disconnect", "code": 1001})
    assert left.sent == []  # gone before the handshake
    assert events == [
        "cancelled while idle",
        "teardown CancelledError",
        "closed 1000 bye",
        "teardown NoneType",
    ]


def test_websocket_errors_close_the_connection(app: Vial) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.websocket("/escape")
    async def escape() -> None:
        await websocket.accept()
        raise RuntimeError("propagated")

    @app.websocket("/escape-early")
    async def escape_early() -> None:
        raise RuntimeError("propagated before accepting")

    late = call(app, ws_scope("/escape"), CONNECT)
    assert late.sent[-1] == {"type": "websocket.close", "code": 1011, "reason": ""}
    early = call(app, ws_scope("/escape-early"), CONNECT)
    assert early.sent == [{"type": "websocket.close", "code": 1011}]


def test_websocket_handlers_must_be_async(app: Vial) -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(TypeError, match="must be an 'async def' function"):

        @bp.websocket("/sync")
        def sync() -> None:
            pass


def test_websocket_proxy_outside_a_connection() -> None:
    with pytest.raises(RuntimeError, match="outside of a WebSocket connection"):
        websocket.accepted  # noqa: B018


def test_run_asgi_checks_before_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    import click

    from vial.asgi_serving import _cert_files, serve_asgi
    from vial.cli import ScriptInfo

    assert _cert_files(None) == (None, None)
    assert _cert_files(("cert.pem", "key.pem")) == ("cert.pem", "key.pem")
    with pytest.raises(click.UsageError, match="'adhoc' and SSLContext"):
        _cert_files("adhoc")
    monkeypatch.setitem(sys.modules, "greenlet", None)
    with pytest.raises(
        click.ClickException, match=r"needs greenlet: pip install 'vial-web\[asgi\]'"
    ):
        serve_asgi(
            ScriptInfo(),
            "127.0.0.1",
            0,
            reload=False,
            debugger=False,
            cert=None,
            extra_files=[],
            exclude_patterns=[],
        )
