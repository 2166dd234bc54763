"""Serving the app over ASGI 3 (HTTP, lifespan, WebSockets) on the server's event loop.

The same app object is a WSGI and an ASGI application: a WSGI server calls
``app(environ, start_response)``, an ASGI server awaits ``app(scope, receive, send)``.
Servers that inspect the app before calling it (uvicorn, hypercorn) see an ASGI 3
coroutine function (see :class:`ServerEntry`).

An ASGI request goes through the ordinary WSGI path, ``app.wsgi_app`` and whatever
middleware wraps it, so every hook, handler, extension and override behaves as under a WSGI
server. Where it runs depends on the view the URL matches:

- an ``async def`` view (or a function that wraps one, or a class-based view whose handler
  for the method is ``async def``): on the event loop, in a greenlet of the request; the
  view and every ``async def`` hook are awaited by the request's task, concurrently with
  every other request, and synchronous hooks of that request run on the loop too;
- anything else (a plain ``def`` view, a 404, an automatic OPTIONS answer): the whole
  request, hooks included, in one thread of a bounded pool (``ASGI_THREADS``), as a
  threaded WSGI server would run it; ``async def`` hooks there are awaited on the loop.

This module holds the entry points and the lifespan; :mod:`._asgi_http` the HTTP details,
:mod:`.websockets` the WebSocket side, :mod:`._bridge` the greenlet and pool mechanics.
"""

from __future__ import annotations

import typing as t
from inspect import iscoroutinefunction, unwrap

from .scaffold import setupmethod

if t.TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import ThreadPoolExecutor

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from ._bridge import Bridge
    from .app import Vial
    from .ctx import RequestContext

Scope = t.MutableMapping[str, t.Any]
Message = t.MutableMapping[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Awaitable[None]]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

ENVIRON_KEY = __name__ + ".request"
"""The environ key holding the ASGI request state; the innermost ``wsgi_app`` hands off to it."""

DEFAULT_THREADS = 40
"""Threads serving synchronous views when ``ASGI_THREADS`` is not set."""


async def _asgi_signature(scope: Scope, receive: Receive, send: Send) -> None:
    """What servers that inspect the app see: an ASGI 3 coroutine function."""


class ServerEntry:
    """The app bound as a server's entry point: WSGI or ASGI 3, by the number of arguments.

    ``app(environ, start_response)`` runs ``app.wsgi_app``; ``app(scope, receive, send)``
    returns the coroutine of ``app.asgi_app``. The object also carries the attributes of an
    ``async def`` function (``__code__``, ``__name__``, ...), so uvicorn and hypercorn,
    which decide between ASGI 3, ASGI 2 and WSGI by asking whether ``app.__call__`` is a
    coroutine function, choose ASGI 3; WSGI servers never ask.
    """

    __slots__ = ("__self__",)

    __code__ = _asgi_signature.__code__
    __name__ = "__call__"
    __qualname__ = "Vial.__call__"
    __defaults__ = None
    __kwdefaults__ = None
    __annotations__ = {}

    def __init__(self, app: ASGIApp) -> None:
        self.__self__ = app

    def __call__(self, *args: t.Any) -> t.Any:
        app = self.__self__
        if len(args) == 3:
            return app.asgi_app(*args)
        return app.wsgi_app(*args)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"<server entry point of {self.__self__!r}>"


class _EntryDescriptor:
    def __get__(self, app: ASGIApp | None, owner: type) -> t.Any:
        if app is None:
            return self
        return ServerEntry(app)


class ASGIApp:
    """What :class:`~vial.Vial` adds for ASGI servers: the entry point and the lifespan hooks."""

    __call__ = _EntryDescriptor()

    _asgi_server: ServerState | None = None

    @property
    def before_serving_funcs(self) -> list[t.Callable[[], t.Any]]:
        """Functions run when an ASGI server starts (its lifespan startup), in order."""
        funcs: list[t.Callable[[], t.Any]] = self.__dict__.setdefault("_before_serving_funcs", [])
        return funcs

    @property
    def after_serving_funcs(self) -> list[t.Callable[[], t.Any]]:
        """Functions run when an ASGI server shuts down, in order."""
        funcs: list[t.Callable[[], t.Any]] = self.__dict__.setdefault("_after_serving_funcs", [])
        return funcs

    @setupmethod
    def before_serving(self, f: F) -> F:
        """Register ``f()`` (sync or ``async def``) to run at ASGI startup, in an app context.

        For what must exist before the first request and be closed after the last, such as
        a connection pool. An exception here makes the server refuse to start.
        """
        self.before_serving_funcs.append(f)
        return f

    @setupmethod
    def after_serving(self, f: F) -> F:
        """Register ``f()`` (sync or ``async def``) to run at ASGI shutdown, in an app context."""
        self.after_serving_funcs.append(f)
        return f

    async def asgi_app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI 3 application proper; wrap ``app.asgi_app`` to add ASGI middleware."""
        kind = scope["type"]
        app = t.cast("Vial", self)
        if kind == "http":
            from ._asgi_http import serve_http

            await serve_http(app, _server_state(app), scope, receive, send)
        elif kind == "websocket":
            from .websockets import serve_websocket

            await serve_websocket(app, _server_state(app), scope, receive, send)
        elif kind == "lifespan":
            await _lifespan(app, receive, send)
        else:
            raise ValueError(
                f"Unsupported ASGI scope type {kind!r}: the app serves 'http', 'websocket'"
                " and 'lifespan'."
            )


class ServerState:
    """Per app: the thread pool of synchronous views and which views run on the loop."""

    def __init__(self, app: Vial) -> None:
        from concurrent.futures import ThreadPoolExecutor

        threads = app.config.get("ASGI_THREADS") or DEFAULT_THREADS
        self.pool: ThreadPoolExecutor = ThreadPoolExecutor(
            max_workers=int(threads), thread_name_prefix=f"{app.name}-asgi"
        )
        self.lifespan = False
        """Whether the server ran the lifespan startup (else serving hooks never ran)."""
        self._on_loop: dict[tuple[t.Any, str], bool] = {}

    def runs_on_loop(self, view: t.Callable[..., t.Any], method: str) -> bool:
        """Whether requests to ``view`` with ``method`` run on the event loop."""
        key = (view, method)
        known = self._on_loop.get(key)
        if known is None:
            known = self._on_loop[key] = _is_async_view(view, method)
        return known

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _server_state(app: Vial) -> ServerState:
    state = app._asgi_server
    if state is None:
        state = app._asgi_server = ServerState(app)
        if app.before_serving_funcs and not state.lifespan:
            app.logger.warning(
                "The ASGI server did not run the lifespan protocol, so the before_serving"
                " functions were not called; start the server with lifespan enabled"
                " (uvicorn --lifespan on)."
            )
    return state


def _is_async_view(view: t.Callable[..., t.Any], method: str) -> bool:
    """Whether a view is a coroutine function, wraps one, or is a class-based async view."""
    if iscoroutinefunction(view) or iscoroutinefunction(unwrap(view)):
        return True
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return False
    from .views import MethodView

    if issubclass(view_class, MethodView):
        handler = getattr(view_class, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(view_class, "get", None)
        return handler is not None and iscoroutinefunction(handler)
    return iscoroutinefunction(view_class.dispatch_request)


def stream_request_body(view: F) -> F:
    """Mark an ``async def`` view to receive its request body itself, as it arrives.

    Under ASGI the body is otherwise received whole before the view runs (bounded by
    ``MAX_CONTENT_LENGTH``), so Flask's synchronous request API works unchanged. A marked
    view reads it with ``async for chunk in request_body_chunks()`` instead; synchronous
    reads (``request.get_data()``, ``request.form``) still work in its hooks, receiving
    the body then. Under a WSGI server the mark changes nothing.
    """
    view.stream_request_body = True  # type: ignore[attr-defined]
    return view


_REQUEST_LIMIT: t.Any = object()


async def request_body_chunks(limit: int | None = _REQUEST_LIMIT) -> t.AsyncIterator[bytes]:
    """Yield the current ASGI request's body as the client sends it.

    Stops at the end of the body. Past ``limit`` bytes (by default
    ``request.max_content_length``; ``None`` for no limit) it raises
    :class:`~werkzeug.exceptions.RequestEntityTooLarge`, a 413; a client that disconnects
    raises :class:`~werkzeug.exceptions.ClientDisconnected`. Outside an ASGI request (a WSGI
    server, the test client) the body is read from ``request.stream``.
    """
    from .globals import request

    body = request.environ.get("wsgi.input")
    from ._asgi_http import FILE_BLOCK, RequestBody

    if not isinstance(body, RequestBody):
        stream = request.stream
        while chunk := stream.read(FILE_BLOCK):
            yield chunk
        return
    body.limit = request.max_content_length if limit is _REQUEST_LIMIT else limit
    while chunk := await body.receive_chunk():
        yield chunk


async def _call_hook(app: Vial, hook: t.Callable[[], t.Any]) -> None:
    if iscoroutinefunction(hook):
        await hook()
    else:
        hook()


async def _lifespan(app: Vial, receive: Receive, send: Send) -> None:
    """The lifespan protocol: serving hooks at startup and shutdown, in an app context."""
    message = await receive()
    if message["type"] != "lifespan.startup":  # pragma: no cover - server protocol error
        return
    state = _server_state_for_lifespan(app)
    try:
        _check_asgi_support()
        with app.app_context():
            for hook in app.before_serving_funcs:
                await _call_hook(app, hook)
    except BaseException as exc:
        app.logger.exception("before_serving failed; the server will not start")
        await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
        return
    await send({"type": "lifespan.startup.complete"})
    message = await receive()
    try:
        with app.app_context():
            for hook in app.after_serving_funcs:
                await _call_hook(app, hook)
    except BaseException as exc:
        app.logger.exception("after_serving failed")
        await send({"type": "lifespan.shutdown.failed", "message": f"{type(exc).__name__}: {exc}"})
    else:
        await send({"type": "lifespan.shutdown.complete"})
    finally:
        app._asgi_server = None
        state.close()


def _server_state_for_lifespan(app: Vial) -> ServerState:
    state = app._asgi_server
    if state is None:
        state = app._asgi_server = ServerState(app)
    state.lifespan = True
    return state


def _check_asgi_support() -> None:
    """Refuse to start without greenlet, which every ASGI request needs."""
    try:
        import greenlet  # noqa: F401
    except ImportError:
        from .asgi_serving import install_hint

        raise RuntimeError(
            f"Serving over ASGI needs the 'greenlet' package: {install_hint('greenlet')}."
        ) from None


def hand_off(
    environ: WSGIEnvironment,
    serve: t.Callable[[RequestContext, StartResponse], t.Iterable[bytes]],
    ctx: RequestContext,
    start_response: StartResponse,
) -> t.Iterable[bytes]:
    """Called by the innermost ``wsgi_app`` of an ASGI request: run ``serve`` where it belongs.

    ``serve(ctx, start_response)`` is the WSGI request path proper. It runs on the loop, in
    the request's greenlet, when the matched view is asynchronous; in a pool thread
    otherwise. Before either, the body is received (unless the view streams it).
    """
    request_state: RequestState = environ[ENVIRON_KEY]
    return request_state.dispatch(serve, ctx, start_response)


class RequestState:
    """What the innermost ``wsgi_app`` needs of the ASGI request: bridge, body, pool."""

    def __init__(self, app: Vial, server: ServerState, bridge: Bridge, body: t.Any) -> None:
        self.app = app
        self.server = server
        self.bridge = bridge
        self.body = body
        self.websocket: t.Any = None
        """The :class:`.websocket.WebSocket` of a WebSocket request."""

    def view_for(self, ctx: RequestContext) -> t.Callable[..., t.Any] | None:
        """The view the request's URL matches, or ``None`` (no match, or a refused Host).

        The match is kept for the context's own, which comes next when it is pushed:
        matching is the costliest step of a small request, and its answer cannot change
        in between.
        """
        from werkzeug.exceptions import HTTPException

        adapter = ctx.url_adapter
        if adapter is None:
            return None
        try:
            matched = adapter.match(return_rule=True)
        except HTTPException as exc:
            _answer_next_match(adapter, None, exc)
            return None
        _answer_next_match(adapter, matched, None)
        return self.app.view_functions.get(matched[0].endpoint)

    def dispatch(
        self,
        serve: t.Callable[[RequestContext, StartResponse], t.Iterable[bytes]],
        ctx: RequestContext,
        start_response: StartResponse,
    ) -> t.Iterable[bytes]:
        if self.websocket is not None and ctx.url_adapter is not None:
            # Match WebSocket rules even when middleware changed the scheme (ProxyFix
            # turning "ws" into "https").
            ctx.url_adapter.websocket = True
        view = self.view_for(ctx)
        method = ctx.request.method
        on_loop = view is not None and self.server.runs_on_loop(view, method)
        bridge = self.bridge
        body = self.body
        if not body.complete and not (on_loop and getattr(view, "stream_request_body", False)):
            bridge.await_(body.fill(self.app.config["MAX_CONTENT_LENGTH"], _declared(ctx)))
            environ = ctx.request.environ
            if body.truncated and not environ.get("CONTENT_LENGTH"):
                # A chunked body past the limit: Werkzeug's limited stream would stop at
                # the limit and hand the view a silently cut body. The length received
                # so far, past the limit, makes the first read a 413 instead.
                environ.pop("HTTP_TRANSFER_ENCODING", None)
                environ["CONTENT_LENGTH"] = str(body.received)
        if on_loop:
            return serve(ctx, start_response)
        from ._asgi_http import FileWrapper, ThreadedBody

        result = bridge.call_in_pool(_serve_and_drain, serve, ctx, start_response)
        if isinstance(result, (list, FileWrapper)):  # a file is read in large pool blocks
            return result
        return ThreadedBody(bridge, result)


def _answer_next_match(adapter: t.Any, matched: t.Any, error: BaseException | None) -> None:
    """Make the adapter's next ``match(return_rule=True)`` give this answer, once."""
    cls_match = type(adapter).match

    def match_once(*args: t.Any, **kwargs: t.Any) -> t.Any:
        del adapter.match  # back to the class's method for any later call
        if args or kwargs != {"return_rule": True}:
            return cls_match(adapter, *args, **kwargs)
        if error is not None:
            raise error
        return matched

    adapter.match = match_once


def _declared(ctx: RequestContext) -> int | None:
    value = ctx.request.environ.get("CONTENT_LENGTH")
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _serve_and_drain(
    serve: t.Callable[[RequestContext, StartResponse], t.Iterable[bytes]],
    ctx: RequestContext,
    start_response: StartResponse,
) -> t.Iterable[bytes]:
    """In a pool thread: the WSGI path, and its whole body if it is declared small.

    A body with a ``Content-Length`` of at most :data:`._asgi_http.DRAIN_SIZE` is read here,
    in the same call, instead of one pool call per chunk.
    """
    from ._asgi_http import DRAIN_SIZE

    length: list[int | None] = [None]

    def recording_start_response(status: str, headers: t.Any, exc_info: t.Any = None) -> t.Any:
        for name, value in headers:
            if name.lower() == "content-length":
                length[0] = int(value)
        return start_response(status, headers, exc_info)

    result = serve(ctx, recording_start_response)
    if length[0] is None or length[0] > DRAIN_SIZE or isinstance(result, list):
        return result
    try:
        return list(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


__all__ = ["ASGIApp", "ServerEntry", "request_body_chunks", "stream_request_body"]
