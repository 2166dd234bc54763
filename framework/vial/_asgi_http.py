"""One ASGI HTTP request served through the app's WSGI path: environ, body, response.

The scope becomes a WSGI environ (so ``app.wsgi_app`` middleware, ``request`` and every
extension see what a WSGI server would give them), the body is received before any
synchronous code reads it, and the response goes out chunk by chunk as its iterable yields.
"""

from __future__ import annotations

import io
import sys
import typing as t
from urllib.parse import unquote_to_bytes

from werkzeug.exceptions import InternalServerError, RequestEntityTooLarge

from ._bridge import Bridge

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment

    from .app import Vial
    from .asgi import Receive, Scope, Send, ServerState

SPOOL_SIZE = 512 * 1024
"""Bytes of a received body kept in memory; a larger body continues in a temporary file."""

DRAIN_SIZE = 64 * 1024
"""A sync view's response declared no larger than this is read whole in one pool call."""

FILE_BLOCK = 64 * 1024
"""Bytes read per pool call when sending a file response."""

_SPECIAL_HEADERS = {b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}


def _wsgi_str(value: str) -> str:
    """A text value of the scope as WSGI gives it: its UTF-8 bytes, decoded as latin-1."""
    return value if value.isascii() else value.encode().decode("latin-1")


def environ_from_scope(scope: Scope, body: t.Any) -> WSGIEnvironment:
    """The WSGI environ a WSGI server would build for this request.

    Header names with an underscore are dropped, as Werkzeug's and gunicorn's servers do:
    ``X_Forwarded_For`` and ``X-Forwarded-For`` would otherwise become the same key.
    """
    root_path = _wsgi_str(scope.get("root_path", ""))
    raw_path = scope.get("raw_path")
    if raw_path:
        path = unquote_to_bytes(raw_path.partition(b"?")[0]).decode("latin-1")
    else:
        path = _wsgi_str(scope["path"])
    if root_path and (path == root_path or path.startswith(root_path + "/")):
        path = path[len(root_path) :]
    query = scope.get("query_string", b"").decode("latin-1")
    server = scope.get("server") or ("localhost", None)
    environ: dict[str, t.Any] = {
        "REQUEST_METHOD": scope.get("method", "GET"),
        "SCRIPT_NAME": root_path,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "RAW_URI": (raw_path or scope["path"].encode()).decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] if server[1] is not None else 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "asgi.scope": scope,
    }
    if query:
        environ["RAW_URI"] += "?" + query
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = str(client[0])
        environ["REMOTE_PORT"] = str(client[1])
    for raw_name, raw_value in scope.get("headers", ()):
        if b"_" in raw_name:
            continue
        name = raw_name.lower()
        key = _SPECIAL_HEADERS.get(name)
        if key is None:
            key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if key in environ:
            joiner = "; " if key == "HTTP_COOKIE" else ","
            value = environ[key] + joiner + value
        environ[key] = value
    return environ


def _declares_body(scope: Scope) -> bool:
    """Whether the request may carry a body (a length, or a chunked transfer)."""
    for name, value in scope.get("headers", ()):
        name = name.lower()
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


class RequestBody(io.RawIOBase):
    """``wsgi.input`` of an ASGI request.

    Normally :meth:`fill` receives the whole body before synchronous code runs, into
    memory up to :data:`SPOOL_SIZE` and a temporary file beyond, and stops one byte past
    ``MAX_CONTENT_LENGTH``: reading up to that byte raises a 413, as Werkzeug's limited
    stream does under a WSGI server, and nothing more is ever held. A view marked with
    :func:`.asgi.stream_request_body` gets the body live instead: reads then receive it as
    they go (see :meth:`receive_chunk`).
    """

    def __init__(self, receive: Receive, has_body: bool) -> None:
        self._receive = receive
        self._buffer: t.IO[bytes] = io.BytesIO()
        self.complete = not has_body
        """Whether every body message has been received."""
        self.truncated = False
        """Whether receiving stopped at the size limit, with more of the body unread."""
        self.disconnected = False
        """Whether the client went away before the body ended."""
        self.received = 0
        """Bytes of body received so far."""
        self.limit: int | None = None
        """The most bytes accepted while receiving live (``None``: no limit)."""
        self.on_complete: t.Callable[[], None] | None = None
        """Called once every body message has been received (or the rest is refused)."""

    def _set_complete(self) -> None:
        self.complete = True
        if self.on_complete is not None:
            self.on_complete()

    def readable(self) -> bool:
        return True

    async def fill(self, limit: int | None, declared: int | None) -> None:
        """Receive the rest of the body, keeping at most ``limit + 1`` bytes."""
        if self.complete:
            return
        if limit is not None and declared is not None and declared > limit:
            # Werkzeug refuses this from CONTENT_LENGTH alone; nothing needs reading.
            self.truncated = True
            self._set_complete()
            return
        buffer = self._buffer
        position = buffer.tell()
        buffer.seek(0, io.SEEK_END)
        while not self.complete:
            chunk = await self._next_message()
            if not chunk:
                continue
            if limit is not None and self.received > limit:
                chunk = chunk[: len(chunk) - (self.received - limit - 1)]
                self.truncated = True
                self._set_complete()
            if isinstance(buffer, io.BytesIO) and buffer.tell() + len(chunk) > SPOOL_SIZE:
                buffer = self._spill(buffer)
            buffer.write(chunk)
        buffer.seek(position)

    def _spill(self, buffer: io.BytesIO) -> t.IO[bytes]:
        """Move the body received so far into a temporary file and continue there."""
        import tempfile

        spilled = tempfile.TemporaryFile()
        spilled.write(buffer.getbuffer())
        self._buffer = spilled
        return spilled

    async def _next_message(self) -> bytes:
        message = await self._receive()
        kind = message["type"]
        if kind == "http.disconnect":
            self.disconnected = True
            self.complete = True
            return b""
        if kind != "http.request":  # pragma: no cover - not sent by a conforming server
            return b""
        chunk: bytes = message.get("body", b"")
        self.received += len(chunk)
        if not message.get("more_body", False):
            self._set_complete()
        return chunk

    async def receive_chunk(self) -> bytes:
        """The next piece of a live body, ``b""`` at its end; a 413 past ``limit``.

        What :meth:`fill` already buffered comes first.
        """
        buffered = self._buffer.read(FILE_BLOCK)
        if buffered:
            return buffered
        while not self.complete:
            chunk = await self._next_message()
            if self.limit is not None and self.received > self.limit:
                self.truncated = True
                raise RequestEntityTooLarge()
            if chunk:
                return chunk
        if self.disconnected:
            from werkzeug.exceptions import ClientDisconnected

            raise ClientDisconnected()
        return b""

    def readinto(self, target: t.Any) -> int:
        view = memoryview(target).cast("B")
        count = self._buffer.readinto(view)  # type: ignore[attr-defined]
        if count:
            return int(count)
        if not self.complete:
            from ._bridge import current_bridge

            bridge = current_bridge()
            if bridge is None:  # pragma: no cover - the body never leaves its request
                return 0
            chunk = bridge.run_coroutine(self.receive_chunk())
            if len(chunk) > len(view):  # keep the rest for the next read
                self._buffer = io.BytesIO(chunk[len(view) :])
                chunk = chunk[: len(view)]
            view[: len(chunk)] = chunk
            return len(chunk)
        if self.truncated:
            raise RequestEntityTooLarge()
        if self.disconnected:  # as Werkzeug's limited stream says of a body cut short
            from werkzeug.exceptions import ClientDisconnected

            raise ClientDisconnected()
        return 0

    def close(self) -> None:
        self._buffer.close()
        super().close()


class Responder:
    """``start_response`` for the WSGI path, and the ASGI messages of the response."""

    def __init__(self, send: Send, bridge: Bridge) -> None:
        self._send = send
        self._bridge = bridge
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.content_length: int | None = None
        self.started = False
        """Whether ``http.response.start`` went out (the status can no longer change)."""
        self.finished = False
        self.sent = 0

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], None]:
        if exc_info is not None and self.started:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status = int(status[:3])
        encoded = []
        self.content_length = None
        for name, value in headers:
            lowered = name.lower()
            if lowered == "content-length":
                self.content_length = int(value)
            encoded.append((lowered.encode("latin-1"), value.encode("latin-1")))
        self.headers = encoded
        return self.write

    def write(self, data: bytes) -> None:
        """The legacy WSGI ``write`` callable: send ``data`` now."""
        self._bridge.run_coroutine(self.send_body(data))

    async def send_body(self, data: bytes, final: bool = False) -> None:
        """Send a piece of the body (the status and headers first, if not yet sent)."""
        if not self.started:
            if self.status is None:
                raise RuntimeError("The WSGI application did not call start_response().")
            self.started = True
            await self._send(
                {"type": "http.response.start", "status": self.status, "headers": self.headers}
            )
        self.sent += len(data)
        if not final and self.content_length is not None and self.sent >= self.content_length:
            final = True
        if data or final:
            await self._send({"type": "http.response.body", "body": data, "more_body": not final})
        if final:
            self.finished = True

    async def finish(self) -> None:
        if not self.finished:
            await self.send_body(b"", final=True)

    async def send_error(self) -> None:
        """A plain 500 page, when the app failed before sending anything."""
        response = InternalServerError().get_response()
        self.status = response.status_code
        self.headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in response.get_wsgi_headers({}).items()
        ]
        self.content_length = None
        await self.send_body(response.get_data(), final=True)


class ThreadedBody:
    """A sync view's response iterable, advanced in the pool one chunk per call."""

    def __init__(self, bridge: Bridge, iterable: t.Iterable[bytes]) -> None:
        self.bridge = bridge
        self.iterable = iterable
        self.iterator: t.Iterator[bytes] | None = None

    def __iter__(self) -> ThreadedBody:
        return self

    def __next__(self) -> bytes:
        if self.iterator is None:
            self.iterator = self.bridge.call_in_pool(iter, self.iterable)
        chunk: bytes | None = self.bridge.call_in_pool(next, self.iterator, None)
        if chunk is None:
            raise StopIteration
        return chunk

    def close(self) -> None:
        close = getattr(self.iterable, "close", None)
        if close is not None:
            self.bridge.call_in_pool(close)


class FileWrapper:
    """``wsgi.file_wrapper``: a file response, read in the pool in large blocks."""

    def __init__(self, file: t.IO[bytes], buffer_size: int = 8192) -> None:
        self.file = file
        self.buffer_size = buffer_size

    def __iter__(self) -> t.Iterator[bytes]:
        while block := self.file.read(self.buffer_size):
            yield block

    def close(self) -> None:
        close = getattr(self.file, "close", None)
        if close is not None:
            close()


async def serve_http(
    app: Vial, server: ServerState, scope: Scope, receive: Receive, send: Send
) -> None:
    """Serve one HTTP request: the WSGI path in a greenlet, the body sent as it comes.

    A client that disconnects before the response is complete cancels the request's task:
    the greenlet sees ``CancelledError`` where it waits, so teardown runs, and the
    cancellation ends here. An error that escapes the app (``PROPAGATE_EXCEPTIONS``, a
    broken middleware) is logged and answered with a plain 500 page, never a traceback.
    """
    import asyncio

    from .asgi import ENVIRON_KEY, RequestState

    loop = asyncio.get_running_loop()
    bridge = Bridge(loop, server.pool)
    body = RequestBody(receive, _declares_body(scope))
    environ = environ_from_scope(scope, body)
    environ["wsgi.file_wrapper"] = FileWrapper
    responder = Responder(send, bridge)
    watch = _DisconnectWatch(receive, responder, asyncio.current_task())
    body.on_complete = watch.start
    environ[ENVIRON_KEY] = RequestState(app, server, bridge, body)
    if body.complete:
        watch.start()
    try:
        await bridge.run(_serve_in_greenlet, app, environ, responder, bridge)
    except asyncio.CancelledError:
        if not watch.disconnected:
            raise
        _uncancel()
    except Exception:
        app.logger.exception(
            "Exception on %s [%s] escaped the application", scope.get("path"), scope.get("method")
        )
        if not responder.started:
            await responder.send_error()
    finally:
        watch.stop()
        body.close()


def _serve_in_greenlet(
    app: Vial, environ: WSGIEnvironment, responder: Responder, bridge: Bridge
) -> None:
    result = app.wsgi_app(environ, responder.start_response)
    try:
        if isinstance(result, FileWrapper):
            block = max(result.buffer_size, FILE_BLOCK)
            while chunk := bridge.call_in_pool(result.file.read, block):
                bridge.await_(responder.send_body(chunk))
        else:
            for chunk in result:
                bridge.await_(responder.send_body(chunk))
        bridge.await_(responder.finish())
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def _uncancel() -> None:
    """Forget a cancellation we asked for ourselves (Python 3.11+ counts them)."""
    import asyncio

    task = asyncio.current_task()
    uncancel = getattr(task, "uncancel", None)
    if uncancel is not None:
        uncancel()


class _DisconnectWatch:
    """Once the body is in, wait for ``http.disconnect`` and cancel the request's task.

    The watching task is started on the loop's next turn, not at once: most responses are
    sent before that, and stopping a pending callback costs far less than a task.
    """

    def __init__(self, receive: Receive, responder: Responder, task: t.Any) -> None:
        self._receive = receive
        self._responder = responder
        self._task = task
        self._pending: t.Any = None
        self._watcher: t.Any = None
        self.disconnected = False

    def start(self) -> None:
        if self._pending is None:
            self._pending = self._task.get_loop().call_soon(self._begin)

    def _begin(self) -> None:
        import asyncio

        self._watcher = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                break
        if not self._responder.finished:
            self.disconnected = True
            self._task.cancel()

    def stop(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        if self._watcher is not None:
            self._watcher.cancel()
