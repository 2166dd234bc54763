"""Test support: a Werkzeug test client and a click runner bound to an app.

``app.test_client()`` and ``app.test_cli_runner()`` build these; subclass them
and set ``app.test_client_class`` / ``app.test_cli_runner_class`` to add
helpers (Flask-Login's test client does exactly that).
"""

from __future__ import annotations

import functools
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
    from werkzeug.test import TestResponse

    from .app import Vial

__all__ = ["EnvironBuilder", "VialClient", "VialCliRunner"]

# The WSGI environ key through which the app hands its contexts to the client
# at the end of a request (see Vial.wsgi_app); a Werkzeug convention.
_PRESERVE_KEY = "werkzeug.debug.preserve_context"


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
            raise AssertionError(
                '"base_url" already holds the scheme and host: pass it, or "subdomain" and'
                ' "url_scheme", not both.'
            )
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
        return self.app.json.dumps(obj, **kwargs)


@functools.cache
def _user_agent() -> str:
    # What a real Werkzeug client would announce; looked up once per process.
    return "Werkzeug/" + importlib.metadata.version("werkzeug")


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

    preserve_context: bool
    """Whether a ``with client:`` block is active."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base = {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": _user_agent()}
        self.preserve_context = False
        # Contexts the app reported for the latest request, and those the
        # client currently holds pushed for the `with` block.
        self._reported_contexts: list[t.ContextManager[t.Any]] = []
        self._held_contexts = ExitStack()

    @contextmanager
    def session_transaction(self, *args: t.Any, **kwargs: t.Any) -> t.Iterator[SessionMixin]:
        """Yield the session the next request would see; changes are saved to
        the client's cookies when the block exits.

        Arguments build the request as for ``app.test_request_context``, which
        matters when the cookie is scoped to a domain or path.

        :raises TypeError: the client was created with ``use_cookies=False``.
        :raises RuntimeError: the session interface opened no session.
        """
        if self._cookies is None:  # Werkzeug's cookie jar; None with use_cookies=False
            raise TypeError(
                "Cookies are disabled for this client, so it has no session."
                " Create it with use_cookies=True."
            )
        app = self.application
        interface = app.session_interface
        fake = app.test_request_context(*args, **kwargs)
        req = fake.request
        self._add_cookies_to_wsgi(req.environ)

        with fake:
            opened = interface.open_session(app, req)
        if opened is None:
            raise RuntimeError(
                "Session backend did not open a session: session_transaction() got None from"
                " the app's session interface. Set a secret key, or make the interface's"
                " open_session return a session."
            )

        yield opened

        if interface.is_null_session(opened):
            return
        carrier = app.response_class()
        with fake:
            interface.save_session(app, opened, carrier)
        server_name = req.host.split(":", 1)[0]
        set_cookie_values = carrier.headers.getlist("Set-Cookie")
        self._update_cookies_from_response(server_name, req.path, set_cookie_values)

    def _environ_with_base(self, overrides: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        """The client's base environ updated with ``overrides``; inside a
        ``with`` block, plus the hook through which the app reports contexts."""
        environ: dict[str, t.Any] = dict(self.environ_base)
        environ.update(overrides)
        if self.preserve_context:
            environ[_PRESERVE_KEY] = self._reported_contexts.append
        return environ

    def _make_request(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> BaseRequest:
        first = args[0] if args else None
        if isinstance(first, werkzeug.test.EnvironBuilder):
            builder = copy(first)
            builder.environ_base = self._environ_with_base(builder.environ_base or {})
            return builder.get_request()
        if isinstance(first, dict):
            from_environ = EnvironBuilder.from_environ(
                first, app=self.application, environ_base=self._environ_with_base({})
            )
            return from_environ.get_request()
        if isinstance(first, BaseRequest):
            duplicate = copy(first)
            duplicate.environ = self._environ_with_base(first.environ)
            return duplicate
        return self._request_from_builder_args(args, kwargs)

    def _request_from_builder_args(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> BaseRequest:
        """The request ``open(*args, **kwargs)`` sends, built with :class:`EnvironBuilder`
        and this client's base environ.

        Private in Flask too, under this name; extensions' test clients (flask-socketio's)
        call it to build a WSGI environ the way the app's own client would.
        """
        kwargs["environ_base"] = self._environ_with_base(kwargs.get("environ_base") or {})
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
        request = self._make_request(args, kwargs)
        # A new request ends the contexts kept from the previous one.
        self._held_contexts.close()
        response = super().open(request, buffered=buffered, follow_redirects=follow_redirects)
        response.json_module = self.application.json  # type: ignore[assignment]
        # Push what the app reported, in the order it reported (app context
        # first), so the last request's contexts stay active in `with client:`.
        reported, self._reported_contexts[:] = list(self._reported_contexts), []
        for context in reported:
            self._held_contexts.enter_context(context)
        return response

    def __enter__(self) -> VialClient:
        if self.preserve_context:
            raise RuntimeError(
                "Cannot nest client invocations: this client is already in a 'with' block."
            )
        self.preserve_context = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.preserve_context = False
        self._held_contexts.close()


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
        app = self.app
        kwargs.setdefault("obj", ScriptInfo(create_app=lambda: app))
        return super().invoke(app.cli if cli is None else cli, args, **kwargs)
