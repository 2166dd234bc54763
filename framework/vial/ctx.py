"""Application and request contexts, held in context variables.

A context is pushed for the duration of a request (or a CLI command, or a test) and binds
the proxies of :mod:`.globals`. Each push keeps the :class:`contextvars.Token` it got, so
pushes nest, and every thread, greenlet and asyncio task sees its own contexts.

The session is opened lazily: the first read of ``RequestContext.session`` (or of the
``session`` proxy) opens it. A request that never touches the session pays nothing for it,
except that a permanent session cookie is still refreshed at the end of the request, as
``SESSION_REFRESH_EACH_REQUEST`` promises (see :meth:`Vial.process_response`).
"""

from __future__ import annotations

import sys
import typing as t
from functools import update_wrapper

from werkzeug.exceptions import HTTPException

from . import typing as ft
from .globals import _cv_app, _cv_request
from .signals import appcontext_popped, appcontext_pushed

if t.TYPE_CHECKING:  # pragma: no cover
    from types import TracebackType

    from _typeshed.wsgi import WSGIEnvironment

    from .app import Vial
    from .sessions import SessionMixin
    from .wrappers import Request

_PACKAGE = __name__.rpartition(".")[0]

# "No argument given": take the exception being handled from sys.exc_info().
_sentinel: t.Any = object()


def _current_error(exc: BaseException | None) -> BaseException | None:
    return sys.exc_info()[1] if exc is _sentinel else exc


class _AppCtxGlobals:
    """The ``g`` namespace: storage that lives as long as the app context.

    Use it like an object (``g.user = ...``); ``get``, ``pop``, ``setdefault``, ``in``
    and iteration over the names work as on a dict.
    """

    def __getattr__(self, name: str) -> t.Any:
        # Only called for names that are not set.
        raise AttributeError(name)

    if t.TYPE_CHECKING:  # pragma: no cover
        # Tells type checkers any name may be set or deleted; at runtime they are plain
        # instance attributes, with no method call per assignment.
        def __setattr__(self, name: str, value: t.Any) -> None: ...
        def __delattr__(self, name: str) -> None: ...

    def get(self, name: str, default: t.Any | None = None) -> t.Any:
        """The value of ``name``, or ``default`` when it is not set."""
        return vars(self).get(name, default)

    def pop(self, name: str, default: t.Any = _sentinel) -> t.Any:
        """Remove ``name`` and return its value; ``KeyError`` if unset and no default."""
        values = vars(self)
        if default is _sentinel:
            return values.pop(name)
        return values.pop(name, default)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        """The value of ``name``, set to ``default`` first if it is not set."""
        return vars(self).setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in vars(self)

    def __iter__(self) -> t.Iterator[str]:
        return iter(vars(self))

    def __repr__(self) -> str:
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return object.__repr__(self)
        return f"<{_PACKAGE}.g of '{app_ctx.app.name}'>"


def _active_request_context(helper: str) -> RequestContext:
    req_ctx = _cv_request.get(None)
    if req_ctx is None:
        raise RuntimeError(
            f"'{helper}' needs an active request context: call it from a view function or"
            " a request hook, or inside 'with app.test_request_context():'."
        )
    return req_ctx


def after_this_request(f: ft.AfterRequestCallable[t.Any]) -> ft.AfterRequestCallable[t.Any]:
    """Run ``f(response)`` after this request only, before the ``after_request`` hooks."""
    _active_request_context("after_this_request")._after_request_functions.append(f)
    return f


F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def copy_current_request_context(f: F) -> F:
    """Wrap ``f`` to run inside a copy of the current request context.

    For work handed to a thread or greenlet that still needs ``request`` and ``session``.
    """
    copied = _active_request_context("copy_current_request_context").copy()

    def run_in_copy(*args: t.Any, **kwargs: t.Any) -> t.Any:
        with copied:
            return copied.app.ensure_sync(f)(*args, **kwargs)

    return update_wrapper(run_in_copy, f)  # type: ignore[return-value]


def has_request_context() -> bool:
    """Whether a request context is pushed, so ``request`` and ``session`` work."""
    return _cv_request.get(None) is not None


def has_app_context() -> bool:
    """Whether an app context is pushed, so ``current_app`` and ``g`` work."""
    return _cv_app.get(None) is not None


class _StreamHolds:
    """Streams that hold a context's teardown until their body has been sent.

    A context's last pop normally runs its teardown functions. When a response body made
    by ``stream_with_context`` is still to be iterated, the teardown is kept here and runs
    when the last such stream ends, unless the context has been pushed again meanwhile
    (the test client keeps contexts for inspection), in which case that push's own pop
    runs it. Either way it runs once.
    """

    __slots__ = ("count", "pending", "teardown")

    def __init__(self, teardown: t.Callable[[BaseException | None], None]) -> None:
        self.count = 0
        self.pending: tuple[BaseException | None] | None = None
        self.teardown = teardown

    def defer(self, exc: BaseException | None) -> bool:
        """Keep the teardown for later if a stream holds the context; say whether it did."""
        if self.count:
            self.pending = (exc,)
            return True
        self.pending = None
        return False

    def release(self, is_pushed: bool) -> None:
        self.count -= 1
        if self.count or self.pending is None or is_pushed:
            return
        (exc,) = self.pending
        self.pending = None
        self.teardown(exc)


def _stream_holds(ctx: AppContext | RequestContext) -> _StreamHolds:
    """The stream holds of a context, made on first use: most requests stream nothing."""
    holds = ctx._streams
    if holds is None:
        holds = ctx._streams = _StreamHolds(ctx._teardown)
    return holds


def _teardown_unless_held(ctx: AppContext | RequestContext, exc: BaseException | None) -> None:
    """On a context's last pop: its teardown now, or when the last stream holding it ends."""
    holds = ctx._streams
    if holds is None or not holds.defer(exc):
        ctx._teardown(exc)


class AppContext:
    """The app-level state of a request, a CLI command or a ``with app.app_context()``."""

    def __init__(self, app: Vial) -> None:
        self.app = app
        self.url_adapter = app.create_url_adapter(None)
        """Builds URLs when no request is active (needs ``SERVER_NAME``), else ``None``."""
        self.g: _AppCtxGlobals = app.app_ctx_globals_class()
        """The ``g`` namespace of this context."""
        self._tokens: list[t.Any] = []
        self._streams: _StreamHolds | None = None
        """Made by the first stream that holds this context (see :func:`._stream_holds`)."""

    def _teardown(self, exc: BaseException | None) -> None:
        self.app.do_teardown_appcontext(exc)

    def push(self) -> None:
        """Make this the current app context in this thread, greenlet or task."""
        self._tokens.append(_cv_app.set(self))
        if appcontext_pushed.receivers:
            appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Undo one push; the last one first runs the ``teardown_appcontext`` functions.

        While a streamed response made with ``stream_with_context`` still holds this
        context, the teardown waits for the stream to end.
        """
        try:
            if len(self._tokens) == 1:
                exc = _current_error(exc)
                _teardown_unless_held(self, exc)
        finally:
            current = _cv_app.get()
            _cv_app.reset(self._tokens.pop())
        if current is not self:
            raise AssertionError(
                f"Contexts must be popped in reverse push order: popping {self!r},"
                f" but the current app context is {current!r}."
            )
        if appcontext_popped.receivers:
            appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.app.name!r}>"


def _new_request(app: Vial, environ: WSGIEnvironment) -> Request:
    """The app's request object for an environ, parsing JSON with the app's provider."""
    req = app.request_class(environ)
    req.json_module = app.json
    return req


class RequestContext:
    """The request-level state: the request, its URL adapter, the session, flashes.

    Pushing it pushes an app context too when none for this app is current, then matches
    the URL; a routing failure is kept in ``request.routing_exception`` and raised when the
    request is dispatched.
    """

    def __init__(
        self,
        app: Vial,
        environ: WSGIEnvironment,
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        self.app = app
        if request is None:
            request = _new_request(app, environ)
        self.request: Request = request
        try:
            self.url_adapter = app.create_url_adapter(request)
        except HTTPException as e:  # an untrusted Host, say: answered at dispatch
            self.url_adapter = None
            request.routing_exception = e
        self.flashes: list[tuple[str, str]] | None = None
        """The flashed messages, once ``get_flashed_messages`` took them from the session."""
        self._opened_session = session
        self._after_request_functions: list[ft.AfterRequestCallable[t.Any]] = []
        self._pushes: list[tuple[t.Any, AppContext | None]] = []
        self._streams: _StreamHolds | None = None

    def _teardown(self, exc: BaseException | None) -> None:
        self.app.do_teardown_request(exc)
        close = getattr(self.request, "close", None)
        if close is not None:
            close()

    @property
    def _session(self) -> SessionMixin:
        """The session, opened on first use, without marking it accessed.

        The framework's own reads (saving, copying) go through here, so only the
        application's reads make the response vary on ``Cookie``.
        """
        opened = self._opened_session
        if opened is None:
            interface = self.app.session_interface
            opened = interface.open_session(self.app, self.request)
            if opened is None:
                opened = interface.make_null_session(self.app)
            self._opened_session = opened
        return opened

    @_session.setter
    def _session(self, value: SessionMixin | None) -> None:
        self._opened_session = value

    @property
    def session(self) -> SessionMixin:
        """The session, opened through ``app.session_interface`` on first use.

        Every read of this property (the ``session`` proxy and templates read it)
        marks the session accessed, whatever is done with it next (``in``,
        ``len``, iteration, ``==``...): the response then varies on ``Cookie``,
        so a shared cache never serves one user's page to another.
        """
        opened = self._opened_session
        if opened is None:
            opened = self._session
        opened.accessed = True
        return opened

    @session.setter
    def session(self, value: SessionMixin | None) -> None:
        self._opened_session = value

    @property
    def session_opened(self) -> bool:
        """Whether the session has been opened during this request."""
        return self._opened_session is not None

    def copy(self) -> RequestContext:
        """Another context for the same request and session (for another thread)."""
        return type(self)(
            self.app, environ=self.request.environ, request=self.request, session=self._session
        )

    def match_request(self) -> None:
        """Match the URL: set ``url_rule`` and ``view_args``, or ``routing_exception``."""
        request = self.request
        adapter = self.url_adapter
        if adapter is None:  # the Host was refused: ``routing_exception`` already says why
            return
        try:
            rule, view_args = adapter.match(return_rule=True)
        except HTTPException as e:
            request.routing_exception = e
        else:
            # Werkzeug builds a dict; its signature only promises a Mapping.
            request.url_rule, request.view_args = rule, view_args  # type: ignore[assignment]

    def push(self) -> None:
        """Make this the current request context (with an app context), then match the URL."""
        app_ctx: AppContext | None = None
        current_app_ctx = _cv_app.get(None)
        if current_app_ctx is None or current_app_ctx.app is not self.app:
            app_ctx = self.app.app_context()
            app_ctx.push()
        self._pushes.append((_cv_request.set(self), app_ctx))
        if self._opened_session is None and not self.app._session_is_lazy():
            self._session  # noqa: B018  (a custom interface may expect to open at push)
        if self.url_adapter is not None:
            self.match_request()

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Undo one push; the last one runs teardown and closes the request's files.

        While a streamed response made with ``stream_with_context`` still holds this
        context, the teardown waits for the stream to end; the context variables are
        reset now all the same, so nothing stays bound in this thread or task.
        """
        last = len(self._pushes) == 1
        try:
            if last:
                exc = _current_error(exc)
                _teardown_unless_held(self, exc)
        finally:
            current = _cv_request.get()
            token, app_ctx = self._pushes.pop()
            _cv_request.reset(token)
            if last:
                # Break the environ -> request reference cycle.
                current.request.environ["werkzeug.request"] = None
            if app_ctx is not None:
                app_ctx.pop(exc)
            if current is not self:
                raise AssertionError(
                    f"Contexts must be popped in reverse push order: popping {self!r},"
                    f" but the current request context is {current!r}."
                )

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        req = self.request
        return f"<{type(self).__name__} {req.url!r} [{req.method}] of {self.app.name}>"
