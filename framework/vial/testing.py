"""Test support: a Werkzeug test client and a click runner bound to an app.

``app.test_client()`` and ``app.test_cli_runner()`` build these; subclass them
and set ``app.test_client_class`` / ``app.test_cli_runner_class`` to add
helpers (Flask-Login's test client does exactly that).
"""

from __future__ import annotations

import importlib.metadata
import typing as t
from contextlib import ExitStack, contextmanager
from copy import copy
from types import TracebackType
from urllib.parse import urlsplit

import werkzeug.test
from click.testing import CliRunner, Result
from werkzeug.test import Client
from werkzeug.wrappers import Request as BaseRequest

from .cli import ScriptInfo
from .sessions import SessionMixin

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.test import TestResponse

    from .app import Vial

__all__ = ["EnvironBuilder", "VialClient", "VialCliRunner"]


class EnvironBuilder(werkzeug.test.EnvironBuilder):
    """A Werkzeug environ builder whose default URL comes from the app's
    ``SERVER_NAME``, ``APPLICATION_ROOT`` and ``PREFERRED_URL_SCHEME``, and
    whose ``json=`` argument is dumped with ``app.json``.

    :param path: the path, or a full URL whose scheme and host take precedence.
    :param base_url: the root URL; cannot be combined with ``subdomain`` or
        ``url_scheme``, which otherwise adjust the app's default.
    """

    def __init__(
        self,
        app: Vial,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: t.Any,
        **kwargs: t.Any,
    ) -> None:
        if base_url is not None and (subdomain or url_scheme):
            raise AssertionError('Cannot pass "subdomain" or "url_scheme" with "base_url".')
        self.app = app
        if base_url is None:
            host = app.config.get("SERVER_NAME") or "localhost"
            if subdomain:
                host = f"{subdomain}.{host}"
            if url_scheme is None:
                url_scheme = app.config["PREFERRED_URL_SCHEME"]
            root = (app.config["APPLICATION_ROOT"] or "/").lstrip("/")
            parts = urlsplit(path)
            base_url = f"{parts.scheme or url_scheme}://{parts.netloc or host}/{root}"
            path = parts.path
            if parts.query:
                path = f"{path}?{parts.query}"
        super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``json=`` data with the app's provider."""
        return self.app.json.dumps(obj, **kwargs)  # type: ignore[no-any-return]


_werkzeug_version = ""


def _get_werkzeug_version() -> str:
    global _werkzeug_version
    if not _werkzeug_version:
        _werkzeug_version = importlib.metadata.version("werkzeug")
    return _werkzeug_version


class VialClient(Client):
    """A test client that knows the app's contexts.

    - ``with client:`` keeps the last request's contexts pushed until the
      block ends, so ``request``, ``session`` and ``g`` can be inspected after
      a request.
    - :meth:`session_transaction` opens the session as the app would, lets a
      test change it, and stores it back in the client's cookies.
    - Responses parse ``.json`` with ``app.json``.
    """

    application: Vial

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.preserve_context = False
        self._new_contexts: list[t.ContextManager[t.Any]] = []
        self._context_stack = ExitStack()
        self.environ_base = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"Werkzeug/{_get_werkzeug_version()}",
        }

    @contextmanager
    def session_transaction(self, *args: t.Any, **kwargs: t.Any) -> t.Iterator[SessionMixin]:
        """Yield the session the next request would see; changes are saved to
        the client's cookies when the block exits.

        Arguments build the request as for ``app.test_request_context``, which
        matters when the cookie is scoped to a domain or path.

        :raises TypeError: the client was created with ``use_cookies=False``.
        :raises RuntimeError: the session interface opened no session.
        """
        if self._cookies is None:
            raise TypeError(
                "Cookies are disabled. Create a client with 'use_cookies=True'."
            )
        app = self.application
        ctx = app.test_request_context(*args, **kwargs)
        self._add_cookies_to_wsgi(ctx.request.environ)
        interface = app.session_interface
        with ctx:
            sess = interface.open_session(app, ctx.request)
        if sess is None:
            raise RuntimeError(
                "Session backend did not open a session. Check the app's"
                " secret key and session interface."
            )
        yield sess
        if interface.is_null_session(sess):
            return
        resp = app.response_class()
        with ctx:
            interface.save_session(app, sess, resp)
        self._update_cookies_from_response(
            ctx.request.host.partition(":")[0],
            ctx.request.path,
            resp.headers.getlist("Set-Cookie"),
        )

    def _copy_environ(self, other: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        out = {**self.environ_base, **other}
        if self.preserve_context:
            out["werkzeug.debug.preserve_context"] = self._new_contexts.append
        return out

    def _request_from_builder_args(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> BaseRequest:
        kwargs["environ_base"] = self._copy_environ(kwargs.get("environ_base") or {})
        builder = EnvironBuilder(self.application, *args, **kwargs)
        try:
            return builder.get_request()
        finally:
            builder.close()

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> TestResponse:
        """Make a request; see :meth:`werkzeug.test.Client.open`. Positional
        arguments build the request with :class:`EnvironBuilder`, using the
        app's server name and root."""
        request: BaseRequest | None = None
        if args:
            arg = args[0]
            if isinstance(arg, werkzeug.test.EnvironBuilder):
                builder = copy(arg)
                builder.environ_base = self._copy_environ(builder.environ_base or {})
                request = builder.get_request()
            elif isinstance(arg, dict):
                request = EnvironBuilder.from_environ(
                    arg, app=self.application, environ_base=self._copy_environ({})
                ).get_request()
            elif isinstance(arg, BaseRequest):
                request = copy(arg)
                request.environ = self._copy_environ(request.environ)
        if request is None:
            request = self._request_from_builder_args(args, kwargs)

        # Contexts kept from the previous request end when a new one starts.
        self._context_stack.close()
        response = super().open(
            request, buffered=buffered, follow_redirects=follow_redirects
        )
        response.json_module = self.application.json  # type: ignore[assignment]
        # Re-push the contexts of the last request (the final redirect target)
        # for `with client:`.
        # Pushed in the order the app reported them: app context first.
        while self._new_contexts:
            self._context_stack.enter_context(self._new_contexts.pop(0))
        return response

    def __enter__(self) -> VialClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations")
        self.preserve_context = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.preserve_context = False
        self._context_stack.close()


class VialCliRunner(CliRunner):
    """A click runner that invokes the app's commands with the app loaded."""

    def __init__(self, app: Vial, **kwargs: t.Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: t.Any = None, args: t.Any = None, **kwargs: t.Any
    ) -> Result:
        """Run ``cli`` (default: ``app.cli``) in an isolated environment.

        The app is passed as the ``ScriptInfo`` object, so commands find it
        without ``--app``; pass ``obj=`` to override.
        """
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(cli, args, **kwargs)
