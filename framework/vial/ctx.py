"""Application and request contexts, stored in context variables.

A context is pushed for the duration of a request (or a CLI command, or a test) and binds
the proxies in :mod:`.globals`. Each push stores a :class:`contextvars.Token`, so pushes
nest, and threads, greenlets and asyncio tasks each see their own contexts.

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
    from _typeshed.wsgi import WSGIEnvironment
    from types import TracebackType

    from .app import Vial
    from .sessions import SessionMixin
    from .wrappers import Request

# A sentinel meaning "take the exception from sys.exc_info()".
_sentinel = object()


class _AppCtxGlobals:
    """The ``g`` namespace: per-app-context storage for anything a request needs.

    It behaves like an object (attributes) and a bit like a dict (``get``, ``pop``,
    ``setdefault``, ``in``, iteration over names).
    """

    def __getattr__(self, name: str) -> t.Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: t.Any) -> None:
        self.__dict__[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str, default: t.Any | None = None) -> t.Any:
        """Return an attribute, or ``default`` when it is not set."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: t.Any = _sentinel) -> t.Any:
        """Remove an attribute and return it; ``KeyError`` if absent and no default."""
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        """Return an attribute, setting it to ``default`` first when absent."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> t.Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_app.get(None)
        if ctx is not None:
            return f"<{type(self).__name__} of '{ctx.app.name}'>"
        return object.__repr__(self)


def after_this_request(f: ft.AfterRequestCallable[t.Any]) -> ft.AfterRequestCallable[t.Any]:
    """Run ``f(response)`` after this request only, before the app's ``after_request``."""
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'after_this_request' can only be used when a request"
            " context is active, such as in a view function."
        )
    ctx._after_request_functions.append(f)
    return f


F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def copy_current_request_context(f: F) -> F:
    """Wrap ``f`` so it runs inside a copy of the current request context.

    Useful for work handed to a thread or greenlet that outlives nothing of the request but
    still needs ``request`` and ``session``.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'copy_current_request_context' can only be used when a"
            " request context is active, such as in a view function."
        )
    ctx = ctx.copy()

    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        with ctx:
            return ctx.app.ensure_sync(f)(*args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]


def has_request_context() -> bool:
    """Whether a request context is pushed (``request`` and ``session`` are usable)."""
    return _cv_request.get(None) is not None


def has_app_context() -> bool:
    """Whether an app context is pushed (``current_app`` and ``g`` are usable)."""
    return _cv_app.get(None) is not None


class AppContext:
    """The app-level state of a request, a CLI command or a ``with app.app_context()``."""

    def __init__(self, app: Vial) -> None:
        self.app = app
        self.url_adapter = app.create_url_adapter(None)
        """Builds URLs when no request is active (needs ``SERVER_NAME``), else ``None``."""
        self.g: _AppCtxGlobals = app.app_ctx_globals_class()
        """The ``g`` namespace of this context."""
        self._cv_tokens: list[t.Any] = []

    def push(self) -> None:
        """Bind this context to the current thread, greenlet or task."""
        self._cv_tokens.append(_cv_app.set(self))
        if appcontext_pushed.receivers:
            appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Unbind this context, running the teardown functions on the last pop."""
        try:
            if len(self._cv_tokens) == 1:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_appcontext(exc)
        finally:
            ctx = _cv_app.get()
            _cv_app.reset(self._cv_tokens.pop())
        if ctx is not self:
            raise AssertionError(f"Popped wrong app context. ({ctx!r} instead of {self!r})")
        if appcontext_popped.receivers:
            appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.app.name!r}>"


class RequestContext:
    """The request-level state: the request, its URL adapter, the session, flashes.

    Pushing it also pushes an app context when none for this app is active, and matches the
    URL (a routing failure is stored in ``request.routing_exception`` and raised at dispatch).
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
            request = app.request_class(environ)
            request.json_module = app.json
        self.request: Request = request
        self.url_adapter = None
        try:
            self.url_adapter = app.create_url_adapter(request)
        except HTTPException as e:  # an untrusted Host, for example
            request.routing_exception = e
        self.flashes: list[tuple[str, str]] | None = None
        self._session = session
        self._after_request_functions: list[ft.AfterRequestCallable[t.Any]] = []
        self._cv_tokens: list[tuple[t.Any, AppContext | None]] = []

    @property
    def session(self) -> SessionMixin:
        """The session, opened through ``app.session_interface`` on first use."""
        s = self._session
        if s is None:
            app = self.app
            interface = app.session_interface
            s = interface.open_session(app, self.request)
            if s is None:
                s = interface.make_null_session(app)
            self._session = s
        return s

    @session.setter
    def session(self, value: SessionMixin | None) -> None:
        self._session = value

    @property
    def session_opened(self) -> bool:
        """Whether the session has been opened (read) during this request."""
        return self._session is not None

    def copy(self) -> RequestContext:
        """A new context for the same request and session, for use in another thread."""
        return self.__class__(
            self.app, environ=self.request.environ, request=self.request, session=self.session
        )

    def match_request(self) -> None:
        """Match the URL; store the rule and arguments, or the routing exception."""
        try:
            result = self.url_adapter.match(return_rule=True)  # type: ignore[union-attr]
        except HTTPException as e:
            self.request.routing_exception = e
        else:
            self.request.url_rule, self.request.view_args = result

    def push(self) -> None:
        """Bind this context (and an app context if needed), then match the URL."""
        app_ctx = _cv_app.get(None)
        if app_ctx is None or app_ctx.app is not self.app:
            app_ctx = self.app.app_context()
            app_ctx.push()
        else:
            app_ctx = None
        self._cv_tokens.append((_cv_request.set(self), app_ctx))
        if self._session is None and not self.app._session_is_lazy():
            # A custom session interface may rely on being opened at push time.
            self.session  # noqa: B018
        if self.url_adapter is not None:
            self.match_request()

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Unbind this context; the last pop runs teardown and closes the request."""
        clear_request = len(self._cv_tokens) == 1
        try:
            if clear_request:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_request(exc)
                request_close = getattr(self.request, "close", None)
                if request_close is not None:
                    request_close()
        finally:
            ctx = _cv_request.get()
            token, app_ctx = self._cv_tokens.pop()
            _cv_request.reset(token)
            if clear_request:
                ctx.request.environ["werkzeug.request"] = None
            if app_ctx is not None:
                app_ctx.pop(exc)
            if ctx is not self:
                raise AssertionError(
                    f"Popped wrong request context. ({ctx!r} instead of {self!r})"
                )

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.request.url!r}"
            f" [{self.request.method}] of {self.app.name}>"
        )
