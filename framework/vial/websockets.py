"""WebSockets over ASGI: ``@app.websocket(rule)`` handlers and the ``websocket`` proxy.

A WebSocket request goes through the app like an HTTP request: the same URL map (rules
registered with ``websocket=True``), ``url_value_preprocessor`` and ``before_request``
hooks, the session read from the handshake's cookies, error handlers and teardown.
Before the handler accepts the connection, anything that answers with a response (a hook,
``abort(403)``, an error handler, the handler returning a value) denies it with that
response: sent as HTTP when the server supports the ``websocket.http.response`` extension
(uvicorn and hypercorn do), else as a close before the handshake (the client sees a 403).
After it accepted, an error closes the connection with code 1011 (1008 for a 4xx error).

The handler is an ``async def`` function; ``websocket`` is the connection of the current
task::

    @app.websocket("/echo")
    async def echo():
        async for message in websocket:
            await websocket.send(message)

``after_request`` hooks only see responses that deny a connection: an accepted WebSocket
has no HTTP response. Session changes made in a handler are not saved (there is no
response to carry the cookie).
"""

from __future__ import annotations

import contextvars
import typing as t
from functools import wraps

from werkzeug.local import LocalProxy

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment

    from ._asgi_http import Responder
    from ._bridge import Bridge
    from .app import Vial
    from .asgi import Message, Receive, Scope, Send, ServerState

_cv_websocket: contextvars.ContextVar[WebSocket] = contextvars.ContextVar(__name__ + ".connection")

websocket: WebSocket = LocalProxy(  # type: ignore[assignment]
    _cv_websocket,
    unbound_message=(
        "Working outside of a WebSocket connection: 'websocket' is only bound inside a"
        " handler registered with @app.websocket() (or a hook running for one)."
    ),
)
"""The current task's WebSocket connection (see :class:`WebSocket`)."""

_CLOSED = object()


def has_websocket_context() -> bool:
    """Whether the current request is a WebSocket connection (so ``websocket`` works)."""
    return _cv_websocket.get(None) is not None


class WebSocketClosedError(Exception):
    """The connection is closed: raised by ``receive`` and ``send`` after the close.

    :param code: the close code (1000 normal, 1001 going away, 1005 none given, ...).
    :param reason: the close reason the client sent, if any.
    """

    def __init__(self, code: int = 1005, reason: str = "") -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        return f"WebSocket closed with code {self.code}" + (
            f": {self.reason}" if self.reason else ""
        )


class WebSocket:
    """One WebSocket connection: accept it, receive and send text, bytes or JSON, close it.

    ``receive`` and ``send`` accept the connection first if the handler has not.
    """

    def __init__(self, app: Vial, scope: Scope, receive: Receive, send: Send, task: t.Any) -> None:
        import asyncio

        self.app = app
        self.scope = scope
        self._receive = receive
        self._send = send
        self._task = task
        self._incoming: asyncio.Queue[t.Any] = asyncio.Queue(maxsize=64)
        self._reader: asyncio.Future[None] | None = None
        self._receiving = False
        self.accepted = False
        """Whether the handshake has been accepted."""
        self.closed = False
        """Whether either side closed the connection."""
        self.close_code: int | None = None
        """The close code, once closed."""
        self.close_reason = ""
        self.disconnected = False
        """Whether the client closed the connection (rather than this side)."""

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        return list(self.scope.get("subprotocols", ()))

    async def accept(
        self, subprotocol: str | None = None, headers: t.Mapping[str, str] | None = None
    ) -> None:
        """Accept the handshake, optionally choosing a subprotocol and adding headers."""
        if self.accepted:
            return
        if self.closed:
            raise WebSocketClosedError(self.close_code or 1006, self.close_reason)
        message: dict[str, t.Any] = {"type": "websocket.accept"}
        if subprotocol is not None:
            message["subprotocol"] = subprotocol
        if headers:
            message["headers"] = [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
            ]
        await self._send(message)
        self.accepted = True
        import asyncio

        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        """Move the client's messages into the queue; notice its close at once."""
        while True:
            message = await self._receive()
            if message["type"] == "websocket.receive":
                await self._incoming.put(message)
                continue
            if message["type"] == "websocket.disconnect":
                self._mark_closed(message.get("code", 1005), message.get("reason") or "")
                self.disconnected = True
                try:
                    self._incoming.put_nowait(_CLOSED)
                except Exception:
                    pass
                if not self._receiving and not self._task.done():
                    # Nobody waits to hear of the close: stop the handler (teardown runs).
                    self._task.cancel()
                return

    def _mark_closed(self, code: int, reason: str) -> None:
        self.closed = True
        self.close_code = code
        self.close_reason = reason

    async def receive(self) -> str | bytes:
        """The next message: ``str`` for a text frame, ``bytes`` for a binary one.

        :raises WebSocketClosedError: once the connection is closed.
        """
        if not self.accepted:
            await self.accept()
        if self.closed and self._incoming.empty():
            raise WebSocketClosedError(self.close_code or 1005, self.close_reason)
        self._receiving = True
        try:
            message = await self._incoming.get()
        finally:
            self._receiving = False
        if message is _CLOSED:
            raise WebSocketClosedError(self.close_code or 1005, self.close_reason)
        text = message.get("text")
        if text is not None:
            return t.cast(str, text)
        return t.cast(bytes, message.get("bytes") or b"")

    async def receive_text(self) -> str:
        """The next message, which must be a text frame (``TypeError`` otherwise)."""
        data = await self.receive()
        if not isinstance(data, str):
            raise TypeError("Expected a text WebSocket message, got a binary one.")
        return data

    async def receive_bytes(self) -> bytes:
        """The next message, which must be a binary frame (``TypeError`` otherwise)."""
        data = await self.receive()
        if not isinstance(data, bytes):
            raise TypeError("Expected a binary WebSocket message, got a text one.")
        return data

    async def receive_json(self) -> t.Any:
        """The next message parsed as JSON with the app's JSON provider."""
        return self.app.json.loads(await self.receive())

    async def send(self, data: str | bytes) -> None:
        """Send a text frame (``str``) or a binary frame (``bytes``).

        :raises WebSocketClosedError: if the connection is closed.
        """
        if not self.accepted:
            await self.accept()
        if self.closed:
            raise WebSocketClosedError(self.close_code or 1006, self.close_reason)
        if isinstance(data, str):
            message: Message = {"type": "websocket.send", "text": data}
        elif isinstance(data, (bytes, bytearray, memoryview)):
            message = {"type": "websocket.send", "bytes": bytes(data)}
        else:
            raise TypeError(
                f"A WebSocket message is str or bytes, not {type(data).__name__!r};"
                " use send_json() for other data."
            )
        try:
            await self._send(message)
        except OSError:  # the server refuses to send on a connection the client closed
            self._mark_closed(self.close_code or 1006, self.close_reason)
            raise WebSocketClosedError(self.close_code or 1006) from None

    async def send_json(self, data: t.Any) -> None:
        """Send ``data`` as a JSON text frame, serialized by the app's JSON provider."""
        await self.send(self.app.json.dumps(data))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection with ``code`` (1000: normal closure) and ``reason``."""
        if self.closed:
            return
        self._mark_closed(code, reason)
        try:
            await self._send({"type": "websocket.close", "code": code, "reason": reason})
        except OSError:  # pragma: no cover - already gone
            pass
        if self._reader is not None:
            self._reader.cancel()

    def __aiter__(self) -> t.AsyncIterator[str | bytes]:
        return self._messages()

    async def _messages(self) -> t.AsyncIterator[str | bytes]:
        """Every message until the client closes the connection (then the loop ends)."""
        while True:
            try:
                yield await self.receive()
            except WebSocketClosedError:
                return

    async def _deny(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        """Refuse the handshake with an HTTP response, or a close where unsupported."""
        self.closed = True
        if "websocket.http.response" in self.scope.get("extensions", {}):
            await self._send(
                {"type": "websocket.http.response.start", "status": status, "headers": headers}
            )
            await self._send({"type": "websocket.http.response.body", "body": body})
        else:
            await self._send({"type": "websocket.close", "code": 1008})

    def _stop_reading(self) -> None:
        if self._reader is not None:
            self._reader.cancel()


def websocket_view(handler: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """The view registered for a WebSocket handler.

    Runs the handler; a value it returns before accepting denies the connection with that
    response. The client closing the connection ends it normally.
    """

    from inspect import iscoroutinefunction

    if not iscoroutinefunction(handler):
        raise TypeError(
            f"WebSocket handler {getattr(handler, '__name__', handler)!r} must be an"
            " 'async def' function: it awaits websocket.receive() and websocket.send()."
        )

    @wraps(handler)
    async def view(**kwargs: t.Any) -> t.Any:
        connection = websocket._get_current_object()  # type: ignore[attr-defined]
        try:
            rv = await handler(**kwargs)
        except WebSocketClosedError:
            rv = None
        if rv is not None and not connection.accepted:
            return rv
        if not connection.accepted:
            # Returned without accepting or answering: refuse, as an unanswered handshake.
            from werkzeug.exceptions import Forbidden

            raise Forbidden()
        return ""

    return view


async def serve_websocket(
    app: Vial, server: ServerState, scope: Scope, receive: Receive, send: Send
) -> None:
    """Serve one WebSocket connection through the app's WSGI path (see the module)."""
    import asyncio

    from ._asgi_http import RequestBody, Responder, _uncancel, environ_from_scope
    from ._bridge import Bridge
    from .asgi import ENVIRON_KEY, RequestState

    message = await receive()
    if message["type"] != "websocket.connect":  # the client left before the handshake
        return
    loop = asyncio.get_running_loop()
    bridge = Bridge(loop, server.pool)
    body = RequestBody(receive, has_body=False)
    environ = environ_from_scope(scope, body)
    environ["REQUEST_METHOD"] = "GET"
    connection = WebSocket(app, scope, receive, send, asyncio.current_task())
    state = RequestState(app, server, bridge, body)
    state.websocket = connection
    environ[ENVIRON_KEY] = state
    _cv_websocket.set(connection)
    responder = Responder(send, bridge)
    try:
        await bridge.run(_serve_in_greenlet, app, environ, responder, bridge, connection)
    except asyncio.CancelledError:
        if not connection.disconnected:
            raise
        _uncancel()
    except Exception:
        app.logger.exception("Exception on WebSocket %s escaped the application", scope.get("path"))
        await _close_after_error(connection, 500)
    finally:
        connection._stop_reading()


def _serve_in_greenlet(
    app: Vial,
    environ: WSGIEnvironment,
    responder: Responder,
    bridge: Bridge,
    connection: WebSocket,
) -> None:
    result = app.wsgi_app(environ, responder.start_response)
    try:
        if connection.accepted:
            status = responder.status or 500
            if status >= 400:
                bridge.await_(_close_after_error(connection, status))
            else:
                bridge.await_(connection.close(1000))
            return
        if connection.closed:  # closed by the handler before accepting
            return
        body = b"".join(result)
        bridge.await_(connection._deny(responder.status or 500, responder.headers, body))
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


async def _close_after_error(connection: WebSocket, status: int) -> None:
    if connection.accepted:
        await connection.close(1011 if status >= 500 else 1008)
    elif not connection.closed:
        connection.closed = True
        await connection._send({"type": "websocket.close", "code": 1011})


__all__ = [
    "WebSocket",
    "WebSocketClosedError",
    "has_websocket_context",
    "websocket",
    "websocket_view",
]
